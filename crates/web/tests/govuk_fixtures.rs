//! carepanel's GOV.UK Frontend components (the macros in `templates/govuk/` and the functions in
//! `src/components/native.rs`) against the examples the pinned `govuk-frontend` package ships:
//! every fixture in each component's `fixtures.json`, hidden ones included, rendered with the
//! app's template environment, must give the fixture's `html`.
//!
//! Both sides are compared after the same whitespace normalisation (runs of whitespace become
//! one space, whitespace between `>` and `<` goes, the ends are trimmed), which leaves the markup
//! itself — elements, attributes and their order, text and its escaping — to match exactly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use minijinja::{Value, context};
use serde::Deserialize;
use std::path::PathBuf;

/// Each component: its directory in the package and its macro.
const COMPONENTS: &[(&str, &str)] = &[
    ("back-link", "govukBackLink"),
    ("button", "govukButton"),
    ("checkboxes", "govukCheckboxes"),
    ("date-input", "govukDateInput"),
    ("details", "govukDetails"),
    ("error-message", "govukErrorMessage"),
    ("error-summary", "govukErrorSummary"),
    ("fieldset", "govukFieldset"),
    ("generic-header", "govukGenericHeader"),
    ("file-upload", "govukFileUpload"),
    ("hint", "govukHint"),
    ("input", "govukInput"),
    ("inset-text", "govukInsetText"),
    ("label", "govukLabel"),
    ("notification-banner", "govukNotificationBanner"),
    ("panel", "govukPanel"),
    ("radios", "govukRadios"),
    ("select", "govukSelect"),
    ("service-navigation", "govukServiceNavigation"),
    ("skip-link", "govukSkipLink"),
    ("summary-list", "govukSummaryList"),
    ("table", "govukTable"),
    ("tag", "govukTag"),
    ("textarea", "govukTextarea"),
    ("warning-text", "govukWarningText"),
];

/// Fixtures our macros do not reproduce: component, fixture name, and why. The test fails if
/// one of these matches after all, or no longer exists, so the list cannot go stale.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

#[derive(Deserialize)]
struct FixtureFile {
    fixtures: Vec<Fixture>,
}

/// One example. The options are read straight into a minijinja value rather than through
/// `serde_json::Value`, whose objects sort their keys: the order of `attributes` is the order
/// the attributes render in, and minijinja's maps keep it (carepanel-web enables minijinja's
/// `preserve_order`).
#[derive(Deserialize)]
struct Fixture {
    name: String,
    options: Value,
    html: String,
}

fn components_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("frontend/node_modules/govuk-frontend/dist/govuk/components")
}

/// Whitespace runs become one space, whitespace between tags goes, and the ends are trimmed.
fn normalise(html: &str) -> String {
    html.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("> <", "><")
}

/// Where two strings first differ, in characters, with a little of each from there.
fn first_difference(expected: &str, got: &str) -> String {
    let at = expected
        .chars()
        .zip(got.chars())
        .take_while(|(a, b)| a == b)
        .count();
    let from = at.saturating_sub(30);
    let near = |s: &str| s.chars().skip(from).take(90).collect::<String>();
    format!(
        "first difference at character {at}\n    expected …{}\n    got      …{}",
        near(expected),
        near(got)
    )
}

#[test]
fn every_component_renders_every_fixture() {
    let dir = components_dir();
    assert!(
        dir.is_dir(),
        "GOV.UK Frontend is not installed: {} does not exist. carepanel-web's build script \
         installs the pinned package with `npm ci` in crates/web/frontend; build the crate (or \
         run `npm ci` there) and run the test again",
        dir.display()
    );
    let env = carepanel_web::templates();
    let (mut checked, mut matched) = (0, 0);
    let mut failures = Vec::new();
    // Listed known differences met among the fixtures, and how many of them still differ.
    let mut listed_seen = Vec::new();
    let mut known = 0;
    for (component, macro_name) in COMPONENTS {
        let path = dir.join(component).join("fixtures.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let file: FixtureFile = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()));
        // A component is a macro in its own template, or a function of the environment.
        let template_name = format!("govuk/{component}.html");
        let source = if carepanel_web::components::COMPONENTS
            .iter()
            .any(|(name, _)| *name == template_name)
        {
            format!(
                "{{% from \"{template_name}\" import {macro_name} %}}{{{{ {macro_name}(params) }}}}"
            )
        } else {
            format!("{{{{ {macro_name}(params) }}}}")
        };
        let template = env
            .template_from_named_str("fixture.html", &source)
            .unwrap_or_else(|e| panic!("{component}: {e:#}"));
        for fixture in file.fixtures {
            checked += 1;
            let id = format!("{component} / {}", fixture.name);
            let listed = KNOWN_DIFFERENCES
                .iter()
                .any(|(c, n, _)| c == component && *n == fixture.name);
            if listed {
                listed_seen.push((*component, fixture.name.clone()));
            }
            let expected = normalise(&fixture.html);
            let outcome = match template.render(context! { params => fixture.options }) {
                Ok(got) => {
                    let got = normalise(&got);
                    if got == expected {
                        Ok(())
                    } else {
                        Err(format!(
                            "{id}: markup differs\n  expected: {expected}\n  got:      {got}\n  {}",
                            first_difference(&expected, &got)
                        ))
                    }
                }
                Err(e) => Err(format!("{id}: render failed: {e:#}")),
            };
            match (outcome, listed) {
                (Ok(()), false) => matched += 1,
                (Err(failure), false) => failures.push(failure),
                (Ok(()), true) => {
                    matched += 1;
                    failures.push(format!(
                        "{id}: matches, but is listed in KNOWN_DIFFERENCES; take it off the list"
                    ));
                }
                (Err(_), true) => known += 1,
            }
        }
    }
    for (component, name, _) in KNOWN_DIFFERENCES {
        if !listed_seen.iter().any(|(c, n)| c == component && n == name) {
            failures.push(format!(
                "{component} / {name}: listed in KNOWN_DIFFERENCES but there is no such fixture"
            ));
        }
    }
    println!(
        "{matched} fixtures of {} components match ({checked} checked, {known} known differences)",
        COMPONENTS.len(),
    );
    assert!(
        failures.is_empty(),
        "{} problems with the {checked} fixtures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
