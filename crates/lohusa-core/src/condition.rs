//! Conditions over a visit's answers, written as data in the checklist definition: when a section
//! or a field is asked (`show_if`) and when a red flag fires (`when`).
//!
//! A condition reads the answers of one subject (the mother, or one baby), the fields computed
//! from them, a few facts about the visit (`day_of_life`, `birth_mode`, `visit_number`) and, for
//! `risen_by`, the same subject's answers at the previous visit. A value that was not recorded
//! never makes a condition true: an unmeasured blood pressure raises no flag.
//!
//! Evaluating returns the comparisons that made it true, so a flag can say *why* it fired.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    pub fn holds(self, value: f64, threshold: f64) -> bool {
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

/// A condition as written in a definition file. The shape of the object picks the variant:
/// `{field, op, value}`, `{field, op, other}`, `{field, is}`, `{field, risen_by}`, `{all}`, `{any}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum Condition {
    /// A number compared with a threshold.
    Compare {
        field: String,
        op: Comparison,
        value: f64,
    },
    /// A number compared with another field of the same subject (wet nappies below the number
    /// expected for the day of life).
    CompareFields {
        field: String,
        op: Comparison,
        other: String,
    },
    /// A choice is one of the listed options; a multiple choice contains one of them; a yes/no
    /// answer matches `"yes"` or `"no"`.
    Is {
        field: String,
        is: Vec<String>,
    },
    /// A number rose by at least `risen_by` since the previous visit that recorded it.
    Risen {
        field: String,
        risen_by: f64,
    },
    All {
        all: Vec<Condition>,
    },
    Any {
        any: Vec<Condition>,
    },
}

/// One comparison that held, with the values it saw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reason {
    Compare {
        field: String,
        value: f64,
        op: Comparison,
        threshold: f64,
    },
    CompareFields {
        field: String,
        value: f64,
        op: Comparison,
        other: String,
        other_value: f64,
    },
    Is {
        field: String,
        /// The option (or "yes"/"no") that matched.
        answer: String,
    },
    Risen {
        field: String,
        value: f64,
        previous: f64,
        risen_by: f64,
    },
}

impl Reason {
    pub fn field(&self) -> &str {
        match self {
            Reason::Compare { field, .. }
            | Reason::CompareFields { field, .. }
            | Reason::Is { field, .. }
            | Reason::Risen { field, .. } => field,
        }
    }

    /// "bp_systolic 164 ≥ 160", for logs and tests; the UI writes the sentence in its language.
    pub fn english(&self) -> String {
        // Computed values (a weight change of -10.3846…%) read at two decimals, as on screen.
        let n = |value: f64| crate::validation::parse::format_number((value * 100.0).round() / 100.0);
        match self {
            Reason::Compare {
                field,
                value,
                op,
                threshold,
            } => format!("{field} {} {} {}", n(*value), op.symbol(), n(*threshold)),
            Reason::CompareFields {
                field,
                value,
                op,
                other,
                other_value,
            } => format!("{field} {} {} {other} {}", n(*value), op.symbol(), n(*other_value)),
            Reason::Is { field, answer } => format!("{field} = {answer}"),
            Reason::Risen {
                field,
                value,
                previous,
                risen_by,
            } => format!(
                "{field} {} → {} (+{} ≥ {})",
                n(*previous),
                n(*value),
                n(value - previous),
                n(*risen_by)
            ),
        }
    }
}

/// What a condition can read.
pub trait Facts {
    /// The recorded or computed value of a field of this subject, or a visit fact.
    fn value(&self, field: &str) -> Option<Cow<'_, Value>>;
    /// The number recorded for the field at the latest earlier visit that recorded it.
    fn previous(&self, field: &str) -> Option<f64>;
}

/// The fields every condition may read besides answers and computed fields.
pub const VISIT_FACTS: &[&str] = &["day_of_life", "birth_mode", "visit_number"];

