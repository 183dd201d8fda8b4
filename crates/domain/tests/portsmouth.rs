//! Portsmouth Resource Panel (B6): worked examples and readings of Part B as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_domain::Money;
use carepanel_domain::agenda::{self, Candidate};
use carepanel_domain::authority::{AuthorityQuestion, check};
use carepanel_domain::decision::{self, DecisionInput, Resource};
use carepanel_domain::interim::{self, InterimRequest};
use carepanel_domain::readiness::{Context, ReferralFacts, missing, who_must_sign};
use carepanel_domain::review::{ReviewBasis, review};
use carepanel_domain::schedule::SubmissionKind;
use common::*;

#[test]
fn b6_cal_05_second_thursday_of_the_month_at_1400() {
    let s = sched("portsmouth-rp");
    let dates: Vec<_> = s
        .meetings(d("2026-12-01"), d("2027-03-31"))
        .into_iter()
        .map(|m| m.date)
        .collect();
    assert_eq!(
        dates,
        [
            d("2026-12-10"),
            d("2027-01-14"),
            d("2027-02-11"),
            d("2027-03-11")
        ]
    );
    let m = &s.meetings(d("2026-12-10"), d("2026-12-10"))[0];
    assert_eq!(m.start, t("2026-12-10T14:00"));
    assert_eq!(m.end, t("2026-12-10T17:00"));
}

#[test]
fn b6_ambiguity_3_thursday_noon_rule_governs_over_five_working_days() {
    let s = sched("portsmouth-rp");
    // Panel Thu 2026-04-09: the fixed rule gives Thu 2026-04-02 12:00 (not Tue 03-31).
    assert_eq!(s.cutoff_for(d("2026-04-09")), t("2026-04-02T12:00"));
    // Panel Thu 2026-01-08: Thursday 1 January is a bank holiday: Wed 2025-12-31 12:00.
    assert_eq!(s.cutoff_for(d("2026-01-08")), t("2025-12-31T12:00"));
    assert_eq!(s.cutoff_for(d("2026-12-10")), t("2026-12-03T12:00"));
}

