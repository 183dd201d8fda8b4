//! Database commands: migrate, demo seed, audit verify, backup and restore.

use crate::bad;
use crate::context::Loaded;
use anyhow::{Context, Result};
use carepanel_app::demo::Scale;
use carepanel_app::{App, FixedClock};
use carepanel_store::db::{DEFAULT_URL, connect, connect_for_loading, migrate};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args, Clone)]
pub struct DbArg {
    /// sqlite://PATH or postgres://USER@HOST/DB (default: an SQLite file under ./data/, or
    /// CAREPANEL_DATABASE_URL).
    #[arg(long)]
    pub database: Option<String>,
}

impl DbArg {
    pub fn url(&self) -> String {
        self.database
            .clone()
            .or_else(|| std::env::var("CAREPANEL_DATABASE_URL").ok())
            .unwrap_or_else(|| DEFAULT_URL.to_string())
    }
}

#[derive(Subcommand)]
pub enum Demo {
    /// Migrate and fill the database with invented demonstration data (deterministic).
    Seed {
        #[command(flatten)]
        db: DbArg,
        /// s: one year (about 2,500 referrals); m: ten years (about 25,000); l: s plus 146
        /// synthetic councils' year each (about 375,000, for PostgreSQL).
        #[arg(long, default_value = "s")]
        scale: String,
        /// The generator's seed; the same seed and end date give the same data.
        #[arg(long, default_value_t = 20261125)]
        seed: u64,
        /// The last day of the generated period (default: today).
        #[arg(long)]
        until: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum Audit {
    /// Check every council's audit chain; exits 1 naming the first bad event.
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub fn migrate_cmd(db: &DbArg) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let conn = connect(&db.url(), None).await?;
        migrate(&conn).await?;
        println!("migrated {}", redact(&db.url()));
        Ok(ExitCode::SUCCESS)
    })
}

