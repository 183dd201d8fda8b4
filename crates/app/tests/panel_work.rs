//! Interim decisions and their ratification, declarations, attendance, reviews and logged
//! reads, on both backends (EMG-*, DEC-09, MEM-04..06, REV-08, SEC-03).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_app::meetings::InterimInput;
use carepanel_app::panel_work::AttendanceStatus;
use carepanel_app::setup::NewChild;
use carepanel_app::{App, AppError, FixedClock};
use carepanel_domain::Money;
use carepanel_domain::calendar::{BankHolidays, WorkingCalendar};
use carepanel_domain::policy_set::PolicySet;
use carepanel_store::entity::{audit_event, interim_decision, meeting};
use carepanel_store::testing::{Backend, TestDb};
use chrono::{NaiveDate, NaiveDateTime};
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::sync::Arc;

async fn app(backend: Backend, now: &str) -> (TestDb, App, Arc<FixedClock>) {
    let t = TestDb::new(backend).await.unwrap();
    let clock = Arc::new(FixedClock::at(at(now)));
    let app = App {
        db: t.db.clone(),
        policies: Arc::new(PolicySet::parse(POLICIES).unwrap()),
        calendar: Arc::new(WorkingCalendar::new(
            BankHolidays::from_govuk_json(include_str!("../../../data/bank-holidays.json"))
                .unwrap(),
        )),
        clock: clock.clone(),
        reads: Default::default(),
    };
    (t, app, clock)
}

#[tokio::test]
async fn emg_06_portsmouth_urgent_decision_authority_ratification_and_expiry() {
    for backend in Backend::ALL {
        let (t, app, clock) = app(backend, "2026-12-14T10:00").await;
        app.ensure_council("portsmouth").await.unwrap();
        let sl = app
            .create_person(
                "portsmouth",
                None,
                "Sam Leader",
                "sl@p.example",
                &[("service-leader", None)],
            )
            .await
            .unwrap();
        let chair = app
            .create_person(
                "portsmouth",
                None,
                "Chris Chair",
                "chair@p.example",
                &[("head-of-family-safeguarding", Some("portsmouth-rp"))],
            )
            .await
            .unwrap();
        let sw = app
            .create_person(
                "portsmouth",
                None,
                "Sol Worker",
                "sw@p.example",
                &[("social-worker", None)],
            )
            .await
            .unwrap();
        let child = app
            .register_child(
                &sw,
                NewChild {
                    case_system: "Mosaic",
                    case_system_id: "M-778812",
                    name: "Child Beta",
                    date_of_birth: NaiveDate::from_ymd_opt(2019, 4, 4).unwrap(),
                    sex: None,
                    ethnicity: None,
                    disability: Some("yes"),
                    legal_status: None,
                    looked_after: false,
                },
            )
            .await
            .unwrap();
        let input = |amount: i64| InterimInput {
            panel_id: "portsmouth-rp",
            child_id: &child,
            situation: Some("urgent-decision"),
            amount: Some(Money::from_pence(amount)),
            request: "Emergency respite over the weekend",
            why_urgent: "Carer admitted to hospital",
            absence_reason: None,
        };
        // Over £1,000 the Service Leader may not agree it (EMG-06, B6 ambiguity 1).
        let err = app.take_interim(&sl, &input(100_001)).await.unwrap_err();
        assert!(
            matches!(err, AppError::Forbidden { .. }),
            "{backend:?} {err}"
        );
        assert!(err.to_string().contains("Head of Service"), "{err}");
        let id = app.take_interim(&sl, &input(100_000)).await.unwrap();
        // The panel's chairs and administrator are told it awaits ratification (DEC-09).
        let told = queued(&app, "interim-awaiting-ratification").await;
        assert!(!told.is_empty(), "{backend:?}");
        assert!(
            told[0].body.contains(&format!("{{service}}/interim/{id}")),
            "{}",
            told[0].body
        );
        assert!(told[0].body.contains("M-778812") && !told[0].body.contains("Child Beta"));
        let i = interim_decision::Entity::find_by_id(id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            i.valid_until, "2027-01-14T14:00",
            "valid until the next panel"
        );
        // Not yet expired; after the meeting starts unratified it is.
        assert!(app.expired_interims(&sl).await.unwrap().is_empty());
        clock.set(at("2027-01-14T15:00"));
        assert_eq!(app.expired_interims(&sl).await.unwrap().len(), 1, "EMG-07");
        // Ratified with the panel's own outcomes only.
        let wrong = app
            .ratify(&chair, &id, "approve", "x", None)
            .await
            .unwrap_err();
        assert!(matches!(wrong, AppError::Invalid(_)), "{wrong}");
        let not_chair = app
            .ratify(&sl, &id, "ratify", "Appropriate", None)
            .await
            .unwrap_err();
        assert!(matches!(not_chair, AppError::Forbidden { .. }));
        app.ratify(
            &chair,
            &id,
            "ratify",
            "The urgent respite was appropriate",
            None,
        )
        .await
        .unwrap();
        assert!(app.expired_interims(&sl).await.unwrap().is_empty());
        let twice = app
            .ratify(&chair, &id, "reverse", "Changed mind", None)
            .await
            .unwrap_err();
        assert!(matches!(twice, AppError::Conflict(_)), "{twice}");
        carepanel_store::audit::verify(&app.db).await.unwrap();
        t.drop_schema().await;
    }
}

