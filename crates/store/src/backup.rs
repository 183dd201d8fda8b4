//! Backup and restore as JSON lines, one row a line, portable between SQLite and PostgreSQL.
//! A restore goes into an empty, migrated database; the audit chain travels unchanged, so it
//! verifies afterwards (R9).

use crate::entity::*;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    IsolationLevel, PaginatorTrait, TransactionTrait,
};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("cannot write the backup: {0}")]
    Io(#[from] std::io::Error),
    #[error("line {line} of the backup is not valid: {message}")]
    Format { line: usize, message: String },
    #[error("the target database is not empty ({0} councils); restore only into an empty database")]
    NotEmpty(u64),
    #[error("the backup's audit chain does not verify, so nothing was restored: {0}")]
    Broken(String),
}

/// Row counts per table.
pub type Counts = BTreeMap<String, u64>;

macro_rules! tables {
    ($m:ident) => {
        $m!(
            council,
            team,
            person,
            person_role,
            child,
            meeting,
            referral,
            referral_version,
            attachment,
            sign_off,
            agenda_item,
            attendance,
            declaration,
            member_note,
            decision,
            commitment,
            action,
            review,
            interim_decision,
            outbox,
            session,
            api_token,
            sso_identity,
            audit_event
        )
    };
}

/// Writes every row of every table; returns the counts written.
pub async fn backup(db: &DatabaseConnection, out: &mut impl Write) -> Result<Counts, BackupError> {
    let mut counts = Counts::new();
    // One repeatable-read transaction, so the backup is a consistent snapshot (on SQLite every
    // read transaction is one).
    let txn = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    macro_rules! dump {
        ($($t:ident),*) => {$(
            let rows = $t::Entity::find().all(&txn).await?;
            counts.insert(stringify!($t).to_string(), rows.len() as u64);
            for row in rows {
                let line = serde_json::json!({"table": stringify!($t), "row": row});
                writeln!(out, "{line}")?;
            }
        )*};
    }
    tables!(dump);
    txn.commit().await?;
    out.flush()?;
    Ok(counts)
}

/// Restores a backup into an empty database in one transaction, and commits only if the
/// restored audit chain verifies; returns the counts read.
pub async fn restore(db: &DatabaseConnection, input: impl BufRead) -> Result<Counts, BackupError> {
    let txn = db.begin().await?;
    let existing = council::Entity::find().count(&txn).await?;
    if existing > 0 {
        return Err(BackupError::NotEmpty(existing));
    }
    let mut counts = Counts::new();
    for (n, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| BackupError::Format {
                line: n + 1,
                message: e.to_string(),
            })?;
        let table = value["table"].as_str().unwrap_or("").to_string();
        let row = value["row"].clone();
        macro_rules! load {
            ($($t:ident),*) => {
                match table.as_str() {
                    $(stringify!($t) => {
                        let model: $t::Model = serde_json::from_value(row).map_err(|e| BackupError::Format { line: n + 1, message: e.to_string() })?;
                        $t::Entity::insert(model.into_active_model()).exec_without_returning(&txn).await?;
                    })*
                    other => return Err(BackupError::Format { line: n + 1, message: format!("unknown table '{other}'") }),
                }
            };
        }
        tables!(load);
        *counts.entry(table).or_default() += 1;
    }
    crate::audit::verify_in(&txn).await.map_err(|e| match e {
        crate::audit::VerifyError::Broken(b) => BackupError::Broken(b.to_string()),
        crate::audit::VerifyError::Db(e) => BackupError::Db(e),
    })?;
    txn.commit().await?;
    Ok(counts)
}

/// Row counts of every table, to compare a restore with its source.
pub async fn counts<C: ConnectionTrait>(db: &C) -> Result<Counts, DbErr> {
    let mut counts = Counts::new();
    macro_rules! count {
        ($($t:ident),*) => {$(
            counts.insert(stringify!($t).to_string(), $t::Entity::find().count(db).await?);
        )*};
    }
    tables!(count);
    Ok(counts)
}
