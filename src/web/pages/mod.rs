//! Server-rendered pages (askama) for people, on the same application
//! services as the API. Every core flow works without JavaScript.

mod actions;
mod admin;
mod audit;
mod auth;
mod bulk;
mod co_owners;
mod dashboard;
mod dossier;
mod form_fields;
mod guests;
mod label;
mod legal;
mod lists;
mod messages;
mod notifications;
mod password_links;
mod publication;
mod queue;
pub mod session;
mod sign_on;
mod tokens;

use crate::app::{App, AppError};
use crate::engine::{Event, Facts};
use crate::reference;
use crate::store::views::DossierView;
use crate::workflow::{FieldType, Machine, Role, RoleKind};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{Map, Value};
use session::{cookie, same_token, set_cookie, Browser, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use uuid::Uuid;

use actions::{action_forms, anchored, instance_event, ActionForm};
use dossier::render_dossier;
use label::render_label;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .route("/static/labelflow.css", get(stylesheet))
        .route("/connexion", get(auth::login_page).post(auth::login))
        .route("/deconnexion", post(auth::logout))
        .route("/connexion/oidc", get(sign_on::begin))
        .route("/connexion/oidc/retour", get(sign_on::callback))
        .route("/connexion/oidc/lier", post(sign_on::confirm_link))
        .route("/tableau-de-bord", get(dashboard::dashboard))
        .route("/dossiers/{id}", get(dossier::dossier))
        .route("/dossiers/{id}/evenements", post(dossier::dossier_event))
        .route("/dossiers/{id}/messages", post(dossier::post_message))
        .route("/dossiers/{id}/avis-exterieurs", post(guests::invite))
        .route("/dossiers/{id}/avis-exterieurs/{invitation}/retrait", post(guests::revoke))
        .route("/dossiers/{id}/avis-exterieurs/{invitation}/fichiers/{file}", get(guests::file))
        .route(
            "/avis/{token}",
            get(guests::guest_page)
                .post(guests::guest_answer)
                .layer(axum::extract::DefaultBodyLimit::max(crate::web::limits::UPLOAD)),
        )
        .route("/dossiers/{id}/titulaires", post(co_owners::invite))
        .route("/dossiers/{id}/titulaires/{invitation}/retrait", post(co_owners::revoke))
        .route("/rejoindre/{token}", get(co_owners::link).post(co_owners::accept))
        .route("/dossiers/nouveau", get(dossier::new_dossier_page).post(dossier::create_dossier))
        .route("/labels/{id}", get(label::label))
        .route("/mot-de-passe", get(auth::password_page).post(auth::change_password))
        .route("/mes-donnees", get(auth::my_data))
        .route("/mes-jetons", get(tokens::tokens).post(tokens::token_action))
        .route("/mot-de-passe-oublie", get(password_links::forgotten_page).post(password_links::request_link))
        .route("/mot-de-passe/lien/{token}", get(password_links::link_page).post(password_links::use_link))
        .route("/dossiers/{id}/auto-evaluation", post(dossier::self_assessment))
        .route("/labels/{id}/evenements", post(label::label_event))
        .route("/dossiers/{id}/groupes/{group}", post(dossier::add_item))
        .route("/dossiers/{id}/groupes/{group}/{item}/retrait", post(dossier::remove_item))
        .route("/dossiers/{id}/identite", post(dossier::edit_identity))
        .route(
            "/dossiers/{id}/pieces",
            post(dossier::upload).layer(axum::extract::DefaultBodyLimit::max(crate::web::limits::UPLOAD)),
        )
        .route("/pieces/{id}", get(dossier::download))
        .route("/pieces/{id}/retrait", post(dossier::remove_attachment))
        .route("/dossiers/{id}/journal", get(audit::dossier_trail))
        .route("/dossiers/{id}/decision", get(dossier::decision_summary))
        .route("/dossiers/{id}/decision.pdf", get(dossier::decision_pdf))
        .route("/dossiers/{id}/apercu-decision", post(dossier::decision_preview))
        .route("/labels/{id}/journal", get(audit::label_trail))
        .route("/admin/campagnes", get(admin::campaigns).post(admin::create_campaign))
        .route("/admin/utilisateurs", get(admin::users).post(admin::create_user))
        .route("/admin/utilisateurs/{id}/compte", post(admin::account_action))
        .route("/admin/courriels", get(admin::dead_mail))
        .route("/admin/courriels/{id}/relance", post(admin::retry_mail))
        .route("/admin/workflow", get(admin::workflow))
        .route(
            "/admin/import",
            get(admin::import_page)
                .post(admin::import_campuses)
                .layer(axum::extract::DefaultBodyLimit::max(crate::web::limits::IMPORT_FORM)),
        )
        .route("/calendrier", get(auth::calendar).post(auth::calendar_action))
        .route("/actions-groupees", get(bulk::bulk_page).post(bulk::bulk_action))
        .route("/export/labels.csv", get(admin::export_csv))
        .route("/publication/{workflow}", get(publication::publication))
        .route("/a-decider", get(queue::queue))
        .route("/dossiers", get(lists::dossiers))
        .route("/mes-courriels", get(notifications::notifications))
        .route("/mes-courriels/preferences", post(notifications::save_preferences))
        .route("/accessibilite", get(legal::accessibility))
        .route("/mentions-legales", get(legal::legal_notice))
        .route("/donnees-personnelles", get(legal::personal_data))
        .route("/labels", get(lists::labels))
        .route("/export/labels.json", get(admin::export_json))
        .layer(axum::extract::DefaultBodyLimit::max(crate::web::limits::FORM))
        .layer(axum::middleware::from_fn(french_errors))
}

