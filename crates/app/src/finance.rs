//! The finance officer's running log of committed spend, per panel and period, meeting by
//! meeting with a cumulative total, and its sign-off where the terms of reference ask for one
//! (Bexley: by the Deputy Director) (FIN-01, FIN-02, FIN-05).

use crate::access::{holds, require_role};
use crate::{Actor, App, AppError};
use carepanel_domain::calendar::{london_to_utc, utc_to_london};
use carepanel_domain::policy::{Panel, Policy};
use carepanel_store::entity::{
    agenda_item, child, commitment, decision as decision_row, meeting, person, referral,
};
use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use std::collections::HashMap;

/// A period of the log: a calendar month or a financial year (April to March).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The financial year (1 April to 31 March) that holds `day`.
    pub fn financial_year(day: NaiveDate) -> Period {
        let start_year = if day.month() >= 4 {
            day.year()
        } else {
            day.year() - 1
        };
        Period {
            from: NaiveDate::from_ymd_opt(start_year, 4, 1).unwrap_or(day),
            to: NaiveDate::from_ymd_opt(start_year + 1, 3, 31).unwrap_or(day),
        }
    }

    /// Reads `fy` (the financial year holding `today`), `fy-2025` (April 2025 to March 2026) or
    /// a month as `2026-11`.
    pub fn parse(text: &str, today: NaiveDate) -> Result<Period, AppError> {
        let bad = || {
            AppError::invalid(
                "period",
                "Choose a month, like 2026-11, or a financial year",
                "FIN-05",
            )
        };
        let text = text.trim();
        if text.is_empty() || text == "fy" {
            return Ok(Period::financial_year(today));
        }
        if let Some(y) = text.strip_prefix("fy-") {
            let y: i32 = y.parse().map_err(|_| bad())?;
            if !(2000..=2100).contains(&y) {
                return Err(bad());
            }
            return Ok(Period::financial_year(
                NaiveDate::from_ymd_opt(y, 4, 1).ok_or_else(bad)?,
            ));
        }
        let (y, m) = text.split_once('-').ok_or_else(bad)?;
        let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(2000..=2100).contains(&y) {
            return Err(bad());
        }
        let from = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
        let next = if m == 12 {
            NaiveDate::from_ymd_opt(y + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(y, m + 1, 1)
        }
        .ok_or_else(bad)?;
        Ok(Period {
            from,
            to: next.pred_opt().unwrap_or(next),
        })
    }
}

/// One commitment in the log.
#[derive(Debug, Clone)]
pub struct LogLine {
    pub commitment: commitment::Model,
    pub decided_on: NaiveDate,
    /// The child's case-system id, where the decision was on a referral.
    pub case_id: Option<String>,
    pub signed_off_by: Option<String>,
}

/// The commitments decided at one meeting, with the running total to the end of it.
#[derive(Debug, Clone)]
pub struct LogMeeting {
    pub starts_at: String,
    pub lines: Vec<LogLine>,
    pub weekly_pence: i64,
    pub total_pence: i64,
    pub cumulative_pence: i64,
}

/// The running log for a panel and period (FIN-02).
#[derive(Debug, Clone)]
pub struct FinanceLog {
    pub panel_id: String,
    pub panel_name: String,
    pub period: Period,
    pub meetings: Vec<LogMeeting>,
    pub total_pence: i64,
    pub unsigned: usize,
    /// Labels of the roles that sign the log off; empty when the panel asks for no sign-off.
    pub signed_off_by_roles: Vec<String>,
    /// Whether this reader may sign it off.
    pub may_sign: bool,
}

/// Who may read a panel's log: finance and brokerage, the panel's administrator and chairs,
/// those who sign it off or are told of approvals, and audit (FIN-02, SEC-01).
fn finance_roles(panel: &Panel) -> Vec<String> {
    let mut roles: Vec<String> = [
        "finance-officer",
        "brokerage",
        "auditor",
        "panel-administrator",
    ]
    .map(String::from)
    .to_vec();
    roles.push(panel.administrator_role.clone());
    roles.extend(panel.chair.eligible.iter().cloned());
    roles.extend(panel.decision.notify_on_approval.iter().cloned());
    roles.extend(panel.decision.finance_log_signed_off_by.iter().cloned());
    roles.sort();
    roles.dedup();
    roles
}

impl App {
    /// A panel's decisions taken in a period (London days), in the order taken. Callers check
    /// access.
    pub(crate) async fn decisions_in(
        &self,
        council_id: &str,
        panel_id: &str,
        period: Period,
    ) -> Result<Vec<decision_row::Model>, AppError> {
        let midnight = |d: NaiveDate| london_to_utc(d.and_time(chrono::NaiveTime::MIN));
        Ok(decision_row::Entity::find()
            .filter(decision_row::Column::PanelId.eq(panel_id))
            .filter(decision_row::Column::CouncilId.eq(council_id))
            .filter(decision_row::Column::DecidedAt.gte(midnight(period.from)))
            .filter(
                decision_row::Column::DecidedAt
                    .lt(midnight(period.to.succ_opt().unwrap_or(period.to))),
            )
            .order_by_asc(decision_row::Column::DecidedAt)
            .all(&self.db)
            .await?)
    }

