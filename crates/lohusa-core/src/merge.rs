//! Merging changes into one entity's state: last writer wins per field, and concurrent writes are
//! kept as conflicts for review instead of vanishing.
//!
//! Every field value has a *version*: the clock stamp and the device of the change that wrote it.
//! The visible value of a field is the one with the greatest version, so every replica that has
//! received the same changes shows the same value, whatever order they came in.
//!
//! A change also says which versions it replaces (`Change::base`): the value its writer saw. A
//! write that nobody has replaced yet is a *head*. One head per field is the normal case; two or
//! more mean people wrote the field without seeing each other's value. The winner is shown, the
//! other heads are kept with their value, author and change, and a head whose value differs from
//! the winner's is an open conflict. A resolution is a write that replaces every head at once.
//!
//! The heads depend only on the set of changes received (a write is a head unless some received
//! change names its version as replaced), so they too are the same on every replica.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use ts_rs::TS;

pub use crate::hlc::Version;

use crate::change::Change;
use crate::ids::{ChangeId, MemberId};

/// A value that lost to the visible one but has not been replaced: a concurrent write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Head {
    pub version: Version,
    #[ts(type = "unknown")]
    pub value: Value,
    pub author: MemberId,
    pub change: ChangeId,
}

/// What a replica knows about the versions of one entity's fields, beside the values themselves.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EntityMeta {
    /// The version of each field's visible value, stored grouped by version (a new record's
    /// fields all share one).
    #[serde(with = "grouped", default)]
    pub fields: BTreeMap<String, Version>,
    /// Per field, the heads other than the visible value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub heads: BTreeMap<String, Vec<Head>>,
    /// Per field, versions that a received change replaces but that have not arrived yet.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, Vec<Version>>,
}

/// What merging one change did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Merged {
    /// The fields whose visible value is now this change's, with that value.
    pub visible: crate::change::FieldValues,
    /// Whether any field's set of concurrent heads changed.
    pub heads_changed: bool,
}

/// The value, author and change of the visible value of `field`, which a merge needs only when a
/// concurrent write displaces it (so the store reads it from its change log, rarely).
pub type DisplacedLookup<'a> = dyn FnMut(&str, Version) -> Option<(Value, MemberId, ChangeId)> + 'a;

impl EntityMeta {
    /// Gives versions new names (a device re-stamping changes no one else has seen, after its
    /// clock was wrong). The renaming keeps the versions' order, so the merged state is the same.
    pub fn rename_versions(&mut self, renamed: &BTreeMap<Version, Version>) {
        let rename = |v: &mut Version| {
            if let Some(new) = renamed.get(v) {
                *v = *new;
            }
        };
        self.fields.values_mut().for_each(rename);
        self.heads.values_mut().flatten().for_each(|h| rename(&mut h.version));
        self.pending.values_mut().flatten().for_each(rename);
    }

    /// Merges one change. The caller guarantees each change is merged at most once (changes are
    /// unique by id in every log), which together with this makes merging idempotent.
    pub fn merge(&mut self, change: &Change, displaced: &mut DisplacedLookup<'_>) -> Merged {
        let version = change.version();
        // A record seen for the first time, by a change that replaces nothing (how a new tablet
        // receives most of a team): every field is this change's, as the loop below would leave
        // it, built in one pass instead of a search per field.
        if self.written_whole_by(change) {
            self.fields = change.fields.keys().map(|field| (field.clone(), version)).collect();
            return Merged {
                visible: change.fields.clone(),
                heads_changed: false,
            };
        }
        self.merge_each(change, version, displaced)
    }

    /// Whether `change` writes this record whole: the record is seen for the first time and the
    /// change replaces nothing, so every field takes the change's version and value.
    pub fn written_whole_by(&self, change: &Change) -> bool {
        change.base.is_empty() && *self == EntityMeta::default()
    }

    /// `merge`, field by field.
    fn merge_each(&mut self, change: &Change, version: Version, displaced: &mut DisplacedLookup<'_>) -> Merged {
        let mut merged = Merged::default();
        for (field, value) in &change.fields {
            let replaced = change.base.get(field).map(Vec::as_slice).unwrap_or(&[]);
            // Replaced heads stop being heads; replaced versions not seen yet are remembered so
            // they do not become heads when they arrive.
            for old in replaced {
                let heads = self.heads.entry(field.clone()).or_default();
                if let Some(at) = heads.iter().position(|h| h.version == *old) {
                    heads.remove(at);
                    merged.heads_changed = true;
                } else {
                    insert_sorted(self.pending.entry(field.clone()).or_default(), *old);
                }
            }
            match self.fields.get(field).copied() {
                None => {
                    self.fields.insert(field.clone(), version);
                    merged.visible.insert(field.clone(), value.clone());
                }
                Some(current) if version > current => {
                    self.fields.insert(field.clone(), version);
                    merged.visible.insert(field.clone(), value.clone());
                    if !self.take_pending(field, current)
                        && let Some((value, author, change)) = displaced(field, current)
                    {
                        self.add_head(
                            field,
                            Head {
                                version: current,
                                value,
                                author,
                                change,
                            },
                        );
                        merged.heads_changed = true;
                    }
                }
                Some(current) if version < current => {
                    if !self.take_pending(field, version) {
                        self.add_head(
                            field,
                            Head {
                                version,
                                value: value.clone(),
                                author: change.author,
                                change: change.id,
                            },
                        );
                        merged.heads_changed = true;
                    }
                }
                Some(_) => {}
            }
            self.tidy(field);
        }
        merged
    }

