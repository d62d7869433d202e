//! The API's error shape: `{"error": {"code", "message", "field"?}}`.

use crate::app::AppError;
use crate::engine::Refusal;
use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`, `stale_version`, `conflict_of_interest`.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The input field at fault, when there is one (the first, when there
    /// are several).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every input error when there are several (`field` and `message`
    /// are the first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// The request's id (also its `X-Request-Id` header), to quote when
    /// reporting the error: the server's log lines carry it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    /// Seconds before trying again (429), sent as `Retry-After`.
    pub retry_after: Option<i64>,
    pub errors: Vec<FieldProblem>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError { status, code: code.into(), message: message.into(), field: None, retry_after: None, errors: vec![] }
    }

    /// The error as its JSON body says it.
    pub fn detail(self) -> ErrorDetail {
        ErrorDetail {
            code: self.code,
            message: self.message,
            field: self.field,
            errors: self.errors,
            request_id: super::observe::current_request_id(),
        }
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let retry_after = self.retry_after;
        let mut response = (status, Json(ErrorBody { error: self.detail() })).into_response();
        if let Some(v) = retry_after.and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok()) {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::Refused(r) => r.into(),
            AppError::Store(s) => s.into(),
            AppError::Document(d) => {
                tracing::error!(error = %d, "a document could not be made");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "document_failed", d.to_string())
            }
            AppError::Auth(a) => {
                use crate::app::accounts::AuthError;
                let (status, code) = match a {
                    AuthError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
                    AuthError::InvalidToken => (StatusCode::UNAUTHORIZED, "unauthorized"),
                    AuthError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
                    AuthError::UnknownLink | AuthError::UnknownInvitation => (StatusCode::NOT_FOUND, "not_found"),
                    AuthError::SpentLink | AuthError::SpentInvitation => (StatusCode::GONE, "link_spent"),
                    AuthError::ReadOnlyToken => (StatusCode::FORBIDDEN, "read_only_token"),
                    AuthError::SessionRequired => (StatusCode::FORBIDDEN, "session_required"),
                };
                let retry_after = match a {
                    AuthError::Throttled { seconds } => Some(seconds),
                    _ => None,
                };
                ApiError { retry_after, ..ApiError::new(status, code, a.to_string()) }
            }
            AppError::SignOn(r) => {
                let (status, code) = sign_on_status(&r);
                ApiError::new(status, code, r.to_string())
            }
        }
    }
}

/// The status and code of a refused sign-in.
pub fn sign_on_status(r: &crate::app::sign_on::SignOnRefusal) -> (StatusCode, &'static str) {
    use crate::app::sign_on::SignOnRefusal;
    use crate::sign_on::SignOnError;
    match r {
        SignOnRefusal::Off => (StatusCode::NOT_FOUND, "not_found"),
        SignOnRefusal::UnknownState => (StatusCode::BAD_REQUEST, "sign_on_state"),
        SignOnRefusal::Provider(SignOnError::Provider(_)) => (StatusCode::BAD_GATEWAY, "sign_on_provider"),
        SignOnRefusal::Provider(SignOnError::Refused(_) | SignOnError::Token(_) | SignOnError::NoEmail) => {
            (StatusCode::UNAUTHORIZED, "sign_on_refused")
        }
        SignOnRefusal::Provider(SignOnError::Level { .. }) => (StatusCode::FORBIDDEN, "sign_on_level"),
        SignOnRefusal::Deactivated | SignOnRefusal::NoAccount { .. } => (StatusCode::FORBIDDEN, "sign_on_no_account"),
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> ApiError {
        let status = match &r {
            Refusal::NotAllowed { .. } => StatusCode::FORBIDDEN,
            Refusal::WrongState { .. } | Refusal::StaleVersion { .. } => StatusCode::CONFLICT,
            Refusal::GuardFailed { .. } | Refusal::InvalidInput { .. } | Refusal::InvalidInputs { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
        };
        let problems = r.input_errors();
        let field = problems.first().map(|(f, _)| f.clone());
        let message = match problems.first() {
            Some((_, reason)) => reason.clone(),
            None => r.to_string(),
        };
        let errors = match &r {
            Refusal::InvalidInputs { .. } => {
                problems.into_iter().map(|(field, message)| FieldProblem { field, message }).collect()
            }
            _ => vec![],
        };
        ApiError { status, code: r.code().to_string(), message, field, retry_after: None, errors }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound { what } => ApiError::not_found(what),
            StoreError::Conflict { .. } => ApiError::new(StatusCode::CONFLICT, "stale_version", e.to_string()),
            StoreError::Invalid(message) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message),
            other => {
                // Database details stay in the log, not in the response.
                tracing::error!(error = %other, "store failure");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the service is temporarily unavailable")
            }
        }
    }
}
