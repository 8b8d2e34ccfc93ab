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

// ---------------------------------------------------------------------------------------------
// Text: splitting a name into words, folding Latin letters, normalising Arabic letters.

/// Arabic short vowels and other marks (tashkeel), the superscript alef and the tatweel: typed
/// or not, they do not change the name.
fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}')
}

/// Combining diacritics of decomposed Latin text ("s" + cedilla) and apostrophes, which are
/// dropped without splitting the word ("Ma'ruf", "Ayşe'nin").
fn is_silent(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}' | '\'' | '’' | '‘' | '`' | '´' | 'ʼ' | 'ʿ' | 'ʾ' | 'ʻ'
    )
}

/// An Arabic-script letter in its plain Arabic form (Persian and Kurdish keyboard variants of
/// ya, kaf, heh and ta marbuta are mapped to the Arabic ones), or `None` for anything else.
fn arabic_letter(c: char) -> Option<char> {
    let in_block = matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}');
    if !in_block || !c.is_alphabetic() {
        return None;
    }
    Some(match c {
        'ی' | 'ې' => 'ي',
        'ک' => 'ك',
        'ە' | 'ۀ' | 'ۃ' => 'ة',
        'ھ' | 'ہ' => 'ه',
        'ٱ' | 'ٲ' | 'ٳ' => 'ا',
        other => other,
    })
}

/// Lower-cases a non-Arabic letter and folds it to plain Latin letters: both Turkish i's to `i`,
/// `ş ğ ç ö ü` to `s g c o u`, other accents and transliteration marks dropped. Letters of other
/// scripts are kept lower-cased.
fn fold_latin(c: char, out: &mut Vec<char>) {
    for l in c.to_lowercase() {
        let folded: &str = match l {
            'a'..='z' => {
                out.push(l);
                continue;
            }
            'ı' | 'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => "i",
            'ş' | 'ś' | 'š' | 'ŝ' | 'ṣ' => "s",
            'ğ' | 'ĝ' | 'ģ' | 'ġ' => "g",
            'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
            'ö' | 'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ō' | 'ő' => "o",
            'ü' | 'ù' | 'ú' | 'û' | 'ū' | 'ů' | 'ű' => "u",
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
            'ñ' | 'ń' | 'ň' => "n",
            'ý' | 'ÿ' => "y",
            'ž' | 'ź' | 'ż' | 'ẓ' => "z",
            'ď' | 'đ' | 'ḍ' | 'ḏ' => "d",
            'ť' | 'ţ' | 'ṭ' | 'ṯ' => "t",
            'ḥ' | 'ẖ' => "h",
            'ř' => "r",
            'ł' | 'ľ' | 'ĺ' => "l",
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            other if other.is_alphabetic() && !is_silent(other) => {
                out.push(other);
                continue;
            }
            _ => "",
        };
        out.extend(folded.chars());
    }
}

/// One word of a name: folded Latin letters, or Arabic letters.
#[derive(Clone, Debug, Default)]
struct Word {
    chars: Vec<char>,
    arabic: bool,
}

/// Splits a name into words. Whitespace, hyphens, digits and punctuation separate words; a change
/// of script does too. Arabic marks, combining accents and apostrophes are dropped.
fn words(name: &str) -> Vec<Word> {
    fn flush(out: &mut Vec<Word>, cur: &mut Word) {
        if !cur.chars.is_empty() {
            out.push(std::mem::take(cur));
        }
    }
    let mut out = Vec::new();
    let mut cur = Word::default();
    let mut buf = Vec::with_capacity(2);
    for c in name.chars() {
        if is_arabic_mark(c) || is_silent(c) {
            continue;
        }
        if let Some(a) = arabic_letter(c) {
            if !cur.arabic {
                flush(&mut out, &mut cur);
            }
            cur.arabic = true;
            cur.chars.push(a);
        } else if c.is_alphabetic() {
            buf.clear();
            fold_latin(c, &mut buf);
            if buf.is_empty() {
                continue;
            }
            if cur.arabic {
                flush(&mut out, &mut cur);
            }
            cur.arabic = false;
            cur.chars.extend_from_slice(&buf);
        } else {
            flush(&mut out, &mut cur);
        }
    }
    flush(&mut out, &mut cur);
    out
}

fn is_arabic_long_vowel(c: char) -> bool {
    matches!(c, 'ا' | 'أ' | 'إ' | 'آ' | 'ة' | 'ى')
}

/// The Latin letters for an Arabic consonant, as Turkish and Levantine speakers write names.
fn arabic_consonant_latin(c: char) -> &'static str {
    match c {
        'ب' => "b",
        'پ' => "p",
        'ت' | 'ط' => "t",
        'ث' | 'س' | 'ش' | 'ص' => "s",
        'ج' | 'چ' => "c",
        'ح' | 'خ' | 'ه' => "h",
        'د' | 'ض' => "d",
        'ذ' | 'ز' | 'ظ' => "z",
        'ر' | 'ڕ' => "r",
        'ژ' => "j",
        'غ' | 'گ' => "g",
        'ف' => "f",
        'ڤ' => "v",
        'ق' | 'ك' => "k",
        'ل' | 'ڵ' => "l",
        'م' => "m",
        'ن' => "n",
        'ۆ' => "o",
        'ێ' => "e",
        _ => "",
    }
}

/// Transliterates one Arabic word letter by letter. Alef, hamza, ta marbuta and alef maqsura
/// become `a`; ain becomes `a` at the start of the word and nothing elsewhere; ya is `y` at the
/// start or next to a long vowel and `i` otherwise; waw likewise `v` or `u`. Latin letters pass
/// through.
fn transliterate_word(w: &[char]) -> String {
    let mut s = String::with_capacity(w.len() + 2);
    for (k, &c) in w.iter().enumerate() {
        if c.is_ascii_lowercase() {
            s.push(c);
            continue;
        }
        let near_vowel =
            (k > 0 && is_arabic_long_vowel(w[k - 1])) || w.get(k + 1).is_some_and(|&n| is_arabic_long_vowel(n));
        match c {
            'ا' | 'أ' | 'إ' | 'آ' | 'ة' | 'ى' | 'ء' => {
                if !s.ends_with(['a', 'i', 'u']) {
                    s.push('a');
                }
            }
            'ؤ' => s.push('u'),
            'ئ' => s.push('i'),
            'ع' => {
                if k == 0 {
                    s.push('a');
                }
            }
            'ي' => s.push(if k == 0 || near_vowel { 'y' } else { 'i' }),
            'و' => s.push(if k == 0 || near_vowel { 'v' } else { 'u' }),
            other => s.push_str(arabic_consonant_latin(other)),
        }
    }
    s
}