impl Condition {
    /// The comparisons that make this condition true, or `None` when it is false or a value it
    /// needs is missing.
    pub fn evaluate(&self, facts: &dyn Facts) -> Option<Vec<Reason>> {
        let mut reasons = Vec::new();
        self.check(facts, &mut Some(&mut reasons)).then_some(reasons)
    }

    /// Whether the condition is true; the same test as `evaluate`, without writing the reasons
    /// (a form asks it for every question it may hide).
    pub fn holds(&self, facts: &dyn Facts) -> bool {
        self.check(facts, &mut None)
    }

    /// Whether the condition is true, adding to `reasons` (when given) the comparisons that make
    /// it so; a part that turns out false takes back what it added.
    fn check(&self, facts: &dyn Facts, reasons: &mut Option<&mut Vec<Reason>>) -> bool {
        let number = |field: &str| facts.value(field).and_then(|v| v.as_f64());
        let mut give = |reason: &dyn Fn() -> Reason| {
            if let Some(reasons) = reasons.as_deref_mut() {
                reasons.push(reason());
            }
            true
        };
        match self {
            Condition::Compare { field, op, value } => match number(field) {
                Some(v) if op.holds(v, *value) => give(&|| Reason::Compare {
                    field: field.clone(),
                    value: v,
                    op: *op,
                    threshold: *value,
                }),
                _ => false,
            },
            Condition::CompareFields { field, op, other } => match (number(field), number(other)) {
                (Some(v), Some(o)) if op.holds(v, o) => give(&|| Reason::CompareFields {
                    field: field.clone(),
                    value: v,
                    op: *op,
                    other: other.clone(),
                    other_value: o,
                }),
                _ => false,
            },
            Condition::Is { field, is } => match facts.value(field).and_then(|answer| matching(&answer, is)) {
                Some(answer) => give(&|| Reason::Is {
                    field: field.clone(),
                    answer: answer.to_owned(),
                }),
                None => false,
            },
            Condition::Risen { field, risen_by } => match (number(field), facts.previous(field)) {
                (Some(v), Some(previous)) if v - previous >= *risen_by => give(&|| Reason::Risen {
                    field: field.clone(),
                    value: v,
                    previous,
                    risen_by: *risen_by,
                }),
                _ => false,
            },
            Condition::All { all } => {
                let before = reasons.as_deref().map_or(0, Vec::len);
                let holds = all.iter().all(|c| c.check(facts, reasons));
                if !holds && let Some(reasons) = reasons.as_deref_mut() {
                    reasons.truncate(before);
                }
                holds
            }
            // Every part is asked when the reasons are wanted (each true one is a reason), and
            // only up to the first true one when they are not.
            Condition::Any { any } => match reasons {
                Some(_) => {
                    let mut held = false;
                    for c in any {
                        held |= c.check(facts, reasons);
                    }
                    held
                }
                None => any.iter().any(|c| c.check(facts, &mut None)),
            },
        }
    }

    /// Every field the condition reads.
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Condition::Compare { field, .. } | Condition::Is { field, .. } | Condition::Risen { field, .. } => {
                vec![field.as_str()]
            }
            Condition::CompareFields { field, other, .. } => vec![field.as_str(), other.as_str()],
            Condition::All { all: list } | Condition::Any { any: list } => {
                list.iter().flat_map(Condition::fields).collect()
            }
        }
    }

    /// The options an `is` condition names for `field`, to check them against the definition.
    pub fn options_named(&self) -> Vec<(&str, &[String])> {
        match self {
            Condition::Is { field, is } => vec![(field.as_str(), is.as_slice())],
            Condition::All { all: list } | Condition::Any { any: list } => {
                list.iter().flat_map(Condition::options_named).collect()
            }
            _ => vec![],
        }
    }
}

