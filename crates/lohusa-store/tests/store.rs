//! The store on a real SQLite file: writes with their change records, validation, reopening,
//! search and the Today list.

use crate::common;

use std::collections::BTreeMap;

use common::{TempStore, count, now, nurse, registration};
use lohusa_core::change::EntityWrite;
use lohusa_core::schedule::{VisitNumber, VisitStatus};
use lohusa_core::visit::{VisitInput, VisitOutcome};
use lohusa_core::{EntityKind, Rule};
use lohusa_store::StoreError;
use serde_json::json;
use uuid::Uuid;

fn visit_one(mother: lohusa_core::MotherId, date: &str) -> VisitInput {
    VisitInput {
        mother_id: mother,
        number: VisitNumber::new(1).unwrap(),
        outcome: VisitOutcome::Visited,
        visited_on: date.into(),
        visited_at: "10:15".into(),
        visited_by: "Ebe Derya".into(),
        note: String::new(),
        answers: BTreeMap::from([
            ("mother.bp_systolic".into(), "124".into()),
            ("mother.bp_diastolic".into(), "78".into()),
        ]),
    }
}

#[test]
fn registering_writes_each_entity_with_its_change_record() {
    let mut t = TempStore::new();
    let id = t
        .store
        .register_mother(&registration("Ayşe Işık", "2026-11-22"), nurse(), now())
        .unwrap();
    assert_eq!(
        (
            count(&t.store, "mothers"),
            count(&t.store, "births"),
            count(&t.store, "babies")
        ),
        (1, 1, 1)
    );
    let changes = t.store.changes_after(0, 100).unwrap();
    let entities: Vec<EntityKind> = changes.iter().map(|(_, c)| c.entity).collect();
    assert_eq!(entities, [EntityKind::Mother, EntityKind::Birth, EntityKind::Baby]);
    let (_, mother_change) = &changes[0];
    assert_eq!(mother_change.entity_id, id.0);
    assert_eq!(mother_change.fields["full_name"], json!("Ayşe Işık"));
    assert_eq!(mother_change.author, nurse());
    assert_eq!(mother_change.device, t.store.device_id());
    assert_eq!(mother_change.id.0.get_version_num(), 7);
    // Stamps strictly increase within one transaction.
    assert!(changes.windows(2).all(|w| w[0].1.hlc < w[1].1.hlc));
}

#[test]
fn a_write_that_fails_halfway_leaves_neither_state_nor_change_records() {
    let mut t = TempStore::new();
    let good = EntityWrite {
        entity: EntityKind::Mother,
        entity_id: Uuid::now_v7(),
        fields: [("full_name".to_owned(), json!("Fatma"))].into(),
        also_replaces: Default::default(),
    };
    let bad = EntityWrite {
        entity: EntityKind::Birth,
        entity_id: Uuid::now_v7(),
        fields: [("no_such_column".to_owned(), json!(1))].into(),
        also_replaces: Default::default(),
    };
    // The unknown field is refused with the values' checks, before anything is logged.
    let err = t.store.write(&[good, bad], nurse(), now()).unwrap_err();
    match err {
        StoreError::Validation(errors) => assert_eq!(errors.0[0].params["problem"], "unknown_field"),
        other => panic!("{other}"),
    }
    assert_eq!((count(&t.store, "mothers"), count(&t.store, "changes")), (0, 0));
}

#[test]
fn a_refused_registration_saves_nothing() {
    let mut t = TempStore::new();
    let mut input = registration("Meryem", "2026-11-22");
    input.babies[0].birth_weight_g = "40000".into();
    match t.store.register_mother(&input, nurse(), now()) {
        Err(StoreError::Validation(errors)) => assert_eq!(errors.0[0].field, "babies.0.birth_weight_g"),
        other => panic!("expected a validation error, got {other:?}"),
    }
    for table in ["mothers", "births", "babies", "changes"] {
        assert_eq!(count(&t.store, table), 0, "{table}");
    }
}

