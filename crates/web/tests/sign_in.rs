//! Sign-in, sessions, CSRF and headers, through the router as a browser would use it (R5, R10).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepanel_app::FixedClock;
use carepanel_store::testing::{Backend, TestDb};
use carepanel_web::{WebState, auth, router, templates};
use common::app_on;
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

struct Site {
    _db: TestDb,
    state: WebState,
    clock: Arc<FixedClock>,
    person: String,
}

async fn site() -> Site {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let (app, clock) = app_on(db.db.clone());
    app.ensure_council("bexley").await.unwrap();
    let sw = app
        .create_person(
            "bexley",
            None,
            "Quinn <Worker>",
            "quinn@bexley.example",
            &[("social-worker", None)],
        )
        .await
        .unwrap();
    app.set_password_hash(
        &sw.person_id,
        &auth::hash_password("correct horse battery").unwrap(),
    )
    .await
    .unwrap();
    Site {
        _db: db,
        state: WebState {
            app,
            templates: Arc::new(templates()),
            demo: None,
            sso: Default::default(),
        },
        clock,
        person: sw.person_id,
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn call(site: &Site, req: Request<Body>) -> Reply {
    let res = router(site.state.clone()).oneshot(req).await.unwrap();
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

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

fn post(path: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap()
}

fn cookie_value(r: &Reply, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .split_once('=')
                .map(|x| x.1.to_string())
                .unwrap_or_default()
        })
}

fn form_csrf(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

async fn sign_in(site: &Site, email: &str, password: &str) -> Reply {
    let page = call(site, get("/sign-in", None)).await;
    let login = cookie_value(&page, auth::LOGIN_CSRF_COOKIE).unwrap();
    let csrf = form_csrf(&page.body);
    call(
        site,
        post(
            "/sign-in",
            &format!("{}={login}", auth::LOGIN_CSRF_COOKIE),
            &format!("csrf={csrf}&email={email}&password={password}"),
        ),
    )
    .await
}

#[tokio::test]
async fn r10_security_headers_on_every_response() {
    let site = site().await;
    for path in ["/", "/sign-in", "/no-such-page", "/referrals"] {
        let r = call(&site, get(path, None)).await;
        let csp = r
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(
            r.headers.get("strict-transport-security").is_some(),
            "{path}"
        );
        assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
        assert!(r.headers.get("referrer-policy").is_some());
    }
    let missing = call(&site, get("/no-such-page", None)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("govuk-heading-l") && missing.body.contains("Page not found"));
}

#[tokio::test]
async fn r5_sign_in_session_cookie_and_sign_out() {
    let site = site().await;
    // Not signed in: sent to sign in.
    let r = call(&site, get("/referrals", None)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/sign-in");
    // A wrong password re-shows the form with a GOV.UK error summary and the email, escaped.
    let bad = sign_in(&site, "%3Cscript%3E", "nope").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("govuk-error-summary"));
    assert!(bad.body.contains("&lt;script&gt;") && !bad.body.contains("<script>"));
    // The right password: a session cookie with every protection, and a new id each time.
    let ok = sign_in(&site, "quinn%40bexley.example", "correct+horse+battery").await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let set = ok
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with(auth::SESSION_COOKIE))
        .unwrap();
    for part in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set.contains(part), "{set}");
    }
    let token = cookie_value(&ok, auth::SESSION_COOKIE).unwrap();
    let again = sign_in(&site, "quinn%40bexley.example", "correct+horse+battery").await;
    assert_ne!(cookie_value(&again, auth::SESSION_COOKIE).unwrap(), token);
    let session = format!("{}={token}", auth::SESSION_COOKIE);
    let page = call(&site, get("/referrals", Some(&session))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Quinn &lt;Worker&gt;"),
        "the name is escaped"
    );
    // Sign-out needs the session's CSRF token.
    let no_token = call(&site, post("/sign-out", &session, "csrf=forged")).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let csrf = form_csrf(&page.body);
    let out = call(&site, post("/sign-out", &session, &format!("csrf={csrf}"))).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = call(&site, get("/referrals", Some(&session))).await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "the session ended at once"
    );
}

