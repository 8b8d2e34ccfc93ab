//! A change the server refuses is not lost: the device keeps it in its quarantine with the
//! reason, the rest of its changes still sync, and it can be queued again later.

use std::sync::Mutex;

use chrono::Utc;
use lohusa_core::EntityKind;
use lohusa_core::change::EntityWrite;
use lohusa_store::Store;
use lohusa_sync::http::HttpTransport;
use lohusa_sync_tests::{Db, TestServer};
use serde_json::json;

async fn replica(server: &TestServer, dir: &std::path::Path, name: &str, team: &str) -> (Mutex<Store>, HttpTransport) {
    let store = server
        .enrolled_store(&dir.join(format!("{name}.sqlite3")), name, team)
        .await;
    let transport = HttpTransport::for_store(&store).unwrap();
    (Mutex::new(store), transport)
}

/// A mother's record with this phone (and every field a mother must have, as a registration
/// writes them).
fn mother_with_phone(id: uuid::Uuid, phone: &str) -> EntityWrite {
    EntityWrite {
        entity: EntityKind::Mother,
        entity_id: id,
        fields: [
            ("full_name".to_owned(), json!("Fatma Yılmaz")),
            ("preferred_language".to_owned(), json!("tr")),
            ("interpreter_needed".to_owned(), json!(false)),
            ("registered_on".to_owned(), json!("2026-11-20")),
            // A short code in each test, made a phone number the form would accept.
            ("phone".to_owned(), json!(format!("{phone} 000 00 00"))),
        ]
        .into(),
        also_replaces: Default::default(),
    }
}

