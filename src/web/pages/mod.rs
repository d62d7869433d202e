//! Server-rendered pages (askama) for people, on the same application
//! services as the API. Every core flow works without JavaScript.

mod messages;
pub mod session;

use crate::app::{App, AppError};
use crate::engine::{Event, Facts};
use crate::reference;
use crate::store::views::DossierView;
use crate::workflow::{FieldType, Machine, Role};
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

pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .route("/static/labelflow.css", get(stylesheet))
        .route("/connexion", get(login_page).post(login))
        .route("/deconnexion", post(logout))
        .route("/tableau-de-bord", get(dashboard))
        .route("/dossiers/{id}", get(dossier))
        .route("/dossiers/{id}/evenements", post(dossier_event))
        .route("/dossiers/nouveau", get(new_dossier_page).post(create_dossier))
        .route("/labels/{id}", get(label))
        .route("/mot-de-passe", get(password_page).post(change_password))
        .route("/dossiers/{id}/auto-evaluation", post(self_assessment))
        .route("/labels/{id}/evenements", post(label_event))
        .route("/dossiers/{id}/partenaires", post(add_partner))
        .route("/dossiers/{id}/partenaires/{partner}/retrait", post(remove_partner))
}

/// What the layout shows of the person logged in.
pub struct UserBar {
    pub name: String,
    pub csrf: String,
}

fn bar(b: &Browser) -> Option<UserBar> {
    Some(UserBar { name: b.name.clone(), csrf: b.csrf.clone() })
}

fn page(t: impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Erreur interne").into_response()
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

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    user: Option<UserBar>,
    csrf: String,
    email: String,
    error: String,
}