#[tokio::test]
async fn r5_sign_in_form_needs_its_csrf_cookie() {
    let site = site().await;
    let r = call(
        &site,
        post(
            "/sign-in",
            "",
            "csrf=x&email=quinn%40bexley.example&password=correct+horse+battery",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn r5_lockout_idle_timeout_and_disabled_accounts() {
    let site = site().await;
    for _ in 0..auth::MAX_FAILURES {
        sign_in(&site, "quinn%40bexley.example", "wrong").await;
    }
    let locked = sign_in(&site, "quinn%40bexley.example", "correct+horse+battery").await;
    assert_eq!(locked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(locked.body.contains("locked"), "{}", locked.body);
    // After the lockout, signing in works; then an idle session lapses.
    site.clock.set(
        site.clock.0.lock().map(|t| *t).unwrap() + auth::LOCKOUT + chrono::Duration::minutes(1),
    );
    let ok = sign_in(&site, "quinn%40bexley.example", "correct+horse+battery").await;
    let session = format!(
        "{}={}",
        auth::SESSION_COOKIE,
        cookie_value(&ok, auth::SESSION_COOKIE).unwrap()
    );
    assert_eq!(
        call(&site, get("/referrals", Some(&session))).await.status,
        StatusCode::OK
    );
    site.clock.set(
        site.clock.0.lock().map(|t| *t).unwrap()
            + auth::IDLE_TIMEOUT
            + chrono::Duration::minutes(1),
    );
    assert_eq!(
        call(&site, get("/referrals", Some(&session))).await.status,
        StatusCode::SEE_OTHER
    );
    // A disabled account's sessions end at once.
    let ok = sign_in(&site, "quinn%40bexley.example", "correct+horse+battery").await;
    let session = format!(
        "{}={}",
        auth::SESSION_COOKIE,
        cookie_value(&ok, auth::SESSION_COOKIE).unwrap()
    );
    use sea_orm::{ConnectionTrait, Statement};
    site.state
        .app
        .db
        .execute_raw(Statement::from_sql_and_values(
            site.state.app.db.get_database_backend(),
            "UPDATE person SET active = $1 WHERE id = $2",
            [false.into(), site.person.clone().into()],
        ))
        .await
        .unwrap();
    assert_eq!(
        call(&site, get("/referrals", Some(&session))).await.status,
        StatusCode::SEE_OTHER
    );
}

/// A session kept busy never lapses for idleness, but it ends at the absolute timeout counted
/// from sign-in, however recently it was used (R5).
#[tokio::test]
async fn r5_absolute_timeout_ends_even_a_busy_session() {
    use carepanel_store::entity::session as stored;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let site = site().await;
    let ok = sign_in(&site, "quinn%40bexley.example", "correct+horse+battery").await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let signed_in_at = site.state.app.now();
    let session = format!(
        "{}={}",
        auth::SESSION_COOKIE,
        cookie_value(&ok, auth::SESSION_COOKIE).unwrap()
    );
    // A request every (idle timeout - 1 minute): never idle long enough to lapse.
    let step = auth::IDLE_TIMEOUT - chrono::Duration::minutes(1);
    let last_moment = signed_in_at + auth::ABSOLUTE_TIMEOUT - chrono::Duration::minutes(1);
    let mut at = signed_in_at;
    let mut requests = 0;
    while at + step < last_moment {
        at += step;
        site.clock.set(at);
        let r = call(&site, get("/referrals", Some(&session))).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "the busy session lapsed {} minutes after sign-in",
            (at - signed_in_at).num_minutes()
        );
        requests += 1;
    }
    assert!(
        requests as i64 >= auth::ABSOLUTE_TIMEOUT.num_minutes() / step.num_minutes() - 1,
        "{requests} requests"
    );
    // A minute before the absolute timeout it is still live.
    site.clock.set(last_moment);
    assert_eq!(
        call(&site, get("/referrals", Some(&session))).await.status,
        StatusCode::OK,
        "the session ended before its absolute timeout"
    );
    // Two minutes later, one minute past the absolute timeout, it has ended: never idle, yet
    // sent to sign in, and its row is gone.
    site.clock
        .set(signed_in_at + auth::ABSOLUTE_TIMEOUT + chrono::Duration::minutes(1));
    let after = call(&site, get("/referrals", Some(&session))).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "{}", after.body);
    assert_eq!(after.headers.get(header::LOCATION).unwrap(), "/sign-in");
    let left = stored::Entity::find()
        .filter(stored::Column::PersonId.eq(site.person.clone()))
        .count(&site.state.app.db)
        .await
        .unwrap();
    assert_eq!(left, 0, "the expired session was deleted");
    // Signing in again starts a new session with a new absolute limit.
    let again = sign_in(&site, "quinn%40bexley.example", "correct+horse+battery").await;
    let fresh = format!(
        "{}={}",
        auth::SESSION_COOKIE,
        cookie_value(&again, auth::SESSION_COOKIE).unwrap()
    );
    assert_eq!(
        call(&site, get("/referrals", Some(&fresh))).await.status,
        StatusCode::OK
    );
}

/// Passwords are stored as argon2id hashes (PHC strings), salted afresh each time (R5).
#[tokio::test]
async fn r5_stored_password_hash_is_argon2id() {
    use sea_orm::EntityTrait;
    let site = site().await;
    let person = carepanel_store::entity::person::Entity::find_by_id(site.person.clone())
        .one(&site.state.app.db)
        .await
        .unwrap()
        .unwrap();
    let stored = person.password_hash.unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(
        stored.starts_with("$argon2id$v=19$"),
        "argon2 version 1.3: {stored}"
    );
    assert!(!stored.contains("correct horse battery"));
    // A new random salt each time: the same password never gives the same stored hash.
    let again = auth::hash_password("correct horse battery").unwrap();
    assert!(again.starts_with("$argon2id$"), "{again}");
    assert_ne!(stored, again);
    // And the stored hash is the one sign-in checks.
    let ok = sign_in(&site, "quinn%40bexley.example", "correct+horse+battery").await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

/// Every cookie carepanel sets is `__Host-`: Secure, Path=/ and no Domain, so it is bound to
/// this host; it is also HttpOnly and SameSite (R5). Checked on the sign-in page, a successful
/// sign-in and a sign-out.
#[tokio::test]
async fn r5_cookies_are_host_prefixed_without_a_domain() {
    assert!(auth::SESSION_COOKIE.starts_with("__Host-"));
    assert!(auth::LOGIN_CSRF_COOKIE.starts_with("__Host-"));
    let site = site().await;
    let set_cookies = |r: &Reply| -> Vec<String> {
        r.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    };
    let check = |what: &str, cookies: &[String]| {
        assert!(!cookies.is_empty(), "{what}: no cookie set");
        for c in cookies {
            assert!(c.starts_with("__Host-"), "{what}: {c}");
            let attributes: Vec<String> = c
                .split(';')
                .skip(1)
                .map(|a| a.trim().to_ascii_lowercase())
                .collect();
            assert!(
                !attributes.iter().any(|a| a.starts_with("domain")),
                "{what}: a __Host- cookie has no Domain: {c}"
            );
            for want in ["secure", "httponly", "path=/"] {
                assert!(
                    attributes.iter().any(|a| a == want),
                    "{what}: {want} missing: {c}"
                );
            }
            assert!(
                attributes
                    .iter()
                    .any(|a| a == "samesite=lax" || a == "samesite=strict"),
                "{what}: SameSite missing: {c}"
            );
        }
    };
    let page = call(&site, get("/sign-in", None)).await;
    check("the sign-in page", &set_cookies(&page));
    let ok = sign_in(&site, "quinn%40bexley.example", "correct+horse+battery").await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let cookies = set_cookies(&ok);
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with(&format!("{}=", auth::SESSION_COOKIE))),
        "{cookies:?}"
    );
    check("signing in", &cookies);
    let session = format!(
        "{}={}",
        auth::SESSION_COOKIE,
        cookie_value(&ok, auth::SESSION_COOKIE).unwrap()
    );
    let referrals = call(&site, get("/referrals", Some(&session))).await;
    let csrf = form_csrf(&referrals.body);
    let out = call(&site, post("/sign-out", &session, &format!("csrf={csrf}"))).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    check("signing out", &set_cookies(&out));
}

#[tokio::test]
async fn the_stylesheet_is_govuk_frontend_in_arial_without_gds_transport() {
    let site = site().await;
    let css = call(&site, get("/assets/carepanel.css", None)).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        css.headers.get(header::CONTENT_TYPE).unwrap(),
        "text/css; charset=utf-8"
    );
    assert!(
        css.body.contains(".govuk-button"),
        "GOV.UK Frontend is compiled in"
    );
    assert!(css.body.contains("arial,sans-serif"));
    assert!(!css.body.contains("GDS Transport") && !css.body.contains("@font-face"));
    let js = call(&site, get("/assets/init.js", None)).await;
    assert!(js.body.contains("govuk-frontend-supported"));
}

