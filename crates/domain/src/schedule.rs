//! Meetings and their deadlines: generation from the panel's pattern, bank-holiday handling,
//! cut-offs, papers and recording dates, the chair rota, and where a referral is listed
//! (CAL-04 to CAL-07, SCHED-01 to SCHED-06, PAP-01, REC-01, MEM-02).

use crate::calendar::{self, WorkingCalendar};
use crate::policy::{
    CutoffOnHoliday, LateKind, LateListing, LateRule, OnBankHoliday, Panel, Pattern, Policy,
    weekday_name,
};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};
use serde::Serialize;
use std::collections::BTreeSet;

/// One meeting of a panel, generated or added ad hoc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meeting {
    /// The date the meeting is held (or would have been, when skipped).
    pub date: NaiveDate,
    /// The date the pattern gave, before any bank-holiday move.
    pub pattern_date: NaiveDate,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub held: bool,
    pub cutoff: NaiveDateTime,
    pub papers_due: Option<NaiveDate>,
    pub recording_due: Option<NaiveDate>,
    /// Role ids of the chair (or co-chairs) this week.
    pub chair: Vec<String>,
    /// Where it is held, or its remote link (AGD-06).
    pub venue: Option<String>,
    pub notes: Vec<String>,
}

/// The kinds of submission that may be listed after a cut-off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubmissionKind {
    pub emergency: bool,
    pub ratification: bool,
    pub newly_looked_after: bool,
}

impl SubmissionKind {
    fn has(&self, kind: LateKind) -> bool {
        match kind {
            LateKind::Emergency => self.emergency,
            LateKind::Ratification => self.ratification,
            LateKind::NewlyLookedAfter => self.newly_looked_after,
        }
    }
}

/// Where a submission is listed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub meeting: Meeting,
    /// It missed the cut-off of an earlier meeting.
    pub late: bool,
    pub accepted_late_as: Option<LateListing>,
    /// The chair must accept, reject or defer it (SIGN-08).
    pub chair_to_decide: bool,
    pub reason: String,
    pub requirement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "{panel} has no meeting after {after} within two years; add one (ad hoc) first (CAL-05)"
    )]
    NoMeeting { panel: String, after: NaiveDateTime },
    #[error(
        "{who} may not cancel a meeting of {panel}: it needs the prior agreement of {needed} (CAL-07)"
    )]
    CancellationNotAuthorised {
        panel: String,
        who: String,
        needed: String,
    },
}

/// How far ahead the scheduler looks for a meeting before giving up.
const HORIZON_DAYS: i64 = 731;

/// Computes a panel's meetings and deadlines over a working-day calendar.
#[derive(Debug, Clone)]
pub struct Scheduler<'a> {
    pub policy: &'a Policy,
    pub panel: &'a Panel,
    pub calendar: &'a WorkingCalendar,
    ad_hoc: Vec<NaiveDateTime>,
    cancelled: BTreeSet<NaiveDate>,
}

impl<'a> Scheduler<'a> {
    pub fn new(policy: &'a Policy, panel: &'a Panel, calendar: &'a WorkingCalendar) -> Self {
        Self {
            policy,
            panel,
            calendar,
            ad_hoc: Vec::new(),
            cancelled: BTreeSet::new(),
        }
    }

    /// Extra meetings added by the coordinator (CAL-05).
    pub fn with_ad_hoc(mut self, starts: impl IntoIterator<Item = NaiveDateTime>) -> Self {
        self.ad_hoc.extend(starts);
        self.ad_hoc.sort();
        self
    }

    /// Meetings cancelled with a recorded authoriser (CAL-07); their items roll on.
    pub fn with_cancelled(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.cancelled.extend(dates);
        self
    }