    /// The versions a write to `field` replaces: the visible one and, for a resolution, every
    /// other head too.
    pub fn base_for(&self, field: &str, resolving: bool) -> Vec<Version> {
        let mut base: Vec<Version> = self.fields.get(field).copied().into_iter().collect();
        if resolving {
            base.extend(self.heads.get(field).into_iter().flatten().map(|h| h.version));
        }
        base
    }

    /// The open conflicts: heads whose value differs from the visible value of their field.
    pub fn open_conflicts<'a>(
        &'a self,
        mut visible: impl FnMut(&str) -> Value + 'a,
    ) -> impl Iterator<Item = (&'a str, Version, &'a Head)> + 'a {
        self.heads.iter().flat_map(move |(field, heads)| {
            let shown = visible(field);
            let winner = self.fields[field.as_str()];
            heads
                .iter()
                .filter(move |h| h.value != shown)
                .map(move |h| (field.as_str(), winner, h))
        })
    }

    fn take_pending(&mut self, field: &str, version: Version) -> bool {
        let Some(pending) = self.pending.get_mut(field) else {
            return false;
        };
        match pending.binary_search(&version) {
            Ok(at) => {
                pending.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    fn add_head(&mut self, field: &str, head: Head) {
        let heads = self.heads.entry(field.to_owned()).or_default();
        if let Err(at) = heads.binary_search_by(|h| h.version.cmp(&head.version)) {
            heads.insert(at, head);
        }
    }

    fn tidy(&mut self, field: &str) {
        if self.heads.get(field).is_some_and(Vec::is_empty) {
            self.heads.remove(field);
        }
        if self.pending.get(field).is_some_and(Vec::is_empty) {
            self.pending.remove(field);
        }
    }
}

fn insert_sorted(list: &mut Vec<Version>, version: Version) {
    if let Err(at) = list.binary_search(&version) {
        list.insert(at, version);
    }
}

/// Serialises field versions as `[[version, [field, …]], …]`: one entry per distinct version.
mod grouped {
    use super::*;

    pub fn serialize<S: Serializer>(fields: &BTreeMap<String, Version>, serializer: S) -> Result<S::Ok, S::Error> {
        let mut groups: BTreeMap<Version, Vec<&str>> = BTreeMap::new();
        for (field, version) in fields {
            groups.entry(*version).or_default().push(field);
        }
        serializer.collect_seq(groups)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, Version>, D::Error> {
        let groups: Vec<(Version, Vec<String>)> = Vec::deserialize(deserializer)?;
        Ok(groups
            .into_iter()
            .flat_map(|(version, fields)| fields.into_iter().map(move |f| (f, version)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EntityKind;
    use crate::hlc::Hlc;
    use crate::ids::DeviceId;
    use uuid::Uuid;

    fn change(fields: crate::change::FieldValues) -> Change {
        Change {
            id: ChangeId(Uuid::from_u128(7)),
            entity: EntityKind::Visit,
            entity_id: Uuid::from_u128(8),
            fields,
            base: Default::default(),
            hlc: Hlc {
                wall_ms: 1_764_000_000_000,
                counter: 3,
            },
            author: MemberId(Uuid::from_u128(9)),
            device: DeviceId(Uuid::from_u128(10)),
            schema_version: 1,
        }
    }

    #[test]
    fn a_new_record_merges_as_field_by_field() {
        let mut many: crate::change::FieldValues = (0..60)
            .map(|i| {
                (
                    format!("answers.baby.0195f000-0000-7000-8000-00000000000{}.f{i}", i % 3),
                    Value::from(i),
                )
            })
            .collect();
        many.insert("note".into(), Value::Null);
        many.insert(
            "answers.mother.breasts".into(),
            serde_json::json!(["soft", "cracked_nipple"]),
        );
        for fields in [Default::default(), [("number".to_owned(), Value::from(2))].into(), many] {
            let change = change(fields);
            let mut none = |_: &str, _: Version| None;
            let (mut fast, mut each) = (EntityMeta::default(), EntityMeta::default());
            let merged = fast.merge(&change, &mut none);
            assert_eq!(merged, each.merge_each(&change, change.version(), &mut none));
            assert_eq!(fast, each);
            // A second change of the same record takes the field-by-field way, and agrees.
            let mut later = change.clone();
            later.hlc.counter += 1;
            assert_eq!(
                fast.merge(&later, &mut none),
                each.merge_each(&later, later.version(), &mut none)
            );
            assert_eq!(fast, each);
        }
    }
}
