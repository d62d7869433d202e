use super::extract::{Body, Caller};
use crate::app::App;
use crate::store::views::UserView;
use crate::web::error::{ApiError, ErrorBody};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Token {
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// Exchange an e-mail and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/login", tag = "accounts", request_body = LoginInput,
    responses((status = 200, body = Token), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn login(State(app): State<App>, Body(input): Body<LoginInput>) -> Result<Json<Token>, ApiError> {
    let (token, expires) = app.login(&input.email, &input.password).await?;
    Ok(Json(Token { token, expires_at: expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) }))
}

/// End the caller's session.
#[utoipa::path(post, path = "/api/v1/logout", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(app): State<App>, caller: Caller) -> Result<StatusCode, ApiError> {
    app.logout(&caller.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's account, roles and affiliations.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(State(app): State<App>, caller: Caller) -> Result<Json<UserView>, ApiError> {
    Ok(Json(app.me(&caller.actor).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordInput {
    pub current: String,
    pub new: String,
}

/// Change the caller's password; their other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", security(("bearer" = [])), request_body = PasswordInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(app): State<App>,
    caller: Caller,
    Body(input): Body<PasswordInput>,
) -> Result<StatusCode, ApiError> {
    app.change_password(&caller.actor, &caller.token, &input.current, &input.new).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every account with its roles (admin).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [UserView]), (status = 403, body = ErrorBody)))]
pub async fn users(State(app): State<App>, caller: Caller) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(app.users(&caller.actor).await?))
}

/// Open an account with one role (admin).
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "accounts", security(("bearer" = [])),
    request_body = crate::app::accounts::NewAccount,
    responses((status = 201, body = UserView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(app): State<App>,
    caller: Caller,
    Body(input): Body<crate::app::accounts::NewAccount>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.create_user(&caller.actor, &input).await?)))
}
