//! The schema, from the SQL files in the workspace's `migrations/` folder, embedded at build time.
//!
//! rusqlite_migration tracks the version in SQLite's `user_version`, so a migration and the
//! version bump commit together.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::StoreError;

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/store/0001_init.sql"),
    include_str!("../../../migrations/store/0002_sync.sql"),
    include_str!("../../../migrations/store/0003_members_and_deletion.sql"),
    include_str!("../../../migrations/store/0004_screening_texts.sql"),
    include_str!("../../../migrations/store/0005_visit_drafts.sql"),
    include_str!("../../../migrations/store/0006_flag_cache.sql"),
    include_str!("../../../migrations/store/0007_reviews.sql"),
    include_str!("../../../migrations/store/0008_sources.sql"),
    include_str!("../../../migrations/store/0009_extra_visits.sql"),
    include_str!("../../../migrations/store/0010_notes.sql"),
    include_str!("../../../migrations/store/0011_corrections.sql"),
    include_str!("../../../migrations/store/0012_cases.sql"),
    include_str!("../../../migrations/store/0013_deletion_knowledge.sql"),
    include_str!("../../../migrations/store/0014_stock.sql"),
    include_str!("../../../migrations/store/0015_births_by_date.sql"),
    include_str!("../../../migrations/store/0016_unsettled_mothers.sql"),
    include_str!("../../../migrations/store/0017_visits_by_mother_covering.sql"),
    include_str!("../../../migrations/store/0018_mothers_listed.sql"),
    include_str!("../../../migrations/store/0019_schedules.sql"),
    include_str!("../../../migrations/store/0020_schedules_nurses.sql"),
    include_str!("../../../migrations/store/0021_follow_up_rows.sql"),
    include_str!("../../../migrations/store/0022_visit_answers_in_visits.sql"),
    include_str!("../../../migrations/store/0023_visits_by_mother_with_nurse.sql"),
    include_str!("../../../migrations/store/0024_entity_meta_written_by.sql"),
];

pub fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// Brings the schema up to date.
///
/// Two processes opening a new file at once (the app and the command line, say) can both read
/// version 0 and both try the first migration; the loser fails, with nothing written, either on
/// the lock or on tables the winner just created. Trying again, it finds the schema current.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let mut attempts = 0;
    crate::retry_while_busy(|| {
        attempts += 1;
        match migrations().to_latest(conn).map_err(StoreError::from) {
            Ok(()) => Ok(()),
            // Not a lock: on the first try it may be the race above, which the retry tells.
            Err(error) if attempts == 1 && !error.is_busy() => {
                migrations().to_latest(conn)?;
                Ok(())
            }
            Err(error) => Err(error),
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }

    #[test]
    fn answers_kept_a_row_each_become_one_value_of_their_visit_without_changing() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_version(&mut conn, 21).unwrap();
        conn.execute_batch(
            r#"INSERT INTO visits (id, mother_id, number) VALUES ('v1', 'm1', 1), ('v2', 'm1', 2);
               INSERT INTO visit_answers (visit_id, key, value) VALUES
                 ('v1', 'mother.hemoglobin', 10.5),
                 ('v1', 'mother.bp_systolic', 142),
                 ('v1', 'mother.breastfeeding', 1),
                 ('v1', 'mother.packages_given', '["hygiene","baby"]'),
                 ('v1', 'baby.0195f000-0000-7000-8000-000000000001.stool', 'yellow "seedy"'),
                 ('v1', 'a"key with \ and .dots', 'ü ğ ş ı ٣'),
                 ('orphan', 'mother.note', 'kept');"#,
        )
        .unwrap();
        // Reals as the store bound them (SQLite's own reading of a literal may round).
        for (key, value) in [
            ("mother.awkward", 0.1 + 0.2),
            ("mother.whole_real", 142.0),
            ("mother.tiny", 1.0e-300),
            ("mother.huge", f64::MAX),
            ("mother.temperature", 37.2),
            ("mother.small", 1.5e-7),
            ("mother.long", 14.100000000000001),
            ("mother.infinite", f64::INFINITY),
        ] {
            conn.execute(
                "INSERT INTO visit_answers (visit_id, key, value) VALUES ('v1', ?1, ?2)",
                rusqlite::params![key, value],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO visit_answers (visit_id, key, value) VALUES ('v1', 'mother.blob', ?1)",
            [vec![1u8, 2, 3]],
        )
        .unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let read = |id: &str| -> serde_json::Value {
            let text: Option<String> = conn
                .query_row("SELECT answers FROM visits WHERE id = ?1", [id], |r| r.get(0))
                .unwrap();
            text.map_or(serde_json::Value::Null, |t| serde_json::from_str(&t).unwrap())
        };
        assert_eq!(
            read("v1"),
            serde_json::json!({
                "mother.hemoglobin": 10.5,
                "mother.awkward": 0.30000000000000004,
                "mother.whole_real": 142.0,
                "mother.tiny": 1.0e-300,
                "mother.huge": f64::MAX,
                "mother.temperature": 37.2,
                "mother.small": 1.5e-7,
                "mother.long": 14.100000000000001,
                // Read as empty before, and still: neither is a value the store writes.
                "mother.infinite": null,
                "mother.blob": null,
                "mother.bp_systolic": 142,
                "mother.breastfeeding": 1,
                "mother.packages_given": "[\"hygiene\",\"baby\"]",
                "baby.0195f000-0000-7000-8000-000000000001.stool": "yellow \"seedy\"",
                "a\"key with \\ and .dots": "ü ğ ş ı ٣",
            })
        );
        assert_eq!(read("v2"), serde_json::Value::Null, "a visit with no answers has none");
        assert_eq!(read("orphan"), serde_json::json!({"mother.note": "kept"}));
        let old: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'visit_answers'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old, 0);
    }

    #[test]
    fn two_connections_creating_the_same_new_file_at_once_both_succeed() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("race.sqlite3");
            let barrier = Arc::new(Barrier::new(2));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        crate::Store::open(&path).map(|store| store.device_id())
                    })
                })
                .collect();
            let devices: Vec<_> = handles.into_iter().map(|h| h.join().unwrap().unwrap()).collect();
            assert_eq!(devices[0], devices[1], "both connections must agree on the device id");
        }
    }
}
