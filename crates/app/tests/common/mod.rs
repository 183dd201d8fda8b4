//! Shared fixtures for the use-case tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use carepanel_app::{App, FixedClock};
use carepanel_domain::calendar::{BankHolidays, WorkingCalendar, london_to_utc};
use carepanel_domain::policy_set::PolicySet;
use carepanel_store::testing::{Backend, TestDb};
use std::sync::Arc;

pub const POLICIES: [(&str, &str); 4] = [
    (
        "bexley.toml",
        include_str!("../../../../policies/bexley.toml"),
    ),
    (
        "devon.toml",
        include_str!("../../../../policies/devon.toml"),
    ),
    (
        "hertfordshire.toml",
        include_str!("../../../../policies/hertfordshire.toml"),
    ),
    (
        "portsmouth.toml",
        include_str!("../../../../policies/portsmouth.toml"),
    ),
];

pub fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    london_to_utc(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

pub fn app_on(db: sea_orm::DatabaseConnection, clock: Arc<FixedClock>) -> App {
    App {
        db,
        policies: Arc::new(PolicySet::parse(POLICIES).unwrap()),
        calendar: Arc::new(WorkingCalendar::new(
            BankHolidays::from_govuk_json(include_str!("../../../../data/bank-holidays.json"))
                .unwrap(),
        )),
        clock,
    }
}

pub async fn fresh(backend: Backend, now: &str) -> (TestDb, App, Arc<FixedClock>) {
    let t = TestDb::new(backend).await.unwrap();
    let clock = Arc::new(FixedClock::at(at(now)));
    let app = app_on(t.db.clone(), clock.clone());
    (t, app, clock)
}
