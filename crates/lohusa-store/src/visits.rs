//! Home visits: recording one with its checklist answers, and reading them back.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveTime, Utc};
use lohusa_core::checklist;
use lohusa_core::checklist::shipped_text;
use lohusa_core::ids::{MemberId, MotherId, VisitId};
use lohusa_core::instrument::InstrumentText;
use lohusa_core::registration::Language;
use lohusa_core::schedule::{RecordedVisit, VisitNumber};
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::{
    LaterResultsInput, VisitContext, VisitInput, VisitRecord, validate_later_results, validate_visit,
};
use lohusa_core::{FieldError, Rule, ValidationErrors};
use rusqlite::OptionalExtension;

use crate::mothers::{date, enum_col, id};
use crate::{Store, StoreError, collect_rows};

impl Store {
    /// Records a visit (or the outcome that closed it) with the current checklist definition.
    pub fn record_visit(
        &mut self,
        input: &VisitInput,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<VisitId, StoreError> {
        // Read, check and write under one lock: two devices' processes on one store cannot both
        // record the same visit.
        self.in_write_transaction(|store| {
            let birth = store.birth_of(input.mother_id)?;
            let babies = store.babies_of(birth.id)?;
            let already_visited = store.has_visited(input.mother_id, input.number)?;
            let context = VisitContext {
                birth: &birth,
                babies: &babies,
                already_visited,
                today: istanbul_today(now),
            };
            let record = validate_visit(input, VisitId(crate::clock::id_at(now)), &context, checklist::current())?;
            store.write_within(&[record.write()], author, now)?;
            store.discard_visit_draft(input.mother_id, input.number)?;
            Ok(record.id)
        })
    }

    /// Whether the visit with this number happened (failed attempts do not count).
    pub fn has_visited(&self, mother: MotherId, number: VisitNumber) -> Result<bool, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM visits WHERE mother_id = ?1 AND number = ?2 AND outcome = 'visited'
             AND extra_visit_id IS NULL)",
        )?;
        Ok(stmt.query_row(rusqlite::params![mother.to_string(), number.get()], |r| r.get(0))?)
    }

    /// What was recorded for each of a mother's visits, as far as statuses are concerned; read
    /// from the covering index, without answers.
    pub fn recorded_visits(&self, mother: MotherId) -> Result<Vec<(VisitNumber, RecordedVisit)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT number, outcome, visited_on FROM visits WHERE mother_id = ?1 AND extra_visit_id IS NULL
                 AND number IS NOT NULL AND outcome IS NOT NULL AND visited_on IS NOT NULL",
        )?;
        collect_rows(&mut stmt, [mother.to_string()], |row| {
            let number: u8 = row.get(0)?;
            let number: VisitNumber = number.try_into().map_err(StoreError::Corrupt)?;
            Ok((
                number,
                RecordedVisit {
                    outcome: enum_col(row, 1)?,
                    date: date(row, 2)?,
                },
            ))
        })
    }

    /// Every visit recorded for a mother, by number, with answers.
    pub fn visits_of(&self, mother: MotherId) -> Result<Vec<VisitRecord>, StoreError> {
        self.visits_unread(mother)?
            .into_iter()
            .map(|(mut visit, answers)| {
                read_answers(&mut visit, answers.as_deref())?;
                Ok(visit)
            })
            .collect()
    }

    /// `visits_of` with each visit's answers left as the column's JSON text, for `read_answers`
    /// (the flag cache reads them on another thread).
    pub(crate) fn visits_unread(&self, mother: MotherId) -> Result<Vec<(VisitRecord, Option<String>)>, StoreError> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "SELECT id, mother_id, number, outcome, visited_on, visited_at, visited_by, note, checklist_version,
                        extra_visit_id, answers
                 FROM visits WHERE mother_id = ?1 AND {}
                 ORDER BY number, visited_on",
                crate::mothers::whole(lohusa_core::EntityKind::Visit)
            )
        });
        let mut stmt = self.conn.prepare_cached(&SQL)?;
        collect_rows(&mut stmt, [mother.to_string()], |row| {
            let number: u8 = row.get(2)?;
            let visited_at: Option<String> = row.get(5)?;
            let visit = VisitRecord {
                id: id(row, 0)?,
                mother_id: id(row, 1)?,
                number: number.try_into().map_err(StoreError::Corrupt)?,
                outcome: enum_col(row, 3)?,
                visited_on: date(row, 4)?,
                visited_at: visited_at
                    .map(|t| {
                        NaiveTime::parse_from_str(&t, "%H:%M")
                            .map_err(|_| StoreError::Corrupt(format!("bad time {t:?}")))
                    })
                    .transpose()?,
                visited_by: row.get::<_, Option<String>>(6)?.unwrap_or_default(),
                note: row.get(7)?,
                checklist_version: row.get::<_, Option<u32>>(8)?.unwrap_or(1),
                answers: BTreeMap::new(),
                extra_visit_id: row
                    .get::<_, Option<String>>(9)?
                    .map(|t| t.parse().map_err(|_| StoreError::Corrupt(format!("bad id {t:?}"))))
                    .transpose()?,
            };
            Ok((visit, row.get::<_, Option<String>>(10)?))
        })
    }

    /// One visit by id, with answers.
    pub fn visit(&self, id: VisitId) -> Result<VisitRecord, StoreError> {
        let mother: Option<String> = self
            .conn
            .prepare_cached("SELECT mother_id FROM visits WHERE id = ?1")?
            .query_row([id.to_string()], |r| r.get(0))
            .optional()?;
        let not_found = || StoreError::NotFound {
            entity: "visit",
            id: id.to_string(),
        };
        let mother: MotherId = mother.ok_or_else(not_found)?.parse().map_err(|_| not_found())?;
        self.visits_of(mother)?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or_else(not_found)
    }

    /// Adds answers to a recorded visit: lab results that arrived after it. Only the sections
    /// of its checklist that take later answers accept them; the fields merge like any others.
    pub fn record_later_results(
        &mut self,
        input: &LaterResultsInput,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.in_write_transaction(|store| {
            let visit = store.visit(input.visit_id)?;
            let birth = store.birth_of(visit.mother_id)?;
            let babies = store.babies_of(birth.id)?;
            let write = validate_later_results(&visit, &birth, &babies, istanbul_today(now), &input.answers)?;
            if !write.fields.is_empty() {
                store.write_within(&[write], author, now)?;
            }
            Ok(())
        })
    }

    /// Loads a screening text file (the licensed EPDS in a language), replacing an earlier one.
    pub fn install_screening_text(&mut self, content: &str, now: DateTime<Utc>) -> Result<InstrumentText, StoreError> {
        let text = InstrumentText::parse(content, &checklist::current().instruments).map_err(|e| {
            ValidationErrors(vec![
                FieldError::new("screening_text", Rule::NotAScreeningText)
                    .with("reason", e.kind())
                    .with("detail", e.to_string()),
            ])
        })?;
        self.conn.execute(
            "INSERT INTO screening_texts (instrument, language, content, installed_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (instrument, language) DO UPDATE SET content = excluded.content, installed_at = excluded.installed_at",
            rusqlite::params![
                text.instrument,
                language_code(text.language),
                content,
                now.to_rfc3339()
            ],
        )?;
        Ok(text)
    }

    /// The text of an instrument in a language: loaded on this device, else shipped, else none
    /// (the form then shows numbered items).
    pub fn screening_text(&self, instrument: &str, language: Language) -> Result<Option<InstrumentText>, StoreError> {
        let stored: Option<String> = self
            .conn
            .prepare_cached("SELECT content FROM screening_texts WHERE instrument = ?1 AND language = ?2")?
            .query_row(rusqlite::params![instrument, language_code(language)], |r| r.get(0))
            .optional()?;
        match stored {
            Some(content) => InstrumentText::parse(&content, &checklist::current().instruments)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(format!("screening text: {e}"))),
            None => Ok(shipped_text(instrument, language)),
        }
    }
}

