//! Durable timers: claiming and firing due ones exactly once, and reading
//! what falls due.

use super::apply::{apply_on, Applied};
use super::dossiers::{rfc3339, visibility_sql, Visibility, DOSSIER_SCOPE};
use super::{from_micros, to_micros, Backend, Result, Store, StoreError};
use crate::engine::{Instance, Plan, Refusal};
use crate::workflow::Machine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;
use uuid::Uuid;

/// A timer that is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueTimer {
    pub id: String,
    pub machine: Machine,
    pub entity_id: Uuid,
    pub name: String,
    pub key: Option<Uuid>,
    pub event: String,
    pub due_at: DateTime<Utc>,
}

/// What firing a timer did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Firing {
    pub timer: String,
    pub entity: String,
    pub entity_id: String,
    pub event: String,
    pub due_at: String,
    /// `fired`, or `refused` when the instance had moved on.
    pub outcome: String,
    /// The refusal, for a refused timer.
    pub reason: Option<String>,
    /// The instance's state afterwards.
    pub state: String,
    /// The instance's workflow (empty when the instance was not found).
    pub workflow: String,
}

/// A timer as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimerView {
    pub name: String,
    pub event: String,
    pub due_at: String,
    /// pending, fired, cancelled or refused.
    pub status: String,
    pub closed_at: Option<String>,
    pub outcome: Option<String>,
    /// The person a per-person timer is about (a reviewer's deadline).
    #[serde(skip)]
    pub key: String,
}

/// Something falling due soon, for staff dashboards and calendars.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deadline {
    pub entity: String,
    pub entity_id: String,
    pub title: String,
    pub timer: String,
    pub event: String,
    pub due_at: String,
    /// The person a per-person timer is about (a reviewer's deadline).
    #[serde(skip)]
    pub key: String,
}

// The due timers in firing order, `$2` at most.
const CLAIM_SQLITE: &str = "SELECT id, entity, entity_id, name, timer_key, event, due_at FROM timers \
    WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT $2";
// SKIP LOCKED: each claimer (server instance, worker) takes other due
// timers; the row locks last until the batch commits, so no two claimers
// fire one timer.
const CLAIM_POSTGRES: &str = "SELECT id, entity, entity_id, name, timer_key, event, due_at FROM timers \
    WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED";

const CLOSE: &str = "UPDATE timers SET status = $1, closed_at = $2, outcome = $3 WHERE id = $4 AND status = 'pending'";

fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| StoreError::Invalid(format!("corrupt id `{text}` in timers")))
}

fn due_timer(row: &sqlx::any::AnyRow) -> Result<DueTimer> {
    let key: String = row.get(4);
    let machine = Machine::parse(row.get::<String, _>(1).as_str())
        .ok_or_else(|| StoreError::Invalid("timer of an unknown entity kind".into()))?;
    Ok(DueTimer {
        id: row.get(0),
        machine,
        entity_id: parse_uuid(&row.get::<String, _>(2))?,
        name: row.get(3),
        key: if key.is_empty() { None } else { Some(parse_uuid(&key)?) },
        event: row.get(5),
        due_at: from_micros(row.get(6)),
    })
}

impl Store {
    /// Claims the earliest timer due at `now` and fires it (see
    /// [`Store::fire_batch`]). Returns None when nothing is due.
    pub async fn fire_next<F>(&self, now: DateTime<Utc>, decide: F) -> Result<Option<Firing>>
    where
        F: Fn(&Instance, &DueTimer) -> std::result::Result<Plan, Refusal>,
    {
        Ok(self.fire_batch(now, 1, decide).await?.pop())
    }

    /// Claims up to `limit` timers due at `now`, earliest first, and fires
    /// them one after the other in one transaction: for each, `decide` plans
    /// its event on the instance as the batch left it (two timers of one
    /// instance fire in due order), and the plan commits with the timer
    /// marked fired; a refused event closes the timer with the reason
    /// instead. The batch commits whole or not at all, so a crash fires
    /// none of it twice. Empty when nothing is due.
    #[tracing::instrument(level = "debug", skip_all, fields(limit))]
    pub async fn fire_batch<F>(&self, now: DateTime<Utc>, limit: i64, decide: F) -> Result<Vec<Firing>>
    where
        F: Fn(&Instance, &DueTimer) -> std::result::Result<Plan, Refusal>,
    {
        let mut tx = self.begin_write().await?;
        let claim = match self.backend() {
            Backend::Sqlite => CLAIM_SQLITE,
            Backend::Postgres => CLAIM_POSTGRES,
        };
        let rows = sqlx::query(claim).bind(to_micros(now)).bind(limit.max(1)).fetch_all(&mut **tx).await?;
        let mut timers = rows.iter().map(due_timer).collect::<Result<Vec<_>>>()?;
        if self.backend() == Backend::Postgres {
            timers = earliest_of_their_instance(&mut tx, timers).await?;
        }
        let mut fired = Vec::with_capacity(timers.len());
        for timer in &timers {
            fired.push(self.fire_claimed(&mut tx, now, timer, &decide).await?);
        }
        if !fired.is_empty() {
            tx.commit().await?;
        }
        Ok(fired)
    }

