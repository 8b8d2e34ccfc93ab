//! Extra home visits: a visit planned outside the three windows, by a doctor's order at a
//! sign-off or by the team when a mother needs it (a wound to check again, a baby's weight). It
//! is a record of its own that syncs; the visit made for it is recorded with the checklist of the
//! window the mother is in by then and points back at it, and never counts for a window.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;
use uuid::Uuid;

use crate::change::{EntityKind, EntityWrite, FieldValues};
use crate::ids::MotherId;
use crate::schedule::{VisitNumber, visit_windows};
use crate::validation::{FieldError, Rule, ValidationErrors, parse};

pub const MAX_REASON_LEN: usize = 500;
/// An extra visit not made this many days after its date is late.
pub const LATE_AFTER_DAYS: u64 = 2;

/// The planning form, as typed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ExtraVisitInput {
    pub mother_id: MotherId,
    pub due_on: String,
    pub reason: String,
    /// The sign-off that ordered it, if one did.
    pub review_id: Option<Uuid>,
}

/// A planned extra visit as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ExtraVisitRecord {
    pub id: Uuid,
    pub mother_id: MotherId,
    pub due_on: NaiveDate,
    pub reason: String,
    pub ordered_by: String,
    pub ordered_at: DateTime<Utc>,
    pub review_id: Option<Uuid>,
}

/// Where a planned extra visit stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExtraVisitStatus {
    Upcoming,
    Due,
    /// More than `LATE_AFTER_DAYS` past its date and not made.
    Late,
    Done,
}

/// Its status from its date, today, and whether the visit was made.
pub fn extra_visit_status(due_on: NaiveDate, today: NaiveDate, visited: bool) -> ExtraVisitStatus {
    if visited {
        ExtraVisitStatus::Done
    } else if today < due_on {
        ExtraVisitStatus::Upcoming
    } else if today > due_on + Days::new(LATE_AFTER_DAYS) {
        ExtraVisitStatus::Late
    } else {
        ExtraVisitStatus::Due
    }
}

/// The checklist an extra visit on `date` uses: that of the last window opened by then.
pub fn content_number(birth_date: NaiveDate, date: NaiveDate) -> VisitNumber {
    visit_windows(birth_date)
        .into_iter()
        .rev()
        .find(|w| w.opens_on <= date)
        .map_or(VisitNumber::ALL[0], |w| w.number)
}

/// Checks the planning form; all errors at once. The date may not be in the past or before the
/// birth.
pub fn validate_extra_visit(
    input: &ExtraVisitInput,
    id: Uuid,
    birth_date: NaiveDate,
    ordered_by: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<ExtraVisitRecord, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let e = &mut errors;
    let due_on = parse::required_date(e, "due_on", &input.due_on);
    if let Some(date) = due_on {
        if date < today {
            e.push(FieldError::new("due_on", Rule::InThePast).with("value", date));
        } else if date < birth_date {
            e.push(
                FieldError::new("due_on", Rule::BeforeBirth)
                    .with("value", date)
                    .with("other", birth_date),
            );
        }
    }
    let reason = parse::required_text(e, "reason", &input.reason, MAX_REASON_LEN);
    errors.into_result(ExtraVisitRecord {
        id,
        mother_id: input.mother_id,
        due_on: due_on.unwrap_or(today),
        reason: reason.unwrap_or_default(),
        ordered_by: ordered_by.to_owned(),
        ordered_at: now,
        review_id: input.review_id,
    })
}

