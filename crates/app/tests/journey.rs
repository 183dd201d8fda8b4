//! The use cases on both backends: a referral's journey through sign-off, listing, decision
//! and review; access refusals naming their rule; stale edits; two chairs; the audit chain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_app::finance::Period;
use carepanel_app::setup::NewChild;
use carepanel_app::{Actor, App, AppError, FixedClock};
use carepanel_domain::Money;
use carepanel_domain::calendar::{BankHolidays, WorkingCalendar, london_to_utc};
use carepanel_domain::decision::{DecisionInput, Resource};
use carepanel_domain::lifecycle::ReferralState;
use carepanel_domain::policy_set::PolicySet;
use carepanel_store::entity::{agenda_item, commitment, meeting, referral, review};
use carepanel_store::testing::{Backend, TestDb};
use chrono::{NaiveDate, NaiveDateTime};
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::sync::Arc;

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub struct World {
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub db: TestDb,
}

pub async fn world(backend: Backend, at: &str) -> World {
    let db = TestDb::new(backend).await.unwrap();
    let clock = Arc::new(FixedClock::at(london_to_utc(t(at))));
    let app = App {
        db: db.db.clone(),
        policies: Arc::new(PolicySet::parse(POLICIES).unwrap()),
        calendar: Arc::new(WorkingCalendar::new(
            BankHolidays::from_govuk_json(include_str!("../../../data/bank-holidays.json"))
                .unwrap(),
        )),
        clock: clock.clone(),
        reads: Default::default(),
    };
    World { app, clock, db }
}

struct Bexley {
    sw: Actor,
    tm: Actor,
    sm: Actor,
    chair: Actor,
    other_council: Actor,
    child: String,
}

async fn bexley(app: &App) -> Bexley {
    app.ensure_council("bexley").await.unwrap();
    app.ensure_council("devon").await.unwrap();
    let team = app
        .create_team("bexley", "Children in Need East")
        .await
        .unwrap();
    let sw = app
        .create_person(
            "bexley",
            Some(&team),
            "Avery Social",
            "sw@bexley.example",
            &[("social-worker", None)],
        )
        .await
        .unwrap();
    let tm = app
        .create_person(
            "bexley",
            Some(&team),
            "Blake Teamlead",
            "tm@bexley.example",
            &[("team-manager", None)],
        )
        .await
        .unwrap();
    let sm = app
        .create_person(
            "bexley",
            None,
            "Casey Service",
            "sm@bexley.example",
            &[("service-manager", None)],
        )
        .await
        .unwrap();
    let chair = app
        .create_person(
            "bexley",
            None,
            "Dana Director",
            "dd@bexley.example",
            &[("deputy-director", Some("bexley-rcp"))],
        )
        .await
        .unwrap();
    let other_council = app
        .create_person(
            "devon",
            None,
            "Eli Elsewhere",
            "sw@devon.example",
            &[("social-worker", None)],
        )
        .await
        .unwrap();
    let child = app
        .register_child(
            &sw,
            NewChild {
                case_system: "Liquid Logic",
                case_system_id: "LL-100234",
                name: "Child Alpha",
                date_of_birth: d("2014-03-02"),
                sex: Some("F"),
                ethnicity: Some("WBRI"),
                disability: None,
                legal_status: Some("V2"),
                looked_after: false,
            },
        )
        .await
        .unwrap();
    Bexley {
        sw,
        tm,
        sm,
        chair,
        other_council,
        child,
    }
}