fn random_token() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn login_form(app: &App, email: &str, error: &str, status: StatusCode) -> Response {
    // Double-submit token: before a session exists, the form's token must
    // match a cookie only this site can set.
    let token = random_token();
    let mut response =
        page(LoginPage { user: None, csrf: token.clone(), email: email.into(), error: error.into() }, status);
    if let Ok(v) = set_cookie(app, LOGIN_CSRF_COOKIE, &token, 3600).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

async fn login_page(State(app): State<App>) -> Response {
    login_form(&app, "", "", StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn login(State(app): State<App>, headers: HeaderMap, Form(input): Form<LoginInput>) -> Response {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_token(&expected, &input.csrf) {
        return login_form(&app, &input.email, "Le formulaire a expiré : veuillez réessayer.", StatusCode::FORBIDDEN);
    }
    match app.login(&input.email, &input.password).await {
        Ok((token, _)) => {
            let mut response = Redirect::to("/tableau-de-bord").into_response();
            let hours = crate::app::accounts::SESSION_HOURS * 3600;
            for value in [set_cookie(&app, SESSION_COOKIE, &token, hours), set_cookie(&app, LOGIN_CSRF_COOKIE, "", 0)] {
                if let Ok(v) = value.parse() {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            response
        }
        Err(AppError::Auth(_)) => {
            login_form(&app, &input.email, "Adresse électronique ou mot de passe incorrect.", StatusCode::UNAUTHORIZED)
        }
        Err(e) => login_form(&app, &input.email, &messages::describe(&e).1, StatusCode::SERVICE_UNAVAILABLE),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(app): State<App>, browser: Browser, Form(form): Form<CsrfOnly>) -> Response {
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    app.logout(&browser.token).await.ok();
    let mut response = Redirect::to("/connexion").into_response();
    if let Ok(v) = set_cookie(&app, SESSION_COOKIE, "", 0).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

struct DossierRow {
    id: String,
    title: String,
    state: String,
    category: String,
    region: String,
    updated: String,
}

struct LabelRow {
    id: String,
    title: String,
    status: String,
    category: String,
    valid_from: String,
    valid_until: String,
}

struct Bar {
    y: i64,
    x: i64,
    w: i64,
    window_x: i64,
    window_w: i64,
    name: String,
    tooltip: String,
}

#[derive(Default)]
struct Timeline {
    width: i64,
    height: i64,
    today_x: i64,
    ticks: Vec<(i64, i32)>,
    bars: Vec<Bar>,
}

/// One bar per label from its first to its last day, its renewal window
/// (the last 12 months) shaded, and today's line.
fn timeline(labels: &[crate::store::views::LabelView], today: chrono::NaiveDate) -> Timeline {
    use chrono::{Datelike, NaiveDate};
    let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let spans: Vec<(NaiveDate, NaiveDate, &crate::store::views::LabelView)> =
        labels.iter().filter_map(|l| Some((parse(&l.valid_from)?, parse(&l.valid_until)?, l))).collect();
    let (Some(first), Some(last)) = (spans.iter().map(|s| s.0).min(), spans.iter().map(|s| s.1).max()) else {
        return Timeline::default();
    };
    let start = NaiveDate::from_ymd_opt(first.year().min(today.year()), 1, 1).unwrap_or(first);
    let end = NaiveDate::from_ymd_opt(last.year().max(today.year()) + 1, 1, 1).unwrap_or(last);
    let (left, width) = (260i64, 1000i64);
    let days = (end - start).num_days().max(1);
    let x = |d: NaiveDate| left + (d - start).num_days() * (width - left - 10) / days;
    let ticks = (start.year()..=end.year()).filter_map(|y| Some((x(NaiveDate::from_ymd_opt(y, 1, 1)?), y))).collect();
    let bars = spans
        .iter()
        .enumerate()
        .map(|(i, (from, until, l))| {
            let window = crate::calendar::add_months(*until, -12).max(*from);
            Bar {
                y: 28 + i as i64 * 30,
                x: x(*from),
                w: (x(*until) - x(*from)).max(2),
                window_x: x(window),
                window_w: (x(*until) - x(window)).max(1),
                name: l.title.chars().take(32).collect(),
                tooltip: format!("{} : du {} au {}", l.title, from.format("%d/%m/%Y"), until.format("%d/%m/%Y")),
            }
        })
        .collect::<Vec<_>>();
    Timeline { width, height: 40 + bars.len() as i64 * 30, today_x: x(today), ticks, bars }
}

#[derive(Template)]
#[template(path = "pages/dashboard.html")]
struct DashboardPage {
    user: Option<UserBar>,
    timeline: Timeline,
    charts: Vec<Chart>,
    can_create: bool,
    label_counts: Vec<(String, usize)>,
    dossiers: Vec<DossierRow>,
    labels: Vec<LabelRow>,
    /// (date, link, title, what)
    deadlines: Vec<(String, String, String, String)>,
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

fn state_label(app: &App, machine: Machine, state: &str) -> String {
    app.workflow.machine(machine).state(state).map(|s| s.label.clone()).unwrap_or_else(|| state.into())
}

async fn dashboard(State(app): State<App>, browser: Browser) -> Response {
    let actor = &browser.actor;
    let loaded = async {
        let dossiers = app.dossiers(actor, None, None).await?;
        let labels = app.labels(actor, &Default::default()).await?;
        let deadlines = app.deadlines(actor, 90).await?;
        Ok::<_, AppError>((dossiers, labels, deadlines))
    }
    .await;
    let (dossiers, labels, deadlines) = match loaded {
        Ok(v) => v,
        Err(e) => {
            return message(
                bar(&browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Tableau de bord indisponible",
                &messages::describe(&e).1,
            )
        }
    };
    let mut label_counts = Vec::new();
    for s in &app.workflow.label_machine.states {
        let n = labels.iter().filter(|l| l.status == s.name).count();
        if n > 0 {
            label_counts.push((format!("Labels au statut « {} »", s.label), n));
        }
    }
    let page_data = DashboardPage {
        user: bar(&browser),
        timeline: timeline(&labels, crate::calendar::paris_date(app.clock.now())),
        charts: charts(&labels),
        can_create: actor.has_role(Role::Porteur),
        label_counts,
        dossiers: dossiers
            .into_iter()
            .map(|d| DossierRow {
                state: state_label(&app, Machine::Dossier, &d.state),
                category: messages::choice_label(&d.category).into(),
                region: reference::region(&d.region).map(|r| r.label.to_string()).unwrap_or(d.region),
                updated: french_instant(&d.updated_at),
                id: d.id,
                title: d.title,
            })
            .collect(),
        labels: labels
            .into_iter()
            .map(|l| LabelRow {
                status: state_label(&app, Machine::Label, &l.status),
                category: messages::choice_label(&l.category).into(),
                valid_from: french_date(&l.valid_from),
                valid_until: french_date(&l.valid_until),
                id: l.id,
                title: l.title,
            })
            .collect(),
        deadlines: deadlines
            .into_iter()
            .map(|d| {
                let what = app
                    .workflow
                    .machine(Machine::parse(&d.entity).unwrap_or(Machine::Dossier))
                    .event(&d.event)
                    .map(|e| e.label.clone())
                    .unwrap_or(d.event);
                (french_instant(&d.due_at), format!("/{}s/{}", d.entity, d.entity_id), d.title, what)
            })
            .collect(),
    };
    page(page_data, StatusCode::OK)
}

struct ScoreInput {
    name: String,
    label: String,
    min: i64,
    max: i64,
    value: String,
    error: String,
}

struct FieldInput {
    name: String,
    label: String,
    /// An input type, or `select`, `textarea`, `scores`.
    kind: &'static str,
    required: bool,
    choices: Vec<(String, String)>,
    value: String,
    error: String,
    scores: Vec<ScoreInput>,
}

struct ActionForm {
    event: String,
    label: String,
    open: bool,
    fields: Vec<FieldInput>,
}

struct ReviewRow {
    label: String,
    scores: Vec<String>,
    average: String,
    threshold: i64,
    meets: bool,
}

#[derive(Default)]
struct ReviewTable {
    columns: Vec<String>,
    rows: Vec<ReviewRow>,
    comments: Vec<String>,
}

/// The reviews the actor may see, side by side per criterion.
async fn review_table(app: &App, browser: &Browser, id: Uuid) -> ReviewTable {
    let reviews = app.reviews(&browser.actor, id).await.unwrap_or_default();
    if reviews.is_empty() {
        return ReviewTable::default();
    }
    let names = app.store.users_with_role(Role::Rapporteur).await.unwrap_or_default();
    let columns = reviews
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.reviewer_id
                .as_ref()
                .and_then(|rid| names.iter().find(|(uid, _)| uid == rid).map(|(_, n)| n.clone()))
                .unwrap_or_else(|| format!("Expertise {}", i + 1))
        })
        .collect();
    let rows = app
        .workflow
        .grid
        .criteria
        .iter()
        .map(|c| {
            let values: Vec<i64> = reviews.iter().filter_map(|r| r.scores.get(&c.code).copied()).collect();
            let average = values.iter().sum::<i64>() as f64 / values.len().max(1) as f64;
            ReviewRow {
                label: c.label.clone(),
                scores: reviews
                    .iter()
                    .map(|r| r.scores.get(&c.code).map(|v| v.to_string()).unwrap_or_default())
                    .collect(),
                average: format!("{average:.1}").replace('.', ","),
                threshold: c.excellence,
                meets: average >= c.excellence as f64,
            }
        })
        .collect();
    let comments = reviews.iter().map(|r| r.comment.clone()).filter(|c| !c.is_empty()).collect();
    ReviewTable { columns, rows, comments }
}

#[derive(Template)]
#[template(path = "pages/dossier.html")]
struct DossierPage {
    reviews: ReviewTable,
    /// (code, label, descriptor, text)
    self_assessment: Vec<(String, String, String, String)>,
    user: Option<UserBar>,
    csrf: String,
    checklist: Vec<String>,
    editable: bool,
    partner_types: Vec<(String, String)>,
    d: DossierView,
    state_label: String,
    category: String,
    endorsed_rectorat: String,
    endorsed_region: String,
    filiere: String,
    region: String,
    academies: String,
    flash: String,
    form_errors: Vec<(String, String)>,
    actions: Vec<ActionForm>,
}

/// The forms of the events the actor may send now, with what was typed and
/// the error of the one just refused.
async fn action_forms(
    app: &App,
    browser: &Browser,
    instance: &crate::engine::Instance,
    typed: &Map<String, Value>,
    refused: Option<(&str, &str, &str)>,
) -> Vec<ActionForm> {
    let machine = app.workflow.machine(instance.machine);
    let mut events: Vec<&str> = Vec::new();
    for t in machine.transitions_from_state(&instance.state) {
        if !t.roles.contains(&Role::System)
            && crate::engine::may_act(&browser.actor, &t.roles, instance)
            && !events.contains(&t.event.as_str())
        {
            events.push(&t.event);
        }
    }
    let rapporteurs = app.store.users_with_role(Role::Rapporteur).await.unwrap_or_default();
    let mut forms = Vec::new();
    for name in events {
        let Some(spec) = machine.event(name) else { continue };
        let open = refused.is_some_and(|(e, _, _)| e == name);
        let value_of = |field: &str| {
            if open {
                typed.get(field).and_then(Value::as_str).unwrap_or_default().to_string()
            } else {
                String::new()
            }
        };
        let error_of = |field: &str| match refused {
            Some((e, f, message)) if e == name && f == field => message.to_string(),
            _ => String::new(),
        };
        let fields = spec
            .fields
            .iter()
            .map(|f| {
                let (kind, choices) = match f.kind {
                    FieldType::Choice => (
                        "select",
                        f.choices.iter().map(|c| (c.clone(), messages::choice_label(c).to_string())).collect(),
                    ),
                    FieldType::User => ("select", rapporteurs.clone()),
                    FieldType::Integer => ("number", vec![]),
                    FieldType::Date | FieldType::Deadline => ("date", vec![]),
                    FieldType::Text => ("textarea", vec![]),
                    FieldType::Scores => ("scores", vec![]),
                };
                let scores = if f.kind == FieldType::Scores {
                    app.workflow
                        .grid
                        .criteria
                        .iter()
                        .map(|c| {
                            let key = format!("{}.{}", f.name, c.code);
                            let (min, max) = c.range();
                            ScoreInput {
                                label: c.label.clone(),
                                min,
                                max,
                                value: value_of(&key),
                                error: error_of(&key),
                                name: key,
                            }
                        })
                        .collect()
                } else {
                    vec![]
                };
                FieldInput {
                    label: messages::field_label(&f.name).to_string(),
                    value: value_of(&f.name),
                    error: error_of(&f.name),
                    name: f.name.clone(),
                    kind,
                    required: f.required,
                    choices,
                    scores,
                }
            })
            .collect();
        forms.push(ActionForm { event: name.to_string(), label: spec.label.clone(), open, fields });
    }
    forms
}

async fn render_dossier(
    app: &App,
    browser: &Browser,
    id: Uuid,
    flash: &str,
    typed: &Map<String, Value>,
    refused: Option<(&str, AppError)>,
) -> Response {
    let instance = match app.visible_dossier(&browser.actor, id).await {
        Ok(i) => i,
        Err(_) => return not_found(browser, Machine::Dossier),
    };
    let d = match app.store.dossier_view(id).await {
        Ok(d) => d,
        Err(e) => {
            return message(
                bar(browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Dossier indisponible",
                &messages::describe(&e.into()).1,
            )
        }
    };
    let (status, form_errors, refused_at) = match &refused {
        Some((event, e)) => {
            let (field, text) = messages::describe(e);
            let status = match e {
                AppError::Refused(crate::engine::Refusal::NotAllowed { .. }) => StatusCode::FORBIDDEN,
                AppError::Refused(
                    crate::engine::Refusal::StaleVersion { .. } | crate::engine::Refusal::WrongState { .. },
                )
                | AppError::Store(crate::store::StoreError::Conflict { .. }) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            (status, vec![(field.clone(), text.clone())], Some((event.to_string(), field, text)))
        }
        None => (StatusCode::OK, vec![], None),
    };
    let refused_ref = refused_at.as_ref().map(|(e, f, t)| (e.as_str(), f.as_str(), t.as_str()));
    let actions = action_forms(app, browser, &instance, typed, refused_ref).await;
    let Facts::Dossier(facts) = &instance.facts else {
        return message(bar(browser), StatusCode::NOT_FOUND, "Dossier introuvable", "");
    };
    let editable = crate::app::access::edits_content(&browser.actor, facts)
        && app.workflow.dossier.state(&instance.state).is_some_and(|s| s.editable);
    let checklist = if instance.state == app.workflow.dossier.initial { checklist(facts) } else { vec![] };
    let academies =
        d.academies.iter().map(|a| reference::academie(a).map(|x| x.label).unwrap_or(a)).collect::<Vec<_>>().join(", ");
    let self_assessment = app
        .workflow
        .grid
        .criteria
        .iter()
        .map(|c| {
            (
                c.code.clone(),
                c.label.clone(),
                c.descriptor.clone(),
                d.self_assessment.get(&c.code).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let page_data = DossierPage {
        self_assessment,
        reviews: review_table(app, browser, id).await,
        user: bar(browser),
        csrf: browser.csrf.clone(),
        checklist,
        editable,
        partner_types: reference::PARTNER_TYPES.iter().map(|p| (p.code.to_string(), p.label.to_string())).collect(),
        state_label: state_label(app, Machine::Dossier, &d.state),
        category: messages::choice_label(&d.category).to_string(),
        endorsed_rectorat: endorsed(&d.endorsements.rectorat),
        endorsed_region: endorsed(&d.endorsements.region),
        filiere: reference::filiere(&d.filiere).map(|f| f.label.to_string()).unwrap_or_else(|| d.filiere.clone()),
        region: reference::region(&d.region).map(|r| r.label.to_string()).unwrap_or_else(|| d.region.clone()),
        academies,
        flash: flash.into(),
        form_errors,
        actions,
        d,
    };
    page(page_data, status)
}

fn endorsed(at: &Option<String>) -> String {
    match at {
        Some(at) => format!("oui, le {}", french_instant(at)),
        None => "pas encore".into(),
    }
}

#[derive(Deserialize)]
struct Flash {
    fait: Option<String>,
}

async fn dossier(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Dossier);
    };
    let done = match flash.fait.as_deref() {
        Some("cree") => "Action enregistrée : dossier créé.".to_string(),
        Some("partenaire") => "Action enregistrée : partenaire ajouté.".to_string(),
        Some("partenaire-retire") => "Action enregistrée : partenaire retiré.".to_string(),
        Some("auto-evaluation") => "Action enregistrée : auto-évaluation.".to_string(),
        Some(e) => app
            .workflow
            .dossier
            .event(e)
            .map(|e| format!("Action enregistrée : {}.", e.label.to_lowercase()))
            .unwrap_or_default(),
        None => String::new(),
    };
    render_dossier(&app, &browser, id, &done, &Map::new(), None).await
}

/// Turns a submitted form into an event for the workflow.
fn event_from_form(
    app: &App,
    machine: Machine,
    pairs: &[(String, String)],
) -> (String, Option<i64>, Map<String, Value>, Map<String, Value>) {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let name = get("event");
    let version = get("version").parse().ok();
    let mut typed = Map::new();
    for (k, v) in pairs {
        if k != "csrf" && k != "event" && k != "version" {
            typed.insert(k.clone(), Value::String(v.clone()));
        }
    }
    let mut data = Map::new();
    if let Some(spec) = app.workflow.machine(machine).event(&name) {
        for f in &spec.fields {
            match f.kind {
                FieldType::Scores => {
                    let prefix = format!("{}.", f.name);
                    let scores: Map<String, Value> = pairs
                        .iter()
                        .filter_map(|(k, v)| {
                            let code = k.strip_prefix(&prefix)?;
                            let v = v.trim();
                            Some((
                                code.to_string(),
                                v.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(v.into())),
                            ))
                        })
                        .collect();
                    data.insert(f.name.clone(), Value::Object(scores));
                }
                FieldType::Integer => {
                    let v = get(&f.name);
                    if !v.is_empty() {
                        data.insert(f.name.clone(), v.parse::<i64>().map(Value::from).unwrap_or(Value::String(v)));
                    }
                }
                _ => {
                    let v = get(&f.name);
                    if !v.is_empty() {
                        data.insert(f.name.clone(), Value::String(v));
                    }
                }
            }
        }
    }
    (name, version, data, typed)
}

async fn dossier_event(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    instance_event(&app, &browser, Machine::Dossier, &id, &pairs).await
}

/// A workflow action sent from a dossier's or label's page: done, then back
/// to the page with a notice; refused, then the page again with the error
/// and what was typed.
async fn instance_event(
    app: &App,
    browser: &Browser,
    machine: Machine,
    id: &str,
    pairs: &[(String, String)],
) -> Response {
    let Ok(id) = Uuid::parse_str(id) else { return not_found(browser, machine) };
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !same_token(&browser.csrf, csrf) {
        return expired(browser);
    }
    let (name, version, data, typed) = event_from_form(app, machine, pairs);
    let event = Event { name: name.clone(), data, expected_version: version, subject: None };
    match app.act(&browser.actor, machine, id, event).await {
        Ok(_) => Redirect::to(&format!("/{}s/{id}?fait={name}", machine.name())).into_response(),
        Err(e) => match machine {
            Machine::Dossier => render_dossier(app, browser, id, "", &typed, Some((&name, e))).await,
            Machine::Label => render_label(app, browser, id, "", &typed, Some((&name, e))).await,
        },
    }
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

/// What still blocks the submission of a draft, in French.
fn checklist(d: &crate::engine::DossierFacts) -> Vec<String> {
    let mut items = Vec::new();
    let missing = d.missing_fields();
    if !missing.is_empty() {
        let names: Vec<&str> = missing
            .iter()
            .map(|f| match *f {
                "title" => "intitulé",
                "filiere" => "filière",
                "region" => "région",
                "academies" => "académie",
                "support_establishment" => "établissement support",
                _ => "directeur opérationnel",
            })
            .collect();
        items.push(format!("Compléter : {}.", names.join(", ")));
    }
    if !d.partners.iter().any(|(_, kind)| kind == "eple") {
        items.push("Ajouter au moins un EPLE au réseau.".into());
    }
    if !d.endorsed_rectorat {
        items.push("Obtenir le portage du recteur.".into());
    }
    if !d.endorsed_region {
        items.push("Obtenir le portage du président de région.".into());
    }
    items
}

#[derive(Deserialize)]
struct PartnerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: String,
}

async fn add_partner(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(form): Form<PartnerForm>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Dossier);
    };
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    match app.add_partner(&browser.actor, id, &form.name, &form.kind).await {
        Ok(_) => Redirect::to(&format!("/dossiers/{id}?fait=partenaire")).into_response(),
        Err(e) => render_dossier(&app, &browser, id, "", &Map::new(), Some(("partenaire", e))).await,
    }
}

async fn remove_partner(
    State(app): State<App>,
    browser: Browser,
    Path((id, partner)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let (Ok(id), Ok(partner)) = (Uuid::parse_str(&id), Uuid::parse_str(&partner)) else {
        return message(bar(&browser), StatusCode::NOT_FOUND, "Introuvable", "Ce partenaire n'existe pas.");
    };
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    match app.remove_partner(&browser.actor, id, partner).await {
        Ok(()) => Redirect::to(&format!("/dossiers/{id}?fait=partenaire-retire")).into_response(),
        Err(e) => render_dossier(&app, &browser, id, "", &Map::new(), Some(("partenaire", e))).await,
    }
}

#[derive(Deserialize, Default)]
struct NewDossierForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    filiere: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    academie: String,
    #[serde(default)]
    support_establishment: String,
    #[serde(default)]
    directeur_operationnel: String,
}

#[derive(Template)]
#[template(path = "pages/new_dossier.html")]
struct NewDossierPage {
    user: Option<UserBar>,
    csrf: String,
    errors: Vec<(String, String)>,
    v: NewDossierForm,
    campaigns: Vec<(String, String)>,
    filieres: Vec<(String, String)>,
    regions: Vec<(String, String)>,
    academies: Vec<(String, String)>,
}

async fn new_dossier_form(
    app: &App,
    browser: &Browser,
    v: NewDossierForm,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let now = app.clock.now();
    let campaigns = app
        .store
        .campaigns()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| chrono::DateTime::parse_from_rfc3339(&c.closes_at).is_ok_and(|t| t > now))
        .map(|c| (c.id, c.name))
        .collect();
    let list = |items: &[reference::Entry]| items.iter().map(|e| (e.code.to_string(), e.label.to_string())).collect();
    let page_data = NewDossierPage {
        user: bar(browser),
        csrf: browser.csrf.clone(),
        errors,
        v,
        campaigns,
        filieres: list(reference::FILIERES),
        regions: list(reference::REGIONS),
        academies: reference::ACADEMIES.iter().map(|a| (a.code.to_string(), a.label.to_string())).collect(),
    };
    page(page_data, status)
}

async fn new_dossier_page(State(app): State<App>, browser: Browser) -> Response {
    let v = NewDossierForm { category: "standard".into(), ..Default::default() };
    new_dossier_form(&app, &browser, v, vec![], StatusCode::OK).await
}

async fn create_dossier(State(app): State<App>, browser: Browser, Form(v): Form<NewDossierForm>) -> Response {
    if !same_token(&browser.csrf, &v.csrf) {
        return expired(&browser);
    }
    let input = crate::app::dossiers::DossierInput {
        campaign_id: v.campaign_id.clone(),
        title: v.title.clone(),
        kind: "creation".into(),
        renewal_of: None,
        category: v.category.clone(),
        filiere: v.filiere.clone(),
        region: v.region.clone(),
        academies: if v.academie.is_empty() { vec![] } else { vec![v.academie.clone()] },
        support_establishment: v.support_establishment.clone(),
        directeur_operationnel: v.directeur_operationnel.clone(),
    };
    match app.create_dossier_for(&browser.actor, &input).await {
        Ok(d) => Redirect::to(&format!("/dossiers/{}?fait=cree", d.id)).into_response(),
        Err(e) => {
            let (field, text) = messages::describe(&e);
            let field = if field == "academies" { "academies".to_string() } else { field };
            let text = text.replace("Champ :", "Valeur :");
            new_dossier_form(&app, &browser, v, vec![(field, text)], StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "pages/label.html")]
struct LabelPage {
    user: Option<UserBar>,
    csrf: String,
    l: crate::store::views::LabelView,
    status: String,
    category: String,
    valid_from: String,
    valid_until: String,
    academies: String,
    flash: String,
    form_errors: Vec<(String, String)>,
    actions: Vec<ActionForm>,
    /// (date, what, status)
    timers: Vec<(String, String, String)>,
    /// (date, action, by)
    history: Vec<(String, String, String)>,
}

async fn render_label(
    app: &App,
    browser: &Browser,
    id: Uuid,
    flash: &str,
    typed: &Map<String, Value>,
    refused: Option<(&str, AppError)>,
) -> Response {
    let Ok(l) = app.label(&browser.actor, id).await else { return not_found(browser, Machine::Label) };
    let Ok(instance) = app.store.instance(Machine::Label, id).await else { return not_found(browser, Machine::Label) };
    let (status, form_errors, refused_at) = match &refused {
        Some((event, e)) => {
            let (field, text) = messages::describe(e);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![(field.clone(), text.clone())],
                Some((event.to_string(), field, text)),
            )
        }
        None => (StatusCode::OK, vec![], None),
    };
    let refused_ref = refused_at.as_ref().map(|(e, f, t)| (e.as_str(), f.as_str(), t.as_str()));
    let actions = action_forms(app, browser, &instance, typed, refused_ref).await;
    let timers = app
        .timers(&browser.actor, Machine::Label, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let what = app.workflow.label_machine.event(&t.event).map(|e| e.label.clone()).unwrap_or(t.event);
            let status = match t.status.as_str() {
                "pending" => "à venir",
                "fired" => "passée",
                "cancelled" => "annulée",
                _ => "sans objet",
            };
            (french_instant(&t.due_at), what, status.to_string())
        })
        .collect();
    let history = app
        .label_audit(&browser.actor, id)
        .await
        .map(|trail| {
            trail
                .into_iter()
                .map(|e| {
                    let what =
                        app.workflow.label_machine.event(&e.action).map(|x| x.label.clone()).unwrap_or_else(|| match e
                            .action
                            .as_str()
                        {
                            "create" => "Label accordé".to_string(),
                            other => other.to_string(),
                        });
                    let by =
                        if e.actor == "system" { "automatique".to_string() } else { "personne habilitée".to_string() };
                    (e.at.with_timezone(&crate::calendar::ZONE).format("%d/%m/%Y %H:%M").to_string(), what, by)
                })
                .collect()
        })
        .unwrap_or_default();
    let page_data = LabelPage {
        user: bar(browser),
        csrf: browser.csrf.clone(),
        status: state_label(app, Machine::Label, &l.status),
        category: messages::choice_label(&l.category).to_string(),
        valid_from: french_date(&l.valid_from),
        valid_until: french_date(&l.valid_until),
        academies: l
            .academies
            .iter()
            .map(|a| reference::academie(a).map(|x| x.label).unwrap_or(a))
            .collect::<Vec<_>>()
            .join(", "),
        flash: flash.into(),
        form_errors,
        actions,
        timers,
        history,
        l,
    };
    page(page_data, status)
}

async fn label(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Label);
    };
    let done = flash
        .fait
        .and_then(|e| {
            app.workflow.label_machine.event(&e).map(|e| format!("Action enregistrée : {}.", e.label.to_lowercase()))
        })
        .unwrap_or_default();
    render_label(&app, &browser, id, &done, &Map::new(), None).await
}

async fn label_event(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    instance_event(&app, &browser, Machine::Label, &id, &pairs).await
}

/// A bar chart: its title and, per bar, (label, count, bar width).
type Chart = (String, Vec<(String, usize, i64)>);

/// Labels counted by filière and by région, as bar lengths out of 360.
fn charts(labels: &[crate::store::views::LabelView]) -> Vec<Chart> {
    if labels.is_empty() {
        return vec![];
    }
    let count = |key: fn(&crate::store::views::LabelView) -> String| {
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for l in labels {
            *counts.entry(key(l)).or_default() += 1;
        }
        let max = counts.values().copied().max().unwrap_or(1).max(1);
        counts.into_iter().map(|(k, n)| (k, n, (n as i64 * 360) / max as i64)).collect::<Vec<_>>()
    };
    vec![
        (
            "Labels par filière".to_string(),
            count(|l| reference::filiere(&l.filiere).map(|f| f.label.to_string()).unwrap_or_else(|| l.filiere.clone())),
        ),
        (
            "Labels par région".to_string(),
            count(|l| reference::region(&l.region).map(|r| r.label.to_string()).unwrap_or_else(|| l.region.clone())),
        ),
    ]
}

#[derive(Template)]
#[template(path = "pages/password.html")]
struct PasswordPage {
    user: Option<UserBar>,
    csrf: String,
    done: bool,
    errors: Vec<(String, String)>,
    err_current: bool,
    err_new: bool,
    err_confirm: bool,
}

fn password_form(browser: &Browser, done: bool, errors: Vec<(String, String)>, status: StatusCode) -> Response {
    let has = |f: &str| errors.iter().any(|(field, _)| field == f);
    let (err_current, err_new, err_confirm) = (has("current"), has("new"), has("confirm"));
    page(
        PasswordPage {
            user: bar(browser),
            csrf: browser.csrf.clone(),
            done,
            errors,
            err_current,
            err_new,
            err_confirm,
        },
        status,
    )
}

async fn password_page(browser: Browser) -> Response {
    password_form(&browser, false, vec![], StatusCode::OK)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(State(app): State<App>, browser: Browser, Form(form): Form<PasswordForm>) -> Response {
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    if form.new != form.confirm {
        let errors = vec![("confirm".to_string(), "Confirmation : les deux mots de passe diffèrent.".to_string())];
        return password_form(&browser, false, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match app.change_password(&browser.actor, &browser.token, &form.current, &form.new).await {
        Ok(()) => password_form(&browser, true, vec![], StatusCode::OK),
        Err(e) => {
            let message = match &e {
                AppError::Refused(crate::engine::Refusal::InvalidInput { field, .. }) if field == "current" => {
                    "Mot de passe actuel : il ne correspond pas.".to_string()
                }
                AppError::Refused(crate::engine::Refusal::InvalidInput { field, .. }) if field == "new" => {
                    "Nouveau mot de passe : 8 caractères au moins.".to_string()
                }
                other => messages::describe(other).1,
            };
            let field = match &e {
                AppError::Refused(crate::engine::Refusal::InvalidInput { field, .. }) => field.clone(),
                _ => "current".into(),
            };
            password_form(&browser, false, vec![(field, message)], StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

async fn self_assessment(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Dossier);
    };
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !same_token(&browser.csrf, csrf) {
        return expired(&browser);
    }
    let texts: std::collections::BTreeMap<String, String> = pairs.into_iter().filter(|(k, _)| k != "csrf").collect();
    match app.set_self_assessment(&browser.actor, id, &texts).await {
        Ok(_) => Redirect::to(&format!("/dossiers/{id}?fait=auto-evaluation")).into_response(),
        Err(e) => render_dossier(&app, &browser, id, "", &Map::new(), Some(("auto-evaluation", e))).await,
    }
}
