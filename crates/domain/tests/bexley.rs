//! Bexley Resource and Care Panel (B5): worked examples and readings of Part B as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_domain::Money;
use carepanel_domain::authority::{AuthorityQuestion, check};
use carepanel_domain::decision::{self, Action, DecisionInput, Resource, project};
use carepanel_domain::interim::{self, InterimError, InterimRequest};
use carepanel_domain::lifecycle::{Event, ReferralState};
use carepanel_domain::members::{Attendee, Declaration, participation};
use carepanel_domain::policy::LateListing;
use carepanel_domain::readiness::{Context, below_panel_threshold, missing, who_must_sign};
use carepanel_domain::schedule::SubmissionKind;
use common::*;

#[test]
fn b5_sched_01_monday_cutoff_for_thursday_moved_back_over_bank_holidays() {
    let s = sched("bexley-rcp");
    assert_eq!(s.cutoff_for(d("2026-12-03")), t("2026-11-30T23:59"));
    // Easter 2026: Thu 9 April counts back over Easter Monday and Good Friday.
    assert_eq!(s.cutoff_for(d("2026-04-09")), t("2026-04-02T23:59"));
    // Spring bank holiday Monday 25 May 2026.
    assert_eq!(s.cutoff_for(d("2026-05-28")), t("2026-05-22T23:59"));
    let m = &s.meetings(d("2026-12-03"), d("2026-12-03"))[0];
    assert_eq!(m.start, t("2026-12-03T14:00"));
}

#[test]
fn b5_sign_08_late_referrals_go_to_the_chair_with_the_next_on_time_thursday_offered() {
    let s = sched("bexley-rcp");
    let l = s
        .listing(t("2026-12-01T09:00"), SubmissionKind::default())
        .unwrap();
    assert!(l.late);
    assert!(l.chair_to_decide);
    assert_eq!(l.meeting.date, d("2026-12-10"));
    assert!(l.reason.contains("accept, reject or defer"));
    // The chair's rejection is a recorded state with its reason.
    let rejected = ReferralState::Submitted
        .apply(Event::Reject(carepanel_domain::lifecycle::Rejection::Late(
            l.reason.clone(),
        )))
        .unwrap();
    assert_eq!(rejected.name(), "rejected");
}

#[test]
fn b5_sched_06_a_child_newly_looked_after_is_listed_on_the_next_panel() {
    let s = sched("bexley-rcp");
    let l = s
        .listing(
            t("2026-12-02T11:00"),
            SubmissionKind {
                newly_looked_after: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(l.meeting.date, d("2026-12-03"));
    assert_eq!(l.accepted_late_as, Some(LateListing::Ratification));
}

#[test]
fn b5_auth_10_auth_11_over_1000_must_come_to_panel_from_1000_01() {
    let (policy, p) = panel("bexley-rcp");
    assert_eq!(
        below_panel_threshold(p, "support-package-over-1000", Money::from_pounds(1000)),
        Some(Money::from_pounds(1000))
    );
    assert_eq!(
        below_panel_threshold(p, "support-package-over-1000", Money::from_pence(100_001)),
        None
    );
    let sm = roles(&["service-manager"]);
    let ask = |pence| {
        check(
            policy,
            p,
            &AuthorityQuestion {
                situation: Some("single-request"),
                amount: Some(Money::from_pence(pence)),
                child_age: None,
                approver_roles: &sm,
                agreed_roles: &[],
            },
        )
        .unwrap()
    };
    assert!(ask(100_000).allowed);
    let over = ask(100_001);
    assert!(!over.allowed);
    assert_eq!(over.required_role, "panel");
}

#[test]
fn b5_ref_06_projected_costs_are_capped_at_52_weeks_with_a_note() {
    let (_, p) = panel("bexley-rcp");
    assert_eq!(p.decision.projection_cap_weeks, Some(52));
    let within = project(Money::from_pounds(250), 40, p.decision.projection_cap_weeks).unwrap();
    assert_eq!(within.total, Money::from_pounds(10_000));
    assert!(!within.capped);
    let capped = project(
        Money::parse("333.33").unwrap(),
        60,
        p.decision.projection_cap_weeks,
    )
    .unwrap();
    assert_eq!(capped.total, Money::parse("17333.16").unwrap());
    assert!(capped.capped);
    assert!(capped.note.unwrap().contains("52 weeks"));
}

#[test]
fn b5_ref_05_explanation_required_when_either_answer_is_no() {
    let (policy, p) = panel("bexley-rcp");
    let mut f = complete_facts("bexley-rcp", "support-package-over-1000");
    f.approved_by = roles(&["team-manager", "service-manager"]);
    f.answers.remove("no_explanation");
    let gaps_of = |f: &carepanel_domain::readiness::ReferralFacts| {
        missing(&Context {
            policy,
            panel: p,
            facts: f,
            panel_date: d("2026-12-03"),
        })
    };
    assert!(gaps_of(&f).is_empty(), "{:?}", gaps_of(&f));
    f.answers.insert("safety_plan".into(), text("no"));
    let gaps = gaps_of(&f);
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].id, "no_explanation");
    assert!(gaps[0].requirement.contains("REF-05"));
}