    /// The dates the pattern gives in `[from, to]`.
    pub fn pattern_dates(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        let m = &self.panel.meetings;
        let from = m.from.map_or(from, |f| f.max(from));
        let mut out = Vec::new();
        match (m.pattern, m.weekday) {
            (Pattern::Weekly, Some(w)) => {
                let mut d = from;
                while d.weekday() != w {
                    d += Duration::days(1);
                }
                while d <= to {
                    out.push(d);
                    d += Duration::days(7);
                }
            }
            (Pattern::Monthly, Some(w)) => {
                let nth = m.nth.unwrap_or(1);
                let (mut y, mut mo) = (from.year(), from.month());
                loop {
                    if let Some(d) = nth_weekday(y, mo, w, nth) {
                        if d > to {
                            break;
                        }
                        if d >= from {
                            out.push(d);
                        }
                    } else if NaiveDate::from_ymd_opt(y, mo, 1).is_none_or(|first| first > to) {
                        break;
                    }
                    if mo == 12 {
                        y += 1;
                        mo = 1;
                    } else {
                        mo += 1;
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// All meetings (held or skipped) held, or due to be held, in `[from, to]`.
    pub fn meetings(&self, from: NaiveDate, to: NaiveDate) -> Vec<Meeting> {
        let m = &self.panel.meetings;
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(calendar::FIRST_SUPPORTED_YEAR, 1, 1),
            NaiveDate::from_ymd_opt(calendar::LAST_SUPPORTED_YEAR, 12, 31),
        ) else {
            return Vec::new();
        };
        let (from, to) = (from.max(first), to.min(last));
        if from > to {
            return Vec::new();
        }
        // A meeting moved off a bank holiday can land a few days after its pattern date.
        let mut out: Vec<Meeting> = self
            .pattern_dates(from - Duration::days(7), to)
            .into_iter()
            .map(|pd| {
                let mut notes = Vec::new();
                let mut date = pd;
                let mut held = true;
                if let Some(name) = self.calendar.holidays().name(pd) {
                    match m.on_bank_holiday {
                        OnBankHoliday::Skip => {
                            held = false;
                            notes.push(format!(
                                "{} is a bank holiday ({name}): no meeting; items roll to the next meeting (CAL-06)",
                                long_date(pd)
                            ));
                        }
                        OnBankHoliday::NextWorkingDay => {
                            date = self.calendar.on_or_after_working(pd);
                            notes.push(format!(
                                "Moved from {} ({name}) to the next working day (CAL-06)",
                                long_date(pd)
                            ));
                        }
                        OnBankHoliday::Hold => notes.push(format!(
                            "Held although {} is a bank holiday ({name}) (CAL-06)",
                            long_date(pd)
                        )),
                    }
                }
                if held && self.cancelled.contains(&date) {
                    held = false;
                    notes.push("Cancelled; items roll to the next meeting (CAL-07)".to_string());
                }
                self.meeting_at(date.and_time(m.start), pd, held, notes)
            })
            .filter(|x| x.date >= from && x.date <= to)
            .collect();
        for start in &self.ad_hoc {
            let d = start.date();
            if d >= from && d <= to {
                let held = !self.cancelled.contains(&d);
                out.push(self.meeting_at(
                    *start,
                    d,
                    held,
                    vec!["Ad hoc meeting (CAL-05)".to_string()],
                ));
            }
        }
        out.sort_by_key(|x| x.start);
        out
    }

    fn meeting_at(
        &self,
        start: NaiveDateTime,
        pattern_date: NaiveDate,
        held: bool,
        mut notes: Vec<String>,
    ) -> Meeting {
        let date = start.date();
        if !self.calendar.holidays().covers(date) {
            notes.push(format!(
                "The bank-holiday file does not cover {}: dates are worked out as if it had no bank holidays; load a current file (CAL-01)",
                date.year()
            ));
        }
        let cutoff = self.cutoff_for(date);
        let papers_due = self.papers_due(date);
        if let Some(p) = papers_due
            && p < cutoff.date()
        {
            // HARP ambiguity 3a: flag, and let the administrator move one or the other.
            notes.push(format!(
                    "Papers are due on {}, before the cut-off of {}: move the cut-off back or accept later circulation (PAP-01)",
                    long_date(p),
                    long_date(cutoff.date())
                ));
        }
        Meeting {
            date,
            pattern_date,
            start,
            end: start + Duration::minutes(i64::from(self.panel.meetings.duration_minutes)),
            held,
            cutoff,
            papers_due,
            recording_due: self
                .panel
                .recording
                .on_child_record_working_days
                .map(|n| self.calendar.working_days_after(date, n)),
            chair: self.chair_for(date),
            venue: self.panel.venue.clone(),
            notes,
        }
    }

    /// The submission cut-off for a meeting held on `date` (SCHED-01, CAL-02, CAL-04).
    pub fn cutoff_for(&self, date: NaiveDate) -> NaiveDateTime {
        let c = &self.panel.cutoff;
        let day = match (c.working_days_before, c.weekday) {
            (Some(n), _) => self.calendar.working_days_before(date, n),
            (None, Some(w)) => {
                let min = i64::from(c.min_days_before.unwrap_or(1));
                let mut d = date - Duration::days(min);
                while d.weekday() != w {
                    d -= Duration::days(1);
                }
                match c.if_bank_holiday {
                    Some(CutoffOnHoliday::PreviousWorkingDay)
                        if self.calendar.holidays().is_holiday(d) =>
                    {
                        self.calendar
                            .on_or_before_working(d.pred_opt().unwrap_or(d))
                    }
                    _ => d,
                }
            }
            (None, None) => date,
        };
        day.and_time(c.time)
    }

    /// Papers circulation date (PAP-01); none where the terms of reference set none.
    pub fn papers_due(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.panel.papers.as_ref().map(|p| {
            self.calendar
                .working_days_before(date, p.working_days_before)
        })
    }

    /// The chair (or co-chairs) for the week of `date`: the rota advances by calendar week
    /// from its anchor, so a cancelled meeting does not shift it (MEM-02).
    pub fn chair_for(&self, date: NaiveDate) -> Vec<String> {
        let chair = &self.panel.chair;
        if let (false, Some(anchor)) = (chair.rota.is_empty(), chair.rota_anchor) {
            let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
            let weeks = (monday - anchor).num_days().div_euclid(7);
            let idx = weeks.rem_euclid(chair.rota.len() as i64) as usize;
            if let Some(entry) = chair.rota.get(idx) {
                return entry.clone();
            }
        }
        chair.eligible.first().cloned().into_iter().collect()
    }

    pub fn chair_label(&self, date: NaiveDate) -> String {
        self.chair_for(date)
            .iter()
            .map(|r| self.policy.role_label(r).to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// Held meetings starting after `after`, in order, up to the horizon.
    pub fn held_after(&self, after: NaiveDateTime) -> impl Iterator<Item = Meeting> + use<'_> {
        let from = after.date();
        let to = from
            .checked_add_signed(Duration::days(HORIZON_DAYS))
            .unwrap_or(from);
        self.meetings(from, to)
            .into_iter()
            .filter(move |m| m.held && m.start > after)
    }

    /// The first held meeting starting after `after`.
    pub fn next_meeting(&self, after: NaiveDateTime) -> Result<Meeting, ScheduleError> {
        self.held_after(after)
            .next()
            .ok_or_else(|| ScheduleError::NoMeeting {
                panel: self.panel.id.clone(),
                after,
            })
    }

    /// The latest held meeting on or before `due` and after `after` (REV-07), or, when the
    /// policy says so or none fits, the first on or after `due`.
    pub fn review_meeting(
        &self,
        after: NaiveDateTime,
        due: NaiveDate,
        first_on_or_after: bool,
    ) -> Option<(Meeting, bool)> {
        let end = due
            .checked_add_signed(Duration::days(HORIZON_DAYS))
            .unwrap_or(due);
        let candidates: Vec<Meeting> = self
            .meetings(after.date(), end)
            .into_iter()
            .filter(|m| m.held && m.start > after)
            .collect();
        if !first_on_or_after && let Some(m) = candidates.iter().rev().find(|m| m.date <= due) {
            return Some((m.clone(), false));
        }
        candidates
            .into_iter()
            .find(|m| m.date >= due)
            .map(|m| (m, !first_on_or_after))
    }

    /// Checks that someone holding `roles` may cancel a meeting (CAL-07): the authoriser is
    /// recorded with the cancellation.
    pub fn check_cancellation(&self, roles: &[String]) -> Result<String, ScheduleError> {
        let needed = &self.panel.meetings.cancellation_authorisers;
        roles
            .iter()
            .find(|r| {
                needed
                    .iter()
                    .any(|n| *r == n || self.policy.role_covers(r, n))
            })
            .cloned()
            .ok_or_else(|| ScheduleError::CancellationNotAuthorised {
                panel: self.panel.name.clone(),
                who: roles
                    .iter()
                    .map(|r| self.policy.role_label(r))
                    .collect::<Vec<_>>()
                    .join(" / "),
                needed: needed
                    .iter()
                    .map(|r| self.policy.role_label(r))
                    .collect::<Vec<_>>()
                    .join(" or "),
            })
    }

    /// Where a submission made at `submitted` (London time) is listed, assuming free capacity
    /// (SCHED-02 to SCHED-06, SIGN-08).
    pub fn listing(
        &self,
        submitted: NaiveDateTime,
        kind: SubmissionKind,
    ) -> Result<Listing, ScheduleError> {
        let cut = &self.panel.cutoff;
        let mut upcoming = self.held_after(submitted);
        let first = upcoming.next().ok_or_else(|| ScheduleError::NoMeeting {
            panel: self.panel.id.clone(),
            after: submitted,
        })?;
        let rule = self.cutoff_rule_text();
        if on_time(submitted, first.cutoff) {
            let mut reason = format!(
                "{rule}. Submitted {}, before the cut-off of {}, so it is listed for {} (SCHED-02).",
                long_datetime(submitted),
                long_datetime(first.cutoff),
                long_datetime(first.start)
            );
            let mut requirement = cut.requirement.clone();
            // PAP-02: where papers go out before the cut-off, a referral arriving after
            // circulation is heard only in exceptional circumstances, on the chair's word.
            let after_papers = self
                .panel
                .papers
                .as_ref()
                .filter(|p| p.after_circulation_needs_chair)
                .and_then(|p| {
                    first
                        .papers_due
                        .filter(|due| submitted.date() > *due)
                        .map(|due| (p, due))
                });
            if let Some((papers, due)) = after_papers {
                reason.push_str(&format!(
                    " Papers were circulated on {}, before it arrived: \"{}\" The chair decides whether it is heard ({}).",
                    long_date(due),
                    papers.wording,
                    papers.requirement
                ));
                requirement = format!("{requirement}, {}", papers.requirement);
            }
            return Ok(Listing {
                chair_to_decide: after_papers.is_some(),
                meeting: first,
                late: false,
                accepted_late_as: None,
                reason,
                requirement,
            });
        }
        if let Some(acc) = cut.accept_late.iter().find(|a| kind.has(a.kind)) {
            let reason = format!(
                "{rule}. Submitted {}, after the cut-off of {}, but {} {} (\"{}\"), so it is listed for {} as {}.",
                long_datetime(submitted),
                long_datetime(first.cutoff),
                late_kind_text(acc.kind),
                "may join the next meeting after its cut-off",
                acc.wording,
                long_datetime(first.start),
                match acc.listed_as {
                    LateListing::Emergency => "an emergency",
                    LateListing::Ratification => "a ratification",
                }
            );
            return Ok(Listing {
                meeting: first,
                late: true,
                accepted_late_as: Some(acc.listed_as),
                chair_to_decide: false,
                reason,
                requirement: acc.requirement.clone(),
            });
        }
        let next = upcoming
            .find(|m| on_time(submitted, m.cutoff))
            .ok_or_else(|| ScheduleError::NoMeeting {
                panel: self.panel.id.clone(),
                after: submitted,
            })?;
        let tail = match cut.late {
            LateRule::RollToNext => format!(
                "so it is listed for {} (\"{}\")",
                long_datetime(next.start),
                cut.wording
            ),
            LateRule::ChairDecides => format!(
                "so it is offered for {}, the next meeting whose cut-off it meets; the chair decides whether to accept, reject or defer it (SIGN-08)",
                long_datetime(next.start)
            ),
        };
        let reason = format!(
            "{rule}. Submitted {}, after the cut-off of {} for {}, {tail}.",
            long_datetime(submitted),
            long_datetime(first.cutoff),
            long_datetime(first.start),
        );
        Ok(Listing {
            meeting: next,
            late: true,
            accepted_late_as: None,
            chair_to_decide: cut.late == LateRule::ChairDecides,
            reason,
            requirement: cut.requirement.clone(),
        })
    }

    /// The cut-off rule in words: "Referrals are due 3 working days before the meeting, by 23:59".
    pub fn cutoff_rule_text(&self) -> String {
        let c = &self.panel.cutoff;
        let time = time_text(c.time);
        match (c.working_days_before, c.weekday) {
            (Some(n), _) => format!(
                "Referrals are due {n} working day{} before the meeting, by {time}",
                if n == 1 { "" } else { "s" }
            ),
            (None, Some(w)) => {
                let mut s = format!(
                    "Referrals are due by {time} on the {} before the meeting",
                    weekday_name(w)
                );
                if c.if_bank_holiday == Some(CutoffOnHoliday::PreviousWorkingDay) {
                    s.push_str(" (the previous working day if that is a bank holiday)");
                }
                s
            }
            (None, None) => format!("Referrals are due by {time} on the day of the meeting"),
        }
    }
}

/// Whether a submission meets a cut-off. "23:59" is the end of the day (23:59:59, CAL-02);
/// any other time closes on the minute: "by 12 noon" refuses 12:00:30.
pub fn on_time(submitted: NaiveDateTime, cutoff: NaiveDateTime) -> bool {
    let closes = if cutoff.time().hour() == 23 && cutoff.time().minute() == 59 {
        cutoff
            .date()
            .and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(cutoff.time()))
    } else {
        cutoff
    };
    submitted <= closes
}

fn late_kind_text(k: LateKind) -> &'static str {
    match k {
        LateKind::Emergency => "an emergency request",
        LateKind::Ratification => "a ratification of a decision taken between meetings",
        LateKind::NewlyLookedAfter => "a child who became looked after since the last panel",
    }
}

/// The nth (1-based; -1 = last) `weekday` of a month.
pub fn nth_weekday(year: i32, month: u32, weekday: Weekday, nth: i32) -> Option<NaiveDate> {
    if nth == -1 {
        let last = crate::calendar::last_day_of_month(year, month);
        let mut d = NaiveDate::from_ymd_opt(year, month, last)?;
        while d.weekday() != weekday {
            d = d.pred_opt()?;
        }
        return Some(d);
    }
    if nth < 1 {
        return None;
    }
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, nth as u8)
}

pub fn time_text(t: NaiveTime) -> String {
    if t.format("%H:%M").to_string() == "23:59" {
        "the end of the day".to_string()
    } else {
        t.format("%H:%M").to_string()
    }
}

/// "Friday 5 February 2027".
pub fn long_date(d: NaiveDate) -> String {
    format!(
        "{} {} {}",
        weekday_name(d.weekday()),
        d.day(),
        d.format("%B %Y")
    )
}

/// "Friday 5 February 2027 at 23:59".
pub fn long_datetime(t: NaiveDateTime) -> String {
    format!("{} at {}", long_date(t.date()), t.format("%H:%M"))
}

/// The machine form used by the command line and API: `YYYY-MM-DDTHH:MM`.
pub fn iso_minute(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}
