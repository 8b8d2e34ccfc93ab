//! Visit checklists as versioned data: sections, fields, ranges, cross-field checks and computed
//! fields, read from JSON files shipped inside the binary.
//!
//! The visit form is rendered from these definitions, and answers are validated against them, so a
//! new section is a change to a JSON file, not a new screen. Every visit keeps the version it was
//! filled with; old versions stay shipped so old visits still display.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use crate::ids::BabyId;
use crate::schedule::VisitNumber;
use crate::validation::parse;
use crate::validation::{FieldError, Rule, ValidationErrors};

/// Every shipped definition, oldest first. Never edit a shipped file: add a new version.
const SHIPPED: &[(u32, &str)] = &[(1, include_str!("../checklists/v1.json"))];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ChecklistDefinition {
    pub version: u32,
    pub sections: Vec<Section>,
    /// Red-flag rules over this definition's fields (see `flags`).
    pub flags: Vec<crate::flags::FlagRule>,
}

/// Who a section is about: the mother, or each baby in turn (twins get one section each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Mother,
    Baby,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Also the translation key of the section's title.
    pub id: String,
    pub subject: Subject,
    /// The visits (1, 2, 3) that include this section.
    pub visits: Vec<u8>,
    pub fields: Vec<FieldDef>,
    pub checks: Vec<Check>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Unique across the definition; also the translation key of the field's label.
    pub key: String,
    pub kind: FieldKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldKind {
    /// A measured value; anything outside `min..=max` is refused as a likely typo.
    Number {
        unit: String,
        min: f64,
        max: f64,
        decimals: u32,
    },
    /// One of a few scored options (LATCH items are 0, 1, 2).
    Choice { options: Vec<i32> },
    /// Derived from other answers; never typed, never stored.
    Computed { unit: Option<String>, formula: Formula },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Formula {
    /// The sum of the listed fields, once all of them are answered.
    Sum { fields: Vec<String> },
    /// (field − birth weight) / birth weight × 100, for a baby.
    PercentChangeFromBirthWeight { field: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// `field` must be lower than `other` when both are answered (diastolic below systolic).
    Below { field: String, other: String },
}

/// What the checklist needs to know about a baby.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BabyRef {
    pub id: BabyId,
    pub birth_weight_g: u32,
}

/// Typed answers keyed by `answer_key`.
pub type Answers = BTreeMap<String, serde_json::Value>;

/// The current definition, used for new visits.
pub fn current() -> &'static ChecklistDefinition {
    let all = shipped();
    all.last().expect("at least one checklist definition is shipped")
}

/// A shipped definition by version, for displaying old visits.
pub fn by_version(version: u32) -> Option<&'static ChecklistDefinition> {
    shipped().iter().find(|d| d.version == version)
}

/// Every shipped definition, parsed once.
pub fn shipped() -> &'static [ChecklistDefinition] {
    static PARSED: OnceLock<Vec<ChecklistDefinition>> = OnceLock::new();
    PARSED.get_or_init(|| {
        SHIPPED
            .iter()
            .map(|(version, text)| {
                let definition: ChecklistDefinition =
                    serde_json::from_str(text).unwrap_or_else(|e| panic!("checklist v{version} is not valid: {e}"));
                assert_eq!(definition.version, *version, "checklist file version mismatch");
                definition
            })
            .collect()
    })
}

/// The key an answer is stored under: `mother.<field>` or `baby.<baby id>.<field>`.
pub fn answer_key(baby: Option<BabyId>, field: &str) -> String {
    match baby {
        None => format!("mother.{field}"),
        Some(id) => format!("baby.{id}.{field}"),
    }
}

impl ChecklistDefinition {
    pub fn sections_for(&self, visit: VisitNumber) -> impl Iterator<Item = &Section> {
        self.sections.iter().filter(move |s| s.visits.contains(&visit.get()))
    }

