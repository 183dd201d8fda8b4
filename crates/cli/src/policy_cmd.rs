//! `carepanel policy check|show`.

use crate::bad;
use anyhow::{Context, Result};
use carepanel_domain::authority::situations;
use carepanel_domain::policy::{Pattern, ReviewKind, parse_policy, weekday_name};
use carepanel_domain::schedule::Scheduler;
use carepanel_domain::whatif;
use chrono::{Duration, Local};
use clap::Subcommand;
use serde_json::json;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Validate policy files; every problem is reported with file, line, key and what is allowed.
    Check {
        /// Files to check (default: every .toml file in the policies directory).
        files: Vec<PathBuf>,
    },
    /// Print a panel as a person reads it: meetings, next five dates, remit, sign-offs, limits,
    /// reviews, and the role and category ids.
    Show {
        panel: String,
        /// Print JSON instead.
        #[arg(long)]
        json: bool,
        /// List the five meetings after this date (default: today).
        #[arg(long)]
        from: Option<String>,
    },
}

pub fn run(
    cmd: PolicyCommand,
    dir: Option<PathBuf>,
    holidays: Option<PathBuf>,
) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Check { files } => check(files, dir),
        PolicyCommand::Show { panel, json, from } => {
            let loaded = crate::context::load(dir, holidays)?;
            show(&loaded, &panel, json, from)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(files: Vec<PathBuf>, dir: Option<PathBuf>) -> Result<ExitCode> {
    let files = if files.is_empty() {
        crate::policy_files(dir)?
    } else {
        files
    };
    let mut bad_count = 0usize;
    let mut texts = Vec::new();
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
                bad_count += errors.len();
                for e in errors {
                    println!("{e}");
                }
            }
        }
        texts.push((name, text));
    }
    if bad_count == 0 && texts.len() > 1 {
        // Ids that must be unique across files.
        if let Err(errors) = carepanel_domain::policy_set::PolicySet::parse(
            texts.iter().map(|(n, t)| (n.as_str(), t.as_str())),
        ) {
            bad_count += errors.len();
            for e in errors {
                println!("{e}");
            }
        }
    }
    if bad_count > 0 {
        println!(
            "{bad_count} problem{} found",
            if bad_count == 1 { "" } else { "s" }
        );
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

fn show(loaded: &crate::context::Loaded, id: &str, json: bool, from: Option<String>) -> Result<()> {
    let (policy, panel) = loaded.policies.find_panel(id).ok_or_else(|| {
        bad(format!(
            "'{id}' is not a panel; panels: {}",
            loaded.policies.panel_ids().join(", ")
        ))
    })?;
    let from = match from {
        Some(f) => crate::whatif_cmd::parse_date("from", &f)?,
        None => Local::now().date_naive(),
    };
    let sched = Scheduler::new(policy, panel, &loaded.calendar);
    let next: Vec<_> = whatif::meetings(&sched, from, from + Duration::days(400))
        .meetings
        .into_iter()
        .filter(|m| m.held)
        .take(5)
        .collect();
    if json {
        let value = json!({
            "council": policy.council,
            "policy": policy.policy,
            "panel": panel,
            "next_meetings": next,
            "roles": policy.roles,
            "situations": situations(panel),
            "category_ids": panel.categories.iter().map(|c| &c.id).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let mut o = String::new();
    let role = |r: &str| format!("{} [{r}]", policy.role_label(r));
    let roles = |rs: &[String], j: &str| rs.iter().map(|r| role(r)).collect::<Vec<_>>().join(j);
    let m = &panel.meetings;
    writeln!(o, "{} ({})", panel.name, panel.id)?;
    writeln!(
        o,
        "{} policy {} in force from {}{}",
        policy.council.name,
        policy.policy.version,
        policy.policy.effective_from,
        policy
            .policy
            .effective_to
            .map(|d| format!(" to {d}"))
            .unwrap_or_default()
    )?;
    if let Some(due) = policy.policy.tor_review_due {
        writeln!(o, "Terms of reference due for review: {due}")?;
    }
    if let Some(s) = &panel.superseded_by {
        writeln!(o, "Superseded by {s}; kept for historic cases")?;
    }
    writeln!(o, "\n{}", panel.purpose.trim())?;
    let pattern = match (m.pattern, m.weekday, m.nth) {
        (Pattern::Weekly, Some(w), _) => format!("every {}", weekday_name(w)),
        (Pattern::Monthly, Some(w), Some(n)) => format!(
            "the {} {} of each month",
            match n {
                1 => "first",
                2 => "second",
                3 => "third",
                4 => "fourth",
                5 => "fifth",
                _ => "last",
            },
            weekday_name(w)
        ),
        _ => "ad hoc, as the coordinator arranges".to_string(),
    };
    writeln!(
        o,
        "\nMeets {pattern} at {} for {} minutes{}; on a bank holiday: {}",
        m.start.format("%H:%M"),
        m.duration_minutes,
        panel
            .venue
            .as_ref()
            .map(|v| format!(", {v}"))
            .unwrap_or_default(),
        m.on_bank_holiday.describe()
    )?;
    writeln!(
        o,
        "Cancelled only with the agreement of: {}",
        roles(&m.cancellation_authorisers, ", ")
    )?;
    writeln!(
        o,
        "Cut-off: {}. A late referral is {}.",
        sched.cutoff_rule_text(),
        panel.cutoff.late.describe()
    )?;
    for a in &panel.cutoff.accept_late {
        writeln!(
            o,
            "  Listed at the next meeting even after its cut-off: {} ({})",
            a.kind.describe(),
            a.requirement
        )?;
    }
    match &panel.papers {
        Some(p) => writeln!(
            o,
            "Papers circulated {} working days before ({})",
            p.working_days_before, p.requirement
        )?,
        None => writeln!(
            o,
            "Papers: no circulation date set by the terms of reference"
        )?,
    }
    let cap = &panel.capacity;
    writeln!(
        o,
        "Capacity: {}{}{}; when full, {}",
        cap.max_items
            .map_or("no maximum number of items".to_string(), |x| {
                match cap.counts {
                    carepanel_domain::policy::CapacityUnit::Child => {
                        format!("at most {x} children (each child on a referral counts)")
                    }
                    carepanel_domain::policy::CapacityUnit::Referral => {
                        format!("at most {x} items")
                    }
                }
            }),
        cap.slot_minutes
            .map(|s| format!(", {s}-minute slots"))
            .unwrap_or_default(),
        if cap.reserved_minutes > 0 {
            format!(", {} minutes reserved", cap.reserved_minutes)
        } else {
            String::new()
        },
        cap.when_full.describe()
    )?;
    writeln!(o, "Chair: {}", roles(&panel.chair.eligible, ", else "))?;
    if !panel.chair.rota.is_empty() {
        for (n, entry) in panel.chair.rota.iter().enumerate() {
            writeln!(o, "  Rota week {}: {}", n + 1, roles(entry, " and "))?;
        }
    }
    if let Some(a) = &panel.absence {
        writeln!(
            o,
            "Absence: notify at least {} hours before ({})",
            a.notice_hours, a.requirement
        )?;
    }
    writeln!(o, "\nNext five meetings from {from}:")?;
    for n in &next {
        writeln!(
            o,
            "  {} {}  cut-off {}  papers {}  chair {}",
            n.date,
            n.start,
            n.cutoff,
            n.papers_due.as_deref().unwrap_or("-"),
            n.chair
        )?;
        if let Some(note) = &n.note {
            writeln!(o, "    {note}")?;
        }
    }
    if !panel.parts.is_empty() {
        writeln!(o, "\nParts:")?;
        for p in &panel.parts {
            writeln!(o, "  {} [{}]: {}", p.name, p.id, p.remit)?;
        }
    }
    writeln!(o, "\nRemit categories:")?;
    for c in &panel.categories {
        let review = c.review.as_ref().map_or("no review rule".to_string(), |r| {
            let kind = match r.kind {
                ReviewKind::Every => "reviewed every",
                ReviewKind::Within => "returns within",
                ReviewKind::ChairDirected => "return date set by the chair",
                ReviewKind::ChairMay => "the chair may set a return",
                ReviewKind::BeforeExpiry => "new application before the approval ends",
                ReviewKind::WorkerReminder => "worker reminded to re-refer within",
                ReviewKind::None => "no review",
            };
            format!(
                "{kind}{}",
                r.interval
                    .as_ref()
                    .map(|i| format!(" {i}"))
                    .unwrap_or_default()
            )
        });
        writeln!(
            o,
            "  {} [{}]{}{}; review: {review}",
            c.label,
            c.id,
            c.part
                .as_ref()
                .map(|p| format!(" (part {p})"))
                .unwrap_or_default(),
            c.panel_threshold_over
                .map(|t| format!("; comes to panel over {t}"))
                .unwrap_or_default()
        )?;
    }
    if !panel.out_of_remit.is_empty() {
        writeln!(o, "\nNot in remit, and where it goes instead:")?;
        for x in &panel.out_of_remit {
            writeln!(o, "  {} [{}]: {}", x.label, x.id, x.route)?;
        }
    }
    writeln!(o, "\nSign-offs:")?;
    if panel.signoffs.is_empty() {
        writeln!(o, "  none beyond the referrer")?;
    }
    for s in &panel.signoffs {
        writeln!(
            o,
            "  [{}] {} ({})",
            s.id,
            roles(&s.chain, ", then "),
            s.requirement
        )?;
    }
    if !panel.documents.is_empty() {
        writeln!(o, "\nDocuments:")?;
        for d in &panel.documents {
            writeln!(
                o,
                "  {} [{}]{}{}",
                d.label,
                d.id,
                d.max_age_months
                    .map(|m| format!(", dated within {m} months"))
                    .unwrap_or_default(),
                if d.blocks_listing {
                    ", needed by the cut-off"
                } else {
                    ""
                }
            )?;
        }
    }
    if !panel.readiness.is_empty() {
        writeln!(o, "\nReadiness checks:")?;
        for r in &panel.readiness {
            writeln!(o, "  [{}] {} ({})", r.id, r.message, r.requirement)?;
        }
    }
    writeln!(o, "\nOutcomes:")?;
    for x in &panel.outcomes {
        writeln!(o, "  {} [{}]", x.label, x.id)?;
    }
    if !panel.authority.is_empty() {
        writeln!(o, "\nLimits and delegated authority:")?;
        for a in &panel.authority {
            let band = [
                a.amount_over.map(|x| format!("over {x}")),
                a.amount_up_to.map(|x| format!("up to {x}")),
                a.age_from.map(|x| format!("aged {x}+")),
                a.age_to.map(|x| format!("aged up to {x}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            let who = if a.to_panel {
                "must come to panel".to_string()
            } else if !a.all_of.is_empty() {
                roles(&a.all_of, " and ")
            } else {
                roles(&a.any_of, " or ")
            };
            writeln!(
                o,
                "  [{}] situation {}{}: {who}{}{}",
                a.id,
                a.situation,
                if band.is_empty() {
                    String::new()
                } else {
                    format!(" ({band})")
                },
                if a.in_absence.is_empty() {
                    String::new()
                } else {
                    format!("; in their absence {}", roles(&a.in_absence, " or "))
                },
                if a.interim {
                    "; until the next meeting, then ratified"
                } else {
                    ""
                }
            )?;
        }
    }
    let e = &panel.emergency;
    writeln!(
        o,
        "\nBetween meetings: {} ({})",
        if e.interim_allowed {
            "interim decisions allowed, ratified at the next meeting"
        } else {
            "no interim route"
        },
        e.requirement
    )?;
    writeln!(o, "Reviews are booked {}", panel.reviews.booking.describe())?;
    if let Some(n) = panel.recording.on_child_record_working_days {
        writeln!(o, "Decisions on the child's record within {n} working days")?;
    }
    writeln!(o, "\nRole ids:")?;
    for r in &policy.roles {
        writeln!(o, "  {} — {}", r.id, r.label)?;
    }
    writeln!(o, "\nSituation ids: {}", situations(panel).join(", "))?;
    writeln!(
        o,
        "Category ids: {}",
        panel
            .categories
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    print!("{o}");
    Ok(())
}
