//! Devon Practice & Resource Panel (B4): worked examples and readings of Part B as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_domain::authority::{AuthorityQuestion, check};
use carepanel_domain::decision::{self, DecisionInput, Resource};
use carepanel_domain::interim::{self, InterimRequest};
use carepanel_domain::readiness::{Context, missing};
use carepanel_domain::review::{ReviewBasis, review};
use carepanel_domain::schedule::SubmissionKind;
use common::*;

#[test]
fn b4_cal_04_thursday_1700_before_the_tuesday_panel() {
    let s = sched("devon-prp");
    let m = &s.meetings(d("2026-11-30"), d("2026-12-06"))[0];
    assert_eq!(
        m.start,
        t("2026-12-01T09:30"),
        "Proposed: Tuesday morning at 09:30"
    );
    assert_eq!(m.cutoff, t("2026-11-26T17:00"));
    assert_eq!(m.papers_due, None, "no circulation date is stated");
    let on_time = s
        .listing(t("2026-11-26T17:00"), SubmissionKind::default())
        .unwrap();
    assert_eq!(on_time.meeting.date, d("2026-12-01"));
    let late = s
        .listing(t("2026-11-26T17:01"), SubmissionKind::default())
        .unwrap();
    assert_eq!(late.meeting.date, d("2026-12-08"));
    assert!(late.late);
}

#[test]
fn b4_cal_06_bank_holiday_tuesday_2027_12_28_is_skipped_and_items_roll() {
    let s = sched("devon-prp");
    let ms = s.meetings(d("2027-12-27"), d("2028-01-05"));
    assert_eq!(ms.len(), 2);
    assert!(!ms[0].held);
    assert_eq!(ms[0].date, d("2027-12-28"));
    assert!(ms[1].held);
    assert_eq!(ms[1].date, d("2028-01-04"));
    assert_eq!(ms[1].cutoff, t("2027-12-30T17:00"));
    // A referral that would have gone to 28 December goes to 4 January.
    let l = s
        .listing(t("2027-12-22T12:00"), SubmissionKind::default())
        .unwrap();
    assert_eq!(l.meeting.date, d("2028-01-04"));
    assert!(
        !l.late,
        "it met the cut-off of the meeting it is listed for"
    );
}

#[test]
fn b4_rec_01_outcome_on_the_childs_record_within_3_working_days() {
    let s = sched("devon-prp");
    let m = &s.meetings(d("2026-12-22"), d("2026-12-22"))[0];
    // 23, 24 then 29 December (25 and 28 are bank holidays).
    assert_eq!(m.recording_due, Some(d("2026-12-29")));
}

#[test]
fn b4_mem_02_chaired_by_head_of_service_or_deputy_director_on_rota() {
    let s = sched("devon-prp");
    let a = s.chair_for(d("2026-01-06"));
    let b = s.chair_for(d("2026-01-13"));
    assert_ne!(a, b);
    assert!(a == roles(&["head-of-service"]) || a == roles(&["deputy-director"]));
}

fn s20_facts(dob: &str, bridges: &str) -> carepanel_domain::readiness::ReferralFacts {
    let mut f = complete_facts("devon-prp", "s20-accommodation");
    f.child.date_of_birth = Some(d(dob));
    f.answers
        .insert("bridges_involvement".into(), text(bridges));
    f.answers.remove("exceptional_circumstances");
    f
}

#[test]
fn b4_auth_08_s20_for_ages_11_to_16_needs_bridges_or_a_deputy_director_exception() {
    let (policy, p) = panel("devon-prp");
    let panel_date = d("2026-12-01");
    let check_ready = |f: &carepanel_domain::readiness::ReferralFacts| {
        missing(&Context {
            policy,
            panel: p,
            facts: f,
            panel_date,
        })
        .into_iter()
        .map(|m| m.id)
        .collect::<Vec<_>>()
    };
    // 16 years old on the panel date (17th birthday tomorrow): Bridges needed.
    // Without it, the rule and the form's exceptional-circumstances question are both outstanding.
    let sixteen = s20_facts("2009-12-02", "no");
    assert_eq!(
        check_ready(&sixteen),
        vec![
            "exceptional_circumstances".to_string(),
            "s20-bridges-11-16".to_string()
        ]
    );
    // The same child with Bridges involvement is ready.
    assert!(check_ready(&s20_facts("2009-12-02", "yes")).is_empty());
    // 17 on the panel date: the rule does not apply (B4 ambiguity 1).
    assert!(check_ready(&s20_facts("2009-12-01", "no")).is_empty());
    // 11th birthday on the panel date: the rule applies.
    assert_eq!(check_ready(&s20_facts("2015-12-01", "no")).len(), 2);
    // 10 years old: not in the band.
    assert!(check_ready(&s20_facts("2015-12-02", "no")).is_empty());
    // Exceptional circumstances with Deputy Director approval.
    let mut exception = s20_facts("2012-05-05", "no");
    exception.answers.insert(
        "exceptional_circumstances".into(),
        text("Immediate risk at home"),
    );
    assert_eq!(
        check_ready(&exception).len(),
        1,
        "the exception needs the DD"
    );
    exception.approved_by = roles(&["deputy-director"]);
    assert!(check_ready(&exception).is_empty());
    // What-if: the exception is the Deputy Director's to give.
    let hos = roles(&["head-of-service"]);
    let a = check(
        policy,
        p,
        &AuthorityQuestion {
            situation: Some("s20-exception-11-16"),
            amount: None,
            child_age: Some(14),
            approver_roles: &hos,
            agreed_roles: &[],
        },
    )
    .unwrap();
    assert!(!a.allowed);
    assert_eq!(a.required_role, "deputy-director");
}

