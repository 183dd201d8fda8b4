//! The coordinator's meeting work beyond the agenda itself: the attendance register with
//! apologies and cover, and cancelling a meeting with its authoriser recorded, which moves
//! everything waiting on it to the next meeting held (MEM-04, MEM-05, CAL-07, AGD-02).

use crate::access::{administrator_roles, holds, require_role};
use crate::panel_work::AttendanceStatus;
use crate::{Actor, App, AppError};
use carepanel_domain::decision::FieldError;
use carepanel_store::entity::{
    agenda_item, attendance, interim_decision, meeting, person, person_role,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

/// One line of a meeting's register: a member of the panel and what is recorded for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterLine {
    pub person_id: String,
    pub name: String,
    /// The member role they hold for the panel.
    pub role: String,
    pub role_label: String,
    /// The latest record: present, apologies or cover; none if nothing is recorded yet.
    pub status: Option<String>,
    /// For cover: the member whose place they take.
    pub cover_for: Option<String>,
}

/// A meeting's attendance register (MEM-05).
#[derive(Debug, Clone)]
pub struct Register {
    pub meeting: meeting::Model,
    pub lines: Vec<RegisterLine>,
    /// Whether the reader administers the panel and so may record for others.
    pub administers: bool,
    /// The people who may agree to the meeting being cancelled (CAL-07), as (id, name, role).
    pub authorisers: Vec<(String, String, String)>,
}

/// What a cancellation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancelled {
    /// The role under which the authoriser agreed.
    pub authoriser_role: String,
    /// The meeting everything moved to.
    pub moved_to: meeting::Model,
    pub items: usize,
    pub interims: usize,
}

impl App {
    /// The panel's members, each with what is recorded for this meeting, for the people who
    /// work the panel (MEM-05).
    pub async fn attendance_register(
        &self,
        actor: &Actor,
        meeting_id: &str,
    ) -> Result<Register, AppError> {
        let m = self.meeting_for(actor, meeting_id).await?;
        let (policy, panel) = self.panel(&m.panel_id)?;
        let mut readers = crate::access::panel_roles(policy, &panel.id);
        readers.extend(panel.meetings.cancellation_authorisers.iter().cloned());
        require_role(
            policy,
            actor,
            &panel.id,
            &readers,
            "see this meeting's register",
        )?;
        let member_roles: Vec<String> = panel.members.iter().map(|mm| mm.role.clone()).collect();
        let mut wanted = member_roles.clone();
        wanted.extend(panel.meetings.cancellation_authorisers.iter().cloned());
        let roles = person_role::Entity::find()
            .filter(person_role::Column::Role.is_in(wanted))
            .filter(person_role::Column::PanelId.is_in([panel.id.clone(), String::new()]))
            .all(&self.db)
            .await?;
        let ids: Vec<String> = roles.iter().map(|r| r.person_id.clone()).collect();
        let people = person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .filter(person::Column::CouncilId.eq(m.council_id.clone()))
            .filter(person::Column::Active.eq(true))
            .order_by_asc(person::Column::Name)
            .all(&self.db)
            .await?;
        let records = attendance::Entity::find()
            .filter(attendance::Column::MeetingId.eq(meeting_id))
            .order_by_asc(attendance::Column::NotifiedAt)
            .all(&self.db)
            .await?;
        let name_of = |id: &str| {
            people
                .iter()
                .find(|p| p.id == id)
                .map_or_else(|| id.to_string(), |p| p.name.clone())
        };
        let mut lines = Vec::new();
        let mut authorisers = Vec::new();
        for p in &people {
            let held: Vec<&person_role::Model> =
                roles.iter().filter(|r| r.person_id == p.id).collect();
            if let Some(r) = held.iter().find(|r| member_roles.contains(&r.role)) {
                let last = records.iter().rev().find(|a| a.person_id == p.id);
                lines.push(RegisterLine {
                    person_id: p.id.clone(),
                    name: p.name.clone(),
                    role: r.role.clone(),
                    role_label: policy.role_label(&r.role).to_string(),
                    status: last.map(|a| a.status.clone()),
                    cover_for: last.and_then(|a| a.cover_for.as_deref().map(name_of)),
                });
            }
            if let Some(r) = held
                .iter()
                .find(|r| panel.meetings.cancellation_authorisers.contains(&r.role))
            {
                authorisers.push((
                    p.id.clone(),
                    p.name.clone(),
                    policy.role_label(&r.role).to_string(),
                ));
            }
        }
        let administers = holds(policy, actor, &panel.id, &administrator_roles(panel)).is_some();
        Ok(Register {
            meeting: m,
            lines,
            administers,
            authorisers,
        })
    }

