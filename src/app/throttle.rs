//! Failed logins slow down password guessing: after a few failures in a
//! row an address is locked for a while, twice as long each time, whether
//! or not an account has that address (so locking tells nothing). Kept in
//! the process: several `serve` processes each keep their own count.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// Failures allowed in a row before the first lock.
pub const FREE_FAILURES: u32 = 5;
const FIRST_LOCK_SECONDS: i64 = 60;
const LONGEST_LOCK_SECONDS: i64 = 15 * 60;
/// Addresses remembered at most; the oldest quiet ones go first.
const REMEMBERED: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    by_address: Mutex<HashMap<String, Failures>>,
}

impl LoginThrottle {
    /// When the address may try again, if it is locked now.
    pub fn locked_until(&self, address: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let map = self.by_address.lock().unwrap_or_else(|e| e.into_inner());
        map.get(address).and_then(|f| f.locked_until).filter(|until| *until > now)
    }

    pub fn failed(&self, address: &str, now: DateTime<Utc>) {
        let mut map = self.by_address.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= REMEMBERED && !map.contains_key(address) {
            let quiet = now - Duration::seconds(LONGEST_LOCK_SECONDS);
            map.retain(|_, f| f.last > quiet);
        }
        let entry = map.entry(address.to_string()).or_insert(Failures { count: 0, last: now, locked_until: None });
        // A quiet spell longer than the longest lock forgives the past.
        if now - entry.last > Duration::seconds(LONGEST_LOCK_SECONDS) {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
        if entry.count >= FREE_FAILURES {
            let doublings = (entry.count - FREE_FAILURES).min(10);
            let seconds = (FIRST_LOCK_SECONDS << doublings).min(LONGEST_LOCK_SECONDS);
            entry.locked_until = Some(now + Duration::seconds(seconds));
        }
    }

    pub fn succeeded(&self, address: &str) {
        self.by_address.lock().unwrap_or_else(|e| e.into_inner()).remove(address);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn locks_after_the_free_failures_then_longer_each_time() {
        let t = LoginThrottle::default();
        let now = Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap();
        for _ in 0..FREE_FAILURES - 1 {
            t.failed("a@x.fr", now);
        }
        assert_eq!(t.locked_until("a@x.fr", now), None);
        t.failed("a@x.fr", now);
        assert_eq!(t.locked_until("a@x.fr", now), Some(now + Duration::seconds(60)));
        let later = now + Duration::seconds(61);
        assert_eq!(t.locked_until("a@x.fr", later), None, "the lock ends");
        t.failed("a@x.fr", later);
        assert_eq!(t.locked_until("a@x.fr", later), Some(later + Duration::seconds(120)), "twice as long");
        assert_eq!(t.locked_until("b@x.fr", later), None, "per address");
        t.succeeded("a@x.fr");
        assert_eq!(t.locked_until("a@x.fr", later), None);
    }

    #[test]
    fn a_long_quiet_spell_forgives() {
        let t = LoginThrottle::default();
        let now = Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap();
        for _ in 0..FREE_FAILURES - 1 {
            t.failed("a@x.fr", now);
        }
        let much_later = now + Duration::hours(1);
        t.failed("a@x.fr", much_later);
        assert_eq!(t.locked_until("a@x.fr", much_later), None);
    }
}
