//! The care-package stock on real store files: the office prepares and hands packages to two
//! nurses, both give packages at visits while offline, the office writes one off, and after the
//! tablets and the office exchange their changes in any order every device derives the same
//! balances, with no conflict (the stock is a ledger, never a counter).

use crate::common;

use chrono::Days;
use common::{TempStore, now, registration};
use lohusa_core::schedule::VisitNumber;
use lohusa_core::stock::{Holder, Movement, StockInput};
use lohusa_core::visit::{VisitInput, VisitOutcome};
use lohusa_core::{Change, MemberId, Rule};
use lohusa_store::StoreError;

fn exchange(from: &TempStore, to: &mut TempStore) {
    let changes: Vec<Change> = from.store.export_changes().unwrap();
    to.store.apply_pulled(&changes, 1, now(), 0).unwrap();
}

fn movement(movement: Movement, kind: &str, count: &str, member: Option<MemberId>) -> StockInput {
    StockInput {
        movement,
        kind: kind.into(),
        count: count.into(),
        moved_on: "24.11.2026".into(),
        member,
        lot: "L-2026-11".into(),
        contents: vec![],
    }
}

/// A visit 1 on a mother born on 22 Nov, handing out `packages` (comma-separated kinds).
fn give(t: &mut TempStore, author: MemberId, name: &str, packages: &str) {
    let registration = registration(name, "22.11.2026");
    let mother = t.store.register_mother(&registration, author, now()).unwrap();
    let input = VisitInput {
        mother_id: mother,
        number: VisitNumber::new(1).unwrap(),
        outcome: VisitOutcome::Visited,
        visited_on: (chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap() + Days::new(3))
            .format("%d.%m.%Y")
            .to_string(),
        visited_at: "10:00".into(),
        visited_by: "Ebe".into(),
        note: String::new(),
        answers: [("mother.packages_given".to_owned(), packages.to_owned())]
            .into_iter()
            .collect(),
    };
    t.store.record_visit(&input, author, now()).unwrap();
}

/// Per holder: held packages of each kind (health, woman, baby care).
fn held(t: &TempStore) -> Vec<(Holder, Vec<i64>)> {
    t.store
        .stock()
        .unwrap()
        .balances
        .into_iter()
        .map(|b| (b.holder, b.held))
        .collect()
}

#[test]
fn offline_handouts_on_two_tablets_merge_into_one_balance() {
    let mut office = TempStore::new();
    let mut derya = TempStore::new();
    let mut sevgi = TempStore::new();
    let lead = office.store.set_local_member("Sorumlu Aylin", now()).unwrap().id;
    let d = derya.store.set_local_member("Ebe Derya", now()).unwrap().id;
    let s = sevgi.store.set_local_member("Ebe Sevgi", now()).unwrap().id;
    exchange(&derya, &mut office);
    exchange(&sevgi, &mut office);

    let mut prepared = movement(Movement::Prepared, "baby_care", "30", None);
    prepared.contents = vec!["nappies".into(), "baby_clothes".into(), "blanket".into()];
    office.store.record_stock(&prepared, lead, now()).unwrap();
    office
        .store
        .record_stock(&movement(Movement::Prepared, "woman_care", "12", None), lead, now())
        .unwrap();
    office
        .store
        .record_stock(&movement(Movement::Handed, "baby_care", "10", Some(d)), lead, now())
        .unwrap();
    office
        .store
        .record_stock(&movement(Movement::Handed, "baby_care", "10", Some(s)), lead, now())
        .unwrap();
    office
        .store
        .record_stock(&movement(Movement::Handed, "woman_care", "4", Some(s)), lead, now())
        .unwrap();
    exchange(&office, &mut derya);
    exchange(&office, &mut sevgi);

    // Offline: Derya gives two baby packages, Sevgi one of each; the office writes off one of
    // Derya's (spoiled in her bag) without having seen her visits.
    give(&mut derya, d, "Ayşe Bir", "baby_care");
    give(&mut derya, d, "Fatma İki", "baby_care");
    give(&mut sevgi, s, "Leyla Üç", "woman_care,baby_care");
    office
        .store
        .record_stock(&movement(Movement::Lost, "baby_care", "1", Some(d)), lead, now())
        .unwrap();

    // The tablets meet the office in different orders.
    exchange(&sevgi, &mut office);
    exchange(&derya, &mut office);
    exchange(&office, &mut sevgi);
    exchange(&office, &mut derya);

    let expected = vec![
        // Office: 30 − 10 − 10 baby, 12 − 4 woman.
        (Holder::Office, vec![0, 8, 10]),
        // Derya: 10 − 2 given − 1 lost; Sevgi: 10 − 1 baby, 4 − 1 woman.
        (Holder::Nurse(d), vec![0, 0, 7]),
        (Holder::Nurse(s), vec![0, 3, 9]),
    ];
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    for device in [&office, &derya, &sevgi] {
        let mut got = held(device);
        got.sort();
        assert_eq!(got, expected_sorted);
        assert!(
            device.store.conflicts().unwrap().is_empty(),
            "a ledger has no conflicts"
        );
    }
    let view = derya.store.stock().unwrap();
    let mine = view.balances.iter().find(|b| b.holder == Holder::Nurse(d)).unwrap();
    assert_eq!(mine.name.as_deref(), Some("Ebe Derya"));
    assert_eq!(mine.given, [0, 0, 2]);
    // Sevgi's 3 woman care packages are at the warning line, not below it; the office's 8 are
    // below its line of 10.
    let sevgis = view.balances.iter().find(|b| b.holder == Holder::Nurse(s)).unwrap();
    assert_eq!(sevgis.low, [false, false, false]);
    let office_view = view.balances.iter().find(|b| b.holder == Holder::Office).unwrap();
    assert_eq!(office_view.low, [false, true, false]);
    assert_eq!(view.movements.len(), 6);
    let contents = &view.movements.iter().find(|m| m.count == 30).unwrap().contents;
    assert_eq!(contents, &["baby_clothes", "blanket", "nappies"]);
}