    /// The panels whose log this person may read.
    pub fn finance_panels<'a>(&'a self, actor: &Actor) -> Vec<(&'a Policy, &'a Panel)> {
        self.policies
            .policies()
            .iter()
            .filter(|p| p.council.id == actor.council_id)
            .flat_map(|p| p.panels.iter().map(move |panel| (p, panel)))
            .filter(|(p, panel)| holds(p, actor, &panel.id, &finance_roles(panel)).is_some())
            .collect()
    }

    /// The log of a panel's committed spend in a period, meeting by meeting.
    pub async fn finance_log(
        &self,
        actor: &Actor,
        panel_id: &str,
        period: Period,
    ) -> Result<FinanceLog, AppError> {
        let (policy, panel) = self.panel(panel_id)?;
        if policy.council.id != actor.council_id {
            return Err(AppError::forbidden(
                "This panel belongs to another council",
                "SEC-01",
            ));
        }
        require_role(
            policy,
            actor,
            &panel.id,
            &finance_roles(panel),
            "see the finance log",
        )?;
        let decisions = self
            .decisions_in(&actor.council_id, panel_id, period)
            .await?;
        let ids: Vec<String> = decisions.iter().map(|d| d.id.clone()).collect();
        let commitments = if ids.is_empty() {
            Vec::new()
        } else {
            commitment::Entity::find()
                .filter(commitment::Column::DecisionId.is_in(ids))
                .all(&self.db)
                .await?
        };
        let item_ids: Vec<String> = decisions.iter().map(|d| d.agenda_item_id.clone()).collect();
        let items: HashMap<String, agenda_item::Model> = agenda_item::Entity::find()
            .filter(agenda_item::Column::Id.is_in(item_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect();
        let meeting_ids: Vec<String> = items.values().map(|i| i.meeting_id.clone()).collect();
        let meetings: HashMap<String, meeting::Model> = meeting::Entity::find()
            .filter(meeting::Column::Id.is_in(meeting_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        let referral_ids: Vec<String> = decisions
            .iter()
            .filter_map(|d| d.referral_id.clone())
            .collect();
        let referrals: HashMap<String, referral::Model> = referral::Entity::find()
            .filter(referral::Column::Id.is_in(referral_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let child_ids: Vec<String> = referrals.values().map(|r| r.child_id.clone()).collect();
        let children: HashMap<String, child::Model> = child::Entity::find()
            .filter(child::Column::Id.is_in(child_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let signers: Vec<String> = commitments
            .iter()
            .filter_map(|c| c.signed_off_by.clone())
            .collect();
        let names: HashMap<String, String> = person::Entity::find()
            .filter(person::Column::Id.is_in(signers))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        // Meeting by meeting in meeting order, each meeting's decisions in the order taken, so
        // the running total is the same however late a decision was recorded.
        let meeting_of = |d: &decision_row::Model| {
            items
                .get(&d.agenda_item_id)
                .and_then(|i| meetings.get(&i.meeting_id))
                .map_or_else(
                    || {
                        utc_to_london(d.decided_at)
                            .format("%Y-%m-%dT%H:%M")
                            .to_string()
                    },
                    |m| m.starts_at.clone(),
                )
        };
        let mut decisions = decisions;
        decisions.sort_by_key(|d| (meeting_of(d), d.decided_at));
        let mut groups: Vec<LogMeeting> = Vec::new();
        let mut running = 0i64;
        let mut unsigned = 0;
        for d in &decisions {
            let starts_at = meeting_of(d);
            let case_id = d
                .referral_id
                .as_ref()
                .and_then(|r| referrals.get(r))
                .and_then(|r| children.get(&r.child_id))
                .map(|c| c.case_system_id.clone());
            for c in commitments.iter().filter(|c| c.decision_id == d.id) {
                if c.signed_off_by.is_none() {
                    unsigned += 1;
                }
                let line = LogLine {
                    commitment: c.clone(),
                    decided_on: utc_to_london(d.decided_at).date(),
                    case_id: case_id.clone(),
                    signed_off_by: c
                        .signed_off_by
                        .as_ref()
                        .map(|p| names.get(p).cloned().unwrap_or_else(|| p.clone())),
                };
                running += c.total_pence;
                match groups.iter_mut().find(|g| g.starts_at == starts_at) {
                    Some(g) => {
                        g.weekly_pence += c.weekly_pence.unwrap_or(0);
                        g.total_pence += c.total_pence;
                        g.cumulative_pence = running;
                        g.lines.push(line);
                    }
                    None => groups.push(LogMeeting {
                        starts_at: starts_at.clone(),
                        weekly_pence: c.weekly_pence.unwrap_or(0),
                        total_pence: c.total_pence,
                        cumulative_pence: running,
                        lines: vec![line],
                    }),
                }
            }
        }
        let signing = &panel.decision.finance_log_signed_off_by;
        Ok(FinanceLog {
            panel_id: panel.id.clone(),
            panel_name: panel.name.clone(),
            period,
            meetings: groups,
            total_pence: running,
            unsigned,
            signed_off_by_roles: signing
                .iter()
                .map(|r| policy.role_label(r).to_string())
                .collect(),
            may_sign: !signing.is_empty() && holds(policy, actor, &panel.id, signing).is_some(),
        })
    }

    /// Signs off the unsigned lines of the log for a panel and period that the signer was shown
    /// (FIN-02). Only the roles the terms of reference name may; returns how many were signed.
    pub async fn sign_off_finance_log(
        &self,
        actor: &Actor,
        panel_id: &str,
        period: Period,
        shown: &[String],
    ) -> Result<usize, AppError> {
        let (policy, panel) = self.panel(panel_id)?;
        if panel.decision.finance_log_signed_off_by.is_empty() {
            return Err(AppError::refused(
                format!(
                    "{}'s terms of reference do not ask for the finance log to be signed off",
                    panel.name
                ),
                "FIN-02",
            ));
        }
        if policy.council.id != actor.council_id {
            return Err(AppError::forbidden(
                "This panel belongs to another council",
                "SEC-01",
            ));
        }
        require_role(
            policy,
            actor,
            &panel.id,
            &panel.decision.finance_log_signed_off_by,
            "sign off the finance log",
        )?;
        let log = self.finance_log(actor, panel_id, period).await?;
        let ids: Vec<String> = log
            .meetings
            .iter()
            .flat_map(|m| m.lines.iter())
            .filter(|l| l.commitment.signed_off_by.is_none())
            .map(|l| l.commitment.id.clone())
            .collect();
        // Only what the signer saw is signed: a line added since is left for the next sign-off,
        // and a line shown that is no longer waiting is refused.
        if let Some(gone) = shown.iter().find(|s| !ids.contains(s)) {
            return Err(AppError::Conflict(format!(
                "The log changed after it was shown (line {gone} is no longer waiting): look at it again before signing"
            )));
        }
        let ids: Vec<String> = ids.into_iter().filter(|i| shown.contains(i)).collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let total: i64 = log
            .meetings
            .iter()
            .flat_map(|m| m.lines.iter())
            .filter(|l| ids.contains(&l.commitment.id))
            .map(|l| l.commitment.total_pence)
            .sum();
        self.retrying(|| async {
            let txn = self.begin().await?;
            let signed = commitment::Entity::update_many()
                .col_expr(
                    commitment::Column::SignedOffBy,
                    Expr::value(actor.person_id.clone()),
                )
                .col_expr(commitment::Column::SignedOffAt, Expr::value(self.now()))
                .filter(commitment::Column::Id.is_in(ids.clone()))
                .filter(commitment::Column::SignedOffBy.is_null())
                .exec(&txn)
                .await?
                .rows_affected as usize;
            self.audit(
                &txn,
                actor,
                "finance.sign_off",
                "panel",
                panel_id,
                json!({"from": period.from, "to": period.to, "lines": signed, "total_pence": total}),
            )
            .await?;
            txn.commit().await?;
            Ok(signed)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn periods_are_months_and_financial_years() {
        let today = d("2026-11-25");
        let fy = Period::parse("", today).ok();
        assert_eq!(
            fy,
            Some(Period {
                from: d("2026-04-01"),
                to: d("2027-03-31")
            })
        );
        assert_eq!(
            Period::parse("fy-2025", today).ok(),
            Some(Period {
                from: d("2025-04-01"),
                to: d("2026-03-31")
            })
        );
        assert_eq!(
            Period::parse("2027-02", today).ok(),
            Some(Period {
                from: d("2027-02-01"),
                to: d("2027-02-28")
            })
        );
        assert_eq!(
            Period::parse("2026-12", today).ok(),
            Some(Period {
                from: d("2026-12-01"),
                to: d("2026-12-31")
            })
        );
        assert_eq!(
            Period::financial_year(d("2027-03-31")).from,
            d("2026-04-01")
        );
        for bad in ["2026-13", "2026", "nonsense", "fy-x", "1066-01", "2026-00"] {
            match Period::parse(bad, today) {
                Err(e) => assert!(e.to_string().starts_with("period:"), "{bad}: {e}"),
                Ok(p) => panic!("{bad} was read as {p:?}"),
            }
        }
    }
}
