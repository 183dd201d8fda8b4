//! Property tests for meetings, cut-offs and listings on every shipped panel
//! (CAL-01, CAL-02, CAL-04, CAL-06, SCHED-01 to SCHED-03, REV-07).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_domain::policy::Interval;
use carepanel_domain::review::{ReviewBasis, review};
use carepanel_domain::schedule::SubmissionKind;
use chrono::{Datelike, Duration, Weekday};
use common::*;
use proptest::prelude::*;

const PANELS: [&str; 6] = [
    "herts-ew-prp",
    "herts-harp",
    "herts-harp-psp",
    "devon-prp",
    "bexley-rcp",
    "portsmouth-rp",
];

fn any_minute() -> impl Strategy<Value = chrono::NaiveDateTime> {
    // 2026-01-01 to the end of 2029, so that two years of meetings stay inside the holiday file.
    (0i64..(4 * 365 * 24 * 60)).prop_map(|m| t("2026-01-01T00:00") + Duration::minutes(m))
}

#[test]
fn cal_06_sched_01_every_generated_meeting_is_well_formed() {
    let cal = calendar();
    for id in PANELS {
        let s = sched(id);
        let ms = s.meetings(d("2026-01-01"), d("2030-12-31"));
        assert!(ms.len() > 50, "{id}");
        for m in &ms {
            assert!(
                !matches!(m.date.weekday(), Weekday::Sat | Weekday::Sun),
                "{id} {m:?}"
            );
            assert!(
                m.cutoff < m.start,
                "{id}: cut-off before the meeting: {m:?}"
            );
            if let Some(p) = m.papers_due {
                assert!(p < m.date, "{id}");
                assert!(cal.is_working_day(p));
            }
            if m.held {
                assert!(
                    !cal.holidays().is_holiday(m.date),
                    "{id} held on a bank holiday: {m:?}"
                );
            }
            if let Some(r) = m.recording_due {
                assert!(r > m.date && cal.is_working_day(r));
            }
            assert!(!m.chair.is_empty(), "{id}");
        }
    }
}

#[test]
fn cal_05_monthly_panels_meet_once_a_month() {
    let s = sched("portsmouth-rp");
    let ms = s.meetings(d("2026-01-01"), d("2030-12-31"));
    assert_eq!(ms.len(), 60);
    for m in &ms {
        assert_eq!(m.date.weekday(), Weekday::Thu);
        assert!(
            (8..=14).contains(&m.date.day()),
            "second Thursday: {}",
            m.date
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400), ..ProptestConfig::default() })]

    #[test]
    fn sched_02_sched_03_a_listing_is_the_first_meeting_whose_cutoff_it_meets(
        panel_ix in 0usize..6,
        submitted in any_minute(),
        emergency in any::<bool>(),
        ratification in any::<bool>(),
    ) {
        let id = PANELS[panel_ix];
        let s = sched(id);
        let kind = SubmissionKind { emergency, ratification, newly_looked_after: false };
        let l = s.listing(submitted, kind).unwrap();
        prop_assert!(l.meeting.held);
        prop_assert!(l.meeting.start > submitted);
        let first = s.next_meeting(submitted).unwrap();
        let on_time = |cutoff: chrono::NaiveDateTime| submitted < cutoff + Duration::minutes(1);
        if l.accepted_late_as.is_some() {
            prop_assert_eq!(&l.meeting, &first);
            prop_assert!(l.late);
            prop_assert!(!on_time(first.cutoff));
        } else {
            prop_assert!(on_time(l.meeting.cutoff), "{id}: listed for a meeting whose cut-off had passed");
            prop_assert_eq!(l.late, l.meeting != first);
            // No held meeting between the submission and the one listed has a cut-off it met.
            let between = s.meetings(submitted.date(), l.meeting.date);
            for m in between.iter().filter(|m| m.held && m.start > submitted && m.start < l.meeting.start) {
                prop_assert!(!on_time(m.cutoff), "{id}: skipped {m:?}");
            }
        }
        prop_assert!(!l.reason.is_empty());
    }

    #[test]
    fn rev_07_a_review_is_after_the_decision_and_on_or_before_its_due_date(
        panel_ix in 0usize..6,
        day in 0i64..(3 * 365),
        weeks in 2u32..60,
    ) {
        let id = PANELS[panel_ix];
        let s = sched(id);
        let decided = d("2026-01-01") + Duration::days(day);
        let r = review(&s, decided, &ReviewBasis::After(Interval::Weeks(weeks))).unwrap();
        let due = r.review_due.unwrap();
        prop_assert_eq!(due, decided + Duration::weeks(i64::from(weeks)));
        let m = r.meeting.unwrap();
        prop_assert!(m.held);
        prop_assert!(m.date > decided);
        // On or before the due date, unless no meeting falls between decision and due date.
        let any_before = s
            .meetings(decided + Duration::days(1), due)
            .iter()
            .any(|x| x.held);
        prop_assert_eq!(m.date <= due, any_before);
    }
}
