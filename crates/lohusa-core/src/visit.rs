//! Recording a home visit: its outcome, date, time, who visited and the checklist answers.
//!
//! A visit is either done (the nurse saw the mother) or closed by an outcome that explains why it
//! could not happen; both close the window. The checklist part is validated by the definition in
//! `checklist`, so this module knows nothing about blood pressure or LATCH.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use crate::change::{EntityKind, EntityWrite, FieldValues};
use crate::checklist::{Answers, BabyRef, ChecklistDefinition, FormContext};
use crate::flags::Flag;
use crate::ids::{MotherId, VisitId};
use crate::registration::{BabyRecord, BirthRecord};
pub use crate::schedule::VisitOutcome;
use crate::schedule::{RecordedVisit, VisitNumber, VisitStatus, VisitWindow, deciding_record, visit_status};
use crate::time::day_of_life;
use crate::validation::parse;
use crate::validation::{FieldError, Rule, ValidationErrors};

pub const MAX_NOTE_LEN: usize = 2000;

/// The visit form, as typed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct VisitInput {
    pub mother_id: MotherId,
    pub number: VisitNumber,
    pub outcome: VisitOutcome,
    /// YYYY-MM-DD.
    pub visited_on: String,
    /// HH:MM, local time.
    pub visited_at: String,
    pub visited_by: String,
    pub note: String,
    /// Raw answers keyed by `checklist::answer_key`.
    pub answers: BTreeMap<String, String>,
}

/// A visit as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct VisitRecord {
    pub id: VisitId,
    pub mother_id: MotherId,
    pub number: VisitNumber,
    pub outcome: VisitOutcome,
    pub visited_on: NaiveDate,
    pub visited_at: Option<NaiveTime>,
    pub visited_by: String,
    pub note: Option<String>,
    /// The checklist definition version the answers were filled with.
    pub checklist_version: u32,
    #[ts(type = "Record<string, AnswerValue>")]
    pub answers: Answers,
    /// Set when this is an extra visit (`extra::ExtraVisitRecord`) rather than one of the three
    /// windows'; `number` then says whose checklist it used.
    #[serde(default)]
    pub extra_visit_id: Option<uuid::Uuid>,
}

/// What the visit form needs to know about the mother's record.
#[derive(Clone, Copy)]
pub struct VisitContext<'a> {
    pub birth: &'a BirthRecord,
    pub babies: &'a [BabyRecord],
    /// The visit with this number already happened (outcome `Visited`). Failed attempts do not
    /// count: the nurse may come back and record the visit.
    pub already_visited: bool,
    pub today: NaiveDate,
}

/// Parses and checks a visit form; all errors at once.
pub fn validate_visit(
    input: &VisitInput,
    id: VisitId,
    context: &VisitContext<'_>,
    definition: &ChecklistDefinition,
) -> Result<VisitRecord, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let e = &mut errors;
    if context.already_visited {
        e.push(FieldError::new("number", Rule::AlreadyRecorded).with("value", input.number.get()));
    }
    let visited_on = parse::required_date(e, "visited_on", &input.visited_on);
    if let Some(date) = visited_on {
        if date > context.today {
            e.push(FieldError::new("visited_on", Rule::InTheFuture).with("value", date));
        }
        if date < context.birth.birth_date {
            e.push(
                FieldError::new("visited_on", Rule::BeforeBirth)
                    .with("value", date)
                    .with("other", context.birth.birth_date),
            );
        }
    }
    let visited = input.outcome == VisitOutcome::Visited;
    // A visit needs its time; an attempt may have one.
    let visited_at = if visited || parse::trimmed(&input.visited_at).is_some() {
        parse::required_time(e, "visited_at", &input.visited_at)
    } else {
        None
    };
    let visited_by = parse::required_text(e, "visited_by", &input.visited_by, crate::registration::MAX_NAME_LEN);
    let note = parse::optional_text(e, "note", &input.note, MAX_NOTE_LEN);
    let answers = if visited {
        let babies = baby_refs(context.babies);
        let form = FormContext {
            visit: input.number,
            babies: &babies,
            birth_date: context.birth.birth_date,
            birth_mode: context.birth.mode,
            // With no valid date yet, conditions and ranges read today's; the date's own error
            // is reported anyway.
            visit_date: visited_on.unwrap_or(context.today),
            today: context.today,
        };
        match definition.validate_answers(&form, &input.answers) {
            Ok(answers) => answers,
            Err(answer_errors) => {
                e.0.extend(answer_errors.0);
                Answers::new()
            }
        }
    } else {
        // A visit that did not happen has no measurements; the form hides the checklist, and an
        // answer sent anyway is refused rather than dropped.
        for (key, value) in input.answers.iter().filter(|(_, v)| !v.trim().is_empty()) {
            e.push(FieldError::new(format!("answers.{key}"), Rule::NotAsked).with("value", value.trim()));
        }
        Answers::new()
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(VisitRecord {
        id,
        mother_id: input.mother_id,
        number: input.number,
        outcome: input.outcome,
        visited_on: visited_on.expect("validated"),
        visited_at,
        visited_by: visited_by.expect("validated"),
        note,
        checklist_version: definition.version,
        answers,
        extra_visit_id: None,
    })
}

