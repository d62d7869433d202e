//! Copies of every dossier and label with their rows, for `bench growth`:
//! the large side of that benchmark needs a hundred thousand dossiers, and
//! making them through the engine would take an hour. The copies have the
//! tables' real sizes and index shapes; their audit entries keep the
//! original's hashes, so a copied chain does not verify: these databases
//! are thrown away after the run.

use super::{Backend, Result, Store};
use sqlx::Row;

/// The tables copied, and their columns holding an instance's id. A copy's
/// id keeps the original's first 24 characters and ends with the copy's
/// number, so a copy's rows point at the copy.
const COPIED: [(&str, &[&str]); 12] = [
    ("dossiers", &["id"]),
    ("dossier_scopes", &["dossier_id"]),
    ("dossier_owners", &["dossier_id"]),
    ("dossier_records", &["dossier_id"]),
    ("assignments", &["dossier_id"]),
    ("reviews", &["dossier_id"]),
    ("labels", &["id", "dossier_id"]),
    ("label_scopes", &["label_id"]),
    ("label_records", &["label_id"]),
    ("timers", &["id", "entity_id"]),
    // An outbox id is the plan's id and the recipient's.
    ("outbox", &["entity_id"]),
    ("audit", &["entity_id"]),
];

impl Store {
    /// Adds `copies` copies of every dossier and label there is, with their
    /// scopes, owners, records, reviews, timers, e-mails and audit entries,
    /// in one transaction. Made for an otherwise untouched benchmark
    /// database: ids are derived, so copying twice would collide.
    pub async fn replicate_instances(&self, copies: usize) -> Result<()> {
        if copies == 0 {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("CREATE TEMPORARY TABLE bench_copies (k BIGINT NOT NULL)").execute(&mut **tx).await?;
        for k in 1..=copies as i64 {
            sqlx::query("INSERT INTO bench_copies (k) VALUES ($1)").bind(k).execute(&mut **tx).await?;
        }
        for (table, ids) in COPIED {
            let columns: Vec<String> = match self.backend {
                Backend::Sqlite => sqlx::query("SELECT name FROM pragma_table_info($1) ORDER BY cid"),
                Backend::Postgres => sqlx::query(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                ),
            }
            .bind(table)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.get::<String, _>(0))
            // The audit's own sequence numbers the copies anew.
            .filter(|c| !(table == "audit" && c == "seq"))
            .collect();
            let values: Vec<String> = columns
                .iter()
                .map(|c| match (ids.contains(&c.as_str()), table, c.as_str()) {
                    (true, _, _) => self.copy_id(&format!("t.{c}")),
                    (false, "outbox", "id") => "t.id || '#' || c.k".to_string(),
                    _ => format!("t.{c}"),
                })
                .collect();
            // In order, so each copied chain's head ends at its last entry.
            let order = if table == "audit" { " ORDER BY c.k, t.seq" } else { "" };
            let sql = format!(
                "INSERT INTO {table} ({}) SELECT {} FROM {table} t CROSS JOIN bench_copies c{order}",
                columns.join(", "),
                values.join(", ")
            );
            sqlx::query(&sql).execute(&mut **tx).await?;
        }
        sqlx::query("DROP TABLE bench_copies").execute(&mut **tx).await?;
        tx.commit().await?;
        Ok(())
    }

    fn copy_id(&self, column: &str) -> String {
        match self.backend {
            Backend::Sqlite => format!("substr({column}, 1, 24) || printf('%012x', c.k)"),
            Backend::Postgres => format!("substr({column}, 1, 24) || lpad(to_hex(c.k), 12, '0')"),
        }
    }
}
