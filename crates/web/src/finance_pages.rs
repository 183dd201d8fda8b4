//! The finance officer's running log of committed spend per panel and period, and its sign-off
//! where the terms of reference ask for one (FIN-02, FIN-05).

use crate::input::Problems;
use crate::{WebState, error_page, form_session_token, pretty_time, render_form, signed_in};
use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use carepanel_app::AppError;
use carepanel_app::finance::Period;
use carepanel_domain::money::Money;
use chrono::{Datelike, Months, NaiveDate};
use minijinja::context;
use std::collections::HashMap;

fn pounds(pence: i64) -> String {
    Money::from_pence(pence).to_string()
}

/// The periods offered: this and last financial year, then the last twelve months.
fn periods(today: NaiveDate) -> Vec<(String, String)> {
    let fy = Period::financial_year(today);
    let last = Period::financial_year(fy.from.pred_opt().unwrap_or(fy.from));
    let mut out = vec![
        (
            "fy".to_string(),
            format!("Financial year {}–{}", fy.from.year(), fy.to.year() % 100),
        ),
        (
            format!("fy-{}", last.from.year()),
            format!(
                "Financial year {}–{}",
                last.from.year(),
                last.to.year() % 100
            ),
        ),
    ];
    let first = today.with_day(1).unwrap_or(today);
    for back in 0..12 {
        if let Some(m) = first.checked_sub_months(Months::new(back)) {
            out.push((m.format("%Y-%m").to_string(), m.format("%B %Y").to_string()));
        }
    }
    out
}

/// The log for the chosen panel and period.
pub async fn finance_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let panels = state.app.finance_panels(&s.actor);
    let Some((_, first)) = panels.first() else {
        return error_page(
            &state,
            &AppError::forbidden(
                "The finance log is for finance, brokerage, the panel's chairs and administrator, and audit",
                "FIN-02",
            ),
        );
    };
    let panel_id = q
        .get("panel")
        .filter(|p| !p.is_empty())
        .cloned()
        .unwrap_or_else(|| first.id.clone());
    let today = state.app.local_now().date();
    let period_text = q.get("period").cloned().unwrap_or_default();
    let mut problems = Problems::default();
    let period = match Period::parse(&period_text, today) {
        Ok(p) => p,
        Err(AppError::Invalid(errs)) => {
            problems.add_errors(errs);
            Period::financial_year(today)
        }
        Err(e) => return error_page(&state, &e),
    };
    let log = match state.app.finance_log(&s.actor, &panel_id, period).await {
        Ok(l) => l,
        Err(e) => return error_page(&state, &e),
    };
    let meetings: Vec<_> = log
        .meetings
        .iter()
        .map(|m| {
            let lines: Vec<_> = m
                .lines
                .iter()
                .map(|l| {
                    let c = &l.commitment;
                    context! {
                        decided => l.decided_on.format("%-d %b %Y").to_string(),
                        case_id => l.case_id,
                        decision => c.decision_id,
                        description => if c.description.is_empty() { c.category.clone() } else { c.description.clone() },
                        weekly => c.weekly_pence.map(pounds),
                        one_off => c.one_off_pence.map(pounds),
                        total => pounds(c.total_pence),
                        dates => match (c.start_date, c.end_date) {
                            (Some(a), Some(b)) => Some(format!("{} to {}", a.format("%-d %b %Y"), b.format("%-d %b %Y"))),
                            (Some(a), None) => Some(format!("from {}", a.format("%-d %b %Y"))),
                            _ => None,
                        },
                        cost_centre => c.cost_centre,
                        signed_off_by => l.signed_off_by,
                    }
                })
                .collect();
            context! {
                starts => pretty_time(&m.starts_at),
                lines,
                weekly => pounds(m.weekly_pence),
                total => pounds(m.total_pence),
                cumulative => pounds(m.cumulative_pence),
            }
        })
        .collect();
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    render_form(
        &state,
        "finance.html",
        context! {
            title => "Finance log",
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            panel_items => crate::choice_items(None, &panels.iter().map(|(_, p)| (p.id.clone(), p.name.clone())).collect::<Vec<_>>()),
            panel_id => log.panel_id,
            panel_name => log.panel_name,
            period_items => crate::choice_items(None, &periods(today)),
            export_query => format!("panel={}&period={}", urlencode(&log.panel_id), urlencode(if period_text.is_empty() { "fy" } else { &period_text })),
            period => if period_text.is_empty() { "fy".to_string() } else { period_text },
            from => log.period.from.format("%-d %B %Y").to_string(),
            to => log.period.to.format("%-d %B %Y").to_string(),
            meetings,
            total => pounds(log.total_pence),
            unsigned => log.unsigned,
            unsigned_ids => log.meetings.iter().flat_map(|m| m.lines.iter()).filter(|l| l.commitment.signed_off_by.is_none()).map(|l| l.commitment.id.clone()).collect::<Vec<_>>(),
            signers => log.signed_off_by_roles.join(" or "),
            may_sign => log.may_sign,
            inline => problems.for_field(),
            errors,
        },
        &problems,
    )
}

