//! `carepanel what-if ...`: the policy officer's questions, one JSON object per answer.

use crate::context::Loaded;
use crate::{BadInput, bad};
use anyhow::Result;
use carepanel_domain::Money;
use carepanel_domain::policy::Interval;
use carepanel_domain::review::ReviewBasis;
use carepanel_domain::schedule::{Scheduler, SubmissionKind};
use carepanel_domain::whatif;
use chrono::{NaiveDate, NaiveDateTime};
use clap::Subcommand;
use serde::Serialize;

#[derive(Subcommand)]
pub enum WhatIf {
    /// Which meeting a referral submitted at a given time is listed for, and why.
    Schedule {
        #[arg(long)]
        panel: String,
        #[arg(long)]
        part: Option<String>,
        /// Europe/London local time, YYYY-MM-DDTHH:MM.
        #[arg(long)]
        submitted: String,
        #[arg(long)]
        emergency: bool,
        #[arg(long)]
        ratification: bool,
        #[arg(long)]
        newly_looked_after: bool,
        #[arg(long)]
        json: bool,
    },
    /// Whether a role may approve an amount in a situation.
    Authority {
        #[arg(long)]
        panel: String,
        /// Pounds and pence, e.g. 1200.00.
        #[arg(long)]
        amount: Option<String>,
        #[arg(long)]
        approver: String,
        #[arg(long)]
        situation: Option<String>,
        #[arg(long)]
        child_age: Option<u32>,
        /// Roles that have already agreed, for rules needing several agreements (repeatable).
        #[arg(long)]
        agreed: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// When a decision comes back for review, and at which meeting.
    Review {
        #[arg(long)]
        panel: String,
        /// The decision date, YYYY-MM-DD.
        #[arg(long)]
        decided: String,
        #[arg(long, conflicts_with_all = ["after", "until"])]
        category: Option<String>,
        /// An interval: "3 months", "6 weeks".
        #[arg(long, conflicts_with = "until")]
        after: Option<String>,
        /// The date an approval ends, YYYY-MM-DD.
        #[arg(long)]
        until: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The meetings of a panel between two dates, with cut-offs, papers dates and chairs.
    Meetings {
        #[arg(long)]
        panel: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn parse_time(field: &str, text: &str) -> Result<NaiveDateTime, BadInput> {
    let t = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text.trim(), f).ok())
        .ok_or_else(|| {
            bad(format!(
                "--{field} '{text}' is not a time; write Europe/London local time as YYYY-MM-DDTHH:MM, for example 2026-12-04T16:30"
            ))
        })?;
    in_range(field, text, t.date())?;
    Ok(t)
}

pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate, BadInput> {
    let d = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        bad(format!(
            "--{field} '{text}' is not a date; write YYYY-MM-DD, for example 2026-12-04"
        ))
    })?;
    in_range(field, text, d)?;
    Ok(d)
}

fn in_range(field: &str, text: &str, d: NaiveDate) -> Result<(), BadInput> {
    if carepanel_domain::calendar::supported(d) {
        Ok(())
    } else {
        Err(bad(format!(
            "--{field} '{text}' is outside the years carepanel works with ({} to {})",
            carepanel_domain::calendar::FIRST_SUPPORTED_YEAR,
            carepanel_domain::calendar::LAST_SUPPORTED_YEAR
        )))
    }
}

/// The panel under the policy version in force on `on` (CFG-03).
fn scheduler<'a>(
    loaded: &'a Loaded,
    panel: &str,
    on: NaiveDate,
) -> Result<Scheduler<'a>, BadInput> {
    let (policy, p) = loaded.policies.find_panel_on(panel, on).ok_or_else(|| {
        bad(format!(
            "--panel '{panel}' is not a panel; panels: {}",
            loaded.policies.panel_ids().join(", ")
        ))
    })?;
    Ok(Scheduler::new(policy, p, &loaded.calendar))
}

fn print<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T) -> String) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        println!("{}", human(value));
    }
    Ok(())
}

