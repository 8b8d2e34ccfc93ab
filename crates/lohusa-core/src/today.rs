//! The nurse's Today list: late visits first, then those due now, then those opening this week;
//! one visit to do per mother (`schedule::visit_to_do`), never a passed window.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::MotherId;
use crate::schedule::{RecordedVisit, VisitNumber, VisitStatus, visit_statuses};
use crate::time::day_of_life;
use crate::visit::VisitOutcome;

/// How far ahead the list looks for windows about to open.
pub const UPCOMING_DAYS: u64 = 7;

/// What the list needs to know about one mother.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleRow {
    pub mother_id: MotherId,
    pub full_name: String,
    pub neighbourhood: Option<String>,
    pub birth_date: NaiveDate,
    pub recorded: Vec<(VisitNumber, RecordedVisit)>,
    /// Whose she is, and whether her case is closed (a closed case is on no list).
    pub case: crate::case::CaseState,
}

/// One line of the list: one visit of one mother.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TodayEntry {
    pub mother_id: MotherId,
    pub full_name: String,
    pub neighbourhood: Option<String>,
    pub number: VisitNumber,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub status: VisitStatus,
    /// The baby's day of life today (birth day = 0).
    pub day_of_life: i32,
    /// Set for an extra visit (outside the windows): which one, and why it was planned.
    /// `number` is then the checklist it uses, `opens_on` its date.
    pub extra_visit: Option<uuid::Uuid>,
    pub reason: Option<String>,
    /// Nobody has visited her yet (a mother referred late is first seen at this visit).
    pub no_visit_yet: bool,
    /// The nurse she is assigned to, by name (when this device knows her).
    pub assigned_to: Option<String>,
    /// Whether she is assigned to anyone (perhaps a member this device has no name for yet).
    pub assigned: bool,
}

/// An extra visit not made yet, as the list needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtraRow {
    pub id: uuid::Uuid,
    pub mother_id: MotherId,
    pub full_name: String,
    pub neighbourhood: Option<String>,
    pub birth_date: NaiveDate,
    pub due_on: NaiveDate,
    pub reason: String,
    pub case: crate::case::CaseState,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TodayList {
    pub today: NaiveDate,
    /// Window closed with nothing recorded; most overdue first.
    pub late: Vec<TodayEntry>,
    /// Window open now; closing soonest first.
    pub due: Vec<TodayEntry>,
    /// Window opens within `UPCOMING_DAYS`; soonest first.
    pub upcoming: Vec<TodayEntry>,
}