#[test]
fn data_survives_closing_and_reopening_the_file() {
    let mut t = TempStore::new();
    let device = t.store.device_id();
    let id = t
        .store
        .register_mother(&registration("مريم درويش", "2026-11-22"), nurse(), now())
        .unwrap();
    t.store
        .record_visit(&visit_one(id, "2026-11-25"), nurse(), now())
        .unwrap();
    let last_hlc = t.store.changes_after(0, 100).unwrap().last().unwrap().1.hlc;
    let mut t = t.reopen();
    assert_eq!(t.store.device_id(), device);
    let view = t.store.mother_view(id, now()).unwrap();
    assert_eq!(view.mother.full_name, "مريم درويش");
    assert_eq!(view.cards[0].status, VisitStatus::Done);
    assert_eq!(
        view.cards[0].visit.as_ref().unwrap().answers["mother.bp_systolic"],
        json!(124)
    );
    // The clock continues after the last stamp even if the device clock went back.
    let earlier = now() - chrono::Duration::days(30);
    t.store
        .register_mother(&registration("Zehra", "2026-10-20"), nurse(), earlier)
        .unwrap();
    let newest = t.store.changes_after(0, 100).unwrap().last().unwrap().1.hlc;
    assert!(newest > last_hlc);
}

#[test]
fn recording_visit_one_turns_it_from_due_to_done_and_twice_is_refused() {
    let mut t = TempStore::new();
    let id = t
        .store
        .register_mother(&registration("Elif", "2026-11-22"), nurse(), now())
        .unwrap();
    assert_eq!(
        t.store.mother_view(id, now()).unwrap().cards[0].status,
        VisitStatus::Due
    );
    t.store
        .record_visit(&visit_one(id, "2026-11-25"), nurse(), now())
        .unwrap();
    assert_eq!(
        t.store.mother_view(id, now()).unwrap().cards[0].status,
        VisitStatus::Done
    );
    let again = t
        .store
        .record_visit(&visit_one(id, "2026-11-25"), nurse(), now())
        .unwrap_err();
    assert!(
        matches!(&again, StoreError::Validation(e) if e.0[0].rule == Rule::AlreadyRecorded),
        "{again}"
    );
    let before_birth = t.store.record_visit(
        &VisitInput {
            number: VisitNumber::new(2).unwrap(),
            ..visit_one(id, "2026-11-20")
        },
        nurse(),
        now(),
    );
    assert!(matches!(&before_birth, Err(StoreError::Validation(e)) if e.0[0].rule == Rule::BeforeBirth));
    assert_eq!(count(&t.store, "visits"), 1);
}

#[test]
fn names_round_trip_exactly_and_search_folds_turkish_and_arabic() {
    let mut t = TempStore::new();
    for name in ["ışık Şahin", "İpek Ağaoğlu", "مُحَمَّد علي", "Ayşe Kaya"] {
        t.store
            .register_mother(&registration(name, "2026-11-20"), nurse(), now())
            .unwrap();
    }
    let found = |q: &str| {
        t.store
            .search_mothers(q, now(), 10)
            .unwrap()
            .into_iter()
            .map(|m| m.full_name)
            .collect::<Vec<_>>()
    };
    assert_eq!(found("IŞIK"), ["ışık Şahin"]);
    assert_eq!(found("isik"), ["ışık Şahin"]);
    assert_eq!(found("ipek ağa"), ["İpek Ağaoğlu"]);
    assert_eq!(found("محمد"), ["مُحَمَّد علي"]);
    assert_eq!(found("100%"), Vec::<String>::new());
    assert_eq!(found("%"), Vec::<String>::new());
    assert_eq!(found("  "), Vec::<String>::new());
}

