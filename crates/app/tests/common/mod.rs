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
        reads: Default::default(),
    }
}

pub async fn fresh(backend: Backend, now: &str) -> (TestDb, App, Arc<FixedClock>) {
    let t = TestDb::new(backend).await.unwrap();
    let clock = Arc::new(FixedClock::at(at(now)));
    let app = app_on(t.db.clone(), clock.clone());
    (t, app, clock)
}

/// A worker's referral of a new child to the East and West panel's Part 1, with every field
/// of its form answered; returns the referral id.
pub async fn ew_draft(app: &App, sw: &carepanel_app::Actor, case_id: &str) -> String {
    use carepanel_app::referrals::NewReferral;
    use carepanel_app::setup::NewChild;
    let child = app
        .register_child(
            sw,
            NewChild {
                case_system: "LCS",
                case_system_id: case_id,
                name: &format!("Child {case_id}"),
                date_of_birth: chrono::NaiveDate::from_ymd_opt(2013, 2, 1).unwrap(),
                sex: None,
                ethnicity: None,
                disability: None,
                legal_status: None,
                looked_after: false,
            },
        )
        .await
        .unwrap();
    let (_, panel) = app.panel("herts-ew-prp").unwrap();
    let form = panel.form("prp-referral").unwrap();
    app.create_draft(
        sw,
        NewReferral {
            panel_id: "herts-ew-prp".into(),
            category: "support-package".into(),
            child_id: child,
            form_id: Some(form.id.clone()),
            answers: carepanel_app::demo_data::sample_answers(
                form,
                chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            ),
            children: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// The messages queued of one kind, oldest first.
pub async fn queued(app: &App, kind: &str) -> Vec<carepanel_store::entity::outbox::Model> {
    use carepanel_store::entity::outbox;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(kind))
        .order_by_asc(outbox::Column::CreatedAt)
        .all(&app.db)
        .await
        .unwrap()
}

/// The addresses a set of messages went to.
pub fn recipients(messages: &[carepanel_store::entity::outbox::Model]) -> Vec<String> {
    let mut to: Vec<String> = messages
        .iter()
        .map(|m| {
            m.recipient
                .rsplit('<')
                .next()
                .unwrap_or("")
                .trim_end_matches('>')
                .to_string()
        })
        .collect();
    to.sort();
    to
}

/// A mail transport that keeps what it is given, for a service at `service`.
pub struct Collector {
    pub service: Option<String>,
    pub sent: std::sync::Mutex<Vec<carepanel_app::outbox::Outgoing>>,
}

impl Collector {
    pub fn at(service: &str) -> Self {
        Collector {
            service: Some(service.to_string()),
            sent: std::sync::Mutex::new(Vec::new()),
        }
    }
}

impl carepanel_app::outbox::Mailer for Collector {
    fn service_url(&self) -> Option<&str> {
        self.service.as_deref()
    }

    async fn send(&self, message: &carepanel_app::outbox::Outgoing) -> Result<(), String> {
        self.sent.lock().unwrap().push(message.clone());
        Ok(())
    }
}
