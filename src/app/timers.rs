//! Firing timers: every due timer's event goes through the engine as the
//! system actor, exactly once, in due order.

use super::{App, AppError};
use crate::engine::{self, Actor, Event, Person};
use crate::store::timers::{Deadline, Firing, TimerView};
use crate::store::Backend;
use crate::workflow::Machine;
use chrono::{DateTime, Duration, Utc};
use std::time::Duration as StdDuration;
use uuid::Uuid;

/// Longest sleep between two looks at the timer table, whatever wakes it.
pub const POLL: StdDuration = StdDuration::from_secs(30);

/// Timers a claimer fires in one transaction: one commit (one fsync)
/// for many firings, short enough that a person's action waits little
/// behind it for SQLite's single writer.
pub const BATCH: i64 = 64;

/// Claimers firing side by side on PostgreSQL, each taking other due
/// timers (`SKIP LOCKED`); SQLite has one writer, so one claimer.
pub const POSTGRES_CLAIMERS: usize = 4;

impl App {
    /// Fires, in due order, every timer due at `now` (timers made due by
    /// the firings themselves included), in batches, by several claimers on
    /// PostgreSQL. Two timers of one instance still fire in due order: a
    /// claimer leaves a timer pending while an earlier one of its instance
    /// is held by another claimer (see [`crate::store::Store::fire_batch`]).
    pub async fn fire_due(&self, now: DateTime<Utc>) -> Result<Vec<Firing>, AppError> {
        let claimers = match self.store.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => POSTGRES_CLAIMERS,
        };
        let results = futures_util::future::join_all((0..claimers).map(|_| self.claim_until_done(now))).await;
        let mut fired = Vec::new();
        for result in results {
            fired.extend(result?);
        }
        // RFC 3339 instants of one format sort as text; a stable sort keeps
        // each claimer's own order among timers due at the same instant.
        fired.sort_by(|a, b| a.due_at.cmp(&b.due_at));
        if fired.iter().any(|f| f.outcome == "fired") {
            self.mail_wake.notify_one();
            self.webhook_wake.notify_one();
        }
        Ok(fired)
    }

    /// One claimer: fires batches of due timers until none is left.
    async fn claim_until_done(&self, now: DateTime<Utc>) -> Result<Vec<Firing>, AppError> {
        let mut fired = Vec::new();
        let system = Actor::system();
        loop {
            let batch = self
                .store
                .fire_batch(now, BATCH, |instance, timer| {
                    let subject = timer.key.map(|user_id| Person { user_id, roles: vec![], affiliations: vec![] });
                    let event = Event { subject, ..Event::named(&timer.event) };
                    // Decided at the moment the timer stands for, so that a
                    // late firing (server down, clock jump) arms its follow-up
                    // timers where they belong; recorded at the real time.
                    // An instance of a workflow no longer loaded waits: its
                    // timer fails and is retried once the file is back.
                    let def = self.workflows.at(&instance.workflow, instance.workflow_version.as_deref()).ok_or_else(
                        || engine::Refusal::NotAllowed {
                            reason: format!(
                                "the workflow `{}` (version {}) is not loaded on this server",
                                instance.workflow,
                                instance.workflow_version.as_deref().unwrap_or("current")
                            ),
                        },
                    )?;
                    let mut plan = engine::decide(def, instance, &event, &system, timer.due_at)?;
                    plan.at = now;
                    Ok(plan)
                })
                .await;
            match batch {
                Ok(batch) if batch.is_empty() => return Ok(fired),
                Ok(batch) => {
                    for f in &batch {
                        tracing::info!(timer = %f.timer, entity = %f.entity, id = %f.entity_id, outcome = %f.outcome, "timer");
                        let due = DateTime::parse_from_rfc3339(&f.due_at).map(|d| d.with_timezone(&Utc));
                        let lag = due.map_or(0.0, |due| (now - due).num_milliseconds() as f64 / 1000.0);
                        crate::metrics::timer(&f.outcome, lag);
                        if f.outcome == "fired" {
                            crate::metrics::transition(&f.workflow, &f.entity, &f.event);
                        }
                    }
                    fired.extend(batch);
                }
                // Another action on the same instance won the race, or two
                // claimers' batches waited on each other's rows: the batch
                // rolled back, its timers are pending and claimed again.
                Err(e) if e.is_retryable() => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Wakes the timer worker (a plan may have added an earlier timer).
    pub fn wake_timers(&self) {
        self.wake.notify_one();
    }

    /// The timer loop of `serve`: fires what is due, then sleeps until the
    /// next timer, a wake-up, or [`POLL`]. Timers missed while the server
    /// was down are due at once. Safe to abort at any point: a firing
    /// commits whole or not at all.
    pub async fn run_timers(&self, postgres_url: Option<String>) {
        if let (Backend::Postgres, Some(url)) = (self.store.backend(), postgres_url) {
            let wake = self.wake.clone();
            tokio::spawn(async move {
                loop {
                    match sqlx::postgres::PgListener::connect(&url).await {
                        Ok(mut listener) => {
                            if listener.listen("labelflow_timers").await.is_ok() {
                                while listener.recv().await.is_ok() {
                                    wake.notify_one();
                                }
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "timer wake-ups unavailable, polling"),
                    }
                    tokio::time::sleep(StdDuration::from_secs(5)).await;
                }
            });
        }
        loop {
            if let Err(e) = self.fire_due(self.clock.now()).await {
                tracing::error!(error = %e, "firing timers failed; retrying");
                tokio::time::sleep(StdDuration::from_secs(1)).await;
                continue;
            }
            let wait = match self.store.next_due().await {
                Ok(Some(next)) => (next - self.clock.now()).to_std().unwrap_or(StdDuration::ZERO).min(POLL),
                Ok(None) => POLL,
                Err(e) => {
                    tracing::error!(error = %e, "reading the next timer failed");
                    StdDuration::from_secs(1)
                }
            };
            // Never spin: a timer due "now" that keeps conflicting waits a beat.
            let wait = wait.max(StdDuration::from_millis(10));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
            }
        }
    }

    /// Timers of a dossier or label the actor may see.
    pub async fn timers(&self, actor: &Actor, machine: Machine, id: Uuid) -> Result<Vec<TimerView>, AppError> {
        let instance = self.store.instance(machine, id).await?;
        if !super::access::sees_instance(&*self.workflows, actor, &instance) {
            return Err(crate::store::StoreError::NotFound { what: machine.name() }.into());
        }
        let mut timers = self.store.timers_of(machine, id).await?;
        // A reviewer's deadlines say who reviews and who has not yet: they
        // follow the reviews' visibility, except one's own.
        if let engine::Facts::Dossier(d) = &instance.facts {
            let workflow = self.definition_of(&instance)?;
            let decided = workflow.dossier.is_at(&instance.state, crate::workflow::Stage::Decided);
            if super::access::review_access(&*self.workflows, &workflow, actor, d, decided)
                != super::access::ReviewAccess::Full
            {
                let own = actor.user_id.map(|u| u.to_string()).unwrap_or_default();
                let def = workflow.machine(machine);
                timers.retain(|t| {
                    !def.timer(&t.name).is_some_and(|timer| timer.anchor.per_reviewer())
                        || (!own.is_empty() && t.key == own)
                });
            }
        }
        Ok(timers)
    }

    /// Puts a dead e-mail back in the queue (admins).
    pub async fn retry_mail(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        if !actor.is_admin() {
            return Err(engine::Refusal::NotAllowed { reason: "only an administrator retries e-mails".into() }.into());
        }
        self.store.retry_mail(id, self.clock.now()).await?;
        self.mail_wake.notify_one();
        Ok(())
    }

    /// What falls due in the next `days` days, within what the actor sees.
    pub async fn deadlines(&self, actor: &Actor, days: i64) -> Result<Vec<Deadline>, AppError> {
        self.first_deadlines(actor, days, None).await
    }

    /// At most `limit` of what falls due in the next `days` days within
    /// what the actor sees, soonest first.
    pub async fn first_deadlines(
        &self,
        actor: &Actor,
        days: i64,
        limit: Option<i64>,
    ) -> Result<Vec<Deadline>, AppError> {
        if !(1..=366).contains(&days) {
            return Err(engine::Refusal::invalid("days", "must be between 1 and 366").into());
        }
        let until = self.clock.now() + Duration::days(days);
        // The reviewers' own deadlines tell who reviews: for them and for
        // the national level only (as in `timers`).
        let sees_all = super::access::sees_every_review(&*self.workflows, actor);
        let per_reviewer: Vec<String> = if sees_all {
            Vec::new()
        } else {
            let timers = self.workflows.iter().flat_map(|w| &w.dossier.timers);
            timers.filter(|t| t.anchor.per_reviewer()).map(|t| t.name.clone()).collect()
        };
        let own = actor.user_id.map(|u| u.to_string()).unwrap_or_default();
        let hidden = (!sees_all).then_some((per_reviewer.as_slice(), own.as_str()));
        let visibility = super::access::visibility(&*self.workflows, actor);
        Ok(self.store.deadlines(&visibility, until, hidden, limit).await?)
    }
}
