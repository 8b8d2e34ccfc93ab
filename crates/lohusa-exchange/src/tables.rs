//! Tables as the programme's files carry them, and their two writers: an XLSX workbook (one sheet
//! per table, header row bold and frozen, dates as dates, numbers as numbers) and a CSV in the
//! conventions of the reader's language.
//!
//! Excel opens a CSV with the list separator and decimal mark of Windows' regional settings:
//! Turkish Windows uses `;` and `,` (a comma-separated file opens in one column), English `,` and
//! `.`, Arabic (Saudi Arabia, Egypt) `;` and `.`. The CSV is UTF-8 with a byte-order mark (without
//! it Excel reads ş, ğ, ı and Arabic as mojibake), CRLF line ends, dates as YYYY-MM-DD (read as
//! dates in every locale), and typed text that starts like a formula is prefixed with `'`.

use chrono::{Datelike, NaiveDate};
use lohusa_core::flag_text::TextLanguage;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

/// One value of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    /// Typed or generated text.
    Text(String),
    Int(i64),
    /// A number shown with this many decimals at most.
    Number(f64, usize),
    Date(NaiveDate),
    /// Hidden in a de-identified table (a count between 1 and 4).
    Suppressed,
}

impl Value {
    pub fn text(text: impl Into<String>) -> Value {
        let text = text.into();
        if text.is_empty() {
            Value::Empty
        } else {
            Value::Text(text)
        }
    }

    pub fn opt_text(text: Option<&str>) -> Value {
        text.map_or(Value::Empty, Value::text)
    }

    pub fn opt_date(date: Option<NaiveDate>) -> Value {
        date.map_or(Value::Empty, Value::Date)
    }

    pub fn opt_number(value: Option<f64>, decimals: usize) -> Value {
        value.map_or(Value::Empty, |v| Value::Number(v, decimals))
    }

    pub fn yes_no(value: Option<bool>) -> Value {
        match value {
            Some(true) => Value::Text("yes".into()),
            Some(false) => Value::Text("no".into()),
            None => Value::Empty,
        }
    }
}

/// A named table: a sheet of a workbook, or one CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The sheet's name (at most 31 characters, as Excel allows).
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn new(name: &str, columns: &[&str]) -> Table {
        Table {
            name: name.chars().take(31).collect(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
        }
    }
}

/// How a spreadsheet in this language reads a CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvLocale {
    pub separator: u8,
    pub decimal: char,
}

impl CsvLocale {
    pub fn of(language: TextLanguage) -> CsvLocale {
        match language {
            TextLanguage::Tr => CsvLocale {
                separator: b';',
                decimal: ',',
            },
            TextLanguage::En => CsvLocale {
                separator: b',',
                decimal: '.',
            },
            TextLanguage::Ar => CsvLocale {
                separator: b';',
                decimal: '.',
            },
        }
    }
}

/// Text shown as text by a spreadsheet, never run as a formula.
pub fn safe_text(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// A number with at most `decimals` decimals, no trailing zeros, in the locale's decimal mark.
pub fn format_number(value: f64, decimals: usize, decimal: char) -> String {
    let mut text = format!("{value:.decimals$}");
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    if text == "-0" {
        text = "0".into();
    }
    text.replace('.', &decimal.to_string())
}

/// What a suppressed cell shows.
pub const SUPPRESSED: &str = "<5";

/// The table as CSV for a reader of `locale`.
pub fn to_csv(table: &Table, locale: CsvLocale) -> String {
    let mut out = crate::csv_export::BOM.as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(locale.separator)
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer
            .write_record(&table.columns)
            .expect("writing to memory cannot fail");
        for row in &table.rows {
            let cells = row.iter().map(|value| match value {
                Value::Empty => String::new(),
                Value::Text(text) => safe_text(text),
                Value::Int(n) => n.to_string(),
                Value::Number(n, decimals) => format_number(*n, *decimals, locale.decimal),
                Value::Date(date) => date.format("%Y-%m-%d").to_string(),
                Value::Suppressed => SUPPRESSED.to_owned(),
            });
            writer.write_record(cells).expect("writing to memory cannot fail");
        }
        writer.flush().expect("writing to memory cannot fail");
    }
    String::from_utf8(out).expect("the CSV of UTF-8 strings is UTF-8")
}

