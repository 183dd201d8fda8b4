//! The council administrator's pages driven as a browser would: accounts with bad input kept,
//! a new account that can sign in, roles given and taken away, an account disabled with its
//! sessions ended, the policy version and the bank holidays (SEC-01, CFG-03, CAL-02).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepanel_store::testing::{Backend, TestDb};
use carepanel_web::{WebState, auth, router, templates};
use common::app_on;
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn call(state: &WebState, req: Request<Body>) -> Reply {
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

fn post(path: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap()
}

fn cookie(r: &Reply, name: &str) -> String {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string()
}

fn csrf(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// Signs in and returns the session cookie, or None when the sign-in is refused.
async fn session(state: &WebState, email: &str, password: &str) -> Option<String> {
    let page = call(state, Request::get("/sign-in").body(Body::empty()).unwrap()).await;
    let login = cookie(&page, auth::LOGIN_CSRF_COOKIE);
    let token = csrf(&page.body);
    let r = call(
        state,
        post(
            "/sign-in",
            &login,
            &format!("csrf={token}&email={email}&password={password}"),
        ),
    )
    .await;
    (r.status == StatusCode::SEE_OTHER && r.headers.get(header::LOCATION).unwrap() != "/sign-in")
        .then(|| cookie(&r, auth::SESSION_COOKIE))
}

fn location(r: &Reply) -> String {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn the_administrator_manages_accounts_roles_and_sees_policy_and_calendar() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let (app, _clock) = app_on(db.db.clone());
    app.ensure_council("bexley").await.unwrap();
    let team = app.create_team("bexley", "Children in Need").await.unwrap();
    let admin = app
        .create_person(
            "bexley",
            None,
            "Ada Admin",
            "admin@bexley.example",
            &[("council-administrator", None)],
        )
        .await
        .unwrap();
    app.set_password_hash(
        &admin.person_id,
        &auth::hash_password("admin password 1").unwrap(),
    )
    .await
    .unwrap();
    let state = WebState {
        app,
        templates: Arc::new(templates()),
        demo: None,
        sso: Default::default(),
    };
    let s = session(&state, "admin%40bexley.example", "admin+password+1")
        .await
        .unwrap();

    // A bad form is shown again with every problem named and what was typed kept; the
    // password is never echoed back.
    let form = call(&state, get("/admin/people/new", &s)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Children in Need"), "{}", form.body);
    let token = csrf(&form.body);
    let bad = call(
        &state,
        post(
            "/admin/people/new",
            &s,
            &format!("csrf={token}&name=Rory+Newstart&email=rory-at-bexley&team={team}&role=&panel=&password=short+one"),
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Enter an email address in the correct format",
        "Select a role",
        "Enter a first password of at least 12 characters",
    ] {
        assert!(bad.body.contains(message), "{message}");
    }
    assert!(bad.body.contains("value=\"Rory Newstart\""));
    assert!(bad.body.contains("value=\"rory-at-bexley\""));
    assert!(!bad.body.contains("short one"));

    let made = call(
        &state,
        post(
            "/admin/people/new",
            &s,
            &format!("csrf={token}&name=Rory+Newstart&email=Rory%40Bexley.example&team={team}&role=social-worker&panel=&password=a+long+first+password"),
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let page_path = location(&made);
    let id = page_path.trim_start_matches("/admin/people/").to_string();
    // The same email again is refused.
    let twice = call(
        &state,
        post(
            "/admin/people/new",
            &s,
            &format!("csrf={token}&name=Rory+Again&email=rory%40bexley.example&role=social-worker&panel=&password=a+long+first+password"),
        ),
    )
    .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.body.contains("already exists"));

    // The new person signs in with the first password (the email is kept in lower case).
    let rory = session(&state, "rory%40bexley.example", "a+long+first+password")
        .await
        .expect("the new account signs in");
    let rory_home = call(&state, get("/referrals", &rory)).await;
    assert_eq!(rory_home.status, StatusCode::OK);
    // The menu offers only what the person's roles open.
    assert!(rory_home.body.contains("href=\"/planner\""));
    for closed in [
        "/admin/people",
        "/finance",
        "/interim",
        "/meetings",
        "/sign-offs",
    ] {
        assert!(
            !rory_home.body.contains(&format!("href=\"{closed}\"")),
            "a social worker's menu offers {closed}"
        );
    }
    assert!(form.body.contains("href=\"/admin/people\""));
    // A social worker may not manage accounts.
    assert_eq!(
        call(&state, get("/admin/people", &rory)).await.status,
        StatusCode::FORBIDDEN
    );

    // A role for one panel; an unknown role is refused with the field named.
    let person = call(&state, get(&page_path, &s)).await;
    assert!(
        person.body.contains("Social Worker") || person.body.contains("social worker"),
        "{}",
        person.body
    );
    let unknown = call(
        &state,
        post(
            &format!("{page_path}/roles"),
            &s,
            &format!("csrf={token}&role=wizard&panel=bexley-rcp"),
        ),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body.contains("&#39;wizard&#39; is not a role"),
        "{}",
        unknown.body
    );
    let granted = call(
        &state,
        post(
            &format!("{page_path}/roles"),
            &s,
            &format!("csrf={token}&role=panel-member&panel=bexley-rcp"),
        ),
    )
    .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER);
    let people = state.app.people(&admin).await.unwrap();
    let rory_view = people.iter().find(|p| p.person.id == id).unwrap();
    assert_eq!(rory_view.roles.len(), 2);
    let member_role = rory_view
        .roles
        .iter()
        .find(|(_, _, panel)| panel != "every panel")
        .unwrap()
        .0
        .clone();
    let removed = call(
        &state,
        post(
            &format!("{page_path}/roles/remove"),
            &s,
            &format!("csrf={token}&role_id={member_role}"),
        ),
    )
    .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let people = state.app.people(&admin).await.unwrap();
    assert_eq!(
        people
            .iter()
            .find(|p| p.person.id == id)
            .unwrap()
            .roles
            .len(),
        1
    );

    // Disabling ends the person's session at once; re-enabling lets them sign in again.
    let disabled = call(
        &state,
        post(
            &format!("{page_path}/account"),
            &s,
            &format!("csrf={token}&action=disable"),
        ),
    )
    .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    let after = call(&state, get("/referrals", &rory)).await;
    assert_eq!(location(&after), "/sign-in");
    assert!(
        session(&state, "rory%40bexley.example", "a+long+first+password")
            .await
            .is_none()
    );
    call(
        &state,
        post(
            &format!("{page_path}/account"),
            &s,
            &format!("csrf={token}&action=enable"),
        ),
    )
    .await;
    assert!(
        session(&state, "rory%40bexley.example", "a+long+first+password")
            .await
            .is_some()
    );
    // The administrator cannot disable themselves.
    let own = call(
        &state,
        post(
            &format!("/admin/people/{}/account", admin.person_id),
            &s,
            &format!("csrf={token}&action=disable"),
        ),
    )
    .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.body.contains("SEC-01"));

    // The policy in force with its version, and the bank holidays.
    let policy = call(&state, get("/admin/policy", &s)).await;
    let (bexley, _) = state.app.panel("bexley-rcp").unwrap();
    assert!(policy.body.contains(&bexley.policy.version));
    assert!(policy.body.contains("In force"));
    assert!(policy.body.contains("bexley-rcp"));
    let holidays = call(&state, get("/admin/bank-holidays", &s)).await;
    assert!(holidays.body.contains("Friday 25 December 2026"));
    assert!(holidays.body.contains("Christmas Day"));
    carepanel_store::audit::verify(&state.app.db).await.unwrap();
}
