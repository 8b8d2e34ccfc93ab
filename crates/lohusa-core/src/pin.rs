//! The rules a member's PIN follows when she chooses it: digits only (Arabic-Indic digits are
//! read as the same digits), long enough, and not one anyone would try first.

use crate::validation::{FieldError, Rule, ValidationErrors, western_digits};

pub const MIN_PIN_DIGITS: usize = 6;
pub const MAX_PIN_DIGITS: usize = 12;

/// Checks a new PIN and its confirmation; the PIN in Western digits.
pub fn check_new_pin(pin: &str, again: &str) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let digits = western_digits(pin.trim()).into_owned();
    let again = western_digits(again.trim());
    if digits.is_empty() {
        errors.push(FieldError::new("pin", Rule::Required));
    } else if !(MIN_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        errors.push(
            FieldError::new("pin", Rule::PinFormat)
                .with("min", MIN_PIN_DIGITS)
                .with("max", MAX_PIN_DIGITS),
        );
    } else if too_simple(&digits) {
        errors.push(FieldError::new("pin", Rule::PinTooSimple));
    } else if again != digits {
        errors.push(FieldError::new("pin_again", Rule::PinMismatch));
    }
    if errors.0.is_empty() { Ok(digits) } else { Err(errors) }
}

/// A PIN as typed at sign-in, in Western digits.
pub fn typed_pin(pin: &str) -> String {
    western_digits(pin.trim()).into_owned()
}

fn too_simple(digits: &str) -> bool {
    let d: Vec<i32> = digits.bytes().map(|b| i32::from(b - b'0')).collect();
    let steps: Vec<i32> = d.windows(2).map(|w| w[1] - w[0]).collect();
    steps.iter().all(|s| *s == steps[0]) && matches!(steps[0], -1..=1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pin: &str, again: &str) -> Option<(String, Rule)> {
        check_new_pin(pin, again)
            .err()
            .map(|e| (e.0[0].field.clone(), e.0[0].rule))
    }

    #[test]
    fn a_pin_is_six_to_twelve_digits_not_a_guessable_one() {
        assert_eq!(check_new_pin("482915", "482915").unwrap(), "482915");
        assert_eq!(
            check_new_pin("٤٨٢٩١٥", "482915").unwrap(),
            "482915",
            "Arabic-Indic digits"
        );
        assert_eq!(rule("", ""), Some(("pin".into(), Rule::Required)));
        assert_eq!(rule("4829", "4829"), Some(("pin".into(), Rule::PinFormat)));
        assert_eq!(rule("48291a", "48291a"), Some(("pin".into(), Rule::PinFormat)));
        assert_eq!(
            rule("1234567890123", "1234567890123"),
            Some(("pin".into(), Rule::PinFormat))
        );
        for simple in ["000000", "111111", "123456", "987654", "345678"] {
            assert_eq!(
                rule(simple, simple),
                Some(("pin".into(), Rule::PinTooSimple)),
                "{simple}"
            );
        }
        assert_eq!(rule("482915", "482916"), Some(("pin_again".into(), Rule::PinMismatch)));
    }
}
