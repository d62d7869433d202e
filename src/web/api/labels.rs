use super::dossiers::EventInput;
use super::extract::{Body, Caller, Query};
use super::path_id;
use crate::app::{App, Outcome};
use crate::store::views::LabelView;
use crate::web::error::{ApiError, ErrorBody};
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

/// Besides these, a parameter named like a scope kind of the workflows'
/// forms (`KIND=CODE`) or an indexed form field (`FIELD=VALUE`) filters by
/// it; `GET /api/v1/workflows` describes both.
#[derive(Deserialize, IntoParams)]
#[allow(dead_code)] // read as a map; the struct documents the parameters
pub struct LabelQuery {
    /// Words that start words of the title, without regard to case or
    /// accents.
    pub q: Option<String>,
    /// active, renewal_open, renewed, expired, withdrawn.
    pub status: Option<String>,
    pub category: Option<String>,
    /// YYYY-MM-DD: labels whose last valid day is before it.
    pub expiring_before: Option<String>,
    /// `valid_until` (the first to end first, the default) or `title`.
    pub sort: Option<String>,
    /// Labels per page: 100 by default, 500 at most.
    pub limit: Option<i64>,
    /// Where the page starts: take it from the previous page's `Link`
    /// header.
    pub cursor: Option<String>,
}

/// Labels the caller may see, filtered by the parameters above and by
/// scope kinds and indexed form fields, a page at a time (the next page's
/// address in the `Link` header, `rel="next"`).
#[utoipa::path(get, path = "/api/v1/labels", tag = "labels", security(("bearer" = [])), params(LabelQuery),
    responses((status = 200, body = [LabelView],
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when another page follows"))),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    uri: axum::http::Uri,
    Query(all): Query<std::collections::BTreeMap<String, String>>,
) -> Result<axum::response::Response, ApiError> {
    let page = app.label_page(&caller.actor, &all).await?;
    Ok(super::paged(&uri, page))
}

#[utoipa::path(get, path = "/api/v1/labels/{id}", tag = "labels", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = LabelView), (status = 404, body = ErrorBody)))]
pub async fn read(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Result<Json<LabelView>, ApiError> {
    Ok(Json(app.label(&caller.actor, path_id(&id, "label")?).await?))
}

/// The label's audit trail (staff in scope, president, admin); `?format=csv` for a CSV file.
#[utoipa::path(get, path = "/api/v1/labels/{id}/audit", tag = "labels", security(("bearer" = [])),
    params(("id" = String, Path), super::dossiers::AuditQuery),
    responses((status = 200, content(([crate::store::audit::TrailEntry] = "application/json"), (String = "text/csv"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn audit(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    Query(params): Query<std::collections::BTreeMap<String, String>>,
) -> Result<axum::response::Response, ApiError> {
    let id = path_id(&id, "label")?;
    super::dossiers::trail_response(&app, &caller, crate::workflow::Machine::Label, id, &uri, &params).await
}

/// Act on a label (e.g. `withdraw` with a `reason`, by the president or an admin).
#[utoipa::path(post, path = "/api/v1/labels/{id}/events", tag = "labels", security(("bearer" = [])), request_body = EventInput,
    params(("id" = String, Path)),
    responses((status = 200, body = Outcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn event(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<EventInput>,
) -> Result<Json<Outcome>, ApiError> {
    Ok(Json(app.label_event(&caller.actor, path_id(&id, "label")?, input.into()).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `csv` (default) or `json`.
    pub format: Option<String>,
}

/// Every label the caller may see, for open-data publication; streamed.
/// Columns (CSV header, JSON keys): id, title, category, status, then the
/// form fields the workflows mark `export` (each with its words),
/// support_establishment, valid_from, valid_until, renewal_of, dossier_id.
#[utoipa::path(get, path = "/api/v1/labels/export", tag = "labels", security(("bearer" = [])), params(ExportQuery),
    responses((status = 200, content(([crate::app::export::LabelRecordOut] = "application/json"), (String = "text/csv"))),
        (status = 422, body = ErrorBody)))]
pub async fn export(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<ExportQuery>,
) -> Result<axum::response::Response, ApiError> {
    let format = crate::app::export::Format::parse(q.format.as_deref().unwrap_or("csv"))?;
    Ok(crate::web::export::labels(&app, &caller.actor, format))
}

#[derive(Deserialize, IntoParams)]
pub struct PublicationQuery {
    /// The calendar year whose labels are listed (validity starting from
    /// 1 January to 31 December); the current year when absent.
    pub year: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// The yearly list of the workflow's labels granted in a year, in the
/// sections its file declares (`publication` in `GET /api/v1/workflows`),
/// as far as the caller may see them: 404 for a workflow that publishes
/// none. CSV: one row per label, `section` and `section_label` first.
#[utoipa::path(get, path = "/api/v1/workflows/{id}/publication", tag = "labels", security(("bearer" = [])),
    params(("id" = String, Path), PublicationQuery),
    responses((status = 200, content((crate::app::export::PublicationOut = "application/json"), (String = "text/csv"))),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publication(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<PublicationQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let format = crate::app::export::Format::parse(q.format.as_deref().unwrap_or("json"))?;
    let year = match q.year.as_deref() {
        None => chrono::Datelike::year(&crate::calendar::paris_date(app.clock.now())),
        Some(text) => text.trim().parse().map_err(|_| {
            ApiError::from(crate::app::AppError::from(crate::engine::Refusal::invalid(
                "year",
                "must be a year such as 2026",
            )))
        })?,
    };
    let list = app.publication(&caller.actor, &id, year).await?;
    Ok(match format {
        crate::app::export::Format::Json => Json(list).into_response(),
        crate::app::export::Format::Csv => (
            [
                (axum::http::header::CONTENT_TYPE, format.content_type().to_string()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}-{year}.csv\"", list.workflow),
                ),
            ],
            list.to_csv(),
        )
            .into_response(),
    })
}

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Check and report without writing.
    pub dry_run: Option<bool>,
    /// The workflow whose labels the file lists (default: the primary one).
    pub workflow: Option<String>,
}

/// Import campuses from the campus CSV (request body, `text/csv`), admin:
/// 200 with what changed (or would change), 422 with every problem by
/// line and column and nothing written.
#[utoipa::path(post, path = "/api/v1/admin/import/campuses", tag = "labels", security(("bearer" = [])),
    params(ImportQuery), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = crate::app::import::ImportReport),
        (status = 422, body = crate::app::import::ImportReport), (status = 403, body = ErrorBody)))]
pub async fn import(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<(axum::http::StatusCode, Json<crate::app::import::ImportReport>), ApiError> {
    let csv = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("text/csv")));
    if !csv {
        return Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be the campus CSV file, sent with Content-Type: text/csv",
        ));
    }
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::from(crate::app::AppError::from(crate::engine::Refusal::invalid("body", "must be UTF-8 text")))
    })?;
    let report = app.import_campuses(&caller.actor, q.workflow.as_deref(), text, q.dry_run.unwrap_or(false)).await?;
    let status = if report.problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)))
}
