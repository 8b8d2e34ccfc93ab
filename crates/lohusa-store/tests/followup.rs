//! The doctor's follow-up list from a real store file: which mothers are on it, in which order,
//! why, and what the filters keep.

use crate::common;

use chrono::{Days, NaiveDate};
use common::{TempStore, now, nurse, registration};
use lohusa_core::MotherId;
use lohusa_core::followup::{FollowUpFilter, FollowUpKind};
use lohusa_core::schedule::VisitNumber;
use lohusa_core::visit::{VisitInput, VisitOutcome};

const TODAY: &str = "2026-11-25";

fn days_ago(days: u64) -> String {
    let today: NaiveDate = TODAY.parse().unwrap();
    (today - Days::new(days)).format("%d.%m.%Y").to_string()
}

fn mother(t: &mut TempStore, name: &str, born_days_ago: u64, neighbourhood: &str) -> MotherId {
    let mut input = registration(name, &days_ago(born_days_ago));
    input.mother.neighbourhood = neighbourhood.into();
    t.store.register_mother(&input, nurse(), now()).unwrap()
}

/// Her rows on the follow-up list as of `now()`: why each is there and for which visit.
fn rows_of(t: &mut TempStore, m: MotherId) -> Vec<(FollowUpKind, u8)> {
    t.store
        .follow_up_list(now(), &FollowUpFilter::default(), 100)
        .unwrap()
        .rows
        .iter()
        .filter(|r| r.mother_id == m)
        .map(|r| (r.kind, r.number.get()))
        .collect()
}

/// The mothers a table of stale marks (`flags_stale`, `schedules_stale`) holds, sorted.
fn marked_stale(t: &TempStore, table: &str) -> Vec<String> {
    let mut rows: Vec<String> = t
        .store
        .connection()
        .prepare(&format!("SELECT mother_id FROM {table}"))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    rows
}

