//! The doctor's follow-up list, kept row by row in `follow_up_rows` as of one day, so a read
//! costs in proportion to the rows shown, not to the mothers on the list.
//!
//! The core's `followup` module says what the list holds and in which order; this is a cache of
//! it, built from the flag and schedule caches. A mother's rows are rebuilt when her flags or
//! schedule row are recomputed, when a sign-off of one of her visits or a member she is assigned
//! to is written (`follow_up_stale`, filled in the same transaction as the write), and on the
//! first day her schedule's rows may change (`follow_up_changes`). A read on another day first
//! rebuilds the mothers whose change day has come; a read on an earlier day than the cache's (a
//! clock put back) rebuilds everyone. `follow_up_list_recomputed` computes the same list without
//! this cache: the tests and the bench check that the two agree.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use lohusa_core::flags::Flag;
use lohusa_core::followup::{
    FollowUpFilter, FollowUpKind, FollowUpMother, FollowUpRow, VisitFlag, flag_kind, follow_up_page, schedule_entries,
    schedule_entries_change_on,
};
use lohusa_core::search::fold_for_search;
use lohusa_core::time::istanbul_today;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params, params_from_iter};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::mothers::{date, enum_col, id};
use crate::{Store, StoreError, collect_rows, meta};

/// The day `follow_up_rows` holds the list of, as days from the common era.
const KEY_DAY: &str = "follow_up_day";

/// The fingerprint of the rules `follow_up_rows` was built by.
const KEY_RULES: &str = "follow_up_rules";

/// What the kept rows are worked out by, beyond the records (`followup::rules_probe`): a build
/// that changes any of it rebuilds the list once.
static RULES: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::flag_cache::fingerprint(&lohusa_core::followup::rules_probe()));

/// Who last visited a mother (`s`): the nurse of her latest visit, else of her latest attempt.
const LAST_NURSE: &str = "(SELECT v.visited_by FROM visits v INDEXED BY visits_by_mother
      WHERE v.mother_id = s.mother_id AND v.visited_by IS NOT NULL
      ORDER BY v.outcome = 'visited' DESC, v.visited_on DESC, v.id DESC LIMIT 1)";

/// The list's order, as `followup::follow_up_page` sorts it (`follow_up_rows_in_order`).
const ORDER: &str = "kind, day, full_name, number, mother_id, visit_id, position";

/// The doctor's list and how fresh the data behind it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct FollowUpList {
    /// The first rows, in order.
    pub rows: Vec<FollowUpRow>,
    /// How many rows the whole list has, and of each kind (in the list's order).
    pub total: usize,
    pub counts: Vec<(FollowUpKind, u32)>,
    pub today: NaiveDate,
    /// The last successful sync: the list knows nothing recorded elsewhere since.
    pub last_sync: Option<DateTime<Utc>>,
}

/// A flag of a listed mother as the cache reads it, with the key a sign-off names it by.
struct ListedFlag {
    flag: VisitFlag,
    key: String,
}

impl Store {
    /// The doctor's follow-up list as of `now`, from what this device holds: the first `limit`
    /// rows with their flags, and how many there are of each kind.
    pub fn follow_up_list(
        &mut self,
        now: DateTime<Utc>,
        filter: &FollowUpFilter,
        limit: usize,
    ) -> Result<FollowUpList, StoreError> {
        // Another process sharing the file (the app and the command line) may write a mother,
        // or bring the list to another day, between the refreshes and the read: the read checks,
        // in one read transaction, that nothing it reads waits for a rebuild, and refreshes again
        // if it must; the third time, refreshes and read hold the write lock together.
        for _ in 0..2 {
            let today = self.refresh_list_caches(now)?;
            self.refresh_follow_up(today)?;
            let tx = match self.conn.is_autocommit() {
                true => Some(self.conn.unchecked_transaction()?),
                false => None,
            };
            if self.follow_up_whole(today)? {
                let list = self.read_follow_up(today, filter, limit)?;
                tx.map(|tx| tx.commit()).transpose()?;
                return Ok(list);
            }
        }
        self.in_write_transaction(|store| {
            let today = store.refresh_list_caches(now)?;
            store.refresh_follow_up(today)?;
            store.read_follow_up(today, filter, limit)
        })
    }

