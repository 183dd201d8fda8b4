//! The JSON API, `/api/v1`: the same use cases as the pages, for the systems that act for a
//! person (a case-management system recording decisions back, a finance system reading the
//! log). Requests carry a bearer token with scopes; a token acts with exactly its owner's
//! access. Errors are `application/problem+json` naming the field and the rule; lists are
//! keyset-paginated. The OpenAPI document at `/api/openapi.json` is derived from the handlers.

pub mod v1;

use crate::WebState;
use axum::Json;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use carepanel_app::tokens::TokenHolder;
use carepanel_app::{Actor, AppError};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// One field's problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field, as named in the request.
    pub field: String,
    /// The requirement or policy rule that refused it.
    pub rule: String,
    pub message: String,
}

/// An error (RFC 9457): what went wrong, the rule that caused it, and each field's problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The requirement or policy rule behind a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank",
            title,
            status: status.as_u16(),
            detail: detail.into(),
            rule: None,
            errors: Vec::new(),
        }
    }

    fn with_rule(mut self, rule: &str) -> Self {
        self.rule = Some(rule.to_string());
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let unauthorised = status == StatusCode::UNAUTHORIZED;
        let denied = (status == StatusCode::FORBIDDEN).then(|| {
            crate::Denied(match &self.rule {
                Some(rule) => format!("{} ({rule})", self.detail),
                None => self.detail.clone(),
            })
        });
        let mut res = (status, Json(self)).into_response();
        if let Some(d) = denied {
            res.extensions_mut().insert(d);
        }
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if unauthorised {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"carepanel\""),
            );
        }
        res
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Forbidden { message, rule } => {
                Problem::new(StatusCode::FORBIDDEN, "Forbidden", message).with_rule(&rule)
            }
            AppError::NotFound(what) => Problem::new(
                StatusCode::NOT_FOUND,
                "Not found",
                format!("No {what} is known"),
            ),
            AppError::Invalid(errors) => Problem {
                errors: errors
                    .into_iter()
                    .map(|f| FieldProblem {
                        field: f.field,
                        rule: f.requirement,
                        message: f.message,
                    })
                    .collect(),
                ..Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Invalid request",
                    "Some fields have problems; each is named with the rule it breaks",
                )
            },
            AppError::Refused {
                message,
                requirement,
            } => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Refused", message)
                .with_rule(&requirement),
            AppError::Conflict(message) => Problem::new(StatusCode::CONFLICT, "Conflict", message),
            AppError::Db(e) => {
                eprintln!("carepanel api: database: {e}");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Unavailable",
                    "The database could not answer; try again shortly",
                )
            }
        }
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<Json<T>, Problem>;

/// The person a request's bearer token acts for, with its scopes.
pub struct Token(pub TokenHolder);

impl Token {
    /// The actor, if the token carries `scope`.
    pub fn need(&self, scope: &str) -> Result<&Actor, Problem> {
        if self.0.scopes.iter().any(|s| s == scope) {
            Ok(&self.0.actor)
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                format!("This token does not carry the scope {scope}; make one that does on the API tokens page"),
            )
            .with_rule("SEC-01"))
        }
    }
}

impl FromRequestParts<WebState> for Token {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Problem> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "Unauthorised",
                    "Send an API token as `Authorization: Bearer <token>`",
                )
                .with_rule("SEC-01")
            })?;
        match state.app.token_holder(presented).await {
            Ok(holder) => Ok(Token(holder)),
            Err(AppError::Forbidden { message, rule }) => {
                Err(
                    Problem::new(StatusCode::UNAUTHORIZED, "Unauthorised", message)
                        .with_rule(&rule),
                )
            }
            Err(e) => Err(e.into()),
        }
    }
}

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal API token (carepanel's API tokens page); it acts with its owner's access and its scopes",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "carepanel API",
        version = "1",
        description = "Resource panels for children's services: referrals, sign-offs, meetings and agendas, decisions, decisions between meetings, reviews and the finance log, over the same use cases as the web pages. Every request carries a bearer token; errors are application/problem+json naming the field and the rule; lists are keyset-paginated (pass `next` back as `after`)."
    ),
    modifiers(&BearerToken),
    security(("token" = [])),
    tags(
        (name = "account", description = "Who the token acts for"),
        (name = "referrals", description = "Referrals, sign-offs and children's panel histories"),
        (name = "meetings", description = "Meetings and their agendas"),
        (name = "decisions", description = "Decisions, the decisions register for case systems, and reviews"),
        (name = "interim", description = "Decisions between meetings awaiting ratification"),
        (name = "finance", description = "The finance log of committed spend")
    )
)]
struct ApiDoc;

/// The API's routes and the OpenAPI document derived from them.
pub fn api() -> (axum::Router<WebState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(v1::me))
        .routes(routes!(v1::referrals))
        .routes(routes!(v1::referral))
        .routes(routes!(v1::sign_off))
        .routes(routes!(v1::return_referral))
        .routes(routes!(v1::sign_off_queue))
        .routes(routes!(v1::child_history))
        .routes(routes!(v1::meetings))
        .routes(routes!(v1::agenda))
        .routes(routes!(v1::decisions))
        .routes(routes!(v1::decision))
        .routes(routes!(v1::decisions_csv))
        .routes(routes!(v1::reviews))
        .routes(routes!(v1::interims))
        .routes(routes!(v1::finance_log))
        .routes(routes!(v1::spend_report))
        .split_for_parts()
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi_json() -> String {
    api()
        .1
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `GET /api/openapi.json`
pub async fn openapi_document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

/// Under `/api/`: what the framework refuses (a body that is not JSON, a bad query, the wrong
/// method) and unknown paths come back as problems, not as text or pages.
pub async fn problems_for_rejections(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/problem+json")
                || v.starts_with("application/json")
                || v.starts_with("text/csv")
        });
    if status.is_success() || is_problem {
        return res;
    }
    let detail = axum::body::to_bytes(res.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let (title, detail) = match status {
        StatusCode::NOT_FOUND => (
            "Not found",
            "No such API path; see /api/openapi.json".to_string(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "Method not allowed",
            "This path does not take that method; see /api/openapi.json".to_string(),
        ),
        _ => (
            "Bad request",
            if detail.is_empty() {
                "The request could not be read".to_string()
            } else {
                detail
            },
        ),
    };
    Problem::new(status, title, detail).into_response()
}
