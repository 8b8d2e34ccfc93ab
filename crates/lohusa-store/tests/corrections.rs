//! Correcting a registration and a visit on a real store file: the form's rules, one change per
//! record with only what changed, the history read back from the change log, flags that follow
//! the corrected answers, corrections that merge across devices, and a deleted mother.

use crate::common;

use chrono::Duration;
use common::{TempStore, now, registration};
use lohusa_core::registration::{BabyInput, BabySex};
use lohusa_core::review::{ReviewInput, ReviewOrder};
use lohusa_core::schedule::VisitNumber;
use lohusa_core::visit::{VisitCorrectionInput, VisitInput, VisitOutcome};
use lohusa_core::{Change, EntityKind, MemberId, Rule};
use lohusa_store::StoreError;
use serde_json::json;

fn member(t: &mut TempStore, name: &str) -> MemberId {
    t.store.set_local_member(name, now()).unwrap().id
}

fn exchange(from: &TempStore, to: &mut TempStore) {
    let changes: Vec<Change> = from.store.export_changes().unwrap();
    to.store.apply_pulled(&changes, 1, now(), 0).unwrap();
}

fn rules(error: StoreError) -> Vec<(String, Rule)> {
    match error {
        StoreError::Validation(errors) => errors.0.into_iter().map(|e| (e.field, e.rule)).collect(),
        other => panic!("not a validation error: {other}"),
    }
}

#[test]
fn a_registration_is_corrected_by_its_own_rules_and_its_history_says_who_and_what() {
    let mut t = TempStore::new();
    let derya = member(&mut t, "Ebe Derya");
    let mother = t
        .store
        .register_mother(&registration("Ayşe Işık", "2026-11-22"), derya, now())
        .unwrap();
    let later = now() + Duration::hours(2);
    let mut form = t.store.registration_form(mother).unwrap();
    assert_eq!(form.recorded_babies, 1);
    assert_eq!(form.input.mother.full_name, "Ayşe Işık");

    // Refused, nothing saved: a text in a number field, an ID number with a wrong check digit.
    let before = t.store.n_local_changes().unwrap();
    let mut bad = form.input.clone();
    bad.mother.age_years = "yirmi dokuz".into();
    bad.mother.id_number = "10000000147".into();
    let refused = t.store.correct_registration(mother, &bad, derya, later).unwrap_err();
    assert_eq!(
        rules(refused),
        [
            ("mother.age_years".to_owned(), Rule::NotANumber),
            ("mother.id_number".to_owned(), Rule::IdNumberChecksum),
        ]
    );
    assert_eq!(t.store.n_local_changes().unwrap(), before);

    // A new phone, a birth date a day off, a twin missed at registration.
    form.input.mother.phone = "0532 111 22 33".into();
    form.input.birth.birth_date = "2026-11-21".into();
    form.input.babies.push(BabyInput {
        name: "Zeynep".into(),
        sex: Some(BabySex::Female),
        birth_weight_g: "2480".into(),
    });
    let changed = t.store.correct_registration(mother, &form.input, derya, later).unwrap();
    assert_eq!(changed, 3, "mother, birth and the new baby");
    assert_eq!(t.store.n_local_changes().unwrap(), before + 3);
    let view = t.store.mother_view(mother, later).unwrap();
    assert_eq!(view.mother.phone.as_deref(), Some("0532 111 22 33"));
    assert_eq!(view.birth.birth_date.to_string(), "2026-11-21");
    assert_eq!(
        view.cards[0].window.opens_on.to_string(),
        "2026-11-23",
        "the windows moved"
    );
    assert_eq!(view.babies.len(), 2);
    assert_eq!(view.babies[1].ordinal, 2);
    assert_eq!(view.babies[1].name.as_deref(), Some("Zeynep"));
    // Sending the same form again changes nothing.
    let again = t.store.registration_form(mother).unwrap();
    assert_eq!(again.recorded_babies, 2);
    assert_eq!(
        t.store
            .correct_registration(mother, &again.input, derya, later)
            .unwrap(),
        0
    );

    let history = t.store.history(EntityKind::Mother, mother.0).unwrap();
    let phone: Vec<_> = history.iter().filter(|c| c.field == "phone").collect();
    assert_eq!(phone.len(), 1, "registered without a phone (no entry), then corrected");
    assert_eq!(phone[0].old, json!(null));
    assert_eq!(phone[0].new, json!("0532 111 22 33"));
    assert_eq!(phone[0].by.as_deref(), Some("Ebe Derya"));
    assert_eq!(phone[0].device, t.store.device_id());
    assert_eq!(phone[0].at, later);
    assert!(!phone[0].concurrent);
    let birth = t.store.history(EntityKind::Birth, view.birth.id.0).unwrap();
    let dates: Vec<_> = birth
        .iter()
        .filter(|c| c.field == "birth_date")
        .map(|c| (&c.old, &c.new))
        .collect();
    assert_eq!(
        dates,
        [
            (&json!(null), &json!("2026-11-22")),
            (&json!("2026-11-22"), &json!("2026-11-21"))
        ]
    );
}

