use super::extract::{Body, Caller, Query};
use super::path_id;
use crate::app::dossiers::{CampaignInput, DossierInput, DossierPatch};
use crate::app::{App, Outcome};
use crate::engine::Event;
use crate::reference;
use crate::store::audit::TrailEntry;
use crate::store::views::*;
use crate::web::error::{ApiError, ErrorBody};
use crate::workflow::Criterion;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A reference list, by the name its file under `workflows/reference/`
/// gives it (`GET /api/v1/workflows` names those each form uses).
#[utoipa::path(get, path = "/api/v1/reference/{list}", tag = "reference",
    params(("list" = String, Path, description = "a list's name, e.g. regions")),
    responses((status = 200, description = "[{code, label}], and the parent's code under the list's key when it has a parent list"),
        (status = 404, body = ErrorBody)))]
pub async fn reference(Path(list): Path<String>) -> Result<Json<Value>, ApiError> {
    let list = reference::lists().get(&list).ok_or_else(|| ApiError::not_found("reference list"))?;
    Ok(Json(list.to_json()))
}

/// Calls for projects.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = [CampaignView]), (status = 401, body = ErrorBody)))]
pub async fn campaigns(State(app): State<App>, caller: Caller) -> Result<Json<Vec<CampaignView>>, ApiError> {
    let mut campaigns = app.store.campaigns().await?;
    campaigns.retain(|c| caller.actor.acts_in(&c.workflow));
    Ok(Json(campaigns))
}

/// Open a call for projects (admin).
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])), request_body = CampaignInput,
    responses((status = 201, body = CampaignView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_campaign(
    State(app): State<App>,
    caller: Caller,
    Body(input): Body<CampaignInput>,
) -> Result<(StatusCode, Json<CampaignView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.create_campaign(&caller.actor, &input).await?)))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody)))]
pub async fn campaign(
    State(app): State<App>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    Ok(Json(app.store.campaign_view(path_id(&id, "campaign")?).await?))
}

/// The criteria grid of a call: code, label, score range, thresholds, descriptor.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/criteria", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = [Criterion]), (status = 404, body = ErrorBody)))]
pub async fn criteria(
    State(app): State<App>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Criterion>>, ApiError> {
    let campaign = app.store.campaign_view(path_id(&id, "campaign")?).await?;
    let grid = app
        .workflows
        .at(&campaign.workflow, campaign.workflow_version.as_deref())
        .map(|w| &w.grid)
        .filter(|g| g.id == campaign.criteria);
    let grid = grid.ok_or_else(|| ApiError::not_found("criteria grid"))?;
    Ok(Json(grid.criteria.clone()))
}

/// Besides these, a parameter named like a scope kind of the workflows'
/// forms (`region=ARA`) or an indexed form field filters by it; `GET /api/v1/workflows` describes both.
#[derive(Deserialize, IntoParams)]
#[allow(dead_code)] // read as a map; the struct documents the parameters
pub struct DossierQuery {
    /// Words that start words of the title, without regard to case or
    /// accents (`aero` finds « Aéronautique »).
    pub q: Option<String>,
    pub state: Option<String>,
    pub campaign_id: Option<String>,
    /// `updated` (latest change first, the default) or `title`.
    pub sort: Option<String>,
    /// Dossiers per page: 100 by default, 500 at most.
    pub limit: Option<i64>,
    /// Where the page starts: take it from the previous page's `Link`
    /// header, never build it.
    pub cursor: Option<String>,
}

/// Dossiers the caller may see, a page at a time: when there are more, the
/// `Link` header (RFC 8288) gives the next page's address, `rel="next"`.
#[utoipa::path(get, path = "/api/v1/dossiers", tag = "dossiers", security(("bearer" = [])), params(DossierQuery),
    responses((status = 200, body = [DossierSummary],
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when another page follows"))),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    uri: axum::http::Uri,
    Query(params): Query<std::collections::BTreeMap<String, String>>,
) -> Result<axum::response::Response, ApiError> {
    let page = app.dossier_page(&caller.actor, &params).await?;
    Ok(super::paged(&uri, page))
}

/// Create a draft dossier (a dossier owner's role); the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers", security(("bearer" = [])), request_body = DossierInput,
    responses((status = 201, body = DossierView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Body(input): Body<DossierInput>,
) -> Result<(StatusCode, Json<DossierView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.create_dossier_for(&caller.actor, &input).await?)))
}

