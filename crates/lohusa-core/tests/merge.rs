//! The per-field merge: examples of each rule, and its properties (whatever the order, grouping
//! or repetition in which a replica receives the same changes, it ends with the same values and
//! the same conflicts).

use std::collections::BTreeMap;

use lohusa_core::change::{CHANGE_SCHEMA_VERSION, Change, EntityKind};
use lohusa_core::merge::{EntityMeta, Version};
use lohusa_core::{ChangeId, DeviceId, Hlc, MemberId};
use proptest::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

const FIELDS: [&str; 3] = ["note", "answers.bp", "outcome"];

/// One replica of one entity: metadata, visible values and the log.
#[derive(Default, Clone)]
struct Replica {
    meta: EntityMeta,
    values: BTreeMap<String, Value>,
    log: Vec<Change>,
}

impl Replica {
    fn receive(&mut self, c: &Change) {
        if self.log.iter().any(|l| l.id == c.id) {
            return;
        }
        let log = &self.log;
        let mut lookup = |field: &str, v: Version| {
            log.iter()
                .find(|l| l.version() == v)
                .map(|l| (l.fields[field].clone(), l.author, l.id))
        };
        let merged = self.meta.merge(c, &mut lookup);
        self.values.extend(merged.visible);
        self.log.push(c.clone());
    }

    /// The open conflicts: field and the concurrent value kept.
    fn conflicts(&self) -> Vec<(String, Value)> {
        let values = &self.values;
        self.meta
            .open_conflicts(|f| values[f].clone())
            .map(|(f, _, h)| (f.to_owned(), h.value.clone()))
            .collect()
    }

    /// What must agree between replicas: visible values, their versions and the concurrent
    /// heads. (The log order may differ, and so may `pending`, which can keep a replaced version
    /// that had already arrived; it only ever says "replaced", which is true either way.)
    fn state(&self) -> (BTreeMap<String, Value>, EntityMeta) {
        let mut meta = self.meta.clone();
        meta.pending.clear();
        (self.values.clone(), meta)
    }
}

/// Builds a causal history: each write replaces a random subset of earlier writes of its field
/// (what its writer had seen), with a later stamp than all of them.
fn history(spec: &[(u8, u8, u8, u8)]) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    for (i, &(device, field, value, seen)) in spec.iter().enumerate() {
        let field = FIELDS[field as usize % FIELDS.len()];
        let earlier: Vec<Version> = out
            .iter()
            .filter(|c| c.fields.contains_key(field))
            .map(Change::version)
            .collect();
        let base: Vec<Version> = earlier
            .iter()
            .rev()
            .take(4)
            .enumerate()
            .filter(|(bit, _)| seen & (1 << bit) != 0)
            .map(|(_, v)| *v)
            .collect();
        let device = DeviceId(Uuid::from_u128(1 + u128::from(device % 3)));
        out.push(Change {
            id: ChangeId(Uuid::from_u128(1000 + i as u128)),
            entity: EntityKind::Visit,
            entity_id: Uuid::from_u128(7),
            fields: [(field.to_owned(), json!(value % 4))].into(),
            base: if base.is_empty() {
                BTreeMap::new()
            } else {
                [(field.to_owned(), base)].into()
            },
            // Two writes share each wall time, so the device often breaks the tie.
            hlc: Hlc {
                wall_ms: 1_000 + (i as u64 / 2),
                counter: 0,
            },
            author: MemberId(device.0),
            device,
            schema_version: CHANGE_SCHEMA_VERSION,
        });
    }
    // Same device and same wall time would be one stamp twice, which a real clock never gives.
    out.dedup_by(|b, a| a.version() == b.version());
    out
}

fn replay<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Replica {
    let mut r = Replica::default();
    changes.into_iter().for_each(|c| r.receive(c));
    r
}

fn spec() -> impl Strategy<Value = Vec<(u8, u8, u8, u8)>> {
    prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()), 1..24)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_order_gives_the_same_state(
        (changes, order) in spec().prop_map(|s| history(&s)).prop_flat_map(|c| {
            let n = c.len();
            (Just(c), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        })
    ) {
        let in_order = replay(&changes);
        let shuffled = replay(order.iter().map(|&i| &changes[i]));
        prop_assert_eq!(in_order.state(), shuffled.state());
    }

    #[test]
    fn receiving_changes_again_changes_nothing(
        (changes, repeats) in spec().prop_map(|s| history(&s)).prop_flat_map(|c| {
            let n = c.len();
            (Just(c), prop::collection::vec(0..n, 0..30))
        })
    ) {
        let once = replay(&changes);
        let mut twice = once.clone();
        for i in repeats {
            twice.receive(&changes[i]);
        }
        prop_assert_eq!(once.state(), twice.state());
    }

    #[test]
    fn merging_replicas_in_any_grouping_agrees(
        (changes, split) in spec().prop_map(|s| history(&s)).prop_flat_map(|c| {
            let n = c.len();
            (Just(c), prop::collection::vec(0..3usize, n))
        })
    ) {
        // Three replicas each received a part: (a with b) with c, a with (b with c), and c with b
        // with a must all agree with the whole.
        let part = |k: usize| changes.iter().zip(&split).filter(move |(_, s)| **s == k).map(|(c, _)| c);
        let (a, b, c) = (replay(part(0)), replay(part(1)), replay(part(2)));
        let mut ab_c = a.clone();
        b.log.iter().chain(&c.log).for_each(|x| ab_c.receive(x));
        let mut bc = b.clone();
        c.log.iter().for_each(|x| bc.receive(x));
        let mut a_bc = a.clone();
        bc.log.iter().for_each(|x| a_bc.receive(x));
        let mut cba = c.clone();
        b.log.iter().chain(&a.log).for_each(|x| cba.receive(x));
        let whole = replay(&changes);
        prop_assert_eq!(ab_c.state(), whole.state());
        prop_assert_eq!(a_bc.state(), whole.state());
        prop_assert_eq!(cba.state(), whole.state());
    }
}

