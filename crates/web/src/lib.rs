//! carepanel's web application: server-rendered pages in the GOV.UK Design System over the same
//! use cases as the API and the command line. Access is decided by the use cases; this layer
//! signs people in, carries their session and CSRF token, and renders.

pub mod admin_pages;
pub mod api;
pub mod auth;
pub mod components;
pub mod decision_pages;
pub mod documents;
pub mod finance_pages;
pub mod input;
pub mod meeting_pages;
pub mod referral_pages;
pub mod sso_pages;
pub mod token_pages;

use auth::{LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use axum::Router;
use axum::extract::{Form, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use carepanel_app::{Actor, App, AppError};
use minijinja::{Environment, context};
use sea_orm::EntityTrait;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// What every request handler shares.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    pub templates: Arc<Environment<'static>>,
    /// Demo mode: the accounts and password shown on the start page.
    /// (Shared: the state is cloned for every request, so what it holds is behind an `Arc`.)
    pub demo: Option<Arc<Demo>>,
    /// The councils' identity providers for single sign-on (none configured by default).
    pub sso: Arc<carepanel_sso::Registry>,
}

#[derive(Clone, Debug)]
pub struct Demo {
    pub accounts: Vec<(String, String, String)>,
    pub password: String,
}

pub fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    components::register(&mut env);
    for (name, text) in [
        ("layout.html", include_str!("../templates/layout.html")),
        ("start.html", include_str!("../templates/start.html")),
        ("sign_in.html", include_str!("../templates/sign_in.html")),
        (
            "referrals.html",
            include_str!("../templates/referrals.html"),
        ),
        ("referral.html", include_str!("../templates/referral.html")),
        ("error.html", include_str!("../templates/error.html")),
        (
            "sign_offs.html",
            include_str!("../templates/sign_offs.html"),
        ),
        ("meetings.html", include_str!("../templates/meetings.html")),
        ("agenda.html", include_str!("../templates/agenda.html")),
        (
            "attendance.html",
            include_str!("../templates/attendance.html"),
        ),
        ("cancel.html", include_str!("../templates/cancel.html")),
        ("finance.html", include_str!("../templates/finance.html")),
        ("spend.html", include_str!("../templates/spend.html")),
        ("messages.html", include_str!("../templates/messages.html")),
        ("tokens.html", include_str!("../templates/tokens.html")),
        (
            "admin_people.html",
            include_str!("../templates/admin_people.html"),
        ),
        (
            "admin_person.html",
            include_str!("../templates/admin_person.html"),
        ),
        (
            "admin_person_new.html",
            include_str!("../templates/admin_person_new.html"),
        ),
        (
            "admin_policy.html",
            include_str!("../templates/admin_policy.html"),
        ),
        (
            "admin_bank_holidays.html",
            include_str!("../templates/admin_bank_holidays.html"),
        ),
        ("child.html", include_str!("../templates/child.html")),
        (
            "referral_new.html",
            include_str!("../templates/referral_new.html"),
        ),
        (
            "referral_edit.html",
            include_str!("../templates/referral_edit.html"),
        ),
        ("_date.html", include_str!("../templates/_date.html")),
        ("_ui.html", include_str!("../templates/_ui.html")),
        ("_answers.html", include_str!("../templates/_answers.html")),
        ("pack.html", include_str!("../templates/pack.html")),
        (
            "_admin_nav.html",
            include_str!("../templates/_admin_nav.html"),
        ),
        ("item.html", include_str!("../templates/item.html")),
        ("decision.html", include_str!("../templates/decision.html")),
        ("planner.html", include_str!("../templates/planner.html")),
        ("interim.html", include_str!("../templates/interim.html")),
        (
            "interim_decision.html",
            include_str!("../templates/interim_decision.html"),
        ),
    ] {
        // The templates are part of the binary; a broken one fails the tests that render it.
        let _ = env.add_template(name, text);
    }
    env
}

