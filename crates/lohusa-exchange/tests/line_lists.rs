//! The line lists and the programme report as a data officer receives them, from the shared
//! caseload: every window with its status (a passed one with no visit too), nurse ids, sign-offs;
//! the de-identified variant holding none of the caseload's names, phones, identity numbers or
//! streets; and both workbooks read back with a Rust XLSX reader.

use crate::common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use lohusa_core::flag_text::TextLanguage;
use lohusa_core::indicators::{deidentify, programme_report};
use lohusa_exchange::line_lists::{LineListOptions, Variant, line_lists, pseudonym};
use lohusa_exchange::report_tables::{report_long_table, report_tables};
use lohusa_exchange::tables::{CsvLocale, Table, Value, to_csv, to_xlsx};

use common::*;

const SECRET: &[u8] = b"device secret";

fn lists(variant: Variant) -> Vec<Table> {
    let members = team();
    let options = LineListOptions {
        period: (date("2026-11-01"), date("2026-12-31")),
        today: today(),
        variant,
        language: TextLanguage::En,
        members: &members,
        secret: SECRET,
    };
    line_lists(&caseload(), &options)
}

fn table<'a>(tables: &'a [Table], name: &str) -> &'a Table {
    tables.iter().find(|t| t.name == name).unwrap()
}

/// The value of `column` in each row.
fn column(table: &Table, column: &str) -> Vec<Value> {
    let i = table
        .columns
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("{} has {column}", table.name));
    table.rows.iter().map(|r| r[i].clone()).collect()
}

fn text(s: &str) -> Value {
    Value::text(s)
}

#[test]
fn the_register_has_codes_ages_and_the_case() {
    let tables = lists(Variant::Identified);
    let mothers = table(&tables, "mothers");
    // Sorted by name as search folds it: Latin before Arabic.
    assert_eq!(column(mothers, "full_name"), [text("Ayşe Yılmaz"), text("فاطمة الأحمد")]);
    assert_eq!(column(mothers, "nationality_iso"), [text("TR"), text("SY")]);
    assert_eq!(
        column(mothers, "residency_status"),
        [text("citizen"), text("temporary_protection")]
    );
    // Born 12 March 1994, registered 24 November 2026: 32. Fatima gave her age only.
    assert_eq!(column(mothers, "age_years"), [Value::Int(32), Value::Int(27)]);
    assert_eq!(column(mothers, "age_band"), [text("30-34"), text("25-29")]);
    assert_eq!(column(mothers, "babies"), [Value::Int(2), Value::Int(1)]);
    assert_eq!(column(mothers, "visits_made"), [Value::Int(3), Value::Int(2)]);
    assert_eq!(column(mothers, "case_status"), [text("open"), text("open")]);
    assert_eq!(
        column(mothers, "discharge_date"),
        [Value::Date(date("2026-11-24")), Value::Empty]
    );
}

#[test]
fn the_visits_file_has_every_window_and_how_each_record_stands() {
    let tables = lists(Variant::Identified);
    let visits = table(&tables, "visits");
    let rows: Vec<(Value, Value, Value, Value, Value)> = column(visits, "visit_number")
        .into_iter()
        .zip(column(visits, "window_status"))
        .zip(column(visits, "outcome"))
        .zip(column(visits, "timing"))
        .zip(column(visits, "nurse_id"))
        .map(|((((n, s), o), t), id)| (n, s, o, t, id))
        .collect();
    let derya = Value::text(uuid::Uuid::from_u128(DERYA_ID).to_string());
    let zeynep = Value::text(uuid::Uuid::from_u128(ZEYNEP_ID).to_string());
    assert_eq!(
        rows,
        [
            // Ayşe: three visits in their windows.
            (
                Value::Int(1),
                text("done"),
                text("visited"),
                text("in_window"),
                derya.clone()
            ),
            (
                Value::Int(2),
                text("done"),
                text("visited"),
                text("in_window"),
                derya.clone()
            ),
            (Value::Int(3), text("done"), text("visited"), text("in_window"), derya),
            // Fatima: nobody at home (no member recorded it), then seen; visit 2 passed with
            // nothing recorded; visit 3 seen.
            (
                Value::Int(1),
                text("done"),
                text("not_at_home"),
                Value::Empty,
                Value::Empty
            ),
            (
                Value::Int(1),
                text("done"),
                text("visited"),
                text("in_window"),
                zeynep.clone()
            ),
            (Value::Int(2), text("passed"), Value::Empty, Value::Empty, Value::Empty),
            (Value::Int(3), text("done"), text("visited"), text("in_window"), zeynep),
        ]
    );
    assert_eq!(
        column(visits, "hemoglobin")[1],
        Value::Number(10.4, 1),
        "vitals and labs are in the file"
    );
    assert_eq!(column(visits, "pulse")[0], Value::Number(84.0, 0));
    assert_eq!(column(visits, "window_opens")[5], Value::Date(date("2026-12-03")));
    assert!(
        column(visits, "extra_visit")
            .iter()
            .all(|v| *v == text("no") || *v == Value::Empty)
    );
}

