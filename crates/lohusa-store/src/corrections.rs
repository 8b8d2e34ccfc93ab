//! Correcting what was recorded: a mother's registration (her details, the birth, the babies, a
//! baby added) and a recorded visit, each through the core's rules of the form that first wrote
//! it; and a record's history, read from the change log: who changed which field, when, on which
//! device, from what to what, and why.

use chrono::{DateTime, Utc};
use lohusa_core::EntityKind;
use lohusa_core::change::Change;
use lohusa_core::ids::{BabyId, DeviceId, MemberId, MotherId};
use lohusa_core::registration::{RegistrationInput, ValidRegistration, validate_correction};
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::{VisitContext, VisitCorrectionInput, validate_visit_correction};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::{Store, StoreError};

/// The registration form filled with what is stored, to correct it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct RegistrationForm {
    pub input: RegistrationInput,
    /// The babies already recorded come first in `input.babies`, in this order; they cannot be
    /// removed.
    pub recorded_babies: u32,
    pub baby_ids: Vec<BabyId>,
}

/// One change of one field, as the history shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct FieldChange {
    pub field: String,
    /// When it was written, by the writer's clock.
    pub at: DateTime<Utc>,
    /// The member who wrote it, by name, when this device knows her.
    pub by: Option<String>,
    pub device: DeviceId,
    /// The value before, in the order every device merges (`null` for the first value).
    #[ts(type = "unknown")]
    pub old: Value,
    #[ts(type = "unknown")]
    pub new: Value,
    /// The reason given with a correction of a visit.
    pub reason: Option<String>,
    /// Written without seeing the value before it in this order (two devices apart): a
    /// conflict, listed among the conflicts while both values stand.
    pub concurrent: bool,
}

impl Store {
    /// The registration form of a mother, filled with her record, her latest birth and its
    /// babies.
    pub fn registration_form(&self, mother: MotherId) -> Result<RegistrationForm, StoreError> {
        let stored = self.registration_of(mother)?;
        Ok(RegistrationForm {
            input: RegistrationInput::from_records(&stored.mother, &stored.birth, &stored.babies),
            recorded_babies: stored.babies.len() as u32,
            baby_ids: stored.babies.iter().map(|b| b.id).collect(),
        })
    }

    /// The mother a record belongs to (a mother belongs to herself), when this device has it.
    pub fn mother_of_record(&self, entity: EntityKind, id: uuid::Uuid) -> Result<Option<MotherId>, StoreError> {
        Ok(crate::apply::mother_of(&self.conn, entity, &id.to_string())?.and_then(|m| m.parse().ok().map(MotherId)))
    }

    /// Corrects a mother's registration with the form as edited. Checked by the registration's
    /// rules; only the fields that changed are written, as one change per record, in one
    /// transaction. Returns how many records changed (0: nothing was different).
    pub fn correct_registration(
        &mut self,
        mother: MotherId,
        input: &RegistrationInput,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.in_write_transaction(|store| {
            let stored = store.registration_of(mother)?;
            let new_babies: Vec<BabyId> = (0..input.babies.len())
                .map(|_| BabyId(crate::clock::id_at(now)))
                .collect();
            let writes = validate_correction(input, &stored, &new_babies, istanbul_today(now))?;
            if !writes.is_empty() {
                store.write_within(&writes, author, now)?;
            }
            Ok(writes.len())
        })
    }

    /// Corrects a recorded visit: the visit form as edited and a reason, checked by the rules of
    /// the checklist it was filled with. Flags follow from the new answers. Returns whether
    /// anything changed.
    pub fn correct_visit(
        &mut self,
        input: &VisitCorrectionInput,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.in_write_transaction(|store| {
            let visit = store.visit(input.visit_id)?;
            store.refuse_if_deleted(visit.mother_id)?;
            let birth = store.birth_of(visit.mother_id)?;
            let babies = store.babies_of(birth.id)?;
            let context = VisitContext {
                birth: &birth,
                babies: &babies,
                already_visited: false,
                today: istanbul_today(now),
            };
            let write = validate_visit_correction(&visit, input, &context)?;
            if write.fields.is_empty() {
                return Ok(false);
            }
            store.write_within(&[write], author, now)?;
            Ok(true)
        })
    }