/// Every route: method, path and handler. The router is built from this list, and the access
/// test checks that each entry has a row in its table of who may do what.
pub fn routes() -> Vec<(&'static str, &'static str, MethodRouter<WebState>)> {
    vec![
        ("GET", "/", get(start)),
        ("GET", "/sign-in", get(sign_in_page)),
        ("POST", "/sign-in", post(sign_in)),
        ("POST", "/sign-out", post(sign_out)),
        ("GET", "/referrals", get(my_referrals)),
        (
            "GET",
            "/referrals/new",
            get(referral_pages::new_referral_page),
        ),
        (
            "POST",
            "/referrals/new",
            post(referral_pages::create_referral),
        ),
        ("GET", "/referrals/{id}", get(referral_page)),
        (
            "GET",
            "/referrals/{id}/edit",
            get(referral_pages::edit_page),
        ),
        (
            "POST",
            "/referrals/{id}/edit",
            post(referral_pages::save_referral),
        ),
        (
            "POST",
            "/referrals/{id}/send",
            post(referral_pages::send_referral),
        ),
        (
            "POST",
            "/referrals/{id}/attachments",
            post(referral_pages::attach),
        ),
        ("POST", "/referrals/{id}/sign-off", post(sign_off)),
        ("POST", "/referrals/{id}/return", post(return_referral)),
        ("GET", "/sign-offs", get(sign_off_queue)),
        ("GET", "/meetings", get(meetings)),
        ("GET", "/meetings/{id}", get(meeting_pages::agenda)),
        ("GET", "/meetings/{id}/pack", get(meeting_pages::pack)),
        (
            "GET",
            "/meetings/{id}/invitation.ics",
            get(meeting_pages::meeting_invitation),
        ),
        (
            "GET",
            "/items/{id}/invitation.ics",
            get(meeting_pages::slot_invitation),
        ),
        (
            "POST",
            "/meetings/{id}/priorities",
            post(meeting_pages::prioritise),
        ),
        (
            "GET",
            "/meetings/{id}/attendance",
            get(meeting_pages::attendance_page),
        ),
        (
            "POST",
            "/meetings/{id}/attendance",
            post(meeting_pages::record_attendance),
        ),
        (
            "GET",
            "/meetings/{id}/cancel",
            get(meeting_pages::cancel_page),
        ),
        ("POST", "/meetings/{id}/cancel", post(meeting_pages::cancel)),
        ("POST", "/meetings/{id}/papers", post(circulate_papers)),
        ("GET", "/meetings/{id}/pack.pdf", get(documents::pack_pdf)),
        (
            "GET",
            "/meetings/{id}/minutes.pdf",
            get(documents::minutes_pdf),
        ),
        ("GET", "/children/{id}", get(child_page)),
        ("GET", "/items/{id}", get(decision_pages::item_page)),
        (
            "POST",
            "/items/{id}/decision",
            post(decision_pages::record_decision),
        ),
        (
            "POST",
            "/items/{id}/declarations",
            post(decision_pages::declare),
        ),
        ("POST", "/items/{id}/notes", post(decision_pages::save_note)),
        (
            "GET",
            "/decisions/{id}",
            get(decision_pages::decision_sheet),
        ),
        (
            "GET",
            "/decisions/{id}/sheet.pdf",
            get(documents::decision_pdf),
        ),
        ("GET", "/planner", get(decision_pages::planner)),
        ("GET", "/interim", get(decision_pages::interim_page)),
        ("POST", "/interim", post(decision_pages::take_interim)),
        (
            "GET",
            "/interim/{id}",
            get(decision_pages::interim_decision),
        ),
        ("POST", "/interim/{id}/ratify", post(decision_pages::ratify)),
        ("GET", "/finance", get(finance_pages::finance_page)),
        ("GET", "/reports/spend", get(finance_pages::spend_page)),
        ("POST", "/finance/sign-off", post(finance_pages::sign_off)),
        ("GET", "/exports/{id}", get(finance_pages::export)),
        ("GET", "/admin/people", get(admin_pages::people_page)),
        (
            "GET",
            "/admin/people/new",
            get(admin_pages::new_person_page),
        ),
        ("POST", "/admin/people/new", post(admin_pages::add_person)),
        ("GET", "/admin/people/{id}", get(admin_pages::person_page)),
        (
            "POST",
            "/admin/people/{id}/roles",
            post(admin_pages::grant_role),
        ),
        (
            "POST",
            "/admin/people/{id}/roles/remove",
            post(admin_pages::revoke_role),
        ),
        (
            "POST",
            "/admin/people/{id}/account",
            post(admin_pages::account),
        ),
        ("GET", "/admin/policy", get(admin_pages::policy_page)),
        ("GET", "/sign-in/sso/{id}", get(sso_pages::start)),
        (
            "GET",
            "/sign-in/sso/{id}/callback",
            get(sso_pages::callback),
        ),
        ("GET", "/messages", get(admin_pages::messages_page)),
        ("GET", "/account/tokens", get(token_pages::tokens_page)),
        ("POST", "/account/tokens", post(token_pages::create_token)),
        (
            "POST",
            "/account/tokens/{id}/revoke",
            post(token_pages::revoke_token),
        ),
        (
            "GET",
            "/admin/bank-holidays",
            get(admin_pages::bank_holidays_page),
        ),
        ("GET", "/assets/carepanel.css", get(stylesheet)),
        ("GET", "/assets/init.js", get(init_script)),
    ]
}

