//! The red flags of recorded visits, kept in `visit_flags` for the follow-up lists, and the
//! follow-up list query.
//!
//! Flags stay a pure function of a mother's records (computed by the core); this is a cache of
//! it. Every write to a mother, birth, baby or visit marks her stale in the same transaction, and
//! a list first recomputes the stale mothers. A new set of shipped rules marks everyone stale.

use chrono::{DateTime, Utc};
use lohusa_core::EntityKind;
use lohusa_core::flags::Flag;
use lohusa_core::followup::{FollowUpFilter, FollowUpMother, FollowUpRow, VisitFlag, follow_up_list};
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::{VisitOutcome, baby_refs, visit_flags};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::mothers::{date, id};
use crate::{Store, StoreError, collect_rows, meta};

const KEY_RULES: &str = "flag_rules";

/// The doctor's list and how fresh the data behind it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct FollowUpList {
    pub rows: Vec<FollowUpRow>,
    pub today: chrono::NaiveDate,
    /// The last successful sync: the list knows nothing recorded elsewhere since.
    pub last_sync: Option<DateTime<Utc>>,
}

/// Marks the mother a written entity belongs to as stale. A visit or baby whose mother is not
/// known yet (its fields arrive in another change) is marked when that change arrives.
pub(crate) fn touch(conn: &Connection, entity: EntityKind, entity_id: Uuid) -> Result<(), StoreError> {
    let owner = |sql: &str| -> Result<Option<String>, StoreError> {
        Ok(conn
            .prepare_cached(sql)?
            .query_row([entity_id.to_string()], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten())
    };
    let mother = match entity {
        EntityKind::Mother => Some(entity_id.to_string()),
        EntityKind::Visit => owner("SELECT mother_id FROM visits WHERE id = ?1")?,
        EntityKind::Birth => owner("SELECT mother_id FROM births WHERE id = ?1")?,
        EntityKind::Baby => owner("SELECT mother_id FROM babies WHERE id = ?1")?,
        EntityKind::Member => None,
    };
    if let Some(mother) = mother {
        conn.prepare_cached("INSERT OR IGNORE INTO flags_stale (mother_id) VALUES (?1)")?
            .execute([mother])?;
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
    /// Recomputes the flags of every stale mother; returns how many were recomputed.
    pub fn refresh_flags(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let today = istanbul_today(now);
        self.in_write_transaction(|store| {
            let mut stmt = store.conn.prepare_cached("SELECT mother_id FROM flags_stale")?;
            let stale: Vec<Uuid> = collect_rows(&mut stmt, [], |row| id(row, 0))?;
            drop(stmt);
            for mother in &stale {
                store.compute_flags(lohusa_core::MotherId(*mother), today)?;
            }
            store.conn.execute("DELETE FROM flags_stale", [])?;
            Ok(stale.len())
        })
    }

    fn compute_flags(&self, mother: lohusa_core::MotherId, today: chrono::NaiveDate) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM visit_flags WHERE mother_id = ?1")?
            .execute([mother.to_string()])?;
        // A mother whose record is incomplete here (a birth not received yet) has no flags yet.
        let Ok(birth) = self.birth_of(mother) else {
            return Ok(());
        };
        let babies = baby_refs(&self.babies_of(birth.id)?);
        let visits = self.visits_of(mother)?;
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO visit_flags (visit_id, position, mother_id, level, flag) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for visit in visits.iter().filter(|v| v.outcome == VisitOutcome::Visited) {
            for (position, flag) in visit_flags(visit, &birth, today, &babies, &visits).iter().enumerate() {
                let level = serde_json::to_value(flag.level).unwrap_or_default();
                insert.execute(params![
                    visit.id.to_string(),
                    position as i64,
                    mother.to_string(),
                    level.as_str().unwrap_or_default(),
                    serde_json::to_string(flag).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ])?;
            }
        }
        Ok(())
    }

    /// The doctor's follow-up list as of `now`, from what this device holds.
    pub fn follow_up_list(&mut self, now: DateTime<Utc>, filter: &FollowUpFilter) -> Result<FollowUpList, StoreError> {
        self.refresh_flags(now)?;
        let today = istanbul_today(now);
        // Late, missed and due visits come from the schedule of every mother with a window
        // still to decide; flags from the cache.
        let schedule = self.schedule_rows(|_| true)?;
        let mut nurses: std::collections::HashMap<Uuid, String> = std::collections::HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT mother_id, visited_by FROM visits WHERE outcome = 'visited' AND visited_by IS NOT NULL
             ORDER BY visited_on",
        )?;
        collect_rows(&mut stmt, [], |row| {
            nurses.insert(id(row, 0)?, row.get(1)?);
            Ok(())
        })?;
        let mothers: Vec<FollowUpMother> = schedule
            .into_iter()
            .map(|(row, nationality)| FollowUpMother {
                nurse: nurses.get(&row.mother_id.0).cloned(),
                schedule: row,
                nationality,
            })
            .collect();
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.mother_id, f.visit_id, v.number, v.visited_on, v.visited_by, f.flag
             FROM visit_flags f JOIN visits v ON v.id = f.visit_id
             WHERE f.level IN ('urgent', 'attention', 'note')",
        )?;
        let flags = collect_rows(&mut stmt, [], |row| {
            let number: u8 = row.get(2)?;
            let flag: String = row.get(5)?;
            Ok(VisitFlag {
                mother_id: lohusa_core::MotherId(id(row, 0)?),
                visit_id: lohusa_core::VisitId(id(row, 1)?),
                number: number.try_into().map_err(StoreError::Corrupt)?,
                visited_on: date(row, 3)?,
                visited_by: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
                flag: serde_json::from_str::<Flag>(&flag).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            })
        })?;
        Ok(FollowUpList {
            rows: follow_up_list(&mothers, &flags, today, filter),
            today,
            last_sync: self.sync_status()?.last_success,
        })
    }
}
