//! Every statement the pages and the background work make, and the plan SQLite chooses for it
//! (P5).
//!
//! The people who use carepanel every day (a social worker, their team manager, a panel's
//! administrator and chair, a member, the finance officer) walk the site from its start page,
//! following its links, on the demonstration record. Every statement each page sends is
//! recorded and asked for its plan with `EXPLAIN QUERY PLAN`. A plan that reads a whole table
//! that grows with the years (referrals, decisions, the audit log...) fails the test, naming
//! the page and the statement: such a page slows as the record grows, whatever the benchmark
//! machine says. SQLite plans without statistics as if every table were large, so the plan does
//! not depend on the record being small here.
//!
//! A page also may not send more than `MAX_STATEMENTS`: a page whose statements grow with what
//! it lists reads row by row. Documents (PDFs) are walked for their plans but not counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepanel_store::entity::person;
use carepanel_store::testing::Backend;
use carepanel_web::{WebState, auth, router, templates};
use common::demo_world;
use http_body_util::BodyExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, Values,
};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

/// Tables whose size is set by how many councils use carepanel, not by the years of casework:
/// reading one whole is bounded. Everything else grows with the record.
const BOUNDED: [&str; 2] = ["council", "team"];

/// The most statements one page may send.
const MAX_STATEMENTS: usize = 40;

/// Pages of one shape (the same path with other ids) visited per person.
const PER_SHAPE: usize = 2;

/// The people who walk the site.
const WALKERS: [&str; 7] = [
    "worker11@bexley.example",
    "team-manager@bexley.example",
    "admin.bexley-rcp@bexley.example",
    "chair.bexley-rcp@bexley.example",
    "panel-member@bexley.example",
    "finance-officer@bexley.example",
    "admin.herts-harp@hertfordshire.example",
];

