//! A text in the app's three languages (Turkish, English, Arabic), for names and definitions
//! shipped as data.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A text in the app's three languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LocalText {
    pub tr: String,
    pub en: String,
    pub ar: String,
}

impl LocalText {
    pub fn same(text: &str) -> LocalText {
        LocalText {
            tr: text.to_owned(),
            en: text.to_owned(),
            ar: text.to_owned(),
        }
    }

    pub fn get(&self, language: crate::flag_text::TextLanguage) -> &str {
        use crate::flag_text::TextLanguage;
        match language {
            TextLanguage::Tr => &self.tr,
            TextLanguage::En => &self.en,
            TextLanguage::Ar => &self.ar,
        }
    }
}