pub fn router(state: WebState) -> Router {
    let mut router = Router::new();
    for (_, path, handler) in routes() {
        router = router.route(path, handler);
    }
    let (api, _) = api::api();
    let router = router
        .merge(api)
        .route("/api/openapi.json", get(api::openapi_document))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            plain_rejections,
        ))
        .layer(middleware::from_fn(api::problems_for_rejections))
        .layer(middleware::from_fn(log_denials));
    // The P4 benchmark's comparison build leaves the security headers off.
    #[cfg(not(feature = "bench-unguarded"))]
    let router = router.layer(middleware::from_fn(security_headers));
    router.with_state(state)
}

/// A request the framework itself refuses before any page sees it (a body that cannot be read
/// as a form, an upload over the limit, the wrong method) comes back as plain text; people get
/// the same GOV.UK error page as for every other refusal, with the status kept.
async fn plain_rejections(State(state): State<WebState>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return res;
    }
    let detail = axum::body::to_bytes(res.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let (title, advice) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "The file is too large",
            "Each file must be 10 MB or smaller. Go back and choose a smaller file.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "This page cannot be used that way",
            "Go back and use the page's own buttons and links.",
        ),
        _ => (
            "The form could not be read",
            "Go back, check what you entered and send the form again.",
        ),
    };
    let message = if detail.is_empty() {
        advice.to_string()
    } else {
        format!("{advice} ({detail})")
    };
    let mut page = render(&state, "error.html", context! { title, message });
    *page.status_mut() = status;
    page
}

/// Security headers on every response (R10): a CSP without `unsafe-inline`, HSTS, nosniff,
/// Referrer-Policy and no framing.
#[cfg_attr(feature = "bench-unguarded", allow(dead_code))]
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
        (
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()",
        ),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn set_cookie(name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The signed-in person, if any.
#[derive(Clone)]
pub(crate) struct Session {
    actor: Actor,
    csrf: String,
    name: String,
    token: String,
    /// The parts of the service the menu offers this person.
    nav: carepanel_app::access::Menu,
}

async fn session(state: &WebState, headers: &HeaderMap) -> Result<Option<Session>, AppError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    #[cfg(feature = "bench-unguarded")]
    if let Some(s) = unguarded::cached(&token) {
        return Ok(Some(s));
    }
    let Some((actor, csrf, name)) = auth::resolve(&state.app, &token).await? else {
        return Ok(None);
    };
    let nav = state.app.menu(&actor);
    let session = Session {
        actor,
        csrf,
        name,
        token,
        nav,
    };
    #[cfg(feature = "bench-unguarded")]
    unguarded::keep(&session);
    Ok(Some(session))
}

/// The P4 benchmark's comparison build (feature `bench-unguarded`, never served to anyone): a
/// session, once resolved, is kept in memory and never looked up, checked or touched again.
#[cfg(feature = "bench-unguarded")]
mod unguarded {
    use super::Session;
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    fn sessions() -> &'static Mutex<HashMap<String, Session>> {
        static SESSIONS: OnceLock<Mutex<HashMap<String, Session>>> = OnceLock::new();
        SESSIONS.get_or_init(Default::default)
    }

    pub fn cached(token: &str) -> Option<Session> {
        sessions().lock().ok()?.get(token).cloned()
    }

    pub fn keep(s: &Session) {
        if let Ok(mut map) = sessions().lock() {
            map.insert(s.token.clone(), s.clone());
        }
    }
}

pub(crate) fn render(state: &WebState, name: &str, ctx: minijinja::Value) -> Response {
    match state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => Html(unlink_missing_targets(html)).into_response(),
        Err(e) => {
            eprintln!("carepanel: the page {name} could not be rendered: {e:#}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(format!(
                    "<p>The page could not be shown: {}</p>",
                    html_escape(&e.to_string())
                )),
            )
                .into_response()
        }
    }
}