#[test]
fn a_visit_correction_needs_a_reason_recomputes_flags_and_keeps_the_sign_off() {
    let mut t = TempStore::new();
    let derya = member(&mut t, "Ebe Derya");
    let mother = t
        .store
        .register_mother(&registration("Fatma Kaya", "2026-11-22"), derya, now())
        .unwrap();
    let input = VisitInput {
        mother_id: mother,
        number: VisitNumber::new(1).unwrap(),
        outcome: VisitOutcome::Visited,
        visited_on: "25.11.2026".into(),
        visited_at: "10:00".into(),
        visited_by: "Ebe Derya".into(),
        note: String::new(),
        answers: [
            ("mother.bp_systolic".to_owned(), "164".to_owned()),
            ("mother.bp_diastolic".to_owned(), "90".to_owned()),
        ]
        .into(),
    };
    let visit = t.store.record_visit(&input, derya, now()).unwrap();
    let flags = |t: &TempStore| -> Vec<String> {
        t.store.mother_view(mother, now()).unwrap().cards[0]
            .flags
            .iter()
            .map(|f| f.rule.clone())
            .collect()
    };
    assert_eq!(flags(&t), ["severe_hypertension"]);
    t.store
        .record_review(
            &ReviewInput {
                mother_id: mother,
                visit_id: visit,
                flags: vec!["severe_hypertension".into()],
                order: ReviewOrder::Referral,
                note: "Sevk".into(),
            },
            derya,
            "Dr. Ece",
            now(),
        )
        .unwrap();

    let stored = t.store.visit(visit).unwrap();
    let mut form = VisitInput::from_record(&stored);
    form.answers.insert("mother.bp_systolic".into(), "146".into());
    let no_reason = VisitCorrectionInput {
        visit_id: visit,
        form: form.clone(),
        reason: " ".into(),
    };
    assert_eq!(
        rules(t.store.correct_visit(&no_reason, derya, now()).unwrap_err()),
        [("reason".to_owned(), Rule::Required)]
    );
    let correction = VisitCorrectionInput {
        reason: "164 yerine 146".into(),
        ..no_reason
    };
    assert!(
        t.store
            .correct_visit(&correction, derya, now() + Duration::minutes(5))
            .unwrap()
    );
    assert!(
        !t.store.correct_visit(&correction, derya, now()).unwrap(),
        "nothing left to change"
    );
    assert_eq!(flags(&t), ["hypertension"], "the flag follows the corrected value");
    // The sign-off of the flag the correction removed stays on her record.
    let reviews = t.store.reviews_of(mother).unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].flags, ["severe_hypertension"]);

    let history = t.store.history(EntityKind::Visit, visit.0).unwrap();
    let bp: Vec<_> = history
        .iter()
        .filter(|c| c.field == "answers.mother.bp_systolic")
        .collect();
    assert_eq!(bp.len(), 2);
    assert_eq!((&bp[1].old, &bp[1].new), (&json!(164), &json!(146)));
    assert_eq!(bp[1].reason.as_deref(), Some("164 yerine 146"));
    assert_eq!(bp[0].reason, None);
    assert!(history.iter().all(|c| c.field != "correction_reason"));
}

