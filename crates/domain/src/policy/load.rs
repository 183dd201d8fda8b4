//! Reading policy files: parse, validate, and report every problem with file, line, key and
//! what is allowed. A bad file never panics (CFG-01).

use super::model::Policy;
use super::validate::{Issue, PathSeg, validate};
use std::fmt;

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The dotted key path, for example `panels[0].signoffs[1].chain[0]`.
    pub key: String,
    pub message: String,
    /// What is allowed instead, where that can be listed.
    pub allowed: Option<String>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(allowed) = &self.allowed {
            write!(f, " (allowed: {allowed})")?;
        }
        Ok(())
    }
}

/// Parses and validates one policy file's text. `file` is the name used in messages.
pub fn parse_policy(file: &str, text: &str) -> Result<Policy, Vec<PolicyError>> {
    let policy: Policy = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => return Err(vec![structural_error(file, text, &e)]),
    };
    let issues = validate(&policy);
    if issues.is_empty() {
        return Ok(policy);
    }
    let doc = toml_edit::ImDocument::parse(text.to_string()).ok();
    Err(issues
        .into_iter()
        .map(|issue| locate(file, text, doc.as_ref(), issue))
        .collect())
}

fn structural_error(file: &str, text: &str, e: &toml::de::Error) -> PolicyError {
    let (line, column) = e
        .span()
        .map(|s| line_col(text, s.start))
        .map_or((None, None), |(l, c)| (Some(l), Some(c)));
    let key = e
        .span()
        .and_then(|s| text.get(s))
        .filter(|k| k.len() < 80 && !k.contains('\n'))
        .map(|k| k.trim().to_string())
        .unwrap_or_default();
    let message = e.message().trim().to_string();
    // serde's "expected one of ..." already lists what is allowed; split it out so it reads alike.
    let (message, allowed) = match message.split_once(", expected one of ") {
        Some((m, allowed)) => (m.to_string(), Some(allowed.to_string())),
        None => match message.split_once(", expected ") {
            Some((m, allowed)) if m.starts_with("unknown variant") => {
                (m.to_string(), Some(allowed.to_string()))
            }
            _ => (message, None),
        },
    };
    PolicyError {
        file: file.to_string(),
        line,
        column,
        key,
        message,
        allowed,
    }
}

fn locate(
    file: &str,
    text: &str,
    doc: Option<&toml_edit::ImDocument<String>>,
    issue: Issue,
) -> PolicyError {
    let span = doc.and_then(|d| span_of(d, &issue.path));
    let (line, column) = span
        .map(|start| line_col(text, start))
        .map_or((None, None), |(l, c)| (Some(l), Some(c)));
    PolicyError {
        file: file.to_string(),
        line,
        column,
        key: path_string(&issue.path),
        message: issue.message,
        allowed: issue.allowed,
    }
}

/// The byte offset of the deepest part of `path` present in the document.
fn span_of(doc: &toml_edit::ImDocument<String>, path: &[PathSeg]) -> Option<usize> {
    let mut best: Option<usize> = None;
    let mut item: Option<&toml_edit::Item> = None;
    for (i, seg) in path.iter().enumerate() {
        let next = match (i, seg, item) {
            (0, PathSeg::Key(k), _) => {
                let table = doc.as_table();
                if let Some(key) = table.key(k).and_then(|k| k.span()) {
                    best = Some(key.start);
                }
                table.get(k)
            }
            (_, PathSeg::Key(k), Some(it)) => {
                if let Some(t) = it.as_table()
                    && let Some(key) = t.key(k).and_then(|k| k.span())
                {
                    best = Some(key.start);
                }
                it.get(k.as_str())
            }
            (_, PathSeg::Index(n), Some(it)) => it.get(*n),
            _ => None,
        };
        let Some(found) = next else { break };
        if let Some(s) = found.span() {
            if !matches!(seg, PathSeg::Key(_)) || found.is_value() || best.is_none() {
                best = Some(s.start);
            }
        } else if let Some(t) = found.as_table()
            && let Some(s) = t.span()
        {
            best = Some(s.start);
        }
        item = Some(found);
    }
    best
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

pub fn path_string(path: &[PathSeg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            PathSeg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSeg::Index(n) => out.push_str(&format!("[{n}]")),
        }
    }
    out
}