async fn refused_changes_are_kept_and_can_be_retried(db: Db) {
    let server = TestServer::start(db).await;
    let dir = tempfile::tempdir().unwrap();
    let (izmir, izmir_http) = replica(&server, dir.path(), "izmir", "izmir").await;
    let (ankara, ankara_http) = replica(&server, dir.path(), "ankara", "ankara").await;
    let write = |store: &Mutex<Store>, id: uuid::Uuid, value: &str| {
        let mut s = store.lock().unwrap();
        let author = s.local_member().unwrap().unwrap().id;
        s.write(&[mother_with_phone(id, value)], author, Utc::now()).unwrap();
    };
    let theirs = uuid::Uuid::now_v7();
    write(&izmir, theirs, "0532");
    lohusa_sync::sync(&izmir, &izmir_http, Utc::now, |_| {}).await.unwrap();
    // Ankara writes to İzmir's record, and to one of its own.
    write(&ankara, theirs, "0555");
    write(&ankara, uuid::Uuid::now_v7(), "0312");
    let report = lohusa_sync::sync(&ankara, &ankara_http, Utc::now, |_| {})
        .await
        .unwrap();
    assert_eq!(report.refused, 1);
    {
        let store = ankara.lock().unwrap();
        let status = store.sync_status().unwrap();
        assert_eq!((status.pending, status.quarantined), (0, 1), "the rest went through");
        assert!(!status.safe_to_hand_over, "a refused change is not on the server");
        let kept = store.quarantined().unwrap();
        assert_eq!((kept[0].0.entity_id, kept[0].1.as_str()), (theirs, "other_team"));
        // What the sync screen lists: the record, the fields written, the reason; no values.
        let listed = store.refused_changes().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].entity, listed[0].fields.clone(), listed[0].reason.as_str()),
            (
                EntityKind::Mother,
                [
                    "full_name",
                    "interpreter_needed",
                    "phone",
                    "preferred_language",
                    "registered_on"
                ]
                .map(str::to_owned)
                .to_vec(),
                "other_team"
            )
        );
    }
    // Queued again, it is refused again and kept again: never dropped.
    assert_eq!(ankara.lock().unwrap().retry_quarantined().unwrap(), 1);
    // (Changes after it are queued again too; the server takes them as duplicates.)
    assert!(ankara.lock().unwrap().sync_status().unwrap().pending >= 1);
    let report = lohusa_sync::sync(&ankara, &ankara_http, Utc::now, |_| {})
        .await
        .unwrap();
    assert_eq!(report.refused, 1);
    assert_eq!(ankara.lock().unwrap().quarantined().unwrap().len(), 1);
    assert_eq!(ankara.lock().unwrap().sync_status().unwrap().pending, 0);
    // İzmir's record is untouched.
    lohusa_sync::sync(&izmir, &izmir_http, Utc::now, |_| {}).await.unwrap();
    assert!(
        izmir.lock().unwrap().sync_status().unwrap().safe_to_hand_over,
        "everything written on İzmir's tablet is on the server"
    );
    let phone: String = izmir
        .lock()
        .unwrap()
        .connection()
        .query_row("SELECT phone FROM mothers WHERE id = ?1", [theirs.to_string()], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(phone, "0532 000 00 00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_changes_are_kept_and_can_be_retried_sqlite() {
    refused_changes_are_kept_and_can_be_retried(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_changes_are_kept_and_can_be_retried_postgres() {
    refused_changes_are_kept_and_can_be_retried(Db::Postgres).await;
}

/// A tablet whose clock ran three days ahead, then was corrected: what it wrote under the wrong
/// clock (and after, while its clock stamp was still ahead) reaches the team at its next sync,
/// re-stamped with the server's time, in order; nothing waits in the quarantine for days. A
/// change an older app had already quarantined for its clock goes out too.
async fn a_tablet_whose_clock_ran_ahead_withholds_nothing(db: Db) {
    let server = TestServer::start(db).await;
    let dir = tempfile::tempdir().unwrap();
    let (tablet, http) = replica(&server, dir.path(), "tablet", "izmir").await;
    let (colleague, colleague_http) = replica(&server, dir.path(), "colleague", "izmir").await;
    let ahead = Utc::now() + chrono::Duration::days(3);
    let mother = uuid::Uuid::now_v7();
    let write = |value: &str, at: chrono::DateTime<Utc>| {
        let mut s = tablet.lock().unwrap();
        let author = s.local_member().unwrap().unwrap().id;
        s.write(&[mother_with_phone(mother, value)], author, at).unwrap()[0].clone()
    };
    // Refused before by the server, quarantined by an older app.
    let old = write("0531", ahead);
    tablet
        .lock()
        .unwrap()
        .quarantine(
            &[lohusa_core::sync::Refusal {
                change: old.id,
                reason: "clock_ahead".into(),
            }],
            Utc::now(),
        )
        .unwrap();
    write("0532", ahead);
    // The clock is corrected; the tablet's clock stamp is still three days ahead.
    write("0533", Utc::now());
    let report = lohusa_sync::sync(&tablet, &http, Utc::now, |_| {}).await.unwrap();
    // Three edits and, on this first sync, the member's name.
    assert_eq!(
        (report.refused, report.restamped, report.pushed),
        (0, 3, 4),
        "{report:?} ({db:?})"
    );
    let status = tablet.lock().unwrap().sync_status().unwrap();
    assert_eq!((status.pending, status.quarantined), (0, 0));
    // A later edit sorts after them and goes out as usual.
    write("0534", Utc::now());
    let report = lohusa_sync::sync(&tablet, &http, Utc::now, |_| {}).await.unwrap();
    assert_eq!((report.refused, report.restamped, report.pushed), (0, 0, 1));
    lohusa_sync::sync(&colleague, &colleague_http, Utc::now, |_| {})
        .await
        .unwrap();
    let phone = |s: &Mutex<Store>| {
        s.lock().unwrap().export_state().unwrap()["mothers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == json!(mother.to_string()))
            .map(|m| m["phone"].clone())
    };
    assert_eq!(
        phone(&colleague),
        Some(json!("0534 000 00 00")),
        "the last edit wins everywhere ({db:?})"
    );
    assert_eq!(phone(&tablet), phone(&colleague));
    assert!(colleague.lock().unwrap().conflicts().unwrap().is_empty());
    // The server holds every edit, none of them stamped ahead of its time.
    let team = server.backend.team_id("izmir").await.unwrap();
    let log = server.backend.pull(team, 0, 1000).await.unwrap();
    let stamps: Vec<u64> = log
        .rows
        .iter()
        .map(|(_, body)| serde_json::from_str::<lohusa_core::Change>(body).unwrap())
        .filter(|c| c.entity_id == mother)
        .map(|c| c.hlc.wall_ms)
        .collect();
    assert_eq!(stamps.len(), 4);
    assert!(
        stamps.iter().all(|s| *s <= lohusa_sync_tests::now_ms() + 60_000),
        "{stamps:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_whose_clock_ran_ahead_withholds_nothing_sqlite() {
    a_tablet_whose_clock_ran_ahead_withholds_nothing(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_whose_clock_ran_ahead_withholds_nothing_postgres() {
    a_tablet_whose_clock_ran_ahead_withholds_nothing(Db::Postgres).await;
}
