//! Field errors: which field broke which rule, with the values a translated message needs.
//!
//! The core never writes a user-facing sentence: it names the field and the rule, and the UI turns
//! them into a message in the user's language. `english_message` exists for logs and the CLI.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The longest one-line text field (a name, a street).
pub const MAX_TEXT_LEN: usize = 200;

/// The rule a value broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The field must be filled in.
    Required,
    /// The text is longer than `max` characters.
    TooLong,
    /// Not a date in the form YYYY-MM-DD.
    NotADate,
    /// Not a time in the form HH:MM.
    NotATime,
    /// Not a number.
    NotANumber,
    /// Must be a whole number.
    NotAWholeNumber,
    /// More decimals than the field records (`max`): it would be rounded.
    TooManyDecimals,
    /// Outside the accepted range `min`..=`max` (`unit` when it has one).
    OutOfRange,
    /// The date is after today.
    InTheFuture,
    /// A date to plan for lies in the past.
    InThePast,
    /// The date is before the birth.
    BeforeBirth,
    /// The date is more than `max_days` days ago.
    TooLongAgo,
    /// Must be lower than another field (`other`).
    MustBeBelow,
    /// A date before another date it cannot precede (`other`, `other_value`): a lab result
    /// before its sample.
    DateOrder,
    /// The form does not ask this question for this visit.
    NotAsked,
    /// The form asks this question only under other answers (`depends_on`: the fields it
    /// depends on), which do not hold: a hemoglobin value without "hemoglobin tested: yes".
    NotShown,
    /// A screening text file that does not fit its instrument (`reason`: `format`,
    /// `unknown_instrument`, `item_count`, `option_count`, `empty_text`; `detail` in English).
    NotAScreeningText,
    /// An identity number is not 11 digits, or starts with 0.
    IdNumberFormat,
    /// An identity number's check digits do not match: a typo.
    IdNumberChecksum,
    /// The identity number's kind does not fit the legal status (a 99… number for a citizen, a
    /// T.C. number for someone under protection or with a residence permit).
    IdNumberKind,
    /// The age and the date of birth disagree by more than a year.
    AgeMismatch,
    /// A phone number with too few or too many digits, or letters.
    PhoneFormat,
    /// Not one of the allowed choices.
    NotAChoice,
    /// At least one baby is needed, and at most `max`.
    BabyCount,
    /// A correction may add a baby but not remove one of the `count` recorded.
    BabyRemoved,
    /// The record was deleted (`by` whom, `at` when, where known): it can no longer be changed.
    Deleted,
    /// This visit already happened and is recorded for this mother.
    AlreadyRecorded,
    /// A PIN is `min`..=`max` digits and nothing else.
    PinFormat,
    /// A PIN anyone would guess first: one digit repeated, or a straight run (123456, 987654).
    PinTooSimple,
    /// The PIN typed again is not the same.
    PinMismatch,
    /// The PIN does not open this device for this member (`failures` wrong in a row so far;
    /// `seconds` when she must now wait).
    WrongPin,
    /// Wrong PINs locked her out for `seconds` more.
    PinLocked,
    /// The member's role may not write this record.
    NotYourRole,
    /// A value no form could have written for this field (`problem`: `invalid_value`,
    /// `value_too_long`, `value_too_deep`, `value_out_of_range`, `unknown_field`), or a required
    /// field cleared (`problem`: `missing_required_field`).
    InvalidValue,
    /// Text with control characters (a bell, an escape sequence), which no keyboard types.
    ControlCharacters,
}