    /// Records attendance from the register: the member's own role is used, and cover takes
    /// the role of the member covered (MEM-04, MEM-05). Returns the short-notice warning, if any.
    pub async fn record_register(
        &self,
        actor: &Actor,
        meeting_id: &str,
        person_id: &str,
        status: AttendanceStatus,
        cover_for: Option<&str>,
    ) -> Result<Option<String>, AppError> {
        let register = self.attendance_register(actor, meeting_id).await?;
        if status == AttendanceStatus::Cover && !register.administers {
            return Err(AppError::forbidden(
                "Only the panel's administrator records cover",
                "MEM-04",
            ));
        }
        if register.meeting.status != "scheduled" {
            return Err(AppError::refused(
                format!("This meeting is {}", register.meeting.status),
                "MEM-05",
            ));
        }
        let line = |id: &str| register.lines.iter().find(|l| l.person_id == id);
        let role = match status {
            AttendanceStatus::Cover => {
                let Some(covered) = cover_for.filter(|c| !c.is_empty()) else {
                    return Err(AppError::invalid(
                        "cover_for",
                        "Select the member whose place is being covered",
                        "MEM-04",
                    ));
                };
                if covered == person_id {
                    return Err(AppError::invalid(
                        "cover_for",
                        "A person cannot cover their own place; select the absent member",
                        "MEM-04",
                    ));
                }
                line(covered)
                    .ok_or_else(|| {
                        AppError::invalid(
                            "cover_for",
                            "Select a member of this panel to cover",
                            "MEM-04",
                        )
                    })?
                    .role
                    .clone()
            }
            _ => line(person_id)
                .ok_or_else(|| {
                    AppError::invalid("person", "Select a member of this panel", "MEM-05")
                })?
                .role
                .clone(),
        };
        if status == AttendanceStatus::Cover
            && person::Entity::find_by_id(person_id.to_string())
                .filter(person::Column::CouncilId.eq(register.meeting.council_id.clone()))
                .one(&self.db)
                .await?
                .is_none()
        {
            return Err(AppError::invalid(
                "person",
                "Select the person who is covering",
                "MEM-04",
            ));
        }
        let cover_for = if status == AttendanceStatus::Cover {
            cover_for
        } else {
            None
        };
        self.record_attendance(actor, meeting_id, person_id, &role, status, cover_for)
            .await
    }

