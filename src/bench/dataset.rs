//! `labelflow bench dataset`: a national-scale data set for the load
//! benchmarks, made through the engine like real use (every dossier's
//! history is a chain of accepted transitions with its audit entries,
//! timers and e-mails), spread over every académie and région.

use crate::app::dossiers::DossierPatch;
use crate::app::{App, AppError};
use crate::auth::hash_password;
use crate::engine::{Actor, Event, Grant, Scope};

use crate::store::baseline::DatasetCounts;
use crate::store::records::{NewCampaign, NewDossier, NewUser};
use crate::store::{to_micros, StoreError};
use crate::workflow::{Machine, Role};
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

/// E-mail of the rectorat account of académie `code` (`LYON`, ...).
pub fn rectorat_email(code: &str) -> String {
    format!("rectorat.{}@bench.labelflow.fr", code.to_lowercase())
}

pub const ADMIN_EMAIL: &str = "admin@bench.labelflow.fr";

/// How far each tenth of the dossiers is taken: 3 drafts, 2 submitted,
/// 1 under review, 1 reviewed, 3 labelled.
fn depth(i: usize) -> u8 {
    match i % 10 {
        0..=2 => 0,
        3 | 4 => 1,
        5 => 2,
        6 => 3,
        _ => 4,
    }
}

struct Cast {
    rectorats: Vec<Actor>,
    /// Région code → its staff account.
    regions: Vec<(String, Actor)>,
    presidents: Vec<Actor>,
    rapporteurs: Vec<Actor>,
    /// Per académie (same order as the académies list): its porteurs.
    porteurs: Vec<Vec<Actor>>,
    campaigns: Vec<Uuid>,
}

