//! A seeded team of 300 mothers at every day from 0 to 62 after birth, in five situations, on a
//! real store file: the follow-up list must hold exactly the rows a table of visit windows says,
//! in the list's order, and the coverage table must count every window of the month once.

use crate::common;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use common::{TempStore, now, nurse, registration};
use lohusa_core::MotherId;
use lohusa_core::followup::{FollowUpFilter, FollowUpKind};
use lohusa_core::review::{ReviewInput, ReviewOrder};
use lohusa_core::schedule::VisitNumber;
use lohusa_core::visit::{VisitInput, VisitOutcome};

const TODAY: &str = "2026-11-25";

fn today() -> NaiveDate {
    TODAY.parse().unwrap()
}

/// What happened at visit 1 (on day 3 after birth, when that day has come).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Situation {
    NothingRecorded,
    Visited,
    VisitedWithSevereHypertension,
    SevereHypertensionSignedOff,
    Refused,
}

use FollowUpKind::*;
use Situation::*;

/// The rows a mother must have for her visits 1–3 with nothing recorded, `days` after birth:
/// windows are days 2–5, 13–17 and 30–42; a window closed with nothing recorded is late until
/// the next one opens, then missed (visit 3, with no next window, is missed from day 43); one
/// open now, or opening within three days, is coming due.
fn schedule_rows(days: u64) -> Vec<(FollowUpKind, u8)> {
    let mut rows = Vec::new();
    for (number, opens, closes, missed_from) in [(1, 2, 5, 13), (2, 13, 17, 30), (3, 30, 42, 43)] {
        if days >= missed_from {
            rows.push((MissedVisit, number));
        } else if days > closes {
            rows.push((LateVisit, number));
        } else if days + 3 >= opens {
            rows.push((DueSoon, number));
        }
    }
    rows
}

/// The table: every row a mother in `situation`, `days` after birth, puts on the list.
fn expected(situation: Situation, days: u64) -> Vec<(FollowUpKind, u8)> {
    let mut rows = schedule_rows(days);
    if situation == NothingRecorded {
        return rows;
    }
    // Visit 1 is decided: no late or due row for it.
    rows.retain(|(_, number)| *number != 1);
    match situation {
        VisitedWithSevereHypertension => rows.push((UrgentFlag, 1)),
        Refused => rows.push((MissedVisit, 1)),
        _ => {}
    }
    rows
}

/// The date a row sorts by: the visit's date for a flag, the window's last day for a late or
/// missed visit, its first day (or last, when already open) for one coming due.
fn row_date(birth: NaiveDate, kind: FollowUpKind, number: u8) -> NaiveDate {
    let (opens, closes) = [(2, 5), (13, 17), (30, 42)][usize::from(number - 1)];
    let day = |n: u64| birth + Days::new(n);
    match kind {
        UrgentFlag => day(3),
        LateVisit | MissedVisit => day(closes),
        DueSoon if day(opens) > today() => day(opens),
        _ => day(closes),
    }
}

struct Seeded {
    t: TempStore,
    /// Mother → (situation, days after birth, name).
    mothers: BTreeMap<MotherId, (Situation, u64, String)>,
}

fn seed() -> Seeded {
    let mut t = TempStore::new();
    let registrar = t.store.set_local_member("Ebe Derya", now()).unwrap().id;
    let mut mothers = BTreeMap::new();
    let situations = [
        NothingRecorded,
        Visited,
        VisitedWithSevereHypertension,
        SevereHypertensionSignedOff,
        Refused,
    ];
    for (s, situation) in situations.into_iter().enumerate() {
        // Situations with a visit on day 3 start on day 3.
        let first = if situation == NothingRecorded { 0 } else { 3 };
        for days in first..first + 60 {
            let birth = today() - Days::new(days);
            let name = format!("Anne {s}-{days:02}");
            let id = t
                .store
                .register_mother(
                    &registration(&name, &birth.format("%d.%m.%Y").to_string()),
                    registrar,
                    now(),
                )
                .unwrap();
            mothers.insert(id, (situation, days, name));
            if situation == NothingRecorded {
                continue;
            }
            let (outcome, answers, by) = match situation {
                Visited => (VisitOutcome::Visited, vec![("mother.bp_systolic", "118")], "Ebe Ayşe"),
                Refused => (VisitOutcome::Refused, vec![], "Ebe Zehra"),
                _ => (
                    VisitOutcome::Visited,
                    vec![("mother.bp_systolic", "165"), ("mother.bp_diastolic", "100")],
                    "Ebe Elif",
                ),
            };
            let input = VisitInput {
                mother_id: id,
                number: VisitNumber::new(1).unwrap(),
                outcome,
                visited_on: (birth + Days::new(3)).format("%d.%m.%Y").to_string(),
                visited_at: "10:00".into(),
                visited_by: by.into(),
                note: String::new(),
                answers: answers
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            };
            let visit = t.store.record_visit(&input, nurse(), now()).unwrap();
            if situation == SevereHypertensionSignedOff {
                let review = ReviewInput {
                    mother_id: id,
                    visit_id: visit,
                    flags: vec!["severe_hypertension".into()],
                    order: ReviewOrder::Referral,
                    note: "Sevk edildi".into(),
                };
                t.store.record_review(&review, nurse(), "Dr. Ece", now()).unwrap();
            }
        }
    }
    Seeded { t, mothers }
}