    /// Parses and checks raw answers (what was typed) for one visit.
    ///
    /// Empty answers are skipped: a nurse may not measure everything. Keys that no section of this
    /// visit asks for are refused, so nothing arrives that the form did not show.
    pub fn validate_answers(
        &self,
        visit: VisitNumber,
        babies: &[BabyRef],
        raw: &BTreeMap<String, String>,
    ) -> Result<Answers, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut answers = Answers::new();
        let mut known = std::collections::BTreeSet::new();
        for section in self.sections_for(visit) {
            for subject in subjects(section.subject, babies) {
                let mut numbers = BTreeMap::new();
                for field in &section.fields {
                    let key = answer_key(subject.map(|b| b.id), &field.key);
                    known.insert(key.clone());
                    let path = format!("answers.{key}");
                    let Some(text) = raw.get(&key).and_then(|t| parse::trimmed(t)) else {
                        continue;
                    };
                    match &field.kind {
                        FieldKind::Number {
                            unit,
                            min,
                            max,
                            decimals,
                        } => {
                            let value = if *decimals == 0 {
                                parse::optional_whole_number(&mut errors, &path, text).map(|n| n as f64)
                            } else {
                                parse::optional_number(&mut errors, &path, text)
                            };
                            let value = value.and_then(|n| parse::in_range(&mut errors, &path, n, *min, *max, unit));
                            if let Some(n) = value {
                                let scale = 10f64.powi(*decimals as i32);
                                let rounded = (n * scale).round() / scale;
                                numbers.insert(field.key.as_str(), rounded);
                                answers.insert(
                                    key,
                                    if *decimals == 0 {
                                        json!(rounded as i64)
                                    } else {
                                        json!(rounded)
                                    },
                                );
                            }
                        }
                        FieldKind::Choice { options } => match text.parse::<i32>() {
                            Ok(choice) if options.contains(&choice) => {
                                answers.insert(key, json!(choice));
                            }
                            _ => errors.push(FieldError::new(path, Rule::NotAChoice).with("value", text)),
                        },
                        FieldKind::Computed { .. } => {}
                    }
                }
                for check in &section.checks {
                    let Check::Below { field, other } = check;
                    if let (Some(value), Some(other_value)) = (numbers.get(field.as_str()), numbers.get(other.as_str()))
                    {
                        if value >= other_value {
                            let key = answer_key(subject.map(|b| b.id), field);
                            answers.remove(&key);
                            errors.push(
                                FieldError::new(format!("answers.{key}"), Rule::MustBeBelow)
                                    .with("value", parse::format_number(*value))
                                    .with("other", other)
                                    .with("other_value", parse::format_number(*other_value)),
                            );
                        }
                    }
                }
            }
        }
        for key in raw.keys().filter(|k| !known.contains(*k)) {
            errors.push(FieldError::new(format!("answers.{key}"), Rule::NotAChoice).with("value", key));
        }
        errors.into_result(answers)
    }

    /// The computed fields of one visit's answers, keyed like answers.
    pub fn computed(&self, visit: VisitNumber, babies: &[BabyRef], answers: &Answers) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for section in self.sections_for(visit) {
            for subject in subjects(section.subject, babies) {
                let get = |field: &str| {
                    answers
                        .get(&answer_key(subject.map(|b| b.id), field))
                        .and_then(|v| v.as_f64())
                };
                for field in &section.fields {
                    let FieldKind::Computed { formula, .. } = &field.kind else {
                        continue;
                    };
                    let value = match formula {
                        Formula::Sum { fields } => fields.iter().map(|f| get(f)).sum::<Option<f64>>(),
                        Formula::PercentChangeFromBirthWeight { field } => match (get(field), subject) {
                            (Some(weight), Some(baby)) if baby.birth_weight_g > 0 => {
                                // Unrounded: a red-flag threshold must see -10.03 %, not -10.0 %;
                                // only the display rounds.
                                let birth = f64::from(baby.birth_weight_g);
                                Some((weight - birth) / birth * 100.0)
                            }
                            _ => None,
                        },
                    };
                    if let Some(value) = value {
                        out.insert(answer_key(subject.map(|b| b.id), &field.key), value);
                    }
                }
            }
        }
        out
    }
}

