//! The coverage query: every mother with her birth date, every record of her visits with who
//! made it, and who answers for her (the nurse she is assigned to, else who last visited her,
//! else who last tried, else the member who registered her; the follow-up list's nurse is the
//! same but for the last), and the day her case closed,
//! handed to the core to count per nurse.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use lohusa_core::coverage::{CoverageMother, CoverageTable, coverage, month_of};
use lohusa_core::schedule::{RecordedVisit, VisitNumber};
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::VisitOutcome;
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::mothers::{enum_col, id, opt_date};
use crate::today::{BornBetween, CANDIDATES};
use crate::{Store, StoreError, collect_rows};

impl Store {
    /// The coverage of the month containing `month`, as of `now`.
    pub fn coverage(&self, month: NaiveDate, now: DateTime<Utc>) -> Result<CoverageTable, StoreError> {
        // Only mothers with a window opening this month count: born between 30 days before
        // the month (visit 3 opens on day 30) and 2 days before its end (visit 1 on day 2).
        let (from, to) = month_of(month);
        let (born_from, born_to) = (from - Days::new(30), to - Days::new(2));
        // Read through the index of birth dates: the table costs what the month's mothers cost,
        // not every mother ever registered.
        let born = BornBetween {
            from: born_from,
            to: Some(born_to),
        };
        let (lo, hi) = born.bounds();
        let mut births = self.latest_births_between(born)?;
        let mut deleted = self.conn.prepare_cached(&format!(
            "SELECT id FROM mothers WHERE deleted = 1 AND id IN ({CANDIDATES})"
        ))?;
        for gone in collect_rows(&mut deleted, [&lo, &hi], |row| id::<Uuid>(row, 0))? {
            births.remove(&gone);
        }
        // Whose each mother is and whether her case closed.
        let names = self.member_names()?;
        let mut cases: HashMap<Uuid, lohusa_core::case::CaseState> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id, assigned_to, closed_on, closed_reason FROM mothers
             WHERE (assigned_to IS NOT NULL OR closed_on IS NOT NULL) AND id IN ({CANDIDATES})"
        ))?;
        collect_rows(&mut stmt, [&lo, &hi], |row| {
            cases.insert(id(row, 0)?, crate::cases::case_state(row, 1, &names)?);
            Ok(())
        })?;

        let mut recorded: HashMap<Uuid, Vec<(VisitNumber, RecordedVisit, String)>> = HashMap::new();
        // Who last went to each mother: a visit made outranks any attempt, then the latest.
        let mut latest: HashMap<Uuid, ((bool, NaiveDate), String)> = HashMap::new();
        let mut visits = self.conn.prepare_cached(&format!(
            "SELECT mother_id, number, outcome, visited_on, visited_by FROM visits
             WHERE number IS NOT NULL AND extra_visit_id IS NULL AND mother_id IS NOT NULL
                 AND outcome IS NOT NULL AND visited_by IS NOT NULL AND mother_id IN ({CANDIDATES})"
        ))?;
        collect_rows(&mut visits, [&lo, &hi], |row| {
            let mother = id(row, 0)?;
            if !births.contains_key(&mother) {
                return Ok(());
            }
            let Some(visited_on) = opt_date(row, 3)? else {
                return Ok(());
            };
            let number: VisitNumber = row.get::<_, u8>(1)?.try_into().map_err(StoreError::Corrupt)?;
            let outcome: VisitOutcome = enum_col(row, 2)?;
            let by: String = row.get::<_, Option<String>>(4)?.unwrap_or_default();
            if !by.is_empty() {
                let rank = (outcome == VisitOutcome::Visited, visited_on);
                let last = latest.entry(mother).or_insert((rank, by.clone()));
                if rank >= last.0 {
                    *last = (rank, by.clone());
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

        // Who registered a mother nobody has visited: the author of her first change.
        let mut registrant = self.conn.prepare_cached(
            "SELECT m.name FROM changes c JOIN members m ON m.id = c.author
             WHERE c.entity = 'mother' AND c.entity_id = ?1 ORDER BY c.seq LIMIT 1",
        )?;
        let mut mothers = Vec::with_capacity(births.len());
        for (mother, birth_date) in births {
            let case = cases.remove(&mother).unwrap_or_default();
            let last = latest.remove(&mother);
            let nurse = match (case.assigned_name, last) {
                (Some(assigned), _) => Some(assigned),
                (None, Some((_, by))) => Some(by),
                (None, None) => registrant
                    .query_row([mother.to_string()], |r| r.get::<_, Option<String>>(0))
                    .optional()?
                    .flatten(),
            };
            mothers.push(CoverageMother {
                birth_date,
                recorded: recorded.remove(&mother).unwrap_or_default(),
                nurse,
                closed_on: case.closed_on,
            });
        }
        Ok(coverage(&mothers, month, istanbul_today(now)))
    }
}