/// The path with its ids replaced, so pages of one shape are visited a bounded number of times.
fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    path.split('/')
        .map(|seg| {
            if seg.len() > 6 && seg.chars().any(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The site's own links on a page: GETs that show a page (not files, not sign-out).
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .filter(|h| {
            !h.is_empty()
                && !h.starts_with("/static/")
                && !h.starts_with("/api/")
                && !h.ends_with(".ics")
                && !h.ends_with("/pack")
                && !h.ends_with("/minutes")
                && !h.ends_with("/sheet")
                && !h.contains("/download")
        })
        .collect()
}

/// The plan's lines that read a whole table that grows.
async fn whole_table_reads(
    db: &sea_orm::DatabaseConnection,
    sql: &str,
    values: &Option<Values>,
) -> Vec<String> {
    let explain = match values {
        Some(v) => Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {sql}"),
            v.clone(),
        ),
        None => Statement::from_string(DbBackend::Sqlite, format!("EXPLAIN QUERY PLAN {sql}")),
    };
    let rows = db
        .query_all_raw(explain)
        .await
        .unwrap_or_else(|e| panic!("EXPLAIN QUERY PLAN {sql}: {e}"));
    rows.iter()
        .map(|r| r.try_get::<String>("", "detail").unwrap())
        .filter(|detail| {
            let Some(rest) = detail.strip_prefix("SCAN ") else {
                return false;
            };
            let table = rest.split_whitespace().next().unwrap_or("");
            // Subqueries, constant rows and table-valued functions are not tables.
            !(table.starts_with('(')
                || table == "CONSTANT"
                || table.starts_with("json_")
                || BOUNDED.contains(&table))
        })
        .collect()
}

/// A statement sent: its SQL and its values.
type Sent = (String, Option<Values>);

/// A mail server that takes everything.
struct Accept;

impl carepanel_app::outbox::Mailer for Accept {
    async fn send(&self, _: &carepanel_app::outbox::Outgoing) -> Result<(), String> {
        Ok(())
    }
}

#[tokio::test]
async fn p5_no_page_reads_a_whole_growing_table() {
    let (t, mut app) = demo_world(Backend::Sqlite).await;
    let seen: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let log = seen.clone();
    app.db.set_metric_callback(move |info| {
        log.lock()
            .unwrap()
            .push((info.statement.sql.clone(), info.statement.values.clone()));
    });
    let state = WebState {
        app,
        templates: Arc::new(templates()),
        demo: None,
        sso: Default::default(),
    };

    // SQL text → (the pages that sent it, one set of its values).
    let mut statements: BTreeMap<String, (BTreeSet<String>, Option<Values>)> = BTreeMap::new();
    let mut pages = 0;
    let mut busiest = (0, String::new());
    for email in WALKERS {
        let p = person::Entity::find()
            .filter(person::Column::Email.eq(email))
            .one(&t.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no demo account {email}"));
        let session = auth::open_session(&state.app, &p.id).await.unwrap();
        let mut visited = BTreeSet::new();
        let mut per_shape: BTreeMap<String, usize> = BTreeMap::new();
        let mut queue = VecDeque::from([String::from("/")]);
        while let Some(path) = queue.pop_front() {
            if !visited.insert(path.clone()) {
                continue;
            }
            let count = per_shape.entry(shape(&path)).or_default();
            if *count == PER_SHAPE {
                continue;
            }
            *count += 1;
            seen.lock().unwrap().clear();
            let req = Request::get(&path)
                .header(
                    header::COOKIE,
                    format!("{}={}", auth::SESSION_COOKIE, session.token),
                )
                .body(Body::empty())
                .unwrap();
            let res = router(state.clone()).oneshot(req).await.unwrap();
            let status = res.status();
            let body =
                String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes())
                    .to_string();
            assert!(
                !status.is_server_error(),
                "GET {path} as {email}: {status}\n{body}"
            );
            pages += 1;
            let sent = std::mem::take(&mut *seen.lock().unwrap());
            let page = format!("GET {path} as {email}");
            // Documents gather every item's record to typeset it (P6 measures them).
            let document = path.ends_with(".pdf");
            assert!(
                document || sent.len() <= MAX_STATEMENTS,
                "{page} sent {} statements (at most {MAX_STATEMENTS}):\n{}",
                sent.len(),
                sent.iter()
                    .map(|(s, _)| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            if !document && sent.len() > busiest.0 {
                busiest = (sent.len(), page.clone());
            }
            for (sql, values) in sent {
                statements
                    .entry(sql)
                    .or_insert_with(|| (BTreeSet::new(), values))
                    .0
                    .insert(page.clone());
            }
            if status == StatusCode::OK {
                queue.extend(links(&body));
            }
        }
    }

    // The work `serve` does in the background, hourly and every few seconds.
    seen.lock().unwrap().clear();
    state.app.send_review_reminders().await.unwrap();
    state.app.deliver_due(&Accept, 50).await.unwrap();
    for (sql, values) in std::mem::take(&mut *seen.lock().unwrap()) {
        statements
            .entry(sql)
            .or_insert_with(|| (BTreeSet::new(), values))
            .0
            .insert("the reminders and the mail sender".into());
    }

    let mut failures = Vec::new();
    for (sql, (pages_sending, values)) in &statements {
        // sea-query writes an empty `IN ()` as `? = ?` bound to 1 and 2, which SQLite checks
        // once before reading any row; the plan still says SCAN.
        if sql.contains("WHERE ? = ?") {
            continue;
        }
        let scans = whole_table_reads(&t.db, sql, values).await;
        if !scans.is_empty() {
            failures.push(format!(
                "{}\n  reads a whole table ({}) on: {}",
                sql,
                scans.join("; "),
                pages_sending.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    println!(
        "query plans: {pages} pages, {} distinct statements, {} reading a whole growing table; \
         most statements on one page: {} ({})",
        statements.len(),
        failures.len(),
        busiest.0,
        busiest.1
    );
    assert!(pages >= 40, "the walk reached only {pages} pages");
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
