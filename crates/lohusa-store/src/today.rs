//! The Today list query: the mothers whose latest birth puts a window near today, with their
//! birth date and recorded visits, handed to the core to decide what is late, due or upcoming.
//!
//! Only mothers born since `schedule::earliest_birth_on_schedule` are read, through the index of
//! birth dates, so the list costs in proportion to the mothers in their 42 days, not to every
//! mother the team ever registered. Visits, births and mothers are read in three queries joined
//! in memory by id (cheaper than a SQL join, which pays a B-tree seek on a 36-character key for
//! every row).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use lohusa_core::MemberId;
use lohusa_core::case::CaseState;
use lohusa_core::schedule::{RecordedVisit, VisitNumber, earliest_birth_on_schedule};
use lohusa_core::time::istanbul_today;
use lohusa_core::today::{ScheduleRow, TodayList, today_list};
use uuid::Uuid;

use crate::mothers::{date, enum_col, id, opt_date};
use crate::{Store, StoreError, collect_rows};

/// The mothers with a birth dated in this range (both ends inclusive, `to` open when `None`),
/// read through `births_by_date`: `?1` and `?2` are its bounds.
pub(crate) const CANDIDATES: &str = "SELECT mother_id FROM births INDEXED BY births_by_date
     WHERE birth_date >= ?1 AND birth_date <= ?2 AND mother_id IS NOT NULL";

/// Which births a query reads: those dated from `from` on, up to `to` when given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BornBetween {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl BornBetween {
    /// The bounds as the database stores dates (ISO text compares as dates do).
    pub(crate) fn bounds(self) -> (String, String) {
        (
            self.from.to_string(),
            self.to.map_or_else(|| "9999-12-31".to_owned(), |to| to.to_string()),
        )
    }

    fn contains(self, date: NaiveDate) -> bool {
        date >= self.from && self.to.is_none_or(|to| date <= to)
    }
}

impl Store {
    /// Late, due and this week's upcoming visits of the whole team as of `now`, extra visits
    /// included.
    pub fn today_list(&self, now: DateTime<Utc>) -> Result<TodayList, StoreError> {
        self.today_list_for(now, None)
    }

    /// The Today list of one member's mothers (`Some`): those assigned to her and those assigned
    /// to nobody yet, so no mother falls between two lists; of the whole team with `None`.
    pub fn today_list_for(&self, now: DateTime<Utc>, member: Option<MemberId>) -> Result<TodayList, StoreError> {
        let mine = |case: &CaseState| member.is_none() || case.assigned_to.is_none() || case.assigned_to == member;
        let today = istanbul_today(now);
        let born = BornBetween {
            from: earliest_birth_on_schedule(today),
            to: None,
        };
        // A mother whose three visits all have a record can never be on the list.
        let rows = self.schedule_rows(born, |visits| {
            !VisitNumber::ALL.iter().all(|n| visits.iter().any(|(r, _)| r == n))
        })?;
        let mut extras = self.open_extra_visits()?;
        extras.retain(|e| mine(&e.case));
        Ok(today_list(
            &rows
                .into_iter()
                .map(|(row, _)| row)
                .filter(|row| mine(&row.case))
                .collect::<Vec<_>>(),
            &extras,
            today,
        ))
    }

