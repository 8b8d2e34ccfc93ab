//! The programme's indicators: the dictionary (`data/indicators.json`: id, name, numerator and
//! denominator in Turkish, English and Arabic, the breakdowns) and `programme_report`, which
//! computes every indicator for one month from the records a device or the server holds, broken
//! down by residency status, nationality (ISO 3166), district, neighbourhood and nurse.
//!
//! Each indicator is counted over *units* (a mother, a window, a visit, a baby at a visit, a flag):
//! a unit is in the denominator, and in the numerator when it meets the indicator's condition; a
//! median indicator keeps a value per unit. The units are gathered once, then summed per group of
//! each breakdown, so every breakdown adds up to the same definition.
//!
//! The month's units: mothers registered in it; windows opening in it (as coverage counts them,
//! closed cases included); visits made in it (the mother seen, extra visits included); flags
//! raised at those visits. Statuses are as of `today`, so a past month settles as late visits
//! are made and flags signed off.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::checklist::answer_key;
use crate::coverage::month_of;
use crate::flags::FlagLevel;
use crate::nationality;
use crate::programme::{MemberNames, ProgrammeMother, ProgrammeVisit};
use crate::review::flag_key;
use crate::schedule::VisitStatus;
use crate::search::fold_for_search;
use crate::visit::VisitOutcome;

pub use crate::local_text::LocalText;

/// How an indicator is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// A number of units.
    Count,
    /// A numerator over a denominator.
    Share,
    /// The median of a value over the units (the denominator says how many).
    Median,
}

/// One indicator's definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    pub id: String,
    pub kind: IndicatorKind,
    /// The part of the report it is shown in: reach, windows, baby, labs, mood, flags, care.
    pub section: String,
    /// The unit of a median (`days`, `hours`).
    pub unit: Option<String>,
    pub name: LocalText,
    pub numerator: LocalText,
    pub denominator: Option<LocalText>,
    /// Indicators with the same partition split one denominator between them (a window is in
    /// window, late, missed or not yet due): a de-identified report hides them together.
    pub partition: Option<String>,
}

/// One breakdown's definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BreakdownDef {
    pub id: Dimension,
    pub name: LocalText,
}

/// What a breakdown groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Total,
    ResidencyStatus,
    Nationality,
    District,
    Neighbourhood,
    Nurse,
}

/// The dictionary as shipped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Dictionary {
    pub version: u32,
    pub indicators: Vec<IndicatorDef>,
    pub breakdowns: Vec<BreakdownDef>,
}

/// The indicator dictionary shipped with the app.
pub fn dictionary() -> &'static Dictionary {
    static DICTIONARY: OnceLock<Dictionary> = OnceLock::new();
    DICTIONARY.get_or_init(|| {
        serde_json::from_str(include_str!("../data/indicators.json")).expect("the shipped indicator dictionary reads")
    })
}

/// One indicator's value in one group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Cell {
    pub numerator: u32,
    /// Absent for a count.
    pub denominator: Option<u32>,
    /// For a median indicator: the median of the units' values (the denominator is how many).
    pub median: Option<f64>,
    /// Hidden in a de-identified report because a number in it is between 1 and 4.
    pub suppressed: bool,
}

impl Cell {
    /// Numerator over denominator, in percent.
    pub fn percent(&self) -> Option<f64> {
        match self.denominator {
            Some(d) if d > 0 && !self.suppressed => Some(f64::from(self.numerator) * 100.0 / f64::from(d)),
            _ => None,
        }
    }
}

/// One group of a breakdown (a residency status, a country, a nurse...), with a cell per
/// indicator in the dictionary's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Group {
    /// A stable key: a residency status, an ISO 3166 code, a folded place name, a member id;
    /// `unknown` when not recorded.
    pub key: String,
    /// What to show.
    pub name: LocalText,
    pub cells: Vec<Cell>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Breakdown {
    pub dimension: Dimension,
    pub name: LocalText,
    pub groups: Vec<Group>,
}