    /// Every change of every field of one record, oldest first in the order every device merges
    /// them (clock stamp, then device), each with the value its writer replaced (what her device
    /// showed), and whether it was written beside a value she had not seen (a conflict). A change
    /// that wrote a field's value again unchanged is left out; a member a mother is assigned to
    /// is named.
    pub fn history(&self, entity: EntityKind, entity_id: uuid::Uuid) -> Result<Vec<FieldChange>, StoreError> {
        let mut changes = self.changes_of(entity, entity_id)?;
        changes.sort_by_key(|c| (c.hlc, c.device));
        let names = self.member_names()?;
        let shown = |field: &str, value: &Value| -> Value {
            match (field, value.as_str().and_then(|s| s.parse().ok().map(MemberId))) {
                ("assigned_to", Some(member)) => names.get(&member).map_or(value.clone(), |n| Value::from(n.as_str())),
                _ => value.clone(),
            }
        };
        let mut written = std::collections::HashMap::<(String, lohusa_core::Version), Value>::new();
        let mut last = std::collections::BTreeMap::<String, lohusa_core::Version>::new();
        let mut out = Vec::new();
        for change in changes {
            let version = lohusa_core::Version {
                hlc: change.hlc,
                device: change.device,
            };
            let reason = change
                .fields
                .get("correction_reason")
                .and_then(Value::as_str)
                .map(str::to_owned);
            for (field, value) in &change.fields {
                if field == "correction_reason" {
                    continue;
                }
                let replaced = change.base.get(field).cloned().unwrap_or_default();
                let old = replaced
                    .iter()
                    .rev()
                    .find_map(|v| written.get(&(field.clone(), *v)).cloned())
                    .unwrap_or(Value::Null);
                let concurrent = last.get(field).is_some_and(|previous| !replaced.contains(previous));
                written.insert((field.clone(), version), value.clone());
                last.insert(field.clone(), version);
                if old == *value && !concurrent {
                    continue;
                }
                out.push(FieldChange {
                    field: field.clone(),
                    at: DateTime::from_timestamp_millis(change.hlc.wall_ms as i64).unwrap_or_default(),
                    by: names.get(&change.author).cloned(),
                    device: change.device,
                    old: shown(field, &old),
                    new: shown(field, value),
                    reason: reason.clone(),
                    concurrent,
                });
            }
        }
        Ok(out)
    }

    /// A mother's registration as stored: her record, her latest birth and its babies. A
    /// deleted mother is refused with who deleted her and when.
    fn registration_of(&self, mother: MotherId) -> Result<ValidRegistration, StoreError> {
        self.refuse_if_deleted(mother)?;
        let record = self.mother(mother)?;
        let birth = self.birth_of(mother)?;
        let babies = self.babies_of(birth.id)?;
        Ok(ValidRegistration {
            mother: record,
            birth,
            babies,
        })
    }

    /// `Deleted` when the mother was deleted (on this device or another), naming the change
    /// that deleted her.
    pub(crate) fn refuse_if_deleted(&self, mother: MotherId) -> Result<(), StoreError> {
        let deleted: Option<Option<i64>> = crate::optional(
            self.conn
                .prepare_cached("SELECT deleted FROM mothers WHERE id = ?1")?
                .query_row([mother.to_string()], |r| r.get(0)),
        )?;
        if deleted.flatten() != Some(1) {
            return Ok(());
        }
        let deletion = self
            .changes_of(EntityKind::Mother, mother.0)?
            .into_iter()
            .filter(|c| c.fields.get("deleted") == Some(&Value::Bool(true)))
            .max_by_key(|c| (c.hlc, c.device));
        let (by, at) = match deletion {
            Some(change) => (
                self.member_name(change.author)?,
                DateTime::from_timestamp_millis(change.hlc.wall_ms as i64),
            ),
            None => (None, None),
        };
        Err(StoreError::Deleted {
            entity: "mother",
            id: mother.to_string(),
            by,
            at,
        })
    }

