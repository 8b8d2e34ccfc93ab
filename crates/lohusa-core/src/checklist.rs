//! Visit checklists as versioned data: sections, fields, conditions, ranges, cross-field checks,
//! computed fields, screening instruments and red-flag rules, read from JSON files shipped inside
//! the binary.
//!
//! The visit form is rendered from these definitions, and answers are validated against them, so a
//! new question is a change to a JSON file, not a new screen. Every visit keeps the version it was
//! filled with; old versions stay shipped so old visits still display and flag by their own rules.
//!
//! Answers are typed JSON values: numbers, option codes (`"foul"`), lists of codes for multiple
//! choice, booleans for yes/no, `YYYY-MM-DD` dates, `HH:MM` times and short texts. A screening item
//! is the position of the chosen option (see `instrument`).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

use crate::condition::{Condition, Facts};
use crate::ids::BabyId;
use crate::instrument::Instrument;
use crate::registration::BirthMode;
use crate::schedule::VisitNumber;
use crate::time::day_of_life;
use crate::validation::parse;
use crate::validation::{FieldError, Rule, ValidationErrors};

/// Every shipped definition, oldest first. Never edit a shipped file: add a new version.
const SHIPPED: &[(u32, &str)] = &[
    (1, include_str!("../checklists/v1.json")),
    (2, include_str!("../checklists/v2.json")),
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ChecklistDefinition {
    pub version: u32,
    pub sections: Vec<Section>,
    /// Red-flag rules over this definition's fields (see `flags`).
    pub flags: Vec<FlagRule>,
    /// How the screening instruments its items belong to are scored.
    #[serde(default)]
    pub instruments: Vec<Instrument>,
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
    /// Its answers may be added after the visit was recorded (a lab result that arrives later).
    #[serde(default)]
    pub later: bool,
    /// The section is asked only when this holds (the caesarean wound after a caesarean).
    #[serde(default)]
    pub show_if: Option<Condition>,
    pub fields: Vec<FieldDef>,
    pub checks: Vec<Check>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Unique across the definition; also the translation key of the field's label.
    pub key: String,
    pub kind: FieldKind,
    /// The field is asked only when this holds (urinalysis details once a urinalysis was done).
    #[serde(default)]
    pub show_if: Option<Condition>,
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
    Choice {
        options: Vec<i32>,
    },
    /// One option code.
    Single {
        options: Vec<String>,
    },
    /// Any number of option codes.
    Multiple {
        options: Vec<String>,
    },
    YesNo,
    /// A whole number on a scale (pain 0–10).
    Scale {
        min: i32,
        max: i32,
    },
    /// A date, not in the future and not before the birth.
    Date,
    Time,
    Text {
        max_len: usize,
    },
    /// One item of a screening instrument: the position of the chosen option.
    Item {
        instrument: String,
        item: u32,
    },
    /// Derived from other answers; never typed, never stored.
    Computed {
        unit: Option<String>,
        formula: Formula,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Formula {
    /// The sum of the listed fields, once all of them are answered.
    Sum { fields: Vec<String> },
    /// (field − birth weight) / birth weight × 100, for a baby.
    PercentChangeFromBirthWeight { field: String },
    /// Days from the birth to the visit; the birth day is day 0.
    DayOfLife,
    /// The field's value, capped at `max` (wet nappies expected: the day of life, at most 6).
    AtMost { field: String, max: f64 },
    /// The instrument's total score, once every item is answered.
    InstrumentTotal { instrument: String },
    /// The score of one item (the EPDS self-harm item), reversed where the item is.
    ItemScore { instrument: String, item: u32 },
}

/// How urgent a raised flag is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FlagLevel {
    /// Worth knowing; no review needed (mild anaemia).
    Note,
    /// Doctor review at the next list.
    Attention,
    /// Refer now, the same day.
    Urgent,
}

/// A red-flag rule of a definition: when its condition holds for the mother or a baby, a flag
/// of its level is raised (evaluated in `flags`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FlagRule {
    /// Stable id; also the translation key of the flag's title and of what to do.
    pub id: String,
    pub level: FlagLevel,
    pub subject: Subject,
    pub when: Condition,
    /// Rules this one makes redundant when both fire (severe hypertension over hypertension).
    #[serde(default)]
    pub supersedes: Vec<String>,
}

/// What a formula reads: the numbers of the subject's fields (and the visit's facts), the day of
/// life, the baby's birth weight (none for the mother) and the definition's instruments.
pub struct FormulaInputs<'a> {
    pub value: &'a dyn Fn(&str) -> Option<f64>,
    pub day_of_life: i64,
    pub birth_weight_g: Option<u32>,
    pub instrument: &'a dyn Fn(&str) -> Option<&'a Instrument>,
}

