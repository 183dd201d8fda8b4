//! Shared fixtures for the web tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use carepanel_app::{App, FixedClock};
use carepanel_domain::calendar::{BankHolidays, WorkingCalendar, london_to_utc};
use carepanel_domain::policy_set::PolicySet;
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

/// The app on `db` with its clock standing at 10:00 on 25 November 2026.
pub fn app_on(db: sea_orm::DatabaseConnection) -> (App, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::at(london_to_utc(
        chrono::NaiveDateTime::parse_from_str("2026-11-25T10:00", "%Y-%m-%dT%H:%M").unwrap(),
    )));
    let app = App {
        db,
        policies: Arc::new(PolicySet::parse(POLICIES).unwrap()),
        calendar: Arc::new(WorkingCalendar::new(
            BankHolidays::from_govuk_json(include_str!("../../../../data/bank-holidays.json"))
                .unwrap(),
        )),
        clock: clock.clone(),
        reads: Default::default(),
    };
    (app, clock)
}

/// Three weeks of demonstration data up to the fixtures' clock, on `backend`.
pub async fn demo_world(
    backend: carepanel_store::testing::Backend,
) -> (carepanel_store::testing::TestDb, App) {
    let t = carepanel_store::testing::TestDb::new(backend)
        .await
        .unwrap();
    let (app, clock) = app_on(t.db.clone());
    app.seed_demo(&clock, carepanel_app::demo::Scale::Weeks(3), 7)
        .await
        .unwrap();
    (t, app)
}
