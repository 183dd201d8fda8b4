//! The shipped policy files load, and bad files are refused with file, line, key and what is
//! allowed, never a panic (CFG-01, CFG-03, CFG-04).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_domain::policy::{PolicyError, parse_policy};
use common::*;
use proptest::prelude::*;

const BEXLEY: &str = FILES[0].1;

fn errors_of(text: &str) -> Vec<PolicyError> {
    match parse_policy("bexley.toml", text) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|n| n + 1)
        .expect("needle present")
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture text '{from}' present");
    text.replacen(from, to, 1)
}

#[test]
fn cfg_01_the_six_panels_load_with_their_fixed_ids() {
    let mut ids = policies().panel_ids();
    ids.sort();
    assert_eq!(
        ids,
        [
            "bexley-rcp",
            "devon-prp",
            "herts-ew-prp",
            "herts-harp",
            "herts-harp-psp",
            "portsmouth-rp"
        ]
    );
    let (_, ew) = panel("herts-ew-prp");
    let parts: Vec<&str> = ew.parts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(parts, ["part-1", "part-2"], "CFG-02");
}

#[test]
fn cfg_01_every_policy_defines_the_common_roles() {
    for p in policies().policies() {
        for role in [
            "social-worker",
            "team-manager",
            "service-manager",
            "head-of-service",
            "deputy-director",
            "panel-administrator",
            "panel-member",
            "finance-officer",
            "brokerage",
            "council-administrator",
            "auditor",
        ] {
            assert!(p.role(role).is_some(), "{} defines {role}", p.council.id);
        }
    }
}

#[test]
fn cfg_03_policies_carry_versions_and_effective_dates() {
    for p in policies().policies() {
        assert!(!p.policy.version.is_empty());
        assert!(p.in_force_on(d("2026-11-25")), "{} in force", p.council.id);
        assert!(!p.in_force_on(d("2000-01-01")));
    }
    let (_, harp) = panel("herts-harp");
    assert_eq!(
        harp.superseded_by.as_deref(),
        Some("herts-ew-prp"),
        "CFG-03"
    );
}

#[test]
fn cfg_04_terms_of_reference_review_dates_are_overdue_at_2026_11_25() {
    let (bexley, _) = panel("bexley-rcp");
    let (portsmouth, _) = panel("portsmouth-rp");
    assert_eq!(bexley.policy.tor_review_due, Some(d("2020-08-01")));
    assert_eq!(portsmouth.policy.tor_review_due, Some(d("2026-05-01")));
    for p in [bexley, portsmouth] {
        assert!(
            p.policy
                .tor_review_due
                .is_some_and(|due| due < d("2026-11-25"))
        );
    }
}

#[test]
fn cfg_05_contacts_are_data_and_invented() {
    for p in policies().policies() {
        assert!(
            !p.contacts.is_empty(),
            "{} holds contacts as data",
            p.council.id
        );
        for c in &p.contacts {
            // Invented people on reserved addresses: no real mailbox is ever written to.
            if let Some(email) = &c.email {
                assert!(email.ends_with(".example"), "{}: {email}", p.council.id);
            }
        }
    }
    for (name, text) in FILES {
        assert!(
            !text.contains("gov.uk"),
            "{name} holds no real council address"
        );
    }
}

#[test]
fn every_category_has_a_review_rule_and_every_panel_outcomes() {
    for p in policies().policies() {
        for panel in &p.panels {
            assert!(!panel.outcomes.is_empty(), "DEC-01 {}", panel.id);
            for c in &panel.categories {
                assert!(c.review.is_some(), "{} {}", panel.id, c.id);
            }
        }
    }
}

