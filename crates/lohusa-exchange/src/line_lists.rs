//! The line lists a data officer sends: a mothers register, a visits file with every window
//! (a window that passed with nothing recorded has its own row), a flags file with the doctor's
//! sign-off, and a babies file; each identified, or de-identified for the donor.
//!
//! De-identified: no name, phone, identity number, street, neighbourhood, typed nationality, baby
//! name, typed note or reason, record id (a UUID v7 holds the moment it was made), nor staff
//! names; a mother is a stable pseudonym (`M-` and 12 hex digits of SHA-256 over a secret of the
//! exporting device and her id: the same in every export of that device, and not reversible
//! without the secret), a nurse too (`N-`), her age an age band, and every date a month
//! (YYYY-MM); a visit keeps its window's status and its timing (not the day of life: with the
//! months it would give the dates back).
//!
//! De-identified line lists are pseudonymised records, not anonymous ones: rows can be counted,
//! so they go to the donor under a data-sharing agreement, beside (not instead of) the
//! aggregate report, which is what may be published.
//!
//! A mother is listed when her care touches the period: registered in it, a visit in it, or a
//! window opening in it. Visits and flags are listed when their date is in the period; a window
//! with nothing recorded when it opens in the period.

use chrono::NaiveDate;
use lohusa_core::checklist::answer_key;
use lohusa_core::flag_text::{self, TextLanguage};
use lohusa_core::flags::FlagLevel;
use lohusa_core::programme::{MemberNames, ProgrammeMother, ProgrammeVisit};
use lohusa_core::review::flag_key;
use lohusa_core::schedule::visit_windows;
use lohusa_core::search::fold_for_search;
use lohusa_core::visit::VisitOutcome;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::fhir::VisitValues;
use crate::tables::{Table, Value};

/// Who the files are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// For the team and the health directorate: everything recorded.
    Identified,
    /// For the donor: see the module's description.
    Deidentified,
}

#[derive(Clone, Copy, Debug)]
pub struct LineListOptions<'a> {
    /// First and last day, inclusive.
    pub period: (NaiveDate, NaiveDate),
    /// Window statuses are as of this day.
    pub today: NaiveDate,
    pub variant: Variant,
    /// Of the flags' sentences.
    pub language: TextLanguage,
    pub members: &'a MemberNames,
    /// The exporting device's secret for pseudonyms.
    pub secret: &'a [u8],
}

impl LineListOptions<'_> {
    fn within(&self, date: NaiveDate) -> bool {
        date >= self.period.0 && date <= self.period.1
    }
}

/// A mother's stable pseudonym.
pub fn pseudonym(secret: &[u8], mother: lohusa_core::MotherId) -> String {
    let mut hash = Sha256::new();
    hash.update(secret);
    hash.update(mother.0.as_bytes());
    let digest = hash.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("M-{hex}")
}

/// The age band of an age in years.
pub fn age_band(years: u32) -> &'static str {
    match years {
        0..=17 => "<18",
        18..=24 => "18-24",
        25..=29 => "25-29",
        30..=34 => "30-34",
        35..=39 => "35-39",
        _ => "40+",
    }
}

/// Her age in whole years on the day she was registered.
pub fn age_at_registration(mother: &lohusa_core::registration::MotherRecord) -> Option<u32> {
    match mother.date_of_birth {
        Some(born) => mother.registered_on.years_since(born),
        None => mother.age_years,
    }
}

/// A date: the day for the team, its month for the donor.
fn day(options: &LineListOptions, date: NaiveDate) -> Value {
    match options.variant {
        Variant::Identified => Value::Date(date),
        Variant::Deidentified => Value::text(date.format("%Y-%m").to_string()),
    }
}

fn opt_day(options: &LineListOptions, date: Option<NaiveDate>) -> Value {
    date.map_or(Value::Empty, |d| day(options, d))
}

/// A member of staff: her id for the team, a pseudonym for the donor.
fn staff(options: &LineListOptions, member: Option<lohusa_core::MemberId>) -> Value {
    match (member, options.variant) {
        (None, _) => Value::Empty,
        (Some(m), Variant::Identified) => Value::text(m.to_string()),
        (Some(m), Variant::Deidentified) => {
            let mut hash = Sha256::new();
            hash.update(options.secret);
            hash.update(b"staff");
            hash.update(m.0.as_bytes());
            let hex: String = hash.finalize().iter().take(4).map(|b| format!("{b:02x}")).collect();
            Value::text(format!("N-{hex}"))
        }
    }
}