/// A name typed with decomposed accents is found by its plain spelling; a store whose names were
/// folded by an older fold re-folds them when it opens.
#[test]
fn names_folded_by_an_older_fold_are_folded_again_on_opening() {
    let mut t = TempStore::new();
    t.store
        .register_mother(&registration("Ays\u{0327}e Ma'ruf", "2026-11-20"), nurse(), now())
        .unwrap();
    let found = |t: &TempStore, q: &str| t.store.search_mothers(q, now(), 10).unwrap().len();
    assert_eq!(found(&t, "ayse maruf"), 1);
    // As an older version left it: the accent kept, the apostrophe too.
    let path = t.store.path().to_owned();
    drop(t.store);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("UPDATE mothers SET name_folded = 'ays\u{0327}e ma''ruf'", [])
            .unwrap();
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'search_fold'", [])
            .unwrap();
    }
    let t = TempStore {
        store: lohusa_store::Store::open(&path).unwrap(),
        dir: t.dir,
    };
    assert_eq!(found(&t, "ayse maruf"), 1, "the stored name was not folded again");
}

#[test]
fn today_list_comes_from_the_store() {
    let mut t = TempStore::new();
    let due = t
        .store
        .register_mother(&registration("Due Mother", "2026-11-22"), nurse(), now())
        .unwrap();
    let late = t
        .store
        .register_mother(&registration("Late Mother", "2026-11-15"), nurse(), now())
        .unwrap();
    let upcoming = t
        .store
        .register_mother(&registration("Upcoming Mother", "2026-11-24"), nurse(), now())
        .unwrap();
    let list = t.store.today_list(now()).unwrap();
    let entries =
        |e: &[lohusa_core::today::TodayEntry]| e.iter().map(|e| (e.mother_id, e.number.get())).collect::<Vec<_>>();
    assert_eq!(entries(&list.late), [(late, 1)]);
    assert_eq!(entries(&list.due), [(due, 1)]);
    // Visit 1 of the newest opens tomorrow; visit 2 of the late one opens on 28 November.
    assert_eq!(entries(&list.upcoming), [(upcoming, 1), (late, 2)]);
    t.store
        .record_visit(&visit_one(due, "2026-11-25"), nurse(), now())
        .unwrap();
    assert!(t.store.today_list(now()).unwrap().due.is_empty());
}

/// A mother whose visit 3 window closed with nothing recorded has passed out of the programme:
/// off Today (which reads only mothers born in the last 42 days), still on the follow-up list
/// as missed. One born 42 days ago still has visit 3 due today.
#[test]
fn today_keeps_only_mothers_in_their_42_days_and_the_follow_up_list_keeps_the_missed() {
    let mut t = TempStore::new();
    // Today is 25 November 2026.
    let last_day = t
        .store
        .register_mother(&registration("Last Day", "2026-10-14"), nurse(), now())
        .unwrap();
    let ended = t
        .store
        .register_mother(&registration("Ended Yesterday", "2026-10-13"), nurse(), now())
        .unwrap();
    let long_ago = t
        .store
        .register_mother(&registration("Long Ago", "2026-06-01"), nurse(), now())
        .unwrap();
    let list = t.store.today_list(now()).unwrap();
    let on_today: Vec<_> = list
        .late
        .iter()
        .chain(&list.due)
        .chain(&list.upcoming)
        .map(|e| (e.mother_id, e.number.get(), e.status))
        .collect();
    assert_eq!(on_today, [(last_day, 3, VisitStatus::Due)]);
    let follow_up = t
        .store
        .follow_up_list(now(), &lohusa_core::followup::FollowUpFilter::default(), 100)
        .unwrap();
    for mother in [ended, long_ago] {
        let missed: Vec<u8> = follow_up
            .rows
            .iter()
            .filter(|r| r.mother_id == mother)
            .map(|r| r.number.get())
            .collect();
        assert_eq!(missed, [1, 2, 3], "{mother:?}");
        assert!(
            follow_up
                .rows
                .iter()
                .filter(|r| r.mother_id == mother)
                .all(|r| r.kind == lohusa_core::followup::FollowUpKind::MissedVisit)
        );
    }
    let card = &t.store.mother_view(ended, now()).unwrap().cards[2];
    assert_eq!(card.status, VisitStatus::Passed);
}