#[test]
fn unknown_role_in_a_sign_off_chain_is_named_with_line_and_allowed_roles() {
    let bad = replace_once(
        BEXLEY,
        r#"chain = ["team-manager", "service-manager"]"#,
        r#"chain = ["team-manager", "service-manger"]"#,
    );
    let errors = errors_of(&bad);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e.line, Some(line_of(&bad, "service-manger")));
    assert_eq!(e.key, "panels[0].signoffs[0].chain[1]");
    assert!(e.message.contains("unknown role 'service-manger'"));
    assert!(
        e.allowed
            .as_deref()
            .unwrap_or("")
            .contains("service-manager")
    );
    let shown = e.to_string();
    assert!(shown.starts_with(&format!("bexley.toml:{}:", line_of(&bad, "service-manger"))));
}

#[test]
fn a_threshold_without_a_currency_amount_is_refused_with_its_line() {
    let bad = replace_once(
        BEXLEY,
        r#"panel_threshold_over = "1000.00""#,
        "panel_threshold_over = 1000",
    );
    let errors = errors_of(&bad);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].line,
        Some(line_of(&bad, "panel_threshold_over = 1000"))
    );
    assert!(
        errors[0].message.contains("\"1000.00\""),
        "{}",
        errors[0].message
    );
    let fractional = replace_once(
        BEXLEY,
        r#"panel_threshold_over = "1000.00""#,
        r#"panel_threshold_over = "1000.001""#,
    );
    assert!(
        errors_of(&fractional)[0]
            .message
            .contains("more than two digits of pence")
    );
}

#[test]
fn a_cut_off_after_its_meeting_is_refused() {
    let bad = replace_once(BEXLEY, "working_days_before = 3", "working_days_before = 0");
    let errors = errors_of(&bad);
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("after its meeting") && e.key.ends_with("cutoff.time")),
        "{errors:?}"
    );
}

#[test]
fn a_category_with_no_review_rule_is_refused() {
    let block = "[panels.categories.review]\nkind = \"chair-may\"  # REV-05, 1.20\nrequirement = \"REV-05, 1.20\"\nwording = \"The panel may further decide that any case where funding for a resource is approved be reviewed again by the panel, with a date and/or frequency specified.\"\n\n[[panels.categories]]\nid = \"panel-requested-presentation\"";
    let bad = replace_once(
        BEXLEY,
        block,
        "[[panels.categories]]\nid = \"panel-requested-presentation\"",
    );
    let errors = errors_of(&bad);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]
            .message
            .contains("'support-package-over-1000' has no review rule")
    );
    assert!(
        errors[0]
            .allowed
            .as_deref()
            .unwrap_or("")
            .contains("chair-directed")
    );
    assert!(errors[0].line.is_some());
}

#[test]
fn a_typo_in_a_key_is_refused_with_the_keys_allowed() {
    let bad = replace_once(BEXLEY, "working_days_before = 3", "working_day_before = 3");
    let errors = errors_of(&bad);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, Some(line_of(&bad, "working_day_before")));
    assert!(
        errors[0]
            .message
            .contains("unknown field `working_day_before`")
    );
    assert!(
        errors[0]
            .allowed
            .as_deref()
            .unwrap_or("")
            .contains("working_days_before")
    );
}

#[test]
fn several_problems_are_all_reported() {
    let bad = replace_once(
        &replace_once(
            BEXLEY,
            r#"chain = ["team-manager", "service-manager"]"#,
            r#"chain = ["team-lead", "service-manager"]"#,
        ),
        r#"cancellation_authorisers = ["deputy-director"]"#,
        r#"cancellation_authorisers = ["director"]"#,
    );
    let errors = errors_of(&bad);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| e.line.is_some()));
}

#[test]
fn a_weekday_cut_off_falling_on_the_meeting_day_after_it_starts_is_refused() {
    let (_, text) = FILES[3];
    let bad = replace_once(text, "min_days_before = 1", "min_days_before = 0");
    let bad = replace_once(&bad, r#"time = "12:00""#, r#"time = "15:00""#);
    let errors = errors_of(&bad);
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("after its meeting")),
        "{errors:?}"
    );
}