#[utoipa::path(get, path = "/api/v1/dossiers/{id}", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = DossierView), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DossierView>, ApiError> {
    Ok(Json(app.dossier(&caller.actor, path_id(&id, "dossier")?).await?))
}

/// Update draft fields (owners, in editable states). Send `version` to be told (409) when someone else changed it first.
#[utoipa::path(patch, path = "/api/v1/dossiers/{id}", tag = "dossiers", security(("bearer" = [])), request_body = DossierPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = DossierView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(patch): Body<DossierPatch>,
) -> Result<Json<DossierView>, ApiError> {
    Ok(Json(app.update_dossier(&caller.actor, path_id(&id, "dossier")?, &patch).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PartnerInput {
    pub name: String,
    /// A partner type code or label (see /api/v1/reference/partner-types).
    #[serde(rename = "type")]
    pub kind: String,
}

#[utoipa::path(post, path = "/api/v1/dossiers/{id}/partners", tag = "dossiers", security(("bearer" = [])), request_body = PartnerInput,
    params(("id" = String, Path)),
    responses((status = 201, body = PartnerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_partner(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<PartnerInput>,
) -> Result<(StatusCode, Json<PartnerView>), ApiError> {
    let partner = app.add_partner(&caller.actor, path_id(&id, "dossier")?, &input.name, &input.kind).await?;
    Ok((StatusCode::CREATED, Json(partner)))
}

#[utoipa::path(delete, path = "/api/v1/dossiers/{id}/partners/{partner}", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path), ("partner" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_partner(
    State(app): State<App>,
    caller: Caller,
    Path((id, partner)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.remove_partner(&caller.actor, path_id(&id, "dossier")?, path_id(&partner, "partner")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Self-assessment text per criterion code; an empty text removes it.
#[utoipa::path(put, path = "/api/v1/dossiers/{id}/self-assessment", tag = "dossiers", security(("bearer" = [])),
    request_body = BTreeMap<String, String>, params(("id" = String, Path)),
    responses((status = 200, body = DossierView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn self_assessment(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(texts): Body<BTreeMap<String, String>>,
) -> Result<Json<DossierView>, ApiError> {
    Ok(Json(app.set_self_assessment(&caller.actor, path_id(&id, "dossier")?, &texts).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct UploadQuery {
    /// File name shown to users.
    pub name: String,
    /// One of the attachment kinds of the dossier's form (`GET
    /// /api/v1/workflows`); the first it declares when absent.
    pub kind: Option<String>,
}

/// Upload a file as the raw request body with its Content-Type (PDF, PNG, JPEG, ODT, ODS, DOCX, XLSX; 20 MiB at most).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/attachments", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path), UploadQuery), request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 201, body = AttachmentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<AttachmentView>), ApiError> {
    let id = path_id(&id, "dossier")?;
    let body = body.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the file is larger than 20 MiB")
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let view = app.add_attachment(&caller.actor, id, q.kind.as_deref(), &q.name, content_type, &body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize, IntoParams)]
pub struct ReplaceQuery {
    /// The new file's name.
    pub name: String,
}

/// Put another file in an attachment's place (same id and kind), as an
/// upload is checked; while the caller may attach files to its dossier.
/// The former file stays stored, named by the audit trail.
#[utoipa::path(put, path = "/api/v1/attachments/{id}", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path), ReplaceQuery), request_body(content = String, content_type = "application/pdf"),
    responses((status = 200, body = AttachmentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace_attachment(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<ReplaceQuery>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<AttachmentView>, ApiError> {
    let id = path_id(&id, "attachment")?;
    let body = body.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the file is larger than 20 MiB")
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    Ok(Json(app.replace_attachment(&caller.actor, id, &q.name, content_type, &body).await?))
}

/// Take an attachment off its dossier, while the caller may attach files
/// to it; the file stays stored, named by the audit trail.
#[utoipa::path(delete, path = "/api/v1/attachments/{id}", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_attachment(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.remove_attachment(&caller.actor, path_id(&id, "attachment")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Download an attachment of a dossier the caller may see.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn download(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let (view, bytes) = app.attachment(&caller.actor, path_id(&id, "attachment")?).await?;
    Ok(crate::web::documents::attachment_response(&view.file_name, &view.content_type, bytes))
}

/// `{"event": NAME, "version"?: N, ...fields}`; fields per event in the workflow.
#[derive(Deserialize, ToSchema)]
pub struct EventInput {
    pub event: String,
    pub version: Option<i64>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
}

impl From<EventInput> for Event {
    fn from(input: EventInput) -> Event {
        Event { name: input.event, data: input.data, expected_version: input.version, subject: None }
    }
}

/// Act on a dossier: 200 with the new state; 403 not allowed; 409 stale version or wrong state; 422 a rule not met.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/events", tag = "dossiers", security(("bearer" = [])), request_body = EventInput,
    params(("id" = String, Path)),
    responses((status = 200, body = Outcome), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn event(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<EventInput>,
) -> Result<Json<Outcome>, ApiError> {
    Ok(Json(app.dossier_event(&caller.actor, path_id(&id, "dossier")?, input.into()).await?))
}

/// The reviews the caller may see: the national level all; a reviewer all once theirs is in; owners and staff anonymised after the decision.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/reviews", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = [ReviewView]), (status = 404, body = ErrorBody)))]
pub async fn reviews(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ReviewView>>, ApiError> {
    Ok(Json(app.reviews(&caller.actor, path_id(&id, "dossier")?).await?))
}

/// The dossier's message thread, oldest first (its owners and its staff;
/// its reviewers when the workflow says so); reading it marks it read.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/messages", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = [crate::store::messages::MessageView]), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn messages(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<crate::store::messages::MessageView>>, ApiError> {
    Ok(Json(app.messages(&caller.actor, path_id(&id, "dossier")?).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct MessageInput {
    /// The message, 1 to 5,000 characters.
    pub body: String,
    /// A note among the staff (theirs only), never shown to the owners; it
    /// e-mails only the people it mentions as `@name@domain`.
    #[serde(default)]
    pub private: bool,
}

#[derive(serde::Serialize, ToSchema)]
pub struct MessagePosted {
    pub id: String,
}

/// Write in the dossier's thread (its owners, or its staff): the other side
/// is e-mailed, and the thread awaits its answer.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/messages", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = MessageInput,
    responses((status = 201, body = MessagePosted), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post_message(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<MessageInput>,
) -> Result<(StatusCode, Json<MessagePosted>), ApiError> {
    let posted = app.post_message(&caller.actor, path_id(&id, "dossier")?, &input.body, input.private).await?;
    Ok((StatusCode::CREATED, Json(MessagePosted { id: posted.to_string() })))
}

#[derive(Deserialize, IntoParams)]
#[allow(dead_code)] // read as a map; the struct documents the parameters
pub struct AuditQuery {
    /// `json` (default: a page of entries, the next page's address in the
    /// `Link` header) or `csv` (the whole trail).
    pub format: Option<String>,
    /// That step's entries only (an event of the workflow, or `create`,
    /// `update`, …).
    pub action: Option<String>,
    /// Entries per page: 100 by default, 500 at most.
    pub limit: Option<i64>,
    /// Where the page starts: take it from the previous page's `Link`
    /// header, never build it.
    pub cursor: Option<String>,
}

/// A page of an audit trail as JSON, or the whole trail as CSV with
/// `?format=csv`.
pub(crate) async fn trail_response(
    app: &App,
    caller: &Caller,
    machine: crate::workflow::Machine,
    id: uuid::Uuid,
    uri: &axum::http::Uri,
    params: &std::collections::BTreeMap<String, String>,
) -> Result<Response, ApiError> {
    match params.get("format").map(String::as_str).unwrap_or("json") {
        "json" => Ok(super::paged(uri, app.audit_page(&caller.actor, machine, id, params).await?)),
        "csv" => {
            let trail = match machine {
                crate::workflow::Machine::Dossier => app.dossier_audit(&caller.actor, id, None, 0, i64::MAX).await?,
                crate::workflow::Machine::Label => app.label_audit(&caller.actor, id, None, 0, i64::MAX).await?,
            };
            let body = crate::store::audit::trail_csv(&trail)
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "export_failed", e.to_string()))?;
            let disposition = format!("attachment; filename=\"audit-{id}.csv\"");
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                body,
            )
                .into_response())
        }
        _ => Err(crate::engine::Refusal::invalid("format", "must be json or csv").into()),
    }
}

/// The dossier's audit trail (staff in scope, president, admin); `?format=csv` for a CSV file.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/audit", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path), AuditQuery),
    responses((status = 200, content(([TrailEntry] = "application/json"), (String = "text/csv"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn audit(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    Query(params): Query<std::collections::BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "dossier")?;
    trail_response(&app, &caller, crate::workflow::Machine::Dossier, id, &uri, &params).await
}

#[derive(Deserialize, ToSchema)]
pub struct BulkInput {
    /// The dossiers to act on (1 to 200).
    pub dossier_ids: Vec<String>,
    /// The event and its data, as for `POST /dossiers/{id}/events`
    /// (e.g. `assign_reviewer` with `user_id` and `due`, `remind_owners`
    /// with `message`); each dossier is taken at its current version.
    pub event: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
}

/// What happened to one dossier of a bulk action.
#[derive(serde::Serialize, ToSchema)]
pub struct BulkResult {
    pub dossier_id: String,
    /// The HTTP status the same action alone would have had.
    pub status: u16,
    pub state: Option<String>,
    pub version: Option<i64>,
    pub error: Option<super::super::error::ErrorDetail>,
}

/// Send one event to many dossiers, each succeeding or failing on its own.
#[utoipa::path(post, path = "/api/v1/bulk/dossier-events", tag = "dossiers", security(("bearer" = [])),
    request_body = BulkInput,
    responses((status = 200, body = [BulkResult]), (status = 422, body = ErrorBody)))]
pub async fn bulk_event(
    State(app): State<App>,
    caller: Caller,
    Body(input): Body<BulkInput>,
) -> Result<Json<Vec<BulkResult>>, ApiError> {
    let limit = crate::app::BULK_LIMIT;
    if input.dossier_ids.is_empty() || input.dossier_ids.len() > limit {
        let refusal = crate::engine::Refusal::invalid("dossier_ids", format!("must name 1 to {limit} dossiers"));
        return Err(crate::app::AppError::from(refusal).into());
    }
    let mut results = Vec::new();
    let mut ids = Vec::new();
    for text in &input.dossier_ids {
        match uuid::Uuid::parse_str(text) {
            Ok(id) => ids.push(id),
            Err(_) => results.push(failed(text, ApiError::not_found("dossier"))),
        }
    }
    let event = Event { name: input.event, data: input.data, expected_version: None, subject: None };
    if !ids.is_empty() {
        for item in app.bulk_dossier_event(&caller.actor, &ids, &event).await? {
            results.push(match item.result {
                Ok(outcome) => BulkResult {
                    dossier_id: item.dossier_id.to_string(),
                    status: 200,
                    state: Some(outcome.state),
                    version: Some(outcome.version),
                    error: None,
                },
                Err(e) => failed(&item.dossier_id.to_string(), e.into()),
            });
        }
    }
    // Answers in the order the ids were given.
    results.sort_by_key(|r| input.dossier_ids.iter().position(|id| *id == r.dossier_id));
    Ok(Json(results))
}

fn failed(id: &str, e: ApiError) -> BulkResult {
    BulkResult {
        dossier_id: id.to_string(),
        status: e.status.as_u16(),
        state: None,
        version: None,
        error: Some(e.detail()),
    }
}
