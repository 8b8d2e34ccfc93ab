//! Registering a newly referred mother with her birth and babies, in one form.
//!
//! The form arrives as raw text (what the nurse typed); `validate_registration` parses and checks
//! all of it at once, so every error can be shown in place, and only a fully valid registration
//! becomes writes. Nothing is ever half-saved.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use crate::change::{EntityKind, EntityWrite, FieldValues};
use crate::identity::{IdNumber, IdNumberKind};
use crate::ids::{BabyId, BirthId, MotherId};
use crate::validation::parse;
use crate::validation::{FieldError, Rule, ValidationErrors};

pub const MAX_NAME_LEN: usize = 120;
pub use crate::validation::MAX_TEXT_LEN;
pub const MAX_BABIES: usize = 6;
pub const BIRTH_WEIGHT_G: (f64, f64) = (500.0, 7000.0);
pub const GESTATIONAL_WEEKS: (f64, f64) = (22.0, 44.0);
pub const MOTHER_AGE_YEARS: (f64, f64) = (10.0, 60.0);
/// The programme follows mothers for 42 days; a late referral may come weeks later, but a birth
/// half a year ago is a typo (most often the year).
pub const MAX_DAYS_SINCE_BIRTH: u64 = 180;

/// Legal status in Turkey, which decides the identity number and the services she can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ResidencyStatus {
    Citizen,
    TemporaryProtection,
    InternationalProtection,
    ResidencePermit,
    Other,
}

/// The language she prefers to be spoken to in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Tr,
    Ar,
    En,
    Ku,
    Fa,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BirthMode {
    Vaginal,
    Caesarean,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BabySex {
    Female,
    Male,
    Undetermined,
}

/// The mother's part of the form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct MotherInput {
    pub full_name: String,
    /// YYYY-MM-DD, or empty when only the age is known.
    pub date_of_birth: String,
    /// Age in years when the date of birth is unknown.
    pub age_years: String,
    pub phone: String,
    pub street: String,
    pub neighbourhood: String,
    pub district: String,
    pub residency_status: Option<ResidencyStatus>,
    pub nationality: String,
    pub id_number: String,
    pub preferred_language: Option<Language>,
    pub interpreter_needed: bool,
}

/// The birth's part of the form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct BirthInput {
    pub birth_date: String,
    pub discharge_date: String,
    pub mode: Option<BirthMode>,
    pub gestational_weeks: String,
}

/// One baby's part of the form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct BabyInput {
    pub name: String,
    pub sex: Option<BabySex>,
    pub birth_weight_g: String,
}

/// The whole registration form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct RegistrationInput {
    pub mother: MotherInput,
    pub birth: BirthInput,
    pub babies: Vec<BabyInput>,
}

/// A mother as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct MotherRecord {
    pub id: MotherId,
    pub full_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub age_years: Option<u32>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub neighbourhood: Option<String>,
    pub district: Option<String>,
    pub residency_status: Option<ResidencyStatus>,
    pub nationality: Option<String>,
    pub id_number: Option<String>,
    pub preferred_language: Language,
    pub interpreter_needed: bool,
    pub registered_on: NaiveDate,
}

/// A birth as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct BirthRecord {
    pub id: BirthId,
    pub mother_id: MotherId,
    pub birth_date: NaiveDate,
    pub discharge_date: Option<NaiveDate>,
    pub mode: BirthMode,
    pub gestational_weeks: Option<u32>,
}

/// A baby as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct BabyRecord {
    pub id: BabyId,
    pub birth_id: BirthId,
    pub mother_id: MotherId,
    /// 1 for the first-born, 2 for a twin, ...
    pub ordinal: u32,
    pub name: Option<String>,
    pub sex: BabySex,
    pub birth_weight_g: u32,
}

/// A registration that passed every rule: typed records, ready to write.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidRegistration {
    pub mother: MotherRecord,
    pub birth: BirthRecord,
    pub babies: Vec<BabyRecord>,
}

