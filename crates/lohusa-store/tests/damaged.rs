//! Records a replica received incomplete (a server of an older version let them in, or a faulty
//! device sent them): the lists, the follow-up list, coverage and the exports leave them out and
//! go on for everyone else, instead of failing for the whole team.

use crate::common;

use common::{TempStore, now, nurse, registration};
use lohusa_core::change::CHANGE_SCHEMA_VERSION;
use lohusa_core::{Change, ChangeId, DeviceId, EntityKind, Hlc, MemberId};
use serde_json::{Value, json};
use uuid::Uuid;

fn received(entity: EntityKind, fields: Value, n: u32) -> Change {
    let Value::Object(fields) = fields else { unreachable!() };
    Change {
        id: ChangeId(Uuid::now_v7()),
        entity,
        entity_id: Uuid::now_v7(),
        fields: fields.into_iter().collect(),
        base: Default::default(),
        hlc: Hlc {
            wall_ms: now().timestamp_millis() as u64,
            counter: n,
        },
        author: MemberId(Uuid::from_u128(7)),
        device: DeviceId(Uuid::from_u128(8)),
        schema_version: CHANGE_SCHEMA_VERSION,
    }
}

#[test]
fn incomplete_records_never_stop_the_lists() {
    let mut t = TempStore::new();
    let whole = t
        .store
        .register_mother(&registration("Ayşe Işık", "2026-11-22"), nurse(), now())
        .unwrap();
    let stranger = Uuid::now_v7();
    let damaged = vec![
        // A mother with nothing but a name, and her birth without a date.
        received(EntityKind::Mother, json!({ "full_name": "Eksik Kayıt" }), 1),
        received(
            EntityKind::Birth,
            json!({ "mode": "vaginal", "mother_id": stranger }),
            2,
        ),
        // A birth of nobody, a visit of the whole mother without a number or outcome.
        received(EntityKind::Birth, json!({ "mode": "vaginal" }), 3),
        received(
            EntityKind::Visit,
            json!({ "mother_id": whole, "visited_on": "2026-11-24" }),
            4,
        ),
        received(EntityKind::Baby, json!({ "birth_id": Uuid::now_v7() }), 5),
    ];
    t.store.apply_pulled(&damaged, 5, now(), 0).unwrap();

    let today = t.store.today_list(now()).unwrap();
    assert!(today.due.iter().any(|e| e.mother_id == whole), "{today:?}");
    let follow_up = t.store.follow_up_list(now(), &Default::default(), 100).unwrap();
    assert!(follow_up.total >= 1);
    t.store.coverage(now().date_naive(), now()).unwrap();
    let exported = t.store.records_for_export(now()).unwrap();
    assert_eq!(exported.len(), 1, "only the whole mother");
    assert_eq!(t.store.mother_view(whole, now()).unwrap().cards[0].visit, None);
    let found = t.store.search_mothers("a", now(), 50);
    assert!(found.is_ok(), "{found:?}");
}

#[test]
fn an_id_spelled_another_way_or_a_visit_before_its_mother_never_stops_the_doctor_s_list() {
    use lohusa_core::followup::FollowUpFilter;
    use lohusa_core::schedule::VisitNumber;
    use lohusa_core::visit::{VisitInput, VisitOutcome};
    let mut t = TempStore::new();
    let mother = t
        .store
        .register_mother(&registration("Ayşe Işık", "2026-11-12"), nurse(), now())
        .unwrap();
    // Visit 2 with a severe anaemia: an urgent flag on the doctor's list.
    let input = VisitInput {
        mother_id: mother,
        number: VisitNumber::new(2).unwrap(),
        outcome: VisitOutcome::Visited,
        visited_on: "24.11.2026".into(),
        visited_at: "10:00".into(),
        visited_by: "Ebe Derya".into(),
        note: String::new(),
        answers: [
            ("mother.hb_done".to_owned(), "yes".to_owned()),
            ("mother.hemoglobin".to_owned(), "7,1".to_owned()),
        ]
        .into(),
    };
    t.store.record_visit(&input, nurse(), now()).unwrap();
    // Her id in capitals (as some platforms print ids), and a visit whose mother has not
    // arrived yet: the first is not taken as hers, neither stops a list.
    let capitals = received(
        EntityKind::Visit,
        json!({ "mother_id": mother.to_string().to_uppercase(), "number": 1, "outcome": "visited",
                "visited_on": "2026-11-15", "visited_by": "Ebe Sevgi" }),
        1,
    );
    let early = received(
        EntityKind::Visit,
        json!({ "number": 1, "outcome": "visited", "visited_on": "2026-11-15", "visited_by": "Ebe Sevgi" }),
        2,
    );
    t.store.apply_pulled(&[capitals, early], 2, now(), 0).unwrap();
    for nurse_filter in [None, Some("ebe derya".to_owned())] {
        let filter = FollowUpFilter {
            nurse: nurse_filter.clone(),
            ..Default::default()
        };
        let list = t.store.follow_up_list(now(), &filter, 50).unwrap();
        assert!(
            list.rows
                .iter()
                .any(|r| r.mother_id == mother && r.kind == lohusa_core::followup::FollowUpKind::UrgentFlag),
            "{nurse_filter:?}: {:#?}",
            list.rows
        );
    }
    t.store.today_list(now()).unwrap();
    t.store.coverage(now().date_naive(), now()).unwrap();

    // A sign-off whose visit id is in capitals (an older server let it in): the id is not
    // applied, and the review without its visit stops neither her screen nor the reports.
    let visit = t.store.visits_of(mother).unwrap()[0].id;
    let review = received(
        EntityKind::Review,
        json!({ "mother_id": mother, "visit_id": visit.to_string().to_uppercase(),
                "flags": ["severe_anaemia"], "orders": "none", "reviewed_by": "Dr. Ece",
                "reviewed_at": "2026-11-25T08:00:00Z" }),
        3,
    );
    t.store.apply_pulled(&[review], 3, now(), 0).unwrap();
    assert_eq!(t.store.reviews_of(mother).unwrap(), []);
    t.store.mother_view(mother, now()).unwrap();
    assert_eq!(t.store.records_for_export(now()).unwrap().len(), 1);
}
