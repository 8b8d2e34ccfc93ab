//! The coverage query: every mother with her birth date, every record of her visits with who
//! made it, and who answers for her (her latest visitor, else the member who registered her),
//! handed to the core to count per nurse.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use lohusa_core::coverage::{CoverageMother, CoverageTable, coverage};
use lohusa_core::schedule::{RecordedVisit, VisitNumber};
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::VisitOutcome;
use uuid::Uuid;

use crate::mothers::{date, enum_col, id, opt_date};
use crate::{Store, StoreError, collect_rows};

impl Store {
    /// The coverage of the month containing `month`, as of `now`.
    pub fn coverage(&self, month: NaiveDate, now: DateTime<Utc>) -> Result<CoverageTable, StoreError> {
        let mut recorded: HashMap<Uuid, Vec<(VisitNumber, RecordedVisit, String)>> = HashMap::new();
        let mut latest: HashMap<Uuid, (NaiveDate, String)> = HashMap::new();
        let mut visits = self.conn.prepare_cached(
            "SELECT mother_id, number, outcome, visited_on, visited_by FROM visits WHERE number IS NOT NULL",
        )?;
        collect_rows(&mut visits, [], |row| {
            let Some(visited_on) = opt_date(row, 3)? else {
                return Ok(());
            };
            let number: VisitNumber = row.get::<_, u8>(1)?.try_into().map_err(StoreError::Corrupt)?;
            let outcome: VisitOutcome = enum_col(row, 2)?;
            let by: String = row.get::<_, Option<String>>(4)?.unwrap_or_default();
            let mother = id(row, 0)?;
            if outcome == VisitOutcome::Visited && !by.is_empty() {
                let last = latest.entry(mother).or_insert((visited_on, by.clone()));
                if visited_on >= last.0 {
                    *last = (visited_on, by.clone());
                }
            }
            recorded.entry(mother).or_default().push((
                number,
                RecordedVisit {
                    outcome,
                    date: visited_on,
                },
                by,
            ));
            Ok(())
        })?;

        // Who registered each mother: the author of her first change.
        let mut registered_by: HashMap<Uuid, String> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.entity_id, m.name, MIN(c.seq) FROM changes c JOIN members m ON m.id = c.author
             WHERE c.entity = 'mother' GROUP BY c.entity_id",
        )?;
        collect_rows(&mut stmt, [], |row| {
            if let Some(name) = row.get::<_, Option<String>>(1)? {
                registered_by.insert(id(row, 0)?, name);
            }
            Ok(())
        })?;

        let mut births: HashMap<Uuid, NaiveDate> = HashMap::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT mother_id, birth_date FROM births INDEXED BY births_by_mother")?;
        collect_rows(&mut stmt, [], |row| {
            let birth_date = date(row, 1)?;
            let entry = births.entry(id(row, 0)?).or_insert(birth_date);
            *entry = (*entry).max(birth_date);
            Ok(())
        })?;

        let mut mothers = Vec::with_capacity(births.len());
        let mut stmt = self.conn.prepare_cached("SELECT id FROM mothers WHERE deleted IS NOT 1")?;
        collect_rows(&mut stmt, [], |row| {
            let mother = id(row, 0)?;
            let Some(&birth_date) = births.get(&mother) else {
                return Ok(());
            };
            mothers.push(CoverageMother {
                birth_date,
                recorded: recorded.remove(&mother).unwrap_or_default(),
                nurse: latest
                    .remove(&mother)
                    .map(|(_, by)| by)
                    .or_else(|| registered_by.remove(&mother)),
            });
            Ok(())
        })?;
        Ok(coverage(&mothers, month, istanbul_today(now)))
    }
}
