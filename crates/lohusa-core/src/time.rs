//! Calendar dates as the programme counts them: local dates in Europe/Istanbul.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Istanbul;

/// The programme's calendar date at the instant `now`.
///
/// A visit at 01:30 in İzmir is on the local date even though UTC is still on the day before.
pub fn istanbul_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Istanbul).date_naive()
}

/// The first day of a month written YYYY-MM (a year of four digits, 2000–2199, as records hold).
pub fn parse_month(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let wrong = || format!("{text:?} is not a month from 2000-01 to 2199-12; write it as YYYY-MM, e.g. 2026-11");
    let (year, month) = text.split_once('-').ok_or_else(wrong)?;
    if year.len() != 4 || month.is_empty() || month.len() > 2 {
        return Err(wrong());
    }
    let year: i32 = year.parse().map_err(|_| wrong())?;
    let month: u32 = month.parse().map_err(|_| wrong())?;
    if !(2000..=2199).contains(&year) {
        return Err(wrong());
    }
    NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(wrong)
}

/// Days from `birth_date` to `date`; the birth day is day 0.
pub fn day_of_life(birth_date: NaiveDate, date: NaiveDate) -> i64 {
    (date - birth_date).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_four_digits_of_year_and_a_month() {
        assert_eq!(
            parse_month("2026-11"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
        );
        assert_eq!(
            parse_month(" 2026-1 "),
            Ok(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
        );
        for wrong in [
            "26-12",
            "0000-01",
            "2026-13",
            "2026-00",
            "abc",
            "2026-11-01",
            "",
            "1899-12",
        ] {
            assert!(parse_month(wrong).is_err(), "{wrong}");
        }
    }
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