/// One broken rule on one field.
///
/// `field` is a dotted path the form understands, such as `mother.full_name`,
/// `babies.1.birth_weight_g` or `answers.mother.bp_systolic`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct FieldError {
    pub field: String,
    pub rule: Rule,
    /// Values the message cites: `value`, `min`, `max`, `unit`, `other`, `max_len`.
    pub params: BTreeMap<String, String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, rule: Rule) -> FieldError {
        FieldError {
            field: field.into(),
            rule,
            params: BTreeMap::new(),
        }
    }

    pub fn with(mut self, name: &str, value: impl ToString) -> FieldError {
        self.params.insert(name.to_owned(), value.to_string());
        self
    }

    /// An English sentence for logs and the command line; the UI translates from `rule`.
    pub fn english_message(&self) -> String {
        let p = |k: &str| self.params.get(k).map(String::as_str).unwrap_or("?");
        let rule = match self.rule {
            Rule::Required => "is required".to_owned(),
            Rule::TooLong => format!("is longer than {} characters", p("max_len")),
            Rule::NotADate => format!("'{}' is not a date (DD.MM.YYYY)", p("value")),
            Rule::NotATime => format!("'{}' is not a time (HH:MM)", p("value")),
            Rule::TooManyDecimals => format!(
                "'{}' has more than {} decimal(s): type it as measured, to {} decimal(s)",
                p("value"),
                p("max"),
                p("max")
            ),
            Rule::NotANumber => format!("'{}' is not a number", p("value")),
            Rule::NotAWholeNumber => format!("'{}' is not a whole number", p("value")),
            Rule::OutOfRange => format!(
                "{} is outside the accepted range {}–{} {}",
                p("value"),
                p("min"),
                p("max"),
                p("unit")
            )
            .trim_end()
            .to_owned(),
            Rule::InTheFuture => format!("{} is in the future", p("value")),
            Rule::InThePast => format!("{} is in the past", p("value")),
            Rule::BeforeBirth => format!("{} is before the birth date {}", p("value"), p("other")),
            Rule::TooLongAgo => format!("{} is more than {} days ago", p("value"), p("max_days")),
            Rule::MustBeBelow => format!(
                "{} must be lower than {} ({})",
                p("value"),
                p("other"),
                p("other_value")
            ),
            Rule::DateOrder => format!("{} is before {} ({})", p("value"), p("other"), p("other_value")),
            Rule::NotAScreeningText => format!("not a usable screening text: {}", p("detail")),
            Rule::NotAsked => format!("'{}' is not asked at this visit", p("value")),
            Rule::NotShown => format!(
                "'{}' is not asked here: the question depends on the answer to {}, which does not call for it",
                p("value"),
                p("depends_on")
            ),
            Rule::IdNumberFormat => "must be 11 digits and not start with 0".to_owned(),
            Rule::PinFormat => format!("must be {} to {} digits", p("min"), p("max")),
            Rule::PinTooSimple => "is too easy to guess (one digit repeated, or a straight run)".to_owned(),
            Rule::PinMismatch => "is not the same PIN".to_owned(),
            Rule::WrongPin => format!("is not this member's PIN ({} wrong in a row)", p("failures")),
            Rule::PinLocked => format!("is locked after wrong PINs for {} more seconds", p("seconds")),
            Rule::NotYourRole => "may not be written by this member's role".to_owned(),
            Rule::InvalidValue => match self.params.get("value") {
                Some(value) => format!("{value} is not a value this field can hold ({})", p("problem")),
                None => format!("is not a value this field can hold ({})", p("problem")),
            },
            Rule::ControlCharacters => "contains control characters".to_owned(),
            Rule::IdNumberChecksum => "check digits do not match: probably a typo".to_owned(),
            Rule::IdNumberKind => format!("a {} number does not fit the legal status {}", p("kind"), p("status")),
            Rule::AgeMismatch => format!(
                "age {} does not match the date of birth (age {})",
                p("value"),
                p("other_value")
            ),
            Rule::PhoneFormat => format!("'{}' is not a phone number", p("value")),
            Rule::NotAChoice => match self.params.get("choices") {
                Some(choices) => format!("'{}' is not one of the choices ({choices})", p("value")),
                None => format!("'{}' is not one of the choices", p("value")),
            },
            Rule::BabyCount => format!("needs between 1 and {} babies", p("max")),
            Rule::Deleted => format!("was deleted by {} at {}", p("by"), p("at")),
            Rule::BabyRemoved => format!(
                "keeps its {} recorded babies: a correction cannot remove one",
                p("count")
            ),
            Rule::AlreadyRecorded => "this visit is already recorded".to_owned(),
        };
        format!("{}: {}", self.field, rule)
    }
}

