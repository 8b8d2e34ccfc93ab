//! Mothers, births and babies: registering them, reading them back and searching by name.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use lohusa_core::ids::{BabyId, BirthId, MemberId, MotherId};
use lohusa_core::registration::{
    BabyRecord, BirthRecord, MotherRecord, RegistrationIds, RegistrationInput, validate_registration,
};
use lohusa_core::schedule::{VisitNumber, VisitStatus, visit_statuses};
use lohusa_core::search::fold_for_search;
use lohusa_core::time::{day_of_life, istanbul_today};
use lohusa_core::visit::{VisitCard, VisitRecord, visit_cards};
use rusqlite::{Connection, Row, params};
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{Store, StoreError, collect_rows};

/// Everything the mother's screen shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct MotherView {
    pub mother: MotherRecord,
    pub birth: BirthRecord,
    pub babies: Vec<BabyRecord>,
    pub cards: Vec<VisitCard>,
    /// The baby's day of life today.
    pub day_of_life: i32,
    pub today: NaiveDate,
    /// Visits with an unfinished form on this device.
    pub drafts: Vec<lohusa_core::schedule::VisitNumber>,
    /// Doctors' sign-offs of her flags, oldest first.
    pub reviews: Vec<lohusa_core::review::ReviewRecord>,
    /// Visits planned outside the windows, by date.
    pub extra_visits: Vec<crate::ExtraVisitView>,
    /// Where fields of her record came from (a referral file and line), by field.
    pub sources: std::collections::BTreeMap<String, String>,
    /// Notes of the psychologist and the social care specialist that the signed-in member's
    /// role may read, newest first.
    pub notes: Vec<lohusa_core::notes::NoteRecord>,
    /// The kind of note the signed-in member writes, if any.
    pub note_topic: Option<lohusa_core::notes::NoteTopic>,
    /// Whose she is, and whether her case is closed.
    pub case: lohusa_core::case::CaseState,
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct MotherSummary {
    pub id: MotherId,
    pub full_name: String,
    pub neighbourhood: Option<String>,
    pub birth_date: NaiveDate,
    pub day_of_life: i32,
    /// The first visit still open, with its status.
    pub next_visit: Option<VisitNumber>,
    pub next_status: Option<VisitStatus>,
}

/// The SQL condition that a record of `entity` is whole: every field the core requires of its
/// kind (`lohusa_core::fields::required`) is set. A record received without one (from a server of
/// an older version, or a faulty device) is left out of the lists, never stops them; its changes
/// stay in the log, and a later change that completes it brings it back.
/// Made once per kind: the lists ask for it on every read.
pub(crate) fn whole(entity: lohusa_core::EntityKind) -> &'static str {
    static WHOLE: std::sync::LazyLock<Vec<(lohusa_core::EntityKind, String)>> = std::sync::LazyLock::new(|| {
        lohusa_core::change::ENTITY_KINDS
            .iter()
            .map(|kind| (*kind, whole_as(*kind, "")))
            .collect()
    });
    WHOLE
        .iter()
        .find(|(kind, _)| *kind == entity)
        .map(|(_, condition)| condition.as_str())
        .expect("every kind is listed")
}

