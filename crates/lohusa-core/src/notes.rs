//! Notes about a mother by the psychologist and the social care specialist: each kind is its
//! own record (`psychology_note`, `social_note`), so the access table decides who reads which
//! and the server never sends one to a device whose members may not read it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::access::{Role, may_read, may_write};
use crate::change::{EntityKind, EntityWrite};
use crate::ids::MotherId;
use crate::validation::{FieldError, Rule, ValidationErrors};

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// Whose note it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoteTopic {
    Psychology,
    Social,
}

impl NoteTopic {
    pub fn entity(self) -> EntityKind {
        match self {
            NoteTopic::Psychology => EntityKind::PsychologyNote,
            NoteTopic::Social => EntityKind::SocialNote,
        }
    }

    /// The topics a role reads, and the one it writes.
    pub fn readable_by(role: Role) -> Vec<NoteTopic> {
        [NoteTopic::Psychology, NoteTopic::Social]
            .into_iter()
            .filter(|t| may_read(role, t.entity(), "text"))
            .collect()
    }

    pub fn written_by(role: Role) -> Option<NoteTopic> {
        [NoteTopic::Psychology, NoteTopic::Social]
            .into_iter()
            .find(|t| may_write(role, t.entity(), "text"))
    }
}

/// A note as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct NoteInput {
    pub mother_id: Option<MotherId>,
    pub text: String,
}

/// A note as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct NoteRecord {
    #[ts(type = "string")]
    pub id: Uuid,
    pub topic: NoteTopic,
    pub mother_id: MotherId,
    pub written_on: NaiveDate,
    pub text: String,
    pub written_by: String,
}

/// Checks a note a member with `role` writes today, and turns it into its write.
pub fn note_write(
    input: &NoteInput,
    role: Option<Role>,
    id: Uuid,
    author_name: &str,
    today: NaiveDate,
) -> Result<(NoteRecord, EntityWrite), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let topic = role.and_then(NoteTopic::written_by);
    if topic.is_none() {
        errors.push(FieldError::new("text", Rule::NotYourRole));
    }
    let text = input.text.trim();
    if text.is_empty() {
        errors.push(FieldError::new("text", Rule::Required));
    } else if text.chars().count() > MAX_NOTE_CHARS {
        errors.push(FieldError::new("text", Rule::TooLong).with("max_len", MAX_NOTE_CHARS));
    }
    let Some(mother_id) = input.mother_id else {
        errors.push(FieldError::new("mother_id", Rule::Required));
        return Err(errors);
    };
    let (Some(topic), true) = (topic, errors.0.is_empty()) else {
        return Err(errors);
    };
    let record = NoteRecord {
        id,
        topic,
        mother_id,
        written_on: today,
        text: text.to_owned(),
        written_by: author_name.to_owned(),
    };
    let write = EntityWrite {
        entity: topic.entity(),
        entity_id: id,
        fields: [
            ("mother_id".to_owned(), serde_json::json!(mother_id)),
            ("written_on".to_owned(), serde_json::json!(today)),
            ("text".to_owned(), serde_json::json!(record.text)),
            ("written_by".to_owned(), serde_json::json!(author_name)),
        ]
        .into(),
        also_replaces: Default::default(),
    };
    Ok((record, write))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> NoteInput {
        NoteInput {
            mother_id: Some(MotherId(Uuid::from_u128(1))),
            text: text.into(),
        }
    }

    #[test]
    fn each_specialist_writes_her_own_kind_of_note_and_no_one_else_writes_any() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let id = Uuid::from_u128(2);
        let (note, write) = note_write(
            &input(" Uykusuzluk "),
            Some(Role::Psychologist),
            id,
            "Psk. Selin",
            today,
        )
        .unwrap();
        assert_eq!(
            (note.topic, write.entity, note.text.as_str()),
            (NoteTopic::Psychology, EntityKind::PsychologyNote, "Uykusuzluk")
        );
        let (note, _) = note_write(&input("Barınma"), Some(Role::SocialWorker), id, "SHU Ali", today).unwrap();
        assert_eq!(note.topic, NoteTopic::Social);
        for role in [Some(Role::Nurse), Some(Role::Doctor), Some(Role::TeamLead), None] {
            let errors = note_write(&input("x"), role, id, "x", today).unwrap_err();
            assert_eq!(errors.0[0].rule, Rule::NotYourRole, "{role:?}");
        }
        let errors = note_write(&input("  "), Some(Role::Psychologist), id, "x", today).unwrap_err();
        assert_eq!(errors.0[0].rule, Rule::Required);
        let long = "a".repeat(MAX_NOTE_CHARS + 1);
        assert_eq!(
            note_write(&input(&long), Some(Role::Psychologist), id, "x", today)
                .unwrap_err()
                .0[0]
                .rule,
            Rule::TooLong
        );
    }

    #[test]
    fn who_reads_which_notes() {
        assert_eq!(NoteTopic::readable_by(Role::Nurse), []);
        assert_eq!(
            NoteTopic::readable_by(Role::Doctor),
            [NoteTopic::Psychology, NoteTopic::Social]
        );
        assert_eq!(NoteTopic::readable_by(Role::TeamLead), [NoteTopic::Social]);
    }
}