/// The programme report of one month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ProgrammeReport {
    /// The month's first and last day.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// As of this day.
    pub today: NaiveDate,
    /// Small cells are suppressed and nothing names a mother.
    pub deidentified: bool,
    pub indicators: Vec<IndicatorDef>,
    /// The whole team first, then each breakdown of the dictionary.
    pub breakdowns: Vec<Breakdown>,
}

impl ProgrammeReport {
    /// The team's cell of an indicator.
    pub fn total(&self, indicator: &str) -> Option<&Cell> {
        let index = self.indicators.iter().position(|i| i.id == indicator)?;
        self.breakdowns.first()?.groups.first()?.cells.get(index)
    }

    /// A group's cell of an indicator.
    pub fn cell(&self, dimension: Dimension, key: &str, indicator: &str) -> Option<&Cell> {
        let index = self.indicators.iter().position(|i| i.id == indicator)?;
        let breakdown = self.breakdowns.iter().find(|b| b.dimension == dimension)?;
        breakdown.groups.iter().find(|g| g.key == key)?.cells.get(index)
    }
}

/// A number between 1 and this, minus one, is hidden in a de-identified report.
pub const SMALL_CELL: u32 = 5;
/// A de-identified report shows a median of at least this many values, in whole units.
pub const MEDIAN_SHOWN_FROM: u32 = 10;

/// One unit of an indicator: whose it is (for the breakdowns), whether it is in the numerator,
/// and its value for a median.
struct Unit {
    indicator: usize,
    mother: usize,
    nurse: Option<String>,
    hit: bool,
    value: Option<f64>,
}

struct Units<'a> {
    ids: BTreeMap<&'a str, usize>,
    units: Vec<Unit>,
}

impl Units<'_> {
    fn add(&mut self, indicator: &str, mother: usize, nurse: Option<String>, hit: bool, value: Option<f64>) {
        let indicator = *self
            .ids
            .get(indicator)
            .unwrap_or_else(|| panic!("indicator {indicator} is in the dictionary"));
        self.units.push(Unit {
            indicator,
            mother,
            nurse,
            hit,
            value,
        });
    }
}

fn answer<'a>(visit: &'a ProgrammeVisit, baby: Option<crate::ids::BabyId>, field: &str) -> Option<&'a Value> {
    visit.visit.answers.get(&answer_key(baby, field))
}

fn yes(visit: &ProgrammeVisit, field: &str) -> bool {
    answer(visit, None, field).and_then(Value::as_bool) == Some(true)
}

fn has_code(visit: &ProgrammeVisit, field: &str, code: &str) -> bool {
    answer(visit, None, field)
        .and_then(Value::as_array)
        .is_some_and(|codes| codes.iter().any(|c| c.as_str() == Some(code)))
}

fn in_month(date: NaiveDate, from: NaiveDate, to: NaiveDate) -> bool {
    date >= from && date <= to
}

/// The nurse a visit counts for: the member who recorded it, else the name typed on it.
fn nurse_of(visit: &ProgrammeVisit) -> Option<String> {
    visit
        .recorded_by
        .map(|m| m.to_string())
        .or_else(|| Some(visit.visit.visited_by.trim().to_owned()).filter(|n| !n.is_empty()))
}

