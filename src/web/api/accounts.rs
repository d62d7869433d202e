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
    responses((status = 200, body = Token), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn login(
    State(app): State<App>,
    crate::web::client::ClientAddr(client): crate::web::client::ClientAddr,
    Body(input): Body<LoginInput>,
) -> Result<Json<Token>, ApiError> {
    let (token, expires) = app.login(&input.email, &input.password, &client).await?;
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

/// Everything held about the caller, as a JSON file to keep: the account,
/// its settings and credentials (never a secret), the dossiers it owns,
/// what it wrote, the e-mails sent to it and the actions it took. Needs a
/// person's session.
#[utoipa::path(get, path = "/api/v1/me/data", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn my_data(State(app): State<App>, caller: Caller) -> Result<axum::response::Response, ApiError> {
    caller.person()?;
    Ok(personal_data_file(app.personal_data(&caller.actor).await?))
}

/// The document as a download named for its reader.
pub(crate) fn personal_data_file(data: serde_json::Value) -> axum::response::Response {
    use axum::response::IntoResponse;
    let disposition = axum::http::HeaderValue::from_static("attachment; filename=\"mes-donnees-labelflow.json\"");
    let mut response = Json(data).into_response();
    response.headers_mut().insert(axum::http::header::CONTENT_DISPOSITION, disposition);
    response
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
    caller.person()?;
    app.change_password(&caller.actor, &caller.token, &input.current, &input.new).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[allow(dead_code)] // read as a map; the struct documents the parameters
pub struct UserQuery {
    /// Words that start words of the name or the address, without regard
    /// to case or accents.
    pub q: Option<String>,
    /// A role of the workflows, or `admin`.
    pub role: Option<String>,
    /// `true`: active accounts only; `false`: deactivated ones only.
    pub active: Option<String>,
    /// Accounts per page: 100 by default, 500 at most.
    pub limit: Option<i64>,
    /// Where the page starts: take it from the previous page's `Link`
    /// header, never build it.
    pub cursor: Option<String>,
}

/// Accounts with their roles, by name, a page at a time (the `Link` header
/// gives the next page's address, `rel="next"`) (admin).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "accounts", security(("bearer" = [])), params(UserQuery),
    responses((status = 200, body = [UserView],
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when another page follows"))),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn users(
    State(app): State<App>,
    caller: Caller,
    uri: axum::http::Uri,
    axum::extract::Query(params): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Result<axum::response::Response, ApiError> {
    Ok(super::paged(&uri, app.user_page(&caller.actor, &params).await?))
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

/// Change an account's roles (the list replaces them all) or deactivate
/// it (`"active": false`: its sessions end at once) or reactivate it
/// (admin). An administrator never locks themselves out (422).
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = crate::app::accounts::AccountChanges,
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_user(
    State(app): State<App>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
    Body(input): Body<crate::app::accounts::AccountChanges>,
) -> Result<Json<UserView>, ApiError> {
    let id = super::path_id(&id, "user")?;
    Ok(Json(app.update_account(&caller.actor, id, &input).await?))
}

/// Send the account's owner a link to choose their password, valid 7 days
/// for an invitation not yet taken up, a day otherwise; former links end
/// (admin).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/password-link", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 202, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn send_password_link(
    State(app): State<App>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let id = super::path_id(&id, "user")?;
    Ok((StatusCode::ACCEPTED, Json(app.send_password_link(&caller.actor, id).await?)))
}

/// Erase the account's personal data at the person's request (admin): its
/// address and name, credentials and sessions, the bodies of the messages
/// it wrote, the e-mails to it, and the sealed audit values about it or
/// entered by it (the trail still verifies). The account stays, deactivated.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/erase", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = crate::store::erasure::Erasure), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn erase_user(
    State(app): State<App>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<crate::store::erasure::Erasure>, ApiError> {
    let id = super::path_id(&id, "user")?;
    Ok(Json(app.erase_account(&caller.actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ForgottenInput {
    pub email: String,
}

/// A forgotten password: the account of this address, if there is an active
/// one, gets an e-mail with a one-time link valid 2 hours (at most one every
/// 2 minutes). The answer never tells whether the address has an account.
#[utoipa::path(post, path = "/api/v1/password/forgotten", tag = "accounts", request_body = ForgottenInput,
    responses((status = 202), (status = 400, body = ErrorBody)))]
pub async fn password_forgotten(
    State(app): State<App>,
    Body(input): Body<ForgottenInput>,
) -> Result<StatusCode, ApiError> {
    app.request_password_reset(&input.email).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
pub struct LinkInput {
    /// The token of the e-mailed link (its last path segment).
    pub token: String,
    pub password: String,
}

/// Choose a password with an e-mailed link: once; every session of the
/// account ends. 404 for an unknown token, 410 for one used, replaced or
/// expired.
#[utoipa::path(post, path = "/api/v1/password/link", tag = "accounts", request_body = LinkInput,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn use_password_link(State(app): State<App>, Body(input): Body<LinkInput>) -> Result<StatusCode, ApiError> {
    app.use_password_link(&input.token, &input.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct CalendarFeed {
    /// The secret address of the caller's iCalendar feed; shown once.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarFeedState {
    pub active: bool,
    /// RFC 3339: when the current address was made.
    pub created_at: Option<String>,
}

/// A new secret address for the caller's calendar feed (the former one stops working).
#[utoipa::path(post, path = "/api/v1/me/calendar", tag = "accounts", security(("bearer" = [])),
    responses((status = 201, body = CalendarFeed), (status = 401, body = ErrorBody)))]
pub async fn open_calendar(
    State(app): State<App>,
    caller: Caller,
) -> Result<(StatusCode, Json<CalendarFeed>), ApiError> {
    caller.person()?;
    let token = app.open_calendar_feed(&caller.actor).await?;
    let url = crate::web::feeds::feed_url(&crate::web::feeds::base_url(&app), &token);
    Ok((StatusCode::CREATED, Json(CalendarFeed { url })))
}

/// Whether the caller has a calendar address, and since when.
#[utoipa::path(get, path = "/api/v1/me/calendar", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = CalendarFeedState), (status = 401, body = ErrorBody)))]
pub async fn calendar_state(State(app): State<App>, caller: Caller) -> Result<Json<CalendarFeedState>, ApiError> {
    let since = app.calendar_feed_since(&caller.actor).await?;
    Ok(Json(CalendarFeedState {
        active: since.is_some(),
        created_at: since.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    }))
}

/// Revoke the caller's calendar address.
#[utoipa::path(delete, path = "/api/v1/me/calendar", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn revoke_calendar(State(app): State<App>, caller: Caller) -> Result<StatusCode, ApiError> {
    app.revoke_calendar_feed(&caller.actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new API token, and the token itself: shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewToken {
    /// Send it as `Authorization: Bearer TOKEN`.
    pub token: String,
    #[serde(flatten)]
    pub details: crate::store::api_tokens::ApiTokenView,
}

/// Make an API token for a machine: the caller's own access, or an
/// administrator's choice of account, narrowed to reading or to one
/// territory, for at most 366 days. Needs a person's session.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", security(("bearer" = [])),
    request_body = crate::app::api_tokens::TokenRequest,
    responses((status = 201, body = NewToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(app): State<App>,
    caller: Caller,
    Body(input): Body<crate::app::api_tokens::TokenRequest>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    caller.person()?;
    let (details, token) = app.create_api_token(&caller.actor, &input).await?;
    Ok((StatusCode::CREATED, Json(NewToken { token, details })))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct TokensQuery {
    /// `true` (administrators): every account's tokens.
    pub all: Option<bool>,
}

/// The caller's API tokens, newest first, with their last use; never the
/// tokens themselves.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", security(("bearer" = [])), params(TokensQuery),
    responses((status = 200, body = [crate::store::api_tokens::ApiTokenView]), (status = 401, body = ErrorBody)))]
pub async fn tokens(
    State(app): State<App>,
    caller: Caller,
    super::extract::Query(query): super::extract::Query<TokensQuery>,
) -> Result<Json<Vec<crate::store::api_tokens::ApiTokenView>>, ApiError> {
    Ok(Json(app.api_tokens(&caller.actor, query.all.unwrap_or(false)).await?))
}

/// Revoke an API token: one's own, or (administrators) anyone's.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "the token's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(app): State<App>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    app.revoke_api_token(&caller.actor, super::path_id(&id, "token")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