/// Builds the data set into the (empty, migrated) store of `app`, writing
/// progress to `out`; returns what the database then holds.
pub async fn generate(app: &App, spec: &Spec, out: &mut impl std::io::Write) -> Result<DatasetCounts, AppError> {
    let started = Instant::now();
    let cast = Arc::new(cast(app, spec).await?);
    let _ = writeln!(out, "dataset: {} users, {} campaigns in {:.1} s", spec.users, spec.campaigns, secs(started));
    let next = Arc::new(AtomicUsize::new(0));
    let drafts = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for _ in 0..spec.workers.max(1) {
        let (app, cast, next, drafts, total) = (app.clone(), cast.clone(), next.clone(), drafts.clone(), spec.dossiers);
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return Ok::<(), AppError>(());
                }
                let id = dossier(&app, &cast, i).await?;
                if depth(i) == 0 {
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
    top_up(app, &cast, spec, &drafts).await?;
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
    Ok(counts)
}

fn secs(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}

async fn cast(app: &App, spec: &Spec) -> Result<Cast, AppError> {
    let now = app.clock.now();
    // One hash for all: argon2 is deliberately slow and not what is measured.
    let hash = hash_password(PASSWORD).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let user = |email: String, name: String, role: Role, scope: Option<String>| {
        let new = NewUser {
            email,
            name,
            password_hash: hash.clone(),
            grants: vec![Grant { role, scope: scope.as_deref().and_then(Scope::parse) }],
            affiliations: vec![],
        };
        async move {
            let id = app.store.create_user(&new, &Actor::system(), now).await?;
            Ok::<Actor, AppError>(app.store.actor(id).await?)
        }
    };
    let admin = user(ADMIN_EMAIL.into(), "Administration nationale".into(), Role::admin(), None).await?;
    let mut presidents = Vec::new();
    for p in 1..=2 {
        presidents.push(
            user(format!("president{p}@bench.labelflow.fr"), format!("Présidence {p}"), Role::new("president"), None)
                .await?,
        );
    }
    let mut rectorats = Vec::new();
    for a in crate::reference::items("academies") {
        let scope = format!("academie:{}", a.code);
        rectorats.push(
            user(rectorat_email(&a.code), format!("Rectorat {}", a.label), Role::new("staff_rectorat"), Some(scope))
                .await?,
        );
    }
    let mut regions: Vec<(String, Actor)> = Vec::new();
    for a in crate::reference::items("academies") {
        if regions.iter().all(|(r, _)| r != a.parent()) {
            let email = format!("region.{}@bench.labelflow.fr", a.parent().to_lowercase());
            let staff = user(
                email,
                format!("Région {}", a.parent()),
                Role::new("staff_region"),
                Some(format!("region:{}", a.parent())),
            );
            regions.push((a.parent().to_string(), staff.await?));
        }
    }
    let made = 1 + presidents.len() + rectorats.len() + regions.len();
    let left = spec.users.saturating_sub(made);
    let mut rapporteurs = Vec::new();
    for r in 0..(left / 4).max(2) {
        let email = format!("rapporteur{r}@bench.labelflow.fr");
        rapporteurs.push(user(email, format!("Rapporteur {r}"), Role::new("rapporteur"), None).await?);
    }
    let mut porteurs = vec![Vec::new(); crate::reference::items("academies").len()];
    let count = left.saturating_sub(rapporteurs.len()).max(crate::reference::items("academies").len());
    for p in 0..count {
        let a = &crate::reference::items("academies")[p % crate::reference::items("academies").len()];
        let email = format!(
            "porteur{}.{}@bench.labelflow.fr",
            p / crate::reference::items("academies").len(),
            a.code.to_lowercase()
        );
        porteurs[p % crate::reference::items("academies").len()]
            .push(user(email, format!("Porteur {p}"), Role::new("porteur"), None).await?);
    }
    let mut campaigns = Vec::new();
    for c in 0..spec.campaigns.max(1) {
        let new = NewCampaign {
            name: format!("Appel à projets CMQ — vague {}", c + 1),
            workflow: app.workflow.id.clone(),
            sources: Some(app.workflow.sources.clone()),
            criteria: app.workflow.grid.id.clone(),
            opens_at: now - Duration::days(60),
            closes_at: now + Duration::days(90 + 7 * c as i64),
            kinds: vec!["creation".into(), "renewal".into()],
        };
        campaigns.push(app.store.create_campaign(&new, &admin, now).await?);
    }
    Ok(Cast { rectorats, regions, presidents, rapporteurs, porteurs, campaigns })
}

/// Dossier number `i`, taken as far as [`depth`] says.
async fn dossier<'a>(app: &'a App, cast: &'a Cast, i: usize) -> Result<Uuid, AppError> {
    let now = app.clock.now();
    let a = i % crate::reference::items("academies").len();
    let academie = &crate::reference::items("academies")[a];
    let filiere = &crate::reference::items("filieres")
        [(i / crate::reference::items("academies").len()) % crate::reference::items("filieres").len()];
    let owners = &cast.porteurs[a];
    let porteur = &owners[(i / crate::reference::items("academies").len()) % owners.len()];
    let rectorat = &cast.rectorats[a];
    let region = &cast.regions.iter().find(|(r, _)| r == academie.parent()).expect("région of académie").1;
    let president = &cast.presidents[i % cast.presidents.len()];
    let excellence = i.is_multiple_of(3);
    let new = NewDossier {
        campaign_id: cast.campaigns[i % cast.campaigns.len()],
        kind: "creation".into(),
        category: if excellence { "excellence" } else { "standard" }.into(),
        title: format!("Campus {} — {} n°{i}", filiere.label, academie.label),
        ..Default::default()
    }
    .with_form(serde_json::json!({
        "filiere": filiere.code,
        "region": academie.parent(),
        "academies": [academie.code],
        "support_establishment": format!("Lycée des métiers n°{}", i % 97),
        "directeur_operationnel": format!("Direction opérationnelle {i}"),
    }));
    let id = app.create_dossier(porteur, porteur.user_id.unwrap_or_default(), new).await?;
    for (p, kind) in ["eple", "universite", "entreprise"].iter().enumerate().take(1 + i % 3) {
        app.add_partner(porteur, id, &format!("Partenaire {p} du campus {i}"), kind).await?;
    }
    let act = |who: &'a Actor, e: Event| app.act(who, Machine::Dossier, id, e);
    let level = depth(i);
    if level == 0 {
        return Ok(id);
    }
    act(rectorat, Event::named("endorse")).await?;
    act(region, Event::named("endorse")).await?;
    act(porteur, Event::named("submit")).await?;
    if level == 1 {
        return Ok(id);
    }
    for body in ["crefop", "conseil_academique"] {
        act(region, Event::named("record_opinion").with("body", body).with("opinion", "favorable")).await?;
    }
    act(rectorat, Event::named("declare_admissible")).await?;
    let due = (now + Duration::days(45)).format("%Y-%m-%d").to_string();
    let n = cast.rapporteurs.len();
    // Two different rapporteurs, pairs varying with the dossier.
    let second = (i % n + 1 + (i / n) % (n - 1)) % n;
    let reviewers = [&cast.rapporteurs[i % n], &cast.rapporteurs[second]];
    for r in reviewers {
        let e = Event::named("assign_reviewer")
            .with("user_id", r.user_id.unwrap_or_default().to_string())
            .with("due", due.clone());
        act(president, e).await?;
    }
    if level == 2 {
        return Ok(id);
    }
    let scores: serde_json::Map<String, serde_json::Value> = app
        .workflow
        .grid
        .criteria
        .iter()
        .map(|c| {
            (c.code.clone(), serde_json::json!(c.thresholds.get(if excellence { "excellence" } else { "standard" })))
        })
        .collect();
    for r in reviewers {
        let e = Event::named("submit_review")
            .with("scores", serde_json::Value::Object(scores.clone()))
            .with("comment", "Réseau de partenaires solide, gouvernance claire, ouverture internationale à renforcer.");
        act(r, e).await?;
    }
    if level == 3 {
        return Ok(id);
    }
    let decision = Event::named("decide")
        .with("outcome", "labelled")
        .with("category", if excellence { "excellence" } else { "standard" })
        .with("years", (1 + i % 5) as i64)
        .with("motivation", "Projet cohérent avec les besoins du territoire et la carte des formations.");
    act(president, decision).await?;
    Ok(id)
}

