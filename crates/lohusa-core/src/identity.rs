//! Turkish identity numbers: T.C. kimlik numarası for citizens and the foreigner number (YKN,
//! starting with 99) for others, including Syrians under temporary protection. Both are 11 digits
//! with the same two check digits, so a single mistyped digit is caught here.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::validation::Rule;

/// Which kind of identity number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum IdNumberKind {
    /// T.C. kimlik numarası.
    Citizen,
    /// Yabancı kimlik numarası (starts with 99).
    Foreigner,
}

/// A checked identity number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IdNumber {
    pub digits: String,
    pub kind: IdNumberKind,
}

impl IdNumber {
    /// Checks format and check digits; spaces are ignored.
    pub fn parse(raw: &str) -> Result<IdNumber, Rule> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
            return Err(Rule::IdNumberFormat);
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let odd = d[0] + d[2] + d[4] + d[6] + d[8];
        let even = d[1] + d[3] + d[5] + d[7];
        let tenth = (odd * 7 + 10 * 10 - even) % 10; // +100 keeps the subtraction non-negative.
        let eleventh = d[..10].iter().sum::<u32>() % 10;
        if d[9] != tenth || d[10] != eleventh {
            return Err(Rule::IdNumberChecksum);
        }
        let kind = if digits.starts_with("99") {
            IdNumberKind::Foreigner
        } else {
            IdNumberKind::Citizen
        };
        Ok(IdNumber { digits, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_numbers_are_checked_by_their_check_digits() {
        let cases: &[(&str, Result<IdNumberKind, Rule>)] = &[
            ("10000000146", Ok(IdNumberKind::Citizen)),
            ("100 000 001 46", Ok(IdNumberKind::Citizen)),
            ("99000000042", Ok(IdNumberKind::Foreigner)),
            ("10000000147", Err(Rule::IdNumberChecksum)),
            ("10000000156", Err(Rule::IdNumberChecksum)),
            ("01234567890", Err(Rule::IdNumberFormat)),
            ("1234567890", Err(Rule::IdNumberFormat)),
            ("1000000014a", Err(Rule::IdNumberFormat)),
        ];
        for (raw, expected) in cases {
            assert_eq!(IdNumber::parse(raw).map(|id| id.kind), *expected, "{raw}");
        }
    }
}
