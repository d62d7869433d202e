//! Waiting on work done by another process: a wait fails when nothing has
//! moved for a while, never because a machine-dependent amount of work
//! took longer than a fixed time.

use std::time::{Duration, Instant};

/// How long a wait tolerates no progress at all.
pub const QUIET: Duration = Duration::from_secs(60);

pub struct Progress {
    what: String,
    last: Option<i64>,
    since: Instant,
    quiet: Duration,
}

impl Progress {
    pub fn new(what: impl Into<String>) -> Progress {
        Progress { what: what.into(), last: None, since: Instant::now(), quiet: QUIET }
    }

    /// Tolerates `quiet` without progress: longer where the work may rightly
    /// pause (e-mails leased by a killed server wait for their lease).
    pub fn with_quiet(mut self, quiet: Duration) -> Progress {
        self.quiet = quiet;
        self
    }

    /// Records what is left to do; panics once it has not gone down for
    /// `QUIET`.
    pub fn left(&mut self, n: i64) {
        assert!(!self.stalled(n), "{}: {n} left, and none done in the last {} s", self.what, self.quiet.as_secs());
    }

    /// Records what is left to do; true once it has not gone down for
    /// `QUIET`.
    pub fn stalled(&mut self, n: i64) -> bool {
        if self.last.is_none_or(|last| n < last) {
            self.last = Some(n);
            self.since = Instant::now();
        }
        self.since.elapsed() >= self.quiet
    }
}
