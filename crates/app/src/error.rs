//! The one error type of the use cases. Every refusal says what was refused and which rule
//! refused it; the web and API edges render these as pages or problem documents.

use carepanel_domain::decision::FieldError;
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use std::ops::Deref;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The actor may not do this (access control), with the rule that says so.
    #[error("{message} ({rule})")]
    Forbidden { message: String, rule: String },
    #[error("{0} was not found")]
    NotFound(String),
    /// Input that breaks a rule: every field and rule, so the form can be shown again.
    #[error("{}", .0.iter().map(|e| format!("{}: {} ({})", e.field, e.message, e.requirement)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// A policy rule refuses the action.
    #[error("{message} ({requirement})")]
    Refused {
        message: String,
        requirement: String,
    },
    /// Someone else changed the record first.
    #[error("{0}")]
    Conflict(String),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl AppError {
    pub fn refused(message: impl Into<String>, requirement: impl Into<String>) -> Self {
        AppError::Refused {
            message: message.into(),
            requirement: requirement.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>, rule: impl Into<String>) -> Self {
        AppError::Forbidden {
            message: message.into(),
            rule: rule.into(),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>, requirement: &str) -> Self {
        AppError::Invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
            requirement: requirement.into(),
        }])
    }
}

fn code(e: &DbErr) -> Option<String> {
    match e {
        DbErr::Exec(RuntimeErr::SqlxError(x))
        | DbErr::Query(RuntimeErr::SqlxError(x))
        | DbErr::Conn(RuntimeErr::SqlxError(x)) => match x.deref() {
            sea_orm::sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
            _ => None,
        },
        _ => None,
    }
}

/// Errors the database asks us to retry: PostgreSQL serialisation failures and deadlocks,
/// SQLite busy and locked.
pub fn retryable(e: &DbErr) -> bool {
    matches!(
        code(e).as_deref(),
        Some("40001" | "40P01" | "5" | "261" | "517" | "773" | "6")
    ) || matches!(e, DbErr::ConnectionAcquire(_))
}

pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
