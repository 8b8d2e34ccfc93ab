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
use lohusa_core::registration::{BabyRecord, BirthRecord};
use lohusa_core::review::flag_key;
use lohusa_core::schedule::VisitNumber;
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::{VisitOutcome, VisitRecord, baby_refs, visit_flags};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
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
/// schedule cache), read from the entity's row, and returns her. A visit or baby whose mother is not known yet (its fields
/// arrive in another change) is marked when that change arrives.
///
/// A sign-off changes only the follow-up list of the mother whose visit it signs, and a member
/// only the rows naming her as the nurse a mother is assigned to (`follow_up_stale`).
fn touch_looked_up(conn: &Connection, entity: EntityKind, entity_id: Uuid) -> Result<Option<String>, StoreError> {
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
        mark_stale(conn, mother)?;
    }
    Ok(mother)
}

/// After writing `written` to a record, marks the mother it belongs to stale and returns her,
/// within a transaction that has already marked the mothers in `marked` (nothing clears the
/// marks before it ends): a record the write gave its mother (every record registered here and
/// most of what a new tablet receives) is hers without reading her back from its row
/// (`touch_looked_up` reads it), and a mother is marked once however many of her records come.
pub(crate) fn touch(
    conn: &Connection,
    entity: EntityKind,
    entity_id: Uuid,
    written: &lohusa_core::FieldValues,
    marked: &mut std::collections::HashSet<String>,
) -> Result<Option<String>, StoreError> {
    // The kinds whose row names its mother in `mother_id`, as `apply::mother_of` reads it.
    let by_column = !matches!(
        entity,
        EntityKind::Mother | EntityKind::Member | EntityKind::StockMovement | EntityKind::Review
    );
    let mother = match written.get("mother_id") {
        Some(serde_json::Value::String(mother)) if by_column => {
            if !marked.contains(mother) {
                mark_stale(conn, mother)?;
            }
            Some(mother.clone())
        }
        _ => touch_looked_up(conn, entity, entity_id)?,
    };
    if let Some(mother) = &mother {
        marked.insert(mother.clone());
    }
    Ok(mother)
}

/// Marks a mother's flags and her row of the schedule cache stale.
fn mark_stale(conn: &Connection, mother: &str) -> Result<(), StoreError> {
    for stale in [
        "INSERT OR IGNORE INTO flags_stale (mother_id) VALUES (?1)",
        "INSERT OR IGNORE INTO schedules_stale (mother_id) VALUES (?1)",
    ] {
        conn.prepare_cached(stale)?.execute([mother])?;
    }
    Ok(())
}

/// Before a write that may move a record to another mother (it sets the mother or, for a baby,
/// the birth it belongs to), marks the mother it belongs to until then as stale: her lists must
/// lose what moves. `touch` after the write marks the mother it belongs to then; a baby moved to
/// another birth marks the mothers of the birth it leaves and of the one it joins too. A sign-off moved to another visit marks the
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
    touch_looked_up(conn, entity, entity_id)?;
    if let Some(serde_json::Value::String(birth)) = fields.get("birth_id")
        && let Ok(birth) = birth.parse::<Uuid>()
    {
        touch_looked_up(conn, EntityKind::Birth, birth)?;
        // The mother of the birth it leaves: her flags read her birth's babies, whatever the
        // baby's own row names as its mother.
        if entity == EntityKind::Baby
            && let serde_json::Value::String(left) =
                crate::apply::read(conn, EntityKind::Baby, &entity_id.to_string(), "birth_id")?
            && let Ok(left) = left.parse::<Uuid>()
        {
            touch_looked_up(conn, EntityKind::Birth, left)?;
        }
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
/// The check and the marks are one transaction under the write lock, so of several processes
/// opening the file after an update, one marks everyone and the others find the rules current.
pub(crate) fn check_rules(conn: &Connection) -> Result<(), StoreError> {
    let now = rules_fingerprint();
    if meta::get(conn, KEY_RULES)?.as_deref() == Some(now.as_str()) {
        return Ok(());
    }
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    if meta::get(&tx, KEY_RULES)?.as_deref() != Some(now.as_str()) {
        mark_everyone_stale(&tx)?;
        meta::set(&tx, KEY_RULES, &now)?;
    }
    Ok(tx.commit()?)
}

/// Marks every mother stale, and any other the cache holds rows of (a birth received before
/// its mother's record): `refresh_flags` then finds every row of the cache stale and empties
/// its tables at once, in its own transaction.
fn mark_everyone_stale(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "INSERT OR IGNORE INTO flags_stale (mother_id) SELECT id FROM mothers;
         INSERT OR IGNORE INTO flags_stale (mother_id) SELECT DISTINCT mother_id FROM visit_flags;
         INSERT OR IGNORE INTO flags_stale (mother_id) SELECT mother_id FROM unsettled_mothers;
         INSERT OR IGNORE INTO flags_stale (mother_id) SELECT mother_id FROM follow_up_mothers;",
    )?;
    Ok(())
}

