//! The shared cases of formulas and conditions (`data/evaluation-cases.json`) through the core's
//! evaluators; `ui/src/__tests__/formula.test.ts` runs the same file through the form's, so the
//! two cannot drift apart.

use std::borrow::Cow;
use std::collections::BTreeMap;

use lohusa_core::checklist::{Formula, FormulaInputs};
use lohusa_core::condition::{Condition, Facts};
use lohusa_core::instrument::Instrument;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Cases {
    instruments: Vec<Instrument>,
    formulas: Vec<FormulaCase>,
    conditions: Vec<ConditionCase>,
}

#[derive(Deserialize)]
struct FormulaCase {
    name: String,
    formula: Formula,
    values: BTreeMap<String, Value>,
    birth_weight_g: Option<u32>,
    day_of_life: i64,
    expected: Option<f64>,
}

#[derive(Deserialize)]
struct ConditionCase {
    name: String,
    condition: Condition,
    values: BTreeMap<String, Value>,
    day_of_life: i64,
    birth_mode: String,
    visit_number: u8,
    expected: bool,
}

fn cases() -> Cases {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/evaluation-cases.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A case's answers, with the visit's facts behind them (as a visit's form gives them).
struct CaseFacts<'a> {
    values: &'a BTreeMap<String, Value>,
    day_of_life: i64,
    birth_mode: &'a str,
    visit_number: u8,
}

impl Facts for CaseFacts<'_> {
    fn value(&self, field: &str) -> Option<Cow<'_, Value>> {
        self.values.get(field).map(Cow::Borrowed).or_else(|| match field {
            "day_of_life" => Some(Cow::Owned(self.day_of_life.into())),
            "birth_mode" => Some(Cow::Owned(self.birth_mode.into())),
            "visit_number" => Some(Cow::Owned(self.visit_number.into())),
            _ => None,
        })
    }

    fn previous(&self, _field: &str) -> Option<f64> {
        None
    }
}

#[test]
fn formulas_give_the_shared_answers() {
    let cases = cases();
    assert!(cases.formulas.len() >= 10);
    for case in &cases.formulas {
        let facts = CaseFacts {
            values: &case.values,
            day_of_life: case.day_of_life,
            birth_mode: "vaginal",
            visit_number: 1,
        };
        let got = case.formula.value(&FormulaInputs {
            value: &|field| facts.value(field).and_then(|v| v.as_f64()),
            day_of_life: case.day_of_life,
            birth_weight_g: case.birth_weight_g,
            instrument: &|id| cases.instruments.iter().find(|i| i.id == id),
        });
        match (got, case.expected) {
            (Some(got), Some(expected)) => {
                assert!(
                    (got - expected).abs() < 0.05,
                    "{}: {got} instead of {expected}",
                    case.name
                )
            }
            (got, expected) => assert_eq!(got, expected, "{}", case.name),
        }
    }
}

#[test]
fn conditions_give_the_shared_answers() {
    let cases = cases();
    assert!(cases.conditions.len() >= 10);
    for case in &cases.conditions {
        let facts = CaseFacts {
            values: &case.values,
            day_of_life: case.day_of_life,
            birth_mode: &case.birth_mode,
            visit_number: case.visit_number,
        };
        assert_eq!(case.condition.holds(&facts), case.expected, "{}", case.name);
    }
}
