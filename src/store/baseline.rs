//! Raw-SQL baseline for `bench transitions`: the writes a completion
//! request or answer commits (state update, audit insert, whose trigger moves
//! the chain head,
//! timers, outbox rows), issued directly with precomputed values: no
//! reads, no engine, no recipient resolution.

use super::{Result, Store, StoreError};
use uuid::Uuid;

const MONTH_US: i64 = 30 * 24 * 3600 * 1_000_000;

impl Store {
    /// Even `seq`: the writes of `request_completion`; odd: of `complete`.
    pub async fn raw_transition(&self, dossier: Uuid, seq: i64, now: i64) -> Result<()> {
        let id = dossier.to_string();
        let request = seq % 2 == 0;
        let mut tx = self.begin_write().await?;
        let update = if request {
            sqlx::query(
                "UPDATE dossiers SET state = 'returned_for_completion', version = version + 1, updated_at = $1, \
                 completion_message = 'Pièce manquante', completion_due = $2 WHERE id = $3",
            )
            .bind(now)
            .bind(now + MONTH_US)
            .bind(&id)
        } else {
            sqlx::query(
                "UPDATE dossiers SET state = 'submitted', version = version + 1, updated_at = $1, completion_due = NULL \
                 WHERE id = $3 AND $2 = $2",
            )
            .bind(now)
            .bind(now)
            .bind(&id)
        };
        if update.execute(&mut **tx).await?.rows_affected() != 1 {
            return Err(StoreError::NotFound { what: "dossier" });
        }
        sqlx::query(
            "INSERT INTO audit (entity, entity_id, entity_seq, at, actor, on_behalf_of, action, before_json, after_json, \
             data_json, prev_hash, hash) VALUES ('baseline', $1, $2, $3, 'bench', NULL, 'raw', '{}', '{}', '{}', '-', '-')",
        )
        .bind(&id)
        .bind(seq + 1)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let timers = if request {
            sqlx::query(
                "INSERT INTO timers (id, entity, entity_id, name, timer_key, event, due_at, status, created_at) VALUES \
                 ($1, 'baseline', $3, 'completion_reminder', '', 'raw', $4, 'pending', $5), \
                 ($2, 'baseline', $3, 'completion_deadline', '', 'raw', $4, 'pending', $5)",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(Uuid::new_v4().to_string())
            .bind(&id)
            .bind(now + MONTH_US)
            .bind(now)
        } else {
            sqlx::query(
                "UPDATE timers SET status = 'cancelled', closed_at = $1, outcome = 'cancelled by complete' \
                 WHERE entity = 'baseline' AND entity_id = $2 AND status = 'pending' AND \
                 ((name = 'completion_reminder' AND timer_key = '') OR (name = 'completion_deadline' AND timer_key = ''))",
            )
            .bind(now)
            .bind(&id)
        };
        timers.execute(&mut **tx).await?;
        let recipients = if request { 1 } else { 2 };
        // Written as already sent: a running server's mail worker (bench
        // http) must not pick up rows no template can render.
        let mut sql = String::from(
            "INSERT INTO outbox (id, entity, entity_id, template, recipient_user_id, recipient_email, context, status, \
             attempts, next_attempt_at, created_at) VALUES ",
        );
        for i in 0..recipients {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, 'dossier', $1, 'completion', NULL, 'bench@example.fr', '{{}}', 'sent', 0, $2, $2)",
                i + 3
            ));
        }
        let mut outbox = sqlx::query(&sql).bind(&id).bind(now);
        for _ in 0..recipients {
            outbox = outbox.bind(Uuid::new_v4().to_string());
        }
        outbox.execute(&mut **tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Baseline for `bench timers`: claim up to `limit` due timers, the
    /// earliest first, and mark each fired, in one transaction, with no
    /// engine and no transition (the worker's batches, minus the engine).
    /// Returns how many it marked: 0 when nothing is due.
    pub async fn raw_fire_batch(&self, now: i64, limit: i64) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let claim = match self.backend() {
            super::Backend::Sqlite => {
                "SELECT id FROM timers WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT $2"
            }
            super::Backend::Postgres => {
                "SELECT id FROM timers WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT $2 \
                 FOR UPDATE SKIP LOCKED"
            }
        };
        let ids: Vec<String> = sqlx::query_scalar(claim).bind(now).bind(limit).fetch_all(&mut **tx).await?;
        for id in &ids {
            sqlx::query("UPDATE timers SET status = 'fired', closed_at = $1, outcome = 'raw' WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Inserts pending timers named `name` for benchmarks: `(entity, entity id, event, due)`.
    pub async fn insert_timers(&self, name: &str, timers: &[(&str, Uuid, &str, i64)]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (entity, id, event, due) in timers {
            sqlx::query(
                "INSERT INTO timers (id, entity, entity_id, name, timer_key, event, due_at, status, created_at) \
                 VALUES ($1, $2, $3, $6, '', $4, $5, 'pending', $5)",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(*entity)
            .bind(id.to_string())
            .bind(*event)
            .bind(*due)
            .bind(name)
            .execute(&mut **tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Firing lags (closed_at − due_at) of the fired timers named `name`, in µs.
    pub async fn firing_lags(&self, name: &str) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT closed_at - due_at FROM timers WHERE name = $1 AND status = 'fired' ORDER BY 1")
            .bind(name)
            .fetch_all(&self.pool)
            .await?)
    }
}

/// What a generated benchmark data set holds.
#[derive(Debug, Clone, Default)]
pub struct DatasetCounts {
    pub users: i64,
    pub campaigns: i64,
    pub dossiers: i64,
    pub labels: i64,
    pub audit: i64,
    pub pending_timers: i64,
    pub dossiers_by_state: Vec<(String, i64)>,
}

impl Store {
    pub async fn dataset_counts(&self) -> Result<DatasetCounts> {
        let count = |table: &'static str| async move {
            let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.pool).await?;
            Ok::<i64, StoreError>(n)
        };
        let (pending,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM timers WHERE status = 'pending'").fetch_one(&self.pool).await?;
        let by_state: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM dossiers GROUP BY state ORDER BY state")
                .fetch_all(&self.pool)
                .await?;
        Ok(DatasetCounts {
            users: count("users").await?,
            campaigns: count("campaigns").await?,
            dossiers: count("dossiers").await?,
            labels: count("labels").await?,
            audit: count("audit").await?,
            pending_timers: pending,
            dossiers_by_state: by_state,
        })
    }

    /// E-mails not yet sent (pending or leased).
    pub async fn unsent_mail(&self) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetch_one(&self.pool).await?;
        Ok(n)
    }

    /// Marks every pending e-mail sent: a generated history is not mailed.
    pub async fn mark_outbox_sent(&self, now: i64) -> Result<u64> {
        self.write_one(
            sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1 WHERE status = 'pending'").bind(now),
        )
        .await
    }
}

impl Store {
    /// `n` pending e-mails about `dossier` to `recipient`, due now, for
    /// `bench mail`: what transitions would have queued.
    pub async fn insert_bench_mail(
        &self,
        n: usize,
        dossier: Uuid,
        recipient: Uuid,
        email: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for _ in 0..n {
            sqlx::query(
                "INSERT INTO outbox (id, entity, entity_id, template, recipient_user_id, recipient_email, context, \
                 status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, 'dossier', $2, 'submission_receipt', $3, $4, '{\"data\":{}}', 'pending', 0, $5, $5)",
            )
            .bind(format!("bench-{}:{recipient}", Uuid::new_v4().simple()))
            .bind(dossier.to_string())
            .bind(recipient.to_string())
            .bind(email)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        tx.commit().await
    }
}