fn code<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A table built with every column, then cut to the variant's.
struct Builder {
    table: Table,
    identified_only: Vec<bool>,
}

impl Builder {
    fn new(name: &str, columns: &[(&str, bool)]) -> Builder {
        Builder {
            table: Table::new(name, &columns.iter().map(|(c, _)| *c).collect::<Vec<_>>()),
            identified_only: columns.iter().map(|(_, only)| *only).collect(),
        }
    }

    fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.table.columns.len(), "{}", self.table.name);
        self.table.rows.push(row);
    }

    fn finish(mut self, variant: Variant) -> Table {
        if variant == Variant::Identified {
            return self.table;
        }
        let keep: Vec<bool> = self.identified_only.iter().map(|only| !only).collect();
        let cut = |values: Vec<Value>| -> Vec<Value> {
            values
                .into_iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(v, _)| v)
                .collect()
        };
        self.table.columns = self
            .table
            .columns
            .into_iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c)
            .collect();
        self.table.rows = std::mem::take(&mut self.table.rows).into_iter().map(cut).collect();
        self.table
    }
}

/// Who a mother is in a file: her id, or her pseudonym.
fn mother_key(mother: &ProgrammeMother, options: &LineListOptions) -> Value {
    match options.variant {
        Variant::Identified => Value::text(mother.mother.id.to_string()),
        Variant::Deidentified => Value::text(pseudonym(options.secret, mother.mother.id)),
    }
}

fn touches_period(mother: &ProgrammeMother, options: &LineListOptions) -> bool {
    options.within(mother.mother.registered_on)
        || mother.visits.iter().any(|v| options.within(v.visit.visited_on))
        || visit_windows(mother.birth.birth_date)
            .iter()
            .any(|w| options.within(w.opens_on))
}

/// The four line lists: mothers, visits, flags, babies.
pub fn line_lists(mothers: &[ProgrammeMother], options: &LineListOptions) -> Vec<Table> {
    let mut listed: Vec<&ProgrammeMother> = mothers.iter().filter(|m| touches_period(m, options)).collect();
    // By name for the team; by pseudonym for the donor (the order must not give the name away).
    match options.variant {
        Variant::Identified => listed.sort_by_key(|m| (fold_for_search(&m.mother.full_name), m.mother.id)),
        Variant::Deidentified => listed.sort_by_key(|m| pseudonym(options.secret, m.mother.id)),
    }
    vec![
        mothers_table(&listed, options),
        visits_table(&listed, options),
        flags_table(&listed, options),
        babies_table(&listed, options),
    ]
}

fn nurse_name(options: &LineListOptions, id: Option<lohusa_core::MemberId>) -> Value {
    Value::opt_text(id.and_then(|id| options.members.get(&id)).map(String::as_str))
}

