//! The demo data is made through the use cases, obeys every rule, and is the same each time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_app::demo::Scale;
use carepanel_app::{App, FixedClock};
use carepanel_domain::calendar::{BankHolidays, WorkingCalendar, london_to_utc};
use carepanel_domain::policy_set::PolicySet;
use carepanel_store::entity::{decision, referral};
use carepanel_store::testing::{Backend, TestDb};
use common::*;
use sea_orm::{EntityTrait, PaginatorTrait};
use std::sync::Arc;

async fn seeded(backend: Backend) -> (TestDb, carepanel_app::demo::SeedReport) {
    let t = TestDb::new(backend).await.unwrap();
    let clock = Arc::new(FixedClock::at(london_to_utc(
        chrono::NaiveDateTime::parse_from_str("2026-11-25T09:00", "%Y-%m-%dT%H:%M").unwrap(),
    )));
    let app = App {
        db: t.db.clone(),
        policies: Arc::new(PolicySet::parse(POLICIES).unwrap()),
        calendar: Arc::new(WorkingCalendar::new(
            BankHolidays::from_govuk_json(include_str!("../../../data/bank-holidays.json"))
                .unwrap(),
        )),
        clock: clock.clone(),
    };
    let report = app.seed_demo(&clock, Scale::Weeks(3), 7).await.unwrap();
    (t, report)
}

#[tokio::test]
async fn demo_seed_obeys_the_rules_on_both_backends() {
    for backend in Backend::ALL {
        let (t, report) = seeded(backend).await;
        assert!(
            report.refused.is_empty(),
            "{backend:?}: {:#?}",
            report.refused
        );
        assert_eq!(report.councils, 4);
        assert!(report.referrals > 100, "{report:?}");
        assert!(report.decisions > 50, "{report:?}");
        let referrals = referral::Entity::find().count(&t.db).await.unwrap();
        assert_eq!(referrals as usize, report.referrals);
        assert_eq!(
            decision::Entity::find().count(&t.db).await.unwrap() as usize,
            report.decisions
        );
        carepanel_store::audit::verify(&t.db).await.unwrap();
        t.drop_schema().await;
    }
}

#[tokio::test]
async fn demo_seed_is_deterministic() {
    let (a, ra) = seeded(Backend::Sqlite).await;
    let (b, rb) = seeded(Backend::Sqlite).await;
    assert_eq!(
        (ra.referrals, ra.decisions, ra.children),
        (rb.referrals, rb.decisions, rb.children)
    );
    drop((a, b));
}

/// R9: back up, restore into an empty database (on either backend), same counts, chain verifies.
#[tokio::test]
async fn r9_backup_and_restore_across_backends() {
    let (source, _) = seeded(Backend::Sqlite).await;
    let mut bytes = Vec::new();
    let written = carepanel_store::backup::backup(&source.db, &mut bytes)
        .await
        .unwrap();
    assert!(written["referral"] > 100);
    for backend in Backend::ALL {
        let target = TestDb::new(backend).await.unwrap();
        let read = carepanel_store::backup::restore(&target.db, std::io::Cursor::new(&bytes))
            .await
            .unwrap();
        assert_eq!(read.values().sum::<u64>(), written.values().sum::<u64>());
        let counts = carepanel_store::backup::counts(&target.db).await.unwrap();
        assert_eq!(counts, written, "{backend:?}");
        let v = carepanel_store::audit::verify(&target.db).await.unwrap();
        assert_eq!(v.events as u64, written["audit_event"], "{backend:?}");
        // A second restore into the now non-empty database is refused.
        let again =
            carepanel_store::backup::restore(&target.db, std::io::Cursor::new(&bytes)).await;
        assert!(matches!(
            again,
            Err(carepanel_store::backup::BackupError::NotEmpty(_))
        ));
        target.drop_schema().await;
    }
}

/// Scale L's synthetic councils: bulk rows whose audit chains verify, on both backends.
#[tokio::test]
async fn synthetic_councils_for_scale_l_verify() {
    for backend in Backend::ALL {
        let t = TestDb::new(backend).await.unwrap();
        let clock = Arc::new(FixedClock::at(london_to_utc(
            chrono::NaiveDateTime::parse_from_str("2026-11-25T09:00", "%Y-%m-%dT%H:%M").unwrap(),
        )));
        let app = App {
            db: t.db.clone(),
            policies: Arc::new(PolicySet::parse(POLICIES).unwrap()),
            calendar: Arc::new(WorkingCalendar::new(
                BankHolidays::from_govuk_json(include_str!("../../../data/bank-holidays.json"))
                    .unwrap(),
            )),
            clock,
        };
        // Six councils: the four templates repeat, as they do at scale L.
        let n = app.seed_synthetic_councils(6, 350, 11).await.unwrap();
        assert_eq!(n, 2100);
        assert_eq!(referral::Entity::find().count(&t.db).await.unwrap(), 2100);
        assert_eq!(decision::Entity::find().count(&t.db).await.unwrap(), 2100);
        let v = carepanel_store::audit::verify(&t.db).await.unwrap();
        assert_eq!((v.councils, v.events), (6, 2100), "{backend:?}");
        t.drop_schema().await;
    }
}

/// A backup whose audit chain was tampered with restores nothing.
#[tokio::test]
async fn r9_a_tampered_backup_is_refused_whole() {
    let (source, _) = seeded(Backend::Sqlite).await;
    let mut bytes = Vec::new();
    carepanel_store::backup::backup(&source.db, &mut bytes)
        .await
        .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let tampered = text.replacen(
        "\"action\":\"decision.record\"",
        "\"action\":\"decision.removed\"",
        1,
    );
    assert_ne!(text, tampered);
    let target = TestDb::new(Backend::Sqlite).await.unwrap();
    let err =
        carepanel_store::backup::restore(&target.db, std::io::Cursor::new(tampered.as_bytes()))
            .await
            .unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");
    assert_eq!(referral::Entity::find().count(&target.db).await.unwrap(), 0);
}
