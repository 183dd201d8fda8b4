//! Single sign-on, the carepanel side: the sign-in waiting for the provider (state, nonce,
//! PKCE verifier: ten minutes, used once), and the person a verified identity stands for. A
//! provider's subject is linked to the local account with the same verified address in the
//! same council the first time (one identity per provider per account), and found by its link
//! after that; roles named in the provider's settings
//! follow its claims at every sign-in, and other roles are left as they are (SEC-01, SEC-04).

use crate::{Actor, App, AppError, new_id};
use carepanel_store::entity::{person, person_role, sso_identity, sso_login};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

/// How long a started sign-in waits for the person to come back.
pub const SSO_LOGIN_MINUTES: i64 = 10;

/// A verified identity and what its claims give.
#[derive(Debug, Clone)]
pub struct SsoSignIn<'a> {
    pub council_id: &'a str,
    pub issuer: &'a str,
    pub subject: &'a str,
    /// The address the provider has verified; an account is linked by it only.
    pub email: Option<&'a str>,
    /// (role, panel) pairs the provider's settings manage; panel none means every panel.
    pub managed: &'a [(String, Option<String>)],
    /// Those of them the claims give now.
    pub given: &'a [(String, Option<String>)],
}

impl App {
    /// Keeps a started sign-in until the person comes back; forgets those that have waited
    /// too long.
    pub async fn remember_sso_login(
        &self,
        council_id: &str,
        state: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<(), AppError> {
        sso_login::Entity::delete_many()
            .filter(
                sso_login::Column::CreatedAt
                    .lt(self.now() - chrono::Duration::minutes(SSO_LOGIN_MINUTES)),
            )
            .exec(&self.db)
            .await?;
        sso_login::ActiveModel {
            state: Set(state.to_string()),
            council_id: Set(council_id.to_string()),
            nonce: Set(nonce.to_string()),
            pkce_verifier: Set(pkce_verifier.to_string()),
            created_at: Set(self.now()),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// The started sign-in a returning `state` belongs to, used up: a second use, another
    /// council's, or one that waited too long, is refused.
    pub async fn take_sso_login(
        &self,
        council_id: &str,
        state: &str,
    ) -> Result<sso_login::Model, AppError> {
        let refused = || {
            AppError::forbidden(
                "This sign-in was not started here, was used already or took too long; start again",
                "SEC-01",
            )
        };
        let row = sso_login::Entity::find_by_id(state.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(refused)?;
        let gone = sso_login::Entity::delete_by_id(state.to_string())
            .exec(&self.db)
            .await?;
        if gone.rows_affected != 1
            || row.council_id != council_id
            || row.created_at < self.now() - chrono::Duration::minutes(SSO_LOGIN_MINUTES)
        {
            return Err(refused());
        }
        Ok(row)
    }

    /// The person a verified identity stands for, with their managed roles brought in line
    /// with the claims; the sign-in is audited.
    pub async fn sso_sign_in(&self, s: SsoSignIn<'_>) -> Result<Actor, AppError> {
        let policy = self
            .policies
            .policies()
            .iter()
            .find(|p| p.council.id == s.council_id)
            .ok_or_else(|| AppError::NotFound(format!("council {}", s.council_id)))?;
        let txn = self.begin().await?;
        let linked = sso_identity::Entity::find()
            .filter(sso_identity::Column::Issuer.eq(s.issuer))
            .filter(sso_identity::Column::Subject.eq(s.subject))
            .one(&txn)
            .await?;
        let person = match &linked {
            Some(l) => person::Entity::find_by_id(l.person_id.clone())
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::NotFound("the linked account".into()))?,
            None => {
                let email = s.email.map(|e| e.trim().to_lowercase()).unwrap_or_default();
                person::Entity::find()
                    .filter(person::Column::CouncilId.eq(s.council_id))
                    .filter(person::Column::Email.eq(email.clone()))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| {
                        AppError::forbidden(
                            format!(
                                "No carepanel account in {} has the address {}; ask your council administrator to add you",
                                policy.council.name,
                                if email.is_empty() { "(none given)" } else { email.as_str() }
                            ),
                            "SEC-01",
                        )
                    })?
            }
        };
        if person.council_id != s.council_id {
            return Err(AppError::forbidden(
                "This identity belongs to an account of another council",
                "SEC-01",
            ));
        }
        if !person.active {
            return Err(AppError::forbidden(
                "This account is disabled; ask your council administrator",
                "SEC-01",
            ));
        }
        let newly_linked = linked.is_none();
        // An account takes one identity per provider: another subject of the same provider
        // claiming the same address is refused, never linked as a second way in.
        if newly_linked {
            let other = sso_identity::Entity::find()
                .filter(sso_identity::Column::PersonId.eq(person.id.clone()))
                .filter(sso_identity::Column::Issuer.eq(s.issuer))
                .one(&txn)
                .await?;
            if other.is_some() {
                return Err(AppError::forbidden(
                    "This account is already linked to another identity at your council's sign-in service; ask your council administrator",
                    "SEC-01",
                ));
            }
        }
        match linked {
            Some(l) => {
                sso_identity::Entity::update_many()
                    .col_expr(sso_identity::Column::LastSignInAt, Expr::value(self.now()))
                    .filter(sso_identity::Column::Id.eq(l.id))
                    .exec(&txn)
                    .await?;
            }
            None => {
                sso_identity::ActiveModel {
                    id: Set(new_id()),
                    person_id: Set(person.id.clone()),
                    issuer: Set(s.issuer.to_string()),
                    subject: Set(s.subject.to_string()),
                    linked_at: Set(self.now()),
                    last_sign_in_at: Set(self.now()),
                }
                .insert(&txn)
                .await?;
            }
        }
        // The managed roles follow the claims; a role the policy does not know is skipped.
        let held = person_role::Entity::find()
            .filter(person_role::Column::PersonId.eq(person.id.clone()))
            .all(&txn)
            .await?;
        let mut granted = Vec::new();
        let mut taken = Vec::new();
        for (role, panel) in s.managed {
            if policy.role(role).is_none() {
                continue;
            }
            let panel_id = panel.clone().unwrap_or_default();
            let has = held
                .iter()
                .find(|h| &h.role == role && h.panel_id == panel_id);
            let wanted = s.given.contains(&(role.clone(), panel.clone()));
            match (has, wanted) {
                (None, true) => {
                    person_role::ActiveModel {
                        id: Set(new_id()),
                        person_id: Set(person.id.clone()),
                        role: Set(role.clone()),
                        panel_id: Set(panel_id.clone()),
                    }
                    .insert(&txn)
                    .await?;
                    granted.push(format!("{role}@{panel_id}"));
                }
                (Some(h), false) => {
                    person_role::Entity::delete_by_id(h.id.clone())
                        .exec(&txn)
                        .await?;
                    taken.push(format!("{role}@{panel_id}"));
                }
                _ => {}
            }
        }
        let actor = Actor {
            person_id: person.id.clone(),
            council_id: person.council_id.clone(),
            team_id: person.team_id.clone(),
            roles: Vec::new(),
        };
        self.audit(
            &txn,
            &actor,
            "sso.sign_in",
            "person",
            &person.id,
            json!({"issuer": s.issuer, "newly_linked": newly_linked, "roles_granted": granted, "roles_taken": taken}),
        )
        .await?;
        txn.commit().await?;
        self.actor(&person.id).await
    }

    /// Problems with a provider's role settings against the council's policy: each names the
    /// role or panel that is not in it.
    pub fn check_sso_roles(
        &self,
        council_id: &str,
        grants: &[(String, Option<String>)],
    ) -> Vec<String> {
        let Some(policy) = self
            .policies
            .policies()
            .iter()
            .find(|p| p.council.id == council_id)
        else {
            return vec![format!("no policy names the council {council_id}")];
        };
        let mut problems = Vec::new();
        for (role, panel) in grants {
            if policy.role(role).is_none() {
                problems.push(format!(
                    "{}'s policy has no role {role}",
                    policy.council.name
                ));
            }
            if let Some(p) = panel
                && policy.panel(p).is_none()
            {
                problems.push(format!("{}'s policy has no panel {p}", policy.council.name));
            }
        }
        problems
    }
}
