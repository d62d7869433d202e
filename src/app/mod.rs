//! Application services: the use cases the HTTP API, the CLI and the
//! workers share. They load what the engine needs, ask it, and hand its
//! plan to the store.

use crate::clock::Clock;
use crate::engine::{self, Actor, Event, Facts, Refusal};
use crate::store::{apply::Applied, records::NewDossier, Store, StoreError};
use crate::workflow::{Definition, Machine};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Debug)]
pub struct App {
    pub store: Store,
    pub workflow: Arc<Definition>,
    pub clock: Arc<dyn Clock>,
}

/// The result of an accepted event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub state: String,
    pub version: i64,
    pub label_id: Option<Uuid>,
}

impl App {
    pub fn new(store: Store, workflow: Arc<Definition>, clock: Arc<dyn Clock>) -> App {
        App { store, workflow, clock }
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
        let decide = |instance: &engine::Instance| {
            engine::decide(&self.workflow, instance, &event, actor, now).map_err(AppError::from)
        };
        let (plan, Applied { version, label_id, .. }) = self.store.transition(machine, id, decide).await?;
        Ok(Outcome { state: plan.to_state, version, label_id })
    }

    /// Creates a draft dossier owned by `owner`, with its creation timers.
    pub async fn create_dossier(&self, actor: &Actor, owner: Uuid, mut dossier: NewDossier) -> Result<Uuid, AppError> {
        let campaign = self.store.campaign(dossier.campaign_id).await?;
        dossier.workflow = campaign.workflow.clone();
        dossier.initial_state = self.workflow.dossier.initial.clone();
        let facts = Facts::Dossier(Box::new(engine::DossierFacts {
            call_opens_at: Some(crate::store::from_micros(campaign.opens_at)),
            call_closes_at: Some(crate::store::from_micros(campaign.closes_at)),
            ..Default::default()
        }));
        let now = self.clock.now();
        let effects = engine::creation_effects(&self.workflow, Machine::Dossier, &facts, now);
        Ok(self.store.create_dossier(&dossier, owner, &effects, actor, now).await?)
    }
}