#[tokio::test]
async fn emg_08_bexley_has_no_interim_route() {
    let (_t, app, _) = app(Backend::Sqlite, "2026-12-01T10:00").await;
    app.ensure_council("bexley").await.unwrap();
    let dd = app
        .create_person(
            "bexley",
            None,
            "Dee Director",
            "dd@b.example",
            &[("deputy-director", None)],
        )
        .await
        .unwrap();
    let sw = app
        .create_person(
            "bexley",
            None,
            "Sid Worker",
            "sw@b.example",
            &[("social-worker", None)],
        )
        .await
        .unwrap();
    let child = app
        .register_child(
            &sw,
            NewChild {
                case_system: "Liquid Logic",
                case_system_id: "LL-1",
                name: "Child Gamma",
                date_of_birth: NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(),
                sex: None,
                ethnicity: None,
                disability: None,
                legal_status: None,
                looked_after: false,
            },
        )
        .await
        .unwrap();
    let err = app
        .take_interim(
            &dd,
            &InterimInput {
                panel_id: "bexley-rcp",
                child_id: &child,
                situation: None,
                amount: Some(Money::from_pounds(100)),
                request: "x",
                why_urgent: "y",
                absence_reason: None,
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("EMG-08"), "{err}");
}

#[tokio::test]
async fn mem_04_short_notice_apologies_are_flagged_and_reads_are_logged() {
    for backend in Backend::ALL {
        let (t, app, _) = app(backend, "2026-12-01T10:00").await;
        app.ensure_council("hertfordshire").await.unwrap();
        let member = app
            .create_person(
                "hertfordshire",
                None,
                "Mo Member",
                "m@h.example",
                &[("fgc-representative", Some("herts-ew-prp"))],
            )
            .await
            .unwrap();
        let (policy, panel) = app.panel("herts-ew-prp").unwrap();
        let m = app
            .scheduler(policy, panel)
            .next_meeting(
                NaiveDateTime::parse_from_str("2026-12-01T10:00", "%Y-%m-%dT%H:%M").unwrap(),
            )
            .unwrap();
        assert_eq!(m.date, NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
        // Store the meeting the way listing would.
        let sw = app
            .create_person(
                "hertfordshire",
                None,
                "Sky Worker",
                "sw@h.example",
                &[("social-worker", None)],
            )
            .await
            .unwrap();
        let child = app
            .register_child(
                &sw,
                NewChild {
                    case_system: "LCS",
                    case_system_id: "LCS-9",
                    name: "Child Delta",
                    date_of_birth: NaiveDate::from_ymd_opt(2016, 6, 6).unwrap(),
                    sex: None,
                    ethnicity: None,
                    disability: None,
                    legal_status: None,
                    looked_after: false,
                },
            )
            .await
            .unwrap();
        let hos = app
            .create_person(
                "hertfordshire",
                None,
                "Hal Head",
                "hos@h.example",
                &[("head-of-service", None)],
            )
            .await
            .unwrap();
        app.take_interim(
            &hos,
            &InterimInput {
                panel_id: "herts-ew-prp",
                child_id: &child,
                situation: None,
                amount: Some(Money::from_pounds(400)),
                request: "Overnight support",
                why_urgent: "Family breakdown",
                absence_reason: None,
            },
        )
        .await
        .unwrap();
        let stored = meeting::Entity::find().one(&app.db).await.unwrap().unwrap();
        // Apologies 23.5 hours before: under 48 hours, flagged (MEM-04).
        let flag = app
            .record_attendance(
                &member,
                &stored.id,
                &member.person_id,
                "fgc-representative",
                AttendanceStatus::Apologies,
                None,
            )
            .await
            .unwrap();
        assert!(flag.unwrap().contains("48"), "{backend:?}");
        // The worker reads the child's record: it is logged.
        let before = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("child.read"))
            .count(&app.db)
            .await
            .unwrap();
        let other = app
            .create_person(
                "hertfordshire",
                None,
                "Out Sider",
                "x@h.example",
                &[("social-worker", None)],
            )
            .await
            .unwrap();
        let hist = app.child_history(&other, &child).await;
        assert!(
            matches!(hist, Err(AppError::Forbidden { .. })),
            "no referral, no team: refused"
        );
        let after = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("child.read"))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(before, after, "a refused read writes nothing");
        t.drop_schema().await;
    }
}
