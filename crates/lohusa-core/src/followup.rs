//! The doctor's follow-up list: what needs a doctor's eyes, most pressing first, each row saying
//! why it is there.
//!
//! Order: urgent flags, attention flags, late visits (window closed, nothing recorded), missed
//! visits (window closed with a failed attempt), abnormal lab results that raised only a note,
//! then visits due in the next few days. Within a group, the oldest first (the longest waiting),
//! and for due visits the one closing soonest; then by name, visit number, mother id and flag
//! (visit id, place among its flags), so that the order is total.
//!
//! The list is built from what this device holds; the caller says how fresh that is.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::flags::{Flag, FlagLevel};
use crate::ids::{MotherId, VisitId};
use crate::schedule::{VisitNumber, VisitOutcome, VisitStatus, visit_statuses};
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

impl FollowUpKind {
    /// Every group, in the list's order.
    pub const ALL: [FollowUpKind; 6] = [
        FollowUpKind::UrgentFlag,
        FollowUpKind::AttentionFlag,
        FollowUpKind::LateVisit,
        FollowUpKind::MissedVisit,
        FollowUpKind::AbnormalLab,
        FollowUpKind::DueSoon,
    ];
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

/// Which group a flag puts its row in, if it goes on the list at all (a note that cites no lab
/// result does not).
pub fn flag_kind(level: FlagLevel, lab: bool) -> Option<FollowUpKind> {
    match level {
        FlagLevel::Urgent => Some(FollowUpKind::UrgentFlag),
        FlagLevel::Attention => Some(FollowUpKind::AttentionFlag),
        FlagLevel::Note if lab => Some(FollowUpKind::AbnormalLab),
        FlagLevel::Note => None,
    }
}

/// The rows a mother's schedule puts on the list today (her case open): each late, missed, due
/// or soon due visit with its group, the date it sorts by and its number.
pub fn schedule_entries(
    schedule: &ScheduleRow,
    today: NaiveDate,
) -> impl Iterator<Item = (FollowUpKind, NaiveDate, VisitNumber)> {
    let horizon = today + Days::new(DUE_SOON_DAYS);
    visit_statuses(schedule.birth_date, today, &schedule.recorded)
        .into_iter()
        .filter_map(move |(window, status)| {
            let (kind, date) = match status {
                VisitStatus::Late => (FollowUpKind::LateVisit, window.closes_on),
                VisitStatus::Missed | VisitStatus::Passed => (FollowUpKind::MissedVisit, window.closes_on),
                VisitStatus::Due => (FollowUpKind::DueSoon, window.closes_on),
                VisitStatus::Upcoming if window.opens_on <= horizon => (FollowUpKind::DueSoon, window.opens_on),
                _ => return None,
            };
            Some((kind, date, window.number))
        })
}

/// The first day after `today` on which `schedule_entries` of this mother may differ from
/// today's; none when they never change again (until something is recorded). Until then a list
/// kept from today's entries stays true without recomputing her. A window whose visit was made,
/// or closed by a refusal or a move, changes nothing by the date.
pub fn schedule_entries_change_on(schedule: &ScheduleRow, today: NaiveDate) -> Option<NaiveDate> {
    crate::schedule::visit_windows(schedule.birth_date)
        .iter()
        .flat_map(|w| {
            let records = (schedule.recorded.iter())
                .filter(|(n, _)| *n == w.number)
                .map(|(_, r)| *r);
            let days = match crate::schedule::deciding_record(records).map(|r| r.outcome) {
                None => [
                    w.opens_on.checked_sub_days(Days::new(DUE_SOON_DAYS)),
                    Some(w.opens_on),
                    w.closes_on.succ_opt(),
                    Some(w.passes_on()),
                ],
                Some(VisitOutcome::NotAtHome | VisitOutcome::Hospitalised) => {
                    [w.closes_on.succ_opt(), None, None, None]
                }
                Some(VisitOutcome::Visited | VisitOutcome::Refused | VisitOutcome::Moved) => [None; 4],
            };
            days.into_iter().flatten()
        })
        .filter(|day| *day > today)
        .min()
}

/// Every outcome a visit may have recorded, and none.
const OUTCOMES: [Option<VisitOutcome>; 6] = [
    None,
    Some(VisitOutcome::Visited),
    Some(VisitOutcome::NotAtHome),
    Some(VisitOutcome::Hospitalised),
    Some(VisitOutcome::Refused),
    Some(VisitOutcome::Moved),
];

/// A text of what a mother's rows are worked out by, beyond her records: the groups and their
/// order, the rows and change days of probe mothers (each outcome of each visit, over ninety
/// days), which flags go on the list, and how the filters fold text. A store keeping rows
/// compares its fingerprint to know they were built by the same rules.
pub fn rules_probe() -> String {
    let birth = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let mut text = format!("{:?}\n", FollowUpKind::ALL);
    for level in [FlagLevel::Urgent, FlagLevel::Attention, FlagLevel::Note] {
        text += &format!("{:?}{:?}\n", flag_kind(level, true), flag_kind(level, false));
    }
    text += &crate::search::fold_for_search("İıIiŞşĞğÜüÖöÇç Ââ Fatma AYŞE نور مريم  al-Hassan");
    for number in VisitNumber::ALL {
        for outcome in OUTCOMES {
            let recorded = outcome.map(|outcome| {
                let date = birth + Days::new(u64::from(number.get()) * 5);
                (number, crate::schedule::RecordedVisit { outcome, date })
            });
            let schedule = ScheduleRow {
                mother_id: MotherId(uuid::Uuid::nil()),
                full_name: String::new(),
                neighbourhood: None,
                birth_date: birth,
                recorded: recorded.into_iter().collect(),
                case: Default::default(),
            };
            for day in 0..90 {
                let today = birth + Days::new(day);
                let entries: Vec<_> = schedule_entries(&schedule, today).collect();
                text += &format!("{entries:?}{:?}\n", schedule_entries_change_on(&schedule, today));
            }
        }
    }
    text
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
        let Some(kind) = flag_kind(f.level, f.lab) else {
            continue;
        };
        entries.push(Entry {
            kind,
            date: f.visited_on,
            number: f.number,
            mother,
            flag: Some(i),
        });
    }
    for (i, mother) in mothers.iter().enumerate().filter(|(_, m)| !m.schedule.case.is_closed()) {
        for (kind, date, number) in schedule_entries(&mother.schedule, today) {
            entries.push(Entry {
                kind,
                date,
                number,
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
            .then_with(|| {
                mothers[a.mother]
                    .schedule
                    .mother_id
                    .cmp(&mothers[b.mother].schedule.mother_id)
            })
            .then_with(|| {
                let at = |e: &Entry| e.flag.map(|f| (flags[f].visit_id, flags[f].position));
                at(a).cmp(&at(b))
            })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::RecordedVisit;

    fn schedule(birth_date: NaiveDate, recorded: Vec<(VisitNumber, RecordedVisit)>) -> ScheduleRow {
        ScheduleRow {
            mother_id: MotherId(uuid::Uuid::nil()),
            full_name: String::new(),
            neighbourhood: None,
            birth_date,
            recorded,
            case: Default::default(),
        }
    }

    /// Between a day and the change day it names, a mother's entries are the same on every day,
    /// whatever was recorded; past the last change day they never change.
    #[test]
    fn a_mothers_entries_hold_until_their_change_day() {
        let birth = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let mut checked = 0;
        for (first, second, third) in OUTCOMES
            .iter()
            .flat_map(|a| OUTCOMES.iter().map(move |b| (*a, *b)))
            .flat_map(|(a, b)| [None, Some(VisitOutcome::NotAtHome), Some(VisitOutcome::Visited)].map(|c| (a, b, c)))
        {
            {
                for on in [3, 20, 45] {
                    let recorded: Vec<_> = [
                        (VisitNumber::ALL[0], first),
                        (VisitNumber::ALL[1], second),
                        (VisitNumber::ALL[2], third),
                    ]
                    .into_iter()
                    .filter_map(|(n, outcome)| {
                        outcome.map(|outcome| {
                            (
                                n,
                                RecordedVisit {
                                    outcome,
                                    date: birth + Days::new(on),
                                },
                            )
                        })
                    })
                    .collect();
                    let s = schedule(birth, recorded);
                    let entries = |day| schedule_entries(&s, day).collect::<Vec<_>>();
                    for start in 0..80 {
                        let today = birth - Days::new(10) + Days::new(start);
                        let held = entries(today);
                        let until = schedule_entries_change_on(&s, today);
                        assert!(until.is_none_or(|d| d > today));
                        let last = until.unwrap_or(today + Days::new(200));
                        let mut day = today;
                        while day < last {
                            assert_eq!(entries(day), held, "born {birth}, from {today} to {day}");
                            day = day.succ_opt().unwrap();
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 10_000);
    }

    /// A store keeps a group as its place in `ALL`, which is the list's order.
    #[test]
    fn every_group_is_in_all_at_its_place_in_the_order() {
        for (i, kind) in FollowUpKind::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, i);
        }
        assert!(FollowUpKind::ALL.is_sorted());
    }

    #[test]
    fn a_mother_long_past_her_windows_or_visited_in_each_never_changes() {
        let birth = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let nothing = schedule(birth, vec![]);
        assert_eq!(schedule_entries_change_on(&nothing, birth + Days::new(400)), None);
        assert!(schedule_entries_change_on(&nothing, birth).is_some());
        let visited = schedule(
            birth,
            VisitNumber::ALL
                .iter()
                .map(|n| {
                    (
                        *n,
                        RecordedVisit {
                            outcome: VisitOutcome::Visited,
                            date: birth + Days::new(1),
                        },
                    )
                })
                .collect(),
        );
        assert_eq!(schedule_entries_change_on(&visited, birth), None);
    }
}
