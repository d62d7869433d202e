//! When a failed delivery (an e-mail, a webhook) is tried again.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use std::time::Duration;

/// `base` × 2^(attempt−1), at most 6 hours, ±25 % jitter so that many
/// failures do not retry in step.
pub fn backoff(base: Duration, attempt: u32) -> chrono::Duration {
    let doubled = base.as_millis() as f64 * 2f64.powi(attempt.saturating_sub(1).min(20) as i32);
    let capped = doubled.min(6.0 * 3600.0 * 1000.0);
    let jitter = 0.75 + (OsRng.next_u32() as f64 / u32::MAX as f64) * 0.5;
    chrono::Duration::milliseconds((capped * jitter) as i64)
}