/// `whole` for a query that names the entity's table `alias` (empty: unnamed).
pub(crate) fn whole_as(entity: lohusa_core::EntityKind, alias: &str) -> String {
    let dot = if alias.is_empty() { "" } else { "." };
    lohusa_core::fields::required(entity)
        .iter()
        .map(|field| format!("{alias}{dot}{field} IS NOT NULL"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

const KEY_FOLD: &str = "search_fold";

/// Re-folds every stored name when the fold changed (`lohusa_core::search::FOLD_VERSION`), so a
/// search compares names and queries folded the same way.
pub(crate) fn check_fold(conn: &Connection) -> Result<(), StoreError> {
    let now = lohusa_core::search::FOLD_VERSION.to_string();
    if crate::meta::get(conn, KEY_FOLD)?.as_deref() == Some(now.as_str()) {
        return Ok(());
    }
    let tx = conn.unchecked_transaction()?;
    {
        let mut read = tx.prepare("SELECT id, full_name FROM mothers WHERE full_name IS NOT NULL")?;
        let names: Vec<(String, String)> = read
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut write = tx.prepare("UPDATE mothers SET name_folded = ?2 WHERE id = ?1")?;
        for (id, name) in names {
            write.execute(params![id, fold_for_search(&name)])?;
        }
    }
    crate::meta::set(&tx, KEY_FOLD, &now)?;
    tx.commit()?;
    Ok(())
}

impl Store {
    /// Registers a mother, her birth and babies in one transaction, or refuses the whole form.
    pub fn register_mother(
        &mut self,
        input: &RegistrationInput,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<MotherId, StoreError> {
        let valid = validate_registration(input, &new_ids(input, now), istanbul_today(now))?;
        let mut writes = valid.writes();
        // She is the registering member's until the team lead assigns her to someone else.
        writes[0].fields.extend(lohusa_core::case::assignment(Some(author)));
        self.write(&writes, author, now)?;
        Ok(valid.mother.id)
    }

    pub fn mother(&self, id: MotherId) -> Result<MotherRecord, StoreError> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT id, full_name, date_of_birth, age_years, phone, street, neighbourhood, district, residency_status,
                        nationality, id_number, preferred_language, interpreter_needed, registered_on
                 FROM mothers WHERE id = ?1 AND deleted IS NOT 1 AND {}",
                whole(lohusa_core::EntityKind::Mother)
            )
        });
        let mut stmt = self.conn.prepare_cached(&SQL)?;
        let rows = collect_rows(&mut stmt, [id.to_string()], read_mother)?;
        rows.into_iter().next().ok_or_else(|| StoreError::NotFound {
            entity: "mother",
            id: id.to_string(),
        })
    }

    /// The mother's most recent birth (of those received whole).
    pub fn birth_of(&self, mother: MotherId) -> Result<BirthRecord, StoreError> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT id, mother_id, birth_date, discharge_date, mode, gestational_weeks
                 FROM births WHERE mother_id = ?1 AND {}
                 ORDER BY birth_date DESC LIMIT 1",
                whole(lohusa_core::EntityKind::Birth)
            )
        });
        let mut stmt = self.conn.prepare_cached(&SQL)?;
        let rows = collect_rows(&mut stmt, [mother.to_string()], |row| {
            Ok(BirthRecord {
                id: id(row, 0)?,
                mother_id: id(row, 1)?,
                birth_date: date(row, 2)?,
                discharge_date: opt_date(row, 3)?,
                mode: enum_col(row, 4)?,
                gestational_weeks: row.get(5)?,
            })
        })?;
        rows.into_iter().next().ok_or_else(|| StoreError::NotFound {
            entity: "birth",
            id: mother.to_string(),
        })
    }

    pub fn babies_of(&self, birth: BirthId) -> Result<Vec<BabyRecord>, StoreError> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT id, birth_id, mother_id, ordinal, name, sex, birth_weight_g FROM babies
                 WHERE birth_id = ?1 AND {}
                 ORDER BY ordinal",
                whole(lohusa_core::EntityKind::Baby)
            )
        });
        let mut stmt = self.conn.prepare_cached(&SQL)?;
        collect_rows(&mut stmt, [birth.to_string()], |row| {
            Ok(BabyRecord {
                id: id(row, 0)?,
                birth_id: id(row, 1)?,
                mother_id: id(row, 2)?,
                ordinal: row.get(3)?,
                name: row.get(4)?,
                sex: enum_col(row, 5)?,
                birth_weight_g: row.get(6)?,
            })
        })
    }

    /// The mother's screen: details, babies and the three visit cards as of `now`.
    pub fn mother_view(&self, id: MotherId, now: DateTime<Utc>) -> Result<MotherView, StoreError> {
        let today = istanbul_today(now);
        let mother = self.mother(id)?;
        let birth = self.birth_of(id)?;
        let babies = self.babies_of(birth.id)?;
        let visits: Vec<VisitRecord> = self.visits_of(id)?;
        Ok(MotherView {
            extra_visits: self.extra_visits_of(id, &birth, &babies, &visits, now)?,
            cards: visit_cards(&birth, today, &visits, &babies),
            drafts: self.drafts_of(id)?,
            // Sign-offs only for a role that reads them (a shared tablet holds them for others).
            reviews: match self.local_member()?.and_then(|m| m.role) {
                Some(role) if !lohusa_core::access::may_read(role, lohusa_core::EntityKind::Review, "flags") => {
                    Vec::new()
                }
                _ => self.reviews_of(id)?,
            },
            sources: self.sources_of(id)?,
            notes: self.notes_of(id)?,
            note_topic: self
                .local_member()?
                .and_then(|m| m.role)
                .and_then(lohusa_core::notes::NoteTopic::written_by),
            day_of_life: day_of_life(birth.birth_date, today) as i32,
            case: self.case_of(id)?,
            today,
            mother,
            birth,
            babies,
        })
    }

    /// Mothers whose name (folded for Turkish and Arabic spelling) contains the query, or whose
    /// identity number starts with it; at most `limit`, by name.
    pub fn search_mothers(
        &self,
        query: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<MotherSummary>, StoreError> {
        let folded = fold_for_search(query);
        if folded.is_empty() {
            return Ok(vec![]);
        }
        let escaped = folded.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        // Identity numbers are stored without spaces; people read them out in groups. Only digits
        // search them (an empty pattern matches no stored number).
        let id_query: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        let id_pattern = if !id_query.is_empty() && id_query.bytes().all(|b| b.is_ascii_digit()) {
            format!("{id_query}%")
        } else {
            String::new()
        };
        let today = istanbul_today(now);
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.full_name, m.neighbourhood, max(b.birth_date)
             FROM mothers m JOIN births b ON b.mother_id = m.id AND b.birth_date IS NOT NULL
             WHERE (m.name_folded LIKE ?1 ESCAPE '\\' OR m.id_number LIKE ?2 ESCAPE '\\') AND m.deleted IS NOT 1
                 AND m.full_name IS NOT NULL
             GROUP BY m.id
             ORDER BY m.full_name LIMIT ?3",
        )?;
        let rows = collect_rows(
            &mut stmt,
            params![format!("%{escaped}%"), id_pattern, limit as i64],
            |row| {
                Ok((
                    id::<MotherId>(row, 0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    date(row, 3)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for (mother_id, full_name, neighbourhood, birth_date) in rows {
            let recorded = self.recorded_visits(mother_id)?;
            let next = visit_statuses(birth_date, today, &recorded)
                .into_iter()
                .find(|(_, status)| status.is_open());
            out.push(MotherSummary {
                id: mother_id,
                full_name,
                neighbourhood,
                birth_date,
                day_of_life: day_of_life(birth_date, today) as i32,
                next_visit: next.map(|(window, _)| window.number),
                next_status: next.map(|(_, status)| status),
            });
        }
        Ok(out)
    }
}

fn read_mother(row: &Row<'_>) -> Result<MotherRecord, StoreError> {
    Ok(MotherRecord {
        id: id(row, 0)?,
        full_name: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
        date_of_birth: opt_date(row, 2)?,
        age_years: row.get(3)?,
        phone: row.get(4)?,
        street: row.get(5)?,
        neighbourhood: row.get(6)?,
        district: row.get(7)?,
        residency_status: opt_enum_col(row, 8)?,
        nationality: row.get(9)?,
        id_number: row.get(10)?,
        preferred_language: enum_col(row, 11)?,
        interpreter_needed: row.get::<_, Option<bool>>(12)?.unwrap_or(false),
        registered_on: date(row, 13)?,
    })
}

/// A text column without copying it; `None` for NULL.
pub(crate) fn text_ref<'a>(row: &'a Row<'_>, index: usize) -> Result<Option<&'a str>, StoreError> {
    row.get_ref(index)?
        .as_str_or_null()
        .map_err(|e| StoreError::Corrupt(format!("column {index}: {e}")))
}

/// Fresh ids for the records a registration creates.
pub(crate) fn new_ids(input: &RegistrationInput, now: DateTime<Utc>) -> RegistrationIds {
    RegistrationIds {
        mother: MotherId(crate::clock::id_at(now)),
        birth: BirthId(crate::clock::id_at(now)),
        babies: input.babies.iter().map(|_| BabyId(crate::clock::id_at(now))).collect(),
    }
}

/// A column's bytes as stored, without checking that they are UTF-8: ids and dates are ASCII,
/// and their parsers refuse anything else (the check cost more than the parse on the lists).
pub(crate) fn bytes_ref<'a>(row: &'a Row<'_>, index: usize) -> Result<Option<&'a [u8]>, StoreError> {
    row.get_ref(index)?
        .as_bytes_or_null()
        .map_err(|e| StoreError::Corrupt(format!("column {index}: {e}")))
}

/// An id column: a UUID, or an id type made from one.
pub(crate) fn id<T: From<Uuid>>(row: &Row<'_>, index: usize) -> Result<T, StoreError> {
    let bytes = bytes_ref(row, index)?.ok_or_else(|| StoreError::Corrupt(format!("missing id in column {index}")))?;
    Uuid::try_parse_ascii(bytes)
        .map(T::from)
        .map_err(|_| StoreError::Corrupt(format!("bad id {:?}", String::from_utf8_lossy(bytes))))
}

pub(crate) fn date(row: &Row<'_>, index: usize) -> Result<NaiveDate, StoreError> {
    opt_date(row, index)?.ok_or_else(|| StoreError::Corrupt(format!("missing date in column {index}")))
}

pub(crate) fn opt_date(row: &Row<'_>, index: usize) -> Result<Option<NaiveDate>, StoreError> {
    let Some(bytes) = bytes_ref(row, index)? else {
        return Ok(None);
    };
    iso_date(bytes)
        .map(Some)
        .ok_or_else(|| StoreError::Corrupt(format!("bad date {:?}", String::from_utf8_lossy(bytes))))
}

/// YYYY-MM-DD, the only form the store writes, from the bytes as stored; several times faster
/// than chrono's general parser, which matters when the Today list reads every mother's dates.
pub(crate) fn iso_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range]
            .iter()
            .try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
}

/// A snake_case enum stored as its serde name.
pub(crate) fn enum_col<T: DeserializeOwned>(row: &Row<'_>, index: usize) -> Result<T, StoreError> {
    opt_enum_col(row, index)?.ok_or_else(|| StoreError::Corrupt(format!("missing value in column {index}")))
}

pub(crate) fn opt_enum_col<T: DeserializeOwned>(row: &Row<'_>, index: usize) -> Result<Option<T>, StoreError> {
    text_ref(row, index)?.map(parse_enum).transpose()
}

/// A value of one of the core's enums from the text the database keeps of it.
pub(crate) fn parse_enum<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    let deserializer: serde::de::value::StrDeserializer<'_, serde::de::value::Error> = text.into_deserializer();
    T::deserialize(deserializer).map_err(|_| StoreError::Corrupt(format!("bad value {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::iso_date;

    #[test]
    fn iso_dates_parse_and_impossible_ones_do_not() {
        assert_eq!(iso_date(b"2028-02-29"), chrono::NaiveDate::from_ymd_opt(2028, 2, 29));
        for bad in [
            "2027-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-11-2026",
            "2026/11/25",
            "2026-11-2x",
        ] {
            assert_eq!(iso_date(bad.as_bytes()), None, "{bad}");
        }
    }
}
