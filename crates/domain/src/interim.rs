//! Decisions between meetings (chair's action, emergency approvals): the authority check,
//! validity until the next meeting, listing for ratification, and expiry
//! (EMG-01 to EMG-08, AUTH-12, DEC-09).

use crate::authority::{self, AuthorityAnswer, AuthorityQuestion};
use crate::money::Money;
use crate::policy::{OutcomeEffect, Policy};
use crate::schedule::{Meeting, Scheduler, long_datetime};
use chrono::NaiveDateTime;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterimRequest<'a> {
    pub situation: Option<&'a str>,
    pub amount: Option<Money>,
    pub child_age: Option<u32>,
    pub approver_roles: &'a [String],
    pub agreed_roles: &'a [String],
    /// Why the primary approver is absent, when approving in their absence (AUTH-12).
    pub absence_reason: Option<&'a str>,
    /// Why it could not wait for the next meeting (EMG-01).
    pub why_urgent: &'a str,
    pub decided_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterimDecision {
    pub authority: AuthorityAnswer,
    /// Valid until the next meeting starts (EMG-01).
    pub valid_until: NaiveDateTime,
    #[serde(skip)]
    pub ratification_meeting: Meeting,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterimError {
    #[error("{panel} takes no decisions between meetings: {wording} ({requirement})")]
    NoInterimRoute {
        panel: String,
        wording: String,
        requirement: String,
    },
    #[error("{0}")]
    Authority(#[from] authority::AuthorityError),
    #[error("{reason}")]
    Refused { reason: String, rule: String },
    #[error("say why this could not wait for the next meeting (EMG-01)")]
    NoUrgency,
    #[error(
        "record why the {primary} is absent: approving in their absence must be recorded (AUTH-12)"
    )]
    AbsenceNotRecorded { primary: String },
    #[error("{0}")]
    Schedule(#[from] crate::schedule::ScheduleError),
}

/// Takes an interim decision if the approver has the authority.
pub fn take(
    sched: &Scheduler<'_>,
    req: &InterimRequest<'_>,
) -> Result<InterimDecision, InterimError> {
    let panel = sched.panel;
    let policy: &Policy = sched.policy;
    let e = &panel.emergency;
    if !e.interim_allowed {
        return Err(InterimError::NoInterimRoute {
            panel: panel.name.clone(),
            wording: e.wording.clone(),
            requirement: e.requirement.clone(),
        });
    }
    if req.why_urgent.trim().is_empty() {
        return Err(InterimError::NoUrgency);
    }
    let situation = req.situation.or(e.default_situation.as_deref());
    if let Some(s) = situation
        && !e.situations.iter().any(|x| x == s)
    {
        return Err(InterimError::Refused {
            reason: format!(
                "'{s}' is not a situation in which {} allows a decision between meetings; those are: {} ({})",
                panel.name,
                e.situations.join(", "),
                e.requirement
            ),
            rule: e.requirement.clone(),
        });
    }
    let answer = authority::check(
        policy,
        panel,
        &AuthorityQuestion {
            situation,
            amount: req.amount,
            child_age: req.child_age,
            approver_roles: req.approver_roles,
            agreed_roles: req.agreed_roles,
        },
    )?;
    if !answer.allowed {
        return Err(InterimError::Refused {
            reason: answer.reason.clone(),
            rule: answer.rule.clone(),
        });
    }
    if let Some(primary) = &answer.in_absence_of
        && req.absence_reason.is_none_or(|r| r.trim().is_empty())
    {
        return Err(InterimError::AbsenceNotRecorded {
            primary: primary
                .split(" or ")
                .map(|r| policy.role_label(r))
                .collect::<Vec<_>>()
                .join(" or "),
        });
    }
    let meeting = sched.next_meeting(req.decided_at)?;
    Ok(InterimDecision {
        authority: answer,
        valid_until: meeting.start,
        ratification_meeting: meeting,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterimStatus {
    AwaitingRatification,
    Ratified,
    Modified,
    Reversed,
    /// Not ratified by the end of its validity: shown and escalated to the chair (EMG-07).
    ExpiredNotRatified,
}

/// The status of an interim decision at `now`, given any ratification outcome recorded.
pub fn status(
    valid_until: NaiveDateTime,
    ratified_with: Option<OutcomeEffect>,
    now: NaiveDateTime,
) -> InterimStatus {
    match ratified_with {
        Some(OutcomeEffect::Ratify) => InterimStatus::Ratified,
        Some(OutcomeEffect::Modify) => InterimStatus::Modified,
        Some(OutcomeEffect::Reverse) => InterimStatus::Reversed,
        _ if now > valid_until => InterimStatus::ExpiredNotRatified,
        _ => InterimStatus::AwaitingRatification,
    }
}

pub fn status_text(s: InterimStatus, valid_until: NaiveDateTime) -> String {
    match s {
        InterimStatus::AwaitingRatification => format!(
            "Valid until {}, awaiting ratification there",
            long_datetime(valid_until)
        ),
        InterimStatus::Ratified => "Ratified by the panel".into(),
        InterimStatus::Modified => "Modified by the panel".into(),
        InterimStatus::Reversed => "Reversed by the panel".into(),
        InterimStatus::ExpiredNotRatified => format!(
            "Expired – not ratified: it lapsed at {}; escalated to the chair (EMG-07)",
            long_datetime(valid_until)
        ),
    }
}
