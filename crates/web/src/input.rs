//! Reading what people type: dates in three boxes, money, whole numbers and choices. Every
//! problem becomes a message that names the field and says what to do, and what was typed is
//! kept so the form can be shown again with it (GOV.UK error pattern).

use carepanel_domain::money::Money;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// A posted form: every name with its values in the order sent.
#[derive(Debug, Clone, Default)]
pub struct Posted(pub BTreeMap<String, Vec<String>>);

impl Posted {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            map.entry(k).or_default().push(v);
        }
        Posted(map)
    }

    /// The first value sent under `name`, trimmed; empty when none was.
    pub fn get(&self, name: &str) -> String {
        self.0
            .get(name)
            .and_then(|v| v.first())
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    /// The value exactly as typed (for text areas, where leading spaces may matter).
    pub fn raw(&self, name: &str) -> String {
        self.0
            .get(name)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.get(name).cloned().unwrap_or_default()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

/// A problem with one field: `field` is the id of the input the summary links to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// Collects problems while a form is read.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A use case's refusals, each on its own field with the rule that refused it.
    pub fn add_errors(&mut self, errs: Vec<carepanel_domain::decision::FieldError>) {
        for e in errs {
            self.add(e.field, format!("{} ({})", e.message, e.requirement));
        }
    }

    pub fn from_errors(errs: Vec<carepanel_domain::decision::FieldError>) -> Self {
        let mut p = Problems::default();
        p.add_errors(errs);
        p
    }

    /// The message for one field, for the inline error.
    pub fn for_field(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for p in &self.0 {
            out.entry(p.field.clone())
                .or_insert_with(|| p.message.clone());
        }
        out
    }
}

/// A date typed in the GOV.UK three-box date input (`name-day`, `name-month`, `name-year`).
/// Nothing typed is `Ok(None)`; the error names the field and says what to do. The id the
/// summary links to is the day box, as the pattern asks.
pub fn date_parts(
    posted: &Posted,
    name: &str,
    label: &str,
    problems: &mut Problems,
) -> Option<NaiveDate> {
    let day = posted.get(&format!("{name}-day"));
    let month = posted.get(&format!("{name}-month"));
    let year = posted.get(&format!("{name}-year"));
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return None;
    }
    let anchor = format!("{name}-day");
    let missing: Vec<&str> = [("a day", &day), ("a month", &month), ("a year", &year)]
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(w, _)| *w)
        .collect();
    if !missing.is_empty() {
        problems.add(
            anchor,
            format!("{label} must include {}", missing.join(" and ")),
        );
        return None;
    }
    let parsed = (
        day.parse::<u32>(),
        month_number(&month),
        year.parse::<i32>(),
    );
    match parsed {
        (Ok(d), Some(m), Ok(y)) if (1900..=2200).contains(&y) && year.len() == 4 => {
            match NaiveDate::from_ymd_opt(y, m, d) {
                Some(date) => Some(date),
                None => {
                    problems.add(
                        anchor,
                        format!("{label} must be a real date, for example 27 3 2026"),
                    );
                    None
                }
            }
        }
        (_, _, Ok(y)) if year.len() != 4 || !(1900..=2200).contains(&y) => {
            problems.add(
                anchor,
                format!("{label}: the year must be four digits, for example 2026"),
            );
            None
        }
        _ => {
            problems.add(
                anchor,
                format!("{label} must be a real date, for example 27 3 2026"),
            );
            None
        }
    }
}

/// A month as a number or a name ("3", "03", "March", "mar").
fn month_number(text: &str) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = text.to_ascii_lowercase();
    NAMES
        .iter()
        .position(|n| {
            // `get` and not slicing: typed text may have a multi-byte character at byte 3.
            lower
                .get(..3)
                .is_some_and(|start| n.starts_with(start) && month_word_ok(&lower))
        })
        .map(|i| i as u32 + 1)
}

fn month_word_ok(lower: &str) -> bool {
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    FULL.iter()
        .any(|f| f.starts_with(lower) || (lower == "sept" && *f == "september"))
}

