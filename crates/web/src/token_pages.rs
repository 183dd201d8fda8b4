//! API tokens: each person makes and revokes their own, for the systems that act for them
//! through the JSON API. The secret is shown once.

use crate::input::{Posted, Problems};
use crate::{Session, WebState, error_page, form_session_token, render_form, signed_in};
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use carepanel_app::AppError;
use carepanel_app::tokens::SCOPES;
use minijinja::context;

async fn show(
    state: &WebState,
    s: &Session,
    posted: &Posted,
    problems: &Problems,
    secret: Option<String>,
) -> Response {
    let tokens = match state.app.api_tokens(&s.actor).await {
        Ok(t) => t,
        Err(e) => return error_page(state, &e),
    };
    let now = state.app.now();
    let chosen = posted.all("scopes");
    let scopes: Vec<_> = SCOPES
        .iter()
        .map(|(id, what)| context! { value => id, text => id, hint => what, checked => chosen.iter().any(|c| c == id) })
        .collect();
    let day = |t: chrono::DateTime<chrono::Utc>| {
        carepanel_domain::calendar::utc_to_london(t)
            .format("%-d %B %Y")
            .to_string()
    };
    let rows: Vec<_> = tokens
        .iter()
        .map(|t| {
            let state = if t.revoked_at.is_some() {
                "Revoked"
            } else if t.expires_at <= now {
                "Expired"
            } else {
                "Active"
            };
            context! {
                id => t.id,
                name => t.name,
                scopes => t.scopes,
                created => day(t.created_at),
                expires => day(t.expires_at),
                last_used => t.last_used_at.map(day),
                state,
                active => state == "Active",
            }
        })
        .collect();
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    render_form(
        state,
        "tokens.html",
        context! {
            title => "API tokens",
            actor_name => s.name.clone(),
            nav => s.nav.clone(),
            csrf => s.csrf.clone(),
            tokens => rows,
            scopes,
            name => posted.get("name"),
            days => if posted.has("days") { posted.get("days") } else { "90".to_string() },
            secret,
            inline => problems.for_field(),
            errors,
        },
        problems,
    )
}

/// `GET /account/tokens`
pub async fn tokens_page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show(&state, &s, &Posted::default(), &Problems::default(), None).await
}

/// `POST /account/tokens`: makes a token and shows its secret once.
pub async fn create_token(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted::new(pairs);
    let s = match form_session_token(&state, &headers, &posted.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    // Days that are not a whole number are refused by the use case as out of range.
    let days = posted.get("days").trim().parse::<i64>().unwrap_or(0);
    match state
        .app
        .create_api_token(&s.actor, &posted.get("name"), &posted.all("scopes"), days)
        .await
    {
        Ok(t) => {
            show(
                &state,
                &s,
                &Posted::default(),
                &Problems::default(),
                Some(t.secret),
            )
            .await
        }
        Err(AppError::Invalid(errs)) => {
            show(&state, &s, &posted, &Problems::from_errors(errs), None).await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// `POST /account/tokens/{id}/revoke`
pub async fn revoke_token(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted::new(pairs);
    let s = match form_session_token(&state, &headers, &posted.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.app.revoke_api_token(&s.actor, &id).await {
        Ok(()) => Redirect::to("/account/tokens").into_response(),
        Err(e) => error_page(&state, &e),
    }
}