/// The median of some values (the mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// A mother's place in each breakdown: (key, name).
fn groups_of(mother: &ProgrammeMother, dimension: Dimension) -> (String, LocalText) {
    let unknown = || {
        (
            "unknown".to_owned(),
            LocalText {
                tr: "Kayıtlı değil".into(),
                en: "Not recorded".into(),
                ar: "غير مسجل".into(),
            },
        )
    };
    let place = |text: &Option<String>| match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => (fold_for_search(text), LocalText::same(text)),
        None => unknown(),
    };
    let m = &mother.mother;
    match dimension {
        Dimension::Total => ("all".into(), dictionary().breakdowns[0].name.clone()),
        Dimension::ResidencyStatus => match m.residency_status {
            Some(status) => {
                let key = serde_json::to_value(status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let name = residency_name(&key);
                (key, name)
            }
            None => unknown(),
        },
        Dimension::Nationality => match m.nationality.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => unknown(),
            Some(text) => match nationality::code_of(text) {
                Some(country) => (
                    country.code.clone(),
                    LocalText {
                        tr: format!("{} ({})", country.name.tr, country.code),
                        en: format!("{} ({})", country.name.en, country.code),
                        ar: format!("{} ({})", country.name.ar, country.code),
                    },
                ),
                None => (
                    "unmapped".into(),
                    LocalText {
                        tr: "Eşleşmeyen yazım".into(),
                        en: "Spelling not matched".into(),
                        ar: "كتابة غير مطابقة".into(),
                    },
                ),
            },
        },
        Dimension::District => place(&m.district),
        Dimension::Neighbourhood => match (
            m.district.as_deref().map(str::trim).filter(|t| !t.is_empty()),
            m.neighbourhood.as_deref().map(str::trim).filter(|t| !t.is_empty()),
        ) {
            (_, None) => unknown(),
            // The same neighbourhood name occurs in several districts.
            (Some(district), Some(neighbourhood)) => (
                format!("{}/{}", fold_for_search(district), fold_for_search(neighbourhood)),
                LocalText::same(&format!("{neighbourhood} ({district})")),
            ),
            (None, Some(neighbourhood)) => (fold_for_search(neighbourhood), LocalText::same(neighbourhood)),
        },
        Dimension::Nurse => unreachable!("a nurse is per unit"),
    }
}

fn residency_name(key: &str) -> LocalText {
    let (tr, en, ar) = match key {
        "temporary_protection" => ("Geçici koruma", "Temporary protection", "الحماية المؤقتة"),
        "international_protection" => ("Uluslararası koruma", "International protection", "الحماية الدولية"),
        "citizen" => ("T.C. vatandaşı", "Turkish citizen", "مواطنة تركية"),
        "residence_permit" => ("İkamet izni", "Residence permit", "إذن إقامة"),
        "other" => ("Diğer", "Other", "أخرى"),
        other => (other, other, other),
    };
    LocalText {
        tr: tr.into(),
        en: en.into(),
        ar: ar.into(),
    }
}

