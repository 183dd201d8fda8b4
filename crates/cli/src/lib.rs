//! The carepanel command line: serve, policy, what-if, migrate, demo, documents, tokens, audit,
//! backup and restore.

pub mod context;
mod data_cmd;
mod documents_cmd;
mod policy_cmd;
mod reports_cmd;
mod tokens_cmd;
mod whatif_cmd;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "carepanel",
    version,
    about = "Resource panels for children's services, run from each council's terms of reference"
)]
pub struct Cli {
    /// The directory of policy files (default: ./policies, or CAREPANEL_POLICIES).
    #[arg(long, global = true)]
    policies: Option<PathBuf>,
    /// A bank-holiday file in the gov.uk bank-holidays.json format (default: the one shipped).
    #[arg(long, global = true)]
    bank_holidays: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default). With the default database it is migrated and
    /// filled with demonstration data on first start.
    Serve {
        #[command(flatten)]
        db: data_cmd::DbArg,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        #[command(flatten)]
        demo: data_cmd::ServeDemo,
    },
    /// Check and show policy files.
    #[command(subcommand)]
    Policy(policy_cmd::PolicyCommand),
    /// Answer a policy question: schedule, authority, review, meetings.
    #[command(subcommand, name = "what-if")]
    WhatIf(whatif_cmd::WhatIf),
    /// Create or update the database schema.
    Migrate {
        #[command(flatten)]
        db: data_cmd::DbArg,
    },
    /// Demonstration data.
    #[command(subcommand)]
    Demo(data_cmd::Demo),
    /// Documents as PDF: the panel pack, a decision sheet, the minutes.
    #[command(subcommand)]
    Documents(documents_cmd::Documents),
    /// Reports: committed spend by panel, quarter and category (FIN-05), as CSV.
    #[command(subcommand)]
    Reports(reports_cmd::Reports),
    /// API tokens: make, list and revoke a person's tokens.
    #[command(subcommand)]
    Tokens(tokens_cmd::Tokens),
    /// The audit trail.
    #[command(subcommand)]
    Audit(data_cmd::Audit),
    /// Write every row to a file (JSON lines, portable between SQLite and PostgreSQL).
    Backup {
        #[command(flatten)]
        db: data_cmd::DbArg,
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into an empty database; the audit chain is verified afterwards.
    Restore {
        #[command(flatten)]
        db: data_cmd::DbArg,
        #[arg(long)]
        from: PathBuf,
    },
}

/// Exit code 2: the question could not be asked (bad input), as distinct from a "no" answer.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Input that cannot be answered; reported with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(String);

pub fn bad(message: impl Into<String>) -> BadInput {
    BadInput(message.into())
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_BAD_INPUT)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    let command = cli.command.unwrap_or(Command::Serve {
        db: data_cmd::DbArg { database: None },
        bind: "127.0.0.1:8080".to_string(),
        demo: data_cmd::ServeDemo::default(),
    });
    match command {
        Command::Serve { db, bind, demo } => {
            let loaded = context::load(cli.policies, cli.bank_holidays)?;
            data_cmd::serve_cmd(loaded, &db, &bind, &demo)
        }
        Command::Policy(cmd) => policy_cmd::run(cmd, cli.policies, cli.bank_holidays),
        Command::WhatIf(cmd) => {
            let loaded = context::load(cli.policies, cli.bank_holidays)?;
            whatif_cmd::run(&loaded, cmd)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { db } => data_cmd::migrate_cmd(&db),
        Command::Demo(cmd) => {
            let loaded = context::load(cli.policies, cli.bank_holidays)?;
            data_cmd::demo_cmd(loaded, cmd)
        }
        Command::Documents(cmd) => {
            let loaded = context::load(cli.policies, cli.bank_holidays)?;
            documents_cmd::run(loaded, cmd)
        }
        Command::Reports(cmd) => {
            let loaded = context::load(cli.policies, cli.bank_holidays)?;
            reports_cmd::run(loaded, cmd)
        }
        Command::Tokens(cmd) => {
            let loaded = context::load(cli.policies, cli.bank_holidays)?;
            tokens_cmd::run(loaded, cmd)
        }
        Command::Audit(cmd) => data_cmd::audit_cmd(cmd),
        Command::Backup { db, to } => data_cmd::backup_cmd(&db, &to),
        Command::Restore { db, from } => data_cmd::restore_cmd(&db, &from),
    }
}

/// The policy files in `dir` (default `policies/`, or `CAREPANEL_POLICIES`).
pub fn policy_files(dir: Option<PathBuf>) -> Result<Vec<PathBuf>> {
    let dir = dir
        .or_else(|| std::env::var_os("CAREPANEL_POLICIES").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("policies"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read the policy directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}
