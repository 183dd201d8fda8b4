//! Scale L: besides the four demo councils, 146 synthetic councils' years of decided referrals,
//! written in bulk (PostgreSQL's scale; the rows obey the same schema and each council's audit
//! chain verifies). They exist to make tables as large as a national service would have, so
//! pages can be measured against them; nobody signs in to them.

use crate::{App, AppError, new_id};
use carepanel_domain::calendar::{london_to_utc, utc_to_london};
use carepanel_domain::lifecycle::ReferralState;
use carepanel_domain::policy::OutcomeEffect;
use carepanel_domain::schedule::iso_minute;
use carepanel_store::chain::{self, ChainEvent, GENESIS};
use carepanel_store::entity::{
    agenda_item, audit_event, child, commitment, council, decision, meeting, person, referral, team,
};
use chrono::{Duration, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set, TransactionTrait,
};
use serde_json::json;

/// Rows written per INSERT statement.
const CHUNK: usize = 500;

async fn insert_chunks<E, M>(db: &impl ConnectionTrait, rows: Vec<M>) -> Result<(), AppError>
where
    E: EntityTrait,
    M: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows
            .by_ref()
            .take(CHUNK)
            .map(IntoActiveModel::into_active_model)
            .collect();
        E::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}

impl App {
    /// Writes `count` synthetic councils, each with about `per_council` decided referrals over
    /// the year before the clock's now. Returns the number of referrals written.
    pub async fn seed_synthetic_councils(
        &self,
        count: usize,
        per_council: usize,
        seed: u64,
    ) -> Result<usize, AppError> {
        let templates = self.policies.policies();
        let end = utc_to_london(self.now()).date();
        let start = end - Duration::weeks(52);
        let mut written = 0;
        let mut x = seed | 1;
        let mut rand = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n.max(1)
        };
        for k in 0..count {
            let policy = &templates[k % templates.len()];
            let council_id = format!("synthetic-{:03}", k + 1);
            let now = self.now();
            let txn = self.db.begin().await?;
            council::ActiveModel {
                id: Set(council_id.clone()),
                name: Set(format!("Synthetic Council {:03}", k + 1)),
                policy_version: Set(policy.policy.version.clone()),
                audit_seq: Set(0),
                audit_head: Set(GENESIS.to_string()),
            }
            .insert(&txn)
            .await?;
            let team_id = new_id();
            team::ActiveModel {
                id: Set(team_id.clone()),
                council_id: Set(council_id.clone()),
                name: Set("Children's Services".into()),
            }
            .insert(&txn)
            .await?;
            let worker = new_id();
            let chair = new_id();
            for (id, who) in [(&worker, "worker"), (&chair, "chair")] {
                person::ActiveModel {
                    id: Set(id.clone()),
                    council_id: Set(council_id.clone()),
                    team_id: Set(Some(team_id.clone())),
                    name: Set(format!("Synthetic {who}")),
                    email: Set(format!("{who}@{council_id}.example")),
                    password_hash: Set(None),
                    active: Set(false),
                    failed_logins: Set(0),
                    locked_until: Set(None),
                    created_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
            // Held meetings of every panel in the template over the year.
            let mut slots = Vec::new();
            for panel in &policy.panels {
                let sched = self.scheduler(policy, panel);
                for m in sched.meetings(start, end).into_iter().filter(|m| m.held) {
                    slots.push((panel, m));
                }
            }
            if slots.is_empty() {
                continue;
            }
            let mut meetings = Vec::new();
            let mut children = Vec::new();
            let mut referrals = Vec::new();
            let mut items = Vec::new();
            let mut decisions = Vec::new();
            let mut commitments = Vec::new();
            let mut events = Vec::new();
            let mut prev = GENESIS.to_string();
            let mut seq = 0i64;
            let meeting_ids: Vec<String> = slots.iter().map(|_| new_id()).collect();
            // A synthetic council's panels are copies of its template's, named apart from them.
            let panel_key = |id: &str| format!("{id}~{council_id}");
            for ((panel, m), mid) in slots.iter().zip(&meeting_ids) {
                meetings.push(meeting::Model {
                    id: mid.clone(),
                    council_id: council_id.clone(),
                    panel_id: panel_key(&panel.id),
                    starts_at: iso_minute(m.start),
                    meeting_date: m.date,
                    cutoff: iso_minute(m.cutoff),
                    status: "scheduled".into(),
                    units_used: 0,
                    booked_minutes: 0,
                    cancelled_by: None,
                    cancel_reason: None,
                    papers_circulated_at: None,
                    version: 0,
                });
            }
            for n in 0..per_council {
                let slot = n % slots.len();
                let (panel, m) = &slots[slot];
                let mid = &meeting_ids[slot];
                let Some(category) = panel
                    .categories
                    .get(rand(panel.categories.len() as u64) as usize)
                else {
                    continue;
                };
                let child_id = new_id();
                let dob = m.date - Duration::days(365 * rand(17) as i64 + rand(365) as i64);
                children.push(child::Model {
                    id: child_id.clone(),
                    council_id: council_id.clone(),
                    case_system: policy.council.case_system.clone(),
                    case_system_id: format!("S{:03}-{n:06}", k + 1),
                    name: format!("Synthetic child {n}"),
                    date_of_birth: dob.min(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or(dob)),
                    sex: None,
                    ethnicity: None,
                    disability: None,
                    legal_status: None,
                    looked_after: false,
                    team_id: Some(team_id.clone()),
                    created_at: now,
                });
                let rid = new_id();
                let submitted = london_to_utc(m.cutoff - Duration::days(1));
                let decided = london_to_utc(m.start + Duration::minutes(30));
                let state = ReferralState::Decided {
                    meeting: mid.clone(),
                };
                referrals.push(referral::Model {
                    id: rid.clone(),
                    council_id: council_id.clone(),
                    panel_id: panel_key(&panel.id),
                    part: category.part.clone(),
                    category: category.id.clone(),
                    child_id: child_id.clone(),
                    team_id: Some(team_id.clone()),
                    author_id: worker.clone(),
                    form_id: category.forms.first().cloned(),
                    answers: "{}".into(),
                    amount_pence: Some(100_000 + rand(800_000) as i64),
                    children: 1,
                    emergency: false,
                    ratification: false,
                    newly_looked_after: false,
                    state: "decided".into(),
                    state_detail: json!(state).to_string(),
                    sign_off_chain: "[]".into(),
                    submitted_at: Some(submitted),
                    meeting_id: Some(mid.clone()),
                    version: 1,
                    created_at: submitted,
                    updated_at: decided,
                });
                let item_id = new_id();
                items.push(agenda_item::Model {
                    id: item_id.clone(),
                    meeting_id: mid.clone(),
                    referral_id: Some(rid.clone()),
                    kind: "standard".into(),
                    position: (n / slots.len()) as i32 + 1,
                    slot_start: None,
                    slot_end: None,
                    units: 1,
                    status: "decided".into(),
                    chair_priority: None,
                    note: String::new(),
                });
                let outcome = panel
                    .outcomes
                    .iter()
                    .find(|o| o.effect == OutcomeEffect::Approve)
                    .or_else(|| panel.outcomes.first())
                    .map(|o| o.id.clone())
                    .unwrap_or_default();
                let weekly = 5_000 + rand(95_000) as i64;
                let weeks = 4 + rand(26) as i64;
                let did = new_id();
                decisions.push(decision::Model {
                    id: did.clone(),
                    council_id: council_id.clone(),
                    panel_id: panel_key(&panel.id),
                    agenda_item_id: item_id,
                    referral_id: Some(rid.clone()),
                    outcome,
                    rationale: "Synthetic decision".into(),
                    lines: "[]".into(),
                    conditions: "[]".into(),
                    return_date: None,
                    defer_to: None,
                    link: None,
                    total_pence: weekly * weeks,
                    weekly_pence: weekly,
                    policy_version: policy.policy.version.clone(),
                    decided_by: chair.clone(),
                    decided_at: decided,
                });
                commitments.push(commitment::Model {
                    id: new_id(),
                    council_id: council_id.clone(),
                    panel_id: panel_key(&panel.id),
                    decision_id: did.clone(),
                    category: category.id.clone(),
                    description: "Synthetic support".into(),
                    weekly_pence: Some(weekly),
                    one_off_pence: None,
                    total_pence: weekly * weeks,
                    start_date: Some(m.date + Duration::days(3)),
                    end_date: Some(m.date + Duration::weeks(weeks)),
                    cost_centre: None,
                    signed_off_by: None,
                    signed_off_at: None,
                });
                seq += 1;
                let mut e = ChainEvent {
                    id: new_id(),
                    council_id: council_id.clone(),
                    seq,
                    at: decided.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                    actor_id: Some(chair.clone()),
                    action: "decision.import".into(),
                    entity: "decision".into(),
                    entity_id: did,
                    detail: json!({"referral": rid}).to_string(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = chain::hash_event(&prev, &e);
                prev = e.hash.clone();
                events.push(audit_event::Model {
                    id: e.id,
                    council_id: e.council_id,
                    seq: e.seq,
                    at: e.at,
                    actor_id: e.actor_id,
                    action: e.action,
                    entity: e.entity,
                    entity_id: e.entity_id,
                    detail: e.detail,
                    prev_hash: e.prev_hash,
                    hash: e.hash,
                });
            }
            written += referrals.len();
            insert_chunks::<meeting::Entity, _>(&txn, meetings).await?;
            insert_chunks::<child::Entity, _>(&txn, children).await?;
            insert_chunks::<referral::Entity, _>(&txn, referrals).await?;
            insert_chunks::<agenda_item::Entity, _>(&txn, items).await?;
            insert_chunks::<decision::Entity, _>(&txn, decisions).await?;
            insert_chunks::<commitment::Entity, _>(&txn, commitments).await?;
            insert_chunks::<audit_event::Entity, _>(&txn, events).await?;
            council::ActiveModel {
                id: Set(council_id.clone()),
                audit_seq: Set(seq),
                audit_head: Set(prev),
                ..Default::default()
            }
            .update(&txn)
            .await?;
            txn.commit().await?;
        }
        Ok(written)
    }
}
