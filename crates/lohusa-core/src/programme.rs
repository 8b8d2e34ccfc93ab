//! What the programme's numbers and exports are computed from: each mother's registration, birth,
//! babies, visits (with the member who recorded each and the flags it raises), a doctor's
//! sign-offs and the state of her case. A device gathers it from its store, the server from its
//! current state; the indicators (`indicators`), the line lists and the FHIR bundle are pure
//! functions of it.

use std::collections::BTreeMap;

use crate::case::CaseState;
use crate::flags::Flag;
use crate::ids::MemberId;
use crate::registration::{BabyRecord, BirthRecord, MotherRecord};
use crate::review::ReviewRecord;
use crate::visit::VisitRecord;

/// One mother's record as the programme counts and exports it.
#[derive(Clone, Debug)]
pub struct ProgrammeMother {
    pub mother: MotherRecord,
    pub birth: BirthRecord,
    pub babies: Vec<BabyRecord>,
    pub visits: Vec<ProgrammeVisit>,
    /// The doctor's sign-offs of her visits' flags.
    pub reviews: Vec<ReviewRecord>,
    pub case: CaseState,
    /// The referral list she came from (the source of her registration), when she was referred.
    pub referral_source: Option<String>,
}

impl ProgrammeMother {
    /// Her visits that belong to a window (not extra ones) and, as of `today`, the windows the
    /// programme counts (`coverage::counted_windows`; `deciding` indexes those visits).
    pub fn windows(&self, today: chrono::NaiveDate) -> (Vec<&ProgrammeVisit>, Vec<crate::coverage::CountedWindow>) {
        let visits: Vec<&ProgrammeVisit> = self
            .visits
            .iter()
            .filter(|v| v.visit.extra_visit_id.is_none())
            .collect();
        let recorded: Vec<(crate::schedule::VisitNumber, crate::schedule::RecordedVisit)> = visits
            .iter()
            .map(|v| {
                (
                    v.visit.number,
                    crate::schedule::RecordedVisit {
                        outcome: v.visit.outcome,
                        date: v.visit.visited_on,
                    },
                )
            })
            .collect();
        let counted = crate::coverage::counted_windows(self.birth.birth_date, &recorded, self.case.closed_on, today);
        (visits, counted)
    }
}

/// A visit record, who recorded it, and the flags it raises.
#[derive(Clone, Debug)]
pub struct ProgrammeVisit {
    pub visit: VisitRecord,
    /// The member whose change made the record (the nurse's id; `visited_by` is the name she
    /// typed).
    pub recorded_by: Option<MemberId>,
    pub flags: Vec<Flag>,
}

/// The members a device or the server knows, by id: names for the reports.
pub type MemberNames = BTreeMap<MemberId, String>;

/// One record as a replica holds it: its kind, id, visible field values, and the member whose
/// change made it (the writer of its first fields).
#[derive(Clone, Debug)]
pub struct RawRecord {
    pub entity: crate::change::EntityKind,
    pub id: uuid::Uuid,
    pub fields: crate::change::FieldValues,
    pub creator: Option<MemberId>,
}

/// A record's fields read as a core record of type `T` (the field names are the record's).
fn typed<T: serde::de::DeserializeOwned>(record: &RawRecord) -> Option<T> {
    let mut object = serde_json::Map::new();
    object.insert("id".into(), serde_json::json!(record.id));
    for (field, value) in &record.fields {
        if !value.is_null() && !field.starts_with("answers.") {
            object.insert(field.clone(), value.clone());
        }
    }
    serde_json::from_value(serde_json::Value::Object(object)).ok()
}

fn text(record: &RawRecord, field: &str) -> Option<String> {
    record.fields.get(field).and_then(|v| v.as_str()).map(str::to_owned)
}

fn visit_of(record: &RawRecord) -> Option<VisitRecord> {
    let number = crate::schedule::VisitNumber::new(record.fields.get("number")?.as_u64()? as u8)?;
    let answers = record
        .fields
        .iter()
        .filter(|(_, v)| !v.is_null())
        .filter_map(|(k, v)| Some((k.strip_prefix("answers.")?.to_owned(), v.clone())))
        .collect();
    Some(VisitRecord {
        id: crate::ids::VisitId(record.id),
        mother_id: text(record, "mother_id")?.parse().ok()?,
        number,
        outcome: serde_json::from_value(record.fields.get("outcome")?.clone()).ok()?,
        visited_on: text(record, "visited_on")?.parse().ok()?,
        visited_at: text(record, "visited_at").and_then(|t| chrono::NaiveTime::parse_from_str(&t, "%H:%M").ok()),
        visited_by: text(record, "visited_by").unwrap_or_default(),
        note: text(record, "note"),
        checklist_version: record
            .fields
            .get("checklist_version")
            .and_then(|v| v.as_u64())
            .unwrap_or(1) as u32,
        answers,
        extra_visit_id: text(record, "extra_visit_id").and_then(|t| t.parse().ok()),
    })
}

