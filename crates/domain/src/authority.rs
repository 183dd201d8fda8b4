//! Delegated authority: who may approve what, by situation, amount and child's age
//! (AUTH-01 to AUTH-13, EMG-06).

use crate::money::Money;
use crate::policy::{AuthorityRule, Panel, Policy};
use serde::Serialize;

/// A question put to the authority table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityQuestion<'a> {
    pub situation: Option<&'a str>,
    pub amount: Option<Money>,
    pub child_age: Option<u32>,
    /// The roles the person approving holds.
    pub approver_roles: &'a [String],
    /// The roles that have already agreed (for rules needing several, AUTH-07).
    pub agreed_roles: &'a [String],
}

/// The answer: allowed or not, which role is required, which rule decided, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorityAnswer {
    pub allowed: bool,
    pub required_role: String,
    pub rule: String,
    pub reason: String,
    /// The approval lasts until the next meeting and is ratified there.
    pub interim: bool,
    /// The approver acts in the absence of the primary approver, which must be recorded (AUTH-12).
    pub in_absence_of: Option<String>,
    /// Roles still to agree when all must (AUTH-07).
    pub still_needed: Vec<String>,
    pub requirement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorityError {
    #[error("{panel} has no situation '{situation}'; situations: {known}")]
    UnknownSituation {
        panel: String,
        situation: String,
        known: String,
    },
    #[error("name the situation: {panel} has no default; situations: {known}")]
    NoSituation { panel: String, known: String },
    #[error(
        "the rules for '{situation}' depend on the child's age: give the child's age (AUTH-01, CAL-09)"
    )]
    AgeNeeded { situation: String },
    #[error(
        "the rules for '{situation}' depend on the amount: give the amount in pounds and pence (AUTH-01, AUTH-11)"
    )]
    AmountNeeded { situation: String },
    #[error("an amount cannot be negative: {amount} (AUTH-11)")]
    NegativeAmount { amount: Money },
    #[error("unknown role '{role}' in {council}'s policy; roles: {known}")]
    UnknownRole {
        council: String,
        role: String,
        known: String,
    },
}

fn band_matches(rule: &AuthorityRule, amount: Money, age: Option<u32>) -> bool {
    rule.amount_over.is_none_or(|o| amount > o)
        && rule.amount_up_to.is_none_or(|u| amount <= u)
        && rule.age_from.is_none_or(|a| age.is_some_and(|x| x >= a))
        && rule.age_to.is_none_or(|a| age.is_some_and(|x| x <= a))
}

/// The situations a panel's authority table knows, in order of first appearance.
pub fn situations(panel: &Panel) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for r in &panel.authority {
        if !out.contains(&r.situation.as_str()) {
            out.push(&r.situation);
        }
    }
    out
}

fn band_text(rule: &AuthorityRule) -> String {
    let mut parts = Vec::new();
    match (rule.amount_over, rule.amount_up_to) {
        (Some(o), Some(u)) => parts.push(format!("over {o} and up to {u}")),
        (Some(o), None) => parts.push(format!("over {o}")),
        (None, Some(u)) => parts.push(format!("up to {u}")),
        (None, None) => {}
    }
    match (rule.age_from, rule.age_to) {
        (Some(a), Some(b)) => parts.push(format!("for a child aged {a} to {b}")),
        (Some(a), None) => parts.push(format!("for a child aged {a} or over")),
        (None, Some(b)) => parts.push(format!("for a child under {}", b + 1)),
        (None, None) => {}
    }
    parts.join(" ")
}

fn roles_text(policy: &Policy, roles: &[String], joiner: &str) -> String {
    roles
        .iter()
        .map(|r| policy.role_label(r).to_string())
        .collect::<Vec<_>>()
        .join(joiner)
}

