use super::extract::{Body, Caller, Query};
use super::path_id;
use crate::app::App;
use crate::store::timers::{Deadline, Firing, TimerView};
use crate::web::error::{ApiError, ErrorBody};
use crate::workflow::Machine;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Timers of a dossier: pending, fired, cancelled or refused, soonest first.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/timers", tag = "timers", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = [TimerView]), (status = 404, body = ErrorBody)))]
pub async fn dossier_timers(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<TimerView>>, ApiError> {
    Ok(Json(app.timers(&caller.actor, Machine::Dossier, path_id(&id, "dossier")?).await?))
}

/// Timers of a label: renewal window, reminders, end of validity, activity reports.
#[utoipa::path(get, path = "/api/v1/labels/{id}/timers", tag = "timers", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = [TimerView]), (status = 404, body = ErrorBody)))]
pub async fn label_timers(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<TimerView>>, ApiError> {
    Ok(Json(app.timers(&caller.actor, Machine::Label, path_id(&id, "label")?).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct DeadlineQuery {
    /// How many days ahead (1 to 366; 90 when absent).
    pub days: Option<i64>,
}

/// What falls due in the next N days on the dossiers and labels the caller may see.
#[utoipa::path(get, path = "/api/v1/deadlines", tag = "timers", security(("bearer" = [])), params(DeadlineQuery),
    responses((status = 200, body = [Deadline]), (status = 422, body = ErrorBody)))]
pub async fn deadlines(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<DeadlineQuery>,
) -> Result<Json<Vec<Deadline>>, ApiError> {
    Ok(Json(app.deadlines(&caller.actor, q.days.unwrap_or(90)).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ClockInput {
    /// RFC 3339 instant; not before the clock's current time.
    pub now: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClockMoved {
    pub now: String,
    /// Every timer fired on the way, in due order.
    pub fired: Vec<Firing>,
    /// What the retention pass at the new time did.
    pub retention: crate::app::retention::RetentionPass,
}

/// Only with `serve --test-clock`: moves the clock forward and fires every timer due up to then before answering.
#[utoipa::path(post, path = "/api/v1/test/clock", tag = "timers", request_body = ClockInput,
    responses((status = 200, body = ClockMoved), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn move_clock(State(app): State<App>, Body(input): Body<ClockInput>) -> Result<Json<ClockMoved>, ApiError> {
    let Some(clock) = app.test_clock.clone() else {
        return Err(ApiError::not_found("test clock"));
    };
    let now = chrono::DateTime::parse_from_rfc3339(&input.now)
        .map_err(|_| crate::engine::Refusal::invalid("now", "must be an RFC 3339 instant"))?
        .with_timezone(&chrono::Utc);
    use crate::clock::Clock;
    if now < clock.now() {
        return Err(crate::engine::Refusal::invalid(
            "now",
            format!("must not be before the current test time {}", clock.now().to_rfc3339()),
        )
        .into());
    }
    clock.set(now);
    let fired = app.fire_due(now).await?;
    let retention = app.apply_retention(now).await?;
    Ok(Json(ClockMoved { now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), fired, retention }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[allow(dead_code)] // read as a map; the struct documents the parameters
pub struct MyMailQuery {
    /// `pending`, `sent` or `dead`: those e-mails only.
    pub status: Option<String>,
    /// E-mails per page: 100 by default, 500 at most.
    pub limit: Option<i64>,
    /// Where the page starts: take it from the previous page's `Link`
    /// header, never build it.
    pub cursor: Option<String>,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[allow(dead_code)] // read as a map; the struct documents the parameters
pub struct MailQuery {
    /// E-mails per page: 100 by default, 500 at most.
    pub limit: Option<i64>,
    /// Where the page starts: take it from the previous page's `Link`
    /// header, never build it.
    pub cursor: Option<String>,
}

/// E-mails addressed to the caller, newest first, with their delivery
/// status, a page at a time (`Link` header, `rel="next"`).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "mail", security(("bearer" = [])), params(MyMailQuery),
    responses((status = 200, body = [crate::store::outbox::MailView],
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when another page follows"))),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn notifications(
    State(app): State<App>,
    caller: Caller,
    uri: axum::http::Uri,
    axum::extract::Query(params): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Result<axum::response::Response, ApiError> {
    Ok(super::paged(&uri, app.notification_page(&caller.actor, &params).await?))
}

/// E-mails that exhausted their attempts, with the last SMTP error, oldest
/// first, a page at a time (`Link` header, `rel="next"`) (admin).
#[utoipa::path(get, path = "/api/v1/admin/mail/dead", tag = "mail", security(("bearer" = [])), params(MailQuery),
    responses((status = 200, body = [crate::store::outbox::MailView],
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when another page follows"))),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dead_mail(
    State(app): State<App>,
    caller: Caller,
    uri: axum::http::Uri,
    axum::extract::Query(params): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Result<axum::response::Response, ApiError> {
    Ok(super::paged(&uri, app.dead_mail_page(&caller.actor, &params).await?))
}

/// Queue a dead e-mail again (admin).
#[utoipa::path(post, path = "/api/v1/admin/mail/{id}/retry", tag = "mail", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn retry_mail(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    app.retry_mail(&caller.actor, &id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The dossiers the caller is assigned to review, with due dates (reviewers).
#[utoipa::path(get, path = "/api/v1/me/assignments", tag = "timers", security(("bearer" = [])),
    responses((status = 200, body = [crate::store::worklists::Assignment]), (status = 401, body = ErrorBody)))]
pub async fn assignments(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<Vec<crate::store::worklists::Assignment>>, ApiError> {
    Ok(Json(app.assignments(&caller.actor).await?))
}

/// Late reviews, completions and yearly reports in the caller's staff scope.
#[utoipa::path(get, path = "/api/v1/overdue", tag = "timers", security(("bearer" = [])),
    responses((status = 200, body = crate::app::worklists::Overdue), (status = 401, body = ErrorBody)))]
pub async fn overdue(State(app): State<App>, caller: Caller) -> Result<Json<crate::app::worklists::Overdue>, ApiError> {
    Ok(Json(app.overdue(&caller.actor).await?))
}

/// How the caller takes each kind of e-mail the service sends: at once
/// (`immediate`), in one digest a day (`digest`) or not at all (`off`);
/// the mandatory ones always at once.
#[utoipa::path(get, path = "/api/v1/me/notification-preferences", tag = "mail", security(("bearer" = [])),
    responses((status = 200, body = [crate::app::preferences::PreferenceView]), (status = 401, body = ErrorBody)))]
pub async fn preferences(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<Vec<crate::app::preferences::PreferenceView>>, ApiError> {
    Ok(Json(app.notification_preferences(&caller.actor).await?))
}

/// Set some of the caller's preferences, `{"TEMPLATE": "immediate" |
/// "digest" | "off", …}`; the others stay. 422 names each kind refused (an
/// unknown one, a mandatory one put off).
#[utoipa::path(put, path = "/api/v1/me/notification-preferences", tag = "mail", security(("bearer" = [])),
    request_body = std::collections::BTreeMap<String, String>,
    responses((status = 200, body = [crate::app::preferences::PreferenceView]), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_preferences(
    State(app): State<App>,
    caller: Caller,
    Body(asked): Body<std::collections::BTreeMap<String, String>>,
) -> Result<Json<Vec<crate::app::preferences::PreferenceView>>, ApiError> {
    Ok(Json(app.set_notification_preferences(&caller.actor, &asked).await?))
}
