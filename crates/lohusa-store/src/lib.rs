//! Lohusa's local store: one SQLite file per device, holding the current state and the
//! append-only change log, written together in one transaction.
//!
//! Every public write goes through `Store::write`, which stamps each entity write with the hybrid
//! logical clock, appends it to `changes` and applies it to the state tables before committing. A
//! crash at any point leaves either both or neither. The only module that knows SQL is this crate.

mod apply;
mod baseline;
mod cases;
mod checkpoint;
pub mod clock;
mod corrections;
mod coverage;
mod entity_meta;
mod error;
mod export;
mod extras;
mod flag_cache;
mod follow_up;
pub mod keyring;
mod meta;
mod mothers;
mod notes;
mod referrals;
mod reviews;
mod schedules;
mod schema;
mod stock;
mod sync;
mod today;
mod visits;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use lohusa_core::change::{CHANGE_SCHEMA_VERSION, Change, EntityWrite, FieldBases};
use lohusa_core::{ChangeId, DeviceId, MemberId};
use rusqlite::{Connection, OptionalExtension, params};

pub use cases::KnownMember;
pub use checkpoint::{BACKSTOP_CHECKPOINT_PAGES, CheckpointResult, Checkpointer};
pub use corrections::{FieldChange, RegistrationForm};
pub use error::StoreError;
pub use extras::ExtraVisitView;
pub use follow_up::FollowUpList;
pub use meta::LocalMember;
pub use mothers::{MotherSummary, MotherView};
pub use referrals::{CreatedRow, ImportReport, MERGEABLE_FIELDS, SuspectRecord, SuspectedDuplicate};
pub use stock::StockView;
pub use sync::{Conflict, Refused, SyncStatus};
pub use visits::VisitDraft;

/// An open local store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    device: DeviceId,
    /// The key of an encrypted store, for the checkpointing connection.
    key: Option<keyring::DbKey>,
}

