//! Doctors' sign-offs of red flags: recording one against the flags a visit raises now, and
//! reading a mother's back.

use chrono::{DateTime, Utc};
use lohusa_core::MemberId;
use lohusa_core::ids::MotherId;
use lohusa_core::review::{ReviewInput, ReviewRecord, validate_review};
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::{baby_refs, visit_flags};

use crate::mothers::{enum_col, id};
use crate::{Store, StoreError, collect_rows};

impl Store {
    /// Signs off flags of a visit, by `author` whose name the record keeps.
    pub fn record_review(
        &mut self,
        input: &ReviewInput,
        author: MemberId,
        author_name: &str,
        now: DateTime<Utc>,
    ) -> Result<ReviewRecord, StoreError> {
        self.in_write_transaction(|store| {
            let visit = store.visit(input.visit_id)?;
            let birth = store.birth_of(visit.mother_id)?;
            let babies = baby_refs(&store.babies_of(birth.id)?);
            let visits = store.visits_of(visit.mother_id)?;
            let raised = visit_flags(&visit, &birth, istanbul_today(now), &babies, &visits);
            let mut input = input.clone();
            input.mother_id = visit.mother_id;
            let record = validate_review(&input, crate::clock::id_at(now), &raised, author_name, now)?;
            store.write_within(&[record.write()], author, now)?;
            Ok(record)
        })
    }

    /// A mother's sign-offs, oldest first. One received without its visit or order (a server of
    /// an older version let it in, or the value broke a rule and was not applied) is left out:
    /// it never stops her screen or a report.
    pub fn reviews_of(&self, mother: MotherId) -> Result<Vec<ReviewRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, mother_id, visit_id, flags, orders, note, reviewed_by, reviewed_at
             FROM reviews WHERE mother_id = ?1 AND visit_id IS NOT NULL AND orders IS NOT NULL
             ORDER BY reviewed_at",
        )?;
        collect_rows(&mut stmt, [mother.to_string()], |row| {
            let flags: Option<String> = row.get(3)?;
            let at: Option<String> = row.get(7)?;
            Ok(ReviewRecord {
                id: id(row, 0)?,
                mother_id: MotherId(id(row, 1)?),
                visit_id: lohusa_core::VisitId(id(row, 2)?),
                flags: flags.and_then(|f| serde_json::from_str(&f).ok()).unwrap_or_default(),
                order: enum_col(row, 4)?,
                note: row.get(5)?,
                reviewed_by: row.get::<_, Option<String>>(6)?.unwrap_or_default(),
                reviewed_at: at
                    .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_default(),
            })
        })
    }
}