/// An error summary links each problem to its field (WCAG 2.2, 2.4.3 and 3.3.1). Where the
/// page does not show that field (the form has gone because the record moved on, or the
/// problem is about the whole form), the problem is listed without a link rather than with one
/// that leads nowhere.
fn unlink_missing_targets(html: String) -> String {
    let Some(start) = html.find("govuk-error-summary__list") else {
        return html;
    };
    let end = html[start..]
        .find("</ul>")
        .map_or(html.len(), |e| start + e);
    let mut out = String::with_capacity(html.len());
    out.push_str(&html[..start]);
    let mut rest = &html[start..end];
    const OPEN: &str = "<a href=\"#";
    while let Some(i) = rest.find(OPEN) {
        let after = &rest[i + OPEN.len()..];
        let (Some(quote), Some(gt), Some(close)) =
            (after.find('"'), after.find('>'), after.find("</a>"))
        else {
            break;
        };
        let id = &after[..quote];
        if html.contains(&format!(" id=\"{id}\"")) || gt > close {
            out.push_str(&rest[..i + OPEN.len() + close + 4]);
        } else {
            out.push_str(&rest[..i]);
            out.push_str(after[gt + 1..close].trim());
        }
        rest = &after[close + 4..];
    }
    out.push_str(rest);
    out.push_str(&html[end..]);
    out
}

/// A form page: 422 when it is shown again with problems, so the browser and the tests can
/// tell a refusal from a first showing.
pub(crate) fn render_form(
    state: &WebState,
    name: &str,
    ctx: minijinja::Value,
    problems: &input::Problems,
) -> Response {
    let mut res = render(state, name, ctx);
    if !problems.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An error from a use case as a page in the same style: 403, 404, 409 or 422.
pub(crate) fn error_page(state: &WebState, e: &AppError) -> Response {
    let (status, title) = match e {
        AppError::Forbidden { .. } => (StatusCode::FORBIDDEN, "You cannot see or do this"),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "Page not found"),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "Someone else changed this first"),
        AppError::Invalid(_) | AppError::Refused { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "This cannot be done")
        }
        AppError::Db(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Sorry, there is a problem with the service",
        ),
    };
    let message = match e {
        AppError::Db(_) => "Try again later. Nothing you entered has been lost.".to_string(),
        other => other.to_string(),
    };
    let mut res = render(state, "error.html", context! { title, message });
    *res.status_mut() = status;
    if status == StatusCode::FORBIDDEN {
        res.extensions_mut().insert(Denied(e.to_string()));
    }
    res
}

/// A refusal's message and rule, carried on its response for the denial log (R4).
#[derive(Clone, Debug)]
pub struct Denied(pub String);

/// Every denial is logged, with the method, path and the rule that refused it (R4). A 403
/// without a named rule is logged too.
async fn log_denials(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    if res.status() == StatusCode::FORBIDDEN {
        let why = res
            .extensions()
            .get::<Denied>()
            .map_or("refused", |d| d.0.as_str());
        eprintln!(
            "carepanel: denied {method} {path} at {}: {why}",
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
    }
    res
}

async fn start(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(e) => return error_page(&state, &e),
    };
    render(
        &state,
        "start.html",
        context! {
            title => "Resource panels",
            actor_name => s.as_ref().map(|s| s.name.clone()),
            nav => s.as_ref().map(|s| s.nav),
            csrf => s.as_ref().map(|s| s.csrf.clone()),
            demo_accounts => state.demo.as_ref().map(|d| d.accounts.clone()),
            demo_password => state.demo.as_ref().map(|d| d.password.clone()),
        },
    )
}

pub(crate) async fn sign_in_page(State(state): State<WebState>) -> Response {
    let login_csrf = auth::token();
    let mut res = render(
        &state,
        "sign_in.html",
        context! { title => "Sign in", login_csrf, email => "", sso => state.sso.councils() },
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, &login_csrf, Some(3600)),
    );
    res
}

#[derive(Serialize)]
struct FieldMessage {
    field: String,
    message: String,
}

async fn sign_in(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let posted = form.get("csrf").cloned().unwrap_or_default();
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::same_token(&posted, &expected) {
        let e = AppError::forbidden("The sign-in form had expired; open it again", "R5");
        return error_page(&state, &e);
    }
    let email = form.get("email").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let outcome = match auth::sign_in(&state.app, &email, &password).await {
        Ok(o) => o,
        Err(e) => return error_page(&state, &e),
    };
    match outcome {
        Ok(new) => {
            let mut res = Redirect::to("/referrals").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &new.token, None),
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(LOGIN_CSRF_COOKIE, "", Some(0)),
            );
            res
        }
        Err(why) => {
            let message = match why {
                auth::SignInError::Wrong => {
                    "Enter a correct email address and password".to_string()
                }
                auth::SignInError::Locked { until } => format!(
                    "Too many failed attempts: this account is locked until {}. Try again then",
                    carepanel_domain::calendar::utc_to_london(until).format("%H:%M")
                ),
            };
            let login_csrf = auth::token();
            let errors = vec![FieldMessage {
                field: "email".into(),
                message,
            }];
            let mut res = render(
                &state,
                "sign_in.html",
                context! { title => "Sign in", login_csrf, email, errors, sso => state.sso.councils() },
            );
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(LOGIN_CSRF_COOKIE, &login_csrf, Some(3600)),
            );
            res
        }
    }
}

