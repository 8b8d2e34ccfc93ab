//! The three home visits after birth, their windows and the status derived from them.
//!
//! Windows come from the Turkish postpartum care guideline: visit 1 on days 2–5, visit 2 on days
//! 13–17, visit 3 on days 30–42, with the birth day as day 0. A status is never stored: it is
//! derived from the window, today and what was recorded, so every device computes the same one.
//!
//! At most one visit is to be done at a time: a window that closed with nothing recorded is late
//! until the next window opens, and from then on it has *passed* (a missed window) and the next
//! visit is the one to do. A mother first seen on day 33 gets visit 3, not a late visit 1. Visit
//! 3 has no next window: once it closes (after day 42) with nothing recorded it has passed too,
//! so nobody's Today list keeps mothers whose programme ended long ago; the follow-up list keeps
//! her as missed until an outcome is recorded or the case is closed.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How a visit ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    /// The nurse saw the mother and baby.
    Visited,
    NotAtHome,
    Moved,
    Refused,
    Hospitalised,
}

/// Which of the three home visits (1, 2 or 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(try_from = "u8", into = "u8")]
#[ts(type = "1 | 2 | 3")]
pub struct VisitNumber(u8);

impl VisitNumber {
    pub const ALL: [VisitNumber; 3] = [VisitNumber(1), VisitNumber(2), VisitNumber(3)];

    pub fn new(number: u8) -> Option<VisitNumber> {
        (1..=3).contains(&number).then_some(VisitNumber(number))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// First and last day of life of this visit's window, inclusive.
    pub fn window_days(self) -> (u32, u32) {
        match self.0 {
            1 => (2, 5),
            2 => (13, 17),
            _ => (30, 42),
        }
    }
}

impl TryFrom<u8> for VisitNumber {
    type Error = String;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        VisitNumber::new(value).ok_or_else(|| format!("visit number must be 1, 2 or 3, not {value}"))
    }
}

impl From<VisitNumber> for u8 {
    fn from(value: VisitNumber) -> u8 {
        value.0
    }
}

/// The calendar dates of one visit's window, both ends inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VisitWindow {
    pub number: VisitNumber,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

impl VisitWindow {
    pub fn for_birth(birth_date: NaiveDate, number: VisitNumber) -> VisitWindow {
        let (first_day, last_day) = number.window_days();
        VisitWindow {
            number,
            opens_on: birth_date + Days::new(first_day.into()),
            closes_on: birth_date + Days::new(last_day.into()),
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.opens_on <= date && date <= self.closes_on
    }

    /// The day from which this visit, with nothing recorded, has passed (missed): the day the
    /// next window opens, or for the last visit the day after its window closes.
    pub fn passes_on(&self) -> NaiveDate {
        match VisitNumber::new(self.number.get() + 1) {
            Some(next) => {
                let birth = self.opens_on - Days::new(self.number.window_days().0.into());
                birth + Days::new(next.window_days().0.into())
            }
            None => self.closes_on + Days::new(1),
        }
    }
}

/// The three windows of a birth, in order.
pub fn visit_windows(birth_date: NaiveDate) -> [VisitWindow; 3] {
    VisitNumber::ALL.map(|number| VisitWindow::for_birth(birth_date, number))
}

/// Where a visit stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// The window has not opened yet.
    Upcoming,
    /// The window is open and nothing is recorded.
    Due,
    /// The window has closed and nothing is recorded, and the next window has not opened: the
    /// visit is still to be done, late.
    Late,
    /// The window closed with nothing recorded and the next window has opened: this visit is
    /// missed (no outcome was recorded for it) and the next one is to be done instead.
    Passed,
    /// Visited inside the window.
    Done,
    /// Visited, but outside the window (it counts as done, reported as late).
    DoneLate,
    /// Closed without a visit: she moved or refused, or nobody was at home (or she was in
    /// hospital) and the window has closed since. While it is open, the nurse comes back: due.
    Missed,
}

impl VisitStatus {
    /// Still needs someone to act on it.
    pub fn is_open(self) -> bool {
        matches!(self, VisitStatus::Upcoming | VisitStatus::Due | VisitStatus::Late)
    }
}

/// What was recorded for a visit, as far as its status is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordedVisit {
    pub outcome: VisitOutcome,
    /// The date of the visit, or of the attempt that closed it.
    pub date: NaiveDate,
}

/// Of everything recorded for one visit, the record that decides its status: the visit itself
/// when it happened, otherwise the latest outcome that closed it. A nurse who found nobody at
/// home on day 2 and came back on day 4 has done the visit.
pub fn deciding_record(records: impl IntoIterator<Item = RecordedVisit>) -> Option<RecordedVisit> {
    records
        .into_iter()
        .max_by_key(|r| (r.outcome == VisitOutcome::Visited, r.date))
}

