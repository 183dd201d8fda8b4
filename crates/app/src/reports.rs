//! Budget monitoring: committed spend by panel, financial quarter and category over a run of
//! financial years, for finance, commissioning and the panels' chairs and administrators
//! (FIN-05, RPT-01).
//!
//! The grouping is done by the database in one statement over the `ix_commitment_report` index
//! (council, panel, start date); [`spend_report_sql`] gives that statement so it can be run and
//! explained by hand, and the benchmarks time the use case against it (P3).

use crate::finance::Period;
use crate::{Actor, App, AppError};
use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};
use std::collections::HashMap;

/// One cell of the report: a panel's commitments of one category starting in one quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendRow {
    pub panel_id: String,
    pub panel_name: String,
    /// The financial year, by the calendar year it starts in (2025 is April 2025 to March 2026).
    pub year: i64,
    /// 1 (April to June) to 4 (January to March).
    pub quarter: i64,
    pub category: String,
    pub commitments: i64,
    pub total_pence: i64,
}

/// The report: rows in panel, year, quarter and category order.
#[derive(Debug, Clone)]
pub struct SpendReport {
    pub period: Period,
    pub rows: Vec<SpendRow>,
    pub total_pence: i64,
}

/// The report's statement for a backend, with `$1` the council, `$2` the first day and `$3` the
/// last day of the period. A commitment counts in the quarter its spending starts.
pub fn spend_report_sql(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => {
            "SELECT panel_id, \
             (EXTRACT(YEAR FROM start_date)::bigint - CASE WHEN EXTRACT(MONTH FROM start_date) < 4 THEN 1 ELSE 0 END) AS fy, \
             ((EXTRACT(MONTH FROM start_date)::bigint + 8) % 12) / 3 + 1 AS quarter, \
             category, COUNT(*)::bigint AS commitments, SUM(total_pence)::bigint AS total_pence \
             FROM commitment \
             WHERE council_id = $1 AND start_date >= $2 AND start_date <= $3 \
             GROUP BY panel_id, fy, quarter, category \
             ORDER BY panel_id, fy, quarter, category"
        }
        _ => {
            "SELECT panel_id, \
             CAST(strftime('%Y', start_date) AS INTEGER) - (CAST(strftime('%m', start_date) AS INTEGER) < 4) AS fy, \
             (CAST(strftime('%m', start_date) AS INTEGER) + 8) % 12 / 3 + 1 AS quarter, \
             category, COUNT(*) AS commitments, SUM(total_pence) AS total_pence \
             FROM commitment \
             WHERE council_id = $1 AND start_date >= $2 AND start_date <= $3 \
             GROUP BY panel_id, fy, quarter, category \
             ORDER BY panel_id, fy, quarter, category"
        }
    }
}

/// The longest run of financial years one report covers.
pub const MAX_YEARS: i32 = 10;

/// The run of financial years from `from` to `to`, each `fy-YYYY` or `fy` (the year holding
/// `today`); empty means `fy`. Errors name the field.
pub fn years(from: &str, to: &str, today: NaiveDate) -> Result<Period, AppError> {
    let year = |field: &str, text: &str| {
        let text = text.trim();
        if text.is_empty() || text == "fy" {
            return Ok(Period::financial_year(today));
        }
        match Period::parse(text, today) {
            Ok(p) if text.starts_with("fy-") => Ok(p),
            _ => Err(AppError::invalid(
                field,
                "Choose a financial year, like fy-2025 for April 2025 to March 2026",
                "FIN-05",
            )),
        }
    };
    let first = year("from", from)?;
    let last = year("to", to)?;
    if last.to < first.from {
        return Err(AppError::invalid(
            "to",
            "The last year must not be before the first",
            "FIN-05",
        ));
    }
    if last.from.year() - first.from.year() >= MAX_YEARS {
        return Err(AppError::invalid(
            "to",
            format!("A report covers at most {MAX_YEARS} financial years"),
            "FIN-05",
        ));
    }
    Ok(Period {
        from: first.from,
        to: last.to,
    })
}

impl App {
    /// Committed spend of the panels whose finance log this person may read, by panel, quarter
    /// and category, for commitments starting within `period`.
    pub async fn spend_report(
        &self,
        actor: &Actor,
        period: Period,
    ) -> Result<SpendReport, AppError> {
        let panels: HashMap<String, String> = self
            .finance_panels(actor)
            .into_iter()
            .map(|(_, p)| (p.id.clone(), p.name.clone()))
            .collect();
        if panels.is_empty() {
            return Err(AppError::forbidden(
                "Spending reports are for finance, brokerage, the panels' chairs and administrators, and audit",
                "FIN-05",
            ));
        }
        if period.to < period.from
            || (period.to - period.from).num_days() > i64::from(MAX_YEARS) * 366
        {
            return Err(AppError::invalid(
                "to",
                format!("A report covers one to {MAX_YEARS} financial years, first to last"),
                "FIN-05",
            ));
        }
        let backend = self.db.get_database_backend();
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                spend_report_sql(backend),
                [
                    Value::from(actor.council_id.clone()),
                    Value::from(period.from),
                    Value::from(period.to),
                ],
            ))
            .await?;
        let mut out = Vec::new();
        for row in rows {
            let panel_id: String = row.try_get("", "panel_id")?;
            let Some(panel_name) = panels.get(&panel_id) else {
                continue;
            };
            out.push(SpendRow {
                panel_name: panel_name.clone(),
                panel_id,
                year: row.try_get("", "fy")?,
                quarter: row.try_get("", "quarter")?,
                category: row.try_get("", "category")?,
                commitments: row.try_get("", "commitments")?,
                total_pence: row.try_get("", "total_pence")?,
            });
        }
        let total_pence = out.iter().map(|r| r.total_pence).sum();
        Ok(SpendReport {
            period,
            rows: out,
            total_pence,
        })
    }
}
