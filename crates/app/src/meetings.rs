//! Meetings and agendas: meeting records, booking a slot under capacity (exactly once, even
//! with several app instances racing), decisions, interim decisions and declarations
//! (SCHED-02, AGD-01, AGD-02, DEC-*, EMG-*, MEM-06).

use crate::access::{require_role, same_council};
use crate::referrals::{refusal, state_name};
use crate::{Actor, App, AppError, new_id};
use carepanel_domain::Money;
use carepanel_domain::agenda;
use carepanel_domain::calendar::utc_to_london;
use carepanel_domain::decision::{self, DecisionInput};
use carepanel_domain::interim::{self, InterimRequest};
use carepanel_domain::lifecycle::{Event, ReferralState};
use carepanel_domain::members::{Attendee, Declaration as DomainDeclaration, participation};
use carepanel_domain::policy::{CapacityUnit, LateListing, Panel, Policy, WhenFull};
use carepanel_domain::review::{ReviewBasis, review};
use carepanel_domain::schedule::{Meeting, SubmissionKind, iso_minute};
use carepanel_store::entity::{
    action, agenda_item, commitment, decision as decision_row, declaration, interim_decision,
    meeting, referral, review as review_row,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, ExprTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;

/// A decision asked for between meetings.
#[derive(Debug, Clone, Copy)]
pub struct InterimInput<'a> {
    pub panel_id: &'a str,
    pub child_id: &'a str,
    pub situation: Option<&'a str>,
    pub amount: Option<Money>,
    pub request: &'a str,
    pub why_urgent: &'a str,
    pub absence_reason: Option<&'a str>,
}

/// Where a booking ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booking {
    /// A slot on this meeting.
    Booked {
        meeting_id: String,
        starts_at: String,
    },
    /// Over capacity: on this meeting's list for the chair to prioritise (AGD-02).
    ForChair {
        meeting_id: String,
        starts_at: String,
    },
}

