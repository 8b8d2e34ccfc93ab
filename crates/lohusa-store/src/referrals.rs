//! Importing a hospital referral list: each good row becomes a registered mother unless it looks
//! like a mother already on this device (or earlier in the same file), in which case it waits,
//! side by side with the suspects, for the team lead to merge it or keep it apart. A merge writes
//! the fields taken from the referral and records where each came from.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use lohusa_core::MemberId;
use lohusa_core::change::{EntityKind, EntityWrite, FieldValues};
use lohusa_core::ids::MotherId;
use lohusa_core::registration::{BirthRecord, MotherRecord, RegistrationIds, ValidRegistration, validate_registration};
use lohusa_core::time::istanbul_today;
use lohusa_core::validation::{FieldError, Rule, ValidationErrors};
use lohusa_exchange::matching::{MatchIndex, Person, Suspect};
use lohusa_exchange::referral::{FileError, ReferralRow, RowError, column_of, parse_referrals};
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;
use uuid::Uuid;

use crate::mothers::{id, new_ids, opt_date};
use crate::{Store, StoreError, collect_rows};

/// A row created as a new mother.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct CreatedRow {
    pub line: u32,
    pub mother_id: MotherId,
    pub full_name: String,
}

/// A mother already on the device that a referral row may be.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct SuspectRecord {
    pub suspect: Suspect,
    pub mother: MotherRecord,
    pub birth: Option<BirthRecord>,
}

/// A row held back: it looks like one or more mothers already known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct SuspectedDuplicate {
    pub row: ReferralRow,
    pub suspects: Vec<SuspectRecord>,
}

/// What an import did: rows created, rows held as suspected duplicates, rows refused.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportReport {
    /// Set when the file could not be read at all; then nothing else is.
    pub file_error: Option<FileError>,
    pub created: Vec<CreatedRow>,
    pub suspected: Vec<SuspectedDuplicate>,
    pub errors: Vec<RowError>,
}

pub use lohusa_core::fields::MERGEABLE_FIELDS;

fn source_of(row: &ReferralRow, file: &str) -> String {
    match &row.hospital {
        Some(hospital) => format!("{hospital} · {file}:{}", row.line),
        None => format!("{file}:{}", row.line),
    }
}

fn person(mother: &MotherRecord, baby_birth_date: Option<NaiveDate>) -> Person {
    Person {
        id: mother.id.0,
        full_name: mother.full_name.clone(),
        id_number: mother.id_number.clone(),
        phone: mother.phone.clone(),
        date_of_birth: mother.date_of_birth,
        age_years: mother.age_years,
        baby_birth_date,
    }
}