/// A date typed in one box: "27/3/2026", "27 3 2026" or "2026-03-27".
pub fn date_text(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = t
        .split(['/', ' ', '.', '-'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 || parts[2].len() != 4 {
        return None;
    }
    let (d, m, y) = (
        parts[0].parse().ok()?,
        month_number(parts[1])?,
        parts[2].parse().ok()?,
    );
    NaiveDate::from_ymd_opt(y, m, d)
}

/// An amount of money; empty is `Ok(None)`.
pub fn money(text: &str, field: &str, label: &str, problems: &mut Problems) -> Option<Money> {
    if text.trim().is_empty() {
        return None;
    }
    match Money::parse(text) {
        Ok(m) if m.pence() < 0 => {
            problems.add(field, format!("{label} must be £0 or more"));
            None
        }
        Ok(m) => Some(m),
        Err(_) => {
            problems.add(
                field,
                format!("Enter {label} in pounds and pence, for example 1200.50"),
            );
            None
        }
    }
}

/// A whole number between `min` and `max`; empty is `None`.
pub fn whole_number(
    text: &str,
    field: &str,
    label: &str,
    min: i64,
    max: i64,
    problems: &mut Problems,
) -> Option<i64> {
    if text.trim().is_empty() {
        return None;
    }
    match text.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        Ok(_) => {
            problems.add(
                field,
                format!("{label} must be a whole number from {min} to {max}"),
            );
            None
        }
        Err(_) => {
            problems.add(
                field,
                format!("{label} must be a whole number from {min} to {max}, in digits"),
            );
            None
        }
    }
}

/// Typed values of a three-box date, for showing the form again.
pub fn date_values(posted: &Posted, name: &str) -> BTreeMap<String, String> {
    ["day", "month", "year"]
        .iter()
        .map(|p| (p.to_string(), posted.get(&format!("{name}-{p}"))))
        .collect()
}

/// A stored date as the three boxes show it.
pub fn date_boxes(date: Option<NaiveDate>) -> BTreeMap<String, String> {
    use chrono::Datelike;
    let mut out = BTreeMap::new();
    if let Some(d) = date {
        out.insert("day".into(), d.day().to_string());
        out.insert("month".into(), d.month().to_string());
        out.insert("year".into(), d.year().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// R6: a month box holding a character of several bytes at the third byte was sliced
    /// through the character and panicked; it is now refused like any other non-month.
    #[test]
    fn month_boxes_with_multibyte_text_are_refused_not_panicked() {
        for month in ["ma€", "mé", "m😀rch", "ма", "\u{202e}mar", "maŕch"] {
            let mut p = Problems::default();
            let typed = posted(&[("d-day", "1"), ("d-month", month), ("d-year", "2027")]);
            assert_eq!(
                date_parts(&typed, "d", "Start date", &mut p),
                None,
                "{month}"
            );
            assert!(!p.is_empty(), "{month}: the month box is named");
        }
    }

    #[test]
    fn dates_in_three_boxes() {
        let mut p = Problems::default();
        let ok = posted(&[("d-day", "29"), ("d-month", "2"), ("d-year", "2028")]);
        assert_eq!(
            date_parts(&ok, "d", "Start date", &mut p),
            NaiveDate::from_ymd_opt(2028, 2, 29)
        );
        let named = posted(&[("d-day", "1"), ("d-month", "March"), ("d-year", "2027")]);
        assert_eq!(
            date_parts(&named, "d", "Start date", &mut p),
            NaiveDate::from_ymd_opt(2027, 3, 1)
        );
        assert!(p.is_empty());
        let not_leap = posted(&[("d-day", "29"), ("d-month", "2"), ("d-year", "2027")]);
        assert_eq!(date_parts(&not_leap, "d", "Start date", &mut p), None);
        assert_eq!(p.0[0].field, "d-day");
        assert!(p.0[0].message.contains("real date"), "{:?}", p.0);
        let partial = posted(&[("d-day", "3"), ("d-month", ""), ("d-year", "")]);
        assert_eq!(date_parts(&partial, "d", "Start date", &mut p), None);
        assert_eq!(p.0[1].message, "Start date must include a month and a year");
        let short_year = posted(&[("d-day", "3"), ("d-month", "4"), ("d-year", "26")]);
        assert_eq!(date_parts(&short_year, "d", "Start date", &mut p), None);
        assert!(p.0[2].message.contains("four digits"));
        let none = posted(&[]);
        assert_eq!(date_parts(&none, "d", "Start date", &mut p), None);
        assert_eq!(p.0.len(), 3);
    }

    #[test]
    fn dates_in_one_box_and_money_and_numbers() {
        assert_eq!(date_text("27/3/2026"), NaiveDate::from_ymd_opt(2026, 3, 27));
        assert_eq!(
            date_text("2026-03-27"),
            NaiveDate::from_ymd_opt(2026, 3, 27)
        );
        assert_eq!(date_text("31/2/2026"), None);
        assert_eq!(date_text("soon"), None);
        let mut p = Problems::default();
        assert_eq!(
            money("£1,200.50", "m", "the weekly cost", &mut p),
            Some(Money::from_pence(120_050))
        );
        assert_eq!(money("", "m", "the weekly cost", &mut p), None);
        assert!(p.is_empty());
        assert_eq!(money("12.345", "m", "the weekly cost", &mut p), None);
        assert_eq!(money("-5", "m", "the weekly cost", &mut p), None);
        assert_eq!(p.0.len(), 2);
        assert!(p.0[0].message.contains("pounds and pence"));
        assert_eq!(whole_number("11", "n", "Scaling", 0, 10, &mut p), None);
        assert_eq!(whole_number("ten", "n", "Scaling", 0, 10, &mut p), None);
        assert_eq!(whole_number("7", "n", "Scaling", 0, 10, &mut p), Some(7));
        assert_eq!(p.0.len(), 4);
        assert_eq!(p.for_field().len(), 2);
    }
}
