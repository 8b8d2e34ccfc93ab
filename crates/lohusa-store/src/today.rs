//! The Today list query: every mother with her birth date and recorded visits, in one pass,
//! handed to the core to decide what is late, due or upcoming.

use chrono::{DateTime, Utc};
use lohusa_core::ids::MotherId;
use lohusa_core::schedule::{RecordedVisit, VisitNumber};
use lohusa_core::time::istanbul_today;
use lohusa_core::today::{ScheduleRow, TodayList, today_list};

use crate::mothers::{date, enum_col, id, opt_date};
use crate::{Store, StoreError, collect_rows};

impl Store {
    /// Late, due and this week's upcoming visits as of `now`.
    pub fn today_list(&self, now: DateTime<Utc>) -> Result<TodayList, StoreError> {
        // One pass over mothers in table order joined with their visits (both joins are covered
        // by indexes); a mother whose three visits are all closed is dropped before anything
        // else is built for her.
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.rowid, m.id, m.full_name, m.neighbourhood, b.birth_date, v.number, v.outcome, v.visited_on
             FROM mothers m
             JOIN births b ON b.mother_id = m.id
             LEFT JOIN visits v ON v.mother_id = m.id
             ORDER BY m.rowid",
        )?;
        let mut rows: Vec<ScheduleRow> = Vec::new();
        let mut current: Option<(i64, ScheduleRow)> = None;
        let flush = |row: ScheduleRow, rows: &mut Vec<ScheduleRow>| {
            let closed = VisitNumber::ALL.iter().all(|n| row.recorded.iter().any(|(r, _)| r == n));
            if !closed {
                rows.push(row);
            }
        };
        collect_rows(&mut stmt, [], |row| {
            let mother_key: i64 = row.get(0)?;
            if current.as_ref().is_none_or(|(key, _)| *key != mother_key) {
                if let Some((_, done)) = current.take() {
                    flush(done, &mut rows);
                }
                let schedule = ScheduleRow {
                    mother_id: id::<MotherId>(row, 1)?,
                    full_name: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    neighbourhood: row.get(3)?,
                    birth_date: date(row, 4)?,
                    recorded: Vec::with_capacity(3),
                };
                current = Some((mother_key, schedule));
            }
            if let (Some(number), Some(visited_on)) = (row.get::<_, Option<u8>>(5)?, opt_date(row, 7)?) {
                let number: VisitNumber = number.try_into().map_err(StoreError::Corrupt)?;
                let recorded = RecordedVisit { outcome: enum_col(row, 6)?, date: visited_on };
                if let Some((_, schedule)) = current.as_mut() {
                    schedule.recorded.push((number, recorded));
                }
            }
            Ok(())
        })?;
        if let Some((_, done)) = current.take() {
            flush(done, &mut rows);
        }
        Ok(today_list(&rows, istanbul_today(now)))
    }
}
