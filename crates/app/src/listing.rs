//! Lists a page at a time by keyset (the last item's key, never an offset), so a page costs the
//! same however deep it is and a row added meanwhile neither repeats nor hides another (P5).
//! Each list holds only what the person may see; a page may be short (even empty) with a `next`
//! key when the rows read for it were mostly not the person's, so its cost stays bounded.

use crate::access::{holds, may_read_referral, panel_roles};
use crate::{Actor, App, AppError};
use carepanel_store::entity::{decision as decision_row, meeting, referral};
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The most items a page holds.
pub const MAX_PAGE: u64 = 100;
/// How many rows are read at a time while filtering by access.
const BATCH: u64 = 200;
/// The most batches one page reads: a person who may see few rows gets a short page and the
/// key to read on from, so no request scans a whole council's table.
const MAX_BATCHES: usize = 5;

/// One page and the key to ask for the next, if there is more.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

fn check_limit(limit: u64) -> Result<u64, AppError> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(AppError::invalid(
            "limit",
            format!("A page holds 1 to {MAX_PAGE} items"),
            "P5",
        ))
    }
}

impl App {
    /// The referrals the person may read, newest first (ids are time-ordered).
    pub async fn referrals_page(
        &self,
        actor: &Actor,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<referral::Model>, AppError> {
        let limit = check_limit(limit)?;
        let mut items = Vec::new();
        let mut cursor = after.map(str::to_string);
        let mut batches = 0;
        loop {
            let mut q = referral::Entity::find()
                .filter(referral::Column::CouncilId.eq(actor.council_id.clone()));
            if let Some(c) = &cursor {
                q = q.filter(referral::Column::Id.lt(c.clone()));
            }
            let batch = q
                .order_by_desc(referral::Column::Id)
                .limit(BATCH)
                .all(&self.db)
                .await?;
            let done = (batch.len() as u64) < BATCH;
            for r in batch {
                cursor = Some(r.id.clone());
                let readable = self
                    .panel(&r.panel_id)
                    .is_ok_and(|(policy, _)| may_read_referral(policy, actor, &r));
                if readable {
                    items.push(r);
                    if items.len() as u64 == limit {
                        let next = items.last().map(|r| r.id.clone());
                        return Ok(Page { items, next });
                    }
                }
            }
            if done {
                return Ok(Page { items, next: None });
            }
            batches += 1;
            if batches == MAX_BATCHES {
                return Ok(Page {
                    items,
                    next: cursor,
                });
            }
        }
    }

    /// The decisions the person may read (on referrals they may read, or on panels they work),
    /// of one panel or all, newest first.
    pub async fn decisions_page(
        &self,
        actor: &Actor,
        panel: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<decision_row::Model>, AppError> {
        let limit = check_limit(limit)?;
        if let Some(p) = panel {
            self.panel(p)?;
        }
        let mut items = Vec::new();
        let mut cursor = after.map(str::to_string);
        let mut batches = 0;
        loop {
            let mut q = decision_row::Entity::find()
                .filter(decision_row::Column::CouncilId.eq(actor.council_id.clone()));
            if let Some(p) = panel {
                q = q.filter(decision_row::Column::PanelId.eq(p));
            }
            if let Some(c) = &cursor {
                q = q.filter(decision_row::Column::Id.lt(c.clone()));
            }
            let batch = q
                .order_by_desc(decision_row::Column::Id)
                .limit(BATCH)
                .all(&self.db)
                .await?;
            let done = (batch.len() as u64) < BATCH;
            let referrals = referral::Entity::find()
                .filter(
                    referral::Column::Id.is_in(batch.iter().filter_map(|d| d.referral_id.clone())),
                )
                .all(&self.db)
                .await?;
            for d in batch {
                cursor = Some(d.id.clone());
                let Ok((policy, _)) = self.panel(&d.panel_id) else {
                    continue;
                };
                let works = holds(
                    policy,
                    actor,
                    &d.panel_id,
                    &panel_roles(policy, &d.panel_id),
                )
                .is_some();
                let reads = d
                    .referral_id
                    .as_ref()
                    .and_then(|rid| referrals.iter().find(|r| &r.id == rid))
                    .is_some_and(|r| may_read_referral(policy, actor, r));
                if works || reads {
                    items.push(d);
                    if items.len() as u64 == limit {
                        let next = items.last().map(|d| d.id.clone());
                        return Ok(Page { items, next });
                    }
                }
            }
            if done {
                return Ok(Page { items, next: None });
            }
            batches += 1;
            if batches == MAX_BATCHES {
                return Ok(Page {
                    items,
                    next: cursor,
                });
            }
        }
    }

    /// The meetings of the panels the person works, from a day on, in time order. The key is
    /// the last meeting's start and id.
    pub async fn meetings_page(
        &self,
        actor: &Actor,
        from: chrono::NaiveDate,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<meeting::Model>, AppError> {
        let limit = check_limit(limit)?;
        let panels = self.worked_panels(actor);
        let mut q = meeting::Entity::find()
            .filter(meeting::Column::CouncilId.eq(actor.council_id.clone()))
            .filter(meeting::Column::PanelId.is_in(panels))
            .filter(meeting::Column::MeetingDate.gte(from));
        if let Some(key) = after {
            let (starts, id) = key.split_once('~').ok_or_else(|| {
                AppError::invalid("after", "Use the `next` key of the page before", "P5")
            })?;
            q = q.filter(
                Condition::any()
                    .add(meeting::Column::StartsAt.gt(starts))
                    .add(
                        Condition::all()
                            .add(meeting::Column::StartsAt.eq(starts))
                            .add(meeting::Column::Id.gt(id)),
                    ),
            );
        }
        let mut items = q
            .order_by_asc(meeting::Column::StartsAt)
            .order_by_asc(meeting::Column::Id)
            .limit(limit + 1)
            .all(&self.db)
            .await?;
        let more = items.len() as u64 > limit;
        items.truncate(limit as usize);
        let next = more
            .then(|| items.last().map(|m| format!("{}~{}", m.starts_at, m.id)))
            .flatten();
        Ok(Page { items, next })
    }
}

/// A referral as a list of them shows it: no answers, no history.
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct ReferralSummary {
    pub id: String,
    pub panel_id: String,
    pub category: String,
    pub state: String,
    pub updated_at: DateTime<Utc>,
}

/// The key of a list ordered by time of change: the time to the nanosecond, and the id.
fn change_key(at: DateTime<Utc>, id: &str) -> String {
    format!("{}~{id}", at.to_rfc3339_opts(SecondsFormat::Nanos, true))
}

fn parse_change_key(key: &str) -> Result<(DateTime<Utc>, &str), AppError> {
    key.split_once('~')
        .and_then(|(at, id)| {
            let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
            (!id.is_empty()).then_some((at, id))
        })
        .ok_or_else(|| AppError::invalid("after", "Use the `next` key of the page before", "P5"))
}

impl App {
    /// The referrals this person wrote, the most recently changed first, a page at a time (P5:
    /// a social worker's list costs the same after ten years of referrals as after one).
    pub async fn my_referrals_page(
        &self,
        actor: &Actor,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<ReferralSummary>, AppError> {
        let limit = check_limit(limit)?;
        let mut q = referral::Entity::find()
            .select_only()
            .columns([
                referral::Column::Id,
                referral::Column::PanelId,
                referral::Column::Category,
                referral::Column::State,
                referral::Column::UpdatedAt,
            ])
            .filter(referral::Column::AuthorId.eq(actor.person_id.clone()))
            .filter(referral::Column::CouncilId.eq(actor.council_id.clone()));
        if let Some(key) = after {
            let (at, id) = parse_change_key(key)?;
            q = q.filter(
                Condition::any()
                    .add(referral::Column::UpdatedAt.lt(at))
                    .add(
                        Condition::all()
                            .add(referral::Column::UpdatedAt.eq(at))
                            .add(referral::Column::Id.lt(id)),
                    ),
            );
        }
        let mut items = q
            .order_by_desc(referral::Column::UpdatedAt)
            .order_by_desc(referral::Column::Id)
            .limit(limit + 1)
            .into_model::<ReferralSummary>()
            .all(&self.db)
            .await?;
        let more = items.len() as u64 > limit;
        items.truncate(limit as usize);
        let next = more
            .then(|| items.last().map(|r| change_key(r.updated_at, &r.id)))
            .flatten();
        Ok(Page { items, next })
    }
}

impl App {
    /// Decisions between meetings still awaiting ratification that the person may see: on the
    /// panels they work, or taken by them (DEC-09, EMG-04).
    pub async fn interims_awaiting(
        &self,
        actor: &Actor,
    ) -> Result<Vec<carepanel_store::entity::interim_decision::Model>, AppError> {
        use carepanel_store::entity::interim_decision;
        Ok(interim_decision::Entity::find()
            .filter(interim_decision::Column::CouncilId.eq(actor.council_id.clone()))
            .filter(interim_decision::Column::Status.eq("awaiting-ratification"))
            .order_by_asc(interim_decision::Column::DecidedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|i| i.approver_id == actor.person_id || self.works_panel(actor, &i.panel_id))
            .collect())
    }
}
