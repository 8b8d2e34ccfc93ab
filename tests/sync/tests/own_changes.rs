//! A device never pulls back the changes it wrote itself: the server sends only their ids. A
//! device whose store lacks some of them (a copy restored from an older file) applies nothing
//! from that batch, then pulls its own changes with the rest and holds everything again.

use std::sync::Mutex;

use chrono::Utc;
use lohusa_core::EntityKind;
use lohusa_core::change::EntityWrite;
use lohusa_store::Store;
use lohusa_sync::SyncError;
use lohusa_sync::http::HttpTransport;
use lohusa_sync_tests::{Db, TestServer, on_both};
use serde_json::json;

fn mother(store: &Mutex<Store>, name: &str) -> uuid::Uuid {
    let mut store = store.lock().unwrap();
    let author = store.local_member().unwrap().unwrap().id;
    let id = uuid::Uuid::now_v7();
    let write = EntityWrite {
        entity: EntityKind::Mother,
        entity_id: id,
        fields: [
            ("full_name".to_owned(), json!(name)),
            ("preferred_language".to_owned(), json!("tr")),
            ("interpreter_needed".to_owned(), json!(false)),
            ("registered_on".to_owned(), json!("2026-11-20")),
        ]
        .into(),
        also_replaces: Default::default(),
    };
    store.write(&[write], author, Utc::now()).unwrap();
    id
}

async fn sync(store: &Mutex<Store>) -> Result<lohusa_core::sync::Report, SyncError> {
    let transport = HttpTransport::for_store(&store.lock().unwrap()).unwrap();
    lohusa_sync::sync(store, &transport, Utc::now, |_| {}).await
}

fn holds(store: &Mutex<Store>, mother: uuid::Uuid) -> bool {
    store.lock().unwrap().mother(lohusa_core::MotherId(mother)).is_ok()
}

async fn own_changes_are_never_pulled_back_and_a_restored_copy_gets_them(db: Db) {
    let server = TestServer::start(db).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nurse.sqlite3");
    let nurse = Mutex::new(server.enrolled_store(&path, "Ebe Elif", "izmir").await);
    let colleague = Mutex::new(
        server
            .enrolled_store(&dir.path().join("colleague.sqlite3"), "Ebe Derya", "izmir")
            .await,
    );

    let first: Vec<_> = (0..5).map(|i| mother(&nurse, &format!("Anne {i}"))).collect();
    let report = sync(&nurse).await.unwrap();
    assert_eq!(report.pushed, 6, "five mothers and her member record");
    assert_eq!(report.pulled, 0, "nothing of its own comes back");
    let theirs = mother(&colleague, "Komşu Anne");
    let report = sync(&colleague).await.unwrap();
    assert_eq!(report.pulled, 6, "the colleague receives all of the nurse's");
    let report = sync(&nurse).await.unwrap();
    assert_eq!(report.pulled, 2, "the colleague's mother and member record only");
    assert!(holds(&nurse, theirs));

    // A copy of the nurse's file now, then more work synced, then the copy put back.
    drop(nurse);
    let older = dir.path().join("older.sqlite3");
    std::fs::copy(&path, &older).unwrap();
    let nurse = Mutex::new(Store::open(&path).unwrap());
    let later = mother(&nurse, "Sonraki Anne");
    sync(&nurse).await.unwrap();
    drop(nurse);
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", path.display()));
    }
    std::fs::copy(&older, &path).unwrap();
    let nurse = Mutex::new(Store::open(&path).unwrap());
    assert!(!holds(&nurse, later));

    // The server no longer has to send the change it has from this device: the copy lacks it,
    // so the batch is refused whole, and the next sync asks for its own changes too.
    let error = sync(&nurse).await.unwrap_err();
    assert!(matches!(error, SyncError::OwnChangesMissing { missing: 1 }), "{error}");
    assert_eq!(error.kind(), "own_changes_missing");
    assert!(error.is_transient());
    assert!(!holds(&nurse, later), "nothing of that batch was applied");
    sync(&nurse).await.unwrap();
    assert!(holds(&nurse, later), "its own lost change is back");
    assert!(
        !nurse.lock().unwrap().pulls_own_changes().unwrap(),
        "once back, pulls leave its own changes out again"
    );
    mother(&nurse, "Daha Sonraki Anne");
    let report = sync(&nurse).await.unwrap();
    assert_eq!((report.pushed, report.pulled), (1, 0));
    for m in first.iter().chain([&theirs]) {
        assert!(holds(&nurse, *m));
    }
    sync(&colleague).await.unwrap();
    sync(&nurse).await.unwrap();
    assert_eq!(
        nurse.lock().unwrap().export_state().unwrap(),
        colleague.lock().unwrap().export_state().unwrap(),
        "both hold the same records"
    );
}

on_both!(own_changes_are_never_pulled_back_and_a_restored_copy_gets_them);
