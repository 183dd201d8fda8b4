//! Races between app instances on one database: the last free places of a meeting are booked
//! exactly once, and two chairs cannot both decide one item (R2, SCHED-02).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_app::{AppError, FixedClock};
use carepanel_domain::decision::DecisionInput;
use carepanel_store::entity::{agenda_item, decision, meeting};
use carepanel_store::testing::{Backend, TestDb};
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::sync::Arc;

/// 100 referrals race for the 5 family slots of one East and West meeting from two app
/// instances: exactly 5 are booked and 95 go to the chair's prioritisation list.
#[tokio::test]
async fn r2_last_slots_are_booked_exactly_once_across_two_instances() {
    for backend in Backend::ALL {
        let t = TestDb::new(backend).await.unwrap();
        let clock = Arc::new(FixedClock::at(at("2026-11-26T10:00")));
        let a = app_on(t.db.clone(), clock.clone());
        let b = app_on(t.reconnect().await.unwrap(), clock.clone());
        a.ensure_council("hertfordshire").await.unwrap();
        let team = a
            .create_team("hertfordshire", "Family Safeguarding West")
            .await
            .unwrap();
        let (_, panel) = a.panel("herts-ew-prp").unwrap();
        let mut drafts = Vec::new();
        for n in 0..100 {
            let sw = a
                .create_person(
                    "hertfordshire",
                    Some(&team),
                    &format!("Worker {n}"),
                    &format!("sw{n}@herts.example"),
                    &[("social-worker", None)],
                )
                .await
                .unwrap();
            let id = ew_draft(&a, &sw, &format!("LCS-{n:05}")).await;
            drafts.push((sw, id));
        }
        let mut tasks = Vec::new();
        for (n, (sw, id)) in drafts.into_iter().enumerate() {
            let app = if n % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move { app.send(&sw, &id).await }));
        }
        let mut ok = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => {
                    panic!("{backend:?}: a booking failed instead of being refused cleanly: {e}")
                }
            }
        }
        assert_eq!(ok, 100);
        let m = meeting::Entity::find()
            .filter(meeting::Column::StartsAt.eq("2026-12-02T09:30"))
            .one(&a.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.units_used, 5, "{backend:?}");
        let listed = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
            .filter(agenda_item::Column::Status.eq("listed"))
            .count(&a.db)
            .await
            .unwrap();
        let for_chair = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
            .filter(agenda_item::Column::Status.eq("for-chair"))
            .count(&a.db)
            .await
            .unwrap();
        assert_eq!((listed, for_chair), (5, 95), "{backend:?}");
        carepanel_store::audit::verify(&a.db).await.unwrap();

        // Two chairs decide the same item at once, one on each instance: one decision stands.
        clock.set(at("2026-12-02T10:00"));
        let item = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
            .filter(agenda_item::Column::Status.eq("listed"))
            .one(&a.db)
            .await
            .unwrap()
            .unwrap();
        let mut chairs = Vec::new();
        for n in 0..2 {
            chairs.push(
                a.create_person(
                    "hertfordshire",
                    None,
                    &format!("Chair {n}"),
                    &format!("chair{n}@herts.example"),
                    &[("head-of-service-fs-west", Some("herts-ew-prp"))],
                )
                .await
                .unwrap(),
            );
        }
        let input = DecisionInput {
            outcome: "advice-and-guidance".into(),
            rationale: "Advice on local support given".into(),
            considered: panel.decision.considerations.clone(),
            ..Default::default()
        };
        let mut tasks = Vec::new();
        for (n, chair) in chairs.into_iter().enumerate() {
            let app = if n == 0 { a.clone() } else { b.clone() };
            let item = item.id.clone();
            let input = input.clone();
            tasks.push(tokio::spawn(async move {
                app.record_decision(&chair, &item, &input).await
            }));
        }
        let results: Vec<Result<String, AppError>> = futures_join(tasks).await;
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "{backend:?}: {results:?}");
        assert!(
            results.iter().any(|r| matches!(
                r,
                Err(AppError::Conflict(_)) | Err(AppError::Refused { .. })
            )),
            "{results:?}"
        );
        let decisions = decision::Entity::find()
            .filter(decision::Column::AgendaItemId.eq(item.id.clone()))
            .count(&a.db)
            .await
            .unwrap();
        assert_eq!(decisions, 1);
        carepanel_store::audit::verify(&a.db).await.unwrap();
        t.drop_schema().await;
    }
}

