//! P2 and P3 of the quality requirements, measured in one process against their baselines,
//! alternating A and B runs and reporting the median ratio of the pairs.
//!
//! - `db-bench p2 DATABASE_URL [PAIRS] [SECONDS]`: recording a decision (rules, decision,
//!   money and review rows, audit event, commit) against one raw single-row INSERT transaction
//!   on the same connection pool, so at the same durability setting; then, on SQLite, 64
//!   concurrent writers recording decisions, counting busy and other errors; and how many
//!   statements a decision sends.
//! - `db-bench p3 DATABASE_URL EMAIL [PAIRS]`: the spending report (committed spend by panel,
//!   quarter and category over ten financial years) through its use case, as EMAIL, against the
//!   same statement typed into `sqlite3` or `psql` (timed by the tool itself), and the plan.
//!   Each pair times three runs of each side and takes the median of the last two.
//!
//! The database must hold demo data (`carepanel demo seed`). P2 adds its own agenda items,
//! copies of a listed one, so run it on a copy of the seeded database.

use anyhow::{Context, Result, anyhow, bail};
use carepanel_app::{Actor, App, AppError, FixedClock};
use carepanel_store::entity::{agenda_item, meeting, person, person_role, referral};
use chrono::NaiveDateTime;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Statement, TransactionTrait, Value,
};
use std::collections::VecDeque;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

async fn open(url: &str, clock: Arc<FixedClock>) -> Result<App> {
    let loaded = carepanel_cli::context::load(None, None)?;
    let db = carepanel_store::db::connect(url, None).await?;
    Ok(App {
        db,
        policies: Arc::new(loaded.policies),
        calendar: Arc::new(loaded.calendar),
        clock,
        reads: Default::default(),
    })
}

fn at(text: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .with_context(|| format!("meeting time {text}"))?;
    Ok(carepanel_domain::calendar::london_to_utc(local))
}

/// Items ready to be decided: copies of one listed item and its referral, on the same meeting,
/// and a chair of that panel who did not write the referral.
struct Prepared {
    chair: Actor,
    panel_id: String,
    decided_on: chrono::NaiveDate,
    items: Arc<Mutex<VecDeque<String>>>,
}

async fn prepare(app: &App, clock: &FixedClock, count: usize) -> Result<Prepared> {
    let listed = agenda_item::Entity::find()
        .filter(agenda_item::Column::Status.eq("listed"))
        .filter(agenda_item::Column::ReferralId.is_not_null())
        .order_by_asc(agenda_item::Column::Id)
        .all(&app.db)
        .await?;
    for item in listed {
        let Some(m) = meeting::Entity::find_by_id(item.meeting_id.clone())
            .one(&app.db)
            .await?
        else {
            continue;
        };
        if m.status != "scheduled" {
            continue;
        }
        let Some(referral_id) = item.referral_id.clone() else {
            continue;
        };
        let Some(r) = referral::Entity::find_by_id(referral_id)
            .one(&app.db)
            .await?
        else {
            continue;
        };
        let (_, panel) = app.panel(&m.panel_id)?;
        let holders = person_role::Entity::find()
            .filter(person_role::Column::Role.is_in(panel.chair.eligible.clone()))
            .all(&app.db)
            .await?;
        let mut chair = None;
        for h in holders {
            if h.person_id == r.author_id || (!h.panel_id.is_empty() && h.panel_id != m.panel_id) {
                continue;
            }
            let Some(p) = person::Entity::find_by_id(h.person_id.clone())
                .one(&app.db)
                .await?
            else {
                continue;
            };
            if p.council_id == m.council_id && p.active {
                chair = Some(app.actor(&p.id).await?);
                break;
            }
        }
        let Some(chair) = chair else { continue };
        let starts = at(&m.starts_at)?;
        clock.set(starts + chrono::Duration::hours(1));
        let decided_on = app.local_now().date();
        let mut ids = VecDeque::with_capacity(count);
        let txn = app.db.begin().await?;
        for k in 0..count {
            let rid = format!("bench-r-{k:07}-{}", r.id);
            let mut copy = r.clone();
            copy.id = rid.clone();
            copy.into_active_model().reset_all().insert(&txn).await?;
            let mut it = item.clone();
            it.id = format!("bench-i-{k:07}-{}", item.id);
            it.referral_id = Some(rid);
            it.position = 10_000 + k as i32;
            ids.push_back(it.id.clone());
            it.into_active_model().reset_all().insert(&txn).await?;
        }
        txn.commit().await?;
        return Ok(Prepared {
            chair,
            panel_id: m.panel_id,
            decided_on,
            items: Arc::new(Mutex::new(ids)),
        });
    }
    bail!("no listed agenda item with a chair to decide it: seed the demo data first")
}

