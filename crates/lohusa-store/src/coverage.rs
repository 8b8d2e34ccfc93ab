//! The coverage query: every mother whose windows open in the month (from the schedule cache:
//! her latest birth date, every record of her visits with who made it, her case), and who
//! answers for her (the nurse she is assigned to, else who last visited her, else who last
//! tried, else the member who registered her; the follow-up list's nurse is the same but for the
//! last), handed to the core to count per nurse.

use chrono::{DateTime, Days, NaiveDate, Utc};
use lohusa_core::coverage::{CoverageMother, CoverageTable, coverage, month_of};
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::VisitOutcome;
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::mothers::{bytes_ref, date, id};
use crate::{Store, StoreError, collect_rows};

impl Store {
    /// The coverage of the month containing `month`, as of `now`.
    pub fn coverage(&mut self, month: NaiveDate, now: DateTime<Utc>) -> Result<CoverageTable, StoreError> {
        // Only mothers with a window opening this month count: born between 30 days before
        // the month (visit 3 opens on day 30) and 2 days before its end (visit 1 on day 2).
        let (from, to) = month_of(month);
        let (born_from, born_to) = (from - Days::new(30), to - Days::new(2));
        // The schedule cache holds each whole, not deleted mother with her latest birth date,
        // her recorded visits with who made them and her case: the month's mothers are one
        // range of its index by birth date, and the table costs what they cost, not every
        // mother ever registered.
        self.refresh_schedules()?;
        let names = self.member_names()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.mother_id, s.birth_date, s.recorded, s.assigned_to, s.closed_on, s.closed_reason
             FROM schedules s INDEXED BY schedules_by_birth WHERE s.birth_date >= ?1 AND s.birth_date <= ?2",
        )?;
        let read = collect_rows(&mut stmt, [born_from.to_string(), born_to.to_string()], |row| {
            let case = crate::cases::case_state(row, 3, &names)?;
            let mut recorded = Vec::new();
            // Who last went to her: a visit made outranks any attempt, then the latest.
            let mut latest: Option<((bool, NaiveDate), &str)> = None;
            for entry in crate::schedules::recorded_entries(bytes_ref(row, 2)?.unwrap_or_default()) {
                let (number, visit, by) = entry?;
                // A visit nobody signed counts for no one.
                let Some(by) = by else { continue };
                if !by.is_empty() {
                    let rank = (visit.outcome == VisitOutcome::Visited, visit.date);
                    if latest.is_none_or(|(last, _)| rank >= last) {
                        latest = Some((rank, by));
                    }
                }
                recorded.push((number, visit, by.to_owned()));
            }
            Ok((
                id::<Uuid>(row, 0)?,
                CoverageMother {
                    birth_date: date(row, 1)?,
                    recorded,
                    // Her nurse: the one she is assigned to, else who last went to her (else,
                    // below, who registered her).
                    nurse: case.assigned_name.or_else(|| latest.map(|(_, by)| by.to_owned())),
                    closed_on: case.closed_on,
                },
            ))
        })?;
        drop(stmt);

        // Who registered a mother nobody has visited: the author of her first change.
        let mut registrant = self.conn.prepare_cached(
            "SELECT m.name FROM changes c JOIN members m ON m.id = c.author
             WHERE c.entity = 'mother' AND c.entity_id = ?1 ORDER BY c.seq LIMIT 1",
        )?;
        let mut mothers = Vec::with_capacity(read.len());
        for (mother, mut row) in read {
            if row.nurse.is_none() {
                row.nurse = registrant
                    .query_row([mother.to_string()], |r| r.get::<_, Option<String>>(0))
                    .optional()?
                    .flatten();
            }
            mothers.push(row);
        }
        Ok(coverage(&mothers, month, istanbul_today(now)))
    }
}