/// An error a page's extractors or handlers answer in another form than a
/// page (a malformed form, an oversized upload…) is told to a person in
/// French, on a page.
async fn french_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if is_page || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (heading, text) = match status {
        StatusCode::NOT_FOUND => ("Page introuvable", "Cette adresse ne correspond à aucune page ou ne vous est pas accessible."),
        StatusCode::FORBIDDEN => ("Accès refusé", "Vous n'avez pas accès à cette page."),
        StatusCode::PAYLOAD_TOO_LARGE => ("Envoi trop volumineux", "Le fichier ou le formulaire envoyé dépasse la taille admise."),
        s if s.is_client_error() => ("Demande incomplète", "Le formulaire reçu est incomplet ou mal formé : revenez en arrière et réessayez."),
        _ => ("Erreur du service", "Le service a rencontré une erreur. Réessayez dans un instant ; si elle persiste, prévenez l'administrateur."),
    };
    message(None, status, heading, text)
}

/// What the layout shows of the person logged in.
pub struct UserBar {
    pub name: String,
    pub csrf: String,
    pub admin: bool,
    pub reviewer: bool,
    /// Staff or the president: bulk actions, the dossiers to decide.
    pub staff: bool,
    pub opens_calls: bool,
}

fn bar(b: &Browser) -> Option<UserBar> {
    Some(UserBar {
        name: b.name.clone(),
        csrf: b.csrf.clone(),
        admin: b.actor.is_admin(),
        reviewer: b.kinds.contains(&RoleKind::Reviewer),
        staff: b.kinds.iter().any(|k| matches!(k, RoleKind::Staff | RoleKind::National | RoleKind::Admin)),
        opens_calls: b.opens_calls,
    })
}

/// (id, name) of the holders of the workflow's reviewer roles.
async fn reviewers(app: &App) -> Vec<(String, String)> {
    let roles: Vec<&Role> = app.workflows.roles_of(RoleKind::Reviewer).into_iter().map(|r| &r.name).collect();
    app.store.users_with_roles(&roles).await.unwrap_or_default()
}

/// The notice shown after a workflow event was accepted.
fn event_notice(app: &App, machine: Machine, event: &str) -> String {
    app.workflows
        .iter()
        .find_map(|w| w.machine(machine).event(event))
        .map(|e| format!("Action enregistrée : « {} ».", e.label))
        .unwrap_or_default()
}

/// A page whose address holds a link's token: no referrer carries it off.
fn no_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    response
}

/// Errors of a submitted form, by field ("" for the form as a whole).
#[derive(Default)]
pub struct FormErrors(pub Vec<(String, String)>);

impl FormErrors {
    fn from_error(workflow: &crate::workflow::Definition, e: &AppError) -> FormErrors {
        FormErrors(vec![messages::describe(workflow, e)])
    }

