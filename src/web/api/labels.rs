use super::dossiers::EventInput;
use super::extract::{Body, Caller};
use super::path_id;
use crate::app::{App, Outcome};
use crate::store::labels::LabelFilter;
use crate::store::views::LabelView;
use crate::web::error::{ApiError, ErrorBody};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct LabelQuery {
    /// active, renewal_open, renewed, expired, withdrawn.
    pub status: Option<String>,
    pub region: Option<String>,
    pub academie: Option<String>,
    pub filiere: Option<String>,
    pub category: Option<String>,
    /// YYYY-MM-DD: labels whose last valid day is before it.
    pub expiring_before: Option<String>,
}

/// Labels the caller may see, filtered.
#[utoipa::path(get, path = "/api/v1/labels", tag = "labels", security(("bearer" = [])), params(LabelQuery),
    responses((status = 200, body = [LabelView]), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<LabelQuery>,
) -> Result<Json<Vec<LabelView>>, ApiError> {
    let filter = LabelFilter {
        status: q.status,
        region: q.region,
        academie: q.academie,
        filiere: q.filiere,
        category: q.category,
        expiring_before: q.expiring_before,
    };
    Ok(Json(app.labels(&caller.actor, &filter).await?))
}

#[utoipa::path(get, path = "/api/v1/labels/{id}", tag = "labels", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = LabelView), (status = 404, body = ErrorBody)))]
pub async fn read(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Result<Json<LabelView>, ApiError> {
    Ok(Json(app.label(&caller.actor, path_id(&id, "label")?).await?))
}

/// The label's audit trail (staff in scope, president, admin); `?format=csv` for a CSV file.
#[utoipa::path(get, path = "/api/v1/labels/{id}/audit", tag = "labels", security(("bearer" = [])),
    params(("id" = String, Path), super::dossiers::AuditQuery),
    responses((status = 200, body = [crate::store::audit::TrailEntry]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn audit(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<super::dossiers::AuditQuery>,
) -> Result<axum::response::Response, ApiError> {
    let id = path_id(&id, "label")?;
    super::dossiers::trail_response(app.label_audit(&caller.actor, id).await?, q.format.as_deref(), &id.to_string())
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