impl Formula {
    /// The formula's value, or `None` while a value it needs is missing. The form evaluates
    /// the same formulas as the nurse types (`ui/src/lib/formula.ts`); both run the cases in
    /// `data/evaluation-cases.json`.
    pub fn value(&self, inputs: &FormulaInputs<'_>) -> Option<f64> {
        let get = inputs.value;
        match self {
            Formula::Sum { fields } => fields.iter().map(|f| get(f)).sum::<Option<f64>>(),
            Formula::PercentChangeFromBirthWeight { field } => match (get(field), inputs.birth_weight_g) {
                (Some(weight), Some(birth)) if birth > 0 => {
                    // Unrounded: a red-flag threshold must see -10.03 %, not -10.0 %; only the
                    // display rounds.
                    let birth = f64::from(birth);
                    Some((weight - birth) / birth * 100.0)
                }
                _ => None,
            },
            Formula::DayOfLife => Some(inputs.day_of_life as f64),
            Formula::AtMost { field, max } => get(field).map(|v| v.min(*max)),
            Formula::InstrumentTotal { instrument } => (inputs.instrument)(instrument).and_then(|i| {
                i.total(&|item| get(&i.item_field(item)).map(|p| p as u32))
                    .map(f64::from)
            }),
            Formula::ItemScore { instrument, item } => (inputs.instrument)(instrument).and_then(|i| {
                get(&i.item_field(*item))
                    .and_then(|p| i.score(*item, p as u32))
                    .map(f64::from)
            }),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// `field` must be lower than `other` when both are answered (diastolic below systolic).
    Below { field: String, other: String },
    /// The date `field` must not be before the date `other` (a result before its sample).
    NotBefore { field: String, other: String },
}

/// What the checklist needs to know about a baby.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BabyRef {
    pub id: BabyId,
    pub birth_weight_g: u32,
}

/// The shape of one answer, for the UI's types: a number, a yes/no, an option code (or a date,
/// time or text) or a list of option codes. Answers themselves are kept as JSON values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum AnswerValue {
    Number(f64),
    YesNo(bool),
    Text(String),
    Codes(Vec<String>),
}

/// Typed answers keyed by `answer_key`.
pub type Answers = BTreeMap<String, Value>;

/// The visit a form is filled for: which one, for whom, and when.
#[derive(Clone, Debug)]
pub struct FormContext<'a> {
    pub visit: VisitNumber,
    pub babies: &'a [BabyRef],
    pub birth_date: NaiveDate,
    pub birth_mode: BirthMode,
    pub visit_date: NaiveDate,
    /// Dates after this are refused.
    pub today: NaiveDate,
}

impl FormContext<'_> {
    pub fn day_of_life(&self) -> i64 {
        day_of_life(self.birth_date, self.visit_date)
    }

    /// The facts a condition may read besides answers (`condition::VISIT_FACTS`).
    fn fact(&self, field: &str) -> Option<Value> {
        match field {
            "day_of_life" => Some(json!(self.day_of_life())),
            "birth_mode" => Some(json!(self.birth_mode)),
            "visit_number" => Some(json!(self.visit.get())),
            _ => None,
        }
    }
}

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

