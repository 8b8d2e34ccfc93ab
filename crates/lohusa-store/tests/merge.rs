//! Two real store files exchanging their logs directly: per-field merge, conflicts kept for
//! review, a resolution that syncs, and pulls applied exactly once.

use crate::common;

use chrono::Duration;
use common::{TempStore, now, nurse, registration};
use lohusa_core::EntityKind;
use lohusa_core::change::EntityWrite;
use lohusa_core::{Change, MemberId};
use serde_json::json;
use uuid::Uuid;

fn other_nurse() -> MemberId {
    MemberId(Uuid::from_u128(43))
}

/// Everything `from` holds that `to` lacks, applied as a pull would.
fn exchange(from: &TempStore, to: &mut TempStore, cursor: u64) {
    let changes: Vec<Change> = from.store.export_changes().unwrap();
    to.store.apply_pulled(&changes, cursor, now(), 0).unwrap();
}

fn edit(t: &mut TempStore, mother: Uuid, field: &str, value: serde_json::Value, author: MemberId, minutes: i64) {
    t.store
        .write(
            &[EntityWrite {
                entity: EntityKind::Mother,
                entity_id: mother,
                fields: [(field.to_owned(), value)].into(),
                also_replaces: Default::default(),
            }],
            author,
            now() + Duration::minutes(minutes),
        )
        .unwrap();
}

/// Whether the store keeps as the record's merge metadata only the change that wrote it whole.
fn written_whole(t: &TempStore, record: Uuid) -> bool {
    let file = rusqlite::Connection::open(t.dir.path().join("lohusa.sqlite3")).unwrap();
    file.query_row(
        "SELECT written_by IS NOT NULL FROM entity_meta WHERE entity_id = ?1",
        [record.to_string()],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn edits_of_different_fields_both_survive_and_the_same_field_becomes_a_conflict() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let mother = a
        .store
        .register_mother(&registration("Ayşe Işık", "2026-11-22"), nurse(), now())
        .unwrap()
        .0;
    exchange(&a, &mut b, 1);
    // B received her whole: her metadata there is the change that wrote her, and it merges the
    // edits below as if it named every field.
    assert!(written_whole(&b, mother) && !written_whole(&a, mother));
    // Offline: A changes the phone and the street, B the phone and the district.
    edit(&mut a, mother, "phone", json!("05321112233"), nurse(), 1);
    edit(&mut a, mother, "street", json!("1203 Sokak"), nurse(), 1);
    edit(&mut b, mother, "phone", json!("05559998877"), other_nurse(), 2);
    edit(&mut b, mother, "district", json!("Bayraklı"), other_nurse(), 2);
    exchange(&a, &mut b, 2);
    exchange(&b, &mut a, 2);
    assert!(!written_whole(&b, mother));
    assert_eq!(a.store.export_state().unwrap(), b.store.export_state().unwrap());
    let m = a.store.mother(lohusa_core::MotherId(mother)).unwrap();
    assert_eq!(m.street.as_deref(), Some("1203 Sokak"));
    assert_eq!(m.district.as_deref(), Some("Bayraklı"));
    assert_eq!(m.phone.as_deref(), Some("05559998877"), "the later write is shown");

    for t in [&a, &b] {
        let conflicts = t.store.conflicts().unwrap();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        let c = &conflicts[0];
        assert_eq!((c.field.as_str(), &c.shown_value), ("phone", &json!("05559998877")));
        assert_eq!((&c.other.value, c.other.author), (&json!("05321112233"), nurse()));
        assert_eq!(c.shown_author, Some(other_nurse()));
        assert_eq!(c.mother_name.as_deref(), Some("Ayşe Işık"));
    }

    // The team lead on A keeps A's number; the resolution syncs and closes the conflict on B.
    a.store
        .resolve_conflict(
            EntityKind::Mother,
            mother,
            "phone",
            json!("05321112233"),
            nurse(),
            now() + Duration::minutes(5),
        )
        .unwrap();
    exchange(&a, &mut b, 3);
    for t in [&a, &b] {
        assert!(t.store.conflicts().unwrap().is_empty());
        let m = t.store.mother(lohusa_core::MotherId(mother)).unwrap();
        assert_eq!(m.phone.as_deref(), Some("05321112233"));
    }
    assert_eq!(a.store.export_state().unwrap(), b.store.export_state().unwrap());
}

#[test]
fn a_batch_applied_twice_counts_once_and_saves_its_cursor() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    a.store
        .register_mother(&registration("Zeynep Kaya", "2026-11-20"), nurse(), now())
        .unwrap();
    let changes = a.store.export_changes().unwrap();
    assert_eq!(b.store.apply_pulled(&changes, 7, now(), 0).unwrap(), changes.len());
    assert_eq!(b.store.apply_pulled(&changes, 7, now(), 0).unwrap(), 0);
    assert_eq!(b.store.sync_position().unwrap().cursor, 7);
    assert_eq!(a.store.export_state().unwrap(), b.store.export_state().unwrap());
    // What B received is not B's to upload.
    assert!(b.store.pending_changes(0, 100).unwrap().is_empty());
    assert_eq!(a.store.pending_changes(0, 100).unwrap().len(), changes.len());
}

