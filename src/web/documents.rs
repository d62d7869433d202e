//! Decision documents over HTTP: the kept PDF of a decision, its preview,
//! and the list of a dossier's documents.

use super::api::dossiers::EventInput;
use super::api::extract::{Body, Caller};
use super::api::path_id;
use super::error::ApiError;
use crate::app::App;
use crate::store::documents::DocumentView;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// A kept file to save under its name (an attachment, a file joined to
/// an answer), never rendered as the type it claims.
pub fn attachment_response(file_name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", file_name.replace(['"', '\\'], "_"));
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A PDF to read in the browser (or save under `file_name`). A kept
/// document says its SHA-256, the one its audit trail holds.
pub fn pdf_response(file_name: &str, pdf: Vec<u8>, sha256: Option<&str>) -> Response {
    let disposition = format!("inline; filename=\"{}\"", file_name.replace(['"', '\\'], "_"));
    let mut response = (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, no-cache".to_string()),
        ],
        pdf,
    )
        .into_response();
    if let Some(sha) = sha256 {
        let headers = response.headers_mut();
        if let Ok(v) = header::HeaderValue::from_str(&format!("\"{sha}\"")) {
            headers.insert(header::ETAG, v);
        }
        if let Ok(v) = header::HeaderValue::from_str(sha) {
            headers.insert(header::HeaderName::from_static("x-content-sha256"), v);
        }
    }
    response
}

/// The document of the dossier's decision as kept when the decision was
/// recorded (`X-Content-SHA256` is the hash its audit trail holds), for
/// whoever sees the dossier; 404 before the decision, or when the
/// workflow issues no document for its outcome.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/decision.pdf", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "the PDF", content_type = "application/pdf"), (status = 404, body = super::error::ErrorBody)))]
pub async fn decision_pdf(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let kept = app.decision_document(&caller.actor, path_id(&id, "dossier")?).await?;
    Ok(pdf_response(&kept.file_name, kept.content, Some(&kept.sha256)))
}

/// The document a decision would issue, recording nothing: the body is the
/// decision's event as for `POST /api/v1/dossiers/{id}/events`, checked
/// the same way (403, 409, 422 as deciding would answer).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/decision-preview", tag = "dossiers", security(("bearer" = [])),
    request_body = EventInput, params(("id" = String, Path)),
    responses((status = 200, description = "the PDF, marked as a preview", content_type = "application/pdf"),
        (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody),
        (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn decision_preview(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<EventInput>,
) -> Result<Response, ApiError> {
    let made = app.preview_decision(&caller.actor, path_id(&id, "dossier")?, input.into()).await?;
    Ok(pdf_response(&made.file_name, made.pdf, None))
}

/// The documents the dossier's decisions issued, newest first.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/documents", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = [DocumentView]), (status = 404, body = super::error::ErrorBody)))]
pub async fn documents(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<DocumentView>>, ApiError> {
    Ok(Json(app.decision_documents(&caller.actor, path_id(&id, "dossier")?).await?))
}
