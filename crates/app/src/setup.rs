//! Setting up a council: its record, teams, people and their roles, and children. Each is an
//! administrator's action with its audit event.

use crate::{Actor, App, AppError, new_id};
use carepanel_store::audit::{self, NewEvent};
use carepanel_store::entity::{child, council, person, person_role, team};
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

impl App {
    /// Creates the council record for a loaded policy, if it is not there yet.
    pub async fn ensure_council(&self, council_id: &str) -> Result<(), AppError> {
        let policy = self
            .policies
            .policies()
            .iter()
            .filter(|p| p.council.id == council_id)
            .max_by_key(|p| p.policy.effective_from)
            .ok_or_else(|| AppError::NotFound(format!("policy for council {council_id}")))?;
        if council::Entity::find_by_id(council_id.to_string())
            .one(&self.db)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let txn = self.begin().await?;
        council::ActiveModel {
            id: Set(council_id.to_string()),
            name: Set(policy.council.name.clone()),
            policy_version: Set(policy.policy.version.clone()),
            audit_seq: Set(0),
            audit_head: Set(audit::genesis()),
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            self.now(),
            NewEvent {
                council_id,
                actor_id: None,
                action: "council.create",
                entity: "council",
                entity_id: council_id,
                detail: json!({"policy_version": policy.policy.version}),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// System set-up (the demo seed, the command line); the administrator's pages check the
    /// council administrator role before calling it.
    pub async fn create_team(&self, council_id: &str, name: &str) -> Result<String, AppError> {
        let id = new_id();
        let txn = self.begin().await?;
        team::ActiveModel {
            id: Set(id.clone()),
            council_id: Set(council_id.to_string()),
            name: Set(name.to_string()),
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            self.now(),
            NewEvent {
                council_id,
                actor_id: None,
                action: "team.create",
                entity: "team",
                entity_id: &id,
                detail: json!({"name": name}),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Adds a person with roles (role, optional panel). Unknown roles are refused. System
    /// set-up, as [`App::create_team`].
    pub async fn create_person(
        &self,
        council_id: &str,
        team_id: Option<&str>,
        name: &str,
        email: &str,
        roles: &[(&str, Option<&str>)],
    ) -> Result<Actor, AppError> {
        let policy = self
            .policies
            .policies()
            .iter()
            .find(|p| p.council.id == council_id)
            .ok_or_else(|| AppError::NotFound(format!("council {council_id}")))?;
        for (r, _) in roles {
            if policy.role(r).is_none() {
                return Err(AppError::invalid(
                    "role",
                    format!("'{r}' is not a role in {}'s policy", policy.council.name),
                    "CFG-01",
                ));
            }
        }
        let id = new_id();
        let txn = self.begin().await?;
        person::ActiveModel {
            id: Set(id.clone()),
            council_id: Set(council_id.to_string()),
            team_id: Set(team_id.map(str::to_string)),
            name: Set(name.to_string()),
            email: Set(email.to_string()),
            password_hash: Set(None),
            active: Set(true),
            failed_logins: Set(0),
            locked_until: Set(None),
            created_at: Set(self.now()),
        }
        .insert(&txn)
        .await?;
        for (r, panel) in roles {
            person_role::ActiveModel {
                id: Set(new_id()),
                person_id: Set(id.clone()),
                role: Set(r.to_string()),
                panel_id: Set(panel.unwrap_or("").to_string()),
            }
            .insert(&txn)
            .await?;
        }
        audit::append(
            &txn,
            self.now(),
            NewEvent {
                council_id,
                actor_id: None,
                action: "person.create",
                entity: "person",
                entity_id: &id,
                detail: json!({"roles": roles.iter().map(|(r, p)| json!({"role": r, "panel": p})).collect::<Vec<_>>()}),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(Actor {
            person_id: id,
            council_id: council_id.to_string(),
            team_id: team_id.map(str::to_string),
            roles: roles
                .iter()
                .map(|(r, p)| (r.to_string(), p.map(str::to_string)))
                .collect(),
        })
    }

    /// Records a child from the council's case system (REF-19, EQ-04). Legal status and
    /// ethnicity are SSDA903 codes.
    pub async fn register_child(&self, actor: &Actor, c: NewChild<'_>) -> Result<String, AppError> {
        let may = actor.roles.iter().any(|(r, _)| {
            matches!(
                r.as_str(),
                "social-worker"
                    | "team-manager"
                    | "service-manager"
                    | "service-leader"
                    | "panel-administrator"
                    | "council-administrator"
            )
        });
        if !may {
            return Err(AppError::forbidden(
                "Only social work staff, panel administrators or the council administrator record children",
                "SEC-01",
            ));
        }
        let lists = code_lists();
        let mut errors = Vec::new();
        if let Some(code) = c
            .legal_status
            .filter(|code| lists.legal_status(code).is_none())
        {
            errors.push(carepanel_domain::decision::FieldError {
                field: "legal_status".into(),
                message: format!(
                    "'{code}' is not an SSDA903 legal status; choose one of {}",
                    lists
                        .legal_status
                        .iter()
                        .map(|x| x.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                requirement: "EQ-04".into(),
            });
        }
        if let Some(code) = c.ethnicity.filter(|code| lists.ethnicity(code).is_none()) {
            errors.push(carepanel_domain::decision::FieldError {
                field: "ethnicity".into(),
                message: format!("'{code}' is not an SSDA903 ethnicity code"),
                requirement: "EQ-04".into(),
            });
        }
        if c.case_system_id.trim().is_empty() {
            errors.push(carepanel_domain::decision::FieldError {
                field: "case_system_id".into(),
                message:
                    "Enter the child's id in the case system, so decisions can be recorded back"
                        .into(),
                requirement: "REF-19".into(),
            });
        }
        if c.date_of_birth > carepanel_domain::calendar::utc_to_london(self.now()).date() {
            errors.push(carepanel_domain::decision::FieldError {
                field: "date_of_birth".into(),
                message: "The date of birth must be today or in the past".into(),
                requirement: "CAL-09".into(),
            });
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let id = new_id();
        let txn = self.begin().await?;
        child::ActiveModel {
            id: Set(id.clone()),
            council_id: Set(actor.council_id.clone()),
            case_system: Set(c.case_system.to_string()),
            case_system_id: Set(c.case_system_id.to_string()),
            name: Set(c.name.to_string()),
            date_of_birth: Set(c.date_of_birth),
            sex: Set(c.sex.map(str::to_string)),
            ethnicity: Set(c.ethnicity.map(str::to_string)),
            disability: Set(c.disability.map(str::to_string)),
            legal_status: Set(c.legal_status.map(str::to_string)),
            looked_after: Set(c.looked_after),
            team_id: Set(actor.team_id.clone()),
            created_at: Set(self.now()),
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            if crate::error::is_unique_violation(&e) {
                AppError::invalid(
                    "case_system_id",
                    format!(
                        "A child with case-system id {} is already recorded",
                        c.case_system_id
                    ),
                    "REF-19",
                )
            } else {
                AppError::Db(e)
            }
        })?;
        audit::append(
            &txn,
            self.now(),
            NewEvent {
                council_id: &actor.council_id,
                actor_id: Some(&actor.person_id),
                action: "child.create",
                entity: "child",
                entity_id: &id,
                detail: json!({"case_system_id": c.case_system_id}),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }
}

/// A child as entered from the case system.
#[derive(Debug, Clone)]
pub struct NewChild<'a> {
    pub case_system: &'a str,
    pub case_system_id: &'a str,
    pub name: &'a str,
    pub date_of_birth: NaiveDate,
    pub sex: Option<&'a str>,
    pub ethnicity: Option<&'a str>,
    pub disability: Option<&'a str>,
    /// SSDA903 legal status code.
    pub legal_status: Option<&'a str>,
    pub looked_after: bool,
}

/// A stored role as the actor holds it: an empty panel means every panel of the council.
fn role_on(role: String, panel: Option<String>) -> (String, Option<String>) {
    (role, panel.filter(|p| !p.is_empty()))
}

/// A session and the person holding it, as one read gives them ([`App::session_holder`]).
pub struct SessionHolder {
    pub csrf_token: String,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Whether the account is enabled; a disabled account's sessions end at once (SEC-01).
    pub active: bool,
    pub name: String,
    pub actor: Actor,
}

impl App {
    /// The actor for a stored person: their council, team and roles (sessions and API tokens
    /// resolve to this).
    pub async fn actor(&self, person_id: &str) -> Result<Actor, AppError> {
        Ok(self.actor_named(person_id).await?.0)
    }

    /// A session's holder, read with the session in one statement (every page needs it): the
    /// session's times and CSRF token, and the person with their roles. The caller decides
    /// whether the session is live and the account enabled; nothing is cached, so a disabled
    /// account or an ended session is refused at the next request.
    pub async fn session_holder(&self, key: &str) -> Result<Option<SessionHolder>, AppError> {
        use carepanel_store::entity::{person, person_role, session};
        use sea_orm::{JoinType, QuerySelect};
        let to_person = session::Entity::belongs_to(person::Entity)
            .from(session::Column::PersonId)
            .to(person::Column::Id)
            .into();
        let to_roles = session::Entity::belongs_to(person_role::Entity)
            .from(session::Column::PersonId)
            .to(person_role::Column::PersonId)
            .into();
        type Row = (
            String,
            chrono::DateTime<chrono::Utc>,
            chrono::DateTime<chrono::Utc>,
            String,
            String,
            Option<String>,
            String,
            bool,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = session::Entity::find_by_id(key.to_string())
            .select_only()
            .columns([
                session::Column::CsrfToken,
                session::Column::LastSeenAt,
                session::Column::ExpiresAt,
            ])
            .join(JoinType::InnerJoin, to_person)
            .columns([
                person::Column::Id,
                person::Column::CouncilId,
                person::Column::TeamId,
                person::Column::Name,
                person::Column::Active,
            ])
            .join(JoinType::LeftJoin, to_roles)
            .columns([person_role::Column::Role, person_role::Column::PanelId])
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut rows = rows.into_iter();
        let Some((
            csrf_token,
            last_seen_at,
            expires_at,
            person_id,
            council_id,
            team_id,
            name,
            active,
            role,
            panel,
        )) = rows.next()
        else {
            return Ok(None);
        };
        let role_of = |role: Option<String>, panel| role.map(|r| role_on(r, panel));
        let roles = role_of(role, panel)
            .into_iter()
            .chain(rows.filter_map(|r| role_of(r.8, r.9)))
            .collect();
        Ok(Some(SessionHolder {
            csrf_token,
            last_seen_at,
            expires_at,
            active,
            name,
            actor: Actor {
                person_id,
                council_id,
                team_id,
                roles,
            },
        }))
    }

    /// The actor and the person's name, from the same reads.
    pub async fn actor_named(&self, person_id: &str) -> Result<(Actor, String), AppError> {
        use carepanel_store::entity::{person, person_role};
        use sea_orm::{ColumnTrait, QueryFilter};
        let p = person::Entity::find_by_id(person_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("person {person_id}")))?;
        if !p.active {
            return Err(AppError::forbidden("This account is disabled", "SEC-01"));
        }
        let roles = person_role::Entity::find()
            .filter(person_role::Column::PersonId.eq(person_id))
            .all(&self.db)
            .await?;
        let actor = Actor {
            person_id: p.id,
            council_id: p.council_id,
            team_id: p.team_id,
            roles: roles
                .into_iter()
                .map(|r| role_on(r.role, Some(r.panel_id)))
                .collect(),
        };
        Ok((actor, p.name))
    }
}

/// The SSDA903 code lists shipped in `data/ssda903.json`.
pub fn code_lists() -> &'static carepanel_domain::reference::CodeLists {
    static LISTS: std::sync::OnceLock<carepanel_domain::reference::CodeLists> =
        std::sync::OnceLock::new();
    LISTS.get_or_init(|| {
        carepanel_domain::reference::CodeLists::from_json(include_str!(
            "../../../data/ssda903.json"
        ))
        .unwrap_or(carepanel_domain::reference::CodeLists {
            legal_status: Vec::new(),
            ethnicity: Vec::new(),
        })
    })
}

impl App {
    /// Sets a person's password hash (argon2id, made by the web layer). System set-up: the demo
    /// seed and the administrator's pages.
    pub async fn set_password_hash(&self, person_id: &str, hash: &str) -> Result<(), AppError> {
        use carepanel_store::entity::person;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, QueryFilter};
        let p = person::Entity::find_by_id(person_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("person {person_id}")))?;
        let txn = self.begin().await?;
        person::Entity::update_many()
            .col_expr(person::Column::PasswordHash, Expr::value(hash))
            .filter(person::Column::Id.eq(person_id))
            .exec(&txn)
            .await?;
        audit::append(
            &txn,
            self.now(),
            NewEvent {
                council_id: &p.council_id,
                actor_id: None,
                action: "person.password",
                entity: "person",
                entity_id: person_id,
                detail: json!({}),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
