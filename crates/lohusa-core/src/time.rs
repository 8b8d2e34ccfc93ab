//! Calendar dates as the programme counts them: local dates in Europe/Istanbul.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Istanbul;

/// The programme's calendar date at the instant `now`.
///
/// A visit at 01:30 in İzmir is on the local date even though UTC is still on the day before.
pub fn istanbul_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Istanbul).date_naive()
}

/// Days from `birth_date` to `date`; the birth day is day 0.
pub fn day_of_life(birth_date: NaiveDate, date: NaiveDate) -> i64 {
    (date - birth_date).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn istanbul_date_runs_three_hours_ahead_of_utc() {
        let late_utc_evening = Utc.with_ymd_and_hms(2026, 12, 31, 21, 30, 0).unwrap();
        assert_eq!(
            istanbul_today(late_utc_evening),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        let utc_afternoon = Utc.with_ymd_and_hms(2026, 12, 31, 20, 59, 0).unwrap();
        assert_eq!(
            istanbul_today(utc_afternoon),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
    }
}