#[test]
fn duplicate_panel_ids_across_files_are_refused() {
    let copy = BEXLEY.replace("id = \"bexley\"", "id = \"bexley-copy\"");
    let result = carepanel_domain::policy_set::PolicySet::parse([
        ("a.toml", BEXLEY),
        ("b.toml", copy.as_str()),
    ]);
    let errors = result.err().unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("panel 'bexley-rcp' is also defined"))
    );
}

#[test]
fn not_toml_at_all_is_refused_not_panicked() {
    for text in [
        "",
        "schema = ",
        "[[panels]",
        "\u{0}\u{1}",
        "schema = 1\n[council]\nid = 3",
    ] {
        assert!(!errors_of(text).is_empty(), "{text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64), ..ProptestConfig::default() })]
    /// R6 (fast): random edits of a real policy file never panic; a changed file either loads or
    /// yields errors that each name a file.
    #[test]
    fn mangled_policy_files_never_panic(cut in 0usize..BEXLEY.len(), len in 0usize..40, insert in "[a-z0-9\"=\\[\\]. \n-]{0,12}") {
        let mut text = BEXLEY.to_string();
        let start = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + len).min(text.len());
        let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text.replace_range(start..end, &insert);
        if let Err(errors) = parse_policy("mangled.toml", &text) {
            prop_assert!(!errors.is_empty());
            for e in errors {
                prop_assert_eq!(e.file.as_str(), "mangled.toml");
                prop_assert!(!e.message.is_empty());
            }
        }
    }
}

#[test]
fn cfg_03_superseded_versions_stay_available_for_their_dates() {
    // An earlier Bexley version with a 5-working-day cut-off, in force until 2026-06-30.
    let old = BEXLEY
        .replace("version = \"2019.1\"", "version = \"2018.1\"")
        .replace(
            "effective_from = \"2019-08-01\"",
            "effective_from = \"2018-01-01\"\neffective_to = \"2026-06-30\"",
        )
        .replace("working_days_before = 3", "working_days_before = 5");
    let new = BEXLEY.replace(
        "effective_from = \"2019-08-01\"",
        "effective_from = \"2026-07-01\"",
    );
    let set = carepanel_domain::policy_set::PolicySet::parse([
        ("old.toml", old.as_str()),
        ("new.toml", new.as_str()),
    ])
    .unwrap();
    let (p, panel) = set.find_panel_on("bexley-rcp", d("2026-05-01")).unwrap();
    assert_eq!(p.policy.version, "2018.1");
    assert_eq!(panel.cutoff.working_days_before, Some(5));
    let (p, _) = set.find_panel_on("bexley-rcp", d("2026-12-01")).unwrap();
    assert_eq!(p.policy.version, "2019.1");
    assert_eq!(
        set.find_panel("bexley-rcp").unwrap().0.policy.version,
        "2019.1"
    );
    // Overlapping versions are refused.
    let overlapping =
        carepanel_domain::policy_set::PolicySet::parse([("a.toml", BEXLEY), ("b.toml", BEXLEY)]);
    let errors = overlapping.err().unwrap_or_default();
    assert!(
        errors.iter().any(|e| e.message.contains("overlaps")),
        "{errors:?}"
    );
}

#[test]
fn dates_may_be_written_as_toml_dates_or_strings() {
    let bare = BEXLEY.replace(
        "effective_from = \"2019-08-01\"",
        "effective_from = 2019-08-01",
    );
    let p = parse_policy("bare.toml", &bare).unwrap();
    assert_eq!(p.policy.effective_from, d("2019-08-01"));
    let with_time = BEXLEY.replace(
        "effective_from = \"2019-08-01\"",
        "effective_from = 2019-08-01T09:00:00",
    );
    assert!(errors_of(&with_time)[0].message.contains("has a time"));
    let nonsense = BEXLEY.replace(
        "effective_from = \"2019-08-01\"",
        "effective_from = \"1 August 2019\"",
    );
    assert!(errors_of(&nonsense)[0].message.contains("YYYY-MM-DD"));
}