    /// Cancels a meeting (CAL-07). The administrator, or an authoriser, records whose prior
    /// agreement was given; that person must hold one of the panel's cancellation authoriser
    /// roles. Every item still waiting on the meeting, and every decision between meetings
    /// awaiting ratification there, moves to the next meeting held (AGD-02).
    pub async fn cancel_meeting(
        &self,
        actor: &Actor,
        meeting_id: &str,
        authoriser_id: &str,
        reason: &str,
    ) -> Result<Cancelled, AppError> {
        let m = self.meeting_for(actor, meeting_id).await?;
        let (policy, panel) = self.panel(&m.panel_id)?;
        let mut allowed = administrator_roles(panel);
        allowed.extend(panel.meetings.cancellation_authorisers.iter().cloned());
        require_role(policy, actor, &panel.id, &allowed, "cancel a meeting")?;
        let mut problems = Vec::new();
        let reason = reason.trim();
        if reason.is_empty() {
            problems.push(FieldError {
                field: "reason".into(),
                message: "Enter why the meeting is cancelled".into(),
                requirement: "CAL-07".into(),
            });
        }
        let mut authoriser_role = None;
        if authoriser_id.trim().is_empty() {
            problems.push(FieldError {
                field: "authoriser".into(),
                message: "Select whose prior agreement was given to cancel the meeting".into(),
                requirement: "CAL-07".into(),
            });
        } else {
            let who = match self.actor(authoriser_id).await {
                Ok(a) if a.council_id == m.council_id => Some(a),
                Ok(_) | Err(AppError::NotFound(_)) | Err(AppError::Forbidden { .. }) => None,
                Err(e) => return Err(e),
            };
            match who {
                None => problems.push(FieldError {
                    field: "authoriser".into(),
                    message: "Select a person from the list".into(),
                    requirement: "CAL-07".into(),
                }),
                Some(who) => match self
                    .scheduler(policy, panel)
                    .check_cancellation(&who.roles_for(&panel.id))
                {
                    Ok(role) => authoriser_role = Some(role),
                    Err(e) => problems.push(FieldError {
                        field: "authoriser".into(),
                        message: e.to_string(),
                        requirement: "CAL-07".into(),
                    }),
                },
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let authoriser_role = authoriser_role.unwrap_or_default();
        if m.status != "scheduled" {
            return Err(AppError::refused(
                format!("This meeting is {} and cannot be cancelled", m.status),
                "CAL-07",
            ));
        }
        let start = chrono::NaiveDateTime::parse_from_str(&m.starts_at, "%Y-%m-%dT%H:%M")
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        if start <= self.local_now() {
            return Err(AppError::refused(
                "The meeting has already started, so it cannot be cancelled",
                "CAL-07",
            ));
        }
        self.retrying(|| async {
            let txn = self.begin().await?;
            self.lock_meeting(&txn, meeting_id).await?;
            let done = meeting::Entity::update_many()
                .col_expr(meeting::Column::Status, Expr::value("cancelled"))
                .col_expr(meeting::Column::CancelledBy, Expr::value(authoriser_id))
                .col_expr(meeting::Column::CancelReason, Expr::value(reason))
                .filter(meeting::Column::Id.eq(meeting_id))
                .filter(meeting::Column::Status.eq("scheduled"))
                .exec(&txn)
                .await?;
            if done.rows_affected != 1 {
                return Err(AppError::Conflict(
                    "The meeting was changed by someone else; look at it again".into(),
                ));
            }
            let next = self.next_held_meeting(&txn, policy, panel, &m).await?;
            let items = agenda_item::Entity::find()
                .filter(agenda_item::Column::MeetingId.eq(meeting_id))
                .filter(agenda_item::Column::Status.is_in(["listed", "for-chair"]))
                .order_by_asc(agenda_item::Column::Position)
                .all(&txn)
                .await?;
            let note = format!(
                "The meeting of {} was cancelled (CAL-07); moved to {}.",
                m.starts_at.replace('T', " "),
                next.starts_at.replace('T', " ")
            );
            for item in &items {
                self.roll_item(&txn, panel, item, &next, &note).await?;
            }
            // A decision between meetings lasts until the meeting that ratifies it (EMG-03).
            let interims = interim_decision::Entity::update_many()
                .col_expr(
                    interim_decision::Column::RatificationMeetingId,
                    Expr::value(next.id.clone()),
                )
                .col_expr(
                    interim_decision::Column::ValidUntil,
                    Expr::value(next.starts_at.clone()),
                )
                .filter(interim_decision::Column::RatificationMeetingId.eq(meeting_id))
                .filter(interim_decision::Column::Status.eq("awaiting-ratification"))
                .exec(&txn)
                .await?
                .rows_affected as usize;
            self.audit(
                &txn,
                actor,
                "meeting.cancel",
                "meeting",
                meeting_id,
                json!({"authoriser": authoriser_id, "authoriser_role": authoriser_role, "reason": reason, "moved_to": next.starts_at, "items": items.len(), "interims": interims}),
            )
            .await?;
            txn.commit().await?;
            Ok(Cancelled {
                authoriser_role: authoriser_role.clone(),
                moved_to: next,
                items: items.len(),
                interims,
            })
        })
        .await
    }
}
