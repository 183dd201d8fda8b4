//! The England and Wales working-day calendar, month arithmetic, ages and London time
//! (CAL-01 to CAL-10). Pure: the bank holidays are passed in as data.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The gov.uk `bank-holidays.json` division we use.
pub const ENGLAND_AND_WALES: &str = "england-and-wales";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("the bank holiday file is not in the gov.uk bank-holidays.json format: {0}")]
    Format(String),
    #[error("the bank holiday file has no '{0}' division")]
    NoDivision(String),
    #[error("the bank holiday file has no dates")]
    Empty,
}

#[derive(Deserialize)]
struct Division {
    events: Vec<Event>,
}

#[derive(Deserialize)]
struct Event {
    title: String,
    date: NaiveDate,
}

/// England and Wales bank holidays, including substitute days (CAL-01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHolidays {
    days: BTreeMap<NaiveDate, String>,
}

impl BankHolidays {
    /// Reads the gov.uk `bank-holidays.json` format, so a council can drop in the current file.
    pub fn from_govuk_json(json: &str) -> Result<Self, CalendarError> {
        let mut divisions: BTreeMap<String, Division> =
            serde_json::from_str(json).map_err(|e| CalendarError::Format(e.to_string()))?;
        let division = divisions
            .remove(ENGLAND_AND_WALES)
            .ok_or_else(|| CalendarError::NoDivision(ENGLAND_AND_WALES.into()))?;
        if division.events.is_empty() {
            return Err(CalendarError::Empty);
        }
        Ok(Self {
            days: division
                .events
                .into_iter()
                .map(|e| (e.date, e.title))
                .collect(),
        })
    }

    pub fn from_dates(dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            days: dates
                .into_iter()
                .map(|d| (d, "Bank holiday".to_string()))
                .collect(),
        }
    }

    pub fn is_holiday(&self, day: NaiveDate) -> bool {
        self.days.contains_key(&day)
    }

    pub fn name(&self, day: NaiveDate) -> Option<&str> {
        self.days.get(&day).map(String::as_str)
    }

    /// The years the file covers; beyond them a date is assumed to be an ordinary day.
    pub fn years(&self) -> Option<(i32, i32)> {
        let first = self.days.keys().next()?.year();
        let last = self.days.keys().next_back()?.year();
        Some((first, last))
    }

    pub fn covers(&self, day: NaiveDate) -> bool {
        self.years()
            .is_some_and(|(a, b)| day.year() >= a && day.year() <= b)
    }

    pub fn dates(&self) -> BTreeSet<NaiveDate> {
        self.days.keys().copied().collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.days.iter().map(|(d, n)| (*d, n.as_str()))
    }
}

/// Monday to Friday less bank holidays (CAL-01).
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    holidays: BankHolidays,
}

impl WorkingCalendar {
    pub fn new(holidays: BankHolidays) -> Self {
        Self { holidays }
    }

    pub fn holidays(&self) -> &BankHolidays {
        &self.holidays
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.is_holiday(day)
    }

