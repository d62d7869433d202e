//! The JSON API under `/api/v1`.

pub(crate) mod accounts;
pub(crate) mod co_owners;
pub(crate) mod dossiers;
pub mod extract;
pub(crate) mod guests;
pub(crate) mod labels;
pub(crate) mod timers;
pub(crate) mod webhooks;

use crate::app::App;
use crate::web::limits;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, put};
use axum::Router;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/login", post(accounts::login))
        .route("/api/v1/logout", post(accounts::logout))
        .route("/api/v1/me", get(accounts::me))
        .route("/api/v1/me/password", post(accounts::change_password))
        .route("/api/v1/me/data", get(accounts::my_data))
        .route(
            "/api/v1/me/calendar",
            get(accounts::calendar_state).post(accounts::open_calendar).delete(accounts::revoke_calendar),
        )
        .route("/api/v1/tokens", get(accounts::tokens).post(accounts::create_token))
        .route("/api/v1/tokens/{id}", delete(accounts::revoke_token))
        .route("/api/v1/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/api/v1/webhooks/{id}", delete(webhooks::delete))
        .route("/api/v1/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/api/v1/webhooks/deliveries/{id}/retry", post(webhooks::retry))
        .route("/api/v1/reference/{list}", get(dossiers::reference))
        .route("/api/v1/campaigns", get(dossiers::campaigns).post(dossiers::create_campaign))
        .route("/api/v1/campaigns/{id}", get(dossiers::campaign))
        .route("/api/v1/campaigns/{id}/criteria", get(dossiers::criteria))
        .route("/api/v1/dossiers", get(dossiers::list).post(dossiers::create))
        .route("/api/v1/dossiers/{id}", get(dossiers::read).patch(dossiers::update))
        .route("/api/v1/dossiers/{id}/partners", post(dossiers::add_partner))
        .route("/api/v1/dossiers/{id}/partners/{partner}", delete(dossiers::remove_partner))
        .route("/api/v1/dossiers/{id}/self-assessment", put(dossiers::self_assessment))
        .route("/api/v1/dossiers/{id}/events", post(dossiers::event))
        .route("/api/v1/bulk/dossier-events", post(dossiers::bulk_event))
        .route("/api/v1/dossiers/{id}/reviews", get(dossiers::reviews))
        .route("/api/v1/dossiers/{id}/messages", get(dossiers::messages).post(dossiers::post_message))
        .route("/api/v1/dossiers/{id}/audit", get(dossiers::audit))
        .route("/api/v1/dossiers/{id}/decision.pdf", get(crate::web::documents::decision_pdf))
        .route("/api/v1/dossiers/{id}/decision-preview", post(crate::web::documents::decision_preview))
        .route("/api/v1/dossiers/{id}/documents", get(crate::web::documents::documents))
        .route("/api/v1/dossiers/{id}/attachments", post(dossiers::upload).layer(DefaultBodyLimit::max(limits::UPLOAD)))
        .route(
            "/api/v1/attachments/{id}",
            get(dossiers::download)
                .put(dossiers::replace_attachment)
                .delete(dossiers::remove_attachment)
                .layer(DefaultBodyLimit::max(limits::UPLOAD)),
        )
        .route("/api/v1/dossiers/{id}/invitations", get(guests::list).post(guests::invite))
        .route("/api/v1/dossiers/{id}/invitations/{invitation}/revoke", post(guests::revoke))
        .route("/api/v1/dossiers/{id}/invitations/{invitation}/files/{file}", get(guests::file))
        .route("/api/v1/guest/{token}", get(guests::page).post(guests::answer))
        .route("/api/v1/guest/{token}/files", post(guests::add_file).layer(DefaultBodyLimit::max(limits::UPLOAD)))
        .route("/api/v1/dossiers/{id}/co-owners", get(co_owners::list).post(co_owners::invite))
        .route("/api/v1/dossiers/{id}/co-owners/{invitation}/revoke", post(co_owners::revoke))
        .route("/api/v1/dossiers/{id}/edits", get(co_owners::edits))
        .route("/api/v1/co-owner/{token}", get(co_owners::link).post(co_owners::accept))
        .route("/api/v1/labels", get(labels::list))
        .route("/api/v1/labels/export", get(labels::export))
        .route("/api/v1/workflows/{id}/publication", get(labels::publication))
        .route("/api/v1/admin/import/campuses", post(labels::import).layer(DefaultBodyLimit::max(limits::IMPORT)))
        .route("/api/v1/labels/{id}", get(labels::read))
        .route("/api/v1/labels/{id}/audit", get(labels::audit))
        .route("/api/v1/labels/{id}/events", post(labels::event))
        .route("/api/v1/dossiers/{id}/timers", get(timers::dossier_timers))
        .route("/api/v1/labels/{id}/timers", get(timers::label_timers))
        .route("/api/v1/deadlines", get(timers::deadlines))
        .route("/api/v1/test/clock", post(timers::move_clock))
        .route("/api/v1/me/notifications", get(timers::notifications))
        .route("/api/v1/me/notification-preferences", get(timers::preferences).put(timers::set_preferences))
        .route("/api/v1/me/assignments", get(timers::assignments))
        .route("/api/v1/overdue", get(timers::overdue))
        .route("/api/v1/admin/users", get(accounts::users).post(accounts::create_user))
        .route("/api/v1/admin/users/{id}", patch(accounts::update_user))
        .route("/api/v1/admin/users/{id}/password-link", post(accounts::send_password_link))
        .route("/api/v1/admin/users/{id}/erase", post(accounts::erase_user))
        .route("/api/v1/password/forgotten", post(accounts::password_forgotten))
        .route("/api/v1/password/link", post(accounts::use_password_link))
        .route("/api/v1/admin/mail/dead", get(timers::dead_mail))
        .route("/api/v1/admin/mail/{id}/retry", post(timers::retry_mail))
        .layer(DefaultBodyLimit::max(limits::JSON))
}

/// Ids in paths: anything that is not one names nothing.
pub(crate) fn path_id(text: &str, what: &'static str) -> Result<uuid::Uuid, crate::web::error::ApiError> {
    uuid::Uuid::parse_str(text).map_err(|_| crate::web::error::ApiError::not_found(what))
}

/// A page of a list as JSON (the body clients have always read: an
/// array), with the next page's address in a `Link` header (RFC 8288).
pub(crate) fn paged<T: serde::Serialize>(
    uri: &axum::http::Uri,
    page: crate::app::listing::Page<T>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = axum::Json(page.items).into_response();
    if let Some(cursor) = page.next {
        let kept: Vec<(String, String)> = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .append_pair("cursor", &cursor)
            .finish();
        let link = format!("<{}?{query}>; rel=\"next\"", uri.path());
        if let Ok(value) = axum::http::HeaderValue::from_str(&link) {
            response.headers_mut().insert(axum::http::header::LINK, value);
        }
    }
    response
}
