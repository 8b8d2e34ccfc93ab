//! A complete visit in a real store file: typed answers survive storage, a lab result added the
//! next day (here or on another tablet, through the change log) raises its flag on the old visit,
//! and screening texts load with checks.

use crate::common;

use chrono::Duration;
use common::{TempStore, now, nurse, registration};
use lohusa_core::registration::Language;
use lohusa_core::schedule::VisitNumber;
use lohusa_core::visit::{LaterResultsInput, VisitInput, VisitOutcome};
use lohusa_core::{Change, MotherId, Rule};
use lohusa_store::StoreError;
use serde_json::json;

fn visit_two(mother: MotherId, answers: &[(&str, &str)]) -> VisitInput {
    VisitInput {
        mother_id: mother,
        number: VisitNumber::new(2).unwrap(),
        outcome: VisitOutcome::Visited,
        visited_on: "2026-11-25".into(),
        visited_at: "11:00".into(),
        visited_by: "Ebe Derya".into(),
        note: String::new(),
        answers: answers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

fn flags(t: &TempStore, mother: MotherId, days_later: i64) -> Vec<(String, String)> {
    let view = t.store.mother_view(mother, now() + Duration::days(days_later)).unwrap();
    view.cards[1]
        .flags
        .iter()
        .map(|f| (f.rule.clone(), f.english_reasons()))
        .collect()
}

#[test]
fn a_visit_keeps_typed_answers_and_a_later_result_raises_its_flag() {
    let mut t = TempStore::new();
    // Born 2026-11-10: day 15 on the 25th, inside visit 2's window.
    let mother = t
        .store
        .register_mother(&registration("Ayşe Işık", "2026-11-10"), nurse(), now())
        .unwrap();
    let id = t
        .store
        .record_visit(
            &visit_two(
                mother,
                &[
                    ("mother.bp_systolic", "118"),
                    ("mother.bp_diastolic", "76"),
                    ("mother.breasts", "soft,cracked_nipple"),
                    ("mother.urinary_burning", "yes"),
                    ("mother.hb_done", "yes"),
                    ("mother.hb_sample_date", "25.11.2026"),
                    ("mother.hb_result_date", "25.11.2026"),
                    ("mother.hb_taken_by", "Ebe Derya"),
                    ("mother.hemoglobin", "7,5"),
                    ("mother.ua_done", "yes"),
                    ("mother.ua_sample_date", "25.11.2026"),
                    ("mother.ua_taken_by", "Ebe Derya"),
                ],
            ),
            nurse(),
            now(),
        )
        .unwrap();
    let t = t.reopen();
    let visit = t.store.visit(id).unwrap();
    assert_eq!(visit.answers["mother.breasts"], json!(["soft", "cracked_nipple"]));
    assert_eq!(visit.answers["mother.urinary_burning"], json!(true));
    assert_eq!(visit.answers["mother.hemoglobin"], json!(7.5));
    assert_eq!(visit.answers["mother.hb_sample_date"], json!("2026-11-25"));
    assert_eq!(visit.checklist_version, 2);
    assert_eq!(
        flags(&t, mother, 0),
        [("severe_anaemia".to_owned(), "hemoglobin 7.5 < 8".to_owned())]
    );

    // The urinalysis result arrives the next day, on this tablet; the rest of the visit is closed.
    let mut t = t;
    let tomorrow = now() + Duration::days(1);
    let later = |answers: &[(&str, &str)]| LaterResultsInput {
        visit_id: id,
        answers: answers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    let refused = t
        .store
        .record_later_results(
            &later(&[("mother.ua_result_date", "24.11.2026"), ("mother.bp_systolic", "170")]),
            nurse(),
            tomorrow,
        )
        .unwrap_err();
    let StoreError::Validation(errors) = refused else {
        panic!("{refused:?}")
    };
    let rules: Vec<(&str, Rule)> = errors.0.iter().map(|e| (e.field.as_str(), e.rule)).collect();
    assert_eq!(
        rules,
        [
            ("answers.mother.ua_result_date", Rule::DateOrder),
            ("answers.mother.bp_systolic", Rule::NotAsked),
        ]
    );
    let before = t.store.export_changes().unwrap().len();
    t.store
        .record_later_results(
            &later(&[
                ("mother.ua_result_date", "26.11.2026"),
                ("mother.ua_nitrite", "positive"),
                ("mother.ua_protein", "negative"),
            ]),
            nurse(),
            tomorrow,
        )
        .unwrap();
    let changes: Vec<Change> = t.store.export_changes().unwrap();
    assert_eq!(changes.len(), before + 1, "one change adds the results");
    let fields: Vec<&str> = changes.last().unwrap().fields.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        [
            "answers.mother.ua_nitrite",
            "answers.mother.ua_protein",
            "answers.mother.ua_result_date"
        ]
    );
    assert_eq!(
        flags(&t, mother, 1),
        [
            ("severe_anaemia".to_owned(), "hemoglobin 7.5 < 8".to_owned()),
            ("urinary_problem".to_owned(), "ua_nitrite = positive".to_owned()),
        ]
    );
    assert_eq!(t.store.visit(id).unwrap().answers["mother.bp_systolic"], json!(118));

    // Another tablet that holds the visit sees the new flag once the change arrives.
    let mut other = TempStore::new();
    let all = t.store.export_changes().unwrap();
    other.store.apply_pulled(&all[..before], 1, tomorrow, 0).unwrap();
    assert_eq!(flags(&other, mother, 1).len(), 1);
    other.store.apply_pulled(&all[before..], 2, tomorrow, 0).unwrap();
    assert_eq!(flags(&other, mother, 1), flags(&t, mother, 1));

    // The hemoglobin turns out not to have been taken after all: the result is cleared with
    // it, and its flag goes.
    t.store
        .record_later_results(&later(&[("mother.hb_done", "no")]), nurse(), tomorrow)
        .unwrap();
    let visit = t.store.visit(id).unwrap();
    assert_eq!(visit.answers.get("mother.hemoglobin"), None);
    assert_eq!(visit.answers["mother.hb_done"], json!(false));
    assert_eq!(
        flags(&t, mother, 1),
        [("urinary_problem".to_owned(), "ua_nitrite = positive".to_owned())]
    );
}

#[test]
fn screening_texts_load_with_checks_and_fall_back_to_the_shipped_ones() {
    let mut t = TempStore::new();
    assert_eq!(t.store.screening_text("epds", Language::Ar).unwrap(), None);
    assert_eq!(
        t.store
            .screening_text("phq9", Language::Ar)
            .unwrap()
            .unwrap()
            .items
            .len(),
        9,
        "PHQ-9 ships"
    );
    let file = |items: usize| {
        let items: Vec<serde_json::Value> = (1..=items)
            .map(|i| json!({"text": format!("Soru {i}"), "options": ["A", "B", "C", "D"]}))
            .collect();
        json!({
            "instrument": "epds", "language": "ar", "title": "EPDS", "instructions": "…",
            "items": items, "source": "Test text, not the licensed one"
        })
        .to_string()
    };
    let error = t.store.install_screening_text(&file(9), now()).unwrap_err();
    let StoreError::Validation(errors) = error else {
        panic!("{error:?}")
    };
    assert_eq!(errors.0[0].rule, Rule::NotAScreeningText);
    assert_eq!(errors.0[0].params["reason"], "item_count");
    assert_eq!(
        t.store.screening_text("epds", Language::Ar).unwrap(),
        None,
        "nothing half-saved"
    );

    t.store.install_screening_text(&file(10), now()).unwrap();
    let t = t.reopen();
    let text = t.store.screening_text("epds", Language::Ar).unwrap().unwrap();
    assert_eq!(text.items[9].text, "Soru 10");
    assert_eq!(t.store.screening_text("epds", Language::Tr).unwrap(), None);
}

#[test]
fn a_visit_draft_survives_a_restart_and_goes_when_the_visit_is_saved() {
    let mut t = TempStore::new();
    let mother = t
        .store
        .register_mother(&registration("Ayşe Işık", "2026-11-10"), nurse(), now())
        .unwrap();
    let registered = t.store.export_changes().unwrap().len();
    // Half-filled and partly wrong: a draft is not checked.
    let draft = visit_two(
        mother,
        &[("mother.bp_systolic", "1180"), ("mother.lochia_smell", "foul")],
    );
    t.store.save_visit_draft(&draft, now()).unwrap();
    let mut t = t.reopen();
    let kept = t.store.visit_draft(mother, draft.number).unwrap().unwrap();
    assert_eq!(kept.input, draft);
    assert_eq!(kept.saved_at, now());
    assert_eq!(t.store.mother_view(mother, now()).unwrap().drafts, [draft.number]);
    assert_eq!(
        t.store.export_changes().unwrap().len(),
        registered,
        "a draft is not a change"
    );
    // A draft lives on this device only: handing the device over would lose it.
    let status = t.store.sync_status().unwrap();
    assert_eq!((status.drafts, status.safe_to_hand_over), (1, false));

    // Saving the visit (once corrected) removes its draft.
    let fixed = visit_two(
        mother,
        &[("mother.bp_systolic", "118"), ("mother.lochia_smell", "foul")],
    );
    t.store.record_visit(&fixed, nurse(), now()).unwrap();
    assert_eq!(t.store.visit_draft(mother, draft.number).unwrap(), None);
    assert!(t.store.mother_view(mother, now()).unwrap().drafts.is_empty());
}

/// Answers one visit holds, written on two tablets at once: each is its own conflict showing
/// the value kept, and both tablets hold and export the same answers, numbers exactly as sent.
#[test]
fn answers_written_on_two_tablets_are_each_a_conflict_and_held_exactly() {
    use lohusa_core::EntityKind;
    use lohusa_core::change::EntityWrite;
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let derya = a.store.set_local_member("Ebe Derya", now()).unwrap().id;
    let ayse = b.store.set_local_member("Ebe Ayşe", now()).unwrap().id;
    let mother = a
        .store
        .register_mother(&registration("Ayşe Işık", "2026-11-10"), derya, now())
        .unwrap();
    let visit = a
        .store
        .record_visit(
            &visit_two(
                mother,
                &[
                    ("mother.bp_systolic", "118"),
                    ("mother.bp_diastolic", "76"),
                    ("mother.hb_done", "yes"),
                    ("mother.hb_sample_date", "25.11.2026"),
                    ("mother.hb_result_date", "25.11.2026"),
                    ("mother.hb_taken_by", "Ebe Derya"),
                    ("mother.hemoglobin", "11,5"),
                ],
            ),
            derya,
            now(),
        )
        .unwrap();
    let exchange = |from: &TempStore, to: &mut TempStore, cursor: u64| {
        let changes: Vec<Change> = from.store.export_changes().unwrap();
        to.store.apply_pulled(&changes, cursor, now(), 0).unwrap();
    };
    exchange(&a, &mut b, 1);
    let write = |t: &mut TempStore, who, minutes, values: [(&str, serde_json::Value); 3]| {
        t.store
            .write(
                &[EntityWrite {
                    entity: EntityKind::Visit,
                    entity_id: visit.0,
                    fields: values.into_iter().map(|(k, v)| (format!("answers.{k}"), v)).collect(),
                    also_replaces: Default::default(),
                }],
                who,
                now() + Duration::minutes(minutes),
            )
            .unwrap();
    };
    write(
        &mut a,
        derya,
        1,
        [
            ("mother.bp_systolic", json!(121)),
            ("mother.bp_diastolic", json!(81)),
            ("mother.hemoglobin", json!(0.1 + 11.2)),
        ],
    );
    write(
        &mut b,
        ayse,
        2,
        [
            ("mother.bp_systolic", json!(122)),
            ("mother.bp_diastolic", json!(82)),
            ("mother.hemoglobin", json!(11.300000000000002)),
        ],
    );
    exchange(&a, &mut b, 2);
    exchange(&b, &mut a, 2);
    for t in [&a, &b] {
        let mut conflicts: Vec<(String, serde_json::Value, serde_json::Value)> = t
            .store
            .conflicts()
            .unwrap()
            .into_iter()
            .map(|c| (c.field, c.shown_value, c.other.value))
            .collect();
        conflicts.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(
            conflicts,
            [
                ("answers.mother.bp_diastolic".to_owned(), json!(82), json!(81)),
                ("answers.mother.bp_systolic".to_owned(), json!(122), json!(121)),
                (
                    "answers.mother.hemoglobin".to_owned(),
                    json!(11.300000000000002),
                    json!(0.1 + 11.2)
                ),
            ]
        );
    }
    let state = a.store.export_state().unwrap();
    assert_eq!(state, b.store.export_state().unwrap());
    let answers: Vec<(&str, &serde_json::Value)> = state["visit_answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["key"].as_str().unwrap(), &row["value"]))
        .collect();
    assert!(
        answers.contains(&("mother.hemoglobin", &json!(11.300000000000002))),
        "{answers:?}"
    );
    assert!(
        answers.contains(&("mother.hb_done", &json!(1))),
        "yes is held as 1: {answers:?}"
    );
    assert!(
        state["visits"][0].get("answers").is_none(),
        "answers are exported as their own rows"
    );
}