/// The name in plain lowercase Latin letters, for display and for comparing spellings: Arabic
/// script is transliterated (the article "ال" written as a separate "al"), Turkish letters and
/// other diacritics are folded ("Ayşe Yılmaz" → "ayse yilmaz"), hyphens and punctuation
/// separate words, apostrophes are dropped, and words are separated by single spaces.
pub fn latin_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for w in words(name) {
        if !out.is_empty() {
            out.push(' ');
        }
        if w.arabic {
            if w.chars.len() >= 4 && w.chars[0] == 'ا' && w.chars[1] == 'ل' {
                out.push_str("al ");
                out.push_str(&transliterate_word(&w.chars[2..]));
            } else {
                out.push_str(&transliterate_word(&w.chars));
            }
        } else {
            out.extend(w.chars.iter());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Phonetic keys.

/// One sound of a word on its way to the phonetic key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sound {
    /// An a, e or i-like vowel, or an Arabic letter read as one (alef, hamza, ta marbuta, alef
    /// maqsura).
    Vowel,
    /// A u or o vowel (also ü, ö, ou, oo).
    VowelU,
    /// The Arabic ain, read as a vowel.
    Ain,
    /// A Latin `i`: a glide (`y`) next to a vowel, silent between consonants.
    LatinI,
    /// An Arabic ya: consonant or long vowel depending on its place.
    ArabicYa,
    /// An Arabic waw: consonant or long vowel depending on its place.
    ArabicWaw,
    /// A consonant, by its code letter.
    Consonant(u8),
}

use Sound::{Ain, ArabicWaw, ArabicYa, Consonant, LatinI, Vowel, VowelU};

/// Latin letter pairs written for one sound.
fn latin_pair(a: char, b: char) -> Option<Sound> {
    Some(match (a, b) {
        ('s', 'h') | ('t', 'h') => Consonant(b's'),
        ('c', 'h') | ('z', 'h') => Consonant(b'c'),
        ('k', 'h') => Consonant(b'h'),
        ('g', 'h') => Consonant(b'g'),
        ('p', 'h') => Consonant(b'f'),
        ('d', 'h') => Consonant(b'z'),
        ('c', 'k') => Consonant(b'k'),
        ('d', 'j') => Consonant(b'c'),
        ('o', 'u') | ('o', 'o') => VowelU,
        ('e', 'e') | ('i', 'i') => LatinI,
        _ => return None,
    })
}

fn latin_sound(c: char) -> Option<Sound> {
    Some(match c {
        'a' | 'e' => Vowel,
        'o' | 'u' => VowelU,
        'i' => LatinI,
        'y' => Consonant(b'y'),
        'w' | 'v' => Consonant(b'v'),
        'b' | 'p' => Consonant(b'b'),
        'c' | 'j' => Consonant(b'c'),
        'd' | 't' => Consonant(b't'),
        'q' | 'k' => Consonant(b'k'),
        'f' | 'g' | 'h' | 'l' | 'm' | 'n' | 'r' | 's' | 'z' => Consonant(c as u8),
        _ => return None,
    })
}

fn arabic_sound(c: char) -> Option<Sound> {
    Some(match c {
        'ا' | 'أ' | 'إ' | 'آ' | 'ء' | 'ة' | 'ى' | 'ێ' => Vowel,
        'ؤ' | 'ۆ' => VowelU,
        'ع' => Ain,
        'ئ' => Consonant(b'y'),
        'ي' => ArabicYa,
        'و' => ArabicWaw,
        'ب' | 'پ' => Consonant(b'b'),
        'ت' | 'ط' | 'د' | 'ض' => Consonant(b't'),
        'ث' | 'س' | 'ص' | 'ش' => Consonant(b's'),
        'ج' | 'چ' | 'ژ' => Consonant(b'c'),
        'ح' | 'خ' | 'ه' => Consonant(b'h'),
        'ذ' | 'ز' | 'ظ' => Consonant(b'z'),
        'ر' | 'ڕ' => Consonant(b'r'),
        'غ' | 'گ' => Consonant(b'g'),
        'ف' => Consonant(b'f'),
        'ڤ' => Consonant(b'v'),
        'ق' | 'ك' => Consonant(b'k'),
        'ل' | 'ڵ' => Consonant(b'l'),
        'م' => Consonant(b'm'),
        'ن' => Consonant(b'n'),
        _ => return None,
    })
}

fn sounds(chars: &[char]) -> Vec<Sound> {
    let mut out = Vec::with_capacity(chars.len());
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        if c.is_ascii_lowercase() {
            if let Some(pair) = chars.get(k + 1).and_then(|&n| latin_pair(c, n)) {
                out.push(pair);
                k += 2;
                continue;
            }
            if c == 'x' {
                out.extend([Consonant(b'k'), Consonant(b's')]);
            } else if let Some(s) = latin_sound(c) {
                out.push(s);
            }
        } else if k == 0
            && matches!(c, 'إ' | 'ا')
            && chars.get(1) == Some(&'ي')
            && !chars.get(2).is_some_and(|&n| is_arabic_long_vowel(n))
        {
            // A word-initial "إي" is the long ī of Iman (إيمان), not the "ay" of Ayman (أيمن).
            out.push(Vowel);
            k += 2;
            continue;
        } else if let Some(s) = arabic_sound(c) {
            out.push(s);
        }
        k += 1;
    }
    out
}

/// Arabic "sun letters" (t, th, d, dh, r, z, s, sh, the emphatics, l, n) by their codes: the
/// article's l is pronounced as the following letter ("ar-Rashid", "Abdurrahman").
fn is_sun(code: u8) -> bool {
    matches!(code, b't' | b's' | b'z' | b'r' | b'n' | b'l')
}

fn is_vowel(s: Sound) -> bool {
    matches!(s, Vowel | VowelU | Ain)
}

fn is_vowelish(s: Sound) -> bool {
    is_vowel(s) || s == LatinI
}

/// Drops the l of the article before a sun letter, at the start of the word ("alrashid" →
/// "arrashid") or after "abd" ("abdulrahman" → "abdurrahman").
fn assimilate_article(s: &mut Vec<Sound>) {
    let sun_at = |s: &[Sound], k: usize| matches!(s.get(k), Some(&Consonant(c)) if is_sun(c));
    if s.len() >= 3 && is_vowelish(s[0]) && s[1] == Consonant(b'l') && sun_at(s, 2) {
        s.remove(1);
    } else if s.len() >= 6
        && is_vowel(s[0])
        && s[1] == Consonant(b'b')
        && s[2] == Consonant(b't')
        && is_vowelish(s[3])
        && s[4] == Consonant(b'l')
        && sun_at(s, 5)
    {
        s.remove(4);
    }
    s.dedup();
}