    fn changes_of(&self, entity: EntityKind, entity_id: uuid::Uuid) -> Result<Vec<Change>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, id, entity, entity_id, fields, base, hlc, author, device, schema_version
             FROM changes WHERE entity = ?1 AND entity_id = ?2",
        )?;
        Ok(
            crate::read_changes(&mut stmt, rusqlite::params![entity.as_str(), entity_id.to_string()])?
                .into_iter()
                .map(|(_, change)| change)
                .collect(),
        )
    }
}

/// A deletion never hides care its writer had not seen: a mother whose record says deleted is
/// shown again (her `deleted` column cleared here, the field's value untouched in the log) when
/// she has a visit the deleting device did not hold (`deleted_seen_visits`), or a field of one of
/// her visits was written later than the deletion, by the clocks every device shares: a nurse
/// offline recorded an urgent visit before or after another tablet deleted her. (An edit of her details
/// alone merges with the deletion like any other field and leaves her deleted.) Every device
/// applies the same rule to the same changes, so all agree; deleting her again, later, hides her.
pub(crate) fn reconsider_deletion(conn: &rusqlite::Connection, mother: &str) -> Result<(), StoreError> {
    // Most mothers are not deleted: one indexed read, on every write and every received change.
    // A mother shown again has her column cleared and stays shown until a new deletion sets it.
    let deleted: Option<Option<i64>> = crate::optional(
        conn.prepare_cached("SELECT deleted FROM mothers WHERE id = ?1")?
            .query_row([mother], |r| r.get(0)),
    )?;
    if deleted.flatten() != Some(1) {
        return Ok(());
    }
    let Ok(mother_id) = mother.parse::<uuid::Uuid>() else {
        return Ok(());
    };
    let meta = crate::entity_meta::load(conn, mother_id)?;
    let Some(deletion) = meta.fields.get("deleted") else {
        return Ok(());
    };
    // The visits the deleting device held, when it said (a deletion written before it did,
    // or by hand, has no list: then only the clocks tell).
    let seen: Option<Vec<String>> = crate::apply::read(conn, EntityKind::Mother, mother, "deleted_seen_visits")?
        .as_str()
        .and_then(|text| serde_json::from_str::<Vec<String>>(text).ok());
    let mut latest = None;
    let mut unseen = false;
    let mut visits = conn.prepare_cached("SELECT id FROM visits WHERE mother_id = ?1")?;
    let ids = crate::collect_rows(&mut visits, [mother], |row| Ok(row.get::<_, String>(0)?))?;
    for id in ids {
        if seen.as_ref().is_some_and(|seen| !seen.contains(&id)) {
            unseen = true;
        }
        if let Ok(id) = id.parse::<uuid::Uuid>() {
            let visit = crate::entity_meta::load(conn, id)?;
            latest = latest.max(visit.fields.values().map(|v| v.hlc).max());
        }
    }
    let hidden = !unseen && latest.is_none_or(|care| care <= deletion.hlc);
    conn.prepare_cached("UPDATE mothers SET deleted = ?2 WHERE id = ?1")?
        .execute(rusqlite::params![mother, if hidden { Some(1) } else { None::<i64> }])?;
    Ok(())
}

impl Store {
    /// Deletes a mother's record: a field like any other, with the visits this device holds, so
    /// a visit it has not seen brings her back wherever it arrives.
    pub fn delete_mother(&mut self, mother: MotherId, author: MemberId, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.in_write_transaction(|store| {
            store.refuse_if_deleted(mother)?;
            store.mother(mother)?;
            let mut stmt = store
                .conn
                .prepare_cached("SELECT id FROM visits WHERE mother_id = ?1 ORDER BY id")?;
            let seen = crate::collect_rows(&mut stmt, [mother.to_string()], |row| Ok(row.get::<_, String>(0)?))?;
            drop(stmt);
            store.write_within(
                &[lohusa_core::change::EntityWrite {
                    entity: EntityKind::Mother,
                    entity_id: mother.0,
                    fields: [
                        ("deleted".to_owned(), Value::Bool(true)),
                        ("deleted_seen_visits".to_owned(), serde_json::json!(seen)),
                    ]
                    .into(),
                    also_replaces: Default::default(),
                }],
                author,
                now,
            )?;
            Ok(())
        })
    }
}