    /// Each mother's latest birth date (the one that decides her schedule), from the covering
    /// index alone.
    pub(crate) fn latest_births(&self) -> Result<HashMap<Uuid, NaiveDate>, StoreError> {
        let mut births: HashMap<Uuid, NaiveDate> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT mother_id, birth_date FROM births INDEXED BY births_by_mother
                 WHERE mother_id IS NOT NULL AND birth_date IS NOT NULL",
        )?;
        collect_rows(&mut stmt, [], |row| {
            let birth_date = date(row, 1)?;
            let latest = births.entry(id(row, 0)?).or_insert(birth_date);
            *latest = (*latest).max(birth_date);
            Ok(())
        })?;
        Ok(births)
    }

    /// Each mother's latest birth date, for the mothers whose latest birth falls in `born`: one
    /// range scan of the index of birth dates from `born.from` on (any later birth of theirs is
    /// in it too, so the latest one is read).
    pub(crate) fn latest_births_between(&self, born: BornBetween) -> Result<HashMap<Uuid, NaiveDate>, StoreError> {
        let mut births: HashMap<Uuid, NaiveDate> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT mother_id, birth_date FROM births INDEXED BY births_by_date
             WHERE birth_date >= ?1 AND mother_id IS NOT NULL",
        )?;
        collect_rows(&mut stmt, [born.from.to_string()], |row| {
            let birth_date = date(row, 1)?;
            let latest = births.entry(id(row, 0)?).or_insert(birth_date);
            *latest = (*latest).max(birth_date);
            Ok(())
        })?;
        // A later birth after the range moves her schedule out of it.
        births.retain(|_, latest| born.contains(*latest));
        Ok(births)
    }

    /// The mothers (not deleted) whose latest birth falls in `born`, each with her latest birth
    /// date, recorded visits and nationality; only those whose recorded visits `keep` accepts.
    pub(crate) fn schedule_rows(
        &self,
        born: BornBetween,
        keep: impl Fn(&[(VisitNumber, RecordedVisit)]) -> bool,
    ) -> Result<Vec<(ScheduleRow, Option<String>)>, StoreError> {
        // Each query is driven by the births in the range (`c`) and joined to what it reads, one
        // index seek a mother, without building a set of them first. A mother with two births in
        // the range comes twice: her row is made once, and a visit read twice is kept once (two
        // equal records decide a status as one does).
        let (from, to) = born.bounds();
        let chosen = "births c INDEXED BY births_by_date";
        let condition = "c.birth_date >= ?1 AND c.birth_date <= ?2 AND c.mother_id IS NOT NULL";
        let mut recorded: HashMap<Uuid, Vec<(VisitNumber, RecordedVisit)>> = HashMap::new();
        let mut visits = self.conn.prepare_cached(&format!(
            "SELECT c.mother_id, v.number, v.outcome, v.visited_on
             FROM {chosen} JOIN visits v INDEXED BY visits_by_mother ON v.mother_id = c.mother_id
             WHERE {condition} AND v.extra_visit_id IS NULL AND v.outcome IS NOT NULL"
        ))?;
        let mut last: Option<(String, Uuid)> = None;
        collect_rows(&mut visits, [&from, &to], |row| {
            let (Some(number), Some(visited_on)) = (row.get::<_, Option<u8>>(1)?, opt_date(row, 3)?) else {
                return Ok(());
            };
            let number: VisitNumber = number.try_into().map_err(StoreError::Corrupt)?;
            let visit = (
                number,
                RecordedVisit {
                    outcome: enum_col(row, 2)?,
                    date: visited_on,
                },
            );
            // A mother's visits come one after another: her id is parsed once.
            let text = crate::mothers::text_ref(row, 0)?.unwrap_or_default();
            if last.as_ref().is_none_or(|(t, _)| t != text) {
                last = Some((text.to_owned(), id(row, 0)?));
            }
            let mother = last.as_ref().map(|(_, m)| *m).unwrap_or_default();
            let list = recorded.entry(mother).or_default();
            if !list.contains(&visit) {
                list.push(visit);
            }
            Ok(())
        })?;

        let births = self.latest_births_between(born)?;
        let names = self.member_names()?;
        let mut rows = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut mothers = self.conn.prepare_cached(&format!(
            "SELECT {LISTED} FROM {chosen} JOIN mothers m INDEXED BY mothers_listed ON m.id = c.mother_id
             WHERE {condition} AND m.deleted IS NOT 1 AND {whole}",
            whole = crate::mothers::whole_as(lohusa_core::EntityKind::Mother, "m"),
        ))?;
        collect_rows(&mut mothers, [&from, &to], |row| {
            let mother: Uuid = id(row, 0)?;
            let Some(&birth_date) = births.get(&mother) else {
                return Ok(());
            };
            if !seen.insert(mother) {
                return Ok(());
            }
            let visits = recorded.remove(&mother).unwrap_or_default();
            if keep(&visits) {
                rows.push(listed(row, mother, birth_date, visits, &names)?);
            }
            Ok(())
        })?;
        Ok(rows)
    }

    /// The mothers (not deleted) the follow-up list may show (`follow_up_mothers`: with a visit
    /// not made yet, or with a flag that goes on the list until a doctor signs it off), each
    /// with her latest birth date, recorded visits and nationality, as the flag cache last read
    /// them (the caller refreshes it first). One pass over that table, and one index seek a
    /// mother for her name and case.
    pub(crate) fn follow_up_schedule_rows(&self) -> Result<Vec<(ScheduleRow, Option<String>)>, StoreError> {
        let names = self.member_names()?;
        let mut rows = Vec::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {LISTED}, c.birth_date, c.recorded
             FROM follow_up_mothers c JOIN mothers m INDEXED BY mothers_listed ON m.id = c.mother_id
             WHERE c.birth_date IS NOT NULL AND m.deleted IS NOT 1 AND {whole}",
            whole = crate::mothers::whole_as(lohusa_core::EntityKind::Mother, "m"),
        ))?;
        collect_rows(&mut stmt, [], |row| {
            let visits = recorded_visits(crate::mothers::text_ref(row, 8)?.unwrap_or_default())?;
            rows.push(listed(row, id(row, 0)?, date(row, 7)?, visits, &names)?);
            Ok(())
        })?;
        Ok(rows)
    }
}

/// What the lists read of a mother (`m`), in the order `listed` takes it.
const LISTED: &str = "m.id, m.full_name, m.neighbourhood, m.nationality, m.assigned_to, m.closed_on, m.closed_reason";

/// A schedule row from a row that starts with `LISTED`, and her nationality.
fn listed(
    row: &rusqlite::Row<'_>,
    mother: Uuid,
    birth_date: NaiveDate,
    recorded: Vec<(VisitNumber, RecordedVisit)>,
    names: &HashMap<MemberId, String>,
) -> Result<(ScheduleRow, Option<String>), StoreError> {
    Ok((
        ScheduleRow {
            mother_id: lohusa_core::MotherId(mother),
            full_name: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
            neighbourhood: row.get(2)?,
            birth_date,
            recorded,
            case: crate::cases::case_state(row, 4, names)?,
        },
        row.get(3)?,
    ))
}

/// A mother's recorded visits as the flag cache packs them (`number outcome date` for each,
/// comma-separated; outcomes are single words, dates ISO).
fn recorded_visits(packed: &str) -> Result<Vec<(VisitNumber, RecordedVisit)>, StoreError> {
    let corrupt = || StoreError::Corrupt(format!("recorded visits {packed:?}"));
    packed
        .split(',')
        .filter(|one| !one.is_empty())
        .map(|one| {
            let mut parts = one.split(' ');
            let (Some(number), Some(outcome), Some(date), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(corrupt());
            };
            let number: u8 = number.parse().map_err(|_| corrupt())?;
            Ok((
                number.try_into().map_err(StoreError::Corrupt)?,
                RecordedVisit {
                    outcome: crate::mothers::parse_enum(outcome)?,
                    date: crate::mothers::parse_iso_date(date).ok_or_else(corrupt)?,
                },
            ))
        })
        .collect()
}