fn mothers_table(mothers: &[&ProgrammeMother], options: &LineListOptions) -> Table {
    let mut b = Builder::new(
        "mothers",
        &[
            ("mother", false),
            ("full_name", true),
            ("id_number", true),
            ("phone", true),
            ("street", true),
            ("neighbourhood", true),
            ("district", false),
            ("residency_status", false),
            ("nationality_as_typed", true),
            ("nationality_iso", false),
            ("date_of_birth", true),
            ("age_years", true),
            ("age_band", false),
            ("registered_on", false),
            ("referral_source", false),
            ("birth_date", false),
            ("birth_mode", false),
            ("gestational_weeks", false),
            ("discharge_date", false),
            ("babies", false),
            ("preferred_language", false),
            ("interpreter_needed", false),
            ("assigned_nurse_id", false),
            ("assigned_nurse", true),
            ("case_status", false),
            ("closed_on", false),
            ("closed_reason", false),
            ("visits_made", false),
        ],
    );
    for export in mothers {
        let m = &export.mother;
        let age = age_at_registration(m);
        b.push(vec![
            mother_key(export, options),
            Value::text(m.full_name.clone()),
            Value::opt_text(m.id_number.as_deref()),
            Value::opt_text(m.phone.as_deref()),
            Value::opt_text(m.street.as_deref()),
            Value::opt_text(m.neighbourhood.as_deref()),
            Value::opt_text(m.district.as_deref()),
            Value::text(m.residency_status.map(|s| code(&s)).unwrap_or_default()),
            Value::opt_text(m.nationality.as_deref()),
            Value::opt_text(
                m.nationality
                    .as_deref()
                    .and_then(lohusa_core::nationality::code_of)
                    .map(|c| c.code.as_str()),
            ),
            Value::opt_date(m.date_of_birth),
            age.map_or(Value::Empty, |a| Value::Int(i64::from(a))),
            Value::opt_text(age.map(age_band)),
            day(options, m.registered_on),
            Value::opt_text(export.referral_source.as_deref()),
            day(options, export.birth.birth_date),
            Value::text(code(&export.birth.mode)),
            export
                .birth
                .gestational_weeks
                .map_or(Value::Empty, |w| Value::Int(i64::from(w))),
            opt_day(options, export.birth.discharge_date),
            Value::Int(export.babies.len() as i64),
            Value::text(code(&m.preferred_language)),
            Value::yes_no(Some(m.interpreter_needed)),
            staff(options, export.case.assigned_to),
            nurse_name(options, export.case.assigned_to),
            Value::text(if export.case.is_closed() { "closed" } else { "open" }),
            opt_day(options, export.case.closed_on),
            Value::text(export.case.closed_reason.map(|r| code(&r)).unwrap_or_default()),
            Value::Int(
                export
                    .visits
                    .iter()
                    .filter(|v| v.visit.outcome == VisitOutcome::Visited)
                    .count() as i64,
            ),
        ]);
    }
    b.finish(options.variant)
}

const VISIT_NUMBERS: [(&str, usize); 8] = [
    ("bp_systolic", 0),
    ("bp_diastolic", 0),
    ("pulse", 0),
    ("temperature", 1),
    ("breathing_rate", 0),
    ("hemoglobin", 1),
    ("epds_total", 0),
    ("phq9_total", 0),
];

fn visits_table(mothers: &[&ProgrammeMother], options: &LineListOptions) -> Table {
    let mut columns: Vec<(&str, bool)> = vec![
        ("mother", false),
        ("visit_number", false),
        ("window_opens", true),
        ("window_closes", true),
        ("window_status", false),
        ("visit_id", true),
        ("extra_visit", false),
        ("outcome", false),
        ("visited_on", false),
        ("timing", false),
        ("day_of_life", true),
        ("nurse_id", false),
        ("nurse", true),
    ];
    columns.extend(VISIT_NUMBERS.iter().map(|(f, _)| (*f, false)));
    columns.extend([
        ("hb_done", false),
        ("ua_done", false),
        ("packages_given", false),
        ("referred", false),
        ("flags_urgent", false),
        ("flags_attention", false),
    ]);
    let mut b = Builder::new("visits", &columns);
    for export in mothers {
        let (window_visits, counted) = export.windows(options.today);
        for window in visit_windows(export.birth.birth_date) {
            let status = counted
                .iter()
                .find(|c| c.window.number == window.number)
                .map_or("not_counted_case_closed".to_owned(), |c| code(&c.status));
            let mut records: Vec<&&ProgrammeVisit> = window_visits
                .iter()
                .filter(|v| v.visit.number == window.number)
                .collect();
            records.sort_by_key(|v| (v.visit.visited_on, v.visit.visited_at));
            let head = |b: &mut Builder, visit: Option<&ProgrammeVisit>| {
                let mut row = vec![
                    mother_key(export, options),
                    Value::Int(i64::from(window.number.get())),
                    Value::Date(window.opens_on),
                    Value::Date(window.closes_on),
                    Value::text(status.clone()),
                ];
                row.extend(record_values(export, visit, Some(&window), options));
                b.push(row);
            };
            if records.is_empty() {
                if options.within(window.opens_on) {
                    head(&mut b, None);
                }
                continue;
            }
            for visit in records.into_iter().filter(|v| options.within(v.visit.visited_on)) {
                head(&mut b, Some(visit));
            }
        }
        let mut extras: Vec<&ProgrammeVisit> = export
            .visits
            .iter()
            .filter(|v| v.visit.extra_visit_id.is_some() && options.within(v.visit.visited_on))
            .collect();
        extras.sort_by_key(|v| (v.visit.visited_on, v.visit.visited_at));
        for visit in extras {
            let mut row = vec![
                mother_key(export, options),
                Value::Int(i64::from(visit.visit.number.get())),
                Value::Empty,
                Value::Empty,
                Value::Empty,
            ];
            row.extend(record_values(export, Some(visit), None, options));
            b.push(row);
        }
    }
    b.finish(options.variant)
}

