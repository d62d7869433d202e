//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "labelflow API", description = "Labellisation workflows: calls, dossiers, reviews, decisions, labels."),
    paths(super::healthz, super::workflow_summary, document),
    components(schemas(super::error::ErrorBody, super::error::ErrorDetail, super::Health, super::WorkflowSummary, super::StateSummary)),
    tags((name = "health"), (name = "workflows"), (name = "meta"))
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
