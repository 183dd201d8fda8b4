//! Hertfordshire: the East and West Practice and Resources Panel (B1), HARP (B2) and the HARP
//! Placement Stability Panel (B3), with the worked examples and readings of Part B as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_domain::agenda::{self, Candidate};
use carepanel_domain::authority::{AuthorityQuestion, check};
use carepanel_domain::interim::{self, InterimRequest, InterimStatus};
use carepanel_domain::members::absence_notice;
use carepanel_domain::money::Money;
use carepanel_domain::policy::{Interval, LateListing};
use carepanel_domain::readiness::{Context, MissingKind, missing, who_must_sign};
use carepanel_domain::review::{ReviewBasis, review};
use carepanel_domain::schedule::SubmissionKind;
use common::*;

// ---- B1: East and West Practice and Resources Panel ----

#[test]
fn b1_cal_05_weekly_on_wednesday_with_cutoff_friday_and_papers_monday() {
    let s = sched("herts-ew-prp");
    let ms = s.meetings(d("2026-11-30"), d("2026-12-06"));
    assert_eq!(ms.len(), 1);
    let m = &ms[0];
    assert_eq!(m.start, t("2026-12-02T09:30"));
    // SCHED-01, CAL-02, B1 ambiguity 4: at least 3 working days = the Friday, end of day.
    assert_eq!(m.cutoff, t("2026-11-27T23:59"));
    // PAP-01: 2 working days = Monday.
    assert_eq!(m.papers_due, Some(d("2026-11-30")));
    assert_eq!(m.end, t("2026-12-02T12:30"), "approximately 3 hours");
}

#[test]
fn b1_sched_03_a_late_referral_is_considered_at_the_next_weeks_panel() {
    let s = sched("herts-ew-prp");
    let on_time = s
        .listing(t("2026-11-27T23:59"), SubmissionKind::default())
        .unwrap();
    assert_eq!(on_time.meeting.start, t("2026-12-02T09:30"));
    assert!(!on_time.late);
    let late = s
        .listing(t("2026-11-28T00:00"), SubmissionKind::default())
        .unwrap();
    assert_eq!(late.meeting.start, t("2026-12-09T09:30"));
    assert!(late.late);
    assert!(
        late.reason.contains("Friday 27 November 2026"),
        "{}",
        late.reason
    );
}

