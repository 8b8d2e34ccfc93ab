//! Name folding for search, so "IŞIK", "ışık" and "isik" find the same mother, and Arabic names
//! match with or without their short-vowel marks.
//!
//! Turkish has two i's (ı/I and i/İ) that ordinary lower-casing mixes up; nurses type on whatever
//! keyboard the tablet has. So both i's fold to "i", Turkish letters lose their marks, and Arabic
//! loses tashkeel and the variant forms of alef, ya and ta marbuta.

/// The version of `fold_for_search`: a device re-folds the names it stored when it changes.
pub const FOLD_VERSION: u32 = 2;

/// Arabic short vowels and other marks (tashkeel), the superscript alef and the tatweel: typed
/// or not, they do not change the name.
pub fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}')
}

/// Combining diacritics of decomposed Latin text ("s" + cedilla) and apostrophes: dropped
/// without splitting the word ("Ma'ruf", "Ayşe'nin").
pub fn is_silent(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}' | '\'' | '’' | '‘' | '`' | '´' | 'ʼ' | 'ʿ' | 'ʾ' | 'ʻ'
    )
}

/// Lower-cases a letter that is not Arabic and folds it to plain Latin letters: both Turkish
/// i's to `i`, `ş ğ ç ö ü` to `s g c o u`, other accents and transliteration marks dropped.
/// Letters of other scripts are kept lower-cased; anything else (a digit, a mark) is dropped.
/// Search and duplicate detection fold Latin letters with this one function.
pub fn fold_latin(c: char, out: &mut impl Extend<char>) {
    for l in c.to_lowercase() {
        let folded: &str = match l {
            'a'..='z' => {
                out.extend([l]);
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
                out.extend([other]);
                continue;
            }
            _ => "",
        };
        out.extend(folded.chars());
    }
}

/// Whether `c` is in the Arabic script's blocks.
pub fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}')
}

/// The folded form of a name, stored beside it and compared against the folded query: Latin
/// letters through `fold_latin` (decomposed accents and apostrophes dropped, as duplicate
/// detection does), Arabic without its marks and with the variant forms of alef, ya, kaf, heh
/// and ta marbuta written one way, spaces collapsed; digits and punctuation kept.
pub fn fold_for_search(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if is_arabic_mark(c) || is_silent(c) => {}
            'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' => folded.push('ا'),
            'ى' | 'ی' | 'ې' => folded.push('ي'),
            'ک' => folded.push('ك'),
            'ة' | 'ە' | 'ۀ' | 'ۃ' | 'ھ' | 'ہ' => folded.push('ه'),
            c if c.is_whitespace() => {
                if !folded.ends_with(' ') && !folded.is_empty() {
                    folded.push(' ');
                }
            }
            c if is_arabic(c) || !c.is_alphabetic() => folded.extend(c.to_lowercase()),
            c => fold_latin(c, &mut folded),
        }
    }
    if folded.ends_with(' ') {
        folded.pop();
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_matches_turkish_and_arabic_spellings() {
        let same: &[(&str, &str)] = &[
            ("IŞIK", "ışık"),
            ("ışık", "isik"),
            ("İNCİ", "inci"),
            ("Ayşe  Yılmaz", "ayse yilmaz"),
            ("ÇAĞLA GÜNDÜZ", "cagla gunduz"),
            ("مُحَمَّد", "محمد"),
            ("أحمد", "احمد"),
            ("فاطمة", "فاطمه"),
        ];
        for (a, b) in same {
            assert_eq!(fold_for_search(a), fold_for_search(b), "{a} vs {b}");
        }
        assert_ne!(fold_for_search("Ali"), fold_for_search("Ala"));
    }

    #[test]
    fn decomposed_accents_apostrophes_and_persian_letters_fold_too() {
        let same: &[(&str, &str)] = &[
            ("Ays\u{0327}e Yi\u{0307}lmaz", "Ayşe Yılmaz"),
            ("Ma'ruf", "Maruf"),
            ("Ma’ruf", "maruf"),
            ("علی", "علي"),
            ("Łukasz Müller", "lukasz muller"),
        ];
        for (a, b) in same {
            assert_eq!(fold_for_search(a), fold_for_search(b), "{a} vs {b}");
        }
        // Digits and punctuation stay: a name is found as typed.
        assert_eq!(fold_for_search("Al-Ahmad 2"), "al-ahmad 2");
    }
}
