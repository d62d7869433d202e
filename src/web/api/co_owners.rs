//! Co-owners: an owner invites by e-mail; the link's holder accepts, as
//! the invited address's account or opening one; the owners read who of
//! them did what.

use super::extract::{Body, Caller};
use super::path_id;
use crate::app::co_owners::{CoOwnerLink, CoOwners, NewCoOwner, OwnerEdit};
use crate::app::App;
use crate::store::co_owners::CoOwnerInvitation;
use crate::web::error::{ApiError, ErrorBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct CoOwnerInput {
    pub email: String,
}

/// Invite someone to own the dossier with its owners (an owner): the link
/// goes by e-mail, single use, valid 7 days; a newer invitation to the same
/// address replaces it.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/co-owners", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CoOwnerInput,
    responses((status = 201, body = CoOwnerInvitation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn invite(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<CoOwnerInput>,
) -> Result<(StatusCode, Json<CoOwnerInvitation>), ApiError> {
    let view = app.invite_co_owner(&caller.actor, path_id(&id, "dossier")?, &input.email).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The dossier's owners and the invitations to join them (its owners and
/// the staff who read its trail).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/co-owners", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CoOwners), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Result<Json<CoOwners>, ApiError> {
    Ok(Json(app.co_owners(&caller.actor, path_id(&id, "dossier")?).await?))
}

/// Revoke an open invitation (an owner; 409 once accepted, revoked or expired).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/co-owners/{invitation}/revoke", tag = "dossiers",
    security(("bearer" = [])), params(("id" = String, Path), ("invitation" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn revoke(
    State(app): State<App>,
    caller: Caller,
    Path((id, invitation)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.revoke_co_owner(&caller.actor, path_id(&id, "dossier")?, path_id(&invitation, "invitation")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the owners did on their dossier, oldest first, by whom (its owners
/// and the staff who read its trail).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/edits", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = [OwnerEdit]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edits(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<OwnerEdit>>, ApiError> {
    Ok(Json(app.owner_edits(&caller.actor, path_id(&id, "dossier")?).await?))
}

/// What a co-owner link offers (no account needed to read it; 404
/// unknown, 410 accepted, revoked or expired).
#[utoipa::path(get, path = "/api/v1/co-owner/{token}", tag = "dossiers", params(("token" = String, Path)),
    responses((status = 200, body = CoOwnerLink), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn link(State(app): State<App>, Path(token): Path<String>) -> Result<Json<CoOwnerLink>, ApiError> {
    Ok(Json(app.co_owner_link(&token).await?))
}

#[derive(Serialize, ToSchema)]
pub struct CoOwnerAccepted {
    pub dossier_id: String,
    pub user_id: String,
}

/// Accept the link: with the bearer token of the invited address's account,
/// or, for an address without one, with `{"name", "password"}` opening it
/// (the workflow's owner role). Once only.
#[utoipa::path(post, path = "/api/v1/co-owner/{token}", tag = "dossiers", params(("token" = String, Path)),
    request_body = NewCoOwner,
    responses((status = 201, body = CoOwnerAccepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn accept(
    State(app): State<App>,
    caller: Option<Caller>,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<CoOwnerAccepted>), ApiError> {
    // No body: an account of the invited address accepts as itself.
    let new: Option<NewCoOwner> = match body.is_empty() {
        true => None,
        false => Some(serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", format!("the body is no account: {e}"))
        })?),
    };
    let (user, dossier) = app.accept_co_owner(&token, caller.as_ref().map(|c| &c.actor), new.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(CoOwnerAccepted { dossier_id: dossier.to_string(), user_id: user.to_string() })))
}
