//! The red flags of recorded visits, kept in `visit_flags` for the follow-up list.
//!
//! Flags stay a pure function of a mother's records (computed by the core); this is a cache of
//! it, with whether all her visits are made (`unsettled_mothers` holds those who are not) and
//! whether the follow-up list may show her (`follow_up_mothers`: unsettled, or with a flag that
//! goes on the list). Every write to a mother, birth, baby or visit marks her stale in the same
//! transaction, and a list first recomputes the stale mothers. A new set of shipped rules marks
//! everyone stale.

use chrono::{DateTime, Utc};
use lohusa_core::EntityKind;
use lohusa_core::followup::is_lab;
use lohusa_core::review::flag_key;
use lohusa_core::schedule::VisitNumber;
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::{VisitOutcome, baby_refs, visit_flags};
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::mothers::id;
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

/// Marks the mother a written entity belongs to as stale (her flags, and her row of the
/// schedule cache), and returns her. A visit or baby whose mother is not known yet (its fields
/// arrive in another change) is marked when that change arrives.
///
/// A sign-off changes only the follow-up list of the mother whose visit it signs, and a member
/// only the rows naming her as the nurse a mother is assigned to (`follow_up_stale`).
pub(crate) fn touch(conn: &Connection, entity: EntityKind, entity_id: Uuid) -> Result<Option<String>, StoreError> {
    let mother = match entity {
        EntityKind::Review => {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO follow_up_stale (mother_id)
                 SELECT v.mother_id FROM reviews r JOIN visits v ON v.id = r.visit_id
                 WHERE r.id = ?1 AND v.mother_id IS NOT NULL",
            )?
            .execute([entity_id.to_string()])?;
            None
        }
        EntityKind::Member => {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO follow_up_stale (mother_id)
                 SELECT mother_id FROM schedules WHERE lower(assigned_to) = ?1",
            )?
            .execute([entity_id.to_string()])?;
            None
        }
        EntityKind::StockMovement => None,
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
/// another birth marks that birth's mother too. A sign-off moved to another visit marks the
/// mother of the visit it signed until then.
pub(crate) fn touch_moved(
    conn: &Connection,
    entity: EntityKind,
    entity_id: Uuid,
    fields: &lohusa_core::FieldValues,
) -> Result<(), StoreError> {
    if !["mother_id", "birth_id", "visit_id"]
        .iter()
        .any(|field| fields.contains_key(*field))
    {
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
    fingerprint(&serde_json::to_string(lohusa_core::checklist::shipped()).unwrap_or_default())
}

/// FNV-1a of a text, as 16 hex digits: what a cache records of the rules it was built by.
pub(crate) fn fingerprint(text: &str) -> String {
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
        // Nothing stale: no write lock to wait for behind a sync.
        let stale: bool = (self.conn)
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM flags_stale)")?
            .query_row([], |r| r.get(0))?;
        if !stale {
            return Ok(0);
        }
        self.in_write_transaction(|store| {
            let mut stmt = store.conn.prepare_cached("SELECT mother_id FROM flags_stale")?;
            let stale: Vec<Uuid> = collect_rows(&mut stmt, [], |row| id(row, 0))?;
            drop(stmt);
            // What the cache held for them goes in three statements, not three per mother; their
            // rows of the follow-up list are rebuilt from what replaces it.
            store.conn.execute_batch(
                "INSERT OR IGNORE INTO follow_up_stale (mother_id) SELECT mother_id FROM flags_stale;
                 DELETE FROM visit_flags WHERE mother_id IN (SELECT mother_id FROM flags_stale);
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
}
