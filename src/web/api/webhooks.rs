//! Webhooks, for administrators: register, list, delete, and follow their
//! deliveries (docs/WEBHOOKS.md says how a receiver checks them).

use super::extract::{Body, Caller};
use super::path_id;
use crate::app::webhooks::WebhookRequest;
use crate::app::App;
use crate::store::webhooks::{DeliveryView, WebhookView};
use crate::web::error::{ApiError, ErrorBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// A new webhook, and its signing secret: shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewWebhook {
    /// The key of the HMAC-SHA256 in `X-Labelflow-Signature`.
    pub secret: String,
    #[serde(flatten)]
    pub details: WebhookView,
}

/// Register a webhook: the address is posted each step of the kinds it
/// names, signed (admin).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    request_body = WebhookRequest,
    responses((status = 201, body = NewWebhook), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Body(input): Body<WebhookRequest>,
) -> Result<(StatusCode, Json<NewWebhook>), ApiError> {
    let (details, secret) = app.create_webhook(&caller.actor, &input).await?;
    Ok((StatusCode::CREATED, Json(NewWebhook { secret, details })))
}

/// Every webhook, live ones first, with its deliveries pending and dead
/// (admin); never a secret.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = [WebhookView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(app): State<App>, caller: Caller) -> Result<Json<Vec<WebhookView>>, ApiError> {
    Ok(Json(app.webhooks(&caller.actor).await?))
}

/// Delete a webhook: it hears of nothing more, and its pending deliveries
/// are cancelled (admin).
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the webhook's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    app.delete_webhook(&caller.actor, path_id(&id, "webhook")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[allow(dead_code)] // read as a map; the struct documents the parameters
pub struct DeliveriesQuery {
    /// pending, delivered, dead or cancelled.
    pub status: Option<String>,
    /// Deliveries per page: 100 by default, 500 at most.
    pub limit: Option<i64>,
    /// Where the page starts: take it from the previous page's `Link`
    /// header, never build it.
    pub cursor: Option<String>,
}

/// A webhook's deliveries, newest first, with their attempts and last
/// error, a page at a time (`Link` header, `rel="next"`) (admin).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the webhook's id"), DeliveriesQuery),
    responses((status = 200, body = [DeliveryView],
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when another page follows"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn deliveries(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    axum::extract::Query(params): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Result<axum::response::Response, ApiError> {
    let id = path_id(&id, "webhook")?;
    Ok(super::paged(&uri, app.webhook_delivery_page(&caller.actor, id, &params).await?))
}

/// Post a dead delivery again, with fresh attempts and the same id (admin).
#[utoipa::path(post, path = "/api/v1/webhooks/deliveries/{id}/retry", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "the delivery's id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn retry(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    app.retry_delivery(&caller.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
