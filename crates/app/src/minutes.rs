//! The minutes of a meeting, produced from what was recorded at it: the register, the
//! interests declared, and each item with its decision and actions (REC-01, MEM-05, MEM-06).
//! They are confidential: every view is logged (SEC-02).

use crate::coordination::Register;
use crate::views::DecisionView;
use crate::{Actor, App, AppError};
use carepanel_store::entity::{
    agenda_item, child, decision as decision_row, declaration, person, referral,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// An interest declared on one of the meeting's items.
#[derive(Debug, Clone)]
pub struct DeclarationLine {
    pub name: String,
    /// The item's number in the minutes and its label.
    pub item: String,
    pub nature: String,
    /// Whether the panel's terms of reference take the member out of the decision (MEM-06).
    pub excluded: bool,
}

/// One item as minuted.
#[derive(Debug, Clone)]
pub struct MinutedItem {
    pub item: agenda_item::Model,
    pub label: String,
    pub child: Option<child::Model>,
    pub decision: Option<DecisionView>,
}

/// What the minutes are made from.
#[derive(Debug, Clone)]
pub struct Minutes {
    pub panel_name: String,
    pub register: Register,
    pub declarations: Vec<DeclarationLine>,
    pub items: Vec<MinutedItem>,
}

impl App {
    /// The minutes of a meeting, for the people who may read its register: the panel's
    /// members, chairs and administrators. The view is logged.
    pub async fn minutes(&self, actor: &Actor, meeting_id: &str) -> Result<Minutes, AppError> {
        let register = self.attendance_register(actor, meeting_id).await?;
        let m = &register.meeting;
        let (policy, panel) = self.panel(&m.panel_id)?;
        // For the panel's own people only (not those who may only agree to a cancellation),
        // and, like the pack, for members once the papers are out (SEC-02, PAP-03).
        crate::access::require_role(
            policy,
            actor,
            &panel.id,
            &crate::access::panel_roles(policy, &panel.id),
            "read this meeting's minutes",
        )?;
        let prepares = crate::access::holds(
            policy,
            actor,
            &panel.id,
            &crate::access::administrator_roles(panel),
        )
        .is_some()
            || crate::access::holds(policy, actor, &panel.id, &panel.chair.eligible).is_some();
        if m.papers_circulated_at.is_none() && !prepares {
            return Err(AppError::refused(
                "The papers for this meeting have not been circulated yet; the minutes name the children on it, so members see them once the papers are out",
                "PAP-03",
            ));
        }
        let items = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
            .filter(agenda_item::Column::Status.is_in(["listed", "for-chair", "decided", "rolled"]))
            .order_by_asc(agenda_item::Column::Position)
            .order_by_asc(agenda_item::Column::SlotStart)
            .all(&self.db)
            .await?;
        let decisions = decision_row::Entity::find()
            .filter(decision_row::Column::AgendaItemId.is_in(items.iter().map(|i| i.id.clone())))
            .order_by_asc(decision_row::Column::DecidedAt)
            .all(&self.db)
            .await?;
        let referral_ids: Vec<String> =
            items.iter().filter_map(|i| i.referral_id.clone()).collect();
        let referrals = referral::Entity::find()
            .filter(referral::Column::Id.is_in(referral_ids))
            .all(&self.db)
            .await?;
        let children = child::Entity::find()
            .filter(child::Column::Id.is_in(referrals.iter().map(|r| r.child_id.clone())))
            .filter(child::Column::CouncilId.eq(m.council_id.clone()))
            .all(&self.db)
            .await?;
        let labels = self.item_labels(panel, &items).await?;
        let mut minuted = Vec::new();
        for item in items {
            let label = labels.get(&item.id).cloned().unwrap_or_default();
            let child = item
                .referral_id
                .as_ref()
                .and_then(|rid| referrals.iter().find(|r| &r.id == rid))
                .and_then(|r| children.iter().find(|c| c.id == r.child_id))
                .cloned();
            let decision = match decisions.iter().find(|d| d.agenda_item_id == item.id) {
                Some(d) => Some(self.decision_parts(d.clone()).await?),
                None => None,
            };
            minuted.push(MinutedItem {
                item,
                label,
                child,
                decision,
            });
        }
        let declared = declaration::Entity::find()
            .filter(declaration::Column::MeetingId.eq(m.id.clone()))
            .order_by_asc(declaration::Column::DeclaredAt)
            .all(&self.db)
            .await?;
        let people = person::Entity::find()
            .filter(person::Column::Id.is_in(declared.iter().map(|d| d.person_id.clone())))
            .filter(person::Column::CouncilId.eq(m.council_id.clone()))
            .all(&self.db)
            .await?;
        let declarations = declared
            .into_iter()
            .map(|d| {
                let item = minuted
                    .iter()
                    .position(|i| i.item.id == d.agenda_item_id)
                    .map_or_else(String::new, |n| format!("{}. {}", n + 1, minuted[n].label));
                DeclarationLine {
                    name: people
                        .iter()
                        .find(|p| p.id == d.person_id)
                        .map_or_else(|| d.person_id.clone(), |p| p.name.clone()),
                    item,
                    nature: d.nature,
                    excluded: panel.declarations.excludes_from_decision,
                }
            })
            .collect();
        // Minutes are confidential: every view is logged (SEC-02), before they are shown.
        self.log_read(crate::read_log::ReadEvent {
            council_id: actor.council_id.clone(),
            actor_id: actor.person_id.clone(),
            action: "minutes.read",
            entity: "meeting",
            entity_id: m.id.clone(),
            detail: serde_json::json!({"items": minuted.len()}),
            at: self.now(),
        })
        .await?;
        Ok(Minutes {
            panel_name: panel.name.clone(),
            register,
            declarations,
            items: minuted,
        })
    }
}