    /// Whether, in what this connection reads now, the kept rows are fresh (`follow_up_fresh`)
    /// and no mother's flags or schedule row wait to be recomputed: the rows, the flags they
    /// name and the records agree. (A write landing between the refreshes and the read would
    /// otherwise show her visit made but not the flags it raised.)
    fn follow_up_whole(&self, today: NaiveDate) -> Result<bool, StoreError> {
        let stale: bool = (self.conn)
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM flags_stale) OR EXISTS (SELECT 1 FROM schedules_stale)")?
            .query_row([], |r| r.get(0))?;
        Ok(!stale && self.follow_up_fresh(today)?)
    }

    /// Brings the flag and schedule caches the list is built from up to date; returns the day
    /// `now` falls on.
    fn refresh_list_caches(&mut self, now: DateTime<Utc>) -> Result<NaiveDate, StoreError> {
        self.refresh_flags(now)?;
        self.refresh_schedules()?;
        Ok(istanbul_today(now))
    }

    /// The day `follow_up_rows` holds, if it holds one.
    fn follow_up_day(&self) -> Result<Option<i32>, StoreError> {
        Ok(meta::get(&self.conn, KEY_DAY)?.and_then(|d| d.parse().ok()))
    }

    /// Whether the kept rows are `today`'s, by this build's rules, with no mother's marked for a
    /// rebuild.
    fn follow_up_fresh(&self, today: NaiveDate) -> Result<bool, StoreError> {
        let stale: bool = (self.conn)
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM follow_up_stale)")?
            .query_row([], |r| r.get(0))?;
        Ok(!stale && self.follow_up_day()? == Some(today.num_days_from_ce()) && self.follow_up_rules_held()?)
    }

    /// Whether the kept rows were built by this build's rules.
    fn follow_up_rules_held(&self) -> Result<bool, StoreError> {
        Ok(meta::get(&self.conn, KEY_RULES)?.as_deref() == Some(RULES.as_str()))
    }

    /// The page and counts of the kept list, as it stands.
    fn read_follow_up(
        &self,
        today: NaiveDate,
        filter: &FollowUpFilter,
        limit: usize,
    ) -> Result<FollowUpList, StoreError> {
        // Only the filters asked for go in the statement, so each set of them is prepared once
        // and the unfiltered list walks the order's index for its first rows.
        let mut conditions = Vec::new();
        let mut values: Vec<SqlValue> = Vec::new();
        let mut condition = |column: &str, value: SqlValue| {
            values.push(value);
            conditions.push(format!("{column} ?{}", values.len()));
        };
        for (column, text) in [
            ("nurse_key =", &filter.nurse),
            ("place_key =", &filter.neighbourhood),
            ("nation_key =", &filter.nationality),
        ] {
            if let Some(text) = text {
                condition(column, SqlValue::Text(fold_for_search(text)));
            }
        }
        if let Some(number) = filter.number {
            condition("number =", SqlValue::Integer(number.get().into()));
        }
        if let Some(from) = filter.from {
            condition("day >=", SqlValue::Integer(from.num_days_from_ce().into()));
        }
        if let Some(to) = filter.to {
            condition("day <=", SqlValue::Integer(to.num_days_from_ce().into()));
        }
        let filtered = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT kind, count(*) FROM follow_up_rows {filtered} GROUP BY kind ORDER BY kind"
        ))?;
        let counts = collect_rows(&mut stmt, params_from_iter(&values), |row| {
            Ok((kind(row.get(0)?)?, row.get::<_, u32>(1)?))
        })?;
        drop(stmt);
        let total = counts.iter().map(|(_, n)| *n as usize).sum();
        values.push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT mother_id, kind, day, full_name, number, visit_id, position, neighbourhood, nationality, nurse
             FROM follow_up_rows {filtered} ORDER BY {ORDER} LIMIT ?{}",
            values.len()
        ))?;
        let mut rows = collect_rows(&mut stmt, params_from_iter(&values), |row| {
            let number: u8 = row.get(4)?;
            Ok(FollowUpRow {
                kind: kind(row.get(1)?)?,
                mother_id: id(row, 0)?,
                full_name: row.get(3)?,
                neighbourhood: row.get(7)?,
                nationality: row.get(8)?,
                number: number.try_into().map_err(StoreError::Corrupt)?,
                date: day(row.get(2)?)?,
                nurse: row.get(9)?,
                flag: None,
                visit_id: row
                    .get::<_, Option<String>>(5)?
                    .is_some()
                    .then(|| id(row, 5))
                    .transpose()?,
                position: row.get(6)?,
            })
        })?;
        drop(stmt);
        self.fill_flags(&mut rows)?;
        Ok(FollowUpList {
            rows,
            total,
            counts,
            today,
            last_sync: self.last_sync_success()?,
        })
    }

    /// Brings `follow_up_rows` to `today`: rebuilds the rows of every stale mother and of every
    /// mother whose change day has come, or of everyone when the cache holds another day than
    /// one before today. Returns how many mothers were rebuilt.
    pub(crate) fn refresh_follow_up(&mut self, today: NaiveDate) -> Result<usize, StoreError> {
        let day = today.num_days_from_ce();
        if self.follow_up_fresh(today)? {
            return Ok(0);
        }
        self.in_write_transaction(|store| {
            // Read again under the write lock: another process may have refreshed it meanwhile.
            if store.follow_up_fresh(today)? {
                return Ok(0);
            }
            // Rows built by other rules are all rebuilt, as for a list never built.
            let held = match store.follow_up_rules_held()? {
                true => store.follow_up_day()?,
                false => None,
            };
            let conn = &store.conn;
            match held {
                Some(held) if held == day => {}
                Some(held) if held < day => {
                    conn.prepare_cached(
                        "INSERT OR IGNORE INTO follow_up_stale (mother_id)
                         SELECT mother_id FROM follow_up_changes WHERE day <= ?1",
                    )?
                    .execute([day])?;
                }
                // Never built, or built for a later day than today: its rows may have left the
                // list on a day between, and come back.
                _ => conn.execute_batch(
                    "DELETE FROM follow_up_rows;
                     DELETE FROM follow_up_changes;
                     INSERT OR IGNORE INTO follow_up_stale (mother_id) SELECT mother_id FROM follow_up_mothers;",
                )?,
            }
            conn.execute_batch(
                "DELETE FROM follow_up_rows WHERE mother_id IN (SELECT mother_id FROM follow_up_stale);
                 DELETE FROM follow_up_changes WHERE mother_id IN (SELECT mother_id FROM follow_up_stale);",
            )?;
            let rebuilt = rebuild_stale(conn, &store.member_names()?, today)?;
            conn.execute("DELETE FROM follow_up_stale", [])?;
            meta::set(conn, KEY_DAY, &day.to_string())?;
            meta::set(conn, KEY_RULES, &RULES)?;
            Ok(rebuilt)
        })
    }

    /// Each flag row's flag, with its reasons: read only for the rows shown.
    fn fill_flags(&self, rows: &mut [FollowUpRow]) -> Result<(), StoreError> {
        let mut read = self
            .conn
            .prepare_cached("SELECT flag FROM visit_flags WHERE visit_id = ?1 AND position = ?2")?;
        for row in rows {
            if let (Some(visit), Some(position)) = (row.visit_id, row.position) {
                let text: String = read.query_row(params![visit.to_string(), position], |r| r.get(0))?;
                row.flag = Some(serde_json::from_str::<Flag>(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?);
            }
        }
        Ok(())
    }

    /// The same list as `follow_up_list`, computed afresh by the core from the flag and schedule
    /// caches without the list's own cache: every listed mother and flag is read. What the list
    /// must equal (the store's tests and the bench compare them); too slow for a screen.
    pub fn follow_up_list_recomputed(
        &mut self,
        now: DateTime<Utc>,
        filter: &FollowUpFilter,
        limit: usize,
    ) -> Result<FollowUpList, StoreError> {
        let today = self.refresh_list_caches(now)?;
        let names = self.member_names()?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {}, {LAST_NURSE} FROM follow_up_mothers f CROSS JOIN schedules s ON s.mother_id = f.mother_id",
            crate::schedules::COLUMNS
        ))?;
        let mothers = collect_rows(&mut stmt, [], |row| listed_mother(row, &names))?;
        drop(stmt);
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{FLAGS} FROM visit_flags f WHERE {LISTED}"))?;
        let flags = collect_rows(&mut stmt, [], listed_flag)?;
        drop(stmt);
        let mut reviews = Reviews::new(&self.conn)?;
        let mut unreviewed = Vec::new();
        for listed in flags {
            if !reviews.signed_off(&listed)? {
                unreviewed.push(listed.flag);
            }
        }
        drop(reviews);
        let (mut rows, counts) = follow_up_page(&mothers, &unreviewed, today, filter, limit);
        self.fill_flags(&mut rows)?;
        Ok(FollowUpList {
            total: counts.iter().map(|(_, n)| *n as usize).sum(),
            rows,
            counts,
            today,
            last_sync: self.last_sync_success()?,
        })
    }
}

