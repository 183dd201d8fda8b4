//! The audit events of reads (SEC-02: every view of a child's record or of minutes is
//! logged), appended in groups.
//!
//! A read is shown to no one before its event is committed: the page waits for it. But the
//! events of reads happening at the same moment are committed together, in one write
//! transaction and one flush to disk, rather than one transaction each (P4). Whichever read
//! finds no group being written starts one on its own task, so that a reader who goes away
//! (a closed browser tab) cannot leave the others waiting. That task first yields to the other
//! requests ready to run, so that the reads happening at the same moment have joined; begins
//! the transaction; takes every event waiting by then; commits them, answers their readers, and
//! goes round again until none wait.
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

/// The most times the writer yields, waiting for more reads to join a group.
const MOST_YIELDS: usize = 8;

impl ReadLog {
    fn take(&self, most: usize) -> Vec<Waiting> {
        let mut w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        let n = w.len().min(most);
        w.drain(..n).collect()
    }

    fn len(&self) -> usize {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
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
            while !self.reads.is_empty() {
                self.let_others_join().await;
                let group = Mutex::new(Vec::new());
                let result = self
                    .retrying(|| self.write_group(&group))
                    .await
                    .map_err(|e| e.to_string());
                let mut group = group.into_inner().unwrap_or_else(|p| p.into_inner());
                if result.is_err() && group.is_empty() {
                    // The transaction did not begin: the reads waiting are refused rather than
                    // tried again at once, for ever.
                    group = self.reads.take(MOST_IN_A_GROUP);
                }
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

    /// Lets the requests ready to run reach their own reads' events before a group is taken:
    /// yields to them, again while the reads waiting keep growing (at most `MOST_YIELDS`
    /// times). A lone read waits one yield; sixteen at once are written together rather than
    /// in groups of two or three, each a transaction of its own (P4).
    async fn let_others_join(&self) {
        let mut waiting = self.reads.len();
        for _ in 0..MOST_YIELDS {
            tokio::task::yield_now().await;
            let now = self.reads.len();
            if now == waiting {
                return;
            }
            waiting = now;
        }
    }

    /// Writes the events waiting, in one transaction, adding them to `group`. They are taken
    /// once the transaction has begun, so that the reads that arrived while it began (on
    /// SQLite, while it waited for the write lock) are in it too; a second attempt writes the
    /// group again, with the reads that arrived since.
    async fn write_group(&self, group: &Mutex<Vec<Waiting>>) -> Result<(), AppError> {
        let txn = self.begin().await?;
        let reads: Vec<ReadEvent> = {
            let mut group = group.lock().unwrap_or_else(|p| p.into_inner());
            let room = MOST_IN_A_GROUP.saturating_sub(group.len());
            group.extend(self.reads.take(room));
            group.iter().map(|(e, _)| e.clone()).collect()
        };
        let events = reads
            .iter()
            .map(|e| {
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
