//! carepanel's use cases: one function per user action. Each runs the domain rules, writes in
//! one transaction, and appends its audit event in that same transaction. Access is decided
//! here: by role, team, panel and council.

pub mod access;
pub mod administration;
pub mod coordination;
pub mod demo;
pub mod demo_bulk;
pub mod demo_data;
pub mod error;
pub mod exports;
pub mod finance;
pub mod invitations;
pub mod listing;
pub mod meetings;
pub mod minutes;
pub mod notices;
pub mod outbox;
pub mod pack;
pub mod panel_work;
pub mod read_log;
pub mod referrals;
pub mod reports;
pub mod setup;
pub mod sso;
pub mod tokens;
pub mod views;

pub use error::AppError;

use carepanel_domain::calendar::WorkingCalendar;
use carepanel_domain::policy::{Panel, Policy};
use carepanel_domain::policy_set::PolicySet;
use carepanel_domain::schedule::Scheduler;
use chrono::{DateTime, Utc};
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, DbErr, IsolationLevel,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::future::Future;
use std::sync::Arc;

/// The time, passed in so that tests and the demo control it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved (tests, the demo).
pub struct FixedClock(pub std::sync::Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn at(t: DateTime<Utc>) -> Self {
        FixedClock(std::sync::Mutex::new(t))
    }
    pub fn set(&self, t: DateTime<Utc>) {
        if let Ok(mut g) = self.0.lock() {
            *g = t;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map(|g| *g).unwrap_or_else(|_| Utc::now())
    }
}

/// A running clock set to start at a chosen moment: for demonstrations and browser tests that
/// must be "on the day of the meeting". It moves on in real time from there.
pub struct OffsetClock(pub chrono::Duration);

impl OffsetClock {
    pub fn starting_at(t: DateTime<Utc>) -> Self {
        OffsetClock(t - Utc::now())
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.0
    }
}

/// Everything a use case needs: the database, the policies, the calendar and the clock.
#[derive(Clone)]
pub struct App {
    pub db: DatabaseConnection,
    pub policies: Arc<PolicySet>,
    pub calendar: Arc<WorkingCalendar>,
    pub clock: Arc<dyn Clock>,
    /// The audit events of reads waiting to be written (SEC-02); one per instance.
    pub reads: Arc<read_log::ReadLog>,
}

/// Who is acting: a person, their council and team, and the roles they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub person_id: String,
    pub council_id: String,
    pub team_id: Option<String>,
    /// (role, panel) pairs; a role without a panel applies to every panel of the council.
    pub roles: Vec<(String, Option<String>)>,
}

impl Actor {
    /// The roles this person holds for `panel`.
    pub fn roles_for(&self, panel: &str) -> Vec<String> {
        self.roles
            .iter()
            .filter(|(_, p)| p.as_deref().is_none_or(|p| p == panel))
            .map(|(r, _)| r.clone())
            .collect()
    }
}

/// How many times a transaction is tried when the database asks for a retry (a busy SQLite
/// file, a PostgreSQL serialisation failure): such a retry never surfaces as an error page.
const ATTEMPTS: u32 = 8;

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// London wall-clock time now.
    pub fn local_now(&self) -> chrono::NaiveDateTime {
        carepanel_domain::calendar::utc_to_london(self.now())
    }

    /// The panel and its policy as in force today.
    pub fn panel(&self, panel_id: &str) -> Result<(&Policy, &Panel), AppError> {
        self.policies
            .find_panel_on(panel_id, self.local_now().date())
            .ok_or_else(|| AppError::NotFound(format!("panel {panel_id}")))
    }

    pub fn scheduler<'a>(&'a self, policy: &'a Policy, panel: &'a Panel) -> Scheduler<'a> {
        Scheduler::new(policy, panel, &self.calendar)
    }

    /// Begins a write transaction: IMMEDIATE on SQLite so that writers queue on the busy
    /// timeout instead of failing; READ COMMITTED with row locks on PostgreSQL.
    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.db
            .begin_with_options(TransactionOptions {
                isolation_level: Some(IsolationLevel::ReadCommitted),
                access_mode: Some(AccessMode::ReadWrite),
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            })
            .await
    }

    /// Runs `f` again when the database asks for a retry.
    pub async fn retrying<T, F, Fut>(&self, mut f: F) -> Result<T, AppError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match f().await {
                Err(AppError::Db(e)) if attempt < ATTEMPTS && error::retryable(&e) => {
                    tokio::time::sleep(std::time::Duration::from_millis(5 << attempt.min(6))).await;
                }
                other => return other,
            }
        }
    }
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