#[test]
fn b5_sign_05_team_manager_then_service_manager_with_signatures() {
    let (policy, p) = panel("bexley-rcp");
    let f = complete_facts("bexley-rcp", "may-require-looked-after");
    let ctx = Context {
        policy,
        panel: p,
        facts: &f,
        panel_date: d("2026-12-03"),
    };
    let who = who_must_sign(&ctx);
    assert_eq!(who.chain, roles(&["team-manager", "service-manager"]));
    assert!(who.signature);
    let gaps = missing(&ctx);
    assert_eq!(gaps.len(), 2, "{gaps:?}");
}

#[test]
fn b5_ref_17_leaving_care_after_the_last_lac_review_and_before_the_18th_birthday() {
    let (policy, p) = panel("bexley-rcp");
    let mut f = complete_facts("bexley-rcp", "leaving-care-external-placement");
    f.approved_by = roles(&["team-manager", "service-manager"]);
    f.child.date_of_birth = Some(d("2008-12-10"));
    f.child.looked_after = true;
    f.answers
        .insert("last_lac_review_date".into(), text("2026-11-20"));
    let at = |date: &str, f: &carepanel_domain::readiness::ReferralFacts| {
        missing(&Context {
            policy,
            panel: p,
            facts: f,
            panel_date: d(date),
        })
        .into_iter()
        .map(|m| m.id)
        .collect::<Vec<_>>()
    };
    assert!(
        at("2026-12-03", &f).is_empty(),
        "{:?}",
        at("2026-12-03", &f)
    );
    // On the 18th birthday the panel is too late.
    assert_eq!(
        at("2026-12-10", &f),
        vec!["leaving-care-after-lac-review-before-18".to_string()]
    );
    // A panel on the day of the LAC review is not after it.
    f.answers
        .insert("last_lac_review_date".into(), text("2026-12-03"));
    assert_eq!(at("2026-12-03", &f).len(), 1);
}

#[test]
fn b5_dec_01_dec_04_outcomes_are_bexleys_and_an_alternate_needs_its_resource() {
    let (_, p) = panel("bexley-rcp");
    let ids: Vec<&str> = p.outcomes.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "resource-approved",
            "alternate-resource-approved",
            "deferred",
            "resource-declined",
            "return-to-panel"
        ]
    );
    let input = DecisionInput {
        outcome: "alternate-resource-approved".into(),
        rationale: "In-house provision meets the need".into(),
        ..Default::default()
    };
    let errors = decision::check(
        p,
        Some("support-package-over-1000"),
        d("2026-12-03"),
        &input,
    )
    .unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.field == "resources" && e.requirement == "DEC-04")
    );
}

