//! The JSON API over the demo record, on both backends: tokens and their scopes, problems that
//! name the field and the rule, keyset pages that neither repeat nor skip, access as the
//! pages decide it, a sign-off through the API, the decisions register as CSV for the case
//! systems, and the OpenAPI document derived from the handlers (snapshot).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepanel_store::entity::{person, referral};
use carepanel_store::testing::{Backend, TestDb};
use carepanel_web::{WebState, router, templates};
use common::demo_world;
use http_body_util::BodyExt;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    content_type: String,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// A problem: the right media type and status.
    fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.body
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        p
    }
}

async fn call(state: &WebState, req: Request<Body>) -> Reply {
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Reply {
        status,
        content_type,
        headers,
        body,
    }
}

fn get(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

fn post_json(path: &str, token: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn seeded(backend: Backend) -> (TestDb, WebState) {
    let (t, app) = demo_world(backend).await;
    let state = WebState {
        app,
        templates: Arc::new(templates()),
        demo: None,
        sso: Default::default(),
    };
    (t, state)
}

async fn token_for(
    state: &WebState,
    email: &str,
    scopes: &[&str],
) -> (carepanel_app::Actor, String) {
    let p = person::Entity::find()
        .filter(person::Column::Email.eq(email))
        .one(&state.app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no demo account {email}"));
    let actor = state.app.actor(&p.id).await.unwrap();
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    let t = state
        .app
        .create_api_token(&actor, "API test", &scopes, 30)
        .await
        .unwrap();
    (actor, t.secret)
}

#[tokio::test]
async fn the_api_over_the_demo_record() {
    for backend in Backend::ALL {
        let (t, state) = seeded(backend).await;
        let all = [
            "referrals:read",
            "referrals:write",
            "meetings:read",
            "decisions:read",
            "interim:read",
            "finance:read",
        ];
        let (worker, worker_token) = token_for(&state, "worker11@bexley.example", &all).await;

        // No token, a made-up token: 401 with the scheme named.
        let none = call(
            &state,
            Request::get("/api/v1/me").body(Body::empty()).unwrap(),
        )
        .await;
        let p = none.problem(401);
        assert_eq!(p["rule"], "SEC-01");
        assert!(none.headers.get(header::WWW_AUTHENTICATE).is_some());
        call(&state, get("/api/v1/me", "cp_not-a-token"))
            .await
            .problem(401);

        // Who the token acts for.
        let me = call(&state, get("/api/v1/me", &worker_token)).await;
        assert_eq!(me.status, StatusCode::OK, "{backend:?} {}", me.body);
        assert_eq!(me.json()["person_id"], worker.person_id.as_str());

        // The API's answers carry the same security headers as the pages (R10).
        for reply in [&none, &me] {
            let csp = reply
                .headers
                .get("content-security-policy")
                .unwrap()
                .to_str()
                .unwrap();
            assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
            assert_eq!(
                reply.headers.get("x-content-type-options").unwrap(),
                "nosniff"
            );
            assert!(reply.headers.get("strict-transport-security").is_some());
        }

        // Keyset pages: limit 2, followed to the end, repeat nothing and include every
        // referral the worker wrote.
        let mut seen = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let path = match &next {
                Some(after) => format!("/api/v1/referrals?limit=2&after={after}"),
                None => "/api/v1/referrals?limit=2".to_string(),
            };
            let page = call(&state, get(&path, &worker_token)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            let v = page.json();
            let items = v["items"].as_array().unwrap();
            assert!(items.len() <= 2);
            seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
            match v["next"].as_str() {
                Some(n) => next = Some(n.to_string()),
                None => break,
            }
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "a page repeated an item");
        let mine = state
            .app
            .my_referrals_page(&worker, None, 100)
            .await
            .unwrap()
            .items;
        assert!(!mine.is_empty());
        for r in &mine {
            assert!(seen.contains(&r.id), "{} missing from the pages", r.id);
        }
        let one = call(
            &state,
            get(&format!("/api/v1/referrals/{}", mine[0].id), &worker_token),
        )
        .await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.body);
        assert!(one.json()["child"]["case_id"].as_str().is_some());

        // Bad input names the field and the rule.
        let p = call(&state, get("/api/v1/referrals?limit=0", &worker_token))
            .await
            .problem(422);
        assert_eq!(p["errors"][0]["field"], "limit");
        assert_eq!(p["errors"][0]["rule"], "P5");
        let p = call(&state, get("/api/v1/meetings?from=tomorrow", &worker_token))
            .await
            .problem(422);
        assert_eq!(p["errors"][0]["field"], "from");

        // Another council's referral is refused as the page refuses it; an unknown one is not
        // found; an unknown path is a problem too.
        let devon = referral::Entity::find()
            .filter(referral::Column::CouncilId.eq("devon"))
            .one(&state.app.db)
            .await
            .unwrap()
            .unwrap();
        let p = call(
            &state,
            get(&format!("/api/v1/referrals/{}", devon.id), &worker_token),
        )
        .await
        .problem(403);
        assert_eq!(p["rule"], "SEC-01");
        call(&state, get("/api/v1/referrals/nope", &worker_token))
            .await
            .problem(404);
        call(&state, get("/api/v1/nothing-here", &worker_token))
            .await
            .problem(404);

        // A token without the scope is refused, naming the scope.
        let (_, narrow) = token_for(&state, "worker11@bexley.example", &["meetings:read"]).await;
        let p = call(&state, get("/api/v1/referrals", &narrow))
            .await
            .problem(403);
        assert!(p["detail"].as_str().unwrap().contains("referrals:read"));

        // The finance log is for finance, not social workers.
        let (_, finance) = token_for(&state, "finance-officer@bexley.example", &all).await;
        let log = call(
            &state,
            get("/api/v1/finance-log?panel=bexley-rcp&period=fy", &finance),
        )
        .await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.body);
        assert!(log.json()["total_pence"].as_i64().unwrap() > 0);
        call(
            &state,
            get("/api/v1/finance-log?panel=bexley-rcp", &worker_token),
        )
        .await
        .problem(403);
        let p = call(
            &state,
            get(
                "/api/v1/finance-log?panel=bexley-rcp&period=someday",
                &finance,
            ),
        )
        .await
        .problem(422);
        assert_eq!(p["errors"][0]["field"], "period");

        // The decisions register as CSV for the case system, and decisions a page at a time.
        let (_, chair) = token_for(&state, "chair.bexley-rcp@bexley.example", &all).await;
        let csv = call(
            &state,
            get("/api/v1/decisions.csv?panel=bexley-rcp&period=fy", &chair),
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
        assert!(csv.content_type.starts_with("text/csv"));
        assert!(csv.body.lines().count() > 1, "{}", csv.body);
        let decisions = call(
            &state,
            get("/api/v1/decisions?panel=bexley-rcp&limit=5", &chair),
        )
        .await;
        assert_eq!(decisions.status, StatusCode::OK, "{}", decisions.body);
        let first = decisions.json()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let d = call(&state, get(&format!("/api/v1/decisions/{first}"), &chair)).await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.body);
        assert!(d.json()["outcome_label"].as_str().is_some());

        // Meetings and an agenda for the chair.
        let meetings = call(&state, get("/api/v1/meetings?limit=3", &chair)).await;
        assert_eq!(meetings.status, StatusCode::OK, "{}", meetings.body);
        let m = meetings.json()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let agenda = call(&state, get(&format!("/api/v1/meetings/{m}/agenda"), &chair)).await;
        assert_eq!(agenda.status, StatusCode::OK, "{}", agenda.body);
        call(
            &state,
            get(&format!("/api/v1/meetings/{m}/agenda"), &worker_token),
        )
        .await
        .problem(403);

        // A sign-off through the API: a return needs comments (named with its rule); a body
        // that is not JSON is a problem too.
        // The worker sends a new referral; its team manager (the next signatory) acts on it
        // through the API.
        let child = state
            .app
            .register_child(
                &worker,
                carepanel_app::setup::NewChild {
                    case_system: "Liquid Logic",
                    case_system_id: "LL-API-1",
                    name: "Child Api",
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
        let (_, panel) = state.app.panel("bexley-rcp").unwrap();
        let form = panel.form("bexley-referral").unwrap();
        let id = state
            .app
            .create_draft(
                &worker,
                carepanel_app::referrals::NewReferral {
                    panel_id: "bexley-rcp".into(),
                    category: "support-package-over-1000".into(),
                    child_id: child,
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
        state.app.send(&worker, &id).await.unwrap();
        let mut signer = None;
        for p in person::Entity::find()
            .filter(person::Column::CouncilId.eq("bexley"))
            .all(&state.app.db)
            .await
            .unwrap()
        {
            let a = state.app.actor(&p.id).await.unwrap();
            let queue = state.app.sign_off_queue(&a).await.unwrap();
            if queue.iter().any(|r| r.id == id) {
                signer = Some(p.email);
                break;
            }
        }
        let email = signer.expect("someone is asked to sign the new referral off");
        let r = referral::Entity::find_by_id(id.clone())
            .one(&state.app.db)
            .await
            .unwrap()
            .unwrap();
        let (_, tm) = token_for(&state, &email, &all).await;
        {
            let p = call(
                &state,
                post_json(
                    &format!("/api/v1/referrals/{}/return", r.id),
                    &tm,
                    r#"{"comments": ""}"#,
                ),
            )
            .await
            .problem(422);
            assert_eq!(p["errors"][0]["field"], "comments", "{p}");
            let bad = call(
                &state,
                post_json(
                    &format!("/api/v1/referrals/{}/return", r.id),
                    &tm,
                    "comments=x",
                ),
            )
            .await;
            assert!(bad.status.is_client_error());
            assert_eq!(bad.content_type, "application/problem+json", "{}", bad.body);
            let signed = call(
                &state,
                post_json(&format!("/api/v1/referrals/{}/sign-off", r.id), &tm, ""),
            )
            .await;
            assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
            assert_ne!(signed.json()["state"], "draft");
        }

        // A revoked token stops at once.
        let tokens = state.app.api_tokens(&worker).await.unwrap();
        for tk in &tokens {
            state.app.revoke_api_token(&worker, &tk.id).await.unwrap();
        }
        call(&state, get("/api/v1/me", &worker_token))
            .await
            .problem(401);
        t.drop_schema().await;
    }
}

#[test]
fn the_openapi_document_is_derived_from_the_handlers() {
    let doc = carepanel_web::api::openapi_json();
    let v: Value = serde_json::from_str(&doc).unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/referrals",
        "/api/v1/referrals/{id}/sign-off",
        "/api/v1/meetings/{id}/agenda",
        "/api/v1/decisions.csv",
        "/api/v1/finance-log",
        "/api/v1/interim-decisions",
        "/api/v1/children/{id}/history",
    ] {
        assert!(v["paths"].get(path).is_some(), "{path} missing");
    }
    insta::assert_snapshot!("openapi", doc);
}
