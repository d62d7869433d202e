//! The OpenAPI document, generated from the handlers' annotations.

use super::api;
use axum::Json;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "labelflow API", description = "Quality-label workflows: calls, dossiers, reviews, decisions, labels. \
        Errors are `{\"error\": {\"code\", \"message\", \"field\"?}}`: 400 malformed, 401 no or bad token, 403 not allowed, \
        404 unknown or not visible, 409 stale version or wrong state, 422 rule not met."),
    paths(
        super::healthz, super::workflows, super::workflow_summary, document,
        api::accounts::login, api::accounts::logout, api::accounts::me, api::accounts::change_password,
        api::dossiers::reference, api::dossiers::campaigns, api::dossiers::create_campaign, api::dossiers::campaign,
        api::dossiers::criteria, api::dossiers::list, api::dossiers::create, api::dossiers::read, api::dossiers::update,
        api::dossiers::add_partner, api::dossiers::remove_partner, api::dossiers::self_assessment, api::dossiers::upload,
        api::dossiers::replace_attachment, api::dossiers::remove_attachment, api::dossiers::download, api::dossiers::event, api::dossiers::reviews, api::dossiers::audit,
        api::labels::list, api::labels::read, api::labels::audit, api::labels::event, api::labels::export,
        api::labels::publication,
        api::labels::import, api::dossiers::bulk_event,
        api::timers::dossier_timers, api::timers::label_timers, api::timers::deadlines, api::timers::move_clock,
        api::timers::notifications, api::timers::dead_mail, api::timers::retry_mail,
        api::timers::assignments, api::timers::overdue, api::accounts::users, api::accounts::update_user, api::accounts::create_user,
        api::accounts::send_password_link, api::accounts::erase_user, api::dossiers::messages, api::dossiers::post_message, api::accounts::password_forgotten, api::accounts::use_password_link,
        api::accounts::open_calendar, api::accounts::calendar_state, api::accounts::revoke_calendar,
        super::documents::decision_pdf, super::documents::decision_preview, super::documents::documents,
        api::guests::invite, api::guests::list, api::guests::revoke, api::guests::file, api::guests::page,
        api::guests::add_file, api::guests::answer, api::co_owners::invite, api::co_owners::list,
        api::co_owners::revoke, api::co_owners::edits, api::co_owners::link, api::co_owners::accept,
        api::timers::preferences, api::timers::set_preferences,
        api::accounts::create_token, api::accounts::tokens, api::accounts::revoke_token, api::accounts::my_data,
        api::webhooks::create, api::webhooks::list, api::webhooks::delete, api::webhooks::deliveries, api::webhooks::retry,
    ),
    components(schemas(
        super::error::ErrorBody, super::error::ErrorDetail, super::Health,
        api::accounts::NewToken, crate::store::erasure::Erasure, crate::app::api_tokens::TokenRequest, crate::store::api_tokens::ApiTokenView,
        api::webhooks::NewWebhook, crate::app::webhooks::WebhookRequest, crate::store::webhooks::WebhookView, crate::store::webhooks::DeliveryView, super::WorkflowSummary, super::StateSummary,
        super::EventSummary, super::FieldSummary, super::Choice, super::GridSummary, super::PredicateSummary,
        api::accounts::LoginInput, api::accounts::Token, api::accounts::PasswordInput,
        api::dossiers::PartnerInput, api::dossiers::EventInput,
        crate::app::dossiers::CampaignInput, crate::app::dossiers::DossierInput, crate::app::dossiers::DossierPatch,
        crate::app::Outcome, crate::workflow::Criterion, crate::store::audit::TrailEntry,
        crate::store::views::DossierView, crate::store::views::RetentionView, crate::store::views::DossierSummary, crate::store::views::PartnerView,
        crate::store::views::OpinionView, crate::store::views::CompletionView,
        crate::store::views::DecisionView, crate::store::views::AttachmentView, crate::store::views::ReviewView,
        crate::store::views::LabelView, crate::store::views::CampaignView, crate::store::views::UserView,
        crate::reference::Entry,
        api::timers::ClockInput, api::timers::ClockMoved, crate::app::retention::RetentionPass, crate::store::timers::Firing, crate::store::timers::TimerView,
        crate::store::timers::Deadline, crate::store::outbox::MailView,
        crate::app::accounts::NewAccount, crate::app::accounts::AccountChanges,
        crate::app::accounts::GrantInput, crate::app::export::LabelRecordOut, crate::app::export::PublicationOut,
        crate::app::export::PublishedSection, crate::app::import::ImportReport,
        crate::app::import::RowProblem, crate::app::import::RowChange, api::dossiers::BulkInput, api::dossiers::BulkResult,
        api::accounts::CalendarFeed, api::accounts::CalendarFeedState, crate::store::worklists::Assignment, crate::store::worklists::LateReview,
        crate::store::worklists::LateCompletion, crate::app::worklists::LateReport, crate::app::worklists::Overdue,
        crate::store::documents::DocumentView,
        crate::app::guests::NewGuest, crate::app::guests::GuestAnswer, crate::app::guests::GuestPage,
        crate::app::guests::ShownSection, crate::app::guests::GuestInput, crate::store::guests::InvitationView,
        crate::store::guests::GuestFileView, api::co_owners::CoOwnerInput, api::co_owners::CoOwnerAccepted,
        crate::app::co_owners::CoOwners, crate::app::co_owners::CoOwnerLink, crate::app::co_owners::NewCoOwner,
        crate::app::co_owners::OwnerEdit, crate::app::preferences::PreferenceView, crate::store::co_owners::CoOwnerInvitation, crate::store::co_owners::OwnerView,
    )),
    modifiers(&Bearer, &CommonErrors),
    tags((name = "health"), (name = "accounts"), (name = "reference"), (name = "campaigns"), (name = "dossiers"),
        (name = "labels"), (name = "guests"), (name = "timers"), (name = "mail"), (name = "webhooks"), (name = "workflows"), (name = "meta"))
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The error answers every operation may give, added where a handler's
/// annotation does not list them, so that the document promises exactly
/// what the server does: 400 malformed input (a bad id, query or body),
/// 422 a rule not met; with a token, 401 when it is missing or bad; with a
/// body, 413 too large and 415 not the expected content type.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                let mut statuses = vec![
                    ("400", "Malformed request: an id, a query parameter or the body cannot be read"),
                    ("422", "A rule is not met; `field` names the input at fault"),
                ];
                if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    statuses.push(("401", "No token, or an unknown or expired one"));
                }
                if operation.request_body.is_some() {
                    statuses.push(("413", "The body is larger than this operation accepts"));
                    statuses.push(("415", "The body is not of the documented content type"));
                }
                let responses = &mut operation.responses.responses;
                for (status, description) in statuses {
                    responses.entry(status.to_string()).or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