/// Fresh ids for a registration, minted by the caller (the core has no randomness).
#[derive(Clone, Debug)]
pub struct RegistrationIds {
    pub mother: MotherId,
    pub birth: BirthId,
    /// At least as many as babies in the form.
    pub babies: Vec<BabyId>,
}

/// Parses and checks the whole form against `today` (a local Istanbul date).
pub fn validate_registration(
    input: &RegistrationInput,
    ids: &RegistrationIds,
    today: NaiveDate,
) -> Result<ValidRegistration, ValidationErrors> {
    validate_form(input, ids, today, today)
}

/// The registration form's rules, for a mother registered on `registered_on` (today for a new
/// one): a birth may lie at most `MAX_DAYS_SINCE_BIRTH` days before her registration.
fn validate_form(
    input: &RegistrationInput,
    ids: &RegistrationIds,
    today: NaiveDate,
    registered_on: NaiveDate,
) -> Result<ValidRegistration, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let e = &mut errors;
    let m = &input.mother;

    let full_name = parse::required_text(e, "mother.full_name", &m.full_name, MAX_NAME_LEN);
    let date_of_birth = parse::optional_date(e, "mother.date_of_birth", &m.date_of_birth);
    if let Some(dob) = date_of_birth {
        if dob > today {
            e.push(FieldError::new("mother.date_of_birth", Rule::InTheFuture).with("value", dob));
        } else {
            let age = years_between(dob, today);
            parse::in_range(
                e,
                "mother.date_of_birth",
                f64::from(age),
                MOTHER_AGE_YEARS.0,
                MOTHER_AGE_YEARS.1,
                "years",
            );
        }
    }
    let age_years = parse::optional_number(e, "mother.age_years", &m.age_years)
        .and_then(|n| parse::whole(e, "mother.age_years", n))
        .and_then(|n| {
            parse::in_range(
                e,
                "mother.age_years",
                n as f64,
                MOTHER_AGE_YEARS.0,
                MOTHER_AGE_YEARS.1,
                "years",
            )
        })
        .map(|n| n as u32);
    if let (Some(dob), Some(age)) = (date_of_birth.filter(|d| *d <= today), age_years) {
        let from_dob = years_between(dob, today);
        if (i64::from(age) - i64::from(from_dob)).abs() > 1 {
            e.push(
                FieldError::new("mother.age_years", Rule::AgeMismatch)
                    .with("value", age)
                    .with("other_value", from_dob),
            );
        }
    }
    let phone = parse_phone(e, "mother.phone", &m.phone);
    let street = parse::optional_text(e, "mother.street", &m.street, MAX_TEXT_LEN);
    let neighbourhood = parse::optional_text(e, "mother.neighbourhood", &m.neighbourhood, MAX_NAME_LEN);
    let district = parse::optional_text(e, "mother.district", &m.district, MAX_NAME_LEN);
    let nationality = parse::optional_text(e, "mother.nationality", &m.nationality, MAX_NAME_LEN);
    let id_number = parse::trimmed(&m.id_number).and_then(|raw| match IdNumber::parse(raw) {
        Ok(id) => {
            let fits = match m.residency_status {
                Some(ResidencyStatus::Citizen) => id.kind == IdNumberKind::Citizen,
                Some(
                    ResidencyStatus::TemporaryProtection
                    | ResidencyStatus::InternationalProtection
                    | ResidencyStatus::ResidencePermit,
                ) => id.kind == IdNumberKind::Foreigner,
                Some(ResidencyStatus::Other) | None => true,
            };
            if !fits {
                let kind = if id.kind == IdNumberKind::Citizen {
                    "citizen"
                } else {
                    "foreigner"
                };
                let status = serde_json::to_value(m.residency_status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                e.push(
                    FieldError::new("mother.id_number", Rule::IdNumberKind)
                        .with("kind", kind)
                        .with("status", status),
                );
            }
            Some(id.digits)
        }
        Err(rule) => {
            e.push(FieldError::new("mother.id_number", rule).with("value", raw));
            None
        }
    });
    if m.preferred_language.is_none() {
        e.push(FieldError::new("mother.preferred_language", Rule::Required));
    }

    let b = &input.birth;
    let birth_date = parse::required_date(e, "birth.birth_date", &b.birth_date);
    if let Some(date) = birth_date {
        if date > today {
            e.push(FieldError::new("birth.birth_date", Rule::InTheFuture).with("value", date));
        }
        // A wrong year (2025 for 2026) would otherwise open a mother with three late visits.
        if date < registered_on - chrono::Days::new(MAX_DAYS_SINCE_BIRTH) {
            e.push(
                FieldError::new("birth.birth_date", Rule::TooLongAgo)
                    .with("value", date)
                    .with("max_days", MAX_DAYS_SINCE_BIRTH),
            );
        }
        if let Some(dob) = date_of_birth.filter(|dob| *dob > date) {
            e.push(
                FieldError::new("mother.date_of_birth", Rule::MustBeBelow)
                    .with("value", dob)
                    .with("other", "birth.birth_date")
                    .with("other_value", date),
            );
        }
    }
    let discharge_date = parse::optional_date(e, "birth.discharge_date", &b.discharge_date);
    if let Some(date) = discharge_date {
        if date > today {
            e.push(FieldError::new("birth.discharge_date", Rule::InTheFuture).with("value", date));
        }
        if let Some(birth) = birth_date.filter(|birth| date < *birth) {
            e.push(
                FieldError::new("birth.discharge_date", Rule::BeforeBirth)
                    .with("value", date)
                    .with("other", birth),
            );
        }
    }
    if b.mode.is_none() {
        e.push(FieldError::new("birth.mode", Rule::Required));
    }
    let gestational_weeks = parse::optional_number(e, "birth.gestational_weeks", &b.gestational_weeks)
        .and_then(|n| parse::whole(e, "birth.gestational_weeks", n))
        .and_then(|n| {
            parse::in_range(
                e,
                "birth.gestational_weeks",
                n as f64,
                GESTATIONAL_WEEKS.0,
                GESTATIONAL_WEEKS.1,
                "weeks",
            )
        })
        .map(|n| n as u32);

    if input.babies.is_empty() || input.babies.len() > MAX_BABIES {
        e.push(FieldError::new("babies", Rule::BabyCount).with("max", MAX_BABIES));
    }
    let mut babies = Vec::new();
    for (index, baby) in input.babies.iter().enumerate().take(MAX_BABIES) {
        let field = |name: &str| format!("babies.{index}.{name}");
        let name = parse::optional_text(e, &field("name"), &baby.name, MAX_NAME_LEN);
        if baby.sex.is_none() {
            e.push(FieldError::new(field("sex"), Rule::Required));
        }
        let weight = if parse::trimmed(&baby.birth_weight_g).is_none() {
            e.push(FieldError::new(field("birth_weight_g"), Rule::Required));
            None
        } else {
            parse::optional_whole_number(e, &field("birth_weight_g"), &baby.birth_weight_g).and_then(|n| {
                parse::in_range(
                    e,
                    &field("birth_weight_g"),
                    n as f64,
                    BIRTH_WEIGHT_G.0,
                    BIRTH_WEIGHT_G.1,
                    "g",
                )
            })
        };
        if let (Some(sex), Some(weight), Some(id)) = (baby.sex, weight, ids.babies.get(index)) {
            babies.push(BabyRecord {
                id: *id,
                birth_id: ids.birth,
                mother_id: ids.mother,
                ordinal: index as u32 + 1,
                name,
                sex,
                birth_weight_g: weight as u32,
            });
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    // Every field below was checked above; the expects document that, they cannot fire.
    let mother = MotherRecord {
        id: ids.mother,
        full_name: full_name.expect("validated"),
        date_of_birth,
        age_years,
        phone,
        street,
        neighbourhood,
        district,
        residency_status: m.residency_status,
        nationality,
        id_number,
        preferred_language: m.preferred_language.expect("validated"),
        interpreter_needed: m.interpreter_needed,
        registered_on,
    };
    let birth = BirthRecord {
        id: ids.birth,
        mother_id: ids.mother,
        birth_date: birth_date.expect("validated"),
        discharge_date,
        mode: b.mode.expect("validated"),
        gestational_weeks,
    };
    Ok(ValidRegistration { mother, birth, babies })
}

impl ValidRegistration {
    /// The field writes that create these records, one per entity.
    pub fn writes(&self) -> Vec<EntityWrite> {
        let m = &self.mother;
        let mut mother = FieldValues::new();
        mother.insert("full_name".into(), json!(m.full_name));
        mother.insert("date_of_birth".into(), json!(m.date_of_birth));
        mother.insert("age_years".into(), json!(m.age_years));
        mother.insert("phone".into(), json!(m.phone));
        mother.insert("street".into(), json!(m.street));
        mother.insert("neighbourhood".into(), json!(m.neighbourhood));
        mother.insert("district".into(), json!(m.district));
        mother.insert("residency_status".into(), json!(m.residency_status));
        mother.insert("nationality".into(), json!(m.nationality));
        mother.insert("id_number".into(), json!(m.id_number));
        mother.insert("preferred_language".into(), json!(m.preferred_language));
        mother.insert("interpreter_needed".into(), json!(m.interpreter_needed));
        mother.insert("registered_on".into(), json!(m.registered_on));

        let b = &self.birth;
        let mut birth = FieldValues::new();
        birth.insert("mother_id".into(), json!(b.mother_id));
        birth.insert("birth_date".into(), json!(b.birth_date));
        birth.insert("discharge_date".into(), json!(b.discharge_date));
        birth.insert("mode".into(), json!(b.mode));
        birth.insert("gestational_weeks".into(), json!(b.gestational_weeks));

        let mut writes = vec![
            EntityWrite {
                entity: EntityKind::Mother,
                entity_id: m.id.0,
                fields: mother,
                also_replaces: Default::default(),
            },
            EntityWrite {
                entity: EntityKind::Birth,
                entity_id: b.id.0,
                fields: birth,
                also_replaces: Default::default(),
            },
        ];
        for baby in &self.babies {
            let mut fields = FieldValues::new();
            fields.insert("mother_id".into(), json!(baby.mother_id));
            fields.insert("birth_id".into(), json!(baby.birth_id));
            fields.insert("ordinal".into(), json!(baby.ordinal));
            fields.insert("name".into(), json!(baby.name));
            fields.insert("sex".into(), json!(baby.sex));
            fields.insert("birth_weight_g".into(), json!(baby.birth_weight_g));
            writes.push(EntityWrite {
                entity: EntityKind::Baby,
                entity_id: baby.id.0,
                fields,
                also_replaces: Default::default(),
            });
        }
        writes
    }
}

impl RegistrationInput {
    /// The form filled with what is stored, as the nurse would have typed it: where a
    /// correction starts.
    pub fn from_records(mother: &MotherRecord, birth: &BirthRecord, babies: &[BabyRecord]) -> RegistrationInput {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let date = |value: Option<NaiveDate>| value.map(|d| d.to_string()).unwrap_or_default();
        let number = |value: Option<u32>| value.map(|n| n.to_string()).unwrap_or_default();
        RegistrationInput {
            mother: MotherInput {
                full_name: mother.full_name.clone(),
                date_of_birth: date(mother.date_of_birth),
                age_years: number(mother.age_years),
                phone: text(&mother.phone),
                street: text(&mother.street),
                neighbourhood: text(&mother.neighbourhood),
                district: text(&mother.district),
                residency_status: mother.residency_status,
                nationality: text(&mother.nationality),
                id_number: text(&mother.id_number),
                preferred_language: Some(mother.preferred_language),
                interpreter_needed: mother.interpreter_needed,
            },
            birth: BirthInput {
                birth_date: birth.birth_date.to_string(),
                discharge_date: date(birth.discharge_date),
                mode: Some(birth.mode),
                gestational_weeks: number(birth.gestational_weeks),
            },
            babies: babies
                .iter()
                .map(|baby| BabyInput {
                    name: text(&baby.name),
                    sex: Some(baby.sex),
                    birth_weight_g: baby.birth_weight_g.to_string(),
                })
                .collect(),
        }
    }
}

/// A correction of a registered mother, her birth and babies: the registration form, filled with
/// `stored` and edited, checked by the same rules as when it was first saved (against the day she
/// was registered for how long ago the birth may be). Babies keep their places; a baby added at
/// the end is made with the next id of `new_babies`; a recorded baby cannot be removed.
///
/// Returns one write per record that changed, holding only the fields that changed, so a
/// correction of her phone on one tablet and of her street on another merge without a conflict.
pub fn validate_correction(
    input: &RegistrationInput,
    stored: &ValidRegistration,
    new_babies: &[BabyId],
    today: NaiveDate,
) -> Result<Vec<EntityWrite>, ValidationErrors> {
    if input.babies.len() < stored.babies.len() {
        return Err(ValidationErrors(vec![
            FieldError::new("babies", Rule::BabyRemoved).with("count", stored.babies.len()),
        ]));
    }
    let ids = RegistrationIds {
        mother: stored.mother.id,
        birth: stored.birth.id,
        babies: stored
            .babies
            .iter()
            .map(|b| b.id)
            .chain(new_babies.iter().copied())
            .collect(),
    };
    let mut valid = validate_form(input, &ids, today, stored.mother.registered_on)?;
    // A baby keeps the place she was registered in; one added comes after the last.
    let mut next = stored.babies.iter().map(|b| b.ordinal).max().unwrap_or(0);
    for (i, baby) in valid.babies.iter_mut().enumerate() {
        baby.ordinal = match stored.babies.get(i) {
            Some(old) => old.ordinal,
            None => {
                next += 1;
                next
            }
        };
    }
    let before = stored.writes();
    Ok(valid
        .writes()
        .into_iter()
        .filter_map(|mut write| {
            if let Some(old) = before.iter().find(|w| w.entity_id == write.entity_id) {
                write.fields.retain(|field, value| old.fields.get(field) != Some(value));
            }
            (!write.fields.is_empty()).then_some(write)
        })
        .collect())
}

/// Whole years from `from` to `to`.
fn years_between(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

/// Digits with spaces, dashes, brackets and a leading +; 10 to 13 digits.
fn parse_phone(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<String> {
    let t = parse::trimmed(raw)?;
    if !is_phone(t) {
        errors.push(FieldError::new(field, Rule::PhoneFormat).with("value", t));
        return None;
    }
    Some(t.to_owned())
}

/// Whether a stored phone number has the form's shape (the server checks every change by it).
pub fn is_phone(t: &str) -> bool {
    let allowed = t
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0));
    let n_digits = t.chars().filter(char::is_ascii_digit).count();
    allowed && (10..=13).contains(&n_digits) && t.trim() == t
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use uuid::Uuid;

    fn ids() -> RegistrationIds {
        let id = |n: u128| Uuid::from_u128(n);
        RegistrationIds {
            mother: MotherId(id(1)),
            birth: BirthId(id(2)),
            babies: vec![BabyId(id(3)), BabyId(id(4)), BabyId(id(5))],
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    pub(crate) fn valid_input() -> RegistrationInput {
        RegistrationInput {
            mother: MotherInput {
                full_name: "Ayşe Işık".into(),
                age_years: "27".into(),
                phone: "+90 532 123 45 67".into(),
                neighbourhood: "Kemeraltı".into(),
                district: "Konak".into(),
                residency_status: Some(ResidencyStatus::Citizen),
                id_number: "10000000146".into(),
                preferred_language: Some(Language::Tr),
                ..Default::default()
            },
            birth: BirthInput {
                birth_date: "2026-11-22".into(),
                discharge_date: "2026-11-23".into(),
                mode: Some(BirthMode::Vaginal),
                gestational_weeks: "39".into(),
            },
            babies: vec![BabyInput {
                name: "Elif".into(),
                sex: Some(BabySex::Female),
                birth_weight_g: "3250".into(),
            }],
        }
    }

    #[track_caller]
    fn check_rejected(edit: impl FnOnce(&mut RegistrationInput), expected: &[(&str, Rule)]) {
        let mut input = valid_input();
        edit(&mut input);
        let errors = validate_registration(&input, &ids(), today()).expect_err("should be refused");
        let got: Vec<(&str, Rule)> = errors.0.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn a_complete_form_becomes_one_write_per_entity() {
        let valid = validate_registration(&valid_input(), &ids(), today()).unwrap();
        assert_eq!(valid.mother.full_name, "Ayşe Işık");
        let kinds: Vec<EntityKind> = valid.writes().iter().map(|w| w.entity).collect();
        assert_eq!(kinds, [EntityKind::Mother, EntityKind::Birth, EntityKind::Baby]);
    }

    #[test]
    fn grams_written_with_a_thousands_separator_are_read_as_grams() {
        for typed in ["3250", "3.250", "3,250", " 3.250 "] {
            let mut input = valid_input();
            input.babies[0].birth_weight_g = typed.into();
            let valid = validate_registration(&input, &ids(), today()).unwrap();
            assert_eq!(valid.babies[0].birth_weight_g, 3250, "{typed}");
        }
    }

    #[test]
    fn twins_are_two_babies_of_one_birth() {
        let mut input = valid_input();
        input.babies.push(BabyInput {
            name: "Zeynep".into(),
            sex: Some(BabySex::Female),
            birth_weight_g: "2480".into(),
        });
        let valid = validate_registration(&input, &ids(), today()).unwrap();
        assert_eq!(valid.babies.len(), 2);
        assert!(valid.babies.iter().all(|b| b.birth_id == valid.birth.id));
        assert_eq!(valid.babies.iter().map(|b| b.ordinal).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn bad_registrations_name_every_broken_field() {
        check_rejected(
            |i| i.mother.full_name = "   ".into(),
            &[("mother.full_name", Rule::Required)],
        );
        check_rejected(
            |i| {
                i.birth.birth_date = "2026-11-26".into();
                i.birth.discharge_date.clear();
            },
            &[("birth.birth_date", Rule::InTheFuture)],
        );
        check_rejected(
            |i| i.birth.birth_date = "".into(),
            &[("birth.birth_date", Rule::Required)],
        );
        check_rejected(
            |i| i.birth.birth_date = "22 Kasım 2026".into(),
            &[("birth.birth_date", Rule::NotADate)],
        );
        check_rejected(
            |i| i.birth.birth_date = "11/22/2026".into(),
            &[("birth.birth_date", Rule::NotADate)],
        );
        check_rejected(
            |i| i.birth.discharge_date = "2026-11-21".into(),
            &[("birth.discharge_date", Rule::BeforeBirth)],
        );
        check_rejected(
            |i| i.babies[0].birth_weight_g = "40000".into(),
            &[("babies.0.birth_weight_g", Rule::OutOfRange)],
        );
        check_rejected(
            |i| i.babies[0].birth_weight_g = "3,2 kg".into(),
            &[("babies.0.birth_weight_g", Rule::NotANumber)],
        );
        check_rejected(
            |i| i.babies[0].birth_weight_g = "3,2".into(),
            &[("babies.0.birth_weight_g", Rule::NotAWholeNumber)],
        );
        check_rejected(
            |i| i.birth.birth_date = "2026-05-01".into(),
            &[("birth.birth_date", Rule::TooLongAgo)],
        );
        check_rejected(|i| i.babies.clear(), &[("babies", Rule::BabyCount)]);
        check_rejected(
            |i| i.mother.id_number = "10000000147".into(),
            &[("mother.id_number", Rule::IdNumberChecksum)],
        );
        check_rejected(
            |i| i.mother.phone = "0532 12".into(),
            &[("mother.phone", Rule::PhoneFormat)],
        );
        check_rejected(
            |i| i.mother.id_number = "99000000042".into(),
            &[("mother.id_number", Rule::IdNumberKind)],
        );
        check_rejected(
            |i| i.mother.residency_status = Some(ResidencyStatus::TemporaryProtection),
            &[("mother.id_number", Rule::IdNumberKind)],
        );
        check_rejected(
            |i| i.mother.date_of_birth = "1990-05-01".into(),
            &[("mother.age_years", Rule::AgeMismatch)],
        );
        check_rejected(
            |i| i.mother.age_years = "8".into(),
            &[("mother.age_years", Rule::OutOfRange)],
        );
        check_rejected(
            |i| i.birth.gestational_weeks = "39.5".into(),
            &[("birth.gestational_weeks", Rule::NotAWholeNumber)],
        );
        check_rejected(
            |i| {
                i.mother.full_name.clear();
                i.birth.mode = None;
                i.babies[0].sex = None;
            },
            &[
                ("mother.full_name", Rule::Required),
                ("birth.mode", Rule::Required),
                ("babies.0.sex", Rule::Required),
            ],
        );
    }

    #[test]
    fn out_of_range_errors_cite_value_range_and_unit() {
        let mut input = valid_input();
        input.babies[0].birth_weight_g = "40000".into();
        let errors = validate_registration(&input, &ids(), today()).unwrap_err();
        assert_eq!(
            errors.0[0].english_message(),
            "babies.0.birth_weight_g: 40000 is outside the accepted range 500–7000 g"
        );
    }

    fn stored() -> ValidRegistration {
        validate_registration(&valid_input(), &ids(), today()).unwrap()
    }

    #[track_caller]
    fn corrected(
        edit: impl FnOnce(&mut RegistrationInput),
        on: NaiveDate,
    ) -> Result<Vec<EntityWrite>, ValidationErrors> {
        let stored = stored();
        let mut input = RegistrationInput::from_records(&stored.mother, &stored.birth, &stored.babies);
        edit(&mut input);
        validate_correction(&input, &stored, &[BabyId(Uuid::from_u128(9))], on)
    }

    fn changed(writes: &[EntityWrite]) -> Vec<(EntityKind, Vec<&str>)> {
        writes
            .iter()
            .map(|w| (w.entity, w.fields.keys().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn the_stored_form_reads_back_as_it_was_saved() {
        let stored = stored();
        let input = RegistrationInput::from_records(&stored.mother, &stored.birth, &stored.babies);
        assert_eq!(
            corrected(|_| {}, today()).unwrap(),
            vec![],
            "nothing typed, nothing written"
        );
        let again = validate_correction(&input, &stored, &[], today() + chrono::Days::new(60)).unwrap();
        assert!(again.is_empty(), "an unchanged form is still valid two months later");
    }

    #[test]
    fn a_correction_writes_only_what_changed() {
        let writes = corrected(|i| i.mother.phone = "0555 999 88 77".into(), today()).unwrap();
        assert_eq!(changed(&writes), [(EntityKind::Mother, vec!["phone"])]);
        assert_eq!(writes[0].fields["phone"], json!("0555 999 88 77"));
        // A birth date a day off moves the windows: the birth record changes, nothing else.
        let writes = corrected(|i| i.birth.birth_date = "2026-11-21".into(), today()).unwrap();
        assert_eq!(changed(&writes), [(EntityKind::Birth, vec!["birth_date"])]);
        let writes = corrected(|i| i.babies[0].birth_weight_g = "3.150".into(), today()).unwrap();
        assert_eq!(changed(&writes), [(EntityKind::Baby, vec!["birth_weight_g"])]);
        // Clearing an optional field writes it empty.
        let writes = corrected(|i| i.mother.street.clear(), today()).unwrap();
        assert!(writes.is_empty(), "the street was empty already");
        let writes = corrected(|i| i.birth.gestational_weeks.clear(), today()).unwrap();
        assert_eq!(writes[0].fields["gestational_weeks"], Value::Null);
    }

    #[test]
    fn a_baby_missed_at_registration_is_added_whole_after_the_others() {
        let writes = corrected(
            |i| {
                i.babies.push(BabyInput {
                    name: "Zeynep".into(),
                    sex: Some(BabySex::Female),
                    birth_weight_g: "2480".into(),
                })
            },
            today(),
        )
        .unwrap();
        assert_eq!(writes.len(), 1);
        assert_eq!(writes[0].entity_id, Uuid::from_u128(9));
        assert_eq!(writes[0].fields["ordinal"], json!(2));
        assert_eq!(writes[0].fields.len(), 6, "a new baby is made whole");
        let removed = corrected(|i| i.babies.clear(), today()).unwrap_err();
        assert_eq!(removed.0[0].rule, Rule::BabyRemoved);
    }

    #[test]
    fn a_correction_passes_the_rules_of_the_registration_form() {
        use Rule::*;
        // (edit, field, rule): the same rules, the same field names as when first saved.
        type Edit = fn(&mut RegistrationInput);
        let cases: &[(Edit, &str, Rule)] = &[
            (|i| i.mother.full_name = " ".into(), "mother.full_name", Required),
            (
                |i| i.mother.id_number = "10000000147".into(),
                "mother.id_number",
                IdNumberChecksum,
            ),
            (
                |i| i.mother.id_number = "99000000042".into(),
                "mother.id_number",
                IdNumberKind,
            ),
            (
                |i| i.mother.residency_status = Some(ResidencyStatus::TemporaryProtection),
                "mother.id_number",
                IdNumberKind,
            ),
            (|i| i.mother.phone = "0532 12".into(), "mother.phone", PhoneFormat),
            (|i| i.mother.age_years = "otuz".into(), "mother.age_years", NotANumber),
            (|i| i.mother.age_years = "8".into(), "mother.age_years", OutOfRange),
            (
                |i| i.mother.date_of_birth = "1990-05-01".into(),
                "mother.age_years",
                AgeMismatch,
            ),
            (
                |i| i.mother.preferred_language = None,
                "mother.preferred_language",
                Required,
            ),
            (
                |i| i.mother.street = "x".repeat(MAX_TEXT_LEN + 1),
                "mother.street",
                Rule::TooLong,
            ),
            (
                |i| {
                    i.birth.birth_date = "2026-11-26".into();
                    i.birth.discharge_date.clear();
                },
                "birth.birth_date",
                InTheFuture,
            ),
            (|i| i.birth.birth_date = "22 Kasım".into(), "birth.birth_date", NotADate),
            (
                |i| i.birth.birth_date = "2026-05-01".into(),
                "birth.birth_date",
                TooLongAgo,
            ),
            (
                |i| i.birth.discharge_date = "2026-11-20".into(),
                "birth.discharge_date",
                BeforeBirth,
            ),
            (|i| i.birth.mode = None, "birth.mode", Required),
            (
                |i| i.birth.gestational_weeks = "50".into(),
                "birth.gestational_weeks",
                OutOfRange,
            ),
            (|i| i.babies[0].sex = None, "babies.0.sex", Required),
            (
                |i| i.babies[0].birth_weight_g = "40000".into(),
                "babies.0.birth_weight_g",
                OutOfRange,
            ),
            (
                |i| i.babies[0].birth_weight_g = "".into(),
                "babies.0.birth_weight_g",
                Required,
            ),
            (
                |i| i.babies[0].name = "x".repeat(MAX_NAME_LEN + 1),
                "babies.0.name",
                Rule::TooLong,
            ),
        ];
        for (edit, field, rule) in cases {
            let errors = corrected(*edit, today()).expect_err(field);
            let got: Vec<(&str, Rule)> = errors.0.iter().map(|e| (e.field.as_str(), e.rule)).collect();
            assert_eq!(got, [(*field, *rule)]);
        }
        // How long ago a birth may be counts from her registration, not from today.
        let months_later = today() + chrono::Days::new(200);
        assert!(corrected(|i| i.birth.birth_date = "2026-11-20".into(), months_later).is_ok());
    }

    #[test]
    fn names_in_turkish_and_arabic_script_are_kept_exactly() {
        for name in ["İpek Ağaoğlu", "ışık şahin", "فاطمة محمد"] {
            let mut input = valid_input();
            input.mother.full_name = format!("  {name} ");
            let valid = validate_registration(&input, &ids(), today()).unwrap();
            assert_eq!(valid.mother.full_name, name);
        }
    }
}
