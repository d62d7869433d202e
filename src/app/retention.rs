//! Retention of personal data (a workflow's `[retention]`): a pass warns
//! the owners of what ended a while before its period runs out, and
//! erases what outlived it and its warning. Each instance is warned or
//! erased in its own transaction, checked again under its row's lock: a
//! pass may stop at any point, and two servers' passes never warn or
//! erase twice.

use super::{App, AppError};
use crate::calendar::{paris_date, timer_due, Offset, TimerAnchorValue};
use crate::store::retention::{Scrub, Standing};
use crate::store::views::RetentionView;
use crate::workflow::{Definition, FieldType, Machine, Period, Retention};
use chrono::{DateTime, Duration, Utc};

/// How often `serve` makes a pass: periods are counted in days.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Instances read at once; a backlog (the first pass after an upgrade) is
/// worked through in pages.
const ROUND: i64 = 200;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RetentionPass {
    /// Instances whose owners were told of the coming erasure.
    pub warned: usize,
    /// Instances whose personal data was erased.
    pub erased: usize,
}

/// `at` moved by `offset` on the Paris calendar, at the same wall-clock time.
fn shift(at: DateTime<Utc>, offset: Offset) -> DateTime<Utc> {
    timer_due(TimerAnchorValue::Instant(at), offset, None)
}

fn negated(offset: Offset) -> Offset {
    Offset { months: -offset.months, days: -offset.days }
}

/// When the personal data of an instance in `period`'s states since
/// `since` goes. Never unwarned nor sooner than the warning said: one found
/// past its period (the first pass after an upgrade, a server down for
/// weeks) is warned at `now` and erased a warning's length later.
fn erase_at(
    retention: &Retention,
    period: &Period,
    since: DateTime<Utc>,
    warned_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let due = shift(since, period.after);
    due.max(shift(warned_at.unwrap_or(now), negated(retention.warn)))
}

/// What `def` keeps of an erased instance: the form fields its retention
/// names, and the records' fields but the written ones.
fn scrub_of(def: &Definition, retention: &Retention) -> Scrub {
    let record_texts = def
        .records
        .iter()
        .map(|r| {
            let texts = r.fields.iter().filter(|f| f.kind == FieldType::Text).map(|f| f.name.clone()).collect();
            (r.machine, r.name.clone(), texts)
        })
        .filter(|(_, _, texts): &(Machine, String, Vec<String>)| !texts.is_empty())
        .collect();
    Scrub { keep: retention.keep.clone(), record_texts }
}

impl App {
    /// Warns and erases what is due at `now`, in every workflow that sets
    /// a retention.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn apply_retention(&self, now: DateTime<Utc>) -> Result<RetentionPass, AppError> {
        let mut pass = RetentionPass::default();
        for def in self.workflows.iter() {
            let Some(retention) = &def.retention else { continue };
            let scrub = scrub_of(def, retention);
            for machine in [Machine::Dossier, Machine::Label] {
                let Some(period) = retention.period(machine) else { continue };
                // The database compares instants; months have no fixed
                // length, so it is asked a little wide and each instance's
                // moment is reckoned here on the calendar.
                let margin = Duration::days(3);
                let erase_before = shift(now, negated(period.after)) + margin;
                let warn_before = shift(shift(now, negated(retention.warn)), negated(period.after)) + margin;
                let mut last = None;
                loop {
                    let endings = self
                        .store
                        .retention_endings(
                            machine,
                            &def.id,
                            &period.states,
                            warn_before,
                            erase_before,
                            last.as_ref(),
                            ROUND,
                        )
                        .await?;
                    for ending in &endings {
                        let erase_at = erase_at(retention, period, ending.since, ending.warned_at, now);
                        if ending.warned_at.is_none() {
                            if shift(erase_at, retention.warn) > now {
                                continue;
                            }
                            let erase_on = paris_date(erase_at);
                            let warned = self
                                .store
                                .warn_of_erasure(
                                    machine,
                                    ending.id,
                                    &period.states,
                                    ending.since,
                                    &retention.notify,
                                    erase_on,
                                    now,
                                )
                                .await?;
                            if warned {
                                tracing::info!(entity = machine.name(), id = %ending.id, %erase_on, "owners warned of the erasure");
                                crate::metrics::retention("warned");
                                pass.warned += 1;
                            }
                            continue;
                        }
                        if erase_at > now {
                            continue;
                        }
                        let erased = self
                            .store
                            .erase_ended(machine, ending.id, &period.states, ending.since, &scrub, now)
                            .await?;
                        let Some(erased) = erased else { continue };
                        tracing::info!(entity = machine.name(), id = %ending.id, entries = erased.erased_entries,
                            files = erased.files, "personal data erased (retention)");
                        crate::metrics::retention("erased");
                        pass.erased += 1;
                    }
                    if endings.len() < ROUND as usize {
                        break;
                    }
                    last = endings.last().cloned();
                }
            }
        }
        // After the erasures' commits; what a crash left is found again.
        self.delete_erased_files().await?;
        if pass.warned > 0 {
            self.mail_wake.notify_one();
        }
        Ok(pass)
    }

    /// Deletes from the data folder the files erasures queued, unless a
    /// row names them again or they were written since.
    async fn delete_erased_files(&self) -> Result<(), AppError> {
        for file in self.store.queued_files().await? {
            if !file.named {
                let queued = std::time::SystemTime::from(file.queued_at);
                match super::files::remove_unless_newer(&self.data_dir, &file.sha256, queued) {
                    Ok(true) => {}
                    Ok(false) => tracing::info!(file = %file.sha256, "an erased file was uploaded again: kept"),
                    Err(e) => {
                        // Left queued: the next pass tries again.
                        tracing::warn!(error = %e, file = %file.sha256, "an erased file could not be deleted");
                        continue;
                    }
                }
            }
            self.store.unqueue_file(&file.sha256).await?;
        }
        Ok(())
    }

    /// Where an instance in `state` stands in its workflow's retention, as
    /// its page and the API show it: `None` for one still running.
    pub(super) fn retention_view(
        &self,
        machine: Machine,
        standing: Option<Standing>,
        workflow: &str,
        state: &str,
    ) -> Option<RetentionView> {
        let standing = standing?;
        let instant = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let warned_at = standing.warned_at.map(instant);
        if let Some(erased) = standing.erased_at {
            return Some(RetentionView { erase_on: None, warned_at, erased_at: Some(instant(erased)) });
        }
        let retention = self.workflows.get(workflow)?.retention.as_ref()?;
        let period = retention.period(machine).filter(|p| p.states.iter().any(|s| s == state))?;
        let at = erase_at(retention, period, standing.since, standing.warned_at, self.clock.now());
        Some(RetentionView { erase_on: Some(paris_date(at).to_string()), warned_at, erased_at: None })
    }

    /// The retention loop of `serve`: a pass now, then every [`EVERY`].
    pub async fn run_retention(&self) {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            if let Err(e) = self.apply_retention(self.clock.now()).await {
                tracing::warn!(error = %e, "the retention pass failed; trying again later");
            }
        }
    }
}
