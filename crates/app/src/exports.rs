//! The spreadsheets finance and commissioning work from: the finance log, the decisions
//! register and the forward planner, each as a table the web, API and CLI write as CSV or XLSX
//! (FIN-05, RPT-01). Each read checks access as its page does.

use crate::access::{panel_roles, require_role};
use crate::finance::Period;
use crate::{Actor, App, AppError};
use carepanel_documents::sheet::{Cell, Sheet};
use carepanel_domain::calendar::utc_to_london;
use carepanel_store::entity::{agenda_item, child, meeting, person, referral};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn meeting_date(starts_at: &str) -> Cell {
    NaiveDate::parse_from_str(starts_at.get(..10).unwrap_or(""), "%Y-%m-%d")
        .map(Cell::Date)
        .unwrap_or_else(|_| text(starts_at))
}

impl App {
    /// The finance log as a table: a line per commitment with its meeting and the running total.
    pub async fn finance_sheet(
        &self,
        actor: &Actor,
        panel_id: &str,
        period: Period,
    ) -> Result<Sheet, AppError> {
        let log = self.finance_log(actor, panel_id, period).await?;
        let mut rows = Vec::new();
        let mut running = 0;
        for m in &log.meetings {
            for l in &m.lines {
                let c = &l.commitment;
                running += c.total_pence;
                rows.push(vec![
                    meeting_date(&m.starts_at),
                    Cell::Date(l.decided_on),
                    text(l.case_id.clone().unwrap_or_default()),
                    text(c.category.clone()),
                    text(c.description.clone()),
                    c.weekly_pence.map_or(Cell::Empty, Cell::Money),
                    c.one_off_pence.map_or(Cell::Empty, Cell::Money),
                    Cell::Money(c.total_pence),
                    Cell::Money(running),
                    c.start_date.map_or(Cell::Empty, Cell::Date),
                    c.end_date.map_or(Cell::Empty, Cell::Date),
                    text(c.cost_centre.clone().unwrap_or_default()),
                    text(l.signed_off_by.clone().unwrap_or_default()),
                ]);
            }
        }
        Ok(Sheet {
            title: "Finance log".into(),
            headers: [
                "Meeting",
                "Decided",
                "Case ID",
                "Category",
                "Resource",
                "Weekly",
                "One-off",
                "Total",
                "Running total",
                "From",
                "To",
                "Cost centre",
                "Signed off by",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        })
    }

    /// The decisions register of a panel for a period: a line per decision, by case ID, for
    /// the people who work the panel (RPT-01, REC-02).
    pub async fn decisions_sheet(
        &self,
        actor: &Actor,
        panel_id: &str,
        period: Period,
    ) -> Result<Sheet, AppError> {
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
            &panel_roles(policy, &panel.id),
            "see the decisions register",
        )?;
        let decisions = self
            .decisions_in(&actor.council_id, panel_id, period)
            .await?;
        let items: HashMap<String, agenda_item::Model> = agenda_item::Entity::find()
            .filter(
                agenda_item::Column::Id.is_in(decisions.iter().map(|d| d.agenda_item_id.clone())),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect();
        let meetings: HashMap<String, meeting::Model> = meeting::Entity::find()
            .filter(meeting::Column::Id.is_in(items.values().map(|i| i.meeting_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        let referrals: HashMap<String, referral::Model> = referral::Entity::find()
            .filter(
                referral::Column::Id.is_in(decisions.iter().filter_map(|d| d.referral_id.clone())),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let children: HashMap<String, child::Model> = child::Entity::find()
            .filter(child::Column::Id.is_in(referrals.values().map(|r| r.child_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let chairs: HashMap<String, String> = person::Entity::find()
            .filter(person::Column::Id.is_in(decisions.iter().map(|d| d.decided_by.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let rows = decisions
            .iter()
            .map(|d| {
                let r = d.referral_id.as_ref().and_then(|id| referrals.get(id));
                let kid = r.and_then(|r| children.get(&r.child_id));
                let starts = items
                    .get(&d.agenda_item_id)
                    .and_then(|i| meetings.get(&i.meeting_id))
                    .map(|m| m.starts_at.clone())
                    .unwrap_or_default();
                vec![
                    Cell::Date(utc_to_london(d.decided_at).date()),
                    meeting_date(&starts),
                    text(kid.map(|k| k.case_system.clone()).unwrap_or_default()),
                    text(kid.map(|k| k.case_system_id.clone()).unwrap_or_default()),
                    text(
                        r.map(|r| {
                            panel
                                .category(&r.category)
                                .map_or(r.category.clone(), |c| c.label.clone())
                        })
                        .unwrap_or_default(),
                    ),
                    text(
                        panel
                            .outcome(&d.outcome)
                            .map_or(d.outcome.clone(), |o| o.label.clone()),
                    ),
                    Cell::Money(d.weekly_pence),
                    Cell::Money(d.total_pence),
                    d.return_date.map_or(Cell::Empty, Cell::Date),
                    text(chairs.get(&d.decided_by).cloned().unwrap_or_default()),
                    text(d.policy_version.clone()),
                    text(d.id.clone()),
                ]
            })
            .collect();
        Ok(Sheet {
            title: "Decisions register".into(),
            headers: [
                "Decided",
                "Meeting",
                "Case system",
                "Case ID",
                "Request",
                "Outcome",
                "Weekly",
                "Total",
                "Return date",
                "Chair",
                "Policy version",
                "Decision ID",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        })
    }

    /// The forward planner as a table, with what the person may see (REV-06, REV-08).
    pub async fn planner_sheet(&self, actor: &Actor, weeks: i64) -> Result<Sheet, AppError> {
        let lines = self.forward_planner(actor, weeks).await?;
        let rows = lines
            .into_iter()
            .map(|l| {
                let panel = self
                    .panel(&l.panel_id)
                    .map(|(_, p)| p.name.clone())
                    .unwrap_or(l.panel_id.clone());
                vec![
                    Cell::Date(l.date),
                    text(match l.kind {
                        crate::views::PlannerKind::ReviewDue => "Review due",
                        crate::views::PlannerKind::ReviewMissed => "Review missed",
                        crate::views::PlannerKind::ApprovalEnding => "Approval ending",
                        crate::views::PlannerKind::InterimExpired => {
                            "Decision between meetings past its validity"
                        }
                    }),
                    text(l.child_name),
                    text(panel),
                    text(l.what),
                ]
            })
            .collect();
        Ok(Sheet {
            title: "Forward planner".into(),
            headers: ["Date", "What", "Child", "Panel", "Detail"]
                .map(String::from)
                .to_vec(),
            rows,
        })
    }
}
