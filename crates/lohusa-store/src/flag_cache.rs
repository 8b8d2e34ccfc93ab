//! The red flags of recorded visits, kept in `visit_flags` for the follow-up lists, and the
//! follow-up list query.
//!
//! Flags stay a pure function of a mother's records (computed by the core); this is a cache of
//! it, with whether all her visits are made (`unsettled_mothers` holds those who are not) and
//! whether the follow-up list may show her (`follow_up_mothers`: unsettled, or with a flag that
//! goes on the list). Every write to a mother, birth, baby or visit marks her stale in the same
//! transaction, and a list first recomputes the stale mothers. A new set of shipped rules marks
//! everyone stale.

use chrono::{DateTime, Utc};
use lohusa_core::EntityKind;
use lohusa_core::flags::Flag;
use lohusa_core::followup::{
    FollowUpFilter, FollowUpKind, FollowUpMother, FollowUpRow, VisitFlag, follow_up_page, is_lab,
};
use lohusa_core::review::flag_key;
use lohusa_core::schedule::VisitNumber;
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::{VisitOutcome, baby_refs, visit_flags};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::mothers::{date, enum_col, id};
use crate::{Store, StoreError, collect_rows, meta};

const KEY_RULES: &str = "flag_rules";

/// Puts in `follow_up_mothers` those of the stale mothers the follow-up list may show: with a
/// visit not made yet, or a flag that goes on the list until a doctor signs it off (not a note,
/// or a lab result).
const FOLLOW_UP_OF_STALE: &str = "INSERT INTO follow_up_mothers (mother_id)
     SELECT s.mother_id FROM flags_stale s
     WHERE s.mother_id IN (SELECT mother_id FROM unsettled_mothers)
        OR EXISTS (SELECT 1 FROM visit_flags f INDEXED BY visit_flags_by_mother
                   WHERE f.mother_id = s.mother_id AND (f.level != 'note' OR f.lab = 1))";

/// The doctor's list and how fresh the data behind it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct FollowUpList {
    /// The first rows, in order.
    pub rows: Vec<FollowUpRow>,
    /// How many rows the whole list has, and of each kind (in the list's order).
    pub total: usize,
    pub counts: Vec<(FollowUpKind, u32)>,
    pub today: chrono::NaiveDate,
    /// The last successful sync: the list knows nothing recorded elsewhere since.
    pub last_sync: Option<DateTime<Utc>>,
}

/// Marks the mother a written entity belongs to as stale (her flags, and her row of the
/// schedule cache), and returns her. A visit or baby whose mother is not known yet (its fields
/// arrive in another change) is marked when that change arrives.
pub(crate) fn touch(conn: &Connection, entity: EntityKind, entity_id: Uuid) -> Result<Option<String>, StoreError> {
    let mother = match entity {
        EntityKind::Member | EntityKind::Review | EntityKind::StockMovement => None,
        _ => crate::apply::mother_of(conn, entity, &entity_id.to_string())?,
    };
    if let Some(mother) = &mother {
        for stale in [
            "INSERT OR IGNORE INTO flags_stale (mother_id) VALUES (?1)",
            "INSERT OR IGNORE INTO schedules_stale (mother_id) VALUES (?1)",
        ] {
            conn.prepare_cached(stale)?.execute([mother])?;
        }
    }
    Ok(mother)
}

/// Before a write that may move a record to another mother (it sets the mother or, for a baby,
/// the birth it belongs to), marks the mother it belongs to until then as stale: her lists must
/// lose what moves. `touch` after the write marks the mother it belongs to then; a baby moved to
/// another birth marks that birth's mother too.
pub(crate) fn touch_moved(
    conn: &Connection,
    entity: EntityKind,
    entity_id: Uuid,
    fields: &lohusa_core::FieldValues,
) -> Result<(), StoreError> {
    if !fields.contains_key("mother_id") && !fields.contains_key("birth_id") {
        return Ok(());
    }
    touch(conn, entity, entity_id)?;
    if let Some(serde_json::Value::String(birth)) = fields.get("birth_id")
        && let Ok(birth) = birth.parse::<Uuid>()
    {
        touch(conn, EntityKind::Birth, birth)?;
    }
    Ok(())
}

