//! Screening instruments (EPDS, PHQ-9): how their items are scored, and the texts shown to the
//! mother, kept apart.
//!
//! Scoring is part of the checklist definition: item count, options per item, which items are
//! reverse-scored and which item asks about self-harm. Cut-offs are red-flag rules like any other.
//! Texts are content files, one per instrument and language. PHQ-9 is free to use and its texts
//! ship with the app; the EPDS is licensed, so the deploying organisation loads its texts and,
//! until it does, the form shows numbered items and options A–D in the printed order and still
//! scores them.
//!
//! An answer is the *position* of the option the mother chose, as printed (0 = first). The score
//! of a reverse-scored item is `options - 1 - position`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::registration::Language;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// `epds`, `phq9`; also the translation key of its name.
    pub id: String,
    pub items: u32,
    /// Options per item.
    pub options: u32,
    /// Items (numbered from 1) whose first printed option scores highest.
    pub reversed: Vec<u32>,
    /// The item that asks about self-harm; any score above zero is urgent.
    pub self_harm_item: u32,
    /// Whether its texts ship with the app (`shipped`) or must be loaded (`licensed`).
    pub texts: TextSource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    Shipped,
    Licensed,
}

impl Instrument {
    /// The score of the option at `position` (0-based, as printed) of item `item` (1-based).
    pub fn score(&self, item: u32, position: u32) -> Option<u32> {
        if item == 0 || item > self.items || position >= self.options {
            return None;
        }
        Some(if self.reversed.contains(&item) {
            self.options - 1 - position
        } else {
            position
        })
    }

    /// The total over all items, once every item is answered; `answer(item)` gives the position.
    pub fn total(&self, answer: &dyn Fn(u32) -> Option<u32>) -> Option<u32> {
        (1..=self.items).map(|item| self.score(item, answer(item)?)).sum()
    }

    /// The answer key of an item: `epds_3`.
    pub fn item_field(&self, item: u32) -> String {
        format!("{}_{item}", self.id)
    }
}

/// An instrument's texts in one language: the title, what the mother is asked, and each item
/// with its options in printed order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct InstrumentText {
    pub instrument: String,
    pub language: Language,
    pub title: String,
    pub instructions: String,
    pub items: Vec<ItemText>,
    /// Where the text comes from and under which licence, shown under the form.
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ItemText {
    pub text: String,
    pub options: Vec<String>,
}

/// Why a content file cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TextError {
    #[error("not a screening text file: {0}")]
    Format(String),
    #[error("unknown instrument {0:?}")]
    UnknownInstrument(String),
    #[error("{instrument} has {expected} items; the file has {found}")]
    ItemCount {
        instrument: String,
        expected: u32,
        found: usize,
    },
    #[error("item {item} of {instrument} needs {expected} options; the file has {found}")]
    OptionCount {
        instrument: String,
        item: usize,
        expected: u32,
        found: usize,
    },
    #[error("item {item} has an empty text")]
    EmptyText { item: usize },
}

impl TextError {
    /// A stable name for the UI to translate.
    pub fn kind(&self) -> &'static str {
        match self {
            TextError::Format(_) => "format",
            TextError::UnknownInstrument(_) => "unknown_instrument",
            TextError::ItemCount { .. } => "item_count",
            TextError::OptionCount { .. } => "option_count",
            TextError::EmptyText { .. } => "empty_text",
        }
    }
}