/// The columns of one record of a visit (empty for a window with nothing recorded).
fn record_values(
    export: &ProgrammeMother,
    visit: Option<&ProgrammeVisit>,
    window: Option<&lohusa_core::VisitWindow>,
    options: &LineListOptions,
) -> Vec<Value> {
    let width = 8 + VISIT_NUMBERS.len() + 6;
    let Some(exported) = visit else {
        return vec![Value::Empty; width];
    };
    let visit = &exported.visit;
    let values = VisitValues::of(export, visit);
    let timing = match window {
        None => "extra",
        Some(_) if visit.outcome != VisitOutcome::Visited => "",
        Some(w) if w.contains(visit.visited_on) => "in_window",
        Some(w) if visit.visited_on < w.opens_on => "early",
        Some(_) => "late",
    };
    let answer = |field: &str| visit.answers.get(&answer_key(None, field));
    let count = |level: FlagLevel| exported.flags.iter().filter(|f| f.level == level).count() as i64;
    let mut row = vec![
        Value::text(visit.id.to_string()),
        Value::yes_no(Some(visit.extra_visit_id.is_some())),
        Value::text(code(&visit.outcome)),
        day(options, visit.visited_on),
        Value::text(timing),
        Value::Int(lohusa_core::time::day_of_life(
            export.birth.birth_date,
            visit.visited_on,
        )),
        staff(options, exported.recorded_by),
        match exported.recorded_by.and_then(|m| options.members.get(&m)) {
            Some(name) => Value::text(name.clone()),
            None => Value::text(visit.visited_by.clone()),
        },
    ];
    row.extend(
        VISIT_NUMBERS
            .iter()
            .map(|(field, decimals)| Value::opt_number(values.number(None, field), *decimals)),
    );
    row.extend([
        Value::yes_no(answer("hb_done").and_then(Json::as_bool)),
        Value::yes_no(answer("ua_done").and_then(Json::as_bool)),
        Value::opt_text(
            answer("packages_given")
                .and_then(Json::as_array)
                .map(|codes| codes.iter().filter_map(Json::as_str).collect::<Vec<_>>().join(" "))
                .as_deref(),
        ),
        Value::yes_no(answer("referred").and_then(Json::as_bool)),
        Value::Int(count(FlagLevel::Urgent)),
        Value::Int(count(FlagLevel::Attention)),
    ]);
    debug_assert_eq!(row.len(), width);
    row
}

fn flags_table(mothers: &[&ProgrammeMother], options: &LineListOptions) -> Table {
    let mut b = Builder::new(
        "flags",
        &[
            ("mother", false),
            ("visit_id", true),
            ("visit_number", false),
            ("visited_on", false),
            ("position", false),
            ("subject", false),
            ("rule", false),
            ("level", false),
            ("reasons", false),
            ("signed_off", false),
            ("signed_off_on", false),
            ("signed_off_by", true),
            ("doctor_order", false),
        ],
    );
    for export in mothers {
        let mut visits: Vec<&ProgrammeVisit> = export
            .visits
            .iter()
            .filter(|v| options.within(v.visit.visited_on))
            .collect();
        visits.sort_by_key(|v| (v.visit.visited_on, v.visit.visited_at, v.visit.id));
        for visit in visits {
            let definition = lohusa_core::checklist::by_version(visit.visit.checklist_version);
            for (position, flag) in visit.flags.iter().enumerate() {
                let key = flag_key(flag);
                let review = export
                    .reviews
                    .iter()
                    .filter(|r| r.visit_id == visit.visit.id && r.flags.contains(&key))
                    .min_by_key(|r| r.reviewed_at);
                let subject = match flag.baby {
                    None => "mother".to_owned(),
                    // The baby by place, never by name: a de-identified file keeps this column.
                    Some(id) => {
                        let ordinal = export.babies.iter().find(|b| b.id == id).map_or(0, |b| b.ordinal);
                        format!("baby {ordinal}")
                    }
                };
                b.push(vec![
                    mother_key(export, options),
                    Value::text(visit.visit.id.to_string()),
                    Value::Int(i64::from(visit.visit.number.get())),
                    day(options, visit.visit.visited_on),
                    Value::Int(position as i64 + 1),
                    Value::text(subject),
                    Value::text(flag.rule.clone()),
                    Value::text(code(&flag.level)),
                    Value::text(flag_text::reasons_sentence(options.language, flag, definition)),
                    Value::yes_no(Some(review.is_some())),
                    opt_day(
                        options,
                        review.map(|r| lohusa_core::time::istanbul_today(r.reviewed_at)),
                    ),
                    Value::opt_text(review.map(|r| r.reviewed_by.as_str())),
                    Value::text(review.map(|r| code(&r.order)).unwrap_or_default()),
                ]);
            }
        }
    }
    b.finish(options.variant)
}

