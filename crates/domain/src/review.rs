//! When an approval comes back: review dates from category rules, intervals or an approval's
//! end, booked at the latest meeting on or before the due date (REV-01 to REV-07, DEC-10).

use crate::policy::{Interval, ReviewBooking, ReviewKind};
use crate::schedule::{Meeting, Scheduler, long_date};
use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

/// What the review is asked from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewBasis {
    /// The category's review rule.
    Category(String),
    /// A return after an interval chosen by the chair: "3 months", "6 weeks".
    After(Interval),
    /// Before an approval that ends on this date (REV-01).
    Until(NaiveDate),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewAnswer {
    pub review_due: Option<NaiveDate>,
    #[serde(skip)]
    pub meeting: Option<Meeting>,
    /// Repeats at this interval, anchored to the decision date (CAL-08).
    pub repeats: Option<String>,
    /// The panel does not book the review; the worker is reminded (REV-06).
    pub worker_reminder: bool,
    /// The decision must carry a return date set by the chair (DEC-10).
    pub chair_must_set: bool,
    pub rule: String,
    pub reason: String,
    pub requirement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("{panel} has no category '{category}'; categories: {known}")]
    UnknownCategory {
        panel: String,
        category: String,
        known: String,
    },
    #[error("the approval ends on {end}, before the decision on {decided} (REV-01)")]
    EndsBeforeDecision { end: NaiveDate, decided: NaiveDate },
}

/// Computes the review for a decision taken on `decided`.
pub fn review(
    sched: &Scheduler<'_>,
    decided: NaiveDate,
    basis: &ReviewBasis,
) -> Result<ReviewAnswer, ReviewError> {
    let panel = sched.panel;
    let first_after = panel.reviews.booking == ReviewBooking::FirstOnOrAfter;
    let after = decided.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
    // The meeting booked for a due date, and that booking in words (REV-07).
    let book = |due: NaiveDate| -> (Option<Meeting>, String) {
        match sched.review_meeting(after, due, first_after) {
            Some((m, false)) => {
                let how = if first_after {
                    "booked at the first meeting on or after the due date"
                } else {
                    "booked at the latest meeting on or before the due date"
                };
                let text = format!("{how}: {} (REV-07)", long_date(m.date));
                (Some(m), text)
            }
            Some((m, true)) => {
                let text = format!(
                    "no meeting falls between the decision and the due date, so it is booked at the first meeting after it: {} (REV-07)",
                    long_date(m.date)
                );
                (Some(m), text)
            }
            None => (
                None,
                "no meeting is scheduled to book it at (REV-07)".to_string(),
            ),
        }
    };
    match basis {
        ReviewBasis::After(interval) => {
            let due = interval.after(decided, 1);
            let (meeting, booked) = book(due);
            Ok(ReviewAnswer {
                reason: format!(
                    "Return after {interval} from {}: due {}, {booked}",
                    long_date(decided),
                    long_date(due),
                ),
                review_due: Some(due),
                meeting,
                repeats: None,
                worker_reminder: false,
                chair_must_set: false,
                rule: format!("after {interval}"),
                requirement: "REV-07".into(),
            })
        }
        ReviewBasis::Until(end) => {
            if *end < decided {
                return Err(ReviewError::EndsBeforeDecision { end: *end, decided });
            }
            let (meeting, booked) = book(*end);
            let late = meeting.as_ref().is_some_and(|m| m.date > *end);
            Ok(ReviewAnswer {
                reason: if late {
                    format!(
                        "The approval ends on {}, before any meeting can hear a new application: {booked}; extend the approval or agree it outside panel until then",
                        long_date(*end)
                    )
                } else {
                    format!(
                        "The approval ends on {}; a new application is needed before then, {booked}",
                        long_date(*end)
                    )
                },
                review_due: Some(*end),
                meeting,
                repeats: None,
                worker_reminder: false,
                chair_must_set: false,
                rule: "before-expiry".into(),
                requirement: "REV-01, REV-07".into(),
            })
        }
        ReviewBasis::Category(id) => {
            let Some(cat) = panel.category(id) else {
                return Err(ReviewError::UnknownCategory {
                    panel: panel.id.clone(),
                    category: id.clone(),
                    known: panel
                        .categories
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            let Some(rule) = &cat.review else {
                return Err(ReviewError::UnknownCategory {
                    panel: panel.id.clone(),
                    category: id.clone(),
                    known: "a category with a review rule".into(),
                });
            };
            let interval = rule
                .interval
                .as_deref()
                .and_then(|t| Interval::parse(t).ok());
            let kind_id = match rule.kind {
                ReviewKind::Every => "every",
                ReviewKind::Within => "within",
                ReviewKind::ChairDirected => "chair-directed",
                ReviewKind::ChairMay => "chair-may",
                ReviewKind::BeforeExpiry => "before-expiry",
                ReviewKind::WorkerReminder => "worker-reminder",
                ReviewKind::None => "none",
            };
            let rule_id = format!("{}: {kind_id}", cat.id);
            match (rule.kind, interval) {
                (ReviewKind::Every | ReviewKind::Within | ReviewKind::WorkerReminder, Some(iv)) => {
                    let due = iv.after(decided, 1);
                    let reminder = rule.kind == ReviewKind::WorkerReminder;
                    let (meeting, booked) = book(due);
                    let what = match rule.kind {
                        ReviewKind::Every => format!("reviewed every {iv}"),
                        ReviewKind::Within => format!("returns within {iv}"),
                        _ => format!(
                            "is not reviewed by the panel; the worker is reminded to bring a new referral within {iv}"
                        ),
                    };
                    Ok(ReviewAnswer {
                        reason: format!(
                            "{} {what} (\"{}\"): due {}, {booked}",
                            cat.label,
                            rule.wording,
                            long_date(due),
                        ),
                        review_due: Some(due),
                        meeting,
                        repeats: (rule.kind == ReviewKind::Every).then(|| iv.to_string()),
                        worker_reminder: reminder,
                        chair_must_set: false,
                        rule: rule_id,
                        requirement: rule.requirement.clone(),
                    })
                }
                (kind, _) => Ok(ReviewAnswer {
                    review_due: None,
                    meeting: None,
                    repeats: None,
                    worker_reminder: false,
                    chair_must_set: kind == ReviewKind::ChairDirected,
                    rule: rule_id,
                    reason: match kind {
                        ReviewKind::ChairDirected => format!(
                            "{}: the chair sets the return date, and the decision must carry one (\"{}\")",
                            cat.label, rule.wording
                        ),
                        ReviewKind::ChairMay => format!(
                            "{}: the chair may set a return date or frequency (\"{}\")",
                            cat.label, rule.wording
                        ),
                        ReviewKind::BeforeExpiry => format!(
                            "{}: a new application is due before the approval ends; give the end date (\"{}\")",
                            cat.label, rule.wording
                        ),
                        _ => format!("{}: no review (\"{}\")", cat.label, rule.wording),
                    },
                    requirement: rule.requirement.clone(),
                }),
            }
        }
    }
}