/// Answers "may this person approve this?" from the panel's authority table. The first rule
/// for the situation whose amount and age bands match decides.
pub fn check(
    policy: &Policy,
    panel: &Panel,
    q: &AuthorityQuestion<'_>,
) -> Result<AuthorityAnswer, AuthorityError> {
    let known = situations(panel).join(", ");
    for role in q.approver_roles.iter().chain(q.agreed_roles) {
        if policy.role(role).is_none() {
            return Err(AuthorityError::UnknownRole {
                council: policy.council.id.clone(),
                role: role.clone(),
                known: policy
                    .roles
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let situation = match q.situation.or(panel.emergency.default_situation.as_deref()) {
        Some(s) => s,
        None => {
            return Err(AuthorityError::NoSituation {
                panel: panel.id.clone(),
                known,
            });
        }
    };
    let rules: Vec<&AuthorityRule> = panel
        .authority
        .iter()
        .filter(|r| r.situation == situation)
        .collect();
    if rules.is_empty() {
        return Err(AuthorityError::UnknownSituation {
            panel: panel.id.clone(),
            situation: situation.to_string(),
            known,
        });
    }
    // An age band that cannot be tested must not let a later, unbanded rule answer instead.
    if q.child_age.is_none()
        && rules
            .iter()
            .any(|r| r.age_from.is_some() || r.age_to.is_some())
    {
        return Err(AuthorityError::AgeNeeded {
            situation: situation.to_string(),
        });
    }
    if let Some(a) = q.amount.filter(|a| *a < Money::ZERO) {
        return Err(AuthorityError::NegativeAmount { amount: a });
    }
    if q.amount.is_none()
        && rules
            .iter()
            .any(|r| r.amount_over.is_some() || r.amount_up_to.is_some())
    {
        return Err(AuthorityError::AmountNeeded {
            situation: situation.to_string(),
        });
    }
    let amount = q.amount.unwrap_or(Money::ZERO);
    let Some(rule) = rules
        .iter()
        .find(|r| band_matches(r, amount, q.child_age))
        .copied()
    else {
        let reason = {
            format!(
                "No delegated authority in {}'s policy covers '{situation}' at {amount}{}.",
                policy.council.name,
                q.child_age
                    .map(|a| format!(" for a child aged {a}"))
                    .unwrap_or_default()
            )
        };
        return Ok(AuthorityAnswer {
            allowed: false,
            required_role: "panel".into(),
            rule: "none".into(),
            reason,
            interim: false,
            in_absence_of: None,
            still_needed: Vec::new(),
            requirement: "AUTH-01".into(),
        });
    };
    let band = band_text(rule);
    let band = if band.is_empty() {
        String::new()
    } else {
        format!(" ({band})")
    };
    let holder_covers = |required: &str| {
        q.approver_roles.iter().any(|h| {
            h == required || (rule.higher_roles_may_act && policy.role_covers(h, required))
        })
    };
    let who = || {
        q.approver_roles
            .iter()
            .map(|r| policy.role_label(r).to_string())
            .collect::<Vec<_>>()
            .join(" / ")
    };
    if rule.to_panel {
        return Ok(AuthorityAnswer {
            allowed: false,
            required_role: "panel".into(),
            rule: rule.id.clone(),
            reason: format!(
                "{}{band} must be decided by the panel, not by one person: \"{}\" ({}).",
                rule.label, rule.wording, rule.requirement
            ),
            interim: false,
            in_absence_of: None,
            still_needed: Vec::new(),
            requirement: rule.requirement.clone(),
        });
    }
    if !rule.all_of.is_empty() {
        // Each required role is a separate agreement: one person fills one place, whatever
        // else their role could act for (AUTH-07).
        let covers = |holder: &str, required: &str| {
            holder == required
                || (rule.higher_roles_may_act && policy.role_covers(holder, required))
        };
        // Who fills which place: the earlier agreements and the approver, each in one place,
        // matched so that as many places as possible are filled (AUTH-07).
        let mut people: Vec<Vec<&String>> = q.agreed_roles.iter().map(|r| vec![r]).collect();
        people.push(q.approver_roles.iter().collect());
        let approver = people.len() - 1;
        let assignment = best_assignment(&rule.all_of, &people, &covers);
        let filled: Vec<bool> = (0..rule.all_of.len())
            .map(|i| assignment.contains(&Some(i)))
            .collect();
        let approver_slot = assignment.get(approver).copied().flatten();
        let still: Vec<String> = rule
            .all_of
            .iter()
            .zip(&filled)
            .filter(|(_, f)| !**f)
            .map(|(r, _)| r.clone())
            .collect();
        let approver_contributes = approver_slot.is_some();
        let required_role = rule.all_of.join(" and ");
        let (allowed, reason) = if !approver_contributes {
            (
                false,
                format!(
                    "{}{band} needs the agreement of {} ({}); {} is not one of them: \"{}\".",
                    rule.label,
                    roles_text(policy, &rule.all_of, " and "),
                    rule.requirement,
                    who(),
                    rule.wording
                ),
            )
        } else if still.is_empty() {
            (
                true,
                format!(
                    "{}{band}: agreed by {} as the rule requires ({}).",
                    rule.label,
                    roles_text(policy, &rule.all_of, " and "),
                    rule.requirement
                ),
            )
        } else {
            (
                false,
                format!(
                    "{}{band} needs the agreement of {}; still needed: {} ({}).",
                    rule.label,
                    roles_text(policy, &rule.all_of, " and "),
                    roles_text(policy, &still, " and "),
                    rule.requirement
                ),
            )
        };
        return Ok(AuthorityAnswer {
            allowed,
            required_role,
            rule: rule.id.clone(),
            reason,
            interim: rule.interim,
            in_absence_of: None,
            still_needed: still,
            requirement: rule.requirement.clone(),
        });
    }
    let covers_role =
        |h: &str, r: &str| h == r || (rule.higher_roles_may_act && policy.role_covers(h, r));
    let required_role = rule.any_of.join(" or ");
    let direct = rule.any_of.iter().any(|r| holder_covers(r));
    let absent = !direct
        && rule
            .in_absence
            .iter()
            .any(|r| q.approver_roles.iter().any(|h| covers_role(h, r)));
    let validity = if rule.interim {
        " The approval lasts only until the next meeting, where it is listed for ratification."
    } else {
        ""
    };
    let (allowed, reason, in_absence_of) = if direct {
        (
            true,
            format!(
                "{}{band} may be approved by {}; {} holds that authority ({}).{validity}",
                rule.label,
                roles_text(policy, &rule.any_of, " or "),
                who(),
                rule.requirement
            ),
            None,
        )
    } else if absent {
        (
            true,
            format!(
                "{}{band} is for {}; {} may approve in their absence, and the absence and its reason must be recorded (AUTH-12, {}).{validity}",
                rule.label,
                roles_text(policy, &rule.any_of, " or "),
                who(),
                rule.requirement
            ),
            Some(required_role.clone()),
        )
    } else {
        (
            false,
            format!(
                "{}{band} needs {}; {} does not hold that authority: \"{}\" ({}).",
                rule.label,
                roles_text(policy, &rule.any_of, " or "),
                who(),
                rule.wording,
                rule.requirement
            ),
            None,
        )
    };
    Ok(AuthorityAnswer {
        allowed,
        required_role,
        rule: rule.id.clone(),
        reason,
        interim: rule.interim,
        in_absence_of,
        still_needed: Vec::new(),
        requirement: rule.requirement.clone(),
    })
}

/// Assigns each person (a set of roles) to at most one required place they cover, filling as
/// many places as possible and, among those, giving the last person (the approver) a place when
/// one is free. Rules name few places, so the search is exhaustive.
fn best_assignment(
    places: &[String],
    people: &[Vec<&String>],
    covers: &dyn Fn(&str, &str) -> bool,
) -> Vec<Option<usize>> {
    struct Search<'a> {
        places: &'a [String],
        people: &'a [Vec<&'a String>],
        covers: &'a dyn Fn(&str, &str) -> bool,
        taken: Vec<bool>,
        current: Vec<Option<usize>>,
        best: (usize, bool, Vec<Option<usize>>),
    }
    impl Search<'_> {
        fn run(&mut self, person: usize) {
            if person == self.people.len() {
                let filled = self.current.iter().flatten().count();
                let approver_in = self.current.last().is_some_and(Option::is_some);
                if (filled, approver_in) > (self.best.0, self.best.1) {
                    self.best = (filled, approver_in, self.current.clone());
                }
                return;
            }
            for i in 0..self.places.len() {
                let place = &self.places[i];
                if !self.taken[i] && self.people[person].iter().any(|h| (self.covers)(h, place)) {
                    self.taken[i] = true;
                    self.current.push(Some(i));
                    self.run(person + 1);
                    self.current.pop();
                    self.taken[i] = false;
                }
            }
            self.current.push(None);
            self.run(person + 1);
            self.current.pop();
        }
    }
    let mut s = Search {
        places,
        people,
        covers,
        taken: vec![false; places.len()],
        current: Vec::new(),
        best: (0, false, vec![None; people.len()]),
    };
    s.run(0);
    s.best.2
}
