//! The embedded backend: one SQLite file in the data folder. One connection writes (SQLite
//! allows one writer at a time, which also numbers each team's changes in commit order); reads
//! use a small set of connections of their own, in WAL mode, so pulls never wait for pushes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lohusa_core::change::Change;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use uuid::Uuid;

use crate::logic::{PARALLEL_FROM, beside};
use crate::model::{
    Authors, BackendError, ClaimOutcome, DeviceAuth, DeviceInfo, EnrollOutcome, MemberRow, PoolUse, PullBatch,
    PushOutcome, Pusher, ReadRow, TeamActivity, TeamDeviceRow, fold_authors, joined_devices, stored_epoch, stored_role,
};
use crate::policy::{Owner, StateRows, decide, free_later};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/server-sqlite/0001_init.sql"),
    include_str!("../../../migrations/server-sqlite/0002_device_reports.sql"),
    include_str!("../../../migrations/server-sqlite/0003_members.sql"),
];

pub struct SqliteBackend {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    /// How many reading connections were opened (each is kept, idle in `readers` or in use).
    readers_open: Arc<AtomicUsize>,
    checkpointer: Checkpointer,
}

/// Moves the write-ahead log into the database file on a thread of its own after pushes, at
/// most once per `CHECKPOINT_PAUSE`, so no push waits for it: SQLite would otherwise do it inside
/// the commit of whichever push took the log past 1,000 pages. Under pushes that never stop, a
/// checkpoint never catches up with the last commit, and the log restarts from its beginning
/// only after one that did: past `RESTART_PAGES`, this thread copies the little left with the
/// writer held off for that moment, so the log restarts and its file is cut back to
/// `WAL_KEPT_BYTES`. The writer still checkpoints itself past `WRITER_CHECKPOINT_PAGES`, should
/// this thread fall behind.
struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The shortest time between two checkpoints of the checkpointing thread.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(500);
/// The log size (in pages of 4 KiB) past which the writer checkpoints in its own commit.
const WRITER_CHECKPOINT_PAGES: i64 = 16_384;
/// The log size (pages) past which the checkpointing thread makes the log restart: 16 MiB.
const RESTART_PAGES: i64 = 4_096;
/// What the log file keeps of its size when it restarts.
const WAL_KEPT_BYTES: i64 = 16 << 20;

/// One checkpoint of the checkpointing thread: what the log holds into the file, and past
/// `RESTART_PAGES` the rest too, so the log restarts.
fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    let log: i64 = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))?;
    if log >= RESTART_PAGES {
        conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))?;
    }
    Ok(())
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Checkpointer, BackendError> {
        let conn = open(path)?;
        conn.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)?;
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("lohusa-checkpoint".into())
            .spawn(move || {
                let mut last: Option<Instant> = None;
                while woken.recv().is_ok() {
                    // Pushes that come during the pause are taken by the next checkpoint.
                    if let Some(until) = last.map(|at| at + CHECKPOINT_PAUSE) {
                        while let Some(left) = until.checked_duration_since(crate::clock::monotonic()) {
                            if let Err(RecvTimeoutError::Disconnected) = woken.recv_timeout(left) {
                                return;
                            }
                        }
                    }
                    if let Err(error) = checkpoint(&conn) {
                        tracing::warn!(%error, "could not checkpoint the database");
                    }
                    last = Some(crate::clock::monotonic());
                }
            })
            .map_err(|e| BackendError::Task(format!("starting the checkpointing thread: {e}")))?;
        Ok(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint soon (one already asked for covers this one too).
    fn wake(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    /// Ends the thread, waiting for a checkpoint it is running, so nothing touches the file
    /// once the backend is gone.
    fn drop(&mut self) {
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn open(path: &Path) -> Result<Connection, BackendError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "busy_timeout", 10_000)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Every acknowledged push survives a power cut.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -65536)?;
    Ok(conn)
}

/// Whether two paths name the same file (through links too).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// What a restore did: the decisions it carried over, and where the replaced database was kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restored {
    pub kept: Kept,
    pub replaced: Option<PathBuf>,
}

/// What a restore carried over from the database it replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    pub devices_revoked: usize,
    pub members_revoked: usize,
    pub codes_used: usize,
}