#[test]
fn every_mother_is_on_the_follow_up_list_exactly_as_her_windows_say_in_order() {
    let mut seeded = seed();
    assert_eq!(seeded.mothers.len(), 300);
    let mut want: Vec<(FollowUpKind, NaiveDate, String, u8)> = Vec::new();
    for (situation, days, name) in seeded.mothers.values() {
        let birth = today() - Days::new(*days);
        for (kind, number) in expected(*situation, *days) {
            want.push((kind, row_date(birth, kind, number), name.clone(), number));
        }
    }
    // The list's order: urgent, attention, late, missed, lab, due; within a kind the longest
    // waiting (earliest date) first, then by name.
    want.sort();
    let list = seeded
        .t
        .store
        .follow_up_list(now(), &FollowUpFilter::default(), 10_000)
        .unwrap();
    let got: Vec<(FollowUpKind, NaiveDate, String, u8)> = list
        .rows
        .iter()
        .map(|r| (r.kind, r.date, r.full_name.clone(), r.number.get()))
        .collect();
    if got != want {
        let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
        let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
        panic!(
            "the list differs from the table\nmissing: {missing:#?}\nnot expected: {extra:#?}\n(or the order differs)"
        );
    }
    assert_eq!(list.total, want.len());
    // Spot checks of the table against the clinical windows.
    assert!(want.contains(&(DueSoon, today() + Days::new(2), "Anne 0-00".into(), 1)));
    assert!(want.contains(&(LateVisit, today() - Days::new(1), "Anne 0-06".into(), 1)));
    assert!(want.contains(&(UrgentFlag, today() - Days::new(59), "Anne 2-62".into(), 1)));
    assert!(
        !got.iter()
            .any(|(kind, _, name, _)| *kind == UrgentFlag && name.starts_with("Anne 3-")),
        "a signed-off flag leaves the list"
    );
    // Every urgent row says why.
    for row in list.rows.iter().filter(|r| r.kind == UrgentFlag) {
        let flag = row.flag.as_ref().expect("a flag row carries its flag");
        assert_eq!(flag.rule, "severe_hypertension");
        assert_eq!(flag.english_reasons(), "bp_systolic 165 ≥ 160");
    }
    // Filtered by nurse: a schedule row is the nurse's a mother is assigned to (Derya, who
    // registered them all), not the one who went last: Zehra recorded the refusals, yet none of
    // those mothers is hers.
    let mut by = |name: &str| {
        let filter = FollowUpFilter {
            nurse: Some(name.into()),
            ..Default::default()
        };
        seeded
            .t
            .store
            .follow_up_list(now(), &filter, 10_000)
            .unwrap()
            .rows
            .len()
    };
    assert_eq!(by("ebe zehra"), 0);
    // A flag row is the nurse's who saw it: Elif's urgent flags, every other row Derya's.
    let urgent = want.iter().filter(|w| w.0 == UrgentFlag).count();
    assert_eq!(by("ebe elif"), urgent);
    assert_eq!(by("ebe derya"), want.len() - urgent);
}