/// The three windows of a birth with their statuses, from every record of every visit.
pub fn visit_statuses(
    birth_date: NaiveDate,
    today: NaiveDate,
    recorded: &[(VisitNumber, RecordedVisit)],
) -> [(VisitWindow, VisitStatus); 3] {
    visit_windows(birth_date).map(|window| {
        let records = recorded.iter().filter(|(n, _)| *n == window.number).map(|(_, r)| *r);
        (window, visit_status(&window, today, deciding_record(records)))
    })
}

/// The earliest birth date whose schedule can still ask anything of a nurse today: a mother
/// born earlier has every window closed and passed, whatever was recorded (visit 3 closes on
/// day 42), so only the follow-up list and the reports still read her.
pub fn earliest_birth_on_schedule(today: NaiveDate) -> NaiveDate {
    let last = VisitNumber::ALL[VisitNumber::ALL.len() - 1];
    today - Days::new(last.window_days().1.into())
}

/// Derives a visit's status from its window, today's date and what was recorded.
pub fn visit_status(window: &VisitWindow, today: NaiveDate, recorded: Option<RecordedVisit>) -> VisitStatus {
    match recorded {
        Some(RecordedVisit {
            outcome: VisitOutcome::Visited,
            date,
        }) => {
            if window.contains(date) {
                VisitStatus::Done
            } else {
                VisitStatus::DoneLate
            }
        }
        // Nobody at home, or in hospital for a few days: the nurse comes back while the window
        // is open; only when it closes is the visit missed.
        Some(RecordedVisit {
            outcome: VisitOutcome::NotAtHome | VisitOutcome::Hospitalised,
            ..
        }) if today <= window.closes_on => VisitStatus::Due,
        // She moved away or refused: the window is closed by it.
        Some(_) => VisitStatus::Missed,
        None if today < window.opens_on => VisitStatus::Upcoming,
        None if today <= window.closes_on => VisitStatus::Due,
        None if today >= window.passes_on() => VisitStatus::Passed,
        None => VisitStatus::Late,
    }
}

