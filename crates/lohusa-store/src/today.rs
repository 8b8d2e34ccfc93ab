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

/// Which mothers a schedule query reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mothers {
    /// Those whose latest birth falls in the range.
    Born(BornBetween),
    /// Those the follow-up list may show (`follow_up_mothers`): with a visit not made yet, or
    /// with a flag that goes on the list until a doctor signs it off, as the flag cache last
    /// computed them (the caller refreshes it first).
    FollowUp,
}

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
        let rows = self.schedule_rows(Mothers::Born(born), |visits| {
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

    /// The latest birth date of each mother the follow-up list may show.
    fn latest_births_on_follow_up(&self) -> Result<HashMap<Uuid, NaiveDate>, StoreError> {
        let mut births: HashMap<Uuid, NaiveDate> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.mother_id, max(b.birth_date)
             FROM follow_up_mothers c JOIN births b INDEXED BY births_by_mother ON b.mother_id = c.mother_id
             WHERE b.birth_date IS NOT NULL
             GROUP BY c.mother_id",
        )?;
        collect_rows(&mut stmt, [], |row| {
            births.insert(id(row, 0)?, date(row, 1)?);
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

    /// The mothers (not deleted) of `which` with a birth, each with her latest birth date,
    /// recorded visits and nationality; only those whose recorded visits `keep` accepts.
    pub(crate) fn schedule_rows(
        &self,
        which: Mothers,
        keep: impl Fn(&[(VisitNumber, RecordedVisit)]) -> bool,
    ) -> Result<Vec<(ScheduleRow, Option<String>)>, StoreError> {
        // The same queries either way, each driven by the chosen mothers (`c.mother_id`) and
        // joined to what it reads, one index seek a mother, without building a set of them
        // first. A mother with two births in the range comes twice: her row is made once, and a
        // visit read twice is kept once (two equal records decide a status as one does).
        let (from, condition, bounds): (String, &str, Vec<String>) = match which {
            Mothers::Born(born) => {
                let (from, to) = born.bounds();
                (
                    "births c INDEXED BY births_by_date".to_owned(),
                    "c.birth_date >= ?1 AND c.birth_date <= ?2 AND c.mother_id IS NOT NULL",
                    vec![from, to],
                )
            }
            Mothers::FollowUp => ("follow_up_mothers c".to_owned(), "1", vec![]),
        };
        let params = || rusqlite::params_from_iter(bounds.iter());
        let mut recorded: HashMap<Uuid, Vec<(VisitNumber, RecordedVisit)>> = HashMap::new();
        let mut visits = self.conn.prepare_cached(&format!(
            "SELECT c.mother_id, v.number, v.outcome, v.visited_on
             FROM {from} JOIN visits v INDEXED BY visits_by_mother ON v.mother_id = c.mother_id
             WHERE {condition} AND v.extra_visit_id IS NULL AND v.outcome IS NOT NULL"
        ))?;
        let mut last: Option<(String, Uuid)> = None;
        collect_rows(&mut visits, params(), |row| {
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

        let births = match which {
            Mothers::Born(born) => self.latest_births_between(born)?,
            Mothers::FollowUp => self.latest_births_on_follow_up()?,
        };
        let names = self.member_names()?;

        let mut rows = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut mothers = self.conn.prepare_cached(&format!(
            "SELECT m.id, m.full_name, m.neighbourhood, m.nationality, m.assigned_to, m.closed_on, m.closed_reason
             FROM {from} JOIN mothers m INDEXED BY mothers_listed ON m.id = c.mother_id
             WHERE {condition} AND m.deleted IS NOT 1 AND {whole}",
            whole = crate::mothers::whole_as(lohusa_core::EntityKind::Mother, "m"),
        ))?;
        collect_rows(&mut mothers, params(), |row| {
            let mother: Uuid = id(row, 0)?;
            let Some(&birth_date) = births.get(&mother) else {
                return Ok(());
            };
            if !seen.insert(mother) {
                return Ok(());
            }
            let visits = recorded.remove(&mother).unwrap_or_default();
            if !keep(&visits) {
                return Ok(());
            }
            rows.push((
                ScheduleRow {
                    mother_id: lohusa_core::MotherId(mother),
                    full_name: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    neighbourhood: row.get(2)?,
                    birth_date,
                    recorded: visits,
                    case: crate::cases::case_state(row, 4, &names)?,
                },
                row.get(3)?,
            ));
            Ok(())
        })?;
        Ok(rows)
    }
}