/// A language as stored: its serde name (`tr`, `ar`).
fn language_code(language: Language) -> String {
    serde_json::to_value(language)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A visit form kept while it is being filled in.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct VisitDraft {
    pub input: VisitInput,
    pub saved_at: DateTime<Utc>,
}

impl Store {
    /// Keeps the visit form as typed, replacing the mother's earlier draft of the same visit.
    /// Nothing is checked: a draft may be half-filled and wrong.
    pub fn save_visit_draft(&mut self, input: &VisitInput, now: DateTime<Utc>) -> Result<(), StoreError> {
        let content = serde_json::to_string(input).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn
            .prepare_cached(
                "INSERT INTO visit_drafts (mother_id, number, content, saved_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (mother_id, number) DO UPDATE SET content = excluded.content, saved_at = excluded.saved_at",
            )?
            .execute(rusqlite::params![
                input.mother_id.to_string(),
                input.number.get(),
                content,
                now.to_rfc3339()
            ])?;
        Ok(())
    }

    pub fn visit_draft(&self, mother: MotherId, number: VisitNumber) -> Result<Option<VisitDraft>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .prepare_cached("SELECT content, saved_at FROM visit_drafts WHERE mother_id = ?1 AND number = ?2")?
            .query_row(rusqlite::params![mother.to_string(), number.get()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        row.map(|(content, saved_at)| {
            Ok(VisitDraft {
                input: serde_json::from_str(&content).map_err(|e| StoreError::Corrupt(format!("visit draft: {e}")))?,
                saved_at: DateTime::parse_from_rfc3339(&saved_at)
                    .map_err(|e| StoreError::Corrupt(format!("visit draft time: {e}")))?
                    .with_timezone(&Utc),
            })
        })
        .transpose()
    }

    pub fn discard_visit_draft(&mut self, mother: MotherId, number: VisitNumber) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM visit_drafts WHERE mother_id = ?1 AND number = ?2")?
            .execute(rusqlite::params![mother.to_string(), number.get()])?;
        Ok(())
    }

    /// The visits of a mother with a draft on this device.
    pub fn drafts_of(&self, mother: MotherId) -> Result<Vec<VisitNumber>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT number FROM visit_drafts WHERE mother_id = ?1 ORDER BY number")?;
        collect_rows(&mut stmt, [mother.to_string()], |row| {
            let number: u8 = row.get(0)?;
            number.try_into().map_err(StoreError::Corrupt)
        })
    }
}

/// Gives a visit read by `visits_unread` its answers: the column's JSON text (none: no answers),
/// restored by the visit's checklist definition as `visits_of` gives them.
pub(crate) fn read_answers(visit: &mut VisitRecord, text: Option<&str>) -> Result<(), StoreError> {
    if let Some(text) = text {
        visit.answers = crate::apply::answers_of_column(text, &visit.id.to_string())?;
    }
    if let Some(definition) = checklist::by_version(visit.checklist_version) {
        definition.restore(&mut visit.answers);
    }
    Ok(())
}
