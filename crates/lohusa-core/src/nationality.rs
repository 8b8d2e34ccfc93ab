//! Nationality as an ISO 3166-1 code: the shipped country list (`data/countries.json`, made from
//! Debian's iso-codes by `data/make_countries.py`: codes, names in Turkish, English and Arabic,
//! and the spellings nurses type, such as `T.C.`, `Suriyeli` or `سورية`) and the mapping of a
//! typed nationality to its country.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::local_text::LocalText;
use crate::search::fold_for_search;

/// One country of the list.
#[derive(Clone, Debug, Deserialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2.
    pub code: String,
    /// ISO 3166-1 alpha-3.
    pub alpha3: String,
    pub name: LocalText,
    pub aliases: Vec<String>,
}

/// Every country, by code.
pub fn countries() -> &'static [Country] {
    &list().0
}

fn list() -> &'static (Vec<Country>, HashMap<String, usize>) {
    static LIST: OnceLock<(Vec<Country>, HashMap<String, usize>)> = OnceLock::new();
    LIST.get_or_init(|| {
        let countries: Vec<Country> =
            serde_json::from_str(include_str!("../data/countries.json")).expect("the shipped country list reads");
        // Names and typed spellings first: `T.C.` is Türkiye, not the alpha-2 code of the Turks
        // and Caicos Islands.
        let mut by_spelling = HashMap::new();
        for (i, country) in countries.iter().enumerate() {
            let names = [&country.name.tr, &country.name.en, &country.name.ar];
            for spelling in names.into_iter().chain(&country.aliases) {
                by_spelling.entry(key(spelling)).or_insert(i);
            }
        }
        for (i, country) in countries.iter().enumerate() {
            for code in [&country.code, &country.alpha3] {
                by_spelling.entry(key(code)).or_insert(i);
            }
        }
        (countries, by_spelling)
    })
}

/// A spelling as looked up: folded as search folds names, without dots, spaces or hyphens
/// (`T.C.` is `tc`).
fn key(text: &str) -> String {
    fold_for_search(text).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The country a typed nationality names, if the list knows the spelling.
pub fn code_of(typed: &str) -> Option<&'static Country> {
    let (countries, by_spelling) = list();
    by_spelling.get(&key(typed)).map(|&i| &countries[i])
}

/// The country with this ISO code.
pub fn by_code(code: &str) -> Option<&'static Country> {
    countries().iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spellings_nurses_type_map_to_codes() {
        for (typed, code) in [
            ("T.C.", "TR"),
            ("tc", "TR"),
            ("Türkiye", "TR"),
            ("TÜRK", "TR"),
            ("Suriye", "SY"),
            ("suriyeli", "SY"),
            ("Syrian Arab Republic", "SY"),
            ("سورية", "SY"),
            ("سوريا", "SY"),
            ("İran", "IR"),
            ("iran", "IR"),
            ("Afganistan", "AF"),
            ("Afgan", "AF"),
            ("Irak", "IQ"),
            ("عراقية", "IQ"),
            (" Somali ", "SO"),
            ("SYR", "SY"),
            ("Deutschland", ""),
            ("Marslı", ""),
        ] {
            assert_eq!(code_of(typed).map_or("", |c| c.code.as_str()), code, "{typed}");
        }
    }

    #[test]
    fn the_list_is_iso_3166_whole() {
        assert_eq!(countries().len(), 249);
        let tr = by_code("tr").unwrap();
        assert_eq!((tr.alpha3.as_str(), tr.name.ar.as_str()), ("TUR", "تركيا"));
        assert_eq!(by_code("SY").unwrap().name.tr, "Suriye");
    }
}
