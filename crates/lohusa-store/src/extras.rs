//! Extra visits: planning one (a record that syncs), recording the visit made for it (a visit
//! that points at it and never decides a window), and reading them for a mother and for the
//! Today list.

use chrono::{DateTime, NaiveDate, Utc};
use lohusa_core::extra::{
    ExtraVisitInput, ExtraVisitRecord, ExtraVisitStatus, content_number, extra_visit_status, validate_extra_visit,
};
use lohusa_core::flags::Flag;
use lohusa_core::ids::{MotherId, VisitId};
use lohusa_core::registration::{BabyRecord, BirthRecord};
use lohusa_core::schedule::VisitNumber;
use lohusa_core::time::istanbul_today;
use lohusa_core::today::ExtraRow;
use lohusa_core::validation::{FieldError, Rule, ValidationErrors};
use lohusa_core::visit::{VisitContext, VisitInput, VisitOutcome, VisitRecord, baby_refs, validate_visit, visit_flags};
use lohusa_core::{MemberId, checklist};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::mothers::{date, id};
use crate::{Store, StoreError, collect_rows};

/// A planned extra visit with where it stands and, once made, the visit and its flags.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ExtraVisitView {
    pub record: ExtraVisitRecord,
    pub status: ExtraVisitStatus,
    /// The checklist it uses (that of the window the mother is in on its date, or today).
    pub number: VisitNumber,
    pub visit: Option<VisitRecord>,
    pub flags: Vec<Flag>,
}

impl Store {
    /// Plans an extra visit for a mother, as `author_name`.
    pub fn schedule_extra_visit(
        &mut self,
        input: &ExtraVisitInput,
        author: MemberId,
        author_name: &str,
        now: DateTime<Utc>,
    ) -> Result<ExtraVisitRecord, StoreError> {
        self.in_write_transaction(|store| {
            let birth = store.birth_of(input.mother_id)?;
            let record = validate_extra_visit(
                input,
                crate::clock::id_at(now),
                birth.birth_date,
                author_name,
                now,
                istanbul_today(now),
            )?;
            store.write_within(&[record.write()], author, now)?;
            Ok(record)
        })
    }

    /// Keeps a visit recorded twice (on two tablets, say) as an extra visit: a planned extra
    /// visit on its date with `reason`, which the visit now belongs to, so the other one alone
    /// decides the window. Refused unless another visit of the same window was made.
    pub fn make_visit_extra(
        &mut self,
        visit_id: VisitId,
        reason: &str,
        author: MemberId,
        author_name: &str,
        now: DateTime<Utc>,
    ) -> Result<ExtraVisitRecord, StoreError> {
        self.in_write_transaction(|store| {
            let visit = store.visit(visit_id)?;
            let same_window = store.visits_of(visit.mother_id)?;
            let record = lohusa_core::extra::keep_as_extra(
                &visit,
                &same_window,
                reason,
                crate::clock::id_at(now),
                author_name,
                now,
            )?;
            let link = lohusa_core::change::EntityWrite {
                entity: lohusa_core::EntityKind::Visit,
                entity_id: visit.id.0,
                fields: [("extra_visit_id".to_owned(), serde_json::json!(record.id))].into(),
                also_replaces: Default::default(),
            };
            store.write_within(&[record.write(), link], author, now)?;
            Ok(record)
        })
    }

    /// A doctor's sign-off that orders an extra visit on `due_on` (typed): the sign-off and the
    /// plan (with the sign-off's note as its reason) are saved together or not at all.
    pub fn record_review_with_extra_visit(
        &mut self,
        input: &lohusa_core::review::ReviewInput,
        due_on: &str,
        author: MemberId,
        author_name: &str,
        now: DateTime<Utc>,
    ) -> Result<(lohusa_core::review::ReviewRecord, ExtraVisitRecord), StoreError> {
        self.in_write_transaction(|store| {
            let review = store.record_review(input, author, author_name, now)?;
            let plan = ExtraVisitInput {
                mother_id: review.mother_id,
                due_on: due_on.to_owned(),
                reason: input.note.clone(),
                review_id: Some(review.id),
            };
            let planned = store.schedule_extra_visit(&plan, author, author_name, now)?;
            Ok((review, planned))
        })
    }