#[derive(Default, Debug, Clone, Copy)]
struct Outcome {
    done: u64,
    busy: u64,
    other: u64,
}

fn is_busy(e: &str) -> bool {
    let e = e.to_ascii_lowercase();
    e.contains("database is locked") || e.contains("busy")
}

/// Records decisions with `workers` concurrent tasks for `seconds`; returns the outcome and
/// the first error seen.
async fn decide_for(
    app: &App,
    p: &Prepared,
    workers: usize,
    seconds: f64,
) -> Result<(Outcome, f64, Option<String>)> {
    let (_, panel) = app.panel(&p.panel_id)?;
    let input = carepanel_app::demo::sample_decision(panel, p.decided_on, 7);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let app = app.clone();
        let chair = p.chair.clone();
        let items = p.items.clone();
        let input = input.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            let mut first = None;
            while Instant::now() < deadline {
                let next = items.lock().ok().and_then(|mut q| q.pop_front());
                let Some(item) = next else { break };
                match app.record_decision(&chair, &item, &input).await {
                    Ok(_) => out.done += 1,
                    Err(e) => {
                        let text = e.to_string();
                        if is_busy(&text) {
                            out.busy += 1;
                        } else {
                            out.other += 1;
                        }
                        first.get_or_insert(text);
                    }
                }
            }
            (out, first)
        }));
    }
    let mut total = Outcome::default();
    let mut first = None;
    for t in tasks {
        let (o, f) = t.await?;
        total.done += o.done;
        total.busy += o.busy;
        total.other += o.other;
        if first.is_none() {
            first = f;
        }
    }
    Ok((total, started.elapsed().as_secs_f64(), first))
}

