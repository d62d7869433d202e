//! A throw-away database for a benchmark: a SQLite file in a temporary
//! folder, or a PostgreSQL database created for the run and dropped after.

use crate::store::{Backend, Result, Store, StoreError};
use sqlx::Connection;
use uuid::Uuid;

pub struct Scratch {
    pub store: Store,
    pub url: String,
    dir: Option<std::path::PathBuf>,
    pg: Option<(String, String)>,
}

impl Scratch {
    /// `server` is the PostgreSQL server URL (any database on it).
    pub async fn create(backend: Backend, server: &str) -> Result<Scratch> {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("labelflow-bench-{}", Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).map_err(|e| StoreError::Connect(e.to_string()))?;
                let url = format!("sqlite://{}", dir.join("bench.db").display());
                Ok(Scratch { store: Store::open(&url).await?, url, dir: Some(dir), pg: None })
            }
            Backend::Postgres => {
                let name = format!("labelflow_bench_{}", Uuid::new_v4().simple());
                admin(server, &format!("CREATE DATABASE {name}")).await?;
                let url = replace_database(server, &name);
                Ok(Scratch { store: Store::open(&url).await?, url, dir: None, pg: Some((server.to_string(), name)) })
            }
        }
    }

    pub async fn drop_all(self) -> Result<()> {
        self.store.close().await;
        if let Some(dir) = &self.dir {
            std::fs::remove_dir_all(dir).ok();
        }
        if let Some((server, name)) = &self.pg {
            admin(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        }
        Ok(())
    }
}

async fn admin(server: &str, sql: &str) -> Result<()> {
    let mut conn = sqlx::PgConnection::connect(server).await.map_err(|e| StoreError::Connect(e.to_string()))?;
    sqlx::query(sql).execute(&mut conn).await?;
    Ok(())
}

/// The same server URL pointing at database `name`.
pub fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[start..].find('/') {
        Some(slash) => &base[..start + slash],
        None => base,
    };
    format!("{root}/{name}{query}")
}