/// What the list reads of a flag (`f`), in the order `listed_flag` takes it.
const FLAGS: &str = "SELECT f.mother_id, f.visit_id, f.position, f.number, f.visited_on, f.visited_by, f.level, \
     f.lab, f.flag_key";

/// The flags that go on the list until a doctor signs them off (`f`).
const LISTED: &str = "(f.level != 'note' OR f.lab = 1)";

fn listed_flag(row: &rusqlite::Row<'_>) -> Result<ListedFlag, StoreError> {
    let number: u8 = row.get(3)?;
    Ok(ListedFlag {
        flag: VisitFlag {
            mother_id: id(row, 0)?,
            visit_id: id(row, 1)?,
            position: row.get(2)?,
            number: number.try_into().map_err(StoreError::Corrupt)?,
            visited_on: date(row, 4)?,
            // A flag's nurse is who recorded the visit that raised it.
            visited_by: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
            level: enum_col(row, 6)?,
            lab: row.get(7)?,
        },
        key: row.get(8)?,
    })
}

/// A listed mother from a row of `schedules::COLUMNS` followed by `LAST_NURSE`.
fn listed_mother(
    row: &rusqlite::Row<'_>,
    names: &HashMap<lohusa_core::MemberId, String>,
) -> Result<FollowUpMother, StoreError> {
    let (schedule, nationality) = crate::schedules::row(row, names)?;
    Ok(FollowUpMother {
        // Her nurse is the one she is assigned to; else who last visited her.
        nurse: schedule.case.assigned_name.clone().or(row.get(9)?),
        schedule,
        nationality,
    })
}

