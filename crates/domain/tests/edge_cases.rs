//! Edge cases found in review: each pins a behaviour that was once wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_domain::Money;
use carepanel_domain::authority::{AuthorityError, AuthorityQuestion, check};
use carepanel_domain::policy::{OnBankHoliday, parse_policy};
use carepanel_domain::review::{ReviewBasis, review};
use carepanel_domain::schedule::{Scheduler, SubmissionKind, on_time};
use common::*;

#[test]
fn cal_02_cal_04_end_of_day_cutoffs_last_the_whole_minute_others_close_on_it() {
    assert!(on_time(
        t("2026-11-27T23:59") + chrono::Duration::seconds(59),
        t("2026-11-27T23:59")
    ));
    assert!(on_time(t("2026-04-02T12:00"), t("2026-04-02T12:00")));
    assert!(!on_time(
        t("2026-04-02T12:00") + chrono::Duration::seconds(30),
        t("2026-04-02T12:00")
    ));
}

#[test]
fn pap_02_a_referral_after_papers_went_out_goes_to_the_chair() {
    let s = sched("herts-harp");
    // Wed 2027-12-29: papers Thu 12-23, cut-off Fri 12-24 (HARP ambiguity 3a).
    let l = s
        .listing(t("2027-12-24T15:00"), SubmissionKind::default())
        .unwrap();
    assert_eq!(l.meeting.date, d("2027-12-29"));
    assert!(!l.late);
    assert!(l.chair_to_decide);
    assert!(l.reason.contains("PAP-02"));
    let before = s
        .listing(t("2027-12-23T10:00"), SubmissionKind::default())
        .unwrap();
    assert!(!before.chair_to_decide);
}

#[test]
fn cal_06_a_meeting_moved_off_a_bank_holiday_is_found_from_its_new_date() {
    let (policy, p) = panel("devon-prp");
    let mut moved = p.clone();
    moved.meetings.on_bank_holiday = OnBankHoliday::NextWorkingDay;
    let s = Scheduler::new(policy, &moved, calendar());
    let ms = s.meetings(d("2027-12-29"), d("2027-12-29"));
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].pattern_date, d("2027-12-28"));
    assert!(ms[0].held);
    let l = s
        .listing(
            t("2027-12-29T08:00"),
            SubmissionKind {
                ratification: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(l.meeting.start, t("2027-12-29T09:30"));
}

#[test]
fn cal_07_only_the_named_authorisers_may_cancel() {
    let s = sched("bexley-rcp");
    assert!(s.check_cancellation(&roles(&["service-manager"])).is_err());
    assert_eq!(
        s.check_cancellation(&roles(&["deputy-director"])).unwrap(),
        "deputy-director"
    );
    let err = s
        .check_cancellation(&roles(&["team-manager"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("CAL-07"), "{err}");
}

#[test]
fn auth_01_amounts_must_be_given_where_rules_depend_on_them_and_never_negative() {
    let (policy, p) = panel("portsmouth-rp");
    let sl = roles(&["service-leader"]);
    let q = |amount| AuthorityQuestion {
        situation: None,
        amount,
        child_age: None,
        approver_roles: &sl,
        agreed_roles: &[],
    };
    assert!(matches!(
        check(policy, p, &q(None)),
        Err(AuthorityError::AmountNeeded { .. })
    ));
    assert!(matches!(
        check(policy, p, &q(Some(Money::from_pence(-1)))),
        Err(AuthorityError::NegativeAmount { .. })
    ));
    // A situation without amounts is answered without one (HARP S.20 by age).
    let (h, hp) = panel("herts-harp");
    let od = roles(&["operations-director-safeguarding"]);
    let a = check(
        h,
        hp,
        &AuthorityQuestion {
            situation: Some("s20-first-time-care"),
            amount: None,
            child_age: Some(4),
            approver_roles: &od,
            agreed_roles: &[],
        },
    )
    .unwrap();
    assert!(a.allowed);
}

#[test]
fn auth_07_each_agreement_is_one_person_matched_to_one_place() {
    let (policy, p) = panel("portsmouth-rp");
    let ask = |approver: &[&str], agreed: &[&str]| {
        let a = roles(approver);
        let g = roles(agreed);
        check(
            policy,
            p,
            &AuthorityQuestion {
                situation: Some("high-cost-placement"),
                amount: Some(Money::from_pounds(4000)),
                child_age: None,
                approver_roles: &a,
                agreed_roles: &g,
            },
        )
        .unwrap()
    };
    // A Deputy Director alone fills one place even though the role acts for Head of Service.
    assert!(!ask(&["deputy-director"], &[]).allowed);
    // The Deputy Director agreed first; a Head of Service completes it.
    assert!(ask(&["head-of-service"], &["deputy-director"]).allowed);
    // Order does not matter.
    assert!(ask(&["deputy-director"], &["head-of-service"]).allowed);
    // Two Heads of Service are not a Deputy Director.
    assert!(!ask(&["head-of-service"], &["head-of-service"]).allowed);
}

#[test]
fn rev_07_booking_after_the_due_date_says_so() {
    let s = sched("portsmouth-rp");
    let r = review(
        &s,
        d("2026-04-09"),
        &ReviewBasis::After(carepanel_domain::policy::Interval::Weeks(2)),
    )
    .unwrap();
    assert_eq!(r.meeting.unwrap().date, d("2026-05-14"));
    assert!(
        r.reason.contains("no meeting falls between"),
        "{}",
        r.reason
    );
    let ends = review(
        &sched("herts-harp"),
        d("2026-12-02"),
        &ReviewBasis::Until(d("2026-12-02")),
    )
    .unwrap();
    assert!(
        ends.reason.contains("extend the approval"),
        "{}",
        ends.reason
    );
}

#[test]
fn cal_01_dates_beyond_the_bank_holiday_file_are_flagged() {
    let s = sched("herts-harp");
    let m = &s.meetings(d("2031-12-31"), d("2031-12-31"))[0];
    assert!(m.notes.iter().any(|n| n.contains("does not cover 2031")));
    assert!(s.meetings(d("2300-01-01"), d("2300-12-31")).is_empty());
    assert!(s.next_meeting(t("2300-01-01T00:00")).is_err());
}

#[test]
fn a_policy_with_extreme_dates_does_not_hang_or_panic() {
    let (_, text) = FILES[0];
    let extreme = text.replace(
        "effective_from = \"2019-08-01\"",
        "effective_from = \"0001-01-01\"",
    );
    let p = parse_policy("x.toml", &extreme).unwrap();
    let panel = &p.panels[0];
    let s = Scheduler::new(&p, panel, calendar());
    assert!(
        s.meetings(chrono::NaiveDate::MIN, chrono::NaiveDate::MAX)
            .len()
            > 1000
    );
}
