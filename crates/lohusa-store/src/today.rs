//! The Today list query: every mother with her birth date and recorded visits, handed to the
//! core to decide what is late, due or upcoming.
//!
//! Three plain scans (visits and births over their covering indexes, then mothers) joined in
//! memory by id: with thousands of mothers this is several times cheaper than a SQL join, which
//! pays a B-tree seek on a 36-character key for every mother.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use lohusa_core::MemberId;
use lohusa_core::case::CaseState;
use lohusa_core::schedule::{RecordedVisit, VisitNumber};
use lohusa_core::time::istanbul_today;
use lohusa_core::today::{ScheduleRow, TodayList, today_list};
use uuid::Uuid;

use crate::mothers::{date, enum_col, id, opt_date};
use crate::{Store, StoreError, collect_rows};

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
        // A mother whose three visits all have a record can never be on the list.
        let rows = self.schedule_rows(|visits| !VisitNumber::ALL.iter().all(|n| visits.iter().any(|(r, _)| r == n)))?;
        let mut extras = self.open_extra_visits()?;
        extras.retain(|e| mine(&e.case));
        Ok(today_list(
            &rows
                .into_iter()
                .map(|(row, _)| row)
                .filter(|row| mine(&row.case))
                .collect::<Vec<_>>(),
            &extras,
            istanbul_today(now),
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

    /// Every mother (not deleted) with a birth, her birth date and recorded visits, and her
    /// nationality; only those whose recorded visits `keep` accepts.
    pub(crate) fn schedule_rows(
        &self,
        keep: impl Fn(&[(VisitNumber, RecordedVisit)]) -> bool,
    ) -> Result<Vec<(ScheduleRow, Option<String>)>, StoreError> {
        let mut recorded: HashMap<Uuid, Vec<(VisitNumber, RecordedVisit)>> = HashMap::new();
        let mut visits = self.conn.prepare_cached(
            "SELECT mother_id, number, outcome, visited_on FROM visits INDEXED BY visits_by_mother
                 WHERE extra_visit_id IS NULL AND mother_id IS NOT NULL AND outcome IS NOT NULL",
        )?;
        collect_rows(&mut visits, [], |row| {
            let (Some(number), Some(visited_on)) = (row.get::<_, Option<u8>>(1)?, opt_date(row, 3)?) else {
                return Ok(());
            };
            let number: VisitNumber = number.try_into().map_err(StoreError::Corrupt)?;
            let visit = RecordedVisit {
                outcome: enum_col(row, 2)?,
                date: visited_on,
            };
            recorded.entry(id(row, 0)?).or_default().push((number, visit));
            Ok(())
        })?;

        let births = self.latest_births()?;
        let names = self.member_names()?;

        let mut rows = Vec::new();
        let mut mothers = self.conn.prepare_cached(&format!(
            "SELECT id, full_name, neighbourhood, nationality, assigned_to, closed_on, closed_reason FROM mothers
                 WHERE deleted IS NOT 1 AND {}",
            crate::mothers::whole(lohusa_core::EntityKind::Mother)
        ))?;
        collect_rows(&mut mothers, [], |row| {
            let mother: Uuid = id(row, 0)?;
            let Some(&birth_date) = births.get(&mother) else {
                return Ok(());
            };
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