/// The flag keys doctors signed off, by visit, read as the flags ask.
struct Reviews<'c> {
    stmt: rusqlite::CachedStatement<'c>,
    by_visit: HashMap<Uuid, HashSet<String>>,
}

impl<'c> Reviews<'c> {
    fn new(conn: &'c Connection) -> Result<Self, StoreError> {
        Ok(Reviews {
            stmt: conn.prepare_cached("SELECT flags FROM reviews WHERE visit_id = ?1 AND flags IS NOT NULL")?,
            by_visit: HashMap::new(),
        })
    }

    /// Whether a doctor signed this flag off (a sign-off whose flags are not a list of keys
    /// signs off nothing).
    fn signed_off(&mut self, listed: &ListedFlag) -> Result<bool, StoreError> {
        let visit = listed.flag.visit_id.0;
        if !self.by_visit.contains_key(&visit) {
            let lists = collect_rows(&mut self.stmt, [visit.to_string()], |row| Ok(row.get::<_, String>(0)?))?;
            let keys = lists
                .iter()
                .flat_map(|list| serde_json::from_str::<Vec<String>>(list).unwrap_or_default())
                .collect();
            self.by_visit.insert(visit, keys);
        }
        Ok(self.by_visit[&visit].contains(&listed.key))
    }
}

