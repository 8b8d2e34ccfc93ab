//! A doctor's sign-off of red flags: which flags of which visit, with a note or an order (iron,
//! a referral, an extra visit). A signed-off flag leaves the follow-up list; a new flag on the
//! same mother is not signed off and brings her back. A review is a record of its own that syncs,
//! with who and when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;
use uuid::Uuid;

use crate::change::{EntityKind, EntityWrite, FieldValues};
use crate::flags::Flag;
use crate::ids::{MotherId, VisitId};
use crate::validation::parse;
use crate::validation::{FieldError, Rule, ValidationErrors};

pub const MAX_REVIEW_NOTE_LEN: usize = 2000;

/// What the doctor orders with the sign-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOrder {
    None,
    IronSupplement,
    Referral,
    ExtraVisit,
    Other,
}

/// The sign-off form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ReviewInput {
    pub mother_id: MotherId,
    pub visit_id: VisitId,
    /// The flags signed off, by `flag_key`.
    pub flags: Vec<String>,
    pub order: ReviewOrder,
    pub note: String,
}

/// A sign-off as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ReviewRecord {
    pub id: Uuid,
    pub mother_id: MotherId,
    pub visit_id: VisitId,
    pub flags: Vec<String>,
    pub order: ReviewOrder,
    pub note: Option<String>,
    pub reviewed_by: String,
    pub reviewed_at: DateTime<Utc>,
}

/// A flag's identity within its visit: the rule, and the baby it is about.
pub fn flag_key(flag: &Flag) -> String {
    match flag.baby {
        None => flag.rule.clone(),
        Some(baby) => format!("{}:{baby}", flag.rule),
    }
}

/// Checks a sign-off against the flags the visit raises now; all errors at once.
pub fn validate_review(
    input: &ReviewInput,
    id: Uuid,
    raised: &[Flag],
    reviewed_by: &str,
    now: DateTime<Utc>,
) -> Result<ReviewRecord, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if input.flags.is_empty() {
        errors.push(FieldError::new("flags", Rule::Required));
    }
    let keys: Vec<String> = raised.iter().map(flag_key).collect();
    for key in input.flags.iter().filter(|k| !keys.contains(k)) {
        errors.push(FieldError::new("flags", Rule::NotAChoice).with("value", key));
    }
    let note = parse::optional_text(&mut errors, "note", &input.note, MAX_REVIEW_NOTE_LEN);
    errors.into_result(ReviewRecord {
        id,
        mother_id: input.mother_id,
        visit_id: input.visit_id,
        flags: input.flags.clone(),
        order: input.order,
        note,
        reviewed_by: reviewed_by.to_owned(),
        reviewed_at: now,
    })
}

impl ReviewRecord {
    pub fn write(&self) -> EntityWrite {
        let mut fields = FieldValues::new();
        fields.insert("mother_id".into(), json!(self.mother_id));
        fields.insert("visit_id".into(), json!(self.visit_id));
        fields.insert("flags".into(), json!(self.flags));
        fields.insert("orders".into(), json!(self.order));
        fields.insert("note".into(), json!(self.note));
        fields.insert("reviewed_by".into(), json!(self.reviewed_by));
        fields.insert("reviewed_at".into(), json!(self.reviewed_at.to_rfc3339()));
        EntityWrite {
            entity: EntityKind::Review,
            entity_id: self.id,
            fields,
            also_replaces: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::{Comparison, Reason};
    use crate::flags::FlagLevel;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn check(input: &ReviewInput, raised: &[Flag]) -> Result<ReviewRecord, ValidationErrors> {
        validate_review(input, Uuid::from_u128(9), raised, "Dr. Ece", at())
    }

    fn flag(rule: &str) -> Flag {
        Flag {
            rule: rule.into(),
            level: FlagLevel::Urgent,
            baby: None,
            reasons: vec![Reason::Compare {
                field: "hemoglobin".into(),
                value: 7.5,
                op: Comparison::Lt,
                threshold: 8.0,
            }],
        }
    }

    #[test]
    fn a_sign_off_names_flags_the_visit_raises() {
        let input = |flags: &[&str], note: &str| ReviewInput {
            mother_id: MotherId(Uuid::from_u128(1)),
            visit_id: VisitId(Uuid::from_u128(2)),
            flags: flags.iter().map(|s| (*s).to_owned()).collect(),
            order: ReviewOrder::IronSupplement,
            note: note.into(),
        };
        let raised = [flag("severe_anaemia")];
        let ok = check(&input(&["severe_anaemia"], " Demir başlandı "), &raised).unwrap();
        assert_eq!(ok.note.as_deref(), Some("Demir başlandı"));
        assert_eq!(ok.write().fields["orders"], json!("iron_supplement"));
        assert_eq!(ok.reviewed_at, at());
        let rules = |r: Result<ReviewRecord, ValidationErrors>| -> Vec<(String, Rule)> {
            r.unwrap_err().0.into_iter().map(|e| (e.field, e.rule)).collect()
        };
        assert_eq!(
            rules(check(&input(&[], ""), &raised)),
            [("flags".into(), Rule::Required)]
        );
        assert_eq!(
            rules(check(&input(&["fever"], &"x".repeat(2001)), &raised)),
            [("flags".into(), Rule::NotAChoice), ("note".into(), Rule::TooLong)]
        );
    }
}
