//! The Today list query: the mothers whose latest birth puts a window near today, with their
//! birth date and recorded visits, handed to the core to decide what is late, due or upcoming;
//! and the latest births the referral import reads.
//!
//! Only mothers born since `schedule::earliest_birth_on_schedule` are read, in one range scan of
//! the schedule cache by birth date (`schedules.rs`), so the list costs in proportion to the
//! mothers in their 42 days, not to every mother the team ever registered, and reads them from
//! neighbouring pages rather than from wherever each one's records lie in the file.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use lohusa_core::MemberId;
use lohusa_core::case::CaseState;
use lohusa_core::schedule::{VisitNumber, earliest_birth_on_schedule};
use lohusa_core::time::istanbul_today;
use lohusa_core::today::{TodayList, today_list};
use uuid::Uuid;

use crate::mothers::{date, id};
use crate::schedules::COLUMNS;
use crate::{Store, StoreError, collect_rows};

impl Store {
    /// Late, due and this week's upcoming visits of the whole team as of `now`, extra visits
    /// included.
    pub fn today_list(&mut self, now: DateTime<Utc>) -> Result<TodayList, StoreError> {
        self.today_list_for(now, None)
    }

    /// The Today list of one member's mothers (`Some`): those assigned to her and those assigned
    /// to nobody yet, so no mother falls between two lists; of the whole team with `None`.
    pub fn today_list_for(&mut self, now: DateTime<Utc>, member: Option<MemberId>) -> Result<TodayList, StoreError> {
        let mine = |case: &CaseState| member.is_none() || case.assigned_to.is_none() || case.assigned_to == member;
        let today = istanbul_today(now);
        // The mothers whose latest birth puts a window near today, from the schedule cache; a
        // mother whose three visits all have a record can never be on the list.
        self.refresh_schedules()?;
        let names = self.member_names()?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM schedules s INDEXED BY schedules_by_birth WHERE s.birth_date >= ?1"
        ))?;
        let mut rows = Vec::new();
        collect_rows(&mut stmt, [earliest_birth_on_schedule(today).to_string()], |row| {
            let row = crate::schedules::row(row, &names)?;
            if !VisitNumber::ALL
                .iter()
                .all(|n| row.0.recorded.iter().any(|(r, _)| r == n))
            {
                rows.push(row);
            }
            Ok(())
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
}
