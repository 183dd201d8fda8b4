//! Review intervals written in policy files and on the command line: "3 months", "6 weeks".

use crate::calendar::add_months;
use chrono::{Duration, NaiveDate};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Weeks(u32),
    Months(u32),
}

impl Interval {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "'{text}' is not an interval; write a number and a unit, for example \"3 months\", \"6 weeks\" or \"1 year\""
            ));
        };
        let n: u32 = n.parse().map_err(|_| {
            format!("'{text}' does not start with a whole number; for example \"3 months\"")
        })?;
        if n == 0 {
            return Err(format!("'{text}' is zero; an interval must be at least 1"));
        }
        let lower = unit.to_ascii_lowercase();
        let unit_ok = match lower.strip_suffix('s').unwrap_or(&lower) {
            "week" => Some(Interval::Weeks(n)),
            "month" => Some(Interval::Months(n)),
            "year" => Some(Interval::Months(n.saturating_mul(12))),
            _ => None,
        };
        let Some(interval) = unit_ok else {
            return Err(format!(
                "'{text}' has the unit '{unit}'; allowed units: weeks, months, years"
            ));
        };
        let too_long = match interval {
            Interval::Weeks(w) => w > 5200,
            Interval::Months(m) => m > 1200,
        };
        if too_long {
            return Err(format!("'{text}' is longer than 100 years"));
        }
        Ok(interval)
    }

    /// The date `times` intervals after `anchor`, anchored so month ends do not drift (CAL-08).
    pub fn after(self, anchor: NaiveDate, times: u32) -> NaiveDate {
        match self {
            Interval::Weeks(w) => anchor
                .checked_add_signed(Duration::weeks(i64::from(w) * i64::from(times)))
                .unwrap_or(NaiveDate::MAX),
            Interval::Months(m) => add_months(
                anchor,
                i32::try_from(u64::from(m) * u64::from(times)).unwrap_or(i32::MAX),
            ),
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interval::Weeks(1) => write!(f, "1 week"),
            Interval::Weeks(n) => write!(f, "{n} weeks"),
            Interval::Months(1) => write!(f, "1 month"),
            Interval::Months(n) if n % 12 == 0 && *n >= 12 && *n != 12 => {
                write!(f, "{} years", n / 12)
            }
            Interval::Months(n) => write!(f, "{n} months"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_applies_intervals() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        assert_eq!(Interval::parse("3 months"), Ok(Interval::Months(3)));
        assert_eq!(Interval::parse("6 weeks"), Ok(Interval::Weeks(6)));
        assert_eq!(Interval::parse("1 year"), Ok(Interval::Months(12)));
        assert!(Interval::parse("3").is_err());
        assert!(Interval::parse("three months").is_err());
        assert!(Interval::parse("0 weeks").is_err());
        assert!(Interval::parse("3 fortnights").is_err());
        assert!(Interval::parse("3 monthss").is_err());
        assert!(Interval::parse("400000000 years").is_err());
        assert!(Interval::parse("99999999 weeks").is_err());
        assert_eq!(Interval::parse("100 years"), Ok(Interval::Months(1200)));
        // CAL-08 anchored repeats from 31 March.
        let m3 = Interval::Months(3);
        assert_eq!(m3.after(d("2026-03-31"), 1), d("2026-06-30"));
        assert_eq!(m3.after(d("2026-03-31"), 2), d("2026-09-30"));
        assert_eq!(m3.after(d("2026-03-31"), 3), d("2026-12-31"));
        assert_eq!(
            Interval::Weeks(6).after(d("2026-11-25"), 1),
            d("2027-01-06")
        );
    }
}
