//! docs/REQUIREMENTS.md stays true: every test it names exists and carries the requirement ID
//! in its name, and every requirement marked as tested names at least one test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

fn test_functions() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut names = BTreeSet::new();
    let mut dirs = vec![root.join("crates"), root.join("tests")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split("fn ").skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(name);
                }
            }
        }
    }
    names
}

#[test]
fn every_test_named_in_the_requirements_table_exists() {
    let doc = include_str!("../../../docs/REQUIREMENTS.md");
    let fns = test_functions();
    let mut rows = 0;
    for line in doc
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains('-'))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (id, status, tests) = (cells[1], cells[2], cells[3]);
        if id == "ID" || id.starts_with("---") {
            continue;
        }
        rows += 1;
        let lid = id.to_lowercase().replace('-', "_");
        let named: Vec<&str> = tests
            .split(',')
            .map(|t| t.trim().trim_matches('`'))
            .filter(|t| !t.is_empty())
            .collect();
        if status.contains("tested") {
            assert!(!named.is_empty(), "{id} is marked tested but names no test");
        }
        for name in named {
            assert!(fns.contains(name), "{id}: no function {name}");
            assert!(
                name.split('_')
                    .collect::<Vec<_>>()
                    .windows(lid.split('_').count())
                    .any(|w| w.join("_") == lid),
                "{id}: {name} does not carry the ID"
            );
        }
    }
    assert_eq!(rows, 160, "every Part A requirement has a row");
}
