//! Failed logins slow down password guessing without letting anyone lock a
//! real user out. Three counters, kept in the database so that every
//! instance shares them:
//! - a client address and an account together: five failures in a row lock
//!   that pair, one minute at first, twice as long at each further failure
//!   (15 minutes at most);
//! - an account, whatever the client: twenty failures lock it, likewise,
//!   but only against clients that have failed recently: a correct password
//!   from a client with no recent failure still gets in;
//! - a client across accounts: thirty failures lock the client, likewise,
//!   so that guesses spread over many accounts are slowed too.
//!
//! Unknown addresses count like known ones, so a lock tells nothing about
//! which accounts exist. A quiet quarter of an hour forgives a counter.

use crate::store::throttle::Counter;
use chrono::{DateTime, Duration, Utc};

const FIRST_LOCK_SECONDS: i64 = 60;
const LONGEST_LOCK_SECONDS: i64 = 15 * 60;
/// A counter whose last failure is older than this starts again.
pub const QUIET_SECONDS: i64 = LONGEST_LOCK_SECONDS;
/// Counters are forgotten a day after their last failure.
pub const FORGET_SECONDS: i64 = 24 * 3600;

/// What a counter guards, and how many failures it lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pair,
    Account,
    Client,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Pair, Kind::Account, Kind::Client];

    pub fn free_failures(self) -> i64 {
        match self {
            Kind::Pair => 5,
            Kind::Account => 20,
            Kind::Client => 30,
        }
    }

    /// The lock earned by the `failures`-th failure in a row, if any.
    pub fn lock_seconds(self, failures: i64) -> Option<i64> {
        let over = failures - self.free_failures();
        (over >= 0).then(|| (FIRST_LOCK_SECONDS << over.min(10)).min(LONGEST_LOCK_SECONDS))
    }
}

/// The counters' keys for one login attempt, in `Kind::ALL` order. The
/// account is the address trimmed and lower-cased, nothing more: two
/// addresses that differ only by a dot are two accounts.
pub fn keys(client: &str, email: &str) -> [String; 3] {
    let account = email.trim().to_lowercase();
    [format!("pair:{client}|{account}"), format!("account:{account}"), format!("client:{client}")]
}

/// When the attempt may be made, if it may not be made now. `counters` are
/// those of `keys` (missing ones have no failure).
pub fn locked_until(counters: &[(String, Counter)], keys: &[String; 3], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let now_us = crate::store::to_micros(now);
    let counter = |kind: Kind| {
        let key = &keys[Kind::ALL.iter().position(|k| *k == kind).expect("every kind has a key")];
        counters.iter().find(|(k, _)| k == key).map(|(_, c)| *c)
    };
    let active = |c: Option<Counter>| c.and_then(|c| c.locked_until).filter(|until| *until > now_us);
    let client = counter(Kind::Client);
    let recently_failed = client.is_some_and(|c| c.last_at > now_us - QUIET_SECONDS * 1_000_000);
    let mut locks = vec![active(counter(Kind::Pair)), active(client)];
    if recently_failed {
        locks.push(active(counter(Kind::Account)));
    }
    locks.into_iter().flatten().max().map(crate::store::from_micros)
}

/// The lock end of a key's new failure count, for the store.
pub fn lock_for(kind: Kind, failures: i64, now: DateTime<Utc>) -> Option<i64> {
    kind.lock_seconds(failures).map(|s| crate::store::to_micros(now + Duration::seconds(s)))
}