/// Baby fields read from the latest visit that answered them.
const BABY_ANSWERS: [&str; 6] = [
    "feeding_type",
    "heel_prick_done",
    "hearing_screening_done",
    "hep_b_birth",
    "hep_b_month_1",
    "vitamin_d",
];

fn babies_table(mothers: &[&ProgrammeMother], options: &LineListOptions) -> Table {
    let mut columns: Vec<(&str, bool)> = vec![
        ("mother", false),
        ("baby", false),
        ("ordinal", false),
        ("name", true),
        ("sex", false),
        ("birth_weight_g", false),
        ("birth_date", false),
        ("gestational_weeks", false),
        ("last_weight_g", false),
        ("last_weighed_on", false),
        ("last_latch_total", false),
    ];
    columns.extend(BABY_ANSWERS.iter().map(|f| (*f, false)));
    let mut b = Builder::new("babies", &columns);
    for export in mothers {
        let mut visits: Vec<&ProgrammeVisit> = export
            .visits
            .iter()
            .filter(|v| v.visit.outcome == VisitOutcome::Visited && v.visit.visited_on <= options.period.1)
            .collect();
        visits.sort_by_key(|v| (v.visit.visited_on, v.visit.visited_at));
        for baby in &export.babies {
            let latest = |field: &str| -> Option<(NaiveDate, Json)> {
                visits.iter().rev().find_map(|v| {
                    v.visit
                        .answers
                        .get(&answer_key(Some(baby.id), field))
                        .map(|a| (v.visit.visited_on, a.clone()))
                })
            };
            let weight = latest("weight_g");
            let latch: Option<f64> = visits.iter().rev().find_map(|v| {
                ["latch_l", "latch_a", "latch_t", "latch_c", "latch_h"]
                    .iter()
                    .map(|f| {
                        v.visit
                            .answers
                            .get(&answer_key(Some(baby.id), f))
                            .and_then(Json::as_f64)
                    })
                    .sum()
            });
            let key = match options.variant {
                Variant::Identified => baby.id.to_string(),
                Variant::Deidentified => format!("{}-{}", pseudonym(options.secret, export.mother.id), baby.ordinal),
            };
            let mut row = vec![
                mother_key(export, options),
                Value::text(key),
                Value::Int(i64::from(baby.ordinal)),
                Value::opt_text(baby.name.as_deref()),
                Value::text(code(&baby.sex)),
                Value::Int(i64::from(baby.birth_weight_g)),
                day(options, export.birth.birth_date),
                export
                    .birth
                    .gestational_weeks
                    .map_or(Value::Empty, |w| Value::Int(i64::from(w))),
                Value::opt_number(weight.as_ref().and_then(|(_, w)| w.as_f64()), 0),
                opt_day(options, weight.map(|(on, _)| on)),
                Value::opt_number(latch, 0),
            ];
            row.extend(BABY_ANSWERS.iter().map(|field| match latest(field).map(|(_, v)| v) {
                Some(Json::Bool(yes)) => Value::yes_no(Some(yes)),
                Some(Json::String(text)) => Value::text(text),
                _ => Value::Empty,
            }));
            b.push(row);
        }
    }
    b.finish(options.variant)
}
