//! What a restore asks of the database itself; the SQLite copy is
//! [`Store::snapshot_sqlite`], `pg_dump` and `pg_restore` are run by the CLI.

use super::{Backend, Result, Store};
use std::path::PathBuf;

/// The file a `sqlite://` URL names (its query string dropped).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

impl Store {
    /// Whether the database holds no table yet: a restore writes only into
    /// such a database, never over one in use.
    pub async fn is_blank(&self) -> Result<bool> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            Backend::Postgres => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
        };
        let tables: i64 = sqlx::query_scalar(sql).fetch_one(&self.pool).await?;
        Ok(tables == 0)
    }
}