/// SIGN-05 through the pages: the team manager signs off from their queue; the service
/// manager's return without comments is re-shown with an error summary and what was typed.
#[tokio::test]
async fn sign_off_journey_through_the_pages() {
    let site = site().await;
    let app = &site.state.app;
    let hash = auth::hash_password("pw for tests").unwrap();
    let tm = app
        .create_person(
            "bexley",
            None,
            "Terry Manager",
            "tm@bexley.example",
            &[("team-manager", None)],
        )
        .await
        .unwrap();
    let sm = app
        .create_person(
            "bexley",
            None,
            "Sasha Manager",
            "sm@bexley.example",
            &[("service-manager", None)],
        )
        .await
        .unwrap();
    for p in [&tm, &sm] {
        app.set_password_hash(&p.person_id, &hash).await.unwrap();
    }
    let sw = app.actor(&site.person).await.unwrap();
    let child = app
        .register_child(
            &sw,
            carepanel_app::setup::NewChild {
                case_system: "Liquid Logic",
                case_system_id: "LL-77",
                name: "Child Omega",
                date_of_birth: chrono::NaiveDate::from_ymd_opt(2015, 5, 5).unwrap(),
                sex: None,
                ethnicity: None,
                disability: None,
                legal_status: None,
                looked_after: false,
            },
        )
        .await
        .unwrap();
    let (_, panel) = app.panel("bexley-rcp").unwrap();
    let form = panel.form("bexley-referral").unwrap();
    let id = app
        .create_draft(
            &sw,
            carepanel_app::referrals::NewReferral {
                panel_id: "bexley-rcp".into(),
                category: "support-package-over-1000".into(),
                child_id: child,
                form_id: Some(form.id.clone()),
                answers: carepanel_app::demo_data::sample_answers(
                    form,
                    chrono::NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
                ),
                amount: Some(carepanel_domain::Money::from_pounds(2000)),
                children: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.send(&sw, &id).await.unwrap();

    let session_of = |r: &Reply| {
        format!(
            "{}={}",
            auth::SESSION_COOKIE,
            cookie_value(r, auth::SESSION_COOKIE).unwrap()
        )
    };
    let tm_session = session_of(&sign_in(&site, "tm%40bexley.example", "pw+for+tests").await);
    let queue = call(&site, get("/sign-offs", Some(&tm_session))).await;
    assert!(
        queue.body.contains(&format!("/referrals/{id}")),
        "the referral waits for the team manager"
    );
    let page = call(&site, get(&format!("/referrals/{id}"), Some(&tm_session))).await;
    assert!(page.body.contains("Sign off as ready to proceed"));
    let csrf = form_csrf(&page.body);
    let signed = call(
        &site,
        post(
            &format!("/referrals/{id}/sign-off"),
            &tm_session,
            &format!("csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);

    let sm_session = session_of(&sign_in(&site, "sm%40bexley.example", "pw+for+tests").await);
    let page = call(&site, get(&format!("/referrals/{id}"), Some(&sm_session))).await;
    let csrf = form_csrf(&page.body);
    let blank = call(
        &site,
        post(
            &format!("/referrals/{id}/return"),
            &sm_session,
            &format!("csrf={csrf}&comments=+++"),
        ),
    )
    .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        blank.body.contains("govuk-error-summary")
            && blank.body.contains("Enter what needs to change")
    );
    let returned = call(
        &site,
        post(
            &format!("/referrals/{id}/return"),
            &sm_session,
            &format!("csrf={csrf}&comments=Add+the+%3Cb%3Egenogram%3C%2Fb%3E"),
        ),
    )
    .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);
    let r = app.referral(&sw, &id).await.unwrap();
    assert_eq!(r.state, "returned");
    // The worker's own page offers no sign-off to the author.
    let sw_session =
        session_of(&sign_in(&site, "quinn%40bexley.example", "correct+horse+battery").await);
    let own = call(&site, get(&format!("/referrals/{id}"), Some(&sw_session))).await;
    assert!(!own.body.contains("Sign off as ready to proceed"));

    // "Your referrals" shows 50 at a time (P5): with 51, the first page links to the next,
    // which holds the oldest and links back; a made-up key is refused naming the rule.
    let child = app.referral(&sw, &id).await.unwrap().child_id;
    for _ in 0..50 {
        app.create_draft(
            &sw,
            carepanel_app::referrals::NewReferral {
                panel_id: "bexley-rcp".into(),
                category: "support-package-over-1000".into(),
                child_id: child.clone(),
                form_id: Some(form.id.clone()),
                children: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    // The clock stands still, so all 51 were changed at the same moment: the id breaks the tie.
    let first = call(&site, get("/referrals", Some(&sw_session))).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first.body.matches("govuk-table__row").count(),
        51,
        "a head and 50 rows"
    );
    assert!(
        !first.body.contains(&format!("/referrals/{id}\"")),
        "the oldest waits"
    );
    let next = first
        .body
        .split("rel=\"next\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|h| h.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(next.starts_with("/referrals?after="), "{next}");
    let second = call(&site, get(&next, Some(&sw_session))).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.body.contains(&format!("/referrals/{id}\"")));
    assert!(!second.body.contains("rel=\"next\""));
    assert!(second.body.contains("href=\"/referrals\" rel=\"prev\""));
    let bad = call(&site, get("/referrals?after=yesterday", Some(&sw_session))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("P5"), "{}", bad.body);
}

#[tokio::test]
async fn requests_the_framework_refuses_get_the_same_error_pages() {
    let site = site().await;
    let wrong_type = call(
        &site,
        Request::post("/referrals/new")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{\"panel\": 1}"))
            .unwrap(),
    )
    .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        wrong_type.body.contains("govuk-heading-l"),
        "{}",
        wrong_type.body
    );
    assert!(wrong_type.body.contains("The form could not be read"));
    let wrong_method = call(
        &site,
        Request::put("/referrals").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        wrong_method
            .body
            .contains("This page cannot be used that way")
    );
    // Both keep the security headers.
    assert!(
        wrong_method
            .headers
            .get("content-security-policy")
            .is_some()
    );
}

/// The page-level field macros are the GOV.UK components with our names and values.
#[test]
fn the_field_macros_render_govuk_components() {
    let env = templates();
    let render = |src: &str| {
        env.template_from_named_str("field.html", src)
            .unwrap()
            .render(minijinja::context! {})
            .unwrap()
    };
    let date = render(
        r#"{% from "_date.html" import date_input %}{{ date_input("r0-start", "Start", {"day": "31", "month": "2"}, "Start must be a real date") }}"#,
    );
    for want in [
        r#"id="r0-start-day" name="r0-start-day" type="text" value="31" inputmode="numeric""#,
        r#"name="r0-start-month" type="text" value="2""#,
        r#"name="r0-start-year" type="text" inputmode="numeric""#,
        "govuk-form-group--error",
        "govuk-input--error",
        r#"aria-describedby="r0-start-hint r0-start-error""#,
        "Start must be a real date",
        "govuk-fieldset__legend--s",
    ] {
        assert!(date.contains(want), "{want} not in {date}");
    }
    let money = render(
        r#"{% from "_date.html" import text_input %}{{ text_input("amount", "Amount", "12.345", none, hint="In pounds", width=10, prefix="£") }}"#,
    );
    for want in [
        r#"<div class="govuk-input__prefix" aria-hidden="true">£</div>"#,
        r#"class="govuk-input govuk-input--width-10" id="amount" name="amount" type="text" value="12.345" aria-describedby="amount-hint""#,
    ] {
        assert!(money.contains(want), "{want} not in {money}");
    }
    assert!(!money.contains("govuk-error-message"));
    let area = render(
        r#"{% from "_date.html" import textarea %}{{ textarea("why", "Why", "<b>kept</b>", "Say why") }}"#,
    );
    assert!(
        area.contains("&lt;b&gt;kept&lt;/b&gt;</textarea>"),
        "{area}"
    );
    assert!(area.contains(r#"aria-describedby="why-error""#), "{area}");
    // Text put into a component's cells stays escaped.
    let table = env
        .get_template("referrals.html")
        .unwrap()
        .render(minijinja::context! {
            title => "t",
            referrals => vec![minijinja::context! { id => "r1", panel => "<b>Panel</b>", category => "A & B", state => "draft", updated => "today" }],
        })
        .unwrap();
    assert!(
        table
            .contains(r#"<a class="govuk-link" href="/referrals/r1">&lt;b&gt;Panel&lt;/b&gt;</a>"#),
        "{table}"
    );
    assert!(table.contains("A &amp; B"));
    assert!(table.contains(r#"<strong class="govuk-tag">"#));
}

/// A page shown again with problems renders: nothing the layout sets for the error summary
/// or the menu takes the place of a page's own variables (here the item page's `links`).
#[test]
fn pages_with_problems_keep_their_own_variables() {
    let env = templates();
    let html = env
        .get_template("item.html")
        .unwrap()
        .render(minijinja::context! {
            title => "Item",
            actor_name => "A Chair",
            csrf => "t",
            nav => minijinja::context! { meetings => true },
            is_chair => true,
            id => "i1",
            meeting_id => "m1",
            links => vec![("housing-panel", "Housing panel")],
            later_meetings => vec![("2026-12-10", "10 December 2026")],
            outcomes => vec![minijinja::context! { id => "approved", label => "Approved", hint => "" }],
            errors => vec![minijinja::context! { field => "outcome", message => "Choose the decision" }],
            inline => minijinja::context! { outcome => "Choose the decision" },
        })
        .unwrap();
    assert!(
        html.contains(r#"<option value="housing-panel">Housing panel</option>"#),
        "{html}"
    );
    assert!(html.contains(r#"href="/meetings""#), "the menu is shown");
    assert!(
        html.contains(r##"<a href="#outcome">Choose the decision</a>"##),
        "{html}"
    );
}

#[test]
fn every_template_file_is_registered_and_parses() {
    let env = templates();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut n = 0;
    for sub in ["", "govuk/"] {
        for entry in std::fs::read_dir(format!("{dir}/{sub}")).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                continue;
            }
            let name = format!("{sub}{}", entry.file_name().to_string_lossy());
            assert!(
                env.get_template(&name).is_ok(),
                "{name} is not registered in templates(), or does not parse"
            );
            n += 1;
        }
    }
    assert!(n >= 40, "{n} templates");
}