/// A fingerprint of the shipped rules (FNV-1a over the definitions as JSON).
fn rules_fingerprint() -> String {
    let text = serde_json::to_string(lohusa_core::checklist::shipped()).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// After opening: if the shipped rules changed since the cache was filled, recompute everyone.
pub(crate) fn check_rules(conn: &Connection) -> Result<(), StoreError> {
    let now = rules_fingerprint();
    if meta::get(conn, KEY_RULES)?.as_deref() != Some(now.as_str()) {
        conn.execute(
            "INSERT OR IGNORE INTO flags_stale (mother_id) SELECT id FROM mothers",
            [],
        )?;
        meta::set(conn, KEY_RULES, &now)?;
    }
    Ok(())
}

impl Store {
    /// Marks every mother stale, as new shipped rules do: the next list recomputes them all
    /// (the benchmark's cold fill).
    pub fn mark_all_flags_stale(&mut self) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO flags_stale (mother_id) SELECT id FROM mothers",
            [],
        )?;
        Ok(())
    }

    /// Recomputes the flags of every stale mother; returns how many were recomputed.
    pub fn refresh_flags(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let today = istanbul_today(now);
        self.in_write_transaction(|store| {
            let mut stmt = store.conn.prepare_cached("SELECT mother_id FROM flags_stale")?;
            let stale: Vec<Uuid> = collect_rows(&mut stmt, [], |row| id(row, 0))?;
            drop(stmt);
            // What the cache held for them goes in three statements, not three per mother.
            store.conn.execute_batch(
                "DELETE FROM visit_flags WHERE mother_id IN (SELECT mother_id FROM flags_stale);
                 DELETE FROM unsettled_mothers WHERE mother_id IN (SELECT mother_id FROM flags_stale);
                 DELETE FROM follow_up_mothers WHERE mother_id IN (SELECT mother_id FROM flags_stale);",
            )?;
            for mother in &stale {
                store.compute_flags(lohusa_core::MotherId(*mother), today)?;
            }
            // Which of them the follow-up list may show, in one statement.
            store.conn.execute(FOLLOW_UP_OF_STALE, [])?;
            store.conn.execute("DELETE FROM flags_stale", [])?;
            Ok(stale.len())
        })
    }

    /// Writes the flags of a mother the cache holds nothing for (`refresh_flags` cleared her),
    /// and whether her visits are all made.
    fn compute_flags(&self, mother: lohusa_core::MotherId, today: chrono::NaiveDate) -> Result<(), StoreError> {
        // A mother whose record is incomplete here (a birth not received yet) has no flags yet,
        // and her schedule is read with the others' until it is whole.
        let Ok(birth) = self.birth_of(mother) else {
            self.set_unsettled(mother)?;
            return Ok(());
        };
        let babies = baby_refs(&self.babies_of(birth.id)?);
        let visits = self.visits_of(mother)?;
        // All three visits made: her schedule puts nothing on the follow-up list, ever.
        let settled = VisitNumber::ALL.iter().all(|n| {
            visits
                .iter()
                .any(|v| v.extra_visit_id.is_none() && v.number == *n && v.outcome == VisitOutcome::Visited)
        });
        if !settled {
            self.set_unsettled(mother)?;
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO visit_flags (visit_id, position, mother_id, number, visited_on, visited_by, flag_key, level, lab, flag)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for visit in visits.iter().filter(|v| v.outcome == VisitOutcome::Visited) {
            for (position, flag) in visit_flags(visit, &birth, today, &babies, &visits).iter().enumerate() {
                let level = serde_json::to_value(flag.level).unwrap_or_default();
                insert.execute(params![
                    visit.id.to_string(),
                    position as i64,
                    mother.to_string(),
                    visit.number.get(),
                    visit.visited_on.to_string(),
                    visit.visited_by,
                    flag_key(flag),
                    level.as_str().unwrap_or_default(),
                    is_lab(flag),
                    serde_json::to_string(flag).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ])?;
            }
        }
        Ok(())
    }

    /// Puts her in `unsettled_mothers`: a visit of hers is not made yet.
    fn set_unsettled(&self, mother: lohusa_core::MotherId) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO unsettled_mothers (mother_id) VALUES (?1)")?
            .execute([mother.to_string()])?;
        Ok(())
    }

    /// Every (visit, flag key) a doctor signed off.
    fn reviewed_flags(&self) -> Result<std::collections::HashSet<(String, String)>, StoreError> {
        let mut reviewed = std::collections::HashSet::new();
        let mut stmt = self.conn.prepare_cached("SELECT visit_id, flags FROM reviews")?;
        collect_rows(&mut stmt, [], |row| {
            let (Some(visit), Some(flags)) = (row.get::<_, Option<String>>(0)?, row.get::<_, Option<String>>(1)?)
            else {
                return Ok(());
            };
            for key in serde_json::from_str::<Vec<String>>(&flags).unwrap_or_default() {
                reviewed.insert((visit.clone(), key));
            }
            Ok(())
        })?;
        Ok(reviewed)
    }

    /// The member who recorded each mother's latest visit, else her latest attempt.
    fn last_nurses(&self) -> Result<std::collections::HashMap<Uuid, String>, StoreError> {
        let mut nurses = std::collections::HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT mother_id, visited_by FROM visits WHERE visited_by IS NOT NULL AND mother_id IS NOT NULL
             ORDER BY outcome = 'visited', visited_on",
        )?;
        collect_rows(&mut stmt, [], |row| {
            nurses.insert(id(row, 0)?, row.get(1)?);
            Ok(())
        })?;
        Ok(nurses)
    }

    /// The doctor's follow-up list as of `now`, from what this device holds: the first `limit`
    /// rows with their flags, and how many there are of each kind.
    pub fn follow_up_list(
        &mut self,
        now: DateTime<Utc>,
        filter: &FollowUpFilter,
        limit: usize,
    ) -> Result<FollowUpList, StoreError> {
        self.refresh_flags(now)?;
        self.refresh_schedules()?;
        let today = istanbul_today(now);
        // Late, missed and due visits come from the schedule of every mother with a visit not
        // made yet, flags from the cache: only those mothers, and those with a flag, are read.
        // Where she lives, her nationality and her nurse are read for each of them only when the
        // list is filtered by one of these; else only for the rows shown (below).
        let people = filter.nurse.is_some() || filter.neighbourhood.is_some() || filter.nationality.is_some();
        let names = self.member_names()?;
        // Who last visited each mother: for every mother only when the list is filtered by
        // nurse, else just for the rows shown (below).
        let nurses = if filter.nurse.is_some() {
            self.last_nurses()?
        } else {
            Default::default()
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM follow_up_mothers f CROSS JOIN schedules s ON s.mother_id = f.mother_id",
            if people {
                crate::schedules::COLUMNS
            } else {
                crate::schedules::WINDOW_COLUMNS
            }
        ))?;
        let mothers = collect_rows(&mut stmt, [], |row| {
            let (schedule, nationality) = if people {
                crate::schedules::row(row, &names)?
            } else {
                (crate::schedules::window_row(row)?, None)
            };
            Ok(FollowUpMother {
                // Her nurse is the one she is assigned to; else who last visited her.
                nurse: (schedule.case.assigned_name.clone()).or_else(|| nurses.get(&schedule.mother_id.0).cloned()),
                schedule,
                nationality,
            })
        })?;
        drop(stmt);
        // Flags a doctor signed off leave the list.
        let reviewed = self.reviewed_flags()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT mother_id, visit_id, position, number, visited_on, visited_by, level, lab, flag_key
             FROM visit_flags WHERE level != 'note' OR lab = 1",
        )?;
        let flags = collect_rows(&mut stmt, [], |row| {
            if !reviewed.is_empty() {
                let key: (String, String) = (row.get(1)?, row.get(8)?);
                if reviewed.contains(&key) {
                    return Ok(None);
                }
            }
            let number: u8 = row.get(3)?;
            Ok(Some(VisitFlag {
                mother_id: id(row, 0)?,
                visit_id: lohusa_core::VisitId(id(row, 1)?),
                position: row.get(2)?,
                number: number.try_into().map_err(StoreError::Corrupt)?,
                visited_on: date(row, 4)?,
                visited_by: if people {
                    row.get::<_, Option<String>>(5)?.unwrap_or_default()
                } else {
                    String::new()
                },
                level: enum_col(row, 6)?,
                lab: row.get(7)?,
            }))
        })?;
        let flags: Vec<VisitFlag> = flags.into_iter().flatten().collect();
        let (mut rows, counts) = follow_up_page(&mothers, &flags, today, filter, limit);
        let total = counts.iter().map(|(_, n)| *n as usize).sum();
        // The reasons, and what was not read above, only for the rows shown.
        let mut read = self
            .conn
            .prepare_cached("SELECT flag, visited_by FROM visit_flags WHERE visit_id = ?1 AND position = ?2")?;
        let mut person = self.conn.prepare_cached(
            "SELECT neighbourhood, nationality, assigned_to, closed_on, closed_reason FROM schedules
             WHERE mother_id = ?1",
        )?;
        let mut nurse = self.conn.prepare_cached(
            "SELECT visited_by FROM visits WHERE mother_id = ?1 AND visited_by IS NOT NULL
             ORDER BY outcome = 'visited' DESC, visited_on DESC LIMIT 1",
        )?;
        for row in &mut rows {
            if let (Some(visit), Some(position)) = (row.visit_id, row.position) {
                let (text, visited_by): (String, Option<String>) =
                    read.query_row(params![visit.to_string(), position], |r| Ok((r.get(0)?, r.get(1)?)))?;
                row.flag = Some(serde_json::from_str::<Flag>(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?);
                if !people {
                    // A flag's nurse is who recorded the visit that raised it.
                    row.nurse = Some(visited_by.unwrap_or_default());
                }
            }
            if !people {
                let mut found = person.query([row.mother_id.to_string()])?;
                if let Some(hers) = found.next()? {
                    row.neighbourhood = hers.get(0)?;
                    row.nationality = hers.get(1)?;
                    if row.nurse.is_none() {
                        row.nurse = crate::cases::case_state(hers, 2, &names)?.assigned_name;
                    }
                }
            }
            if row.nurse.is_none() {
                row.nurse = nurse
                    .query_row([row.mother_id.to_string()], |r| r.get::<_, Option<String>>(0))
                    .optional()?
                    .flatten();
            }
        }
        Ok(FollowUpList {
            rows,
            total,
            counts,
            today,
            last_sync: self.last_sync_success()?,
        })
    }
}