fn review_of(record: &RawRecord) -> Option<ReviewRecord> {
    Some(ReviewRecord {
        id: record.id,
        mother_id: text(record, "mother_id")?.parse().ok()?,
        visit_id: text(record, "visit_id")?.parse().ok()?,
        flags: serde_json::from_value(record.fields.get("flags")?.clone()).ok()?,
        order: serde_json::from_value(record.fields.get("orders")?.clone()).ok()?,
        note: text(record, "note"),
        reviewed_by: text(record, "reviewed_by")?,
        reviewed_at: text(record, "reviewed_at")?.parse().ok()?,
    })
}

/// Every mother (not deleted, with a birth) of a replica's records, as the programme counts
/// them: her latest birth, its babies, her visits with the flags they raise as of `today`, the
/// sign-offs and the case. A record not received whole is left out.
pub fn assemble(records: &[RawRecord], members: &MemberNames, today: chrono::NaiveDate) -> Vec<ProgrammeMother> {
    use crate::change::EntityKind as E;
    use crate::ids::MotherId;
    let mut mothers: BTreeMap<MotherId, ProgrammeMother> = BTreeMap::new();
    let mut births: BTreeMap<MotherId, BirthRecord> = BTreeMap::new();
    for record in records.iter().filter(|r| r.entity == E::Birth) {
        if let Some(birth) = typed::<BirthRecord>(record) {
            let keep = births
                .get(&birth.mother_id)
                .is_none_or(|b| (birth.birth_date, birth.id) > (b.birth_date, b.id));
            if keep {
                births.insert(birth.mother_id, birth);
            }
        }
    }
    for record in records.iter().filter(|r| r.entity == E::Mother) {
        if record.fields.get("deleted").and_then(|v| v.as_bool()) == Some(true) {
            continue;
        }
        let Some(mother) = typed::<MotherRecord>(record) else {
            continue;
        };
        let Some(birth) = births.remove(&mother.id) else {
            continue;
        };
        let assigned_to: Option<MemberId> = text(record, "assigned_to").and_then(|t| t.parse().ok());
        let sources: BTreeMap<String, String> = text(record, "sources")
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        let source = sources.get("full_name").or_else(|| sources.values().next());
        mothers.insert(
            mother.id,
            ProgrammeMother {
                case: CaseState {
                    assigned_name: assigned_to.and_then(|m| members.get(&m).cloned()),
                    assigned_to,
                    closed_on: text(record, "closed_on").and_then(|t| t.parse().ok()),
                    closed_reason: record
                        .fields
                        .get("closed_reason")
                        .and_then(|v| serde_json::from_value(v.clone()).ok()),
                },
                referral_source: source.map(|s| referral_place(s)),
                mother,
                birth,
                babies: vec![],
                visits: vec![],
                reviews: vec![],
            },
        );
    }
    for record in records {
        match record.entity {
            E::Baby => {
                if let Some(baby) = typed::<BabyRecord>(record)
                    && let Some(m) = mothers.get_mut(&baby.mother_id).filter(|m| m.birth.id == baby.birth_id)
                {
                    m.babies.push(baby);
                }
            }
            E::Visit => {
                if let Some(visit) = visit_of(record)
                    && let Some(m) = mothers.get_mut(&visit.mother_id)
                {
                    m.visits.push(ProgrammeVisit {
                        visit,
                        recorded_by: record.creator,
                        flags: vec![],
                    });
                }
            }
            E::Review => {
                if let Some(review) = review_of(record)
                    && let Some(m) = mothers.get_mut(&review.mother_id)
                {
                    m.reviews.push(review);
                }
            }
            _ => {}
        }
    }
    let mut out: Vec<ProgrammeMother> = mothers.into_values().collect();
    for mother in &mut out {
        mother.babies.sort_by_key(|b| b.ordinal);
        mother
            .visits
            .sort_by_key(|v| (v.visit.number, v.visit.visited_on, v.visit.id));
        let refs = crate::visit::baby_refs(&mother.babies);
        let all: Vec<VisitRecord> = mother.visits.iter().map(|v| v.visit.clone()).collect();
        for visit in &mut mother.visits {
            if visit.visit.outcome == crate::visit::VisitOutcome::Visited {
                visit.flags = crate::visit::visit_flags(&visit.visit, &mother.birth, today, &refs, &all);
            }
        }
    }
    out
}