#[test]
fn the_coverage_table_counts_every_window_of_the_month_once_for_its_nurse() {
    let mut seeded = seed();
    let table = seeded.t.store.coverage(today(), now()).unwrap();
    let (from, to) = (
        "2026-11-01".parse::<NaiveDate>().unwrap(),
        "2026-11-30".parse::<NaiveDate>().unwrap(),
    );
    assert_eq!((table.from, table.to), (from, to));
    // Every (mother, window) that opens in November, counted from the seed alone.
    let mut windows = 0;
    let mut visit_one_decided = BTreeMap::<Situation, u32>::new();
    for (situation, days, _) in seeded.mothers.values() {
        let birth = today() - Days::new(*days);
        for (number, opens) in [(1, 2), (2, 13), (3, 30)] {
            let opening = birth + Days::new(opens);
            if opening >= from && opening <= to {
                windows += 1;
                if number == 1 {
                    *visit_one_decided.entry(*situation).or_default() += 1;
                }
            }
        }
    }
    assert_eq!(table.team.total.total(), windows);
    let row = |name: &str| {
        table
            .rows
            .iter()
            .find(|r| r.nurse.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("{name} has a row: {:#?}", table.rows))
    };
    // Visit 1 on day 3 is always inside its window: done, for the nurse who made it.
    assert_eq!(row("Ebe Ayşe").visits[0].done, visit_one_decided[&Visited]);
    assert_eq!(
        row("Ebe Elif").visits[0].done,
        visit_one_decided[&VisitedWithSevereHypertension] + visit_one_decided[&SevereHypertensionSignedOff]
    );
    assert_eq!(row("Ebe Zehra").visits[0].missed, visit_one_decided[&Refused]);
    // Mothers never visited were registered on this device by its member, who answers for them.
    assert!(table.rows.iter().all(|r| r.nurse.is_some()), "{:#?}", table.rows);
    assert!(row("Ebe Derya").mothers_without_visit > 0);
    let without_visit: u32 = table.rows.iter().map(|r| r.mothers_without_visit).sum();
    assert_eq!(without_visit, table.team.mothers_without_visit);
    assert!(table.team.mothers_without_visit > 0);
    // The team row adds up the nurses.
    let done: u32 = table.rows.iter().map(|r| r.total.done).sum();
    assert_eq!(done, table.team.total.done);
}

#[test]
fn a_nurse_whose_name_holds_commas_and_spaces_keeps_her_visits() {
    // The schedule cache packs each visit with who recorded it; a name is free text.
    let mut t = TempStore::new();
    t.store.set_local_member("Ebe Derya", now()).unwrap();
    let birth = today() - Days::new(5);
    let mother = t
        .store
        .register_mother(
            &registration("Anne Virgül", &birth.format("%d.%m.%Y").to_string()),
            nurse(),
            now(),
        )
        .unwrap();
    let odd = "Kaya, Ebe  Ayşe 1 visited 2026-11-20";
    for (number, day, outcome) in [(1, 3, VisitOutcome::Visited), (2, 5, VisitOutcome::NotAtHome)] {
        let input = VisitInput {
            mother_id: mother,
            number: VisitNumber::new(number).unwrap(),
            outcome,
            visited_on: (birth + Days::new(day)).format("%d.%m.%Y").to_string(),
            visited_at: "10:00".into(),
            visited_by: odd.into(),
            note: String::new(),
            answers: Default::default(),
        };
        t.store.record_visit(&input, nurse(), now()).unwrap();
    }
    let table = t.store.coverage(today(), now()).unwrap();
    let row = table
        .rows
        .iter()
        .find(|r| r.nurse.as_deref() == Some(odd))
        .unwrap_or_else(|| panic!("{:#?}", table.rows));
    assert_eq!(row.visits[0].done, 1, "{row:#?}");
    assert_eq!(table.rows.len(), 1, "{:#?}", table.rows);
    // The lists read the same packed visits: visit 1 is made, so Today shows no visit 1 of hers.
    let list = t.store.today_list(now()).unwrap();
    let hers: Vec<u8> = [list.late, list.due, list.upcoming]
        .concat()
        .iter()
        .filter(|e| e.mother_id == mother)
        .map(|e| e.number.get())
        .collect();
    assert!(!hers.contains(&1), "{hers:?}");
    let follow_up = t.store.follow_up_list(now(), &FollowUpFilter::default(), 50).unwrap();
    assert!(
        follow_up
            .rows
            .iter()
            .all(|r| r.mother_id != mother || r.number.get() != 1),
        "{:#?}",
        follow_up.rows
    );
}
