//! The command line's contract: what-if answers as one JSON object, exit 0 when answered (even
//! "not allowed"), exit 2 with a clear message for bad input; policy check and show; the
//! spending report as CSV.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::process::{Command, Output};

fn carepanel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carepanel"))
        .args(args)
        .arg("--policies")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
        .output()
        .expect("the binary runs")
}

fn json(args: &[&str]) -> Value {
    let out = carepanel(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn bad_input(args: &[&str]) -> String {
    let out = carepanel(args);
    assert_eq!(out.status.code(), Some(2), "{args:?} is bad input");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn what_if_schedule_contract() {
    let v = json(&[
        "what-if",
        "schedule",
        "--panel",
        "herts-ew-prp",
        "--part",
        "part-2",
        "--submitted",
        "2026-11-28T09:00",
        "--json",
    ]);
    assert_eq!(v["panel"], "herts-ew-prp");
    assert_eq!(v["meeting"], "2026-12-09T09:30");
    assert_eq!(v["cutoff"], "2026-12-04T23:59");
    assert_eq!(v["papers_due"], "2026-12-07");
    assert_eq!(v["late"], true);
    assert_eq!(v["accepted_late_as"], Value::Null);
    assert!(v["reason"].as_str().unwrap().contains("cut-off"));
    let e = json(&[
        "what-if",
        "schedule",
        "--panel",
        "herts-harp",
        "--submitted",
        "2026-12-01T10:00",
        "--emergency",
        "--json",
    ]);
    assert_eq!(e["meeting"], "2026-12-02T09:30");
    assert_eq!(e["accepted_late_as"], "emergency");
    let r = json(&[
        "what-if",
        "schedule",
        "--panel",
        "portsmouth-rp",
        "--submitted",
        "2026-12-09T09:00",
        "--ratification",
        "--json",
    ]);
    assert_eq!(r["accepted_late_as"], "ratification");
    let n = json(&[
        "what-if",
        "schedule",
        "--panel",
        "bexley-rcp",
        "--submitted",
        "2026-12-02T09:00",
        "--newly-looked-after",
        "--json",
    ]);
    assert_eq!(n["meeting"], "2026-12-03T14:00");
    assert_eq!(n["papers_due"], Value::Null);
}

#[test]
fn what_if_authority_answers_not_allowed_with_exit_0() {
    let v = json(&[
        "what-if",
        "authority",
        "--panel",
        "portsmouth-rp",
        "--amount",
        "1000.01",
        "--approver",
        "service-leader",
        "--json",
    ]);
    assert_eq!(v["allowed"], false);
    assert_eq!(v["required_role"], "head-of-service");
    assert!(!v["rule"].as_str().unwrap().is_empty());
    assert!(!v["reason"].as_str().unwrap().is_empty());
    let s20 = json(&[
        "what-if",
        "authority",
        "--panel",
        "herts-harp",
        "--approver",
        "operations-director-safeguarding",
        "--situation",
        "s20-first-time-care",
        "--child-age",
        "11",
        "--amount",
        "0.00",
        "--json",
    ]);
    assert_eq!(s20["allowed"], true);
}

#[test]
fn what_if_review_contract() {
    let v = json(&[
        "what-if",
        "review",
        "--panel",
        "herts-harp",
        "--decided",
        "2027-03-31",
        "--category",
        "staying-put-supported",
        "--json",
    ]);
    assert_eq!(v["review_due"], "2027-06-30");
    assert_eq!(v["meeting"], "2027-06-30T09:30");
    assert!(v["rule"].as_str().unwrap().contains("every"));
    let after = json(&[
        "what-if",
        "review",
        "--panel",
        "bexley-rcp",
        "--decided",
        "2026-12-03",
        "--after",
        "6 weeks",
        "--json",
    ]);
    assert_eq!(after["review_due"], "2027-01-14");
    assert_eq!(after["meeting"], "2027-01-14T14:00");
    let until = json(&[
        "what-if",
        "review",
        "--panel",
        "devon-prp",
        "--decided",
        "2026-12-01",
        "--until",
        "2027-03-01",
        "--json",
    ]);
    assert_eq!(until["review_due"], "2027-03-01");
    assert_eq!(until["meeting"], "2027-02-23T09:30");
}

#[test]
fn what_if_meetings_marks_skipped_bank_holidays() {
    let v = json(&[
        "what-if",
        "meetings",
        "--panel",
        "devon-prp",
        "--from",
        "2027-12-20",
        "--to",
        "2028-01-05",
        "--json",
    ]);
    let ms = v["meetings"].as_array().unwrap();
    assert_eq!(ms.len(), 3);
    assert_eq!(ms[1]["date"], "2027-12-28");
    assert_eq!(ms[1]["held"], false);
    assert!(ms[1]["note"].as_str().unwrap().contains("bank holiday"));
    assert_eq!(ms[2]["cutoff"], "2027-12-30T17:00");
    assert_eq!(ms[2]["start"], "09:30");
    assert!(ms[0]["chair"].as_str().is_some());
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    assert!(
        bad_input(&[
            "what-if",
            "schedule",
            "--panel",
            "nowhere",
            "--submitted",
            "2026-12-01T10:00"
        ])
        .contains("--panel 'nowhere'")
    );
    assert!(
        bad_input(&[
            "what-if",
            "schedule",
            "--panel",
            "devon-prp",
            "--submitted",
            "01/12/2026"
        ])
        .contains("--submitted")
    );
    assert!(
        bad_input(&[
            "what-if",
            "schedule",
            "--panel",
            "devon-prp",
            "--part",
            "part-9",
            "--submitted",
            "2026-12-01T10:00"
        ])
        .contains("part-9")
    );
    assert!(
        bad_input(&[
            "what-if",
            "authority",
            "--panel",
            "portsmouth-rp",
            "--amount",
            "1,0.0",
            "--approver",
            "service-leader"
        ])
        .contains("--amount")
    );
    assert!(
        bad_input(&[
            "what-if",
            "authority",
            "--panel",
            "portsmouth-rp",
            "--amount",
            "10.00",
            "--approver",
            "wizard"
        ])
        .contains("unknown role 'wizard'")
    );
    assert!(
        bad_input(&[
            "what-if",
            "authority",
            "--panel",
            "herts-harp",
            "--approver",
            "harp-chair",
            "--situation",
            "lunch"
        ])
        .contains("no situation 'lunch'")
    );
    assert!(
        bad_input(&[
            "what-if",
            "review",
            "--panel",
            "devon-prp",
            "--decided",
            "2026-12-01",
            "--after",
            "3 fortnights"
        ])
        .contains("--after")
    );
    assert!(
        bad_input(&[
            "what-if",
            "review",
            "--panel",
            "devon-prp",
            "--decided",
            "2026-12-01"
        ])
        .contains("exactly one of")
    );
    assert!(
        bad_input(&[
            "what-if",
            "meetings",
            "--panel",
            "devon-prp",
            "--from",
            "2027-01-01",
            "--to",
            "2026-01-01"
        ])
        .contains("--to")
    );
    assert!(bad_input(&["what-if", "frobnicate"]).contains("frobnicate"));
}

#[test]
fn policy_check_passes_the_shipped_files_and_show_lists_ids() {
    let out = carepanel(&["policy", "check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = json(&[
        "policy",
        "show",
        "bexley-rcp",
        "--json",
        "--from",
        "2026-11-25",
    ]);
    assert_eq!(v["panel"]["id"], "bexley-rcp");
    assert_eq!(v["next_meetings"].as_array().unwrap().len(), 5);
    assert_eq!(v["next_meetings"][0]["date"], "2026-11-26");
    assert!(
        v["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "service-manager")
    );
    assert!(
        v["category_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "support-package-over-1000")
    );
    let text = carepanel(&["policy", "show", "herts-ew-prp", "--from", "2026-11-25"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Next five meetings"));
    assert!(text.contains("part-2"));
}

#[test]
fn policy_check_fails_a_bad_file_with_its_line() {
    let dir = std::env::temp_dir().join(format!("carepanel-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/bexley.toml"))
            .unwrap();
    let bad = dir.join("bexley.toml");
    std::fs::write(
        &bad,
        text.replace("late = \"chair-decides\"", "late = \"whenever\""),
    )
    .unwrap();
    let out = carepanel(&["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("bexley.toml:"), "{stdout}");
    assert!(
        stdout.contains("chair-decides"),
        "the allowed values are listed: {stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn migrate_audit_verify_backup_and_restore_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("carepanel-db-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/a.db?mode=rwc", dir.display());
    let other = format!("sqlite://{}/b.db?mode=rwc", dir.display());
    let backup = dir.join("backup.jsonl");
    let run = |args: &[&str]| {
        let out = carepanel(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(run(&["migrate", "--database", &db]).contains("migrated"));
    assert!(run(&["audit", "verify", "--database", &db]).contains("0 councils, 0 events"));
    run(&[
        "backup",
        "--database",
        &db,
        "--to",
        backup.to_str().unwrap(),
    ]);
    assert!(
        run(&[
            "restore",
            "--database",
            &other,
            "--from",
            backup.to_str().unwrap()
        ])
        .contains("audit chain verified")
    );
    let out = carepanel(&["demo", "seed", "--database", &db, "--scale", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--scale"));
    let out = carepanel(&["migrate", "--database", "mysql://nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite://PATH or postgres://"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fin_05_spending_report_as_csv_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("carepanel-spend-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/s.db?mode=rwc", dir.display());
    let seeded = carepanel(&[
        "demo",
        "seed",
        "--database",
        &db,
        "--scale",
        "s",
        "--until",
        "2026-11-25",
    ]);
    assert_eq!(
        seeded.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let report = |who: &str, from: &str| {
        carepanel(&[
            "reports",
            "spend",
            "--database",
            &db,
            "--as",
            who,
            "--from",
            from,
            "--to",
            "fy-2026",
        ])
    };
    let out = report("finance-officer@bexley.example", "fy-2025");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        lines[0],
        [
            "panel_id",
            "panel",
            "financial_year",
            "quarter",
            "category",
            "commitments",
            "total_pounds"
        ]
    );
    let (cells, total) = (&lines[1..lines.len() - 1], &lines[lines.len() - 1]);
    assert!(cells.len() > 4, "a year of Bexley's spending: {csv}");
    let pence = |p: &str| -> i64 {
        let (pounds, pence) = p.split_once('.').unwrap();
        pounds.parse::<i64>().unwrap() * 100 + pence.parse::<i64>().unwrap()
    };
    for c in cells {
        assert_eq!(c[0], "bexley-rcp", "only Bexley's panel: {c:?}");
        assert!(["2025", "2026"].contains(&c[2]), "{c:?}");
        assert!(["Q1", "Q2", "Q3", "Q4"].contains(&c[3]), "{c:?}");
    }
    assert_eq!(total[0], "total");
    assert_eq!(total[1], "2025-04-01 to 2027-03-31");
    assert_eq!(
        total[5].parse::<i64>().unwrap(),
        cells
            .iter()
            .map(|c| c[5].parse::<i64>().unwrap())
            .sum::<i64>()
    );
    assert_eq!(
        pence(total[6]),
        cells.iter().map(|c| pence(c[6])).sum::<i64>()
    );
    // A social worker may not see it; a bad year names the option and the rule.
    let refused = report("worker11@bexley.example", "fy-2025");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("FIN-05"));
    let bad = report("finance-officer@bexley.example", "2020");
    assert_eq!(bad.status.code(), Some(2));
    let why = String::from_utf8_lossy(&bad.stderr);
    assert!(why.contains("--from") && why.contains("FIN-05"), "{why}");
    std::fs::remove_dir_all(&dir).ok();
}