/// The referral list a source names: its hospital (`Tepecik · file.csv:3`), else its file.
pub fn referral_place(source: &str) -> String {
    match source.split_once(" · ") {
        Some((hospital, _)) => hospital.to_owned(),
        None => source.rsplit_once(':').map_or(source, |(file, _)| file).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::{EntityKind, EntityWrite};
    use crate::ids::{BabyId, BirthId, MotherId, VisitId};
    use crate::registration::{
        BabyInput, BabySex, BirthInput, BirthMode, Language, MotherInput, RegistrationIds, RegistrationInput,
        validate_registration,
    };
    use crate::visit::{VisitContext, VisitInput, VisitOutcome, validate_visit};
    use uuid::Uuid;

    fn raw(write: EntityWrite, creator: u128) -> RawRecord {
        RawRecord {
            entity: write.entity,
            id: write.entity_id,
            fields: write.fields,
            creator: Some(MemberId(Uuid::from_u128(creator))),
        }
    }

    /// What the server holds (field values per record) reads back as the records a device has.
    #[test]
    fn records_as_field_values_assemble_into_the_programme_records() {
        let today: chrono::NaiveDate = "2026-11-30".parse().unwrap();
        let input = RegistrationInput {
            mother: MotherInput {
                full_name: "Ayşe Yılmaz".into(),
                age_years: "29".into(),
                nationality: "T.C.".into(),
                preferred_language: Some(Language::Tr),
                ..Default::default()
            },
            birth: BirthInput {
                birth_date: "2026-11-20".into(),
                mode: Some(BirthMode::Vaginal),
                ..Default::default()
            },
            babies: vec![
                BabyInput {
                    name: "Elif".into(),
                    sex: Some(BabySex::Female),
                    birth_weight_g: "2900".into(),
                },
                BabyInput {
                    name: String::new(),
                    sex: Some(BabySex::Male),
                    birth_weight_g: "3000".into(),
                },
            ],
        };
        let ids = RegistrationIds {
            mother: MotherId(Uuid::from_u128(1)),
            birth: BirthId(Uuid::from_u128(2)),
            babies: vec![BabyId(Uuid::from_u128(3)), BabyId(Uuid::from_u128(4))],
        };
        let valid = validate_registration(&input, &ids, "2026-11-21".parse().unwrap()).unwrap();
        let visit = validate_visit(
            &VisitInput {
                mother_id: ids.mother,
                number: crate::VisitNumber::new(1).unwrap(),
                outcome: VisitOutcome::Visited,
                visited_on: "23.11.2026".into(),
                visited_at: "10:30".into(),
                visited_by: "Ebe Derya".into(),
                note: String::new(),
                answers: [("mother.bp_systolic".to_owned(), "165".to_owned())]
                    .into_iter()
                    .collect(),
            },
            VisitId(Uuid::from_u128(5)),
            &VisitContext {
                birth: &valid.birth,
                babies: &valid.babies,
                already_visited: false,
                today,
            },
            crate::checklist::current(),
        )
        .unwrap();
        let mut records: Vec<RawRecord> = valid.writes().into_iter().map(|w| raw(w, 7)).collect();
        records.push(raw(visit.write(), 8));
        // A deleted mother is left out.
        records.push(RawRecord {
            entity: EntityKind::Mother,
            id: Uuid::from_u128(99),
            fields: [
                ("full_name".to_owned(), serde_json::json!("Gone")),
                ("deleted".to_owned(), serde_json::json!(true)),
            ]
            .into_iter()
            .collect(),
            creator: None,
        });
        let mothers = assemble(&records, &MemberNames::new(), today);
        assert_eq!(mothers.len(), 1);
        let m = &mothers[0];
        assert_eq!(m.mother, valid.mother);
        assert_eq!(m.birth, valid.birth);
        assert_eq!(m.babies, valid.babies);
        assert_eq!(m.visits.len(), 1);
        assert_eq!(m.visits[0].visit, visit);
        assert_eq!(m.visits[0].recorded_by, Some(MemberId(Uuid::from_u128(8))));
        // The flags are the core's: 165 mmHg is severe hypertension.
        let rules: Vec<&str> = m.visits[0].flags.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["severe_hypertension"]);
    }
}