/// The same race with two operating-system processes, each its own app instance with its own
/// connection pool, on one PostgreSQL (R2): 100 referrals for 5 family slots.
#[tokio::test]
async fn r2_two_processes_on_one_postgresql_book_the_last_slots_once() {
    let t = TestDb::new(Backend::Postgres).await.unwrap();
    let clock = Arc::new(FixedClock::at(at("2026-11-26T10:00")));
    let a = app_on(t.db.clone(), clock.clone());
    a.ensure_council("hertfordshire").await.unwrap();
    let team = a
        .create_team("hertfordshire", "Family Safeguarding East")
        .await
        .unwrap();
    for n in 0..100 {
        let sw = a
            .create_person(
                "hertfordshire",
                Some(&team),
                &format!("Worker {n}"),
                &format!("p{n}@herts.example"),
                &[("social-worker", None)],
            )
            .await
            .unwrap();
        ew_draft(&a, &sw, &format!("LCS-P{n:05}")).await;
    }
    let exe = std::env::current_exe().unwrap();
    let schema = t.schema.clone().unwrap();
    let children: Vec<_> = (0..2)
        .map(|k| {
            std::process::Command::new(&exe)
                .args(["--ignored", "--exact", "race_worker", "--nocapture"])
                .env("CAREPANEL_RACE", format!("{schema},{k}"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut sent = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "worker failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        sent += text
            .lines()
            .find_map(|l| l.strip_prefix("race sent "))
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0);
    }
    assert_eq!(sent, 100);
    let m = meeting::Entity::find()
        .filter(meeting::Column::StartsAt.eq("2026-12-02T09:30"))
        .one(&a.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.units_used, 5);
    let listed = agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
        .filter(agenda_item::Column::Status.eq("listed"))
        .count(&a.db)
        .await
        .unwrap();
    let for_chair = agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
        .filter(agenda_item::Column::Status.eq("for-chair"))
        .count(&a.db)
        .await
        .unwrap();
    assert_eq!((listed, for_chair), (5, 95));
    carepanel_store::audit::verify(&a.db).await.unwrap();
    t.drop_schema().await;
}

/// One process of the two-process race; run only by that test (`CAREPANEL_RACE` set).
#[tokio::test]
#[ignore = "run as a child process by r2_two_processes_on_one_postgresql_book_the_last_slots_once"]
async fn race_worker() {
    let Ok(spec) = std::env::var("CAREPANEL_RACE") else {
        return;
    };
    let (schema, k) = spec.split_once(',').unwrap();
    let k: usize = k.parse().unwrap();
    let db = carepanel_store::db::connect(&carepanel_store::testing::pg_url(), Some(schema))
        .await
        .unwrap();
    let clock = Arc::new(FixedClock::at(at("2026-11-26T10:00")));
    let app = app_on(db, clock);
    let drafts = carepanel_store::entity::referral::Entity::find()
        .filter(carepanel_store::entity::referral::Column::State.eq("draft"))
        .all(&app.db)
        .await
        .unwrap();
    let mut mine = Vec::new();
    for (n, r) in drafts.into_iter().enumerate() {
        if n % 2 == k {
            mine.push(r);
        }
    }
    let mut tasks = Vec::new();
    for r in mine {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let actor = app.actor(&r.author_id).await.unwrap();
            app.send(&actor, &r.id).await
        }));
    }
    let mut sent = 0;
    for task in tasks {
        task.await.unwrap().unwrap();
        sent += 1;
    }
    println!("race sent {sent}");
}