    fn extra_visit_record(&self, id: Uuid) -> Result<ExtraVisitRecord, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, mother_id, due_on, reason, ordered_by, ordered_at, review_id FROM extra_visits WHERE id = ?1",
        )?;
        collect_rows(&mut stmt, [id.to_string()], read_extra)?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound {
                entity: "extra_visit",
                id: id.to_string(),
            })
    }

    /// Records the visit made for a planned extra visit (or an attempt that found nobody): the
    /// form of a window's visit, checked the same way, with the checklist `input.number` names.
    pub fn record_extra_visit(
        &mut self,
        extra: Uuid,
        input: &VisitInput,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<VisitId, StoreError> {
        self.in_write_transaction(|store| {
            let planned = store.extra_visit_record(extra)?;
            if planned.mother_id != input.mother_id {
                return Err(StoreError::NotFound {
                    entity: "extra_visit",
                    id: extra.to_string(),
                });
            }
            let done: bool = store.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM visits WHERE extra_visit_id = ?1 AND outcome = 'visited')",
                [extra.to_string()],
                |r| r.get(0),
            )?;
            if done {
                let mut errors = ValidationErrors::default();
                errors.push(FieldError::new("number", Rule::AlreadyRecorded).with("value", input.number.get()));
                return Err(errors.into());
            }
            let birth = store.birth_of(input.mother_id)?;
            let babies = store.babies_of(birth.id)?;
            let context = VisitContext {
                birth: &birth,
                babies: &babies,
                already_visited: false,
                today: istanbul_today(now),
            };
            let mut record = validate_visit(input, VisitId(crate::clock::id_at(now)), &context, checklist::current())?;
            record.extra_visit_id = Some(extra);
            store.write_within(&[record.write()], author, now)?;
            Ok(record.id)
        })
    }

    /// A mother's extra visits by date, from her birth, babies and visits (all of them, as
    /// `visits_of` reads them).
    pub fn extra_visits_of(
        &self,
        mother: MotherId,
        birth: &BirthRecord,
        babies: &[BabyRecord],
        visits: &[VisitRecord],
        now: DateTime<Utc>,
    ) -> Result<Vec<ExtraVisitView>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, mother_id, due_on, reason, ordered_by, ordered_at, review_id FROM extra_visits
             WHERE mother_id = ?1 ORDER BY due_on, ordered_at",
        )?;
        let planned = collect_rows(&mut stmt, [mother.to_string()], read_extra)?;
        if planned.is_empty() {
            return Ok(vec![]);
        }
        let today = istanbul_today(now);
        let babies = baby_refs(babies);
        let mut out = Vec::new();
        for record in planned {
            let made: Vec<&VisitRecord> = visits.iter().filter(|v| v.extra_visit_id == Some(record.id)).collect();
            let visit = made
                .iter()
                .find(|v| v.outcome == VisitOutcome::Visited)
                .or(made.last())
                .map(|v| (*v).clone());
            let visited = visit.as_ref().is_some_and(|v| v.outcome == VisitOutcome::Visited);
            let flags = match &visit {
                Some(v) if visited => visit_flags(v, birth, today, &babies, visits),
                _ => vec![],
            };
            out.push(ExtraVisitView {
                status: extra_visit_status(record.due_on, today, visited),
                number: visit
                    .as_ref()
                    .map(|v| v.number)
                    .unwrap_or_else(|| content_number(birth.birth_date, record.due_on.max(today))),
                record,
                visit,
                flags,
            });
        }
        Ok(out)
    }

    /// Every extra visit not made yet, with its mother's name and birth date, for the Today list.
    pub(crate) fn open_extra_visits(&self) -> Result<Vec<ExtraRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.id, e.mother_id, e.due_on, e.reason, m.full_name, m.neighbourhood,
                    (SELECT max(b.birth_date) FROM births b WHERE b.mother_id = e.mother_id),
                    m.assigned_to, m.closed_on, m.closed_reason
             FROM extra_visits e JOIN mothers m ON m.id = e.mother_id
             WHERE m.deleted IS NOT 1
               AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.extra_visit_id = e.id AND v.outcome = 'visited')",
        )?;
        let names = self.member_names()?;
        let rows = collect_rows(&mut stmt, [], |row| {
            let Some(birth): Option<String> = row.get(6)? else {
                return Ok(None);
            };
            Ok(Some(ExtraRow {
                id: id(row, 0)?,
                mother_id: MotherId(id(row, 1)?),
                due_on: date(row, 2)?,
                reason: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                full_name: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
                neighbourhood: row.get(5)?,
                birth_date: birth
                    .parse::<NaiveDate>()
                    .map_err(|_| StoreError::Corrupt(format!("bad date {birth:?}")))?,
                case: crate::cases::case_state(row, 7, &names)?,
            }))
        })?;
        Ok(rows.into_iter().flatten().collect())
    }
}

fn read_extra(row: &rusqlite::Row<'_>) -> Result<ExtraVisitRecord, StoreError> {
    let at: Option<String> = row.get(5)?;
    Ok(ExtraVisitRecord {
        id: id(row, 0)?,
        mother_id: MotherId(id(row, 1)?),
        due_on: date(row, 2)?,
        reason: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
        ordered_by: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
        ordered_at: at
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
        review_id: row
            .get::<_, Option<String>>(6)?
            .map(|t| t.parse().map_err(|_| StoreError::Corrupt(format!("bad id {t:?}"))))
            .transpose()?,
    })
}
