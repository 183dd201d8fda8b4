//! The council administrator's work: people and their roles, the policy in force and its
//! version, and the bank holidays the calendar counts (SEC-01, CFG-03, CAL-02). Every change is
//! in the audit trail.

use crate::{Actor, App, AppError, new_id};
use carepanel_domain::decision::FieldError;
use carepanel_domain::policy::Policy;
use carepanel_store::entity::{person, person_role, session, team};
use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

/// The role that administers a council's accounts; every council's policy defines it.
pub const COUNCIL_ADMINISTRATOR: &str = "council-administrator";

/// A person as the administrator sees them.
#[derive(Debug, Clone)]
pub struct PersonView {
    pub person: person::Model,
    pub team: Option<String>,
    /// (role row id, role label, panel name or "every panel").
    pub roles: Vec<(String, String, String)>,
    pub locked: bool,
}

/// Bank holidays in a range, and the first and last years the calendar data holds.
#[derive(Debug, Clone)]
pub struct BankHolidayList {
    pub days: Vec<(NaiveDate, String)>,
    pub years: Option<(i32, i32)>,
}

/// A new account, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub name: String,
    pub email: String,
    pub team_id: String,
    pub role: String,
    /// Empty for every panel of the council.
    pub panel_id: String,
    /// The first password, which the person is told by the administrator.
    pub password: String,
}

/// The shortest first password an administrator may set (NCSC guidance favours length).
pub const MIN_PASSWORD: usize = 12;

fn field(field: &str, message: impl Into<String>, requirement: &str) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
        requirement: requirement.into(),
    }
}

impl App {
    /// The policy of the actor's council in force today.
    pub fn council_policy(&self, actor: &Actor) -> Result<&Policy, AppError> {
        let today = self.local_now().date();
        let mine: Vec<&Policy> = self
            .policies
            .policies()
            .iter()
            .filter(|p| p.council.id == actor.council_id)
            .collect();
        mine.iter()
            .copied()
            .find(|p| {
                p.policy.effective_from <= today
                    && p.policy.effective_to.is_none_or(|to| today <= to)
            })
            .or_else(|| mine.last().copied())
            .ok_or_else(|| AppError::NotFound(format!("council {}", actor.council_id)))
    }

    fn require_administrator(&self, actor: &Actor) -> Result<&Policy, AppError> {
        let policy = self.council_policy(actor)?;
        if actor.roles.iter().any(|(r, _)| r == COUNCIL_ADMINISTRATOR) {
            Ok(policy)
        } else {
            Err(AppError::forbidden(
                format!(
                    "Only the {} manages accounts, roles and the calendar",
                    policy.role_label(COUNCIL_ADMINISTRATOR)
                ),
                "SEC-01",
            ))
        }
    }

    /// Every version of the council's policy that is loaded, oldest first, for the
    /// administrator (CFG-03).
    pub fn policy_versions(&self, actor: &Actor) -> Result<Vec<&Policy>, AppError> {
        self.require_administrator(actor)?;
        let mut mine: Vec<&Policy> = self
            .policies
            .policies()
            .iter()
            .filter(|p| p.council.id == actor.council_id)
            .collect();
        mine.sort_by_key(|p| p.policy.effective_from);
        Ok(mine)
    }

