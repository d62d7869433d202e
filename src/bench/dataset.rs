//! `labelflow bench dataset`: a national-scale data set for the load
//! benchmarks, made through the engine like real use (every dossier's
//! history is a chain of accepted transitions with its audit entries,
//! timers and e-mails), spread over every item of the benchmark file's
//! reference list, as its [`Profile`] says.

use super::profile::{Cast, Profile};
use crate::app::dossiers::DossierPatch;
use crate::app::{App, AppError};
use crate::auth::hash_password;
use crate::store::baseline::DatasetCounts;
use crate::store::{to_micros, StoreError};
use chrono::Duration;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// Password of every generated account.
pub const PASSWORD: &str = "bench-labelflow";

/// The sizes asked for; the defaults are the reference data set.
#[derive(Debug, Clone)]
pub struct Spec {
    pub dossiers: usize,
    pub campaigns: usize,
    pub users: usize,
    pub audit: usize,
    pub timers: usize,
    /// Dossiers built at the same time.
    pub workers: usize,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec { dossiers: 10_000, campaigns: 10, users: 500, audit: 100_000, timers: 20_000, workers: 4 }
    }
}

/// Builds the data set into the (empty, migrated) store of `app`, writing
/// progress to `out`; returns what the database then holds.
pub async fn generate(
    app: &App,
    profile: &Profile,
    spec: &Spec,
    out: &mut impl std::io::Write,
) -> Result<(Cast, DatasetCounts), AppError> {
    let started = Instant::now();
    // One hash for all: argon2 is deliberately slow and not what is measured.
    let hash = hash_password(PASSWORD).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let cast = Arc::new(Cast::make(app, profile, spec.users, spec.campaigns, &hash).await?);
    let (def, profile) = (app.definition(&profile.workflow)?, Arc::new(profile.clone()));
    let _ = writeln!(out, "dataset: {} users, {} campaigns in {:.1} s", spec.users, spec.campaigns, secs(started));
    let next = Arc::new(AtomicUsize::new(0));
    let drafts = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for _ in 0..spec.workers.max(1) {
        let (app, cast, next, drafts, total) = (app.clone(), cast.clone(), next.clone(), drafts.clone(), spec.dossiers);
        let (def, profile) = (def.clone(), profile.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return Ok::<(), AppError>(());
                }
                let campaign = cast.campaigns[i % cast.campaigns.len()];
                let id = cast.dossier(&app, &profile, &def, campaign, i, profile.stage_of(i)).await?;
                if profile.stage_of(i).is_empty() {
                    drafts.lock().await.push((id, i));
                }
            }
        }));
    }
    let mut last = 0;
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let done = next.load(Ordering::Relaxed).min(spec.dossiers);
        if done >= last + 1000 || (done == spec.dossiers && done != last) {
            let _ = writeln!(out, "dataset: {done} dossiers in {:.1} s", secs(started));
            last = done;
        }
        if tasks.iter().all(|t| t.is_finished()) {
            break;
        }
    }
    for t in tasks {
        t.await.map_err(|e| StoreError::Invalid(e.to_string()))??;
    }
    let drafts = drafts.lock().await.clone();
    top_up(app, &cast, &profile, spec, &drafts).await?;
    app.store.mark_outbox_sent(to_micros(app.clock.now())).await?;
    let counts = app.store.dataset_counts().await?;
    let _ = writeln!(
        out,
        "dataset: {} users, {} campaigns, {} dossiers, {} labels, {} audit entries, {} pending timers in {:.1} s",
        counts.users,
        counts.campaigns,
        counts.dossiers,
        counts.labels,
        counts.audit,
        counts.pending_timers,
        secs(started)
    );
    let states: Vec<String> = counts.dossiers_by_state.iter().map(|(s, n)| format!("{s} {n}")).collect();
    let _ = writeln!(out, "dataset: dossiers by state: {}", states.join(", "));
    let cast =
        Arc::try_unwrap(cast).map_err(|_| StoreError::Invalid("the data set's accounts are still shared".into()))?;
    Ok((cast, counts))
}

fn secs(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}

/// Brings the audit log and the pending timers up to the asked sizes with
/// what a busy call adds: owners retitling their drafts, and reminders
/// ahead on drafts.
async fn top_up(
    app: &App,
    cast: &Arc<Cast>,
    profile: &Arc<Profile>,
    spec: &Spec,
    drafts: &[(Uuid, usize)],
) -> Result<(), AppError> {
    if drafts.is_empty() {
        return Ok(());
    }
    let counts = app.store.dataset_counts().await?;
    let edits = (spec.audit as i64 - counts.audit).max(0) as usize;
    let next = Arc::new(AtomicUsize::new(0));
    let drafts = Arc::new(drafts.to_vec());
    let mut tasks = Vec::new();
    for _ in 0..spec.workers.max(1) {
        let (app, next, drafts, cast, profile) =
            (app.clone(), next.clone(), drafts.clone(), cast.clone(), profile.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= edits {
                    return Ok::<(), AppError>(());
                }
                let (id, i) = drafts[k % drafts.len()];
                let owner = cast.pick(&profile, &profile.dossier.owner, i)?;
                let title = crate::demo::fill(&profile.write.retitle, &[("i", i.to_string()), ("k", k.to_string())]);
                app.update_dossier(owner, id, &DossierPatch { title: Some(title), ..Default::default() }).await?;
            }
        }));
    }
    for t in tasks {
        t.await.map_err(|e| StoreError::Invalid(e.to_string()))??;
    }
    let missing = (spec.timers as i64 - app.store.dataset_counts().await?.pending_timers).max(0) as usize;
    let start = to_micros(app.clock.now() + Duration::days(120));
    let reminders: Vec<(&str, Uuid, &str, i64)> = (0..missing)
        .map(|k| ("dossier", drafts[k % drafts.len()].0, profile.write.timer.as_str(), start + k as i64 * 60_000_000))
        .collect();
    for chunk in reminders.chunks(2000) {
        app.store.insert_timers("dataset", chunk).await?;
    }
    Ok(())
}
