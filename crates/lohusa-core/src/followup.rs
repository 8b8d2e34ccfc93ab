//! The doctor's follow-up list: what needs a doctor's eyes, most pressing first, each row saying
//! why it is there.
//!
//! Order: urgent flags, attention flags, late visits (window closed, nothing recorded), missed
//! visits (window closed with a failed attempt), abnormal lab results that raised only a note,
//! then visits due in the next few days. Within a group, the oldest first (the longest waiting),
//! and for due visits the one closing soonest.
//!
//! The list is built from what this device holds; the caller says how fresh that is.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::flags::{Flag, FlagLevel};
use crate::ids::{MotherId, VisitId};
use crate::schedule::{VisitNumber, VisitStatus, visit_statuses};
use crate::today::ScheduleRow;

/// How far ahead "due in the next days" looks.
pub const DUE_SOON_DAYS: u64 = 3;

/// Fields whose flags are lab results (for the abnormal-lab group).
const LAB_FIELDS: &[&str] = &["hemoglobin", "ua_"];

/// Why a row is on the list; the order is the list's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    UrgentFlag,
    AttentionFlag,
    LateVisit,
    MissedVisit,
    AbnormalLab,
    DueSoon,
}

/// A flag raised by a recorded visit, with what the list shows and filters by.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitFlag {
    pub mother_id: MotherId,
    pub visit_id: VisitId,
    pub number: VisitNumber,
    pub visited_on: NaiveDate,
    pub visited_by: String,
    pub flag: Flag,
}

/// One mother as the list sees her: her schedule, who last visited her, her nationality.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowUpMother {
    pub schedule: ScheduleRow,
    pub nationality: Option<String>,
    /// The member who recorded her latest visit, if any.
    pub nurse: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct FollowUpRow {
    pub kind: FollowUpKind,
    pub mother_id: MotherId,
    pub full_name: String,
    pub neighbourhood: Option<String>,
    pub nationality: Option<String>,
    pub number: VisitNumber,
    /// The visit date for a flag; the window's last day for a late or missed visit; its first
    /// day for one coming due.
    pub date: NaiveDate,
    pub nurse: Option<String>,
    /// The flag, for flag and lab rows.
    pub flag: Option<Flag>,
    pub visit_id: Option<VisitId>,
}

/// What the doctor narrows the list to; an empty filter keeps everything.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct FollowUpFilter {
    pub nurse: Option<String>,
    pub neighbourhood: Option<String>,
    pub number: Option<VisitNumber>,
    pub nationality: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl FollowUpFilter {
    fn keeps(&self, row: &FollowUpRow) -> bool {
        let same = |wanted: &Option<String>, have: &Option<String>| {
            wanted.as_ref().is_none_or(|w| {
                have.as_ref()
                    .is_some_and(|h| crate::search::fold_for_search(h) == crate::search::fold_for_search(w))
            })
        };
        same(&self.nurse, &row.nurse)
            && same(&self.neighbourhood, &row.neighbourhood)
            && same(&self.nationality, &row.nationality)
            && self.number.is_none_or(|n| n == row.number)
            && self.from.is_none_or(|d| row.date >= d)
            && self.to.is_none_or(|d| row.date <= d)
    }
}

fn is_lab(flag: &Flag) -> bool {
    flag.reasons
        .iter()
        .any(|r| LAB_FIELDS.iter().any(|f| r.field().starts_with(f)))
}

pub fn follow_up_list(
    mothers: &[FollowUpMother],
    flags: &[VisitFlag],
    today: NaiveDate,
    filter: &FollowUpFilter,
) -> Vec<FollowUpRow> {
    let by_id: std::collections::HashMap<MotherId, &FollowUpMother> =
        mothers.iter().map(|m| (m.schedule.mother_id, m)).collect();
    let mut rows = Vec::new();
    for f in flags {
        let Some(mother) = by_id.get(&f.mother_id) else {
            continue;
        };
        let kind = match f.flag.level {
            FlagLevel::Urgent => FollowUpKind::UrgentFlag,
            FlagLevel::Attention => FollowUpKind::AttentionFlag,
            FlagLevel::Note if is_lab(&f.flag) => FollowUpKind::AbnormalLab,
            FlagLevel::Note => continue,
        };
        rows.push(FollowUpRow {
            kind,
            mother_id: f.mother_id,
            full_name: mother.schedule.full_name.clone(),
            neighbourhood: mother.schedule.neighbourhood.clone(),
            nationality: mother.nationality.clone(),
            number: f.number,
            date: f.visited_on,
            nurse: Some(f.visited_by.clone()),
            flag: Some(f.flag.clone()),
            visit_id: Some(f.visit_id),
        });
    }
    let horizon = today + Days::new(DUE_SOON_DAYS);
    for mother in mothers {
        let s = &mother.schedule;
        for (window, status) in visit_statuses(s.birth_date, today, &s.recorded) {
            let (kind, date) = match status {
                VisitStatus::Late => (FollowUpKind::LateVisit, window.closes_on),
                VisitStatus::Missed => (FollowUpKind::MissedVisit, window.closes_on),
                VisitStatus::Due => (FollowUpKind::DueSoon, window.closes_on),
                VisitStatus::Upcoming if window.opens_on <= horizon => (FollowUpKind::DueSoon, window.opens_on),
                _ => continue,
            };
            rows.push(FollowUpRow {
                kind,
                mother_id: s.mother_id,
                full_name: s.full_name.clone(),
                neighbourhood: s.neighbourhood.clone(),
                nationality: mother.nationality.clone(),
                number: window.number,
                date,
                nurse: mother.nurse.clone(),
                flag: None,
                visit_id: None,
            });
        }
    }
    rows.retain(|r| filter.keeps(r));
    rows.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(a.date.cmp(&b.date))
            .then_with(|| a.full_name.cmp(&b.full_name))
            .then(a.number.cmp(&b.number))
    });
    rows
}