/// The baseline: one raw single-row INSERT per transaction, `workers` at a time.
async fn insert_for(app: &App, workers: usize, seconds: f64, run: usize) -> Result<(u64, f64)> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for w in 0..workers {
        let db = app.db.clone();
        tasks.push(tokio::spawn(async move {
            let backend = db.get_database_backend();
            let mut n = 0u64;
            while Instant::now() < deadline {
                let txn = db.begin().await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    backend,
                    "INSERT INTO bench_write (id, at, body) VALUES ($1, $2, $3)",
                    [
                        Value::from(format!("{run}-{w}-{n}")),
                        Value::from(chrono::Utc::now().to_rfc3339()),
                        Value::from("a row of about the size of an audit event's detail"),
                    ],
                ))
                .await?;
                txn.commit().await?;
                n += 1;
            }
            Ok::<u64, sea_orm::DbErr>(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    Ok((total, started.elapsed().as_secs_f64()))
}

async fn p2(url: &str, pairs: usize, seconds: f64) -> Result<()> {
    let clock = Arc::new(FixedClock::at(chrono::Utc::now()));
    let app = open(url, clock.clone()).await?;
    app.db
        .execute_unprepared(
            "CREATE TABLE IF NOT EXISTS bench_write (id TEXT PRIMARY KEY, at TEXT NOT NULL, body TEXT NOT NULL)",
        )
        .await?;
    let sqlite = app.db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
    let workers = 8;
    // Enough items for the fastest plausible rate, and for the 64-writer run.
    let needed = (pairs as f64 * seconds * 2_000.0) as usize + 2_000;
    let prep_started = Instant::now();
    let p = prepare(&app, &clock, needed).await?;
    eprintln!(
        "p2: {needed} items ready on {} in {:.1} s",
        p.panel_id,
        prep_started.elapsed().as_secs_f64()
    );
    // One short run of each first, so neither side pays for a cold cache.
    decide_for(&app, &p, workers, 0.3).await?;
    insert_for(&app, workers, 0.3, 0).await?;
    let mut ratios = Vec::new();
    let mut decisions = Vec::new();
    let mut inserts = Vec::new();
    for pair in 1..=pairs {
        let (d, dt, first) = decide_for(&app, &p, workers, seconds).await?;
        if d.busy + d.other > 0 {
            bail!("decisions failed ({d:?}): {}", first.unwrap_or_default());
        }
        let (i, it) = insert_for(&app, workers, seconds, pair).await?;
        let (drate, irate) = (d.done as f64 / dt, i as f64 / it);
        println!(
            "p2 pair {pair}: decisions {drate:.0}/s, inserts {irate:.0}/s, ratio {:.3}",
            drate / irate
        );
        decisions.push(drate);
        inserts.push(irate);
        ratios.push(drate / irate);
    }
    println!(
        "P2 result: decisions {:.0}/s, single-row inserts {:.0}/s, median ratio {:.3} over {pairs} pairs, {workers} writers each (target >= 0.33)",
        median(decisions),
        median(inserts),
        median(ratios)
    );
    // What a decision sends, counted on a connection of its own after the timed runs: every
    // statement sea-orm executes (BEGIN and COMMIT are not among them), against the baseline's one.
    let mut counted = open(url, clock.clone()).await?;
    let statements = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = statements.clone();
    counted.db.set_metric_callback(move |_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    let (o, _, first) = decide_for(&counted, &p, 1, 0.5).await?;
    if o.done == 0 {
        bail!("no decision to count: {}", first.unwrap_or_default());
    }
    println!(
        "P2 statements: {:.1} per decision besides BEGIN and COMMIT, over {} decisions (the baseline sends 1)",
        statements.load(std::sync::atomic::Ordering::Relaxed) as f64 / o.done as f64,
        o.done
    );
    if sqlite {
        let (o, dt, first) = decide_for(&app, &p, 64, seconds).await?;
        println!(
            "P2 64 writers (SQLite): {} decisions in {dt:.1} s, {} busy errors, {} other errors{}",
            o.done,
            o.busy,
            o.other,
            first.map(|f| format!(" (first: {f})")).unwrap_or_default()
        );
    }
    Ok(())
}

/// The statement with its parameters written in, for the command-line tools.
fn literal_sql(sql: &str, council: &str, from: &str, to: &str) -> String {
    sql.replace("$1", &format!("'{}'", council.replace('\'', "''")))
        .replace("$2", &format!("'{from}'"))
        .replace("$3", &format!("'{to}'"))
}

/// Runs the statement `runs` times in one sqlite3 or psql session with the tool's own timer;
/// returns the times in milliseconds (the first warms the session's cache, as the app's pool
/// is warm).
fn tool_times(url: &str, sql: &str, runs: usize) -> Result<Vec<f64>> {
    let mut script = String::new();
    let (program, args): (&str, Vec<String>) = if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path).to_string();
        script.push_str(".output /dev/null\n.timer on\n");
        for _ in 0..runs {
            script.push_str(sql);
            script.push_str(";\n");
        }
        ("sqlite3", vec![file])
    } else {
        script.push_str("\\o /dev/null\n\\timing on\n");
        for _ in 0..runs {
            script.push_str(sql);
            script.push_str(";\n");
        }
        ("psql", vec![url.to_string(), "-X".into(), "-q".into()])
    };
    let mut child = Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().ok_or_else(|| anyhow!("no stdin"))?;
        stdin.write_all(script.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut times = Vec::new();
    for line in text.lines() {
        // sqlite3: "Run Time: real 0.012 user 0.010000 sys 0.000000"; psql: "Time: 12.345 ms".
        if let Some(rest) = line.strip_prefix("Run Time: real ") {
            let secs: f64 = rest.split_whitespace().next().unwrap_or("").parse()?;
            times.push(secs * 1000.0);
        } else if let Some(rest) = line.strip_prefix("Time: ") {
            let ms: f64 = rest.split_whitespace().next().unwrap_or("").parse()?;
            times.push(ms);
        }
    }
    if times.len() != runs {
        bail!(
            "{program} gave {} timings for {runs} runs:\n{text}",
            times.len()
        );
    }
    Ok(times)
}

fn plan(url: &str, sql: &str) -> Result<String> {
    let (program, args, explain) = if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path).to_string();
        ("sqlite3", vec![file], format!("EXPLAIN QUERY PLAN {sql};"))
    } else {
        (
            "psql",
            vec![url.to_string(), "-X".into(), "-q".into(), "-At".into()],
            format!("EXPLAIN {sql};"),
        )
    };
    let mut cmd = Command::new(program);
    cmd.args(&args);
    if program == "psql" {
        cmd.arg("-c");
    }
    let out = cmd
        .arg(&explain)
        .output()
        .with_context(|| format!("cannot run {program}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

async fn p3(url: &str, email: &str, pairs: usize) -> Result<()> {
    let clock = Arc::new(FixedClock::at(chrono::Utc::now()));
    let app = open(url, clock).await?;
    let who = person::Entity::find()
        .filter(person::Column::Email.eq(email))
        .one(&app.db)
        .await?
        .ok_or_else(|| anyhow!("no person {email}"))?;
    let actor = app.actor(&who.id).await?;
    let today = app.local_now().date();
    let first = carepanel_app::finance::Period::financial_year(today).from;
    let from = format!("fy-{}", chrono::Datelike::year(&first) - 9);
    let period = carepanel_app::reports::years(&from, "fy", today)?;
    let sql = literal_sql(
        carepanel_app::reports::spend_report_sql(app.db.get_database_backend()),
        &actor.council_id,
        &period.from.to_string(),
        &period.to.to_string(),
    );
    let plan = plan(url, &sql)?;
    let uses_index = plan.contains("ix_commitment_report");
    println!("p3 plan:\n{plan}");
    let report = app.spend_report(&actor, period).await?;
    let commitments: i64 = report.rows.iter().map(|r| r.commitments).sum();
    println!(
        "p3 report: {} rows, {commitments} commitments, {} to {}",
        report.rows.len(),
        period.from,
        period.to
    );
    let mut ratios = Vec::new();
    let mut apps = Vec::new();
    let mut tools = Vec::new();
    for pair in 1..=pairs {
        // Each side treated alike: three runs, the first discarded (it warms the connection
        // and the cache after the other side ran), the median of the other two.
        let mut app_times = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let r = app
                .spend_report(&actor, period)
                .await
                .map_err(|e: AppError| anyhow!(e))?;
            app_times.push(started.elapsed().as_secs_f64() * 1000.0);
            if r.rows.len() != report.rows.len() {
                bail!("the report changed between runs");
            }
        }
        let app_ms = median(app_times[1..].to_vec());
        let times = tool_times(url, &sql, 3)?;
        let tool_ms = median(times[1..].to_vec());
        println!(
            "p3 pair {pair}: use case {app_ms:.2} ms, tool {tool_ms:.2} ms, ratio {:.3}",
            app_ms / tool_ms
        );
        apps.push(app_ms);
        tools.push(tool_ms);
        ratios.push(app_ms / tool_ms);
    }
    println!(
        "P3 result: use case {:.2} ms, the same SQL in the tool {:.2} ms, median ratio {:.3} over {pairs} pairs (target <= 1.25); plan uses ix_commitment_report: {}",
        median(apps),
        median(tools),
        median(ratios),
        if uses_index { "yes" } else { "NO" }
    );
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["p2", url, rest @ ..] => {
            let pairs = rest.first().map(|p| p.parse()).transpose()?.unwrap_or(5);
            let seconds = rest.get(1).map(|s| s.parse()).transpose()?.unwrap_or(3.0);
            runtime.block_on(p2(url, pairs, seconds))
        }
        ["p3", url, email, rest @ ..] => {
            let pairs = rest.first().map(|p| p.parse()).transpose()?.unwrap_or(5);
            runtime.block_on(p3(url, email, pairs))
        }
        _ => bail!(
            "usage: db-bench p2 DATABASE_URL [PAIRS] [SECONDS] | p3 DATABASE_URL EMAIL [PAIRS]"
        ),
    }
}
