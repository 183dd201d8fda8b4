//! The panel pack as members read it before the meeting, each referral in full in running
//! order, and members' pre-meeting notes on each item (PAP-03, PAP-04).

use crate::access::{panel_roles, require_role};
use crate::views::ReferralView;
use crate::{Actor, App, AppError, new_id};
use carepanel_store::entity::{agenda_item, meeting, member_note, person, person_role};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

/// The longest note a member may keep on one item, in characters.
pub const MAX_NOTE: usize = 5000;

/// A pre-meeting note with who wrote it and in which role.
#[derive(Debug, Clone)]
pub struct NoteView {
    pub note: member_note::Model,
    pub author: String,
    pub role: String,
}

/// One item of the pack.
#[derive(Debug, Clone)]
pub struct PackItem {
    pub item: agenda_item::Model,
    pub label: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub referral: Option<ReferralView>,
    pub notes: Vec<NoteView>,
}

/// The pack for a meeting.
#[derive(Debug, Clone)]
pub struct Pack {
    pub meeting: meeting::Model,
    pub panel_name: String,
    pub items: Vec<PackItem>,
}

impl App {
    /// The notes on a meeting's items, oldest first. Callers check access.
    pub(crate) async fn notes_on(
        &self,
        meeting: &meeting::Model,
    ) -> Result<Vec<NoteView>, AppError> {
        let notes = member_note::Entity::find()
            .filter(member_note::Column::MeetingId.eq(meeting.id.clone()))
            .order_by_asc(member_note::Column::UpdatedAt)
            .all(&self.db)
            .await?;
        let ids: Vec<String> = notes.iter().map(|n| n.person_id.clone()).collect();
        let people = person::Entity::find()
            .filter(person::Column::Id.is_in(ids.clone()))
            .all(&self.db)
            .await?;
        let roles = person_role::Entity::find()
            .filter(person_role::Column::PersonId.is_in(ids))
            .filter(person_role::Column::PanelId.is_in([meeting.panel_id.clone(), String::new()]))
            .all(&self.db)
            .await?;
        let (policy, panel) = self.panel(&meeting.panel_id)?;
        let member_roles: Vec<&str> = panel.members.iter().map(|m| m.role.as_str()).collect();
        Ok(notes
            .into_iter()
            .map(|n| {
                let author = people
                    .iter()
                    .find(|p| p.id == n.person_id)
                    .map_or_else(|| n.person_id.clone(), |p| p.name.clone());
                let held: Vec<&person_role::Model> = roles
                    .iter()
                    .filter(|r| r.person_id == n.person_id)
                    .collect();
                let role = held
                    .iter()
                    .find(|r| member_roles.contains(&r.role.as_str()))
                    .or(held.first())
                    .map(|r| policy.role_label(&r.role).to_string())
                    .unwrap_or_default();
                NoteView {
                    note: n,
                    author,
                    role,
                }
            })
            .collect())
    }

    /// The pack: the agenda in running order with each referral in full and the notes on it.
    /// Members see it once the papers are circulated; the administrator and chairs before
    /// that, to prepare it (PAP-03).
    pub async fn pack(&self, actor: &Actor, meeting_id: &str) -> Result<Pack, AppError> {
        let agenda = self.agenda(actor, meeting_id).await?;
        if agenda.meeting.papers_circulated_at.is_none() && !agenda.administers && !agenda.chairs {
            return Err(AppError::refused(
                "The papers for this meeting have not been circulated yet; the pack is published to members when they are",
                "PAP-03",
            ));
        }
        let notes = self.notes_on(&agenda.meeting).await?;
        let mut items = Vec::new();
        for (item, label, start, end) in agenda.items {
            let referral = match &item.referral_id {
                Some(rid) => Some(self.referral_view(actor, rid).await?),
                None => None,
            };
            let notes = notes
                .iter()
                .filter(|n| n.note.agenda_item_id == item.id)
                .cloned()
                .collect();
            items.push(PackItem {
                item,
                label,
                start,
                end,
                referral,
                notes,
            });
        }
        Ok(Pack {
            meeting: agenda.meeting,
            panel_name: agenda.panel_name,
            items,
        })
    }

    /// The notes on one item, for the people who work its panel.
    pub async fn item_notes(
        &self,
        actor: &Actor,
        item_id: &str,
    ) -> Result<Vec<NoteView>, AppError> {
        let item = agenda_item::Entity::find_by_id(item_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("agenda item {item_id}")))?;
        let m = self.meeting_for(actor, &item.meeting_id).await?;
        let (policy, panel) = self.panel(&m.panel_id)?;
        require_role(
            policy,
            actor,
            &panel.id,
            &panel_roles(policy, &panel.id),
            "read the notes on this item",
        )?;
        Ok(self
            .notes_on(&m)
            .await?
            .into_iter()
            .filter(|n| n.note.agenda_item_id == item_id)
            .collect())
    }

    /// Keeps the person's pre-meeting note on an item, replacing their earlier one; an empty
    /// note removes it (PAP-04). The audit trail records that a note changed, not its text.
    pub async fn save_note(
        &self,
        actor: &Actor,
        item_id: &str,
        text: &str,
    ) -> Result<(), AppError> {
        let item = agenda_item::Entity::find_by_id(item_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("agenda item {item_id}")))?;
        let m = self.meeting_for(actor, &item.meeting_id).await?;
        let (policy, panel) = self.panel(&m.panel_id)?;
        require_role(
            policy,
            actor,
            &panel.id,
            &panel_roles(policy, &panel.id),
            "keep notes on this item",
        )?;
        if m.status != "scheduled" {
            return Err(AppError::refused(
                format!(
                    "This meeting is {}: notes are for meetings to come",
                    m.status
                ),
                "PAP-04",
            ));
        }
        let decided = carepanel_store::entity::decision::Entity::find()
            .filter(carepanel_store::entity::decision::Column::AgendaItemId.eq(item_id))
            .one(&self.db)
            .await?;
        if decided.is_some() {
            return Err(AppError::refused(
                "The panel's decision on this item is recorded: notes are for before it",
                "PAP-04",
            ));
        }
        let text = text.trim();
        if text.chars().count() > MAX_NOTE {
            return Err(AppError::invalid(
                "note",
                format!("The note must be {MAX_NOTE} characters or fewer"),
                "PAP-04",
            ));
        }
        self.retrying(|| async {
            let txn = self.begin().await?;
            if text.is_empty() {
                member_note::Entity::delete_many()
                    .filter(member_note::Column::AgendaItemId.eq(item_id))
                    .filter(member_note::Column::PersonId.eq(actor.person_id.clone()))
                    .exec(&txn)
                    .await?;
            } else {
                // One note per person per item: a second save, even at the same moment from
                // another tab, replaces the first.
                member_note::Entity::insert(member_note::ActiveModel {
                    id: Set(new_id()),
                    meeting_id: Set(m.id.clone()),
                    agenda_item_id: Set(item_id.to_string()),
                    person_id: Set(actor.person_id.clone()),
                    note: Set(text.to_string()),
                    updated_at: Set(self.now()),
                })
                .on_conflict(
                    OnConflict::columns([
                        member_note::Column::AgendaItemId,
                        member_note::Column::PersonId,
                    ])
                    .update_columns([member_note::Column::Note, member_note::Column::UpdatedAt])
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
            }
            self.audit(
                &txn,
                actor,
                "item.note",
                "agenda_item",
                item_id,
                json!({"characters": text.chars().count()}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }
}