/// Answers added to a recorded visit: lab results that arrive after it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct LaterResultsInput {
    pub visit_id: VisitId,
    /// Raw answers keyed by `checklist::answer_key`, only of sections marked `later`.
    pub answers: BTreeMap<String, String>,
}

/// Checks answers added to `visit` by the definition it was filled with; returns the write
/// that adds them. Only a visit that happened takes results.
pub fn validate_later_results(
    visit: &VisitRecord,
    birth: &BirthRecord,
    babies: &[BabyRecord],
    today: NaiveDate,
    raw: &BTreeMap<String, String>,
) -> Result<EntityWrite, ValidationErrors> {
    let Some(definition) = crate::checklist::by_version(visit.checklist_version) else {
        return Err(ValidationErrors(vec![
            FieldError::new("checklist_version", Rule::NotAChoice).with("value", visit.checklist_version),
        ]));
    };
    if visit.outcome != VisitOutcome::Visited {
        return Err(ValidationErrors(vec![
            FieldError::new("outcome", Rule::NotAsked).with("value", "later_results"),
        ]));
    }
    let refs = baby_refs(babies);
    let form = FormContext {
        visit: visit.number,
        babies: &refs,
        birth_date: birth.birth_date,
        birth_mode: birth.mode,
        visit_date: visit.visited_on,
        today,
    };
    let answers = definition.validate_later(&form, &visit.answers, raw)?;
    let mut fields = FieldValues::new();
    for (key, value) in answers {
        fields.insert(format!("answers.{key}"), value);
    }
    Ok(EntityWrite {
        entity: EntityKind::Visit,
        entity_id: visit.id.0,
        fields,
        also_replaces: Default::default(),
    })
}

/// The longest reason given for a correction.
pub const MAX_REASON_LEN: usize = 200;

/// A correction of a recorded visit: the whole visit form, filled with what is stored and
/// edited, and why it changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct VisitCorrectionInput {
    pub visit_id: VisitId,
    pub form: VisitInput,
    /// Why (a typo, a value read again from the device, ...); kept with the change.
    pub reason: String,
}

impl VisitInput {
    /// The visit form filled with a stored visit, as it would have been typed: where a
    /// correction starts.
    pub fn from_record(visit: &VisitRecord) -> VisitInput {
        let text = |value: &serde_json::Value| match value {
            serde_json::Value::Bool(true) => "yes".to_owned(),
            serde_json::Value::Bool(false) => "no".to_owned(),
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .or_else(|| i.as_i64().map(|n| n.to_string()))
                })
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        VisitInput {
            mother_id: visit.mother_id,
            number: visit.number,
            outcome: visit.outcome,
            visited_on: visit.visited_on.to_string(),
            visited_at: visit
                .visited_at
                .map(|t| t.format("%H:%M").to_string())
                .unwrap_or_default(),
            visited_by: visit.visited_by.clone(),
            note: visit.note.clone().unwrap_or_default(),
            answers: visit.answers.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        }
    }
}