    /// The message for one field, empty when it has none.
    pub fn of(&self, field: &str) -> &str {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str()).unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The page for someone whose roles do not open it.
fn forbidden(browser: &Browser) -> Response {
    message(
        bar(browser),
        StatusCode::FORBIDDEN,
        "Accès réservé",
        "Cette page est réservée aux administrateurs de labelflow.",
    )
}

/// The page of an address this site does not have.
pub(crate) fn unknown_page() -> Response {
    message(
        None,
        StatusCode::NOT_FOUND,
        "Page introuvable",
        "Cette adresse ne correspond à aucune page. Revenez au tableau de bord pour retrouver vos dossiers.",
    )
}

fn page(t: impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page rendering failed");
            // Plain text: `french_errors` words it (a page could not be drawn).
            (StatusCode::INTERNAL_SERVER_ERROR, "page rendering failed").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage {
    user: Option<UserBar>,
    heading: String,
    text: String,
}

fn message(user: Option<UserBar>, status: StatusCode, heading: &str, text: &str) -> Response {
    page(MessagePage { user, heading: heading.into(), text: text.into() }, status)
}

async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../../../static/labelflow.css"))
}

async fn home(State(app): State<App>, headers: HeaderMap) -> Redirect {
    let logged_in = match cookie(&headers, SESSION_COOKIE) {
        Some(token) => app.authenticate(&token).await.is_ok(),
        None => false,
    };
    Redirect::to(if logged_in { "/tableau-de-bord" } else { "/connexion" })
}

fn random_token() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

fn french_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| iso.into())
}

fn french_instant(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&crate::calendar::ZONE).format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.into())
}

/// What the page of an ended dossier or label says of its personal data:
/// when it goes, or that it went.
fn retention_notice(retention: Option<&crate::store::views::RetentionView>, machine: Machine) -> Option<String> {
    let r = retention?;
    let (what, whose) = match machine {
        Machine::Dossier => ("Ce dossier est clos", "de ce dossier"),
        Machine::Label => ("Ce label a pris fin", "de ce label et de son dossier"),
    };
    let period = "au terme de la durée de conservation fixée pour ce label";
    if let Some(erased) = &r.erased_at {
        let day = french_instant(erased).split(' ').next().unwrap_or_default().to_string();
        return Some(format!(
            "Les données personnelles {whose} ont été effacées le {day}, {period}. Restent l'intitulé, l'état, \
             les dates et la décision."
        ));
    }
    let on = french_date(r.erase_on.as_deref()?);
    Some(format!(
        "{what} : les données personnelles {whose} (formulaire, pièces jointes, messages, commentaires) seront \
         effacées le {on}, {period}. Téléchargez d'ici là ce que vous souhaitez garder."
    ))
}

fn state_label(app: &App, machine: Machine, state: &str) -> String {
    // The first workflow with this state words it when the page does not
    // say whose state it is.
    app.workflows
        .iter()
        .find_map(|w| w.machine(machine).state(state))
        .map(|s| s.label.clone())
        .unwrap_or_else(|| state.into())
}

/// The look of a state's badge, so a draft never looks like a label: a
/// draft (editable), a label in force, an end (expired, withdrawn,
/// refused…), or a step on the way (no class).
fn badge_class(app: &App, workflow: &str, machine: Machine, state: &str) -> &'static str {
    let Some(s) = app.workflows.get(workflow).and_then(|w| w.machine(machine).state(state)) else { return "" };
    if s.terminal {
        "lf-badge--ended"
    } else if s.editable {
        "lf-badge--draft"
    } else if s.stage == Some(crate::workflow::Stage::InForce) {
        "lf-badge--active"
    } else {
        ""
    }
}

/// A state of an instance of `workflow`, in its own words.
fn state_label_in(app: &App, workflow: &str, machine: Machine, state: &str) -> String {
    match app.workflows.get(workflow).and_then(|w| w.machine(machine).state(state)) {
        Some(s) => s.label.clone(),
        None => state_label(app, machine, state),
    }
}

#[derive(Deserialize)]
struct Flash {
    fait: Option<String>,
}

/// The answer to a form whose CSRF token does not match the session's.
fn expired(browser: &Browser) -> Response {
    message(
        bar(browser),
        StatusCode::FORBIDDEN,
        "Action refusée",
        "Le formulaire a expiré : rechargez la page et recommencez.",
    )
}

fn not_found(browser: &Browser, machine: Machine) -> Response {
    match machine {
        Machine::Dossier => message(
            bar(browser),
            StatusCode::NOT_FOUND,
            "Dossier introuvable",
            "Ce dossier n'existe pas ou ne vous est pas accessible.",
        ),
        Machine::Label => message(
            bar(browser),
            StatusCode::NOT_FOUND,
            "Label introuvable",
            "Ce label n'existe pas ou ne vous est pas accessible.",
        ),
    }
}
