//! Shared fixtures for the domain's acceptance tests: the shipped policies and calendar.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use carepanel_domain::calendar::{BankHolidays, WorkingCalendar};
use carepanel_domain::policy::{FieldKind, Form, Panel, Policy};
use carepanel_domain::policy_set::PolicySet;
use carepanel_domain::readiness::{Answer, ReferralFacts};
use carepanel_domain::schedule::Scheduler;
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub const FILES: [(&str, &str); 4] = [
    (
        "policies/bexley.toml",
        include_str!("../../../../policies/bexley.toml"),
    ),
    (
        "policies/devon.toml",
        include_str!("../../../../policies/devon.toml"),
    ),
    (
        "policies/hertfordshire.toml",
        include_str!("../../../../policies/hertfordshire.toml"),
    ),
    (
        "policies/portsmouth.toml",
        include_str!("../../../../policies/portsmouth.toml"),
    ),
];

pub fn policies() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| match PolicySet::parse(FILES) {
        Ok(s) => s,
        Err(e) => panic!(
            "shipped policies must load: {}",
            e.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    })
}

pub fn calendar() -> &'static WorkingCalendar {
    static CAL: OnceLock<WorkingCalendar> = OnceLock::new();
    CAL.get_or_init(|| {
        WorkingCalendar::new(
            BankHolidays::from_govuk_json(include_str!("../../../../data/bank-holidays.json"))
                .unwrap(),
        )
    })
}

pub fn panel(id: &str) -> (&'static Policy, &'static Panel) {
    policies()
        .find_panel(id)
        .unwrap_or_else(|| panic!("panel {id} is defined"))
}

pub fn sched(id: &str) -> Scheduler<'static> {
    let (policy, panel) = panel(id);
    Scheduler::new(policy, panel, calendar())
}

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

/// Every field of `form` answered with a plausible value of its type.
pub fn complete_answers(form: &Form) -> BTreeMap<String, Answer> {
    let mut out = BTreeMap::new();
    for field in form.fields() {
        let value = match field.kind {
            FieldKind::Text | FieldKind::Textarea => Answer::Text("Written answer".into()),
            FieldKind::Date => Answer::Text("2026-10-01".into()),
            FieldKind::YesNo => Answer::Text("yes".into()),
            FieldKind::Money => Answer::Text("250.00".into()),
            FieldKind::Integer => Answer::Text("12".into()),
            FieldKind::Select => Answer::Text(field.options.first().cloned().unwrap_or_default()),
            FieldKind::Scale => Answer::Text(field.min.unwrap_or(0).to_string()),
            FieldKind::Group => Answer::Rows(vec![
                field
                    .columns
                    .iter()
                    .map(|c| (c.id.clone(), "x".to_string()))
                    .collect(),
            ]),
            FieldKind::Derived => continue,
        };
        out.insert(field.id.clone(), value);
    }
    out
}

/// A referral to `panel_id` in `category`, with every field of its first form answered.
pub fn complete_facts(panel_id: &str, category: &str) -> ReferralFacts {
    let (_, p) = panel(panel_id);
    let cat = p
        .category(category)
        .unwrap_or_else(|| panic!("category {category}"));
    let form = p.form(&cat.forms[0]).unwrap();
    ReferralFacts {
        category: category.into(),
        part: cat.part.clone(),
        form: Some(form.id.clone()),
        answers: complete_answers(form),
        children: 1,
        ..Default::default()
    }
}

pub fn text(s: &str) -> Answer {
    Answer::Text(s.into())
}

pub fn roles(r: &[&str]) -> Vec<String> {
    r.iter().map(|s| s.to_string()).collect()
}

/// The ids of everything missing for a referral to `panel_id` sitting on `date`.
pub fn gaps(panel_id: &str, f: &ReferralFacts, date: &str) -> Vec<String> {
    let (policy, p) = panel(panel_id);
    carepanel_domain::readiness::missing(&carepanel_domain::readiness::Context {
        policy,
        panel: p,
        facts: f,
        panel_date: d(date),
    })
    .into_iter()
    .map(|m| m.id)
    .collect()
}
