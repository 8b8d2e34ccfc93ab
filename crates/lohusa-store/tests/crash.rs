//! A process killed in the middle of writing leaves a consistent database: every state row has
//! its change record and every change record its state row.
//!
//! The test runs itself as a child process (the `writer_loop` test, pointed at a file by an
//! environment variable), kills it with SIGKILL while it writes, and checks the file.

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{count, now, nurse, registration};
use lohusa_store::Store;

const DB_ENV: &str = "LOHUSA_CRASH_TEST_DB";

/// Writes registrations as fast as it can: forever when run as the crash test's child, a few
/// hundred times (and then checks them) when run as an ordinary test.
#[test]
fn writer_loop() {
    let child_path = std::env::var_os(DB_ENV);
    let dir = tempfile::tempdir().unwrap();
    let path = child_path
        .clone()
        .map(Into::into)
        .unwrap_or_else(|| dir.path().join("writer.sqlite3"));
    let mut store = Store::open(&path).unwrap();
    // As a child it writes until killed, but never past a minute: a child whose parent died must
    // not go on writing in the background.
    let n = if child_path.is_some() { usize::MAX } else { 200 };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    // After each acknowledged save, its number goes to a side file, as a nurse would see "saved".
    let mut acked = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(acked_path(&path))
        .unwrap();
    for i in (0..n).take_while(|_| std::time::Instant::now() < deadline) {
        // Unique across the killed children of one test, so a lost save cannot hide behind an
        // earlier child's mother of the same name.
        let name = format!("Anne {}-{i}", std::process::id());
        store
            .register_mother(&registration(&name, "2026-11-20"), nurse(), now())
            .unwrap();
        writeln!(acked, "{name}").unwrap();
        acked.flush().unwrap();
    }
    assert_consistent(&store);
    assert_eq!(count(&store, "mothers"), 200);
}

#[test]
fn a_process_killed_mid_write_leaves_the_database_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.sqlite3");
    for round in 0..3 {
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &writer_loop_name(), "--nocapture", "--test-threads=1"])
            .env(DB_ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut child = KillOnDrop(child);
        // Wait until the child has written something, then kill it without warning.
        let before = if path.exists() {
            count(&Store::open(&path).unwrap(), "mothers")
        } else {
            0
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            std::thread::sleep(Duration::from_millis(50 + 37 * round));
            if path.exists() && count(&Store::open(&path).unwrap(), "mothers") > before + 5 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the child never wrote");
        }
        child.0.kill().unwrap(); // SIGKILL
        child.0.wait().unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");
        assert_consistent(&store);
        // The last save the child acknowledged before it died is in the file.
        let acked = std::fs::read_to_string(acked_path(&path)).unwrap();
        let last = acked.lines().last().expect("the child acknowledged saves");
        let found: i64 = store
            .connection()
            .query_row("SELECT count(*) FROM mothers WHERE full_name = ?1", [last], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(found, 1, "acknowledged save {last} was lost");
    }
}

/// The writer's test name as the harness knows it: its module path without the crate's name.
fn writer_loop_name() -> String {
    let module = module_path!().split_once("::").map_or("", |(_, rest)| rest);
    if module.is_empty() {
        "writer_loop".to_owned()
    } else {
        format!("{module}::writer_loop")
    }
}

/// Kills the writer if the test fails before it does.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn acked_path(db: &std::path::Path) -> std::path::PathBuf {
    db.with_extension("acked")
}

/// Each mother, birth and baby row has exactly its change record, and vice versa.
fn assert_consistent(store: &Store) {
    for (entity, table) in [("mother", "mothers"), ("birth", "births"), ("baby", "babies")] {
        let orphans: i64 = store
            .connection()
            .query_row(
                &format!(
                    "SELECT (SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.entity = '{entity}' AND c.entity_id = t.id))
                          + (SELECT count(*) FROM changes c WHERE c.entity = '{entity}' AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = c.entity_id))"
                ),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0, "{table} and its change records disagree");
    }
    assert_eq!(count(store, "mothers"), count(store, "births"));
}
