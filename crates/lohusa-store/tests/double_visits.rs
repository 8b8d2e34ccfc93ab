//! The same visit recorded on two tablets while both were offline: after they exchange their
//! logs, both records are kept and shown for review on the mother's screen, the window counts
//! once in the Today list and coverage, and keeping one as an extra visit settles it everywhere.

use crate::common;

use common::{TempStore, now, nurse, registration};
use lohusa_core::schedule::VisitNumber;
use lohusa_core::validation::Rule;
use lohusa_core::visit::{VisitInput, VisitOutcome};
use lohusa_core::{Change, MemberId, MotherId};
use lohusa_store::StoreError;
use uuid::Uuid;

fn exchange(from: &TempStore, to: &mut TempStore, cursor: u64) {
    let changes: Vec<Change> = from.store.export_changes().unwrap();
    to.store.apply_pulled(&changes, cursor, now(), 0).unwrap();
}

fn visit_1(mother: MotherId, by: &str, at: &str) -> VisitInput {
    VisitInput {
        mother_id: mother,
        number: VisitNumber::new(1).unwrap(),
        outcome: VisitOutcome::Visited,
        visited_on: "2026-11-25".into(),
        visited_at: at.into(),
        visited_by: by.into(),
        note: String::new(),
        answers: Default::default(),
    }
}

#[test]
fn a_visit_recorded_on_two_tablets_counts_once_and_is_shown_for_review() {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let other = MemberId(Uuid::from_u128(43));
    let mother = a
        .store
        .register_mother(&registration("Ayşe Işık", "2026-11-22"), nurse(), now())
        .unwrap();
    exchange(&a, &mut b, 1);
    // Both tablets offline; both nurses record visit 1.
    let first = a
        .store
        .record_visit(&visit_1(mother, "Ebe Derya", "10:00"), nurse(), now())
        .unwrap();
    let second = b
        .store
        .record_visit(&visit_1(mother, "Ebe Sevgi", "11:30"), other, now())
        .unwrap();
    exchange(&a, &mut b, 2);
    exchange(&b, &mut a, 2);

    for t in [&mut a, &mut b] {
        let view = t.store.mother_view(mother, now()).unwrap();
        let card = &view.cards[0];
        let shown = card.visit.as_ref().map(|v| v.id).unwrap();
        assert_eq!(card.duplicates.len(), 1, "the other record is shown for review");
        assert!(card.attempts.is_empty(), "a visit made is no failed attempt");
        let mut both = [shown, card.duplicates[0].id];
        both.sort_by_key(|v| v.0);
        let mut expected = [first, second];
        expected.sort_by_key(|v| v.0);
        assert_eq!(both, expected);
        // The window counts once.
        let coverage = t.store.coverage(now().date_naive(), now()).unwrap();
        let v1 = &coverage.team.visits[0];
        assert_eq!(v1.done + v1.done_late, 1, "{coverage:?}");
        assert!(
            t.store
                .today_list(now())
                .unwrap()
                .due
                .iter()
                .all(|e| e.mother_id != mother)
        );
    }
    // Both tablets show the same record as the one that decides.
    let decides = |t: &TempStore| {
        t.store.mother_view(mother, now()).unwrap().cards[0]
            .visit
            .as_ref()
            .unwrap()
            .id
    };
    assert_eq!(decides(&a), decides(&b));

    // Only a visit with a twin may be kept as an extra visit, and a reason is needed.
    let duplicate = a.store.mother_view(mother, now()).unwrap().cards[0].duplicates[0].id;
    let Err(StoreError::Validation(errors)) = a.store.make_visit_extra(duplicate, " ", nurse(), "Ebe Derya", now())
    else {
        panic!("a reason is required");
    };
    assert_eq!(errors.0[0].rule, Rule::Required);
    let kept = a
        .store
        .make_visit_extra(duplicate, "İki kez kaydedildi", nurse(), "Ebe Derya", now())
        .unwrap();
    let Err(StoreError::Validation(errors)) =
        a.store
            .make_visit_extra(decides(&a), "İki kez kaydedildi", nurse(), "Ebe Derya", now())
    else {
        panic!("the last record of the window decides it and stays");
    };
    assert_eq!(errors.0[0].rule, Rule::NotAChoice);
    exchange(&a, &mut b, 3);
    for t in [&mut a, &mut b] {
        let view = t.store.mother_view(mother, now()).unwrap();
        assert!(view.cards[0].duplicates.is_empty());
        assert_eq!(view.extra_visits.len(), 1);
        assert_eq!(view.extra_visits[0].record.id, kept.id);
        assert_eq!(view.extra_visits[0].visit.as_ref().map(|v| v.id), Some(duplicate));
    }
    assert_eq!(a.store.export_state().unwrap(), b.store.export_state().unwrap());
}