    /// The day reached by counting back `n` working days from `day`, not counting `day` itself
    /// (CAL-02). With `n == 0` it is `day`.
    pub fn working_days_before(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut d = day;
        let mut left = n;
        while left > 0 {
            let Some(p) = d.pred_opt() else { break };
            d = p;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The day reached by counting forward `n` working days from `day`, not counting `day`
    /// itself (CAL-03).
    pub fn working_days_after(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut d = day;
        let mut left = n;
        while left > 0 {
            let Some(x) = d.succ_opt() else { break };
            d = x;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days strictly after `from` up to and including `to` (0 when `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            let Some(x) = d.succ_opt() else { break };
            d = x;
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    pub fn on_or_before_working(&self, day: NaiveDate) -> NaiveDate {
        let mut d = day;
        while !self.is_working_day(d) {
            let Some(p) = d.pred_opt() else { break };
            d = p;
        }
        d
    }

    pub fn on_or_after_working(&self, day: NaiveDate) -> NaiveDate {
        let mut d = day;
        while !self.is_working_day(d) {
            let Some(x) = d.succ_opt() else { break };
            d = x;
        }
        d
    }
}

/// Adds calendar months, clamping to the month's last day: 31 March + 3 months = 30 June
/// (CAL-08). Repeating intervals call this with a multiple from the original anchor date.
pub fn add_months(day: NaiveDate, months: i32) -> NaiveDate {
    let total = (day.year() * 12 + day.month0() as i32).saturating_add(months);
    let year = total.div_euclid(12);
    let month0 = total.rem_euclid(12) as u32;
    let last = last_day_of_month(year, month0 + 1);
    NaiveDate::from_ymd_opt(year, month0 + 1, day.day().min(last)).unwrap_or(day)
}

pub fn last_day_of_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

/// How a 29 February birthday is kept in a common year (CAL-09).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum LeapDayBirthday {
    /// The birthday counts as 1 March (the default, as in English law for ages).
    #[default]
    FirstMarch,
    TwentyEighthFebruary,
}

/// Age in completed years on `on` (CAL-09).
pub fn age_on(dob: NaiveDate, on: NaiveDate, leap: LeapDayBirthday) -> u32 {
    if on < dob {
        return 0;
    }
    let mut years = on.year() - dob.year();
    let birthday_this_year = birthday_in(dob, on.year(), leap);
    if on < birthday_this_year {
        years -= 1;
    }
    years.max(0) as u32
}

/// The day a person born on `dob` reaches `years` (used for "before the 18th birthday").
pub fn birthday_at(dob: NaiveDate, years: u32, leap: LeapDayBirthday) -> NaiveDate {
    birthday_in(dob, dob.year() + years as i32, leap)
}

fn birthday_in(dob: NaiveDate, year: i32, leap: LeapDayBirthday) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, dob.month(), dob.day()).unwrap_or_else(|| match leap {
        LeapDayBirthday::FirstMarch => NaiveDate::from_ymd_opt(year, 3, 1).unwrap_or(dob),
        LeapDayBirthday::TwentyEighthFebruary => {
            NaiveDate::from_ymd_opt(year, 2, 28).unwrap_or(dob)
        }
    })
}

/// A London wall-clock time as an instant (CAL-10). In the autumn hour that happens twice
/// the earlier instant is taken; a time in the spring gap is moved forward by the gap.
pub fn london_to_utc(local: NaiveDateTime) -> chrono::DateTime<Utc> {
    match London.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        chrono::LocalResult::None => {
            let later = local + Duration::hours(1);
            London
                .from_local_datetime(&later)
                .earliest()
                .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
        }
    }
}

pub fn utc_to_london(t: chrono::DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&London).naive_local()
}

/// The dates carepanel computes with; outside them every schedule is empty, so arithmetic
/// on dates can never overflow.
pub const FIRST_SUPPORTED_YEAR: i32 = 1900;
pub const LAST_SUPPORTED_YEAR: i32 = 2200;

pub fn supported(day: NaiveDate) -> bool {
    (FIRST_SUPPORTED_YEAR..=LAST_SUPPORTED_YEAR).contains(&day.year())
}

/// Whole clock hours between two London wall-clock times, across BST/GMT changes (MEM-04).
pub fn clock_hours_between(from: NaiveDateTime, to: NaiveDateTime) -> f64 {
    (london_to_utc(to) - london_to_utc(from)).num_seconds() as f64 / 3600.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::new(
            BankHolidays::from_govuk_json(include_str!("../../../data/bank-holidays.json"))
                .unwrap_or_else(|_| BankHolidays::from_dates([])),
        )
    }

    #[test]
    fn cal_01_substitute_days_are_not_working_days() {
        let c = cal();
        for day in ["2026-12-28", "2027-12-27", "2027-12-28", "2028-01-03"] {
            assert!(!c.is_working_day(d(day)), "{day}");
        }
        assert!(c.is_working_day(d("2026-12-29")));
        assert!(!c.is_working_day(d("2026-11-28")), "Saturday");
    }

    #[test]
    fn cal_01_file_covers_2024_to_2030() {
        assert_eq!(cal().holidays().years(), Some((2024, 2030)));
    }

    #[test]
    fn cal_02_counting_back_skips_weekends_and_holidays() {
        let c = cal();
        // 3 working days before a Wednesday is the Friday (B1 ambiguity 4).
        assert_eq!(c.working_days_before(d("2026-12-02"), 3), d("2026-11-27"));
        // Bexley Thursday: the Monday (B5).
        assert_eq!(c.working_days_before(d("2026-12-03"), 3), d("2026-11-30"));
        // Over Easter 2026: Thu 9 April, back over Easter Monday and Good Friday.
        assert_eq!(c.working_days_before(d("2026-04-09"), 3), d("2026-04-02"));
        // HARP ambiguity 3: 2 working days before Wed 2027-03-31 is Thu 2027-03-25.
        assert_eq!(c.working_days_before(d("2027-03-31"), 2), d("2027-03-25"));
        // HARP ambiguity 3a: 2 working days before Wed 2027-12-29 is Thu 2027-12-23.
        assert_eq!(c.working_days_before(d("2027-12-29"), 2), d("2027-12-23"));
    }

    #[test]
    fn cal_03_counting_forward() {
        let c = cal();
        // Devon records within 3 working days of a Tuesday panel: Friday.
        assert_eq!(c.working_days_after(d("2026-12-01"), 3), d("2026-12-04"));
        // Tue 2026-12-22 + 3 working days: 23, 24, 29 (25 and 28 are holidays).
        assert_eq!(c.working_days_after(d("2026-12-22"), 3), d("2026-12-29"));
    }

    #[test]
    fn cal_08_month_end_clamping() {
        assert_eq!(add_months(d("2026-03-31"), 3), d("2026-06-30"));
        assert_eq!(add_months(d("2027-11-30"), 3), d("2028-02-29"));
        assert_eq!(add_months(d("2026-11-30"), 3), d("2027-02-28"));
        assert_eq!(add_months(d("2026-01-31"), -2), d("2025-11-30"));
        // anchored repeat: 31 Jan + 2x3 months is 31 July, not 30 July
        assert_eq!(add_months(d("2026-01-31"), 6), d("2026-07-31"));
    }

    #[test]
    fn cal_09_ages_and_leap_day_birthdays() {
        let dob = d("2012-02-29");
        assert_eq!(
            age_on(dob, d("2026-02-28"), LeapDayBirthday::FirstMarch),
            13
        );
        assert_eq!(
            age_on(dob, d("2026-03-01"), LeapDayBirthday::FirstMarch),
            14
        );
        assert_eq!(
            age_on(dob, d("2026-02-28"), LeapDayBirthday::TwentyEighthFebruary),
            14
        );
        assert_eq!(
            age_on(dob, d("2028-02-29"), LeapDayBirthday::FirstMarch),
            16
        );
        assert_eq!(
            age_on(
                d("2010-06-15"),
                d("2026-06-14"),
                LeapDayBirthday::FirstMarch
            ),
            15
        );
        assert_eq!(
            age_on(
                d("2010-06-15"),
                d("2026-06-15"),
                LeapDayBirthday::FirstMarch
            ),
            16
        );
        assert_eq!(
            birthday_at(d("2008-12-05"), 18, LeapDayBirthday::FirstMarch),
            d("2026-12-05")
        );
    }

    #[test]
    fn cal_10_bst_and_gmt() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap_or_default();
        // Summer: London is UTC+1.
        assert_eq!(
            london_to_utc(t("2026-07-01T12:00")).naive_utc(),
            t("2026-07-01T11:00")
        );
        // Winter: London is UTC.
        assert_eq!(
            london_to_utc(t("2026-12-01T12:00")).naive_utc(),
            t("2026-12-01T12:00")
        );
        // Across the clocks going back on 2026-10-25 a day is 25 hours.
        assert_eq!(
            clock_hours_between(t("2026-10-24T12:00"), t("2026-10-25T12:00")),
            25.0
        );
        // Across the clocks going forward on 2027-03-28 a day is 23 hours.
        assert_eq!(
            clock_hours_between(t("2027-03-27T12:00"), t("2027-03-28T12:00")),
            23.0
        );
        // A time in the spring gap moves forward, not backward.
        assert_eq!(
            london_to_utc(t("2027-03-28T01:30")).naive_utc(),
            t("2027-03-28T01:30")
        );
    }

    #[test]
    fn bad_holiday_files_are_refused_with_a_reason() {
        assert!(matches!(
            BankHolidays::from_govuk_json("{"),
            Err(CalendarError::Format(_))
        ));
        assert_eq!(
            BankHolidays::from_govuk_json(r#"{"scotland":{"division":"scotland","events":[]}}"#),
            Err(CalendarError::NoDivision(ENGLAND_AND_WALES.into()))
        );
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..(365 * 7)).prop_map(|n| d("2024-01-01") + Duration::days(n))
    }

    proptest! {
        #[test]
        fn cal_02_03_adding_and_counting_agree(day in any_date(), n in 0u32..40) {
            let c = cal();
            let back = c.working_days_before(day, n);
            if n > 0 {
                // (back, day] holds the n - 1 working days counted after `back`, and `day` itself if it works.
                prop_assert_eq!(c.working_days_between(back, day), n - 1 + u32::from(c.is_working_day(day)));
            } else {
                prop_assert_eq!(back, day);
            }
            let fwd = c.working_days_after(day, n);
            prop_assert_eq!(c.working_days_between(day, fwd), n);
            if n > 0 {
                prop_assert!(c.is_working_day(back));
                prop_assert!(c.is_working_day(fwd));
                prop_assert!(back < day && fwd > day);
            }
        }

        #[test]
        fn cal_02_back_then_forward_returns_to_a_working_day(day in any_date(), n in 1u32..40) {
            let c = cal();
            let back = c.working_days_before(day, n);
            prop_assert_eq!(c.working_days_after(back, n), c.on_or_after_working(day));
        }

        #[test]
        fn cal_08_month_arithmetic_clamps(day in any_date(), m in -48i32..48) {
            let r = add_months(day, m);
            let months = (r.year() - day.year()) * 12 + r.month() as i32 - day.month() as i32;
            prop_assert_eq!(months, m);
            prop_assert!(r.day() <= day.day());
            prop_assert!(r.day() == day.day() || r.day() == last_day_of_month(r.year(), r.month()));
        }

        #[test]
        fn cal_09_age_increases_on_birthdays_only(dob in any_date(), years in 0u32..20) {
            let bday = birthday_at(dob, years, LeapDayBirthday::FirstMarch);
            prop_assert_eq!(age_on(dob, bday, LeapDayBirthday::FirstMarch), years);
            if years > 0 {
                prop_assert_eq!(age_on(dob, bday - Duration::days(1), LeapDayBirthday::FirstMarch), years - 1);
            }
        }

        #[test]
        fn cal_10_london_round_trips_outside_the_changes(mins in 0i64..(60*24*365*3)) {
            let local = d("2026-01-01").and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(mins);
            let back = utc_to_london(london_to_utc(local));
            // Only the spring-forward gap moves a time.
            prop_assert!(back == local || back - local == Duration::hours(1));
        }
    }
}