/// Checks a correction of `stored` by the rules of the definition it was filled with, exactly as
/// the form is checked when a visit is first recorded, and asks for a reason. Returns the write
/// of the fields that changed (an answer taken out becomes empty) with the reason beside them;
/// a write with no fields when nothing changed. Flags are derived, so they follow at once.
pub fn validate_visit_correction(
    stored: &VisitRecord,
    input: &VisitCorrectionInput,
    context: &VisitContext<'_>,
) -> Result<EntityWrite, ValidationErrors> {
    let Some(definition) = crate::checklist::by_version(stored.checklist_version) else {
        return Err(ValidationErrors(vec![
            FieldError::new("checklist_version", Rule::NotAChoice).with("value", stored.checklist_version),
        ]));
    };
    let mut errors = ValidationErrors::default();
    let reason = parse::required_text(&mut errors, "reason", &input.reason, MAX_REASON_LEN);
    // The visit stays the same visit of the same mother.
    // A correction to a failed attempt clears the answers (the form warns how many).
    let form = VisitInput {
        mother_id: stored.mother_id,
        number: stored.number,
        answers: if input.form.outcome == VisitOutcome::Visited {
            input.form.answers.clone()
        } else {
            Default::default()
        },
        ..input.form.clone()
    };
    let context = VisitContext {
        already_visited: false,
        ..*context
    };
    let record = match validate_visit(&form, stored.id, &context, definition) {
        Ok(mut record) => {
            record.checklist_version = stored.checklist_version;
            record.extra_visit_id = stored.extra_visit_id;
            Some(record)
        }
        Err(form_errors) => {
            errors.0.extend(form_errors.0);
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let (record, reason) = (record.expect("validated"), reason.expect("validated"));
    let before = stored.write();
    let after = record.write();
    let mut write = after.clone();
    write
        .fields
        .retain(|field, value| before.fields.get(field) != Some(value));
    for field in before.fields.keys().filter(|f| f.starts_with("answers.")) {
        if !after.fields.contains_key(field) {
            write.fields.insert(field.clone(), serde_json::Value::Null);
        }
    }
    if !write.fields.is_empty() {
        write.fields.insert("correction_reason".into(), json!(reason));
    }
    Ok(write)
}

pub fn baby_refs(babies: &[BabyRecord]) -> Vec<BabyRef> {
    babies
        .iter()
        .map(|b| BabyRef {
            id: b.id,
            birth_weight_g: b.birth_weight_g,
        })
        .collect()
}

impl VisitRecord {
    /// The field writes that create this visit. Answers become `answers.<key>` fields, so a later
    /// merge can keep two nurses' answers to different questions of the same visit.
    pub fn write(&self) -> EntityWrite {
        let mut fields = FieldValues::new();
        fields.insert("mother_id".into(), json!(self.mother_id));
        fields.insert("number".into(), json!(self.number));
        fields.insert("outcome".into(), json!(self.outcome));
        fields.insert("visited_on".into(), json!(self.visited_on));
        fields.insert(
            "visited_at".into(),
            json!(self.visited_at.map(|t| t.format("%H:%M").to_string())),
        );
        fields.insert("visited_by".into(), json!(self.visited_by));
        fields.insert("note".into(), json!(self.note));
        fields.insert("checklist_version".into(), json!(self.checklist_version));
        if let Some(extra) = self.extra_visit_id {
            fields.insert("extra_visit_id".into(), json!(extra));
        }
        for (key, value) in &self.answers {
            fields.insert(format!("answers.{key}"), value.clone());
        }
        EntityWrite {
            entity: EntityKind::Visit,
            entity_id: self.id.0,
            fields,
            also_replaces: Default::default(),
        }
    }

    pub fn recorded(&self) -> RecordedVisit {
        RecordedVisit {
            outcome: self.outcome,
            date: self.visited_on,
        }
    }
}

/// One of the three visit cards on the mother's screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct VisitCard {
    pub window: VisitWindow,
    pub status: VisitStatus,
    /// First and last day of life of the window.
    pub first_day: u32,
    pub last_day: u32,
    /// Day of life on the visit date, when one is recorded.
    pub day_of_life_at_visit: Option<i32>,
    /// The record that decides the status: the visit if it happened, else the latest outcome.
    pub visit: Option<VisitRecord>,
    /// Earlier outcomes that did not decide it (not at home on day 2 before the visit on day 4).
    pub attempts: Vec<VisitRecord>,
    /// The same visit recorded again (two tablets offline, say): visits of this window besides
    /// the one that decides it. They count once; someone should review them (`duplicates`).
    pub duplicates: Vec<VisitRecord>,
    /// Red flags the recorded answers raise, by the rules of the definition they were filled with.
    pub flags: Vec<Flag>,
}

/// The three cards for a birth, from what is recorded.
pub fn visit_cards(
    birth: &BirthRecord,
    today: NaiveDate,
    visits: &[VisitRecord],
    babies: &[BabyRecord],
) -> Vec<VisitCard> {
    let birth_date = birth.birth_date;
    let babies = baby_refs(babies);
    crate::schedule::visit_windows(birth_date)
        .into_iter()
        .map(|window| {
            let mut records: Vec<VisitRecord> = visits
                .iter()
                .filter(|v| v.number == window.number && v.extra_visit_id.is_none())
                .cloned()
                .collect();
            // In the same order on every replica, so two records of one day decide alike.
            records.sort_by_key(|v| (v.visited_on, v.id.0));
            let deciding = deciding_record(records.iter().map(VisitRecord::recorded));
            let position = records.iter().rposition(|v| Some(v.recorded()) == deciding);
            let visit = position.map(|i| records.remove(i));
            let (duplicates, records): (Vec<VisitRecord>, Vec<VisitRecord>) =
                records.into_iter().partition(|v| v.outcome == VisitOutcome::Visited);
            let (first_day, last_day) = window.number.window_days();
            let flags = match &visit {
                Some(v) if v.outcome == VisitOutcome::Visited => visit_flags(v, birth, today, &babies, visits),
                _ => vec![],
            };
            VisitCard {
                attempts: records,
                duplicates,
                flags,
                status: visit_status(&window, today, visit.as_ref().map(VisitRecord::recorded)),
                window,
                first_day,
                last_day,
                day_of_life_at_visit: visit.as_ref().map(|v| day_of_life(birth_date, v.visited_on) as i32),
                visit,
            }
        })
        .collect()
}

/// The flags a visit raises, by the rules of the definition it was filled with; rises are
/// measured against the same mother's latest earlier visit that recorded the value.
pub fn visit_flags(
    visit: &VisitRecord,
    birth: &BirthRecord,
    today: NaiveDate,
    babies: &[BabyRef],
    all_visits: &[VisitRecord],
) -> Vec<Flag> {
    let Some(definition) = crate::checklist::by_version(visit.checklist_version) else {
        return vec![];
    };
    let mut earlier: Vec<&VisitRecord> = all_visits
        .iter()
        // An extra visit shares its number with a window's visit: the date tells which came first.
        .filter(|v| {
            v.outcome == VisitOutcome::Visited
                && v.id != visit.id
                && (v.number, v.visited_on) < (visit.number, visit.visited_on)
        })
        .collect();
    earlier.sort_by_key(|v| std::cmp::Reverse((v.number, v.visited_on)));
    let previous: Vec<&Answers> = earlier.iter().map(|v| &v.answers).collect();
    let form = FormContext {
        visit: visit.number,
        babies,
        birth_date: birth.birth_date,
        birth_mode: birth.mode,
        visit_date: visit.visited_on,
        today,
    };
    definition.flags(&form, &visit.answers, &previous)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::{answer_key, current};
    use crate::ids::{BabyId, BirthId};
    use crate::registration::{BabySex, BirthMode};
    use uuid::Uuid;

    fn birth() -> BirthRecord {
        BirthRecord {
            id: BirthId(Uuid::from_u128(2)),
            mother_id: MotherId(Uuid::from_u128(1)),
            birth_date: "2026-11-22".parse().unwrap(),
            discharge_date: None,
            mode: BirthMode::Caesarean,
            gestational_weeks: None,
        }
    }

    fn babies() -> Vec<BabyRecord> {
        (0..2)
            .map(|i| BabyRecord {
                id: BabyId(Uuid::from_u128(10 + i)),
                birth_id: BirthId(Uuid::from_u128(2)),
                mother_id: MotherId(Uuid::from_u128(1)),
                ordinal: i as u32 + 1,
                name: None,
                sex: BabySex::Male,
                birth_weight_g: 2600,
            })
            .collect()
    }

    fn input() -> VisitInput {
        VisitInput {
            mother_id: MotherId(Uuid::from_u128(1)),
            number: VisitNumber::new(1).unwrap(),
            outcome: VisitOutcome::Visited,
            visited_on: "2026-11-25".into(),
            visited_at: "10:30".into(),
            visited_by: "Hemşire Derya".into(),
            note: String::new(),
            answers: BTreeMap::new(),
        }
    }

    fn check(edit: impl FnOnce(&mut VisitInput), already_visited: bool) -> Result<VisitRecord, Vec<(String, Rule)>> {
        let mut visit = input();
        edit(&mut visit);
        let birth = birth();
        let babies = babies();
        let context = VisitContext {
            birth: &birth,
            babies: &babies,
            already_visited,
            today: "2026-11-25".parse().unwrap(),
        };
        validate_visit(&visit, VisitId(Uuid::from_u128(99)), &context, current())
            .map_err(|e| e.0.into_iter().map(|e| (e.field, e.rule)).collect())
    }

    #[test]
    fn visit_forms_are_refused_with_the_field_and_rule() {
        let cases: Vec<(&str, Box<dyn FnOnce(&mut VisitInput)>, bool, Vec<(&str, Rule)>)> = vec![
            ("valid", Box::new(|_| {}), false, vec![]),
            (
                "before birth",
                Box::new(|v| v.visited_on = "2026-11-21".into()),
                false,
                vec![("visited_on", Rule::BeforeBirth)],
            ),
            (
                "future",
                Box::new(|v| v.visited_on = "2026-11-26".into()),
                false,
                vec![("visited_on", Rule::InTheFuture)],
            ),
            (
                "no time",
                Box::new(|v| v.visited_at = "".into()),
                false,
                vec![("visited_at", Rule::Required)],
            ),
            (
                "bad time",
                Box::new(|v| v.visited_at = "25:00".into()),
                false,
                vec![("visited_at", Rule::NotATime)],
            ),
            (
                "no visitor",
                Box::new(|v| v.visited_by = " ".into()),
                false,
                vec![("visited_by", Rule::Required)],
            ),
            ("twice", Box::new(|_| {}), true, vec![("number", Rule::AlreadyRecorded)]),
            (
                "missed needs no time",
                Box::new(|v| {
                    v.outcome = VisitOutcome::NotAtHome;
                    v.visited_at.clear();
                }),
                false,
                vec![],
            ),
        ];
        for (name, edit, already, expected) in cases {
            let got = match check(edit, already) {
                Ok(_) => vec![],
                Err(errors) => errors,
            };
            let expected: Vec<(String, Rule)> = expected.into_iter().map(|(f, r)| (f.to_owned(), r)).collect();
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn a_visit_write_carries_each_answer_as_its_own_field() {
        let baby = babies()[1].id;
        let record = check(
            |v| {
                v.answers.insert("mother.bp_systolic".into(), "118".into());
                v.answers.insert(answer_key(Some(baby), "weight_g"), "2450".into());
            },
            false,
        )
        .unwrap();
        let write = record.write();
        assert_eq!(write.fields["answers.mother.bp_systolic"], json!(118));
        assert_eq!(write.fields[&format!("answers.baby.{baby}.weight_g")], json!(2450));
        assert_eq!(write.fields["checklist_version"], json!(current().version));
    }

    #[test]
    fn cards_show_each_window_with_its_status() {
        let visit = check(|_| {}, false).unwrap();
        let cards = visit_cards(&birth(), "2026-11-25".parse().unwrap(), &[visit], &babies());
        let statuses: Vec<VisitStatus> = cards.iter().map(|c| c.status).collect();
        assert_eq!(
            statuses,
            [VisitStatus::Done, VisitStatus::Upcoming, VisitStatus::Upcoming]
        );
        assert_eq!(cards[0].day_of_life_at_visit, Some(3));
        assert_eq!((cards[2].first_day, cards[2].last_day), (30, 42));
        assert!(cards[0].flags.is_empty());
    }

    #[test]
    fn a_recorded_visit_card_carries_its_red_flags() {
        let record = check(
            |v| {
                v.answers.insert("mother.bp_systolic".into(), "164".into());
                v.answers.insert("mother.bp_diastolic".into(), "102".into());
            },
            false,
        )
        .unwrap();
        let cards = visit_cards(&birth(), "2026-11-25".parse().unwrap(), &[record], &babies());
        let flags: Vec<&str> = cards[0].flags.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(flags, ["severe_hypertension"]);
    }

    #[test]
    fn a_visit_is_corrected_by_the_rules_it_was_recorded_with_and_says_why() {
        let m = |k: &str| format!("mother.{k}");
        let recorded = check(
            |v| {
                v.answers.insert(m("bp_systolic"), "164".into());
                v.answers.insert(m("bp_diastolic"), "90".into());
                v.answers.insert(m("pulse"), "80".into());
            },
            false,
        )
        .unwrap();
        let birth = birth();
        let babies = babies();
        let context = VisitContext {
            birth: &birth,
            babies: &babies,
            already_visited: true,
            today: "2026-11-26".parse().unwrap(),
        };
        let correct = |edit: &dyn Fn(&mut VisitInput), reason: &str| {
            let mut form = VisitInput::from_record(&recorded);
            edit(&mut form);
            let input = VisitCorrectionInput {
                visit_id: recorded.id,
                form,
                reason: reason.into(),
            };
            validate_visit_correction(&recorded, &input, &context)
        };
        // 164 was typed for 146: only that answer and the reason are written.
        let write = correct(&|f| drop(f.answers.insert(m("bp_systolic"), "146".into())), "typo").unwrap();
        assert_eq!(
            write.fields,
            [
                (format!("answers.{}", m("bp_systolic")), json!(146)),
                ("correction_reason".to_owned(), json!("typo")),
            ]
            .into()
        );
        // An answer taken out is written empty; nothing changed writes nothing.
        let write = correct(&|f| drop(f.answers.remove(&m("pulse"))), "not measured").unwrap();
        assert_eq!(
            write.fields[&format!("answers.{}", m("pulse"))],
            serde_json::Value::Null
        );
        assert!(correct(&|_| {}, "nothing").unwrap().fields.is_empty());
        // The form's own rules, and a reason is needed.
        let errors = correct(&|f| drop(f.answers.insert(m("bp_systolic"), "1460".into())), "")
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect::<Vec<_>>();
        assert_eq!(
            errors,
            [
                ("reason".to_owned(), Rule::Required),
                (format!("answers.{}", m("bp_systolic")), Rule::OutOfRange),
            ]
        );
        let errors = correct(&|f| f.visited_on = "2026-11-27".into(), "date").unwrap_err();
        assert_eq!(errors.0[0].rule, Rule::InTheFuture);
        // A visit that did not happen after all keeps no answers.
        let write = correct(&|f| f.outcome = VisitOutcome::NotAtHome, "wrong mother").unwrap();
        assert_eq!(write.fields["outcome"], json!("not_at_home"));
        assert!(write.fields[&format!("answers.{}", m("pulse"))].is_null());
    }
}