#[test]
fn the_flags_file_says_which_were_signed_off_when_and_with_what_order() {
    let tables = lists(Variant::Identified);
    let flags = table(&tables, "flags");
    let rule = column(flags, "rule");
    let hypertension = rule.iter().position(|r| *r == text("severe_hypertension")).unwrap();
    assert_eq!(column(flags, "signed_off")[hypertension], text("yes"));
    // The first of two sign-offs, on 25 November (15:10 in İzmir).
    assert_eq!(
        column(flags, "signed_off_on")[hypertension],
        Value::Date(date("2026-11-25"))
    );
    assert_eq!(column(flags, "signed_off_by")[hypertension], text("Dr. Murat Öz"));
    assert_eq!(column(flags, "doctor_order")[hypertension], text("referral"));
    assert_eq!(column(flags, "position")[hypertension], Value::Int(1));
    let open = rule.iter().position(|r| *r != text("severe_hypertension")).unwrap();
    assert_eq!(column(flags, "signed_off")[open], text("no"));
    // Reasons are sentences with units, in the chosen language.
    let Value::Text(reasons) = &column(flags, "reasons")[hypertension] else {
        panic!("a sentence")
    };
    assert!(reasons.contains("164"), "{reasons}");
}

#[test]
fn the_deidentified_files_hold_no_name_phone_identity_number_or_street() {
    let tables = lists(Variant::Deidentified);
    let everything: String = tables
        .iter()
        .map(|t| to_csv(t, CsvLocale::of(TextLanguage::Tr)))
        .collect();
    for secret in [
        "Ayşe",
        "Yılmaz",
        "فاطمة",
        "الأحمد",
        "Elif",
        "ليلى",
        "0532",
        "123 45 67",
        "5551234567",
        "10000000146",
        "99000000042",
        "1203/5",
        "Sokak",
        "1994",
        "Derya",
        "Zeynep",
        "Murat",
        "Suriye",
        "T.C.",
        &uuid::Uuid::from_u128(0x100).to_string(),
        &uuid::Uuid::from_u128(0x200).to_string(),
    ] {
        assert!(!everything.contains(secret), "{secret} leaked:\n{everything}");
    }
    // A stable pseudonym per mother: the same in every export of this device, another with
    // another device's secret.
    let mothers = table(&tables, "mothers");
    let ayse = caseload()[0].mother.id;
    let expected = pseudonym(SECRET, ayse);
    assert!(column(mothers, "mother").contains(&text(&expected)));
    assert_eq!(pseudonym(SECRET, ayse), expected);
    assert_ne!(pseudonym(b"another device", ayse), expected);
    assert_eq!(expected.len(), 14);
    assert_eq!(column(mothers, "age_band").len(), 2);
    assert!(!mothers.columns.contains(&"date_of_birth".to_owned()));
    // Dates are months, record ids (a UUID v7 holds its moment) and neighbourhoods are gone,
    // nurses are pseudonyms.
    assert!(!everything.contains("2026-11-2"), "no day of a month:\n{everything}");
    assert!(!everything.contains("Kazımdirik") && !everything.contains("Mevlana"));
    let visits = table(&tables, "visits");
    assert!(!visits.columns.contains(&"visit_id".to_owned()));
    assert!(!visits.columns.contains(&"window_opens".to_owned()));
    assert_eq!(column(visits, "visited_on")[0], text("2026-11"));
    let Value::Text(nurse) = &column(visits, "nurse_id")[0] else {
        panic!("a nurse pseudonym")
    };
    assert!(nurse.starts_with("N-") && nurse.len() == 10, "{nurse}");
    assert!(!everything.contains(&uuid::Uuid::from_u128(DERYA_ID).to_string()));
    // What the donor needs stays.
    assert_eq!(column(visits, "window_status").len(), 7);
    assert!(table(&tables, "babies").columns.contains(&"feeding_type".to_owned()));
}

fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

#[test]
fn the_line_lists_workbook_reads_back() {
    let bytes = to_xlsx(&lists(Variant::Identified)).unwrap();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(workbook.sheet_names(), ["mothers", "visits", "flags", "babies"]);
    let mothers = workbook.worksheet_range("mothers").unwrap();
    assert_eq!(cell(&mothers, 0, 1), Data::String("full_name".into()));
    assert_eq!(cell(&mothers, 1, 1), Data::String("Ayşe Yılmaz".into()));
    assert_eq!(cell(&mothers, 2, 1), Data::String("فاطمة الأحمد".into()));
    let visits = workbook.worksheet_range("visits").unwrap();
    let header: Vec<Data> = (0..visits.width() as u32).map(|c| cell(&visits, 0, c)).collect();
    let hb = header
        .iter()
        .position(|h| *h == Data::String("hemoglobin".into()))
        .unwrap() as u32;
    assert_eq!(cell(&visits, 2, hb), Data::Float(10.4));
    // Dates are dates, shown as YYYY-MM-DD.
    let Data::DateTime(opens) = cell(&visits, 1, 2) else {
        panic!("a date cell, got {:?}", cell(&visits, 1, 2))
    };
    // Excel counts days from 30 December 1899.
    let serial = (date("2026-11-24") - date("1899-12-30")).num_days() as f64;
    assert_eq!(opens.as_f64(), serial);
}

#[test]
fn the_programme_report_workbook_has_definitions_and_a_sheet_per_breakdown() {
    let report = programme_report(&caseload(), &team(), date("2026-11-01"), today());
    let bytes = to_xlsx(&report_tables(&report, TextLanguage::Tr)).unwrap();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        [
            "report",
            "definitions",
            "Tüm ekip",
            "Yasal statü",
            "Uyruk (ISO 3166)",
            "İlçe",
            "Mahalle",
            "Ebe-hemşire"
        ]
    );
    let definitions = workbook.worksheet_range("definitions").unwrap();
    assert_eq!(cell(&definitions, 1, 0), Data::String("women_registered".into()));
    assert_eq!(cell(&definitions, 1, 1), Data::String("Kaydedilen kadınlar".into()));
    // Two mothers registered in November, both reached.
    let team_sheet = workbook.worksheet_range("Tüm ekip").unwrap();
    let row = |id: &str| {
        (1..team_sheet.height() as u32)
            .find(|r| cell(&team_sheet, *r, 0) == Data::String(id.into()))
            .unwrap()
    };
    assert_eq!(cell(&team_sheet, row("women_registered"), 2), Data::Float(2.0));
    assert_eq!(cell(&team_sheet, row("women_reached"), 2), Data::Float(2.0));
    assert_eq!(cell(&team_sheet, row("women_reached"), 3), Data::Float(2.0));
    assert_eq!(cell(&team_sheet, row("women_reached"), 4), Data::Float(100.0));
    // The donor's copy: small numbers hidden.
    let hidden = to_xlsx(&report_tables(&deidentify(report.clone()), TextLanguage::En)).unwrap();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(hidden)).unwrap();
    let team_sheet = workbook.worksheet_range("Whole team").unwrap();
    assert_eq!(cell(&team_sheet, row("women_registered"), 2), Data::String("<5".into()));
    // The CSV: one long table in the language's separators.
    let csv = to_csv(
        &report_long_table(&report, TextLanguage::Tr),
        CsvLocale::of(TextLanguage::Tr),
    );
    assert!(
        csv.contains("2026-11-01;2026-11-30;Tüm ekip;all;Tüm ekip;women_reached;Ulaşılan kadınlar (en az bir ziyaret);2;2;100\r\n"),
        "{csv}"
    );
}