#[test]
fn corrections_on_two_tablets_merge_per_field_and_the_history_names_each_device() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let derya = member(&mut a, "Ebe Derya");
    let sevgi = member(&mut b, "Ebe Sevgi");
    let mother = a
        .store
        .register_mother(&registration("Leyla Demir", "2026-11-22"), derya, now())
        .unwrap();
    exchange(&a, &mut b);
    let mut on_a = a.store.registration_form(mother).unwrap().input;
    on_a.mother.phone = "05321112233".into();
    a.store
        .correct_registration(mother, &on_a, derya, now() + Duration::minutes(1))
        .unwrap();
    let mut on_b = b.store.registration_form(mother).unwrap().input;
    on_b.mother.street = "1203 Sokak No 4".into();
    b.store
        .correct_registration(mother, &on_b, sevgi, now() + Duration::minutes(2))
        .unwrap();
    exchange(&a, &mut b);
    exchange(&b, &mut a);
    for t in [&a, &b] {
        let m = t.store.mother(mother).unwrap();
        assert_eq!(m.phone.as_deref(), Some("05321112233"));
        assert_eq!(m.street.as_deref(), Some("1203 Sokak No 4"));
        assert!(
            t.store.conflicts().unwrap().is_empty(),
            "different fields never conflict"
        );
    }
    let history = b.store.history(EntityKind::Mother, mother.0).unwrap();
    let phone = history.iter().rfind(|c| c.field == "phone").unwrap();
    assert_eq!(phone.device, a.store.device_id());
    assert!(!phone.concurrent);
    let street = history.iter().rfind(|c| c.field == "street").unwrap();
    assert_eq!(street.device, b.store.device_id());
    assert_eq!(street.by.as_deref(), Some("Ebe Sevgi"));

    // Both correct the district apart: the later one replaced what its writer saw, not the other
    // tablet's value, and the history says the two were written apart.
    let mut on_a = a.store.registration_form(mother).unwrap().input;
    on_a.mother.district = "Karabağlar".into();
    a.store
        .correct_registration(mother, &on_a, derya, now() + Duration::minutes(3))
        .unwrap();
    let mut on_b = b.store.registration_form(mother).unwrap().input;
    on_b.mother.district = "Bayraklı".into();
    b.store
        .correct_registration(mother, &on_b, sevgi, now() + Duration::minutes(4))
        .unwrap();
    exchange(&a, &mut b);
    exchange(&b, &mut a);
    let history = a.store.history(EntityKind::Mother, mother.0).unwrap();
    let district: Vec<_> = history.iter().filter(|c| c.field == "district").collect();
    let last = district.last().unwrap();
    assert_eq!(last.new, json!("Bayraklı"));
    assert_eq!(
        last.old,
        json!("Konak"),
        "registered in Konak; Sevgi never saw Derya's value"
    );
    assert!(last.concurrent);
    assert_eq!(a.store.conflicts().unwrap().len(), 1);
}

#[test]
fn a_mother_deleted_elsewhere_cannot_be_corrected_and_the_error_says_by_whom() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let derya = member(&mut a, "Ebe Derya");
    let sevgi = member(&mut b, "Ebe Sevgi");
    let mother = a
        .store
        .register_mother(&registration("Meryem Ak", "2026-11-22"), derya, now())
        .unwrap();
    exchange(&a, &mut b);
    let form = b.store.registration_form(mother).unwrap().input;
    a.store
        .write(
            &[lohusa_core::change::EntityWrite {
                entity: EntityKind::Mother,
                entity_id: mother.0,
                fields: [("deleted".to_owned(), json!(true))].into(),
                also_replaces: Default::default(),
            }],
            derya,
            now() + Duration::minutes(3),
        )
        .unwrap();
    exchange(&a, &mut b);
    match b
        .store
        .correct_registration(mother, &form, sevgi, now() + Duration::minutes(4))
    {
        Err(StoreError::Deleted { by, at, .. }) => {
            assert_eq!(by.as_deref(), Some("Ebe Derya"));
            assert_eq!(at, Some(now() + Duration::minutes(3)));
        }
        other => panic!("expected Deleted, got {other:?}"),
    }
}

