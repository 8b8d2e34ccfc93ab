//! Extra visits on a real store: planned after a doctor's order, on the nurse's Today list until
//! made, recorded with the checklist of the window the mother is in, flagged like any visit, and
//! never counted for a window (her visit 2 stays due, coverage unchanged); they sync.

use crate::common;

use chrono::{Days, NaiveDate};
use common::{TempStore, now, nurse, registration};
use lohusa_core::extra::{ExtraVisitInput, ExtraVisitStatus};
use lohusa_core::schedule::{VisitNumber, VisitStatus};
use lohusa_core::validation::Rule;
use lohusa_core::visit::{VisitInput, VisitOutcome};
use lohusa_store::StoreError;

fn day(offset: i64) -> String {
    let today: NaiveDate = "2026-11-25".parse().unwrap();
    let date = if offset >= 0 {
        today + Days::new(offset as u64)
    } else {
        today - Days::new((-offset) as u64)
    };
    date.format("%d.%m.%Y").to_string()
}

#[test]
fn an_extra_visit_is_planned_listed_recorded_and_never_counts_for_a_window() {
    let mut t = TempStore::new();
    // Born 14 days ago: visit 2 (days 13–17) is due now.
    let m = t
        .store
        .register_mother(&registration("Nour Al Hassan", &day(-14)), nurse(), now())
        .unwrap();

    // A date in the past and no reason: refused, nothing written.
    let bad = ExtraVisitInput {
        mother_id: m,
        due_on: day(-1),
        reason: String::new(),
        review_id: None,
    };
    let Err(StoreError::Validation(errors)) = t.store.schedule_extra_visit(&bad, nurse(), "Dr. Ece", now()) else {
        panic!("refused");
    };
    assert_eq!(
        errors.0.iter().map(|e| (e.field.as_str(), e.rule)).collect::<Vec<_>>(),
        [("due_on", Rule::InThePast), ("reason", Rule::Required)]
    );

    let planned = t
        .store
        .schedule_extra_visit(
            &ExtraVisitInput {
                mother_id: m,
                due_on: day(0),
                reason: "Tansiyon iki gün sonra yeniden ölçülecek".into(),
                review_id: None,
            },
            nurse(),
            "Dr. Ece",
            now(),
        )
        .unwrap();
    let today = t.store.today_list(now()).unwrap();
    let extra = today
        .due
        .iter()
        .find(|e| e.extra_visit.is_some())
        .expect("the extra visit is due today");
    assert_eq!((extra.extra_visit, extra.number.get()), (Some(planned.id), 2));
    assert_eq!(
        extra.reason.as_deref(),
        Some("Tansiyon iki gün sonra yeniden ölçülecek")
    );
    assert!(
        today.due.iter().any(|e| e.extra_visit.is_none() && e.number.get() == 2),
        "visit 2 is due too"
    );

    let view = t.store.mother_view(m, now()).unwrap();
    assert_eq!(view.extra_visits.len(), 1);
    assert_eq!(view.extra_visits[0].status, ExtraVisitStatus::Due);
    assert_eq!(view.extra_visits[0].record.ordered_by, "Dr. Ece");

    // The nurse makes it, with visit 2's checklist; blood pressure 150/95 raises its flag.
    let input = VisitInput {
        mother_id: m,
        number: VisitNumber::new(2).unwrap(),
        outcome: VisitOutcome::Visited,
        visited_on: day(0),
        visited_at: "10:00".into(),
        visited_by: "Ebe Derya".into(),
        note: String::new(),
        answers: [
            ("mother.bp_systolic".to_owned(), "150".to_owned()),
            ("mother.bp_diastolic".to_owned(), "95".to_owned()),
        ]
        .into(),
    };
    let visit = t.store.record_extra_visit(planned.id, &input, nurse(), now()).unwrap();
    // Made once only.
    assert!(t.store.record_extra_visit(planned.id, &input, nurse(), now()).is_err());

    let view = t.store.mother_view(m, now()).unwrap();
    let made = &view.extra_visits[0];
    assert_eq!(made.status, ExtraVisitStatus::Done);
    assert_eq!(made.visit.as_ref().map(|v| v.id), Some(visit));
    assert_eq!(
        made.flags.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        ["hypertension"]
    );
    // Visit 2 itself is still due: the extra visit does not decide its window.
    let card = view.cards.iter().find(|c| c.window.number.get() == 2).unwrap();
    assert_eq!((card.status, card.visit.is_none()), (VisitStatus::Due, true));
    let today = t.store.today_list(now()).unwrap();
    assert!(today.due.iter().all(|e| e.extra_visit.is_none()), "made: off the list");
    assert!(today.due.iter().any(|e| e.number.get() == 2));
    let coverage = t.store.coverage("2026-11-25".parse().unwrap(), now()).unwrap();
    assert_eq!(coverage.team.total.done, 0, "{:#?}", coverage.team);

    // The window's own visit can still be recorded.
    t.store
        .record_visit(
            &VisitInput {
                answers: Default::default(),
                ..input
            },
            nurse(),
            now(),
        )
        .unwrap();

    // Another tablet receives the plan and the visit.
    let mut other = TempStore::new();
    let all = t.store.export_changes().unwrap();
    other.store.apply_pulled(&all, 1, now(), 0).unwrap();
    let there = other.store.mother_view(m, now()).unwrap();
    assert_eq!(there.extra_visits[0].status, ExtraVisitStatus::Done);
    assert_eq!(there.extra_visits[0].flags.len(), 1);
}

#[test]
fn a_sign_off_ordering_an_extra_visit_saves_both_or_neither() {
    use lohusa_core::review::{ReviewInput, ReviewOrder};
    let mut t = TempStore::new();
    let m = t
        .store
        .register_mother(&registration("Sara Demir", &day(-3)), nurse(), now())
        .unwrap();
    let input = VisitInput {
        mother_id: m,
        number: VisitNumber::new(1).unwrap(),
        outcome: VisitOutcome::Visited,
        visited_on: day(0),
        visited_at: "10:00".into(),
        visited_by: "Ebe Derya".into(),
        note: String::new(),
        answers: [("mother.bp_systolic".to_owned(), "165".to_owned())].into(),
    };
    let visit = t.store.record_visit(&input, nurse(), now()).unwrap();
    let mut review = ReviewInput {
        mother_id: m,
        visit_id: visit,
        flags: vec!["severe_hypertension".into()],
        order: ReviewOrder::ExtraVisit,
        note: String::new(),
    };
    let changes = common::count(&t.store, "changes");
    // No reason (the note) and a date in the past: neither the sign-off nor the plan is kept.
    let Err(StoreError::Validation(errors)) =
        t.store
            .record_review_with_extra_visit(&review, &day(-2), nurse(), "Dr. Ece", now())
    else {
        panic!("refused");
    };
    assert_eq!(errors.0.len(), 2, "{errors:?}");
    assert_eq!(common::count(&t.store, "changes"), changes);
    assert!(t.store.reviews_of(m).unwrap().is_empty());

    review.note = "Tansiyonu yarın yeniden ölçün".into();
    let (signed, planned) = t
        .store
        .record_review_with_extra_visit(&review, &day(1), nurse(), "Dr. Ece", now())
        .unwrap();
    assert_eq!(planned.review_id, Some(signed.id));
    let view = t.store.mother_view(m, now()).unwrap();
    assert_eq!(view.extra_visits[0].record.reason, "Tansiyonu yarın yeniden ölçün");
    assert_eq!(view.extra_visits[0].status, ExtraVisitStatus::Upcoming);
}
