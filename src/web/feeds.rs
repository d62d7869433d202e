//! Calendar feed addresses: made, replaced and revoked by their owner
//! (API and pages), read by calendar programs without a login.

use crate::app::{App, AppError};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// The site's base address: `--public-url`, else the address `serve`
/// listens on. Never the request's `Host` header, which the client chooses:
/// a forged one would hand out a secret address on someone else's site.
pub fn base_url(app: &App) -> String {
    app.public_url.trim_end_matches('/').to_string()
}

pub fn feed_url(base: &str, token: &str) -> String {
    format!("{base}/ical/{token}.ics")
}

/// `GET /ical/{token}.ics`: an unknown or revoked address is not found.
pub async fn feed(State(app): State<App>, Path(file): Path<String>) -> Response {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let base = base_url(&app);
    match app.calendar_feed(token, &base).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
                (header::CONTENT_DISPOSITION, "inline; filename=\"labelflow.ics\""),
            ],
            text,
        )
            .into_response(),
        Err(AppError::Auth(_)) => (StatusCode::NOT_FOUND, "Calendrier introuvable ou révoqué.").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "calendar feed failed");
            (StatusCode::SERVICE_UNAVAILABLE, "Calendrier momentanément indisponible.").into_response()
        }
    }
}
