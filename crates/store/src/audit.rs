//! The audit trail: append-only, hash-chained per council (SEC-03). Events are written in the
//! same transaction as the change they record; the council row holds the chain's head, and
//! updating it first serialises appends per council on PostgreSQL as well as on SQLite.

use crate::chain::{self, ChainBreak, ChainEvent, GENESIS};
use crate::entity::{audit_event, council};
use sea_orm::{AccessMode, ColumnTrait, DatabaseConnection, IsolationLevel, TransactionTrait};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set, Statement, Value,
};
use serde_json::Value as Json;

/// One thing that happened, about to be recorded.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub council_id: &'a str,
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub detail: Json,
}

/// Appends an event inside the caller's transaction and returns its sequence number.
pub async fn append<C: ConnectionTrait>(
    txn: &C,
    now: chrono::DateTime<chrono::Utc>,
    e: NewEvent<'_>,
) -> Result<i64, DbErr> {
    let seqs = append_many(txn, vec![(now, e)]).await?;
    seqs.first()
        .copied()
        .ok_or_else(|| DbErr::Custom("no sequence number was given to the event".into()))
}

/// Appends events inside the caller's transaction, in the order given within each council,
/// and returns their sequence numbers in the order given. Each council's row is updated
/// twice and its events inserted in one statement, however many there are (a group of reads,
/// P4); councils are taken in the order of their ids, so two transactions appending to the
/// same councils wait for each other rather than deadlock.
pub async fn append_many<C: ConnectionTrait>(
    txn: &C,
    events: Vec<(chrono::DateTime<chrono::Utc>, NewEvent<'_>)>,
) -> Result<Vec<i64>, DbErr> {
    let backend = txn.get_database_backend();
    let mut councils: Vec<&str> = events.iter().map(|(_, e)| e.council_id).collect();
    councils.sort_unstable();
    councils.dedup();
    let mut seqs = vec![0; events.len()];
    for council_id in councils {
        let mine: Vec<usize> = (0..events.len())
            .filter(|&i| events[i].1.council_id == council_id)
            .collect();
        let count = i64::try_from(mine.len()).map_err(|e| DbErr::Custom(e.to_string()))?;
        let row = txn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "UPDATE council SET audit_seq = audit_seq + $1 WHERE id = $2 RETURNING audit_seq, audit_head",
                [Value::from(count), Value::from(council_id)],
            ))
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("council {council_id}")))?;
        let last: i64 = row.try_get("", "audit_seq")?;
        let mut prev: String = row.try_get("", "audit_head")?;
        let mut rows = Vec::with_capacity(mine.len());
        for (k, &i) in mine.iter().enumerate() {
            let (now, e) = &events[i];
            let seq = last - count + 1 + k as i64;
            let mut event = ChainEvent {
                id: uuid::Uuid::now_v7().to_string(),
                council_id: council_id.to_string(),
                seq,
                at: now.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                actor_id: e.actor_id.map(str::to_string),
                action: e.action.to_string(),
                entity: e.entity.to_string(),
                entity_id: e.entity_id.to_string(),
                detail: e.detail.to_string(),
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            event.hash = chain::hash_event(&prev, &event);
            prev = event.hash.clone();
            seqs[i] = seq;
            rows.push(audit_event::ActiveModel {
                id: Set(event.id),
                council_id: Set(event.council_id),
                seq: Set(event.seq),
                at: Set(event.at),
                actor_id: Set(event.actor_id),
                action: Set(event.action),
                entity: Set(event.entity),
                entity_id: Set(event.entity_id),
                detail: Set(event.detail),
                prev_hash: Set(event.prev_hash),
                hash: Set(event.hash),
            });
        }
        audit_event::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE council SET audit_head = $1 WHERE id = $2",
            [Value::from(prev), Value::from(council_id)],
        ))
        .await?;
    }
    Ok(seqs)
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub councils: usize,
    pub events: usize,
    /// Each council's chain head (council, last sequence number, hash), to be recorded
    /// outside the database: a later verify that shows an earlier head changed means the
    /// chain was rewritten by someone with the database's own credentials.
    pub heads: Vec<(String, i64, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{0}")]
    Broken(ChainBreak),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Checks every council's chain; the first break found is returned, naming the event. It
/// reads one snapshot, so appends made while it runs do not look like tampering.
pub async fn verify(db: &DatabaseConnection) -> Result<Verified, VerifyError> {
    let txn = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let result = verify_in(&txn).await;
    txn.commit().await?;
    result
}

/// [`verify`] on a connection or inside a transaction the caller holds.
pub async fn verify_in<C: ConnectionTrait>(db: &C) -> Result<Verified, VerifyError> {
    let councils = council::Entity::find()
        .order_by_asc(council::Column::Id)
        .all(db)
        .await?;
    let mut total = 0;
    for c in &councils {
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::CouncilId.eq(c.id.clone()))
            .order_by_asc(audit_event::Column::Seq)
            .all(db)
            .await?;
        let events: Vec<ChainEvent> = rows.into_iter().map(to_chain).collect();
        total += chain::verify(&c.id, &events, c.audit_seq, &c.audit_head)
            .map_err(VerifyError::Broken)?;
    }
    // Events whose council row is gone are a break too.
    let orphans = audit_event::Entity::find()
        .filter(audit_event::Column::CouncilId.is_not_in(councils.iter().map(|c| c.id.clone())))
        .order_by_asc(audit_event::Column::Seq)
        .one(db)
        .await?;
    if let Some(o) = orphans {
        return Err(VerifyError::Broken(ChainBreak {
            council_id: o.council_id.clone(),
            seq: o.seq,
            event_id: Some(o.id),
            problem: "belongs to no council".into(),
        }));
    }
    Ok(Verified {
        councils: councils.len(),
        events: total,
        heads: councils
            .iter()
            .map(|c| (c.id.clone(), c.audit_seq, c.audit_head.clone()))
            .collect(),
    })
}

fn to_chain(m: audit_event::Model) -> ChainEvent {
    ChainEvent {
        id: m.id,
        council_id: m.council_id,
        seq: m.seq,
        at: m.at,
        actor_id: m.actor_id,
        action: m.action,
        entity: m.entity,
        entity_id: m.entity_id,
        detail: m.detail,
        prev_hash: m.prev_hash,
        hash: m.hash,
    }
}

/// The head a new council starts with.
pub fn genesis() -> String {
    GENESIS.to_string()
}
