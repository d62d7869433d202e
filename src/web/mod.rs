//! HTTP: the JSON API under `/api/v1` and health probes (axum).

pub mod api;
pub mod client;
pub mod documents;
pub mod error;
pub mod export;
pub mod feeds;
pub mod headers;
pub mod limits;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod pages;

use crate::app::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: String,
    /// The primary workflow, `ID vVERSION`.
    pub workflow: String,
    /// Every workflow the server runs, `ID vVERSION`, the primary first.
    pub workflows: Vec<String>,
    pub version: String,
}

pub fn router(app: App) -> Router {
    let policy = headers::Policy::new(app.secure_cookies, app.sign_on.as_ref().map(|s| s.settings.issuer.as_str()));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::guarded))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/workflows", get(workflows))
        .route("/api/v1/workflows/{id}", get(workflow_summary))
        .route("/ical/{file}", get(feeds::feed))
        .merge(api::routes())
        .merge(pages::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(limits::refuse_declared_oversize))
        .layer(axum::middleware::from_fn_with_state(policy, headers::security_headers))
        .layer(axum::middleware::from_fn(observe::observe))
        .with_state(app)
}

/// Liveness and readiness: 200 when the database answers.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = error::ErrorBody)))]
pub async fn healthz(State(app): State<App>) -> Result<Json<Health>, ApiError> {
    app.store.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        workflow: format!("{} v{}", app.workflow.id, app.workflow.version),
        workflows: app.workflows.iter().map(|w| format!("{} v{}", w.id, w.version)).collect(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct WorkflowSummary {
    pub id: String,
    pub label: String,
    pub version: u32,
    /// The content version instances are pinned to (a hash of the file and
    /// its grid): dossiers and calls name it in `workflow_version`.
    pub revision: String,
    pub criteria: String,
    /// State name → French label, per machine.
    pub dossier_states: Vec<StateSummary>,
    pub label_states: Vec<StateSummary>,
    /// Every event of both machines with its typed inputs, so that a client
    /// can build its forms.
    pub events: Vec<EventSummary>,
    /// The criteria grid the experts score against.
    pub grid: GridSummary,
    /// The dossier's form: sections of typed fields, whose values a
    /// dossier holds at its top level.
    pub form: crate::workflow::Form,
    /// The roles some transition allows.
    pub roles: Vec<String>,
    /// The roles the workflow declares: name, French label, kind (owner,
    /// staff, reviewer, national), the scope kind a staff role acts in.
    pub role_details: Vec<crate::workflow::RoleDef>,
    /// The workflow file's own predicates, with what a refused person reads.
    pub predicates: Vec<PredicateSummary>,
    /// The records the file declares: name, machine, French label, key,
    /// writers, typed fields (`from`: `input` or `actor_side`).
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<crate::workflow::RecordDef>,
    /// The rules the file may switch off, whether they are on, and what is
    /// still to confirm about each.
    #[schema(value_type = Vec<Object>)]
    pub options: Vec<crate::workflow::OptionDef>,
    /// Who sets the calls for projects: `scope` null for national calls
    /// (an administrator opens them), else the scope kind each call is set
    /// for, by the staff roles in `opened_by`.
    pub campaigns: crate::workflow::CampaignRules,
    /// The yearly list of labels granted, if the workflow publishes one
    /// (`GET /api/v1/workflows/{id}/publication`): its title, the form
    /// fields it shows, its sections and what puts a label in each.
    pub publication: Option<crate::workflow::Publication>,
}

#[derive(Serialize, ToSchema)]
pub struct GridSummary {
    pub id: String,
    pub label: String,
    /// What each score means (a criterion's own `levels` replace these).
    #[schema(value_type = Object)]
    pub levels: std::collections::BTreeMap<i64, String>,
    pub criteria: Vec<crate::workflow::Criterion>,
}

#[derive(Serialize, ToSchema)]
pub struct PredicateSummary {
    pub name: String,
    /// `dossier` or `label`.
    pub machine: String,
    /// The CEL expression that must hold, and after `missing: ` the list
    /// that must be empty.
    pub rule: String,
    /// The refusal code when it does not.
    pub code: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct EventSummary {
    /// `dossier` or `label`.
    pub machine: String,
    pub name: String,
    pub label: String,
    pub fields: Vec<FieldSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldSummary {
    pub name: String,
    pub label: String,
    pub help: Option<String>,
    /// text, choice, integer, date, deadline, user or scores.
    #[serde(rename = "type")]
    pub kind: String,
    pub required: bool,
    /// For a choice: each code with what a person reads.
    pub choices: Vec<Choice>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// `field=value`: required when another input has that value.
    pub required_if: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Choice {
    pub code: String,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct StateSummary {
    pub name: String,
    pub label: String,
    pub terminal: bool,
    /// Events some transition accepts in this state.
    pub events: Vec<String>,
}

/// The workflows this server runs, each with its states, events and their
/// inputs, for clients building their forms.
#[utoipa::path(get, path = "/api/v1/workflows", tag = "workflows", responses((status = 200, body = [WorkflowSummary])))]
pub async fn workflows(State(app): State<App>) -> Json<Vec<WorkflowSummary>> {
    Json(app.workflows.iter().map(|w| summary(w)).collect())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RevisionQuery {
    /// A version a dossier or call is pinned to (its `workflow_version`);
    /// the current one without it.
    pub version: Option<String>,
}

/// The states and events of a workflow, for clients building their menus.
#[utoipa::path(get, path = "/api/v1/workflows/{id}", tag = "workflows",
    params(("id" = String, Path, description = "workflow id (`GET /api/v1/workflows`)"), RevisionQuery),
    responses((status = 200, body = WorkflowSummary), (status = 404, body = error::ErrorBody)))]
pub async fn workflow_summary(
    State(app): State<App>,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<RevisionQuery>,
) -> Result<Json<WorkflowSummary>, ApiError> {
    let workflow = app.workflows.at(&id, query.version.as_deref()).ok_or_else(|| ApiError::not_found("workflow"))?;
    Ok(Json(summary(workflow)))
}

fn summary(wf: &crate::workflow::Definition) -> WorkflowSummary {
    let states = |m: &crate::workflow::MachineDef| {
        m.states
            .iter()
            .map(|s| StateSummary {
                name: s.name.clone(),
                label: s.label.clone(),
                terminal: s.terminal,
                events: m.events_from(&s.name).into_iter().map(String::from).collect(),
            })
            .collect()
    };
    let events = wf
        .machines()
        .into_iter()
        .flat_map(|(machine, m)| m.events.iter().map(move |e| (machine, e)))
        .map(|(machine, e)| EventSummary {
            machine: machine.name().to_string(),
            name: e.name.clone(),
            label: e.label.clone(),
            fields: e
                .fields
                .iter()
                .map(|f| FieldSummary {
                    name: f.name.clone(),
                    label: f.label.clone(),
                    help: f.help.clone(),
                    kind: f.kind.name().to_string(),
                    required: f.required,
                    choices: f
                        .choices
                        .iter()
                        .map(|c| Choice { code: c.clone(), label: f.choice_label(c).to_string() })
                        .collect(),
                    min: f.min,
                    max: f.max,
                    required_if: f.required_if.as_ref().map(|(other, value)| format!("{other}={value}")),
                })
                .collect(),
        })
        .collect();
    WorkflowSummary {
        id: wf.id.clone(),
        label: wf.label.clone(),
        version: wf.version,
        revision: wf.revision.clone(),
        criteria: wf.grid.id.clone(),
        dossier_states: states(&wf.dossier),
        label_states: states(&wf.label_machine),
        events,
        grid: GridSummary {
            id: wf.grid.id.clone(),
            label: wf.grid.label.clone(),
            levels: wf.grid.levels.clone(),
            criteria: wf.grid.criteria.clone(),
        },
        form: wf.form.clone(),
        role_details: wf.roles.clone(),
        roles: {
            let mut roles: Vec<String> = wf
                .machines()
                .into_iter()
                .flat_map(|(_, m)| &m.transitions)
                .flat_map(|t| &t.roles)
                .map(|r| r.name().to_string())
                .collect();
            roles.sort();
            roles.dedup();
            roles
        },
        predicates: wf
            .rules
            .values()
            .map(|r| PredicateSummary {
                name: r.name.clone(),
                machine: r.machine.name().to_string(),
                rule: r.source(),
                code: r.code.clone(),
                message: r.message.clone(),
            })
            .collect(),
        records: wf.records.clone(),
        options: wf.options.clone(),
        campaigns: wf.campaigns.clone(),
        publication: wf.publication.clone(),
    }
}

/// An unknown address: JSON under `/api/`, a French page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource").into_response()
    } else {
        pages::unknown_page()
    }
}
