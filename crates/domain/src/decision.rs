//! Recording a decision: the panel's own outcomes, approved resources with weekly cost and
//! dates, totals exact to the penny, conditions, actions, rationale and return date
//! (DEC-01 to DEC-10, ACT-01, REF-06, FIN-01).

use crate::money::Money;
use crate::policy::{OutcomeEffect, Panel, ReviewKind};
use chrono::NaiveDate;
use serde::Serialize;

/// A resource the panel approves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub description: String,
    pub weekly_cost: Option<Money>,
    pub one_off_cost: Option<Money>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub cost_centre: Option<String>,
}

/// An action with an owner and a due date (ACT-01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub description: String,
    pub owner: String,
    pub due: Option<NaiveDate>,
}

/// What the chair enters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DecisionInput {
    pub outcome: String,
    /// "The panel agreed that" lines.
    pub lines: Vec<String>,
    pub resources: Vec<Resource>,
    pub conditions: Vec<String>,
    pub actions: Vec<Action>,
    pub rationale: String,
    pub return_date: Option<NaiveDate>,
    pub defer_to: Option<NaiveDate>,
    pub link: Option<String>,
    /// Considerations the chair confirms were considered (DEC-08, EQ-03).
    pub considered: Vec<String>,
    /// The decision ratifies an interim decision.
    pub is_ratification: bool,
}

/// A refusal naming the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub requirement: String,
}

fn ferr(field: impl Into<String>, message: impl Into<String>, req: &str) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
        requirement: req.into(),
    }
}

/// The checked decision, with its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedDecision {
    pub outcome: String,
    pub effect: OutcomeEffect,
    pub total: Money,
    pub weekly_total: Money,
    pub resource_totals: Vec<Money>,
}

/// Cost of a weekly amount over `start..=end`, by the day, rounded to the nearest penny.
pub fn weekly_cost_over(weekly: Money, start: NaiveDate, end: NaiveDate) -> Option<Money> {
    let days = (end - start).num_days() + 1;
    if days <= 0 {
        return None;
    }
    let numerator = weekly.pence().checked_mul(days)?.checked_mul(2)?;
    Some(Money::from_pence((numerator + 7).div_euclid(14)))
}

/// A projected cost: weekly × weeks, capped (REF-06: "to a maximum of one year").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Projection {
    pub weekly: Money,
    pub weeks: u32,
    pub weeks_counted: u32,
    pub total: Money,
    pub capped: bool,
    pub note: Option<String>,
}

pub fn project(weekly: Money, weeks: u32, cap_weeks: Option<u32>) -> Option<Projection> {
    let counted = cap_weeks.map_or(weeks, |c| weeks.min(c));
    let capped = counted < weeks;
    Some(Projection {
        weekly,
        weeks,
        weeks_counted: counted,
        total: weekly.checked_mul(i64::from(counted))?,
        capped,
        note: capped.then(|| {
            format!(
                "Projected costs are counted to a maximum of {counted} weeks; {weeks} weeks were asked for (REF-06)"
            )
        }),
    })
}

