//! `carepanel reports`: the spending report (FIN-05) as CSV, made by the same use case as the
//! Spending page and `GET /api/v1/reports/spend`, and checked against the named person's access.

use crate::context::Loaded;
use crate::data_cmd::DbArg;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum Reports {
    /// Committed spend by panel, financial quarter and category, as CSV on standard output:
    /// one line per cell, and a last line with the total.
    Spend {
        #[command(flatten)]
        db: DbArg,
        /// The email of the person the report is made for; their access applies (FIN-05).
        #[arg(long = "as")]
        as_person: String,
        /// The first financial year, as fy-2025 for April 2025 to March 2026 (default: this
        /// one).
        #[arg(long, default_value = "")]
        from: String,
        /// The last financial year, as --from (default: this one).
        #[arg(long, default_value = "")]
        to: String,
    },
}

pub fn run(loaded: Loaded, cmd: Reports) -> Result<ExitCode> {
    let Reports::Spend {
        db,
        as_person,
        from,
        to,
    } = cmd;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let (app, actor) = crate::context::open_as(loaded, &db.url(), &as_person).await?;
        let refused = |e: carepanel_app::AppError| match e {
            carepanel_app::AppError::Invalid(errors) => crate::bad(
                errors
                    .iter()
                    .map(|e| format!("--{}: {} ({})", e.field, e.message, e.requirement))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => crate::bad(other.to_string()),
        };
        let period =
            carepanel_app::reports::years(&from, &to, app.local_now().date()).map_err(refused)?;
        let report = app.spend_report(&actor, period).await.map_err(refused)?;
        print!("{}", spend_csv(&report));
        Ok(ExitCode::SUCCESS)
    })
}

/// The report as CSV (the spreadsheets' own writer: fields quoted where they must be, text a
/// spreadsheet would run as a formula made inert): panel, financial year (2025 for April 2025 to
/// March 2026), quarter of it, category, commitments, total in pounds; then the whole total.
pub fn spend_csv(report: &carepanel_app::reports::SpendReport) -> String {
    use carepanel_documents::sheet::{Cell, Sheet, to_csv};
    let mut rows: Vec<Vec<Cell>> = report
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.panel_id.clone()),
                Cell::Text(r.panel_name.clone()),
                Cell::Number(r.year),
                Cell::Text(format!("Q{}", r.quarter)),
                Cell::Text(r.category.clone()),
                Cell::Number(r.commitments),
                Cell::Money(r.total_pence),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::Text("total".into()),
        Cell::Text(format!("{} to {}", report.period.from, report.period.to)),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Number(report.rows.iter().map(|r| r.commitments).sum()),
        Cell::Money(report.total_pence),
    ]);
    to_csv(&Sheet {
        title: "Committed spend".into(),
        headers: [
            "panel_id",
            "panel",
            "financial_year",
            "quarter",
            "category",
            "commitments",
            "total_pounds",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    })
}
