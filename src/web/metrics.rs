//! `/metrics`: Prometheus' text format. On the main address it answers
//! only a caller holding the metrics token (`--metrics-token`); without a
//! token configured it does not exist there. `--metrics-bind` serves it
//! alone on another address, for a scraper on a private network.

use super::error::ApiError;
use crate::app::App;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The metrics, for the main address: token required.
pub async fn guarded(State(app): State<App>, headers: HeaderMap) -> Result<Response, ApiError> {
    let Some(expected) = app.metrics_token.as_deref() else {
        return Err(ApiError::not_found("resource"));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::web::pages::session::same_token(given, expected) {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "the metrics token is missing or wrong"));
    }
    open(State(app)).await
}

/// The metrics, for the metrics-only address.
pub async fn open(State(app): State<App>) -> Result<Response, ApiError> {
    let snapshot = app.store.gauges(app.clock.now()).await?;
    Ok(([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], crate::metrics::render(&snapshot)).into_response())
}

/// The router of `--metrics-bind`: `/metrics` and nothing else.
pub fn router(app: App) -> Router {
    Router::new().route("/metrics", get(open)).with_state(app)
}