pub fn demo_cmd(loaded: Loaded, cmd: Demo) -> Result<ExitCode> {
    let Demo::Seed {
        db,
        scale,
        seed,
        until,
    } = cmd;
    let (scale, synthetic) = match scale.to_ascii_lowercase().as_str() {
        "s" => (Scale::S, 0),
        "m" => (Scale::M, 0),
        "l" => (Scale::S, 146),
        other => {
            return Err(bad(format!("--scale '{other}' is not a scale; use s, m or l")).into());
        }
    };
    let end_day = match until {
        Some(d) => crate::whatif_cmd::parse_date("until", &d)?,
        None => chrono::Local::now().date_naive(),
    };
    let end =
        carepanel_domain::calendar::london_to_utc(end_day.and_hms_opt(9, 0, 0).unwrap_or_default());
    runtime()?.block_on(async {
        // Invented data: commits need not wait for the disk; a seed cut short is run again.
        let conn = connect_for_loading(&db.url()).await?;
        migrate(&conn).await?;
        let clock = Arc::new(FixedClock::at(end));
        let app = App {
            db: conn,
            policies: Arc::new(loaded.policies),
            calendar: Arc::new(loaded.calendar),
            clock: clock.clone(),
            reads: Default::default(),
        };
        let started = std::time::Instant::now();
        let mut report = app.seed_demo(&clock, scale, seed).await?;
        if synthetic > 0 {
            let n = app.seed_synthetic_councils(synthetic, 2_500, seed).await?;
            report.referrals += n;
            report.decisions += n;
            report.councils += synthetic;
        }
        println!(
            "seeded {}: {} councils, {} people, {} children, {} referrals, {} decisions in {:.1} s",
            redact(&db.url()),
            report.councils,
            report.people,
            report.children,
            report.referrals,
            report.decisions,
            started.elapsed().as_secs_f64()
        );
        for r in &report.refused {
            println!("refused: {r}");
        }
        // The accounts listed below can sign in, as on a first `serve` of the demo database.
        carepanel_web::set_demo_passwords(&app, DEMO_PASSWORD).await?;
        println!("\nDemo accounts (council, role, email), each with the password {DEMO_PASSWORD}:");
        for (c, role, email) in &report.accounts {
            println!("  {c:<14} {role:<45} {email}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn audit_cmd(cmd: Audit) -> Result<ExitCode> {
    let Audit::Verify { db } = cmd;
    runtime()?.block_on(async {
        let conn = connect(&db.url(), None).await?;
        match carepanel_store::audit::verify(&conn).await {
            Ok(v) => {
                println!(
                    "audit chain verified: {} councils, {} events",
                    v.councils, v.events
                );
                for (council, seq, hash) in &v.heads {
                    println!("  head {council} {seq} {hash}");
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(carepanel_store::audit::VerifyError::Broken(b)) => {
                println!("AUDIT CHAIN BROKEN: {b}");
                Ok(ExitCode::from(1))
            }
            Err(e) => Err(e.into()),
        }
    })
}

pub fn backup_cmd(db: &DbArg, to: &PathBuf) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let conn = connect(&db.url(), None).await?;
        let file =
            std::fs::File::create(to).with_context(|| format!("cannot create {}", to.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let counts = carepanel_store::backup::backup(&conn, &mut out).await?;
        println!(
            "backed up {} rows from {} to {}",
            counts.values().sum::<u64>(),
            redact(&db.url()),
            to.display()
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub fn restore_cmd(db: &DbArg, from: &PathBuf) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let conn = connect(&db.url(), None).await?;
        migrate(&conn).await?;
        let file =
            std::fs::File::open(from).with_context(|| format!("cannot open {}", from.display()))?;
        let counts = carepanel_store::backup::restore(&conn, std::io::BufReader::new(file)).await?;
        let v = carepanel_store::audit::verify(&conn).await?;
        println!(
            "restored {} rows into {}; audit chain verified ({} events)",
            counts.values().sum::<u64>(),
            redact(&db.url()),
            v.events
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The password every demonstration account has.
pub const DEMO_PASSWORD: &str = "demo-panel-2026";

/// Demonstration settings for `serve`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServeDemo {
    /// Fill an empty database with demonstration data and show the demonstration accounts
    /// (always on for the default database).
    #[arg(long)]
    pub demo: bool,
    /// How many weeks of demonstration history to create on first start.
    #[arg(long, default_value_t = 12)]
    pub demo_weeks: u32,
    /// For demonstrations and browser tests: the clock starts at this moment (RFC 3339, for
    /// example 2026-12-03T10:05:00Z) and runs on from there.
    #[arg(long)]
    pub clock: Option<String>,
    /// Send the outbox's messages through this SMTP relay: smtp://host:port (plain),
    /// smtp://host:port?tls=required (STARTTLS) or smtps://host:port, with user:password@ if
    /// the relay wants them. Without it, messages wait in the outbox.
    #[arg(long)]
    pub smtp: Option<String>,
    /// The address messages come from, for example "Resource panels <panels@council.gov.uk>".
    #[arg(long)]
    pub mail_from: Option<String>,
    /// The service's address as people reach it, for example https://panels.council.gov.uk:
    /// links in messages start with it. Without it they are relative to the service.
    #[arg(long)]
    pub service_url: Option<String>,
    /// Single sign-on: a TOML file with one [[provider]] per council (OpenID Connect; see
    /// docs/OPERATIONS.md). Local accounts keep working beside it.
    #[arg(long)]
    pub sso: Option<std::path::PathBuf>,
}

pub fn serve_cmd(loaded: Loaded, db: &DbArg, bind: &str, opts: &ServeDemo) -> Result<ExitCode> {
    if cfg!(feature = "bench-unguarded") {
        if !bind.starts_with("127.0.0.1:") {
            return Err(bad(
                "this is the P4 benchmark's build, with the security layers off: it serves 127.0.0.1 only",
            )
            .into());
        }
        eprintln!(
            "WARNING: benchmark build with sessions cached in memory, no security headers and reads unaudited; never serve it to anyone"
        );
    }
    let url = db.url();
    let start = match &opts.clock {
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|e| {
                    crate::bad(format!(
                        "--clock: '{t}' is not an RFC 3339 time such as 2026-12-03T10:05:00Z ({e})"
                    ))
                })?
                .with_timezone(&chrono::Utc),
        ),
        None => None,
    };
    runtime()?.block_on(async {
        let conn = connect(&url, None).await?;
        migrate(&conn).await?;
        let demo_default = url == DEFAULT_URL || opts.demo;
        let empty = carepanel_store::backup::counts(&conn).await?.get("council").copied().unwrap_or(0) == 0;
        let policies = Arc::new(loaded.policies);
        let calendar = Arc::new(loaded.calendar);
        if demo_default && empty {
            println!("First start: filling {} with demonstration data (invented people and children)...", redact(&url));
            let clock = Arc::new(FixedClock::at(start.unwrap_or_else(chrono::Utc::now)));
            let seeding = App { db: conn.clone(), policies: policies.clone(), calendar: calendar.clone(), clock: clock.clone(), reads: Default::default() };
            let report = seeding.seed_demo(&clock, Scale::Weeks(opts.demo_weeks), 20261125).await?;
            carepanel_web::set_demo_passwords(&seeding, DEMO_PASSWORD).await?;
            println!("  {} referrals and {} decisions on six panels", report.referrals, report.decisions);
        }
        let clock: Arc<dyn carepanel_app::Clock> = match start {
            Some(t) => {
                println!("The clock starts at {t} (--clock) and runs on from there");
                Arc::new(carepanel_app::OffsetClock::starting_at(t))
            }
            None => Arc::new(carepanel_app::SystemClock),
        };
        let app = App { db: conn, policies, calendar, clock, reads: Default::default() };
        if let Some(relay) = &opts.smtp {
            let from = opts.mail_from.as_deref().ok_or_else(|| {
                crate::bad("--mail-from: give the address messages come from, for example \"Resource panels <panels@council.gov.uk>\"")
            })?;
            let mut mailer = carepanel_mail::SmtpMailer::new(relay, from).map_err(|e| crate::bad(format!("--smtp: {e}")))?;
            if let Some(url) = &opts.service_url {
                mailer = mailer.with_service_url(url).map_err(|e| crate::bad(format!("--service-url: {e}")))?;
            }
            let sender = app.clone();
            tokio::spawn(async move {
                loop {
                    match sender.deliver_due(&mailer, 50).await {
                        Ok(r) if r.sent + r.failed > 0 => println!("mail: {} sent, {} to try again later", r.sent, r.failed),
                        Ok(_) => {}
                        Err(e) => eprintln!("mail: {e}"),
                    }
                    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                }
            });
            println!("Sending messages through {} as {from}", redact(relay));
        }
        if opts.service_url.is_some() && opts.smtp.is_none() {
            return Err(crate::bad("--service-url: it makes the links in mail absolute; give --smtp too").into());
        }
        // Reminders of reviews due and missed: queued once per review, checked hourly, whether
        // or not mail goes out from this instance (they wait in the outbox until it does).
        let reminders = app.clone();
        tokio::spawn(async move {
            loop {
                match reminders.send_review_reminders().await {
                    Ok(r) if r.due + r.missed > 0 => println!("reminders: {} reviews due, {} missed", r.due, r.missed),
                    Ok(_) => {}
                    Err(e) => eprintln!("reminders: {e}"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            }
        });
        let sso = match &opts.sso {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("--sso: cannot read {}", path.display()))?;
                let settings = carepanel_sso::Settings::parse(&text).map_err(|e| crate::bad(format!("--sso {}: {e}", path.display())))?;
                for p in &settings.providers {
                    let grants: Vec<(String, Option<String>)> = p.roles.values().flatten().map(|g| (g.role.clone(), g.panel.clone())).collect();
                    let problems = app.check_sso_roles(&p.council, &grants);
                    if !problems.is_empty() {
                        return Err(crate::bad(format!("--sso {}: provider for {}: {}", path.display(), p.council, problems.join("; "))).into());
                    }
                    println!("Single sign-on for {} through {}", p.council, p.issuer);
                }
                carepanel_sso::Registry::new(settings)
            }
            None => carepanel_sso::Registry::default(),
        };
        let demo = if demo_default {
            Some(Arc::new(carepanel_web::Demo { accounts: carepanel_web::demo_accounts(&app).await?, password: DEMO_PASSWORD.to_string() }))
        } else {
            None
        };
        let state = carepanel_web::WebState { app, templates: Arc::new(carepanel_web::templates()), demo, sso: Arc::new(sso) };
        println!("carepanel is serving http://{bind}/");
        if demo_default {
            println!("Sign in with any demonstration account listed on the start page, password {DEMO_PASSWORD}");
            println!("  for example worker11@bexley.example (a Bexley social worker)");
        }
        carepanel_web::serve(state, bind).await.with_context(|| format!("cannot serve on {bind}"))?;
        Ok(ExitCode::SUCCESS)
    })
}
