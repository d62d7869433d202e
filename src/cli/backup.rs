//! `labelflow backup` and `labelflow restore`: a consistent copy of a
//! running database, and a new database made from one. SQLite is copied by
//! the database itself (`VACUUM INTO`); PostgreSQL by its own tools,
//! `pg_dump` in its custom format and `pg_restore`.

use super::serve::DatabaseArgs;
use crate::store::audit::Verification;
use crate::store::backup::sqlite_file;
use crate::store::{redact_url, Backend, Store};
use anyhow::{bail, Context};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// The backup file to write; an existing file is never overwritten.
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The database to make: a SQLite file that does not exist yet, or an
    /// empty PostgreSQL database.
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// A file written by `labelflow backup`.
    #[arg(long)]
    pub from: PathBuf,
}

/// What a backup file holds, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    PgDump,
}

impl Kind {
    fn of_file(path: &Path) -> anyhow::Result<Kind> {
        use std::io::Read;
        let mut head = [0u8; 16];
        let mut file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
        let n = file.read(&mut head)?;
        if head[..n].starts_with(b"SQLite format 3\0") {
            Ok(Kind::Sqlite)
        } else if head[..n].starts_with(b"PGDMP") {
            Ok(Kind::PgDump)
        } else {
            bail!("{} is neither a SQLite database nor a PostgreSQL custom-format dump", path.display())
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Sqlite => "SQLite",
            Kind::PgDump => "PostgreSQL",
        }
    }

    fn backend(self) -> Backend {
        match self {
            Kind::Sqlite => Backend::Sqlite,
            Kind::PgDump => Backend::Postgres,
        }
    }
}

pub async fn backup(args: BackupArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let url = &args.db.database_url;
    if args.to.exists() {
        bail!("{} already exists: a backup never overwrites a file", args.to.display());
    }
    // Written beside the target under another name and renamed when whole
    // and checked: an interrupted backup never leaves a file that looks done.
    let partial = partial_name(&args.to);
    remove_if_present(&partial)?;
    match Backend::of_url(url)? {
        Backend::Sqlite => {
            let source = sqlite_file(url).context("--database-url names no SQLite file")?;
            if !source.is_file() {
                bail!("database {} does not exist", source.display());
            }
            // Through a read-only connection: a backup neither migrates nor
            // writes the database it copies.
            Store::snapshot_sqlite(url, &partial.to_string_lossy())
                .await
                .with_context(|| format!("copying {} into {}", source.display(), partial.display()))?;
            let copy = Store::connect(&sqlite_url(&partial)).await?;
            let verified = copy.verify_audit().await;
            copy.close().await;
            match verified? {
                Verification::Intact { entries } => {
                    finish(&partial, &args.to)?;
                    writeln!(out, "backup written to {}: {entries} audit entries verified", args.to.display())?;
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, reason } => {
                    remove_if_present(&partial)?;
                    bail!("the database's audit entry {seq} is broken ({reason}): no backup written")
                }
            }
        }
        Backend::Postgres => {
            let store = Store::connect(url).await.with_context(|| format!("database {}", redact_url(url)))?;
            let blank = store.is_blank().await;
            store.close().await;
            if blank? {
                bail!("database {} is empty: there is nothing to back up", redact_url(url));
            }
            let (target, password) = libpq_target(url)?;
            let mut dump = tokio::process::Command::new("pg_dump");
            dump.args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                .arg(&partial)
                .arg("--dbname")
                .arg(&target);
            run_tool(dump, "pg_dump", password.as_deref()).await?;
            let mut list = tokio::process::Command::new("pg_restore");
            list.arg("--list").arg(&partial);
            let listed = run_tool(list, "pg_restore", None).await?;
            let entries = listed.lines().filter(|l| !l.trim().is_empty() && !l.starts_with(';')).count();
            finish(&partial, &args.to)?;
            writeln!(
                out,
                "backup written to {}: PostgreSQL custom-format dump of {entries} objects (pg_restore --list)",
                args.to.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn restore(args: RestoreArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let url = &args.db.database_url;
    let kind = Kind::of_file(&args.from)?;
    let backend = Backend::of_url(url)?;
    if kind.backend() != backend {
        let wanted = match kind {
            Kind::Sqlite => "a sqlite://FILE",
            Kind::PgDump => "a postgres://",
        };
        bail!("{} is a {} backup: restore it into {wanted} database", args.from.display(), kind.name());
    }
    match kind {
        Kind::Sqlite => {
            let file = sqlite_file(url).context("--database-url names no SQLite file")?;
            if file.exists() {
                bail!("{} exists: a restore makes a new database file, never over one", file.display());
            }
            let partial = partial_name(&file);
            std::fs::copy(&args.from, &partial)
                .with_context(|| format!("copying {} to {}", args.from.display(), partial.display()))?;
            finish(&partial, &file)?;
        }
        Kind::PgDump => {
            let store = Store::connect(url).await.with_context(|| format!("database {}", redact_url(url)))?;
            let blank = store.is_blank().await;
            store.close().await;
            if !blank? {
                bail!("database {} already holds tables: a restore goes into an empty database", redact_url(url));
            }
            let (target, password) = libpq_target(url)?;
            let mut load = tokio::process::Command::new("pg_restore");
            load.args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname"])
                .arg(&target)
                .arg(&args.from);
            run_tool(load, "pg_restore", password.as_deref()).await?;
        }
    }
    // Opened, so a backup of an earlier release is migrated to this one.
    let store = super::serve::open_store(&args.db).await?;
    let verified = store.verify_audit().await;
    store.close().await;
    match verified? {
        Verification::Intact { entries } => {
            writeln!(
                out,
                "restored {} into {}: {entries} audit entries verified",
                args.from.display(),
                redact_url(url)
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Verification::Broken { seq, reason } => {
            writeln!(out, "restored, but audit entry {seq} is broken: {reason}")?;
            Ok(ExitCode::FAILURE)
        }
    }
}

fn partial_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Renames the checked copy to its name, and makes the rename durable.
fn finish(partial: &Path, target: &Path) -> anyhow::Result<()> {
    std::fs::File::open(partial)?.sync_all()?;
    std::fs::rename(partial, target).with_context(|| format!("renaming to {}", target.display()))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// The URL libpq's tools take, and its password apart: passed in the
/// environment, it stays out of the process list.
fn libpq_target(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).context("--database-url is not a URL")?;
    let password = parsed
        .password()
        .map(|p| percent_encoding::percent_decode_str(p).decode_utf8().map(|p| p.into_owned()))
        .transpose()
        .context("--database-url: the password is not valid percent-encoded UTF-8")?;
    parsed.set_password(None).ok();
    Ok((parsed.to_string(), password))
}

/// Runs one of PostgreSQL's tools to the end; its standard output, or an
/// error carrying what it printed on standard error.
async fn run_tool(mut command: tokio::process::Command, name: &str, password: Option<&str>) -> anyhow::Result<String> {
    if let Some(p) = password {
        command.env("PGPASSWORD", p);
    }
    let output = command.kill_on_drop(true).output().await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::anyhow!(
                "{name} not found: install PostgreSQL's client tools (Debian: postgresql-client), of the server's major version or later"
            )
        } else {
            anyhow::Error::new(e).context(format!("running {name}"))
        }
    })?;
    if !output.status.success() {
        bail!("{name} failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