/// A visit recorded twice kept as an extra visit: the extra visit on its date, with `reason`
/// (typed), which the visit then belongs to. Refused unless the visit was made and another
/// visit of the same window (`same_window`, this one among them or not) was made too.
pub fn keep_as_extra(
    visit: &crate::visit::VisitRecord,
    same_window: &[crate::visit::VisitRecord],
    reason: &str,
    id: Uuid,
    ordered_by: &str,
    now: DateTime<Utc>,
) -> Result<ExtraVisitRecord, ValidationErrors> {
    use crate::visit::VisitOutcome;
    let mut errors = ValidationErrors::default();
    let made = |v: &crate::visit::VisitRecord| v.outcome == VisitOutcome::Visited && v.extra_visit_id.is_none();
    let another = same_window
        .iter()
        .any(|v| v.id != visit.id && v.number == visit.number && v.mother_id == visit.mother_id && made(v));
    if !made(visit) || !another {
        errors.push(FieldError::new("visit_id", Rule::NotAChoice).with("value", visit.number.get()));
    }
    let reason = parse::required_text(&mut errors, "reason", reason, MAX_REASON_LEN);
    errors.into_result(ExtraVisitRecord {
        id,
        mother_id: visit.mother_id,
        due_on: visit.visited_on,
        reason: reason.unwrap_or_default(),
        ordered_by: ordered_by.to_owned(),
        ordered_at: now,
        review_id: None,
    })
}

impl ExtraVisitRecord {
    pub fn write(&self) -> EntityWrite {
        let mut fields = FieldValues::new();
        fields.insert("mother_id".into(), json!(self.mother_id));
        fields.insert("due_on".into(), json!(self.due_on));
        fields.insert("reason".into(), json!(self.reason));
        fields.insert("ordered_by".into(), json!(self.ordered_by));
        fields.insert("ordered_at".into(), json!(self.ordered_at.to_rfc3339()));
        fields.insert("review_id".into(), json!(self.review_id));
        EntityWrite {
            entity: EntityKind::ExtraVisit,
            entity_id: self.id,
            fields,
            also_replaces: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn status_by_date() {
        let due = date("2026-11-25");
        assert_eq!(
            extra_visit_status(due, date("2026-11-24"), false),
            ExtraVisitStatus::Upcoming
        );
        assert_eq!(
            extra_visit_status(due, date("2026-11-25"), false),
            ExtraVisitStatus::Due
        );
        assert_eq!(
            extra_visit_status(due, date("2026-11-27"), false),
            ExtraVisitStatus::Due
        );
        assert_eq!(
            extra_visit_status(due, date("2026-11-28"), false),
            ExtraVisitStatus::Late
        );
        assert_eq!(
            extra_visit_status(due, date("2026-11-28"), true),
            ExtraVisitStatus::Done
        );
    }

    #[test]
    fn the_checklist_is_that_of_the_last_window_opened() {
        let birth = date("2026-11-01");
        assert_eq!(content_number(birth, date("2026-11-02")).get(), 1);
        assert_eq!(content_number(birth, date("2026-11-10")).get(), 1);
        assert_eq!(content_number(birth, date("2026-11-14")).get(), 2);
        assert_eq!(content_number(birth, date("2026-12-20")).get(), 3);
    }

    #[test]
    fn the_form_needs_a_date_not_past_and_a_reason() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        let today = date("2026-11-25");
        let input = ExtraVisitInput {
            mother_id: MotherId(Uuid::from_u128(1)),
            due_on: "24.11.2026".into(),
            reason: " ".into(),
            review_id: None,
        };
        let errors =
            validate_extra_visit(&input, Uuid::from_u128(2), date("2026-11-10"), "Dr. Ece", now, today).unwrap_err();
        let rules: Vec<(&str, Rule)> = errors.0.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(rules, [("due_on", Rule::InThePast), ("reason", Rule::Required)]);
        let ok = ExtraVisitInput {
            due_on: "28.11.2026".into(),
            reason: "Sezaryen yarası yeniden bakılacak".into(),
            ..input
        };
        let record = validate_extra_visit(&ok, Uuid::from_u128(2), date("2026-11-10"), "Dr. Ece", now, today).unwrap();
        assert_eq!(record.due_on, date("2026-11-28"));
        assert_eq!(record.write().fields["reason"], "Sezaryen yarası yeniden bakılacak");
    }
}