async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// A team manager signs off a referral on one app instance while another team manager returns
/// the same referral on the other, at the same moment, for 20 referrals (R2, SIGN-01): exactly
/// one of the two actions stands, the other is refused cleanly, the referral is in the winner's
/// state, the loser wrote nothing, and the audit chain holds one event for the winner only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r2_sign_off_and_return_of_one_referral_race_across_two_instances() {
    use carepanel_app::referrals::NewReferral;
    use carepanel_app::setup::NewChild;
    use carepanel_domain::Money;
    use carepanel_domain::lifecycle::ReferralState;
    use carepanel_store::entity::{audit_event, referral, sign_off};

    /// How many audit events of `action` were written about referral `id`.
    async fn audit_events(db: &sea_orm::DatabaseConnection, id: &str, action: &str) -> u64 {
        audit_event::Entity::find()
            .filter(audit_event::Column::Entity.eq("referral"))
            .filter(audit_event::Column::EntityId.eq(id))
            .filter(audit_event::Column::Action.eq(action))
            .count(db)
            .await
            .unwrap()
    }

    const RACES: usize = 20;
    for backend in Backend::ALL {
        let t = TestDb::new(backend).await.unwrap();
        let clock = Arc::new(FixedClock::at(at("2026-11-27T10:00")));
        let a = app_on(t.db.clone(), clock.clone());
        let b = app_on(t.reconnect().await.unwrap(), clock.clone());
        a.ensure_council("bexley").await.unwrap();
        let team = a
            .create_team("bexley", "Children in Need East")
            .await
            .unwrap();
        let sw = a
            .create_person(
                "bexley",
                Some(&team),
                "Avery Social",
                "sw@bexley.example",
                &[("social-worker", None)],
            )
            .await
            .unwrap();
        // Two managers of the author's team: either may act at the first step of the chain.
        let signer = a
            .create_person(
                "bexley",
                Some(&team),
                "Blake Teamlead",
                "tm1@bexley.example",
                &[("team-manager", None)],
            )
            .await
            .unwrap();
        let returner = a
            .create_person(
                "bexley",
                Some(&team),
                "Bryn Teamlead",
                "tm2@bexley.example",
                &[("team-manager", None)],
            )
            .await
            .unwrap();

        // 20 referrals awaiting the team manager's sign-off (chain: team manager, then service
        // manager, for a package over 1,000 pounds).
        let mut ids = Vec::new();
        for n in 0..RACES {
            let case = format!("LL-R2{n:04}");
            let child = a
                .register_child(
                    &sw,
                    NewChild {
                        case_system: "Liquid Logic",
                        case_system_id: &case,
                        name: &format!("Child {case}"),
                        date_of_birth: chrono::NaiveDate::from_ymd_opt(2014, 3, 2).unwrap(),
                        sex: Some("F"),
                        ethnicity: Some("WBRI"),
                        disability: None,
                        legal_status: Some("V2"),
                        looked_after: false,
                    },
                )
                .await
                .unwrap();
            let answers = {
                let (_, panel) = a.panel("bexley-rcp").unwrap();
                let form = panel.form("bexley-referral").unwrap();
                (
                    form.id.clone(),
                    carepanel_app::demo_data::sample_answers(
                        form,
                        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                    ),
                )
            };
            let id = a
                .create_draft(
                    &sw,
                    NewReferral {
                        panel_id: "bexley-rcp".into(),
                        category: "support-package-over-1000".into(),
                        child_id: child,
                        form_id: Some(answers.0),
                        answers: answers.1,
                        amount: Some(Money::from_pounds(3250)),
                        children: 1,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(
                a.send(&sw, &id).await.unwrap(),
                ReferralState::AwaitingSignOff { step: 0 },
                "{backend:?}"
            );
            ids.push(id);
        }

        let (mut signed, mut returned, mut conflicts) = (0usize, 0usize, 0usize);
        for (n, id) in ids.iter().enumerate() {
            // Alternate which instance signs, so each backend's pool both wins and loses.
            let (sign_app, return_app) = if n % 2 == 0 {
                (a.clone(), b.clone())
            } else {
                (b.clone(), a.clone())
            };
            let start = Arc::new(tokio::sync::Barrier::new(2));
            let sign_task = {
                let (start, who, id) = (start.clone(), signer.clone(), id.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    sign_app.sign_off(&who, &id).await
                })
            };
            let return_task = {
                let (start, who, id) = (start.clone(), returner.clone(), id.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    return_app
                        .return_referral(&who, &id, "Add the genogram and the weekly costs")
                        .await
                })
            };
            let signing = sign_task.await.unwrap();
            let returning = return_task.await.unwrap();

            // Exactly one action stands.
            let (sign_won, loser) = match (&signing, &returning) {
                (Ok(_), Err(e)) => (true, e),
                (Err(e), Ok(())) => (false, e),
                _ => panic!(
                    "{backend:?} referral {n}: exactly one of sign-off and return must succeed: \
                     sign-off {signing:?}, return {returning:?}"
                ),
            };
            if sign_won {
                signed += 1;
                assert_eq!(
                    signing.as_ref().unwrap(),
                    &ReferralState::AwaitingSignOff { step: 1 },
                    "{backend:?}"
                );
            } else {
                returned += 1;
            }

            // The other is refused cleanly: a refusal naming its rule, or the lost-update guard's
            // "changed by someone else at the same moment"; never a database or internal error.
            match loser {
                AppError::Refused { requirement, .. } => {
                    assert_eq!(requirement, "SIGN-01", "{backend:?}: {loser}")
                }
                AppError::Forbidden { rule, .. } => {
                    assert_eq!(rule, "SIGN-01", "{backend:?}: {loser}")
                }
                AppError::Conflict(message) => {
                    assert!(message.contains("someone else"), "{backend:?}: {message}");
                    conflicts += 1;
                }
                other => panic!(
                    "{backend:?} referral {n}: the losing action failed instead of being \
                     refused cleanly: {other:?}"
                ),
            }

            // The referral is in the winner's state.
            let r = referral::Entity::find_by_id(id.clone())
                .one(&a.db)
                .await
                .unwrap()
                .unwrap();
            let next = a.next_signatory(&sw, id).await.unwrap();
            if sign_won {
                assert_eq!(r.state, "awaiting-sign-off", "{backend:?}");
                assert_eq!(next.as_deref(), Some("service-manager"), "{backend:?}");
            } else {
                assert_eq!(r.state, "returned", "{backend:?}");
                assert_eq!(next, None, "{backend:?}");
            }
            // Send left it at version 2; exactly one change since: no lost or double update.
            assert_eq!(r.version, 3, "{backend:?} referral {n}");

            // Only the winner's sign-off row was written.
            let rows = sign_off::Entity::find()
                .filter(sign_off::Column::ReferralId.eq(id.clone()))
                .all(&a.db)
                .await
                .unwrap();
            let outcomes: Vec<(&str, &str)> = rows
                .iter()
                .map(|s| (s.outcome.as_str(), s.person_id.as_str()))
                .collect();
            if sign_won {
                assert_eq!(
                    outcomes,
                    vec![("approved", signer.person_id.as_str())],
                    "{backend:?}"
                );
            } else {
                assert_eq!(
                    outcomes,
                    vec![("returned", returner.person_id.as_str())],
                    "{backend:?}"
                );
            }

            // One audit event for the winner, none for the loser.
            let sign_events = audit_events(&a.db, id, "referral.sign-off").await;
            let return_events = audit_events(&a.db, id, "referral.return").await;
            assert_eq!(
                (sign_events, return_events),
                if sign_won { (1, 0) } else { (0, 1) },
                "{backend:?} referral {n}"
            );
        }
        assert_eq!(signed + returned, RACES, "{backend:?}");
        // The author was told of each return exactly once, and of no refused one.
        assert_eq!(
            queued(&a, carepanel_app::outbox::kinds::RETURNED)
                .await
                .len(),
            returned,
            "{backend:?}"
        );
        eprintln!(
            "{backend:?}: {signed} signed off, {returned} returned, {conflicts} losers refused by the lost-update guard"
        );
        carepanel_store::audit::verify(&a.db).await.unwrap();
        t.drop_schema().await;
    }
}