#[test]
fn a_background_checkpointer_moves_the_log_into_the_file_while_writes_go_on() {
    let mut t = TempStore::new();
    let checkpointer = t.store.checkpointer().unwrap();
    for i in 0..30 {
        t.store
            .register_mother(&registration(&format!("Anne {i}"), "2026-11-20"), nurse(), now())
            .unwrap();
    }
    let result = checkpointer.checkpoint().unwrap();
    assert!(
        result.wal_pages > 0 && result.checkpointed_pages == result.wal_pages,
        "{result:?}"
    );
    t.store
        .register_mother(&registration("Anne 30", "2026-11-20"), nurse(), now())
        .unwrap();
    let t = t.reopen();
    assert_eq!(count(&t.store, "mothers"), 31);
}

#[test]
fn a_visit_made_after_nobody_was_at_home_closes_the_window_as_done() {
    let mut t = TempStore::new();
    let id = t
        .store
        .register_mother(&registration("Hala Khalil", "2026-11-21"), nurse(), now())
        .unwrap();
    let attempt = VisitInput {
        outcome: VisitOutcome::NotAtHome,
        visited_at: String::new(),
        answers: BTreeMap::new(),
        ..visit_one(id, "2026-11-23")
    };
    t.store.record_visit(&attempt, nurse(), now()).unwrap();
    // The window (23–26 Nov) is still open: she comes back; the visit stays due, on Today.
    assert_eq!(
        t.store.mother_view(id, now()).unwrap().cards[0].status,
        VisitStatus::Due
    );
    assert!(t.store.today_list(now()).unwrap().due.iter().any(|e| e.mother_id == id));
    t.store
        .record_visit(&visit_one(id, "2026-11-25"), nurse(), now())
        .unwrap();
    let card = &t.store.mother_view(id, now()).unwrap().cards[0];
    assert_eq!(card.status, VisitStatus::Done);
    assert_eq!(card.visit.as_ref().unwrap().outcome, VisitOutcome::Visited);
    assert_eq!(
        card.attempts.iter().map(|a| a.outcome).collect::<Vec<_>>(),
        [VisitOutcome::NotAtHome]
    );
    // Once it happened, neither another visit nor another attempt can be recorded for it.
    assert!(t.store.record_visit(&attempt, nurse(), now()).is_err());
}

#[test]
fn two_stores_on_one_file_never_reuse_a_clock_stamp_or_record_a_visit_twice() {
    let mut a = TempStore::new();
    let mut b = lohusa_store::Store::open(a.store.path()).unwrap();
    let id = a
        .store
        .register_mother(&registration("Nour Haddad", "2026-11-22"), nurse(), now())
        .unwrap();
    b.register_mother(&registration("Ayşe Kaya", "2026-11-22"), nurse(), now())
        .unwrap();
    a.store
        .record_visit(&visit_one(id, "2026-11-25"), nurse(), now())
        .unwrap();
    assert!(b.record_visit(&visit_one(id, "2026-11-25"), nurse(), now()).is_err());
    let stamps: Vec<_> = a
        .store
        .changes_after(0, 100)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c.hlc)
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, stamps, "stamps must be unique and increase in log order");
}

#[test]
fn search_finds_an_identity_number_read_out_in_groups() {
    let mut t = TempStore::new();
    let mut input = registration("Zeynep Yıldız", "2026-11-20");
    input.mother.id_number = "10000000146".into();
    t.store.register_mother(&input, nurse(), now()).unwrap();
    for query in ["10000000146", "100 000 001 46", "1000"] {
        let found = t.store.search_mothers(query, now(), 10).unwrap();
        assert_eq!(found.len(), 1, "{query}");
    }
    assert!(t.store.search_mothers("2000", now(), 10).unwrap().is_empty());
}
