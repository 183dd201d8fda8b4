//! Who may see and do what: by council, role, team and panel (SEC-01). The web layer only
//! gates coarsely; these checks are the ones that count.

use crate::{Actor, AppError};
use carepanel_domain::policy::Policy;
use carepanel_store::entity::referral;

/// A person acts only within their own council.
pub fn same_council(actor: &Actor, council_id: &str) -> Result<(), AppError> {
    if actor.council_id == council_id {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "This record belongs to another council",
            "SEC-01",
        ))
    }
}

/// Whether the actor holds one of `roles` for `panel`, directly or through a higher role
/// that acts for it (AUTH-13). Returns the role that qualifies.
pub fn holds(policy: &Policy, actor: &Actor, panel: &str, roles: &[String]) -> Option<String> {
    let mine = actor.roles_for(panel);
    roles
        .iter()
        .find(|need| {
            mine.iter()
                .any(|r| r == *need || policy.role_covers(r, need))
        })
        .cloned()
}

pub fn require_role(
    policy: &Policy,
    actor: &Actor,
    panel: &str,
    roles: &[String],
    doing: &str,
) -> Result<String, AppError> {
    holds(policy, actor, panel, roles).ok_or_else(|| {
        AppError::forbidden(
            format!(
                "Only {} may {doing}",
                roles
                    .iter()
                    .map(|r| policy.role_label(r))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            "SEC-01",
        )
    })
}

/// Roles that work a panel (see every referral on it): its administrator, chairs, members,
/// finance and brokerage.
/// The roles that administer a panel: the one its terms of reference name (MEM-07), and the
/// generic panel administrator.
pub fn administrator_roles(panel: &carepanel_domain::policy::Panel) -> Vec<String> {
    vec![
        panel.administrator_role.clone(),
        "panel-administrator".to_string(),
    ]
}

pub fn panel_roles(policy: &Policy, panel_id: &str) -> Vec<String> {
    let Some(panel) = policy.panel(panel_id) else {
        return Vec::new();
    };
    let mut roles = vec![panel.administrator_role.clone()];
    roles.extend(panel.chair.eligible.iter().cloned());
    roles.extend(panel.members.iter().map(|m| m.role.clone()));
    roles.extend(
        [
            "panel-administrator",
            "finance-officer",
            "brokerage",
            "auditor",
        ]
        .map(String::from),
    );
    roles.sort();
    roles.dedup();
    roles
}

/// Whether the actor may read a referral: its author, the author's team, those who sign it
/// off, and the people who run the panel (SEC-01).
pub fn may_read_referral(policy: &Policy, actor: &Actor, r: &referral::Model) -> bool {
    if actor.council_id != r.council_id {
        return false;
    }
    if actor.person_id == r.author_id {
        return true;
    }
    if r.team_id.is_some() && actor.team_id == r.team_id {
        return true;
    }
    let managers: Vec<String> = [
        "team-manager",
        "service-manager",
        "service-leader",
        "head-of-service",
        "deputy-director",
    ]
    .map(String::from)
    .to_vec();
    if holds(policy, actor, &r.panel_id, &managers).is_some() && r.state != "draft" {
        return true;
    }
    r.state != "draft"
        && holds(
            policy,
            actor,
            &r.panel_id,
            &panel_roles(policy, &r.panel_id),
        )
        .is_some()
}

pub fn require_read(policy: &Policy, actor: &Actor, r: &referral::Model) -> Result<(), AppError> {
    if may_read_referral(policy, actor, r) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "You may not see this referral: it is not yours, your team's, or on a panel you work",
            "SEC-01",
        ))
    }
}

/// Which parts of the service a person's roles open to them, for the menu: a page outside it
/// would only refuse them (SEC-01).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Menu {
    pub sign_offs: bool,
    pub meetings: bool,
    pub interim: bool,
    pub finance: bool,
    pub administration: bool,
}

impl crate::App {
    /// Whether the person works this panel: holds one of its roles (member, chair,
    /// administrator...). A panel carepanel does not know is nobody's.
    pub(crate) fn works_panel(&self, actor: &Actor, panel_id: &str) -> bool {
        self.panel(panel_id).is_ok_and(|(policy, _)| {
            holds(policy, actor, panel_id, &panel_roles(policy, panel_id)).is_some()
        })
    }

    pub fn menu(&self, actor: &Actor) -> Menu {
        let panels: Vec<(&Policy, &carepanel_domain::policy::Panel)> = self
            .policies
            .policies()
            .iter()
            .filter(|p| p.council.id == actor.council_id)
            .flat_map(|p| p.panels.iter().map(move |panel| (p, panel)))
            .collect();
        Menu {
            sign_offs: panels.iter().any(|(p, panel)| {
                let chain: Vec<String> = panel
                    .signoffs
                    .iter()
                    .flat_map(|s| s.chain.iter().cloned())
                    .collect();
                holds(p, actor, &panel.id, &chain).is_some()
            }),
            meetings: panels
                .iter()
                .any(|(p, panel)| holds(p, actor, &panel.id, &panel_roles(p, &panel.id)).is_some()),
            interim: !self.interim_panels(actor).is_empty(),
            finance: !self.finance_panels(actor).is_empty(),
            administration: actor
                .roles
                .iter()
                .any(|(r, _)| r == crate::administration::COUNCIL_ADMINISTRATOR),
        }
    }
}
