//! The life of a mother's case: whose she is (the nurse she is assigned to) and whether her care
//! goes on (a case closed with a reason and a date, and reopened).
//!
//! Both are fields of the mother's record, so they sync, merge and keep their history like any
//! other. A closed case leaves the Today list and the follow-up list but stays in every report;
//! coverage does not count her windows after the closing day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use crate::change::FieldValues;
use crate::ids::MemberId;
use crate::validation::parse;
use crate::validation::{FieldError, Rule, ValidationErrors};

/// Why a case was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// She moved out of the team's area.
    MovedAway,
    /// Transferred to another team or a hospital.
    Transferred,
    /// She declined further visits.
    Declined,
    MotherDied,
    BabyDied,
    /// Nobody could reach her.
    LostToFollowUp,
}

pub const CLOSE_REASONS: [CloseReason; 6] = [
    CloseReason::MovedAway,
    CloseReason::Transferred,
    CloseReason::Declined,
    CloseReason::MotherDied,
    CloseReason::BabyDied,
    CloseReason::LostToFollowUp,
];

/// The case fields of a mother, as the screens and lists need them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct CaseState {
    pub assigned_to: Option<MemberId>,
    /// The assigned member's name, when this device knows her.
    pub assigned_name: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub closed_reason: Option<CloseReason>,
}

impl CaseState {
    pub fn is_closed(&self) -> bool {
        self.closed_on.is_some()
    }
}

/// The closing form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct CloseCaseInput {
    /// DD.MM.YYYY or YYYY-MM-DD.
    pub closed_on: String,
    pub reason: Option<CloseReason>,
}

/// Checks a closing against her birth and today; the fields to write.
pub fn validate_closing(
    input: &CloseCaseInput,
    birth_date: NaiveDate,
    today: NaiveDate,
) -> Result<FieldValues, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let e = &mut errors;
    let date = parse::required_date(e, "closed_on", &input.closed_on);
    if let Some(date) = date {
        if date > today {
            e.push(FieldError::new("closed_on", Rule::InTheFuture).with("value", date));
        } else if date < birth_date {
            e.push(
                FieldError::new("closed_on", Rule::BeforeBirth)
                    .with("value", date)
                    .with("other", birth_date),
            );
        }
    }
    if input.reason.is_none() {
        e.push(FieldError::new("closed_reason", Rule::Required));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok([
        ("closed_on".to_owned(), json!(date.expect("validated"))),
        ("closed_reason".to_owned(), json!(input.reason.expect("validated"))),
    ]
    .into())
}

/// The fields that reopen a closed case.
pub fn reopening() -> FieldValues {
    [
        ("closed_on".to_owned(), serde_json::Value::Null),
        ("closed_reason".to_owned(), serde_json::Value::Null),
    ]
    .into()
}

/// The field that assigns her to a member (or to nobody).
pub fn assignment(to: Option<MemberId>) -> FieldValues {
    [("assigned_to".to_owned(), json!(to))].into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_case_closes_with_a_date_and_a_reason() {
        let (birth, today) = (date("2026-11-01"), date("2026-11-25"));
        let ok = validate_closing(
            &CloseCaseInput {
                closed_on: "20.11.2026".into(),
                reason: Some(CloseReason::MovedAway),
            },
            birth,
            today,
        )
        .unwrap();
        assert_eq!(ok["closed_on"], json!("2026-11-20"));
        assert_eq!(ok["closed_reason"], json!("moved_away"));
        let rules = |closed_on: &str, reason: Option<CloseReason>| -> Vec<(String, Rule)> {
            validate_closing(
                &CloseCaseInput {
                    closed_on: closed_on.into(),
                    reason,
                },
                birth,
                today,
            )
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect()
        };
        assert_eq!(
            rules("", None),
            [
                ("closed_on".to_owned(), Rule::Required),
                ("closed_reason".to_owned(), Rule::Required)
            ]
        );
        assert_eq!(
            rules("26.11.2026", Some(CloseReason::Declined)),
            [("closed_on".to_owned(), Rule::InTheFuture)]
        );
        assert_eq!(
            rules("31.10.2026", Some(CloseReason::Declined)),
            [("closed_on".to_owned(), Rule::BeforeBirth)]
        );
        assert!(reopening().values().all(serde_json::Value::is_null));
    }
}
