//! `labelflow bench timers`: timers fired per second by the worker (claims
//! of a batch, per timer engine, transition and timer closed, one
//! transaction per batch) against a raw claim-and-mark loop in the same
//! batches on the same database, alternating in rounds; then the lag
//! between due time and firing of the real worker loop. With
//! `--graphile-worker`, on PostgreSQL, graphile-worker (a Node.js job
//! queue on the same server) runs the same number of jobs in each round,
//! at the concurrency asked, then in its batched mode.

use super::scratch::Scratch;
use crate::app::AppError;
use crate::store::{to_micros, Backend, Store};
use crate::workflow::Definition;
use chrono::Utc;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub struct Options {
    pub backend: Backend,
    pub server: String,
    pub timers: usize,
    pub rounds: usize,
    /// Folder whose `node_modules` holds graphile-worker.
    pub graphile_worker: Option<std::path::PathBuf>,
    /// graphile-worker's slots (its `concurrency`).
    pub graphile_concurrency: usize,
}

/// Dossiers the due timers are spread over: a few timers each per round,
/// as when many dossiers share a deadline (several claimers then rarely
/// want the same dossier at once).
const DOSSIERS: usize = 200;

const GRAPHILE_SCRIPT: &str = include_str!("graphile_worker.cjs");

/// One graphile-worker round: (jobs done, seconds from worker start to the last).
fn graphile_round(
    dir: &std::path::Path,
    url: &str,
    jobs: usize,
    concurrency: usize,
    batched: bool,
) -> Result<(usize, Duration), AppError> {
    let fail = |m: String| AppError::from(crate::store::StoreError::Invalid(m));
    let script = std::env::temp_dir().join(format!("labelflow-graphile-{}.cjs", Uuid::new_v4().simple()));
    std::fs::write(&script, GRAPHILE_SCRIPT).map_err(|e| fail(e.to_string()))?;
    let output = std::process::Command::new("node")
        .arg(&script)
        .arg(jobs.to_string())
        .arg(concurrency.to_string())
        .arg(if batched { "batched" } else { "plain" })
        .env("NODE_PATH", dir.join("node_modules"))
        .env("GRAPHILE_BENCH_URL", url)
        .output();
    std::fs::remove_file(&script).ok();
    let output = output.map_err(|e| fail(format!("running node: {e}")))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let words: Vec<&str> = text.lines().last().unwrap_or_default().split_whitespace().collect();
    match words.as_slice() {
        ["graphile-worker", done, seconds, "0"] if output.status.success() => Ok((
            done.parse().map_err(|_| fail(text.to_string()))?,
            Duration::from_secs_f64(seconds.parse().map_err(|_| fail(text.to_string()))?),
        )),
        _ => Err(fail(format!("graphile-worker round failed: {text} {}", String::from_utf8_lossy(&output.stderr)))),
    }
}

pub async fn run(opts: &Options, workflow: Definition, out: &mut impl std::io::Write) -> Result<f64, AppError> {
    let scratch = Scratch::create(opts.backend, &opts.server).await?;
    let result = measure(&scratch.store, &scratch.url, opts, workflow, out).await;
    scratch.drop_all().await?;
    result
}