/// Turns the sounds into the key: consonant codes, a leading vowel as `a`, other vowels dropped,
/// and the glides (Latin i, Arabic ya and waw) decided by their neighbours. A u or ū before the
/// last consonant of a long word is kept as `u` (Mahmoud, Mahmut, محمود → `mhmut`, apart from
/// Mohammed and Mehmet, `mhmt`). Also tells whether the word ends in a vowel.
fn resolve(s: &[Sound]) -> (String, bool) {
    let n = s.len();
    let mut out = String::with_capacity(n + 1);
    let mut ends_in_vowel = false;
    let mut consonants = 0;
    let is_consonant = |x: Sound| !is_vowelish(x);
    for (k, &snd) in s.iter().enumerate() {
        let prev = if k > 0 { Some(s[k - 1]) } else { None };
        let next = s.get(k + 1).copied();
        let near = |f: fn(Sound) -> bool| prev.is_some_and(f) || next.is_some_and(f);
        let code = match snd {
            Consonant(c) => Some(c as char),
            Vowel | VowelU | Ain => (k == 0).then_some('a'),
            LatinI => {
                if k == 0 {
                    Some('a')
                } else if near(|x| is_vowel(x) || x == Consonant(b'y')) {
                    Some('y')
                } else {
                    None
                }
            }
            ArabicYa => {
                let glide = k == 0
                    || near(is_vowel)
                    // Right after the first consonant: the "ay"/"ey" of Zaynab, Shayma, Layla.
                    || (k == 1 && is_consonant(s[0]))
                    // Four letters, consonant-consonant-ya-consonant: Husayn, Maryam.
                    || (n == 4 && k == 2 && is_consonant(s[0]) && is_consonant(s[1]) && is_consonant(s[3]));
                glide.then_some('y')
            }
            // Next to an ain it is the ū of Masʿūd (مسعود), Saʿūd.
            ArabicWaw => (k == 0 || near(|x| matches!(x, Vowel | VowelU))).then_some('v'),
        };
        if let Some(c) = code
            && !(c == 'y' && out.ends_with('y'))
        {
            out.push(c);
            if k > 0 || is_consonant(snd) {
                consonants += 1;
            }
        }
        let u_before_last = matches!(snd, VowelU | ArabicWaw) && code.is_none();
        if u_before_last && k + 2 == n && matches!(s[k + 1], Consonant(_)) && consonants >= 3 {
            out.push('u');
        }
        if k + 1 == n {
            ends_in_vowel = k > 0 && code.is_none();
        }
    }
    (out, ends_in_vowel)
}

/// The phonetic key of one word. A word ending in a vowel, or in an h after a vowel that
/// spellings drop or keep (Fatimah, Abdullah, فاطمه), gets a final `a`.
fn word_key(chars: &[char]) -> String {
    let mut s = sounds(chars);
    s.dedup();
    assimilate_article(&mut s);
    let mut final_h = false;
    if s.len() > 1 && s.last() == Some(&Consonant(b'h')) {
        s.pop();
        final_h = true;
    }
    let (mut key, ends_in_vowel) = resolve(&s);
    if !key.is_empty() && (ends_in_vowel || final_h) {
        key.push('a');
    }
    key
}

/// Separate articles that belong to the next word: "El Ahmed" is "Elahmed".
fn is_article(chars: &[char], arabic: bool) -> bool {
    const LATIN: &[&str] = &[
        "al", "el", "ul", "ar", "er", "ur", "as", "es", "us", "ad", "ed", "ud", "at", "et", "ut", "az", "ez", "uz",
        "an", "en", "un", "ash", "esh", "ush",
    ];
    if arabic {
        chars == ['ا', 'ل']
    } else {
        let s: String = chars.iter().collect();
        LATIN.contains(&s.as_str())
    }
}

/// Words that begin a compound name with the next word: "Abd al-Rahman", "Abdul Rahman",
/// "عبد الله", "Abu Bakr".
fn is_compound_start(chars: &[char], arabic: bool) -> bool {
    const LATIN: &[&str] = &[
        "abd", "abdu", "abdul", "abdel", "abdal", "abdol", "abdil", "abdur", "abder", "abdar", "abdus", "abdes",
        "abdun", "abden", "abu", "ebu", "abou",
    ];
    if arabic {
        matches!(chars, ['ع', 'ب', 'د'] | ['أ', 'ب', 'و'] | ['ا', 'ب', 'و'])
    } else {
        let s: String = chars.iter().collect();
        LATIN.contains(&s.as_str())
    }
}

/// Abbreviations of Muhammad common in Syrian documents.
fn expand_abbreviation(w: &mut Word) {
    if !w.arabic {
        let s: String = w.chars.iter().collect();
        if matches!(s.as_str(), "mhd" | "mhmd" | "mohd" | "muhd" | "mhmmd") {
            w.chars = "muhammed".chars().collect();
        }
    }
}

/// A word after joining articles and compound names, with the length of its article if it has
/// one.
struct Joined {
    chars: Vec<char>,
    arabic: bool,
    article_len: usize,
}

/// One word of a name with its keys.
#[derive(Clone, Debug)]
struct Token {
    /// Phonetic key.
    key: String,
    /// Phonetic key without the article ("alhmt" → "ahmt"); the key itself when there is none.
    bare: String,
    /// Phonetic key without its glides (`y` and `v` after the first letter), for comparing across
    /// scripts where one script writes a long vowel as ya or waw and the other reads it as a
    /// consonant or leaves it out (لينا and Lina, كوثر and Kevser).
    loose: String,
    /// The word in plain Latin letters.
    latin: String,
    arabic: bool,
}

fn tokens(name: &str) -> Vec<Token> {
    let mut ws = words(name);
    ws.iter_mut().for_each(expand_abbreviation);

    let mut with_articles: Vec<Joined> = Vec::with_capacity(ws.len());
    let mut k = 0;
    while k < ws.len() {
        let w = &ws[k];
        if is_article(&w.chars, w.arabic) && k + 1 < ws.len() {
            let next = &ws[k + 1];
            let mut chars = w.chars.clone();
            chars.extend_from_slice(&next.chars);
            with_articles.push(Joined {
                chars,
                arabic: next.arabic,
                article_len: w.chars.len(),
            });
            k += 2;
            continue;
        }
        let written_article = if w.arabic {
            w.chars.starts_with(&['ا', 'ل'])
        } else {
            w.chars.starts_with(&['a', 'l']) || w.chars.starts_with(&['e', 'l']) || w.chars.starts_with(&['u', 'l'])
        };
        let article_len = if written_article && w.chars.len() >= 5 { 2 } else { 0 };
        with_articles.push(Joined {
            chars: w.chars.clone(),
            arabic: w.arabic,
            article_len,
        });
        k += 1;
    }

    let mut joined: Vec<Joined> = Vec::with_capacity(with_articles.len());
    let mut rest = with_articles.into_iter().peekable();
    while let Some(mut j) = rest.next() {
        let starts_compound = j.article_len == 0 && is_compound_start(&j.chars, j.arabic);
        if starts_compound && let Some(next) = rest.next() {
            j.chars.extend_from_slice(&next.chars);
            j.arabic |= next.arabic;
        }
        joined.push(j);
    }

    joined
        .into_iter()
        .take(MAX_NAME_WORDS)
        .filter_map(|j| {
            let key = word_key(&j.chars);
            if key.is_empty() {
                return None;
            }
            let bare = if j.article_len > 0 && j.chars.len() - j.article_len >= 3 {
                word_key(&j.chars[j.article_len..])
            } else {
                key.clone()
            };
            let loose = key
                .char_indices()
                .filter(|&(i, c)| i == 0 || (c != 'y' && c != 'v'))
                .map(|(_, c)| c)
                .collect();
            let latin = if j.arabic {
                transliterate_word(&j.chars)
            } else {
                j.chars.iter().collect()
            };
            Some(Token {
                key,
                bare,
                loose,
                latin,
                arabic: j.arabic,
            })
        })
        .collect()
}

