//! Red flags: data-driven rules over a visit's answers that say when a doctor must look (level
//! *attention*) or the mother or baby must be referred the same day (level *urgent*), and why.
//!
//! Rules live in the checklist definition (`flags`), next to the fields they read, so the
//! programme's clinical lead can change a threshold without a code change. A flag carries the
//! comparisons that made it fire (field, value, operator, threshold), from which the UI writes a
//! sentence in the user's language: "Tansiyon, büyük (sistolik) 164 mmHg ≥ 160".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::checklist::{Answers, BabyRef, ChecklistDefinition, Subject, answer_key};
use crate::ids::BabyId;
use crate::schedule::VisitNumber;
use crate::validation::parse::format_number;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FlagLevel {
    /// Doctor review at the next list.
    Attention,
    /// Refer now, the same day.
    Urgent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Lt => value < threshold,
            Comparison::Le => value <= threshold,
            Comparison::Gt => value > threshold,
            Comparison::Ge => value >= threshold,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Lt => "<",
            Comparison::Le => "≤",
            Comparison::Gt => ">",
            Comparison::Ge => "≥",
        }
    }
}

/// When a rule fires. Fields are those of the rule's subject (answers and computed fields), plus
/// `day_of_life` (the baby's age in days on the visit date).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum Condition {
    Compare { field: String, op: Comparison, value: f64 },
    All { all: Vec<Condition> },
    Any { any: Vec<Condition> },
}

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

/// One comparison that held.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct FlagReason {
    pub field: String,
    pub value: f64,
    pub op: Comparison,
    pub threshold: f64,
}

/// A raised flag: which rule, about whom, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Flag {
    pub rule: String,
    pub level: FlagLevel,
    /// The baby it is about; `None` for the mother.
    pub baby: Option<BabyId>,
    pub reasons: Vec<FlagReason>,
}

impl Flag {
    /// "bp_systolic 164 ≥ 160; bp_diastolic 112 ≥ 110", for logs and tests; the UI translates.
    pub fn english_reasons(&self) -> String {
        let parts: Vec<String> = self
            .reasons
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {}",
                    r.field,
                    format_number(r.value),
                    r.op.symbol(),
                    format_number(r.threshold)
                )
            })
            .collect();
        parts.join("; ")
    }
}

impl Condition {
    /// The comparisons that make this condition true, or `None` when it is false or a value it
    /// needs is missing (an unmeasured value never raises a flag).
    fn evaluate(&self, value: &dyn Fn(&str) -> Option<f64>) -> Option<Vec<FlagReason>> {
        match self {
            Condition::Compare {
                field,
                op,
                value: threshold,
            } => {
                let v = value(field)?;
                op.holds(v, *threshold).then(|| {
                    vec![FlagReason {
                        field: field.clone(),
                        value: v,
                        op: *op,
                        threshold: *threshold,
                    }]
                })
            }
            Condition::All { all } => {
                let mut reasons = Vec::new();
                for condition in all {
                    reasons.extend(condition.evaluate(value)?);
                }
                Some(reasons)
            }
            Condition::Any { any } => {
                let reasons: Vec<FlagReason> = any.iter().filter_map(|c| c.evaluate(value)).flatten().collect();
                (!reasons.is_empty()).then_some(reasons)
            }
        }
    }

    /// Every field the condition reads.
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Condition::Compare { field, .. } => vec![field.as_str()],
            Condition::All { all: list } | Condition::Any { any: list } => {
                list.iter().flat_map(Condition::fields).collect()
            }
        }
    }
}