#[test]
fn the_visible_value_is_the_latest_write_of_each_field() {
    let changes = history(&[(0, 0, 1, 0), (1, 0, 2, 0), (2, 1, 3, 0), (0, 0, 3, 0b1)]);
    let r = replay(changes.iter().rev());
    assert_eq!(r.values["note"], json!(3));
    assert_eq!(r.values["answers.bp"], json!(3));
}

// Examples of each rule.

fn device(n: u128) -> DeviceId {
    DeviceId(Uuid::from_u128(n))
}

fn change(n: u128, dev: u128, wall: u64, field: &str, value: Value, base: Vec<Version>) -> Change {
    let mut bases = BTreeMap::new();
    if !base.is_empty() {
        bases.insert(field.to_owned(), base);
    }
    Change {
        id: ChangeId(Uuid::from_u128(n)),
        entity: EntityKind::Visit,
        entity_id: Uuid::from_u128(7),
        fields: [(field.to_owned(), value)].into(),
        base: bases,
        hlc: Hlc {
            wall_ms: wall,
            counter: 0,
        },
        author: MemberId(Uuid::from_u128(100 + dev)),
        device: device(dev),
        schema_version: CHANGE_SCHEMA_VERSION,
    }
}

#[test]
fn the_later_stamp_wins_and_the_concurrent_value_is_kept_as_a_conflict() {
    let a = change(1, 1, 1_000, "answers.bp", json!(120), vec![]);
    let b = change(2, 2, 2_000, "answers.bp", json!(140), vec![]);
    for order in [[&a, &b], [&b, &a]] {
        let mut r = Replica::default();
        order.into_iter().for_each(|c| r.receive(c));
        assert_eq!(r.values["answers.bp"], json!(140));
        assert_eq!(r.conflicts(), vec![("answers.bp".to_owned(), json!(120))]);
    }
}

#[test]
fn an_edit_of_the_value_seen_is_not_a_conflict_even_when_it_arrives_first() {
    let a = change(1, 1, 1_000, "note", json!("old"), vec![]);
    let b = change(2, 2, 2_000, "note", json!("new"), vec![a.version()]);
    for order in [[&a, &b], [&b, &a]] {
        let mut r = Replica::default();
        order.into_iter().for_each(|c| r.receive(c));
        assert_eq!(r.values["note"], json!("new"));
        assert!(r.conflicts().is_empty());
        assert!(r.meta.heads.is_empty() && r.meta.pending.is_empty(), "{:?}", r.meta);
    }
}

#[test]
fn a_resolution_replaces_every_head_and_closes_the_conflict() {
    let a = change(1, 1, 1_000, "note", json!("a"), vec![]);
    let b = change(2, 2, 2_000, "note", json!("b"), vec![]);
    let mut r = Replica::default();
    r.receive(&a);
    r.receive(&b);
    let base = r.meta.base_for("note", true);
    assert_eq!(base, vec![b.version(), a.version()]);
    let fix = change(3, 3, 3_000, "note", json!("a"), base);
    r.receive(&fix);
    assert_eq!(r.values["note"], json!("a"));
    assert!(r.conflicts().is_empty() && r.meta.heads.is_empty());
}

#[test]
fn equal_stamps_from_two_devices_are_ordered_by_device() {
    let a = change(1, 1, 1_000, "note", json!("a"), vec![]);
    let b = change(2, 2, 1_000, "note", json!("b"), vec![]);
    let mut r = Replica::default();
    r.receive(&b);
    r.receive(&a);
    assert_eq!(r.values["note"], json!("b"));
}

#[test]
fn versions_group_by_change_when_stored() {
    let c = Change {
        fields: [("a".to_owned(), json!(1)), ("b".to_owned(), json!(2))].into(),
        ..change(1, 1, 1_000, "x", json!(0), vec![])
    };
    let mut r = Replica::default();
    r.receive(&c);
    let text = serde_json::to_string(&r.meta).unwrap();
    assert_eq!(text.matches('@').count(), 1, "{text}");
    assert_eq!(serde_json::from_str::<EntityMeta>(&text).unwrap(), r.meta);
}