/// The first of `options` the answer matches: a string equal to one, an array holding one, or a
/// boolean whose "yes"/"no" is listed.
fn matching<'o>(answer: &Value, options: &'o [String]) -> Option<&'o str> {
    let found = match answer {
        Value::String(s) => options.iter().find(|o| *o == s),
        Value::Array(items) => options
            .iter()
            .find(|o| items.iter().any(|i| i.as_str() == Some(o.as_str()))),
        Value::Bool(b) => {
            let word = if *b { "yes" } else { "no" };
            options.iter().find(|o| *o == word)
        }
        _ => None,
    };
    found.map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    struct Map(BTreeMap<&'static str, Value>, BTreeMap<&'static str, f64>);

    impl Facts for Map {
        fn value(&self, field: &str) -> Option<Cow<'_, Value>> {
            self.0.get(field).map(Cow::Borrowed)
        }
        fn previous(&self, field: &str) -> Option<f64> {
            self.1.get(field).copied()
        }
    }

    fn parse(text: &str) -> Condition {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn each_shape_of_condition_reads_its_values_and_says_why() {
        let facts = Map(
            [
                ("pain", json!(7)),
                ("wet", json!(3)),
                ("expected", json!(4)),
                ("lochia_smell", json!("foul")),
                ("pain_site", json!(["abdomen", "back"])),
                ("headache", json!(true)),
            ]
            .into(),
            [("pain", 4.0)].into(),
        );
        let cases: &[(&str, Option<&str>)] = &[
            (r#"{"field":"pain","op":"ge","value":7}"#, Some("pain 7 ≥ 7")),
            (r#"{"field":"pain","op":"gt","value":7}"#, None),
            (
                r#"{"field":"wet","op":"lt","other":"expected"}"#,
                Some("wet 3 < expected 4"),
            ),
            (r#"{"field":"lochia_smell","is":["foul"]}"#, Some("lochia_smell = foul")),
            (r#"{"field":"pain_site","is":["abdomen"]}"#, Some("pain_site = abdomen")),
            (r#"{"field":"pain_site","is":["head"]}"#, None),
            (r#"{"field":"headache","is":["yes"]}"#, Some("headache = yes")),
            (r#"{"field":"headache","is":["no"]}"#, None),
            (r#"{"field":"pain","risen_by":3}"#, Some("pain 4 → 7 (+3 ≥ 3)")),
            (r#"{"field":"pain","risen_by":4}"#, None),
            (r#"{"field":"unmeasured","op":"lt","value":100}"#, None),
            (r#"{"field":"unmeasured","risen_by":1}"#, None),
            (
                r#"{"all":[{"field":"pain","op":"ge","value":7},{"field":"headache","is":["yes"]}]}"#,
                Some("pain 7 ≥ 7; headache = yes"),
            ),
            (
                r#"{"all":[{"field":"pain","op":"ge","value":7},{"field":"unmeasured","is":["yes"]}]}"#,
                None,
            ),
            (
                r#"{"any":[{"field":"pain","op":"ge","value":9},{"field":"lochia_smell","is":["foul"]}]}"#,
                Some("lochia_smell = foul"),
            ),
            // A part of `any` that is half true gives no reason; every true part gives its own.
            (
                r#"{"any":[{"all":[{"field":"pain","op":"ge","value":7},{"field":"headache","is":["no"]}]},
                           {"field":"wet","op":"lt","value":4},
                           {"all":[{"field":"headache","is":["yes"]},{"field":"pain_site","is":["back"]}]}]}"#,
                Some("wet 3 < 4; headache = yes; pain_site = back"),
            ),
            (
                r#"{"all":[{"any":[{"field":"pain","op":"ge","value":9},{"field":"wet","op":"lt","value":4}]},
                           {"any":[{"field":"unmeasured","op":"lt","value":1},{"field":"headache","is":["no"]}]}]}"#,
                None,
            ),
        ];
        for (text, expected) in cases {
            let condition = parse(text);
            let got = condition
                .evaluate(&facts)
                .map(|reasons| reasons.iter().map(Reason::english).collect::<Vec<_>>().join("; "));
            assert_eq!(got.as_deref(), *expected, "{text}");
            assert_eq!(condition.holds(&facts), expected.is_some(), "holds: {text}");
        }
    }
}