    async fn fire_claimed<F>(
        &self,
        tx: &mut super::WriteTx<'_>,
        now: DateTime<Utc>,
        timer: &DueTimer,
        decide: &F,
    ) -> Result<Firing>
    where
        F: Fn(&Instance, &DueTimer) -> std::result::Result<Plan, Refusal>,
    {
        let mut firing = Firing {
            timer: timer.name.clone(),
            entity: timer.machine.name().to_string(),
            entity_id: timer.entity_id.to_string(),
            event: timer.event.clone(),
            due_at: rfc3339(to_micros(timer.due_at)),
            outcome: "fired".into(),
            reason: None,
            state: String::new(),
            workflow: String::new(),
        };
        let instance = match self.load(tx, timer.machine, timer.entity_id).await {
            Ok(i) => i,
            Err(StoreError::NotFound { .. }) => {
                close(tx, now, "refused", "instance not found", &timer.id).await?;
                firing.outcome = "refused".into();
                firing.reason = Some("instance not found".into());
                return Ok(firing);
            }
            Err(e) => return Err(e),
        };
        firing.workflow = instance.workflow.clone();
        match decide(&instance, timer) {
            Ok(plan) => {
                // Marked fired first, so that the plan's own timer operations
                // (a "cancel all" on reaching the end) leave it as fired.
                if close(tx, now, "fired", &format!("fired {}", timer.event), &timer.id).await? != 1 {
                    // Someone else fired it since the claim: leave it to them.
                    return Err(StoreError::Conflict { expected: 0, current: 0 });
                }
                let Applied { .. } = apply_on(tx, &plan).await?;
                firing.state = plan.to_state;
            }
            Err(refusal) => {
                let reason = refusal.to_string();
                close(tx, now, "refused", &reason, &timer.id).await?;
                firing.outcome = "refused".into();
                firing.reason = Some(reason);
                firing.state = instance.state;
            }
        }
        Ok(firing)
    }

