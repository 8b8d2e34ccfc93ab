//! Duplicate-mother detection for hospital referrals: finds the mothers already on the device who
//! are probably the woman about to be created, across Arabic script, Turkish spelling and
//! English/French spelling of her name, with a score and the reasons behind it.
//!
//! # Names
//!
//! Referral lists write the same Syrian or Arab name in many ways: "فاطمة الأحمد", "Fatma El
//! Ahmed", "Fatıma Elahmet", "Fatima Al-Ahmad", "Fatimah Alahmed"; Turkish names come with or
//! without Turkish letters ("Ayşe Yılmaz", "AYSE YILMAZ"). Two folds bring them together:
//!
//! - [`latin_key`] writes a name in plain lowercase Latin letters: Arabic script transliterated as
//!   Turkish and Levantine speakers write it, Turkish letters and other diacritics folded, words
//!   separated by single spaces.
//! - [`phonetic_key`] gives each word of the name a consonant skeleton that stays the same across
//!   spellings: vowels are mostly dropped (Arabic script does not write short vowels), a leading
//!   and a final vowel are kept (as `a`), and letters that spellings swap for one another share
//!   one code. See [`phonetic_key`] for the codes.
//!
//! Names are compared word by word, ignoring word order; a word present in one name only (a
//! missing middle name) still allows a same-name match, as long as at least two words agree.
//!
//! # Scoring
//!
//! Each piece of evidence adds or removes points; the sum is clamped to 0–100 and a mother with
//! [`SUSPECT_THRESHOLD`] (50) or more is a suspect:
//!
//! | evidence                                                         | points |
//! |------------------------------------------------------------------|-------:|
//! | same identity number                                             |    +70 |
//! | identity numbers one mistyped digit (or one swapped pair) apart  |    +40 |
//! | different identity numbers                                       |    −60 |
//! | different identity numbers, one a foreigner's (99…) one a citizen's |  −25 |
//! | same phonetic name, same number of words                         |    +35 |
//! | same phonetic name, one name has extra words                     |    +30 |
//! | similar name (a word with one typo, an article added or dropped) |    +20 |
//! | same phone number                                                |    +35 |
//! | same date of birth                                               |    +25 |
//! | different dates of birth (both known)                            |    −20 |
//! | ages within a year (when the dates of birth are not both known)  |     +5 |
//! | ages five or more years apart                                    |    −15 |
//! | babies born within one day of each other                         |    +30 |
//!
//! So the same identity number alone is a suspect whatever the spelling; the same name with the
//! same phone, date of birth or baby's birth date is a suspect; the same phone with a similar
//! name is a suspect; the same name alone is not (names like "Fatma Yılmaz" are common); and two
//! different identity numbers outweigh a matching name and phone. A foreigner who became a
//! citizen gets a new number, so a 99… number against a citizen's number costs less.
//!
//! Identity numbers are compared as their digits (Arabic-Indic digits included), phone numbers
//! as their digits without the Turkish country code or trunk zero (see [`normalize_phone`]).
//!
//! # Speed
//!
//! [`MatchIndex`] computes every mother's keys once and files her under each word key, her
//! identity number and her phone numbers, so one check only scores the mothers sharing one of
//! those with the incoming mother, not every mother on the device.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// The score from which a mother is reported as a probable duplicate.
pub const SUSPECT_THRESHOLD: u32 = 50;

/// At most this many suspects are reported for one incoming mother.
pub const MAX_SUSPECTS: usize = 5;

/// The points of each piece of evidence (see the module documentation).
mod points {
    pub const SAME_ID_NUMBER: i32 = 70;
    pub const SIMILAR_ID_NUMBER: i32 = 40;
    pub const DIFFERENT_ID_NUMBER: i32 = -60;
    pub const DIFFERENT_ID_NUMBER_KIND: i32 = -25;
    pub const NAME_SPELLING: i32 = 35;
    pub const NAME_SPELLING_PART: i32 = 30;
    pub const NAME_SIMILAR: i32 = 20;
    pub const SAME_PHONE: i32 = 35;
    pub const SAME_DATE_OF_BIRTH: i32 = 25;
    pub const DIFFERENT_DATE_OF_BIRTH: i32 = -20;
    pub const SIMILAR_AGE: i32 = 5;
    pub const DIFFERENT_AGE: i32 = -15;
    pub const SAME_BABY_BIRTH_DATE: i32 = 30;
}

/// Names longer than this many words are cut (a name cell holding a whole note).
const MAX_NAME_WORDS: usize = 8;

/// A mother as far as duplicate detection is concerned: an existing mother on the device or a
/// row of a referral list about to become one. Raw fields as typed; they are normalised inside.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Person {
    pub id: Uuid,
    pub full_name: String,
    /// T.C. kimlik numarası or foreigner number, in any format ("991 234 567 80").
    pub id_number: Option<String>,
    /// One or more phone numbers in any format; several are separated by `/`, `,` or `;`.
    pub phone: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    /// Age in years when the date of birth is unknown.
    pub age_years: Option<u32>,
    pub baby_birth_date: Option<NaiveDate>,
}

/// Why a mother is (or is less likely to be) the same woman. Listed in this order in a
/// [`Suspect`]: evidence for first, evidence against last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// The same identity number.
    SameIdNumber,
    /// Identity numbers one mistyped digit or one swapped pair of digits apart.
    SimilarIdNumber,
    /// The same name as pronounced: the same words in any spelling and any order (a missing
    /// middle name allowed).
    NameSpelling,
    /// A close name but not the same: a word with a typo, an article ("El", "Al-") added or
    /// dropped, or one name having only one of the other's words.
    NameSimilar,
    /// A phone number in common.
    SamePhone,
    /// The same date of birth.
    SameDateOfBirth,
    /// Babies born within one day of each other.
    SameBabyBirthDate,
    /// Ages within a year of each other (when the dates of birth are not both known).
    SimilarAge,
    /// Both identity numbers are known and they differ.
    DifferentIdNumber,
    /// Both dates of birth are known and they differ.
    DifferentDateOfBirth,
    /// Ages five or more years apart.
    DifferentAge,
}

/// An existing mother who is probably the incoming one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Suspect {
    pub id: Uuid,
    /// 0–100; [`SUSPECT_THRESHOLD`] or more for a reported suspect.
    pub score: u32,
    pub reasons: Vec<MatchReason>,
}

mod compare;
mod identifiers;
mod index;
mod phonetic;
#[cfg(test)]
mod tests;
mod text;

// Each part sees the others through `use super::*`.
use self::{compare::*, identifiers::*, phonetic::*, text::*};
pub use compare::compare;
pub use identifiers::{normalize_id_number, normalize_phone};
pub use index::MatchIndex;
pub use phonetic::phonetic_key;
pub use text::latin_key;