#[test]
fn b5_dec_02_dec_03_rationale_required_and_six_lines_at_most() {
    let (_, p) = panel("bexley-rcp");
    let input = DecisionInput {
        outcome: "resource-approved".into(),
        lines: (1..=7).map(|n| format!("line {n}")).collect(),
        resources: vec![Resource {
            description: "Family support worker".into(),
            weekly_cost: Some(Money::parse("412.50").unwrap()),
            one_off_cost: Some(Money::from_pounds(150)),
            start: Some(d("2026-12-07")),
            end: Some(d("2027-03-07")),
            cost_centre: Some("CS1234".into()),
        }],
        actions: vec![Action {
            description: "Confirm start date with provider".into(),
            owner: "Social worker".into(),
            due: None,
        }],
        ..Default::default()
    };
    let errors = decision::check(p, None, d("2026-12-03"), &input).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"rationale"));
    assert!(fields.contains(&"lines"));
    assert!(fields.contains(&"actions[0].due"));
    let fixed = DecisionInput {
        lines: vec!["The panel agreed that a family support worker be funded".into()],
        rationale: "Keeps the children safely at home".into(),
        actions: vec![Action {
            description: "Confirm start date with provider".into(),
            owner: "Social worker".into(),
            due: Some(d("2026-12-10")),
        }],
        ..input
    };
    let ok = decision::check(p, None, d("2026-12-03"), &fixed).unwrap();
    // 91 days = 13 weeks at £412.50 = £5,362.50, plus £150 one-off.
    assert_eq!(ok.total, Money::parse("5512.50").unwrap());
}

#[test]
fn b5_emg_08_bexley_takes_no_decisions_between_meetings() {
    let s = sched("bexley-rcp");
    let dd = roles(&["deputy-director"]);
    let r = interim::take(
        &s,
        &InterimRequest {
            situation: None,
            amount: Some(Money::from_pounds(500)),
            child_age: Some(8),
            approver_roles: &dd,
            agreed_roles: &[],
            absence_reason: None,
            why_urgent: "x",
            decided_at: t("2026-12-01T10:00"),
        },
    );
    assert!(matches!(r, Err(InterimError::NoInterimRoute { .. })));
}

#[test]
fn b5_mem_03_mem_06_chair_fallback_and_declared_interests() {
    let (policy, p) = panel("bexley-rcp");
    let people = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(who, role)| Attendee {
                person: who.to_string(),
                roles: vec![role.to_string()],
            })
            .collect::<Vec<_>>()
    };
    let all = people(&[
        ("dd", "deputy-director"),
        ("vice", "service-manager-fostering-placement"),
        ("hos", "head-of-service"),
        ("vs", "virtual-school-rep"),
    ]);
    let none: Vec<Declaration> = Vec::new();
    assert_eq!(
        participation(policy, p, &all, &none, "item1")
            .chair
            .as_deref(),
        Some("dd")
    );
    // The chair declares an interest in item 1: the vice chair chairs it, and the DD takes no part.
    let decl = vec![Declaration {
        person: "dd".into(),
        item: "item1".into(),
        nature: "Knows the family".into(),
    }];
    let part = participation(policy, p, &all, &decl, "item1");
    assert_eq!(part.chair.as_deref(), Some("vice"));
    assert!(part.excluded.iter().any(|(who, _)| who == "dd"));
    assert!(!part.deciding.contains(&"dd".to_string()));
    assert_eq!(
        participation(policy, p, &all, &decl, "item2")
            .chair
            .as_deref(),
        Some("dd")
    );
    // Without the DD and vice chair, another Head of Service chairs.
    let fallback = people(&[("hos", "head-of-service"), ("vs", "virtual-school-rep")]);
    assert_eq!(
        participation(policy, p, &fallback, &none, "i")
            .chair
            .as_deref(),
        Some("hos")
    );
    // No eligible chair: the meeting cannot open.
    let nobody = people(&[("vs", "virtual-school-rep")]);
    let part = participation(policy, p, &nobody, &none, "i");
    assert!(part.chair.is_none());
    assert!(part.problems[0].contains("MEM-03"));
}

#[test]
fn b5_cal_07_cancelling_needs_the_chair_and_items_roll_on() {
    let (_, p) = panel("bexley-rcp");
    assert_eq!(
        p.meetings.cancellation_authorisers,
        roles(&["deputy-director"])
    );
    let s = sched("bexley-rcp").with_cancelled([d("2026-12-03")]);
    let l = s
        .listing(t("2026-11-30T10:00"), SubmissionKind::default())
        .unwrap();
    assert_eq!(l.meeting.date, d("2026-12-10"));
}

#[test]
fn b5_agd_03_running_order_for_each_item() {
    let (_, p) = panel("bexley-rcp");
    assert_eq!(p.agenda_order.len(), 5);
    assert!(p.agenda_order[0].contains("Introductions"));
}
