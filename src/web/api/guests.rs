//! Outside experts by link: staff invite, list and revoke on a dossier;
//! the link's holder, who has no account, reads and answers with the
//! link's token in the path.

use super::extract::{Body, Caller, Query};
use super::path_id;
use crate::app::guests::{GuestAnswer, GuestPage, NewGuest};
use crate::app::App;
use crate::store::guests::{GuestFileView, InvitationView};
use crate::web::error::{ApiError, ErrorBody};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

/// Invite an outside expert to give an opinion on the dossier by a link
/// (an inviter of the workflow's `[guests]`, in the dossier's scope, while
/// the answer's step is open to guests): the link goes by e-mail, single
/// use, until the deadline; a reminder goes before it.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/invitations", tag = "guests", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NewGuest,
    responses((status = 201, body = InvitationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invite(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(new): Body<NewGuest>,
) -> Result<(StatusCode, Json<InvitationView>), ApiError> {
    let view = app.invite_guest(&caller.actor, path_id(&id, "dossier")?, &new).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The dossier's invitations, newest first: all of them for its staff and
/// the national level; those not confidential, without the expert's
/// address, for its owners; none for its reviewers (403).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/invitations", tag = "guests", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = [InvitationView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<InvitationView>>, ApiError> {
    Ok(Json(app.invitations(&caller.actor, path_id(&id, "dossier")?).await?))
}

/// Revoke an open invitation: its link stops working and its reminder is
/// not sent (409 once answered, revoked or expired).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/invitations/{invitation}/revoke", tag = "guests",
    security(("bearer" = [])), params(("id" = String, Path), ("invitation" = String, Path)),
    responses((status = 200, body = InvitationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn revoke(
    State(app): State<App>,
    caller: Caller,
    Path((id, invitation)): Path<(String, String)>,
) -> Result<Json<InvitationView>, ApiError> {
    let (id, invitation) = (path_id(&id, "dossier")?, path_id(&invitation, "invitation")?);
    Ok(Json(app.revoke_guest(&caller.actor, id, invitation).await?))
}

/// Download a file joined to an answer (whoever reads the invitation).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/invitations/{invitation}/files/{file}", tag = "guests",
    security(("bearer" = [])),
    params(("id" = String, Path), ("invitation" = String, Path), ("file" = String, Path)),
    responses((status = 200, description = "the file"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn file(
    State(app): State<App>,
    caller: Caller,
    Path((id, invitation, file)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (id, invitation, file) =
        (path_id(&id, "dossier")?, path_id(&invitation, "invitation")?, path_id(&file, "file")?);
    let (view, bytes) = app.guest_file(&caller.actor, id, invitation, file).await?;
    Ok(crate::web::documents::attachment_response(&view.file_name, &view.content_type, bytes))
}

/// What the link's holder reads: the question, the parts of the dossier
/// the workflow shows, the inputs to give. No account: the token is the
/// key (404 unknown, 410 once answered, revoked or past its deadline).
#[utoipa::path(get, path = "/api/v1/guest/{token}", tag = "guests", params(("token" = String, Path)),
    responses((status = 200, body = GuestPage), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn page(State(app): State<App>, Path(token): Path<String>) -> Result<Json<GuestPage>, ApiError> {
    Ok(Json(app.guest_page(&token).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct GuestFileQuery {
    /// The file's name.
    pub name: String,
}

/// Join a file to the answer before sending it: the raw body with its
/// Content-Type (PDF, PNG, JPEG, ODT, ODS, DOCX, XLSX; 20 MiB at most; as
/// many files as the workflow allows).
#[utoipa::path(post, path = "/api/v1/guest/{token}/files", tag = "guests",
    params(("token" = String, Path), GuestFileQuery), request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 201, body = GuestFileView), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_file(
    State(app): State<App>,
    Path(token): Path<String>,
    Query(q): Query<GuestFileQuery>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<GuestFileView>), ApiError> {
    let body = body.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the file is larger than 20 MiB")
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let view = app.guest_add_file(&token, &q.name, content_type, &body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Answer: the workflow's step taken as the guest (its record written,
/// its guards counting it), with the text and the files joined. Once
/// only: the link is spent after (410).
#[utoipa::path(post, path = "/api/v1/guest/{token}", tag = "guests", params(("token" = String, Path)),
    request_body = GuestAnswer,
    responses((status = 201, body = InvitationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(app): State<App>,
    Path(token): Path<String>,
    Body(answer): Body<GuestAnswer>,
) -> Result<(StatusCode, Json<InvitationView>), ApiError> {
    let mut view = app.guest_answer(&token, &answer).await?;
    // The holder learns that the answer went in, not who else was asked.
    view.email.clear();
    Ok((StatusCode::CREATED, Json(view)))
}