pub fn run(loaded: &Loaded, cmd: WhatIf) -> Result<()> {
    match cmd {
        WhatIf::Schedule {
            panel,
            part,
            submitted,
            emergency,
            ratification,
            newly_looked_after,
            json,
        } => {
            let t = parse_time("submitted", &submitted)?;
            let sched = scheduler(loaded, &panel, t.date())?;
            let answer = whatif::schedule(
                &sched,
                part.as_deref(),
                t,
                SubmissionKind {
                    emergency,
                    ratification,
                    newly_looked_after,
                },
            )
            .map_err(|e| bad(e.to_string()))?;
            print(json, &answer, |a| {
                format!(
                    "Meeting: {}\nCut-off: {}\nPapers due: {}\nLate: {}{}\n{}",
                    a.meeting,
                    a.cutoff,
                    a.papers_due
                        .as_deref()
                        .unwrap_or("not set by the terms of reference"),
                    if a.late { "yes" } else { "no" },
                    a.accepted_late_as
                        .map(|x| format!(" (accepted as {x})"))
                        .unwrap_or_default(),
                    a.reason
                )
            })
        }
        WhatIf::Authority {
            panel,
            amount,
            approver,
            situation,
            child_age,
            agreed,
            json,
        } => {
            let sched = scheduler(loaded, &panel, chrono::Local::now().date_naive())?;
            let amount = amount
                .map(|a| Money::parse(&a).map_err(|e| bad(format!("--amount: {e}"))))
                .transpose()?;
            let answer = whatif::authority(
                &sched,
                amount,
                &approver,
                situation.as_deref(),
                child_age,
                &agreed,
            )
            .map_err(|e| bad(e.to_string()))?;
            print(json, &answer, |a| {
                format!(
                    "{} (rule {}; required: {})\n{}",
                    if a.allowed { "Allowed" } else { "Not allowed" },
                    a.rule,
                    a.required_role,
                    a.reason
                )
            })
        }
        WhatIf::Review {
            panel,
            decided,
            category,
            after,
            until,
            json,
        } => {
            let decided = parse_date("decided", &decided)?;
            let sched = scheduler(loaded, &panel, decided)?;
            let basis = match (category, after, until) {
                (Some(c), None, None) => ReviewBasis::Category(c),
                (None, Some(a), None) => ReviewBasis::After(
                    Interval::parse(&a).map_err(|e| bad(format!("--after: {e}")))?,
                ),
                (None, None, Some(u)) => ReviewBasis::Until(parse_date("until", &u)?),
                _ => {
                    return Err(bad(
                        "give exactly one of --category C, --after \"3 months\" or --until YYYY-MM-DD",
                    )
                    .into());
                }
            };
            let answer = whatif::review(&sched, decided, &basis).map_err(|e| bad(e.to_string()))?;
            print(json, &answer, |a| {
                format!(
                    "Review due: {}\nMeeting: {}\n{}",
                    a.review_due.as_deref().unwrap_or("set by the chair"),
                    a.meeting.as_deref().unwrap_or("none booked"),
                    a.reason
                )
            })
        }
        WhatIf::Meetings {
            panel,
            from,
            to,
            json,
        } => {
            let from = parse_date("from", &from)?;
            let sched = scheduler(loaded, &panel, from)?;
            let to = parse_date("to", &to)?;
            if to < from {
                return Err(bad("--to must be on or after --from").into());
            }
            if (to - from).num_days() > 3660 {
                return Err(bad("ask for at most ten years of meetings at a time").into());
            }
            let answer = whatif::meetings(&sched, from, to);
            print(json, &answer, |a| {
                a.meetings
                    .iter()
                    .map(|m| {
                        format!(
                            "{} {} {}  cut-off {}  papers {}  chair {}{}",
                            m.date,
                            m.start,
                            if m.held { "held   " } else { "NOT HELD" },
                            m.cutoff,
                            m.papers_due.as_deref().unwrap_or("-"),
                            m.chair,
                            m.note
                                .as_ref()
                                .map(|n| format!("\n    {n}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}
