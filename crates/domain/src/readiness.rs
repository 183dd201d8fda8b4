//! What a referral still needs before it can go to panel: form answers, documents, sign-offs
//! and the panel's readiness rules, each named with the rule that asks for it
//! (REF-05, REF-16, REF-17, SIGN-01, SCHED-07, AUTH-08, REM-01).

use crate::calendar::{add_months, age_on, birthday_at};
use crate::money::Money;
use crate::policy::{Condition, FieldKind, Form, Panel, Policy, SignOffRule};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// An answer given on a referral form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Text(String),
    Rows(Vec<BTreeMap<String, String>>),
}

impl Answer {
    pub fn is_answered(&self) -> bool {
        match self {
            Answer::Text(t) => !t.trim().is_empty(),
            Answer::Rows(r) => !r.is_empty(),
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Answer::Text(t) => Some(t.as_str()),
            Answer::Rows(_) => None,
        }
    }
}

/// The child as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChildFacts {
    pub date_of_birth: Option<NaiveDate>,
    pub looked_after: bool,
    pub disabled: bool,
    /// SSDA903 legal status code.
    pub legal_status: Option<String>,
}

/// Everything the rules read about a referral.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReferralFacts {
    pub category: String,
    pub part: Option<String>,
    pub form: Option<String>,
    pub child: ChildFacts,
    /// Further children on the same referral (siblings count one each where capacity counts children).
    pub children: u32,
    pub answers: BTreeMap<String, Answer>,
    /// The amount requested (total for the period, or one-off).
    pub amount: Option<Money>,
    pub emergency: bool,
    /// Roles that have signed off or approved so far.
    pub approved_by: Vec<String>,
    /// Attached documents: id and the date each was written.
    pub documents: BTreeMap<String, Option<NaiveDate>>,
}

/// One thing still missing, and the rule that asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub kind: MissingKind,
    /// The field, document, role or rule id.
    pub id: String,
    pub message: String,
    pub requirement: String,
    /// Whether missing it at the cut-off keeps the child off that agenda (SCHED-07).
    pub blocks_listing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingKind {
    Remit,
    Field,
    Document,
    SignOff,
    Rule,
}

/// Evaluation context: the facts, and the date the panel will sit (age and staleness are
/// measured on it, CAL-09).
pub struct Context<'a> {
    pub policy: &'a Policy,
    pub panel: &'a Panel,
    pub facts: &'a ReferralFacts,
    pub panel_date: NaiveDate,
}

