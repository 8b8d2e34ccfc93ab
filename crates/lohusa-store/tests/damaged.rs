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