async fn sign_out(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    match session(&state, &headers).await {
        Ok(Some(s))
            if form
                .get("csrf")
                .is_some_and(|c| auth::same_token(c, &s.csrf)) =>
        {
            if let Err(e) = auth::sign_out(&state.app, &s.token).await {
                return error_page(&state, &e);
            }
            let mut res = Redirect::to("/").into_response();
            res.headers_mut()
                .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0)));
            res
        }
        Ok(Some(_)) => error_page(
            &state,
            &AppError::forbidden("The form had expired; try again", "R5"),
        ),
        Ok(None) => Redirect::to("/").into_response(),
        Err(e) => error_page(&state, &e),
    }
}

pub(crate) async fn signed_in(state: &WebState, headers: &HeaderMap) -> Result<Session, Response> {
    match session(state, headers).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(Redirect::to("/sign-in").into_response()),
        Err(e) => Err(error_page(state, &e)),
    }
}

#[derive(Serialize)]
struct Row {
    id: String,
    panel: String,
    category: String,
    state: String,
    updated: String,
}

/// How many referrals "Your referrals" shows at a time.
const REFERRALS_PER_PAGE: u64 = 50;

async fn my_referrals(
    State(state): State<WebState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let after = q.get("after").filter(|a| !a.is_empty());
    let page = match state
        .app
        .my_referrals_page(&s.actor, after.map(String::as_str), REFERRALS_PER_PAGE)
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(&state, &e),
    };
    let referrals: Vec<Row> = page
        .items
        .into_iter()
        .map(|r| {
            referral_row(
                &state,
                r.id,
                &r.panel_id,
                &r.category,
                r.state,
                r.updated_at,
            )
        })
        .collect();
    let next = page
        .next
        .map(|key| format!("/referrals?after={}", finance_pages::urlencode(&key)));
    render(
        &state,
        "referrals.html",
        context! {
            title => "Your referrals",
            actor_name => s.name,
            nav => s.nav,
            csrf => s.csrf,
            referrals,
            later_page => after.is_some(),
            next,
        },
    )
}

async fn referral_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_referral(&state, &s, &id, None, "").await
}

