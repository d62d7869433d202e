//! Application services: the use cases the HTTP API, the CLI and the
//! workers share. They load what the engine needs, ask it, and hand its
//! plan to the store.

pub mod access;
pub mod accounts;
pub mod api_tokens;
pub mod audit_digest;
pub mod co_owners;
pub mod documents;
pub mod dossiers;
pub mod export;
pub mod feeds;
pub mod files;
pub mod guests;
pub mod import;
pub mod listing;
pub mod messages;
pub mod preferences;
pub mod retention;
pub mod sign_on;
pub mod throttle;
pub mod timers;
pub mod versions;
pub mod webhooks;
pub mod worklists;

use crate::clock::Clock;
use crate::engine::{self, Actor, Event, Facts, Refusal};
use crate::store::{apply::Applied, records::NewDossier, Store, StoreError};
use crate::workflow::{Definition, Machine, Workflows};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Auth(#[from] accounts::AuthError),
    #[error(transparent)]
    Document(#[from] crate::documents::DocumentError),
    #[error(transparent)]
    SignOn(#[from] sign_on::SignOnRefusal),
}

#[derive(Clone, Debug)]
pub struct App {
    pub store: Store,
    /// The primary workflow: the one server-wide pages and the campus
    /// import speak of.
    pub workflow: Arc<Definition>,
    /// Every workflow the server runs; an instance runs on its own.
    pub workflows: Arc<Workflows>,
    pub clock: Arc<dyn Clock>,
    /// Where attachments are kept.
    pub data_dir: std::path::PathBuf,
    /// Session cookies carry `Secure` (the site is served over https).
    pub secure_cookies: bool,
    /// Base of the links handed out (calendar feeds): `--public-url` or the
    /// address `serve` listens on.
    pub public_url: String,
    /// Set with `serve --test-clock`: the clock the test endpoint moves.
    pub test_clock: Option<crate::clock::ManualClock>,
    /// Wakes the timer worker when a plan may have added a timer.
    pub wake: Arc<tokio::sync::Notify>,
    /// Wakes the mail worker when a step wrote e-mails.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// Wakes the webhook worker: a step may have queued deliveries.
    pub webhook_wake: Arc<tokio::sync::Notify>,
    /// Verified against when an e-mail is unknown, so that a failed login
    /// costs the same time either way.
    decoy_hash: Arc<String>,
    /// The request header a reverse proxy puts the client's address in
    /// (`--client-ip-header`); without one, the connection's peer.
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// The bearer token `/metrics` asks for on the main address; without
    /// one, the metrics are not served there.
    pub metrics_token: Option<String>,
    /// The OpenID Connect provider people may sign in with, if any.
    pub sign_on: Option<Arc<crate::sign_on::SignOn>>,
}

/// The result of an accepted event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Outcome {
    pub state: String,
    pub version: i64,
    /// The label a `labelled` decision created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_id: Option<Uuid>,
}

impl App {
    pub fn new(store: Store, workflow: Arc<Definition>, clock: Arc<dyn Clock>) -> App {
        let decoy_hash = Arc::new(crate::auth::hash_password("labelflow-decoy-password").unwrap_or_default());
        App {
            store,
            workflows: Arc::new(Workflows::single(workflow.clone())),
            workflow,
            clock,
            data_dir: "data".into(),
            secure_cookies: false,
            public_url: "http://localhost".into(),
            test_clock: None,
            wake: Arc::new(tokio::sync::Notify::new()),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
            webhook_wake: Arc::new(tokio::sync::Notify::new()),
            client_ip_header: None,
            metrics_token: None,
            sign_on: None,
            decoy_hash,
        }
    }

    /// Runs several workflows; the first is the primary one.
    pub fn with_workflows(mut self, workflows: Workflows) -> App {
        self.workflow = workflows.primary().clone();
        self.workflows = Arc::new(workflows);
        self
    }

    /// The definition an instance runs on.
    pub fn definition(&self, workflow: &str) -> Result<Arc<Definition>, AppError> {
        self.definition_at(workflow, None)
    }

    /// The definition an instance pinned to `version` of `workflow` runs
    /// on (an instance pinned to no version runs on the current one).
    pub fn definition_at(&self, workflow: &str, version: Option<&str>) -> Result<Arc<Definition>, AppError> {
        self.workflows.at(workflow, version).cloned().ok_or_else(|| {
            AppError::Store(StoreError::Invalid(match version {
                Some(v) => format!(
                    "version {v} of the workflow `{workflow}` is not loaded on this server (restart it to read the stored versions)"
                ),
                None => format!("the workflow `{workflow}` is not loaded on this server"),
            }))
        })
    }

    /// The definition `instance` runs on.
    pub fn definition_of(&self, instance: &engine::Instance) -> Result<Arc<Definition>, AppError> {
        self.definition_at(&instance.workflow, instance.workflow_version.as_deref())
    }

    /// The definition a page about an instance of `workflow` is worded
    /// with: its own, or the primary one when that workflow is not loaded
    /// (the page then says what it can rather than fail).
    pub fn wording(&self, workflow: &str, version: Option<&str>) -> Arc<Definition> {
        self.workflows
            .at(workflow, version)
            .or_else(|| self.workflows.get(workflow))
            .cloned()
            .unwrap_or_else(|| self.workflow.clone())
    }

    /// Runs on a clock that `POST /api/v1/test/clock` moves.
    pub fn with_test_clock(mut self, clock: crate::clock::ManualClock) -> App {
        self.clock = Arc::new(clock.clone());
        self.test_clock = Some(clock);
        self
    }

    pub fn with_data_dir(mut self, dir: impl Into<std::path::PathBuf>) -> App {
        self.data_dir = dir.into();
        self
    }

    /// Sends an event to a dossier or label on behalf of `actor`.
    pub async fn act(&self, actor: &Actor, machine: Machine, id: Uuid, mut event: Event) -> Result<Outcome, AppError> {
        if event.subject.is_none() {
            let user = event.data.get("user_id").and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok());
            if let Some(user) = user {
                event.subject = self.store.person(user).await?;
            }
        }
        let now = self.clock.now();
        // What the actor may not see is "not found", checked on the same
        // load the decision uses.
        // The definition the plan was decided on, kept for what follows it.
        let mut decided_on = None;
        let decide = |instance: &engine::Instance| {
            if !access::sees_instance(&*self.workflows, actor, instance) {
                return Err(AppError::Store(StoreError::NotFound { what: instance.machine.name() }));
            }
            let def = decided_on.insert(self.definition_of(instance)?);
            engine::decide(def, instance, &event, actor, now).map_err(AppError::from)
        };
        let (plan, applied) = self.store.transition(machine, id, decide).await?;
        Ok(self.applied(&plan, applied, decided_on.as_deref(), actor).await)
    }

    /// What follows a plan once applied: the workers woken for what it
    /// queued, a decision's document made.
    async fn applied(&self, plan: &engine::Plan, applied: Applied, def: Option<&Definition>, actor: &Actor) -> Outcome {
        crate::metrics::transition(def.map_or("", |d| d.id.as_str()), plan.machine.name(), &plan.event);
        if !plan.effects.timers.is_empty() || plan.new_label.is_some() {
            self.wake_timers();
        }
        if !plan.effects.messages.is_empty() || plan.new_label.is_some() || plan.thread_post.is_some() {
            self.mail_wake.notify_one();
        }
        // Every step announces its change of state.
        self.webhook_wake.notify_one();
        let decision = plan.records.iter().any(|r| matches!(r, engine::Record::Decision { .. }));
        if let (true, Some(def)) = (decision, def) {
            // The decision is recorded whatever becomes of its document: one
            // not made now is made when first asked for.
            if let Err(e) = self.issue_decision_document(def, plan.instance_id, actor).await {
                tracing::warn!(dossier = %plan.instance_id, error = %e, "the decision's document was not made");
            }
        }
        Outcome { state: plan.to_state.clone(), version: applied.version, label_id: applied.label_id }
    }

    /// Creates a draft dossier owned by `owner`, with its creation timers.
    pub async fn create_dossier(&self, actor: &Actor, owner: Uuid, mut dossier: NewDossier) -> Result<Uuid, AppError> {
        let campaign = self.store.campaign(dossier.campaign_id).await?;
        let def = self.definition_at(&campaign.workflow, campaign.workflow_version.as_deref())?;
        dossier.workflow = campaign.workflow.clone();
        dossier.initial_state = def.dossier.initial.clone();
        dossier.scopes = engine::form::scopes(&def.form, &dossier.form);
        let facts = Facts::Dossier(Box::new(engine::DossierFacts {
            call_opens_at: Some(crate::store::from_micros(campaign.opens_at)),
            call_closes_at: Some(crate::store::from_micros(campaign.closes_at)),
            ..Default::default()
        }));
        let now = self.clock.now();
        let effects = engine::creation_effects(&def, Machine::Dossier, &facts, now);
        Ok(self.store.create_dossier(&dossier, owner, &effects, actor, now).await?)
    }
}

/// The result of one item of a bulk action.
pub struct BulkItem {
    pub dossier_id: Uuid,
    pub result: Result<Outcome, AppError>,
}

/// Most dossiers one bulk action may name.
pub const BULK_LIMIT: usize = 200;

impl App {
    /// Sends the same event to each dossier, each on its own: one refused
    /// item does not stop the others, and each answer says what happened.
    pub async fn bulk_dossier_event(
        &self,
        actor: &Actor,
        ids: &[Uuid],
        event: &Event,
    ) -> Result<Vec<BulkItem>, AppError> {
        if ids.is_empty() || ids.len() > BULK_LIMIT {
            return Err(engine::Refusal::invalid("dossier_ids", format!("must name 1 to {BULK_LIMIT} dossiers")).into());
        }
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let mut event = event.clone();
            // A version belongs to one dossier; a bulk action acts on each as it is.
            event.expected_version = None;
            let result = self.act(actor, Machine::Dossier, *id, event).await;
            items.push(BulkItem { dossier_id: *id, result });
        }
        Ok(items)
    }
}
