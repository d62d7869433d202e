use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unsupported database URL scheme `{0}` (use sqlite://FILE or postgres://...)")]
    UnsupportedScheme(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("the database schema is newer than this labelflow (it has migration {0}, unknown here); upgrade labelflow instead")]
    SchemaTooNew(i64),
    #[error("database migration failed: {0}")]
    Migrate(String),
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("stale version: it is now at version {current}, not {expected}")]
    Conflict { expected: i64, current: i64 },
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