/// The subjects a section is filled for: the mother once, or every baby.
fn subjects(subject: Subject, babies: &[BabyRef]) -> Vec<Option<BabyRef>> {
    match subject {
        Subject::Mother => vec![None],
        Subject::Baby => babies.iter().copied().map(Some).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn baby(n: u128, weight: u32) -> BabyRef {
        BabyRef {
            id: BabyId(Uuid::from_u128(n)),
            birth_weight_g: weight,
        }
    }

    fn raw(pairs: &[(String, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.clone(), (*v).to_owned())).collect()
    }

    #[test]
    fn shipped_definitions_parse_with_unique_keys_and_resolvable_formulas() {
        for definition in shipped() {
            let mut keys = std::collections::BTreeSet::new();
            for section in &definition.sections {
                assert!(
                    !section.visits.is_empty() && section.visits.iter().all(|v| (1..=3).contains(v)),
                    "{}",
                    section.id
                );
                for field in &section.fields {
                    assert!(keys.insert(field.key.clone()), "duplicate field key {}", field.key);
                }
            }
            for section in &definition.sections {
                let local: Vec<&str> = section.fields.iter().map(|f| f.key.as_str()).collect();
                for field in &section.fields {
                    match &field.kind {
                        FieldKind::Computed {
                            formula: Formula::Sum { fields },
                            ..
                        } => {
                            assert!(fields.iter().all(|f| local.contains(&f.as_str())), "{}", field.key)
                        }
                        FieldKind::Computed {
                            formula: Formula::PercentChangeFromBirthWeight { field: f },
                            ..
                        } => {
                            assert!(
                                local.contains(&f.as_str()) && section.subject == Subject::Baby,
                                "{}",
                                field.key
                            )
                        }
                        FieldKind::Number { min, max, .. } => assert!(min < max, "{}", field.key),
                        FieldKind::Choice { options } => assert!(!options.is_empty(), "{}", field.key),
                    }
                }
            }
        }
        assert_eq!(by_version(current().version), Some(current()));
    }

    #[test]
    fn answers_are_checked_against_ranges_and_cross_checks() {
        let definition = current();
        let v1 = VisitNumber::new(1).unwrap();
        let twins = [baby(1, 3000), baby(2, 2500)];
        let first = answer_key(Some(twins[0].id), "weight_g");
        let second = answer_key(Some(twins[1].id), "weight_g");
        let cases: &[(Vec<(String, &str)>, &[(&str, Rule)])] = &[
            (
                vec![
                    ("mother.bp_systolic".into(), "120"),
                    ("mother.bp_diastolic".into(), "80"),
                ],
                &[],
            ),
            (
                vec![("mother.bp_systolic".into(), "261")],
                &[("answers.mother.bp_systolic", Rule::OutOfRange)],
            ),
            (vec![("mother.bp_systolic".into(), "260")], &[]),
            (vec![("mother.bp_systolic".into(), "50")], &[]),
            (
                vec![("mother.bp_systolic".into(), "49")],
                &[("answers.mother.bp_systolic", Rule::OutOfRange)],
            ),
            (
                vec![
                    ("mother.bp_systolic".into(), "120"),
                    ("mother.bp_diastolic".into(), "120"),
                ],
                &[("answers.mother.bp_diastolic", Rule::MustBeBelow)],
            ),
            (vec![("mother.temperature".into(), "36,8")], &[]),
            (
                vec![("mother.temperature".into(), "43.1")],
                &[("answers.mother.temperature", Rule::OutOfRange)],
            ),
            (
                vec![("mother.pulse".into(), "80.5")],
                &[("answers.mother.pulse", Rule::NotAWholeNumber)],
            ),
            (vec![(first.clone(), "2900"), (second.clone(), "2400")], &[]),
            (vec![(second.clone(), "40000")], &[("", Rule::OutOfRange)]),
            (
                vec![(answer_key(Some(twins[0].id), "latch_l"), "3")],
                &[("", Rule::NotAChoice)],
            ),
            (
                vec![("mother.unknown".into(), "1")],
                &[("answers.mother.unknown", Rule::NotAChoice)],
            ),
        ];
        for (input, expected) in cases {
            let result = definition.validate_answers(v1, &twins, &raw(input));
            let got: Vec<(String, Rule)> = match &result {
                Ok(_) => vec![],
                Err(errors) => errors.0.iter().map(|e| (e.field.clone(), e.rule)).collect(),
            };
            let expected: Vec<(String, Rule)> = expected
                .iter()
                .map(|(field, rule)| {
                    // An empty field name means "the key of the first input", for baby keys.
                    let field = if field.is_empty() {
                        format!("answers.{}", input[0].0)
                    } else {
                        (*field).to_owned()
                    };
                    (field, *rule)
                })
                .collect();
            assert_eq!(got, expected, "{input:?}");
        }
    }

    #[test]
    fn latch_total_and_weight_change_are_computed_per_baby() {
        let definition = current();
        let v1 = VisitNumber::new(1).unwrap();
        let twins = [baby(1, 3000), baby(2, 2500)];
        let mut input = vec![
            (answer_key(Some(twins[0].id), "weight_g"), "2790"),
            (answer_key(Some(twins[1].id), "weight_g"), "2500"),
        ];
        for (item, score) in [
            ("latch_l", "2"),
            ("latch_a", "1"),
            ("latch_t", "2"),
            ("latch_c", "1"),
            ("latch_h", "2"),
        ] {
            input.push((answer_key(Some(twins[0].id), item), score));
        }
        let answers = definition.validate_answers(v1, &twins, &raw(&input)).unwrap();
        let computed = definition.computed(v1, &twins, &answers);
        assert!((computed[&answer_key(Some(twins[0].id), "weight_change_pct")] + 7.0).abs() < 1e-9);
        assert_eq!(computed[&answer_key(Some(twins[1].id), "weight_change_pct")], 0.0);
        assert_eq!(computed[&answer_key(Some(twins[0].id), "latch_total")], 8.0);
        // The second twin's LATCH is unanswered, so it has no total rather than a wrong zero.
        assert!(!computed.contains_key(&answer_key(Some(twins[1].id), "latch_total")));
    }
}