/// Sevgi's visit 1 with a blood pressure that raises an urgent flag.
fn urgent_visit(mother: lohusa_core::MotherId) -> VisitInput {
    VisitInput {
        mother_id: mother,
        number: VisitNumber::new(1).unwrap(),
        outcome: VisitOutcome::Visited,
        visited_on: "25.11.2026".into(),
        visited_at: "11:00".into(),
        visited_by: "Ebe Sevgi".into(),
        note: String::new(),
        answers: [
            ("mother.bp_systolic".to_owned(), "170".to_owned()),
            ("mother.bp_diastolic".to_owned(), "115".to_owned()),
        ]
        .into(),
    }
}

#[test]
fn a_visit_recorded_after_a_deletion_brings_the_mother_back_on_every_tablet() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let derya = member(&mut a, "Ebe Derya");
    let sevgi = member(&mut b, "Ebe Sevgi");
    let mother = a
        .store
        .register_mother(&registration("Zehra Kılıç", "2026-11-22"), derya, now())
        .unwrap();
    exchange(&a, &mut b);
    // A deletion as an earlier version wrote it, without the visits its device held: the
    // clocks alone decide.
    let delete = |t: &mut TempStore, author, minutes| {
        t.store
            .write(
                &[lohusa_core::change::EntityWrite {
                    entity: EntityKind::Mother,
                    entity_id: mother.0,
                    fields: [("deleted".to_owned(), json!(true))].into(),
                    also_replaces: Default::default(),
                }],
                author,
                now() + Duration::minutes(minutes),
            )
            .unwrap();
    };
    delete(&mut a, derya, 1);
    // Offline, Sevgi records an urgent visit after the deletion.
    b.store
        .record_visit(&urgent_visit(mother), sevgi, now() + Duration::minutes(5))
        .unwrap();
    exchange(&a, &mut b);
    exchange(&b, &mut a);
    for t in [&mut a, &mut b] {
        assert!(
            t.store.mother(mother).is_ok(),
            "the care after the deletion shows her again"
        );
        let follow_up = t
            .store
            .follow_up_list(now() + Duration::minutes(6), &Default::default(), 100)
            .unwrap();
        assert!(follow_up.rows.iter().any(|r| r.mother_id == mother && r.flag.is_some()));
    }
    // Deleted again, knowingly, after the visit: hidden everywhere.
    delete(&mut a, derya, 10);
    exchange(&a, &mut b);
    assert!(a.store.mother(mother).is_err() && b.store.mother(mother).is_err());
}

#[test]
fn a_deletion_does_not_hide_a_visit_its_writer_had_not_seen_even_an_earlier_one() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let derya = member(&mut a, "Ebe Derya");
    let sevgi = member(&mut b, "Ebe Sevgi");
    let mother = a
        .store
        .register_mother(&registration("Rana Saleh", "2026-11-22"), derya, now())
        .unwrap();
    exchange(&a, &mut b);
    // Offline, Sevgi records an urgent visit; later, Derya, who never saw it, deletes her.
    b.store
        .record_visit(&urgent_visit(mother), sevgi, now() + Duration::minutes(1))
        .unwrap();
    a.store
        .delete_mother(mother, derya, now() + Duration::minutes(5))
        .unwrap();
    assert!(a.store.mother(mother).is_err(), "hidden where she was deleted");
    exchange(&a, &mut b);
    exchange(&b, &mut a);
    for t in [&a, &b] {
        assert!(
            t.store.mother(mother).is_ok(),
            "an unseen urgent visit keeps her visible"
        );
    }
    // Deleted again by someone who holds the visit: hidden everywhere.
    a.store
        .delete_mother(mother, derya, now() + Duration::minutes(10))
        .unwrap();
    exchange(&a, &mut b);
    assert!(a.store.mother(mother).is_err() && b.store.mother(mother).is_err());
}
