//! Phonetic keys: a consonant skeleton of each word that stays the same across spellings.

use super::*;

/// One sound of a word on its way to the phonetic key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sound {
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
pub(super) fn latin_pair(a: char, b: char) -> Option<Sound> {
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

pub(super) fn latin_sound(c: char) -> Option<Sound> {
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

pub(super) fn arabic_sound(c: char) -> Option<Sound> {
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

pub(super) fn sounds(chars: &[char]) -> Vec<Sound> {
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
pub(super) fn is_sun(code: u8) -> bool {
    matches!(code, b't' | b's' | b'z' | b'r' | b'n' | b'l')
}

pub(super) fn is_vowel(s: Sound) -> bool {
    matches!(s, Vowel | VowelU | Ain)
}

pub(super) fn is_vowelish(s: Sound) -> bool {
    is_vowel(s) || s == LatinI
}

/// Drops the l of the article before a sun letter, at the start of the word ("alrashid" →
/// "arrashid") or after "abd" ("abdulrahman" → "abdurrahman").
pub(super) fn assimilate_article(s: &mut Vec<Sound>) {
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
pub(super) fn resolve(s: &[Sound]) -> (String, bool) {
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
pub(super) fn word_key(chars: &[char]) -> String {
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
pub(super) fn is_article(chars: &[char], arabic: bool) -> bool {
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
pub(super) fn is_compound_start(chars: &[char], arabic: bool) -> bool {
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
pub(super) fn expand_abbreviation(w: &mut Word) {
    if !w.arabic {
        let s: String = w.chars.iter().collect();
        if matches!(s.as_str(), "mhd" | "mhmd" | "mohd" | "muhd" | "mhmmd") {
            w.chars = "muhammed".chars().collect();
        }
    }
}

/// A word after joining articles and compound names, with the length of its article if it has
/// one.
pub(super) struct Joined {
    pub(super) chars: Vec<char>,
    pub(super) arabic: bool,
    pub(super) article_len: usize,
}

/// One word of a name with its keys.
#[derive(Clone, Debug)]
pub(super) struct Token {
    /// Phonetic key.
    pub(super) key: String,
    /// Phonetic key without the article ("alhmt" → "ahmt"); the key itself when there is none.
    pub(super) bare: String,
    /// Phonetic key without its glides (`y` and `v` after the first letter), for comparing across
    /// scripts where one script writes a long vowel as ya or waw and the other reads it as a
    /// consonant or leaves it out (لينا and Lina, كوثر and Kevser).
    pub(super) loose: String,
    /// The word in plain Latin letters.
    pub(super) latin: String,
    pub(super) arabic: bool,
}

pub(super) fn tokens(name: &str) -> Vec<Token> {
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