/// Every indicator of the month containing `month`, as of `today`, from these mothers' records.
/// `members` names the nurses.
pub fn programme_report(
    mothers: &[ProgrammeMother],
    members: &MemberNames,
    month: NaiveDate,
    today: NaiveDate,
) -> ProgrammeReport {
    let (from, to) = month_of(month);
    let dictionary = dictionary();
    let mut units = Units {
        ids: dictionary
            .indicators
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.as_str(), i))
            .collect(),
        units: Vec::new(),
    };
    // Names of nurses seen on visits but unknown as members (a typed name).
    let mut typed_names: BTreeMap<String, String> = BTreeMap::new();

    for (index, mother) in mothers.iter().enumerate() {
        let assigned = mother.case.assigned_to.map(|m| m.to_string());
        let made: Vec<&ProgrammeVisit> = mother
            .visits
            .iter()
            .filter(|v| v.visit.outcome == VisitOutcome::Visited)
            .collect();
        for visit in &mother.visits {
            if visit.recorded_by.is_none() && !visit.visit.visited_by.trim().is_empty() {
                typed_names.insert(
                    visit.visit.visited_by.trim().to_owned(),
                    visit.visit.visited_by.trim().to_owned(),
                );
            }
        }
        // The latest visit's nurse, for a mother assigned to nobody.
        let last_nurse = made.iter().max_by_key(|v| v.visit.visited_on).and_then(|v| nurse_of(v));
        let her_nurse = assigned.clone().or(last_nurse);

        // Reach: mothers registered this month.
        if in_month(mother.mother.registered_on, from, to) {
            units.add("women_registered", index, her_nurse.clone(), true, None);
            units.add(
                "women_referred",
                index,
                her_nurse.clone(),
                mother.referral_source.is_some(),
                None,
            );
            units.add("women_reached", index, her_nurse.clone(), !made.is_empty(), None);
        }

        // Windows opening this month.
        let (window_visits, windows) = mother.windows(today);
        for counted in &windows {
            if !in_month(counted.window.opens_on, from, to) {
                continue;
            }
            let nurse = counted
                .deciding
                .and_then(|i| nurse_of(window_visits[i]))
                .or_else(|| her_nurse.clone());
            let n = counted.window.number.get();
            let category = match counted.status {
                VisitStatus::Done => "in_window",
                VisitStatus::DoneLate => "late",
                VisitStatus::Missed | VisitStatus::Passed | VisitStatus::Late => "missed",
                VisitStatus::Due | VisitStatus::Upcoming => "not_yet_due",
            };
            for each in ["in_window", "late", "missed", "not_yet_due"] {
                units.add(
                    &format!("visit{n}_{each}"),
                    index,
                    nurse.clone(),
                    each == category,
                    None,
                );
            }
            if n == 3 {
                let all = windows.len() == 3
                    && windows
                        .iter()
                        .all(|w| matches!(w.status, VisitStatus::Done | VisitStatus::DoneLate));
                units.add("all_three_visits", index, nurse.clone(), all, None);
            }
        }

        // The first visit made, when it was made this month.
        if let Some(first) = made.iter().min_by_key(|v| (v.visit.visited_on, v.visit.visited_at))
            && in_month(first.visit.visited_on, from, to)
        {
            let since = mother.birth.discharge_date.unwrap_or(mother.birth.birth_date);
            let days = (first.visit.visited_on - since).num_days() as f64;
            units.add(
                "days_discharge_to_first_visit",
                index,
                nurse_of(first),
                true,
                Some(days),
            );
        }

        // Visits made this month.
        for visit in made.iter().filter(|v| in_month(v.visit.visited_on, from, to)) {
            let nurse = nurse_of(visit);
            let number = visit.visit.number.get();
            units.add("visits_made", index, nurse.clone(), true, None);
            units.add("urinalysis_done", index, nurse.clone(), yes(visit, "ua_done"), None);
            units.add("referrals_made", index, nurse.clone(), yes(visit, "referred"), None);
            units.add(
                "interpreter_visits",
                index,
                nurse.clone(),
                mother.mother.interpreter_needed,
                None,
            );
            for kind in ["health_care", "woman_care", "baby_care"] {
                if has_code(visit, "packages_given", kind) {
                    units.add(&format!("packages_{kind}"), index, nurse.clone(), true, None);
                }
            }
            if number == 2 {
                units.add("hb_tested_v2", index, nurse.clone(), yes(visit, "hb_done"), None);
            }
            if let Some(hb) = answer(visit, None, "hemoglobin").and_then(Value::as_f64) {
                units.add("anaemia_moderate_severe", index, nurse.clone(), hb < 11.0, None);
            }
            if number == 3 {
                units.add(
                    "family_planning_counselled",
                    index,
                    nurse.clone(),
                    yes(visit, "family_planning_counselled"),
                    None,
                );
                let screened = screening_done(visit);
                units.add("screening_done", index, nurse.clone(), screened, None);
                if screened {
                    let positive = visit
                        .flags
                        .iter()
                        .any(|f| f.rule == "depression_screen" || f.rule == "self_harm");
                    units.add("screening_positive", index, nurse.clone(), positive, None);
                    if positive {
                        let referred = yes(visit, "psychologist_referral")
                            || answer(visit, None, "referral_to").and_then(Value::as_str) == Some("psychologist");
                        units.add("psychologist_referred", index, nurse.clone(), referred, None);
                    }
                }
            }
            for baby in &mother.babies {
                if number == 3
                    && let Some(feeding) = answer(visit, Some(baby.id), "feeding_type").and_then(Value::as_str)
                {
                    units.add(
                        "exclusive_breastfeeding_v3",
                        index,
                        nurse.clone(),
                        feeding == "exclusive_breast",
                        None,
                    );
                }
                let latch: Option<f64> = ["latch_l", "latch_a", "latch_t", "latch_c", "latch_h"]
                    .iter()
                    .map(|f| answer(visit, Some(baby.id), f).and_then(Value::as_f64))
                    .sum();
                if let Some(total) = latch {
                    units.add("latch_below_7", index, nurse.clone(), total < 7.0, None);
                    if total < 7.0 {
                        let support = has_code(visit, "counselling_topics", "breastfeeding");
                        units.add("latch_support", index, nurse.clone(), support, None);
                    }
                }
            }
            for flag in visit.flags.iter().filter(|f| f.level == FlagLevel::Urgent) {
                units.add("urgent_flags", index, nurse.clone(), true, None);
                let key = flag_key(flag);
                let signed = mother
                    .reviews
                    .iter()
                    .filter(|r| r.visit_id == visit.visit.id && r.flags.contains(&key))
                    .map(|r| r.reviewed_at)
                    .min();
                units.add("urgent_signed_off", index, nurse.clone(), signed.is_some(), None);
                if let Some(signed) = signed {
                    let time = visit
                        .visit
                        .visited_at
                        .unwrap_or(NaiveTime::from_hms_opt(12, 0, 0).expect("noon"));
                    let seen = chrono_tz::Europe::Istanbul
                        .from_local_datetime(&visit.visit.visited_on.and_time(time))
                        .earliest()
                        .map(|t| t.with_timezone(&chrono::Utc));
                    let hours = seen.map(|seen| (signed - seen).num_minutes() as f64 / 60.0);
                    units.add("hours_to_sign_off", index, nurse.clone(), true, hours);
                }
            }
        }
    }

    let mut breakdowns = Vec::new();
    for def in &dictionary.breakdowns {
        let mut groups: BTreeMap<String, (LocalText, Vec<Vec<&Unit>>)> = BTreeMap::new();
        for unit in &units.units {
            let (key, name) = match def.id {
                Dimension::Nurse => match &unit.nurse {
                    Some(nurse) => {
                        let name = nurse
                            .parse()
                            .ok()
                            .and_then(|id| members.get(&id).cloned())
                            .or_else(|| typed_names.get(nurse).cloned())
                            .unwrap_or_else(|| nurse.clone());
                        (nurse.clone(), LocalText::same(&name))
                    }
                    None => (
                        "unknown".to_owned(),
                        LocalText {
                            tr: "Kimse".into(),
                            en: "Nobody".into(),
                            ar: "لا أحد".into(),
                        },
                    ),
                },
                dimension => groups_of(&mothers[unit.mother], dimension),
            };
            let entry = groups
                .entry(key)
                .or_insert_with(|| (name, vec![Vec::new(); dictionary.indicators.len()]));
            entry.1[unit.indicator].push(unit);
        }
        if def.id == Dimension::Total && groups.is_empty() {
            let (key, name) = (String::from("all"), def.name.clone());
            groups.insert(key, (name, vec![Vec::new(); dictionary.indicators.len()]));
        }
        let mut groups: Vec<Group> = groups
            .into_iter()
            .map(|(key, (name, per_indicator))| Group {
                cells: per_indicator
                    .iter()
                    .zip(&dictionary.indicators)
                    .map(|(units, def)| cell(units, def.kind))
                    .collect(),
                key,
                name,
            })
            .collect();
        // Unknown last, the rest by name.
        groups.sort_by_key(|g| (g.key == "unknown" || g.key == "unmapped", fold_for_search(&g.name.en)));
        breakdowns.push(Breakdown {
            dimension: def.id,
            name: def.name.clone(),
            groups,
        });
    }

    ProgrammeReport {
        from,
        to,
        today,
        deidentified: false,
        indicators: dictionary.indicators.clone(),
        breakdowns,
    }
}

