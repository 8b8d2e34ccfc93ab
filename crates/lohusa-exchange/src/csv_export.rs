//! CSV exports for the programme's reports: one row per visit record and one row per red flag.
//!
//! Both files are UTF-8 **with a byte-order mark** and CRLF line ends: Excel as installed in
//! Türkiye opens a UTF-8 CSV correctly (ş, ğ, ı and Arabic script) only when it starts with a BOM.
//! Fields are quoted by the `csv` crate when they hold a comma, a quote or a line break. A free
//! text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`,
//! so a spreadsheet shows it as text instead of running it as a formula.
//!
//! Rows are sorted by the mother's name (folded as search folds it: Turkish letters beside their
//! base letter, Arabic without short vowels), then by visit number and date. Columns are fixed,
//! in this order; an empty cell means not recorded.
//!
//! `visits_csv`, one row per visit record (failed attempts included):
//!
//! | column | content |
//! | --- | --- |
//! | mother_id | the mother's UUID |
//! | mother_name | full name as registered |
//! | neighbourhood, district, nationality | as registered |
//! | birth_date | the date she gave birth (YYYY-MM-DD) |
//! | visit_number | 1, 2 or 3 |
//! | outcome | `visited`, `not_at_home`, `moved`, `refused`, `hospitalised` |
//! | visited_on | date of the visit or attempt |
//! | visited_by | the visiting nurse, as typed |
//! | day_of_life | the baby's day of life on that date (birth day = 0) |
//! | bp_systolic, bp_diastolic | mmHg |
//! | hemoglobin | g/dL |
//! | epds_total, phq9_total | screening totals, when every item was answered |
//! | flags_urgent, flags_attention | how many urgent and attention flags the visit raises |
//!
//! `flags_csv`, one row per raised flag, in the order the visit raises them (urgent first):
//!
//! | column | content |
//! | --- | --- |
//! | mother_id, mother_name | as above |
//! | visit_number, visited_on | the visit that raised it |
//! | subject | `mother`, or the baby by name, else by place in the exporting language ("Baby 2") |
//! | rule | the rule id, such as `severe_hypertension` |
//! | level | `note`, `attention` or `urgent` |
//! | reasons | what made it fire, in English: `bp_systolic 164 ≥ 160` |

use lohusa_core::flag_text::{self, TextLanguage};
use lohusa_core::flags::FlagLevel;
use lohusa_core::search::fold_for_search;
use lohusa_core::time::day_of_life;

use crate::fhir::VisitValues;
use crate::{MotherExport, VisitExport};

/// Excel needs it to read the file as UTF-8.
pub const BOM: &str = "\u{feff}";

pub const VISIT_COLUMNS: [&str; 18] = [
    "mother_id",
    "mother_name",
    "neighbourhood",
    "district",
    "nationality",
    "birth_date",
    "visit_number",
    "outcome",
    "visited_on",
    "visited_by",
    "day_of_life",
    "bp_systolic",
    "bp_diastolic",
    "hemoglobin",
    "epds_total",
    "phq9_total",
    "flags_urgent",
    "flags_attention",
];

pub const FLAG_COLUMNS: [&str; 8] = [
    "mother_id",
    "mother_name",
    "visit_number",
    "visited_on",
    "subject",
    "rule",
    "level",
    "reasons",
];

/// One row per visit record, sorted by mother name then visit number (see the module docs).
pub fn visits_csv(mothers: &[MotherExport]) -> String {
    let rows = sorted_visits(mothers).into_iter().map(|(export, exported)| {
        let mother = &export.mother;
        let visit = &exported.visit;
        let values = VisitValues::of(export, visit);
        let n = |field: &str| values.number(None, field).map(format_number).unwrap_or_default();
        let count = |level: FlagLevel| exported.flags.iter().filter(|f| f.level == level).count().to_string();
        vec![
            mother.id.to_string(),
            free_text(&mother.full_name),
            free_text(mother.neighbourhood.as_deref().unwrap_or_default()),
            free_text(mother.district.as_deref().unwrap_or_default()),
            free_text(mother.nationality.as_deref().unwrap_or_default()),
            export.birth.birth_date.format("%Y-%m-%d").to_string(),
            visit.number.get().to_string(),
            code(&visit.outcome),
            visit.visited_on.format("%Y-%m-%d").to_string(),
            free_text(&visit.visited_by),
            day_of_life(export.birth.birth_date, visit.visited_on).to_string(),
            n("bp_systolic"),
            n("bp_diastolic"),
            n("hemoglobin"),
            n("epds_total"),
            n("phq9_total"),
            count(FlagLevel::Urgent),
            count(FlagLevel::Attention),
        ]
    });
    write(&VISIT_COLUMNS, rows)
}

