use chrono::{DateTime, Utc};

/// Instants are stored as UTC microseconds: same type, order and
/// arithmetic on both backends.
pub fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub fn from_micros(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}