/// How many stale mothers the filling thread reads at a time and hands to the computing one.
const FILL_CHUNK: usize = 64;

/// What `refresh_flags` reads of a stale mother, from which her flags are computed on another
/// thread: her latest birth (none while her record is incomplete here), its babies, and her
/// visits with their answers as stored.
struct MotherRecords {
    mother: lohusa_core::MotherId,
    birth: Option<(BirthRecord, Vec<BabyRecord>)>,
    visits: Vec<(VisitRecord, Option<String>)>,
}

/// A stale mother's cache rows, as computed from her records.
struct MotherFlags {
    mother: String,
    /// A visit of hers is not made yet (or her record is incomplete).
    unsettled: bool,
    rows: Vec<FlagRow>,
}

/// One row of `visit_flags`.
struct FlagRow {
    visit_id: String,
    position: i64,
    number: u8,
    visited_on: String,
    visited_by: String,
    key: String,
    level: String,
    lab: bool,
    flag: String,
}

impl MotherRecords {
    /// Her cache rows: every flag of each visit made, and whether her visits are all made.
    fn flags(self, today: chrono::NaiveDate) -> Result<MotherFlags, StoreError> {
        let mother = self.mother.to_string();
        // A mother whose record is incomplete here (a birth not received yet) has no flags yet,
        // and her schedule is read with the others' until it is whole.
        let Some((birth, babies)) = self.birth else {
            return Ok(MotherFlags {
                mother,
                unsettled: true,
                rows: Vec::new(),
            });
        };
        let babies = baby_refs(&babies);
        let visits = self
            .visits
            .into_iter()
            .map(|(mut visit, answers)| {
                crate::visits::read_answers(&mut visit, answers.as_deref())?;
                Ok(visit)
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // All three visits made: her schedule puts nothing on the follow-up list, ever.
        let settled = VisitNumber::ALL.iter().all(|n| {
            visits
                .iter()
                .any(|v| v.extra_visit_id.is_none() && v.number == *n && v.outcome == VisitOutcome::Visited)
        });
        let mut rows = Vec::new();
        for visit in visits.iter().filter(|v| v.outcome == VisitOutcome::Visited) {
            for (position, flag) in visit_flags(visit, &birth, today, &babies, &visits).iter().enumerate() {
                let level = serde_json::to_value(flag.level).unwrap_or_default();
                rows.push(FlagRow {
                    visit_id: visit.id.to_string(),
                    position: position as i64,
                    number: visit.number.get(),
                    visited_on: visit.visited_on.to_string(),
                    visited_by: visit.visited_by.clone(),
                    key: flag_key(flag),
                    level: level.as_str().unwrap_or_default().to_owned(),
                    lab: is_lab(flag),
                    flag: serde_json::to_string(flag).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                });
            }
        }
        Ok(MotherFlags {
            mother,
            unsettled: !settled,
            rows,
        })
    }
}

impl Store {
    /// Marks every mother stale, as new shipped rules do: the next list recomputes them all
    /// (the benchmark's cold fill).
    pub fn mark_all_flags_stale(&mut self) -> Result<(), StoreError> {
        self.in_write_transaction(|store| mark_everyone_stale(&store.conn))
    }

    /// Recomputes the flags of every stale mother; returns how many were recomputed.
    ///
    /// This thread reads each stale mother's records and writes her rows; a second thread
    /// computes her flags from the records (the rules and the answers' JSON), up to four chunks
    /// of `FILL_CHUNK` mothers behind the reading, so a fill of the whole cache keeps both busy.
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
            let stale: Vec<lohusa_core::MotherId> = collect_rows(&mut stmt, [], |row| id(row, 0))?;
            drop(stmt);
            // What the cache held for them goes in three statements, not three per mother; their
            // rows of the follow-up list are rebuilt from what replaces it.
            store.conn.execute(
                "INSERT OR IGNORE INTO follow_up_stale (mother_id) SELECT mother_id FROM flags_stale",
                [],
            )?;
            for table in ["visit_flags", "unsettled_mothers", "follow_up_mothers"] {
                // A table whose every row is a stale mother's (new rules marked everyone) is
                // emptied at once, far cheaper than mother by mother. The check stops at the
                // first row of a mother not stale: after one write, the first row it reads.
                let all_stale: bool = (store.conn)
                    .prepare_cached(&format!(
                        "SELECT NOT EXISTS (SELECT 1 FROM {table} t WHERE NOT EXISTS
                                                (SELECT 1 FROM flags_stale s WHERE s.mother_id = t.mother_id))"
                    ))?
                    .query_row([], |r| r.get(0))?;
                let delete = match all_stale {
                    true => format!("DELETE FROM {table}"),
                    false => format!("DELETE FROM {table} WHERE mother_id IN (SELECT mother_id FROM flags_stale)"),
                };
                store.conn.execute(&delete, [])?;
            }
            std::thread::scope(|scope| {
                let (send, to_compute) = std::sync::mpsc::sync_channel::<Vec<MotherRecords>>(4);
                let (computed, to_write) = std::sync::mpsc::channel::<Result<Vec<MotherFlags>, StoreError>>();
                scope.spawn(move || {
                    for chunk in to_compute {
                        let flags = chunk.into_iter().map(|records| records.flags(today)).collect();
                        // The writing side stopped (an error): nothing more is needed.
                        if computed.send(flags).is_err() {
                            break;
                        }
                    }
                });
                let write = |flags: Result<Vec<MotherFlags>, StoreError>| -> Result<(), StoreError> {
                    flags?.iter().try_for_each(|flags| store.write_flags(flags))
                };
                for chunk in stale.chunks(FILL_CHUNK) {
                    let records = chunk
                        .iter()
                        .map(|mother| store.records_for_flags(*mother))
                        .collect::<Result<Vec<_>, _>>()?;
                    if send.send(records).is_err() {
                        break;
                    }
                    // Write what is computed so far, without waiting.
                    while let Ok(flags) = to_write.try_recv() {
                        write(flags)?;
                    }
                }
                // No more to compute: the computing thread ends once it has sent the rest.
                drop(send);
                to_write.into_iter().try_for_each(write)
            })?;
            // Which of them the follow-up list may show, in one statement.
            store.conn.execute(FOLLOW_UP_OF_STALE, [])?;
            store.conn.execute("DELETE FROM flags_stale", [])?;
            Ok(stale.len())
        })
    }

    /// What a stale mother's flags are computed from (`MotherRecords`).
    fn records_for_flags(&self, mother: lohusa_core::MotherId) -> Result<MotherRecords, StoreError> {
        let Ok(birth) = self.birth_of(mother) else {
            return Ok(MotherRecords {
                mother,
                birth: None,
                visits: Vec::new(),
            });
        };
        let babies = self.babies_of(birth.id)?;
        Ok(MotherRecords {
            mother,
            birth: Some((birth, babies)),
            visits: self.visits_unread(mother)?,
        })
    }

    /// Writes a stale mother's rows, which `refresh_flags` cleared.
    fn write_flags(&self, flags: &MotherFlags) -> Result<(), StoreError> {
        if flags.unsettled {
            self.conn
                .prepare_cached("INSERT OR IGNORE INTO unsettled_mothers (mother_id) VALUES (?1)")?
                .execute([&flags.mother])?;
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO visit_flags (visit_id, position, mother_id, number, visited_on, visited_by, flag_key, level, lab, flag)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for row in &flags.rows {
            insert.execute(params![
                row.visit_id,
                row.position,
                flags.mother,
                row.number,
                row.visited_on,
                row.visited_by,
                row.key,
                row.level,
                row.lab,
                row.flag,
            ])?;
        }
        Ok(())
    }
}