#[test]
fn b4_ref_11_ref_12_fgc_offer_and_s20_timeline_are_required() {
    let (policy, p) = panel("devon-prp");
    let mut f = s20_facts("2005-01-01", "no");
    f.answers.insert("fgc_offered".into(), text("no"));
    f.answers.remove("s20_timeline");
    let ids: Vec<String> = missing(&Context {
        policy,
        panel: p,
        facts: &f,
        panel_date: d("2026-12-01"),
    })
    .into_iter()
    .map(|m| m.id)
    .collect();
    assert!(ids.contains(&"fgc-offered".to_string()), "{ids:?}");
    assert!(
        ids.iter()
            .any(|i| i == "s20-timeline" || i == "s20_timeline"),
        "{ids:?}"
    );
}

#[test]
fn b4_emg_05_temporary_agreement_by_the_head_of_service_or_deputy_director() {
    let s = sched("devon-prp");
    for role in ["head-of-service", "deputy-director"] {
        let r = roles(&[role]);
        let d1 = interim::take(
            &s,
            &InterimRequest {
                situation: None,
                amount: None,
                child_age: Some(9),
                approver_roles: &r,
                agreed_roles: &[],
                absence_reason: None,
                why_urgent: "Safety of the child tonight",
                decided_at: t("2026-12-02T20:00"),
            },
        )
        .unwrap();
        assert_eq!(
            d1.valid_until,
            t("2026-12-08T09:30"),
            "the next available panel"
        );
    }
    let sm = roles(&["service-manager"]);
    assert!(
        interim::take(
            &s,
            &InterimRequest {
                situation: None,
                amount: None,
                child_age: Some(9),
                approver_roles: &sm,
                agreed_roles: &[],
                absence_reason: None,
                why_urgent: "x",
                decided_at: t("2026-12-02T20:00"),
            },
        )
        .is_err()
    );
}

#[test]
fn b4_dec_10_s20_agreed_always_carries_a_return_date() {
    let (_, p) = panel("devon-prp");
    let base = DecisionInput {
        outcome: "s20-agreed".into(),
        rationale: "Risk cannot be managed at home".into(),
        resources: vec![Resource {
            description: "Foster placement".into(),
            weekly_cost: Some(carepanel_domain::Money::from_pounds(700)),
            one_off_cost: None,
            start: Some(d("2026-12-01")),
            end: Some(d("2027-02-28")),
            cost_centre: None,
        }],
        considered: p.decision.considerations.clone(),
        ..Default::default()
    };
    let errors = decision::check(p, Some("s20-accommodation"), d("2026-12-01"), &base).unwrap_err();
    assert!(
        errors.iter().any(|e| e.field == "return_date"),
        "{errors:?}"
    );
    let with_return = DecisionInput {
        return_date: Some(d("2027-01-26")),
        ..base
    };
    let ok = decision::check(p, Some("s20-accommodation"), d("2026-12-01"), &with_return).unwrap();
    // 90 days at £700 a week = £9,000.00.
    assert_eq!(ok.total, carepanel_domain::Money::from_pounds(9000));
    let r = review(
        &sched("devon-prp"),
        d("2026-12-01"),
        &ReviewBasis::Category("s20-accommodation".into()),
    )
    .unwrap();
    assert!(r.chair_must_set);
    assert_eq!(r.review_due, None);
}

#[test]
fn b4_sign_07_no_sign_off_chain_but_presenters_are_expected() {
    let (_, p) = panel("devon-prp");
    assert!(p.signoffs.is_empty());
    assert!(
        p.presenters
            .iter()
            .any(|r| r.any_of.iter().any(|x| x == "team-manager")
                && r.any_of.iter().any(|x| x == "service-manager")),
        "AGD-05"
    );
}

#[test]
fn b4_auth_08_an_age_banded_rule_is_never_bypassed_when_the_age_is_unknown() {
    let (policy, p) = panel("devon-prp");
    let hos = roles(&["head-of-service"]);
    let ask = |age| {
        check(
            policy,
            p,
            &AuthorityQuestion {
                situation: Some("emergency-s20-exception-11-16"),
                amount: None,
                child_age: age,
                approver_roles: &hos,
                agreed_roles: &[],
            },
        )
    };
    assert!(matches!(
        ask(None),
        Err(carepanel_domain::authority::AuthorityError::AgeNeeded { .. })
    ));
    assert!(
        !ask(Some(13)).unwrap().allowed,
        "11 to 16 needs the Deputy Director"
    );
    assert!(ask(Some(17)).unwrap().allowed);
    assert!(ask(Some(10)).unwrap().allowed);
}