/// The one visit to do now, due or late, when there is one: at most one window is open or late
/// at a time.
pub fn visit_to_do(statuses: &[(VisitWindow, VisitStatus)]) -> Option<(VisitWindow, VisitStatus)> {
    statuses
        .iter()
        .find(|(_, status)| matches!(status, VisitStatus::Due | VisitStatus::Late))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[track_caller]
    fn check_windows(birth: &str, expected: [(&str, &str); 3]) {
        let windows = visit_windows(date(birth));
        for (window, (opens, closes)) in windows.iter().zip(expected) {
            assert_eq!(
                (window.opens_on, window.closes_on),
                (date(opens), date(closes)),
                "birth {birth}, visit {}",
                window.number.get()
            );
        }
    }

    #[test]
    fn windows_cross_month_year_and_leap_day_boundaries() {
        // An ordinary month.
        check_windows(
            "2026-03-01",
            [
                ("2026-03-03", "2026-03-06"),
                ("2026-03-14", "2026-03-18"),
                ("2026-03-31", "2026-04-12"),
            ],
        );
        // Born at the end of a 31-day month.
        check_windows(
            "2026-01-31",
            [
                ("2026-02-02", "2026-02-05"),
                ("2026-02-13", "2026-02-17"),
                ("2026-03-02", "2026-03-14"),
            ],
        );
        // Born at the year's end: every window is in the new year.
        check_windows(
            "2026-12-31",
            [
                ("2027-01-02", "2027-01-05"),
                ("2027-01-13", "2027-01-17"),
                ("2027-01-30", "2027-02-11"),
            ],
        );
        // Born late December: visit 1 spans the new year.
        check_windows(
            "2026-12-29",
            [
                ("2026-12-31", "2027-01-03"),
                ("2027-01-11", "2027-01-15"),
                ("2027-01-28", "2027-02-09"),
            ],
        );
        // A leap year: windows run through 29 February.
        check_windows(
            "2028-02-27",
            [
                ("2028-02-29", "2028-03-03"),
                ("2028-03-11", "2028-03-15"),
                ("2028-03-28", "2028-04-09"),
            ],
        );
        // Born on the leap day itself.
        check_windows(
            "2028-02-29",
            [
                ("2028-03-02", "2028-03-05"),
                ("2028-03-13", "2028-03-17"),
                ("2028-03-30", "2028-04-11"),
            ],
        );
        // The same dates in a common year have no 29 February.
        check_windows(
            "2027-02-27",
            [
                ("2027-03-01", "2027-03-04"),
                ("2027-03-12", "2027-03-16"),
                ("2027-03-29", "2027-04-10"),
            ],
        );
    }

    #[test]
    fn status_follows_window_today_and_record() {
        use VisitOutcome::*;
        use VisitStatus::*;
        let birth = date("2026-11-20");
        // (visit, today, recorded, expected)
        let cases: &[(u8, &str, Option<(VisitOutcome, &str)>, VisitStatus)] = &[
            // Visit 1 window: 2026-11-22 ..= 2026-11-25.
            (1, "2026-11-20", None, Upcoming),
            (1, "2026-11-21", None, Upcoming),
            (1, "2026-11-22", None, Due),
            (1, "2026-11-25", None, Due),
            (1, "2026-11-26", None, Late),
            (1, "2026-12-02", None, Late),
            // Visit 2's window opened: visit 1 has passed.
            (1, "2026-12-03", None, Passed),
            (1, "2027-01-10", None, Passed),
            (1, "2026-11-23", Some((Visited, "2026-11-23")), Done),
            (1, "2026-11-30", Some((Visited, "2026-11-25")), Done),
            (1, "2026-11-30", Some((Visited, "2026-11-26")), DoneLate),
            (1, "2026-11-21", Some((Visited, "2026-11-21")), DoneLate),
            // Nobody at home on day 4: she comes back on day 5; after the window, it is missed.
            (1, "2026-11-24", Some((NotAtHome, "2026-11-24")), Due),
            (1, "2026-11-25", Some((NotAtHome, "2026-11-24")), Due),
            (1, "2026-11-26", Some((NotAtHome, "2026-11-24")), Missed),
            (1, "2026-11-30", Some((Moved, "2026-11-28")), Missed),
            (1, "2026-11-23", Some((Refused, "2026-11-23")), Missed),
            (1, "2026-11-23", Some((Hospitalised, "2026-11-23")), Due),
            (1, "2026-11-27", Some((Hospitalised, "2026-11-23")), Missed),
            // Visit 2 window: 2026-12-03 ..= 2026-12-07 (crosses into December).
            (2, "2026-11-30", None, Upcoming),
            (2, "2026-12-03", None, Due),
            (2, "2026-12-07", None, Due),
            (2, "2026-12-08", None, Late),
            (2, "2026-12-19", None, Late),
            (2, "2026-12-20", None, Passed),
            (2, "2026-12-19", Some((Visited, "2026-12-19")), DoneLate),
            // Visit 3 window: 2026-12-20 ..= 2027-01-01 (crosses the year).
            (3, "2026-12-19", None, Upcoming),
            (3, "2027-01-01", None, Due),
            // No window after the third: once it closes (day 43) the programme's visits are
            // over, and it has passed (missed), never late for ever.
            (3, "2027-01-02", None, Passed),
            (3, "2027-03-01", None, Passed),
            (3, "2027-01-05", Some((Visited, "2027-01-01")), Done),
        ];
        for &(number, today, recorded, expected) in cases {
            let window = VisitWindow::for_birth(birth, VisitNumber::new(number).unwrap());
            let recorded = recorded.map(|(outcome, d)| RecordedVisit { outcome, date: date(d) });
            assert_eq!(
                visit_status(&window, date(today), recorded),
                expected,
                "visit {number} on {today} with {recorded:?}"
            );
        }
    }

    #[test]
    fn a_visit_made_after_a_failed_attempt_decides_the_status() {
        let window = VisitWindow::for_birth(date("2026-11-20"), VisitNumber::new(1).unwrap());
        let attempt = RecordedVisit {
            outcome: VisitOutcome::NotAtHome,
            date: date("2026-11-22"),
        };
        let visit = RecordedVisit {
            outcome: VisitOutcome::Visited,
            date: date("2026-11-24"),
        };
        let today = date("2026-11-30");
        assert_eq!(
            visit_status(&window, today, deciding_record([attempt])),
            VisitStatus::Missed
        );
        assert_eq!(
            visit_status(&window, today, deciding_record([attempt, visit])),
            VisitStatus::Done
        );
        assert_eq!(
            visit_status(&window, today, deciding_record([visit, attempt])),
            VisitStatus::Done
        );
        let second_attempt = RecordedVisit {
            outcome: VisitOutcome::Moved,
            date: date("2026-11-25"),
        };
        assert_eq!(deciding_record([attempt, second_attempt]), Some(second_attempt));
        assert_eq!(deciding_record([]), None);
    }

    #[test]
    fn a_referral_that_arrives_after_window_one_closed_shows_visit_one_late_not_dropped() {
        let birth = date("2026-11-01");
        let referral_day = date("2026-11-07"); // day 6
        let statuses: Vec<_> = visit_windows(birth)
            .iter()
            .map(|w| visit_status(w, referral_day, None))
            .collect();
        assert_eq!(
            statuses,
            [VisitStatus::Late, VisitStatus::Upcoming, VisitStatus::Upcoming]
        );
    }

    /// A mother born before `earliest_birth_on_schedule` has nothing open, whatever was
    /// recorded; one born on that day still has visit 3 due (unless it is done).
    #[test]
    fn nothing_is_open_before_the_earliest_birth_on_schedule() {
        use VisitOutcome::*;
        let today = date("2027-03-10");
        let earliest = earliest_birth_on_schedule(today);
        assert_eq!(earliest, date("2027-01-27"));
        let outcomes = [
            None,
            Some(Visited),
            Some(NotAtHome),
            Some(Hospitalised),
            Some(Moved),
            Some(Refused),
        ];
        for days_before in 1..=200u64 {
            let birth = earliest - Days::new(days_before);
            for outcome in outcomes {
                for day in [2u64, 5, 14, 30, 41, 42] {
                    let recorded: Vec<_> = outcome
                        .map(|outcome| {
                            VisitNumber::ALL.map(|n| {
                                (
                                    n,
                                    RecordedVisit {
                                        outcome,
                                        date: birth + Days::new(day),
                                    },
                                )
                            })
                        })
                        .into_iter()
                        .flatten()
                        .collect();
                    let open: Vec<_> = visit_statuses(birth, today, &recorded)
                        .into_iter()
                        .filter(|(_, s)| s.is_open())
                        .collect();
                    assert!(open.is_empty(), "born {birth}, {outcome:?} on day {day}: {open:?}");
                }
            }
        }
        let statuses = visit_statuses(earliest, today, &[]);
        assert_eq!(statuses[2].1, VisitStatus::Due);
    }

    /// Every day 0–60 after birth, for four histories: which visit is to be done (and whether it
    /// is due or late), and which windows have passed.
    #[test]
    fn one_visit_to_do_on_every_day_after_birth() {
        use VisitStatus::*;
        let birth = date("2026-11-20");
        let visited = |number: u8, day: u64| {
            (
                VisitNumber::new(number).unwrap(),
                RecordedVisit {
                    outcome: VisitOutcome::Visited,
                    date: birth + Days::new(day),
                },
            )
        };
        // (history, [(first day, last day, the visit to do and its status, windows passed)])
        type Expected = (u64, u64, Option<(u8, VisitStatus)>, &'static [u8]);
        let histories: [(&str, Vec<(VisitNumber, RecordedVisit)>, Vec<Expected>); 4] = [
            (
                "nothing recorded",
                vec![],
                vec![
                    (0, 1, None, &[]),
                    (2, 5, Some((1, Due)), &[]),
                    (6, 12, Some((1, Late)), &[]),
                    (13, 17, Some((2, Due)), &[1]),
                    (18, 29, Some((2, Late)), &[1]),
                    (30, 42, Some((3, Due)), &[1, 2]),
                    (43, 60, None, &[1, 2, 3]),
                ],
            ),
            (
                "visit 1 on day 3",
                vec![visited(1, 3)],
                vec![
                    (3, 12, None, &[]),
                    (13, 17, Some((2, Due)), &[]),
                    (18, 29, Some((2, Late)), &[]),
                    (30, 42, Some((3, Due)), &[2]),
                    (43, 60, None, &[2, 3]),
                ],
            ),
            (
                "visit 1 late on day 9, visit 2 on day 20",
                vec![visited(1, 9), visited(2, 20)],
                vec![(20, 29, None, &[]), (30, 42, Some((3, Due)), &[]), (43, 60, None, &[3])],
            ),
            (
                "first seen on day 33",
                vec![visited(3, 33)],
                vec![(33, 60, None, &[1, 2])],
            ),
        ];
        for (history, recorded, expected) in histories {
            for (first, last, to_do, passed) in expected {
                for day in first..=last {
                    let today = birth + Days::new(day);
                    let statuses = visit_statuses(birth, today, &recorded);
                    let got = visit_to_do(&statuses).map(|(w, s)| (w.number.get(), s));
                    assert_eq!(got, to_do, "{history}, day {day}");
                    let got_passed: Vec<u8> = statuses
                        .iter()
                        .filter(|(_, s)| *s == Passed)
                        .map(|(w, _)| w.number.get())
                        .collect();
                    assert_eq!(got_passed, passed, "{history}, day {day}");
                    let open = statuses.iter().filter(|(_, s)| matches!(s, Due | Late)).count();
                    assert!(open <= 1, "{history}, day {day}: {statuses:?}");
                }
            }
        }
    }

    #[test]
    fn visit_numbers_outside_one_to_three_are_refused() {
        assert!(VisitNumber::new(0).is_none());
        assert!(VisitNumber::new(4).is_none());
        assert!(serde_json::from_str::<VisitNumber>("4").is_err());
        assert_eq!(serde_json::from_str::<VisitNumber>("2").unwrap().get(), 2);
    }
}