/// Why a workbook could not be written (a bug: every value written is checked for its limits).
#[derive(Debug, thiserror::Error)]
#[error("the workbook could not be written: {0}")]
pub struct WorkbookError(#[from] XlsxError);

/// The tables as one XLSX workbook, a sheet each in the order given.
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, WorkbookError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let mut used: Vec<String> = Vec::new();
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(&table.name, &mut used))?;
        for (col, name) in table.columns.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, name, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, value) in row.iter().enumerate() {
                let c = c as u16;
                match value {
                    Value::Empty => {}
                    // Excel keeps at most 32,767 characters in a cell.
                    Value::Text(text) => {
                        let text: String = text.chars().take(32_000).collect();
                        sheet.write_string(r, c, text)?;
                    }
                    Value::Int(n) => {
                        sheet.write_number(r, c, *n as f64)?;
                    }
                    Value::Number(n, _) => {
                        sheet.write_number(r, c, *n)?;
                    }
                    Value::Date(date) => {
                        let day = ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)?;
                        sheet.write_datetime_with_format(r, c, &day, &date_format)?;
                    }
                    Value::Suppressed => {
                        sheet.write_string(r, c, SUPPRESSED)?;
                    }
                }
            }
        }
        sheet.autofit();
    }
    Ok(workbook.save_to_buffer()?)
}

/// A sheet name Excel accepts (no `[]:*?/\`, at most 31 characters), unique in the workbook.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(28)
        .collect();
    let mut candidate = clean.clone();
    let mut n = 2;
    while used.iter().any(|u| u.to_lowercase() == candidate.to_lowercase()) {
        candidate = format!("{clean} {n}");
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new("visits", &["name", "hemoglobin", "day", "n", "cell"]);
        table.rows.push(vec![
            Value::text("=HYPERLINK(\"x\")"),
            Value::Number(10.5, 1),
            Value::Date(NaiveDate::from_ymd_opt(2026, 11, 3).unwrap()),
            Value::Int(7),
            Value::Suppressed,
        ]);
        table.rows.push(vec![
            Value::text("Ayşe; \"Ada\""),
            Value::Number(38.0, 1),
            Value::Empty,
            Value::Int(0),
            Value::Empty,
        ]);
        table
    }

    #[test]
    fn a_turkish_csv_uses_semicolons_and_decimal_commas() {
        let csv = to_csv(&sample(), CsvLocale::of(TextLanguage::Tr));
        assert_eq!(
            csv,
            "\u{feff}name;hemoglobin;day;n;cell\r\n\"'=HYPERLINK(\"\"x\"\")\";10,5;2026-11-03;7;<5\r\n\"Ayşe; \"\"Ada\"\"\";38;;0;\r\n"
        );
    }

    #[test]
    fn an_english_csv_uses_commas_and_decimal_points() {
        let csv = to_csv(&sample(), CsvLocale::of(TextLanguage::En));
        assert!(
            csv.contains("\"'=HYPERLINK(\"\"x\"\")\",10.5,2026-11-03,7,<5\r\n"),
            "{csv}"
        );
        let arabic = to_csv(&sample(), CsvLocale::of(TextLanguage::Ar));
        assert!(arabic.contains(";10.5;"), "{arabic}");
    }

    #[test]
    fn numbers_keep_their_decimals_without_trailing_zeros() {
        assert_eq!(format_number(7.5, 1, ','), "7,5");
        assert_eq!(format_number(38.0, 1, ','), "38");
        assert_eq!(format_number(2.0 / 3.0, 2, '.'), "0.67");
        assert_eq!(format_number(-0.001, 1, '.'), "0");
    }

    #[test]
    fn sheet_names_are_made_valid_and_unique() {
        let mut used = vec![];
        assert_eq!(sheet_name("a/b", &mut used), "a-b");
        assert_eq!(sheet_name("A-B", &mut used), "A-B 2");
        assert_eq!(sheet_name(&"x".repeat(40), &mut used).chars().count(), 28);
    }
}
