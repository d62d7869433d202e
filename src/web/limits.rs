//! How large a request body may be, per route, and the refusal of any
//! request that announces a larger one before a byte of it is read.
//!
//! `DefaultBodyLimit` alone stops reading once the limit is passed, which
//! still lets a client hold a connection while it trickles its first
//! megabytes; a declared `Content-Length` over the limit is answered 413 at
//! once and the connection closed.

use crate::web::error::ApiError;
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// JSON bodies of the API.
pub const JSON: usize = 256 * 1024;

/// A campus spreadsheet (some thousands of rows); the admin page sends it
/// inside a form, hence a margin there.
pub const IMPORT: usize = 4 * 1024 * 1024;
pub const IMPORT_FORM: usize = 3 * IMPORT;

/// One attachment and the multipart envelope around it.
pub const UPLOAD: usize = crate::app::files::MAX_SIZE + 64 * 1024;

/// Page forms: a few fields, a motivation, a self-assessment.
pub const FORM: usize = 256 * 1024;

/// The limit of the route `path` answers with `method`.
pub fn for_route(method: &Method, path: &str) -> usize {
    if *method != Method::POST && *method != Method::PUT && *method != Method::PATCH {
        return FORM;
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        ["", "api", "v1", "dossiers", _, "attachments"]
        | ["", "dossiers", _, "pieces"]
        | ["", "api", "v1", "guest", _, "files"]
        | ["", "avis", _] => UPLOAD,
        ["", "api", "v1", "admin", "import", "campuses"] => IMPORT,
        ["", "admin", "import"] => IMPORT_FORM,
        ["", "api", ..] => JSON,
        _ => FORM,
    }
}

/// Answers 413 when the declared length is over the route's limit.
pub async fn refuse_declared_oversize(request: Request, next: Next) -> Response {
    let limit = for_route(request.method(), request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => too_large(request.uri().path(), limit),
        _ => next.run(request).await,
    }
}

fn too_large(path: &str, limit: usize) -> Response {
    let size =
        if limit >= 1024 * 1024 { format!("{} MiB", limit / (1024 * 1024)) } else { format!("{} KiB", limit / 1024) };
    let mut response = if path.starts_with("/api/") {
        let mut error = ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than {size}"),
        );
        error.field = Some("body".into());
        error.into_response()
    } else {
        let page = format!(
            "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Envoi trop volumineux</title>\
             <h1>Envoi trop volumineux</h1><p>Ce formulaire accepte au plus {size}. Revenez en arrière et \
             envoyez un fichier plus petit.</p></html>"
        );
        (StatusCode::PAYLOAD_TOO_LARGE, Html(page)).into_response()
    };
    // The body was never read: the connection cannot be reused.
    response.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    response
}