/// Checks a decision against the panel's rules, collecting every problem.
pub fn check(
    panel: &Panel,
    category: Option<&str>,
    decided_on: NaiveDate,
    input: &DecisionInput,
) -> Result<CheckedDecision, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(outcome) = panel.outcome(&input.outcome) else {
        errors.push(ferr(
            "outcome",
            format!(
                "choose one of {}'s outcomes: {}",
                panel.name,
                panel
                    .outcomes
                    .iter()
                    .map(|o| o.label.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            "DEC-01",
        ));
        return Err(errors);
    };
    if outcome.ratification_only && !input.is_ratification {
        errors.push(ferr(
            "outcome",
            format!(
                "'{}' is only for ratifying a decision taken between meetings",
                outcome.label
            ),
            "DEC-09",
        ));
    }
    if input.is_ratification
        && !panel.emergency.ratification_outcomes.is_empty()
        && !panel.emergency.ratification_outcomes.contains(&outcome.id)
    {
        errors.push(ferr(
            "outcome",
            format!(
                "a ratification is decided as one of: {}",
                panel
                    .emergency
                    .ratification_outcomes
                    .iter()
                    .map(|o| panel.outcome(o).map_or(o.as_str(), |x| x.label.as_str()))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            "DEC-09",
        ));
    }
    if panel.decision.rationale_required && input.rationale.trim().is_empty() {
        errors.push(ferr(
            "rationale",
            "Enter the rationale for the decision: what the panel decided and why",
            "DEC-02",
        ));
    }
    if let Some(max) = panel.decision.max_lines
        && input.lines.len() > max as usize
    {
        errors.push(ferr(
            "lines",
            format!("The decision sheet has room for {max} 'the panel agreed that' lines"),
            "DEC-03",
        ));
    }
    let approves = matches!(
        outcome.effect,
        OutcomeEffect::Approve
            | OutcomeEffect::ApproveAlternative
            | OutcomeEffect::Ratify
            | OutcomeEffect::Modify
    );
    if outcome.requires_resources && input.resources.is_empty() {
        let msg = if outcome.effect == OutcomeEffect::ApproveAlternative {
            "Enter the alternative resource and the expenditure approved for it"
        } else {
            "Enter the resources approved, with their cost and dates"
        };
        let req = if outcome.effect == OutcomeEffect::ApproveAlternative {
            "DEC-04"
        } else {
            "DEC-03"
        };
        errors.push(ferr("resources", msg, req));
    }
    if !approves && !input.resources.is_empty() {
        errors.push(ferr(
            "resources",
            format!(
                "'{}' approves no resources; remove them or choose an approving outcome",
                outcome.label
            ),
            "DEC-03",
        ));
    }
    let mut total = Money::ZERO;
    let mut weekly_total = Money::ZERO;
    let mut resource_totals = Vec::new();
    for (n, r) in input.resources.iter().enumerate() {
        let f = |k: &str| format!("resources[{n}].{k}");
        if r.description.trim().is_empty() {
            errors.push(ferr(
                f("description"),
                "Enter what the resource is",
                "DEC-03",
            ));
        }
        if r.weekly_cost.is_none() && r.one_off_cost.is_none() {
            errors.push(ferr(
                f("weekly_cost"),
                "Enter a weekly cost, a one-off cost, or both (0.00 for a resource at no cost)",
                "FIN-01",
            ));
        }
        for (k, m) in [
            ("weekly_cost", r.weekly_cost),
            ("one_off_cost", r.one_off_cost),
        ] {
            if m.is_some_and(|m| m < Money::ZERO) {
                errors.push(ferr(f(k), "A cost cannot be negative", "FIN-01"));
            }
        }
        let mut this = r.one_off_cost.unwrap_or(Money::ZERO);
        if let Some(w) = r.weekly_cost {
            match (r.start, r.end) {
                (Some(s), Some(e)) if e >= s => match weekly_cost_over(w, s, e) {
                    Some(m) => {
                        this = this.checked_add(m).unwrap_or(this);
                        weekly_total = weekly_total.checked_add(w).unwrap_or(weekly_total);
                    }
                    None => errors.push(ferr(f("weekly_cost"), "The cost is too large", "FIN-01")),
                },
                (Some(_), Some(_)) => errors.push(ferr(
                    f("end"),
                    "The end date must be on or after the start date",
                    "REV-01",
                )),
                (None, _) => errors.push(ferr(
                    f("start"),
                    "Enter the date the weekly cost starts",
                    "DEC-03",
                )),
                (_, None) => errors.push(ferr(
                    f("end"),
                    "Enter the date the approval ends: approvals are for a specific period",
                    "REV-01",
                )),
            }
        }
        total = total.checked_add(this).unwrap_or(total);
        resource_totals.push(this);
    }
    for (n, a) in input.actions.iter().enumerate() {
        if a.description.trim().is_empty() {
            errors.push(ferr(
                format!("actions[{n}].description"),
                "Enter the action",
                "ACT-01",
            ));
        }
        if a.owner.trim().is_empty() {
            errors.push(ferr(
                format!("actions[{n}].owner"),
                "Enter who owns the action",
                "ACT-01",
            ));
        }
        match a.due {
            None => errors.push(ferr(
                format!("actions[{n}].due"),
                "Enter the date the action is due: the chair gives a timescale for every action",
                "ACT-01",
            )),
            Some(d) if d < decided_on => errors.push(ferr(
                format!("actions[{n}].due"),
                "The due date must be on or after the decision date",
                "ACT-01",
            )),
            _ => {}
        }
    }
    let category_needs_return = category
        .and_then(|c| panel.category(c))
        .and_then(|c| c.review.as_ref())
        .is_some_and(|r| r.kind == ReviewKind::ChairDirected && approves);
    if (outcome.requires_return || category_needs_return) && input.return_date.is_none() {
        let req = if category_needs_return {
            "DEC-10"
        } else {
            "REV-05"
        };
        errors.push(ferr(
            "return_date",
            "Enter the date the case returns to panel",
            req,
        ));
    }
    if let Some(d) = input.return_date
        && d <= decided_on
    {
        errors.push(ferr(
            "return_date",
            "The return date must be after the decision",
            "REV-01",
        ));
    }
    if outcome.requires_meeting {
        match input.defer_to {
            None => errors.push(ferr(
                "defer_to",
                "Choose the meeting the item is deferred to",
                "SCHED-08",
            )),
            Some(d) if d <= decided_on => errors.push(ferr(
                "defer_to",
                "The item must be deferred to a later meeting",
                "SCHED-08",
            )),
            _ => {}
        }
    }
    if outcome.requires_link {
        match &input.link {
            Some(l) if panel.links.iter().any(|x| &x.id == l) => {}
            _ => errors.push(ferr(
                "link",
                format!(
                    "Choose the panel referred to: {}",
                    panel
                        .links
                        .iter()
                        .map(|l| l.name.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                "LNK-01",
            )),
        }
    }
    for c in &panel.decision.considerations {
        if !input.considered.iter().any(|x| x == c) {
            errors.push(ferr(
                format!("considered.{c}"),
                format!("Confirm that {c} was considered"),
                &panel.decision.requirement,
            ));
        }
    }
    if errors.is_empty() {
        Ok(CheckedDecision {
            outcome: outcome.id.clone(),
            effect: outcome.effect,
            total,
            weekly_total,
            resource_totals,
        })
    } else {
        Err(errors)
    }
}