/// The security decisions of a database: revoked devices and members, used one-time codes.
#[derive(Clone, Debug, Default)]
struct Decisions {
    /// Device id, when revoked.
    devices: Vec<(String, i64)>,
    /// Member number, team, name, when revoked.
    members: Vec<(i64, i64, String, i64)>,
    /// Code hash, when used, by which device; enrollment codes then member codes.
    enrollment_codes: Vec<(String, i64, Option<String>)>,
    member_codes: Vec<(String, i64, Option<String>)>,
}

impl Decisions {
    fn read(conn: &Connection) -> Result<Decisions, BackendError> {
        let mut devices = conn.prepare("SELECT id, revoked_ms FROM devices WHERE revoked_ms IS NOT NULL")?;
        let devices = devices
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut members =
            conn.prepare("SELECT num, team_id, name, revoked_ms FROM members WHERE revoked_ms IS NOT NULL")?;
        let members = members
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let used = |table: &str| -> Result<Vec<(String, i64, Option<String>)>, BackendError> {
            let mut stmt = conn.prepare(&format!(
                "SELECT code_hash, used_ms, used_by FROM {table} WHERE used_ms IS NOT NULL"
            ))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        Ok(Decisions {
            devices,
            members,
            enrollment_codes: used("enrollment_codes")?,
            member_codes: used("member_codes")?,
        })
    }

    /// Applies them where the restored database does not have them yet.
    fn apply(&self, conn: &mut Connection) -> Result<Kept, BackendError> {
        let tx = conn.transaction()?;
        let mut kept = Kept::default();
        for (id, at) in &self.devices {
            kept.devices_revoked += tx.execute(
                "UPDATE devices SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
                params![id, at],
            )?;
        }
        for (num, team, name, at) in &self.members {
            kept.members_revoked += tx.execute(
                "UPDATE members SET revoked_ms = ?4 WHERE num = ?1 AND team_id = ?2 AND name = ?3 AND revoked_ms IS NULL",
                params![num, team, name, at],
            )?;
        }
        for (table, codes) in [
            ("enrollment_codes", &self.enrollment_codes),
            ("member_codes", &self.member_codes),
        ] {
            for (hash, at, by) in codes {
                kept.codes_used += tx.execute(
                    &format!("UPDATE {table} SET used_ms = ?2, used_by = ?3 WHERE code_hash = ?1 AND used_ms IS NULL"),
                    params![hash, at, by],
                )?;
            }
        }
        tx.commit()?;
        Ok(kept)
    }
}

/// A member code with its member: number, expiry, use, team, id, name, role, revocation.
type ClaimRow = (i64, i64, Option<i64>, i64, Option<String>, String, String, Option<i64>);

/// The roles of the active members who signed in on a device.
fn device_roles(conn: &Connection, device: &str) -> Result<Vec<lohusa_core::Role>, BackendError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT m.role FROM device_members dm JOIN members m ON m.id = dm.member_id
         WHERE dm.device_id = ?1 AND m.revoked_ms IS NULL
                   AND m.team_id = (SELECT team_id FROM devices WHERE id = dm.device_id) ORDER BY m.role",
    )?;
    let roles: Vec<String> = stmt.query_map([device], |r| r.get(0))?.collect::<Result<_, _>>()?;
    roles.iter().map(|r| stored_role(r)).collect()
}