impl App {
    /// The stored meeting for a computed one, created on first use.
    pub(crate) async fn ensure_meeting<C: ConnectionTrait>(
        &self,
        c: &C,
        council_id: &str,
        panel: &Panel,
        m: &Meeting,
    ) -> Result<meeting::Model, AppError> {
        let starts = iso_minute(m.start);
        meeting::Entity::insert(meeting::ActiveModel {
            id: Set(new_id()),
            council_id: Set(council_id.to_string()),
            panel_id: Set(panel.id.clone()),
            starts_at: Set(starts.clone()),
            meeting_date: Set(m.date),
            cutoff: Set(iso_minute(m.cutoff)),
            status: Set(if m.held { "scheduled" } else { "not-held" }.into()),
            units_used: Set(0),
            booked_minutes: Set(0),
            cancelled_by: Set(None),
            cancel_reason: Set(None),
            papers_circulated_at: Set(None),
            version: Set(0),
        })
        .on_conflict(
            OnConflict::columns([meeting::Column::PanelId, meeting::Column::StartsAt])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
        meeting::Entity::find()
            .filter(meeting::Column::PanelId.eq(panel.id.clone()))
            .filter(meeting::Column::StartsAt.eq(starts))
            .one(c)
            .await?
            .ok_or_else(|| AppError::NotFound("meeting".into()))
    }

    /// Takes `units` places on a meeting if they fit. One conditional UPDATE decides, so the
    /// last place is taken exactly once however many instances race for it (SCHED-02).
    async fn take_places(
        &self,
        txn: &DatabaseTransaction,
        panel: &Panel,
        meeting_id: &str,
        units: i32,
    ) -> Result<bool, AppError> {
        let cap = &panel.capacity;
        let minutes = cap.slot_minutes.map_or(0, |s| s as i32 * units);
        let available = panel
            .meetings
            .duration_minutes
            .saturating_sub(cap.reserved_minutes) as i32;
        let mut q = meeting::Entity::update_many()
            .col_expr(
                meeting::Column::UnitsUsed,
                Expr::col(meeting::Column::UnitsUsed).add(units),
            )
            .col_expr(
                meeting::Column::BookedMinutes,
                Expr::col(meeting::Column::BookedMinutes).add(minutes),
            )
            .col_expr(
                meeting::Column::Version,
                Expr::col(meeting::Column::Version).add(1),
            )
            .filter(meeting::Column::Id.eq(meeting_id))
            .filter(meeting::Column::Status.eq("scheduled"));
        if let Some(max) = cap.max_items {
            q = q.filter(
                Expr::col(meeting::Column::UnitsUsed)
                    .add(units)
                    .lte(max as i32),
            );
        }
        if cap.slot_minutes.is_some() {
            q = q.filter(
                Expr::col(meeting::Column::BookedMinutes)
                    .add(minutes)
                    .lte(available),
            );
        }
        Ok(q.exec(txn).await?.rows_affected == 1)
    }

    /// An agenda item and its meeting, in one read.
    async fn item_and_meeting<C: ConnectionTrait>(
        &self,
        c: &C,
        item_id: &str,
    ) -> Result<(agenda_item::Model, meeting::Model), AppError> {
        let to_meeting = agenda_item::Entity::belongs_to(meeting::Entity)
            .from(agenda_item::Column::MeetingId)
            .to(meeting::Column::Id)
            .into();
        match agenda_item::Entity::find_by_id(item_id.to_string())
            .join(sea_orm::JoinType::InnerJoin, to_meeting)
            .select_also(meeting::Entity)
            .one(c)
            .await?
        {
            Some((item, Some(m))) => Ok((item, m)),
            _ => Err(AppError::NotFound(format!("agenda item {item_id}"))),
        }
    }

    /// Takes the lock of an agenda item's meeting, as [`App::lock_meeting`] does, found from the
    /// item in the same statement.
    async fn lock_meeting_of_item(
        &self,
        txn: &DatabaseTransaction,
        item_id: &str,
    ) -> Result<(), AppError> {
        let meeting_of_item = meeting::Column::Id.in_subquery(
            sea_orm::sea_query::Query::select()
                .column(agenda_item::Column::MeetingId)
                .from(agenda_item::Entity)
                .and_where(agenda_item::Column::Id.eq(item_id))
                .to_owned(),
        );
        if lock_meetings(txn, meeting_of_item).await? == 0 {
            return Err(AppError::NotFound(format!("agenda item {item_id}")));
        }
        Ok(())
    }

    /// Takes the meeting row's lock (PostgreSQL) or the write lock (SQLite) before its agenda
    /// changes, so agenda changes on one meeting happen one at a time.
    pub(crate) async fn lock_meeting(
        &self,
        txn: &DatabaseTransaction,
        meeting_id: &str,
    ) -> Result<(), AppError> {
        lock_meetings(txn, meeting::Column::Id.eq(meeting_id)).await?;
        Ok(())
    }

    /// Moves an item that will not be heard at its meeting to `to`, booking a place there if
    /// one is free (otherwise it waits for that meeting's chair), and moves the referral with it.
    pub(crate) async fn roll_item(
        &self,
        txn: &DatabaseTransaction,
        panel: &Panel,
        item: &agenda_item::Model,
        to: &meeting::Model,
        note: &str,
    ) -> Result<(), AppError> {
        let uses_capacity = item.kind == "standard" || panel.capacity.ratifications_use_slots;
        let fits = !uses_capacity || self.take_places(txn, panel, &to.id, item.units).await?;
        agenda_item::Entity::update_many()
            .col_expr(agenda_item::Column::Status, Expr::value("rolled"))
            .filter(agenda_item::Column::Id.eq(item.id.clone()))
            .exec(txn)
            .await?;
        let moved_id = new_id();
        agenda_item::ActiveModel {
            id: Set(moved_id.clone()),
            meeting_id: Set(to.id.clone()),
            referral_id: Set(item.referral_id.clone()),
            kind: Set(item.kind.clone()),
            position: Set(0),
            slot_start: Set(None),
            slot_end: Set(None),
            units: Set(item.units),
            status: Set(if fits { "listed" } else { "for-chair" }.into()),
            chair_priority: Set(None),
            note: Set(note.to_string()),
        }
        .insert(txn)
        .await?;
        if let Some(rid) = &item.referral_id {
            let r = self.load_referral(txn, rid).await?;
            let state: ReferralState = serde_json::from_str(&r.state_detail)
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            let next_state = state
                .apply(Event::Defer {
                    to_meeting: to.id.clone(),
                    reason: note.to_string(),
                })
                .and_then(|s| {
                    s.apply(Event::List {
                        meeting: to.id.clone(),
                    })
                })
                .map_err(refusal)?;
            self.set_state(txn, &r, &next_state).await?;
            referral::Entity::update_many()
                .col_expr(referral::Column::MeetingId, Expr::value(to.id.clone()))
                .filter(referral::Column::Id.eq(rid.clone()))
                .exec(txn)
                .await?;
            // The presenter is told (AGD-02, CAL-07).
            let about = self.about(txn, &r).await?;
            self.enqueue_with(
                txn,
                &r.council_id,
                crate::outbox::kinds::MOVED,
                &about.author.into_iter().collect::<Vec<_>>(),
                &format!(
                    "{}: your item moves to {}",
                    about.panel,
                    crate::outbox::when(&to.starts_at)
                ),
                &format!(
                    "Your referral ({}, case {}) will now be heard at the meeting of {} on {}{}.\n\n{}\n\nOpen it in carepanel: {{service}}/referrals/{}",
                    about.category,
                    about.case_id,
                    about.panel,
                    crate::outbox::when(&to.starts_at),
                    if fits {
                        ""
                    } else {
                        ", where it waits for the chair to prioritise"
                    },
                    note,
                    r.id
                ),
                crate::outbox::Extras {
                    key: None,
                    calendar: Some(format!("slot:{moved_id}")),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// The dates of a panel's meetings cancelled under CAL-07, so the schedule passes over them.
    pub(crate) async fn cancelled_dates<C: ConnectionTrait>(
        &self,
        c: &C,
        panel_id: &str,
    ) -> Result<Vec<chrono::NaiveDate>, AppError> {
        Ok(meeting::Entity::find()
            .filter(meeting::Column::PanelId.eq(panel_id))
            .filter(meeting::Column::Status.eq("cancelled"))
            .all(c)
            .await?
            .into_iter()
            .map(|m| m.meeting_date)
            .collect())
    }

    /// The next meeting held after `after`, passing over cancelled ones (CAL-07).
    pub(crate) async fn next_held_meeting<C: ConnectionTrait>(
        &self,
        c: &C,
        policy: &Policy,
        panel: &Panel,
        after: &meeting::Model,
    ) -> Result<meeting::Model, AppError> {
        let sched = self
            .scheduler(policy, panel)
            .with_cancelled(self.cancelled_dates(c, &panel.id).await?);
        let start = chrono::NaiveDateTime::parse_from_str(&after.starts_at, "%Y-%m-%dT%H:%M")
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let next = sched.held_after(start).next().ok_or_else(|| {
            AppError::refused("No later meeting of this panel is scheduled", "CAL-07")
        })?;
        self.ensure_meeting(c, &after.council_id, panel, &next)
            .await
    }

    pub(crate) async fn release_slot(
        &self,
        txn: &DatabaseTransaction,
        meeting_id: &str,
        referral_id: &str,
    ) -> Result<(), AppError> {
        self.lock_meeting(txn, meeting_id).await?;
        let Some(item) = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(meeting_id))
            .filter(agenda_item::Column::ReferralId.eq(referral_id))
            .one(txn)
            .await?
        else {
            return Ok(());
        };
        let m = meeting::Entity::find_by_id(meeting_id.to_string())
            .one(txn)
            .await?;
        let panel = m
            .as_ref()
            .and_then(|m| self.panel(&m.panel_id).ok())
            .map(|(_, p)| p);
        let uses_capacity =
            item.kind == "standard" || panel.is_some_and(|p| p.capacity.ratifications_use_slots);
        if item.status == "listed" && uses_capacity {
            let minutes = panel
                .and_then(|p| p.capacity.slot_minutes)
                .map_or(0, |s| s as i32 * item.units);
            meeting::Entity::update_many()
                .col_expr(
                    meeting::Column::UnitsUsed,
                    Expr::col(meeting::Column::UnitsUsed).sub(item.units),
                )
                .col_expr(
                    meeting::Column::BookedMinutes,
                    Expr::col(meeting::Column::BookedMinutes).sub(minutes),
                )
                .filter(meeting::Column::Id.eq(meeting_id))
                .exec(txn)
                .await?;
        }
        agenda_item::Entity::update_many()
            .col_expr(agenda_item::Column::Status, Expr::value("withdrawn"))
            .filter(agenda_item::Column::Id.eq(item.id))
            .exec(txn)
            .await?;
        Ok(())
    }

    /// Lists a submitted referral on the meeting the rules give, booking a place if one is
    /// free; when full, the chair prioritises or it rolls on, as the panel's policy says.
    pub(crate) async fn list_on_meeting(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        r: &referral::Model,
        submitted: chrono::NaiveDateTime,
    ) -> Result<ReferralState, AppError> {
        let (policy, panel) = self.panel(&r.panel_id)?;
        let sched = self
            .scheduler(policy, panel)
            .with_cancelled(self.cancelled_dates(txn, &panel.id).await?);
        let listing = sched
            .listing(
                submitted,
                SubmissionKind {
                    emergency: r.emergency,
                    ratification: r.ratification,
                    newly_looked_after: r.newly_looked_after,
                },
            )
            .map_err(|e| AppError::refused(e.to_string(), "SCHED-02"))?;
        let units = match panel.capacity.counts {
            CapacityUnit::Referral => 1,
            CapacityUnit::Child => Ord::max(r.children, 1),
        };
        let late_kind = listing.accepted_late_as.map(|l| match l {
            LateListing::Emergency => "emergency",
            LateListing::Ratification => "ratification",
        });
        let uses_capacity = late_kind.is_none() || panel.capacity.ratifications_use_slots;
        let mut reason = listing.reason.clone();
        let mut target = listing.meeting.clone();
        let mut status = "listed";
        if uses_capacity {
            let mut upcoming = sched.held_after(target.start - chrono::Duration::minutes(1));
            let mut tries = 0;
            loop {
                let stored = self
                    .ensure_meeting(txn, &r.council_id, panel, &target)
                    .await?;
                if self.take_places(txn, panel, &stored.id, units).await? {
                    break;
                }
                tries += 1;
                match panel.capacity.when_full {
                    WhenFull::ChairPrioritises => {
                        status = "for-chair";
                        reason.push_str(" The meeting is full: the item goes to the chair to prioritise; if it is not prioritised it rolls to the next meeting and you are told (AGD-02).");
                        break;
                    }
                    WhenFull::RollToNext => {
                        let next = upcoming.find(|m| m.start > target.start);
                        match next {
                            Some(n) if tries < 20 => {
                                reason.push_str(&format!(
                                    " {} is full, so it rolls to {} (AGD-02).",
                                    iso_minute(target.start),
                                    iso_minute(n.start)
                                ));
                                target = n;
                            }
                            _ => {
                                return Err(AppError::refused(
                                    "No meeting in the next two years has room for this item",
                                    "AGD-02",
                                ));
                            }
                        }
                    }
                }
            }
        }
        let stored = self
            .ensure_meeting(txn, &r.council_id, panel, &target)
            .await?;
        let position = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(stored.id.clone()))
            .count(txn)
            .await? as i32;
        let item_id = new_id();
        agenda_item::ActiveModel {
            id: Set(item_id.clone()),
            meeting_id: Set(stored.id.clone()),
            referral_id: Set(Some(r.id.clone())),
            kind: Set(late_kind.unwrap_or("standard").into()),
            position: Set(position + 1),
            slot_start: Set(None),
            slot_end: Set(None),
            units: Set(units),
            status: Set(status.into()),
            chair_priority: Set(None),
            note: Set(reason.clone()),
        }
        .insert(txn)
        .await?;
        let current = self.load_referral(txn, &r.id).await?;
        let next = serde_json::from_str::<ReferralState>(&current.state_detail)
            .map_err(|e| AppError::Conflict(e.to_string()))?
            .apply(Event::List {
                meeting: stored.id.clone(),
            })
            .map_err(refusal)?;
        self.set_state(txn, &current, &next).await?;
        referral::Entity::update_many()
            .col_expr(referral::Column::MeetingId, Expr::value(stored.id.clone()))
            .filter(referral::Column::Id.eq(r.id.clone()))
            .exec(txn)
            .await?;
        let about = self.about(txn, r).await?;
        self.enqueue_with(
            txn,
            &r.council_id,
            crate::outbox::kinds::LISTED,
            &about.author.into_iter().collect::<Vec<_>>(),
            &format!(
                "{}: listed for {}",
                about.panel,
                crate::outbox::when(&stored.starts_at)
            ),
            &format!(
                "Your referral ({}, case {}) is {} for the meeting of {} on {}.\n\n{}\n\nOpen it in carepanel: {{service}}/referrals/{}",
                about.category,
                about.case_id,
                if status == "listed" {
                    "listed"
                } else {
                    "waiting for the chair to prioritise"
                },
                about.panel,
                crate::outbox::when(&stored.starts_at),
                reason,
                r.id
            ),
            crate::outbox::Extras {
                key: None,
                calendar: Some(format!("slot:{item_id}")),
            },
        )
        .await?;
        self.audit(
            txn,
            actor,
            "referral.list",
            "referral",
            &r.id,
            json!({"meeting": stored.starts_at, "status": status, "late": listing.late, "accepted_late_as": late_kind, "reason": reason}),
        )
        .await?;
        Ok(next)
    }

    /// The chair (or co-chair) records the decision on an agenda item (DEC-01 to DEC-10).
    /// Two chairs cannot both decide one item: the second is told it is already decided.
    pub async fn record_decision(
        &self,
        actor: &Actor,
        item_id: &str,
        input: &DecisionInput,
    ) -> Result<String, AppError> {
        self.retrying(|| async {
            let txn = self.begin().await?;
            // Hold the meeting while its agenda changes; then read the item.
            self.lock_meeting_of_item(&txn, item_id).await?;
            let (item, m) = self.item_and_meeting(&txn, item_id).await?;
            same_council(actor, &m.council_id)?;
            let (policy, panel) = self.panel(&m.panel_id)?;
            require_role(policy, actor, &panel.id, &panel.chair.eligible, "record a decision")?;
            self.check_not_excluded(&txn, policy, panel, actor, &item).await?;
            if item.status == "decided" {
                return Err(AppError::Conflict(
                    "This item has already been decided by another chair; the decision on record stands. Reload to see it.".into(),
                ));
            }
            if item.status != "listed" {
                return Err(AppError::refused(
                    format!("This item is {}: only an item listed on the agenda is decided", item.status),
                    "AGD-02",
                ));
            }
            if m.status != "scheduled" {
                return Err(AppError::refused(format!("This meeting is {}", m.status), "CAL-07"));
            }
            if self.local_now() < chrono::NaiveDateTime::parse_from_str(&m.starts_at, "%Y-%m-%dT%H:%M").map_err(|e| AppError::Conflict(e.to_string()))? {
                return Err(AppError::refused(
                    format!("The meeting starts at {}: decisions are recorded at or after it", m.starts_at),
                    "DEC-01",
                ));
            }
            let Some(rid) = item.referral_id.clone() else {
                return Err(AppError::NotFound("referral on this item".into()));
            };
            let r = self.load_referral(&txn, &rid).await?;
            if r.author_id == actor.person_id {
                return Err(AppError::forbidden("A chair does not decide a referral they wrote", "MEM-06"));
            }
            if r.meeting_id.as_deref() != Some(item.meeting_id.as_str()) {
                return Err(AppError::refused("This referral has moved to another meeting", "AGD-02"));
            }
            let decided_on = utc_to_london(self.now()).date();
            let mut input = input.clone();
            input.is_ratification = item.kind == "ratification";
            let checked = decision::check(panel, Some(&r.category), decided_on, &input)
                .map_err(AppError::Invalid)?;
            let decision_id = new_id();
            let inserted = decision_row::ActiveModel {
                id: Set(decision_id.clone()),
                council_id: Set(m.council_id.clone()),
                panel_id: Set(panel.id.clone()),
                agenda_item_id: Set(item.id.clone()),
                referral_id: Set(Some(rid.clone())),
                outcome: Set(checked.outcome.clone()),
                rationale: Set(input.rationale.clone()),
                lines: Set(json!(input.lines).to_string()),
                conditions: Set(json!(input.conditions).to_string()),
                return_date: Set(input.return_date),
                defer_to: Set(input.defer_to),
                link: Set(input.link.clone()),
                total_pence: Set(checked.total.pence()),
                weekly_pence: Set(checked.weekly_total.pence()),
                policy_version: Set(policy.policy.version.clone()),
                decided_by: Set(actor.person_id.clone()),
                decided_at: Set(self.now()),
            }
            .insert(&txn)
            .await;
            if let Err(e) = inserted {
                if crate::error::is_unique_violation(&e) {
                    return Err(AppError::Conflict(
                        "This item has already been decided by another chair; the decision on record stands. Reload to see it.".into(),
                    ));
                }
                return Err(e.into());
            }
            for (res, total) in input.resources.iter().zip(&checked.resource_totals) {
                commitment::ActiveModel {
                    id: Set(new_id()),
                    council_id: Set(m.council_id.clone()),
                    panel_id: Set(panel.id.clone()),
                    decision_id: Set(decision_id.clone()),
                    category: Set(r.category.clone()),
                    description: Set(res.description.clone()),
                    weekly_pence: Set(res.weekly_cost.map(Money::pence)),
                    one_off_pence: Set(res.one_off_cost.map(Money::pence)),
                    total_pence: Set(total.pence()),
                    start_date: Set(res.start),
                    end_date: Set(res.end),
                    cost_centre: Set(res.cost_centre.clone()),
                    signed_off_by: Set(None),
                    signed_off_at: Set(None),
                }
                .insert(&txn)
                .await?;
            }
            for a in &input.actions {
                action::ActiveModel {
                    id: Set(new_id()),
                    decision_id: Set(decision_id.clone()),
                    description: Set(a.description.clone()),
                    owner: Set(a.owner.clone()),
                    due_date: Set(a.due.unwrap_or(decided_on)),
                    status: Set("open".into()),
                    completed_at: Set(None),
                }
                .insert(&txn)
                .await?;
            }
            // The review: an explicit return date, else the category's rule (REV-01 to REV-07).
            let sched = self
                .scheduler(policy, panel)
                .with_cancelled(self.cancelled_dates(&txn, &panel.id).await?);
            let basis = match input.return_date {
                Some(d) => Some(ReviewBasis::Until(d)),
                None => Some(ReviewBasis::Category(r.category.clone())),
            };
            if let Some(b) = basis {
                let rv = review(&sched, decided_on, &b)
                    .map_err(|e| AppError::refused(e.to_string(), "REV-07"))?;
                if let Some(due) = rv.review_due {
                    let meeting_id = match &rv.meeting {
                        Some(mt) => Some(self.ensure_meeting(&txn, &m.council_id, panel, mt).await?.id),
                        None => None,
                    };
                    review_row::ActiveModel {
                        id: Set(new_id()),
                        council_id: Set(m.council_id.clone()),
                        decision_id: Set(decision_id.clone()),
                        referral_id: Set(Some(rid.clone())),
                        due_date: Set(due),
                        meeting_id: Set(meeting_id),
                        kind: Set(if rv.worker_reminder { "worker-reminder" } else { "panel" }.into()),
                        status: Set("booked".into()),
                        repeats: Set(rv.repeats.clone()),
                    }
                    .insert(&txn)
                    .await?;
                }
            }
            let done = agenda_item::Entity::update_many()
                .col_expr(agenda_item::Column::Status, Expr::value("decided"))
                .filter(agenda_item::Column::Id.eq(item.id.clone()))
                .filter(agenda_item::Column::Status.eq("listed"))
                .exec(&txn)
                .await?;
            if done.rows_affected != 1 {
                return Err(AppError::Conflict("This item changed while the decision was recorded; reload it".into()));
            }
            let mut state: ReferralState = serde_json::from_str(&r.state_detail)
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            if matches!(state, ReferralState::Listed { .. }) {
                state = state.apply(Event::Hear).map_err(refusal)?;
            }
            let next = if checked.effect == carepanel_domain::policy::OutcomeEffect::Defer {
                // SCHED-08: deferred to a chosen later meeting, where it is listed again.
                let to = input.defer_to.ok_or_else(|| AppError::invalid("defer_to", "Choose the meeting the item is deferred to", "SCHED-08"))?;
                let sched = self
                    .scheduler(policy, panel)
                    .with_cancelled(self.cancelled_dates(&txn, &panel.id).await?);
                let target = sched
                    .meetings(to, to)
                    .into_iter()
                    .find(|x| x.held)
                    .ok_or_else(|| AppError::invalid("defer_to", format!("{} holds no meeting on {to}", panel.name), "SCHED-08"))?;
                let stored = self.ensure_meeting(&txn, &m.council_id, panel, &target).await?;
                let fits = self.take_places(&txn, panel, &stored.id, item.units).await?;
                agenda_item::ActiveModel {
                    id: Set(new_id()),
                    meeting_id: Set(stored.id.clone()),
                    referral_id: Set(Some(rid.clone())),
                    kind: Set("standard".into()),
                    position: Set(0),
                    slot_start: Set(None),
                    slot_end: Set(None),
                    units: Set(item.units),
                    status: Set(if fits { "listed" } else { "for-chair" }.into()),
                    chair_priority: Set(None),
                    note: Set(format!("Deferred from {} (SCHED-08)", m.starts_at)),
                }
                .insert(&txn)
                .await?;
                referral::Entity::update_many()
                    .col_expr(referral::Column::MeetingId, Expr::value(stored.id.clone()))
                    .filter(referral::Column::Id.eq(rid.clone()))
                    .exec(&txn)
                    .await?;
                state
                    .apply(Event::Defer { to_meeting: stored.id.clone(), reason: input.rationale.clone() })
                    .and_then(|s| s.apply(Event::List { meeting: stored.id.clone() }))
                    .map_err(refusal)?
            } else {
                state.apply(Event::Decide).map_err(refusal)?
            };
            self.set_state(&txn, &r, &next).await?;
            self.tell_decision(
                &txn,
                &r,
                panel,
                &decision_id,
                &checked.outcome,
                checked.effect,
                checked.weekly_total,
                checked.total,
            )
            .await?;
            self.audit(
                &txn,
                actor,
                "decision.record",
                "decision",
                &decision_id,
                json!({"item": item.id, "referral": rid, "outcome": checked.outcome, "total_pence": checked.total.pence(), "policy_version": policy.policy.version, "state": state_name(&next)}),
            )
            .await?;
            txn.commit().await?;
            Ok(decision_id.clone())
        })
        .await
    }

    /// A member who declared an interest in an item takes no part in its decision (MEM-06).
    async fn check_not_excluded(
        &self,
        txn: &DatabaseTransaction,
        policy: &Policy,
        panel: &Panel,
        actor: &Actor,
        item: &agenda_item::Model,
    ) -> Result<(), AppError> {
        let decls = declaration::Entity::find()
            .filter(declaration::Column::AgendaItemId.eq(item.id.clone()))
            .all(txn)
            .await?;
        let present = [Attendee {
            person: actor.person_id.clone(),
            roles: actor.roles_for(&panel.id),
        }];
        let decls: Vec<DomainDeclaration> = decls
            .into_iter()
            .map(|d| DomainDeclaration {
                person: d.person_id,
                item: d.agenda_item_id,
                nature: d.nature,
            })
            .collect();
        let p = participation(policy, panel, &present, &decls, &item.id);
        if let Some((_, why)) = p.excluded.first() {
            return Err(AppError::forbidden(
                format!("You take no part in this item's decision: you {why}"),
                "MEM-06",
            ));
        }
        Ok(())
    }

    /// A panel member declares an interest in an item (MEM-06).
    pub async fn declare_interest(
        &self,
        actor: &Actor,
        item_id: &str,
        nature: &str,
    ) -> Result<(), AppError> {
        if nature.trim().is_empty() {
            return Err(AppError::invalid(
                "nature",
                "Say what the interest is",
                "MEM-06",
            ));
        }
        self.retrying(|| async {
            let txn = self.begin().await?;
            let (item, m) = self.item_and_meeting(&txn, item_id).await?;
            same_council(actor, &m.council_id)?;
            let (policy, panel) = self.panel(&m.panel_id)?;
            require_role(
                policy,
                actor,
                &panel.id,
                &crate::access::panel_roles(policy, &panel.id),
                "declare an interest in this panel's items",
            )?;
            declaration::ActiveModel {
                id: Set(new_id()),
                meeting_id: Set(m.id.clone()),
                agenda_item_id: Set(item.id.clone()),
                person_id: Set(actor.person_id.clone()),
                nature: Set(nature.to_string()),
                declared_at: Set(self.now()),
            }
            .insert(&txn)
            .await?;
            self.audit(
                &txn,
                actor,
                "declaration.create",
                "agenda_item",
                &item.id,
                json!({"nature": nature}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    /// A decision between meetings (chair's action), valid until the next meeting, where it is
    /// listed for ratification (EMG-01 to EMG-08).
    pub async fn take_interim(
        &self,
        actor: &Actor,
        input: &InterimInput<'_>,
    ) -> Result<String, AppError> {
        let InterimInput {
            panel_id,
            child_id,
            situation,
            amount,
            request,
            why_urgent,
            absence_reason,
        } = *input;
        let (policy, panel) = self.panel(panel_id)?;
        same_council(actor, &policy.council.id)?;
        let kid = carepanel_store::entity::child::Entity::find_by_id(child_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "child_id",
                    "Choose a child recorded in this council",
                    "EMG-01",
                )
            })?;
        same_council(actor, &kid.council_id)?;
        let now = self.local_now();
        let age = carepanel_domain::calendar::age_on(
            kid.date_of_birth,
            now.date(),
            policy.settings.leap_day_birthday,
        );
        let roles = actor.roles_for(panel_id);
        let sched = self
            .scheduler(policy, panel)
            .with_cancelled(self.cancelled_dates(&self.db, &panel.id).await?);
        let decision = interim::take(
            &sched,
            &InterimRequest {
                situation,
                amount,
                child_age: Some(age),
                approver_roles: &roles,
                agreed_roles: &[],
                absence_reason,
                why_urgent,
                decided_at: now,
            },
        )
        .map_err(|e| match e {
            interim::InterimError::Refused { reason, rule } => AppError::forbidden(reason, rule),
            other => AppError::refused(other.to_string(), "EMG-01"),
        })?;
        let id = new_id();
        self.retrying(|| async {
            let txn = self.begin().await?;
            let mut stored = self.ensure_meeting(&txn, &policy.council.id, panel, &decision.ratification_meeting).await?;
            if stored.status == "cancelled" {
                stored = self.next_held_meeting(&txn, policy, panel, &stored).await?;
            }
            interim_decision::ActiveModel {
                id: Set(id.clone()),
                council_id: Set(policy.council.id.clone()),
                panel_id: Set(panel.id.clone()),
                child_id: Set(child_id.to_string()),
                referral_id: Set(None),
                situation: Set(situation.or(panel.emergency.default_situation.as_deref()).unwrap_or("").to_string()),
                approver_id: Set(actor.person_id.clone()),
                approver_role: Set(roles.first().cloned().unwrap_or_default()),
                in_absence_of: Set(decision.authority.in_absence_of.clone()),
                absence_reason: Set(absence_reason.map(str::to_string)),
                amount_pence: Set(amount.map(Money::pence)),
                request: Set(request.to_string()),
                why_urgent: Set(why_urgent.to_string()),
                decided_at: Set(self.now()),
                valid_until: Set(iso_minute(decision.valid_until)),
                ratification_meeting_id: Set(stored.id.clone()),
                status: Set("awaiting-ratification".into()),
                policy_version: Set(policy.policy.version.clone()),
                rule: Set(decision.authority.rule.clone()),
            }
            .insert(&txn)
            .await?;
            self.tell_interim(&txn, panel, &policy.council.id, &id, &stored, &kid.case_system_id)
                .await?;
            self.audit(&txn, actor, "interim.take", "interim_decision", &id, json!({"rule": decision.authority.rule, "valid_until": iso_minute(decision.valid_until), "amount_pence": amount.map(Money::pence)})).await?;
            txn.commit().await?;
            Ok(())
        })
        .await?;
        Ok(id)
    }
}

/// The agenda as the domain plans it, for a stored meeting's items (AGD-07).
pub fn plan_agenda(
    panel: &Panel,
    start: chrono::NaiveDateTime,
    items: &[agenda_item::Model],
) -> agenda::AgendaPlan {
    let candidates: Vec<agenda::Candidate> = items
        .iter()
        .filter(|i| i.status == "listed" || i.status == "for-chair")
        .map(|i| agenda::Candidate {
            id: i.id.clone(),
            children: Ord::max(i.units, 1) as u32,
            late_accepted: i.kind != "standard",
            chair_priority: i.chair_priority.map(|p| p as u32),
        })
        .collect();
    agenda::plan(panel, start, &candidates)
}

/// What the chair's prioritisation did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prioritised {
    /// Items heard at this meeting, in the chair's order.
    pub heard: Vec<String>,
    /// Items rolled on: (item, the meeting it moved to).
    pub rolled: Vec<(String, String)>,
}

impl App {
    /// The chair orders an over-full agenda (AGD-02): items are taken in the chair's order while
    /// they fit; the rest roll to the next meeting, where they are listed again.
    pub async fn prioritise(
        &self,
        actor: &Actor,
        meeting_id: &str,
        order: &[String],
    ) -> Result<Prioritised, AppError> {
        self.retrying(|| async {
            let txn = self.begin().await?;
            self.lock_meeting(&txn, meeting_id).await?;
            let m = meeting::Entity::find_by_id(meeting_id.to_string())
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("meeting {meeting_id}")))?;
            same_council(actor, &m.council_id)?;
            let (policy, panel) = self.panel(&m.panel_id)?;
            require_role(
                policy,
                actor,
                &panel.id,
                &panel.chair.eligible,
                "prioritise the agenda",
            )?;
            let mut items: Vec<agenda_item::Model> = agenda_item::Entity::find()
                .filter(agenda_item::Column::MeetingId.eq(meeting_id))
                .filter(agenda_item::Column::Kind.eq("standard"))
                .filter(agenda_item::Column::Status.is_in(["listed", "for-chair"]))
                .all(&txn)
                .await?;
            for id in order {
                if !items.iter().any(|i| &i.id == id) {
                    return Err(AppError::invalid(
                        "order",
                        format!("Item {id} is not waiting on this meeting's agenda"),
                        "AGD-02",
                    ));
                }
            }
            // The chair's order first, then what was listed, then what waited, each by position.
            items.sort_by_key(|i| {
                let rank = order.iter().position(|o| o == &i.id).unwrap_or(usize::MAX);
                (rank, i.status != "listed", i.position)
            });
            // Give back every place, then take them again in the new order.
            let held: i32 = items
                .iter()
                .filter(|i| i.status == "listed")
                .map(|i| i.units)
                .sum();
            let minutes = panel.capacity.slot_minutes.map_or(0, |s| s as i32 * held);
            meeting::Entity::update_many()
                .col_expr(
                    meeting::Column::UnitsUsed,
                    Expr::col(meeting::Column::UnitsUsed).sub(held),
                )
                .col_expr(
                    meeting::Column::BookedMinutes,
                    Expr::col(meeting::Column::BookedMinutes).sub(minutes),
                )
                .filter(meeting::Column::Id.eq(meeting_id))
                .exec(&txn)
                .await?;
            let sched = self
                .scheduler(policy, panel)
                .with_cancelled(self.cancelled_dates(&txn, &panel.id).await?);
            let start = chrono::NaiveDateTime::parse_from_str(&m.starts_at, "%Y-%m-%dT%H:%M")
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            let mut result = Prioritised::default();
            for (rank, item) in items.iter().enumerate() {
                if self
                    .take_places(&txn, panel, meeting_id, item.units)
                    .await?
                {
                    agenda_item::Entity::update_many()
                        .col_expr(agenda_item::Column::Status, Expr::value("listed"))
                        .col_expr(
                            agenda_item::Column::ChairPriority,
                            Expr::value(rank as i32 + 1),
                        )
                        .filter(agenda_item::Column::Id.eq(item.id.clone()))
                        .exec(&txn)
                        .await?;
                    result.heard.push(item.id.clone());
                    continue;
                }
                // Not prioritised: roll to the next held meeting, booking a place there if free.
                let next = sched.held_after(start).next().ok_or_else(|| {
                    AppError::refused("No later meeting to roll the item to", "AGD-02")
                })?;
                let stored = self
                    .ensure_meeting(&txn, &m.council_id, panel, &next)
                    .await?;
                let note = format!(
                    "Not prioritised by the chair for {}; rolled to {} (AGD-02).",
                    m.starts_at, stored.starts_at
                );
                self.roll_item(&txn, panel, item, &stored, &note).await?;
                result.rolled.push((item.id.clone(), stored.id.clone()));
            }
            self.audit(
                &txn,
                actor,
                "meeting.prioritise",
                "meeting",
                meeting_id,
                json!({"order": order, "heard": result.heard, "rolled": result.rolled}),
            )
            .await?;
            txn.commit().await?;
            Ok(result)
        })
        .await
    }
}

/// Bumps the version of the meetings matching `which`, which takes their rows' locks until the
/// transaction ends; returns how many there were.
async fn lock_meetings(
    txn: &DatabaseTransaction,
    which: sea_orm::sea_query::SimpleExpr,
) -> Result<u64, AppError> {
    Ok(meeting::Entity::update_many()
        .col_expr(
            meeting::Column::Version,
            Expr::col(meeting::Column::Version).add(1),
        )
        .filter(which)
        .exec(txn)
        .await?
        .rows_affected)
}