/// Every broken rule of one form; empty means the input is valid.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was broken, else every error at once.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<String> = self.0.iter().map(FieldError::english_message).collect();
        f.write_str(&messages.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

pub use parse::western_digits;

/// Small parsers shared by every form: each returns the typed value or records the error.
pub(crate) mod parse {
    use chrono::{NaiveDate, NaiveTime};

    use super::{FieldError, Rule, ValidationErrors};

    pub fn trimmed(raw: &str) -> Option<&str> {
        let t = raw.trim();
        (!t.is_empty()).then_some(t)
    }

    /// Arabic-Indic and Persian digits (٣٦٫٨, ۳۶) as the ASCII digits they are, with the Arabic
    /// decimal separator as a comma: an Arabic keyboard types them.
    pub fn western_digits(text: &str) -> std::borrow::Cow<'_, str> {
        if text.is_ascii() {
            return std::borrow::Cow::Borrowed(text);
        }
        text.chars()
            .map(|c| match c {
                '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
                '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
                '\u{066B}' => ',',
                '\u{066C}' => '.',
                other => other,
            })
            .collect::<String>()
            .into()
    }

    pub fn required_text(errors: &mut ValidationErrors, field: &str, raw: &str, max_len: usize) -> Option<String> {
        match trimmed(raw) {
            None => {
                errors.push(FieldError::new(field, Rule::Required));
                None
            }
            Some(t) => optional_text(errors, field, t, max_len),
        }
    }

    pub fn optional_text(errors: &mut ValidationErrors, field: &str, raw: &str, max_len: usize) -> Option<String> {
        let t = trimmed(raw)?;
        if t.chars().count() > max_len {
            errors.push(FieldError::new(field, Rule::TooLong).with("max_len", max_len));
            return None;
        }
        // A name, an address line or a reason is one line; a note may have several.
        let one_line = max_len <= crate::validation::MAX_TEXT_LEN;
        if has_control_characters(t) || (one_line && t.contains(['\n', '\r', '\t'])) {
            errors.push(FieldError::new(field, Rule::ControlCharacters));
            return None;
        }
        Some(t.to_owned())
    }

    /// Characters no keyboard types into a form: control characters other than a line break or
    /// a tab (a bell, an escape sequence that recolours a terminal, a NUL).
    pub fn has_control_characters(text: &str) -> bool {
        text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    }

    /// A calendar date as nurses in Turkey write it (22.11.2026, or with slashes or dashes), or
    /// in ISO form (2026-11-22). Day first, never month first, and always a four-digit year.
    pub fn optional_date(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<NaiveDate> {
        let t = trimmed(raw)?;
        match parse_date(t) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldError::new(field, Rule::NotADate).with("value", t));
                None
            }
        }
    }

    pub fn parse_date(text: &str) -> Option<NaiveDate> {
        let text = western_digits(text);
        let parts: Vec<&str> = text.split(['.', '/', '-', ',']).map(str::trim).collect();
        let [a, b, c] = parts[..] else { return None };
        let number = |s: &str| -> Option<u32> {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let (year, month, day) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
        if year.len() != 4 || month.len() > 2 || day.len() > 2 {
            return None;
        }
        NaiveDate::from_ymd_opt(number(year)? as i32, number(month)?, number(day)?)
    }

    pub fn required_date(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<NaiveDate> {
        if trimmed(raw).is_none() {
            errors.push(FieldError::new(field, Rule::Required));
            return None;
        }
        optional_date(errors, field, raw)
    }

    pub fn required_time(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<NaiveTime> {
        let Some(t) = trimmed(raw) else {
            errors.push(FieldError::new(field, Rule::Required));
            return None;
        };
        match NaiveTime::parse_from_str(&western_digits(t), "%H:%M") {
            Ok(time) => Some(time),
            Err(_) => {
                errors.push(FieldError::new(field, Rule::NotATime).with("value", t));
                None
            }
        }
    }

    /// A decimal number; accepts a comma as the decimal separator, as Turkish keyboards type it.
    pub fn optional_number(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<f64> {
        let t = trimmed(raw)?;
        match western_digits(t).replace(',', ".").parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                errors.push(FieldError::new(field, Rule::NotANumber).with("value", t));
                None
            }
        }
    }

    pub fn in_range(
        errors: &mut ValidationErrors,
        field: &str,
        value: f64,
        min: f64,
        max: f64,
        unit: &str,
    ) -> Option<f64> {
        if value < min || value > max {
            errors.push(
                FieldError::new(field, Rule::OutOfRange)
                    .with("value", format_number(value))
                    .with("min", format_number(min))
                    .with("max", format_number(max))
                    .with("unit", unit),
            );
            return None;
        }
        Some(value)
    }

    /// A whole number, where "3.250" or "3,250" is three thousand two hundred and fifty, as
    /// grams are written in Turkey (a dot or comma before exactly three digits groups thousands).
    pub fn optional_whole_number(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<i64> {
        let digits = western_digits(raw);
        let t = trimmed(&digits)?;
        let grouped = t.split(['.', ',']).collect::<Vec<_>>();
        let is_grouping = grouped.len() > 1
            && grouped[1..].iter().all(|g| g.len() == 3)
            && !grouped[0].is_empty()
            && grouped.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        if is_grouping {
            return grouped.concat().parse().ok();
        }
        let n = optional_number(errors, field, t)?;
        whole(errors, field, n)
    }

    pub fn whole(errors: &mut ValidationErrors, field: &str, value: f64) -> Option<i64> {
        if value.fract() != 0.0 {
            errors.push(FieldError::new(field, Rule::NotAWholeNumber).with("value", format_number(value)));
            return None;
        }
        Some(value as i64)
    }

    pub fn format_number(value: f64) -> String {
        if value.fract() == 0.0 {
            format!("{value:.0}")
        } else {
            format!("{value}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse::parse_date;
    use chrono::NaiveDate;

    #[test]
    fn dates_are_read_day_first_or_in_iso_form_with_a_four_digit_year() {
        let nov_22 = NaiveDate::from_ymd_opt(2026, 11, 22);
        let cases: &[(&str, Option<NaiveDate>)] = &[
            ("22.11.2026", nov_22),
            ("22/11/2026", nov_22),
            ("22-11-2026", nov_22),
            ("22,11,2026", nov_22),
            ("2026-11-22", nov_22),
            ("2.3.2027", NaiveDate::from_ymd_opt(2027, 3, 2)),
            ("29.02.2028", NaiveDate::from_ymd_opt(2028, 2, 29)),
            ("29.02.2027", None),
            ("22.11.26", None),
            ("11/32/2026", None),
            ("22.13.2026", None),
            ("22 Kasım 2026", None),
            ("2026-11", None),
            ("+2.11.2026", None),
            ("٢٢.١١.٢٠٢٦", nov_22),
            ("۲۲/۱۱/۲۰۲۶", nov_22),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_date(text), *expected, "{text}");
        }
    }

    #[test]
    fn numbers_typed_in_arabic_digits_are_read() {
        use super::ValidationErrors;
        use super::parse::{optional_number, optional_whole_number, western_digits};
        let mut errors = ValidationErrors::default();
        assert_eq!(optional_number(&mut errors, "t", "٣٦٫٨"), Some(36.8));
        assert_eq!(optional_whole_number(&mut errors, "w", "٣٢٥٠"), Some(3250));
        assert_eq!(optional_whole_number(&mut errors, "w", "۳٬۲۵۰"), Some(3250));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(western_digits("abc"), "abc");
    }
}
