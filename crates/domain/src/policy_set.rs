//! All loaded policies, found by panel id, with checks that span files.

use crate::policy::{Panel, Policy, PolicyError, parse_policy};
use chrono::NaiveDate;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    policies: Vec<Policy>,
}

impl PolicySet {
    /// Parses every (name, text) pair. A council may have several versions of its policy
    /// (CFG-03) as long as their effective dates do not overlap; panel ids belong to one
    /// council. Every error from every file is returned.
    pub fn parse<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<PolicyError>> {
        let mut errors = Vec::new();
        let mut policies: Vec<(String, Policy)> = Vec::new();
        for (name, text) in files {
            match parse_policy(name, text) {
                Ok(p) => policies.push((name.to_string(), p)),
                Err(e) => errors.extend(e),
            }
        }
        let mut panel_owner: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        for (i, (name, p)) in policies.iter().enumerate() {
            for (other_name, other) in policies.iter().skip(i + 1) {
                if other.council.id == p.council.id && overlaps(p, other) {
                    errors.push(cross_file_error(
                        other_name,
                        "policy.effective_from",
                        format!(
                            "council '{}' version {} overlaps version {} in {name}; versions of a policy need effective dates that do not overlap (CFG-03)",
                            p.council.id, other.policy.version, p.policy.version
                        ),
                    ));
                }
            }
            for panel in &p.panels {
                match panel_owner.get(panel.id.as_str()) {
                    Some((council, file)) if *council != p.council.id => {
                        errors.push(cross_file_error(
                            name,
                            "panels.id",
                            format!("panel '{}' is also defined in {file}", panel.id),
                        ));
                    }
                    Some(_) => {}
                    None => {
                        panel_owner.insert(&panel.id, (&p.council.id, name));
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(Self {
                policies: policies.into_iter().map(|(_, p)| p).collect(),
            })
        } else {
            Err(errors)
        }
    }

    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The panel in its newest policy version.
    pub fn find_panel(&self, id: &str) -> Option<(&Policy, &Panel)> {
        self.policies
            .iter()
            .filter_map(|p| p.panel(id).map(|panel| (p, panel)))
            .max_by_key(|(p, _)| p.policy.effective_from)
    }

    /// The panel as the policy in force on `day` has it (CFG-03); the newest version when
    /// none was in force then.
    pub fn find_panel_on(&self, id: &str, day: NaiveDate) -> Option<(&Policy, &Panel)> {
        self.policies
            .iter()
            .filter(|p| p.in_force_on(day))
            .find_map(|p| p.panel(id).map(|panel| (p, panel)))
            .or_else(|| self.find_panel(id))
    }

    pub fn panel_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .policies
            .iter()
            .flat_map(|p| p.panels.iter().map(|x| x.id.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

fn overlaps(a: &Policy, b: &Policy) -> bool {
    let end = |p: &Policy| p.policy.effective_to.unwrap_or(NaiveDate::MAX);
    a.policy.effective_from <= end(b) && b.policy.effective_from <= end(a)
}

fn cross_file_error(file: &str, key: &str, message: String) -> PolicyError {
    PolicyError {
        file: file.to_string(),
        line: None,
        column: None,
        key: key.to_string(),
        message,
        allowed: None,
    }
}
