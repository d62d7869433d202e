//! `labelflow bench growth`: what a transition costs in a database of a
//! thousand dossiers and in one of a hundred thousand, side by side in the
//! same run. A cost that grows with the data (a statement scanning what
//! an index should find) shows as a ratio below one.
//!
//! Both databases get the same data set made through the engine; the large
//! one then gets copies of it (see [`crate::store::replicas`]) up to its
//! size. The measured dossiers are made afterwards, through the engine, in
//! both.

use super::dataset::{self, Spec};
use super::profile::Profile;
use super::scratch::Scratch;
use super::transitions::{engine_round, fixture_in, Fixture};
use super::Sample;
use crate::app::{App, AppError};
use crate::clock::ManualClock;
use crate::store::Backend;
use crate::workflow::Definition;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;

pub struct Options {
    pub backend: Backend,
    pub server: String,
    /// Dossiers of the small database, made through the engine.
    pub small: usize,
    /// Dossiers of the large database, at least.
    pub large: usize,
    pub clients: usize,
    pub seconds: f64,
    pub rounds: usize,
}

/// Dossiers each client cycles through.
const PER_CLIENT: usize = 8;

pub async fn run(
    opts: &Options,
    workflow: Definition,
    profile: &Profile,
    out: &mut impl std::io::Write,
) -> Result<f64, AppError> {
    let small = Scratch::create(opts.backend, &opts.server).await?;
    let large = match Scratch::create(opts.backend, &opts.server).await {
        Ok(large) => large,
        Err(e) => {
            small.drop_all().await?;
            return Err(e.into());
        }
    };
    let result = measure(&small, &large, opts, workflow, profile, out).await;
    small.drop_all().await?;
    large.drop_all().await?;
    result
}

async fn prepare(
    scratch: &Scratch,
    copies: usize,
    opts: &Options,
    workflow: &Definition,
    profile: &Profile,
    out: &mut impl std::io::Write,
) -> Result<(Arc<Fixture>, i64), AppError> {
    let clock = ManualClock::new(Utc::now());
    let app = App::new(scratch.store.clone(), Arc::new(workflow.clone()), Arc::new(clock));
    let spec = Spec { dossiers: opts.small, campaigns: 10, users: 500, audit: 0, timers: 0, workers: 4 };
    let (cast, _) = dataset::generate(&app, profile, &spec, &mut std::io::sink()).await?;
    scratch.store.replicate_instances(copies).await?;
    // As the hourly refresh of a running server would have.
    scratch.store.refresh_statistics().await?;
    let counts = scratch.store.dataset_counts().await?;
    let _ = writeln!(
        out,
        "growth: database of {} dossiers, {} labels, {} audit entries, {} pending timers",
        counts.dossiers, counts.labels, counts.audit, counts.pending_timers
    );
    let fx = fixture_in(app, &cast, profile, opts.large, opts.clients, PER_CLIENT).await?;
    Ok((Arc::new(fx), counts.dossiers))
}

async fn measure(
    small: &Scratch,
    large: &Scratch,
    opts: &Options,
    workflow: Definition,
    profile: &Profile,
    out: &mut impl std::io::Write,
) -> Result<f64, AppError> {
    let copies = opts.large.div_ceil(opts.small) - 1;
    let (small_fx, small_n) = prepare(small, 0, opts, &workflow, profile, out).await?;
    let (large_fx, large_n) = prepare(large, copies, opts, &workflow, profile, out).await?;
    let slice = Duration::from_secs_f64(opts.seconds / opts.rounds as f64);
    let _ = writeln!(
        out,
        "bench growth: backend {:?}, {} clients, {} rounds of {:.2} s per side",
        opts.backend,
        opts.clients,
        opts.rounds,
        slice.as_secs_f64()
    );
    let (mut on_small, mut on_large) = (Sample::default(), Sample::default());
    let mut turns = [vec![vec![0usize; PER_CLIENT]; opts.clients], vec![vec![0usize; PER_CLIENT]; opts.clients]];
    for round in 0..opts.rounds {
        // Alternate which side goes first so drift favours neither.
        for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            if side == 0 {
                on_small.merge(engine_round(&small_fx, slice, &mut turns[0]).await?);
            } else {
                on_large.merge(engine_round(&large_fx, slice, &mut turns[1]).await?);
            }
        }
    }
    let ratio = on_large.per_second() / on_small.per_second().max(1e-9);
    let _ = writeln!(out, "{}", on_small.line(&format!("transitions at {small_n} dossiers")));
    let _ = writeln!(out, "{}", on_large.line(&format!("transitions at {large_n} dossiers")));
    let _ = writeln!(out, "ratio {ratio:.3}");
    Ok(ratio)
}
