//! iCalendar (RFC 5545) text for deadline feeds: events at Paris wall
//! time with the zone described in the file, whole days as dates, lines
//! escaped and folded as the RFC asks. Pure: no I/O.

use crate::calendar::ZONE;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// When a deadline falls: an instant, or a whole day.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    Instant(DateTime<Utc>),
    Day(NaiveDate),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CalEvent {
    /// Stable across feeds: the same deadline keeps its UID when its date moves.
    pub uid: String,
    pub summary: String,
    pub description: String,
    pub url: String,
    pub when: When,
    /// Grows when the item changes, so clients take the new date.
    pub sequence: i64,
}

/// Europe/Paris as a VTIMEZONE (the EU rules in force since 1996).
const PARIS: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n\
BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// TEXT value escaping (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded at 75 octets without splitting a character.
pub fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// A whole calendar.
pub fn render(name: &str, events: &[CalEvent], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    for l in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//labelflow//échéances//FR", "CALSCALE:GREGORIAN"] {
        line(&mut out, l);
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut out, "X-WR-TIMEZONE:Europe/Paris");
    out.push_str(PARIS);
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", e.uid));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence));
        match &e.when {
            When::Instant(t) => {
                let local = t.with_timezone(&ZONE).format("%Y%m%dT%H%M%S");
                line(&mut out, &format!("DTSTART;TZID=Europe/Paris:{local}"));
                line(&mut out, &format!("DTEND;TZID=Europe/Paris:{local}"));
            }
            When::Day(d) => {
                line(&mut out, &format!("DTSTART;VALUE=DATE:{}", d.format("%Y%m%d")));
                line(&mut out, &format!("DTEND;VALUE=DATE:{}", (*d + Duration::days(1)).format("%Y%m%d")));
            }
        }
        line(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        if !e.description.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", escape(&e.description)));
        }
        if !e.url.is_empty() {
            line(&mut out, &format!("URL:{}", e.url));
        }
        line(&mut out, "TRANSP:TRANSPARENT");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}