/// Writes the rows of every stale mother the list may show (her old rows are gone), and the day
/// each of them must be rebuilt on; returns how many mothers were read.
fn rebuild_stale(
    conn: &Connection,
    names: &HashMap<lohusa_core::MemberId, String>,
    today: NaiveDate,
) -> Result<usize, StoreError> {
    // The stale mothers drive both statements (`CROSS JOIN` keeps them the outer loop).
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {}, {LAST_NURSE} FROM follow_up_stale st
         CROSS JOIN follow_up_mothers f ON f.mother_id = st.mother_id
         CROSS JOIN schedules s ON s.mother_id = st.mother_id",
        crate::schedules::COLUMNS
    ))?;
    let mothers = collect_rows(&mut stmt, [], |row| listed_mother(row, names))?;
    drop(stmt);
    let mut stmt = conn.prepare_cached(&format!(
        "{FLAGS} FROM follow_up_stale st
         CROSS JOIN visit_flags f INDEXED BY visit_flags_by_mother ON f.mother_id = st.mother_id
         WHERE {LISTED}"
    ))?;
    let mut flags: HashMap<Uuid, Vec<ListedFlag>> = HashMap::new();
    for listed in collect_rows(&mut stmt, [], listed_flag)? {
        flags.entry(listed.flag.mother_id.0).or_default().push(listed);
    }
    drop(stmt);
    let mut reviews = Reviews::new(conn)?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO follow_up_rows (mother_id, kind, day, full_name, number, visit_id, position, neighbourhood,
                                     nationality, nurse, nurse_key, place_key, nation_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut changes = conn.prepare_cached("INSERT INTO follow_up_changes (mother_id, day) VALUES (?1, ?2)")?;
    for mother in &mothers {
        let s = &mother.schedule;
        // A closed case leaves the list, flags and all, until it is reopened (a write to her).
        if s.case.is_closed() {
            continue;
        }
        let folded = |text: Option<&String>| text.map(|t| fold_for_search(t));
        let mother_id = s.mother_id.to_string();
        let (place_key, nation_key) = (folded(s.neighbourhood.as_ref()), folded(mother.nationality.as_ref()));
        let mut row =
            |kind: FollowUpKind, date: NaiveDate, number: u8, flag: Option<&VisitFlag>, nurse: Option<&String>| {
                insert.execute(params![
                    mother_id,
                    kind as i64,
                    date.num_days_from_ce(),
                    s.full_name,
                    number,
                    flag.map(|f| f.visit_id.to_string()),
                    flag.map(|f| f.position),
                    s.neighbourhood,
                    mother.nationality,
                    nurse,
                    folded(nurse),
                    place_key,
                    nation_key,
                ])
            };
        for (kind, date, number) in schedule_entries(s, today) {
            row(kind, date, number.get(), None, mother.nurse.as_ref())?;
        }
        for listed in flags.get(&s.mother_id.0).into_iter().flatten() {
            let f = &listed.flag;
            if let Some(kind) = flag_kind(f.level, f.lab)
                && !reviews.signed_off(listed)?
            {
                row(kind, f.visited_on, f.number.get(), Some(f), Some(&f.visited_by))?;
            }
        }
        if let Some(change) = schedule_entries_change_on(s, today) {
            changes.execute(params![mother_id, change.num_days_from_ce()])?;
        }
    }
    Ok(mothers.len())
}

/// A group from its place in the list's order, as `follow_up_rows.kind` holds it.
fn kind(index: i64) -> Result<FollowUpKind, StoreError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| FollowUpKind::ALL.get(i).copied())
        .ok_or_else(|| StoreError::Corrupt(format!("follow-up kind {index}")))
}

/// A date from days since the common era, as `follow_up_rows.day` holds it.
fn day(days: i32) -> Result<NaiveDate, StoreError> {
    NaiveDate::from_num_days_from_ce_opt(days).ok_or_else(|| StoreError::Corrupt(format!("follow-up day {days}")))
}
