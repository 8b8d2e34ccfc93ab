//! The life of a case on this device: assigning mothers to a member (one, or every open case of
//! a neighbourhood), closing a case with a reason and a date, reopening it, and reading the case
//! fields back for the lists and the mother's screen.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use lohusa_core::EntityKind;
use lohusa_core::case::{CaseState, CloseCaseInput, assignment, reopening, validate_closing};
use lohusa_core::change::EntityWrite;
use lohusa_core::ids::{MemberId, MotherId};
use lohusa_core::search::fold_for_search;
use lohusa_core::time::istanbul_today;
use rusqlite::Row;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::mothers::{id, opt_date, opt_enum_col};
use crate::{Store, StoreError, collect_rows};

/// A member this device knows (from her synced member record), to assign mothers to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct KnownMember {
    pub id: MemberId,
    pub name: String,
}

/// The case fields read from `assigned_to, closed_on, closed_reason` at `first`.
pub(crate) fn case_state(
    row: &Row<'_>,
    first: usize,
    names: &HashMap<MemberId, String>,
) -> Result<CaseState, StoreError> {
    let assigned_to: Option<MemberId> =
        crate::mothers::bytes_ref(row, first)?.and_then(|text| uuid::Uuid::try_parse_ascii(text).ok().map(MemberId));
    Ok(CaseState {
        assigned_name: assigned_to.and_then(|m| names.get(&m).cloned()),
        assigned_to,
        closed_on: opt_date(row, first + 1)?,
        closed_reason: opt_enum_col(row, first + 2)?,
    })
}

impl Store {
    /// Every member this device knows by name.
    pub(crate) fn member_names(&self) -> Result<HashMap<MemberId, String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name FROM members WHERE name IS NOT NULL")?;
        let rows = collect_rows(&mut stmt, [], |row| {
            Ok((MemberId(id(row, 0)?), row.get::<_, String>(1)?))
        })?;
        Ok(rows.into_iter().collect())
    }

    /// The members this device knows, by name.
    pub fn known_members(&self) -> Result<Vec<KnownMember>, StoreError> {
        let mut members: Vec<KnownMember> = self
            .member_names()?
            .into_iter()
            .map(|(id, name)| KnownMember { id, name })
            .collect();
        members.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(members)
    }

    /// A mother's case: whose she is and whether it is closed.
    pub fn case_of(&self, mother: MotherId) -> Result<CaseState, StoreError> {
        self.case_with(mother, &self.member_names()?)
    }

    fn case_with(&self, mother: MotherId, names: &HashMap<MemberId, String>) -> Result<CaseState, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT assigned_to, closed_on, closed_reason FROM mothers WHERE id = ?1")?;
        let rows = collect_rows(&mut stmt, [mother.to_string()], |row| case_state(row, 0, names))?;
        Ok(rows.into_iter().next().unwrap_or_default())
    }

    /// Assigns mothers to a member (`None`: to nobody). Mothers already hers are left alone, so
    /// assigning a neighbourhood twice writes nothing the second time. Returns how many changed.
    pub fn assign_mothers(
        &mut self,
        mothers: &[MotherId],
        to: Option<MemberId>,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.in_write_transaction(|store| {
            // Read once: a neighbourhood may hold hundreds of mothers.
            let names = store.member_names()?;
            if let Some(member) = to
                && !names.contains_key(&member)
            {
                return Err(StoreError::NotFound {
                    entity: "member",
                    id: member.to_string(),
                });
            }
            let mut writes = Vec::new();
            for mother in mothers {
                store.refuse_if_deleted(*mother)?;
                store.mother(*mother)?;
                if store.case_with(*mother, &names)?.assigned_to != to {
                    writes.push(EntityWrite {
                        entity: EntityKind::Mother,
                        entity_id: mother.0,
                        fields: assignment(to),
                        also_replaces: Default::default(),
                    });
                }
            }
            if !writes.is_empty() {
                store.write_within(&writes, author, now)?;
            }
            Ok(writes.len())
        })
    }

    /// The open cases of a neighbourhood (spelt as the search folds names), for assigning them
    /// together.
    pub fn open_cases_in(&self, neighbourhood: &str) -> Result<Vec<MotherId>, StoreError> {
        let wanted = fold_for_search(neighbourhood);
        if wanted.is_empty() {
            return Ok(vec![]);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, neighbourhood FROM mothers
             WHERE deleted IS NOT 1 AND closed_on IS NULL AND full_name IS NOT NULL AND neighbourhood IS NOT NULL",
        )?;
        let rows = collect_rows(&mut stmt, [], |row| {
            Ok((MotherId(id(row, 0)?), row.get::<_, String>(1)?))
        })?;
        Ok(rows
            .into_iter()
            .filter(|(_, n)| fold_for_search(n) == wanted)
            .map(|(m, _)| m)
            .collect())
    }

    /// Closes her case with a reason and a date: she leaves the Today and follow-up lists and
    /// stays in every report.
    pub fn close_case(
        &mut self,
        mother: MotherId,
        input: &CloseCaseInput,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.in_write_transaction(|store| {
            store.refuse_if_deleted(mother)?;
            store.mother(mother)?;
            let birth = store.birth_of(mother)?;
            let fields = validate_closing(input, birth.birth_date, istanbul_today(now))?;
            store.write_within(
                &[EntityWrite {
                    entity: EntityKind::Mother,
                    entity_id: mother.0,
                    fields,
                    also_replaces: Default::default(),
                }],
                author,
                now,
            )?;
            Ok(())
        })
    }

    /// Reopens a closed case; nothing is written when it is open.
    pub fn reopen_case(&mut self, mother: MotherId, author: MemberId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.in_write_transaction(|store| {
            store.refuse_if_deleted(mother)?;
            store.mother(mother)?;
            if !store.case_of(mother)?.is_closed() {
                return Ok(false);
            }
            store.write_within(
                &[EntityWrite {
                    entity: EntityKind::Mother,
                    entity_id: mother.0,
                    fields: reopening(),
                    also_replaces: Default::default(),
                }],
                author,
                now,
            )?;
            Ok(true)
        })
    }
}
