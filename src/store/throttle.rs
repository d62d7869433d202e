//! Failed-login counters (`login_throttle`), shared by every instance on
//! the database. The policy lives in `app::throttle`.

use super::{Result, Store};
use sqlx::Row;

/// A counter as stored: failures in a row, when the last one was, and the
/// lock it earned (instants in microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counter {
    pub failures: i64,
    pub last_at: i64,
    pub locked_until: Option<i64>,
}

impl Store {
    /// The counters of `keys` that exist.
    pub async fn throttle_counters(&self, keys: &[String]) -> Result<Vec<(String, Counter)>> {
        let placeholders: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT throttle_key, failures, last_at, locked_until FROM login_throttle WHERE throttle_key IN ({})",
            placeholders.join(", ")
        );
        let rows = self.fetch_with(&sql, keys).await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), Counter { failures: r.get(1), last_at: r.get(2), locked_until: r.get(3) }))
            .collect())
    }

    /// Counts one more failure on each key, in one transaction. A counter
    /// whose last failure is older than `now - quiet_us` starts again at 1;
    /// `lock` gives the key's lock end for its new count, if any. Rows
    /// quiet for `forget_before` go.
    pub async fn throttle_failed(
        &self,
        keys: &[String],
        now: i64,
        quiet_us: i64,
        forget_before: i64,
        lock: impl Fn(usize, i64) -> Option<i64>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM login_throttle WHERE last_at < $1").bind(forget_before).execute(&mut **tx).await?;
        for (i, key) in keys.iter().enumerate() {
            // One atomic statement per key: concurrent failures all count.
            let failures: i64 = sqlx::query_scalar(
                "INSERT INTO login_throttle (throttle_key, failures, last_at, locked_until) VALUES ($1, 1, $2, NULL) \
                 ON CONFLICT (throttle_key) DO UPDATE SET last_at = $2, failures = CASE \
                 WHEN login_throttle.last_at < $3 THEN 1 ELSE login_throttle.failures + 1 END \
                 RETURNING failures",
            )
            .bind(key)
            .bind(now)
            .bind(now - quiet_us)
            .fetch_one(&mut **tx)
            .await?;
            if let Some(until) = lock(i, failures) {
                sqlx::query("UPDATE login_throttle SET locked_until = $1 WHERE throttle_key = $2")
                    .bind(until)
                    .bind(key)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        tx.commit().await
    }

    /// Forgets a counter (a successful login).
    pub async fn throttle_clear(&self, key: &str) -> Result<()> {
        self.write_one(sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key)).await?;
        Ok(())
    }
}