#[test]
fn a_local_write_after_a_pull_from_a_clock_far_ahead_still_wins() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let mother = a
        .store
        .register_mother(&registration("Hatice Demir", "2026-11-20"), nurse(), now())
        .unwrap()
        .0;
    // A's clock runs three hours fast.
    edit(&mut a, mother, "phone", json!("0532 000 00 01"), nurse(), 180);
    exchange(&a, &mut b, 2);
    edit(&mut b, mother, "phone", json!("0532 000 00 02"), other_nurse(), 1);
    exchange(&b, &mut a, 3);
    for t in [&a, &b] {
        let m = t.store.mother(lohusa_core::MotherId(mother)).unwrap();
        assert_eq!(
            m.phone.as_deref(),
            Some("0532 000 00 02"),
            "B saw A's value and changed it"
        );
        assert!(t.store.conflicts().unwrap().is_empty());
    }
}

#[test]
fn a_deletion_is_a_field_that_merges_with_a_concurrent_edit() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let mother = a
        .store
        .register_mother(&registration("Nour Haddad", "2026-11-22"), nurse(), now())
        .unwrap()
        .0;
    exchange(&a, &mut b, 1);
    edit(&mut a, mother, "deleted", json!(true), nurse(), 1);
    edit(&mut b, mother, "phone", json!("05001112233"), other_nurse(), 2);
    exchange(&a, &mut b, 2);
    exchange(&b, &mut a, 2);
    assert_eq!(a.store.export_state().unwrap(), b.store.export_state().unwrap());
    for t in [&mut a, &mut b] {
        assert!(
            t.store.search_mothers("nour", now(), 10).unwrap().is_empty(),
            "deleted is hidden from search"
        );
        let today = t.store.today_list(now()).unwrap();
        assert!(
            today
                .late
                .iter()
                .chain(&today.due)
                .chain(&today.upcoming)
                .all(|e| e.mother_id.0 != mother),
            "and from the Today list"
        );
        assert!(t.store.conflicts().unwrap().is_empty(), "different fields, no conflict");
    }
    // The edit is not lost: it is in the record, which a later undelete would show again.
    let row: Option<String> = a
        .store
        .connection()
        .query_row("SELECT phone FROM mothers WHERE id = ?1", [mother.to_string()], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(row.as_deref(), Some("05001112233"));
}

#[test]
fn conflicts_name_the_members_who_wrote_each_value() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let derya = a.store.set_local_member("Ebe Derya", now()).unwrap().id;
    let ayse = b.store.set_local_member("Ebe Ayşe", now()).unwrap().id;
    let mother = a
        .store
        .register_mother(&registration("Fatma Yılmaz", "2026-11-22"), derya, now())
        .unwrap()
        .0;
    exchange(&a, &mut b, 1);
    edit(&mut a, mother, "phone", json!("0532 000 00 01"), derya, 1);
    edit(&mut b, mother, "phone", json!("0532 000 00 02"), ayse, 2);
    exchange(&a, &mut b, 2);
    exchange(&b, &mut a, 2);
    let c = &a.store.conflicts().unwrap()[0];
    assert_eq!(c.shown_author_name.as_deref(), Some("Ebe Ayşe"));
    assert_eq!(c.other_author_name.as_deref(), Some("Ebe Derya"));
}