/// A referral's page; `error` (field, message) re-shows a refused action, and `comments`
/// what was typed for a refused return.
pub(crate) async fn show_referral(
    state: &WebState,
    s: &Session,
    id: &str,
    error: Option<(String, String)>,
    comments: &str,
) -> Response {
    let v = match state.app.referral_view(&s.actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(state, &e),
    };
    let r = &v.referral;
    let Ok((policy, panel)) = state.app.panel(&r.panel_id) else {
        return error_page(state, &AppError::NotFound("panel".into()));
    };
    let next = state.app.next_signatory(&s.actor, id).await.ok().flatten();
    let can_sign = r.author_id != s.actor.person_id
        && next.is_some_and(|role| s.actor.roles_for(&r.panel_id).contains(&role));
    let is_author = r.author_id == s.actor.person_id;
    let editable = is_author && matches!(r.state.as_str(), "draft" | "returned");
    let (panel_name, category) = names(state, r);
    let people = person_names(state, &r.council_id).await;
    let who = |pid: &str| people.get(pid).cloned().unwrap_or_else(|| pid.to_string());
    let sign_offs: Vec<_> = v
        .sign_offs
        .iter()
        .map(|so| {
            context! {
                role => policy.role_label(&so.role).to_string(),
                person => who(&so.person_id),
                outcome => so.outcome.clone(),
                comments => so.comments.clone(),
                at => carepanel_domain::calendar::utc_to_london(so.signed_at).format("%-d %B %Y %H:%M").to_string(),
            }
        })
        .collect();
    let chain: Vec<String> = v
        .who_must_sign
        .chain
        .iter()
        .map(|r| policy.role_label(r).to_string())
        .collect();
    let attachments: Vec<_> = v
        .attachments
        .iter()
        .map(|a| {
            context! {
                document => panel.documents.iter().find(|d| d.id == a.document_id).map_or(a.document_id.clone(), |d| d.label.clone()),
                filename => a.filename.clone(),
                size => format!("{} KB", (a.size_bytes + 1023) / 1024),
                written_on => a.written_on.map(|d| d.format("%-d %B %Y").to_string()),
            }
        })
        .collect();
    let listed = v.listed.as_ref().map(|(m, item)| {
        context! {
            meeting_id => m.id.clone(),
            item_id => item.id.clone(),
            starts => pretty_time(&m.starts_at),
            starts_iso => m.starts_at.clone(),
            status => item.status.clone(),
            reason => item.note.clone(),
            slot => item.slot_start.clone(),
        }
    });
    let decisions: Vec<_> = v
        .decisions
        .iter()
        .map(|d| decision_summary(policy, panel, d))
        .collect();
    let answers = v
        .form
        .as_ref()
        .map(|f| {
            referral_pages::answer_sections(
                f,
                &v.sections_applying,
                &r.answers,
                &v.child,
                state.app.local_now().date(),
            )
        })
        .unwrap_or_default();
    let errors = error.map(|(field, message)| vec![FieldMessage { field, message }]);
    let status = if errors.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(
        state,
        "referral.html",
        context! {
            title => category.clone(),
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            id,
            panel => panel_name,
            category,
            child => v.child.name.clone(),
            child_id => v.child.id.clone(),
            state => r.state.clone(),
            missing => v.missing,
            who_reason => v.who_must_sign.reason.clone(),
            chain,
            sign_offs,
            attachments,
            listed,
            decisions,
            answers,
            can_sign,
            editable,
            errors,
            comments,
        },
    );
    *res.status_mut() = status;
    res
}

/// The `items` of a GOV.UK select or radios: (value, text) pairs, after an optional first
/// item such as "Select a role".
pub(crate) fn choice_items(
    first: Option<(&str, &str)>,
    pairs: &[(String, String)],
) -> Vec<minijinja::Value> {
    first
        .map(|(v, t)| (v.to_string(), t.to_string()))
        .into_iter()
        .chain(pairs.iter().cloned())
        .map(|(value, text)| context! { value, text })
        .collect()
}

/// "2026-12-03T10:00" as "3 December 2026 at 10:00".
pub(crate) fn pretty_time(iso: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(iso, "%Y-%m-%dT%H:%M")
        .map(|t| t.format("%-d %B %Y at %H:%M").to_string())
        .unwrap_or_else(|_| iso.replace('T', " "))
}

/// The names of a council's people, by id.
pub(crate) async fn person_names(state: &WebState, council_id: &str) -> HashMap<String, String> {
    documents::names(&state.app, council_id).await
}

/// A decision as a referral's page lists it.
pub(crate) fn decision_summary(
    _policy: &carepanel_domain::policy::Policy,
    panel: &carepanel_domain::policy::Panel,
    d: &carepanel_app::views::DecisionView,
) -> minijinja::Value {
    let outcome = panel
        .outcomes
        .iter()
        .find(|o| o.id == d.decision.outcome)
        .map_or(d.decision.outcome.clone(), |o| o.label.clone());
    context! {
        id => d.decision.id.clone(),
        outcome,
        decided => carepanel_domain::calendar::utc_to_london(d.decision.decided_at).format("%-d %B %Y").to_string(),
        weekly => carepanel_domain::money::Money::from_pence(d.decision.weekly_pence).to_string(),
        total => carepanel_domain::money::Money::from_pence(d.decision.total_pence).to_string(),
        return_date => d.decision.return_date.map(|x| x.format("%-d %B %Y").to_string()),
        actions => d.actions.iter().map(|a| context! { description => a.description.clone(), owner => a.owner.clone(), due => a.due_date.format("%-d %B %Y").to_string(), status => a.status.clone() }).collect::<Vec<_>>(),
    }
}

