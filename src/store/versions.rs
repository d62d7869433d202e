//! Workflow definitions stored by version, the instances pinned to them,
//! and the moves of instances from one version to another.

use super::audit::{append, Entry};
use super::{to_micros, Result, Store, StoreError};
use crate::engine::Actor;
use crate::workflow::{Machine, Sources};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

/// A stored version of a workflow.
#[derive(Debug, Clone)]
pub struct StoredVersion {
    pub workflow: String,
    pub version: String,
    pub sources: Sources,
    pub recorded_at: DateTime<Utc>,
}

/// How many calls, dossiers and labels a version holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionUse {
    pub workflow: String,
    pub version: String,
    pub recorded_at: DateTime<Utc>,
    pub campaigns: i64,
    pub dossiers: i64,
    pub labels: i64,
}

/// One instance moved to another version, from the state and version it
/// was checked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub machine: Machine,
    pub id: Uuid,
    pub expected_version: i64,
    pub from_state: String,
    pub to_state: String,
}

fn table(machine: Machine) -> &'static str {
    match machine {
        Machine::Dossier => "dossiers",
        Machine::Label => "labels",
    }
}

/// Stores a version the first time it is used; a known one is left as is.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    workflow: &str,
    sources: &Sources,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO workflow_versions (workflow, version, file, source, grid_id, grid, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (workflow, version) DO NOTHING",
    )
    .bind(workflow)
    .bind(sources.revision())
    .bind(&sources.file)
    .bind(&sources.text)
    .bind(&sources.grid_id)
    .bind(&sources.grid)
    .bind(to_micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Stores each version a server starts with, and pins the calls,
    /// dossiers and labels of its workflow that name no version yet (made
    /// by a release without versions) to it. Returns how many were pinned.
    pub async fn adopt_version(&self, workflow: &str, sources: &Sources, now: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        record(&mut tx, workflow, sources, now).await?;
        let version = sources.revision();
        let mut pinned = 0;
        for table in ["campaigns", "dossiers", "labels"] {
            let sql =
                format!("UPDATE {table} SET workflow_version = $1 WHERE workflow = $2 AND workflow_version IS NULL");
            pinned += sqlx::query(&sql).bind(&version).bind(workflow).execute(&mut **tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(pinned)
    }

    /// Every stored version, oldest first.
    pub async fn stored_versions(&self) -> Result<Vec<StoredVersion>> {
        let rows = sqlx::query(
            "SELECT workflow, version, file, source, grid_id, grid, recorded_at FROM workflow_versions \
             ORDER BY recorded_at, workflow, version",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| StoredVersion {
                workflow: r.get(0),
                version: r.get(1),
                sources: Sources { file: r.get(2), text: r.get(3), grid_id: r.get(4), grid: r.get(5) },
                recorded_at: super::from_micros(r.get(6)),
            })
            .collect())
    }

    /// Every stored version with what is pinned to it, oldest first.
    pub async fn version_uses(&self) -> Result<Vec<VersionUse>> {
        let count = |t: &str| {
            format!("(SELECT COUNT(*) FROM {t} x WHERE x.workflow = v.workflow AND x.workflow_version = v.version)")
        };
        let sql = format!(
            "SELECT v.workflow, v.version, v.recorded_at, {}, {}, {} FROM workflow_versions v \
             ORDER BY v.recorded_at, v.workflow, v.version",
            count("campaigns"),
            count("dossiers"),
            count("labels")
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(|r| VersionUse {
                workflow: r.get(0),
                version: r.get(1),
                recorded_at: super::from_micros(r.get(2)),
                campaigns: r.get(3),
                dossiers: r.get(4),
                labels: r.get(5),
            })
            .collect())
    }

    /// The dossiers, then the labels, pinned to a version.
    pub async fn pinned_to(&self, workflow: &str, version: &str) -> Result<Vec<(Machine, Uuid)>> {
        let mut out = Vec::new();
        for machine in [Machine::Dossier, Machine::Label] {
            let sql =
                format!("SELECT id FROM {} WHERE workflow = $1 AND workflow_version = $2 ORDER BY id", table(machine));
            for row in sqlx::query(&sql).bind(workflow).bind(version).fetch_all(&self.pool).await? {
                let id: String = row.get(0);
                let id = Uuid::parse_str(&id).map_err(|_| StoreError::Invalid(format!("corrupt id `{id}`")))?;
                out.push((machine, id));
            }
        }
        Ok(out)
    }

    /// Moves the instances and the calls of `from` to `to` in one
    /// transaction, each move audited; nothing moves if any instance
    /// changed since it was checked.
    pub async fn move_to_version(
        &self,
        workflow: &str,
        from: &str,
        to: &str,
        moves: &[Move],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let backend = self.backend();
        for m in moves {
            let sql = format!(
                "UPDATE {} SET workflow_version = $1, state = $2, version = version + 1, updated_at = $3 \
                 WHERE id = $4 AND version = $5 AND workflow = $6 AND workflow_version = $7",
                table(m.machine)
            );
            let done = sqlx::query(&sql)
                .bind(to)
                .bind(&m.to_state)
                .bind(to_micros(now))
                .bind(m.id.to_string())
                .bind(m.expected_version)
                .bind(workflow)
                .bind(from)
                .execute(&mut **tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Invalid(format!(
                    "{} {} changed while it was checked: nothing was moved, run the migration again",
                    m.machine.name(),
                    m.id
                )));
            }
            let entry = Entry::new(m.machine.name(), &m.id.to_string(), "workflow_migrate", actor, now)
                .before(json!({"state": m.from_state, "version": m.expected_version, "workflow_version": from}))
                .after(json!({"state": m.to_state, "version": m.expected_version + 1, "workflow_version": to}));
            append(&mut tx, backend, &entry).await?;
        }
        let calls = sqlx::query("SELECT id FROM campaigns WHERE workflow = $1 AND workflow_version = $2 ORDER BY id")
            .bind(workflow)
            .bind(from)
            .fetch_all(&mut **tx)
            .await?;
        for call in &calls {
            let id: String = call.get(0);
            sqlx::query("UPDATE campaigns SET workflow_version = $1 WHERE id = $2")
                .bind(to)
                .bind(&id)
                .execute(&mut **tx)
                .await?;
            let entry = Entry::new("campaign", &id, "workflow_migrate", actor, now)
                .before(json!({"workflow_version": from}))
                .after(json!({"workflow_version": to}));
            append(&mut tx, backend, &entry).await?;
        }
        tx.commit().await?;
        Ok(moves.len() as u64 + calls.len() as u64)
    }
}
