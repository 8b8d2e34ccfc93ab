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
    /// them (clock stamp, then device), each with the value it replaced.
    pub fn history(&self, entity: EntityKind, entity_id: uuid::Uuid) -> Result<Vec<FieldChange>, StoreError> {
        let mut changes = self.changes_of(entity, entity_id)?;
        changes.sort_by_key(|c| (c.hlc, c.device));
        let mut names = std::collections::BTreeMap::<MemberId, Option<String>>::new();
        let mut last = std::collections::BTreeMap::<String, Value>::new();
        let mut out = Vec::new();
        for change in changes {
            let by = match names.get(&change.author) {
                Some(name) => name.clone(),
                None => {
                    let name = self.member_name(change.author)?;
                    names.insert(change.author, name.clone());
                    name
                }
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
                let old = last.insert(field.clone(), value.clone()).unwrap_or(Value::Null);
                out.push(FieldChange {
                    field: field.clone(),
                    at: DateTime::from_timestamp_millis(change.hlc.wall_ms as i64).unwrap_or_default(),
                    by: by.clone(),
                    device: change.device,
                    old,
                    new: value.clone(),
                    reason: reason.clone(),
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
