//! Single sign-on pages: the start, which sends the person to their council's identity
//! provider, and the callback, which checks what comes back and opens a session. What goes
//! wrong is shown on the sign-in page, naming the reason.

use crate::{SESSION_COOKIE, WebState, auth, render, set_cookie};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use carepanel_app::AppError;
use carepanel_app::sso::SsoSignIn;
use minijinja::context;
use serde::Deserialize;

/// The sign-in page again, with the reason single sign-on did not work.
fn refused(state: &WebState, status: StatusCode, message: &str) -> Response {
    let login_csrf = auth::token();
    let mut res = render(
        state,
        "sign_in.html",
        context! { title => "Sign in", login_csrf, email => "", sso => state.sso.councils(), sso_error => message },
    );
    *res.status_mut() = status;
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(crate::LOGIN_CSRF_COOKIE, &login_csrf, Some(3600)),
    );
    res
}

/// `GET /sign-in/sso/{council}`: off to the council's identity provider.
pub async fn start(State(state): State<WebState>, Path(council): Path<String>) -> Response {
    let provider = match state.sso.provider(&council).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return refused(
                &state,
                StatusCode::NOT_FOUND,
                "That council has no single sign-on here; sign in with your carepanel password",
            );
        }
        Err(e) => {
            eprintln!("carepanel: single sign-on for {council}: {e}");
            return refused(
                &state,
                StatusCode::BAD_GATEWAY,
                "Your council's sign-in service could not be reached; try again shortly, or sign in with your carepanel password",
            );
        }
    };
    let started = match provider.start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("carepanel: single sign-on for {council}: {e}");
            return refused(
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Single sign-on is not set up correctly here",
            );
        }
    };
    if let Err(e) = state
        .app
        .remember_sso_login(
            &council,
            &started.state,
            &started.nonce,
            &started.pkce_verifier,
        )
        .await
    {
        return crate::error_page(&state, &e);
    }
    // The state is tied to this browser too, so a sign-in started elsewhere cannot be finished
    // here (login CSRF).
    let mut res = Redirect::to(&started.url).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SSO_STATE_COOKIE,
            &auth::session_key(&started.state),
            Some(600),
        ),
    );
    res
}

/// The cookie that ties a started sign-in to the browser that started it (its state, hashed).
const SSO_STATE_COOKIE: &str = "carepanel_sso";

/// What the provider sends back.
#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /sign-in/sso/{council}/callback`: checks the answer, finds the person, opens a session.
pub async fn callback(
    State(state): State<WebState>,
    headers: axum::http::HeaderMap,
    Path(council): Path<String>,
    Query(q): Query<Callback>,
) -> Response {
    if let Some(error) = &q.error {
        // The provider's own words are logged, not shown: they come in the address, which
        // anyone can write.
        eprintln!(
            "carepanel: single sign-on for {council}: the provider answered {error}: {}",
            q.error_description.as_deref().unwrap_or("")
        );
        return refused(
            &state,
            StatusCode::FORBIDDEN,
            "Your council's sign-in service did not sign you in; start again, or sign in with your carepanel password",
        );
    }
    let (Some(code), Some(returned_state)) = (q.code.as_deref(), q.state.as_deref()) else {
        return refused(
            &state,
            StatusCode::BAD_REQUEST,
            "The sign-in service's answer was incomplete; start again",
        );
    };
    let started_here = crate::cookie(&headers, SSO_STATE_COOKIE)
        .is_some_and(|c| auth::same_token(&c, &auth::session_key(returned_state)));
    if !started_here {
        return refused(
            &state,
            StatusCode::FORBIDDEN,
            "This sign-in was not started in this browser; start again (SEC-01)",
        );
    }
    let login = match state.app.take_sso_login(&council, returned_state).await {
        Ok(l) => l,
        Err(AppError::Forbidden { message, .. }) => {
            return refused(&state, StatusCode::FORBIDDEN, &message);
        }
        Err(e) => return crate::error_page(&state, &e),
    };
    let provider = match state.sso.provider(&council).await {
        Ok(Some(p)) => p,
        _ => {
            return refused(
                &state,
                StatusCode::BAD_GATEWAY,
                "Your council's sign-in service could not be reached; try again shortly",
            );
        }
    };
    let identity = match provider
        .finish(code, &login.pkce_verifier, &login.nonce)
        .await
    {
        Ok(i) => i,
        Err(e) => {
            eprintln!("carepanel: single sign-on for {council}: {e}");
            return refused(
                &state,
                StatusCode::FORBIDDEN,
                "Your council's sign-in could not be checked, so you are not signed in; start again",
            );
        }
    };
    let (managed, given) = provider.roles(&identity.claim_values);
    let pairs = |g: Vec<carepanel_sso::RoleGrant>| -> Vec<(String, Option<String>)> {
        g.into_iter().map(|r| (r.role, r.panel)).collect()
    };
    let (managed, given) = (pairs(managed), pairs(given));
    let actor = match state
        .app
        .sso_sign_in(SsoSignIn {
            council_id: &council,
            issuer: &identity.issuer,
            subject: &identity.subject,
            email: identity.verified_email.as_deref(),
            managed: &managed,
            given: &given,
        })
        .await
    {
        Ok(a) => a,
        Err(AppError::Forbidden { message, rule }) => {
            return refused(
                &state,
                StatusCode::FORBIDDEN,
                &format!("{message} ({rule})"),
            );
        }
        Err(e) => return crate::error_page(&state, &e),
    };
    match auth::open_session(&state.app, &actor.person_id).await {
        Ok(new) => {
            let mut res = Redirect::to("/referrals").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &new.token, None),
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SSO_STATE_COOKIE, "", Some(0)),
            );
            res
        }
        Err(e) => crate::error_page(&state, &e),
    }
}