impl Context<'_> {
    pub fn age(&self) -> Option<u32> {
        self.facts
            .child
            .date_of_birth
            .map(|dob| age_on(dob, self.panel_date, self.policy.settings.leap_day_birthday))
    }

    fn answer(&self, field: &str) -> Option<&Answer> {
        self.facts.answers.get(field).filter(|a| a.is_answered())
    }

    /// Whether every key present in `cond` holds.
    pub fn holds(&self, cond: &Condition) -> bool {
        let f = self.facts;
        let in_list = |list: &Option<Vec<String>>, v: Option<&str>| {
            list.as_ref()
                .is_none_or(|l| v.is_some_and(|v| l.iter().any(|x| x == v)))
        };
        if !in_list(&cond.categories, Some(&f.category))
            || !in_list(&cond.parts, self.part())
            || !in_list(&cond.forms, f.form.as_deref())
            || !in_list(&cond.legal_status, f.child.legal_status.as_deref())
        {
            return false;
        }
        let age = self.age();
        if cond.age_from.is_some_and(|a| age.is_none_or(|x| x < a))
            || cond.age_to.is_some_and(|a| age.is_none_or(|x| x > a))
        {
            return false;
        }
        if cond.looked_after.is_some_and(|v| v != f.child.looked_after)
            || cond.disabled.is_some_and(|v| v != f.child.disabled)
            || cond.emergency.is_some_and(|v| v != f.emergency)
        {
            return false;
        }
        if let Some(map) = &cond.fields {
            let all = map.iter().all(|(k, v)| {
                self.answer(k)
                    .and_then(Answer::text)
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case(v))
            });
            if !all {
                return false;
            }
        }
        if let Some(list) = &cond.answered
            && !list.iter().all(|k| self.answer(k).is_some())
        {
            return false;
        }
        let amount = f.amount.unwrap_or(Money::ZERO);
        if cond.amount_over.is_some_and(|o| amount <= o)
            || cond.amount_up_to.is_some_and(|u| amount > u)
        {
            return false;
        }
        if let Some(roles) = &cond.approved_by {
            let ok = roles.iter().any(|r| {
                f.approved_by
                    .iter()
                    .any(|a| a == r || self.policy.role_covers(a, r))
            });
            if !ok {
                return false;
            }
        }
        if let Some(docs) = &cond.documents
            && !docs.iter().all(|d| f.documents.contains_key(d))
        {
            return false;
        }
        if let Some(years) = cond.panel_before_age {
            match f.child.date_of_birth {
                Some(dob)
                    if self.panel_date
                        < birthday_at(dob, years, self.policy.settings.leap_day_birthday) => {}
                _ => return false,
            }
        }
        if let Some(field) = &cond.panel_after_field {
            let date = self
                .answer(field)
                .and_then(Answer::text)
                .and_then(|t| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok());
            if date.is_none_or(|d| self.panel_date <= d) {
                return false;
            }
        }
        if let Some(list) = &cond.all
            && !list.iter().all(|c| self.holds(c))
        {
            return false;
        }
        if let Some(list) = &cond.any
            && !list.iter().any(|c| self.holds(c))
        {
            return false;
        }
        if let Some(c) = &cond.not
            && self.holds(c)
        {
            return false;
        }
        true
    }

    fn part(&self) -> Option<&str> {
        self.facts.part.as_deref().or_else(|| {
            self.panel
                .category(&self.facts.category)
                .and_then(|c| c.part.as_deref())
        })
    }

    /// Whether an optional condition holds for this referral (none always holds).
    pub fn when(&self, cond: &Option<Condition>) -> bool {
        cond.as_ref().is_none_or(|c| self.holds(c))
    }

    /// The form this referral uses: the one named, or the first of the category's forms whose
    /// `when` holds (REF-01: Portsmouth's disability and general variants).
    pub fn form(&self) -> Option<&Form> {
        if let Some(id) = &self.facts.form {
            return self.panel.form(id);
        }
        let cat = self.panel.category(&self.facts.category)?;
        cat.forms
            .iter()
            .filter_map(|id| self.panel.form(id))
            .find(|f| self.when(&f.when))
    }

    /// The sign-off chain for this referral (SIGN-01): the first rule whose `when` holds.
    pub fn signoff_rule(&self) -> Option<&SignOffRule> {
        self.panel.signoffs.iter().find(|r| self.when(&r.when))
    }
}

/// "Who must sign this?": the roles that must sign, in order, and the rule that says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignOffAnswer {
    pub chain: Vec<String>,
    pub rule: Option<String>,
    pub signature: bool,
    pub reason: String,
    pub requirement: String,
}

pub fn who_must_sign(ctx: &Context<'_>) -> SignOffAnswer {
    match ctx.signoff_rule() {
        Some(rule) => SignOffAnswer {
            chain: rule.chain.clone(),
            rule: Some(rule.id.clone()),
            signature: rule.signature,
            reason: format!(
                "{} must sign, in that order: \"{}\" ({})",
                rule.chain
                    .iter()
                    .map(|r| ctx.policy.role_label(r))
                    .collect::<Vec<_>>()
                    .join(", then "),
                rule.wording,
                rule.requirement
            ),
            requirement: rule.requirement.clone(),
        },
        None => SignOffAnswer {
            chain: Vec::new(),
            rule: None,
            signature: false,
            reason: format!(
                "{} asks for no sign-off beyond the referrer for this referral",
                ctx.panel.name
            ),
            requirement: "SIGN-01".into(),
        },
    }
}