async fn measure(
    store: &Store,
    url: &str,
    opts: &Options,
    workflow: Definition,
    out: &mut impl std::io::Write,
) -> Result<f64, AppError> {
    let super::Call { app, dossiers, .. } = super::open_call(store, workflow, DOSSIERS).await?;
    // Their own reminders are far ahead; only the inserted timers are due.
    let per_round = (opts.timers / opts.rounds).max(1);
    let _ = writeln!(
        out,
        "bench timers: backend {:?}, {} rounds of {per_round} due timers per side",
        opts.backend, opts.rounds
    );
    let (mut raw_n, mut raw_t, mut eng_n, mut eng_t) = (0usize, Duration::ZERO, 0usize, Duration::ZERO);
    let (mut gw_n, mut gw_t) = (0usize, Duration::ZERO);
    let (mut gwb_n, mut gwb_t) = (0usize, Duration::ZERO);
    for round in 0..opts.rounds {
        if let Some(dir) = &opts.graphile_worker {
            let (n, t) = graphile_round(dir, url, per_round, opts.graphile_concurrency, false)?;
            gw_n += n;
            gw_t += t;
            let (n, t) = graphile_round(dir, url, per_round, opts.graphile_concurrency, true)?;
            gwb_n += n;
            gwb_t += t;
        }
        for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let due = to_micros(Utc::now()) - 1_000_000;
            let batch: Vec<(&str, Uuid, &str, i64)> = (0..per_round)
                .map(|i| {
                    let d = dossiers[i % dossiers.len()];
                    if side == 0 {
                        ("baseline", d, "raw", due)
                    } else {
                        ("dossier", d, "remind_call_closing", due)
                    }
                })
                .collect();
            store.insert_timers("bench", &batch).await?;
            let started = Instant::now();
            if side == 0 {
                // As many claimers as the worker has, each batch as large.
                let claimers = match opts.backend {
                    Backend::Sqlite => 1,
                    Backend::Postgres => crate::app::timers::POSTGRES_CLAIMERS,
                };
                let claimer = || async {
                    let mut n = 0;
                    loop {
                        match store.raw_fire_batch(to_micros(Utc::now()), crate::app::timers::BATCH).await? {
                            0 => return Ok::<usize, AppError>(n),
                            k => n += k,
                        }
                    }
                };
                for done in futures_util::future::join_all((0..claimers).map(|_| claimer())).await {
                    raw_n += done?;
                }
                raw_t += started.elapsed();
            } else {
                eng_n += app.fire_due(Utc::now()).await?.len();
                eng_t += started.elapsed();
            }
        }
    }
    let raw_rate = raw_n as f64 / raw_t.as_secs_f64().max(1e-9);
    let eng_rate = eng_n as f64 / eng_t.as_secs_f64().max(1e-9);

    // Lag: timers falling due every 10 ms for 2 s, fired by the real loop.
    let start = to_micros(Utc::now()) + 200_000;
    let lagged: Vec<(&str, Uuid, &str, i64)> = (0..200)
        .map(|i| ("dossier", dossiers[i % dossiers.len()], "remind_call_closing", start + i as i64 * 10_000))
        .collect();
    store.insert_timers("lag", &lagged).await?;
    let worker = {
        let app = app.clone();
        tokio::spawn(async move { app.run_timers(None).await })
    };
    app.wake_timers();
    let deadline = Instant::now() + Duration::from_secs(30);
    let lags = loop {
        let lags = store.firing_lags("lag").await?;
        if lags.len() >= lagged.len() || Instant::now() > deadline {
            break lags;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    worker.abort();
    let mut lags = lags;
    lags.sort_unstable();
    let pct = |p: f64| {
        lags.get(((p / 100.0) * (lags.len().saturating_sub(1)) as f64).round() as usize).copied().unwrap_or(0) as f64
            / 1000.0
    };
    let _ = writeln!(out, "raw claim+mark {raw_n:>7} in {:>6.2} s = {raw_rate:>9.1}/s", raw_t.as_secs_f64());
    let _ = writeln!(out, "engine firing  {eng_n:>7} in {:>6.2} s = {eng_rate:>9.1}/s", eng_t.as_secs_f64());
    let _ = writeln!(
        out,
        "lag due->fired over {} timers falling due every 10 ms: p50 {:.1} ms, p99 {:.1} ms",
        lagged.len(),
        pct(50.0),
        pct(99.0)
    );
    if opts.graphile_worker.is_some() {
        let slots = opts.graphile_concurrency;
        let gw_rate = gw_n as f64 / gw_t.as_secs_f64().max(1e-9);
        let gwb_rate = gwb_n as f64 / gwb_t.as_secs_f64().max(1e-9);
        let _ = writeln!(
            out,
            "graphile-worker {gw_n:>7} in {:>6.2} s = {gw_rate:>9.1}/s (no-op task, concurrency {slots})",
            gw_t.as_secs_f64()
        );
        let _ = writeln!(
            out,
            "graphile-worker {gwb_n:>7} in {:>6.2} s = {gwb_rate:>9.1}/s (no-op task, concurrency {slots}, \
             batched: local queue of 500, completions together)",
            gwb_t.as_secs_f64()
        );
        let versus = eng_rate / gw_rate.max(1e-9);
        let goal = if versus >= 1.0 { "met" } else { "not met" };
        let _ = writeln!(out, "engine / graphile-worker {versus:.3} (concurrency {slots}; goal >= 1: {goal})");
        let _ = writeln!(out, "engine / graphile-worker batched {:.3}", eng_rate / gwb_rate.max(1e-9));
    }
    let ratio = eng_rate / raw_rate.max(1e-9);
    let _ = writeln!(out, "ratio {ratio:.3}");
    Ok(ratio)
}
