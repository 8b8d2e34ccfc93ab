//! The team lead's coverage table: for one month, per nurse, how the visits whose window opened
//! that month stand (done in window, done late, missed, late with nothing recorded, still open),
//! and the mothers of that month who have had no visit at all yet.
//!
//! A window belongs to the month it opens in. Its status is its status today, so a past month's
//! numbers settle as late visits are made up. A window is counted for the nurse who recorded the
//! deciding visit or attempt; one with nothing recorded, for the nurse who last visited the
//! mother (else who last tried), else the member who registered her.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::schedule::{
    RecordedVisit, VisitNumber, VisitStatus, VisitWindow, deciding_record, visit_status, visit_windows,
};
use crate::visit::VisitOutcome;

/// One mother as the table sees her.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageMother {
    pub birth_date: NaiveDate,
    /// Every record of every visit, with who recorded it.
    pub recorded: Vec<(VisitNumber, RecordedVisit, String)>,
    /// Who answers for her windows with nothing recorded: the nurse she is assigned to, else the
    /// nurse of her latest visit, else of her latest attempt, else the member who registered her.
    pub nurse: Option<String>,
    /// The day her case was closed: windows with nothing recorded that had not closed by then are
    /// not counted (nobody could have missed them).
    pub closed_on: Option<NaiveDate>,
}

/// How the windows of one visit number (or all three) stand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CoverageCounts {
    pub done: u32,
    pub done_late: u32,
    /// Closed by an outcome without a visit, or passed with nothing recorded (the next window
    /// opened).
    pub missed: u32,
    /// Window closed, nothing recorded, the next window not open yet.
    pub late: u32,
    /// Window not closed yet, nothing recorded (due now or opening later in the month).
    pub open: u32,
}

impl CoverageCounts {
    fn add(&mut self, status: VisitStatus) {
        match status {
            VisitStatus::Done => self.done += 1,
            VisitStatus::DoneLate => self.done_late += 1,
            // A window that passed with nothing recorded is missed as much as one closed by an
            // outcome.
            VisitStatus::Missed | VisitStatus::Passed => self.missed += 1,
            VisitStatus::Late => self.late += 1,
            VisitStatus::Due | VisitStatus::Upcoming => self.open += 1,
        }
    }

    fn merge(&mut self, other: &CoverageCounts) {
        self.done += other.done;
        self.done_late += other.done_late;
        self.missed += other.missed;
        self.late += other.late;
        self.open += other.open;
    }

    pub fn total(&self) -> u32 {
        self.done + self.done_late + self.missed + self.late + self.open
    }
}

/// One line of the table: a nurse (or nobody, for mothers no one has visited or registered on
/// this device's knowledge), her counts per visit number and in total.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct CoverageRow {
    pub nurse: Option<String>,
    /// Visits 1, 2 and 3, in that order.
    pub visits: Vec<CoverageCounts>,
    pub total: CoverageCounts,
    /// Mothers with a window this month and no visit made at all yet.
    pub mothers_without_visit: u32,
}

impl CoverageRow {
    fn new(nurse: Option<String>) -> CoverageRow {
        CoverageRow {
            nurse,
            visits: vec![CoverageCounts::default(); VisitNumber::ALL.len()],
            total: CoverageCounts::default(),
            mothers_without_visit: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct CoverageTable {
    /// The month's first and last day.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// As of this day.
    pub today: NaiveDate,
    /// Per nurse, by name; the row without a nurse last.
    pub rows: Vec<CoverageRow>,
    /// The whole team.
    pub team: CoverageRow,
}

/// The first and last day of the month `day` falls in.
pub fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).expect("day 1 exists");
    let last = first + Months::new(1) - chrono::Days::new(1);
    (first, last)
}

/// One window of a mother that the programme counts, its status today and which record decided
/// it (an index into the records given).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CountedWindow {
    pub window: VisitWindow,
    pub status: VisitStatus,
    pub deciding: Option<usize>,
}

