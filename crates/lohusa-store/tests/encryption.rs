//! Encryption at rest, on a real file: what a lost tablet's disk shows without a member's PIN
//! (nothing: no SQLite header, no name, even to the sqlite3 command line), that each member's
//! PIN opens the same store, and that guessing PINs locks and then erases the member.

use crate::common;

use std::path::Path;
use std::process::Command;

use lohusa_core::{MemberId, Role};
use lohusa_store::Store;
use lohusa_store::keyring::{self, FIRST_LOCK_MS, Keyring, MAX_FAILURES, UnlockError, keyring_path};
use uuid::Uuid;

use common::{count, now, nurse, registration};

fn bytes_of(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn a_powered_off_tablet_shows_nothing_without_a_pin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lohusa.sqlite3");
    let derya = nurse();
    let (mut ring, key) = Keyring::create(&keyring_path(&db), derya, "Ebe Derya", Some(Role::Nurse), "482915").unwrap();
    let doctor = MemberId(Uuid::now_v7());
    ring.add_member(&key, doctor, "Dr. Ece Tan", Some(Role::Doctor), "730264")
        .unwrap();
    {
        let mut store = Store::open_encrypted(&db, key).unwrap();
        let mut input = registration("Fatma Yılmaz", "2026-11-20");
        input.mother.phone = "0532 111 22 33".into();
        store.register_mother(&input, derya, now()).unwrap();
        // Both the write-ahead log (still holding the write) and, after a checkpoint, the file.
        let wal = bytes_of(&db.with_file_name("lohusa.sqlite3-wal"));
        assert!(!wal.is_empty(), "the write went through the WAL");
        assert!(
            !contains(&wal, "Fatma") && !contains(&wal, "0532 111"),
            "the WAL is encrypted too"
        );
        store.checkpointer().unwrap().checkpoint().unwrap();
    }

    let file = bytes_of(&db);
    assert!(file.len() > 4096);
    assert_ne!(&file[..16], b"SQLite format 3\0", "no SQLite header");
    for secret in ["Fatma", "Yılmaz", "0532 111", "Ebe Derya", "mothers"] {
        assert!(!contains(&file, secret), "{secret:?} readable in the database file");
    }
    let ring_text = std::fs::read_to_string(keyring_path(&db)).unwrap();
    assert!(!ring_text.contains("Fatma"), "the keyring holds no patient data");

    // The sqlite3 command line, without the key, cannot read it.
    let sqlite3 = Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT full_name FROM mothers")
        .output()
        .expect("the sqlite3 command line is installed (cargo xtask installs it)");
    assert!(!sqlite3.status.success());
    assert!(
        String::from_utf8_lossy(&sqlite3.stderr).contains("file is not a database"),
        "{}",
        String::from_utf8_lossy(&sqlite3.stderr)
    );
    // Nor can the store itself, without a key or with another one.
    assert!(Store::open(&db).is_err());
    let (_, stranger) = Keyring::create(&dir.path().join("other.json"), derya, "x", None, "482915").unwrap();
    assert!(matches!(
        Store::open_encrypted(&db, stranger),
        Err(lohusa_store::StoreError::WrongKey)
    ));

    // Each member's PIN opens the same store.
    let mut ring = Keyring::load(&keyring_path(&db)).unwrap().unwrap();
    for (member, pin) in [(derya, "482915"), (doctor, "730264")] {
        let key = ring.unlock(member, pin, 0).unwrap();
        let store = Store::open_encrypted(&db, key).unwrap();
        assert_eq!(count(&store, "mothers"), 1);
    }
}

#[test]
fn guessing_a_pin_locks_then_erases_the_member_and_the_others_keep_their_access() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lohusa.sqlite3");
    let derya = nurse();
    let (mut ring, key) = Keyring::create(&keyring_path(&db), derya, "Ebe Derya", Some(Role::Nurse), "482915").unwrap();
    let lead = MemberId(Uuid::now_v7());
    ring.add_member(&key, lead, "Sorumlu Elif", Some(Role::TeamLead), "605173")
        .unwrap();
    drop(Store::open_encrypted(&db, key).unwrap());

    let mut clock = 1_000_000i64;
    let mut seen = Vec::new();
    for guess in 0..MAX_FAILURES {
        // A thief reopens the app between tries: the count is in the file.
        let mut ring = Keyring::load(&keyring_path(&db)).unwrap().unwrap();
        match ring.unlock(derya, &format!("{:06}", 100_000 + guess), clock) {
            Err(UnlockError::WrongPin {
                failures,
                locked_until_ms,
            }) => {
                seen.push((failures, locked_until_ms.map(|t| t - clock)));
                if let Some(until) = locked_until_ms {
                    // While locked, even the right PIN is not tried.
                    assert!(matches!(
                        ring.unlock(derya, "482915", until - 1),
                        Err(UnlockError::Locked { .. })
                    ));
                    clock = until;
                }
            }
            Err(UnlockError::Erased) => seen.push((guess + 1, None)),
            other => panic!("guess {guess}: {other:?}"),
        }
    }
    assert_eq!(
        seen,
        [
            (1, None),
            (2, None),
            (3, None),
            (4, Some(FIRST_LOCK_MS)),
            (5, Some(2 * FIRST_LOCK_MS)),
            (6, Some(4 * FIRST_LOCK_MS)),
            (7, Some(8 * FIRST_LOCK_MS)),
            (8, Some(16 * FIRST_LOCK_MS)),
            (9, Some(32 * FIRST_LOCK_MS)),
            (10, None),
        ]
    );
    let mut ring = Keyring::load(&keyring_path(&db)).unwrap().unwrap();
    assert_eq!(
        ring.members().iter().map(|m| m.id).collect::<Vec<_>>(),
        [lead],
        "her slot is gone"
    );
    assert!(matches!(
        ring.unlock(derya, "482915", clock),
        Err(UnlockError::NoSuchMember)
    ));
    // The team lead still opens the store, and a right PIN clears earlier wrong ones.
    assert!(matches!(
        ring.unlock(lead, "000001", clock),
        Err(UnlockError::WrongPin { failures: 1, .. })
    ));
    let key = ring.unlock(lead, "605173", clock).unwrap();
    assert_eq!(ring.members()[0].locked_until_ms, None);
    drop(Store::open_encrypted(&db, key).unwrap());

    // Wiping leaves nothing behind.
    keyring::wipe(&db).unwrap();
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_plain_store_copies_into_an_encrypted_one_with_everything() {
    let mut t = common::TempStore::new();
    t.store
        .register_mother(&registration("Fatma Yılmaz", "2026-11-20"), nurse(), now())
        .unwrap();
    let to = t.dir.path().join("copy.sqlite3");
    let key = keyring::DbKey::random();
    t.store.copy_encrypted(&to, &key).unwrap();
    assert_ne!(&bytes_of(&to)[..16], b"SQLite format 3\0");
    let copy = Store::open_encrypted(&to, key).unwrap();
    for table in ["mothers", "births", "babies", "changes"] {
        assert_eq!(count(&copy, table), count(&t.store, table), "{table}");
    }
}
