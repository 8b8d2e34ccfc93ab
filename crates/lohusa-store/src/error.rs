//! The store's error type.

use lohusa_core::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input broke one or more rules; nothing was written.
    #[error("invalid input: {0}")]
    Validation(#[from] ValidationErrors),
    /// The record asked for does not exist on this device.
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// The record was deleted (on this device or another): by whom and when, where known.
    #[error("{entity} {id} was deleted{}{}", by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default(), at.map(|a| format!(" on {}", a.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default())]
    Deleted {
        entity: &'static str,
        id: String,
        by: Option<String>,
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// A change names a field this version does not know; nothing was written.
    #[error("unknown field {field:?} for {entity}")]
    UnknownField { entity: &'static str, field: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database schema migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The key does not open this database (or it is not encrypted).
    #[error("the key does not open this database")]
    WrongKey,
    /// The server left out changes written on this device that this store does not hold (a
    /// copy restored from an older file): nothing was applied, and the next sync asks for
    /// them with the rest.
    #[error("records written on this device are missing from its database ({missing}); the next sync fetches them")]
    OwnChangesMissing { missing: usize },
    /// Stored data that cannot be read back; a bug or a damaged file.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Another connection holds the lock this step needed.
    pub fn is_busy(&self) -> bool {
        let busy = |e: &rusqlite::Error| {
            matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        };
        match self {
            StoreError::Sqlite(e) => busy(e),
            StoreError::Migration(rusqlite_migration::Error::RusqliteError { err, .. }) => busy(err),
            _ => false,
        }
    }
}
