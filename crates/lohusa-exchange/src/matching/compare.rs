//! Comparing two mothers: the evidence for and against, and the score.

use super::*;

/// A mother with everything the comparison needs computed once.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) id: Uuid,
    pub(super) tokens: Vec<Token>,
    pub(super) id_number: Option<String>,
    pub(super) phones: Vec<String>,
    pub(super) date_of_birth: Option<NaiveDate>,
    /// Stated age, or the age at the baby's birth when the date of birth is known.
    pub(super) age: Option<i32>,
    pub(super) baby_birth_date: Option<NaiveDate>,
}

impl Entry {
    pub(super) fn new(p: &Person) -> Entry {
        let age =
            p.age_years
                .and_then(|a| i32::try_from(a).ok())
                .or_else(|| match (p.date_of_birth, p.baby_birth_date) {
                    (Some(dob), Some(baby)) => Some(years_between(dob, baby)),
                    _ => None,
                });
        Entry {
            id: p.id,
            tokens: tokens(&p.full_name),
            id_number: p.id_number.as_deref().and_then(normalize_id_number),
            phones: p.phone.as_deref().map(phone_numbers).unwrap_or_default(),
            date_of_birth: p.date_of_birth,
            age,
            baby_birth_date: p.baby_birth_date,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NameRelation {
    Same,
    SameWithExtraWords,
    Similar,
    Unrelated,
}

/// Two words that are not the same phonetically but close: one has an article the other lacks,
/// or (same script) one typo apart in a long word, or (across scripts) the same but for a long
/// vowel written in one script only.
pub(super) fn words_close(t: &Token, u: &Token) -> bool {
    if t.bare == u.bare || t.bare == u.key || t.key == u.bare {
        return true;
    }
    if t.arabic != u.arabic {
        return t.loose == u.loose && t.loose.len() >= 2;
    }
    let shorter = t.latin.len().min(u.latin.len());
    if shorter < 6 {
        return false;
    }
    let d = strsim::osa_distance(&t.latin, &u.latin);
    d == 1 || (d == 2 && shorter >= 9)
}

/// Compares names word by word in any order: every word of the shorter name must find a word
/// of the longer one with the same phonetic key (same name) or a close one (similar name).
pub(super) fn compare_names(a: &[Token], b: &[Token]) -> NameRelation {
    if a.is_empty() || b.is_empty() {
        return NameRelation::Unrelated;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut used = [false; MAX_NAME_WORDS];
    let mut unmatched = [0usize; MAX_NAME_WORDS];
    let mut n_unmatched = 0;
    for (i, t) in short.iter().enumerate() {
        match long.iter().enumerate().position(|(j, u)| !used[j] && u.key == t.key) {
            Some(j) => used[j] = true,
            None => {
                unmatched[n_unmatched] = i;
                n_unmatched += 1;
            }
        }
    }
    if n_unmatched == 0 {
        return if short.len() == long.len() {
            NameRelation::Same
        } else if short.len() >= 2 {
            NameRelation::SameWithExtraWords
        } else {
            NameRelation::Similar
        };
    }
    for &i in &unmatched[..n_unmatched] {
        let t = &short[i];
        match long.iter().enumerate().position(|(j, u)| !used[j] && words_close(t, u)) {
            Some(j) => used[j] = true,
            None => return NameRelation::Unrelated,
        }
    }
    NameRelation::Similar
}

/// Scores `b` as a duplicate of `a`: the points (not yet clamped) and the reasons, in
/// [`MatchReason`] order.
pub(super) fn score(a: &Entry, b: &Entry) -> (i32, Vec<MatchReason>) {
    let mut total = 0;
    let mut reasons = Vec::with_capacity(4);
    let mut add = |points: i32, reason: MatchReason| {
        total += points;
        reasons.push(reason);
    };

    if let (Some(x), Some(y)) = (&a.id_number, &b.id_number) {
        if x == y {
            add(points::SAME_ID_NUMBER, MatchReason::SameIdNumber);
        } else if one_typo_apart(x, y) {
            add(points::SIMILAR_ID_NUMBER, MatchReason::SimilarIdNumber);
        } else if x.len() == 11 && y.len() == 11 && x.starts_with("99") != y.starts_with("99") {
            add(points::DIFFERENT_ID_NUMBER_KIND, MatchReason::DifferentIdNumber);
        } else {
            add(points::DIFFERENT_ID_NUMBER, MatchReason::DifferentIdNumber);
        }
    }

    match compare_names(&a.tokens, &b.tokens) {
        NameRelation::Same => add(points::NAME_SPELLING, MatchReason::NameSpelling),
        NameRelation::SameWithExtraWords => add(points::NAME_SPELLING_PART, MatchReason::NameSpelling),
        NameRelation::Similar => add(points::NAME_SIMILAR, MatchReason::NameSimilar),
        NameRelation::Unrelated => {}
    }

    if a.phones.iter().any(|p| b.phones.contains(p)) {
        add(points::SAME_PHONE, MatchReason::SamePhone);
    }

    match (a.date_of_birth, b.date_of_birth) {
        (Some(x), Some(y)) if x == y => add(points::SAME_DATE_OF_BIRTH, MatchReason::SameDateOfBirth),
        (Some(_), Some(_)) => add(points::DIFFERENT_DATE_OF_BIRTH, MatchReason::DifferentDateOfBirth),
        _ => {
            if let (Some(x), Some(y)) = (a.age, b.age) {
                let gap = (x - y).abs();
                if gap <= 1 {
                    add(points::SIMILAR_AGE, MatchReason::SimilarAge);
                } else if gap >= 5 {
                    add(points::DIFFERENT_AGE, MatchReason::DifferentAge);
                }
            }
        }
    }

    if let (Some(x), Some(y)) = (a.baby_birth_date, b.baby_birth_date)
        && (x - y).num_days().abs() <= 1
    {
        add(points::SAME_BABY_BIRTH_DATE, MatchReason::SameBabyBirthDate);
    }

    reasons.sort_unstable();
    (total, reasons)
}

pub(super) fn clamp_score(points: i32) -> u32 {
    points.clamp(0, 100) as u32
}

/// Scores `other` as a duplicate of `probe`, whatever the score (see the module documentation
/// for the rules). [`MatchIndex::candidates`] does the same for every likely mother at once.
pub fn compare(probe: &Person, other: &Person) -> Suspect {
    let (points, reasons) = score(&Entry::new(probe), &Entry::new(other));
    Suspect {
        id: other.id,
        score: clamp_score(points),
        reasons,
    }
}
