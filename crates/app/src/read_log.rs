//! The audit events of reads (SEC-02: every view of a child's record or of minutes is
//! logged), appended in groups.
//!
//! A read is shown to no one before its event is committed: the page waits for it. But the
//! events of reads happening at the same moment are committed together, in one write
//! transaction and one flush to disk, rather than one transaction each (P4). Whichever read
//! finds no group being written starts one on its own task, so that a reader who goes away
//! (a closed browser tab) cannot leave the others waiting; that task takes every event waiting
//! when it starts, commits them, answers their readers, and goes round again until none wait.
//! Each instance groups its own readers; the hash chain is extended per council inside the
//! transaction exactly as for any other event.

use crate::{App, AppError};
use carepanel_store::audit::{self, NewEvent};
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::oneshot;

/// A read to record.
#[derive(Debug, Clone)]
pub(crate) struct ReadEvent {
    pub council_id: String,
    pub actor_id: String,
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub detail: serde_json::Value,
    pub at: DateTime<Utc>,
}

type Waiting = (ReadEvent, oneshot::Sender<Result<(), String>>);

/// The reads waiting for their events to be written, and whether a group is being written.
#[derive(Default)]
pub struct ReadLog {
    waiting: Mutex<Vec<Waiting>>,
    writing: AtomicBool,
}

impl std::fmt::Debug for ReadLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadLog").finish_non_exhaustive()
    }
}

/// The most events one transaction carries.
const MOST_IN_A_GROUP: usize = 256;

impl ReadLog {
    fn take(&self, most: usize) -> Vec<Waiting> {
        let mut w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        let n = w.len().min(most);
        w.drain(..n).collect()
    }

    fn is_empty(&self) -> bool {
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }
}

/// Should writing a group panic, the readers still waiting are answered with an error and the
/// next read starts writing afresh, rather than every later read waiting for ever.
struct Unwind<'a>(&'a ReadLog);

impl Drop for Unwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for (_, tx) in self.0.take(usize::MAX) {
                let _ = tx.send(Err("writing the audit events of reads failed".into()));
            }
            self.0.writing.store(false, Ordering::Release);
        }
    }
}

impl App {
    /// Records a read and returns once its event is committed; an error means the read must
    /// not be shown.
    pub(crate) async fn log_read(&self, event: ReadEvent) -> Result<(), AppError> {
        // The P4 benchmark's comparison build, never a served one: reads go unaudited.
        if cfg!(feature = "bench-unguarded") {
            return Ok(());
        }
        let (tx, rx) = oneshot::channel();
        self.reads
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((event, tx));
        if !self.reads.writing.swap(true, Ordering::AcqRel) {
            let app = self.clone();
            tokio::spawn(async move { app.write_reads().await });
        }
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(AppError::Db(sea_orm::DbErr::Custom(format!(
                "the audit event of this read could not be written: {e}"
            )))),
            Err(_) => Err(AppError::Db(sea_orm::DbErr::Custom(
                "the audit event of this read could not be written".into(),
            ))),
        }
    }

    /// Writes groups until no read waits, then stands down. A read that arrives between the
    /// last look and standing down is caught by the look after it.
    async fn write_reads(&self) {
        let _guard = Unwind(&self.reads);
        loop {
            loop {
                let group = self.reads.take(MOST_IN_A_GROUP);
                if group.is_empty() {
                    break;
                }
                let result = self
                    .retrying(|| self.write_group(&group))
                    .await
                    .map_err(|e| e.to_string());
                for (_, tx) in group {
                    let _ = tx.send(result.clone());
                }
            }
            self.reads.writing.store(false, Ordering::Release);
            if self.reads.is_empty() || self.reads.writing.swap(true, Ordering::AcqRel) {
                return;
            }
        }
    }

    async fn write_group(&self, group: &[Waiting]) -> Result<(), AppError> {
        let txn = self.begin().await?;
        let events = group
            .iter()
            .map(|(e, _)| {
                (
                    e.at,
                    NewEvent {
                        council_id: &e.council_id,
                        actor_id: Some(&e.actor_id),
                        action: e.action,
                        entity: e.entity,
                        entity_id: &e.entity_id,
                        detail: e.detail.clone(),
                    },
                )
            })
            .collect();
        audit::append_many(&txn, events).await?;
        txn.commit().await?;
        Ok(())
    }
}