#[test]
fn b6_sched_03_late_is_not_heard_on_that_agenda_but_next_month() {
    let s = sched("portsmouth-rp");
    let on_time = s
        .listing(t("2026-12-03T12:00"), SubmissionKind::default())
        .unwrap();
    assert_eq!(on_time.meeting.date, d("2026-12-10"));
    let late = s
        .listing(t("2026-12-03T12:01"), SubmissionKind::default())
        .unwrap();
    assert_eq!(late.meeting.date, d("2027-01-14"));
    assert!(late.late);
    // SCHED-05: a ratification of an urgent decision joins the next panel.
    let r = s
        .listing(
            t("2026-12-08T09:00"),
            SubmissionKind {
                ratification: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(r.meeting.date, d("2026-12-10"));
}

#[test]
fn b6_agd_01_agd_02_twenty_five_children_and_siblings_count_one_each() {
    let (_, p) = panel("portsmouth-rp");
    let mut items: Vec<Candidate> = (0..23)
        .map(|n| Candidate {
            id: format!("r{n}"),
            children: 1,
            late_accepted: false,
            chair_priority: None,
        })
        .collect();
    items.push(Candidate {
        id: "siblings".into(),
        children: 3,
        late_accepted: false,
        chair_priority: None,
    });
    items.push(Candidate {
        id: "last".into(),
        children: 1,
        late_accepted: false,
        chair_priority: None,
    });
    let plan = agenda::plan(p, t("2026-12-10T14:00"), &items);
    // 23 + 3 = 26 > 25: the sibling group waits for the chair; the last single child fits.
    assert_eq!(plan.units_used, 24);
    assert_eq!(plan.for_chair, vec!["siblings".to_string()]);
    assert!(plan.slots.iter().any(|s| s.id == "last"));
    assert!(
        plan.slots.iter().all(|s| s.start.is_none()),
        "no slot length is stated"
    );
}

#[test]
fn b6_ambiguity_1_service_leader_up_to_1000_head_of_service_above() {
    let (policy, p) = panel("portsmouth-rp");
    let ask = |role: &str, pence: i64| {
        let r = roles(&[role]);
        check(
            policy,
            p,
            &AuthorityQuestion {
                situation: None,
                amount: Some(Money::from_pence(pence)),
                child_age: None,
                approver_roles: &r,
                agreed_roles: &[],
            },
        )
        .unwrap()
    };
    assert!(ask("service-leader", 100_000).allowed, "exactly £1,000.00");
    let over = ask("service-leader", 100_001);
    assert!(!over.allowed);
    assert_eq!(over.required_role, "head-of-service");
    assert!(ask("head-of-service", 100_001).allowed);
    // AUTH-13: a Head of Service may also approve smaller amounts.
    assert!(ask("head-of-service", 50_000).allowed);
    assert!(!ask("team-manager", 10_000).allowed);
}

#[test]
fn b6_emg_06_urgent_decision_valid_until_the_next_panel_then_ratified() {
    let s = sched("portsmouth-rp");
    let sl = roles(&["service-leader"]);
    let d1 = interim::take(
        &s,
        &InterimRequest {
            situation: Some("urgent-decision"),
            amount: Some(Money::from_pounds(900)),
            child_age: Some(7),
            approver_roles: &sl,
            agreed_roles: &[],
            absence_reason: None,
            why_urgent: "Respite needed this weekend",
            decided_at: t("2026-12-14T10:00"),
        },
    )
    .unwrap();
    assert_eq!(d1.valid_until, t("2027-01-14T14:00"));
    let refused = interim::take(
        &s,
        &InterimRequest {
            situation: Some("urgent-decision"),
            amount: Some(Money::parse("1000.01").unwrap()),
            child_age: Some(7),
            approver_roles: &sl,
            agreed_roles: &[],
            absence_reason: None,
            why_urgent: "Respite needed this weekend",
            decided_at: t("2026-12-14T10:00"),
        },
    );
    let err = refused.unwrap_err().to_string();
    assert!(err.contains("Head of Service"), "{err}");
    assert!(err.contains("EMG-06"), "the refusal names its rule: {err}");
    // DEC-09: the ratification is decided as ratify, modify or reverse.
    let (_, p) = panel("portsmouth-rp");
    let ratify = DecisionInput {
        outcome: "ratify".into(),
        rationale: "Urgent respite was appropriate".into(),
        considered: p.decision.considerations.clone(),
        is_ratification: true,
        resources: vec![Resource {
            description: "Weekend respite".into(),
            weekly_cost: None,
            one_off_cost: Some(Money::from_pounds(900)),
            start: None,
            end: None,
            cost_centre: None,
        }],
        ..Default::default()
    };
    assert!(decision::check(p, Some("short-breaks"), d("2027-01-14"), &ratify).is_ok());
    let not_ratification = DecisionInput {
        is_ratification: false,
        ..ratify
    };
    assert!(decision::check(p, Some("short-breaks"), d("2027-01-14"), &not_ratification).is_err());
}

fn ready_facts() -> ReferralFacts {
    let mut f = complete_facts("portsmouth-rp", "family-resource-ongoing");
    f.approved_by = roles(&["service-leader"]);
    f.answers
        .insert("service_leader_agreed".into(), text("yes"));
    f.answers.insert("presenter_is_nqsw".into(), text("no"));
    f.answers
        .insert("beyond_12_months_requested".into(), text("no"));
    f.documents
        .insert("assessment".into(), Some(d("2026-07-01")));
    f.documents.insert("genogram".into(), Some(d("2026-07-01")));
    f
}

#[test]
fn b6_ref_16_assessment_within_6_months_of_the_panel_and_a_genogram() {
    let (policy, p) = panel("portsmouth-rp");
    let gaps = |f: &ReferralFacts, date: &str| {
        missing(&Context {
            policy,
            panel: p,
            facts: f,
            panel_date: d(date),
        })
    };
    let f = ready_facts();
    assert!(
        gaps(&f, "2026-12-10").is_empty(),
        "{:?}",
        gaps(&f, "2026-12-10")
    );
    // Ambiguity 5: on or after the panel date minus 6 calendar months.
    let mut edge = f.clone();
    edge.documents
        .insert("assessment".into(), Some(d("2026-06-10")));
    assert!(gaps(&edge, "2026-12-10").is_empty());
    edge.documents
        .insert("assessment".into(), Some(d("2026-06-09")));
    let g = gaps(&edge, "2026-12-10");
    assert_eq!(g.len(), 1);
    assert!(g[0].blocks_listing, "SCHED-07: not heard on that agenda");
    let mut no_genogram = f.clone();
    no_genogram.documents.remove("genogram");
    assert_eq!(gaps(&no_genogram, "2026-12-10")[0].id, "genogram");
    // IRO views for a child cared for by us.
    let mut cared_for = f.clone();
    cared_for.child.looked_after = true;
    cared_for.answers.remove("iro_views");
    let ids: Vec<String> = gaps(&cared_for, "2026-12-10")
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert!(ids.contains(&"iro-views".to_string()), "{ids:?}");
}

#[test]
fn b6_sign_06_service_leader_agreement_before_the_forms_are_sent() {
    let (policy, p) = panel("portsmouth-rp");
    let mut f = ready_facts();
    f.approved_by.clear();
    let ctx = Context {
        policy,
        panel: p,
        facts: &f,
        panel_date: d("2026-12-10"),
    };
    assert_eq!(who_must_sign(&ctx).chain, roles(&["service-leader"]));
    assert!(missing(&ctx).iter().any(|m| m.id == "service-leader"));
}

#[test]
fn b6_ref_01_disability_and_general_form_variants() {
    let (policy, p) = panel("portsmouth-rp");
    let mut f = ready_facts();
    f.form = None;
    f.child.disabled = true;
    let form = Context {
        policy,
        panel: p,
        facts: &f,
        panel_date: d("2026-12-10"),
    }
    .form()
    .map(|x| x.id.clone());
    assert_eq!(form.as_deref(), Some("pcc-disability"));
    f.child.disabled = false;
    let form = Context {
        policy,
        panel: p,
        facts: &f,
        panel_date: d("2026-12-10"),
    }
    .form()
    .map(|x| x.id.clone());
    assert_eq!(form.as_deref(), Some("pcc-general"));
}

#[test]
fn b6_rev_06_no_panel_reviews_the_worker_is_reminded_within_12_months() {
    let s = sched("portsmouth-rp");
    let r = review(
        &s,
        d("2026-12-10"),
        &ReviewBasis::Category("family-resource-ongoing".into()),
    )
    .unwrap();
    assert!(r.worker_reminder);
    assert_eq!(r.review_due, Some(d("2027-12-10")));
    // Ambiguity 8: the latest panel on or before the 12-month anniversary: Thu 2027-12-09.
    assert_eq!(r.meeting.unwrap().date, d("2027-12-09"));
}

#[test]
fn b6_rem_04_bringing_children_into_care_goes_to_the_placement_decision_panel() {
    let (_, p) = panel("portsmouth-rp");
    let route = p
        .out_of_remit
        .iter()
        .find(|o| o.route.contains("Placement Decision"))
        .unwrap();
    assert!(route.requirement.contains("REM-04"));
}

#[test]
fn b6_dec_08_welfare_health_and_education_must_be_confirmed() {
    let (_, p) = panel("portsmouth-rp");
    let input = DecisionInput {
        outcome: "decline".into(),
        rationale: "Needs met by universal services".into(),
        considered: vec!["welfare".into()],
        ..Default::default()
    };
    let errors = decision::check(p, Some("outreach"), d("2026-12-10"), &input).unwrap_err();
    assert!(
        errors.iter().any(|e| e.field.contains("education")),
        "{errors:?}"
    );
}
