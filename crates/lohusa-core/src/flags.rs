//! Red flags: data-driven rules over a visit's answers that say when a doctor must look (level
//! *attention*), the mother or baby must be referred the same day (level *urgent*), or a value is
//! worth noting without a review (level *note*, mild anaemia), and why.
//!
//! Rules live in the checklist definition (`flags`), next to the fields they read, so the
//! programme's clinical lead can change a threshold without a code change. A flag carries the
//! comparisons that made it fire (field, value, threshold), from which the UI writes a sentence in
//! the user's language: "Tansiyon, büyük (sistolik) 164 mmHg: 160 veya üstü".
//!
//! Flags are never stored: they are computed from the visit as it is now, so a lab result that
//! arrives days later, on this tablet or through a sync, raises its flag on the old visit.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::checklist::{FlagLevel, FlagRule};

use crate::checklist::{Answers, ChecklistDefinition, FormContext, Subject, SubjectAnswers, SubjectFacts};
use crate::condition::Reason;
use crate::ids::BabyId;

/// A raised flag: which rule, about whom, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Flag {
    pub rule: String,
    pub level: FlagLevel,
    /// The baby it is about; `None` for the mother.
    pub baby: Option<BabyId>,
    pub reasons: Vec<Reason>,
}

impl Flag {
    /// "bp_systolic 164 ≥ 160; bp_diastolic 112 ≥ 110", for logs and tests; the UI translates.
    pub fn english_reasons(&self) -> String {
        let parts: Vec<String> = self.reasons.iter().map(Reason::english).collect();
        parts.join("; ")
    }
}

impl ChecklistDefinition {
    /// The flags a visit's answers raise, urgent first, with superseded ones removed. Only
    /// answers the form shows count. `previous` are the same mother's earlier visits, latest
    /// first, for rules about a rise since the last one that recorded the value.
    pub fn flags(&self, form: &FormContext<'_>, answers: &Answers, previous: &[&Answers]) -> Vec<Flag> {
        // Only answers the form shows count.
        let subjects = SubjectAnswers::each_but(answers, form.babies, &self.hidden_answers(form, answers));
        let computed = self.computed_by_subject(form, &subjects);
        let mut flags = Vec::new();
        for rule in &self.flags {
            let skip = usize::from(rule.subject == Subject::Baby);
            for (i, subject) in SubjectAnswers::about(&subjects, rule.subject).iter().enumerate() {
                let facts = SubjectFacts {
                    form,
                    answers: subject,
                    computed: &computed[skip + i],
                    previous,
                };
                if let Some(reasons) = rule.when.evaluate(&facts) {
                    flags.push(Flag {
                        rule: rule.id.clone(),
                        level: rule.level,
                        baby: subject.baby.map(|b| b.id),
                        reasons,
                    });
                }
            }
        }
        let superseded: BTreeSet<(&str, Option<BabyId>)> = flags
            .iter()
            .flat_map(|f| {
                let rule = self.flags.iter().find(|r| r.id == f.rule).expect("flag from a rule");
                rule.supersedes.iter().map(move |s| (s.as_str(), f.baby))
            })
            .collect();
        flags.retain(|f| !superseded.contains(&(f.rule.as_str(), f.baby)));
        flags.sort_by_key(|f| std::cmp::Reverse(f.level));
        flags
    }
}

#[cfg(test)]
mod tests;
