//! Every field a change may set, per record kind, and the check its value must pass: the type
//! the core's own record has for it (a date parses as a date, an outcome is one of the outcomes),
//! a bounded text length and a small nesting depth. The server runs `check_value` on every change
//! it takes, so no device can put a value into the team's log that another device cannot read;
//! the store maps the same names to its columns.

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::change::EntityKind;
use crate::registration::{
    BIRTH_WEIGHT_G, BabySex, BirthMode, GESTATIONAL_WEEKS, Language, MAX_BABIES, MOTHER_AGE_YEARS, ResidencyStatus,
};
use crate::review::ReviewOrder;
use crate::schedule::VisitNumber;
use crate::visit::VisitOutcome;

const NOTE_FIELDS: &[&str] = &["mother_id", "written_on", "text", "written_by"];

/// The fields of a record kind (a visit's answers, `answers.<key>`, besides).
pub fn fields(entity: EntityKind) -> &'static [&'static str] {
    match entity {
        EntityKind::Mother => &[
            "full_name",
            "date_of_birth",
            "age_years",
            "phone",
            "street",
            "neighbourhood",
            "district",
            "residency_status",
            "nationality",
            "id_number",
            "preferred_language",
            "interpreter_needed",
            "registered_on",
            "deleted",
            "sources",
            "assigned_to",
            "closed_on",
            "closed_reason",
            "deleted_seen_visits",
        ],
        EntityKind::Birth => &["mother_id", "birth_date", "discharge_date", "mode", "gestational_weeks"],
        EntityKind::Baby => &["mother_id", "birth_id", "ordinal", "name", "sex", "birth_weight_g"],
        EntityKind::Visit => &[
            "mother_id",
            "number",
            "outcome",
            "visited_on",
            "visited_at",
            "visited_by",
            "note",
            "checklist_version",
            "extra_visit_id",
            "correction_reason",
        ],
        EntityKind::Member => &["name"],
        EntityKind::Review => &[
            "mother_id",
            "visit_id",
            "flags",
            "orders",
            "note",
            "reviewed_by",
            "reviewed_at",
        ],
        EntityKind::ExtraVisit => &["mother_id", "due_on", "reason", "ordered_by", "ordered_at", "review_id"],
        EntityKind::PsychologyNote | EntityKind::SocialNote => NOTE_FIELDS,
        EntityKind::StockMovement => STOCK_FIELDS,
    }
}

const STOCK_FIELDS: &[&str] = &["movement", "kind", "count", "moved_on", "member", "lot", "contents"];

/// The fields every record of a kind has from its first change on: the lists, reports and
/// screens of every device read them, so a change may never clear one, and a change that makes
/// a record (it replaces nothing) must set them all.
pub fn required(entity: EntityKind) -> &'static [&'static str] {
    match entity {
        EntityKind::Mother => &["full_name", "preferred_language", "interpreter_needed", "registered_on"],
        EntityKind::Birth => &["mother_id", "birth_date", "mode"],
        EntityKind::Baby => &["mother_id", "birth_id", "ordinal", "sex", "birth_weight_g"],
        EntityKind::Visit => &[
            "mother_id",
            "number",
            "outcome",
            "visited_on",
            "visited_by",
            "checklist_version",
        ],
        EntityKind::Member => &["name"],
        EntityKind::Review => &["mother_id", "visit_id", "flags", "orders", "reviewed_by", "reviewed_at"],
        EntityKind::ExtraVisit => &["mother_id", "due_on", "reason", "ordered_by", "ordered_at"],
        EntityKind::PsychologyNote | EntityKind::SocialNote => NOTE_FIELDS,
        EntityKind::StockMovement => &["movement", "kind", "count", "moved_on"],
    }
}

/// Record kinds written once, whole, and never changed: a wrong one is undone by another record
/// (a stock movement by a counter-movement), so devices never conflict over one.
pub fn write_once(entity: EntityKind) -> bool {
    entity == EntityKind::StockMovement
}

