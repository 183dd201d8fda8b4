//! Calendar invitations (iCalendar, Europe/London): a meeting for the people who sit on its
//! panel, and a presenter's slot for the worker whose referral is heard. A cancelled meeting,
//! or an item moved off it, gives the same event as a cancellation.

use crate::access::{panel_roles, require_read, require_role};
use crate::{Actor, App, AppError};
use carepanel_documents::ical::{Event, Method, Person};
use carepanel_store::entity::{agenda_item, meeting, person, person_role, referral};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// An invitation: whether it asks or withdraws, and its events.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub method: Method,
    pub events: Vec<Event>,
}

fn start_of(m: &meeting::Model) -> Result<chrono::NaiveDateTime, AppError> {
    chrono::NaiveDateTime::parse_from_str(&m.starts_at, "%Y-%m-%dT%H:%M")
        .map_err(|e| AppError::Conflict(e.to_string()))
}

impl App {
    /// The panel's administrator, who organises its meetings, if one is recorded.
    async fn organiser(&self, m: &meeting::Model, role: &str) -> Result<Option<Person>, AppError> {
        let holder = person_role::Entity::find()
            .filter(person_role::Column::Role.eq(role))
            .filter(person_role::Column::PanelId.is_in([m.panel_id.clone(), String::new()]))
            .all(&self.db)
            .await?;
        let ids: Vec<String> = holder.into_iter().map(|r| r.person_id).collect();
        Ok(person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .filter(person::Column::CouncilId.eq(m.council_id.clone()))
            .filter(person::Column::Active.eq(true))
            .order_by_asc(person::Column::Name)
            .one(&self.db)
            .await?
            .map(|p| Person {
                name: p.name,
                email: p.email,
            }))
    }

    /// A meeting's invitation for its members, with the running order (categories and times
    /// only: calendars are not the place for children's names) (CAL-01, AGD-07).
    pub async fn meeting_invitation(
        &self,
        actor: &Actor,
        meeting_id: &str,
    ) -> Result<Invitation, AppError> {
        let agenda = self.agenda(actor, meeting_id).await?;
        let m = &agenda.meeting;
        let (_, panel) = self.panel(&m.panel_id)?;
        let register = self.attendance_register(actor, meeting_id).await?;
        let ids: Vec<String> = register.lines.iter().map(|l| l.person_id.clone()).collect();
        let attendees = person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .order_by_asc(person::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| Person {
                name: p.name,
                email: p.email,
            })
            .collect();
        let start = start_of(m)?;
        let mut description = vec![format!("{}. OFFICIAL-SENSITIVE.", panel.name)];
        if !agenda.items.is_empty() {
            description.push("Running order:".into());
            for (_, label, from, to) in &agenda.items {
                description.push(match (from, to) {
                    (Some(f), Some(t)) => format!("{f}–{t} {label}"),
                    _ => label.clone(),
                });
            }
        }
        if m.status == "cancelled" {
            description.push(format!(
                "Cancelled: {}",
                m.cancel_reason.clone().unwrap_or_default()
            ));
        }
        Ok(Invitation {
            method: if m.status == "cancelled" {
                Method::Cancel
            } else {
                Method::Request
            },
            events: vec![Event {
                uid: format!("meeting-{}@carepanel", m.id),
                sequence: m.version,
                start,
                end: start + chrono::Duration::minutes(i64::from(panel.meetings.duration_minutes)),
                summary: panel.name.clone(),
                description: description.join("\n"),
                location: panel.venue.clone(),
                organizer: self.organiser(m, &panel.administrator_role).await?,
                attendees,
            }],
        })
    }

