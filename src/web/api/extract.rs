//! Extractors: the caller behind a bearer token, and JSON bodies whose
//! rejections use the API's error shape.

use crate::app::App;
use crate::engine::Actor;
use crate::web::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// The authenticated caller.
pub struct Caller {
    pub actor: Actor,
    pub token: String,
    /// Set when the caller is a machine holding an API token.
    pub api_token: Option<crate::store::api_tokens::TokenAccess>,
}

impl Caller {
    /// Refuses a machine: what changes an account (its password, its
    /// tokens) needs the person's own session.
    pub fn person(&self) -> Result<(), ApiError> {
        match self.api_token {
            Some(_) => Err(crate::app::AppError::from(crate::app::accounts::AuthError::SessionRequired).into()),
            None => Ok(()),
        }
    }
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Caller, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "missing bearer token"))?;
        if token.starts_with(crate::app::api_tokens::TOKEN_PREFIX) {
            let writes = !matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD);
            let (actor, access) = app.authenticate_api_token(&token, writes).await?;
            return Ok(Caller { actor, token, api_token: Some(access) });
        }
        let actor = app.authenticate(&token).await?;
        Ok(Caller { actor, token, api_token: None })
    }
}

/// A caller when a bearer token is sent (a bad one is still a 401), for
/// what anyone may do and a logged-in person does as themself.
impl axum::extract::OptionalFromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Option<Caller>, ApiError> {
        if parts.headers.get(axum::http::header::AUTHORIZATION).is_none() {
            return Ok(None);
        }
        <Caller as FromRequestParts<App>>::from_request_parts(parts, app).await.map(Some)
    }
}

/// A JSON body; malformed input is a 400 naming the field when it can.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Body<T>, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

fn json_error(rejection: JsonRejection) -> ApiError {
    let (status, code) = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            return ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON, sent with Content-Type: application/json",
            );
        }
        JsonRejection::BytesRejection(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        _ => (StatusCode::BAD_REQUEST, "malformed"),
    };
    let detail = rejection.body_text();
    // serde names the field in backquotes: "missing field `title`".
    let (field, message) = json_field(&detail);
    let mut error = ApiError::new(status, code, if message.is_empty() { detail.clone() } else { message.to_string() });
    error.field = field;
    error
}

/// The field a JSON rejection is about, and its message. axum's text is
/// "Failed to …: PATH: REASON" when a value has the wrong type (the path
/// from serde_path_to_error) and "Failed to …: missing field `NAME` …" at
/// the top level; the value sent is never taken for the field's name.
pub fn json_field(detail: &str) -> (Option<String>, &str) {
    let message = detail.split_once(": ").map_or("", |(_, m)| m);
    if let Some((path, reason)) = message.split_once(": ") {
        if !path.is_empty() && path != "." && !path.contains([' ', '`']) {
            return (Some(path.to_string()), reason);
        }
    }
    let named = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next())
        .map(str::to_string);
    (named, message)
}

/// Query parameters; one that cannot be read is a 400 naming it, in the
/// API's error shape (axum's own refusal is plain text).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Query<T>, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => {
                // "Failed to deserialize query string: days: number too large ..."
                let detail = rejection.body_text();
                let message = detail.split_once(": ").map_or(detail.as_str(), |(_, m)| m);
                let field = message.split_once(": ").map(|(f, _)| f).filter(|f| !f.contains(' '));
                let mut error = ApiError::new(StatusCode::BAD_REQUEST, "malformed", message);
                error.field = field.map(str::to_string);
                Err(error)
            }
        }
    }
}