impl Store {
    /// Every mother on the device as the duplicate check sees her.
    pub fn match_index(&self) -> Result<MatchIndex, StoreError> {
        let births = self.latest_births()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, full_name, id_number, phone, date_of_birth, age_years FROM mothers WHERE deleted IS NOT 1",
        )?;
        let people = collect_rows(&mut stmt, [], |row| {
            let mother: Uuid = id(row, 0)?;
            Ok(Person {
                id: mother,
                full_name: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                id_number: row.get(2)?,
                phone: row.get(3)?,
                date_of_birth: opt_date(row, 4)?,
                age_years: row.get(5)?,
                baby_birth_date: births.get(&mother).copied(),
            })
        })?;
        Ok(MatchIndex::new(people))
    }

    /// Reads a referral file (named `file` in the sources it leaves) and registers every good row
    /// that is not a suspected duplicate, each in its own transaction.
    pub fn import_referrals(
        &mut self,
        text: &str,
        file: &str,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<ImportReport, StoreError> {
        let parsed = match parse_referrals(text) {
            Ok(parsed) => parsed,
            Err(error) => {
                return Ok(ImportReport {
                    file_error: Some(error),
                    ..Default::default()
                });
            }
        };
        let mut report = ImportReport {
            errors: parsed.errors,
            ..Default::default()
        };
        let today = istanbul_today(now);
        let mut index = self.match_index()?;
        for row in parsed.rows {
            let valid = match validate_registration(&row.input, &new_ids(&row.input, now), today) {
                Ok(valid) => valid,
                Err(errors) => {
                    report.errors.extend(errors.0.into_iter().map(|error| RowError {
                        line: row.line,
                        column: column_of(&error.field),
                        error,
                    }));
                    continue;
                }
            };
            let probe = person(&valid.mother, Some(valid.birth.birth_date));
            let suspects = index.candidates(&probe);
            if !suspects.is_empty() {
                let mut records = Vec::new();
                for suspect in suspects {
                    let mother = MotherId(suspect.id);
                    records.push(SuspectRecord {
                        mother: self.mother(mother)?,
                        birth: self.birth_of(mother).ok(),
                        suspect,
                    });
                }
                report.suspected.push(SuspectedDuplicate { row, suspects: records });
                continue;
            }
            let created = self.write_referral(&valid, &row, file, author, now)?;
            index.add(Person { id: created.0, ..probe });
            report.created.push(CreatedRow {
                line: row.line,
                mother_id: created,
                full_name: valid.mother.full_name.clone(),
            });
        }
        report.errors.sort_by_key(|e| e.line);
        Ok(report)
    }

    /// Registers a referral row as a new mother (also when the team lead keeps a suspected
    /// duplicate apart), noting the file and line as the source of her fields.
    pub fn create_referral(
        &mut self,
        row: &ReferralRow,
        file: &str,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<MotherId, StoreError> {
        let valid = validate_registration(&row.input, &new_ids(&row.input, now), istanbul_today(now))?;
        self.write_referral(&valid, row, file, author, now)
    }

    /// Writes a checked referral row, every mother field noting the file and line as its source.
    fn write_referral(
        &mut self,
        valid: &ValidRegistration,
        row: &ReferralRow,
        file: &str,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<MotherId, StoreError> {
        let mut writes = valid.writes();
        let source = source_of(row, file);
        let sources: BTreeMap<&str, &str> = MERGEABLE_FIELDS.iter().map(|f| (*f, source.as_str())).collect();
        if let Some(mother) = writes.iter_mut().find(|w| w.entity == EntityKind::Mother) {
            mother.fields.insert(
                "sources".into(),
                json!(serde_json::to_string(&sources).expect("a map of text")),
            );
        }
        self.write(&writes, author, now)?;
        Ok(valid.mother.id)
    }

    /// Merges a referral row into a mother already on the device: the fields named in `take`
    /// get the referral's values, and each records the referral as its source. The rest of her
    /// record is unchanged.
    pub fn merge_referral(
        &mut self,
        into: MotherId,
        row: &ReferralRow,
        take: &[String],
        file: &str,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut errors = ValidationErrors::default();
        for field in take.iter().filter(|f| !MERGEABLE_FIELDS.contains(&f.as_str())) {
            errors.push(FieldError::new("take", Rule::NotAChoice).with("value", field));
        }
        if !errors.0.is_empty() {
            return Err(errors.into());
        }
        let ids = RegistrationIds {
            mother: into,
            ..new_ids(&row.input, now)
        };
        let valid = validate_registration(&row.input, &ids, istanbul_today(now))?;
        self.mother(into)?;
        let incoming = valid
            .writes()
            .into_iter()
            .find(|w| w.entity == EntityKind::Mother)
            .expect("a registration writes its mother");
        let mut sources = self.sources_of(into)?;
        let source = source_of(row, file);
        let mut fields = FieldValues::new();
        for field in take {
            if let Some(value) = incoming.fields.get(field.as_str()) {
                fields.insert(field.clone(), value.clone());
                sources.insert(field.clone(), source.clone());
            }
        }
        fields.insert(
            "sources".into(),
            json!(serde_json::to_string(&sources).expect("a map of text")),
        );
        let write = EntityWrite {
            entity: EntityKind::Mother,
            entity_id: into.0,
            fields,
            also_replaces: Default::default(),
        };
        self.write(&[write], author, now)?;
        Ok(())
    }

    /// Where each of a mother's fields came from, for the fields a referral or a merge set.
    pub fn sources_of(&self, mother: MotherId) -> Result<BTreeMap<String, String>, StoreError> {
        let text: Option<String> = crate::optional(
            self.conn
                .prepare_cached("SELECT sources FROM mothers WHERE id = ?1")?
                .query_row([mother.to_string()], |r| r.get(0)),
        )?
        .flatten();
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default())
    }
}
