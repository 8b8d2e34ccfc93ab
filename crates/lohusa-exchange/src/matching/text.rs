//! Names as text: splitting a name into words, folding Latin letters, normalising and
//! transliterating Arabic letters, and the plain Latin key (`latin_key`). Latin letters, Arabic
//! marks and silent marks fold as search folds them (`lohusa_core::search`).

pub(super) use lohusa_core::search::{fold_latin, is_arabic_mark, is_silent};

/// An Arabic-script letter in its plain Arabic form (Persian and Kurdish keyboard variants of
/// ya, kaf, heh and ta marbuta are mapped to the Arabic ones), or `None` for anything else.
pub(super) fn arabic_letter(c: char) -> Option<char> {
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

/// One word of a name: folded Latin letters, or Arabic letters.
#[derive(Clone, Debug, Default)]
pub(super) struct Word {
    pub(super) chars: Vec<char>,
    pub(super) arabic: bool,
}

/// Splits a name into words. Whitespace, hyphens, digits and punctuation separate words; a change
/// of script does too. Arabic marks, combining accents and apostrophes are dropped.
pub(super) fn words(name: &str) -> Vec<Word> {
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

pub(super) fn is_arabic_long_vowel(c: char) -> bool {
    matches!(c, 'ا' | 'أ' | 'إ' | 'آ' | 'ة' | 'ى')
}

/// The Latin letters for an Arabic consonant, as Turkish and Levantine speakers write names.
pub(super) fn arabic_consonant_latin(c: char) -> &'static str {
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
pub(super) fn transliterate_word(w: &[char]) -> String {
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
