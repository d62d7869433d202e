//! The `X-Labelflow-Signature` header: `t=UNIX-SECONDS,v1=HEX`, where HEX
//! is the HMAC-SHA256, keyed by the webhook's secret, of `UNIX-SECONDS`, a
//! dot and the body. The time inside the signed text lets a receiver refuse
//! an old request replayed (the replay window); the delivery id in the body
//! lets it drop a repeated one.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "X-Labelflow-Signature";
/// How old a signature a receiver should accept, as docs/WEBHOOKS.md says.
pub const REPLAY_WINDOW_SECONDS: i64 = 300;

fn mac(secret: &str, at: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(at.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header's value for `body` sent at `at` (Unix seconds).
pub fn sign(secret: &str, at: i64, body: &[u8]) -> String {
    format!("t={at},v1={}", hex::encode(mac(secret, at, body).finalize().into_bytes()))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is not `t=SECONDS,v1=HEX`")]
    Malformed,
    #[error("the signature was made {0} s away from now, outside the replay window")]
    Stale(i64),
    #[error("the signature does not match the body")]
    Mismatch,
}

/// What a receiver does: checks the header against the body, and that it
/// was made within `window` seconds of `now`. The comparison is in
/// constant time.
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, window: i64) -> Result<(), SignatureError> {
    let (mut at, mut v1) = (None, None);
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => at = t.parse::<i64>().ok(),
            Some(("v1", hex)) => v1 = hex::decode(hex).ok(),
            _ => {}
        }
    }
    let (Some(at), Some(v1)) = (at, v1) else {
        return Err(SignatureError::Malformed);
    };
    if (now - at).abs() > window {
        return Err(SignatureError::Stale(now - at));
    }
    mac(secret, at, body).verify_slice(&v1).map_err(|_| SignatureError::Mismatch)
}
