//! Red flags as sentences in Turkish, English and Arabic, for everything that writes them outside
//! the app's screens: the command line, the flags CSV and the FHIR bundle.
//!
//! The words are the app's own: the UI's translation files (`ui/src/i18n/*.json`) are embedded
//! here, so a field's label, a unit or a threshold's wording is written once. A value keeps the
//! decimals of its field (hemoglobin 7,5 g/dL, a temperature 38,0 °C), with its unit; a computed
//! value two; a baby is named by her name, or by her place ("Bebek 2"), never by an id.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::checklist::{ChecklistDefinition, FieldKind};
use crate::condition::{Comparison, Reason};
use crate::flags::{Flag, FlagLevel};
use crate::registration::BabyRecord;

/// A language the sentences are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TextLanguage {
    Tr,
    En,
    Ar,
}

impl TextLanguage {
    pub fn parse(code: &str) -> Option<TextLanguage> {
        match code {
            "tr" => Some(TextLanguage::Tr),
            "en" => Some(TextLanguage::En),
            "ar" => Some(TextLanguage::Ar),
            _ => None,
        }
    }
}

static WORDS: LazyLock<[(TextLanguage, Value); 3]> = LazyLock::new(|| {
    let parse = |text: &str| serde_json::from_str(text).expect("the shipped translations are JSON");
    [
        (TextLanguage::Tr, parse(include_str!("../../../ui/src/i18n/tr.json"))),
        (TextLanguage::En, parse(include_str!("../../../ui/src/i18n/en.json"))),
        (TextLanguage::Ar, parse(include_str!("../../../ui/src/i18n/ar.json"))),
    ]
});

