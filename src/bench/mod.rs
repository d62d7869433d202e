//! Benchmarks that measure labelflow against a baseline in the same run,
//! on the same database, alternating the two sides in rounds so that a
//! noisy machine slows both alike. Each prints `ratio R` last.

pub mod dataset;
pub mod growth;
pub mod http;
pub mod mail;
pub mod predicates;
pub mod profile;
pub mod scratch;
pub mod timers;
pub mod transitions;

use crate::app::{App, AppError};
use crate::clock::SystemClock;
use crate::engine::{Actor, Grant};
use crate::store::records::{NewCampaign, NewDossier, NewUser};
use crate::store::Store;
use crate::workflow::{Definition, Role};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// What the queue benchmarks start from: an open call for projects with an
/// admin and a project owner, and `dossiers` drafts of that owner.
pub struct Call {
    pub app: App,
    pub admin: Actor,
    pub owner: Uuid,
    pub owner_email: String,
    pub dossiers: Vec<Uuid>,
}

pub async fn open_call(store: &Store, workflow: Definition, dossiers: usize) -> Result<Call, AppError> {
    let app = App::new(store.clone(), Arc::new(workflow), Arc::new(SystemClock));
    let now = chrono::Utc::now();
    let user = |email: &str, role| NewUser {
        email: email.into(),
        name: "Camille Bench".into(),
        password_hash: "benchmark".into(),
        grants: vec![Grant { role, scope: None }],
        affiliations: vec![],
    };
    let admin =
        store.actor(store.create_user(&user("admin@bench.test", Role::admin()), &Actor::system(), now).await?).await?;
    let owner_email = "owner@bench.test".to_string();
    let owner = store.create_user(&user(&owner_email, owner_role(&app.workflow)?), &Actor::system(), now).await?;
    let owner_actor = store.actor(owner).await?;
    let campaign = NewCampaign {
        name: "bench".into(),
        workflow: app.workflow.id.clone(),
        sources: Some(app.workflow.sources.clone()),
        criteria: app.workflow.grid.id.clone(),
        opens_at: now - chrono::Duration::days(10),
        closes_at: now + chrono::Duration::days(300),
        kinds: vec!["creation".into()],
        territory: None,
    };
    let campaign = store.create_campaign(&campaign, &admin, now).await?;
    let mut ids = Vec::with_capacity(dossiers);
    for i in 0..dossiers {
        let d = NewDossier {
            campaign_id: campaign,
            kind: "creation".into(),
            category: app.workflow.categories().first().map(|(c, _)| c.clone()).unwrap_or_default(),
            title: format!("Dossier d'essai {i}"),
            ..Default::default()
        };
        ids.push(app.create_dossier(&owner_actor, owner, d).await?);
    }
    Ok(Call { app, admin, owner, owner_email, dossiers: ids })
}

/// The role owning dossiers in `def`: who the benchmarks' dossiers belong to.
pub fn owner_role(def: &Definition) -> Result<Role, AppError> {
    let role = def.roles.iter().find(|r| r.kind == crate::workflow::RoleKind::Owner);
    let role =
        role.ok_or_else(|| crate::store::StoreError::Invalid(format!("workflow `{}` has no owner role", def.id)));
    Ok(role?.name.clone())
}

/// Latency percentiles and throughput of one side of a benchmark.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

impl Sample {
    pub fn merge(&mut self, other: Sample) {
        self.latencies.extend(other.latencies);
        self.elapsed += other.elapsed;
    }

    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
        sorted[rank.min(sorted.len() - 1)]
    }

    pub fn line(&self, name: &str) -> String {
        format!(
            "{name:<10} {:>7} in {:>6.2} s = {:>9.1}/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
            self.latencies.len(),
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.percentile(50.0).as_secs_f64() * 1e3,
            self.percentile(99.0).as_secs_f64() * 1e3
        )
    }
}
