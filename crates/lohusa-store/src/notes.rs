//! The psychologist's and the social care specialist's notes about a mother: written by the
//! role the access table allows, and shown only to the signed-in member's role if it may read
//! them (a tablet shared by several roles holds what any of them may read).

use chrono::{DateTime, NaiveDate, Utc};
use lohusa_core::ids::MotherId;
use lohusa_core::notes::{NoteInput, NoteRecord, NoteTopic, note_write};
use lohusa_core::time::istanbul_today;

use crate::mothers::id;
use crate::{Store, StoreError, collect_rows};

impl Store {
    /// Writes a note by the signed-in member, if her role writes notes.
    pub fn add_note(&mut self, input: &NoteInput, now: DateTime<Utc>) -> Result<NoteRecord, StoreError> {
        let member = self
            .local_member()?
            .ok_or_else(|| StoreError::Corrupt("no member signed in".into()))?;
        let (record, write) = note_write(
            input,
            member.role,
            crate::clock::id_at(now),
            &member.name,
            istanbul_today(now),
        )?;
        self.mother(record.mother_id)?;
        self.write(&[write], member.id, now)?;
        Ok(record)
    }

    /// A mother's notes the signed-in member's role may read, newest first.
    pub fn notes_of(&self, mother: MotherId) -> Result<Vec<NoteRecord>, StoreError> {
        let Some(role) = self.local_member()?.and_then(|m| m.role) else {
            return Ok(Vec::new());
        };
        let mut notes = Vec::new();
        for topic in NoteTopic::readable_by(role) {
            let table = match topic {
                NoteTopic::Psychology => "psychology_notes",
                NoteTopic::Social => "social_notes",
            };
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT id, written_on, text, written_by FROM {table} WHERE mother_id = ?1 AND text IS NOT NULL"
            ))?;
            notes.extend(collect_rows(&mut stmt, [mother.to_string()], |row| {
                let on: Option<String> = row.get(1)?;
                Ok(NoteRecord {
                    id: id(row, 0)?,
                    topic,
                    mother_id: mother,
                    written_on: on
                        .and_then(|d| d.parse::<NaiveDate>().ok())
                        .ok_or_else(|| StoreError::Corrupt("note date".into()))?,
                    text: row.get(2)?,
                    written_by: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                })
            })?);
        }
        notes.sort_by(|a, b| b.written_on.cmp(&a.written_on).then(b.id.cmp(&a.id)));
        Ok(notes)
    }
}
