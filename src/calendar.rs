//! Calendar rules, pure: Europe/Paris wall-clock times, month arithmetic
//! that clamps to month ends, and label validity periods.

use chrono::{DateTime, Datelike, Days, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use chrono_tz::Tz;
use std::fmt;

/// The time zone every deadline and label date is stated in.
pub const ZONE: Tz = Paris;

/// The instant of a Paris wall-clock time. A time skipped by the spring DST
/// change resolves to the first instant after the gap; a time repeated in
/// autumn resolves to its first occurrence, so a deadline never comes late.
pub fn paris_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    match ZONE.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // Walk forward minute by minute out of the gap (at most 1 hour).
            let mut probe = local;
            loop {
                probe += chrono::Duration::minutes(1);
                if let Some(t) = ZONE.from_local_datetime(&probe).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
        }
    }
}

/// The Paris calendar date of an instant.
pub fn paris_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&ZONE).date_naive()
}

/// Adds (or subtracts) whole months; a day missing from the target month
/// clamps to its last day (31 August − 6 months = 28 or 29 February).
pub fn add_months(date: NaiveDate, months: i32) -> NaiveDate {
    let shifted = if months >= 0 {
        date.checked_add_months(Months::new(months.unsigned_abs()))
    } else {
        date.checked_sub_months(Months::new(months.unsigned_abs()))
    };
    shifted.unwrap_or(date)
}

pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let shifted = if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    shifted.unwrap_or(date)
}

/// Last day of a label granted on `from` for `years`: the day before the
/// same date `years` later. A label starting on 29 February ends on
/// 28 February (its anniversary rolls to 1 March in common years).
pub fn label_valid_until(from: NaiveDate, years: u32) -> NaiveDate {
    let year = from.year() + years as i32;
    let same_date_later = NaiveDate::from_ymd_opt(year, from.month(), from.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(from);
    add_days(same_date_later, -1)
}

/// A signed calendar offset such as `-7 days`, `+1 day` or `-12 months`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offset {
    pub months: i32,
    pub days: i32,
}

impl Offset {
    pub fn parse(text: &str) -> Result<Offset, String> {
        let text = text.trim();
        if text == "0" || text.is_empty() {
            return Ok(Offset::default());
        }
        let (sign, rest) = match text.as_bytes()[0] {
            b'-' => (-1, &text[1..]),
            b'+' => (1, &text[1..]),
            _ => return Err(format!("offset `{text}` must start with + or - (e.g. \"-7 days\")")),
        };
        let mut parts = rest.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("offset `{text}` must read like \"-7 days\" or \"-6 months\""));
        };
        let n: i32 = n.parse().map_err(|_| format!("offset `{text}`: `{n}` is not a whole number"))?;
        match unit {
            "day" | "days" => Ok(Offset { months: 0, days: sign * n }),
            "week" | "weeks" => Ok(Offset { months: 0, days: sign * 7 * n }),
            "month" | "months" => Ok(Offset { months: sign * n, days: 0 }),
            "year" | "years" => Ok(Offset { months: sign * 12 * n, days: 0 }),
            _ => Err(format!("offset `{text}`: unit `{unit}` is not days, weeks, months or years")),
        }
    }

    pub fn apply(self, date: NaiveDate) -> NaiveDate {
        add_days(add_months(date, self.months), self.days as i64)
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.months, self.days) {
            (0, 0) => f.write_str("0"),
            (m, 0) => write!(f, "{m:+} months"),
            (0, d) => write!(f, "{d:+} days"),
            (m, d) => write!(f, "{m:+} months {d:+} days"),
        }
    }
}

/// When a timer anchored on an instant or date with an offset and an
/// optional Paris wall-clock time falls due.
pub fn timer_due(anchor: TimerAnchorValue, offset: Offset, time: Option<NaiveTime>) -> DateTime<Utc> {
    match (anchor, time) {
        (TimerAnchorValue::Instant(at), None) => {
            // Shift the calendar part in Paris time, keeping the wall-clock
            // time, so "-1 day" stays at the same hour across a DST change.
            let local = at.with_timezone(&ZONE).naive_local();
            let date = offset.apply(local.date());
            paris_instant(date, local.time())
        }
        (TimerAnchorValue::Instant(at), Some(t)) => paris_instant(offset.apply(paris_date(at)), t),
        (TimerAnchorValue::Date(d), t) => paris_instant(offset.apply(d), t.unwrap_or(NaiveTime::MIN)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerAnchorValue {
    Instant(DateTime<Utc>),
    Date(NaiveDate),
}

/// Parses an opening instant: like [`parse_deadline`], but a date alone
/// means the start of that day in Paris.
pub fn parse_opening(text: &str) -> Option<DateTime<Utc>> {
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(date) => plausible(date).then(|| paris_instant(date, NaiveTime::MIN)),
        Err(_) => parse_deadline(text),
    }
}

/// Parses a deadline typed by a person: an RFC 3339 instant, a Paris local
/// date-time (`2027-03-31T23:59`), or a date alone (meaning 23:59 Paris).
pub fn parse_deadline(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc)).filter(|t| plausible(t.date_naive()));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return plausible(local.date()).then(|| paris_instant(local.date(), local.time()));
        }
    }
    let date = parse_date(text)?;
    Some(paris_instant(date, NaiveTime::from_hms_opt(23, 59, 0).expect("valid time")))
}

/// A calendar date `YYYY-MM-DD` of a year from 1000 to 9999: what a person
/// can mean, and what every store and format downstream can hold (year 0
/// would come back as -0001).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok().filter(|d| plausible(*d))
}

/// Years 1000 to 9999.
pub fn plausible(date: NaiveDate) -> bool {
    use chrono::Datelike;
    (1000..=9999).contains(&date.year())
}

/// The k-th anniversary of `from` (29 February falls on 28 February in
/// common years).
pub fn anniversary(from: NaiveDate, k: i32) -> NaiveDate {
    add_months(from, 12 * k)
}

/// The first anniversary of `from` strictly after `today`, if it falls
/// within the validity that ends on `until`.
pub fn next_anniversary(from: NaiveDate, until: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    (1..=200).map(|k| anniversary(from, k)).find(|a| *a > today).filter(|a| *a <= until)
}

/// The latest anniversary of `from` on or before `today`, if any.
pub fn last_anniversary(from: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    (1..=200).map(|k| anniversary(from, k)).take_while(|a| *a <= today).last()
}