/// One row per raised flag, sorted by mother name then visit number (see the module docs); the
/// reasons as sentences in `language`, with their values' decimals and units.
pub fn flags_csv(mothers: &[MotherExport], language: TextLanguage) -> String {
    let rows = sorted_visits(mothers).into_iter().flat_map(|(export, exported)| {
        let definition = lohusa_core::checklist::by_version(exported.visit.checklist_version);
        exported.flags.iter().map(move |flag| {
            let subject = match flag.baby {
                None => "mother".to_owned(),
                Some(id) => flag_text::baby_name(language, export.babies.iter().find(|b| b.id == id)),
            };
            vec![
                export.mother.id.to_string(),
                free_text(&export.mother.full_name),
                exported.visit.number.get().to_string(),
                exported.visit.visited_on.format("%Y-%m-%d").to_string(),
                subject,
                flag.rule.clone(),
                code(&flag.level),
                free_text(&flag_text::reasons_sentence(language, flag, definition)),
            ]
        })
    });
    write(&FLAG_COLUMNS, rows)
}

/// Every visit of every mother, in report order.
fn sorted_visits(mothers: &[MotherExport]) -> Vec<(&MotherExport, &VisitExport)> {
    let mut mothers: Vec<(String, &MotherExport)> = mothers
        .iter()
        .map(|m| (fold_for_search(&m.mother.full_name), m))
        .collect();
    mothers.sort_by(|(a_key, a), (b_key, b)| {
        (a_key, &a.mother.full_name, a.mother.id).cmp(&(b_key, &b.mother.full_name, b.mother.id))
    });
    mothers
        .into_iter()
        .flat_map(|(_, export)| {
            let mut visits: Vec<&VisitExport> = export.visits.iter().collect();
            visits.sort_by_key(|v| (v.visit.number, v.visit.visited_on, v.visit.id));
            visits.into_iter().map(move |v| (export, v))
        })
        .collect()
}

fn write(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = BOM.as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer.write_record(header).expect("writing to memory cannot fail");
        for row in rows {
            writer.write_record(&row).expect("writing to memory cannot fail");
        }
        writer.flush().expect("writing to memory cannot fail");
    }
    String::from_utf8(out).expect("the CSV of UTF-8 strings is UTF-8")
}

/// 118 rather than 118.0; 10.4 as it is.
fn format_number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