/// Why a change to a write-once kind cannot be taken: it must make the record (replace nothing),
/// whole (every required field), with fields that hold together.
pub fn check_write_once(
    entity: EntityKind,
    fields: &crate::change::FieldValues,
    replaces_something: bool,
) -> Result<(), &'static str> {
    if !write_once(entity) {
        return Ok(());
    }
    if replaces_something || missing_required(entity, fields, true).is_some() {
        return Err("record_written_once");
    }
    crate::stock::check_whole(fields).map_err(|_| "record_fields_disagree")
}

/// The first required field a change clears (sets to null or empty text), or, for a change that
/// makes a record (`creates`), leaves out.
pub fn missing_required(
    entity: EntityKind,
    fields: &crate::change::FieldValues,
    creates: bool,
) -> Option<&'static str> {
    let empty = |v: &Value| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty());
    required(entity).iter().copied().find(|f| match fields.get(*f) {
        Some(v) => empty(v),
        None => creates,
    })
}

/// The mother fields a merge may take from a hospital referral, in the order the merge view
/// shows them (the UI's list is generated from this one).
pub const MERGEABLE_FIELDS: &[&str] = &[
    "full_name",
    "date_of_birth",
    "age_years",
    "phone",
    "id_number",
    "street",
    "neighbourhood",
    "district",
    "nationality",
    "residency_status",
    "preferred_language",
    "interpreter_needed",
];

/// The longest text of a name, a phone, an address line or a choice: the registration form's.
pub const MAX_SHORT_TEXT: usize = crate::registration::MAX_TEXT_LEN;
/// The longest free text (a note, a reason, an answer typed out).
pub const MAX_LONG_TEXT: usize = 20_000;
/// How deep a value may nest: a scalar, a list of choices, the sources of a merged record.
pub const MAX_VALUE_DEPTH: usize = 2;

/// Why a value does not fit its field; stable codes, the device shows them translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueProblem {
    UnknownField,
    WrongType,
    TooLong,
    TooDeep,
    OutOfRange,
    ControlCharacters,
}

impl ValueProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueProblem::UnknownField => "unknown_field",
            ValueProblem::WrongType => "invalid_value",
            ValueProblem::TooLong => "value_too_long",
            ValueProblem::TooDeep => "value_too_deep",
            ValueProblem::OutOfRange => "value_out_of_range",
            ValueProblem::ControlCharacters => "value_control_characters",
        }
    }
}

/// A visit's answer: its key names the mother or one baby and a field of a shipped checklist
/// (`mother.hemoglobin`, `baby.<baby id>.weight_g`), and its value is one that checklist's form
/// could have produced for that field (a number in its range, one of its options, ...).
fn check_answer(key: &str, value: &Value) -> Result<(), ValueProblem> {
    // Run for every answer a tablet receives (a district's first sync: millions), so nothing is
    // collected on the way.
    let mut parts = key.split('.');
    let field = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("mother"), Some(field), None, None) => field,
        (Some("baby"), Some(baby), Some(field), None) if canonical_id(baby) => field,
        _ => return Err(ValueProblem::UnknownField),
    };
    // Some checklist version asks it and takes the value (or it is empty): it fits.
    match crate::checklist::fits_shipped(field, value) {
        None => Err(ValueProblem::UnknownField),
        Some(true) => Ok(()),
        Some(false) if value.is_null() => Ok(()),
        Some(false) => Err(ValueProblem::WrongType),
    }
}

/// An id as every device writes it: a UUID, lowercase and hyphenated. Records are joined by
/// this text, so another spelling of the same id (uppercase, braced, without hyphens, a URN)
/// would split one mother's records in two.
fn canonical_id(text: &str) -> bool {
    text.len() == 36 && !text.bytes().any(|b| b.is_ascii_uppercase()) && Uuid::try_parse(text).is_ok()
}

/// An id field's value: empty, or one id as every device writes it.
fn id_value(value: &Value) -> bool {
    value.is_null() || value.as_str().is_some_and(canonical_id)
}