/// The windows of a birth that count, as of `today`: of a closed case, a window that opened
/// after the closing day, or had nothing decided and was still open on it, is not counted
/// (nobody could have missed it). Coverage and the programme's indicators both read this.
pub fn counted_windows(
    birth_date: NaiveDate,
    recorded: &[(VisitNumber, RecordedVisit)],
    closed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<CountedWindow> {
    let mut out = Vec::with_capacity(3);
    for window in visit_windows(birth_date) {
        let mine = recorded.iter().enumerate().filter(|(_, (n, _))| *n == window.number);
        let deciding = deciding_record(mine.clone().map(|(_, (_, r))| *r));
        let deciding_index = deciding.and_then(|d| mine.clone().find(|(_, (_, r))| *r == d).map(|(i, _)| i));
        if closed_on
            .is_some_and(|closed| window.opens_on > closed || (deciding.is_none() && window.closes_on >= closed))
        {
            continue;
        }
        out.push(CountedWindow {
            window,
            status: visit_status(&window, today, deciding),
            deciding: deciding_index,
        });
    }
    out
}

/// The coverage of the month containing `month`, as of `today`.
pub fn coverage(mothers: &[CoverageMother], month: NaiveDate, today: NaiveDate) -> CoverageTable {
    let (from, to) = month_of(month);
    let mut rows: std::collections::BTreeMap<Option<String>, CoverageRow> = Default::default();
    for mother in mothers {
        let mut in_month = false;
        let recorded: Vec<(VisitNumber, RecordedVisit)> = mother.recorded.iter().map(|(n, r, _)| (*n, *r)).collect();
        for counted in counted_windows(mother.birth_date, &recorded, mother.closed_on, today) {
            if counted.window.opens_on < from || counted.window.opens_on > to {
                continue;
            }
            in_month = true;
            let by = counted
                .deciding
                .map(|i| mother.recorded[i].2.clone())
                .filter(|by| !by.is_empty())
                .or_else(|| mother.nurse.clone());
            let row = rows.entry(by.clone()).or_insert_with(|| CoverageRow::new(by));
            row.visits[usize::from(counted.window.number.get() - 1)].add(counted.status);
            row.total.add(counted.status);
        }
        let visited = mother
            .recorded
            .iter()
            .any(|(_, r, _)| r.outcome == VisitOutcome::Visited);
        if in_month && !visited {
            let by = mother.nurse.clone();
            rows.entry(by.clone())
                .or_insert_with(|| CoverageRow::new(by))
                .mothers_without_visit += 1;
        }
    }
    let mut team = CoverageRow::new(None);
    for row in rows.values() {
        for (all, one) in team.visits.iter_mut().zip(&row.visits) {
            all.merge(one);
        }
        team.total.merge(&row.total);
        team.mothers_without_visit += row.mothers_without_visit;
    }
    // `None` sorts first in the map; the table shows it last.
    let mut rows: Vec<CoverageRow> = rows.into_values().collect();
    rows.sort_by_key(|r| {
        (
            r.nurse.is_none(),
            r.nurse.as_deref().map(crate::search::fold_for_search),
        )
    });
    CoverageTable {
        from,
        to,
        today,
        rows,
        team,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn visit(n: u8, outcome: VisitOutcome, on: &str, by: &str) -> (VisitNumber, RecordedVisit, String) {
        (
            VisitNumber::new(n).unwrap(),
            RecordedVisit {
                outcome,
                date: date(on),
            },
            by.to_owned(),
        )
    }

    #[test]
    fn month_bounds() {
        assert_eq!(month_of(date("2026-11-25")), (date("2026-11-01"), date("2026-11-30")));
        assert_eq!(month_of(date("2028-02-10")), (date("2028-02-01"), date("2028-02-29")));
        assert_eq!(month_of(date("2026-12-31")), (date("2026-12-01"), date("2026-12-31")));
    }

    #[test]
    fn each_window_counts_once_for_the_nurse_who_decided_it() {
        use VisitOutcome::*;
        let today = date("2026-11-25");
        let mothers = vec![
            // Born 30 Oct: visit 1 opened 1 Nov (done in window by Ayşe after Elif found
            // nobody home), visit 2 opened 12 Nov (done late by Elif), visit 3 opens 29 Nov
            // (still open, Elif's as the last to visit her).
            CoverageMother {
                birth_date: date("2026-10-30"),
                recorded: vec![
                    visit(1, NotAtHome, "2026-11-01", "Elif"),
                    visit(1, Visited, "2026-11-02", "Ayşe"),
                    visit(2, Visited, "2026-11-20", "Elif"),
                ],
                nurse: Some("Elif".into()),
                closed_on: None,
            },
            // Born 1 Nov: visit 1 (3 Nov) missed, recorded by Ayşe; visit 2 (14 Nov) late,
            // nothing recorded: it counts for the nurse who answers for her.
            CoverageMother {
                birth_date: date("2026-11-01"),
                recorded: vec![visit(1, Refused, "2026-11-04", "Ayşe")],
                nurse: Some("Ayşe".into()),
                closed_on: None,
            },
            // Born 18 Nov, registered by Zehra, no visit yet: visit 1 (20–23 Nov) late; she
            // is a mother without a visit.
            CoverageMother {
                birth_date: date("2026-11-18"),
                recorded: vec![],
                nurse: Some("Zehra".into()),
                closed_on: None,
            },
            // Born 20 Sep: visit 3 opened 20 Oct, not this month: not counted.
            CoverageMother {
                birth_date: date("2026-09-20"),
                recorded: vec![],
                nurse: None,
                closed_on: None,
            },
            // Known to nobody on this device: her row has no nurse, and comes last.
            CoverageMother {
                birth_date: date("2026-11-24"),
                recorded: vec![],
                nurse: None,
                closed_on: None,
            },
        ];
        let table = coverage(&mothers, date("2026-11-10"), today);
        assert_eq!((table.from, table.to), (date("2026-11-01"), date("2026-11-30")));
        let names: Vec<Option<&str>> = table.rows.iter().map(|r| r.nurse.as_deref()).collect();
        assert_eq!(names, [Some("Ayşe"), Some("Elif"), Some("Zehra"), None]);
        let ayse = &table.rows[0];
        assert_eq!(
            ayse.visits[0],
            CoverageCounts {
                done: 1,
                missed: 1,
                ..Default::default()
            }
        );
        assert_eq!(
            ayse.visits[1],
            CoverageCounts {
                late: 1,
                ..Default::default()
            }
        );
        // She refused: an attempt is not a visit.
        assert_eq!(ayse.mothers_without_visit, 1);
        let elif = &table.rows[1];
        assert_eq!(
            elif.visits[1],
            CoverageCounts {
                done_late: 1,
                ..Default::default()
            }
        );
        assert_eq!(
            elif.visits[2],
            CoverageCounts {
                open: 1,
                ..Default::default()
            }
        );
        assert_eq!(elif.total.total(), 2);
        let zehra = &table.rows[2];
        assert_eq!(
            zehra.visits[0],
            CoverageCounts {
                late: 1,
                ..Default::default()
            }
        );
        assert_eq!(zehra.mothers_without_visit, 1);
        let nobody = &table.rows[3];
        assert_eq!(
            nobody.visits[0],
            CoverageCounts {
                open: 1,
                ..Default::default()
            }
        );
        assert_eq!(nobody.mothers_without_visit, 1);
        assert_eq!(
            table.team.total,
            CoverageCounts {
                done: 1,
                done_late: 1,
                missed: 1,
                late: 2,
                open: 2
            }
        );
        assert_eq!(table.team.mothers_without_visit, 3);
    }

    #[test]
    fn windows_after_a_case_closed_are_not_counted() {
        // Born 1 Nov; visit 1 done on 4 Nov; the case closed on 10 Nov (moved away): visit 2
        // (14 Nov) and 3 (1 Dec) could not be missed and are not counted; closed on 20 Nov,
        // visit 2 had passed its window unrecorded and is late.
        let mother = |closed_on: Option<&str>| CoverageMother {
            birth_date: date("2026-11-01"),
            recorded: vec![visit(1, VisitOutcome::Visited, "2026-11-04", "Ayşe")],
            nurse: Some("Ayşe".into()),
            closed_on: closed_on.map(date),
        };
        let table = coverage(&[mother(Some("2026-11-10"))], date("2026-11-01"), date("2026-11-25"));
        assert_eq!(table.team.total.total(), 1);
        assert_eq!(table.team.total.done, 1);
        let table = coverage(&[mother(Some("2026-11-20"))], date("2026-11-01"), date("2026-11-25"));
        assert_eq!(table.team.total.total(), 2);
        assert_eq!(table.team.visits[1].late, 1);
    }

    #[test]
    fn a_past_month_settles_as_visits_are_made_up() {
        let mothers = vec![CoverageMother {
            birth_date: date("2026-10-01"),
            recorded: vec![],
            nurse: Some("Ayşe".into()),
            closed_on: None,
        }];
        // On day 12 visit 1 is late; from day 13, when visit 2's window opens, it is missed.
        let day_12 = coverage(&mothers, date("2026-10-01"), date("2026-10-13"));
        assert_eq!(day_12.team.visits[0].late, 1);
        let before = coverage(&mothers, date("2026-10-01"), date("2026-10-20"));
        assert_eq!(before.team.visits[0].missed, 1);
        assert_eq!(before.team.visits[1].late, 1);
        let mut made_up = mothers.clone();
        made_up[0]
            .recorded
            .push(visit(1, VisitOutcome::Visited, "2026-10-21", "Ayşe"));
        let after = coverage(&made_up, date("2026-10-01"), date("2026-10-21"));
        assert_eq!(after.team.visits[0].done_late, 1);
        assert_eq!(after.team.mothers_without_visit, 0);
    }
}