/// Every member of a team who has an id, with her role, the devices she signed in on and when
/// she was revoked.
fn authors(conn: &Connection, team_id: i64) -> Result<Authors, BackendError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.role, dm.device_id, m.revoked_ms FROM members m
         LEFT JOIN device_members dm ON dm.member_id = m.id
         WHERE m.team_id = ?1 AND m.id IS NOT NULL",
    )?;
    let rows = stmt
        .query_map([team_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    fold_authors(rows)
}

impl SqliteBackend {
    /// Opens (creating if needed) `lohusa-server.sqlite3` in `dir`.
    pub fn open(dir: &Path) -> Result<SqliteBackend, BackendError> {
        std::fs::create_dir_all(dir).map_err(|e| BackendError::Corrupt(format!("data folder: {e}")))?;
        let path = dir.join("lohusa-server.sqlite3");
        let mut conn = open(&path)?;
        Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect()).to_latest(&mut conn)?;
        conn.execute(
            "INSERT INTO server_meta (key, value) VALUES ('epoch', ?1) ON CONFLICT(key) DO NOTHING",
            [Uuid::new_v4().to_string()],
        )?;
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
        conn.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)?;
        let checkpointer = Checkpointer::start(&path)?;
        Ok(SqliteBackend {
            path,
            writer: Arc::new(Mutex::new(conn)),
            readers: Arc::new(Mutex::new(Vec::new())),
            readers_open: Arc::new(AtomicUsize::new(0)),
            checkpointer,
        })
    }

    /// A consistent copy of the database in one file, taken while the server runs.
    pub async fn backup(&self, to: &Path) -> Result<(), BackendError> {
        // Made empty first, readable by the server's user only (health data), whatever the
        // umask; SQLite writes into an empty file and refuses one that holds anything.
        if !to.exists() {
            std::os::unix::fs::OpenOptionsExt::mode(std::fs::OpenOptions::new().write(true).create_new(true), 0o600)
                .open(to)
                .map_err(|e| BackendError::Files(format!("backup file {}: {e}", to.display())))?;
        }
        let to = to.to_string_lossy().into_owned();
        self.read(move |conn| {
            conn.execute("VACUUM INTO ?1", [to])?;
            Ok(())
        })
        .await
    }

    /// Puts a backup in place of the database in `dir` (the server must be stopped), once the
    /// backup passes `backup --verify`'s checks; the database it replaces is kept beside it as
    /// `lohusa-server.sqlite3.replaced-<time>`, never deleted. What that database revoked or used
    /// up after the backup was taken stays revoked or used: a restore never lets a revoked
    /// tablet or member back in, nor a one-time code be used twice.
    pub fn restore(dir: &Path, from: &Path, now_ms: u64) -> Result<Restored, BackendError> {
        let path = dir.join("lohusa-server.sqlite3");
        let io = |e: std::io::Error| BackendError::Corrupt(format!("restoring: {e}"));
        let refuse = |why: String| BackendError::Refused(why);
        if path.exists() && same_file(from, &path) {
            return Err(refuse(format!(
                "{} is the database being replaced, not a backup of it",
                from.display()
            )));
        }
        // A whole server database, or nothing is touched.
        verify(from).map_err(refuse)?;
        let mut replaced = None;
        let decisions = if path.is_file() {
            let decisions = {
                let live = Connection::open(&path)?;
                // Its write-ahead log into the file, so the copy kept below is whole.
                live.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                Decisions::read(&live)?
            };
            let at = chrono::DateTime::from_timestamp_millis(now_ms as i64).unwrap_or_default();
            let kept = dir.join(format!(
                "lohusa-server.sqlite3.replaced-{}",
                at.format("%Y%m%dT%H%M%SZ")
            ));
            std::fs::rename(&path, &kept).map_err(io)?;
            replaced = Some(kept);
            decisions
        } else {
            Decisions::default()
        };
        for suffix in ["-wal", "-shm"] {
            let side = dir.join(format!("lohusa-server.sqlite3{suffix}"));
            if side.exists() {
                std::fs::remove_file(side).map_err(io)?;
            }
        }
        std::fs::copy(from, &path).map_err(io)?;
        let mut conn = Connection::open(&path)?;
        Ok(Restored {
            kept: decisions.apply(&mut conn)?,
            replaced,
        })
    }

    /// Runs `work` on the writing connection, off the async threads.
    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        })
        .await
        .map_err(|e| BackendError::Task(e.to_string()))?
    }

    /// Runs `work` on a reading connection.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let (readers, path, opened) = (self.readers.clone(), self.path.clone(), self.readers_open.clone());
        tokio::task::spawn_blocking(move || {
            let taken = readers.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let conn = match taken {
                Some(conn) => conn,
                None => {
                    let conn = open(&path)?;
                    opened.fetch_add(1, Ordering::Relaxed);
                    conn
                }
            };
            let result = work(&conn);
            readers.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
            result
        })
        .await
        .map_err(|e| BackendError::Task(e.to_string()))?
    }

    pub async fn epoch(&self) -> Result<Uuid, BackendError> {
        self.read(|conn| {
            let text: String = conn.query_row("SELECT value FROM server_meta WHERE key = 'epoch'", [], |r| r.get(0))?;
            stored_epoch(&text)
        })
        .await
    }

    pub async fn new_epoch(&self) -> Result<Uuid, BackendError> {
        let epoch = Uuid::new_v4();
        self.write(move |conn| {
            conn.execute(
                "UPDATE server_meta SET value = ?1 WHERE key = 'epoch'",
                [epoch.to_string()],
            )?;
            Ok(epoch)
        })
        .await
    }

    pub async fn head_seq(&self, team_id: i64) -> Result<u64, BackendError> {
        self.read(move |conn| {
            let head: i64 = conn.query_row("SELECT head_seq FROM teams WHERE id = ?1", [team_id], |r| r.get(0))?;
            Ok(head as u64)
        })
        .await
    }

    pub async fn authenticate(&self, token_hash: &str, now_ms: u64) -> Result<Option<DeviceAuth>, BackendError> {
        let token_hash = token_hash.to_owned();
        let found = self
            .read(move |conn| {
                conn.query_row(
                    "SELECT d.id, t.id, t.name, d.last_seen_ms, d.revoked_ms FROM devices d
                         JOIN teams t ON t.id = d.team_id WHERE d.token_hash = ?1",
                    [token_hash],
                    |r| {
                        let auth = DeviceAuth {
                            device: r.get(0)?,
                            team_id: r.get(1)?,
                            team: r.get(2)?,
                            roles: Vec::new(),
                            revoked_ms: r.get(4)?,
                        };
                        Ok((auth, r.get::<_, Option<i64>>(3)?))
                    },
                )
                .optional()?
                .map(|(mut auth, seen)| {
                    auth.roles = device_roles(conn, &auth.device)?;
                    Ok::<_, BackendError>((auth, seen))
                })
                .transpose()
            })
            .await?;
        let Some((auth, last_seen)) = found else {
            return Ok(None);
        };
        if crate::logic::last_seen_is_stale(last_seen, now_ms) {
            let device = auth.device.clone();
            self.write(move |conn| {
                conn.execute(
                    "UPDATE devices SET last_seen_ms = ?1 WHERE id = ?2",
                    params![now_ms as i64, device],
                )?;
                Ok(())
            })
            .await?;
        }
        Ok(Some(auth))
    }

    pub async fn push(&self, pusher: Pusher, changes: Vec<Change>, now_ms: u64) -> Result<PushOutcome, BackendError> {
        let team_id = pusher.team_id;
        let outcome = self
            .write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let ids = serde_json::to_string(&changes.iter().map(|c| c.id.to_string()).collect::<Vec<_>>())
                .map_err(|e| BackendError::Corrupt(e.to_string()))?;
            let stored: HashMap<String, (i64, String)> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT id, team_id, body FROM changes WHERE id IN (SELECT value FROM json_each(?1))",
                )?;
                stmt.query_map([&ids], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
                    .collect::<Result<_, _>>()?
            };
            let entity_ids: HashSet<String> = changes.iter().map(|c| c.entity_id.to_string()).collect();
            let entity_ids = serde_json::to_string(&entity_ids).map_err(|e| BackendError::Corrupt(e.to_string()))?;
            let owners: HashMap<Uuid, Owner> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT entity_id, team_id, entity, state FROM entities
                     WHERE entity_id IN (SELECT value FROM json_each(?1))",
                )?;
                let rows = stmt.query_map([&entity_ids], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
                })?;
                let mut owners = HashMap::new();
                for row in rows {
                    let (id, team_id, entity, state) = row?;
                    let (id, owner) = Owner::from_row(&id, team_id, &entity, state)?;
                    owners.insert(id, owner);
                }
                owners
            };
            let team_devices: HashSet<String> = {
                let mut stmt = tx.prepare_cached("SELECT id FROM devices WHERE team_id = ?1")?;
                stmt.query_map([team_id], |r| r.get(0))?.collect::<Result<_, _>>()?
            };
            let authors = authors(&tx, team_id)?;
            let decided = match decide(&pusher, changes, &stored, owners, &team_devices, &authors)? {
                Ok(decided) => decided,
                Err(refusals) => return Ok(PushOutcome::Refused(refusals)),
            };
            let head: i64 = tx.query_row("SELECT head_seq FROM teams WHERE id = ?1", [team_id], |r| r.get(0))?;
            let (duplicates, new, docs) = decided.split();
            // The records' states are serialized on a second thread while this one writes the
            // changes: the writer is what every push waits for.
            let (states, inserted) = beside(
                new.len() >= PARALLEL_FROM,
                || StateRows::of(&docs),
                || -> Result<(), BackendError> {
                    let mut insert = tx.prepare_cached(
                        "INSERT INTO changes (team_id, seq, id, entity_id, received_ms, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?;
                    for (seq, id, entity_id, body) in new.rows(head) {
                        insert.execute(params![team_id, seq, id, entity_id, now_ms as i64, body])?;
                    }
                    Ok(())
                },
            );
            inserted?;
            {
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO entities (entity_id, team_id, entity, state) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(entity_id) DO UPDATE SET state = excluded.state",
                )?;
                for (id, kind, state) in states?.rows() {
                    upsert.execute(params![id, team_id, kind, state])?;
                }
            }
            tx.execute(
                "UPDATE teams SET head_seq = ?1 WHERE id = ?2",
                params![head + new.len() as i64, team_id],
            )?;
            tx.commit()?;
            let accepted = new.len();
            free_later((new, docs), accepted);
            Ok(PushOutcome::Stored { accepted, duplicates })
        })
        .await;
        if matches!(outcome, Ok(PushOutcome::Stored { accepted, .. }) if accepted > 0) {
            self.checkpointer.wake();
        }
        outcome
    }

    pub async fn pull(&self, team_id: i64, after: u64, limit: usize) -> Result<PullBatch, BackendError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, body FROM changes WHERE team_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows: Vec<(u64, String)> = stmt
                .query_map(params![team_id, after as i64, limit as i64 + 1], |r| {
                    Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
                })?
                .collect::<Result<_, _>>()?;
            Ok(PullBatch::from_rows(rows, after, limit))
        })
        .await
    }

    pub async fn enroll(
        &self,
        code_hash: &str,
        device: &str,
        name: &str,
        token_hash: &str,
        now_ms: u64,
    ) -> Result<EnrollOutcome, BackendError> {
        let (code_hash, device, name, token_hash) = (
            code_hash.to_owned(),
            device.to_owned(),
            name.to_owned(),
            token_hash.to_owned(),
        );
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let code: Option<(i64, i64, Option<i64>, String)> = tx
                .query_row(
                    "SELECT c.team_id, c.expires_ms, c.used_ms, t.name FROM enrollment_codes c
                     JOIN teams t ON t.id = c.team_id WHERE c.code_hash = ?1",
                    [&code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((team_id, expires_ms, used_ms, team)) = code else {
                return Ok(EnrollOutcome::Unknown);
            };
            if let Some(refused) = crate::policy::enrollment_code_refusal(used_ms, expires_ms, now_ms) {
                return Ok(refused);
            }
            let known: Option<(i64, Option<i64>)> = tx
                .query_row(
                    "SELECT team_id, revoked_ms FROM devices WHERE id = ?1",
                    [&device],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some(refused) = crate::policy::enroll_refusal(known, team_id) {
                return Ok(refused);
            }
            tx.execute(
                "UPDATE enrollment_codes SET used_ms = ?1, used_by = ?2 WHERE code_hash = ?3",
                params![now_ms as i64, device, code_hash],
            )?;
            // Enrolling the same device again (a reinstall) replaces its token. The members who
            // signed in on it before do not come with it: each signs in again with a new code.
            tx.execute("DELETE FROM device_members WHERE device_id = ?1", [&device])?;
            tx.execute(
                "INSERT INTO devices (id, team_id, token_hash, name, enrolled_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET team_id = excluded.team_id, token_hash = excluded.token_hash,
                     name = excluded.name, enrolled_ms = excluded.enrolled_ms, revoked_ms = NULL",
                params![device, team_id, token_hash, name, now_ms as i64],
            )?;
            tx.commit()?;
            Ok(EnrollOutcome::Enrolled { team })
        })
        .await
    }

    pub async fn create_team(&self, name: &str) -> Result<(), BackendError> {
        let name = name.to_owned();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO teams (name) VALUES (?1) ON CONFLICT(name) DO NOTHING",
                [name],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn add_enrollment_code(&self, team: &str, code_hash: &str, expires_ms: u64) -> Result<(), BackendError> {
        let (team, code_hash) = (team.to_owned(), code_hash.to_owned());
        self.write(move |conn| {
            let team_id: Option<i64> = conn
                .query_row("SELECT id FROM teams WHERE name = ?1", [&team], |r| r.get(0))
                .optional()?;
            let team_id = team_id.ok_or(BackendError::NoSuchTeam(team))?;
            conn.execute(
                "INSERT INTO enrollment_codes (code_hash, team_id, expires_ms) VALUES (?1, ?2, ?3)",
                params![code_hash, team_id, expires_ms as i64],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn revoke_device(&self, device: &str, now_ms: u64) -> Result<bool, BackendError> {
        let device = device.to_owned();
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE devices SET revoked_ms = ?1 WHERE id = ?2 AND revoked_ms IS NULL",
                params![now_ms as i64, device],
            )? == 1)
        })
        .await
    }

    pub async fn save_report(&self, device: String, report: String, now_ms: u64) -> Result<(), BackendError> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE devices SET reported_ms = ?1, report = ?2, last_seen_ms = ?1 WHERE id = ?3",
                params![now_ms as i64, report, device],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn team_devices(&self, team_id: i64) -> Result<Vec<TeamDeviceRow>, BackendError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, name, enrolled_ms, last_seen_ms, reported_ms, report FROM devices
                 WHERE team_id = ?1 AND revoked_ms IS NULL ORDER BY name, id",
            )?;
            let rows = stmt.query_map([team_id], |r| {
                Ok(TeamDeviceRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    enrolled_ms: r.get(2)?,
                    last_seen_ms: r.get(3)?,
                    reported_ms: r.get(4)?,
                    report: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn devices(&self) -> Result<Vec<DeviceInfo>, BackendError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT d.id, t.name, d.name, d.enrolled_ms, d.last_seen_ms FROM devices d
                 JOIN teams t ON t.id = d.team_id WHERE d.revoked_ms IS NULL ORDER BY t.name, d.name",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(DeviceInfo {
                    id: r.get(0)?,
                    team: r.get(1)?,
                    name: r.get(2)?,
                    enrolled_ms: r.get(3)?,
                    last_seen_ms: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn team_activity(&self) -> Result<Vec<TeamActivity>, BackendError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(crate::model::TEAM_ACTIVITY_SQL)?;
            let rows = stmt.query_map([], |r| {
                Ok(TeamActivity {
                    team: r.get(0)?,
                    head_seq: r.get(1)?,
                    last_change_ms: r.get(2)?,
                    last_seen_ms: r.get(3)?,
                    devices: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    /// The writer and the reading connections: open, and in use now (reads open a connection
    /// when none is free, so there is no cap).
    pub fn pool_use(&self) -> PoolUse {
        let readers_idle = self.readers.lock().unwrap_or_else(PoisonError::into_inner).len();
        let readers_open = self.readers_open.load(Ordering::Relaxed);
        let writing = usize::from(self.writer.try_lock().is_err());
        PoolUse {
            open: 1 + readers_open,
            in_use: writing + readers_open.saturating_sub(readers_idle),
            max: None,
            waiting: 0,
        }
    }

    /// Moves the write-ahead log into the database file and empties it.
    pub async fn checkpoint(&self) -> Result<(), BackendError> {
        self.write(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    /// Every record's current state with its team's name, and every member's name.
    pub async fn all_states(
        &self,
    ) -> Result<(Vec<(String, String, String, String)>, Vec<(String, String)>), BackendError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT t.name, e.entity_id, e.entity, e.state FROM entities e JOIN teams t ON t.id = e.team_id
                 ORDER BY t.name, e.entity_id",
            )?;
            let states = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut stmt = conn.prepare("SELECT id, name FROM members WHERE id IS NOT NULL")?;
            let members = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((states, members))
        })
        .await
    }

    pub async fn state_row(&self, entity_id: String) -> Result<Option<(String, String)>, BackendError> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT entity, state FROM entities WHERE entity_id = ?1",
                    [entity_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await
    }

    pub async fn change_ids(&self, team_id: i64) -> Result<Vec<String>, BackendError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare("SELECT id FROM changes WHERE team_id = ?1 ORDER BY seq")?;
            let ids = stmt.query_map([team_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok(ids)
        })
        .await
    }

    pub async fn team_id(&self, name: &str) -> Result<i64, BackendError> {
        let name = name.to_owned();
        self.read(move |conn| {
            conn.query_row("SELECT id FROM teams WHERE name = ?1", [&name], |r| r.get(0))
                .optional()?
                .ok_or(BackendError::NoSuchTeam(name))
        })
        .await
    }

    pub async fn add_member(&self, team: &str, name: &str, role: &str, now_ms: u64) -> Result<i64, BackendError> {
        let (team, name, role) = (team.to_owned(), name.to_owned(), role.to_owned());
        self.write(move |conn| {
            let team_id: Option<i64> = conn
                .query_row("SELECT id FROM teams WHERE name = ?1", [&team], |r| r.get(0))
                .optional()?;
            let team_id = team_id.ok_or(BackendError::NoSuchTeam(team))?;
            conn.execute(
                "INSERT INTO members (team_id, name, role, created_ms) VALUES (?1, ?2, ?3, ?4)",
                params![team_id, name, role, now_ms as i64],
            )?;
            Ok(conn.last_insert_rowid())
        })
        .await
    }

    pub async fn add_member_code(&self, member_num: i64, code_hash: &str, expires_ms: u64) -> Result<(), BackendError> {
        let code_hash = code_hash.to_owned();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO member_codes (code_hash, member_num, expires_ms) VALUES (?1, ?2, ?3)",
                params![code_hash, member_num, expires_ms as i64],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn claim_member(
        &self,
        team_id: i64,
        device: String,
        code_hash: String,
        fresh_id: String,
        now_ms: u64,
    ) -> Result<Result<(String, String, String), ClaimOutcome>, BackendError> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let found: Option<ClaimRow> = tx
                .query_row(
                    "SELECT m.num, c.expires_ms, c.used_ms, m.team_id, m.id, m.name, m.role, m.revoked_ms
                     FROM member_codes c JOIN members m ON m.num = c.member_num WHERE c.code_hash = ?1",
                    [&code_hash],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                        ))
                    },
                )
                .optional()?;
            let Some((num, expires_ms, used_ms, member_team, id, name, role, revoked_ms)) = found else {
                return Ok(Err(ClaimOutcome::Unknown));
            };
            let refused = crate::policy::claim_refusal(member_team, team_id, used_ms, expires_ms, revoked_ms, now_ms);
            if let Some(refused) = refused {
                return Ok(Err(refused));
            }
            let id = match id {
                Some(id) => id,
                None => {
                    // The proposed id is kept unless another member already has it.
                    let taken: bool = tx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1)",
                        [&fresh_id],
                        |r| r.get(0),
                    )?;
                    let id = if taken {
                        crate::clock::id_at(now_ms).to_string()
                    } else {
                        fresh_id
                    };
                    tx.execute("UPDATE members SET id = ?1 WHERE num = ?2", params![id, num])?;
                    id
                }
            };
            tx.execute(
                "UPDATE member_codes SET used_ms = ?1, used_by = ?2 WHERE code_hash = ?3",
                params![now_ms as i64, device, code_hash],
            )?;
            tx.execute(
                "INSERT INTO device_members (device_id, member_id, claimed_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![device, id, now_ms as i64],
            )?;
            tx.commit()?;
            Ok(Ok((id, name, role)))
        })
        .await
    }

    pub async fn members(&self, team_id: i64) -> Result<Vec<MemberRow>, BackendError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT m.num, m.id, t.name, m.name, m.role, m.revoked_ms,
                        (SELECT group_concat(device_id) FROM device_members dm WHERE dm.member_id = m.id)
                 FROM members m JOIN teams t ON t.id = m.team_id WHERE m.team_id = ?1 ORDER BY m.name, m.num",
            )?;
            let rows = stmt.query_map([team_id], |r| {
                Ok(MemberRow {
                    num: r.get(0)?,
                    id: r.get(1)?,
                    team: r.get(2)?,
                    name: r.get(3)?,
                    role: r.get(4)?,
                    revoked_ms: r.get(5)?,
                    devices: joined_devices(r.get(6)?),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn revoke_member(&self, id: &str, now_ms: u64) -> Result<bool, BackendError> {
        let id = id.to_owned();
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE members SET revoked_ms = ?1 WHERE id = ?2 AND revoked_ms IS NULL",
                params![now_ms as i64, id],
            )? == 1)
        })
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn record_read(
        &self,
        team_id: i64,
        device: String,
        member: Option<String>,
        roles: String,
        after_seq: i64,
        up_to_seq: i64,
        at_ms: i64,
    ) -> Result<(), BackendError> {
        self.write(move |conn| {
            // The member is kept only if she really signed in on this device.
            conn.prepare_cached(
                "INSERT INTO reads (team_id, device_id, member_id, roles, after_seq, up_to_seq, at_ms)
                 VALUES (?1, ?2, (SELECT dm.member_id FROM device_members dm JOIN members m ON m.id = dm.member_id
                         WHERE dm.device_id = ?2 AND dm.member_id = ?3 AND m.revoked_ms IS NULL),
                         ?4, ?5, ?6, ?7)",
            )?
            .execute(params![team_id, device, member, roles, after_seq, up_to_seq, at_ms])?;
            Ok(())
        })
        .await
    }

    pub async fn mother_entities(&self, mother: String) -> Result<Vec<(String, i64)>, BackendError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT entity_id, team_id FROM entities
                 WHERE entity_id = ?1 OR json_extract(state, '$.values.mother_id') = ?1",
            )?;
            let rows = stmt.query_map([mother], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn changes_of(
        &self,
        team_id: i64,
        entity_ids: Vec<String>,
    ) -> Result<Vec<(i64, i64, String)>, BackendError> {
        self.read(move |conn| {
            let ids = serde_json::to_string(&entity_ids).map_err(|e| BackendError::Corrupt(e.to_string()))?;
            let mut stmt = conn.prepare(
                "SELECT seq, received_ms, body FROM changes
                 WHERE team_id = ?1 AND entity_id IN (SELECT value FROM json_each(?2)) ORDER BY seq",
            )?;
            let rows = stmt.query_map(params![team_id, ids], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn member_role_on_device(&self, device: String, member: String) -> Result<Option<String>, BackendError> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT m.role FROM device_members dm JOIN members m ON m.id = dm.member_id
                     WHERE dm.device_id = ?1 AND dm.member_id = ?2 AND m.revoked_ms IS NULL
                       AND m.team_id = (SELECT team_id FROM devices WHERE id = dm.device_id)",
                    [device, member],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await
    }

    pub async fn revoke_member_num(&self, team_id: i64, num: i64, now_ms: u64) -> Result<bool, BackendError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE members SET revoked_ms = ?1 WHERE num = ?2 AND team_id = ?3 AND revoked_ms IS NULL",
                params![now_ms as i64, num, team_id],
            )? == 1)
        })
        .await
    }

    pub async fn revoked_members(&self, device: String) -> Result<Vec<String>, BackendError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT m.id FROM device_members dm JOIN members m ON m.id = dm.member_id
                 WHERE dm.device_id = ?1 AND m.revoked_ms IS NOT NULL ORDER BY m.id",
            )?;
            Ok(stmt.query_map([device], |r| r.get(0))?.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn team_name(&self, team_id: i64) -> Result<String, BackendError> {
        self.read(move |conn| Ok(conn.query_row("SELECT name FROM teams WHERE id = ?1", [team_id], |r| r.get(0))?))
            .await
    }

    pub async fn reads_covering(&self, team_id: i64, first: i64, last: i64) -> Result<Vec<ReadRow>, BackendError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT r.device_id, d.name, r.member_id, r.roles, r.after_seq, r.up_to_seq, r.at_ms
                 FROM reads r LEFT JOIN devices d ON d.id = r.device_id
                 WHERE r.team_id = ?1 AND r.up_to_seq >= ?2 AND r.after_seq < ?3 ORDER BY r.at_ms",
            )?;
            let rows = stmt.query_map(params![team_id, first, last], |r| {
                Ok(ReadRow {
                    device_id: r.get(0)?,
                    device_name: r.get(1)?,
                    member_id: r.get(2)?,
                    roles: r.get(3)?,
                    after_seq: r.get(4)?,
                    up_to_seq: r.get(5)?,
                    at_ms: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }
}
/// What a checked backup holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub epoch: String,
    pub teams: u64,
    pub changes: u64,
    pub records: u64,
}

/// Checks that `path` is a whole server database (`backup --verify`, and before a restore).
pub fn verify(path: &Path) -> Result<Verified, String> {
    let fail = |what: &str| format!("{} is not a usable backup: {what}", path.display());
    if !path.is_file() {
        return Err(fail("no such file"));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| fail(&format!("it does not open ({e})")))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| fail(&format!("it is not an SQLite database ({e})")))?;
    if integrity != "ok" {
        return Err(fail(&format!("the integrity check says {integrity}")));
    }
    let epoch: String = conn
        .query_row("SELECT value FROM server_meta WHERE key = 'epoch'", [], |r| r.get(0))
        .map_err(|_| fail("it has no server epoch: not a Lohusa server database"))?;
    let count = |sql: &str| -> Result<u64, String> {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| fail(&format!("it lacks a table ({e})")))
    };
    // Every team's log is whole: as many changes as its head says, numbered without a gap.
    let broken = count(
        "SELECT count(*) FROM teams t WHERE t.head_seq !=
            (SELECT count(*) FROM changes c WHERE c.team_id = t.id)
         OR t.head_seq != coalesce((SELECT max(seq) FROM changes c WHERE c.team_id = t.id), 0)",
    )?;
    if broken > 0 {
        return Err(fail(&format!("{broken} team(s) miss changes of their log")));
    }
    Ok(Verified {
        epoch,
        teams: count("SELECT count(*) FROM teams")?,
        changes: count("SELECT count(*) FROM changes")?,
        records: count("SELECT count(*) FROM entities")?,
    })
}
