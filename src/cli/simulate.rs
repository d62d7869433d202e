//! `labelflow simulate --until DATE`: fast-forwards a copy of the data and
//! prints what would fire, when, and to whom. The real database is not
//! touched and no e-mail is sent.

use super::serve::{load_workflows, DatabaseArgs};
use crate::app::App;
use crate::bench::scratch::replace_database;
use crate::calendar::{paris_instant, ZONE};
use crate::clock::ManualClock;
use crate::store::{redact_url, Backend, Store};
use anyhow::{bail, Context};
use chrono::{NaiveDate, NaiveTime, Utc};
use clap::Args;
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Last day to simulate (Europe/Paris, inclusive).
    #[arg(long)]
    pub until: NaiveDate,
    #[arg(long, env = "LABELFLOW_WORKFLOWS", default_value = "workflows")]
    pub workflows: PathBuf,
}

/// A throw-away copy of the database; removed on drop.
struct Copy {
    url: String,
    cleanup: Option<Box<dyn FnOnce() + Send>>,
}

impl Drop for Copy {
    fn drop(&mut self) {
        if let Some(f) = self.cleanup.take() {
            f();
        }
    }
}

async fn copy_of(url: &str) -> anyhow::Result<Copy> {
    match Backend::of_url(url)? {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("labelflow-simulate-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&dir)?;
            let file = dir.join("copy.db");
            Store::snapshot_sqlite(url, &file.to_string_lossy()).await.context("copying the database")?;
            Ok(Copy {
                url: format!("sqlite://{}", file.display()),
                cleanup: Some(Box::new(move || {
                    std::fs::remove_dir_all(&dir).ok();
                })),
            })
        }
        Backend::Postgres => {
            let source_name = url.rsplit('/').next().unwrap_or("").split('?').next().unwrap_or("").to_string();
            let name = format!("labelflow_simulate_{}", uuid::Uuid::new_v4().simple());
            let admin = replace_database(url, "postgres");
            let mut conn =
                sqlx::PgConnection::connect(&admin).await.context("connecting to the server's postgres database")?;
            let created = sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE \"{}\"", source_name.replace('"', "")))
                .execute(&mut conn)
                .await;
            if let Err(e) = created {
                bail!("cannot copy database {source_name} ({e}); PostgreSQL copies a database only while nobody else is connected to it: stop `serve` first");
            }
            let drop_url = admin.clone();
            Ok(Copy {
                url: replace_database(url, &name),
                cleanup: Some(Box::new(move || {
                    std::thread::spawn(move || {
                        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                        rt.block_on(async move {
                            if let Ok(mut c) = sqlx::PgConnection::connect(&drop_url).await {
                                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                    .execute(&mut c)
                                    .await
                                    .ok();
                            }
                        });
                    })
                    .join()
                    .ok();
                })),
            })
        }
    }
}

pub async fn simulate(args: SimulateArgs, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let workflows = load_workflows(&args.workflows)?;
    let copy = copy_of(&args.db.database_url).await?;
    let store = Store::open(&copy.url).await?;
    let start = Utc::now();
    let end = paris_instant(args.until, NaiveTime::from_hms_opt(23, 59, 59).expect("valid time"));
    if end <= start {
        bail!("--until {} is not in the future", args.until);
    }
    let clock = ManualClock::new(start);
    let app = App::new(store.clone(), workflows.primary().clone(), Arc::new(clock.clone())).with_workflows(workflows);
    writeln!(
        out,
        "Simulation of {} from {} to {} (a copy; nothing is sent)",
        redact_url(&args.db.database_url),
        start.with_timezone(&ZONE).format("%Y-%m-%d %H:%M"),
        args.until
    )?;
    let mut count = 0usize;
    while let Some(next) = store.next_due().await? {
        let at = next.max(start);
        if at > end {
            break;
        }
        clock.set(at);
        for f in app.fire_due(at).await? {
            count += 1;
            let due = chrono::DateTime::parse_from_rfc3339(&f.due_at)?.with_timezone(&ZONE);
            let id = uuid::Uuid::parse_str(&f.entity_id)?;
            let title = store.title_of(&f.entity, id).await?.unwrap_or_default();
            let recipients =
                if f.outcome == "fired" { store.recipients_at(id, at).await?.join(", ") } else { String::new() };
            let what = match &f.reason {
                Some(reason) => format!("{} (refused: {reason})", f.event),
                None => format!("{} -> {}", f.event, f.state),
            };
            writeln!(
                out,
                "{}  {:<7} {:<40}  {:<50}  {}",
                due.format("%Y-%m-%d %H:%M"),
                f.entity,
                title,
                what,
                recipients
            )?;
        }
    }
    writeln!(out, "{count} timers would fire until {}", args.until)?;
    store.close().await;
    drop(copy);
    Ok(())
}
