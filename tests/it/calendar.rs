//! Calendar rules as tables: Paris wall-clock deadlines across DST,
//! month arithmetic clamped to month ends, label validity periods.

use chrono::{NaiveDate, NaiveTime};
use labelflow::calendar::*;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn time(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

#[test]
fn paris_wall_time_to_utc() {
    let table = [
        // Winter (UTC+1) and summer (UTC+2) around the 2027 changes.
        ("2027-03-27", "23:59", "2027-03-27T22:59:00+00:00"),
        ("2027-03-28", "01:30", "2027-03-28T00:30:00+00:00"),
        // 02:30 does not exist on 28 March 2027: the first instant after the gap.
        ("2027-03-28", "02:30", "2027-03-28T01:00:00+00:00"),
        ("2027-03-28", "03:00", "2027-03-28T01:00:00+00:00"),
        ("2027-03-31", "23:59", "2027-03-31T21:59:00+00:00"),
        ("2027-10-30", "23:59", "2027-10-30T21:59:00+00:00"),
        // 02:30 happens twice on 31 October 2027: the first one.
        ("2027-10-31", "02:30", "2027-10-31T00:30:00+00:00"),
        ("2027-10-31", "23:59", "2027-10-31T22:59:00+00:00"),
    ];
    for (d, t, expected) in table {
        assert_eq!(paris_instant(date(d), time(t)).to_rfc3339(), expected, "{d} {t}");
    }
}

#[test]
fn months_clamp_to_month_ends() {
    let table = [
        ("2027-08-31", -6, "2027-02-28"),
        ("2028-08-31", -6, "2028-02-29"),
        ("2027-03-31", -1, "2027-02-28"),
        ("2027-05-31", -1, "2027-04-30"),
        ("2027-01-31", 1, "2027-02-28"),
        ("2028-02-29", -12, "2027-02-28"),
        ("2028-02-29", 12, "2029-02-28"),
        ("2027-06-15", -12, "2026-06-15"),
    ];
    for (d, months, expected) in table {
        assert_eq!(add_months(date(d), months).to_string(), expected, "{d} {months:+}");
    }
}

#[test]
fn label_validity_periods() {
    let table = [
        ("2027-06-10", 5, "2032-06-09"),
        ("2027-01-01", 1, "2027-12-31"),
        ("2027-03-01", 1, "2028-02-29"),
        ("2028-02-29", 1, "2029-02-28"),
        ("2028-02-29", 4, "2032-02-28"),
        ("2028-03-01", 2, "2030-02-28"),
        ("2027-12-31", 3, "2030-12-30"),
    ];
    for (from, years, expected) in table {
        assert_eq!(label_valid_until(date(from), years).to_string(), expected, "{from} + {years}y");
    }
}

#[test]
fn offsets_parse_and_apply() {
    let table = [
        ("-7 days", "2027-04-01", "2027-03-25"),
        ("+1 day", "2027-12-31", "2028-01-01"),
        ("-12 months", "2028-02-29", "2027-02-28"),
        ("-1 month", "2027-03-31", "2027-02-28"),
        ("-2 weeks", "2027-01-10", "2026-12-27"),
        ("0", "2027-05-05", "2027-05-05"),
    ];
    for (text, d, expected) in table {
        let offset = Offset::parse(text).unwrap();
        assert_eq!(offset.apply(date(d)).to_string(), expected, "{text}");
    }
    for bad in ["7 days", "-x days", "-7 fortnights", "-7"] {
        assert!(Offset::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn timers_keep_their_wall_clock_time_across_dst() {
    // A completion due 2 April 2027 18:00 Paris (UTC+2); its reminder two days
    // earlier is 09:00 Paris on 31 March, still summer time.
    let due = parse_deadline("2027-04-02T18:00").unwrap();
    assert_eq!(due.to_rfc3339(), "2027-04-02T16:00:00+00:00");
    let reminder = timer_due(TimerAnchorValue::Instant(due), Offset::parse("-2 days").unwrap(), Some(time("09:00")));
    assert_eq!(reminder.to_rfc3339(), "2027-03-31T07:00:00+00:00");
    // "-7 days" from 1 April 23:59 Paris crosses the March change: still 23:59 Paris.
    let close = parse_deadline("2027-04-01").unwrap();
    assert_eq!(close.to_rfc3339(), "2027-04-01T21:59:00+00:00");
    let week_before = timer_due(TimerAnchorValue::Instant(close), Offset::parse("-7 days").unwrap(), None);
    assert_eq!(week_before.to_rfc3339(), "2027-03-25T22:59:00+00:00");
}

#[test]
fn deadlines_accept_dates_local_times_and_instants() {
    let table = [
        ("2027-03-31", "2027-03-31T21:59:00+00:00"),
        ("2027-12-31", "2027-12-31T22:59:00+00:00"),
        ("2027-03-31T12:00", "2027-03-31T10:00:00+00:00"),
        ("2027-03-31T12:00:00+02:00", "2027-03-31T10:00:00+00:00"),
        ("2027-03-31T10:00:00Z", "2027-03-31T10:00:00+00:00"),
    ];
    for (text, expected) in table {
        assert_eq!(parse_deadline(text).unwrap().to_rfc3339(), expected, "{text}");
    }
    for bad in ["31/03/2027", "tomorrow", "2027-02-30"] {
        assert!(parse_deadline(bad).is_none(), "{bad}");
    }
    // An opening date means the start of the day.
    assert_eq!(parse_opening("2027-09-01").unwrap().to_rfc3339(), "2027-08-31T22:00:00+00:00");
    assert_eq!(parse_opening("2027-01-15").unwrap().to_rfc3339(), "2027-01-14T23:00:00+00:00");
    assert_eq!(parse_opening("2027-09-01T08:30").unwrap().to_rfc3339(), "2027-09-01T06:30:00+00:00");
}