/// Signs off the log as shown: every unsigned line of the panel and period (FIN-02).
pub async fn sign_off(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let posted = crate::input::Posted::new(pairs);
    let shown = posted.all("line");
    let s = match form_session_token(&state, &headers, &posted.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    // Refuse before reading the form: only those the terms of reference name may sign.
    let may = state.app.finance_panels(&s.actor).iter().any(|(p, panel)| {
        carepanel_app::access::holds(
            p,
            &s.actor,
            &panel.id,
            &panel.decision.finance_log_signed_off_by,
        )
        .is_some()
    });
    if !may {
        return error_page(
            &state,
            &AppError::forbidden(
                "Only the role the terms of reference name may sign off the finance log",
                "FIN-02",
            ),
        );
    }
    let panel = posted.get("panel");
    let period_text = posted.get("period");
    let today = state.app.local_now().date();
    let result = match Period::parse(&period_text, today) {
        Ok(period) => {
            state
                .app
                .sign_off_finance_log(&s.actor, &panel, period, &shown)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!(
            "/finance?panel={}&period={}",
            urlencode(&panel),
            urlencode(&period_text)
        ))
        .into_response(),
        Err(e) => error_page(&state, &e),
    }
}

/// Query-string encoding for the ids and periods we put in links.
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A spreadsheet to download: `finance`, `decisions` or `planner`, as `.csv` or `.xlsx`
/// (FIN-05, RPT-01). The finance log and the decisions register take `panel` and `period`.
pub async fn export(
    State(state): State<WebState>,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    use carepanel_documents::sheet::{to_csv, to_xlsx};
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some((name, format)) = file.rsplit_once('.') else {
        return error_page(&state, &AppError::NotFound(format!("export {file}")));
    };
    if !matches!(format, "csv" | "xlsx") || !matches!(name, "finance" | "decisions" | "planner") {
        return error_page(&state, &AppError::NotFound(format!("export {file}")));
    }
    let today = state.app.local_now().date();
    let panel = q.get("panel").cloned().unwrap_or_default();
    let period = match Period::parse(q.get("period").map_or("", String::as_str), today) {
        Ok(p) => p,
        Err(e) => return error_page(&state, &e),
    };
    let sheet = match name {
        "finance" => state.app.finance_sheet(&s.actor, &panel, period).await,
        "decisions" => state.app.decisions_sheet(&s.actor, &panel, period).await,
        _ => state.app.planner_sheet(&s.actor, 12).await,
    };
    let sheet = match sheet {
        Ok(sheet) => sheet,
        Err(e) => return error_page(&state, &e),
    };
    let stem = if name == "planner" {
        format!("{name}-{today}")
    } else {
        format!("{name}-{panel}-{}-to-{}", period.from, period.to)
    };
    let (content_type, body) = if format == "csv" {
        ("text/csv; charset=utf-8", to_csv(&sheet).into_bytes())
    } else {
        match to_xlsx(&sheet) {
            Ok(bytes) => (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes,
            ),
            Err(e) => {
                return error_page(&state, &AppError::Conflict(e.to_string()));
            }
        }
    };
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.{format}\"", urlencode(&stem)),
            ),
        ],
        body,
    )
        .into_response()
}

/// The financial years offered by the spending report: the current one and the nine before it.
fn years(today: NaiveDate) -> Vec<(String, String)> {
    let fy = Period::financial_year(today).from.year();
    (0..carepanel_app::reports::MAX_YEARS)
        .map(|back| {
            let y = fy - back;
            (format!("fy-{y}"), format!("{y}–{:02}", (y + 1) % 100))
        })
        .collect()
}

/// Committed spend by panel, quarter and category over a run of financial years (FIN-05).
pub async fn spend_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let today = state.app.local_now().date();
    let this_year = Period::financial_year(today);
    let default = format!("fy-{}", this_year.from.year());
    let value = |field: &str| {
        q.get(field)
            .filter(|v| !v.is_empty())
            .cloned()
            .unwrap_or_else(|| default.clone())
    };
    let (from_value, to_value) = (value("from"), value("to"));
    let mut problems = Problems::default();
    let period = match carepanel_app::reports::years(&from_value, &to_value, today) {
        Ok(p) => p,
        Err(AppError::Invalid(errs)) => {
            problems.add_errors(errs);
            this_year
        }
        Err(e) => return error_page(&state, &e),
    };
    let report = match state.app.spend_report(&s.actor, period).await {
        Ok(r) => r,
        Err(e) => return error_page(&state, &e),
    };
    let rows: Vec<_> = report
        .rows
        .iter()
        .map(|r| {
            context! {
                panel => r.panel_name,
                year => format!("{}–{:02}", r.year, (r.year + 1) % 100),
                quarter => format!("Q{}", r.quarter),
                category => r.category,
                commitments => r.commitments,
                total => pounds(r.total_pence),
            }
        })
        .collect();
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    render_form(
        &state,
        "spend.html",
        context! {
            title => "Committed spend",
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            year_items => crate::choice_items(None, &years(today)),
            from_value,
            to_value,
            from => report.period.from.format("%-d %B %Y").to_string(),
            to => report.period.to.format("%-d %B %Y").to_string(),
            rows,
            total => pounds(report.total_pence),
            inline => problems.for_field(),
            errors,
        },
        &problems,
    )
}