/// Whether the value reads as the record's own type (or is empty).
fn fits<T: DeserializeOwned>(value: &Value) -> bool {
    value.is_null() || T::deserialize(value).is_ok()
}

/// A calendar date as every device writes it (`2026-11-22`), in years a record can name.
fn plain_date(value: &Value) -> bool {
    value.is_null()
        || value.as_str().is_some_and(|s| {
            s.len() == 10
                && NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .is_ok_and(|d| (1900..=2199).contains(&chrono::Datelike::year(&d)))
        })
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Whether any text in the value (or a key of an object) is one `test` holds for.
fn any_text(value: &Value, test: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Value::String(s) => test(s),
        Value::Array(items) => items.iter().any(|v| any_text(v, test)),
        Value::Object(map) => map.iter().any(|(k, v)| test(k) || any_text(v, test)),
        _ => false,
    }
}

fn longest_text(value: &Value) -> usize {
    match value {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.iter().map(longest_text).max().unwrap_or(0),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| k.chars().count().max(longest_text(v)))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// Checks one field's value against the record kind's rules.
pub fn check_value(entity: EntityKind, field: &str, value: &Value) -> Result<(), ValueProblem> {
    use EntityKind as E;
    if depth(value) > MAX_VALUE_DEPTH {
        return Err(ValueProblem::TooDeep);
    }
    let long = matches!(
        (entity, field),
        (E::Visit, "note")
            | (E::Review, "note")
            | (E::ExtraVisit, "reason")
            | (E::PsychologyNote | E::SocialNote, "text")
            | (E::Mother, "sources")
    ) || field.starts_with("answers.");
    let max = if long { MAX_LONG_TEXT } else { MAX_SHORT_TEXT };
    if longest_text(value) > max || (field == "sources" && value.as_str().is_some_and(|s| s.len() > max)) {
        return Err(ValueProblem::TooLong);
    }
    if any_text(value, &crate::validation::parse::has_control_characters)
        || (!long && any_text(value, &|s: &str| s.contains(['\n', '\r', '\t'])))
    {
        return Err(ValueProblem::ControlCharacters);
    }
    if let (E::Visit, Some(key)) = (entity, field.strip_prefix("answers.")) {
        return check_answer(key, value);
    }
    let range = match (entity, field) {
        (E::Mother, "age_years") => Some(MOTHER_AGE_YEARS),
        (E::Birth, "gestational_weeks") => Some(GESTATIONAL_WEEKS),
        (E::Baby, "ordinal") => Some((1.0, MAX_BABIES as f64)),
        (E::Baby, "birth_weight_g") => Some(BIRTH_WEIGHT_G),
        _ => None,
    };
    if range.is_some_and(|(min, max)| value.as_f64().is_some_and(|n| !(min..=max).contains(&n))) {
        return Err(ValueProblem::OutOfRange);
    }
    let ok = match (entity, field) {
        (_, "mother_id") => id_value(value),
        (E::Mother, "full_name" | "street" | "neighbourhood" | "district" | "nationality") => fits::<String>(value),
        // As the form writes them: a phone of 10–13 digits, an identity number with its check
        // digits (a record that fails them could not be corrected through the form).
        (E::Mother, "phone") => value.is_null() || value.as_str().is_some_and(crate::registration::is_phone),
        (E::Mother, "id_number") => {
            value.is_null()
                || value
                    .as_str()
                    .is_some_and(|s| crate::identity::IdNumber::parse(s).is_ok_and(|id| id.digits == s))
        }
        (E::Mother, "date_of_birth" | "registered_on" | "closed_on") => plain_date(value),
        (E::Mother, "assigned_to") => id_value(value),
        (E::Mother, "deleted_seen_visits") => {
            value.is_null()
                || value
                    .as_array()
                    .is_some_and(|ids| ids.iter().all(|id| id.as_str().is_some_and(canonical_id)))
        }
        (E::Mother, "closed_reason") => fits::<crate::case::CloseReason>(value),
        (E::Mother, "age_years") => fits::<u32>(value),
        (E::Mother, "residency_status") => fits::<ResidencyStatus>(value),
        (E::Mother, "preferred_language") => fits::<Language>(value),
        (E::Mother, "interpreter_needed" | "deleted") => fits::<bool>(value),
        // The fields a referral import filled, as a JSON text of field → source.
        (E::Mother, "sources") => {
            value.is_null()
                || value
                    .as_str()
                    .is_some_and(|s| serde_json::from_str::<std::collections::BTreeMap<String, String>>(s).is_ok())
        }
        (E::Birth, "birth_date" | "discharge_date") => plain_date(value),
        (E::Birth, "mode") => fits::<BirthMode>(value),
        (E::Birth, "gestational_weeks") => fits::<u32>(value),
        (E::Baby, "birth_id") => id_value(value),
        (E::Baby, "ordinal" | "birth_weight_g") => fits::<u32>(value),
        (E::Baby, "name") => fits::<String>(value),
        (E::Baby, "sex") => fits::<BabySex>(value),
        (E::Visit, "number") => fits::<VisitNumber>(value),
        (E::Visit, "outcome") => fits::<VisitOutcome>(value),
        (E::Visit, "visited_on") => plain_date(value),
        (E::Visit, "visited_at") => {
            value.is_null()
                || value
                    .as_str()
                    .is_some_and(|s| chrono::NaiveTime::parse_from_str(s, "%H:%M").is_ok())
        }
        (E::Visit, "visited_by" | "note" | "correction_reason") => fits::<String>(value),
        (E::Visit, "checklist_version") => fits::<u32>(value),
        (E::Visit, "extra_visit_id") => id_value(value),
        (E::Member, "name") => fits::<String>(value),
        (E::Review, "visit_id") => id_value(value),
        // Flag keys (`review::flag_key`): a rule, and the baby it is about by her id.
        (E::Review, "flags") => {
            value.is_null()
                || value.as_array().is_some_and(|keys| {
                    keys.iter().all(|key| {
                        key.as_str()
                            .is_some_and(|key| key.split_once(':').is_none_or(|(_, baby)| canonical_id(baby)))
                    })
                })
        }
        (E::Review, "orders") => fits::<ReviewOrder>(value),
        (E::Review, "note" | "reviewed_by") => fits::<String>(value),
        (E::Review, "reviewed_at") => fits::<DateTime<Utc>>(value),
        (E::ExtraVisit, "due_on") => plain_date(value),
        (E::ExtraVisit, "reason" | "ordered_by") => fits::<String>(value),
        (E::ExtraVisit, "ordered_at") => fits::<DateTime<Utc>>(value),
        (E::ExtraVisit, "review_id") => id_value(value),
        (E::PsychologyNote | E::SocialNote, "written_on") => plain_date(value),
        (E::PsychologyNote | E::SocialNote, "text" | "written_by") => fits::<String>(value),
        (E::StockMovement, "movement") => fits::<crate::stock::Movement>(value),
        (E::StockMovement, "kind") => {
            value.is_null() || value.as_str().is_some_and(|k| crate::stock::PACKAGE_KINDS.contains(&k))
        }
        (E::StockMovement, "count") => {
            value.is_null()
                || value
                    .as_u64()
                    .is_some_and(|n| (1..=u64::from(crate::stock::MAX_COUNT)).contains(&n))
        }
        (E::StockMovement, "moved_on") => plain_date(value),
        (E::StockMovement, "member") => id_value(value),
        (E::StockMovement, "lot") => fits::<String>(value),
        (E::StockMovement, "contents") => {
            value.is_null()
                || value.as_array().is_some_and(|items| {
                    items
                        .iter()
                        .all(|i| i.as_str().is_some_and(crate::stock::is_package_item))
                })
        }
        _ => return Err(ValueProblem::UnknownField),
    };
    if ok { Ok(()) } else { Err(ValueProblem::WrongType) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_listed_field_has_a_check() {
        for entity in crate::change::ENTITY_KINDS {
            for field in fields(entity) {
                assert_ne!(
                    check_value(entity, field, &Value::Null),
                    Err(ValueProblem::UnknownField),
                    "{entity:?}.{field} has no check"
                );
            }
        }
    }

    #[test]
    fn a_record_is_made_whole_and_never_loses_a_required_field() {
        let values = |v: Value| -> crate::change::FieldValues {
            v.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let birth = values(json!({ "mother_id": Uuid::nil(), "birth_date": "2026-11-22", "mode": "vaginal" }));
        assert_eq!(missing_required(EntityKind::Birth, &birth, true), None);
        let only_mode = values(json!({ "mode": "vaginal" }));
        assert_eq!(missing_required(EntityKind::Birth, &only_mode, true), Some("mother_id"));
        assert_eq!(
            missing_required(EntityKind::Birth, &only_mode, false),
            None,
            "an edit sets what it changes"
        );
        let cleared = values(json!({ "birth_date": null }));
        assert_eq!(missing_required(EntityKind::Birth, &cleared, false), Some("birth_date"));
        let blank = values(json!({ "full_name": "  " }));
        assert_eq!(missing_required(EntityKind::Mother, &blank, false), Some("full_name"));
        for entity in crate::change::ENTITY_KINDS {
            for field in required(entity) {
                assert!(fields(entity).contains(field), "{entity:?}.{field}");
            }
        }
    }

    #[test]
    fn values_must_have_their_records_types() {
        use EntityKind as E;
        let cases: &[(E, &str, Value, Result<(), ValueProblem>)] = &[
            (E::Birth, "birth_date", json!("2026-11-22"), Ok(())),
            // Ids only as every device writes them: another spelling of the same id would join
            // nothing (and split a mother's records in two).
            (
                E::Visit,
                "mother_id",
                json!("0190a5b2-7c3e-7d4f-8a1b-2c3d4e5f6a7b"),
                Ok(()),
            ),
            (
                E::Visit,
                "mother_id",
                json!("0190A5B2-7C3E-7D4F-8A1B-2C3D4E5F6A7B"),
                Err(ValueProblem::WrongType),
            ),
            (
                E::Birth,
                "mother_id",
                json!("{0190a5b2-7c3e-7d4f-8a1b-2c3d4e5f6a7b}"),
                Err(ValueProblem::WrongType),
            ),
            (
                E::Baby,
                "birth_id",
                json!("0190a5b27c3e7d4f8a1b2c3d4e5f6a7b"),
                Err(ValueProblem::WrongType),
            ),
            (
                E::Mother,
                "assigned_to",
                json!("urn:uuid:0190a5b2-7c3e-7d4f-8a1b-2c3d4e5f6a7b"),
                Err(ValueProblem::WrongType),
            ),
            (
                E::Mother,
                "deleted_seen_visits",
                json!([
                    "0190a5b2-7c3e-7d4f-8a1b-2c3d4e5f6a7b",
                    "0190A5B2-7C3E-7D4F-8A1B-2C3D4E5F6A7B"
                ]),
                Err(ValueProblem::WrongType),
            ),
            (
                E::Visit,
                "answers.baby.0190A5B2-7C3E-7D4F-8A1B-2C3D4E5F6A7B.weight_g",
                json!(3200),
                Err(ValueProblem::UnknownField),
            ),
            (
                E::Birth,
                "birth_date",
                json!("not-a-date"),
                Err(ValueProblem::WrongType),
            ),
            (E::Birth, "birth_date", json!(20261122), Err(ValueProblem::WrongType)),
            (
                E::Birth,
                "birth_date",
                json!("+99999-01-01"),
                Err(ValueProblem::WrongType),
            ),
            (
                E::Birth,
                "birth_date",
                json!("0000-01-01"),
                Err(ValueProblem::WrongType),
            ),
            (E::Mother, "age_years", json!(27), Ok(())),
            (E::Mother, "age_years", json!("27"), Err(ValueProblem::WrongType)),
            (E::Mother, "age_years", json!(-1), Err(ValueProblem::OutOfRange)),
            (E::Mother, "age_years", json!(270), Err(ValueProblem::OutOfRange)),
            (E::Mother, "age_years", json!(27.5), Err(ValueProblem::WrongType)),
            (E::Baby, "birth_weight_g", json!(31000), Err(ValueProblem::OutOfRange)),
            (E::Baby, "birth_weight_g", json!(3100), Ok(())),
            (E::Birth, "gestational_weeks", json!(39), Ok(())),
            (E::Mother, "full_name", json!("Fatma Yılmaz"), Ok(())),
            (
                E::Mother,
                "full_name",
                json!("x".repeat(MAX_SHORT_TEXT + 1)),
                Err(ValueProblem::TooLong),
            ),
            (E::Mother, "full_name", json!({"a": 1}), Err(ValueProblem::WrongType)),
            (E::Mother, "phone", Value::Null, Ok(())),
            (E::Mother, "shoe_size", json!(38), Err(ValueProblem::UnknownField)),
            (E::Mother, "deleted", json!(true), Ok(())),
            (
                E::Visit,
                "outcome",
                json!("not_a_outcome"),
                Err(ValueProblem::WrongType),
            ),
            (E::Visit, "number", json!(4), Err(ValueProblem::WrongType)),
            (E::Visit, "visited_at", json!("10:30"), Ok(())),
            (E::Visit, "visited_at", json!("25:99"), Err(ValueProblem::WrongType)),
            (E::Visit, "answers.mother.hemoglobin", json!(7.9), Ok(())),
            (
                E::Visit,
                "answers.mother.hemoglobin",
                json!(79),
                Err(ValueProblem::WrongType),
            ),
            (
                E::Visit,
                "answers.mother.hemoglobin",
                json!("high"),
                Err(ValueProblem::WrongType),
            ),
            (E::Visit, "answers.mother.hemoglobin", Value::Null, Ok(())),
            (E::Visit, "answers.mother.bp_systolic", json!(146), Ok(())),
            (
                E::Visit,
                "answers.mother.bp_systolic",
                json!(1e308),
                Err(ValueProblem::WrongType),
            ),
            (E::Visit, "answers.mother.pain_site", json!(["abdomen", "back"]), Ok(())),
            (
                E::Visit,
                "answers.mother.pain_site",
                json!(["abdomen", "elbow"]),
                Err(ValueProblem::WrongType),
            ),
            (
                E::Visit,
                "answers.mother.pain_site",
                json!(["back", "back"]),
                Err(ValueProblem::WrongType),
            ),
            (E::Visit, "answers.mother.fatigue", json!("mild"), Ok(())),
            (E::Visit, "answers.mother.x", json!(1), Err(ValueProblem::UnknownField)),
            (
                E::Visit,
                "answers.mother.__proto__",
                json!(1),
                Err(ValueProblem::UnknownField),
            ),
            (
                E::Visit,
                "answers.mother.a.b.c",
                json!(1),
                Err(ValueProblem::UnknownField),
            ),
            (
                E::Visit,
                "answers.baby.1.weight_g",
                json!(3000),
                Err(ValueProblem::UnknownField),
            ),
            (
                E::Visit,
                "answers.mother.x",
                json!([[[[1]]]]),
                Err(ValueProblem::TooDeep),
            ),
            (E::Visit, "answers.BAD KEY", json!(1), Err(ValueProblem::UnknownField)),
            (E::Review, "reviewed_at", json!("2026-11-25T07:00:00+00:00"), Ok(())),
            (E::Review, "flags", json!(["a", "b"]), Ok(())),
            (
                E::Review,
                "flags",
                json!(["baby_temperature:0190a5b2-7c3e-7d4f-8a1b-2c3d4e5f6a7b"]),
                Ok(()),
            ),
            (
                E::Review,
                "flags",
                json!(["baby_temperature:0190A5B2-7C3E-7D4F-8A1B-2C3D4E5F6A7B"]),
                Err(ValueProblem::WrongType),
            ),
        ];
        for (entity, field, value, want) in cases {
            assert_eq!(
                check_value(*entity, field, value),
                *want,
                "{entity:?}.{field} = {value}"
            );
        }
    }
}