    /// Outbox rows written for a template (reports and tests).
    pub async fn outbox_count(&self, template: &str) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE template = $1")
            .bind(template)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Copies a SQLite database into a new file through a read-only
    /// connection: the source is neither migrated nor written.
    pub async fn snapshot_sqlite(url: &str, file: &str) -> Result<()> {
        use sqlx::ConnectOptions;
        use std::str::FromStr;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Connect(e.to_string()))?
            .read_only(true);
        let mut conn = options.connect().await.map_err(|e| StoreError::Connect(e.to_string()))?;
        sqlx::query("VACUUM INTO $1").bind(file).execute(&mut conn).await?;
        Ok(())
    }

    /// A dossier's or label's title.
    pub async fn title_of(&self, entity: &str, id: Uuid) -> Result<Option<String>> {
        let sql = match entity {
            "label" => "SELECT title FROM labels WHERE id = $1",
            _ => "SELECT title FROM dossiers WHERE id = $1",
        };
        Ok(sqlx::query_scalar(sql).bind(id.to_string()).fetch_optional(&self.pool).await?)
    }

    /// Addresses of the e-mails an instance's step wrote at `at`.
    pub async fn recipients_at(&self, id: Uuid, at: DateTime<Utc>) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT DISTINCT recipient_email FROM outbox WHERE entity_id = $1 AND created_at = $2 ORDER BY recipient_email")
            .bind(id.to_string())
            .bind(to_micros(at))
            .fetch_all(&self.pool)
            .await?)
    }

    /// When the next pending timer falls due.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let next: Option<i64> =
            sqlx::query_scalar("SELECT MIN(due_at) FROM timers WHERE status = 'pending'").fetch_one(&self.pool).await?;
        Ok(next.map(from_micros))
    }

    /// Every timer of an instance, soonest first.
    pub async fn timers_of(&self, machine: Machine, id: Uuid) -> Result<Vec<TimerView>> {
        let rows = sqlx::query(
            "SELECT name, event, due_at, status, closed_at, outcome, timer_key FROM timers \
             WHERE entity = $1 AND entity_id = $2 ORDER BY due_at, name",
        )
        .bind(machine.name())
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| TimerView {
                name: r.get(0),
                event: r.get(1),
                due_at: rfc3339(r.get(2)),
                status: r.get(3),
                closed_at: r.get::<Option<i64>, _>(4).map(rfc3339),
                outcome: r.get(5),
                key: r.get(6),
            })
            .collect())
    }

    /// Pending timers of visible dossiers and labels due before `until`.
    /// The pending timers due before `until` on what `visibility` shows,
    /// soonest first, at most `limit` of them. `hidden` names per-person timers to leave out unless they are
    /// about the given person (other reviewers' deadlines).
    pub async fn deadlines(
        &self,
        visibility: &Visibility,
        until: DateTime<Utc>,
        hidden: Option<(&[String], &str)>,
        limit: Option<i64>,
    ) -> Result<Vec<Deadline>> {
        let mut binds = Vec::new();
        let dossiers = visibility_sql(visibility, &DOSSIER_SCOPE, &mut binds);
        let labels = super::labels::label_visibility_sql(visibility, &mut binds);
        let until_param = super::bind_next(&mut binds, to_micros(until).to_string());
        let others = match hidden {
            Some((names, own)) if !names.is_empty() => {
                let names: Vec<String> = names.iter().map(|n| super::bind_next(&mut binds, n.as_str())).collect();
                let own = super::bind_next(&mut binds, own);
                format!(" AND NOT (t.name IN ({}) AND t.timer_key <> {own})", names.join(", "))
            }
            _ => String::new(),
        };
        let limit = limit.map(|n| format!(" LIMIT {}", n.max(1))).unwrap_or_default();
        // Both halves read the pending timers in due order from `timers_due` and
        // are merged: a first page costs the same whatever falls due later.
        let sql = format!(
            "SELECT t.entity, t.entity_id, d.title, t.name, t.event, t.due_at, t.timer_key FROM timers t \
             JOIN dossiers d ON d.id = t.entity_id \
             WHERE t.entity = 'dossier' AND t.status = 'pending' AND t.due_at < CAST({until_param} AS BIGINT) \
             AND {dossiers}{others} \
             UNION ALL \
             SELECT t.entity, t.entity_id, l.title, t.name, t.event, t.due_at, t.timer_key FROM timers t \
             JOIN labels l ON l.id = t.entity_id \
             WHERE t.entity = 'label' AND t.status = 'pending' AND t.due_at < CAST({until_param} AS BIGINT) AND {labels} \
             ORDER BY 6, 2{limit}"
        );
        Ok(self
            .fetch_with(&sql, &binds)
            .await?
            .iter()
            .map(|r| Deadline {
                entity: r.get(0),
                entity_id: r.get(1),
                title: r.get(2),
                timer: r.get(3),
                event: r.get(4),
                due_at: rfc3339(r.get(5)),
                key: r.get(6),
            })
            .collect())
    }
}

/// Closes a pending timer; the number of rows closed (0 when it was not
/// pending any more).
async fn close(tx: &mut super::WriteTx<'_>, now: DateTime<Utc>, status: &str, outcome: &str, id: &str) -> Result<u64> {
    let done = sqlx::query(CLOSE).bind(status).bind(to_micros(now)).bind(outcome).bind(id).execute(&mut ***tx).await?;
    Ok(done.rows_affected())
}

/// The claimed timers no other claimer must fire first: a timer is left
/// pending (for the claimer holding its instance's earlier timer, once that
/// one commits) when an earlier timer of its instance is pending outside
/// this batch. So one instance's timers fire in due order, and two claimers
/// never change one instance at once (no rolled-back batches, no deadlock).
async fn earliest_of_their_instance(tx: &mut super::WriteTx<'_>, timers: Vec<DueTimer>) -> Result<Vec<DueTimer>> {
    if timers.is_empty() {
        return Ok(timers);
    }
    let mut binds: Vec<String> = Vec::new();
    let ids: Vec<String> = timers.iter().map(|t| super::bind_next(&mut binds, t.id.as_str())).collect();
    let mut entities: Vec<String> = timers.iter().map(|t| t.entity_id.to_string()).collect();
    entities.sort();
    entities.dedup();
    let entities: Vec<String> = entities.into_iter().map(|e| super::bind_next(&mut binds, e)).collect();
    // PostgreSQL only (the one backend with claimers side by side).
    let sql = format!(
        "SELECT DISTINCT ON (entity_id) entity_id, due_at, id FROM timers WHERE status = 'pending' \
         AND entity_id IN ({}) AND id NOT IN ({}) ORDER BY entity_id, due_at, id",
        entities.join(", "),
        ids.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b);
    }
    let outside: std::collections::HashMap<String, (i64, String)> =
        query.fetch_all(&mut ***tx).await?.iter().map(|r| (r.get(0), (r.get(1), r.get(2)))).collect();
    // In the claim's own order: due instant, then id.
    Ok(timers
        .into_iter()
        .filter(|t| {
            outside
                .get(&t.entity_id.to_string())
                .is_none_or(|(due, id)| (to_micros(t.due_at), t.id.as_str()) < (*due, id.as_str()))
        })
        .collect())
}
