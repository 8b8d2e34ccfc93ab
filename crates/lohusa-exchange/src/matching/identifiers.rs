//! Identity numbers, phone numbers and dates, as the comparison reads them.

use super::*;

/// The digits of a number as typed, ASCII or Arabic-Indic, without spaces, signs or separators.
pub(super) fn digits(raw: &str) -> String {
    lohusa_core::validation::western_digits(raw)
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

pub(super) fn all_same(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().all(|&x| x == b[0])
}

/// The digits of an identity number (ASCII or Arabic-Indic), or `None` when fewer than six
/// digits are left or all digits are the same (a placeholder like 00000000000). Turkish T.C.
/// numbers and foreigner numbers (starting with 99) both have 11 digits.
pub fn normalize_id_number(raw: &str) -> Option<String> {
    let d = digits(raw);
    (d.len() >= 6 && !all_same(&d)).then_some(d)
}

/// One phone number as its digits in a comparable form: an international `00` prefix is
/// dropped, Turkish numbers lose the country code 90 or the trunk zero ("0532 123 45 67",
/// "+90 532 1234567" and "5321234567" are all `5321234567`), Syrian numbers keep the country
/// code 963 ("+963 944 123 456" and "0944 123 456" are both `963944123456`). `None` when fewer
/// than seven digits are left or all digits are the same.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let mut d = digits(raw);
    if d.starts_with("00") {
        d.drain(..2);
    }
    if d.len() == 12 && d.starts_with("90") {
        d.drain(..2);
    } else if d.len() == 11 && d.starts_with('0') {
        d.remove(0);
    } else if d.len() == 10 && d.starts_with("09") {
        d.replace_range(..1, "963");
    }
    (d.len() >= 7 && !all_same(&d)).then_some(d)
}

/// Every phone number in a field holding one or more ("0532 … / 0544 …").
pub(super) fn phone_numbers(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = raw.split(['/', ',', ';', '|']).filter_map(normalize_phone).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Identity numbers of the same length one substituted digit or one swapped adjacent pair apart.
pub(super) fn one_typo_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() || a.len() < 9 {
        return false;
    }
    let mut diff = a.iter().zip(b).enumerate().filter(|(_, (x, y))| x != y).map(|(i, _)| i);
    match (diff.next(), diff.next(), diff.next()) {
        (Some(_), None, _) => true,
        (Some(i), Some(j), None) => j == i + 1 && a[i] == b[j] && a[j] == b[i],
        _ => false,
    }
}

/// Full years from `from` to `to`.
pub(super) fn years_between(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}
