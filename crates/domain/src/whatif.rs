//! The policy officer's what-if questions, answered as plain data. This is the contract the
//! command line prints as JSON and the acceptance tests read.

use crate::authority::{self, AuthorityQuestion};
use crate::money::Money;
use crate::policy::LateListing;
use crate::review::{self, ReviewBasis};
use crate::schedule::{Scheduler, SubmissionKind, iso_minute};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleAnswer {
    pub panel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    pub meeting: String,
    pub cutoff: String,
    pub papers_due: Option<String>,
    pub late: bool,
    pub accepted_late_as: Option<&'static str>,
    pub chair_to_decide: bool,
    pub reason: String,
    pub requirement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhatIfError {
    #[error("{panel} has no part '{part}'; parts: {known}")]
    UnknownPart {
        panel: String,
        part: String,
        known: String,
    },
    #[error("{0}")]
    Schedule(#[from] crate::schedule::ScheduleError),
    #[error("{0}")]
    Authority(#[from] authority::AuthorityError),
    #[error("{0}")]
    Review(#[from] review::ReviewError),
}

pub fn schedule(
    sched: &Scheduler<'_>,
    part: Option<&str>,
    submitted: NaiveDateTime,
    kind: SubmissionKind,
) -> Result<ScheduleAnswer, WhatIfError> {
    let panel = sched.panel;
    if let Some(p) = part
        && panel.part(p).is_none()
    {
        return Err(WhatIfError::UnknownPart {
            panel: panel.id.clone(),
            part: p.to_string(),
            known: if panel.parts.is_empty() {
                "none (this panel has no parts)".into()
            } else {
                panel
                    .parts
                    .iter()
                    .map(|x| x.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        });
    }
    let listing = sched.listing(submitted, kind)?;
    Ok(ScheduleAnswer {
        panel: panel.id.clone(),
        part: part.map(str::to_string),
        meeting: iso_minute(listing.meeting.start),
        cutoff: iso_minute(listing.meeting.cutoff),
        papers_due: listing.meeting.papers_due.map(|d| d.to_string()),
        late: listing.late,
        accepted_late_as: listing.accepted_late_as.map(|l| match l {
            LateListing::Emergency => "emergency",
            LateListing::Ratification => "ratification",
        }),
        chair_to_decide: listing.chair_to_decide,
        reason: listing.reason,
        requirement: listing.requirement,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorityWhatIf {
    pub allowed: bool,
    pub required_role: String,
    pub rule: String,
    pub reason: String,
    pub interim: bool,
    pub in_absence_of: Option<String>,
    pub requirement: String,
}

pub fn authority(
    sched: &Scheduler<'_>,
    amount: Option<Money>,
    approver: &str,
    situation: Option<&str>,
    child_age: Option<u32>,
    agreed: &[String],
) -> Result<AuthorityWhatIf, WhatIfError> {
    let roles = [approver.to_string()];
    let a = authority::check(
        sched.policy,
        sched.panel,
        &AuthorityQuestion {
            situation,
            amount,
            child_age,
            approver_roles: &roles,
            agreed_roles: agreed,
        },
    )?;
    Ok(AuthorityWhatIf {
        allowed: a.allowed,
        required_role: a.required_role,
        rule: a.rule,
        reason: a.reason,
        interim: a.interim,
        in_absence_of: a.in_absence_of,
        requirement: a.requirement,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewWhatIf {
    pub review_due: Option<String>,
    pub meeting: Option<String>,
    pub rule: String,
    pub repeats: Option<String>,
    pub worker_reminder: bool,
    pub chair_must_set: bool,
    pub reason: String,
    pub requirement: String,
}

pub fn review(
    sched: &Scheduler<'_>,
    decided: NaiveDate,
    basis: &ReviewBasis,
) -> Result<ReviewWhatIf, WhatIfError> {
    let r = review::review(sched, decided, basis)?;
    Ok(ReviewWhatIf {
        review_due: r.review_due.map(|d| d.to_string()),
        meeting: r.meeting.as_ref().map(|m| iso_minute(m.start)),
        rule: r.rule,
        repeats: r.repeats,
        worker_reminder: r.worker_reminder,
        chair_must_set: r.chair_must_set,
        reason: r.reason,
        requirement: r.requirement,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingRow {
    pub date: String,
    pub start: String,
    pub cutoff: String,
    pub papers_due: Option<String>,
    pub recording_due: Option<String>,
    pub chair: String,
    pub chair_roles: Vec<String>,
    pub held: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingsAnswer {
    pub panel: String,
    pub meetings: Vec<MeetingRow>,
}

pub fn meetings(sched: &Scheduler<'_>, from: NaiveDate, to: NaiveDate) -> MeetingsAnswer {
    MeetingsAnswer {
        panel: sched.panel.id.clone(),
        meetings: sched
            .meetings(from, to)
            .into_iter()
            .map(|m| MeetingRow {
                date: m.date.to_string(),
                start: m.start.format("%H:%M").to_string(),
                cutoff: iso_minute(m.cutoff),
                papers_due: m.papers_due.map(|d| d.to_string()),
                recording_due: m.recording_due.map(|d| d.to_string()),
                chair: sched.chair_label(m.date),
                chair_roles: m.chair.clone(),
                held: m.held,
                note: (!m.notes.is_empty()).then(|| m.notes.join(" ")),
            })
            .collect(),
    }
}
