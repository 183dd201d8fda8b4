//! API tokens: a person makes tokens for the systems that act for them (a case-management
//! system recording decisions back, a finance system reading the log). A token carries scopes,
//! expires, can be revoked, and acts with exactly its owner's access (SEC-01); only its hash is
//! stored, and the secret is shown once.

use crate::{Actor, App, AppError, new_id};
use carepanel_store::entity::{api_token, person};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use sha2::{Digest, Sha256};

/// Every scope a token may carry, with what it allows.
pub const SCOPES: [(&str, &str); 6] = [
    (
        "referrals:read",
        "Read the referrals you may see, and children's panel histories",
    ),
    ("referrals:write", "Sign off referrals waiting for you"),
    (
        "meetings:read",
        "Read the meetings and agendas of the panels you work",
    ),
    (
        "decisions:read",
        "Read decisions, decision registers and reviews",
    ),
    (
        "interim:read",
        "Read decisions between meetings awaiting ratification",
    ),
    ("finance:read", "Read the finance log"),
];

/// The longest a token lives, in days.
pub const MAX_DAYS: i64 = 365;

/// A token just made: its id, and the secret, shown this once.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: String,
    pub secret: String,
}

/// What a presented token stands for.
#[derive(Debug, Clone)]
pub struct TokenHolder {
    pub actor: Actor,
    pub scopes: Vec<String>,
    pub token_id: String,
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Conflict(format!("no randomness for the token: {e}")))?;
    Ok(format!("cp_{}", hex::encode(bytes)))
}

impl App {
    /// Makes a token for the person themselves. The name says what uses it; the scopes are
    /// from `SCOPES`; it lives `days` days (1 to 365).
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[String],
        days: i64,
    ) -> Result<NewToken, AppError> {
        let mut errors = Vec::new();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(carepanel_domain::decision::FieldError {
                field: "name".into(),
                message: "Say what will use the token, in at most 100 characters".into(),
                requirement: "SEC-01".into(),
            });
        }
        let unknown: Vec<&String> = scopes
            .iter()
            .filter(|s| !SCOPES.iter().any(|(k, _)| k == s))
            .collect();
        if scopes.is_empty() || !unknown.is_empty() {
            errors.push(carepanel_domain::decision::FieldError {
                field: "scopes".into(),
                message: format!(
                    "Choose at least one of: {}",
                    SCOPES
                        .iter()
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                requirement: "SEC-01".into(),
            });
        }
        if !(1..=MAX_DAYS).contains(&days) {
            errors.push(carepanel_domain::decision::FieldError {
                field: "days".into(),
                message: format!("A token lives from 1 to {MAX_DAYS} days"),
                requirement: "SEC-01".into(),
            });
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let mut scopes: Vec<String> = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let secret = secret()?;
        let id = new_id();
        let txn = self.begin().await?;
        api_token::ActiveModel {
            id: Set(id.clone()),
            person_id: Set(actor.person_id.clone()),
            council_id: Set(actor.council_id.clone()),
            name: Set(name.to_string()),
            token_hash: Set(hash(&secret)),
            scopes: Set(scopes.join(" ")),
            created_at: Set(self.now()),
            expires_at: Set(self.now() + chrono::Duration::days(days)),
            last_used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(&txn)
        .await?;
        self.audit(
            &txn,
            actor,
            "api_token.create",
            "api_token",
            &id,
            json!({"name": name, "scopes": scopes, "days": days}),
        )
        .await?;
        txn.commit().await?;
        Ok(NewToken { id, secret })
    }

    /// The person's own tokens, newest first.
    pub async fn api_tokens(&self, actor: &Actor) -> Result<Vec<api_token::Model>, AppError> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::PersonId.eq(actor.person_id.clone()))
            .order_by_desc(api_token::Column::CreatedAt)
            .all(&self.db)
            .await?)
    }

    /// Revokes one of the person's own tokens; it stops working at once.
    pub async fn revoke_api_token(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        let txn = self.begin().await?;
        let done = api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(Some(self.now())))
            .filter(api_token::Column::Id.eq(id))
            .filter(api_token::Column::PersonId.eq(actor.person_id.clone()))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(AppError::NotFound(format!("token {id}")));
        }
        self.audit(&txn, actor, "api_token.revoke", "api_token", id, json!({}))
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The person and scopes a presented secret stands for: refused when it is unknown,
    /// revoked or expired, or its owner's account is disabled.
    pub async fn token_holder(&self, presented: &str) -> Result<TokenHolder, AppError> {
        let refused = || {
            AppError::forbidden(
                "The token is not valid: it is unknown, revoked or expired, or its account is disabled",
                "SEC-01",
            )
        };
        let t = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(hash(presented.trim())))
            .one(&self.db)
            .await?
            .ok_or_else(refused)?;
        if t.revoked_at.is_some() || t.expires_at <= self.now() {
            return Err(refused());
        }
        let active = person::Entity::find_by_id(t.person_id.clone())
            .one(&self.db)
            .await?
            .is_some_and(|p| p.active);
        if !active {
            return Err(refused());
        }
        // When it was last used, at most once a minute, so a busy client does not write on
        // every request.
        if t.last_used_at
            .is_none_or(|u| self.now() - u > chrono::Duration::minutes(1))
        {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(self.now())))
                .filter(api_token::Column::Id.eq(t.id.clone()))
                .exec(&self.db)
                .await?;
        }
        Ok(TokenHolder {
            actor: self.actor(&t.person_id).await?,
            scopes: t.scopes.split_whitespace().map(str::to_string).collect(),
            token_id: t.id,
        })
    }
}