async fn draft(app: &App, b: &Bexley) -> String {
    let (_, panel) = app.panel("bexley-rcp").unwrap();
    let form = panel.form("bexley-referral").unwrap();
    app.create_draft(
        &b.sw,
        carepanel_app::referrals::NewReferral {
            panel_id: "bexley-rcp".into(),
            category: "support-package-over-1000".into(),
            child_id: b.child.clone(),
            form_id: Some(form.id.clone()),
            answers: carepanel_app::demo_data::sample_answers(form, d("2026-11-20")),
            amount: Some(Money::from_pounds(3250)),
            children: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn bexley_journey_on_both_backends() {
    for backend in Backend::ALL {
        let w = world(backend, "2026-11-27T10:00").await;
        let app = &w.app;
        let b = bexley(app).await;
        let id = draft(app, &b).await;

        // Another council's worker cannot see or touch it (SEC-01).
        let err = app.readiness(&b.other_council, &id).await.unwrap_err();
        assert!(
            matches!(err, AppError::Forbidden { .. }),
            "{backend:?} {err}"
        );

        // What is missing before sending: the two sign-offs.
        let gaps = app.readiness(&b.sw, &id).await.unwrap();
        let ids: Vec<&str> = gaps.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["team-manager", "service-manager"], "{backend:?}");

        assert_eq!(
            app.send(&b.sw, &id).await.unwrap(),
            ReferralState::AwaitingSignOff { step: 0 }
        );
        // A person never signs their own referral; the SM cannot sign before the TM.
        let own = app.sign_off(&b.sw, &id).await.unwrap_err();
        assert!(own.to_string().contains("own referral"), "{own}");
        let early = app.sign_off(&b.sm, &id).await.unwrap_err();
        assert!(early.to_string().contains("SIGN-01"), "{early}");

        app.sign_off(&b.tm, &id).await.unwrap();
        // Monday 30 November 2026 at 16:00: before Bexley's cut-off (end of Monday) for Thu 3 Dec.
        w.clock.set(london_to_utc(t("2026-11-30T16:00")));
        let state = app.sign_off(&b.sm, &id).await.unwrap();
        assert!(
            matches!(state, ReferralState::Listed { .. }),
            "{backend:?} {state:?}"
        );
        let r = referral::Entity::find_by_id(id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let m = meeting::Entity::find_by_id(r.meeting_id.clone().unwrap())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.starts_at, "2026-12-03T14:00", "{backend:?}");
        let item = agenda_item::Entity::find()
            .filter(agenda_item::Column::ReferralId.eq(id.clone()))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(item.status, "listed");

        // The chair decides at the meeting; a second decision on the item is refused.
        w.clock.set(london_to_utc(t("2026-12-03T15:00")));
        let input = DecisionInput {
            outcome: "resource-approved".into(),
            lines: vec![
                "The panel agreed that a family support worker be funded for 12 weeks".into(),
            ],
            rationale: "Keeps the children safely at home".into(),
            return_date: Some(d("2027-02-25")),
            resources: vec![Resource {
                description: "Family support worker".into(),
                weekly_cost: Some(Money::parse("270.83").unwrap()),
                one_off_cost: None,
                start: Some(d("2026-12-07")),
                end: Some(d("2027-02-28")),
                cost_centre: Some("CS-4410".into()),
            }],
            ..Default::default()
        };
        let not_chair = app
            .record_decision(&b.tm, &item.id, &input)
            .await
            .unwrap_err();
        assert!(
            matches!(not_chair, AppError::Forbidden { .. }),
            "{not_chair}"
        );
        let fo = app
            .create_person(
                "bexley",
                None,
                "Fin Officer",
                "fo@bexley.example",
                &[("finance-officer", None)],
            )
            .await
            .unwrap();
        let decision_id = app
            .record_decision(&b.chair, &item.id, &input)
            .await
            .unwrap();
        // The presenter is told the outcome, and finance the approval, as Bexley's policy
        // says (DEC-12, REC-03); the child's name stays out of email.
        let told = queued(app, "decision-recorded").await;
        assert_eq!(recipients(&told), vec!["sw@bexley.example"], "{backend:?}");
        assert!(
            told[0]
                .body
                .contains(&format!("{{service}}/decisions/{decision_id}"))
        );
        let approved = queued(app, "resources-approved").await;
        assert_eq!(recipients(&approved), vec!["fo@bexley.example"]);
        assert!(
            approved[0].body.contains("Weekly total £270.83"),
            "{}",
            approved[0].body
        );
        for m in told.iter().chain(&approved) {
            assert!(
                m.body.contains("LL-100234") && !m.body.contains("Child Alpha"),
                "{}",
                m.body
            );
        }
        let again = app
            .record_decision(&b.chair, &item.id, &input)
            .await
            .unwrap_err();
        assert!(
            matches!(again, AppError::Conflict(_)) || matches!(again, AppError::Refused { .. }),
            "{again}"
        );

        // The review is booked at the latest Thursday on or before 25 February 2027.
        let rv = review::Entity::find().one(&app.db).await.unwrap().unwrap();
        assert_eq!(rv.due_date, d("2027-02-25"));
        let rm = meeting::Entity::find_by_id(rv.meeting_id.unwrap())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rm.starts_at, "2027-02-25T14:00");

        // The finance officer's running log (FIN-02): the commitment under its meeting, signed
        // off by the Deputy Director and by no one else.
        let december = Period::parse("2026-12", d("2026-12-03")).unwrap();
        let log = app.finance_log(&fo, "bexley-rcp", december).await.unwrap();
        let c = commitment::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(log.meetings.len(), 1, "{backend:?}");
        assert_eq!(log.meetings[0].starts_at, "2026-12-03T14:00");
        assert_eq!(log.meetings[0].weekly_pence, 27083);
        assert!(c.total_pence > 27083, "{c:?}");
        assert_eq!(log.total_pence, c.total_pence);
        assert_eq!(log.meetings[0].cumulative_pence, c.total_pence);
        assert_eq!(
            log.meetings[0].lines[0].case_id.as_deref(),
            Some("LL-100234")
        );
        assert_eq!((log.unsigned, log.may_sign), (1, false));
        let shown: Vec<String> = log.meetings[0]
            .lines
            .iter()
            .map(|l| l.commitment.id.clone())
            .collect();
        // Signing nothing shown signs nothing.
        assert_eq!(
            app.sign_off_finance_log(&b.chair, "bexley-rcp", december, &[])
                .await
                .unwrap(),
            0
        );
        assert!(log.signed_off_by_roles[0].starts_with("Deputy Director"));
        let november = Period::parse("2026-11", d("2026-12-03")).unwrap();
        let empty = app.finance_log(&fo, "bexley-rcp", november).await.unwrap();
        assert!(empty.meetings.is_empty() && empty.total_pence == 0);
        let sw_reads = app
            .finance_log(&b.sw, "bexley-rcp", december)
            .await
            .unwrap_err();
        assert!(matches!(sw_reads, AppError::Forbidden { .. }), "{sw_reads}");
        let fo_signs = app
            .sign_off_finance_log(&fo, "bexley-rcp", december, &shown)
            .await
            .unwrap_err();
        assert!(matches!(fo_signs, AppError::Forbidden { .. }), "{fo_signs}");
        assert_eq!(
            app.sign_off_finance_log(&b.chair, "bexley-rcp", december, &shown)
                .await
                .unwrap(),
            1
        );
        let log = app.finance_log(&fo, "bexley-rcp", december).await.unwrap();
        assert_eq!(log.unsigned, 0);
        assert_eq!(
            log.meetings[0].lines[0].signed_off_by.as_deref(),
            Some("Dana Director")
        );
        // Signing the same page again is refused: what it showed has changed.
        let stale = app
            .sign_off_finance_log(&b.chair, "bexley-rcp", december, &shown)
            .await
            .unwrap_err();
        assert!(matches!(stale, AppError::Conflict(_)), "{stale}");
        // The same as spreadsheets: the log with its running total, and the decisions register.
        let sheet = app
            .finance_sheet(&fo, "bexley-rcp", december)
            .await
            .unwrap();
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(
            sheet.rows[0][7],
            carepanel_documents::sheet::Cell::Money(c.total_pence)
        );
        let register = app
            .decisions_sheet(&b.chair, "bexley-rcp", december)
            .await
            .unwrap();
        assert_eq!(register.rows.len(), 1);
        assert_eq!(
            register.rows[0][3],
            carepanel_documents::sheet::Cell::Text("LL-100234".into())
        );
        let csv = carepanel_documents::sheet::to_csv(&register);
        assert!(csv.contains("LL-100234"), "{csv}");
        assert!(
            app.decisions_sheet(&b.sw, "bexley-rcp", december)
                .await
                .is_err()
        );
        // Devon's terms of reference ask for no sign-off of the log.
        let devon = app
            .sign_off_finance_log(&b.other_council, "devon-prp", december, &[])
            .await
            .unwrap_err();
        assert!(devon.to_string().contains("FIN-02"), "{devon}");

        let verified = carepanel_store::audit::verify(&app.db).await.unwrap();
        assert!(verified.events >= 10, "{backend:?} {verified:?}");

        // Reminders (REV-06, REV-08): none while the review is far off; one to the presenter a
        // fortnight before it is due, once however often the job runs; once it has passed
        // unheld, one to the presenter and the panel's administrators.
        let none = app.send_review_reminders().await.unwrap();
        assert_eq!((none.due, none.missed), (0, 0));
        w.clock.set(london_to_utc(t("2027-02-12T08:00")));
        let due = app.send_review_reminders().await.unwrap();
        assert_eq!((due.due, due.missed), (1, 0), "{backend:?}");
        assert_eq!(app.send_review_reminders().await.unwrap().due, 0);
        let due = queued(app, "review-due").await;
        assert_eq!(recipients(&due), vec!["sw@bexley.example"]);
        assert!(
            due[0].subject.contains("25 February 2027")
                && due[0].subject.contains("for case LL-100234"),
            "{}",
            due[0].subject
        );
        w.clock.set(london_to_utc(t("2027-02-26T08:00")));
        let missed = app.send_review_reminders().await.unwrap();
        assert!(missed.missed >= 1, "{backend:?} {missed:?}");
        assert_eq!(app.send_review_reminders().await.unwrap().missed, 0);
        let missed = queued(app, "review-missed").await;
        assert!(recipients(&missed).contains(&"sw@bexley.example".to_string()));
        assert!(missed[0].body.contains("REV-08"));
        w.db.drop_schema().await;
    }
}

#[tokio::test]
async fn a_stale_edit_is_refused_not_overwritten() {
    for backend in Backend::ALL {
        let w = world(backend, "2026-11-27T10:00").await;
        let app = &w.app;
        let b = bexley(app).await;
        let id = draft(app, &b).await;
        let r = referral::Entity::find_by_id(id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let mut mine: std::collections::BTreeMap<String, carepanel_domain::readiness::Answer> =
            serde_json::from_str(&r.answers).unwrap();
        mine.insert(
            "main_issues".into(),
            carepanel_domain::readiness::Answer::Text("First save".into()),
        );
        assert_eq!(app.edit_draft(&b.sw, &id, 1, &mine, None).await.unwrap(), 2);
        // A second tab still on version 1.
        mine.insert(
            "main_issues".into(),
            carepanel_domain::readiness::Answer::Text("Stale save".into()),
        );
        let err = app
            .edit_draft(&b.sw, &id, 1, &mine, None)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{err}");
        assert!(err.to_string().contains("Nothing was overwritten"));
        let r = referral::Entity::find_by_id(id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert!(r.answers.contains("First save"));
        // Only the author edits (SEC-01).
        assert!(matches!(
            app.edit_draft(&b.tm, &id, 2, &mine, None)
                .await
                .unwrap_err(),
            AppError::Forbidden { .. }
        ));
        w.db.drop_schema().await;
    }
}

#[tokio::test]
async fn returned_referrals_start_the_chain_again() {
    for backend in Backend::ALL {
        let w = world(backend, "2026-11-27T10:00").await;
        let app = &w.app;
        let b = bexley(app).await;
        let id = draft(app, &b).await;
        app.send(&b.sw, &id).await.unwrap();
        app.sign_off(&b.tm, &id).await.unwrap();
        let no_comment = app.return_referral(&b.sm, &id, "  ").await.unwrap_err();
        assert!(matches!(no_comment, AppError::Invalid(_)), "{no_comment}");
        app.return_referral(&b.sm, &id, "Add the genogram and the costs per week")
            .await
            .unwrap();
        // The author is told, with the comments, in the same transaction; a refused return
        // wrote nothing.
        let all = carepanel_store::entity::outbox::Entity::find()
            .all(&app.db)
            .await
            .unwrap();
        // Each signatory was asked in turn: the author's team manager, then the service manager.
        let asked: Vec<&str> = all
            .iter()
            .filter(|m| m.kind == "sign-off-requested")
            .map(|m| m.recipient.as_str())
            .collect();
        assert_eq!(
            asked,
            vec![
                "Blake Teamlead <tm@bexley.example>",
                "Casey Service <sm@bexley.example>"
            ],
            "{backend:?}"
        );
        let told: Vec<_> = all
            .iter()
            .filter(|m| m.kind == "referral-returned")
            .collect();
        assert_eq!(told.len(), 1, "{backend:?} {told:?}");
        assert_eq!(told[0].recipient, "Avery Social <sw@bexley.example>");
        assert!(
            told[0]
                .body
                .contains("Add the genogram and the costs per week")
        );
        assert!(told[0].body.contains("LL-100234") && !told[0].body.contains("Child Alpha"));
        assert_eq!(
            app.send(&b.sw, &id).await.unwrap(),
            ReferralState::AwaitingSignOff { step: 0 }
        );
        // The team manager's earlier approval was voided by the return.
        let gaps = app.readiness(&b.sw, &id).await.unwrap();
        assert!(gaps.iter().any(|g| g.id == "team-manager"), "{gaps:?}");
        w.db.drop_schema().await;
    }
}

#[tokio::test]
async fn out_of_remit_and_unknown_categories_are_refused_with_the_route() {
    let w = world(Backend::Sqlite, "2026-11-27T10:00").await;
    let app = &w.app;
    let b = bexley(app).await;
    let err = app
        .create_draft(
            &b.sw,
            carepanel_app::referrals::NewReferral {
                panel_id: "bexley-rcp".into(),
                category: "joint-funding-health-education".into(),
                child_id: b.child.clone(),
                children: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Refused { .. }), "{err}");
    assert!(
        err.to_string().contains("REM-05") || err.to_string().contains("remit"),
        "{err}"
    );
}

#[tokio::test]
async fn mem_06_a_chair_who_declared_an_interest_takes_no_part_and_reads_are_logged() {
    for backend in Backend::ALL {
        let w = world(backend, "2026-11-27T10:00").await;
        let app = &w.app;
        let b = bexley(app).await;
        let id = draft(app, &b).await;
        app.send(&b.sw, &id).await.unwrap();
        app.sign_off(&b.tm, &id).await.unwrap();
        app.sign_off(&b.sm, &id).await.unwrap();
        let item = agenda_item::Entity::find()
            .filter(agenda_item::Column::ReferralId.eq(id.clone()))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        w.clock.set(london_to_utc(t("2026-12-03T14:10")));
        // Only the people who work the panel declare interests in its items (SEC-01).
        let outsider = app
            .declare_interest(&b.sw, &item.id, "Worked with the family")
            .await
            .unwrap_err();
        assert!(
            matches!(outsider, AppError::Forbidden { .. }),
            "{outsider:?}"
        );
        app.declare_interest(&b.chair, &item.id, "Knows the family socially")
            .await
            .unwrap();
        let input = DecisionInput {
            outcome: "resource-declined".into(),
            rationale: "Needs met by universal services".into(),
            ..Default::default()
        };
        let err = app
            .record_decision(&b.chair, &item.id, &input)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("MEM-06"), "{backend:?} {err}");
        let vice = app
            .create_person(
                "bexley",
                None,
                "Vic Vice",
                "vice@bexley.example",
                &[("service-manager-fostering-placement", Some("bexley-rcp"))],
            )
            .await
            .unwrap();
        app.record_decision(&vice, &item.id, &input).await.unwrap();
        // The worker reads the child's history; the read is in the audit trail.
        let h = app.child_history(&b.sw, &b.child).await.unwrap();
        assert_eq!(h.referrals.len(), 1);
        assert_eq!(h.decisions.len(), 1);
        let reads = carepanel_store::entity::audit_event::Entity::find()
            .filter(carepanel_store::entity::audit_event::Column::Action.eq("child.read"))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(reads.len(), 1);
        assert_eq!(reads[0].actor_id.as_deref(), Some(b.sw.person_id.as_str()));
        // Reads at the same moment have their events written in groups (P4): each read still
        // has its own event, in the chain, before it is answered.
        let together: Vec<_> = (0..24)
            .map(|_| {
                let app = app.clone();
                let sw = b.sw.clone();
                let child = b.child.clone();
                tokio::spawn(async move { app.child_history(&sw, &child).await })
            })
            .collect();
        for t in together {
            assert_eq!(t.await.unwrap().unwrap().decisions.len(), 1);
        }
        let reads = carepanel_store::entity::audit_event::Entity::find()
            .filter(carepanel_store::entity::audit_event::Column::Action.eq("child.read"))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(reads.len(), 25, "{backend:?}");
        carepanel_store::audit::verify(&app.db).await.unwrap();
        w.db.drop_schema().await;
    }
}

#[tokio::test]
async fn eq_04_a_child_profile_uses_ssda903_codes_and_names_every_bad_field() {
    let w = world(Backend::Sqlite, "2026-11-27T10:00").await;
    let app = &w.app;
    let b = bexley(app).await;
    let err = app
        .register_child(
            &b.sw,
            NewChild {
                case_system: "Liquid Logic",
                case_system_id: " ",
                name: "Child Epsilon",
                date_of_birth: d("2027-01-01"),
                sex: None,
                ethnicity: Some("XXXX"),
                disability: None,
                legal_status: Some("S20"),
                looked_after: false,
            },
        )
        .await
        .unwrap_err();
    let AppError::Invalid(errors) = err else {
        panic!("{err}")
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "legal_status",
            "ethnicity",
            "case_system_id",
            "date_of_birth"
        ]
    );
    assert!(errors[0].message.contains("V2"), "lists the allowed codes");
}

#[tokio::test]
async fn decisions_only_at_the_meeting_on_listed_items_and_deferral_relists() {
    for backend in Backend::ALL {
        let w = world(backend, "2026-11-27T10:00").await;
        let app = &w.app;
        let b = bexley(app).await;
        let id = draft(app, &b).await;
        app.send(&b.sw, &id).await.unwrap();
        app.sign_off(&b.tm, &id).await.unwrap();
        // The author cannot return their own referral at a step that is not theirs anyway.
        assert!(app.return_referral(&b.sw, &id, "x").await.is_err());
        app.sign_off(&b.sm, &id).await.unwrap();
        let item = agenda_item::Entity::find()
            .filter(agenda_item::Column::ReferralId.eq(id.clone()))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let defer = DecisionInput {
            outcome: "deferred".into(),
            rationale: "Joint funding with health to be explored".into(),
            defer_to: Some(d("2026-12-17")),
            ..Default::default()
        };
        // Before the meeting starts: refused (DEC-01).
        let early = app
            .record_decision(&b.chair, &item.id, &defer)
            .await
            .unwrap_err();
        assert!(early.to_string().contains("DEC-01"), "{early}");
        w.clock.set(london_to_utc(t("2026-12-03T14:30")));
        app.record_decision(&b.chair, &item.id, &defer)
            .await
            .unwrap();
        // SCHED-08: listed again on 17 December.
        let r = referral::Entity::find_by_id(id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.state, "listed", "{backend:?}");
        let m = meeting::Entity::find_by_id(r.meeting_id.unwrap())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.starts_at, "2026-12-17T14:00");
        w.db.drop_schema().await;
    }
}