/// The phonetic key of a name: one code per word, in the name's order, separated by spaces.
///
/// Each word becomes a consonant skeleton that the usual spellings of a name share, so
/// "Mohammed", "Muhammet", "Mohamad" and "محمد" are all `mhmt`, and "Fatma", "Fatima", "Fatimah"
/// and "فاطمة" are all `ftma`:
///
/// - a leading vowel is kept as `a` (Ömer, Omar, Umar, عمر → `amr`), and so is a final one
///   (Fatma, Fatimah, فاطمة; Ayşe, Aisha, عائشة → `aysa`), which keeps Amina (`amna`) apart
///   from Iman (`amn`) and Selma (`slma`) apart from Selim (`slm`); so is a u or ū before the
///   last consonant after three consonants (Mahmoud, Mahmut, محمود → `mhmut`, apart from
///   Mohammed and Mehmet, `mhmt`); other vowels are dropped;
/// - consonants that spellings swap share a code: `t` for t/d (Ahmet, Ahmed), `b` for b/p, `c`
///   for c/ç/j/dj/ch (Hatice, Khadija), `s` for s/ş/sh/th (Şeyma, Shayma; Osman, Othman), `z`
///   for z/dh, `h` for h/kh (Hatice, Khadija), `g` for g/ğ/gh, `k` for k/q/ck, `f` for f/ph, `v`
///   for v/w; Arabic letters map to the same codes (ث س ص ش → `s`, ت ط د ض → `t`, ح خ ه → `h`,
///   ذ ز ظ → `z`, ق ك → `k`);
/// - doubled letters count once (Hassan, Hasan); a final h after a vowel counts as the vowel
///   (Fatimah, Abdullah, عبدالله → `abtla`);
/// - `y` is kept where it is a consonant or a glide: a written y, an i next to a vowel (Aisha,
///   Zeinab, Mariam), an Arabic ya next to a long vowel, right after the first consonant
///   (زينب, شيماء, ليلى) or in a four-letter word like حسين and مريم; an i between consonants is
///   a short vowel and is dropped (Fatima, Khadija, Ibrahim). This keeps Ali (`ala`) apart from
///   Ayla (`ayla`) and Hasan (`hsn`) apart from Hüseyin (`hsyn`);
/// - an Arabic waw is `v` next to a long vowel or at the start (Marwa, Merve, مروة → `mrva`) and
///   a vowel otherwise (Nur, Nour, نور → `nr`);
/// - the article is part of the word, written joined or separate (El Ahmed, Elahmet, Al-Ahmad,
///   الأحمد → `alhmt`), and its l is dropped before a sun letter (Ar-Rashid, Al Rashid, الرشيد →
///   `arst`); "Abd al", "Abdul", "Abdel" and "عبد" join the next word (Abdul Rahman,
///   Abdurrahman, عبد الرحمن → `abtrhmn`).
///
/// Known limits, where Arabic script does not show what a Latin spelling shows: a long ī or ū
/// that Latin writes as a plain vowel but the rules read as a consonant (لينا and Lina, سليم and
/// Selim, كوثر and Kevser), and French spellings with a silent final e (Yasmine). Word comparison
/// in [`MatchIndex`] forgives these as a similar name rather than the same one.
pub fn phonetic_key(name: &str) -> String {
    let toks = tokens(name);
    let mut out = String::new();
    for t in &toks {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.key);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Identity numbers, phones, dates.

/// The digits of a number as typed, ASCII or Arabic-Indic, without spaces, signs or separators.
fn digits(raw: &str) -> String {
    lohusa_core::validation::western_digits(raw)
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

fn all_same(s: &str) -> bool {
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
fn phone_numbers(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = raw.split(['/', ',', ';', '|']).filter_map(normalize_phone).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Identity numbers of the same length one substituted digit or one swapped adjacent pair apart.
fn one_typo_apart(a: &str, b: &str) -> bool {
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
fn years_between(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

// ---------------------------------------------------------------------------------------------
// Comparing two mothers.

/// A mother with everything the comparison needs computed once.
#[derive(Clone, Debug)]
struct Entry {
    id: Uuid,
    tokens: Vec<Token>,
    id_number: Option<String>,
    phones: Vec<String>,
    date_of_birth: Option<NaiveDate>,
    /// Stated age, or the age at the baby's birth when the date of birth is known.
    age: Option<i32>,
    baby_birth_date: Option<NaiveDate>,
}

impl Entry {
    fn new(p: &Person) -> Entry {
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
enum NameRelation {
    Same,
    SameWithExtraWords,
    Similar,
    Unrelated,
}

/// Two words that are not the same phonetically but close: one has an article the other lacks,
/// or (same script) one typo apart in a long word, or (across scripts) the same but for a long
/// vowel written in one script only.
fn words_close(t: &Token, u: &Token) -> bool {
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
fn compare_names(a: &[Token], b: &[Token]) -> NameRelation {
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
fn score(a: &Entry, b: &Entry) -> (i32, Vec<MatchReason>) {
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

fn clamp_score(points: i32) -> u32 {
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

// ---------------------------------------------------------------------------------------------
// The index.

/// The mothers on the device with their keys computed once, filed by phonetic word, identity
/// number and phone, so that checking one incoming mother only scores the few sharing one of
/// those.
#[derive(Clone, Debug, Default)]
pub struct MatchIndex {
    entries: Vec<Entry>,
    by_word: HashMap<String, Vec<u32>>,
    by_id_number: HashMap<String, Vec<u32>>,
    by_phone: HashMap<String, Vec<u32>>,
}

fn file_under(map: &mut HashMap<String, Vec<u32>>, key: &str, slot: u32) {
    match map.get_mut(key) {
        Some(slots) => {
            if slots.last() != Some(&slot) {
                slots.push(slot);
            }
        }
        None => {
            map.insert(key.to_owned(), vec![slot]);
        }
    }
}

impl MatchIndex {
    /// Builds the index over the mothers already on the device.
    pub fn new(people: impl IntoIterator<Item = Person>) -> Self {
        let mut index = MatchIndex::default();
        for p in people {
            index.add(p);
        }
        index
    }

    /// Adds one mother, so that rows created earlier in the same import are checked against
    /// the later ones.
    pub fn add(&mut self, person: Person) {
        let entry = Entry::new(&person);
        let slot = u32::try_from(self.entries.len()).expect("fewer than 4 billion mothers");
        for t in &entry.tokens {
            file_under(&mut self.by_word, &t.key, slot);
            if t.bare != t.key {
                file_under(&mut self.by_word, &t.bare, slot);
            }
        }
        if let Some(id) = &entry.id_number {
            file_under(&mut self.by_id_number, id, slot);
        }
        for phone in &entry.phones {
            file_under(&mut self.by_phone, phone, slot);
        }
        self.entries.push(entry);
    }

    /// How many mothers the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The mothers who are probably `probe`: score [`SUSPECT_THRESHOLD`] or more, best first
    /// (ties: the one added first), at most [`MAX_SUSPECTS`]. A mother with the probe's own id
    /// (unless nil) is left out.
    pub fn candidates(&self, probe: &Person) -> Vec<Suspect> {
        let p = Entry::new(probe);
        let mut pool: Vec<u32> = Vec::new();
        for t in &p.tokens {
            if let Some(slots) = self.by_word.get(&t.key) {
                pool.extend_from_slice(slots);
            }
            if t.bare != t.key
                && let Some(slots) = self.by_word.get(&t.bare)
            {
                pool.extend_from_slice(slots);
            }
        }
        if let Some(slots) = p.id_number.as_ref().and_then(|id| self.by_id_number.get(id)) {
            pool.extend_from_slice(slots);
        }
        for phone in &p.phones {
            if let Some(slots) = self.by_phone.get(phone) {
                pool.extend_from_slice(slots);
            }
        }
        pool.sort_unstable();
        pool.dedup();

        let mut found: Vec<(u32, u32, Vec<MatchReason>)> = Vec::new();
        for slot in pool {
            let e = &self.entries[slot as usize];
            if !p.id.is_nil() && e.id == p.id {
                continue;
            }
            let (points, reasons) = score(&p, e);
            let s = clamp_score(points);
            if s >= SUSPECT_THRESHOLD {
                found.push((s, slot, reasons));
            }
        }
        found.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        found.truncate(MAX_SUSPECTS);
        found
            .into_iter()
            .map(|(score, slot, reasons)| Suspect {
                id: self.entries[slot as usize].id,
                score,
                reasons,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: u128, name: &str) -> Person {
        Person {
            id: Uuid::from_u128(n),
            full_name: name.to_owned(),
            ..Person::default()
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn spellings_of_one_name_share_a_phonetic_key() {
        let groups: &[&[&str]] = &[
            &[
                "Mohammed",
                "Muhammet",
                "Mohamad",
                "محمد",
                "Muhammed",
                "مُحَمَّد",
                "محـمد",
                "Mhd",
            ],
            &["Fatma", "Fatima", "Fatimah", "فاطمة", "Fatıma", "فاطمه", "FATMA"],
            &["Fatma", "Fadime"],
            &[
                "Fatma El Ahmed",
                "Fatıma Elahmet",
                "Fatima Al-Ahmad",
                "Fatimah Alahmed",
                "فاطمة الأحمد",
            ],
            &["Ayşe Yılmaz", "AYSE YILMAZ", "ayse  yilmaz"],
            &["Ahmad", "Ahmet", "Ehmed", "أحمد", "Ahmed"],
            &["Khadija", "Hatice", "Hadice", "خديجة", "Khadidja"],
            &["Aisha", "Ayşe", "Ayse", "عائشة", "Aysha"],
            &["Zeynep", "Zainab", "Zeinab", "زينب", "Zaynab"],
            &["Mariam", "Meryem", "Maryam", "مريم", "Meriem"],
            &["Abdullah", "Abdallah", "عبدالله", "عبد الله"],
            &["Al-Hassan", "Elhasan", "الحسن", "El Hasan", "Al Hasan"],
            &["Nour", "Nur", "نور", "Noor"],
            &["Yusuf", "Yousef", "Youssef", "يوسف"],
            &["Hüseyin", "Hussein", "Husayn", "حسين", "Huseyin"],
            &["Rukiye", "Ruqayya", "رقية", "Rukaye"],
            &["Şeyma", "Shaima", "Shayma", "شيماء", "Seyma"],
            &["Ömer", "Omar", "Umar", "عمر", "Omer"],
            &["İbrahim", "Ibrahim", "إبراهيم", "IBRAHIM"],
            &["Özdemir", "OZDEMIR"],
            &[
                "Abdurrahman",
                "Abdul Rahman",
                "Abd al-Rahman",
                "عبد الرحمن",
                "Abdel Rahman",
            ],
            &["Ar-Rashid", "Al Rashid", "الرشيد", "Er-Reşit"],
            &["Emine", "Amina", "أمينة", "Ameena"],
            &["Leyla", "Layla", "Laila", "ليلى"],
            &["Merve", "Marwa", "مروة"],
            &["Halit", "Khaled", "Khalid", "خالد", "Halid"],
            &["Yasemin", "Yasmin", "ياسمين", "Yasmeen"],
            &["Iman", "Eman", "إيمان", "ايمان"],
            &["Mahmoud", "Mahmut", "Mahmud", "محمود"],
            &["Mansour", "Mansur", "منصور"],
            &["Masoud", "Mesut", "مسعود"],
            &["Said", "Saeed", "سعيد"],
            &["Ayman", "Eymen", "أيمن"],
            &["Aya", "آية", "Ayah"],
            &["Osman", "Othman", "عثمان", "Usman"],
            &["Nesrin", "Nisreen", "نسرين", "Nasrin"],
            &["Sümeyye", "Sumayya", "سمية", "Sumeyye"],
            &["Nadia", "Nadiye", "نادية"],
            &["Neval", "Nawal", "نوال"],
            &["Saleh", "Salih", "صالح"],
            &["Ez-Zubi", "Al Zoubi", "الزعبي"],
        ];
        let mut pairs = 0;
        for group in groups {
            let first = phonetic_key(group[0]);
            assert!(!first.is_empty(), "{}", group[0]);
            for other in &group[1..] {
                assert_eq!(phonetic_key(other), first, "{} vs {}", group[0], other);
                pairs += 1;
            }
        }
        assert!(pairs >= 25, "{pairs} pairs");
    }

    #[test]
    fn keys_are_as_documented() {
        let cases: &[(&str, &str)] = &[
            ("Mohammed", "mhmt"),
            ("Fatma", "ftma"),
            ("Ömer", "amr"),
            ("Ayşe", "aysa"),
            ("Amina", "amna"),
            ("Iman", "amn"),
            ("Selma", "slma"),
            ("Selim", "slm"),
            ("Abdullah", "abtla"),
            ("Ali", "ala"),
            ("Ayla", "ayla"),
            ("Hasan", "hsn"),
            ("Hüseyin", "hsyn"),
            ("Marwa", "mrva"),
            ("Nur", "nr"),
            ("El Ahmed", "alhmt"),
            ("Ar-Rashid", "arst"),
            ("Abdul Rahman", "abtrhmn"),
            ("محمود", "mhmut"),
            ("Fatma El Ahmed", "ftma alhmt"),
            ("", ""),
            ("— / —", ""),
        ];
        for (name, key) in cases {
            assert_eq!(phonetic_key(name), *key, "{name}");
        }
    }

    #[test]
    fn different_names_keep_different_keys() {
        let pairs: &[(&str, &str)] = &[
            ("Ali", "Ayla"),
            ("Ahmet", "Mehmet"),
            ("Zeynep", "Zehra"),
            ("Emine", "Emel"),
            ("Hasan", "Hüseyin"),
            ("Meryem", "Merve"),
            ("Ayşe", "Aysel"),
            ("Esra", "Esma"),
            ("Sema", "Seda"),
            ("Fatma", "Hatice"),
            ("Hatice", "Hacer"),
            ("Gül", "Gülay"),
            ("Zehra", "Tahire"),
            ("Aslan", "Arslan"),
            ("Fatma Yılmaz", "Fatma Yıldız"),
            ("Iman", "Amina"),
            ("Mahmoud", "Mohammed"),
            ("Mahmut", "Mehmet"),
            ("إيمان", "أمينة"),
            ("Selim", "Selma"),
            ("Cemil", "Cemile"),
            ("Yasmin", "Yasmine"),
        ];
        for (a, b) in pairs {
            assert_ne!(phonetic_key(a), phonetic_key(b), "{a} vs {b}");
        }
    }

    #[test]
    fn latin_key_transliterates_and_folds() {
        let cases: &[(&str, &str)] = &[
            ("  AYŞE   YILMAZ ", "ayse yilmaz"),
            ("Fatıma Elahmet", "fatima elahmet"),
            ("Fatima Al-Ahmad", "fatima al ahmad"),
            ("İBRAHİM Çağlar-Öztürk", "ibrahim caglar ozturk"),
            ("Ma'ruf", "maruf"),
            ("فاطمة الأحمد", "fatma al ahmd"),
            ("مُحَمَّد", "mhmd"),
            ("عائشة", "aisa"),
            ("وفاء", "vfa"),
            ("يوسف", "yusf"),
            ("Ḥasan", "hasan"),
        ];
        for (raw, expected) in cases {
            assert_eq!(latin_key(raw), *expected, "{raw}");
        }
    }

    #[test]
    fn phones_and_identity_numbers_are_compared_by_their_digits() {
        for raw in [
            "0532 123 45 67",
            "+90 532 1234567",
            "5321234567",
            "(0532) 123-45-67",
            "0090 532 123 45 67",
            "٠٥٣٢١٢٣٤٥٦٧",
        ] {
            assert_eq!(normalize_phone(raw).as_deref(), Some("5321234567"), "{raw}");
        }
        assert_eq!(normalize_phone("+963 944 123 456"), normalize_phone("0944 123 456"));
        assert_eq!(normalize_phone("123"), None);
        assert_eq!(normalize_phone("0000000000"), None);
        assert_eq!(phone_numbers("0532 123 45 67 / 0544 765 43 21").len(), 2);
        assert_eq!(normalize_id_number("991 234 567 80").as_deref(), Some("99123456780"));
        assert_eq!(normalize_id_number("٩٩١٢٣٤٥٦٧٨٠").as_deref(), Some("99123456780"));
        assert_eq!(normalize_id_number("00000000000"), None);
        assert!(one_typo_apart("99123456780", "99123456789"));
        assert!(one_typo_apart("99123456780", "99123457680"));
        assert!(!one_typo_apart("99123456780", "99123450000"));
    }

    #[test]
    fn same_identity_number_is_a_suspect_whatever_the_spelling() {
        let mut existing = person(1, "Fatma El Ahmed");
        existing.id_number = Some("99123456780".into());
        let index = MatchIndex::new([existing]);

        let mut probe = person(2, "Fatimah Alahmad");
        probe.id_number = Some("991 234 567 80".into());
        let found = index.candidates(&probe);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, Uuid::from_u128(1));
        assert!(found[0].reasons.contains(&MatchReason::SameIdNumber));
        assert!(found[0].reasons.contains(&MatchReason::NameSpelling));

        // The identity number alone, with a name written quite differently.
        probe.full_name = "Um Ahmad".into();
        let found = index.candidates(&probe);
        assert_eq!(found.len(), 1);
        assert!(found[0].score >= SUSPECT_THRESHOLD);
        assert_eq!(found[0].reasons, vec![MatchReason::SameIdNumber]);
    }

    #[test]
    fn same_name_and_same_phone_in_another_format_is_a_suspect() {
        let mut existing = person(1, "Ayşe Yılmaz");
        existing.phone = Some("0532 123 45 67".into());
        let index = MatchIndex::new([existing]);

        let mut probe = person(2, "AYSE YILMAZ");
        probe.phone = Some("+90 532 1234567".into());
        let found = index.candidates(&probe);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].reasons,
            vec![MatchReason::NameSpelling, MatchReason::SamePhone]
        );
        assert_eq!(found[0].score, 70);
    }

    #[test]
    fn same_name_alone_is_not_a_suspect() {
        let mut existing = person(1, "Fatma Yılmaz");
        existing.age_years = Some(28);
        let index = MatchIndex::new([existing]);
        let mut probe = person(2, "Fatma Yilmaz");
        probe.age_years = Some(28);
        assert!(index.candidates(&probe).is_empty());
        let s = compare(&probe, &person(1, "Fatma Yılmaz"));
        assert_eq!(s.reasons, vec![MatchReason::NameSpelling]);
        assert!(s.score < SUSPECT_THRESHOLD);
    }

    #[test]
    fn different_identity_numbers_outweigh_name_and_phone() {
        let mut existing = person(1, "Zeynep Kaya");
        existing.id_number = Some("10000000146".into());
        existing.phone = Some("05321234567".into());
        let index = MatchIndex::new([existing]);

        let mut probe = person(2, "Zeynep Kaya");
        probe.id_number = Some("20000000046".into());
        assert!(index.candidates(&probe).is_empty());
        probe.phone = Some("5321234567".into());
        assert!(index.candidates(&probe).is_empty());
        let s = compare(&probe, &person(1, "Zeynep Kaya"));
        assert_eq!(s.reasons, vec![MatchReason::NameSpelling]);
    }

    #[test]
    fn one_mistyped_digit_of_the_identity_number_with_the_same_name_is_a_suspect() {
        let mut existing = person(1, "Meryem Aydın");
        existing.id_number = Some("10000000146".into());
        let index = MatchIndex::new([existing]);
        let mut probe = person(2, "Meryem Aydin");
        probe.id_number = Some("10000000164".into());
        let found = index.candidates(&probe);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].reasons,
            vec![MatchReason::SimilarIdNumber, MatchReason::NameSpelling]
        );
    }

    #[test]
    fn swapped_word_order_with_the_same_baby_birth_date_is_a_suspect() {
        let mut existing = person(1, "Fatma El Ahmed");
        existing.baby_birth_date = Some(date(2026, 3, 14));
        let index = MatchIndex::new([existing]);

        let mut probe = person(2, "El Ahmed Fatma");
        probe.baby_birth_date = Some(date(2026, 3, 15));
        let found = index.candidates(&probe);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].reasons,
            vec![MatchReason::NameSpelling, MatchReason::SameBabyBirthDate]
        );

        // Two days apart is another birth.
        probe.baby_birth_date = Some(date(2026, 3, 16));
        assert!(index.candidates(&probe).is_empty());
    }

    #[test]
    fn a_missing_middle_name_still_matches() {
        let mut existing = person(1, "Fatma Zehra Yılmaz");
        existing.date_of_birth = Some(date(1995, 6, 1));
        let index = MatchIndex::new([existing]);
        let mut probe = person(2, "Yilmaz Fatma");
        probe.date_of_birth = Some(date(1995, 6, 1));
        let found = index.candidates(&probe);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].reasons,
            vec![MatchReason::NameSpelling, MatchReason::SameDateOfBirth]
        );
    }

    #[test]
    fn same_phone_and_a_similar_name_is_a_suspect() {
        let mut existing = person(1, "Fatma Yılmaz");
        existing.phone = Some("0532 123 45 67".into());
        let mut other = person(3, "Hatice Demir");
        other.phone = Some("0532 123 45 67".into());
        let index = MatchIndex::new([existing, other]);

        // A typo in the surname.
        let mut probe = person(2, "Fatma Yilnaz");
        probe.phone = Some("5321234567".into());
        let found = index.candidates(&probe);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, Uuid::from_u128(1));
        assert_eq!(found[0].reasons, vec![MatchReason::NameSimilar, MatchReason::SamePhone]);

        // The article dropped.
        let mut existing = person(1, "Fatma El Ahmed");
        existing.phone = Some("0532 123 45 67".into());
        let index = MatchIndex::new([existing]);
        let mut probe = person(2, "Fatma Ahmed");
        probe.phone = Some("5321234567".into());
        let found = index.candidates(&probe);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].reasons, vec![MatchReason::NameSimilar, MatchReason::SamePhone]);
    }

    #[test]
    fn latin_and_arabic_spellings_find_each_other() {
        let mut arabic = person(1, "فاطمة الأحمد");
        arabic.phone = Some("٠٥٣٢ ١٢٣ ٤٥ ٦٧".into());
        let mut latin = person(2, "Fatima Al-Ahmad");
        latin.phone = Some("+90 532 123 45 67".into());

        let found = MatchIndex::new([arabic.clone()]).candidates(&latin);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, arabic.id);
        assert_eq!(
            found[0].reasons,
            vec![MatchReason::NameSpelling, MatchReason::SamePhone]
        );

        let found = MatchIndex::new([latin.clone()]).candidates(&arabic);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, latin.id);

        // A long vowel written in Arabic only still counts as a similar name.
        let mut existing = person(3, "لينا حسن");
        existing.baby_birth_date = Some(date(2026, 1, 2));
        let mut probe = person(4, "Lina Hasan");
        probe.baby_birth_date = Some(date(2026, 1, 2));
        let found = MatchIndex::new([existing]).candidates(&probe);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].reasons,
            vec![MatchReason::NameSimilar, MatchReason::SameBabyBirthDate]
        );
    }

    #[test]
    fn rows_added_during_an_import_are_checked_against_each_other() {
        let mut index = MatchIndex::new(Vec::new());
        assert!(index.is_empty());
        let mut first = person(1, "Zainab Hussein");
        first.phone = Some("0544 111 22 33".into());
        first.baby_birth_date = Some(date(2026, 2, 1));
        assert!(index.candidates(&first).is_empty());
        index.add(first.clone());

        let second = Person {
            id: Uuid::from_u128(2),
            ..first.clone()
        };
        let found = index.candidates(&second);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, first.id);
        assert_eq!(found[0].score, 100);

        // The mother herself is not her own duplicate.
        assert!(index.candidates(&first).is_empty());
    }

    #[test]
    fn at_most_five_suspects_best_first() {
        let mut people = Vec::new();
        for n in 0..8u128 {
            let mut p = person(n + 1, "Hatice Demir");
            p.baby_birth_date = Some(date(2026, 4, 10));
            if n == 6 {
                p.phone = Some("0555 000 11 22".into());
            }
            people.push(p);
        }
        let index = MatchIndex::new(people);
        let mut probe = person(100, "Khadija Demir");
        probe.baby_birth_date = Some(date(2026, 4, 10));
        probe.phone = Some("05550001122".into());
        let found = index.candidates(&probe);
        assert_eq!(found.len(), MAX_SUSPECTS);
        assert_eq!(found[0].id, Uuid::from_u128(7));
        assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn reasons_serialise_in_snake_case() {
        let s = Suspect {
            id: Uuid::nil(),
            score: 70,
            reasons: vec![MatchReason::SameIdNumber, MatchReason::SameBabyBirthDate],
        };
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            json["reasons"],
            serde_json::json!(["same_id_number", "same_baby_birth_date"])
        );
    }

    /// A deterministic generator of referral-like mothers.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            // splitmix64
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// (Latin spellings, Arabic spelling)
    type Name = (&'static [&'static str], Option<&'static str>);

    const FIRST_NAMES: &[Name] = &[
        (&["Fatma", "Fatima", "Fatıma"], Some("فاطمة")),
        (&["Ayşe", "Aisha", "Ayse"], Some("عائشة")),
        (&["Zeynep", "Zainab"], Some("زينب")),
        (&["Meryem", "Maryam", "Mariam"], Some("مريم")),
        (&["Hatice", "Khadija"], Some("خديجة")),
        (&["Emine", "Amina"], Some("أمينة")),
        (&["Rukiye", "Ruqayya"], Some("رقية")),
        (&["Şeyma", "Shaima"], Some("شيماء")),
        (&["Leyla", "Layla"], Some("ليلى")),
        (&["Merve", "Marwa"], Some("مروة")),
        (&["Yasemin", "Yasmin"], Some("ياسمين")),
        (&["Nur", "Nour"], Some("نور")),
        (&["Esra", "Israa"], Some("إسراء")),
        (&["Esma", "Asma"], Some("أسماء")),
        (&["Hiba", "Heba"], Some("هبة")),
        (&["Sara", "Sarah"], Some("سارة")),
        (&["Nesrin", "Nisreen"], Some("نسرين")),
        (&["Semire", "Samira"], Some("سميرة")),
        (&["Cemile", "Jamila"], Some("جميلة")),
        (&["Halime", "Halima"], Some("حليمة")),
        (&["Nadiye", "Nadia"], Some("نادية")),
        (&["Suad"], Some("سعاد")),
        (&["Vefa", "Wafaa"], Some("وفاء")),
        (&["Neval", "Nawal"], Some("نوال")),
        (&["Büşra", "Bushra"], Some("بشرى")),
        (&["Sümeyye", "Sumayya"], Some("سمية")),
        (&["Safiye", "Safia"], Some("صفية")),
        (&["Zehra", "Zahra"], Some("زهراء")),
        (&["Melek", "Malak"], Some("ملك")),
        (&["Reyhan", "Rayhan"], Some("ريحان")),
        (&["Elif"], None),
        (&["Derya"], None),
        (&["Gamze"], None),
        (&["Özlem", "Ozlem"], None),
        (&["Sevgi"], None),
        (&["Tuğba", "Tugba"], None),
        (&["Gül", "Gul"], None),
        (&["Dilek"], None),
        (&["Songül", "Songul"], None),
        (&["Hülya", "Hulya"], None),
    ];

    const SURNAMES: &[Name] = &[
        (&["Yılmaz", "Yilmaz"], None),
        (&["Kaya"], None),
        (&["Demir"], None),
        (&["Şahin", "Sahin"], None),
        (&["Çelik", "Celik"], None),
        (&["Yıldız", "Yildiz"], None),
        (&["Öztürk", "Ozturk"], None),
        (&["Aydın", "Aydin"], None),
        (&["Özdemir", "Ozdemir"], None),
        (&["Arslan"], None),
        (&["Doğan", "Dogan"], None),
        (&["Kılıç", "Kilic"], None),
        (&["Aslan"], None),
        (&["Çetin", "Cetin"], None),
        (&["Kara"], None),
        (&["Koç", "Koc"], None),
        (&["Kurt"], None),
        (&["Özkan", "Ozkan"], None),
        (&["Şimşek", "Simsek"], None),
        (&["Polat"], None),
        (&["El Ahmed", "Al-Ahmad", "Elahmet"], Some("الأحمد")),
        (&["Hasan", "Hassan"], Some("حسن")),
        (&["Hüseyin", "Hussein"], Some("حسين")),
        (&["El Hasan", "Al-Hassan"], Some("الحسن")),
        (&["Muhammed", "Mohammed"], Some("محمد")),
        (&["Ali"], Some("علي")),
        (&["İbrahim", "Ibrahim"], Some("إبراهيم")),
        (&["Yusuf", "Youssef"], Some("يوسف")),
        (&["Ömer", "Omar"], Some("عمر")),
        (&["Abdullah", "Abdallah"], Some("عبدالله")),
        (&["Halit", "Khaled"], Some("خالد")),
        (&["Osman", "Othman"], Some("عثمان")),
        (&["Mustafa", "Mostafa"], Some("مصطفى")),
        (&["Er-Reşit", "Al Rashid"], Some("الرشيد")),
        (&["Abdurrahman", "Abdul Rahman"], Some("عبد الرحمن")),
        (&["Ez-Zubi", "Al Zoubi"], Some("الزعبي")),
        (&["Eş-Şami", "Al Shami"], Some("الشامي")),
        (&["Nasır", "Nasser"], Some("ناصر")),
        (&["Salih", "Saleh"], Some("صالح")),
        (&["Hamdan"], Some("حمدان")),
    ];

    /// Writes a name in Arabic script when both parts have one and `arabic` asks for it,
    /// otherwise in the Latin spelling number `variant`.
    fn write_name(first: &Name, last: &Name, arabic: bool, variant: usize, swap: bool) -> String {
        let (f, l) = match (arabic, first.1, last.1) {
            (true, Some(f), Some(l)) => (f, l),
            _ => (first.0[variant % first.0.len()], last.0[variant % last.0.len()]),
        };
        if swap { format!("{l} {f}") } else { format!("{f} {l}") }
    }

    fn write_phone(digits: &str, style: u64) -> String {
        match style {
            0 => format!("0{} {} {} {}", &digits[..3], &digits[3..6], &digits[6..8], &digits[8..]),
            1 => format!("+90 {} {}", &digits[..3], &digits[3..]),
            _ => digits.to_owned(),
        }
    }

    #[test]
    fn twenty_thousand_mothers_the_planted_duplicate_comes_first() {
        let mut g = Gen(2026);
        let mut people = Vec::with_capacity(20_000);
        let mut parts = Vec::with_capacity(20_000);
        let mut phones = Vec::with_capacity(20_000);
        for n in 0..20_000u128 {
            let fi = g.below(FIRST_NAMES.len() as u64) as usize;
            let li = g.below(SURNAMES.len() as u64) as usize;
            let arabic = g.below(5) == 0;
            let variant = g.below(3) as usize;
            let swap = g.below(10) == 0;
            let mut full_name = write_name(&FIRST_NAMES[fi], &SURNAMES[li], arabic, variant, swap);
            if g.below(10) == 0 {
                let middle = FIRST_NAMES[g.below(FIRST_NAMES.len() as u64) as usize].0[0];
                full_name = format!("{full_name} {middle}");
            }
            let phone_digits = format!("5{:09}", g.below(1_000_000_000));
            let phone = (g.below(10) != 0).then(|| write_phone(&phone_digits, g.below(3)));
            let id_number = (g.below(10) < 6).then(|| {
                let head = if FIRST_NAMES[fi].1.is_some() && SURNAMES[li].1.is_some() {
                    99
                } else {
                    10 + g.below(89)
                };
                format!("{head}{:09}", g.below(1_000_000_000))
            });
            let date_of_birth = (g.below(10) < 8).then(|| date(1985, 1, 1) + chrono::Days::new(g.below(7300)));
            let age_years = date_of_birth.is_none().then(|| 18 + g.below(27) as u32);
            let baby_birth_date = Some(date(2025, 1, 1) + chrono::Days::new(g.below(365)));
            people.push(Person {
                id: Uuid::from_u128(n + 1),
                full_name,
                id_number,
                phone,
                date_of_birth,
                age_years,
                baby_birth_date,
            });
            parts.push((fi, li, arabic));
            phones.push(phone_digits);
        }
        let index = MatchIndex::new(people.clone());
        assert_eq!(index.len(), 20_000);

        // Each probe is an existing mother referred again: her name in the other script or
        // another spelling, her phone written another way, no identity number.
        let mut checked = 0;
        let mut elapsed = std::time::Duration::ZERO;
        for k in (7..20_000).step_by(97) {
            let original = &people[k];
            if original.phone.is_none() {
                continue;
            }
            let (fi, li, arabic) = parts[k];
            let probe = Person {
                id: Uuid::from_u128(1_000_000 + k as u128),
                full_name: write_name(&FIRST_NAMES[fi], &SURNAMES[li], !arabic, k + 1, false),
                id_number: None,
                phone: Some(write_phone(&phones[k], (k % 3) as u64)),
                ..original.clone()
            };
            let start = std::time::Instant::now();
            let found = index.candidates(&probe);
            elapsed += start.elapsed();
            assert!(!found.is_empty() && found.len() <= MAX_SUSPECTS, "{}", probe.full_name);
            assert_eq!(
                found[0].id, original.id,
                "{} for {}: {found:?}",
                probe.full_name, original.full_name
            );
            assert!(
                found[0].reasons.contains(&MatchReason::NameSpelling),
                "{} vs {}",
                probe.full_name,
                original.full_name
            );
            assert!(found[0].reasons.contains(&MatchReason::SamePhone));
            checked += 1;
        }
        assert!(checked > 150);
        println!(
            "candidates over {} mothers: {:?} per call on average ({checked} calls)",
            index.len(),
            elapsed / checked
        );
    }
}