/// Everything missing for this panel and category. An empty list means ready.
pub fn missing(ctx: &Context<'_>) -> Vec<Missing> {
    let mut out = Vec::new();
    let panel = ctx.panel;
    let facts = ctx.facts;
    if panel.category(&facts.category).is_none() {
        let route = panel
            .out_of_remit
            .iter()
            .find(|o| o.id == facts.category)
            .map(|o| format!("{} is outside this panel's remit: {}", o.label, o.route));
        out.push(Missing {
            kind: MissingKind::Remit,
            id: facts.category.clone(),
            message: route.unwrap_or_else(|| {
                format!(
                    "'{}' is not one of {}'s remit categories",
                    facts.category, panel.name
                )
            }),
            requirement: "REM-01".into(),
            blocks_listing: true,
        });
        return out;
    }
    match ctx.form() {
        None => out.push(Missing {
            kind: MissingKind::Field,
            id: "form".into(),
            message: format!("No referral form of {} fits this referral", panel.name),
            requirement: "REF-01".into(),
            blocks_listing: true,
        }),
        Some(form) => {
            for section in &form.sections {
                if !ctx.when(&section.when) {
                    continue;
                }
                for field in &section.fields {
                    if field.kind == FieldKind::Derived {
                        continue;
                    }
                    let required = field.required
                        || field.required_when.as_ref().is_some_and(|c| ctx.holds(c));
                    if required && ctx.answer(&field.id).is_none() {
                        out.push(Missing {
                            kind: MissingKind::Field,
                            id: field.id.clone(),
                            message: format!("{}: {} is not answered", section.title, field.label),
                            requirement: field
                                .requirement
                                .clone()
                                .unwrap_or_else(|| form.requirement.clone()),
                            blocks_listing: true,
                        });
                    }
                }
            }
        }
    }
    for doc in &panel.documents {
        if !ctx.when(&doc.when) {
            continue;
        }
        match facts.documents.get(&doc.id) {
            None => out.push(Missing {
                kind: MissingKind::Document,
                id: doc.id.clone(),
                message: format!("{} is not attached", doc.label),
                requirement: doc.requirement.clone(),
                blocks_listing: doc.blocks_listing,
            }),
            Some(dated) => {
                if let Some(months) = doc.max_age_months {
                    let oldest = add_months(ctx.panel_date, -(months as i32));
                    match dated {
                        Some(d) if *d >= oldest => {}
                        Some(d) => out.push(Missing {
                            kind: MissingKind::Document,
                            id: doc.id.clone(),
                            message: format!(
                                "{} is dated {d}; by the panel on {} it must be dated on or after {oldest} (within {months} months)",
                                doc.label, ctx.panel_date
                            ),
                            requirement: doc.requirement.clone(),
                            blocks_listing: doc.blocks_listing,
                        }),
                        None => out.push(Missing {
                            kind: MissingKind::Document,
                            id: doc.id.clone(),
                            message: format!(
                                "{} has no date; it must be dated within {months} months of the panel",
                                doc.label
                            ),
                            requirement: doc.requirement.clone(),
                            blocks_listing: doc.blocks_listing,
                        }),
                    }
                }
            }
        }
    }
    for rule in &panel.readiness {
        if ctx.when(&rule.when) && !ctx.holds(&rule.require) {
            out.push(Missing {
                kind: MissingKind::Rule,
                id: rule.id.clone(),
                message: rule.message.clone(),
                requirement: rule.requirement.clone(),
                blocks_listing: true,
            });
        }
    }
    let signoffs = who_must_sign(ctx);
    for role in &signoffs.chain {
        if !facts.approved_by.iter().any(|a| a == role) {
            out.push(Missing {
                kind: MissingKind::SignOff,
                id: role.clone(),
                message: format!("Sign-off by the {} is needed", ctx.policy.role_label(role)),
                requirement: signoffs.requirement.clone(),
                blocks_listing: true,
            });
        }
    }
    out
}

/// Whether the request needs this panel at all: at or under a category's panel threshold it
/// can be agreed elsewhere (AUTH-10, AUTH-11).
pub fn below_panel_threshold(panel: &Panel, category: &str, amount: Money) -> Option<Money> {
    panel
        .category(category)
        .and_then(|c| c.panel_threshold_over)
        .filter(|t| amount <= *t)
}

/// A presenter requirement not met by who is coming (AGD-05): a warning, not a refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresenterWarning {
    pub rule: String,
    pub message: String,
    pub requirement: String,
}

/// Checks the roles of the people presenting or attending for this referral against the
/// panel's presenter rules (AGD-05).
pub fn presenter_warnings(ctx: &Context<'_>, attending_roles: &[String]) -> Vec<PresenterWarning> {
    ctx.panel
        .presenters
        .iter()
        .filter(|r| ctx.when(&r.when))
        .filter(|r| {
            !r.any_of.iter().any(|need| {
                attending_roles
                    .iter()
                    .any(|have| have == need || ctx.policy.role_covers(have, need))
            })
        })
        .map(|r| PresenterWarning {
            rule: r.id.clone(),
            message: r.message.clone(),
            requirement: r.requirement.clone(),
        })
        .collect()
}