#[test]
fn a_bad_movement_is_refused_whole_and_saves_nothing() {
    let mut office = TempStore::new();
    let lead = office.store.set_local_member("Sorumlu Aylin", now()).unwrap().id;
    let stranger = MemberId(uuid::Uuid::from_u128(999));
    let err = office
        .store
        .record_stock(
            &movement(Movement::Handed, "baby_care", "-3", Some(stranger)),
            lead,
            now(),
        )
        .unwrap_err();
    let StoreError::Validation(errors) = err else {
        panic!("a validation error, got {err:?}")
    };
    let rules: Vec<(String, Rule)> = errors.0.iter().map(|e| (e.field.clone(), e.rule)).collect();
    assert_eq!(
        rules,
        [
            ("count".to_owned(), Rule::OutOfRange),
            ("member".to_owned(), Rule::NotAChoice)
        ]
    );
    assert!(office.store.stock_movements().unwrap().is_empty());
    assert_eq!(office.store.stock().unwrap().balances[0].held, [0, 0, 0]);
}

#[test]
fn a_movement_is_never_edited_and_refused_or_deleted_ones_count_right() {
    let mut office = TempStore::new();
    let lead = office.store.set_local_member("Sorumlu Aylin", now()).unwrap().id;
    let derya = office.store.set_local_member("Ebe Derya", now()).unwrap().id;
    office.store.set_local_member("Sorumlu Aylin", now()).unwrap();
    let handed = office
        .store
        .record_stock(&movement(Movement::Handed, "baby_care", "10", Some(derya)), lead, now())
        .unwrap();
    // An edit of a recorded movement is refused: a wrong one is undone by another movement.
    let edit = lohusa_core::change::EntityWrite {
        entity: lohusa_core::EntityKind::StockMovement,
        entity_id: handed.id,
        fields: [("count".to_owned(), serde_json::json!(9999))].into_iter().collect(),
        also_replaces: Default::default(),
    };
    let err = office
        .store
        .write(std::slice::from_ref(&edit), lead, now())
        .unwrap_err();
    assert!(matches!(err, StoreError::Validation(_)), "{err:?}");
    // A part of a movement under a new id is refused too.
    let partial = lohusa_core::change::EntityWrite {
        entity_id: uuid::Uuid::from_u128(77),
        ..edit
    };
    assert!(office.store.write(&[partial], lead, now()).is_err());
    assert_eq!(office.store.stock_movements().unwrap().len(), 1);

    // Derya gives one at a visit; the mother is deleted later: the package was still given.
    let mut tablet = TempStore::new();
    let d = tablet.store.set_local_member("Ebe Derya", now()).unwrap().id;
    give(&mut tablet, d, "Ayşe Bir", "baby_care");
    let mother = tablet.store.search_mothers("Ayşe", now(), 5).unwrap()[0].id;
    tablet.store.delete_mother(mother, d, now()).unwrap();
    let given = tablet.store.stock().unwrap();
    let bag = given.balances.iter().find(|b| b.holder == Holder::Nurse(d)).unwrap();
    assert_eq!(bag.given, [0, 0, 1]);

    // A movement the server refused is kept in the quarantine but left out of the balances.
    let refused = office
        .store
        .record_stock(&movement(Movement::Prepared, "woman_care", "50", None), lead, now())
        .unwrap();
    let change = office
        .store
        .export_changes()
        .unwrap()
        .into_iter()
        .find(|c| c.entity_id == refused.id)
        .unwrap();
    office
        .store
        .quarantine(
            &[lohusa_core::sync::Refusal {
                change: change.id,
                reason: "role_may_not_write".into(),
            }],
            now(),
        )
        .unwrap();
    let view = office.store.stock().unwrap();
    assert_eq!(view.movements.len(), 1);
    assert_eq!(view.balances[0].held, [0, 0, -10]);
    assert_eq!(view.balances[0].low, [false, false, true], "below zero is marked");
    assert_eq!(office.store.quarantined().unwrap().len(), 1);
}