/// The list from every mother's schedule and the extra visits not made yet: late ones with the
/// late visits, due ones with those due, the next days' with the upcoming ones.
pub fn today_list(rows: &[ScheduleRow], extras: &[ExtraRow], today: NaiveDate) -> TodayList {
    let horizon = today + Days::new(UPCOMING_DAYS);
    let mut list = TodayList {
        today,
        late: vec![],
        due: vec![],
        upcoming: vec![],
    };
    for row in rows.iter().filter(|r| !r.case.is_closed()) {
        let no_visit_yet = !row.recorded.iter().any(|(_, r)| r.outcome == VisitOutcome::Visited);
        for (window, status) in visit_statuses(row.birth_date, today, &row.recorded) {
            let bucket = match status {
                VisitStatus::Late => &mut list.late,
                VisitStatus::Due => &mut list.due,
                VisitStatus::Upcoming if window.opens_on <= horizon => &mut list.upcoming,
                _ => continue,
            };
            bucket.push(TodayEntry {
                mother_id: row.mother_id,
                full_name: row.full_name.clone(),
                neighbourhood: row.neighbourhood.clone(),
                number: window.number,
                opens_on: window.opens_on,
                closes_on: window.closes_on,
                status,
                day_of_life: day_of_life(row.birth_date, today) as i32,
                extra_visit: None,
                reason: None,
                no_visit_yet,
                assigned_to: row.case.assigned_name.clone(),
                assigned: row.case.assigned_to.is_some(),
            });
        }
    }
    use crate::extra::{ExtraVisitStatus, LATE_AFTER_DAYS, content_number, extra_visit_status};
    for extra in extras.iter().filter(|e| !e.case.is_closed()) {
        let (bucket, status) = match extra_visit_status(extra.due_on, today, false) {
            ExtraVisitStatus::Late => (&mut list.late, VisitStatus::Late),
            ExtraVisitStatus::Due => (&mut list.due, VisitStatus::Due),
            ExtraVisitStatus::Upcoming if extra.due_on <= horizon => (&mut list.upcoming, VisitStatus::Upcoming),
            _ => continue,
        };
        bucket.push(TodayEntry {
            mother_id: extra.mother_id,
            full_name: extra.full_name.clone(),
            neighbourhood: extra.neighbourhood.clone(),
            number: content_number(extra.birth_date, extra.due_on.max(today)),
            opens_on: extra.due_on,
            closes_on: extra.due_on + Days::new(LATE_AFTER_DAYS),
            status,
            day_of_life: day_of_life(extra.birth_date, today) as i32,
            extra_visit: Some(extra.id),
            reason: Some(extra.reason.clone()),
            no_visit_yet: false,
            assigned_to: extra.case.assigned_name.clone(),
            assigned: extra.case.assigned_to.is_some(),
        });
    }
    let by = |a: &TodayEntry, b: &TodayEntry| a.full_name.cmp(&b.full_name).then(a.number.cmp(&b.number));
    list.late
        .sort_by(|a, b| a.closes_on.cmp(&b.closes_on).then_with(|| by(a, b)));
    list.due
        .sort_by(|a, b| a.closes_on.cmp(&b.closes_on).then_with(|| by(a, b)));
    list.upcoming
        .sort_by(|a, b| a.opens_on.cmp(&b.opens_on).then_with(|| by(a, b)));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn row(n: u128, name: &str, birth: &str, recorded: &[(u8, VisitOutcome, &str)]) -> ScheduleRow {
        ScheduleRow {
            mother_id: MotherId(Uuid::from_u128(n)),
            full_name: name.into(),
            neighbourhood: None,
            birth_date: birth.parse().unwrap(),
            recorded: recorded
                .iter()
                .map(|(v, outcome, d)| {
                    (
                        VisitNumber::new(*v).unwrap(),
                        RecordedVisit {
                            outcome: *outcome,
                            date: d.parse().unwrap(),
                        },
                    )
                })
                .collect(),
            case: Default::default(),
        }
    }

    fn names(entries: &[TodayEntry]) -> Vec<String> {
        entries
            .iter()
            .map(|e| format!("{} v{}", e.full_name, e.number.get()))
            .collect()
    }

    #[test]
    fn today_lists_late_then_due_then_upcoming_this_week() {
        let today: NaiveDate = "2026-11-25".parse().unwrap();
        let rows = [
            row(1, "Ayşe", "2026-11-22", &[]),  // day 3: v1 due
            row(2, "Fatma", "2026-11-18", &[]), // day 7: v1 late (closed 11-23)
            row(3, "Hatice", "2026-11-10", &[(1, VisitOutcome::Visited, "2026-11-13")]), // day 15: v2 due
            row(4, "Meryem", "2026-11-24", &[]), // day 1: v1 upcoming tomorrow
            row(5, "Zehra", "2026-11-12", &[(1, VisitOutcome::Moved, "2026-11-14")]), // v1 missed; v2 due (13–17 → 11-25..11-29)
            row(6, "Leyla", "2026-11-01", &[]), // day 24: v1 passed, v2 late, v3 upcoming 12-01
            row(
                7,
                "Rana",
                "2026-10-01",
                &[
                    (1, VisitOutcome::Visited, "2026-10-04"),
                    (2, VisitOutcome::Visited, "2026-10-15"),
                    (3, VisitOutcome::Visited, "2026-11-05"),
                ],
            ),
        ];
        let list = today_list(&rows, &[], today);
        assert_eq!(names(&list.late), ["Leyla v2", "Fatma v1"]);
        assert_eq!(names(&list.due), ["Ayşe v1", "Hatice v2", "Zehra v2"]);
        assert_eq!(names(&list.upcoming), ["Meryem v1", "Fatma v2", "Leyla v3"]);
        assert_eq!(list.due[0].day_of_life, 3);
        assert!(list.due[0].no_visit_yet && !list.due[1].no_visit_yet);

        // A closed case leaves the list.
        let mut closed = rows.clone();
        closed[0].case.closed_on = Some(today);
        assert_eq!(names(&today_list(&closed, &[], today).due), ["Hatice v2", "Zehra v2"]);

        // An extra visit planned for tomorrow joins the upcoming ones; one three days overdue
        // the late ones; both with visit 2's checklist (days 18 and 19).
        let extra = |n: u128, name: &str, due: &str| ExtraRow {
            id: Uuid::from_u128(n),
            mother_id: MotherId(Uuid::from_u128(n)),
            full_name: name.into(),
            neighbourhood: None,
            birth_date: "2026-11-07".parse().unwrap(),
            due_on: due.parse().unwrap(),
            reason: "wound".into(),
            case: Default::default(),
        };
        let list = today_list(
            &rows,
            &[extra(10, "Nour", "2026-11-26"), extra(11, "Sara", "2026-11-22")],
            today,
        );
        assert_eq!(names(&list.upcoming), ["Meryem v1", "Nour v2", "Fatma v2", "Leyla v3"]);
        assert_eq!(names(&list.late), ["Leyla v2", "Fatma v1", "Sara v2"]);
        assert_eq!(list.late[2].extra_visit, Some(Uuid::from_u128(11)));
    }
}