fn visit(
    t: &mut TempStore,
    m: MotherId,
    number: u8,
    days_ago_: u64,
    by: &str,
    outcome: VisitOutcome,
    answers: &[(&str, &str)],
) {
    let input = VisitInput {
        mother_id: m,
        number: VisitNumber::new(number).unwrap(),
        outcome,
        visited_on: days_ago(days_ago_),
        visited_at: "10:00".into(),
        visited_by: by.into(),
        note: String::new(),
        answers: answers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    t.store.record_visit(&input, nurse(), now()).unwrap();
}

#[test]
fn the_list_puts_urgent_flags_first_and_says_why_each_mother_is_on_it() {
    use FollowUpKind::*;
    use VisitOutcome::*;
    let mut t = TempStore::new();
    let urgent = mother(&mut t, "Urgent Hb", 15, "Basmane");
    visit(
        &mut t,
        urgent,
        2,
        1,
        "Ebe Derya",
        Visited,
        &[("mother.hb_done", "yes"), ("mother.hemoglobin", "7,5")],
    );
    let attention = mother(&mut t, "Attention BP", 4, "Kadifekale");
    visit(
        &mut t,
        attention,
        1,
        1,
        "Ebe Sevgi",
        Visited,
        &[("mother.bp_systolic", "145"), ("mother.bp_diastolic", "85")],
    );
    let late = mother(&mut t, "Late One", 7, "Basmane");
    let missed = mother(&mut t, "Missed One", 7, "Basmane");
    visit(&mut t, missed, 1, 4, "Ebe Derya", NotAtHome, &[]);
    let lab = mother(&mut t, "Lab Note", 15, "Tepecik");
    visit(
        &mut t,
        lab,
        2,
        0,
        "Ebe Sevgi",
        Visited,
        &[("mother.hb_done", "yes"), ("mother.hemoglobin", "11,5")],
    );
    let due = mother(&mut t, "Due Now", 3, "Tepecik");
    let soon = mother(&mut t, "Soon Two", 11, "Tepecik");
    visit(
        &mut t,
        soon,
        1,
        8,
        "Ebe Derya",
        Visited,
        &[("mother.bp_systolic", "118")],
    );
    let far = mother(&mut t, "Far Three", 20, "Tepecik");
    visit(&mut t, far, 1, 17, "Ebe Derya", Visited, &[]);
    visit(&mut t, far, 2, 6, "Ebe Derya", Visited, &[]);

    let list = t.store.follow_up_list(now(), &FollowUpFilter::default(), 500).unwrap();
    let got: Vec<(FollowUpKind, MotherId, u8, Option<String>)> = list
        .rows
        .iter()
        .map(|r| {
            (
                r.kind,
                r.mother_id,
                r.number.get(),
                r.flag.as_ref().map(|f| f.english_reasons()),
            )
        })
        .collect();
    // Within a group the longest waiting first, then by name: visit 1 of the Hb mothers (born
    // 15 days ago, never visited in days 2–5) closed before the missed mother's.
    // Far windows are not listed: the attention mother's visit 2 opens in 9 days.
    assert_eq!(
        got,
        [
            (UrgentFlag, urgent, 2, Some("hemoglobin 7.5 < 8".to_owned())),
            (AttentionFlag, attention, 1, Some("bp_systolic 145 ≥ 140".to_owned())),
            (LateVisit, late, 1, None),
            // Visit 1 of the Hb mothers passed unrecorded when visit 2's window opened.
            (MissedVisit, lab, 1, None),
            (MissedVisit, urgent, 1, None),
            (MissedVisit, missed, 1, None),
            (AbnormalLab, lab, 2, Some("hemoglobin 11.5 < 12".to_owned())),
            (DueSoon, due, 1, None),
            (DueSoon, soon, 2, None),
        ],
        "{:#?}",
        list.rows
    );
    assert_eq!(list.today, TODAY.parse::<NaiveDate>().unwrap());
    assert_eq!(list.total, 9);
    assert_eq!(
        list.counts,
        [
            (UrgentFlag, 1),
            (AttentionFlag, 1),
            (LateVisit, 1),
            (MissedVisit, 3),
            (AbnormalLab, 1),
            (DueSoon, 2)
        ]
    );
    // A page shorter than the list keeps the order and still counts everything.
    for limit in [1, 2, 5, 8] {
        let first = t
            .store
            .follow_up_list(now(), &FollowUpFilter::default(), limit)
            .unwrap();
        assert_eq!(first.rows, list.rows[..limit], "first {limit}");
        assert_eq!((first.total, &first.counts), (9, &list.counts), "first {limit}");
    }
    assert_eq!(list.last_sync, None, "never synced: the list says so");
    let _ = far;

    // Without a filter by place, nationality or nurse, these are read only for the rows shown:
    // each row says the same as the list filtered by its place, which reads them for everyone.
    // One mother is assigned to a member this tablet knows by name, one has a nationality.
    let selin = t.store.set_local_member("Ebe Selin", now()).unwrap().id;
    t.store.assign_mothers(&[late], Some(selin), nurse(), now()).unwrap();
    let mut input = registration("Nationality Set", &days_ago(7));
    input.mother.nationality = "Suriye".into();
    input.mother.neighbourhood = "Kadifekale".into();
    t.store.register_mother(&input, nurse(), now()).unwrap();
    let whole = t.store.follow_up_list(now(), &FollowUpFilter::default(), 500).unwrap();
    assert_eq!(whole.total, 10);
    let late_row = whole.rows.iter().find(|r| r.mother_id == late).unwrap();
    assert_eq!(late_row.nurse.as_deref(), Some("Ebe Selin"), "her assigned nurse");
    assert!(
        whole.rows.iter().any(|r| r.nationality.as_deref() == Some("Suriye")),
        "{:#?}",
        whole.rows
    );
    for row in &whole.rows {
        let place = FollowUpFilter {
            neighbourhood: row.neighbourhood.clone(),
            ..Default::default()
        };
        let by_place = t.store.follow_up_list(now(), &place, 500).unwrap();
        assert!(by_place.rows.contains(row), "{row:#?}\nnot in\n{:#?}", by_place.rows);
    }

    // Filters: the nurse who recorded the visit, the neighbourhood, the visit number, dates.
    let mut kinds = |filter: FollowUpFilter| -> Vec<MotherId> {
        t.store
            .follow_up_list(now(), &filter, 500)
            .unwrap()
            .rows
            .iter()
            .map(|r| r.mother_id)
            .collect()
    };
    let by_sevgi = FollowUpFilter {
        nurse: Some("ebe sevgi".into()),
        ..Default::default()
    };
    // Late, missed and due rows carry the nurse who last visited the mother.
    assert_eq!(kinds(by_sevgi), [attention, lab, lab]);
    let basmane = FollowUpFilter {
        neighbourhood: Some("BASMANE".into()),
        ..Default::default()
    };
    assert_eq!(kinds(basmane), [urgent, late, urgent, missed]);
    let visit_two = FollowUpFilter {
        number: VisitNumber::new(2),
        ..Default::default()
    };
    assert_eq!(kinds(visit_two), [urgent, lab, soon]);
    let today_only = FollowUpFilter {
        from: TODAY.parse().ok(),
        to: TODAY.parse().ok(),
        ..Default::default()
    };
    assert_eq!(kinds(today_only), [lab]);

    // The flag goes when the result is corrected; only her missed visit 1 keeps her on the list.
    let visit_id = t.store.visits_of(urgent).unwrap()[0].id;
    t.store
        .record_later_results(
            &lohusa_core::visit::LaterResultsInput {
                visit_id,
                answers: [("mother.hemoglobin".to_owned(), "12,4".to_owned())].into(),
            },
            nurse(),
            now(),
        )
        .unwrap();
    let list = t.store.follow_up_list(now(), &FollowUpFilter::default(), 500).unwrap();
    let hers: Vec<FollowUpKind> = list
        .rows
        .iter()
        .filter(|r| r.mother_id == urgent)
        .map(|r| r.kind)
        .collect();
    assert_eq!(hers, [FollowUpKind::MissedVisit]);
}

#[test]
fn flags_arriving_by_sync_reach_the_list_and_new_rules_recompute_it() {
    let mut a = TempStore::new();
    let m = mother(&mut a, "Synced Flag", 15, "Basmane");
    visit(
        &mut a,
        m,
        2,
        1,
        "Ebe Derya",
        VisitOutcome::Visited,
        &[("mother.hb_done", "yes"), ("mother.hemoglobin", "7,2")],
    );
    let mut b = TempStore::new();
    assert!(
        b.store
            .follow_up_list(now(), &FollowUpFilter::default(), 500)
            .unwrap()
            .rows
            .is_empty()
    );
    b.store
        .apply_pulled(&a.store.export_changes().unwrap(), 1, now(), 0)
        .unwrap();
    let list = b.store.follow_up_list(now(), &FollowUpFilter::default(), 500).unwrap();
    assert_eq!(list.rows[0].kind, FollowUpKind::UrgentFlag);
    assert_eq!(list.rows[0].mother_id, m);

    // Reopening with the same rules recomputes nothing; the cache is simply read.
    let mut b = b.reopen();
    assert_eq!(b.store.refresh_flags(now()).unwrap(), 0);
    // A store whose rules fingerprint differs (as after an update) recomputes every mother,
    // and the list comes back the same.
    b.store
        .connection()
        .execute("UPDATE meta SET value = 'old' WHERE key = 'flag_rules'", [])
        .unwrap();
    let mut b = b.reopen();
    assert_eq!(b.store.refresh_flags(now()).unwrap(), 1);
    assert_eq!(
        b.store.follow_up_list(now(), &FollowUpFilter::default(), 500).unwrap(),
        list
    );

    // A tablet that holds her birth and visit but not her own record yet (it arrives in a later
    // change) still has her flags; new rules recompute them too.
    let mut c = TempStore::new();
    let without_mother: Vec<_> = a
        .store
        .export_changes()
        .unwrap()
        .into_iter()
        .filter(|change| change.entity != lohusa_core::EntityKind::Mother)
        .collect();
    c.store.apply_pulled(&without_mother, 1, now(), 0).unwrap();
    c.store.refresh_flags(now()).unwrap();
    let flags = common::count(&c.store, "visit_flags");
    assert!(flags > 0, "her visit's flags are kept without her record");
    assert_eq!(common::count(&c.store, "mothers"), 0);
    c.store
        .connection()
        .execute("UPDATE meta SET value = 'old' WHERE key = 'flag_rules'", [])
        .unwrap();
    let mut c = c.reopen();
    assert_eq!(
        marked_stale(&c, "flags_stale"),
        [m.to_string()],
        "she is marked with the others"
    );
    assert_eq!(c.store.refresh_flags(now()).unwrap(), 1);
    assert_eq!(common::count(&c.store, "visit_flags"), flags);
}

/// A pulled batch marks each mother whose records it brings stale once, whichever of her
/// records name her, and no one else; the list then shows what the writing tablet shows.
#[test]
fn a_pulled_batch_marks_exactly_the_mothers_it_brings() {
    let mut a = TempStore::new();
    let first = mother(&mut a, "Pulled One", 15, "Basmane");
    let second = mother(&mut a, "Pulled Two", 3, "Kemeraltı");
    visit(
        &mut a,
        first,
        2,
        1,
        "Ebe Derya",
        VisitOutcome::Visited,
        &[("mother.hb_done", "yes"), ("mother.hemoglobin", "7,2")],
    );
    visit(&mut a, second, 1, 1, "Ebe Derya", VisitOutcome::Visited, &[]);
    let mut b = TempStore::new();
    b.store
        .apply_pulled(&a.store.export_changes().unwrap(), 1, now(), 0)
        .unwrap();
    let mut expected = vec![first.to_string(), second.to_string()];
    expected.sort();
    assert_eq!(marked_stale(&b, "flags_stale"), expected);
    assert_eq!(marked_stale(&b, "schedules_stale"), expected);
    assert_eq!(
        b.store.follow_up_list(now(), &FollowUpFilter::default(), 500).unwrap(),
        a.store.follow_up_list(now(), &FollowUpFilter::default(), 500).unwrap()
    );
}

#[test]
fn a_signed_off_flag_leaves_the_list_on_every_tablet_and_a_new_flag_brings_the_mother_back() {
    use lohusa_core::review::{ReviewInput, ReviewOrder};
    let mut nurse_tablet = TempStore::new();
    let m = mother(&mut nurse_tablet, "Signed Off", 15, "Basmane");
    visit(
        &mut nurse_tablet,
        m,
        2,
        1,
        "Ebe Derya",
        VisitOutcome::Visited,
        &[
            ("mother.hb_done", "yes"),
            ("mother.hemoglobin", "7,4"),
            ("mother.ua_done", "yes"),
        ],
    );
    let mut doctor_tablet = TempStore::new();
    doctor_tablet
        .store
        .apply_pulled(&nurse_tablet.store.export_changes().unwrap(), 1, now(), 0)
        .unwrap();
    let flagged = |t: &mut TempStore| -> Vec<String> {
        let list = t.store.follow_up_list(now(), &FollowUpFilter::default(), 100).unwrap();
        list.rows
            .iter()
            .filter_map(|r| r.flag.as_ref().map(|f| f.rule.clone()))
            .collect()
    };
    assert_eq!(flagged(&mut doctor_tablet), ["severe_anaemia"]);

    let visit_id = doctor_tablet.store.visits_of(m).unwrap()[0].id;
    let sign_off = |flags: &[&str]| ReviewInput {
        mother_id: m,
        visit_id,
        flags: flags.iter().map(|s| (*s).to_owned()).collect(),
        order: ReviewOrder::Referral,
        note: "Hastaneye sevk edildi".into(),
    };
    // Only flags the visit raises can be signed off.
    assert!(
        doctor_tablet
            .store
            .record_review(&sign_off(&["fever"]), nurse(), "Dr. Ece", now())
            .is_err()
    );
    let review = doctor_tablet
        .store
        .record_review(&sign_off(&["severe_anaemia"]), nurse(), "Dr. Ece", now())
        .unwrap();
    assert!(flagged(&mut doctor_tablet).is_empty());
    let kept = doctor_tablet.store.mother_view(m, now()).unwrap().reviews;
    assert_eq!(kept, std::slice::from_ref(&review));

    // The sign-off syncs: the nurse's tablet drops the row too.
    let all = doctor_tablet.store.export_changes().unwrap();
    nurse_tablet.store.apply_pulled(&all, 2, now(), 0).unwrap();
    assert!(flagged(&mut nurse_tablet).is_empty());
    assert_eq!(nurse_tablet.store.reviews_of(m).unwrap()[0].reviewed_by, "Dr. Ece");

    // A new flag on the same visit (a urinalysis result) is not signed off: she is back.
    nurse_tablet
        .store
        .record_later_results(
            &lohusa_core::visit::LaterResultsInput {
                visit_id,
                answers: [("mother.ua_nitrite".to_owned(), "positive".to_owned())].into(),
            },
            nurse(),
            now(),
        )
        .unwrap();
    assert_eq!(flagged(&mut nurse_tablet), ["urinary_problem"]);
}

/// A mother with all three visits made is settled: the list stops reading her schedule, and a
/// correction that turns a visit made into a refusal brings her back as missed.
#[test]
fn a_mother_with_every_visit_made_leaves_the_schedule_and_a_correction_brings_her_back() {
    let mut t = TempStore::new();
    let done = mother(&mut t, "Hepsi Yapıldı", 60, "Karşıyaka");
    let mut visit_three = None;
    for (number, day) in [(1, 57), (2, 45), (3, 25)] {
        visit(&mut t, done, number, day, "Ebe Elif", VisitOutcome::Visited, &[]);
    }
    for v in t.store.visits_of(done).unwrap() {
        if v.number.get() == 3 {
            visit_three = Some(v);
        }
    }
    let count = |t: &TempStore| common::count(&t.store, "unsettled_mothers");
    let on_list = |t: &mut TempStore| rows_of(t, done);
    assert_eq!(on_list(&mut t), []);
    assert_eq!(count(&t), 0, "settled once every visit is made");

    let visit_three = visit_three.unwrap();
    let mut form = VisitInput::from_record(&visit_three);
    form.outcome = VisitOutcome::Refused;
    form.answers.clear();
    t.store
        .correct_visit(
            &lohusa_core::visit::VisitCorrectionInput {
                visit_id: visit_three.id,
                form,
                reason: "yanlış kaydedilmiş".into(),
            },
            nurse(),
            now(),
        )
        .unwrap();
    assert_eq!(on_list(&mut t), [(FollowUpKind::MissedVisit, 3)]);
    assert_eq!(count(&t), 1);
}

/// A mother with every visit made keeps the flags no doctor signed off on the list: only her
/// schedule rows leave it (an urgent flag of visit 1, and one raised by visit 3 itself).
#[test]
fn a_settled_mother_keeps_her_unsigned_flags_on_the_list() {
    let mut t = TempStore::new();
    let early = mother(&mut t, "Erken Bayrak", 35, "Bornova");
    visit(
        &mut t,
        early,
        1,
        32,
        "Ebe Elif",
        VisitOutcome::Visited,
        &[("mother.bp_systolic", "165")],
    );
    visit(&mut t, early, 2, 20, "Ebe Elif", VisitOutcome::Visited, &[]);
    visit(&mut t, early, 3, 2, "Ebe Elif", VisitOutcome::Visited, &[]);
    let late = mother(&mut t, "Son Bayrak", 51, "Bornova");
    visit(&mut t, late, 1, 48, "Ebe Elif", VisitOutcome::Visited, &[]);
    visit(&mut t, late, 2, 36, "Ebe Elif", VisitOutcome::Visited, &[]);
    visit(
        &mut t,
        late,
        3,
        10,
        "Ebe Elif",
        VisitOutcome::Visited,
        &[("mother.bp_systolic", "170")],
    );
    assert_eq!(common::count(&t.store, "unsettled_mothers"), 0, "both are settled");
    let list = t.store.follow_up_list(now(), &FollowUpFilter::default(), 100).unwrap();
    let rows: Vec<_> = list
        .rows
        .iter()
        .map(|r| (r.full_name.as_str(), r.kind, r.number.get()))
        .collect();
    assert!(
        rows.contains(&("Erken Bayrak", FollowUpKind::UrgentFlag, 1)),
        "{rows:?}"
    );
    assert!(rows.contains(&("Son Bayrak", FollowUpKind::UrgentFlag, 3)), "{rows:?}");
    assert!(
        rows.iter().all(|(_, kind, _)| *kind == FollowUpKind::UrgentFlag),
        "no schedule row for a mother with every visit made: {rows:?}"
    );
}

/// The list reads each mother's schedule from the flag cache; a corrected birth date or a visit
/// recorded since the last read moves her rows at once.
#[test]
fn the_list_follows_a_corrected_birth_date_and_a_new_visit() {
    use FollowUpKind::*;
    let mut t = TempStore::new();
    let m = mother(&mut t, "Düzeltilen Doğum", 9, "Buca");
    let rows = |t: &mut TempStore| rows_of(t, m);
    assert_eq!(rows(&mut t), [(LateVisit, 1)], "day 9: visit 1 closed on day 5");

    // The birth was two days ago, not nine: visit 1 is due now.
    let mut form = t.store.registration_form(m).unwrap();
    form.input.birth.birth_date = days_ago(2);
    assert_eq!(t.store.correct_registration(m, &form.input, nurse(), now()).unwrap(), 1);
    assert_eq!(rows(&mut t), [(DueSoon, 1)]);

    // Visit 1 made: nothing for her until visit 2 comes near.
    visit(&mut t, m, 1, 0, "Ebe Elif", VisitOutcome::Visited, &[]);
    assert_eq!(rows(&mut t), []);

    // A deleted mother leaves the list.
    let other = mother(&mut t, "Silinen Kayıt", 9, "Buca");
    assert!(!rows_of(&mut t, other).is_empty());
    t.store.delete_mother(other, nurse(), now()).unwrap();
    assert_eq!(rows_of(&mut t, other), []);
}

/// A baby moved into another mother's birth, given a flag there, then moved back: the mother
/// of the birth it leaves loses the flag, although the baby's own row still names the first
/// mother throughout.
#[test]
fn a_baby_moved_out_of_a_birth_leaves_that_birth_s_mother_s_list() {
    use FollowUpKind::*;
    let mut t = TempStore::new();
    let ayse = mother(&mut t, "Ayşe Taşınan", 5, "Buca");
    let fatma = mother(&mut t, "Fatma İkiz", 3, "Buca");
    let to_ayse = t.store.birth_of(ayse).unwrap().id;
    let back = t.store.birth_of(fatma).unwrap().id;
    let baby = t.store.babies_of(back).unwrap()[0].id;
    let move_to = |t: &mut TempStore, birth: lohusa_core::ids::BirthId| {
        let write = lohusa_core::change::EntityWrite {
            entity: lohusa_core::EntityKind::Baby,
            entity_id: baby.0,
            fields: [("birth_id".to_owned(), serde_json::json!(birth.to_string()))].into(),
            also_replaces: Default::default(),
        };
        t.store.write(&[write], nurse(), now()).unwrap();
    };
    move_to(&mut t, to_ayse);
    let weight = format!("baby.{baby}.weight_g");
    visit(
        &mut t,
        ayse,
        1,
        1,
        "Ebe Derya",
        VisitOutcome::Visited,
        &[(weight.as_str(), "1900")],
    );
    let flagged = rows_of(&mut t, ayse);
    assert!(
        flagged.contains(&(AttentionFlag, 1)) || flagged.contains(&(UrgentFlag, 1)),
        "{flagged:?}"
    );
    move_to(&mut t, back);
    let left = rows_of(&mut t, ayse);
    assert!(
        !left.iter().any(|(kind, _)| matches!(kind, AttentionFlag | UrgentFlag)),
        "{left:?}"
    );
    assert_eq!(
        t.store.follow_up_list(now(), &FollowUpFilter::default(), 500).unwrap(),
        t.store
            .follow_up_list_recomputed(now(), &FollowUpFilter::default(), 500)
            .unwrap()
    );
}

/// A visit or a birth moved to another mother (a raw write, or one received from a device that
/// made it) leaves the first mother's rows as well as reaching the second's.
#[test]
fn a_record_moved_to_another_mother_leaves_the_first_one_s_list() {
    use FollowUpKind::*;
    let mut t = TempStore::new();
    let first = mother(&mut t, "İlk Anne", 10, "Buca");
    let second = mother(&mut t, "İkinci Anne", 3, "Buca");
    visit(
        &mut t,
        first,
        1,
        7,
        "Ebe Elif",
        VisitOutcome::Visited,
        &[("mother.bp_systolic", "165")],
    );
    let rows = rows_of;
    assert_eq!(rows(&mut t, first), [(UrgentFlag, 1), (DueSoon, 2)]);
    assert_eq!(rows(&mut t, second), [(DueSoon, 1)]);
    // Another tablet holds the same, and has read its list.
    let mut other = TempStore::new();
    other
        .store
        .apply_pulled(&t.store.export_changes().unwrap(), 1, now(), 0)
        .unwrap();
    assert_eq!(rows(&mut other, first), rows(&mut t, first));

    let moved = t.store.visits_of(first).unwrap()[0].id;
    let write = |entity: lohusa_core::EntityKind, id: uuid::Uuid, to: MotherId| lohusa_core::change::EntityWrite {
        entity,
        entity_id: id,
        fields: [("mother_id".to_owned(), serde_json::json!(to.to_string()))].into(),
        also_replaces: Default::default(),
    };
    t.store
        .write(
            &[write(lohusa_core::EntityKind::Visit, moved.0, second)],
            nurse(),
            now(),
        )
        .unwrap();
    assert_eq!(
        rows(&mut t, first),
        [(LateVisit, 1), (DueSoon, 2)],
        "her visit 1 is gone"
    );
    assert_eq!(
        rows(&mut t, second),
        [(UrgentFlag, 1)],
        "the flag and the visit came with it"
    );
    // The other tablet receives the move and follows.
    other
        .store
        .apply_pulled(&t.store.export_changes().unwrap(), 2, now(), 0)
        .unwrap();
    for m in [first, second] {
        assert_eq!(rows(&mut other, m), rows(&mut t, m), "received");
    }

    // Her birth moved too: the first mother has no schedule left.
    let birth = t.store.birth_of(first).unwrap().id;
    t.store
        .write(
            &[write(lohusa_core::EntityKind::Birth, birth.0, second)],
            nurse(),
            now(),
        )
        .unwrap();
    assert_eq!(rows(&mut t, first), []);
}

/// A baby moved to another birth (its mother left as she was) marks the mother of that birth
/// stale too: her flags read her births' babies.
#[test]
fn a_baby_moved_to_another_birth_marks_both_mothers() {
    let mut t = TempStore::new();
    let first = mother(&mut t, "Bebeği Giden", 10, "Buca");
    let second = mother(&mut t, "Bebeği Gelen", 10, "Buca");
    t.store.follow_up_list(now(), &FollowUpFilter::default(), 100).unwrap();
    assert_eq!(common::count(&t.store, "flags_stale"), 0, "the list refreshed everyone");

    let baby = t.store.babies_of(t.store.birth_of(first).unwrap().id).unwrap()[0].id;
    let to = t.store.birth_of(second).unwrap().id;
    let write = lohusa_core::change::EntityWrite {
        entity: lohusa_core::EntityKind::Baby,
        entity_id: baby.0,
        fields: [("birth_id".to_owned(), serde_json::json!(to.to_string()))].into(),
        also_replaces: Default::default(),
    };
    t.store.write(&[write], nurse(), now()).unwrap();
    let mut expected = vec![first.to_string(), second.to_string()];
    expected.sort();
    assert_eq!(marked_stale(&t, "flags_stale"), expected);
    assert_eq!(
        t.store.babies_of(to).unwrap().len(),
        2,
        "her births' babies include the one moved"
    );
}

/// The list is kept row by row between reads; on every day, after every kind of write, and
/// with the clock put back or far ahead, it equals the list the core computes afresh from the
/// same records, page and counts, filtered or not.
#[test]
fn the_kept_list_equals_the_list_computed_afresh_on_every_day_and_after_every_write() {
    use VisitOutcome::*;
    use chrono::{DateTime, Duration, Utc};
    use lohusa_core::case::{CloseCaseInput, CloseReason};
    use lohusa_core::review::{ReviewInput, ReviewOrder};

    let mut t = TempStore::new();
    let places = ["Basmane", "Tepecik", "Kadifekale"];
    // Mothers born on every third day over ten weeks; names repeat, so ties are broken by id.
    let mothers: Vec<MotherId> = (0..24)
        .map(|i| mother(&mut t, &format!("Anne {}", i % 7), i * 3, places[i as usize % 3]))
        .collect();
    let mut input = registration("Anne Suriye", &days_ago(9));
    input.mother.nationality = "Suriye".into();
    let syrian = t.store.register_mother(&input, nurse(), now()).unwrap();
    let hb = [("mother.hb_done", "yes"), ("mother.hemoglobin", "7,5")];
    let bp = [("mother.bp_systolic", "145"), ("mother.bp_diastolic", "85")];
    visit(&mut t, mothers[1], 1, 0, "Ebe Derya", Visited, &bp);
    visit(&mut t, mothers[2], 1, 3, "Ebe Derya", NotAtHome, &[]);
    visit(&mut t, mothers[5], 2, 1, "Ebe Sevgi", Visited, &hb);
    visit(&mut t, mothers[6], 1, 15, "Ebe Sevgi", Refused, &[]);
    visit(&mut t, mothers[7], 1, 18, "Ebe Derya", Visited, &[]);
    visit(&mut t, mothers[7], 2, 6, "Ebe Derya", Visited, &bp);
    visit(&mut t, syrian, 1, 6, "Ebe Sevgi", Visited, &bp);
    let low = [("mother.hb_done", "yes"), ("mother.hemoglobin", "11,5")];
    visit(&mut t, mothers[8], 2, 9, "Ebe Sevgi", Visited, &low);

    let filters = [
        FollowUpFilter::default(),
        FollowUpFilter {
            nurse: Some("EBE DERYA".into()),
            ..Default::default()
        },
        FollowUpFilter {
            nurse: Some("ebe selin kaya".into()),
            ..Default::default()
        },
        FollowUpFilter {
            neighbourhood: Some("tepecik".into()),
            number: VisitNumber::new(2),
            ..Default::default()
        },
        FollowUpFilter {
            nationality: Some("suriye".into()),
            ..Default::default()
        },
        FollowUpFilter {
            from: TODAY.parse().ok(),
            to: Some(TODAY.parse::<NaiveDate>().unwrap() + Days::new(10)),
            ..Default::default()
        },
    ];
    let mut seen = std::collections::BTreeSet::new();
    let mut check = |t: &mut TempStore, when: DateTime<Utc>, what: &str| {
        for filter in &filters {
            for limit in [3, 10_000] {
                let kept = t.store.follow_up_list(when, filter, limit).unwrap();
                let afresh = t.store.follow_up_list_recomputed(when, filter, limit).unwrap();
                assert_eq!(kept, afresh, "{what}, {when}, {filter:?}, first {limit}");
                seen.extend(kept.rows.iter().map(|r| r.kind));
            }
        }
    };
    let at = |days: i64| now() + Duration::days(days);
    let derya = t.store.set_local_member("Ebe Selin", now()).unwrap().id;
    for day in -10..70 {
        let when = at(day);
        check(&mut t, when, &format!("day {day}"));
        match day {
            0 => visit(&mut t, mothers[6], 2, 2, "Ebe Derya", Visited, &hb),
            2 => {
                let visit_id = t.store.visits_of(mothers[5]).unwrap()[0].id;
                let review = ReviewInput {
                    mother_id: mothers[5],
                    visit_id,
                    flags: vec!["severe_anaemia".into()],
                    order: ReviewOrder::Referral,
                    note: String::new(),
                };
                t.store.record_review(&review, derya, "Dr. Ece", now()).unwrap();
            }
            4 => {
                let close = CloseCaseInput {
                    closed_on: TODAY.into(),
                    reason: Some(CloseReason::MovedAway),
                };
                t.store.close_case(mothers[1], &close, derya, now()).unwrap();
            }
            6 => {
                t.store
                    .assign_mothers(&mothers[8..12], Some(derya), derya, now())
                    .unwrap();
            }
            8 => {
                // The member is renamed: the rows naming her as the assigned nurse say so.
                t.store.set_local_member("Ebe Selin Kaya", now()).unwrap();
            }
            10 => assert!(t.store.reopen_case(mothers[1], derya, now()).unwrap()),
            12 => t.store.delete_mother(mothers[9], derya, now()).unwrap(),
            _ => {
                if day > 12 {
                    check(&mut t, when, &format!("again on day {day}"));
                }
                continue;
            }
        };
        check(&mut t, when, &format!("after the write of day {day}"));
    }
    // The clock put back, then far ahead, then back again; and the file opened anew.
    for day in [-3, 400, 1, 1, 35] {
        check(&mut t, at(day), &format!("clock at day {day}"));
    }
    let mut t = t.reopen();
    check(&mut t, at(36), "reopened");
    assert_eq!(seen.len(), FollowUpKind::ALL.len(), "every group was checked: {seen:?}");
}

/// Two processes on one file (the app and the command line) whose clocks say different days
/// each read their own day's list, however their reads alternate.
#[test]
fn two_handles_on_one_file_reading_different_days_each_get_their_days_list() {
    use chrono::Duration;
    let mut t = TempStore::new();
    for i in 0..12 {
        mother(&mut t, &format!("Anne {i}"), i * 4, "Basmane");
    }
    let mut other = lohusa_store::Store::open(t.store.path()).unwrap();
    let filter = FollowUpFilter::default();
    for (i, days) in [0, 6, 0, 6, 30, -2, 30].into_iter().enumerate() {
        let when = now() + Duration::days(days);
        let store = if i % 2 == 0 { &mut t.store } else { &mut other };
        let kept = store.follow_up_list(when, &filter, 500).unwrap();
        assert_eq!(
            kept,
            store.follow_up_list_recomputed(when, &filter, 500).unwrap(),
            "day {days}"
        );
        assert!(kept.total > 0);
    }
}

/// Rows kept by a build with other rules (another order of groups, other windows or folding)
/// are not served: the first read of a new build rebuilds them all.
#[test]
fn rows_kept_by_other_rules_are_rebuilt_before_they_are_read() {
    let mut t = TempStore::new();
    for i in 0..12 {
        mother(&mut t, &format!("Anne {i}"), i * 4, "Basmane");
    }
    let filter = FollowUpFilter::default();
    let right = t.store.follow_up_list(now(), &filter, 500).unwrap();
    assert!(right.total > 0);
    // What an older build would have left: every row in another group, its rules recorded.
    t.store
        .connection()
        .execute_batch(
            "UPDATE follow_up_rows SET kind = 0, nurse_key = 'x';
             UPDATE meta SET value = '0000000000000000' WHERE key = 'follow_up_rules';",
        )
        .unwrap();
    assert_eq!(t.store.follow_up_list(now(), &filter, 500).unwrap(), right);
}