/// For each shipped definition (in `shipped()`'s order), where each field is: its section's
/// index and its own within the section (the first, as `field` finds it, when two sections share
/// a field).
fn shipped_fields() -> &'static [std::collections::HashMap<&'static str, (usize, usize)>] {
    static INDEX: OnceLock<Vec<std::collections::HashMap<&'static str, (usize, usize)>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        shipped()
            .iter()
            .map(|definition| {
                let mut index = std::collections::HashMap::new();
                for (s, section) in definition.sections.iter().enumerate() {
                    for (f, field) in section.fields.iter().enumerate() {
                        index.entry(field.key.as_str()).or_insert((s, f));
                    }
                }
                index
            })
            .collect()
    })
}

/// Whether some shipped definition could have produced `value` for its field named `name` (as
/// `fits_stored` of each, looked up in `shipped_fields` directly): `None` when none has it.
pub fn fits_shipped(name: &str, value: &Value) -> Option<bool> {
    let mut asked = None;
    for (definition, index) in shipped().iter().zip(shipped_fields()) {
        if let Some(&(section, field)) = index.get(name) {
            if definition.fits_field(&definition.sections[section].fields[field], value) {
                return Some(true);
            }
            asked = Some(false);
        }
    }
    asked
}

/// The key an answer is stored under: `mother.<field>` or `baby.<baby id>.<field>`.
pub fn answer_key(baby: Option<BabyId>, field: &str) -> String {
    match baby {
        None => format!("mother.{field}"),
        Some(id) => format!("baby.{id}.{field}"),
    }
}

/// The field name inside an answer key.
pub fn field_of(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// One subject's answers within a visit's, by field name, borrowed: conditions and formulas ask
/// for values thousands of times when a list fills its flags, and a lookup here builds no key.
pub(crate) struct SubjectAnswers<'a> {
    pub baby: Option<BabyRef>,
    /// What the subject's answer keys begin with (`answer_key` of an empty field).
    prefix: String,
    by_field: Vec<(&'a str, &'a Value)>,
}

impl<'a> SubjectAnswers<'a> {
    /// The subject's answers, but for those whose keys are in `hidden`.
    fn of(answers: &'a Answers, baby: Option<BabyRef>, hidden: &BTreeSet<String>) -> Self {
        let prefix = answer_key(baby.map(|b| b.id), "");
        let by_field = answers
            .range::<str, _>((std::ops::Bound::Included(prefix.as_str()), std::ops::Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(&prefix))
            .filter(|(key, _)| !hidden.contains(*key))
            .map(|(key, value)| (&key[prefix.len()..], value))
            .collect();
        SubjectAnswers { baby, prefix, by_field }
    }

    /// The mother's answers first, then each baby's, in the order of `babies`.
    pub(crate) fn each(answers: &'a Answers, babies: &[BabyRef]) -> Vec<Self> {
        Self::each_but(answers, babies, &BTreeSet::new())
    }

    /// As `each`, without the answers whose keys are in `hidden`.
    pub(crate) fn each_but(answers: &'a Answers, babies: &[BabyRef], hidden: &BTreeSet<String>) -> Vec<Self> {
        std::iter::once(None)
            .chain(babies.iter().copied().map(Some))
            .map(|baby| Self::of(answers, baby, hidden))
            .collect()
    }

    /// Those of `all` (made by `each`) a section or rule about `subject` reads.
    pub(crate) fn about(all: &[Self], subject: Subject) -> &[Self] {
        match subject {
            Subject::Mother => &all[..1],
            Subject::Baby => &all[1..],
        }
    }

    fn get(&self, field: &str) -> Option<&'a Value> {
        // A subject has a few dozen answers at most: a scan that compares lengths first beats a
        // binary search's string comparisons.
        self.by_field
            .iter()
            .find(|(f, _)| f.len() == field.len() && *f == field)
            .map(|(_, value)| *value)
    }

    fn key(&self, field: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + field.len());
        key.push_str(&self.prefix);
        key.push_str(field);
        key
    }
}

/// What conditions and formulas of one subject read: its answers, computed fields and the facts
/// of the visit, plus the previous visit's answers for `risen_by`.
pub(crate) struct SubjectFacts<'a> {
    pub form: &'a FormContext<'a>,
    pub answers: &'a SubjectAnswers<'a>,
    /// Its computed fields, by field name.
    pub computed: &'a [(&'a str, f64)],
    /// The same mother's earlier visits, latest first.
    pub previous: &'a [&'a Answers],
}

