//! The coordinator's and chair's work around a meeting: papers, attendance, ratifying decisions
//! taken between meetings, reviews held or missed, and reading a child's panel history (which is
//! itself logged) (PAP-01, MEM-04, MEM-05, DEC-09, EMG-07, REV-08, SEC-03).

use crate::access::{require_role, same_council};
use crate::{Actor, App, AppError, new_id};
use carepanel_domain::calendar::utc_to_london;
use carepanel_domain::members::absence_notice;
use carepanel_domain::policy::OutcomeEffect;
use carepanel_store::entity::{
    agenda_item, attendance, child, decision as decision_row, interim_decision, meeting, referral,
    review,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

/// Someone's attendance at a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttendanceStatus {
    Present,
    Apologies,
    Cover,
}

impl AttendanceStatus {
    fn id(self) -> &'static str {
        match self {
            AttendanceStatus::Present => "present",
            AttendanceStatus::Apologies => "apologies",
            AttendanceStatus::Cover => "cover",
        }
    }
}

/// A child's panel history, as shown on their page.
#[derive(Debug, Clone)]
pub struct ChildHistory {
    pub child: child::Model,
    pub referrals: Vec<referral::Model>,
    pub decisions: Vec<decision_row::Model>,
}

impl App {
    pub(crate) async fn meeting_for(
        &self,
        actor: &Actor,
        meeting_id: &str,
    ) -> Result<meeting::Model, AppError> {
        let m = meeting::Entity::find_by_id(meeting_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("meeting {meeting_id}")))?;
        same_council(actor, &m.council_id)?;
        Ok(m)
    }

    /// The administrator circulates the papers (PAP-01, PAP-03).
    pub async fn circulate_papers(&self, actor: &Actor, meeting_id: &str) -> Result<(), AppError> {
        let m = self.meeting_for(actor, meeting_id).await?;
        let (policy, panel) = self.panel(&m.panel_id)?;
        require_role(
            policy,
            actor,
            &panel.id,
            &crate::access::administrator_roles(panel),
            "circulate the papers",
        )?;
        self.retrying(|| async {
            let txn = self.begin().await?;
            meeting::Entity::update_many()
                .col_expr(meeting::Column::PapersCirculatedAt, Expr::value(self.now()))
                .filter(meeting::Column::Id.eq(meeting_id))
                .exec(&txn)
                .await?;
            self.tell_papers_circulated(&txn, &m, panel).await?;
            self.audit(
                &txn,
                actor,
                "meeting.papers",
                "meeting",
                meeting_id,
                json!({}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    /// Records a member's attendance, apologies or cover (MEM-04, MEM-05). Apologies given with
    /// less notice than the panel asks for are flagged in the returned message.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        meeting_id: &str,
        person_id: &str,
        role: &str,
        status: AttendanceStatus,
        cover_for: Option<&str>,
    ) -> Result<Option<String>, AppError> {
        let m = self.meeting_for(actor, meeting_id).await?;
        let (policy, panel) = self.panel(&m.panel_id)?;
        let is_self = actor.person_id == person_id;
        if !is_self {
            require_role(
                policy,
                actor,
                &panel.id,
                &crate::access::administrator_roles(panel),
                "record another person's attendance",
            )?;
        }
        if policy.role(role).is_none() {
            return Err(AppError::invalid(
                "role",
                format!("'{role}' is not a role in {}'s policy", policy.council.name),
                "MEM-01",
            ));
        }
        let attendee = self.actor(person_id).await?;
        same_council(actor, &attendee.council_id)?;
        if status != AttendanceStatus::Cover
            && !attendee.roles_for(&panel.id).iter().any(|r| r == role)
        {
            return Err(AppError::invalid(
                "role",
                format!(
                    "That person does not hold the role {} for this panel",
                    policy.role_label(role)
                ),
                "MEM-01",
            ));
        }
        let start = chrono::NaiveDateTime::parse_from_str(&m.starts_at, "%Y-%m-%dT%H:%M")
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let notice = (status == AttendanceStatus::Apologies)
            .then(|| absence_notice(panel, start, self.local_now()))
            .filter(|n| n.short_notice)
            .map(|n| n.message);
        self.retrying(|| async {
            let txn = self.begin().await?;
            attendance::ActiveModel {
                id: Set(new_id()),
                meeting_id: Set(meeting_id.to_string()),
                person_id: Set(person_id.to_string()),
                role: Set(role.to_string()),
                status: Set(status.id().into()),
                cover_for: Set(cover_for.map(str::to_string)),
                notified_at: Set(Some(self.now())),
            }
            .insert(&txn)
            .await?;
            if status == AttendanceStatus::Apologies {
                self.ask_for_cover(&txn, &m, panel, person_id, role, notice.as_deref())
                    .await?;
            }
            self.audit(&txn, actor, "meeting.attendance", "meeting", meeting_id, json!({"person": person_id, "status": status.id(), "short_notice": notice.is_some()})).await?;
            txn.commit().await?;
            Ok(())
        })
        .await?;
        Ok(notice)
    }

    /// The panel ratifies, modifies or reverses a decision taken between meetings (DEC-09,
    /// EMG-04). Only the panel's ratification outcomes are allowed.
    pub async fn ratify(
        &self,
        actor: &Actor,
        interim_id: &str,
        outcome: &str,
        rationale: &str,
        review_date: Option<chrono::NaiveDate>,
    ) -> Result<String, AppError> {
        let i = interim_decision::Entity::find_by_id(interim_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("interim decision {interim_id}")))?;
        same_council(actor, &i.council_id)?;
        let (policy, panel) = self.panel(&i.panel_id)?;
        require_role(
            policy,
            actor,
            &panel.id,
            &panel.chair.eligible,
            "ratify a decision",
        )?;
        let Some(o) = panel.outcome(outcome).filter(|_| {
            panel
                .emergency
                .ratification_outcomes
                .iter()
                .any(|x| x == outcome)
        }) else {
            return Err(AppError::invalid(
                "outcome",
                format!(
                    "Choose one of: {}",
                    panel
                        .emergency
                        .ratification_outcomes
                        .iter()
                        .filter_map(|x| panel.outcome(x))
                        .map(|x| x.label.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                "DEC-09",
            ));
        };
        if rationale.trim().is_empty() {
            return Err(AppError::invalid(
                "rationale",
                "Enter the rationale for the decision",
                "DEC-02",
            ));
        }
        let status = match o.effect {
            OutcomeEffect::Ratify => "ratified",
            OutcomeEffect::Modify => "modified",
            _ => "reversed",
        };
        let decision_id = new_id();
        self.retrying(|| async {
            let txn = self.begin().await?;
            // The ratification item on the meeting the interim decision lasted until.
            let item_id = new_id();
            agenda_item::ActiveModel {
                id: Set(item_id.clone()),
                meeting_id: Set(i.ratification_meeting_id.clone()),
                referral_id: Set(None),
                kind: Set("ratification".into()),
                position: Set(0),
                slot_start: Set(None),
                slot_end: Set(None),
                units: Set(0),
                status: Set("decided".into()),
                chair_priority: Set(None),
                note: Set(format!("Ratification of interim decision {interim_id}")),
            }
            .insert(&txn)
            .await?;
            let res = interim_decision::Entity::update_many()
                .col_expr(interim_decision::Column::Status, Expr::value(status))
                .filter(interim_decision::Column::Id.eq(interim_id))
                .filter(interim_decision::Column::Status.eq("awaiting-ratification"))
                .exec(&txn)
                .await?;
            if res.rows_affected == 0 {
                return Err(AppError::Conflict(
                    "This decision has already been ratified, modified or reversed".into(),
                ));
            }
            decision_row::ActiveModel {
                id: Set(decision_id.clone()),
                council_id: Set(i.council_id.clone()),
                panel_id: Set(i.panel_id.clone()),
                agenda_item_id: Set(item_id.clone()),
                referral_id: Set(i.referral_id.clone()),
                outcome: Set(outcome.to_string()),
                rationale: Set(rationale.to_string()),
                lines: Set("[]".into()),
                conditions: Set("[]".into()),
                return_date: Set(review_date),
                defer_to: Set(None),
                link: Set(None),
                total_pence: Set(if status == "reversed" {
                    0
                } else {
                    i.amount_pence.unwrap_or(0)
                }),
                weekly_pence: Set(0),
                policy_version: Set(policy.policy.version.clone()),
                decided_by: Set(actor.person_id.clone()),
                decided_at: Set(self.now()),
            }
            .insert(&txn)
            .await?;
            self.audit(
                &txn,
                actor,
                "interim.ratify",
                "interim_decision",
                interim_id,
                json!({"outcome": outcome, "status": status}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await?;
        Ok(decision_id)
    }

    /// Interim decisions not ratified by the end of their validity: shown as expired and
    /// escalated (EMG-07).
    pub async fn expired_interims(
        &self,
        actor: &Actor,
    ) -> Result<Vec<interim_decision::Model>, AppError> {
        let now = carepanel_domain::schedule::iso_minute(utc_to_london(self.now()));
        Ok(interim_decision::Entity::find()
            .filter(interim_decision::Column::CouncilId.eq(actor.council_id.clone()))
            .filter(interim_decision::Column::Status.eq("awaiting-ratification"))
            .filter(interim_decision::Column::ValidUntil.lt(now))
            .all(&self.db)
            .await?)
    }

    /// Records whether a booked review was held or the case failed to return (REV-08).
    pub async fn record_review(
        &self,
        actor: &Actor,
        review_id: &str,
        held: bool,
        note: &str,
    ) -> Result<(), AppError> {
        let r = review::Entity::find_by_id(review_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("review {review_id}")))?;
        same_council(actor, &r.council_id)?;
        let d = decision_row::Entity::find_by_id(r.decision_id.clone())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound("decision".into()))?;
        let (policy, panel) = self.panel(&d.panel_id)?;
        require_role(
            policy,
            actor,
            &panel.id,
            &review_roles(panel),
            "record a review",
        )?;
        let status = if held { "held" } else { "missed" };
        self.retrying(|| async {
            let txn = self.begin().await?;
            let done = review::Entity::update_many()
                .col_expr(review::Column::Status, Expr::value(status))
                .filter(review::Column::Id.eq(review_id))
                .filter(review::Column::Status.eq("booked"))
                .exec(&txn)
                .await?;
            if done.rows_affected != 1 {
                return Err(AppError::Conflict(
                    "This review has already been recorded".into(),
                ));
            }
            self.audit(&txn, actor, "review.record", "review", review_id, json!({"status": status, "note": note, "failure_to_return": panel.reviews.failure_to_return})).await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    /// A child's panel history. Reading a child's record is itself logged (SEC-03).
    pub async fn child_history(
        &self,
        actor: &Actor,
        child_id: &str,
    ) -> Result<ChildHistory, AppError> {
        self.retrying(|| self.child_history_once(actor, child_id))
            .await
    }

    async fn child_history_once(
        &self,
        actor: &Actor,
        child_id: &str,
    ) -> Result<ChildHistory, AppError> {
        // Nothing read is returned before its audit event is committed: no read goes unlogged.
        let c = child::Entity::find_by_id(child_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("child {child_id}")))?;
        same_council(actor, &c.council_id)?;
        let referrals = referral::Entity::find()
            .filter(referral::Column::ChildId.eq(child_id))
            .order_by_asc(referral::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let visible: Vec<referral::Model> = referrals
            .into_iter()
            .filter(|r| {
                self.panel(&r.panel_id)
                    .map(|(policy, _)| crate::access::may_read_referral(policy, actor, r))
                    .unwrap_or(false)
            })
            .collect();
        let team_match = c.team_id.is_some() && c.team_id == actor.team_id;
        if visible.is_empty() && !team_match {
            return Err(AppError::forbidden(
                "You may not see this child's record: no referral of theirs is yours, your team's or on a panel you work",
                "SEC-01",
            ));
        }
        let decisions = decision_row::Entity::find()
            .filter(decision_row::Column::ReferralId.is_in(visible.iter().map(|r| r.id.clone())))
            .all(&self.db)
            .await?;
        self.log_read(crate::read_log::ReadEvent {
            council_id: actor.council_id.clone(),
            actor_id: actor.person_id.clone(),
            action: "child.read",
            entity: "child",
            entity_id: child_id.to_string(),
            detail: json!({"referrals": visible.len()}),
            at: self.now(),
        })
        .await?;
        Ok(ChildHistory {
            child: c,
            referrals: visible,
            decisions,
        })
    }
}

/// What an agenda item is called: its referral's category as the panel names it, or the
/// item's own note where it has no referral.
fn item_label(
    panel: &carepanel_domain::policy::Panel,
    item: &agenda_item::Model,
    category: Option<&String>,
) -> String {
    match (&item.referral_id, category) {
        (Some(_), Some(c)) => panel.category(c).map_or(c.clone(), |k| k.label.clone()),
        (Some(_), None) => String::new(),
        (None, _) => item.note.clone(),
    }
}

/// An agenda item read with its referral's category.
struct ItemWithCategory {
    item: agenda_item::Model,
    category: Option<String>,
}

impl sea_orm::FromQueryResult for ItemWithCategory {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            item: <agenda_item::Model as sea_orm::FromQueryResult>::from_query_result(res, pre)?,
            category: res.try_get(pre, "referral_category")?,
        })
    }
}

/// Who records a review: the chairs and the administrators.
fn review_roles(panel: &carepanel_domain::policy::Panel) -> Vec<String> {
    let mut who = panel.chair.eligible.clone();
    who.push(panel.administrator_role.clone());
    who.push("panel-administrator".into());
    who
}

/// A meeting's agenda as the coordinator and chair see it (AGD-01, AGD-02, AGD-07).
#[derive(Debug, Clone)]
pub struct Agenda {
    pub meeting: meeting::Model,
    pub panel_name: String,
    /// (item, referral category label, slot start, slot end) in running order.
    pub items: Vec<(agenda_item::Model, String, Option<String>, Option<String>)>,
    /// Items over capacity waiting for the chair to prioritise (AGD-02), with their labels.
    pub for_chair: Vec<(agenda_item::Model, String)>,
    /// Every standard item still waiting to be heard, in agenda order, with its label.
    pub waiting: Vec<(agenda_item::Model, String)>,
    /// Whether the person may chair the panel (and so prioritise).
    pub chairs: bool,
    pub capacity: String,
    /// Whether the person administers the panel (circulates papers, records attendance).
    pub administers: bool,
}

impl App {
    /// What several agenda items are called, keyed by item id: the category of each one's
    /// referral, or its note; from one read of their referrals.
    pub(crate) async fn item_labels(
        &self,
        panel: &carepanel_domain::policy::Panel,
        items: &[agenda_item::Model],
    ) -> Result<std::collections::HashMap<String, String>, AppError> {
        let ids: Vec<String> = items.iter().filter_map(|i| i.referral_id.clone()).collect();
        let categories: std::collections::HashMap<String, String> = if ids.is_empty() {
            Default::default()
        } else {
            referral::Entity::find()
                .filter(referral::Column::Id.is_in(ids))
                .select_only()
                .columns([referral::Column::Id, referral::Column::Category])
                .into_tuple::<(String, String)>()
                .all(&self.db)
                .await?
                .into_iter()
                .collect()
        };
        Ok(items
            .iter()
            .map(|item| {
                let category = item.referral_id.as_ref().and_then(|r| categories.get(r));
                (item.id.clone(), item_label(panel, item, category))
            })
            .collect())
    }

    /// The ids of the panels of the person's council that they work (hold one of the panel's
    /// roles for).
    pub(crate) fn worked_panels(&self, actor: &Actor) -> Vec<String> {
        self.policies
            .policies()
            .iter()
            .filter(|p| p.council.id == actor.council_id)
            .flat_map(|p| p.panels.iter().map(move |panel| (p, panel)))
            .filter(|(p, panel)| {
                crate::access::holds(
                    p,
                    actor,
                    &panel.id,
                    &crate::access::panel_roles(p, &panel.id),
                )
                .is_some()
            })
            .map(|(_, panel)| panel.id.clone())
            .collect()
    }

    /// The meetings of the panels this person works (administers, chairs or sits on), from
    /// `from` on.
    pub async fn my_meetings(
        &self,
        actor: &Actor,
        from: chrono::NaiveDate,
    ) -> Result<Vec<meeting::Model>, AppError> {
        let panels = self.worked_panels(actor);
        Ok(meeting::Entity::find()
            .filter(meeting::Column::CouncilId.eq(actor.council_id.clone()))
            .filter(meeting::Column::PanelId.is_in(panels))
            .filter(meeting::Column::MeetingDate.gte(from))
            .order_by_asc(meeting::Column::StartsAt)
            .all(&self.db)
            .await?)
    }

    /// A meeting's agenda, for the people who work that panel (SEC-01, SEC-05).
    pub async fn agenda(&self, actor: &Actor, meeting_id: &str) -> Result<Agenda, AppError> {
        let m = self.meeting_for(actor, meeting_id).await?;
        let (policy, panel) = self.panel(&m.panel_id)?;
        require_role(
            policy,
            actor,
            &panel.id,
            &crate::access::panel_roles(policy, &panel.id),
            "see this meeting's agenda",
        )?;
        // The items with their referrals' categories (their labels) in one read.
        let to_referral = agenda_item::Entity::belongs_to(referral::Entity)
            .from(agenda_item::Column::ReferralId)
            .to(referral::Column::Id)
            .into();
        let (items, labels): (Vec<_>, std::collections::HashMap<_, _>) =
            agenda_item::Entity::find()
                .filter(agenda_item::Column::MeetingId.eq(meeting_id))
                .order_by_asc(agenda_item::Column::Position)
                .join(sea_orm::JoinType::LeftJoin, to_referral)
                .column_as(referral::Column::Category, "referral_category")
                .into_model::<ItemWithCategory>()
                .all(&self.db)
                .await?
                .into_iter()
                .map(|r| {
                    let label = item_label(panel, &r.item, r.category.as_ref());
                    let id = r.item.id.clone();
                    (r.item, (id, label))
                })
                .unzip();
        let start = chrono::NaiveDateTime::parse_from_str(&m.starts_at, "%Y-%m-%dT%H:%M")
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let plan = crate::meetings::plan_agenda(panel, start, &items);
        let label_of = |i: &agenda_item::Model| labels.get(&i.id).cloned().unwrap_or_default();
        let mut running = Vec::new();
        for slot in &plan.slots {
            if let Some(item) = items.iter().find(|i| i.id == slot.id) {
                let label = label_of(item);
                running.push((
                    item.clone(),
                    label,
                    slot.start.map(|t| t.format("%H:%M").to_string()),
                    slot.end.map(|t| t.format("%H:%M").to_string()),
                ));
            }
        }
        let mut for_chair = Vec::new();
        for i in items.iter().filter(|i| i.status == "for-chair") {
            for_chair.push((i.clone(), label_of(i)));
        }
        // What the chair may reorder: every standard item still waiting (AGD-02).
        let mut waiting = Vec::new();
        for i in items
            .iter()
            .filter(|i| i.kind == "standard" && (i.status == "listed" || i.status == "for-chair"))
        {
            waiting.push((i.clone(), label_of(i)));
        }
        let chairs =
            crate::access::holds(policy, actor, &panel.id, &panel.chair.eligible).is_some();
        let capacity = match panel.capacity.max_items {
            Some(max) => format!("{} of {} places booked", m.units_used, max),
            None => format!(
                "{} booked; the terms of reference set no maximum",
                m.units_used
            ),
        };
        let administers = crate::access::holds(
            policy,
            actor,
            &panel.id,
            &crate::access::administrator_roles(panel),
        )
        .is_some();
        Ok(Agenda {
            administers,
            chairs,
            waiting,
            panel_name: panel.name.clone(),
            meeting: m,
            items: running,
            for_chair,
            capacity,
        })
    }
}