/// Brings the audit log and the pending timers up to the asked sizes with
/// what a busy call adds: porteurs editing their drafts, and reminders
/// ahead on drafts.
async fn top_up(app: &App, cast: &Cast, spec: &Spec, drafts: &[(Uuid, usize)]) -> Result<(), AppError> {
    if drafts.is_empty() {
        return Ok(());
    }
    let counts = app.store.dataset_counts().await?;
    let edits = (spec.audit as i64 - counts.audit).max(0) as usize;
    let next = Arc::new(AtomicUsize::new(0));
    let drafts = Arc::new(drafts.to_vec());
    let mut tasks = Vec::new();
    for _ in 0..spec.workers.max(1) {
        let (app, next, drafts) = (app.clone(), next.clone(), drafts.clone());
        let owners: Vec<Vec<Actor>> = cast.porteurs.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= edits {
                    return Ok::<(), AppError>(());
                }
                let (id, i) = drafts[k % drafts.len()];
                let a = i % crate::reference::items("academies").len();
                let porteur = &owners[a][(i / crate::reference::items("academies").len()) % owners[a].len()];
                let patch =
                    DossierPatch { title: Some(format!("Campus n°{i} (révision {k})")), ..Default::default() };
                app.update_dossier(porteur, id, &patch).await?;
            }
        }));
    }
    for t in tasks {
        t.await.map_err(|e| StoreError::Invalid(e.to_string()))??;
    }
    let missing = (spec.timers as i64 - app.store.dataset_counts().await?.pending_timers).max(0) as usize;
    let start = to_micros(app.clock.now() + Duration::days(120));
    let reminders: Vec<(&str, Uuid, &str, i64)> = (0..missing)
        .map(|k| ("dossier", drafts[k % drafts.len()].0, "remind_call_closing", start + k as i64 * 60_000_000))
        .collect();
    for chunk in reminders.chunks(2000) {
        app.store.insert_timers("dataset", chunk).await?;
    }
    Ok(())
}