#[test]
fn a_received_value_that_does_not_fit_does_not_stop_the_batch() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let mother = a
        .store
        .register_mother(&registration("Amina Saleh", "2026-11-22"), nurse(), now())
        .unwrap()
        .0;
    // A faulty or newer client sends text where this version stores a whole number.
    let mut changes = a.store.export_changes().unwrap();
    let mut bad = changes.iter().find(|c| c.entity == EntityKind::Mother).unwrap().clone();
    bad.id = lohusa_core::ChangeId(Uuid::now_v7());
    bad.hlc.wall_ms += 60_000;
    bad.fields = [
        ("age_years".to_owned(), json!("unknown")),
        ("phone".to_owned(), json!("0500 000 00 00")),
    ]
    .into();
    changes.push(bad);
    assert_eq!(b.store.apply_pulled(&changes, 9, now(), 0).unwrap(), changes.len());
    assert_eq!(
        b.store.sync_position().unwrap().cursor,
        9,
        "the batch and its cursor committed"
    );
    let m = b.store.mother(lohusa_core::MotherId(mother)).unwrap();
    assert_eq!(
        m.phone.as_deref(),
        Some("0500 000 00 00"),
        "the fields that fit are applied"
    );
    assert_eq!(
        m.age_years,
        Some(29),
        "the value that does not fit stays in the log only"
    );
}

#[test]
fn an_edit_after_two_agreeing_concurrent_writes_is_not_a_conflict() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let mut c = TempStore::new();
    let mother = a
        .store
        .register_mother(&registration("Hiba Omar", "2026-11-22"), nurse(), now())
        .unwrap()
        .0;
    exchange(&a, &mut b, 1);
    exchange(&a, &mut c, 1);
    // Two nurses write the same district apart: no conflict, two heads with one value.
    edit(&mut a, mother, "district", json!("Konak"), nurse(), 1);
    edit(&mut b, mother, "district", json!("Konak"), other_nurse(), 2);
    exchange(&a, &mut c, 2);
    exchange(&b, &mut c, 3);
    assert!(c.store.conflicts().unwrap().is_empty());
    // A third, who saw "Konak", changes it: that replaces both agreeing writes.
    edit(&mut c, mother, "district", json!("Bornova"), nurse(), 3);
    exchange(&c, &mut a, 4);
    exchange(&b, &mut a, 5);
    assert!(
        a.store.conflicts().unwrap().is_empty(),
        "{:?}",
        a.store.conflicts().unwrap()
    );
}

#[test]
fn enrolling_with_another_team_starts_the_sync_over() {
    let mut t = TempStore::new();
    t.store.set_enrollment("http://office:8787", "izmir", "t1").unwrap();
    t.store.reset_for_epoch(Uuid::from_u128(1)).unwrap();
    t.store.apply_pulled(&[], 500, now(), 0).unwrap();
    t.store.set_enrollment("http://office:8787", "izmir", "t2").unwrap();
    assert_eq!(
        t.store.sync_position().unwrap().cursor,
        500,
        "a new token for the same team keeps the cursor"
    );
    t.store.set_enrollment("http://office:8787", "ankara", "t3").unwrap();
    let position = t.store.sync_position().unwrap();
    assert_eq!((position.epoch, position.cursor, position.uploaded), (None, 0, 0));
}

/// A pull that leaves out this device's own changes is applied only if the store holds each of
/// them; a store that lacks one (a copy restored from an older file) applies nothing and pulls
/// its own changes from then on.
#[test]
fn own_changes_left_out_of_a_pull_must_be_held_here() {
    let mut t = TempStore::new();
    let mother = t
        .store
        .register_mother(&registration("Kendi Kaydı", "2026-11-20"), nurse(), now())
        .unwrap();
    let held: Vec<lohusa_core::ChangeId> = t
        .store
        .pending_changes(0, 100)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c.id)
        .collect();
    assert!(!held.is_empty(), "{mother:?}");
    t.store.check_own_changes(&held).unwrap();
    assert!(!t.store.pulls_own_changes().unwrap());

    // An id no change on this device has.
    let lost = lohusa_core::ChangeId(Uuid::from_u128(0x1057));
    let mut with_lost = held.clone();
    with_lost.push(lost);
    let error = t.store.check_own_changes(&with_lost).unwrap_err();
    assert!(
        matches!(error, lohusa_store::StoreError::OwnChangesMissing { missing: 1 }),
        "{error}"
    );
    assert!(t.store.pulls_own_changes().unwrap(), "remembered, across reopening too");
    let mut t = t.reopen();
    assert!(t.store.pulls_own_changes().unwrap());
    // A sync that pulled to the end of the log brought them back: own changes are left out
    // again.
    t.store.own_changes_recovered().unwrap();
    assert!(!t.store.pulls_own_changes().unwrap());
}