#[test]
fn b1_sched_05_ratification_joins_the_next_meeting_after_its_cutoff() {
    let s = sched("herts-ew-prp");
    let l = s
        .listing(
            t("2026-12-01T10:00"),
            SubmissionKind {
                ratification: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(l.meeting.start, t("2026-12-02T09:30"));
    assert!(l.late);
    assert_eq!(l.accepted_late_as, Some(LateListing::Ratification));
    // But an emergency request is not accepted late at E&W: it is decided outside panel (EMG-02).
    let e = s
        .listing(
            t("2026-12-01T10:00"),
            SubmissionKind {
                emergency: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(e.meeting.start, t("2026-12-09T09:30"));
}

#[test]
fn b1_agd_01_five_thirty_minute_slots_and_a_warning_at_the_fifth() {
    let (_, p) = panel("herts-ew-prp");
    let start = t("2026-12-02T09:30");
    let items: Vec<Candidate> = (1..=6)
        .map(|n| Candidate {
            id: format!("r{n}"),
            children: 1,
            late_accepted: false,
            chair_priority: None,
        })
        .collect();
    let plan = agenda::plan(p, start, &items);
    assert_eq!(plan.slots.len(), 5);
    // AGD-07: appointment times from slot lengths.
    assert_eq!(plan.slots[0].start, Some(t("2026-12-02T09:30")));
    assert_eq!(plan.slots[4].start, Some(t("2026-12-02T11:30")));
    assert_eq!(plan.slots[4].end, Some(t("2026-12-02T12:00")));
    assert_eq!(plan.booked_minutes, 150);
    // AGD-02: the sixth goes to the chair's prioritisation list.
    assert_eq!(plan.for_chair, vec!["r6".to_string()]);
    assert!(plan.warnings.iter().any(|w| w.contains("warning level")));
    // The chair prioritises r6: it is heard and r5 waits instead.
    let mut prioritised = items.clone();
    prioritised[5].chair_priority = Some(1);
    let plan = agenda::plan(p, start, &prioritised);
    assert_eq!(plan.slots[0].id, "r6");
    assert_eq!(plan.for_chair, vec!["r5".to_string()]);
    // Ratifications use the reserved half hour, not a family slot.
    let mut with_ratification = items[..5].to_vec();
    with_ratification.push(Candidate {
        id: "ratify".into(),
        children: 1,
        late_accepted: true,
        chair_priority: None,
    });
    let plan = agenda::plan(p, start, &with_ratification);
    assert!(plan.for_chair.is_empty());
    assert_eq!(plan.slots.len(), 6);
    assert!(!agenda::fits(p, 5, 150, 1));
    assert!(agenda::fits(p, 4, 120, 1));
}

#[test]
fn b1_mem_02_chair_rota_alternates_by_calendar_week_not_by_meeting_held() {
    let s = sched("herts-ew-prp");
    let a = s.chair_for(d("2026-01-07"));
    let b = s.chair_for(d("2026-01-14"));
    assert_eq!(a, roles(&["head-of-service-fs-west", "head-of-assessment"]));
    assert_eq!(b, roles(&["head-of-service-fs-east", "head-of-sash"]));
    assert_eq!(s.chair_for(d("2026-01-21")), a);
    // A cancelled meeting does not shift the rota.
    let cancelled = sched("herts-ew-prp").with_cancelled([d("2026-01-14")]);
    assert_eq!(cancelled.chair_for(d("2026-01-21")), a);
    let ms = cancelled.meetings(d("2026-01-12"), d("2026-01-18"));
    assert!(!ms[0].held, "CAL-07 cancelled");
}

#[test]
fn b1_mem_04_absence_notice_under_48_clock_hours_is_flagged() {
    let (_, p) = panel("herts-ew-prp");
    let start = t("2026-12-02T09:30");
    let short = absence_notice(p, start, t("2026-11-30T10:00"));
    assert!(short.short_notice);
    assert!(short.cover_needed);
    let fine = absence_notice(p, start, t("2026-11-30T09:30"));
    assert!(!fine.short_notice, "exactly 48 hours is enough");
    // Across the clocks going back (25 October 2026) a day has 25 hours: 47.5 hours by the
    // wall clock is 48.5 clock hours, enough notice.
    let gmt = absence_notice(p, t("2026-10-26T09:30"), t("2026-10-24T10:00"));
    assert_eq!(gmt.hours_before, 48.5);
    assert!(!gmt.short_notice);
}

#[test]
fn b1_sign_02_part_2_needs_the_service_manager_and_part_1_no_one() {
    let (policy, p) = panel("herts-ew-prp");
    let part2 = complete_facts("herts-ew-prp", "s20-accommodation");
    let ctx = Context {
        policy,
        panel: p,
        facts: &part2,
        panel_date: d("2026-12-02"),
    };
    assert_eq!(who_must_sign(&ctx).chain, roles(&["service-manager"]));
    let gaps = missing(&ctx);
    assert!(
        gaps.iter()
            .any(|m| m.kind == MissingKind::SignOff && m.id == "service-manager"),
        "{gaps:?}"
    );
    let mut signed = part2.clone();
    signed.approved_by = roles(&["service-manager"]);
    let ctx = Context {
        facts: &signed,
        ..ctx
    };
    assert!(missing(&ctx).is_empty(), "{:?}", missing(&ctx));
    let part1 = complete_facts("herts-ew-prp", "support-package");
    let ctx = Context {
        policy,
        panel: p,
        facts: &part1,
        panel_date: d("2026-12-02"),
    };
    assert!(who_must_sign(&ctx).chain.is_empty());
}

#[test]
fn b1_ref_02_first_part_with_lpm_minutes_instead_of_the_whole_form() {
    let (policy, p) = panel("herts-ew-prp");
    let form = p.form("prp-referral").unwrap();
    // Keep only the first section's answers and say LPM minutes are attached instead.
    let first: Vec<String> = form.sections[0]
        .fields
        .iter()
        .map(|f| f.id.clone())
        .collect();
    let mut facts = complete_facts("herts-ew-prp", "lpm-outcome");
    facts.answers.retain(|k, _| first.contains(k));
    facts
        .answers
        .insert("completion".into(), text("first-part-with-lpm-minutes"));
    facts.approved_by = roles(&["service-manager"]);
    let ctx = Context {
        policy,
        panel: p,
        facts: &facts,
        panel_date: d("2026-12-02"),
    };
    let gaps = missing(&ctx);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].id, "lpm-minutes");
    assert!(gaps[0].blocks_listing);
    facts
        .documents
        .insert("lpm-minutes".into(), Some(d("2026-11-20")));
    let ctx = Context {
        policy,
        panel: p,
        facts: &facts,
        panel_date: d("2026-12-02"),
    };
    assert!(missing(&ctx).is_empty(), "{:?}", missing(&ctx));
}

#[test]
fn b1_emg_02_urgent_matters_agreed_by_the_head_of_service_until_the_next_panel() {
    let s = sched("herts-ew-prp");
    let hos = roles(&["head-of-service"]);
    let d1 = interim::take(
        &s,
        &InterimRequest {
            situation: None,
            amount: Some(Money::from_pounds(800)),
            child_age: Some(9),
            approver_roles: &hos,
            agreed_roles: &[],
            absence_reason: None,
            why_urgent: "Family breakdown overnight",
            decided_at: t("2026-12-03T16:00"),
        },
    )
    .unwrap();
    assert_eq!(d1.valid_until, t("2026-12-09T09:30"));
    assert_eq!(d1.ratification_meeting.date, d("2026-12-09"));
    let sm = roles(&["service-manager"]);
    let refused = interim::take(
        &s,
        &InterimRequest {
            situation: None,
            amount: None,
            child_age: None,
            approver_roles: &sm,
            agreed_roles: &[],
            absence_reason: None,
            why_urgent: "x",
            decided_at: t("2026-12-03T16:00"),
        },
    );
    assert!(matches!(
        refused,
        Err(interim::InterimError::Refused { .. })
    ));
    // EMG-07: not ratified by the meeting: expired and escalated.
    assert_eq!(
        interim::status(d1.valid_until, None, t("2026-12-09T18:00")),
        InterimStatus::ExpiredNotRatified
    );
}

// ---- B2: HARP ----

#[test]
fn b2_cal_04_friday_cutoff_moves_to_thursday_on_bank_holidays() {
    let s = sched("herts-harp");
    assert_eq!(s.cutoff_for(d("2026-12-02")), t("2026-11-27T23:59"));
    // Fridays 2026-12-25, 2027-01-01 and 2027-03-26 are bank holidays.
    assert_eq!(s.cutoff_for(d("2026-12-30")), t("2026-12-24T23:59"));
    assert_eq!(s.cutoff_for(d("2027-01-06")), t("2026-12-31T23:59"));
    assert_eq!(s.cutoff_for(d("2027-03-31")), t("2027-03-25T23:59"));
}

#[test]
fn b2_pap_01_papers_two_working_days_before_and_3a_flagged_before_cutoff() {
    let s = sched("herts-harp");
    // Ambiguity 3: working days give Thu 2027-03-25, not the Easter Monday.
    assert_eq!(s.papers_due(d("2027-03-31")), Some(d("2027-03-25")));
    // Ambiguity 3a: Wed 2027-12-29: cut-off Fri 12-24, papers Thu 12-23: flagged.
    let m = &s.meetings(d("2027-12-29"), d("2027-12-29"))[0];
    assert_eq!(m.cutoff, t("2027-12-24T23:59"));
    assert_eq!(m.papers_due, Some(d("2027-12-23")));
    assert!(m.notes.iter().any(|n| n.contains("before the cut-off")));
    let (_, p) = panel("herts-harp");
    assert!(
        p.papers.as_ref().unwrap().after_circulation_needs_chair,
        "PAP-02"
    );
}

#[test]
fn b2_sched_04_monday_or_tuesday_only_for_an_emergency() {
    let s = sched("herts-harp");
    for when in ["2026-11-30T09:00", "2026-12-01T16:00"] {
        let normal = s.listing(t(when), SubmissionKind::default()).unwrap();
        assert_eq!(normal.meeting.date, d("2026-12-09"), "{when}");
        let emergency = s
            .listing(
                t(when),
                SubmissionKind {
                    emergency: true,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(emergency.meeting.date, d("2026-12-02"));
        assert_eq!(emergency.accepted_late_as, Some(LateListing::Emergency));
    }
}

#[test]
fn b2_agd_01_ten_minute_slots_from_0930_to_1700() {
    let (_, p) = panel("herts-harp");
    assert_eq!(p.capacity.slot_minutes, Some(10));
    assert_eq!(p.meetings.duration_minutes, 450);
    let items: Vec<Candidate> = (0..46)
        .map(|n| Candidate {
            id: n.to_string(),
            children: 1,
            late_accepted: false,
            chair_priority: None,
        })
        .collect();
    let plan = agenda::plan(p, t("2026-12-02T09:30"), &items);
    assert_eq!(plan.slots.len(), 45, "the arithmetic ceiling is 45");
    assert_eq!(plan.slots[44].end, Some(t("2026-12-02T17:00")));
    assert_eq!(plan.for_chair.len(), 1);
}

#[test]
fn b2_auth_02_s20_approver_by_age_with_head_of_service_in_absence() {
    let (policy, p) = panel("herts-harp");
    let ask = |role: &str, age: u32| {
        let r = roles(&[role]);
        check(
            policy,
            p,
            &AuthorityQuestion {
                situation: Some("s20-first-time-care"),
                amount: None,
                child_age: Some(age),
                approver_roles: &r,
                agreed_roles: &[],
            },
        )
        .unwrap()
    };
    let under12 = ask("operations-director-safeguarding", 11);
    assert!(under12.allowed && under12.interim);
    // Over 12s' approver is not the under-12s' approver: at most an in-absence stand-in (AUTH-12).
    assert!(
        ask("operations-director-specialist-services", 11)
            .in_absence_of
            .is_some()
    );
    assert!(
        ask("operations-director-safeguarding", 11)
            .in_absence_of
            .is_none()
    );
    assert!(ask("operations-director-specialist-services", 12).allowed);
    assert!(ask("harp-chair", 12).allowed);
    assert!(
        ask("operations-director-safeguarding", 12)
            .in_absence_of
            .is_some()
    );
    let absent = ask("head-of-service", 10);
    assert!(absent.allowed, "AUTH-12");
    assert!(absent.in_absence_of.is_some());
    assert!(!ask("team-manager", 10).allowed);
}

#[test]
fn b2_auth_06_auth_11_dna_testing_up_to_500_includes_500() {
    let (policy, p) = panel("herts-harp");
    let sm = roles(&["service-manager"]);
    let ask = |pence: i64| {
        check(
            policy,
            p,
            &AuthorityQuestion {
                situation: Some("dna-testing"),
                amount: Some(Money::from_pence(pence)),
                child_age: None,
                approver_roles: &sm,
                agreed_roles: &[],
            },
        )
        .unwrap()
    };
    assert!(ask(50_000).allowed);
    let over = ask(50_001);
    assert!(!over.allowed);
    assert_eq!(over.required_role, "panel");
}

#[test]
fn b2_auth_07_email_agreements_need_both_managers() {
    let (policy, p) = panel("herts-harp");
    let sm = roles(&["service-manager"]);
    let alone = check(
        policy,
        p,
        &AuthorityQuestion {
            situation: Some("email-agreement"),
            amount: Some(Money::from_pounds(300)),
            child_age: None,
            approver_roles: &sm,
            agreed_roles: &[],
        },
    )
    .unwrap();
    assert!(!alone.allowed);
    assert_eq!(alone.still_needed, roles(&["brokerage-service-manager"]));
    let both = check(
        policy,
        p,
        &AuthorityQuestion {
            situation: Some("email-agreement"),
            amount: Some(Money::from_pounds(300)),
            child_age: None,
            approver_roles: &sm,
            agreed_roles: &roles(&["brokerage-service-manager"]),
        },
    )
    .unwrap();
    assert!(both.allowed);
}

#[test]
fn b2_rev_02_rev_03_three_monthly_reviews_anchored_and_clamped() {
    let s = sched("herts-harp");
    for category in [
        "staying-put-supported",
        "staying-put-lodgings",
        "independent-residential-placement",
        "high-cost-placement",
    ] {
        let r = review(&s, d("2027-03-31"), &ReviewBasis::Category(category.into())).unwrap();
        // CAL-08: 31 March + 3 months = 30 June.
        assert_eq!(r.review_due, Some(d("2027-06-30")), "{category}");
        assert_eq!(r.repeats.as_deref(), Some("3 months"));
        // REV-07: the latest Wednesday on or before 30 June 2027 is 30 June itself.
        assert_eq!(r.meeting.unwrap().date, d("2027-06-30"));
    }
    let r = review(
        &s,
        d("2026-11-25"),
        &ReviewBasis::Category("staying-put-supported".into()),
    )
    .unwrap();
    assert_eq!(r.review_due, Some(d("2027-02-25")));
    assert_eq!(
        r.meeting.unwrap().date,
        d("2027-02-24"),
        "latest meeting on or before"
    );
}

#[test]
fn b2_rev_01_time_limited_approvals_come_back_before_they_end() {
    let s = sched("herts-harp");
    let r = review(&s, d("2026-11-25"), &ReviewBasis::Until(d("2027-01-01"))).unwrap();
    assert_eq!(r.meeting.unwrap().date, d("2026-12-30"));
    let r = review(
        &s,
        d("2026-11-25"),
        &ReviewBasis::After(Interval::parse("6 weeks").unwrap()),
    )
    .unwrap();
    assert_eq!(r.review_due, Some(d("2027-01-06")));
    assert_eq!(r.meeting.unwrap().date, d("2027-01-06"));
}

#[test]
fn b2_rem_02_out_of_remit_requests_are_named_with_their_route() {
    let (policy, p) = panel("herts-harp");
    let mut facts = complete_facts("herts-harp", "placement");
    facts.category = "therapeutic-intervention".into();
    let ctx = Context {
        policy,
        panel: p,
        facts: &facts,
        panel_date: d("2026-12-02"),
    };
    let gaps = missing(&ctx);
    assert_eq!(gaps[0].kind, MissingKind::Remit);
    assert!(gaps[0].message.contains("CAMHS"), "{}", gaps[0].message);
}

#[test]
fn b2_sign_03_team_manager_signs_harp_referrals() {
    let (policy, p) = panel("herts-harp");
    let facts = complete_facts("herts-harp", "placement");
    let ctx = Context {
        policy,
        panel: p,
        facts: &facts,
        panel_date: d("2026-12-02"),
    };
    assert_eq!(who_must_sign(&ctx).chain, roles(&["team-manager"]));
}

// ---- B3: HARP Placement Stability Panel ----

#[test]
fn b3_psp_fifteen_minute_slots_five_a_week_and_team_manager_agreement() {
    let (policy, p) = panel("herts-harp-psp");
    assert_eq!(p.capacity.slot_minutes, Some(15));
    assert_eq!(p.capacity.max_items, Some(5));
    let s = sched("herts-harp-psp");
    let m = &s.meetings(d("2026-11-30"), d("2026-12-06"))[0];
    assert_eq!(m.date, d("2026-12-02"), "Proposed: weekly on Wednesday");
    assert_eq!(m.papers_due, Some(d("2026-11-30")), "2 working days");
    let facts = complete_facts("herts-harp-psp", "placement-at-risk");
    let ctx = Context {
        policy,
        panel: p,
        facts: &facts,
        panel_date: m.date,
    };
    assert_eq!(
        who_must_sign(&ctx).chain,
        roles(&["team-manager"]),
        "SIGN-04"
    );
}
