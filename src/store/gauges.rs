//! What `/metrics` reads from the database when scraped. Each count goes
//! through a partial index over the rows it counts, so a scrape costs the
//! same however many e-mails were sent, webhooks posted and timers fired
//! before.

use super::{to_micros, Result, Store};
use crate::metrics::Snapshot;
use chrono::{DateTime, Utc};
use sqlx::Row;

/// The outbox states worth watching: to send, held for a digest, given up.
const OUTBOX_STATES: [&str; 3] = ["pending", "held", "dead"];
/// The webhook deliveries' states worth watching.
const DELIVERY_STATES: [&str; 2] = ["pending", "dead"];

impl Store {
    pub async fn gauges(&self, now: DateTime<Utc>) -> Result<Snapshot> {
        let (timers_pending, timers_due): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_at <= $1 THEN 1 ELSE 0 END), 0) \
             FROM timers WHERE status = 'pending'",
        )
        .bind(to_micros(now))
        .fetch_one(&self.pool)
        .await?;
        // The states are written out, not bound: a partial index serves
        // only a query whose own text names its condition.
        let counts = |table: &str, states: &[&str]| {
            states
                .iter()
                .map(|state| format!("(SELECT COUNT(*) FROM {table} WHERE status = '{state}')"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let row = sqlx::query(&format!(
            "SELECT {}, {}",
            counts("outbox", &OUTBOX_STATES),
            counts("webhook_deliveries", &DELIVERY_STATES)
        ))
        .fetch_one(&self.pool)
        .await?;
        let outbox = OUTBOX_STATES.iter().enumerate().map(|(i, state)| (state.to_string(), row.get(i))).collect();
        let webhook_deliveries = DELIVERY_STATES
            .iter()
            .enumerate()
            .map(|(i, state)| (state.to_string(), row.get(OUTBOX_STATES.len() + i)))
            .collect();
        let idle = self.pool.num_idle() as i64;
        Ok(Snapshot {
            timers_pending,
            timers_due,
            outbox,
            webhook_deliveries,
            connections_in_use: i64::from(self.pool.size()) - idle,
            connections_idle: idle,
            connections_max: i64::from(self.pool.options().get_max_connections()),
        })
    }
}