impl Facts for SubjectFacts<'_> {
    fn value(&self, field: &str) -> Option<Cow<'_, Value>> {
        self.answers
            .get(field)
            .filter(|v| !v.is_null())
            .map(Cow::Borrowed)
            .or_else(|| {
                self.computed
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, n)| Cow::Owned(json!(n)))
            })
            .or_else(|| self.form.fact(field).map(Cow::Owned))
    }

    fn previous(&self, field: &str) -> Option<f64> {
        let key = self.answers.key(field);
        self.previous
            .iter()
            .find_map(|answers| answers.get(&key).and_then(Value::as_f64))
    }
}

impl ChecklistDefinition {
    pub fn sections_for(&self, visit: VisitNumber) -> impl Iterator<Item = &Section> {
        self.sections.iter().filter(move |s| s.visits.contains(&visit.get()))
    }

    pub fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.id == id)
    }

    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        // A shipped definition's fields are looked up by name (reading a store's answers asks
        // for each one's); any other definition is searched.
        let shipped = shipped();
        if let Some(at) = shipped.iter().position(|d| std::ptr::eq(d, self)) {
            let (section, field) = *shipped_fields()[at].get(key)?;
            return Some(&self.sections[section].fields[field]);
        }
        self.sections.iter().flat_map(|s| &s.fields).find(|f| f.key == key)
    }

    /// Parses and checks raw answers (what was typed) for a new visit.
    ///
    /// Empty answers are skipped: a nurse may not measure everything. An answer to a question the
    /// form does not ask under the other answers (a hemoglobin without `hb_done = yes`, wound
    /// details after a vaginal birth) is refused, naming what the question depends on: dropping
    /// it would lose a value someone measured. Keys that no section of this visit has are
    /// refused too, so nothing is stored that the form could not show.
    pub fn validate_answers(
        &self,
        form: &FormContext<'_>,
        raw: &BTreeMap<String, String>,
    ) -> Result<Answers, ValidationErrors> {
        self.validate_in(form, raw, &Answers::new(), false)
    }

    /// Parses and checks answers added to a recorded visit: only sections marked `later` (lab
    /// results) may be filled in, and checks and conditions see the answers already recorded.
    /// Returns only the answers to write.
    pub fn validate_later(
        &self,
        form: &FormContext<'_>,
        recorded: &Answers,
        raw: &BTreeMap<String, String>,
    ) -> Result<Answers, ValidationErrors> {
        self.validate_in(form, raw, recorded, true)
    }

    fn validate_in(
        &self,
        form: &FormContext<'_>,
        raw: &BTreeMap<String, String>,
        recorded: &Answers,
        only_later: bool,
    ) -> Result<Answers, ValidationErrors> {
        let sections: Vec<&Section> = self
            .sections_for(form.visit)
            .filter(|s| !only_later || s.later)
            .collect();
        let mut answers = Answers::new();
        let mut errors: Vec<(String, FieldError)> = Vec::new();
        let mut known = BTreeSet::new();
        for section in &sections {
            for subject in subjects(section.subject, form.babies) {
                for field in &section.fields {
                    let key = answer_key(subject.map(|b| b.id), &field.key);
                    known.insert(key.clone());
                    let Some(text) = raw.get(&key).and_then(|t| parse::trimmed(t)) else {
                        continue;
                    };
                    let mut e = ValidationErrors::default();
                    if let Some(value) = self.parse_answer(&mut e, &format!("answers.{key}"), &field.kind, text, form) {
                        answers.insert(key.clone(), value);
                    }
                    errors.extend(e.0.into_iter().map(|error| (key.clone(), error)));
                }
            }
        }
        // What the form shows depends on the answers (recorded ones and the new ones together).
        let mut all = recorded.clone();
        all.extend(answers.iter().map(|(k, v)| (k.clone(), v.clone())));
        let hidden = self.hidden_keys(form, &all, &sections);
        answers.retain(|k, _| !hidden.contains_key(k));
        errors.retain(|(k, _)| !hidden.contains_key(k));
        all.retain(|k, _| !hidden.contains_key(k));
        for (key, depends_on) in &hidden {
            if let Some(text) = raw.get(key).and_then(|t| parse::trimmed(t)) {
                errors.push((
                    key.clone(),
                    FieldError::new(format!("answers.{key}"), Rule::NotShown)
                        .with("value", text)
                        .with("depends_on", depends_on.join(", ")),
                ));
            }
        }
        // A recorded result whose question is no longer asked (the test was "not done" after
        // all) is cleared, not left behind to raise a flag nobody can see.
        if only_later {
            for key in recorded
                .keys()
                .filter(|k| hidden.contains_key(*k) && !recorded[*k].is_null())
            {
                answers.insert(key.clone(), Value::Null);
            }
        }
        for section in &sections {
            for subject in subjects(section.subject, form.babies) {
                for check in &section.checks {
                    let (Check::Below { field, other } | Check::NotBefore { field, other }) = check;
                    let key = answer_key(subject.map(|b| b.id), field);
                    let other_key = answer_key(subject.map(|b| b.id), other);
                    if !answers.contains_key(&key) && !answers.contains_key(&other_key) {
                        continue;
                    }
                    let (Some(value), Some(other_value)) = (all.get(&key), all.get(&other_key)) else {
                        continue;
                    };
                    let error = match check {
                        Check::Below { .. } => match (value.as_f64(), other_value.as_f64()) {
                            (Some(v), Some(o)) if v >= o => Some(
                                FieldError::new(format!("answers.{key}"), Rule::MustBeBelow)
                                    .with("value", parse::format_number(v))
                                    .with("other", other)
                                    .with("other_value", parse::format_number(o)),
                            ),
                            _ => None,
                        },
                        Check::NotBefore { .. } => match (value.as_str(), other_value.as_str()) {
                            // ISO dates order as text.
                            (Some(v), Some(o)) if v < o => Some(
                                FieldError::new(format!("answers.{key}"), Rule::DateOrder)
                                    .with("value", v)
                                    .with("other", other)
                                    .with("other_value", o),
                            ),
                            _ => None,
                        },
                    };
                    if let Some(error) = error {
                        answers.remove(&key);
                        errors.push((key, error));
                    }
                }
            }
        }
        let mut out = ValidationErrors(errors.into_iter().map(|(_, e)| e).collect());
        for key in raw.keys().filter(|k| !known.contains(*k)) {
            out.push(FieldError::new(format!("answers.{key}"), Rule::NotAsked).with("value", key));
        }
        out.into_result(answers)
    }

    /// One typed answer from what was typed, or the error.
    fn parse_answer(
        &self,
        e: &mut ValidationErrors,
        path: &str,
        kind: &FieldKind,
        text: &str,
        form: &FormContext<'_>,
    ) -> Option<Value> {
        let not_a_choice = |e: &mut ValidationErrors| {
            let choices: Vec<String> = match kind {
                FieldKind::Choice { options } => options.iter().map(|o| o.to_string()).collect(),
                FieldKind::Single { options } | FieldKind::Multiple { options } => options.clone(),
                FieldKind::YesNo => vec!["yes".into(), "no".into()],
                FieldKind::Item { instrument, .. } => (0..self.instrument(instrument).map_or(0, |i| i.options))
                    .map(|n| n.to_string())
                    .collect(),
                _ => vec![],
            };
            e.push(
                FieldError::new(path, Rule::NotAChoice)
                    .with("value", text)
                    .with("choices", choices.join(", ")),
            );
            None
        };
        match kind {
            FieldKind::Number {
                unit,
                min,
                max,
                decimals,
            } => {
                let value = if *decimals == 0 {
                    parse::optional_whole_number(e, path, text).map(|n| n as f64)
                } else {
                    parse::optional_number(e, path, text)
                }?;
                // A value is kept as typed: more decimals than the field records would be
                // rounded away silently (38,65 °C is not 38,7 °C).
                let typed = parse::western_digits(text).replace(',', ".");
                let fraction = typed.split_once('.').map_or("", |(_, f)| f).trim_end_matches('0');
                if *decimals > 0 && fraction.chars().all(|c| c.is_ascii_digit()) && fraction.len() > *decimals as usize
                {
                    e.push(
                        FieldError::new(path, Rule::TooManyDecimals)
                            .with("value", text)
                            .with("max", *decimals),
                    );
                    return None;
                }
                let n = parse::in_range(e, path, value, *min, *max, unit)?;
                let scale = 10f64.powi(*decimals as i32);
                let rounded = (n * scale).round() / scale;
                Some(if *decimals == 0 {
                    json!(rounded as i64)
                } else {
                    json!(rounded)
                })
            }
            FieldKind::Choice { options } => match text.parse::<i32>() {
                Ok(choice) if options.contains(&choice) => Some(json!(choice)),
                _ => not_a_choice(e),
            },
            FieldKind::Single { options } => match options.iter().find(|o| *o == text) {
                Some(o) => Some(json!(o)),
                None => not_a_choice(e),
            },
            FieldKind::Multiple { options } => {
                let chosen: BTreeSet<&str> = text.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
                if chosen.iter().any(|c| !options.iter().any(|o| o == c)) {
                    return not_a_choice(e);
                }
                // In the definition's order, so equal choices store equal values.
                let ordered: Vec<&String> = options.iter().filter(|o| chosen.contains(o.as_str())).collect();
                (!ordered.is_empty()).then(|| json!(ordered))
            }
            FieldKind::YesNo => match text {
                "yes" => Some(json!(true)),
                "no" => Some(json!(false)),
                _ => not_a_choice(e),
            },
            FieldKind::Scale { min, max } => {
                let n = parse::optional_number(e, path, text)?;
                let n = parse::whole(e, path, n)?;
                parse::in_range(e, path, n as f64, f64::from(*min), f64::from(*max), "").map(|n| json!(n as i64))
            }
            FieldKind::Date => {
                let date = parse::optional_date(e, path, text)?;
                if date > form.today {
                    e.push(FieldError::new(path, Rule::InTheFuture).with("value", date));
                    return None;
                }
                if date < form.birth_date {
                    e.push(
                        FieldError::new(path, Rule::BeforeBirth)
                            .with("value", date)
                            .with("other", form.birth_date),
                    );
                    return None;
                }
                Some(json!(date.format("%Y-%m-%d").to_string()))
            }
            FieldKind::Time => {
                let time = parse::required_time(e, path, text)?;
                Some(json!(time.format("%H:%M").to_string()))
            }
            FieldKind::Text { max_len } => parse::optional_text(e, path, text, *max_len).map(|t| json!(t)),
            FieldKind::Item { instrument, .. } => {
                let options = self.instrument(instrument).map_or(0, |i| i.options);
                match text.parse::<u32>() {
                    Ok(position) if position < options => Some(json!(position)),
                    _ => not_a_choice(e),
                }
            }
            FieldKind::Computed { .. } => None,
        }
    }

    /// The answers the form shows for this visit: those of questions it asks, given the others.
    pub fn visible_answers(&self, form: &FormContext<'_>, answers: &Answers) -> Answers {
        let hidden = self.hidden_answers(form, answers);
        answers
            .iter()
            .filter(|(k, v)| !hidden.contains(*k) && !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The keys of `answers` the form does not show for this visit: questions it does not ask
    /// given the others, and answers left empty.
    pub(crate) fn hidden_answers(&self, form: &FormContext<'_>, answers: &Answers) -> BTreeSet<String> {
        let sections: Vec<&Section> = self.sections_for(form.visit).collect();
        let mut hidden = BTreeSet::new();
        // Only keys of answers given: a hidden question left unanswered needs no key.
        self.each_hidden(form, answers, &sections, |subject, field, _| {
            if subject.get(field).is_some() {
                hidden.insert(subject.key(field));
            }
        });
        hidden.extend(answers.iter().filter(|(_, v)| v.is_null()).map(|(k, _)| k.clone()));
        hidden
    }

    /// The answer keys of `sections` the form does not ask under `answers`, each with the fields
    /// the condition that hides it reads.
    fn hidden_keys(
        &self,
        form: &FormContext<'_>,
        answers: &Answers,
        sections: &[&Section],
    ) -> BTreeMap<String, Vec<String>> {
        let mut hidden = BTreeMap::new();
        self.each_hidden(form, answers, sections, |subject, field, condition| {
            let mut depends_on: Vec<String> = Vec::new();
            for field in condition.fields() {
                if !depends_on.iter().any(|f| f == field) {
                    depends_on.push(field.to_owned());
                }
            }
            hidden.insert(subject.key(field), depends_on);
        });
        hidden
    }

    /// Calls `hidden` with each question of `sections` the form does not ask under `answers`
    /// (the subject's answers and the field), and the condition that hides it.
    fn each_hidden(
        &self,
        form: &FormContext<'_>,
        answers: &Answers,
        sections: &[&Section],
        mut hidden: impl FnMut(&SubjectAnswers<'_>, &str, &Condition),
    ) {
        let subjects = SubjectAnswers::each(answers, form.babies);
        for section in sections {
            for subject in SubjectAnswers::about(&subjects, section.subject) {
                let computed = self.computed_for(form, subject, &section.fields);
                let facts = SubjectFacts {
                    form,
                    answers: subject,
                    computed: &computed,
                    previous: &[],
                };
                let section_shown = section.show_if.as_ref().is_none_or(|c| c.holds(&facts));
                for field in &section.fields {
                    let hiding = if section_shown {
                        field.show_if.as_ref().filter(|c| !c.holds(&facts))
                    } else {
                        section.show_if.as_ref()
                    };
                    if let Some(condition) = hiding {
                        hidden(subject, &field.key, condition);
                    }
                }
            }
        }
    }

    /// The computed fields of one visit's answers, keyed like answers.
    pub fn computed(&self, form: &FormContext<'_>, answers: &Answers) -> BTreeMap<String, f64> {
        let subjects = SubjectAnswers::each(answers, form.babies);
        let mut out = BTreeMap::new();
        for section in self.sections_for(form.visit) {
            for subject in SubjectAnswers::about(&subjects, section.subject) {
                for (field, value) in self.computed_for(form, subject, &section.fields) {
                    out.insert(subject.key(field), value);
                }
            }
        }
        out
    }

    /// The computed fields of each subject of `subjects` (made by `SubjectAnswers::each`) over
    /// every section of the visit, by field name, in the same order.
    pub(crate) fn computed_by_subject(
        &self,
        form: &FormContext<'_>,
        subjects: &[SubjectAnswers<'_>],
    ) -> Vec<Vec<(&str, f64)>> {
        let mut out = vec![Vec::new(); subjects.len()];
        for section in self.sections_for(form.visit) {
            let (skip, of_section) = match section.subject {
                Subject::Mother => (0, SubjectAnswers::about(subjects, Subject::Mother)),
                Subject::Baby => (1, SubjectAnswers::about(subjects, Subject::Baby)),
            };
            for (i, subject) in of_section.iter().enumerate() {
                out[skip + i].extend(self.computed_for(form, subject, &section.fields));
            }
        }
        out
    }

    /// The computed fields among `fields` for one subject, by field name.
    fn computed_for<'d>(
        &'d self,
        form: &FormContext<'_>,
        subject: &SubjectAnswers<'_>,
        fields: &'d [FieldDef],
    ) -> Vec<(&'d str, f64)> {
        let mut out = Vec::new();
        let get = |field: &str| -> Option<f64> {
            subject
                .get(field)
                .and_then(Value::as_f64)
                .or_else(|| form.fact(field).and_then(|v| v.as_f64()))
        };
        for field in fields {
            let FieldKind::Computed { formula, .. } = &field.kind else {
                continue;
            };
            let value = formula.value(&FormulaInputs {
                value: &get,
                day_of_life: form.day_of_life(),
                birth_weight_g: subject.baby.map(|b| b.birth_weight_g),
                instrument: &|id| self.instrument(id),
            });
            if let Some(value) = value {
                out.push((field.key.as_str(), value));
            }
        }
        out
    }

    /// Whether `value` is an answer this definition could have produced for the field named in
    /// `key` (a number in its range, one of its options, ...); `None` when no section of this
    /// definition has that field. Computed fields are never stored, so never fit.
    pub fn fits_stored(&self, key: &str, value: &Value) -> Option<bool> {
        Some(self.fits_field(self.field(field_of(key))?, value))
    }

    /// `fits_stored` of one of this definition's fields.
    fn fits_field(&self, field: &FieldDef, value: &Value) -> bool {
        let whole_in = |min: f64, max: f64| value.as_i64().is_some_and(|n| (min..=max).contains(&(n as f64)));
        let text = value.as_str();
        match &field.kind {
            FieldKind::Number { min, max, decimals, .. } => value
                .as_f64()
                .is_some_and(|n| (*min..=*max).contains(&n) && (*decimals > 0 || n.fract() == 0.0)),
            FieldKind::Choice { options } => value
                .as_i64()
                .is_some_and(|n| options.iter().any(|o| i64::from(*o) == n)),
            FieldKind::Single { options } => text.is_some_and(|t| options.iter().any(|o| o == t)),
            // Each option at most once, as the form gives them.
            FieldKind::Multiple { options } => value.as_array().is_some_and(|chosen| {
                let distinct: BTreeSet<&str> = chosen.iter().filter_map(Value::as_str).collect();
                !chosen.is_empty()
                    && distinct.len() == chosen.len()
                    && distinct.iter().all(|c| options.iter().any(|o| o == c))
            }),
            FieldKind::YesNo => value.is_boolean(),
            FieldKind::Scale { min, max } => whole_in(f64::from(*min), f64::from(*max)),
            FieldKind::Date => {
                text.is_some_and(|t| t.len() == 10 && chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok())
            }
            FieldKind::Time => {
                text.is_some_and(|t| t.len() == 5 && chrono::NaiveTime::parse_from_str(t, "%H:%M").is_ok())
            }
            FieldKind::Text { max_len } => text.is_some_and(|t| t.chars().count() <= *max_len),
            FieldKind::Item { instrument, .. } => {
                let options = self.instrument(instrument).map_or(0, |i| i.options);
                whole_in(0.0, f64::from(options) - 1.0)
            }
            FieldKind::Computed { .. } => false,
        }
    }

    /// Turns answers read back from storage into their typed form: storage keeps a yes/no as
    /// 0 or 1 and a multiple choice as JSON text.
    pub fn restore(&self, answers: &mut Answers) {
        for (key, value) in answers.iter_mut() {
            let Some(field) = self.field(field_of(key)) else {
                continue;
            };
            match (&field.kind, &*value) {
                (FieldKind::YesNo, Value::Number(n)) => *value = json!(n.as_i64() == Some(1)),
                (FieldKind::Multiple { .. }, Value::String(s)) => {
                    if let Ok(list @ Value::Array(_)) = serde_json::from_str::<Value>(s) {
                        *value = list;
                    }
                }
                _ => {}
            }
        }
    }
}

/// The subjects a section is filled for: the mother once, or every baby.
pub(crate) fn subjects(subject: Subject, babies: &[BabyRef]) -> Vec<Option<BabyRef>> {
    match subject {
        Subject::Mother => vec![None],
        Subject::Baby => babies.iter().copied().map(Some).collect(),
    }
}

/// Texts that ship with the app (PHQ-9, free to use), per instrument and language.
const SHIPPED_TEXTS: &[&str] = &[
    include_str!("../instruments/phq9.tr.json"),
    include_str!("../instruments/phq9.en.json"),
    include_str!("../instruments/phq9.ar.json"),
];

/// The shipped text of an instrument in a language, if there is one.
pub fn shipped_text(
    instrument: &str,
    language: crate::registration::Language,
) -> Option<crate::instrument::InstrumentText> {
    let instruments = &current().instruments;
    SHIPPED_TEXTS
        .iter()
        .map(|text| {
            crate::instrument::InstrumentText::parse(text, instruments).expect("shipped screening texts are valid")
        })
        .find(|t| t.instrument == instrument && t.language == language)
}

#[cfg(test)]
mod tests;
