//! R4 (fast): every route for every kind of person, against the table in `access.toml`,
//! written apart from the code. A route missing from the table fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepanel_store::testing::{Backend, TestDb};
use carepanel_web::{WebState, auth, router, routes, templates};
use common::app_on;
use std::collections::BTreeMap;
use std::sync::Arc;
use tower::ServiceExt;

const PEOPLE: [&str; 8] = [
    "anonymous",
    "author",
    "other-team",
    "team-manager",
    "service-manager",
    "other-council",
    "coordinator",
    "administrator",
];

struct World {
    _db: TestDb,
    state: WebState,
    referral: String,
    meeting: String,
    child: String,
    item: String,
    decision: String,
    interim: String,
    person: String,
    /// An API token of the author's.
    api_token: String,
    tokens: BTreeMap<&'static str, (String, String)>,
}

async fn world() -> World {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let (app, _clock) = app_on(db.db.clone());
    app.ensure_council("bexley").await.unwrap();
    app.ensure_council("devon").await.unwrap();
    let team = app.create_team("bexley", "Children in Need").await.unwrap();
    let other_team = app
        .create_team("bexley", "Children with Disabilities")
        .await
        .unwrap();
    let people = [
        ("author", "bexley", Some(team.as_str()), "social-worker"),
        (
            "other-team",
            "bexley",
            Some(other_team.as_str()),
            "social-worker",
        ),
        (
            "team-manager",
            "bexley",
            Some(team.as_str()),
            "team-manager",
        ),
        ("service-manager", "bexley", None, "service-manager"),
        ("other-council", "devon", None, "social-worker"),
        ("coordinator", "bexley", None, "business-support-officer"),
        ("administrator", "bexley", None, "council-administrator"),
    ];
    let hash = auth::hash_password("access test").unwrap();
    let mut actors = BTreeMap::new();
    for (who, council, t, role) in people {
        let a = app
            .create_person(
                council,
                t,
                who,
                &format!("{who}@{council}.example"),
                &[(role, None)],
            )
            .await
            .unwrap();
        app.set_password_hash(&a.person_id, &hash).await.unwrap();
        actors.insert(who, a);
    }
    let sw = &actors["author"];
    let person = sw.person_id.clone();
    let child = app
        .register_child(
            sw,
            carepanel_app::setup::NewChild {
                case_system: "Liquid Logic",
                case_system_id: "LL-ACCESS",
                name: "Child Access",
                date_of_birth: chrono::NaiveDate::from_ymd_opt(2014, 9, 9).unwrap(),
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
    let referral = app
        .create_draft(
            sw,
            carepanel_app::referrals::NewReferral {
                panel_id: "bexley-rcp".into(),
                category: "support-package-over-1000".into(),
                child_id: child.clone(),
                form_id: Some(form.id.clone()),
                answers: carepanel_app::demo_data::sample_answers(
                    form,
                    chrono::NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
                ),
                amount: Some(carepanel_domain::Money::from_pounds(1500)),
                children: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.send(sw, &referral).await.unwrap();
    // A meeting of the panel, as listing would store it.
    let (policy, panel) = app.panel("bexley-rcp").unwrap();
    let next = app
        .scheduler(policy, panel)
        .next_meeting(app.local_now())
        .unwrap();
    let meeting = carepanel_app::new_id();
    use sea_orm::ActiveModelTrait;
    carepanel_store::entity::meeting::ActiveModel {
        id: sea_orm::Set(meeting.clone()),
        council_id: sea_orm::Set("bexley".into()),
        panel_id: sea_orm::Set("bexley-rcp".into()),
        starts_at: sea_orm::Set(carepanel_domain::schedule::iso_minute(next.start)),
        meeting_date: sea_orm::Set(next.date),
        cutoff: sea_orm::Set(carepanel_domain::schedule::iso_minute(next.cutoff)),
        status: sea_orm::Set("scheduled".into()),
        units_used: sea_orm::Set(0),
        booked_minutes: sea_orm::Set(0),
        cancelled_by: sea_orm::Set(None),
        cancel_reason: sea_orm::Set(None),
        papers_circulated_at: sea_orm::Set(None),
        version: sea_orm::Set(0),
    }
    .insert(&app.db)
    .await
    .unwrap();
    // The referral's place on that meeting, a decision taken on it earlier, and a decision
    // between meetings awaiting ratification there, as the use cases store them.
    let item = carepanel_app::new_id();
    carepanel_store::entity::agenda_item::ActiveModel {
        id: sea_orm::Set(item.clone()),
        meeting_id: sea_orm::Set(meeting.clone()),
        referral_id: sea_orm::Set(Some(referral.clone())),
        kind: sea_orm::Set("new".into()),
        position: sea_orm::Set(1),
        slot_start: sea_orm::Set(None),
        slot_end: sea_orm::Set(None),
        units: sea_orm::Set(1),
        status: sea_orm::Set("listed".into()),
        chair_priority: sea_orm::Set(None),
        note: sea_orm::Set("Listed on time".into()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let decision = carepanel_app::new_id();
    carepanel_store::entity::decision::ActiveModel {
        id: sea_orm::Set(decision.clone()),
        council_id: sea_orm::Set("bexley".into()),
        panel_id: sea_orm::Set("bexley-rcp".into()),
        agenda_item_id: sea_orm::Set(item.clone()),
        referral_id: sea_orm::Set(Some(referral.clone())),
        outcome: sea_orm::Set("resource-approved".into()),
        rationale: sea_orm::Set("Meets the threshold".into()),
        lines: sea_orm::Set("[]".into()),
        conditions: sea_orm::Set("[]".into()),
        return_date: sea_orm::Set(None),
        defer_to: sea_orm::Set(None),
        link: sea_orm::Set(None),
        total_pence: sea_orm::Set(0),
        weekly_pence: sea_orm::Set(0),
        policy_version: sea_orm::Set("test".into()),
        decided_by: sea_orm::Set(actors["service-manager"].person_id.clone()),
        decided_at: sea_orm::Set(chrono::Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let interim = carepanel_app::new_id();
    carepanel_store::entity::interim_decision::ActiveModel {
        id: sea_orm::Set(interim.clone()),
        council_id: sea_orm::Set("bexley".into()),
        panel_id: sea_orm::Set("bexley-rcp".into()),
        child_id: sea_orm::Set(child.clone()),
        referral_id: sea_orm::Set(None),
        situation: sea_orm::Set("urgent".into()),
        approver_id: sea_orm::Set(actors["service-manager"].person_id.clone()),
        approver_role: sea_orm::Set("service-manager".into()),
        in_absence_of: sea_orm::Set(None),
        absence_reason: sea_orm::Set(None),
        amount_pence: sea_orm::Set(Some(50_000)),
        request: sea_orm::Set("Emergency respite for a weekend".into()),
        why_urgent: sea_orm::Set("The carer is in hospital".into()),
        decided_at: sea_orm::Set(chrono::Utc::now()),
        valid_until: sea_orm::Set(carepanel_domain::schedule::iso_minute(next.start)),
        ratification_meeting_id: sea_orm::Set(meeting.clone()),
        status: sea_orm::Set("awaiting-ratification".into()),
        policy_version: sea_orm::Set("test".into()),
        rule: sea_orm::Set("test".into()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let mut tokens = BTreeMap::new();
    for (who, _, _, _) in people {
        let council = if who == "other-council" {
            "devon"
        } else {
            "bexley"
        };
        let Ok(s) = auth::sign_in(&app, &format!("{who}@{council}.example"), "access test")
            .await
            .unwrap()
        else {
            panic!("{who} signs in");
        };
        tokens.insert(who, (s.token, s.csrf));
    }
    let api_token = app
        .create_api_token(
            &actors["author"],
            "Case system",
            &["referrals:read".to_string()],
            30,
        )
        .await
        .unwrap()
        .id;
    World {
        _db: db,
        state: WebState {
            app,
            templates: Arc::new(templates()),
            demo: None,
            sso: Default::default(),
        },
        referral,
        meeting,
        child,
        item,
        decision,
        interim,
        person,
        api_token,
        tokens,
    }
}

fn outcome(status: StatusCode, location: Option<&str>) -> &'static str {
    match (status.as_u16(), location) {
        (200, _) => "ok",
        (303, Some("/sign-in")) => "sign-in",
        (303, _) => "done",
        (400, _) => "bad-request",
        (403, _) => "forbidden",
        (404, _) => "not-found",
        (422, _) => "invalid",
        _ => "other",
    }
}

/// What is missing or wrong in a response's security headers (R10): a content security policy
/// without unsafe-inline that forbids framing, HSTS, nosniff and a referrer policy.
fn header_problems(h: &axum::http::HeaderMap) -> Vec<String> {
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut problems = Vec::new();
    let csp = get("content-security-policy");
    if csp.is_empty() || csp.contains("unsafe-inline") || !csp.contains("frame-ancestors 'none'") {
        problems.push(format!("content-security-policy {csp:?}"));
    }
    if !get("strict-transport-security").starts_with("max-age=") {
        problems.push("strict-transport-security".into());
    }
    if get("x-content-type-options") != "nosniff" {
        problems.push("x-content-type-options".into());
    }
    if get("referrer-policy").is_empty() {
        problems.push("referrer-policy".into());
    }
    problems
}

/// The table's path with the world's records put in.
fn route_uri(w: &World, path: &str) -> String {
    path.replace("{id}", &w.referral)
        .replace("{meeting}", &w.meeting)
        .replace("{child}", &w.child)
        .replace("{item}", &w.item)
        .replace("{decision}", &w.decision)
        .replace("{interim}", &w.interim)
        .replace("{person}", &w.person)
        .replace("{token}", &w.api_token)
        .replace("{council}", "bexley")
        .replace("{export}", "decisions.csv?panel=bexley-rcp&period=fy")
}

async fn request(
    w: &World,
    method: &str,
    path: &str,
    who: &str,
) -> (StatusCode, Option<String>, Vec<String>) {
    let uri = route_uri(w, path);
    let mut b = Request::builder().method(method).uri(uri);
    let mut body = String::new();
    if let Some((token, csrf)) = w.tokens.get(who) {
        b = b.header(header::COOKIE, format!("{}={token}", auth::SESSION_COOKIE));
        body = format!("csrf={csrf}&comments=Please+add+the+costs+per+week");
    }
    if method == "POST" && path.ends_with("/attachments") {
        // The attachment form is a file upload.
        let csrf = w.tokens.get(who).map(|(_, c)| c.as_str()).unwrap_or("");
        body = format!(
            "--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--XX\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\nassessment\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nnotes\r\n--XX--\r\n"
        );
        b = b.header(header::CONTENT_TYPE, "multipart/form-data; boundary=XX");
    } else if method == "POST" {
        b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let res = router(w.state.clone())
        .oneshot(b.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut problems = header_problems(res.headers());
    // Every denial is logged with the rule that refused it (R4): the log takes it from here.
    if res.status() == StatusCode::FORBIDDEN {
        match res.extensions().get::<carepanel_web::Denied>() {
            Some(d) if d.0.contains('(') && d.0.ends_with(')') => {}
            other => problems.push(format!("a denial without its rule for the log: {other:?}")),
        }
    }
    (res.status(), location, problems)
}

#[tokio::test]
async fn r4_r10_every_route_for_every_person_matches_the_access_table_with_its_headers() {
    let table: toml::Value = toml::from_str(include_str!("access.toml")).unwrap();
    let rows = table["route"].as_array().unwrap();
    let key = |m: &str, p: &str| format!("{m} {p}");
    let listed: Vec<String> = rows
        .iter()
        .map(|r| key(r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect();
    // The table names path parameters by what they are; the router calls them all {id}.
    let served: Vec<String> = routes().iter().map(|(m, p, _)| key(m, p)).collect();
    let listed_as_served: Vec<String> = listed
        .iter()
        .map(|l| {
            [
                "{meeting}",
                "{child}",
                "{item}",
                "{decision}",
                "{interim}",
                "{person}",
                "{token}",
                "{council}",
                "{export}",
            ]
            .iter()
            .fold(l.clone(), |acc, p| acc.replace(p, "{id}"))
        })
        .collect();
    for s in &served {
        assert!(
            listed_as_served.contains(s),
            "{s} has no row in access.toml"
        );
    }
    for l in &listed_as_served {
        assert!(
            served.contains(l),
            "access.toml lists {l}, which is not served"
        );
    }
    let mut checked = 0;
    let mut wrong = Vec::new();
    let shared = world().await;
    for row in rows {
        let method = row["method"].as_str().unwrap();
        let path = row["path"].as_str().unwrap();
        for who in PEOPLE {
            let expected = row[who]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no entry for {who}"));
            // State-changing requests each get a fresh world, so one person's action does not
            // change what the next one finds.
            let fresh;
            let w = if method == "POST" {
                fresh = world().await;
                &fresh
            } else {
                &shared
            };
            let (status, location, headers) = request(w, method, path, who).await;
            if !headers.is_empty() {
                wrong.push(format!(
                    "{method} {path} as {who}: security headers or denial log wrong: {}",
                    headers.join(", ")
                ));
            }
            let got = outcome(status, location.as_deref());
            if got != expected {
                wrong.push(format!(
                    "{method} {path} as {who}: expected {expected}, got {got} ({status} {location:?})"
                ));
            }
            checked += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} checks differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(checked, rows.len() * PEOPLE.len());
}

/// One POST as `who` (or, for the sign-in form, as someone not signed in with the right
/// password) carrying `csrf` as its token, or no token at all; the status and the page.
async fn post_with_token(
    w: &World,
    path: &str,
    who: &str,
    csrf: Option<&str>,
) -> (StatusCode, String) {
    use http_body_util::BodyExt;
    let mut b = Request::builder().method("POST").uri(route_uri(w, path));
    let token_field = csrf.map(|c| format!("csrf={c}&")).unwrap_or_default();
    let body;
    if path == "/sign-in" {
        // The sign-in form's own token is the one its page put in a cookie.
        b = b.header(
            header::COOKIE,
            format!("{}={}", auth::LOGIN_CSRF_COOKIE, auth::token()),
        );
        body = format!("{token_field}email=author%40bexley.example&password=access+test");
    } else {
        let (session, _) = &w.tokens[who];
        b = b.header(
            header::COOKIE,
            format!("{}={session}", auth::SESSION_COOKIE),
        );
        if path.ends_with("/attachments") {
            let token_part = csrf
                .map(|c| {
                    format!("--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{c}\r\n")
                })
                .unwrap_or_default();
            body = format!(
                "{token_part}--XX\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\nassessment\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nnotes\r\n--XX--\r\n"
            );
            b = b.header(header::CONTENT_TYPE, "multipart/form-data; boundary=XX");
        } else {
            body = format!("{token_field}comments=Please+add+the+costs+per+week");
        }
    }
    if !path.ends_with("/attachments") {
        b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let res = router(w.state.clone())
        .oneshot(b.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let page =
        String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned();
    (status, page)
}

/// R5: every state-changing page route (every POST in the access table) refuses a request
/// whose CSRF token is missing, made up, or another session's: 403 with the "form had expired"
/// refusal (rule R5), and nothing happens: no audit event, no session opened or ended. Each
/// route is tried as the first person the table lets use it; where the table lets no one in
/// this world use it, as the author, and the message shows that the token check, not the
/// access check, refused it.
#[tokio::test]
async fn r5_every_post_route_refuses_a_missing_or_forged_csrf_token() {
    /// How many audit events and sessions there are.
    async fn counts(db: &sea_orm::DatabaseConnection) -> (u64, u64) {
        use carepanel_store::entity::{audit_event, session};
        use sea_orm::{EntityTrait, PaginatorTrait};
        (
            audit_event::Entity::find().count(db).await.unwrap(),
            session::Entity::find().count(db).await.unwrap(),
        )
    }
    let table: toml::Value = toml::from_str(include_str!("access.toml")).unwrap();
    let rows = table["route"].as_array().unwrap();
    let w = world().await;
    let db = &w.state.app.db;
    let mut wrong = Vec::new();
    let mut routes_checked = 0;
    for row in rows {
        if row["method"].as_str() != Some("POST") {
            continue;
        }
        let path = row["path"].as_str().unwrap();
        let who = if path == "/sign-in" {
            "anonymous"
        } else {
            PEOPLE
                .iter()
                .copied()
                .filter(|p| *p != "anonymous")
                .find(|p| !matches!(row[*p].as_str(), Some("forbidden" | "sign-in")))
                .unwrap_or("author")
        };
        let other = if who == "author" {
            "team-manager"
        } else {
            "author"
        };
        let made_up = auth::token();
        let variants = [
            ("no token", None),
            ("a made-up token", Some(made_up.as_str())),
            ("another session's token", Some(w.tokens[other].1.as_str())),
        ];
        for (what, csrf) in variants {
            let before = counts(db).await;
            let (status, page) = post_with_token(&w, path, who, csrf).await;
            let after = counts(db).await;
            if status != StatusCode::FORBIDDEN {
                wrong.push(format!(
                    "POST {path} as {who} with {what}: {status}, not 403"
                ));
            } else if !page.contains("form had expired") {
                wrong.push(format!(
                    "POST {path} as {who} with {what}: 403, but not the CSRF refusal"
                ));
            }
            if after != before {
                wrong.push(format!(
                    "POST {path} as {who} with {what}: (audit events, sessions) went from {before:?} to {after:?}"
                ));
            }
        }
        routes_checked += 1;
    }
    assert!(
        wrong.is_empty(),
        "{} problems over {routes_checked} POST routes:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    let posts = routes().iter().filter(|(m, _, _)| *m == "POST").count();
    assert_eq!(
        routes_checked, posts,
        "every POST route the app serves was tried"
    );
    // No forged sign-out ended anyone's session.
    for (who, (token, _)) in &w.tokens {
        assert!(
            auth::resolve(&w.state.app, token).await.unwrap().is_some(),
            "{who}'s session survived"
        );
    }
}
