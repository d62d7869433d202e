//! Every request gets an id, a span its log lines carry, and its count and
//! time in the metrics. The id comes from the caller's `X-Request-Id` when
//! it is a plausible one (a proxy's), else it is made here; it is sent
//! back on the answer and written into error bodies, so that a person
//! quoting an error leads the operator to its log lines.

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request being answered, inside its handling.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(|id| id.clone()).ok()
}

/// An id taken from a caller: short, and of characters that cannot forge a
/// log line or a header.
fn acceptable(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

pub async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let method = request.method().as_str().to_string();
    // Matched routes are named by their template; anything else is one
    // series, whatever was asked for.
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_string();
    let span = tracing::info_span!("request", request_id = %id, %method, %route);
    let mut response = CURRENT.scope(id.clone(), next.run(request).instrument(span.clone())).await;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    crate::metrics::request(&method, &route, status, seconds);
    span.in_scope(|| tracing::debug!(status, ms = seconds * 1000.0, "answered"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    response
}
