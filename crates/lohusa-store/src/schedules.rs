//! The schedule cache (`schedules`): for every mother the lists may show, what they compute her
//! visit windows from (her latest birth date and recorded visits, with who recorded each) and
//! show of her (name, place, nationality, case), kept fresh like the flag cache: a write to her
//! records marks her in `schedules_stale` in the same transaction (`flag_cache::touch`), and a
//! list refreshes the stale mothers first, in one statement. The Today list and the coverage
//! table read the mothers born in a range of dates in one range scan of the index by birth date;
//! the follow-up list's cache reads the mothers it rebuilds by id.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use lohusa_core::MemberId;
use lohusa_core::schedule::{RecordedVisit, VisitNumber};
use lohusa_core::today::ScheduleRow;
use uuid::Uuid;

use crate::{Store, StoreError};

/// Rebuilds the rows of the stale mothers: each whole, not deleted one with a birth gets her
/// latest birth date and every visit of the three (not an extra one) with its number, outcome,
/// date and who recorded it, packed as `recorded_entries` reads them back. The stale mothers
/// drive the statement (`CROSS JOIN` keeps them the outer loop: after one write, one mother is
/// read, not every mother's row).
static REFRESH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "DELETE FROM schedules WHERE mother_id IN (SELECT mother_id FROM schedules_stale);
         INSERT INTO schedules ({columns})
         SELECT * FROM (
             SELECT m.id,
                    (SELECT max(b.birth_date) FROM births b INDEXED BY births_by_mother
                     WHERE b.mother_id = m.id AND b.birth_date IS NOT NULL) AS birth_date,
                    (SELECT group_concat(v.number || ' ' || v.outcome || ' ' || v.visited_on
                                         || coalesce(' ' || replace(v.visited_by, char(30), ' '), ''),
                                         char(30))
                     FROM visits v INDEXED BY visits_by_mother
                     WHERE v.mother_id = m.id AND v.extra_visit_id IS NULL
                       AND v.number IS NOT NULL AND v.outcome IS NOT NULL AND v.visited_on IS NOT NULL),
                    m.full_name, m.neighbourhood, m.nationality, m.assigned_to, m.closed_on, m.closed_reason
             FROM schedules_stale s CROSS JOIN mothers m INDEXED BY mothers_listed ON m.id = s.mother_id
             WHERE m.deleted IS NOT 1 AND {whole}
         ) WHERE birth_date IS NOT NULL;
         INSERT OR IGNORE INTO follow_up_stale (mother_id) SELECT mother_id FROM schedules_stale;
         DELETE FROM schedules_stale;",
        columns = COLUMNS.replace("s.", ""),
        whole = crate::mothers::whole_as(lohusa_core::EntityKind::Mother, "m"),
    )
});

/// What the lists read of a schedule row (`s`), in the order `row` takes it.
pub(crate) const COLUMNS: &str = "s.mother_id, s.birth_date, s.recorded, s.full_name, s.neighbourhood, s.nationality, \
     s.assigned_to, s.closed_on, s.closed_reason";

impl Store {
    /// Brings `schedules` up to date with every write since it was last read.
    pub(crate) fn refresh_schedules(&mut self) -> Result<(), StoreError> {
        let stale: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM schedules_stale)")?
            .query_row([], |r| r.get(0))?;
        if stale {
            self.in_write_transaction(|store| Ok(store.conn.execute_batch(&REFRESH)?))?;
        }
        Ok(())
    }
}

/// A mother's schedule and nationality from a row that starts with `COLUMNS`.
pub(crate) fn row(
    row: &rusqlite::Row<'_>,
    names: &HashMap<MemberId, String>,
) -> Result<(ScheduleRow, Option<String>), StoreError> {
    let birth_date: NaiveDate = crate::mothers::date(row, 1)?;
    let mother: Uuid = crate::mothers::id(row, 0)?;
    Ok((
        ScheduleRow {
            mother_id: lohusa_core::MotherId(mother),
            full_name: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
            neighbourhood: row.get(4)?,
            birth_date,
            recorded: recorded_visits(crate::mothers::bytes_ref(row, 2)?.unwrap_or_default())?,
            case: crate::cases::case_state(row, 6, names)?,
        },
        row.get(5)?,
    ))
}

/// A mother's recorded visits as `REFRESH` packs them, without who recorded them.
fn recorded_visits(packed: &[u8]) -> Result<Vec<(VisitNumber, RecordedVisit)>, StoreError> {
    recorded_entries(packed)
        .map(|entry| entry.map(|(number, visit, _)| (number, visit)))
        .collect()
}

/// Each recorded visit as `REFRESH` packs them: `number outcome date name` (no name when the
/// visit has none: an empty one is kept), the visits separated by the record separator; numbers
/// are one digit, outcomes single words, dates ISO.
pub(crate) fn recorded_entries(
    packed: &[u8],
) -> impl Iterator<Item = Result<(VisitNumber, RecordedVisit, Option<&str>), StoreError>> {
    let corrupt = move || StoreError::Corrupt(format!("recorded visits {:?}", String::from_utf8_lossy(packed)));
    packed
        .split(|&b| b == RECORD_SEPARATOR)
        .filter(|one| !one.is_empty())
        .map(move |one| {
            let mut parts = one.splitn(4, |&b| b == b' ');
            let (Some(&[number]), Some(outcome), Some(date)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(corrupt());
            };
            if !number.is_ascii_digit() {
                return Err(corrupt());
            }
            let by = parts
                .next()
                .map(|name| std::str::from_utf8(name).map_err(|_| corrupt()))
                .transpose()?;
            Ok((
                (number - b'0').try_into().map_err(StoreError::Corrupt)?,
                RecordedVisit {
                    outcome: crate::mothers::parse_enum(std::str::from_utf8(outcome).map_err(|_| corrupt())?)?,
                    date: crate::mothers::iso_date(date).ok_or_else(corrupt)?,
                },
                by,
            ))
        })
}

/// What separates the visits in `schedules.recorded` (a name may hold a comma).
const RECORD_SEPARATOR: u8 = 30;
