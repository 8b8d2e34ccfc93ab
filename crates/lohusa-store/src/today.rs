//! The Today list query: every mother with a visit still open, handed to the core to sort.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use lohusa_core::ids::MotherId;
use lohusa_core::schedule::{RecordedVisit, VisitNumber};
use lohusa_core::time::istanbul_today;
use lohusa_core::today::{ScheduleRow, TodayList, today_list};

use crate::mothers::{date, enum_col, id};
use crate::{Store, StoreError, collect_rows};

impl Store {
    /// Late, due and this week's upcoming visits as of `now`.
    pub fn today_list(&self, now: DateTime<Utc>) -> Result<TodayList, StoreError> {
        // Mothers with all three visits closed can never appear, so they are not read at all.
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.full_name, m.neighbourhood, b.birth_date
             FROM mothers m JOIN births b ON b.mother_id = m.id
             WHERE (SELECT count(DISTINCT v.number) FROM visits v WHERE v.mother_id = m.id) < 3",
        )?;
        let mut rows: Vec<ScheduleRow> = Vec::new();
        let mut index: HashMap<MotherId, usize> = HashMap::new();
        for row in collect_rows(&mut stmt, [], |row| {
            Ok(ScheduleRow {
                mother_id: id(row, 0)?,
                full_name: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                neighbourhood: row.get(2)?,
                birth_date: date(row, 3)?,
                recorded: vec![],
            })
        })? {
            index.insert(row.mother_id, rows.len());
            rows.push(row);
        }
        let mut visits = self.conn.prepare_cached(
            "SELECT v.mother_id, v.number, v.outcome, v.visited_on FROM visits v
             WHERE (SELECT count(DISTINCT w.number) FROM visits w WHERE w.mother_id = v.mother_id) < 3",
        )?;
        for (mother, number, recorded) in collect_rows(&mut visits, [], |row| {
            let number: u8 = row.get(1)?;
            let number: VisitNumber = number.try_into().map_err(StoreError::Corrupt)?;
            Ok((id::<MotherId>(row, 0)?, number, RecordedVisit { outcome: enum_col(row, 2)?, date: date(row, 3)? }))
        })? {
            if let Some(&i) = index.get(&mother) {
                rows[i].recorded.push((number, recorded));
            }
        }
        Ok(today_list(&rows, istanbul_today(now)))
    }
}