impl ChecklistDefinition {
    /// The flags a visit's answers raise, urgent first, with superseded ones removed.
    pub fn flags(&self, visit: VisitNumber, babies: &[BabyRef], answers: &Answers, day_of_life: i64) -> Vec<Flag> {
        let computed = self.computed(visit, babies, answers);
        let mut flags = Vec::new();
        for rule in &self.flags {
            let subjects: Vec<Option<BabyRef>> = match rule.subject {
                Subject::Mother => vec![None],
                Subject::Baby => babies.iter().copied().map(Some).collect(),
            };
            for subject in subjects {
                let lookup = |field: &str| -> Option<f64> {
                    if field == "day_of_life" {
                        return Some(day_of_life as f64);
                    }
                    let key = answer_key(subject.map(|b| b.id), field);
                    answers
                        .get(&key)
                        .and_then(|v| v.as_f64())
                        .or_else(|| computed.get(&key).copied())
                };
                if let Some(reasons) = rule.when.evaluate(&lookup) {
                    flags.push(Flag {
                        rule: rule.id.clone(),
                        level: rule.level,
                        baby: subject.map(|b| b.id),
                        reasons,
                    });
                }
            }
        }
        let superseded: BTreeMap<(String, Option<BabyId>), ()> = flags
            .iter()
            .flat_map(|f| {
                let rule = self.flags.iter().find(|r| r.id == f.rule).expect("flag from a rule");
                rule.supersedes.iter().map(move |s| ((s.clone(), f.baby), ()))
            })
            .collect();
        flags.retain(|f| !superseded.contains_key(&(f.rule.clone(), f.baby)));
        flags.sort_by(|a, b| b.level.cmp(&a.level));
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::{FieldKind, current};
    use serde_json::json;
    use uuid::Uuid;

    fn baby() -> BabyRef {
        BabyRef {
            id: BabyId(Uuid::from_u128(7)),
            birth_weight_g: 3000,
        }
    }

    /// Flags (rule id and level) raised by `answers` (field of the subject, value) on `day`.
    fn raised(subject: Subject, answers: &[(&str, f64)], day: i64) -> Vec<(String, FlagLevel)> {
        let baby = baby();
        let answers: Answers = answers
            .iter()
            .map(|(field, value)| {
                let key = answer_key((subject == Subject::Baby).then_some(baby.id), field);
                (key, json!(value))
            })
            .collect();
        let visit = VisitNumber::new(if day < 10 { 1 } else { 2 }).unwrap();
        current()
            .flags(visit, &[baby], &answers, day)
            .into_iter()
            .map(|f| (f.rule, f.level))
            .collect()
    }

    #[test]
    fn thresholds_fire_just_at_them_and_not_just_below() {
        use FlagLevel::*;
        use Subject::*;
        let none: &[(&str, FlagLevel)] = &[];
        // (subject, answers, day of life, expected flags)
        let cases: Vec<(Subject, Vec<(&str, f64)>, i64, &[(&str, FlagLevel)])> = vec![
            (Mother, vec![("bp_systolic", 139.0), ("bp_diastolic", 89.0)], 3, none),
            (
                Mother,
                vec![("bp_systolic", 140.0), ("bp_diastolic", 80.0)],
                3,
                &[("hypertension", Attention)],
            ),
            (
                Mother,
                vec![("bp_systolic", 120.0), ("bp_diastolic", 90.0)],
                3,
                &[("hypertension", Attention)],
            ),
            (
                Mother,
                vec![("bp_systolic", 159.0), ("bp_diastolic", 109.0)],
                3,
                &[("hypertension", Attention)],
            ),
            (
                Mother,
                vec![("bp_systolic", 160.0), ("bp_diastolic", 100.0)],
                3,
                &[("severe_hypertension", Urgent)],
            ),
            (
                Mother,
                vec![("bp_systolic", 150.0), ("bp_diastolic", 110.0)],
                3,
                &[("severe_hypertension", Urgent)],
            ),
            (
                Mother,
                vec![("bp_systolic", 90.0), ("pulse", 101.0)],
                3,
                &[("abnormal_pulse", Attention)],
            ),
            (
                Mother,
                vec![("bp_systolic", 89.0), ("pulse", 101.0)],
                3,
                &[("suspected_bleeding", Urgent)],
            ),
            (Mother, vec![("bp_systolic", 89.0), ("pulse", 100.0)], 3, none),
            (Mother, vec![("pulse", 60.0)], 3, none),
            (Mother, vec![("pulse", 59.0)], 3, &[("abnormal_pulse", Attention)]),
            (Mother, vec![("pulse", 100.0)], 3, none),
            (Mother, vec![("temperature", 37.9)], 3, none),
            (Mother, vec![("temperature", 38.0)], 3, &[("fever", Attention)]),
            (Baby, vec![("baby_temperature", 37.5)], 3, none),
            (
                Baby,
                vec![("baby_temperature", 37.6)],
                3,
                &[("baby_temperature", Urgent)],
            ),
            (Baby, vec![("baby_temperature", 35.5)], 3, none),
            (
                Baby,
                vec![("baby_temperature", 35.4)],
                3,
                &[("baby_temperature", Urgent)],
            ),
            // Birth weight 3000 g: 2700 g is exactly -10 %, 2699 g just past it.
            (Baby, vec![("weight_g", 2701.0)], 4, none),
            (Baby, vec![("weight_g", 2700.0)], 4, none),
            (Baby, vec![("weight_g", 2699.0)], 4, &[("weight_loss", Attention)]),
            // Not back to birth weight by day 14.
            (Baby, vec![("weight_g", 2990.0)], 13, none),
            (
                Baby,
                vec![("weight_g", 2990.0)],
                14,
                &[("not_back_to_birth_weight", Attention)],
            ),
            (
                Baby,
                vec![("weight_g", 2999.0)],
                14,
                &[("not_back_to_birth_weight", Attention)],
            ),
            (Baby, vec![("weight_g", 3000.0)], 14, none),
            // LATCH below 7 needs lactation support.
            (
                Baby,
                vec![
                    ("latch_l", 2.0),
                    ("latch_a", 1.0),
                    ("latch_t", 2.0),
                    ("latch_c", 1.0),
                    ("latch_h", 1.0),
                ],
                3,
                none,
            ),
            (
                Baby,
                vec![
                    ("latch_l", 2.0),
                    ("latch_a", 1.0),
                    ("latch_t", 1.0),
                    ("latch_c", 1.0),
                    ("latch_h", 1.0),
                ],
                3,
                &[("low_latch", Attention)],
            ),
        ];
        for (subject, answers, day, expected) in cases {
            let expected: Vec<(String, FlagLevel)> = expected.iter().map(|(r, l)| ((*r).to_owned(), *l)).collect();
            assert_eq!(
                raised(subject, &answers, day),
                expected,
                "{subject:?} {answers:?} day {day}"
            );
        }
    }

    #[test]
    fn a_flag_says_which_value_crossed_which_threshold() {
        let answers: Answers = [
            ("mother.bp_systolic".to_owned(), json!(164)),
            ("mother.bp_diastolic".to_owned(), json!(102)),
        ]
        .into();
        let flags = current().flags(VisitNumber::new(1).unwrap(), &[], &answers, 3);
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].english_reasons(), "bp_systolic 164 ≥ 160");
    }

    #[test]
    fn an_unmeasured_value_never_raises_a_flag() {
        assert!(
            current()
                .flags(VisitNumber::new(1).unwrap(), &[baby()], &Answers::new(), 3)
                .is_empty()
        );
    }

    #[test]
    fn every_rule_reads_fields_of_its_subject_and_supersedes_real_rules() {
        for definition in crate::checklist::shipped() {
            let ids: Vec<&str> = definition.flags.iter().map(|r| r.id.as_str()).collect();
            for rule in &definition.flags {
                for field in rule.when.fields() {
                    let known = field == "day_of_life"
                        || definition
                            .sections
                            .iter()
                            .filter(|s| s.subject == rule.subject)
                            .any(|s| {
                                s.fields.iter().any(|f| {
                                    f.key == field
                                        && matches!(
                                            f.kind,
                                            FieldKind::Number { .. }
                                                | FieldKind::Choice { .. }
                                                | FieldKind::Computed { .. }
                                        )
                                })
                            });
                    assert!(known, "rule {} reads unknown field {field}", rule.id);
                }
                for s in &rule.supersedes {
                    assert!(ids.contains(&s.as_str()), "rule {} supersedes unknown {s}", rule.id);
                }
            }
        }
    }
}
