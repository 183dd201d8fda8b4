//! `carepanel policy check|show`.

use anyhow::{Context, Result};
use carepanel_domain::policy::parse_policy;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Validate policy files; every problem is reported with file, line, key and what is allowed.
    Check {
        /// Files to check (default: every .toml file in the policies directory).
        files: Vec<PathBuf>,
    },
}

pub fn run(cmd: PolicyCommand) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Check { files } => check(files),
    }
}

fn check(files: Vec<PathBuf>) -> Result<ExitCode> {
    let files = if files.is_empty() {
        crate::policy_files(None)?
    } else {
        files
    };
    let mut bad = 0usize;
    for file in &files {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
        match parse_policy(&name, &text) {
            Ok(p) => println!(
                "{name}: ok ({} {}, {} panel{})",
                p.council.name,
                p.policy.version,
                p.panels.len(),
                if p.panels.len() == 1 { "" } else { "s" }
            ),
            Err(errors) => {
                bad += errors.len();
                for e in errors {
                    println!("{e}");
                }
            }
        }
    }
    if bad > 0 {
        println!("{bad} problem{} found", if bad == 1 { "" } else { "s" });
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
