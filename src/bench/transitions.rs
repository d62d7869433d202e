//! `labelflow bench transitions`: dossier transitions per second through
//! the engine and the store, against raw SQL doing the same kinds of writes
//! (state update, audit insert, outbox insert, timer insert) per transaction.

use super::profile::{Cast, Profile};
use super::scratch::Scratch;
use super::Sample;
use crate::app::{App, AppError};
use crate::clock::ManualClock;
use crate::engine::{Actor, Event};
use crate::store::{to_micros, Backend, Store};
use crate::workflow::{Definition, Machine};
use chrono::Utc;
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

pub async fn run(
    opts: &Options,
    workflow: Definition,
    profile: &Profile,
    out: &mut impl std::io::Write,
) -> Result<f64, AppError> {
    let scratch = Scratch::create(opts.backend, &opts.server).await?;
    let result = measure(&scratch.store, opts, workflow, profile, out).await;
    scratch.drop_all().await?;
    result
}

/// One dossier of the engine side and the steps its loop sends in turn.
type Looped = (Uuid, Vec<(Actor, Event)>);

pub(super) struct Fixture {
    app: App,
    /// Per client: engine dossiers, and raw-baseline dossiers.
    engine: Vec<Vec<Looped>>,
    raw: Arc<Vec<Vec<Uuid>>>,
}

async fn fixture(store: &Store, opts: &Options, workflow: Definition, profile: &Profile) -> Result<Fixture, AppError> {
    let clock = ManualClock::new(Utc::now());
    let app = App::new(store.clone(), Arc::new(workflow), Arc::new(clock));
    let cast = Cast::make(&app, profile, 0, 1, "benchmark").await?;
    fixture_in(app, &cast, profile, 0, opts.clients, opts.dossiers_per_client).await
}

/// Dossiers at the benchmark file's write stage, `per_client` for each of
/// `clients`, numbered from `from` on, made by `cast` in its first call.
pub(super) async fn fixture_in(
    app: App,
    cast: &Cast,
    profile: &Profile,
    from: usize,
    clients: usize,
    per_client: usize,
) -> Result<Fixture, AppError> {
    let def = app.definition(&profile.workflow)?;
    let campaign = cast.campaigns[0];
    let numbers = Cast::write_numbers(profile, from, clients * per_client);
    let (mut engine, mut raw) = (Vec::new(), Vec::new());
    for mine in numbers.chunks(per_client.max(1)) {
        let (mut looped, mut baseline) = (Vec::new(), Vec::new());
        for &i in mine {
            let id = cast.dossier(&app, profile, &def, campaign, i, &profile.write.stage).await?;
            let steps = (0..profile.write.steps.len()).map(|k| cast.write_step(&app, profile, &def, i, k));
            looped.push((id, steps.collect::<Result<Vec<_>, _>>()?));
            baseline.push(cast.dossier(&app, profile, &def, campaign, i, "").await?);
        }
        engine.push(looped);
        raw.push(baseline);
    }
    Ok(Fixture { app, engine, raw: Arc::new(raw) })
}

async fn measure(
    store: &Store,
    opts: &Options,
    workflow: Definition,
    profile: &Profile,
    out: &mut impl std::io::Write,
) -> Result<f64, AppError> {
    let fx = Arc::new(fixture(store, opts, workflow, profile).await?);
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
    let mut turns = vec![vec![0usize; opts.dossiers_per_client]; opts.clients];
    for round in 0..opts.rounds {
        // Alternate which side goes first so drift favours neither.
        for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let sample = if side == 0 {
                raw_round(store, &fx.raw, slice, &mut raw_seq).await?
            } else {
                engine_round(&fx, slice, &mut turns).await?
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

/// Client `c` sends, dossier after dossier, the next step of each one's
/// loop; `turns` keeps where each dossier is from one round to the next.
pub(super) async fn engine_round(
    fx: &Arc<Fixture>,
    slice: Duration,
    turns: &mut [Vec<usize>],
) -> Result<Sample, AppError> {
    let shared = Arc::new(tokio::sync::Mutex::new(turns.to_vec()));
    let sample = clients(turns.len(), slice, |c, deadline| {
        let (fx, shared) = (fx.clone(), shared.clone());
        async move {
            let mut mine = shared.lock().await[c].clone();
            let mut latencies = Vec::new();
            let mut i = 0;
            while Instant::now() < deadline {
                let k = i % mine.len();
                let (id, steps) = &fx.engine[c][k];
                let (actor, event) = &steps[mine[k] % steps.len()];
                let t = Instant::now();
                fx.app.act(actor, Machine::Dossier, *id, event.clone()).await?;
                latencies.push(t.elapsed());
                mine[k] += 1;
                i += 1;
            }
            shared.lock().await[c] = mine;
            Ok(latencies)
        }
    })
    .await?;
    turns.clone_from_slice(&shared.lock().await);
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
