//! The programme report as tables: the definitions on a sheet of their own, and a sheet per
//! breakdown with a row per indicator and, per group, the numerator, the denominator and the
//! percentage (or the median); the CSV is one long table of every number.

use lohusa_core::flag_text::TextLanguage;
use lohusa_core::indicators::{Cell, IndicatorKind, ProgrammeReport};

use crate::tables::{Table, Value};

fn numbers(cell: &Cell, kind: IndicatorKind) -> [Value; 3] {
    if cell.suppressed {
        // A count has no denominator to hide.
        return match kind {
            IndicatorKind::Count => [Value::Suppressed, Value::Empty, Value::Empty],
            _ => [Value::Suppressed, Value::Suppressed, Value::Suppressed],
        };
    }
    let third = match kind {
        IndicatorKind::Count => Value::Empty,
        IndicatorKind::Share => Value::opt_number(cell.percent().map(round1), 1),
        IndicatorKind::Median => Value::opt_number(cell.median.map(round1), 1),
    };
    [
        Value::Int(i64::from(cell.numerator)),
        cell.denominator.map_or(Value::Empty, |d| Value::Int(i64::from(d))),
        third,
    ]
}

/// One decimal, as the report shows it (the workbook keeps numbers as numbers).
fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn kind_code(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Count => "count",
        IndicatorKind::Share => "share",
        IndicatorKind::Median => "median",
    }
}

/// The workbook's sheets: definitions, then each breakdown.
pub fn report_tables(report: &ProgrammeReport, language: TextLanguage) -> Vec<Table> {
    let mut definitions = Table::new(
        "definitions",
        &["indicator", "name", "kind", "numerator", "denominator", "unit"],
    );
    for def in &report.indicators {
        definitions.rows.push(vec![
            Value::text(def.id.clone()),
            Value::text(def.name.get(language)),
            Value::text(kind_code(def.kind)),
            Value::text(def.numerator.get(language)),
            Value::opt_text(def.denominator.as_ref().map(|d| d.get(language))),
            Value::opt_text(def.unit.as_deref()),
        ]);
    }
    let mut about = Table::new("report", &["field", "value"]);
    about.rows.push(vec![Value::text("from"), Value::Date(report.from)]);
    about.rows.push(vec![Value::text("to"), Value::Date(report.to)]);
    about.rows.push(vec![Value::text("as_of"), Value::Date(report.today)]);
    about.rows.push(vec![
        Value::text("deidentified"),
        Value::yes_no(Some(report.deidentified)),
    ]);
    if report.deidentified {
        about.rows.push(vec![
            Value::text("suppressed"),
            Value::text(format!(
                "{} = a number from 1 to {}; every other number is rounded to the nearest 5",
                crate::tables::SUPPRESSED,
                lohusa_core::indicators::SMALL_CELL - 1
            )),
        ]);
    }
    let mut tables = vec![about, definitions];
    for breakdown in &report.breakdowns {
        let mut columns = vec!["indicator".to_owned(), "name".to_owned()];
        for group in &breakdown.groups {
            let name = group.name.get(language);
            columns.push(name.to_owned());
            columns.push(format!("{name} N"));
            columns.push(format!("{name} %/median"));
        }
        let mut table = Table {
            name: breakdown.name.get(language).chars().take(31).collect(),
            columns,
            rows: Vec::new(),
        };
        for (i, def) in report.indicators.iter().enumerate() {
            let mut row = vec![Value::text(def.id.clone()), Value::text(def.name.get(language))];
            for group in &breakdown.groups {
                row.extend(numbers(&group.cells[i], def.kind));
            }
            table.rows.push(row);
        }
        tables.push(table);
    }
    tables
}

/// Every number of the report in one long table (for a CSV).
pub fn report_long_table(report: &ProgrammeReport, language: TextLanguage) -> Table {
    let mut table = Table::new(
        "programme_report",
        &[
            "from",
            "to",
            "breakdown",
            "group_key",
            "group",
            "indicator",
            "name",
            "numerator",
            "denominator",
            "percent_or_median",
        ],
    );
    for breakdown in &report.breakdowns {
        for group in &breakdown.groups {
            for (def, cell) in report.indicators.iter().zip(&group.cells) {
                let mut row = vec![
                    Value::Date(report.from),
                    Value::Date(report.to),
                    Value::text(breakdown.name.get(language)),
                    Value::text(group.key.clone()),
                    Value::text(group.name.get(language)),
                    Value::text(def.id.clone()),
                    Value::text(def.name.get(language)),
                ];
                row.extend(numbers(cell, def.kind));
                table.rows.push(row);
            }
        }
    }
    table
}

/// Each team's whole-team numbers side by side (the district's report), a column group per team.
pub fn teams_table(reports: &[(String, ProgrammeReport)], language: TextLanguage) -> Table {
    let mut columns = vec!["indicator".to_owned(), "name".to_owned()];
    for (team, _) in reports {
        columns.push(team.clone());
        columns.push(format!("{team} N"));
        columns.push(format!("{team} %/median"));
    }
    let mut table = Table {
        name: "teams".into(),
        columns,
        rows: Vec::new(),
    };
    let Some((_, first)) = reports.first() else {
        return table;
    };
    for (i, def) in first.indicators.iter().enumerate() {
        let mut row = vec![Value::text(def.id.clone()), Value::text(def.name.get(language))];
        for (_, report) in reports {
            let cell = report
                .breakdowns
                .first()
                .and_then(|b| b.groups.first())
                .and_then(|g| g.cells.get(i))
                .cloned()
                .unwrap_or_default();
            row.extend(numbers(&cell, def.kind));
        }
        table.rows.push(row);
    }
    table
}
