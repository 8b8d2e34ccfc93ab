//! Whose mother she is and the life of her case, on real store files: a mother is her registering
//! nurse's, is reassigned one at a time or by neighbourhood (and the reassignment reaches the
//! other tablet), a nurse's Today list holds her own and the unassigned mothers, and a closed case
//! leaves Today and the follow-up list but not coverage, until it is reopened.

use crate::common;

use chrono::Duration;
use common::{TempStore, now, registration};
use lohusa_core::case::{CloseCaseInput, CloseReason};
use lohusa_core::{Change, EntityKind, MemberId, MotherId, Rule};
use lohusa_store::StoreError;

fn exchange(from: &TempStore, to: &mut TempStore) {
    let changes: Vec<Change> = from.store.export_changes().unwrap();
    to.store.apply_pulled(&changes, 1, now(), 0).unwrap();
}

fn names_on(t: &mut TempStore, member: Option<MemberId>) -> Vec<String> {
    let list = t.store.today_list_for(now(), member).unwrap();
    let mut names: Vec<String> = [list.late, list.due, list.upcoming]
        .concat()
        .into_iter()
        .map(|e| e.full_name)
        .collect();
    names.sort();
    names.dedup();
    names
}

struct Team {
    a: TempStore,
    b: TempStore,
    derya: MemberId,
    sevgi: MemberId,
}

/// Two tablets, Derya's and Sevgi's, each registering mothers, synced with each other.
fn team() -> Team {
    let mut a = TempStore::new();
    let mut b = TempStore::new();
    let derya = a.store.set_local_member("Ebe Derya", now()).unwrap().id;
    let sevgi = b.store.set_local_member("Ebe Sevgi", now()).unwrap().id;
    let mut basmane = registration("Ayşe Basmane", "2026-11-22");
    basmane.mother.neighbourhood = "Basmane".into();
    a.store.register_mother(&basmane, derya, now()).unwrap();
    let mut other = registration("Fatma Kemeraltı", "2026-11-21");
    other.mother.neighbourhood = "BASMANE".into();
    a.store.register_mother(&other, derya, now()).unwrap();
    let mut tepecik = registration("Leyla Tepecik", "2026-11-22");
    tepecik.mother.neighbourhood = "Tepecik".into();
    b.store.register_mother(&tepecik, sevgi, now()).unwrap();
    exchange(&a, &mut b);
    exchange(&b, &mut a);
    Team { a, b, derya, sevgi }
}

fn mother(t: &TempStore, name: &str) -> MotherId {
    t.store
        .search_mothers(name, now(), 5)
        .unwrap()
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{name} is on this device"))
        .id
}

#[test]
fn a_nurse_sees_her_own_mothers_and_a_reassignment_moves_one_after_sync() {
    let Team {
        mut a,
        mut b,
        derya,
        sevgi,
    } = team();
    assert_eq!(names_on(&mut a, Some(derya)), ["Ayşe Basmane", "Fatma Kemeraltı"]);
    assert_eq!(names_on(&mut b, Some(sevgi)), ["Leyla Tepecik"]);
    assert_eq!(names_on(&mut b, None).len(), 3, "the whole team, one tap away");
    let ayse = mother(&a, "Ayşe");
    assert_eq!(
        a.store.case_of(ayse).unwrap().assigned_name.as_deref(),
        Some("Ebe Derya")
    );

    // Derya is away: the team lead (here on Derya's tablet) gives Ayşe to Sevgi.
    assert_eq!(
        a.store
            .assign_mothers(&[ayse], Some(sevgi), derya, now() + Duration::minutes(1))
            .unwrap(),
        1
    );
    assert_eq!(
        a.store.assign_mothers(&[ayse], Some(sevgi), derya, now()).unwrap(),
        0,
        "already hers"
    );
    exchange(&a, &mut b);
    assert_eq!(names_on(&mut b, Some(sevgi)), ["Ayşe Basmane", "Leyla Tepecik"]);
    assert_eq!(names_on(&mut a, Some(derya)), ["Fatma Kemeraltı"]);
    let history = b.store.history(EntityKind::Mother, ayse.0).unwrap();
    let assignments: Vec<_> = history.iter().filter(|c| c.field == "assigned_to").collect();
    assert_eq!(assignments.len(), 2, "registered as Derya's, then given to Sevgi");

    // A whole neighbourhood, however it is spelt, at once.
    let basmane = a.store.open_cases_in("basmane").unwrap();
    assert_eq!(basmane.len(), 2);
    assert_eq!(
        a.store
            .assign_mothers(&basmane, Some(derya), derya, now() + Duration::minutes(2))
            .unwrap(),
        1
    );
    // Nobody: she is on every nurse's list until someone takes her.
    let leyla = mother(&a, "Leyla");
    a.store
        .assign_mothers(&[leyla], None, derya, now() + Duration::minutes(3))
        .unwrap();
    assert!(names_on(&mut a, Some(derya)).contains(&"Leyla Tepecik".to_owned()));
    // A member this device does not know is refused.
    let stranger = MemberId(uuid::Uuid::from_u128(7));
    assert!(matches!(
        a.store.assign_mothers(&[leyla], Some(stranger), derya, now()),
        Err(StoreError::NotFound { entity: "member", .. })
    ));
}

#[test]
fn a_closed_case_leaves_the_lists_but_not_coverage_until_reopened() {
    let Team { mut a, derya, .. } = team();
    let ayse = mother(&a, "Ayşe");
    let close = |closed_on: &str, reason| CloseCaseInput {
        closed_on: closed_on.into(),
        reason,
    };
    let refused = a.store.close_case(ayse, &close("", None), derya, now()).unwrap_err();
    match refused {
        StoreError::Validation(errors) => assert_eq!(
            errors.0.iter().map(|e| (e.field.as_str(), e.rule)).collect::<Vec<_>>(),
            [("closed_on", Rule::Required), ("closed_reason", Rule::Required)]
        ),
        other => panic!("{other}"),
    }
    let coverage_before = a.store.coverage(now().date_naive(), now()).unwrap().team.total.total();
    a.store
        .close_case(ayse, &close("25.11.2026", Some(CloseReason::MovedAway)), derya, now())
        .unwrap();
    assert!(!names_on(&mut a, None).contains(&"Ayşe Basmane".to_owned()));
    let follow_up = a.store.follow_up_list(now(), &Default::default(), 100).unwrap();
    assert!(follow_up.rows.iter().all(|r| r.mother_id != ayse));
    let case = a.store.case_of(ayse).unwrap();
    assert_eq!(case.closed_reason, Some(CloseReason::MovedAway));
    // Her visit 1 window (24–27 Nov) was open on the day she left: not counted as missed.
    let coverage_after = a.store.coverage(now().date_naive(), now()).unwrap().team.total.total();
    assert_eq!(coverage_after, coverage_before - 1);
    // Still in search and on her own screen, with the reason.
    assert_eq!(
        a.store.mother_view(ayse, now()).unwrap().case.closed_reason,
        Some(CloseReason::MovedAway)
    );

    assert!(a.store.reopen_case(ayse, derya, now() + Duration::minutes(1)).unwrap());
    assert!(!a.store.reopen_case(ayse, derya, now()).unwrap(), "already open");
    assert!(names_on(&mut a, None).contains(&"Ayşe Basmane".to_owned()));
    let history = a.store.history(EntityKind::Mother, ayse.0).unwrap();
    assert_eq!(history.iter().filter(|c| c.field == "closed_reason").count(), 2);
}