/// An enum's snake_case code (`not_at_home`).
fn code<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Typed text, made safe to open in a spreadsheet.
fn free_text(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VisitExport;
    use chrono::NaiveDate;
    use lohusa_core::condition::{Comparison, Reason};
    use lohusa_core::flags::Flag;
    use lohusa_core::ids::{BabyId, BirthId, MotherId, VisitId};
    use lohusa_core::registration::{BabyRecord, BabySex, BirthMode, BirthRecord, Language, MotherRecord};
    use lohusa_core::visit::{VisitOutcome, VisitRecord};
    use lohusa_core::{VisitNumber, checklist};
    use serde_json::json;
    use uuid::Uuid;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn mother(n: u128, name: &str) -> MotherExport {
        let id = MotherId(Uuid::from_u128(n));
        let birth = BirthRecord {
            id: BirthId(Uuid::from_u128(n + 100)),
            mother_id: id,
            birth_date: date("2026-11-22"),
            discharge_date: None,
            mode: BirthMode::Vaginal,
            gestational_weeks: Some(38),
        };
        let babies = (1..=2)
            .map(|ordinal| BabyRecord {
                id: BabyId(Uuid::from_u128(n * 1000 + ordinal)),
                birth_id: birth.id,
                mother_id: id,
                ordinal: ordinal as u32,
                name: None,
                sex: BabySex::Female,
                birth_weight_g: 2600,
            })
            .collect();
        MotherExport {
            mother: MotherRecord {
                id,
                full_name: name.into(),
                date_of_birth: None,
                age_years: Some(28),
                phone: None,
                street: None,
                neighbourhood: Some("Kazımdirik".into()),
                district: Some("Bornova".into()),
                residency_status: None,
                nationality: Some("Suriye".into()),
                id_number: None,
                preferred_language: Language::Ar,
                interpreter_needed: true,
                registered_on: date("2026-11-23"),
            },
            birth,
            babies,
            visits: vec![],
            reviews: vec![],
            case: Default::default(),
            referral_source: None,
        }
    }

    fn visit(export: &MotherExport, n: u128, number: u8, outcome: VisitOutcome, on: &str) -> VisitRecord {
        VisitRecord {
            id: VisitId(Uuid::from_u128(n)),
            mother_id: export.mother.id,
            number: VisitNumber::new(number).unwrap(),
            outcome,
            visited_on: date(on),
            visited_at: None,
            visited_by: "Hemşire Derya".into(),
            note: None,
            checklist_version: checklist::current().version,
            answers: Default::default(),
            extra_visit_id: None,
        }
    }

    fn flag(rule: &str, level: FlagLevel, baby: Option<BabyId>, reason: (&str, f64, Comparison, f64)) -> Flag {
        let (field, value, op, threshold) = reason;
        Flag {
            rule: rule.into(),
            level,
            baby,
            reasons: vec![Reason::Compare {
                field: field.into(),
                value,
                op,
                threshold,
            }],
        }
    }

    /// An Arabic-script mother whose name also carries a comma and a quote, with a visit that
    /// raised flags and a failed attempt; and a Turkish mother who sorts before her.
    fn exports() -> Vec<MotherExport> {
        let mut arabic = mother(1, "فاطمة \"أم علي\", الأحمد");
        let second_twin = arabic.babies[1].id;
        let mut v1 = visit(&arabic, 11, 1, VisitOutcome::Visited, "2026-11-25");
        v1.answers.insert("mother.bp_systolic".into(), json!(164));
        v1.answers.insert("mother.bp_diastolic".into(), json!(102));
        let attempt = visit(&arabic, 10, 1, VisitOutcome::NotAtHome, "2026-11-24");
        let mut v2 = visit(&arabic, 12, 2, VisitOutcome::Visited, "2026-12-06");
        v2.answers.insert("mother.hb_done".into(), json!(true));
        v2.answers.insert("mother.hemoglobin".into(), json!(10.4));
        arabic.visits = vec![
            VisitExport {
                visit: v2,
                recorded_by: None,
                flags: vec![flag(
                    "moderate_anaemia",
                    FlagLevel::Attention,
                    None,
                    ("hemoglobin", 10.4, Comparison::Lt, 11.0),
                )],
            },
            VisitExport {
                visit: v1,
                recorded_by: None,
                flags: vec![
                    flag(
                        "severe_hypertension",
                        FlagLevel::Urgent,
                        None,
                        ("bp_systolic", 164.0, Comparison::Ge, 160.0),
                    ),
                    flag(
                        "weight_loss",
                        FlagLevel::Attention,
                        Some(second_twin),
                        ("weight_change_pct", -11.5, Comparison::Lt, -10.0),
                    ),
                ],
            },
            VisitExport {
                visit: attempt,
                recorded_by: None,
                flags: vec![],
            },
        ];
        let mut turkish = mother(2, "Çiğdem Şahin");
        turkish.mother.preferred_language = Language::Tr;
        turkish.mother.nationality = Some("T.C.".into());
        let v = visit(&turkish, 21, 1, VisitOutcome::Refused, "2026-11-24");
        turkish.visits = vec![VisitExport {
            visit: v,
            recorded_by: None,
            flags: vec![],
        }];
        vec![arabic, turkish]
    }

    fn parse(text: &str) -> Vec<Vec<String>> {
        let body = text.strip_prefix(BOM).expect("starts with a BOM");
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn files_start_with_a_bom_and_the_headers() {
        let visits = visits_csv(&exports());
        assert!(visits.starts_with("\u{feff}mother_id,mother_name,neighbourhood,"));
        assert!(visits.contains("flags_urgent,flags_attention\r\n"));
        assert_eq!(parse(&visits)[0], VISIT_COLUMNS);
        let flags = flags_csv(&exports(), TextLanguage::En);
        assert!(flags.starts_with('\u{feff}'));
        assert_eq!(parse(&flags)[0], FLAG_COLUMNS);
        // Nothing to report is still a file Excel opens with its header.
        assert_eq!(parse(&visits_csv(&[])), vec![VISIT_COLUMNS.map(str::to_owned).to_vec()]);
    }

    #[test]
    fn a_name_with_a_comma_quotes_and_arabic_script_survives_a_round_trip() {
        let text = visits_csv(&exports());
        // Quoted, with the inner quotes doubled.
        assert!(text.contains("\"فاطمة \"\"أم علي\"\", الأحمد\""), "{text}");
        let rows = parse(&text);
        assert!(rows[1..].iter().all(|r| r.len() == VISIT_COLUMNS.len()));
        assert_eq!(rows[2][1], "فاطمة \"أم علي\", الأحمد");
    }

    #[test]
    fn visit_rows_are_sorted_and_carry_values_and_flag_counts() {
        let rows = parse(&visits_csv(&exports()));
        let summary: Vec<(&str, &str, &str, &str)> = rows[1..]
            .iter()
            .map(|r| (r[1].as_str(), r[6].as_str(), r[7].as_str(), r[8].as_str()))
            .collect();
        let arabic = "فاطمة \"أم علي\", الأحمد";
        assert_eq!(
            summary,
            [
                ("Çiğdem Şahin", "1", "refused", "2026-11-24"),
                (arabic, "1", "not_at_home", "2026-11-24"),
                (arabic, "1", "visited", "2026-11-25"),
                (arabic, "2", "visited", "2026-12-06"),
            ]
        );
        let column = |name: &str| VISIT_COLUMNS.iter().position(|c| *c == name).unwrap();
        let first = &rows[3];
        assert_eq!(first[column("day_of_life")], "3");
        assert_eq!(first[column("bp_systolic")], "164");
        assert_eq!(first[column("bp_diastolic")], "102");
        assert_eq!(first[column("hemoglobin")], "");
        assert_eq!(first[column("flags_urgent")], "1");
        assert_eq!(first[column("flags_attention")], "1");
        let second = &rows[4];
        assert_eq!(second[column("hemoglobin")], "10.4");
        assert_eq!(second[column("flags_urgent")], "0");
        assert_eq!(second[column("flags_attention")], "1");
        assert_eq!(rows[1][column("nationality")], "T.C.");
        assert_eq!(rows[1][column("flags_urgent")], "0");
    }

    #[test]
    fn flag_reasons_are_written_in_the_chosen_language() {
        let rows = parse(&flags_csv(&exports(), TextLanguage::Tr));
        let reasons: Vec<&str> = rows[1..].iter().map(|r| r[7].as_str()).collect();
        assert_eq!(reasons[2], "Hemoglobin 10,4 g/dL: 11 altında");
    }

    #[test]
    fn flag_rows_name_the_subject_and_the_reasons() {
        let rows = parse(&flags_csv(&exports(), TextLanguage::En));
        let body: Vec<Vec<&str>> = rows[1..]
            .iter()
            .map(|r| r[2..].iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            body,
            [
                vec![
                    "1",
                    "2026-11-25",
                    "mother",
                    "severe_hypertension",
                    "urgent",
                    "Blood pressure, systolic 164 mmHg: at or above 160"
                ],
                vec![
                    "1",
                    "2026-11-25",
                    "Baby 2",
                    "weight_loss",
                    "attention",
                    "Change from birth weight -11.5 %: below -10"
                ],
                vec![
                    "2",
                    "2026-12-06",
                    "mother",
                    "moderate_anaemia",
                    "attention",
                    "Hemoglobin 10.4 g/dL: below 11"
                ],
            ]
        );
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_as_a_formula_is_kept_as_text() {
        let mut exports = exports();
        exports[1].mother.full_name = "=HYPERLINK(\"x\")".into();
        let rows = parse(&visits_csv(&exports));
        assert!(rows.iter().any(|r| r[1] == "'=HYPERLINK(\"x\")"));
        assert_eq!(free_text("Ayşe"), "Ayşe");
    }
}