    /// A presenter's slot: the time their item is heard, for those who may read the referral
    /// (its author, their team and managers, and the panel's people) (AGD-07, PAP-03).
    pub async fn slot_invitation(
        &self,
        actor: &Actor,
        item_id: &str,
    ) -> Result<Invitation, AppError> {
        let item = agenda_item::Entity::find_by_id(item_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("agenda item {item_id}")))?;
        let m = self.meeting_for(actor, &item.meeting_id).await?;
        let (policy, panel) = self.panel(&m.panel_id)?;
        let r = match &item.referral_id {
            Some(rid) => Some(
                referral::Entity::find_by_id(rid.clone())
                    .one(&self.db)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("referral {rid}")))?,
            ),
            None => None,
        };
        match &r {
            Some(r) => require_read(policy, actor, r)?,
            None => require_role(
                policy,
                actor,
                &panel.id,
                &panel_roles(policy, &panel.id),
                "see this item",
            )
            .map(|_| ())?,
        }
        let items = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
            .all(&self.db)
            .await?;
        let meeting_start = start_of(&m)?;
        let plan = crate::meetings::plan_agenda(panel, meeting_start, &items);
        let slot = plan.slots.iter().find(|s| s.id == item.id);
        let (start, end) = match slot.and_then(|s| s.start.zip(s.end)) {
            Some((s, e)) => (s, e),
            None => (
                meeting_start,
                meeting_start
                    + chrono::Duration::minutes(i64::from(panel.meetings.duration_minutes)),
            ),
        };
        let label = r
            .as_ref()
            .map(|r| {
                panel
                    .category(&r.category)
                    .map_or(r.category.clone(), |c| c.label.clone())
            })
            .unwrap_or_else(|| item.note.clone());
        let heard =
            m.status == "scheduled" && matches!(item.status.as_str(), "listed" | "for-chair");
        let author = match &r {
            Some(r) => person::Entity::find_by_id(r.author_id.clone())
                .one(&self.db)
                .await?
                .map(|p| Person {
                    name: p.name,
                    email: p.email,
                }),
            None => None,
        };
        let mut description = vec![
            format!("Presenting at {}: {label}.", panel.name),
            item.note.clone(),
        ];
        if item.status == "for-chair" {
            description.push(
                "The meeting is full: the chair decides whether it is heard; if not it rolls to the next meeting (AGD-02).".into(),
            );
        }
        Ok(Invitation {
            method: if heard {
                Method::Request
            } else {
                Method::Cancel
            },
            events: vec![Event {
                uid: format!("slot-{}@carepanel", item.id),
                sequence: m.version,
                start,
                end,
                summary: format!("{}: {label}", panel.name),
                description: description.join("\n"),
                location: panel.venue.clone(),
                organizer: self.organiser(&m, &panel.administrator_role).await?,
                attendees: author.into_iter().collect(),
            }],
        })
    }
}

impl App {
    /// The invitation a message carries (`meeting:ID` or `slot:ITEM`), as iCalendar text, made
    /// as the message is sent so it is current. The sender acts for the panel's administrator,
    /// who sends the panel's invitations; a reference to another council's meeting gives none.
    pub(crate) async fn calendar_for(
        &self,
        council_id: &str,
        reference: &str,
    ) -> Result<Option<String>, AppError> {
        let Some((what, id)) = reference.split_once(':') else {
            return Ok(None);
        };
        let meeting_id = match what {
            "meeting" => id.to_string(),
            "slot" => match agenda_item::Entity::find_by_id(id.to_string())
                .one(&self.db)
                .await?
            {
                Some(item) => item.meeting_id,
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        let Some(m) = meeting::Entity::find_by_id(meeting_id)
            .one(&self.db)
            .await?
            .filter(|m| m.council_id == council_id)
        else {
            return Ok(None);
        };
        let (_, panel) = self.panel(&m.panel_id)?;
        let sender = Actor {
            person_id: String::new(),
            council_id: council_id.to_string(),
            team_id: None,
            roles: vec![(panel.administrator_role.clone(), Some(panel.id.clone()))],
        };
        let invitation = if what == "meeting" {
            self.meeting_invitation(&sender, &m.id).await?
        } else {
            self.slot_invitation(&sender, id).await?
        };
        Ok(Some(carepanel_documents::ical::calendar(
            invitation.method,
            &invitation.events,
            self.now(),
        )))
    }
}
