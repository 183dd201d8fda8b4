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

fn demo_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::at(london_to_utc(
        chrono::NaiveDateTime::parse_from_str("2026-11-25T09:00", "%Y-%m-%dT%H:%M").unwrap(),
    )))
}

fn demo_app(db: sea_orm::DatabaseConnection, clock: Arc<FixedClock>) -> App {
    App {
        db,
        policies: Arc::new(PolicySet::parse(POLICIES).unwrap()),
        calendar: Arc::new(WorkingCalendar::new(
            BankHolidays::from_govuk_json(include_str!("../../../data/bank-holidays.json"))
                .unwrap(),
        )),
        clock,
        reads: Default::default(),
    }
}

/// The demo account with this email, as an actor.
async fn actor_by_email(app: &App, email: &str) -> carepanel_app::Actor {
    use carepanel_store::entity::person;
    use sea_orm::{ColumnTrait, QueryFilter};
    let p = person::Entity::find()
        .filter(person::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no demo account {email}"));
    app.actor(&p.id).await.unwrap()
}

/// Bexley's spending report as its finance officer reads it, this year and the two before.
async fn spend_for_finance(app: &App) -> Vec<carepanel_app::reports::SpendRow> {
    let actor = actor_by_email(app, "finance-officer@bexley.example").await;
    let period = carepanel_app::reports::years("fy-2024", "fy", app.local_now().date()).unwrap();
    let rows = app.spend_report(&actor, period).await.unwrap().rows;
    assert!(!rows.is_empty());
    rows
}

async fn seeded(backend: Backend) -> (TestDb, carepanel_app::demo::SeedReport) {
    let t = TestDb::new(backend).await.unwrap();
    let clock = demo_clock();
    let app = demo_app(t.db.clone(), clock.clone());
    let report = app.seed_demo(&clock, Scale::Weeks(3), 7).await.unwrap();
    (t, report)
}

/// The spending report (FIN-05) agrees with the commitments added up one by one, on both
/// backends; it covers only the panels the reader may see, and names the field it refuses.
#[tokio::test]
async fn spend_report_adds_up_the_commitments_by_panel_quarter_and_category() {
    use carepanel_store::entity::commitment;
    use chrono::Datelike;
    use sea_orm::{ColumnTrait, QueryFilter};
    use std::collections::BTreeMap;
    for backend in Backend::ALL {
        let (t, _) = seeded(backend).await;
        let app = demo_app(t.db.clone(), demo_clock());
        let today = app.local_now().date();
        let actor = actor_by_email(&app, "finance-officer@bexley.example").await;
        let period = carepanel_app::reports::years("fy-2024", "fy", today).unwrap();
        let report = app.spend_report(&actor, period).await.unwrap();
        let panels: Vec<String> = app
            .finance_panels(&actor)
            .iter()
            .map(|(_, p)| p.id.clone())
            .collect();
        let mut expected: BTreeMap<(String, i64, i64, String), (i64, i64)> = BTreeMap::new();
        for c in commitment::Entity::find()
            .filter(commitment::Column::CouncilId.eq("bexley"))
            .all(&t.db)
            .await
            .unwrap()
        {
            let Some(start) = c.start_date else { continue };
            if start < period.from || start > period.to || !panels.contains(&c.panel_id) {
                continue;
            }
            let fy = i64::from(if start.month() >= 4 {
                start.year()
            } else {
                start.year() - 1
            });
            let quarter = i64::from((start.month() + 8) % 12 / 3 + 1);
            let e = expected
                .entry((c.panel_id, fy, quarter, c.category))
                .or_default();
            e.0 += 1;
            e.1 += c.total_pence;
        }
        let got: BTreeMap<_, _> = report
            .rows
            .iter()
            .map(|r| {
                (
                    (r.panel_id.clone(), r.year, r.quarter, r.category.clone()),
                    (r.commitments, r.total_pence),
                )
            })
            .collect();
        assert!(!expected.is_empty(), "{backend:?}: the demo commits spend");
        assert_eq!(got, expected, "{backend:?}");
        assert_eq!(
            report.total_pence,
            expected.values().map(|v| v.1).sum::<i64>()
        );
        // A social worker may not read it; a backwards or too long run is refused by field.
        let worker = actor_by_email(&app, "worker11@bexley.example").await;
        let refused = app.spend_report(&worker, period).await.unwrap_err();
        assert!(
            refused.to_string().contains("FIN-05") || format!("{refused:?}").contains("FIN-05"),
            "{refused:?}"
        );
        for (from, to) in [
            ("fy-2025", "fy-2024"),
            ("fy-2010", "fy-2025"),
            ("2025-04", "fy"),
        ] {
            let err = carepanel_app::reports::years(from, to, today).unwrap_err();
            assert!(
                format!("{err:?}").contains("FIN-05"),
                "{from}..{to}: {err:?}"
            );
        }
        let bad_from = carepanel_app::reports::years("2025-04", "fy", today).unwrap_err();
        assert!(format!("{bad_from:?}").contains("\"from\""), "{bad_from:?}");
        t.drop_schema().await;
    }
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
        // The application works on the restored database: it answers as it did on the source.
        let restored = demo_app(target.db.clone(), demo_clock());
        assert_eq!(
            spend_for_finance(&restored).await,
            spend_for_finance(&demo_app(source.db.clone(), demo_clock())).await,
            "{backend:?}"
        );
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
            reads: Default::default(),
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

/// "Your referrals" a page at a time (P5): on both backends, the pages together hold every
/// referral the worker wrote and no other, each once, the most recently changed first, with
/// no key after the last page; a made-up key is refused naming the field and the rule.
#[tokio::test]
async fn p5_your_referrals_page_by_page() {
    use sea_orm::{ColumnTrait, QueryFilter};
    for backend in Backend::ALL {
        let (t, _) = seeded(backend).await;
        let app = demo_app(t.db.clone(), demo_clock());
        let actor = actor_by_email(&app, "worker11@bexley.example").await;
        let mut expected: Vec<(chrono::DateTime<chrono::Utc>, String)> = referral::Entity::find()
            .filter(referral::Column::AuthorId.eq(actor.person_id.clone()))
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.updated_at, r.id))
            .collect();
        expected.sort_by(|a, b| b.cmp(a));
        assert!(
            expected.len() > 3,
            "{backend:?}: the demo worker has few referrals"
        );

        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = app
                .my_referrals_page(&actor, after.as_deref(), 2)
                .await
                .unwrap();
            assert!(page.items.len() <= 2);
            seen.extend(page.items.iter().map(|r| (r.updated_at, r.id.clone())));
            pages += 1;
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, expected, "{backend:?}");
        assert_eq!(pages, expected.len().div_ceil(2), "{backend:?}");

        let bad = app
            .my_referrals_page(&actor, Some("yesterday"), 2)
            .await
            .unwrap_err();
        assert!(
            matches!(&bad, carepanel_app::AppError::Invalid(e) if e[0].field == "after" && e[0].requirement == "P5"),
            "{bad:?}"
        );
        let too_many = app.my_referrals_page(&actor, None, 101).await.unwrap_err();
        assert!(
            matches!(&too_many, carepanel_app::AppError::Invalid(e) if e[0].field == "limit"),
            "{too_many:?}"
        );
    }
}
