//! Money in whole pence: parsing, display and exact comparison (AUTH-11, FIN-01).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An amount of money in pence. Amounts are compared exactly: "up to £500" includes
/// £500.00 and "in excess of £1000" starts at £1,000.01 (AUTH-11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// Why a money string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("an amount must not be empty; write pounds and pence, for example 1200.00")]
    Empty,
    #[error(
        "'{0}' is not an amount of money; write pounds and pence with digits only, for example 1200.00"
    )]
    NotMoney(String),
    #[error("'{0}' has more than two digits of pence; write pounds and pence, for example 1200.50")]
    TooPrecise(String),
    #[error("'{0}' is too large")]
    TooLarge(String),
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_pence(pence: i64) -> Self {
        Money(pence)
    }

    pub const fn from_pounds(pounds: i64) -> Self {
        Money(pounds * 100)
    }

    pub const fn pence(self) -> i64 {
        self.0
    }

    /// Parses "1200", "1200.5", "1200.50", "£1,200.50" (a leading pound sign and
    /// thousands separators are accepted because that is how people type money).
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, rest) = match trimmed.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, trimmed),
        };
        let rest = rest.strip_prefix('£').unwrap_or(rest);
        let cleaned: String = rest.chars().filter(|c| *c != ',').collect();
        if rest.contains(',') && !valid_grouping(rest) {
            return Err(MoneyError::NotMoney(text.to_string()));
        }
        let (pounds, pence) = match cleaned.split_once('.') {
            Some((p, d)) => (p, d),
            None => (cleaned.as_str(), ""),
        };
        if pounds.is_empty() || !pounds.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotMoney(text.to_string()));
        }
        if cleaned.contains('.') && pence.is_empty() {
            return Err(MoneyError::NotMoney(text.to_string()));
        }
        if !pence.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotMoney(text.to_string()));
        }
        if pence.len() > 2 {
            return Err(MoneyError::TooPrecise(text.to_string()));
        }
        let whole: i64 = pounds
            .parse()
            .map_err(|_| MoneyError::TooLarge(text.to_string()))?;
        let frac: i64 = match pence.len() {
            0 => 0,
            1 => i64::from(pence.as_bytes()[0] - b'0') * 10,
            _ => pence
                .parse()
                .map_err(|_| MoneyError::NotMoney(text.to_string()))?,
        };
        let total = whole
            .checked_mul(100)
            .and_then(|v| v.checked_add(frac))
            .ok_or_else(|| MoneyError::TooLarge(text.to_string()))?;
        Ok(Money(if negative { -total } else { total }))
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_mul(self, n: i64) -> Option<Money> {
        self.0.checked_mul(n).map(Money)
    }

    /// "1200.00": the plain form used in JSON and the command line.
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

fn valid_grouping(text: &str) -> bool {
    let whole = text.split('.').next().unwrap_or("");
    let groups: Vec<&str> = whole.split(',').collect();
    groups
        .first()
        .is_some_and(|g| !g.is_empty() && g.len() <= 3)
        && groups.iter().skip(1).all(|g| g.len() == 3)
}

impl fmt::Display for Money {
    /// "£1,200.00": the form shown to people.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let pounds = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, ch) in pounds.chars().enumerate() {
            if i > 0 && (pounds.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}£{grouped}.{:02}", abs % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an amount in pounds and pence written as a string, for example \"1000.00\"",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                Money::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
                Err(E::custom(format!(
                    "the amount {v} has no currency form; write it as a string in pounds and pence, for example \"{v}.00\""
                )))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
                Err(E::custom(format!(
                    "the amount {v} has no currency form; write it as a string in pounds and pence, for example \"{v}.00\""
                )))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Money, E> {
                Err(E::custom(format!(
                    "the amount {v} is a floating-point number; write it as a string in pounds and pence, for example \"{v:.2}\""
                )))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_11_parses_exact_pence() {
        assert_eq!(Money::parse("1000.00"), Ok(Money::from_pence(100_000)));
        assert_eq!(Money::parse("1000.01"), Ok(Money::from_pence(100_001)));
        assert_eq!(Money::parse("£1,000.5"), Ok(Money::from_pence(100_050)));
        assert_eq!(Money::parse("500"), Ok(Money::from_pounds(500)));
        assert!(Money::from_pounds(1000) < Money::parse("1000.01").unwrap_or_default());
    }

    #[test]
    fn refuses_what_is_not_money() {
        for bad in [
            "", "abc", "10.123", "1,00", "12.", ".5", "1e3", "1 000", "NaN",
        ] {
            assert!(Money::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn displays_for_people_and_machines() {
        let m = Money::from_pence(123_456_789);
        assert_eq!(m.to_string(), "£1,234,567.89");
        assert_eq!(m.plain(), "1234567.89");
        assert_eq!(Money::from_pence(5).plain(), "0.05");
        assert_eq!(Money::from_pence(-150).to_string(), "-£1.50");
    }

    proptest::proptest! {
        #[test]
        fn plain_round_trips(p in -10_000_000_000i64..10_000_000_000i64) {
            let m = Money::from_pence(p);
            proptest::prop_assert_eq!(Money::parse(&m.plain()), Ok(m));
            proptest::prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
        }

        /// R6: whatever is typed into a money field, parsing never panics, and what it accepts
        /// reads back the same.
        #[test]
        fn r6_any_text_parses_or_is_refused(text in "\\PC{0,24}|[-£0-9.,  ]{0,24}") {
            if let Ok(m) = Money::parse(&text) {
                proptest::prop_assert_eq!(Money::parse(&m.plain()), Ok(m));
            }
        }
    }
}