fn cell(units: &[&Unit], kind: IndicatorKind) -> Cell {
    let hits = units.iter().filter(|u| u.hit).count() as u32;
    match kind {
        IndicatorKind::Count => Cell {
            numerator: hits,
            ..Cell::default()
        },
        IndicatorKind::Share => Cell {
            numerator: hits,
            denominator: Some(units.len() as u32),
            ..Cell::default()
        },
        IndicatorKind::Median => {
            let mut values: Vec<f64> = units.iter().filter_map(|u| u.value).collect();
            Cell {
                numerator: values.len() as u32,
                denominator: Some(values.len() as u32),
                median: median(&mut values),
                suppressed: false,
            }
        }
    }
}

/// Whether every item of the screening instrument chosen at a visit was answered.
fn screening_done(visit: &ProgrammeVisit) -> bool {
    let Some(id) = answer(visit, None, "screening_instrument").and_then(Value::as_str) else {
        return false;
    };
    let Some(definition) = crate::checklist::by_version(visit.visit.checklist_version) else {
        return false;
    };
    let Some(instrument) = definition.instrument(id) else {
        return false;
    };
    (1..=instrument.items).all(|item| answer(visit, None, &instrument.item_field(item)).is_some())
}

/// A count as it may leave the team: to the nearest multiple of 5 (7 is 5, 8 is 10).
pub fn round_to_5(n: u32) -> u32 {
    n.saturating_add(2) / 5 * 5
}

