//! The work queues written with the steps that cause them (the e-mail
//! outbox, webhook deliveries): a worker leases due rows while it sends
//! them outside the database, gives back what it did not use, and an
//! administrator puts a dead row back. Each queue's table has `id`,
//! `status`, `attempts`, `next_attempt_at`, `lease_until` and `created_at`.

use super::{to_micros, Backend, Result, Store, StoreError};
use chrono::{DateTime, Utc};

/// Leases up to `limit` of the oldest pending rows of `table` that are
/// due and not leased by another worker, for `lease`; returns `columns`
/// of each, in no particular order.
pub(super) async fn lease(
    store: &Store,
    table: &str,
    columns: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: usize,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let lock = match store.backend() {
        Backend::Sqlite => "",
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "UPDATE {table} SET lease_until = $2 WHERE id IN (SELECT id FROM {table} WHERE status = 'pending' \
         AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) \
         ORDER BY created_at, id LIMIT $3 {lock}) RETURNING {columns}"
    );
    let mut tx = store.begin_write().await?;
    let rows = sqlx::query(&sql)
        .bind(to_micros(now))
        .bind(to_micros(now + lease))
        .bind(limit as i64)
        .fetch_all(&mut **tx)
        .await?;
    tx.commit().await?;
    Ok(rows)
}

/// Gives back leases not used (a worker stopping with rows in hand).
pub(super) async fn release(store: &Store, table: &str, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!("UPDATE {table} SET lease_until = NULL WHERE id = $1 AND status = 'pending'");
    let mut tx = store.begin_write().await?;
    for id in ids {
        sqlx::query(&sql).bind(id).execute(&mut **tx).await?;
    }
    tx.commit().await
}

/// Releases every lease of `table`: only at start-up, when no other
/// instance runs on this database.
pub(super) async fn release_all(store: &Store, table: &str) -> Result<u64> {
    let sql = format!("UPDATE {table} SET lease_until = NULL WHERE status = 'pending' AND lease_until IS NOT NULL");
    store.write_one(sqlx::query(&sql)).await
}

/// Puts a dead row back in the queue, due now, with fresh attempts.
pub(super) async fn retry_dead(
    store: &Store,
    table: &str,
    id: &str,
    now: DateTime<Utc>,
    what: &'static str,
) -> Result<()> {
    let sql = format!(
        "UPDATE {table} SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_until = NULL \
         WHERE id = $2 AND status = 'dead'"
    );
    if store.write_one(sqlx::query(&sql).bind(to_micros(now)).bind(id)).await? == 0 {
        return Err(StoreError::NotFound { what });
    }
    Ok(())
}
