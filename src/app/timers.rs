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

impl App {
    /// Fires, in due order, every timer due at `now` (timers made due by
    /// the firings themselves included).
    pub async fn fire_due(&self, now: DateTime<Utc>) -> Result<Vec<Firing>, AppError> {
        let mut fired = Vec::new();
        let system = Actor::system();
        loop {
            let firing = self
                .store
                .fire_next(now, |instance, timer| {
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
            match firing {
                Ok(Some(f)) => {
                    tracing::info!(timer = %f.timer, entity = %f.entity, id = %f.entity_id, outcome = %f.outcome, "timer");
                    fired.push(f);
                }
                Ok(None) => {
                    if fired.iter().any(|f| f.outcome == "fired") {
                        self.mail_wake.notify_one();
                    }
                    return Ok(fired);
                }
                // Another action on the same instance won the race: this
                // timer is still pending and is tried again on the next pass.
                Err(crate::store::StoreError::Conflict { .. }) => continue,
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
        if !(1..=366).contains(&days) {
            return Err(engine::Refusal::invalid("days", "must be between 1 and 366").into());
        }
        let until = self.clock.now() + Duration::days(days);
        let mut deadlines = self.store.deadlines(&super::access::visibility(&*self.workflows, actor), until).await?;
        // The reviewers' own deadlines tell who reviews: for them and for
        // the national level only (as in `timers`).
        if !super::access::sees_every_review(&*self.workflows, actor) {
            let own = actor.user_id.map(|u| u.to_string()).unwrap_or_default();
            let per_reviewer = |timer: &str| {
                self.workflows.iter().any(|w| w.dossier.timer(timer).is_some_and(|t| t.anchor.per_reviewer()))
            };
            deadlines.retain(|d| {
                d.entity != Machine::Dossier.name() || !per_reviewer(&d.timer) || (!own.is_empty() && d.key == own)
            });
        }
        Ok(deadlines)
    }
}