    /// The bank holidays the calendar counts from `from` to `to`, and the years the data
    /// covers (CAL-02).
    pub fn bank_holidays(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BankHolidayList, AppError> {
        self.require_administrator(actor)?;
        let h = self.calendar.holidays();
        Ok(BankHolidayList {
            days: h
                .iter()
                .filter(|(d, _)| *d >= from && *d <= to)
                .map(|(d, n)| (d, n.to_string()))
                .collect(),
            years: h.years(),
        })
    }

    /// The council's teams, by name.
    pub async fn teams(&self, actor: &Actor) -> Result<Vec<team::Model>, AppError> {
        self.require_administrator(actor)?;
        Ok(team::Entity::find()
            .filter(team::Column::CouncilId.eq(actor.council_id.clone()))
            .order_by_asc(team::Column::Name)
            .all(&self.db)
            .await?)
    }

    /// The council's people with their teams and roles.
    pub async fn people(&self, actor: &Actor) -> Result<Vec<PersonView>, AppError> {
        let policy = self.require_administrator(actor)?;
        let people = person::Entity::find()
            .filter(person::Column::CouncilId.eq(actor.council_id.clone()))
            .order_by_asc(person::Column::Name)
            .all(&self.db)
            .await?;
        let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
        let roles = person_role::Entity::find()
            .filter(person_role::Column::PersonId.is_in(ids))
            .all(&self.db)
            .await?;
        let teams = team::Entity::find()
            .filter(team::Column::CouncilId.eq(actor.council_id.clone()))
            .all(&self.db)
            .await?;
        let now = self.now();
        Ok(people
            .into_iter()
            .map(|p| PersonView {
                team: p
                    .team_id
                    .as_ref()
                    .and_then(|t| teams.iter().find(|x| &x.id == t))
                    .map(|t| t.name.clone()),
                roles: roles
                    .iter()
                    .filter(|r| r.person_id == p.id)
                    .map(|r| {
                        (
                            r.id.clone(),
                            policy.role_label(&r.role).to_string(),
                            if r.panel_id.is_empty() {
                                "every panel".to_string()
                            } else {
                                policy
                                    .panel(&r.panel_id)
                                    .map_or(r.panel_id.clone(), |x| x.name.clone())
                            },
                        )
                    })
                    .collect(),
                locked: p.locked_until.is_some_and(|t| t > now),
                person: p,
            })
            .collect())
    }

    /// Checks a role and panel against the council's policy.
    fn check_role(policy: &Policy, role: &str, panel_id: &str, out: &mut Vec<FieldError>) {
        if role.is_empty() {
            out.push(field("role", "Select a role", "SEC-01"));
        } else if policy.role(role).is_none() {
            out.push(field(
                "role",
                format!("'{role}' is not a role in {}'s policy", policy.council.name),
                "CFG-01",
            ));
        }
        if !panel_id.is_empty() && policy.panel(panel_id).is_none() {
            out.push(field(
                "panel",
                format!("'{panel_id}' is not a panel of {}", policy.council.name),
                "CFG-01",
            ));
        }
    }

    /// Adds an account with its first role and first password, which `hash` turns into its
    /// stored form (argon2id, in the web layer). Returns its id.
    pub async fn add_account(
        &self,
        actor: &Actor,
        new: &NewAccount,
        hash: impl Fn(&str) -> Result<String, AppError>,
    ) -> Result<String, AppError> {
        let policy = self.require_administrator(actor)?;
        let mut problems = Vec::new();
        let name = new.name.trim();
        if name.is_empty() {
            problems.push(field("name", "Enter the person's full name", "SEC-01"));
        } else if name.chars().count() > 200 {
            problems.push(field(
                "name",
                "Name must be 200 characters or fewer",
                "SEC-01",
            ));
        }
        let email = new.email.trim().to_lowercase();
        let at = email.find('@');
        if email.is_empty() {
            problems.push(field(
                "email",
                "Enter the person's work email address",
                "SEC-01",
            ));
        } else if at.is_none_or(|i| i == 0 || !email[i + 1..].contains('.'))
            || email.contains(char::is_whitespace)
            || email.len() > 254
        {
            problems.push(field(
                "email",
                "Enter an email address in the correct format, like name@council.gov.uk",
                "SEC-01",
            ));
        } else if person::Entity::find()
            .filter(person::Column::Email.eq(email.clone()))
            .one(&self.db)
            .await?
            .is_some()
        {
            problems.push(field(
                "email",
                "An account with this email address already exists",
                "SEC-01",
            ));
        }
        let team_id = new.team_id.trim();
        if !team_id.is_empty()
            && team::Entity::find_by_id(team_id.to_string())
                .filter(team::Column::CouncilId.eq(actor.council_id.clone()))
                .one(&self.db)
                .await?
                .is_none()
        {
            problems.push(field("team", "Select a team from the list", "SEC-01"));
        }
        Self::check_role(policy, new.role.trim(), new.panel_id.trim(), &mut problems);
        if new.password.chars().count() < MIN_PASSWORD {
            problems.push(field(
                "password",
                format!("Enter a first password of at least {MIN_PASSWORD} characters"),
                "SEC-01",
            ));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let password_hash = hash(&new.password)?;
        let id = new_id();
        self.retrying(|| async {
            let txn = self.begin().await?;
            person::ActiveModel {
                id: Set(id.clone()),
                council_id: Set(actor.council_id.clone()),
                team_id: Set((!team_id.is_empty()).then(|| team_id.to_string())),
                name: Set(name.to_string()),
                email: Set(email.clone()),
                password_hash: Set(Some(password_hash.clone())),
                active: Set(true),
                failed_logins: Set(0),
                locked_until: Set(None),
                created_at: Set(self.now()),
            }
            .insert(&txn)
            .await?;
            person_role::ActiveModel {
                id: Set(new_id()),
                person_id: Set(id.clone()),
                role: Set(new.role.trim().to_string()),
                panel_id: Set(new.panel_id.trim().to_string()),
            }
            .insert(&txn)
            .await?;
            self.audit(
                &txn,
                actor,
                "person.create",
                "person",
                &id,
                json!({"roles": [{"role": new.role.trim(), "panel": new.panel_id.trim()}]}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await?;
        Ok(id)
    }

    async fn council_person(
        &self,
        actor: &Actor,
        person_id: &str,
    ) -> Result<person::Model, AppError> {
        person::Entity::find_by_id(person_id.to_string())
            .filter(person::Column::CouncilId.eq(actor.council_id.clone()))
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("person {person_id}")))
    }

    /// Gives a person a role, for one panel or every panel.
    pub async fn grant_role(
        &self,
        actor: &Actor,
        person_id: &str,
        role: &str,
        panel_id: &str,
    ) -> Result<(), AppError> {
        let policy = self.require_administrator(actor)?;
        self.council_person(actor, person_id).await?;
        let mut problems = Vec::new();
        Self::check_role(policy, role.trim(), panel_id.trim(), &mut problems);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let held = person_role::Entity::find()
            .filter(person_role::Column::PersonId.eq(person_id))
            .filter(person_role::Column::Role.eq(role.trim()))
            .filter(person_role::Column::PanelId.eq(panel_id.trim()))
            .one(&self.db)
            .await?;
        if held.is_some() {
            return Err(AppError::invalid(
                "role",
                "The person already holds this role for that panel",
                "SEC-01",
            ));
        }
        self.retrying(|| async {
            let txn = self.begin().await?;
            person_role::ActiveModel {
                id: Set(new_id()),
                person_id: Set(person_id.to_string()),
                role: Set(role.trim().to_string()),
                panel_id: Set(panel_id.trim().to_string()),
            }
            .insert(&txn)
            .await?;
            self.audit(
                &txn,
                actor,
                "person.grant",
                "person",
                person_id,
                json!({"role": role.trim(), "panel": panel_id.trim()}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    /// Takes a role away. An administrator cannot take away their own administrator role, so a
    /// council is never left without one by accident.
    pub async fn revoke_role(&self, actor: &Actor, role_id: &str) -> Result<(), AppError> {
        self.require_administrator(actor)?;
        let row = person_role::Entity::find_by_id(role_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("role {role_id}")))?;
        self.council_person(actor, &row.person_id).await?;
        if row.person_id == actor.person_id && row.role == COUNCIL_ADMINISTRATOR {
            return Err(AppError::refused(
                "You cannot take away your own administrator role; ask another administrator",
                "SEC-01",
            ));
        }
        self.retrying(|| async {
            let txn = self.begin().await?;
            person_role::Entity::delete_by_id(role_id.to_string())
                .exec(&txn)
                .await?;
            self.audit(
                &txn,
                actor,
                "person.revoke",
                "person",
                &row.person_id,
                json!({"role": row.role, "panel": row.panel_id}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    /// Disables or re-enables an account. Disabling ends the person's sessions at once; no one
    /// disables their own account.
    pub async fn set_active(
        &self,
        actor: &Actor,
        person_id: &str,
        active: bool,
    ) -> Result<(), AppError> {
        self.require_administrator(actor)?;
        self.council_person(actor, person_id).await?;
        if !active && person_id == actor.person_id {
            return Err(AppError::refused(
                "You cannot disable your own account",
                "SEC-01",
            ));
        }
        self.retrying(|| async {
            let txn = self.begin().await?;
            person::Entity::update_many()
                .col_expr(person::Column::Active, Expr::value(active))
                .filter(person::Column::Id.eq(person_id))
                .exec(&txn)
                .await?;
            if !active {
                session::Entity::delete_many()
                    .filter(session::Column::PersonId.eq(person_id))
                    .exec(&txn)
                    .await?;
            }
            self.audit(
                &txn,
                actor,
                if active {
                    "person.enable"
                } else {
                    "person.disable"
                },
                "person",
                person_id,
                json!({}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    /// Lifts a lockout after repeated failed sign-ins.
    pub async fn unlock(&self, actor: &Actor, person_id: &str) -> Result<(), AppError> {
        self.require_administrator(actor)?;
        self.council_person(actor, person_id).await?;
        self.retrying(|| async {
            let txn = self.begin().await?;
            person::Entity::update_many()
                .col_expr(person::Column::FailedLogins, Expr::value(0))
                .col_expr(
                    person::Column::LockedUntil,
                    Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                )
                .filter(person::Column::Id.eq(person_id))
                .exec(&txn)
                .await?;
            self.audit(&txn, actor, "person.unlock", "person", person_id, json!({}))
                .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }
}