/// The text at a dotted key in a language (English when that language lacks it), with
/// `{{name}}` placeholders filled; the key's last part when no language has it.
fn t(language: TextLanguage, key: &str, params: &[(&str, &str)]) -> String {
    let lookup = |language: TextLanguage| {
        let words = &WORDS
            .iter()
            .find(|(l, _)| *l == language)
            .expect("every language is loaded")
            .1;
        key.split('.')
            .try_fold(words, |node, part| node.get(part))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut text = lookup(language)
        .or_else(|| lookup(TextLanguage::En))
        .unwrap_or_else(|| key.rsplit('.').next().unwrap_or(key).to_owned());
    for (name, value) in params {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    text
}

/// A number with at most `decimals` decimals (exactly `decimals` when `fixed`), with the
/// language's decimal mark.
fn number(language: TextLanguage, value: f64, decimals: usize, fixed: bool) -> String {
    let mut text = format!("{value:.decimals$}");
    if !fixed && text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    if text == "-0" {
        text = "0".into();
    }
    match language {
        TextLanguage::Tr => text.replace('.', ","),
        TextLanguage::En | TextLanguage::Ar => text,
    }
}

/// A field's decimals and unit in the definition: (decimals, fixed, unit).
fn measure(definition: Option<&ChecklistDefinition>, field: &str) -> (usize, bool, Option<String>) {
    match definition.and_then(|d| d.field(field)).map(|f| &f.kind) {
        Some(FieldKind::Number { unit, decimals, .. }) => (*decimals as usize, true, Some(unit.clone())),
        Some(FieldKind::Computed { unit, .. }) => (2, false, unit.clone()),
        _ => (2, false, None),
    }
}

/// "Hemoglobin 7,5 g/dL: 8 altında", one reason of a flag.
pub fn reason_sentence(language: TextLanguage, reason: &Reason, definition: Option<&ChecklistDefinition>) -> String {
    let label = |field: &str| t(language, &format!("checklist.fields.{field}"), &[]);
    let (decimals, fixed, unit) = measure(definition, reason.field());
    let unit = unit
        .filter(|u| !u.is_empty())
        .map(|u| format!(" {}", t(language, &format!("units.{u}"), &[])))
        .unwrap_or_default();
    let value = |v: f64| format!("{}{unit}", number(language, v, decimals, fixed));
    let plain = |v: f64| number(language, v, decimals.max(2), false);
    let op = |op: Comparison, threshold: &str| {
        let name = serde_json::to_value(op)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        t(language, &format!("flags.ops.{name}"), &[("threshold", threshold)])
    };
    match reason {
        Reason::Compare {
            field,
            value: v,
            op: o,
            threshold,
        } => t(
            language,
            "flags.reason.compare",
            &[
                ("field", &label(field)),
                ("value", &value(*v)),
                ("op", &op(*o, &plain(*threshold))),
            ],
        ),
        Reason::CompareFields {
            field,
            value: v,
            op: o,
            other,
            other_value,
        } => t(
            language,
            "flags.reason.compare_fields",
            &[
                ("field", &label(field)),
                ("value", &value(*v)),
                ("op", &op(*o, &format!("{} ({})", label(other), plain(*other_value)))),
            ],
        ),
        Reason::Is { field, answer } => {
            let answer = match answer.as_str() {
                "yes" | "no" => t(language, &format!("checklist.{answer}"), &[]),
                other => t(language, &format!("checklist.options.{field}.{other}"), &[]),
            };
            t(
                language,
                "flags.reason.is",
                &[("field", &label(field)), ("answer", &answer)],
            )
        }
        Reason::Risen {
            field,
            value: v,
            previous,
            ..
        } => t(
            language,
            "flags.reason.risen",
            &[
                ("field", &label(field)),
                ("value", &value(*v)),
                ("previous", &value(*previous)),
                ("diff", &plain(v - previous)),
            ],
        ),
    }
}

/// A flag's title: its level and rule, and the baby it is about by name or place.
pub fn flag_title(language: TextLanguage, flag: &Flag, babies: &[BabyRecord]) -> String {
    let level = match flag.level {
        FlagLevel::Urgent => "urgent",
        FlagLevel::Attention => "attention",
        FlagLevel::Note => "note",
    };
    let mut title = format!(
        "{}: {}",
        t(language, &format!("flags.levels.{level}"), &[]),
        t(language, &format!("flags.rules.{}.title", flag.rule), &[])
    );
    if let Some(baby) = flag.baby {
        title.push_str(" · ");
        title.push_str(&baby_name(language, babies.iter().find(|b| b.id == baby)));
    }
    title
}

/// A baby by name, else by her place among her siblings.
pub fn baby_name(language: TextLanguage, baby: Option<&BabyRecord>) -> String {
    match baby {
        Some(BabyRecord { name: Some(name), .. }) => name.clone(),
        Some(baby) => t(language, "mother.unnamed_baby", &[("n", &baby.ordinal.to_string())]),
        None => t(language, "mother.unnamed_baby", &[("n", "?")]),
    }
}

/// Every reason of a flag, joined.
pub fn reasons_sentence(language: TextLanguage, flag: &Flag, definition: Option<&ChecklistDefinition>) -> String {
    flag.reasons
        .iter()
        .map(|r| reason_sentence(language, r, definition))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::current;
    use crate::ids::{BabyId, BirthId, MotherId};
    use crate::registration::BabySex;
    use uuid::Uuid;

    fn compare(field: &str, value: f64, op: Comparison, threshold: f64) -> Reason {
        Reason::Compare {
            field: field.into(),
            value,
            op,
            threshold,
        }
    }

    #[test]
    fn reasons_read_as_sentences_with_decimals_and_units_in_three_languages() {
        use Comparison::*;
        use TextLanguage::*;
        let d = Some(current());
        let cases: &[(TextLanguage, Reason, &str)] = &[
            (
                Tr,
                compare("hemoglobin", 7.5, Lt, 8.0),
                "Hemoglobin 7,5 g/dL: 8 altında",
            ),
            (En, compare("hemoglobin", 7.5, Lt, 8.0), "Hemoglobin 7.5 g/dL: below 8"),
            (
                Tr,
                compare("hemoglobin", 8.0, Lt, 11.0),
                "Hemoglobin 8,0 g/dL: 11 altında",
            ),
            (
                En,
                compare("temperature", 38.0, Ge, 38.0),
                "Temperature 38.0 °C: at or above 38",
            ),
            (
                En,
                compare("weight_change_pct", -10.3125, Lt, -10.0),
                "Change from birth weight -10.31 %: below -10",
            ),
        ];
        for (language, reason, expected) in cases {
            assert_eq!(&reason_sentence(*language, reason, d), expected, "{language:?}");
        }
        let ar = reason_sentence(Ar, &compare("hemoglobin", 7.5, Lt, 8.0), d);
        assert!(ar.contains("7.5") && ar.contains("أقل من 8"), "{ar}");
        // No internal id is left in a sentence.
        let self_harm = Reason::Compare {
            field: "epds_self_harm".into(),
            value: 1.0,
            op: Gt,
            threshold: 0.0,
        };
        let sentence = reason_sentence(Tr, &self_harm, d);
        assert!(!sentence.contains("epds_self_harm"), "{sentence}");
    }

    #[test]
    fn a_baby_is_named_by_name_or_place_never_by_id() {
        let baby = |ordinal: u32, name: Option<&str>| BabyRecord {
            id: BabyId(Uuid::from_u128(u128::from(ordinal))),
            birth_id: BirthId(Uuid::nil()),
            mother_id: MotherId(Uuid::nil()),
            ordinal,
            name: name.map(str::to_owned),
            sex: BabySex::Female,
            birth_weight_g: 3000,
        };
        let babies = [baby(1, Some("Elif")), baby(2, None)];
        let flag = |n: u128| Flag {
            rule: "fever".into(),
            level: FlagLevel::Urgent,
            baby: Some(BabyId(Uuid::from_u128(n))),
            reasons: vec![],
        };
        assert!(flag_title(TextLanguage::En, &flag(1), &babies).ends_with(" · Elif"));
        let second = flag_title(TextLanguage::Tr, &flag(2), &babies);
        assert!(
            second.starts_with("ACİL: ") && second.ends_with(" · 2. bebek"),
            "{second}"
        );
    }
}