/// The report as it may leave the team (for the donor): no breakdown by nurse or by
/// neighbourhood (staff, and places typed freely and small enough to point at a woman); every
/// cell with a number from 1 to 4 hidden (a median of fewer than 5 values too); every other
/// number rounded to the nearest 5, so that no hidden number can be worked out by subtracting
/// shown ones (groups from a total, one indicator from another, a team from the district), and
/// percentages computed from the rounded numbers.
pub fn deidentify(mut report: ProgrammeReport) -> ProgrammeReport {
    let small = |n: u32| n > 0 && n < SMALL_CELL;
    report
        .breakdowns
        .retain(|b| !matches!(b.dimension, Dimension::Nurse | Dimension::Neighbourhood));
    for breakdown in &mut report.breakdowns {
        for group in &mut breakdown.groups {
            for cell in &mut group.cells {
                *cell = if small(cell.numerator) || cell.denominator.is_some_and(small) {
                    Cell {
                        suppressed: true,
                        ..Cell::default()
                    }
                } else {
                    Cell {
                        numerator: round_to_5(cell.numerator),
                        denominator: cell.denominator.map(round_to_5),
                        // A median of few values is one woman's; a half says the count is even.
                        median: cell
                            .median
                            .filter(|_| cell.numerator >= MEDIAN_SHOWN_FROM)
                            .map(f64::round),
                        suppressed: false,
                    }
                };
            }
        }
    }
    // Cells that split one denominator add up to it: one hidden among them could be bounded
    // from the others, so a group hides all of them together.
    let partitions: Vec<Option<String>> = report.indicators.iter().map(|d| d.partition.clone()).collect();
    for breakdown in &mut report.breakdowns {
        for group in &mut breakdown.groups {
            let hidden: std::collections::BTreeSet<&String> = partitions
                .iter()
                .zip(&group.cells)
                .filter_map(|(p, c)| p.as_ref().filter(|_| c.suppressed))
                .collect();
            for (partition, cell) in partitions.iter().zip(&mut group.cells) {
                if partition.as_ref().is_some_and(|p| hidden.contains(p)) {
                    *cell = Cell {
                        suppressed: true,
                        ..Cell::default()
                    };
                }
            }
        }
    }
    report.deidentified = true;
    report
}

#[cfg(test)]
mod tests;
