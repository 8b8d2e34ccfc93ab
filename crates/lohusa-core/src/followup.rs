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

/// A flag raised by a recorded visit, with what the list sorts and filters by. The flag itself
/// may come without its reasons (a store reads those only for the rows it shows).
#[derive(Clone, Debug, PartialEq)]
pub struct VisitFlag {
    pub mother_id: MotherId,
    pub visit_id: VisitId,
    /// Its place among the visit's flags.
    pub position: u32,
    pub number: VisitNumber,
    pub visited_on: NaiveDate,
    pub visited_by: String,
    pub level: FlagLevel,
    /// It cites a lab result (see `is_lab`).
    pub lab: bool,
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
    /// The flag, for flag and lab rows (filled in by the caller for the rows it shows).
    pub flag: Option<Flag>,
    /// The visit and the flag's place among its flags, for flag and lab rows.
    pub visit_id: Option<VisitId>,
    pub position: Option<u32>,
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

/// Whether a flag cites a lab result (hemoglobin, urinalysis).
pub fn is_lab(flag: &Flag) -> bool {
    flag.reasons
        .iter()
        .any(|r| LAB_FIELDS.iter().any(|f| r.field().starts_with(f)))
}

/// One row of the list before it is written out: what it is and where its facts are.
#[derive(Clone, Copy, Debug)]
struct Entry {
    kind: FollowUpKind,
    date: NaiveDate,
    number: VisitNumber,
    mother: usize,
    /// The flag's index in `flags`, for flag and lab rows.
    flag: Option<usize>,
}

/// The list, every row in order.
pub fn follow_up_list(
    mothers: &[FollowUpMother],
    flags: &[VisitFlag],
    today: NaiveDate,
    filter: &FollowUpFilter,
) -> Vec<FollowUpRow> {
    let (rows, _) = follow_up_page(mothers, flags, today, filter, usize::MAX);
    rows
}

/// The first `limit` rows of the list in order, and how many rows of each kind the whole list
/// has. Rows are written out only for the page: the list of a large team has tens of thousands.
pub fn follow_up_page(
    mothers: &[FollowUpMother],
    flags: &[VisitFlag],
    today: NaiveDate,
    filter: &FollowUpFilter,
    limit: usize,
) -> (Vec<FollowUpRow>, Vec<(FollowUpKind, u32)>) {
    let by_id: std::collections::HashMap<MotherId, usize> = mothers
        .iter()
        .enumerate()
        .map(|(i, m)| (m.schedule.mother_id, i))
        .collect();
    let mut entries = Vec::new();
    for (i, f) in flags.iter().enumerate() {
        // A closed case leaves the list, flags and all.
        let Some(&mother) = by_id
            .get(&f.mother_id)
            .filter(|&&m| !mothers[m].schedule.case.is_closed())
        else {
            continue;
        };
        let kind = match f.level {
            FlagLevel::Urgent => FollowUpKind::UrgentFlag,
            FlagLevel::Attention => FollowUpKind::AttentionFlag,
            FlagLevel::Note if f.lab => FollowUpKind::AbnormalLab,
            FlagLevel::Note => continue,
        };
        entries.push(Entry {
            kind,
            date: f.visited_on,
            number: f.number,
            mother,
            flag: Some(i),
        });
    }
    let horizon = today + Days::new(DUE_SOON_DAYS);
    for (i, mother) in mothers.iter().enumerate().filter(|(_, m)| !m.schedule.case.is_closed()) {
        let s = &mother.schedule;
        for (window, status) in visit_statuses(s.birth_date, today, &s.recorded) {
            let (kind, date) = match status {
                VisitStatus::Late => (FollowUpKind::LateVisit, window.closes_on),
                VisitStatus::Missed | VisitStatus::Passed => (FollowUpKind::MissedVisit, window.closes_on),
                VisitStatus::Due => (FollowUpKind::DueSoon, window.closes_on),
                VisitStatus::Upcoming if window.opens_on <= horizon => (FollowUpKind::DueSoon, window.opens_on),
                _ => continue,
            };
            entries.push(Entry {
                kind,
                date,
                number: window.number,
                mother: i,
                flag: None,
            });
        }
    }
    let nurse = |e: &Entry| -> Option<&String> {
        match e.flag {
            Some(f) => Some(&flags[f].visited_by),
            None => mothers[e.mother].nurse.as_ref(),
        }
    };
    if *filter != FollowUpFilter::default() {
        let folded = |text: &Option<String>| text.as_deref().map(crate::search::fold_for_search);
        let (want_nurse, want_place, want_nation) = (
            folded(&filter.nurse),
            folded(&filter.neighbourhood),
            folded(&filter.nationality),
        );
        let same = |want: &Option<String>, have: Option<&String>| {
            want.as_ref()
                .is_none_or(|w| have.is_some_and(|h| crate::search::fold_for_search(h) == *w))
        };
        entries.retain(|e| {
            let m = &mothers[e.mother];
            same(&want_nurse, nurse(e))
                && same(&want_place, m.schedule.neighbourhood.as_ref())
                && same(&want_nation, m.nationality.as_ref())
                && filter.number.is_none_or(|n| n == e.number)
                && filter.from.is_none_or(|d| e.date >= d)
                && filter.to.is_none_or(|d| e.date <= d)
        });
    }
    let order = |a: &Entry, b: &Entry| {
        a.kind
            .cmp(&b.kind)
            .then(a.date.cmp(&b.date))
            .then_with(|| {
                mothers[a.mother]
                    .schedule
                    .full_name
                    .cmp(&mothers[b.mother].schedule.full_name)
            })
            .then(a.number.cmp(&b.number))
            .then(a.flag.cmp(&b.flag))
    };
    // Counted by kind in the list's order; only the page's rows are put in order (a large
    // team's list has tens of thousands).
    let mut counts: Vec<(FollowUpKind, u32)> = Vec::new();
    for e in &entries {
        match counts.iter_mut().find(|(kind, _)| *kind == e.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((e.kind, 1)),
        }
    }
    counts.sort_unstable_by_key(|(kind, _)| *kind);
    if limit < entries.len() {
        entries.select_nth_unstable_by(limit, order);
        entries.truncate(limit);
    }
    entries.sort_unstable_by(order);
    let rows = entries
        .iter()
        .take(limit)
        .map(|e| {
            let m = &mothers[e.mother];
            FollowUpRow {
                kind: e.kind,
                mother_id: m.schedule.mother_id,
                full_name: m.schedule.full_name.clone(),
                neighbourhood: m.schedule.neighbourhood.clone(),
                nationality: m.nationality.clone(),
                number: e.number,
                date: e.date,
                nurse: nurse(e).cloned(),
                flag: None,
                visit_id: e.flag.map(|f| flags[f].visit_id),
                position: e.flag.map(|f| flags[f].position),
            }
        })
        .collect();
    (rows, counts)
}
