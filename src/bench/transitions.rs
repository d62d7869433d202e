//! `labelflow bench transitions`: dossier transitions per second through
//! the engine and the store, against raw SQL doing the same kinds of writes
//! (state update, audit insert, outbox insert, timer insert) per transaction.

use super::scratch::Scratch;
use super::Sample;
use crate::app::{App, AppError};
use crate::clock::ManualClock;
use crate::engine::{Actor, Event, Grant, Scope};
use crate::store::records::{NewCampaign, NewDossier, NewUser};
use crate::store::{to_micros, Backend, Store};
use crate::workflow::{Definition, Machine, Role};
use chrono::{Duration as Days, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub struct Options {
    pub backend: Backend,
    pub server: String,
    pub clients: usize,
    pub seconds: f64,
    pub rounds: usize,
    /// Dossiers each client cycles through.
    pub dossiers_per_client: usize,
}

pub async fn run(opts: &Options, workflow: Definition, out: &mut impl std::io::Write) -> Result<f64, AppError> {
    let scratch = Scratch::create(opts.backend, &opts.server).await?;
    let result = measure(&scratch.store, opts, workflow, out).await;
    scratch.drop_all().await?;
    result
}

struct Fixture {
    app: App,
    porteur: Actor,
    rectorat: Actor,
    /// Per client: engine dossiers, and raw-baseline dossiers.
    engine: Vec<Vec<Uuid>>,
    raw: Arc<Vec<Vec<Uuid>>>,
}

async fn user(store: &Store, email: &str, role: Role, scope: Option<&str>) -> Result<Actor, AppError> {
    let new = NewUser {
        email: email.into(),
        name: email.into(),
        password_hash: "benchmark".into(),
        grants: vec![Grant { role, scope: scope.and_then(Scope::parse) }],
        affiliations: vec![],
    };
    let id = store.create_user(&new, &Actor::system(), Utc::now()).await?;
    Ok(store.actor(id).await?)
}

async fn fixture(store: &Store, opts: &Options, workflow: Definition) -> Result<Fixture, AppError> {
    let now = Utc::now();
    let clock = ManualClock::new(now);
    let app = App::new(store.clone(), Arc::new(workflow), Arc::new(clock));
    let admin = user(store, "admin@bench", Role::admin(), None).await?;
    let porteur = user(store, "porteur@bench", Role::new("porteur"), None).await?;
    let rectorat = user(store, "rectorat@bench", Role::new("staff_rectorat"), Some("academie:LYON")).await?;
    let region = user(store, "region@bench", Role::new("staff_region"), Some("region:ARA")).await?;
    let campaign = NewCampaign {
        name: "bench".into(),
        workflow: "cmq".into(),
        sources: None,
        criteria: "cmq-2019".into(),
        opens_at: now - Days::days(10),
        closes_at: now + Days::days(60),
        kinds: vec!["creation".into()],
    };
    let campaign = store.create_campaign(&campaign, &admin, now).await?;
    let owner = porteur.user_id.unwrap_or_default();
    let new = || {
        NewDossier {
            campaign_id: campaign,
            kind: "creation".into(),
            category: "standard".into(),
            title: "Campus de banc d'essai".into(),
            ..Default::default()
        }
        .with_form(serde_json::json!({
            "filiere": "numerique-telecommunications",
            "region": "ARA",
            "academies": ["LYON"],
            "support_establishment": "Lycée du banc",
            "directeur_operationnel": "Direction",
        }))
    };
    let (mut engine, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..opts.clients {
        let (mut mine, mut baseline) = (Vec::new(), Vec::new());
        for _ in 0..opts.dossiers_per_client {
            let id = app.create_dossier(&porteur, owner, new()).await?;
            app.add_partner(&porteur, id, "Lycée du banc", "eple").await?;
            for staff in [&rectorat, &region] {
                app.act(staff, Machine::Dossier, id, Event::named("endorse")).await?;
            }
            app.act(&porteur, Machine::Dossier, id, Event::named("submit")).await?;
            mine.push(id);
            baseline.push(app.create_dossier(&porteur, owner, new()).await?);
        }
        engine.push(mine);
        raw.push(baseline);
    }
    Ok(Fixture { app, porteur, rectorat, engine, raw: Arc::new(raw) })
}

async fn measure(
    store: &Store,
    opts: &Options,
    workflow: Definition,
    out: &mut impl std::io::Write,
) -> Result<f64, AppError> {
    let fx = Arc::new(fixture(store, opts, workflow).await?);
    let slice = Duration::from_secs_f64(opts.seconds / opts.rounds as f64);
    let _ = writeln!(
        out,
        "bench transitions: backend {:?}, {} clients, {} rounds of {:.2} s per side",
        opts.backend,
        opts.clients,
        opts.rounds,
        slice.as_secs_f64()
    );
    let (mut raw_total, mut engine_total) = (Sample::default(), Sample::default());
    let mut raw_seq = vec![0i64; opts.clients];
    let mut requested = vec![vec![false; opts.dossiers_per_client]; opts.clients];
    for round in 0..opts.rounds {
        // Alternate which side goes first so drift favours neither.
        for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let sample = if side == 0 {
                raw_round(store, &fx.raw, slice, &mut raw_seq).await?
            } else {
                engine_round(&fx, slice, &mut requested).await?
            };
            if side == 0 {
                raw_total.merge(sample)
            } else {
                engine_total.merge(sample)
            }
        }
    }
    let ratio = engine_total.per_second() / raw_total.per_second().max(1e-9);
    let _ = writeln!(out, "{}", raw_total.line("raw SQL"));
    let _ = writeln!(out, "{}", engine_total.line("engine"));
    let _ = writeln!(out, "ratio {ratio:.3}");
    Ok(ratio)
}

/// Runs every client for `slice`; each client's work returns its latencies.
async fn clients<F, Fut>(count: usize, slice: Duration, work: F) -> Result<Sample, AppError>
where
    F: Fn(usize, Instant) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Duration>, AppError>> + Send + 'static,
{
    let start = Instant::now();
    let deadline = start + slice;
    let tasks: Vec<_> = (0..count).map(|c| tokio::spawn(work(c, deadline))).collect();
    let mut sample = Sample::default();
    for t in tasks {
        sample.latencies.extend(t.await.map_err(|e| crate::store::StoreError::Invalid(e.to_string()))??);
    }
    sample.elapsed = start.elapsed();
    Ok(sample)
}

async fn engine_round(fx: &Arc<Fixture>, slice: Duration, requested: &mut [Vec<bool>]) -> Result<Sample, AppError> {
    let states: Vec<Vec<bool>> = requested.to_vec();
    let shared = Arc::new(tokio::sync::Mutex::new(states));
    let sample = clients(requested.len(), slice, |c, deadline| {
        let (fx, shared) = (fx.clone(), shared.clone());
        async move {
            let mut mine = shared.lock().await[c].clone();
            let mut latencies = Vec::new();
            let mut i = 0;
            let due = (Utc::now() + Days::days(30)).format("%Y-%m-%d").to_string();
            while Instant::now() < deadline {
                let k = i % mine.len();
                let id = fx.engine[c][k];
                let t = Instant::now();
                if mine[k] {
                    fx.app.act(&fx.porteur, Machine::Dossier, id, Event::named("complete")).await?;
                } else {
                    let e =
                        Event::named("request_completion").with("message", "Pièce manquante").with("due", due.clone());
                    fx.app.act(&fx.rectorat, Machine::Dossier, id, e).await?;
                }
                latencies.push(t.elapsed());
                mine[k] = !mine[k];
                i += 1;
            }
            shared.lock().await[c] = mine;
            Ok(latencies)
        }
    })
    .await?;
    let states = shared.lock().await;
    requested.clone_from_slice(&states);
    Ok(sample)
}

/// The raw-SQL bound: `seqs.len()` clients, client `c` cycling through
/// `pools[c]` (dossiers no one else writes) for `slice`.
pub async fn raw_round(
    store: &Store,
    pools: &Arc<Vec<Vec<Uuid>>>,
    slice: Duration,
    seqs: &mut [i64],
) -> Result<Sample, AppError> {
    let shared = Arc::new(tokio::sync::Mutex::new(seqs.to_vec()));
    let sample = clients(seqs.len(), slice, |c, deadline| {
        let (pools, shared, store) = (pools.clone(), shared.clone(), store.clone());
        async move {
            let mut seq = shared.lock().await[c];
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let ids = &pools[c];
                let id = ids[(seq as usize) % ids.len()];
                let t = Instant::now();
                store.raw_transition(id, seq, to_micros(Utc::now())).await?;
                latencies.push(t.elapsed());
                seq += 1;
            }
            shared.lock().await[c] = seq;
            Ok(latencies)
        }
    })
    .await?;
    seqs.clone_from_slice(&shared.lock().await);
    Ok(sample)
}
