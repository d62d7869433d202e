//! The store: the only place with SQL. One interface over embedded SQLite
//! and PostgreSQL through sqlx's `Any` driver; statements are shared text
//! wherever the two dialects agree, and written twice where they do not.

pub mod accounts;
pub mod api_tokens;
pub mod apply;
pub mod audit;
pub mod audit_digests;
pub mod backup;
pub mod baseline;
pub mod co_owners;
pub mod documents;
pub mod dossiers;
pub mod erasure;
mod error;
pub mod gauges;
pub mod guests;
pub mod imports;
pub mod labels;
pub mod link_tokens;
pub mod messages;
mod migrations;
pub mod outbox;
pub mod password_links;
pub mod personal_data;
pub mod preferences;
mod queue;
pub mod records;
pub mod replicas;
pub mod retention;
pub mod sign_on;
pub mod tallies;
pub mod throttle;
mod time;
pub mod timers;
pub mod versions;
pub mod views;
pub mod webhooks;
pub mod worklists;

pub use error::{Result, StoreError};
pub use time::{from_micros, to_micros};

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::MigrateError;
use sqlx::{AnyPool, Executor};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How often `serve` refreshes the planner's statistics.
pub const STATISTICS_EVERY: Duration = Duration::from_secs(3600);

/// SQLite write transactions take the write lock when they begin: a
/// deferred one that read first and then writes fails with SQLITE_BUSY
/// (no busy wait) if another connection committed in between.
const SQLITE_BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; queueing writers here, in order,
    /// beats letting them spin on SQLITE_BUSY with the busy timeout.
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A write transaction, holding the SQLite writer slot while it lives.
pub(crate) struct WriteTx<'c> {
    pub tx: sqlx::Transaction<'c, sqlx::Any>,
    _slot: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl<'c> std::ops::Deref for WriteTx<'c> {
    type Target = sqlx::Transaction<'c, sqlx::Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl WriteTx<'_> {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or(url);
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            other => Err(StoreError::UnsupportedScheme(other.to_string())),
        }
    }
}

/// `name` when it is a form field's name, which `workflow check` keeps to
/// `[a-z0-9_]`: only such a name is ever written into SQL.
pub(crate) fn field_name(name: &str) -> Result<String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(StoreError::Invalid(format!("`{name}` is not a form field's name")));
    }
    Ok(name.to_string())
}

impl Backend {
    pub(crate) fn of_connection(conn: &sqlx::AnyConnection) -> Backend {
        if conn.backend_name() == "PostgreSQL" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// SQL for the text at `key` of the JSON column `column` ('' when absent).
    pub(crate) fn json_text(self, column: &str, key: &str) -> String {
        match self {
            Backend::Sqlite => format!("COALESCE(json_extract({column}, '$.{key}'), '')"),
            Backend::Postgres => format!("COALESCE({column}->>'{key}', '')"),
        }
    }

    /// SQL for "the JSON column `column` holds the bound text `param` at
    /// `key`", as its value or one of its values. `key` is a form field's
    /// name, which `workflow check` keeps to `[a-z0-9_]`.
    pub(crate) fn json_holds(self, column: &str, key: &str, param: &str) -> Result<String> {
        let key = field_name(key)?;
        Ok(match self {
            Backend::Sqlite => {
                format!("EXISTS (SELECT 1 FROM json_each({column}, '$.{key}') WHERE json_each.value = {param})")
            }
            Backend::Postgres => format!(
                "({column}->'{key}' = to_jsonb({param}::text) OR {column}->'{key}' @> jsonb_build_array({param}::text))"
            ),
        })
    }

    /// SQL aggregating the text column `column` of a subquery's rows,
    /// joined with `|` in order (NULL for none).
    pub(crate) fn text_list(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("group_concat({column}, '|')"),
            Backend::Postgres => format!("string_agg({column}, '|' ORDER BY {column})"),
        }
    }

    /// SQL reading the JSON column `column` as text (sqlx's `Any` driver
    /// decodes no `jsonb`).
    pub(crate) fn json_read(self, column: &str) -> String {
        match self {
            Backend::Sqlite => column.to_string(),
            Backend::Postgres => format!("{column}::text"),
        }
    }

    /// SQL for the bound parameter `n` holding JSON text.
    pub(crate) fn json_param(self, n: usize) -> String {
        match self {
            Backend::Sqlite => format!("${n}"),
            Backend::Postgres => format!("${n}::jsonb"),
        }
    }
}

/// The URL without its password, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            let userinfo = &url[start + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..start + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Adds `value` to the values a query built as text binds, and returns its
/// placeholder (`$N`).
pub(crate) fn bind_next(binds: &mut Vec<String>, value: impl Into<String>) -> String {
    binds.push(value.into());
    format!("${}", binds.len())
}

