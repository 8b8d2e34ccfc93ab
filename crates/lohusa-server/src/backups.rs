//! Backups of the embedded SQLite on a schedule, and checking a backup.
//!
//! `serve --backup-every 6h --backup-keep 28 --backup-dir DIR` copies the database while the
//! server runs (SQLite's `VACUUM INTO`, one consistent snapshot) into a hidden partial file and
//! renames it to `lohusa-backup-YYYYMMDDTHHMMSSZ.sqlite3` only once it is whole, so a file with
//! that name is never half-written; then it removes the oldest beyond `keep` and any partial file
//! a crash left. `backup --verify FILE` opens a backup read-only and checks it is a whole server
//! database: SQLite's integrity check, the epoch, and every team's log complete up to the head
//! its team row records. (PostgreSQL is backed up with `pg_dump`; see the README.)

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::BackendError;
use crate::sqlite::SqliteBackend;
pub use crate::sqlite::{Verified, verify};

const PREFIX: &str = "lohusa-backup-";
const SUFFIX: &str = ".sqlite3";
const PARTIAL: &str = ".partial-";

/// When and where backups are taken.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub every: Duration,
    pub keep: usize,
    pub dir: PathBuf,
}

/// A duration as an admin writes it: `6h`, `30m`, `1d`, `90s`.
pub fn parse_every(text: &str) -> Result<Duration, String> {
    let every = humantime::parse_duration(text.trim())
        .map_err(|e| format!("{text:?} is not a duration such as 6h, 30m or 1d ({e})"))?;
    if every < Duration::from_secs(1) {
        return Err(format!("{text:?} is shorter than a second"));
    }
    Ok(every)
}

/// The name of a backup taken at `now_ms`.
fn name_at(now_ms: u64) -> String {
    let at = chrono::DateTime::from_timestamp_millis(now_ms as i64).unwrap_or_default();
    format!("{PREFIX}{}{SUFFIX}", at.format("%Y%m%dT%H%M%S%.3fZ"))
}

/// When a scheduled backup was taken, from its name; `None` for any other file.
fn taken_at(name: &str) -> Option<chrono::NaiveDateTime> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S%.3fZ").ok()
}

/// Takes one backup into `dir` now: whole, or not at all.
pub async fn backup_once(sqlite: &SqliteBackend, dir: &Path, now_ms: u64) -> Result<PathBuf, BackendError> {
    let io = |e: std::io::Error| BackendError::Files(format!("backup folder {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    let name = name_at(now_ms);
    let partial = dir.join(format!("{PARTIAL}{name}"));
    if partial.exists() {
        std::fs::remove_file(&partial).map_err(io)?;
    }
    sqlite.backup(&partial).await?;
    let done = dir.join(&name);
    std::fs::rename(&partial, &done).map_err(io)?;
    Ok(done)
}

/// A name dated later than this after now is not one of the schedule's: a file named by
/// someone else, or by a clock that ran ahead. It is neither counted nor removed (else it would
/// outrank every new backup, which pruning would then remove at once).
const FUTURE_SLACK_MS: u64 = 60_000;

/// When a scheduled backup named `name` was taken, if it is one and not dated in the future.
fn scheduled_at(name: &str, now_ms: u64) -> Option<chrono::NaiveDateTime> {
    let at = taken_at(name)?;
    let ms = u64::try_from(at.and_utc().timestamp_millis()).ok()?;
    (ms <= now_ms.saturating_add(FUTURE_SLACK_MS)).then_some(at)
}

/// Removes the oldest backups beyond `keep`, and partial files a crash left; what it removed.
pub fn prune(dir: &Path, keep: usize, now_ms: u64) -> Result<Vec<PathBuf>, BackendError> {
    let io = |e: std::io::Error| BackendError::Files(format!("backup folder {}: {e}", dir.display()));
    let mut backups = Vec::new();
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        // Only plain files: a folder or a link that happens to bear a backup's name is left
        // alone, and never stops the pruning of the real ones.
        if !entry.file_type().map_err(io)?.is_file() {
            continue;
        }
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name.starts_with(PARTIAL) {
            std::fs::remove_file(&path).map_err(io)?;
            removed.push(path);
        } else if let Some(at) = scheduled_at(&name, now_ms) {
            backups.push((at, path));
        }
    }
    // Only files named as this schedule names them count (a copy an admin named by hand is
    // never removed), oldest first.
    backups.sort();
    let excess = backups.len().saturating_sub(keep.max(1));
    for (_, path) in backups.into_iter().take(excess) {
        std::fs::remove_file(&path).map_err(io)?;
        removed.push(path);
    }
    Ok(removed)
}

/// When the newest scheduled backup in `dir` was taken (Unix ms), from its name.
pub fn newest(dir: &Path, now_ms: u64) -> Option<u64> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| scheduled_at(e.file_name().to_str()?, now_ms))
        .max()
        .map(|at| at.and_utc().timestamp_millis().max(0) as u64)
}