/// Applies an encrypted store's key to a new connection and proves it right: a wrong key (or a
/// plain file opened with one) fails here, not at the first query.
fn unlock_connection(conn: &Connection, key: &keyring::DbKey) -> Result<(), StoreError> {
    conn.execute_batch(&key.pragma())?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .map_err(|_| StoreError::WrongKey)?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the store at `path`, brings its schema up to date and makes sure
    /// the device has an id.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, None)
    }

    /// Opens (creating if needed) the store at `path` encrypted with `key` (SQLCipher): every page
    /// of the file and its write-ahead log is unreadable without it.
    pub fn open_encrypted(path: &Path, key: keyring::DbKey) -> Result<Store, StoreError> {
        Store::open_with(path, Some(key))
    }

    fn open_with(path: &Path, key: Option<keyring::DbKey>) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
        if let Some(key) = &key {
            unlock_connection(&conn, key)?;
        }
        // First, so that every later step waits for another process instead of failing.
        conn.pragma_update(None, "busy_timeout", 5000)?;
        // WAL lets the UI read while a write commits; FULL syncs the WAL on every commit, so an
        // acknowledged visit survives power loss, not just an app crash.
        retry_while_busy(|| Ok(conn.pragma_update(None, "journal_mode", "WAL")?))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "wal_autocheckpoint", checkpoint::BACKSTOP_CHECKPOINT_PAGES)?;
        // A team's whole store (tens of MB at most) fits in the page cache, so lists over every
        // mother read memory, not the file, after the first time.
        conn.pragma_update(None, "cache_size", -65536)?;
        // Applying a change runs some thirty statements (log, merge metadata, the row, answers,
        // the caches' stale marks); rusqlite keeps 16 prepared by default, and a statement
        // pushed out is compiled again on its next use.
        conn.set_prepared_statement_cache_capacity(256);
        schema::migrate(&mut conn)?;
        let device = retry_while_busy(|| meta::ensure_device_id(&conn))?;
        retry_while_busy(|| flag_cache::check_rules(&conn))?;
        retry_while_busy(|| mothers::check_fold(&conn))?;
        Ok(Store {
            conn,
            path: path.to_owned(),
            device,
            key,
        })
    }

    /// A connection that checkpoints this store's WAL in the background (see `checkpoint`).
    pub fn checkpointer(&self) -> Result<Checkpointer, StoreError> {
        Checkpointer::open(&self.path, self.key.as_ref().map(keyring::DbKey::duplicate))
    }

    /// Writes an encrypted copy of this store to `to` (SQLCipher's `sqlcipher_export`): the
    /// benchmark compares the same data plain and encrypted.
    pub fn copy_encrypted(&self, to: &Path, key: &keyring::DbKey) -> Result<(), StoreError> {
        let to = to.to_string_lossy().replace('\'', "''");
        self.conn.execute_batch(&format!(
            "ATTACH DATABASE '{to}' AS encrypted KEY {};",
            key.literal().as_str()
        ))?;
        let exported = self
            .conn
            .query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))
            .and_then(|()| {
                // The export copies tables, not the schema version the migrations read.
                let version: i64 = self.conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
                self.conn
                    .execute_batch(&format!("PRAGMA encrypted.user_version = {version};"))
            });
        self.conn.execute_batch("DETACH DATABASE encrypted;")?;
        Ok(exported?)
    }

    /// A copy of an encrypted store's key, to seal it for another member.
    pub fn key_copy(&self) -> Option<keyring::DbKey> {
        self.key.as_ref().map(keyring::DbKey::duplicate)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn device_id(&self) -> DeviceId {
        self.device
    }

    /// Writes entity changes atomically: each is stamped, logged and applied, or none is.
    ///
    /// Returns the change records as written.
    pub fn write(
        &mut self,
        writes: &[EntityWrite],
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>, StoreError> {
        self.in_write_transaction(|store| store.write_within(writes, author, now))
    }

    /// Runs `work` (reads, checks and `write_within`) in one transaction that holds the write lock
    /// from its start, so what it read cannot change under it, even from another process.
    pub(crate) fn in_write_transaction<T>(
        &mut self,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // Inside another write transaction, the work joins it: both commit or neither does.
        if !self.conn.is_autocommit() {
            return work(self);
        }
        retry_while_busy(|| Ok(self.conn.execute_batch("BEGIN IMMEDIATE")?))?;
        match work(self) {
            Ok(value) => match self.conn.execute_batch("COMMIT") {
                Ok(()) => Ok(value),
                Err(error) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(error.into())
                }
            },
            Err(error) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Stamps, logs and applies writes inside a transaction opened by `in_write_transaction`.
    /// The clock is read from the file each time, so two processes on one store never reuse a
    /// stamp.
    pub(crate) fn write_within(
        &mut self,
        writes: &[EntityWrite],
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>, StoreError> {
        let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        // The server's checks, first here: a value no device can read, or a required field
        // cleared, is refused before it is logged, so it can never stop this device's own lists
        // (a change the server refuses for other reasons, a role, stays quarantined).
        let mut refused = lohusa_core::ValidationErrors::default();
        for write in writes {
            for (field, value) in &write.fields {
                if let Err(problem) = lohusa_core::fields::check_value(write.entity, field, value) {
                    let shown: String = value.to_string().chars().take(80).collect();
                    refused.push(
                        lohusa_core::FieldError::new(field.clone(), lohusa_core::Rule::InvalidValue)
                            .with("value", shown)
                            .with("problem", problem.as_str()),
                    );
                }
            }
            if let Some(field) = lohusa_core::fields::missing_required(write.entity, &write.fields, false) {
                refused.push(
                    lohusa_core::FieldError::new(field, lohusa_core::Rule::InvalidValue)
                        .with("problem", "missing_required_field"),
                );
            }
            // A stock movement is recorded whole, once; a wrong one is undone by another.
            let exists = lohusa_core::fields::write_once(write.entity)
                && !entity_meta::load(&self.conn, write.entity_id)?.fields.is_empty();
            if let Err(problem) = lohusa_core::fields::check_write_once(write.entity, &write.fields, exists) {
                let (field, value) = write
                    .fields
                    .iter()
                    .next()
                    .map_or(("", &serde_json::Value::Null), |(f, v)| (f.as_str(), v));
                refused.push(
                    lohusa_core::FieldError::new(field, lohusa_core::Rule::InvalidValue)
                        .with("value", value.to_string().chars().take(80).collect::<String>())
                        .with("problem", problem),
                );
            }
        }
        if !refused.is_empty() {
            return Err(refused.into());
        }
        let mut hlc = meta::load_hlc(&self.conn)?;
        let tx = &self.conn;
        let mut changes = Vec::with_capacity(writes.len());
        // The mothers these writes have marked stale so far.
        let mut marked = std::collections::HashSet::new();
        for write in writes {
            hlc = hlc.tick(now_ms);
            let mut entity = entity_meta::load(tx, write.entity_id)?;
            // The values shown now of the fields written that have concurrent values.
            let contested: Vec<&str> = write
                .fields
                .keys()
                .map(String::as_str)
                .filter(|field| entity.heads.get(*field).is_some_and(|h| !h.is_empty()))
                .collect();
            let shown = apply::read_fields(tx, write.entity, &write.entity_id.to_string(), &contested)?;
            let shown: std::collections::BTreeMap<&str, serde_json::Value> = contested.into_iter().zip(shown).collect();
            // What this write replaces: the value shown here now, and for a resolution every
            // concurrent value too.
            let mut base = FieldBases::new();
            for field in write.fields.keys() {
                let mut replaced = entity.base_for(field, false);
                // Concurrent values equal to the one shown were seen too: replacing the shown
                // value replaces them, so an edit after agreeing writes is not a conflict.
                if let Some(shown) = shown.get(field.as_str()) {
                    let heads = &entity.heads[field];
                    replaced.extend(heads.iter().filter(|h| h.value == *shown).map(|h| h.version));
                }
                replaced.extend(write.also_replaces.get(field).into_iter().flatten());
                replaced.sort();
                replaced.dedup();
                if !replaced.is_empty() {
                    base.insert(field.clone(), replaced);
                }
            }
            let change = Change {
                id: ChangeId(clock::id_at(now)),
                entity: write.entity,
                entity_id: write.entity_id,
                fields: write.fields.clone(),
                base,
                hlc,
                author,
                device: self.device,
                schema_version: CHANGE_SCHEMA_VERSION,
            };
            append_change(tx, &change, "local")?;
            // The local clock is ahead of every stamp this replica has seen, so every field
            // normally wins; only what the merge shows is applied, whatever the clocks did.
            // A record with fields already has a mother a write may move it from.
            let existed = !entity.fields.is_empty();
            let merged = entity_meta::merge(tx, &mut entity, &change)?;
            for field in write.fields.keys() {
                if !apply::known(write.entity, field) {
                    return Err(StoreError::UnknownField {
                        entity: write.entity.as_str(),
                        field: field.clone(),
                    });
                }
            }
            if !merged.visible.is_empty() {
                if existed {
                    flag_cache::touch_moved(tx, write.entity, write.entity_id, &merged.visible)?;
                }
                apply::apply_fields(tx, write.entity, write.entity_id, &merged.visible, None)?;
            }
            entity_meta::save(tx, write.entity, write.entity_id, &entity)?;
            // Her lists' flags are stale; a visit her deletion's writer never saw shows her again.
            if let Some(mother) = flag_cache::touch(tx, write.entity, write.entity_id, &merged.visible, &mut marked)? {
                crate::corrections::reconsider_deletion(tx, &mother)?;
            }
            changes.push(change);
        }
        meta::save_hlc(tx, hlc)?;
        Ok(changes)
    }

    /// Changes in local order after position `after_seq`, at most `limit`.
    pub fn changes_after(&self, after_seq: i64, limit: usize) -> Result<Vec<(i64, Change)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, id, entity, entity_id, fields, base, hlc, author, device, schema_version
             FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        read_changes(&mut stmt, params![after_seq, limit as i64])
    }
    /// How many mothers this device holds.
    pub fn n_mothers(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("SELECT count(*) FROM mothers", [], |r| r.get(0))?)
    }

    /// Every mother's id (deleted ones too), in storage order.
    pub fn mother_ids(&self) -> Result<Vec<lohusa_core::MotherId>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM mothers")?;
        collect_rows(&mut stmt, [], |row| Ok(lohusa_core::MotherId(mothers::id(row, 0)?)))
    }

    /// How many visits and attempts this device holds.
    pub fn n_visits(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("SELECT count(*) FROM visits", [], |r| r.get(0))?)
    }

    /// How many changes this device has written.
    pub fn n_local_changes(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM changes WHERE origin = 'local'", [], |r| r.get(0))?)
    }

    /// SQLite's own consistency check; "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Direct read access for tests and benchmarks in this workspace.
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Reads change rows selected as (seq, id, entity, entity_id, fields, base, hlc, author, device,
/// schema_version).
pub(crate) fn read_changes(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<(i64, Change)>, StoreError> {
    collect_rows(stmt, params, |row| {
        let seq: i64 = row.get(0)?;
        let corrupt = |what: &str| StoreError::Corrupt(format!("change {seq}: bad {what}"));
        let text = |i: usize| row.get::<_, String>(i);
        let base: Option<String> = row.get(5)?;
        Ok((
            seq,
            Change {
                id: text(1)?.parse().map_err(|_| corrupt("id"))?,
                entity: lohusa_core::EntityKind::parse(&text(2)?).ok_or_else(|| corrupt("entity"))?,
                entity_id: text(3)?.parse().map_err(|_| corrupt("entity id"))?,
                fields: serde_json::from_str(&text(4)?).map_err(|_| corrupt("fields"))?,
                base: match base {
                    Some(base) => serde_json::from_str(&base).map_err(|_| corrupt("base"))?,
                    None => FieldBases::new(),
                },
                hlc: text(6)?.parse().map_err(|_| corrupt("clock stamp"))?,
                author: text(7)?.parse().map_err(|_| corrupt("author"))?,
                device: text(8)?.parse().map_err(|_| corrupt("device"))?,
                schema_version: row.get(9)?,
            },
        ))
    })
}

/// Appends a change to the log; false when the log already holds it (a change received twice).
pub(crate) fn append_change(conn: &Connection, change: &Change, origin: &str) -> Result<bool, StoreError> {
    append_logged(conn, change, &LogText::of(change)?, origin)
}

/// A change's fields and bases as the change log holds them (JSON text).
pub(crate) struct LogText {
    fields: String,
    base: Option<String>,
}

impl LogText {
    pub(crate) fn of(change: &Change) -> Result<LogText, StoreError> {
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
        Ok(LogText {
            fields: serde_json::to_string(&change.fields).map_err(corrupt)?,
            base: if change.base.is_empty() {
                None
            } else {
                Some(serde_json::to_string(&change.base).map_err(corrupt)?)
            },
        })
    }
}

/// As `append_change`, with the change's log text worked out already.
pub(crate) fn append_logged(
    conn: &Connection,
    change: &Change,
    text: &LogText,
    origin: &str,
) -> Result<bool, StoreError> {
    let (fields, base) = (&text.fields, &text.base);
    let inserted = conn
        .prepare_cached(
            "INSERT INTO changes (id, entity, entity_id, fields, base, hlc, author, device, schema_version, origin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(id) DO NOTHING",
        )?
        .execute(params![
            change.id.to_string(),
            change.entity.as_str(),
            change.entity_id.to_string(),
            fields,
            base,
            change.hlc.to_string(),
            change.author.to_string(),
            change.device.to_string(),
            change.schema_version,
            origin,
        ])?;
    Ok(inserted == 1)
}

/// Runs `step` again while another connection holds a lock SQLite will not wait for (switching to
/// WAL, or two first opens of a new file), for up to about two seconds.
pub(crate) fn retry_while_busy<T>(mut step: impl FnMut() -> Result<T, StoreError>) -> Result<T, StoreError> {
    let mut attempt = 0;
    loop {
        match step() {
            Err(error) if error.is_busy() && attempt < 100 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Reads one optional row, turning "no row" into `None`.
fn optional<T>(result: rusqlite::Result<T>) -> Result<Option<T>, StoreError> {
    Ok(result.optional()?)
}

/// Runs a query and converts every row with `read`, stopping at the first error.
pub(crate) fn collect_rows<T>(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
    mut read: impl FnMut(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(read(row)?);
    }
    Ok(out)
}
