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

const CLAIM_SQLITE: &str = "SELECT id, entity, entity_id, name, timer_key, event, due_at FROM timers \
    WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT 1";
// SKIP LOCKED: each server instance takes a different due timer; the row
// lock lasts until the firing commits, so no two instances fire one timer.
const CLAIM_POSTGRES: &str = "SELECT id, entity, entity_id, name, timer_key, event, due_at FROM timers \
    WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED";

fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| StoreError::Invalid(format!("corrupt id `{text}` in timers")))
}

impl Store {
    /// Claims the earliest timer due at `now`, lets `decide` plan its event
    /// on the instance as it is inside the same transaction, and commits the
    /// plan with the timer marked fired; a refused event closes the timer
    /// with the reason instead. Returns None when nothing is due.
    pub async fn fire_next<F>(&self, now: DateTime<Utc>, decide: F) -> Result<Option<Firing>>
    where
        F: FnOnce(&Instance, &DueTimer) -> std::result::Result<Plan, Refusal>,
    {
        let mut tx = self.begin_write().await?;
        let claim = match self.backend() {
            Backend::Sqlite => CLAIM_SQLITE,
            Backend::Postgres => CLAIM_POSTGRES,
        };
        let Some(row) = sqlx::query(claim).bind(to_micros(now)).fetch_optional(&mut **tx).await? else {
            return Ok(None);
        };
        let key: String = row.get(4);
        let machine = Machine::parse(row.get::<String, _>(1).as_str())
            .ok_or_else(|| StoreError::Invalid("timer of an unknown entity kind".into()))?;
        let timer = DueTimer {
            id: row.get(0),
            machine,
            entity_id: parse_uuid(&row.get::<String, _>(2))?,
            name: row.get(3),
            key: if key.is_empty() { None } else { Some(parse_uuid(&key)?) },
            event: row.get(5),
            due_at: from_micros(row.get(6)),
        };
        let mut firing = Firing {
            timer: timer.name.clone(),
            entity: machine.name().to_string(),
            entity_id: timer.entity_id.to_string(),
            event: timer.event.clone(),
            due_at: rfc3339(to_micros(timer.due_at)),
            outcome: "fired".into(),
            reason: None,
            state: String::new(),
        };
        let close = "UPDATE timers SET status = $1, closed_at = $2, outcome = $3 WHERE id = $4 AND status = 'pending'";
        let instance = match self.load(&mut tx, machine, timer.entity_id).await {
            Ok(i) => i,
            Err(StoreError::NotFound { .. }) => {
                sqlx::query(close)
                    .bind("refused")
                    .bind(to_micros(now))
                    .bind("instance not found")
                    .bind(&timer.id)
                    .execute(&mut **tx)
                    .await?;
                tx.commit().await?;
                firing.outcome = "refused".into();
                firing.reason = Some("instance not found".into());
                return Ok(Some(firing));
            }
            Err(e) => return Err(e),
        };
        match decide(&instance, &timer) {
            Ok(plan) => {
                // Marked fired first, so that the plan's own timer operations
                // (a "cancel all" on reaching the end) leave it as fired.
                let marked = sqlx::query(close)
                    .bind("fired")
                    .bind(to_micros(now))
                    .bind(format!("fired {}", timer.event))
                    .bind(&timer.id)
                    .execute(&mut **tx)
                    .await?;
                if marked.rows_affected() != 1 {
                    // Someone else fired it since the claim: leave it to them.
                    return Err(StoreError::Conflict { expected: 0, current: 0 });
                }
                let Applied { .. } = apply_on(&mut tx, &plan).await?;
                firing.state = plan.to_state;
            }
            Err(refusal) => {
                let reason = refusal.to_string();
                sqlx::query(close)
                    .bind("refused")
                    .bind(to_micros(now))
                    .bind(&reason)
                    .bind(&timer.id)
                    .execute(&mut **tx)
                    .await?;
                firing.outcome = "refused".into();
                firing.reason = Some(reason);
                firing.state = instance.state;
            }
        }
        tx.commit().await?;
        Ok(Some(firing))
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
    pub async fn deadlines(&self, visibility: &Visibility, until: DateTime<Utc>) -> Result<Vec<Deadline>> {
        let mut binds = Vec::new();
        let dossiers = visibility_sql(visibility, &DOSSIER_SCOPE, &mut binds);
        let labels = super::labels::label_visibility_sql(visibility, &mut binds);
        binds.push(to_micros(until).to_string());
        let until_param = format!("${}", binds.len());
        let sql = format!(
            "SELECT t.entity, t.entity_id, d.title, t.name, t.event, t.due_at, t.timer_key FROM timers t \
             JOIN dossiers d ON d.id = t.entity_id \
             WHERE t.entity = 'dossier' AND t.status = 'pending' AND t.due_at < CAST({until_param} AS BIGINT) AND {dossiers} \
             UNION ALL \
             SELECT t.entity, t.entity_id, l.title, t.name, t.event, t.due_at, t.timer_key FROM timers t \
             JOIN labels l ON l.id = t.entity_id \
             WHERE t.entity = 'label' AND t.status = 'pending' AND t.due_at < CAST({until_param} AS BIGINT) AND {labels} \
             ORDER BY 6, 2"
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
