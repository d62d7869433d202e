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

impl StoreError {
    /// Whether the same work, tried again, may succeed: a stale version, or
    /// PostgreSQL ending a transaction caught in a deadlock (40P01) or a
    /// serialization failure (40001). Both roll back everything it did.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Conflict { .. } => true,
            StoreError::Database(sqlx::Error::Database(e)) => matches!(e.code().as_deref(), Some("40P01" | "40001")),
            _ => false,
        }
    }
}