/// Backs up every `schedule.every` until the process ends; a failed backup is reported and the
/// next one tried at its time.
pub async fn keep_backing_up(
    sqlite: SqliteBackend,
    schedule: Schedule,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
) {
    // The last backup before this start counts: a server restarted more often than it backs up
    // shows its backups growing old.
    metrics.backups_scheduled(newest(&schedule.dir, crate::clock::now_ms()));
    loop {
        tokio::time::sleep(schedule.every).await;
        let now_ms = crate::clock::now_ms();
        match backup_once(&sqlite, &schedule.dir, now_ms).await {
            Ok(path) => {
                let removed = prune(&schedule.dir, schedule.keep, now_ms)
                    .map(|r| r.len())
                    .unwrap_or(0);
                tracing::info!(file = %path.display(), removed, "backed up");
                metrics.backed_up(Some(now_ms));
            }
            Err(e) => {
                tracing::error!(folder = %schedule.dir.display(), error = %e, "backup failed");
                metrics.backed_up(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_an_admin_writes_them() {
        assert_eq!(parse_every("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_every(" 30m "), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_every("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_every("often").is_err());
        assert!(parse_every("0s").is_err());
    }

    #[test]
    fn backup_names_sort_by_time() {
        let (a, b) = (name_at(1_764_000_000_000), name_at(1_764_000_000_001));
        assert!(a < b, "{a} {b}");
        assert_eq!(a, "lohusa-backup-20251124T160000.000Z.sqlite3");
    }

    #[test]
    fn pruning_keeps_the_newest_and_clears_partial_files() {
        let dir = tempfile::tempdir().unwrap();
        for ms in [3, 1, 2, 4] {
            std::fs::write(dir.path().join(name_at(1_764_000_000_000 + ms)), b"x").unwrap();
        }
        std::fs::write(dir.path().join(format!("{PARTIAL}{}", name_at(9))), b"half").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"kept").unwrap();
        std::fs::write(dir.path().join("lohusa-backup-before-upgrade.sqlite3"), b"mine").unwrap();
        // A folder bearing a backup's name (the oldest name of all) is neither removed nor a
        // reason to stop pruning the files.
        std::fs::create_dir(dir.path().join(name_at(0))).unwrap();
        // Two files dated next year (a clock once ahead, or a name copied by hand) are neither
        // counted nor removed: they would outrank every new backup.
        let now = 1_764_000_000_010;
        for later in [1_795_000_000_000, 1_795_000_000_001] {
            std::fs::write(dir.path().join(name_at(later)), b"ahead").unwrap();
        }
        let removed = prune(dir.path(), 2, now).unwrap();
        assert_eq!(newest(dir.path(), now), Some(1_764_000_000_004));
        assert_eq!(removed.len(), 3);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                name_at(0),
                name_at(1_764_000_000_003),
                name_at(1_764_000_000_004),
                name_at(1_795_000_000_000),
                name_at(1_795_000_000_001),
                // A copy named by hand is never removed.
                "lohusa-backup-before-upgrade.sqlite3".to_owned(),
                "notes.txt".to_owned()
            ]
        );
    }

    #[test]
    fn a_file_that_is_not_a_backup_is_refused_saying_why() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.sqlite3");
        std::fs::write(&junk, b"not a database at all, just some bytes").unwrap();
        let err = verify(&junk).unwrap_err();
        assert!(
            err.contains("not an SQLite database") || err.contains("does not open"),
            "{err}"
        );
        let empty = dir.path().join("empty.sqlite3");
        rusqlite::Connection::open(&empty)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        assert!(verify(&empty).unwrap_err().contains("no server epoch"));
        assert!(
            verify(&dir.path().join("missing"))
                .unwrap_err()
                .contains("no such file")
        );
    }
}