impl InstrumentText {
    /// Reads a content file and checks it fits one of `instruments`.
    pub fn parse(text: &str, instruments: &[Instrument]) -> Result<InstrumentText, TextError> {
        let content: InstrumentText = serde_json::from_str(text).map_err(|e| TextError::Format(e.to_string()))?;
        let instrument = instruments
            .iter()
            .find(|i| i.id == content.instrument)
            .ok_or_else(|| TextError::UnknownInstrument(content.instrument.clone()))?;
        if content.items.len() != instrument.items as usize {
            return Err(TextError::ItemCount {
                instrument: instrument.id.clone(),
                expected: instrument.items,
                found: content.items.len(),
            });
        }
        for (i, item) in content.items.iter().enumerate() {
            if item.options.len() != instrument.options as usize {
                return Err(TextError::OptionCount {
                    instrument: instrument.id.clone(),
                    item: i + 1,
                    expected: instrument.options,
                    found: item.options.len(),
                });
            }
            if item.text.trim().is_empty() || item.options.iter().any(|o| o.trim().is_empty()) {
                return Err(TextError::EmptyText { item: i + 1 });
            }
        }
        Ok(content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::current;

    fn epds() -> &'static Instrument {
        current().instruments.iter().find(|i| i.id == "epds").unwrap()
    }

    #[test]
    fn epds_items_1_2_and_4_score_upwards_and_the_others_are_reversed() {
        let epds = epds();
        for item in [1, 2, 4] {
            assert_eq!(
                (0..4).map(|p| epds.score(item, p).unwrap()).collect::<Vec<_>>(),
                [0, 1, 2, 3]
            );
        }
        for item in [3, 5, 6, 7, 8, 9, 10] {
            assert_eq!(
                (0..4).map(|p| epds.score(item, p).unwrap()).collect::<Vec<_>>(),
                [3, 2, 1, 0]
            );
        }
        assert_eq!(epds.score(11, 0), None);
        assert_eq!(epds.score(1, 4), None);
        // Every first option: 0 on the three upward items, 3 on the seven reversed ones.
        assert_eq!(epds.total(&|_| Some(0)), Some(21));
        assert_eq!(epds.total(&|_| Some(3)), Some(9));
        assert_eq!(
            epds.total(&|item| (item != 7).then_some(0)),
            None,
            "an unanswered item leaves no total"
        );
        assert_eq!(epds.self_harm_item, 10);
    }

    #[test]
    fn phq9_ships_complete_in_three_languages_and_scores_upwards() {
        let phq9 = current().instruments.iter().find(|i| i.id == "phq9").unwrap();
        assert!(phq9.reversed.is_empty());
        assert_eq!(phq9.total(&|_| Some(3)), Some(27));
        for language in [Language::Tr, Language::En, Language::Ar] {
            let text = crate::checklist::shipped_text("phq9", language).unwrap_or_else(|| panic!("phq9 {language:?}"));
            assert_eq!(text.items.len(), 9);
        }
        assert_eq!(
            crate::checklist::shipped_text("epds", Language::Tr),
            None,
            "the EPDS text is licensed, not shipped"
        );
    }

    #[test]
    fn a_content_file_must_fit_its_instrument() {
        let instruments = &current().instruments;
        let file = |items: usize, options: usize| {
            let items: Vec<ItemText> = (0..items)
                .map(|i| ItemText {
                    text: format!("Item {}", i + 1),
                    options: (0..options).map(|o| format!("Option {o}")).collect(),
                })
                .collect();
            serde_json::to_string(&InstrumentText {
                instrument: "epds".into(),
                language: Language::En,
                title: "Test".into(),
                instructions: "Test".into(),
                items,
                source: "test".into(),
            })
            .unwrap()
        };
        assert!(InstrumentText::parse(&file(10, 4), instruments).is_ok());
        assert_eq!(
            InstrumentText::parse(&file(9, 4), instruments).unwrap_err().kind(),
            "item_count"
        );
        assert_eq!(
            InstrumentText::parse(&file(10, 3), instruments).unwrap_err().kind(),
            "option_count"
        );
        assert_eq!(InstrumentText::parse("{}", instruments).unwrap_err().kind(), "format");
        let unknown = file(10, 4).replace("\"epds\"", "\"bdi\"");
        assert_eq!(
            InstrumentText::parse(&unknown, instruments).unwrap_err().kind(),
            "unknown_instrument"
        );
    }
}