/// A state-changing form read as pairs: the session must be live and `csrf` its token.
pub(crate) async fn form_session_token(
    state: &WebState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Session, Response> {
    let s = signed_in(state, headers).await?;
    if auth::same_token(csrf, &s.csrf) {
        Ok(s)
    } else {
        Err(error_page(
            state,
            &AppError::forbidden("The form had expired; go back and try again", "R5"),
        ))
    }
}

/// A state-changing form: the session must be live and the form must carry its CSRF token.
async fn form_session(
    state: &WebState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Session, Response> {
    let s = signed_in(state, headers).await?;
    if form
        .get("csrf")
        .is_some_and(|c| auth::same_token(c, &s.csrf))
    {
        Ok(s)
    } else {
        Err(error_page(
            state,
            &AppError::forbidden("The form had expired; go back and try again", "R5"),
        ))
    }
}

async fn sign_off(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = match form_session(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.app.sign_off(&s.actor, &id).await {
        Ok(_) => Redirect::to("/sign-offs").into_response(),
        Err(e) => error_page(&state, &e),
    }
}

async fn return_referral(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = match form_session(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let comments = form.get("comments").cloned().unwrap_or_default();
    match state.app.return_referral(&s.actor, &id, &comments).await {
        Ok(()) => Redirect::to("/sign-offs").into_response(),
        Err(AppError::Invalid(_)) => {
            let message =
                "Enter what needs to change before the referral can be signed off".to_string();
            show_referral(
                &state,
                &s,
                &id,
                Some(("comments".into(), message)),
                &comments,
            )
            .await
        }
        Err(e) => error_page(&state, &e),
    }
}

async fn sign_off_queue(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let rows = match state.app.sign_off_queue(&s.actor).await {
        Ok(r) => r,
        Err(e) => return error_page(&state, &e),
    };
    let referrals = rows_for(&state, rows);
    render(
        &state,
        "sign_offs.html",
        context! { title => "Waiting for your sign-off", actor_name => s.name, nav => s.nav, csrf => s.csrf, referrals },
    )
}

#[derive(Serialize)]
struct MeetingRow {
    id: String,
    panel: String,
    starts: String,
    cutoff: String,
    booked: i32,
}

async fn meetings(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let today = state.app.local_now().date();
    let rows = match state.app.my_meetings(&s.actor, today).await {
        Ok(r) => r,
        Err(e) => return error_page(&state, &e),
    };
    let meetings: Vec<MeetingRow> = rows
        .into_iter()
        .map(|m| MeetingRow {
            panel: state
                .app
                .panel(&m.panel_id)
                .map_or(m.panel_id.clone(), |(_, p)| p.name.clone()),
            starts: m.starts_at.replace('T', " "),
            cutoff: m.cutoff.replace('T', " "),
            booked: m.units_used,
            id: m.id,
        })
        .collect();
    render(
        &state,
        "meetings.html",
        context! { title => "Meetings", actor_name => s.name, nav => s.nav, csrf => s.csrf, meetings },
    )
}

/// The coordinator circulates the papers for a meeting (PAP-01); the date is shown on the
/// agenda and, after it, late referrals need the chair (PAP-02).
async fn circulate_papers(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = match form_session(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.app.circulate_papers(&s.actor, &id).await {
        Ok(()) => Redirect::to(&format!("/meetings/{id}")).into_response(),
        Err(e) => error_page(&state, &e),
    }
}

/// A child's panel history; reading it is recorded in the audit trail (SEC-03).
async fn child_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let h = match state.app.child_history(&s.actor, &id).await {
        Ok(h) => h,
        Err(e) => return error_page(&state, &e),
    };
    let decisions = h.decisions.len();
    let referrals = rows_for(&state, h.referrals);
    render(
        &state,
        "child.html",
        context! {
            title => h.child.name.clone(),
            actor_name => s.name,
            nav => s.nav,
            csrf => s.csrf,
            name => h.child.name,
            case_system => h.child.case_system,
            case_system_id => h.child.case_system_id,
            dob => h.child.date_of_birth.format("%-d %B %Y").to_string(),
            legal_status => h.child.legal_status.unwrap_or_else(|| "not recorded".into()),
            referrals,
            decisions,
        },
    )
}

/// The panel's name and the category's label for a referral.
fn names(state: &WebState, r: &carepanel_store::entity::referral::Model) -> (String, String) {
    panel_and_category(state, &r.panel_id, &r.category)
}

/// A panel's name and the label of one of its categories.
fn panel_and_category(state: &WebState, panel_id: &str, category: &str) -> (String, String) {
    state
        .app
        .panel(panel_id)
        .map(|(_, p)| {
            (
                p.name.clone(),
                p.category(category)
                    .map_or(category.to_string(), |c| c.label.clone()),
            )
        })
        .unwrap_or((panel_id.to_string(), category.to_string()))
}

fn rows_for(state: &WebState, rows: Vec<carepanel_store::entity::referral::Model>) -> Vec<Row> {
    rows.into_iter()
        .map(|r| referral_row(state, r.id, &r.panel_id, &r.category, r.state, r.updated_at))
        .collect()
}

/// A referral as a list of them shows it.
fn referral_row(
    state: &WebState,
    id: String,
    panel_id: &str,
    category: &str,
    status: String,
    updated_at: chrono::DateTime<chrono::Utc>,
) -> Row {
    let (panel, category) = panel_and_category(state, panel_id, category);
    Row {
        id,
        panel,
        category,
        state: status,
        updated: carepanel_domain::calendar::utc_to_london(updated_at)
            .format("%-d %B %Y")
            .to_string(),
    }
}

/// GOV.UK Frontend compiled with carepanel's font settings at build time.
const STYLESHEET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/carepanel.css"));
const INIT_SCRIPT: &[u8] = include_bytes!("../frontend/init.js");

fn asset(content_type: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", STYLESHEET)
}

async fn init_script() -> Response {
    asset("text/javascript; charset=utf-8", INIT_SCRIPT)
}

async fn not_found(State(state): State<WebState>) -> Response {
    error_page(&state, &AppError::NotFound("This page".into()))
}

/// Serves the application on `bind` until the process is stopped.
pub async fn serve(state: WebState, bind: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    // The routes are bound to the state once, here; serving the router itself would rebuild its
    // route table for every connection (3.9 million instructions each, by callgrind).
    axum::serve(listener, router(state).into_make_service()).await
}

/// The demonstration accounts stored in the database (invented people on `.example`
/// addresses), with their roles, for the start page.
pub async fn demo_accounts(app: &App) -> Result<Vec<(String, String, String)>, AppError> {
    use carepanel_store::entity::{person, person_role};
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let people = person::Entity::find()
        .filter(person::Column::Email.like("%.example"))
        .filter(person::Column::PasswordHash.is_not_null())
        .filter(person::Column::Active.eq(true))
        .order_by_asc(person::Column::CouncilId)
        .order_by_asc(person::Column::Email)
        .all(&app.db)
        .await?;
    let roles = person_role::Entity::find().all(&app.db).await?;
    Ok(people
        .into_iter()
        .filter(|p| !p.email.starts_with("worker") || p.email.starts_with("worker11@"))
        .map(|p| {
            let r = roles
                .iter()
                .filter(|r| r.person_id == p.id)
                .map(|r| {
                    if r.panel_id.is_empty() {
                        r.role.clone()
                    } else {
                        format!("{} ({})", r.role, r.panel_id)
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            (p.council_id, r, p.email)
        })
        .collect())
}

/// Gives every demonstration account the demonstration password.
pub async fn set_demo_passwords(app: &App, password: &str) -> Result<usize, AppError> {
    use carepanel_store::entity::person;
    use sea_orm::{ColumnTrait, QueryFilter};
    let hash = auth::hash_password(password)?;
    let people = person::Entity::find()
        .filter(person::Column::Email.like("%.example"))
        .filter(person::Column::Active.eq(true))
        .all(&app.db)
        .await?;
    for p in &people {
        app.set_password_hash(&p.id, &hash).await?;
    }
    Ok(people.len())
}

#[cfg(test)]
mod tests {
    use super::unlink_missing_targets;

    fn summary(items: &str, rest: &str) -> String {
        format!(
            "<div class=\"govuk-error-summary\"><ul class=\"govuk-list govuk-error-summary__list\">{items}</ul></div>{rest}"
        )
    }

    #[test]
    fn a_problem_links_to_its_field_only_when_the_page_shows_it() {
        let html = summary(
            "<li><a href=\"#outcome\">Choose what the panel decided</a></li>\
             <li><a href=\"#rationale\">Give the reasons</a></li>",
            "<textarea id=\"rationale\" name=\"rationale\"></textarea>",
        );
        let shown = unlink_missing_targets(html);
        assert!(
            shown.contains("<li>Choose what the panel decided</li>"),
            "{shown}"
        );
        assert!(!shown.contains("href=\"#outcome\""), "{shown}");
        assert!(
            shown.contains("<a href=\"#rationale\">Give the reasons</a>"),
            "{shown}"
        );
        assert!(shown.ends_with("</textarea>"), "{shown}");
    }

    #[test]
    fn a_page_without_a_summary_is_unchanged() {
        let html = "<p>No problems <a href=\"#nowhere\">here</a></p>".to_string();
        assert_eq!(unlink_missing_targets(html.clone()), html);
    }
}