impl Store {
    /// Rows of a query whose parameters are all text, bound in order (the
    /// visibility clauses build such queries).
    pub(crate) async fn fetch_with(&self, sql: &str, binds: &[String]) -> Result<Vec<sqlx::any::AnyRow>> {
        let mut query = sqlx::query(sql);
        for b in binds {
            query = query.bind(b);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// Opens (and for SQLite creates) the database. Does not migrate.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let (url, max) = match backend {
            Backend::Sqlite => {
                let sep = if url.contains('?') { '&' } else { '?' };
                let url = if url.contains("mode=") { url.to_string() } else { format!("{url}{sep}mode=rwc") };
                (url, 8)
            }
            Backend::Postgres => (url.to_string(), 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            // A SQLite file does not go stale; a PostgreSQL connection may
            // (server restart), so it is checked before use.
            .test_before_acquire(backend == Backend::Postgres)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; FULL sync makes
                        // every acknowledged commit survive a power loss; the busy
                        // timeout queues writers instead of failing them.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| StoreError::Connect(connect_reason(&e)))?;
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Store { pool, backend, writer })
    }

    /// Connects and applies pending migrations; refuses a newer schema.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Begins a write transaction on a connection of the pool. Every writer
    /// takes the writer's turn (SQLite) before its connection, never while
    /// holding one: a writer holding a connection while it waits for the
    /// turn, against the turn's holder waiting for a connection, would
    /// stall both until the pool's timeout once the pool is all taken.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx<'static>> {
        let slot = self.writer_slot().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with(SQLITE_BEGIN_WRITE).await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _slot: slot })
    }

    /// Runs one writing statement in its own write transaction: on SQLite a
    /// bare statement on the pool would bypass the writer slot and race the
    /// slot's holder into SQLITE_BUSY.
    pub(crate) async fn write_one<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let done = query.execute(&mut **tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn writer_slot(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.writer {
            Some(m) => Some(m.clone().lock_owned().await),
            None => None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> Result<()> {
        let migrator = migrations::migrator(self.backend).await.map_err(|e| StoreError::Migrate(e.to_string()))?;
        migrator.run(&self.pool).await.map_err(|e| match e {
            MigrateError::VersionMissing(v) => StoreError::SchemaTooNew(v),
            other => StoreError::Migrate(other.to_string()),
        })?;
        self.fill_search_keys().await?;
        self.refresh_statistics().await
    }

    /// Gives the planner the tables' current statistics. Without them
    /// SQLite guesses, and picks for one territory's deadlines the index over
    /// every pending timer of the country rather than its own dossiers'
    /// timers (5x slower on the benchmark's data set); `analysis_limit`
    /// samples each index, so this costs a fraction of a second at any size.
    /// PostgreSQL's autovacuum keeps its own statistics; a server run with
    /// it off has none, or those of the day it last analyzed. Data grows
    /// while a server runs, so `serve` calls this every [`STATISTICS_EVERY`].
    pub async fn refresh_statistics(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                let _slot = self.writer_slot().await;
                let mut conn = self.pool.acquire().await?;
                conn.execute("PRAGMA analysis_limit = 1000").await?;
                conn.execute("ANALYZE").await?;
            }
            Backend::Postgres => {
                let autovacuum: String =
                    sqlx::query_scalar("SELECT current_setting('autovacuum')").fetch_one(&self.pool).await?;
                if autovacuum == "off" {
                    self.pool.execute("ANALYZE").await?;
                }
            }
        }
        Ok(())
    }

    /// Gives the rows written before search keys existed theirs, in one
    /// transaction per table.
    async fn fill_search_keys(&self) -> Result<()> {
        for (table, text) in [("dossiers", "title"), ("labels", "title"), ("users", "name || ' ' || email")] {
            let rows = sqlx::query(&format!("SELECT id, {text} FROM {table} WHERE search_key IS NULL"))
                .fetch_all(&self.pool)
                .await?;
            if rows.is_empty() {
                continue;
            }
            let mut tx = self.begin_write().await?;
            for r in &rows {
                sqlx::query(&format!("UPDATE {table} SET search_key = $1 WHERE id = $2"))
                    .bind(crate::search::key(&sqlx::Row::get::<String, _>(r, 1)))
                    .bind(sqlx::Row::get::<String, _>(r, 0))
                    .execute(&mut **tx)
                    .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Cheap liveness probe for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

fn connect_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "timed out".to_string(),
        other => other.to_string(),
    }
}
