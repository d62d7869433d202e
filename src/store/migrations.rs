//! The schema migrations of each backend, embedded in the binary and run by
//! sqlx's migrator. Each file is `NNNN_description.sql`, applied in order
//! once; a file applied before must never change (its checksum is kept).

use futures_core::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// The migrations of one backend, as files.
#[derive(Debug)]
struct Embedded(&'static [(&'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move { parse(self.0) })
    }
}

/// Reads the files as sqlx's own `migrate!` does: the version before the
/// first `_`, the rest (without `.sql`, `_` as spaces) the description, and
/// a first line `-- no-transaction` to run outside a transaction.
fn parse(files: &'static [(&'static str, &'static str)]) -> Result<Vec<Migration>, BoxDynError> {
    let mut out = Vec::with_capacity(files.len());
    for (name, sql) in files {
        let (version, rest) = name.split_once('_').ok_or_else(|| format!("migration `{name}`: no `_`"))?;
        let version: i64 = version.parse().map_err(|_| format!("migration `{name}`: no version number"))?;
        let kind = MigrationType::from_filename(rest);
        let description = rest.trim_end_matches(kind.suffix()).replace('_', " ");
        let no_tx = sql.starts_with("-- no-transaction");
        out.push(Migration::new(version, Cow::Owned(description), kind, Cow::Borrowed(*sql), no_tx));
    }
    out.sort_by_key(|m| m.version);
    Ok(out)
}

/// The migrator of `backend`.
pub(super) async fn migrator(backend: super::Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    let files = match backend {
        super::Backend::Sqlite => embedded::SQLITE,
        super::Backend::Postgres => embedded::POSTGRES,
    };
    Migrator::new(Embedded(files)).await
}
