//! All loaded policies, found by panel id, with checks that span files.

use crate::policy::{Panel, Policy, PolicyError, parse_policy};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    policies: Vec<Policy>,
}

impl PolicySet {
    /// Parses every (name, text) pair and checks that panel and council ids are unique
    /// across files. Every error from every file is returned.
    pub fn parse<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<PolicyError>> {
        let mut errors = Vec::new();
        let mut policies = Vec::new();
        let mut panels: BTreeMap<String, String> = BTreeMap::new();
        let mut councils: BTreeMap<String, String> = BTreeMap::new();
        for (name, text) in files {
            match parse_policy(name, text) {
                Ok(p) => {
                    if let Some(other) = councils.insert(p.council.id.clone(), name.to_string()) {
                        errors.push(PolicyError {
                            file: name.to_string(),
                            line: None,
                            column: None,
                            key: "council.id".into(),
                            message: format!(
                                "council '{}' is also defined in {other}",
                                p.council.id
                            ),
                            allowed: None,
                        });
                    }
                    for panel in &p.panels {
                        if let Some(other) = panels.insert(panel.id.clone(), name.to_string()) {
                            errors.push(PolicyError {
                                file: name.to_string(),
                                line: None,
                                column: None,
                                key: "panels.id".into(),
                                message: format!("panel '{}' is also defined in {other}", panel.id),
                                allowed: None,
                            });
                        }
                    }
                    policies.push(p);
                }
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(Self { policies })
        } else {
            Err(errors)
        }
    }

    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    pub fn find_panel(&self, id: &str) -> Option<(&Policy, &Panel)> {
        self.policies
            .iter()
            .find_map(|p| p.panel(id).map(|panel| (p, panel)))
    }

    pub fn panel_ids(&self) -> Vec<&str> {
        self.policies
            .iter()
            .flat_map(|p| p.panels.iter().map(|x| x.id.as_str()))
            .collect()
    }
}
