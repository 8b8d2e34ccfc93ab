//! Moving the write-ahead log into the database file away from the nurse's save.
//!
//! SQLite copies the WAL into the database ("checkpoints") when the WAL passes a size, inside
//! whichever commit crosses it: with `synchronous=FULL` that commit then pays a second fsync and
//! takes several times longer than the others. The app instead runs a `Checkpointer` on its own
//! connection in the background; the store keeps a much higher automatic threshold only as a
//! backstop for programs that never start one.

use std::path::Path;

use rusqlite::Connection;

use crate::StoreError;

/// WAL size (in pages of 4 KiB) at which a commit checkpoints by itself.
pub const BACKSTOP_CHECKPOINT_PAGES: i64 = 10_000;

/// A second connection to the same file that only checkpoints.
pub struct Checkpointer {
    conn: Connection,
}

/// What one checkpoint did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointResult {
    /// Pages in the WAL.
    pub wal_pages: i64,
    /// Pages of it now also in the database file.
    pub checkpointed_pages: i64,
}

impl Checkpointer {
    pub fn open(path: &Path, key: Option<crate::keyring::DbKey>) -> Result<Checkpointer, StoreError> {
        let conn = Connection::open(path)?;
        if let Some(key) = key {
            crate::unlock_connection(&conn, &key)?;
        }
        conn.pragma_update(None, "busy_timeout", 5000)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(Checkpointer { conn })
    }

    /// Copies what it can of the WAL into the database without waiting for readers or writers.
    pub fn checkpoint(&self) -> Result<CheckpointResult, StoreError> {
        let (_busy, wal_pages, checkpointed_pages): (i64, i64, i64) =
            self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        Ok(CheckpointResult {
            wal_pages,
            checkpointed_pages,
        })
    }
}
