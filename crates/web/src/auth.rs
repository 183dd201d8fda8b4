//! Sign-in and sessions: argon2id passwords, sessions stored in the database (so any instance
//! serves any request), idle and absolute timeouts, lockout after repeated failures, and a CSRF
//! token per session (R5).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use carepanel_app::{Actor, App, AppError};
use carepanel_store::entity::{person, session};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

/// The session cookie. `__Host-` binds it to this host, path `/`, and HTTPS.
pub const SESSION_COOKIE: &str = "__Host-carepanel-session";
/// The cookie that protects the sign-in form itself from cross-site submission.
pub const LOGIN_CSRF_COOKIE: &str = "__Host-carepanel-signin";

pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(10);
pub const MAX_FAILURES: i32 = 5;
pub const LOCKOUT: Duration = Duration::minutes(15);

/// A fresh random token, hex-encoded.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    // The operating system's generator does not fail on the platforms carepanel runs on; if it
    // ever did, the uuid v7 random bits keep the token unguessable.
    if getrandom::fill(&mut bytes).is_err() {
        let fallback = format!("{}{}", uuid_like(), uuid_like());
        return hex::encode(Sha256::digest(fallback.as_bytes()));
    }
    hex::encode(bytes)
}

fn uuid_like() -> String {
    carepanel_app::new_id()
}

/// The stored form of a session token: its hash, so a stolen database holds no live sessions.
pub fn session_key(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes)
        .map_err(|e| AppError::refused(format!("no randomness available: {e}"), "R5"))?;
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| AppError::refused(e.to_string(), "R5"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::refused(e.to_string(), "R5"))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Why a sign-in did not succeed. The message never says which of email or password was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInError {
    Wrong,
    Locked { until: DateTime<Utc> },
}

/// A new session: the token for the cookie and the CSRF token for forms.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

/// Checks the email and password and opens a new session (a new id at every sign-in).
pub async fn sign_in(
    app: &App,
    email: &str,
    password: &str,
) -> Result<Result<NewSession, SignInError>, AppError> {
    let now = app.now();
    let found = person::Entity::find()
        .filter(person::Column::Email.eq(email.trim().to_lowercase()))
        .one(&app.db)
        .await?;
    let Some(p) = found else {
        // Spend the same time as a real check, so timing does not reveal which emails exist.
        let _ = verify_password(
            password,
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4GSE7NmHYUnKRm1oVfcuJAUQCO4wLZEhr3WqlwzeL5s",
        );
        return Ok(Err(SignInError::Wrong));
    };
    if let Some(until) = p.locked_until.filter(|u| *u > now) {
        return Ok(Err(SignInError::Locked { until }));
    }
    let ok = p.active
        && p.password_hash
            .as_deref()
            .is_some_and(|h| verify_password(password, h));
    if !ok {
        let failures = p.failed_logins + 1;
        let locked = (failures >= MAX_FAILURES).then(|| now + LOCKOUT);
        person::Entity::update_many()
            .col_expr(
                person::Column::FailedLogins,
                Expr::value(if locked.is_some() { 0 } else { failures }),
            )
            .col_expr(person::Column::LockedUntil, Expr::value(locked))
            .filter(person::Column::Id.eq(p.id.clone()))
            .exec(&app.db)
            .await?;
        return Ok(Err(match locked {
            Some(until) => SignInError::Locked { until },
            None => SignInError::Wrong,
        }));
    }
    person::Entity::update_many()
        .col_expr(person::Column::FailedLogins, Expr::value(0))
        .col_expr(
            person::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(person::Column::Id.eq(p.id.clone()))
        .exec(&app.db)
        .await?;
    Ok(Ok(open_session(app, &p.id).await?))
}

/// A new session for a person who has proved who they are (by password or single sign-on).
pub async fn open_session(app: &App, person_id: &str) -> Result<NewSession, AppError> {
    let now = app.now();
    let new = NewSession {
        token: token(),
        csrf: token(),
    };
    session::ActiveModel {
        id: Set(session_key(&new.token)),
        person_id: Set(person_id.to_string()),
        csrf_token: Set(new.csrf.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + ABSOLUTE_TIMEOUT),
    }
    .insert(&app.db)
    .await?;
    Ok(new)
}

/// The session's person (as an actor, with their name) and its CSRF token, if the session is
/// live; touches it for the idle timeout. A lapsed session, or one whose account is disabled,
/// is removed.
pub async fn resolve(app: &App, token: &str) -> Result<Option<(Actor, String, String)>, AppError> {
    let now = app.now();
    let key = session_key(token);
    let Some(s) = app.session_holder(&key).await? else {
        return Ok(None);
    };
    // A lapsed session, or any session of a disabled account, ends at once.
    if s.expires_at <= now || s.last_seen_at + IDLE_TIMEOUT <= now || !s.active {
        session::Entity::delete_by_id(key).exec(&app.db).await?;
        return Ok(None);
    }
    if now - s.last_seen_at > Duration::minutes(1) {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(key))
            .exec(&app.db)
            .await?;
    }
    Ok(Some((s.actor, s.csrf_token, s.name)))
}

pub async fn sign_out(app: &App, token: &str) -> Result<(), AppError> {
    session::Entity::delete_by_id(session_key(token))
        .exec(&app.db)
        .await?;
    Ok(())
}

/// Constant-time comparison for tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
