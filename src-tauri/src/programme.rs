//! The programme's numbers on this device: the month's indicators for the office, their files
//! (the report as XLSX or CSV, the line lists identified or de-identified), and the care-package
//! stock. Who may see and export them follows `lohusa_core::access`.

use chrono::{NaiveDate, Utc};
use lohusa_core::flag_text::TextLanguage;
use lohusa_core::indicators::{ProgrammeReport, deidentify};
use lohusa_core::stock::StockInput;
use lohusa_core::time::istanbul_today;
use lohusa_core::{FieldError, Rule};
use lohusa_exchange::line_lists::{LineListOptions, Variant, line_lists};
use lohusa_exchange::report_tables::{report_long_table, report_tables};
use lohusa_exchange::tables::{CsvLocale, to_csv, to_xlsx};
use lohusa_store::{StockView, Store};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::commands::{SavedFile, save_file};
use crate::error::AppError;
use crate::state::AppState;

/// The programme's files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeFile {
    /// The month's indicators: definitions and a sheet per breakdown.
    ReportXlsx,
    /// Every number of the report in one table.
    ReportCsv,
    /// Mothers, visits, flags and babies, a sheet each.
    LineListsXlsx,
    /// The same, a CSV each.
    LineListsCsv,
}

fn may_export(store: &Store) -> Result<(), AppError> {
    let role = store.local_member()?.and_then(|m| m.role);
    if role.is_some_and(lohusa_core::access::may_export) {
        Ok(())
    } else {
        Err(FieldError::new("report", Rule::NotYourRole).into())
    }
}

/// The indicators of the month containing `month` (this month in İzmir when none is given).
#[tauri::command(async)]
pub fn get_programme_report(
    state: State<'_, AppState>,
    month: Option<NaiveDate>,
    deidentified: bool,
) -> Result<ProgrammeReport, AppError> {
    let now = Utc::now();
    let mut store = state.store()?;
    may_export(&store)?;
    let report = store.programme_report(month.unwrap_or_else(|| istanbul_today(now)), now)?;
    Ok(if deidentified { deidentify(report) } else { report })
}

/// Writes one of the programme's files for the month containing `month` to the exports folder.
#[tauri::command(async)]
pub fn export_programme(
    state: State<'_, AppState>,
    month: NaiveDate,
    file: ProgrammeFile,
    deidentified: bool,
    language: TextLanguage,
) -> Result<SavedFile, AppError> {
    let now = Utc::now();
    let today = istanbul_today(now);
    let mut store = state.store()?;
    may_export(&store)?;
    let month_name = month.format("%Y-%m");
    let suffix = if deidentified { "-deidentified" } else { "" };
    let locale = CsvLocale::of(language);
    let workbook = |tables: &[lohusa_exchange::tables::Table]| to_xlsx(tables).map_err(|e| AppError::internal(&e));
    match file {
        ProgrammeFile::ReportXlsx | ProgrammeFile::ReportCsv => {
            let report = store.programme_report(month, now)?;
            let report = if deidentified { deidentify(report) } else { report };
            let groups = report.breakdowns.iter().map(|b| b.groups.len()).sum();
            drop(store);
            let name = format!("lohusa-programme-report-{month_name}{suffix}");
            if file == ProgrammeFile::ReportXlsx {
                let bytes = workbook(&report_tables(&report, language))?;
                save_file(&state, &format!("{name}.xlsx"), &bytes, groups)
            } else {
                let csv = to_csv(&report_long_table(&report, language), locale);
                save_file(&state, &format!("{name}.csv"), csv.as_bytes(), groups)
            }
        }
        ProgrammeFile::LineListsXlsx | ProgrammeFile::LineListsCsv => {
            let records = store.records_for_export(now)?;
            let members = store.member_names_map()?;
            let secret = store.export_secret()?;
            drop(store);
            let (from, to) = lohusa_core::coverage::month_of(month);
            let options = LineListOptions {
                period: (from, to),
                today,
                variant: if deidentified {
                    Variant::Deidentified
                } else {
                    Variant::Identified
                },
                language,
                members: &members,
                secret: &secret,
            };
            let tables = line_lists(&records, &options);
            let rows = tables.iter().map(|t| t.rows.len()).sum();
            if file == ProgrammeFile::LineListsXlsx {
                let bytes = workbook(&tables)?;
                save_file(
                    &state,
                    &format!("lohusa-line-lists-{month_name}{suffix}.xlsx"),
                    &bytes,
                    rows,
                )
            } else {
                let mut first = None;
                for table in &tables {
                    let name = format!("lohusa-{}-{month_name}{suffix}.csv", table.name);
                    let saved = save_file(&state, &name, to_csv(table, locale).as_bytes(), table.rows.len())?;
                    first.get_or_insert(saved);
                }
                let mut saved = first.ok_or_else(|| AppError::internal(&"no table"))?;
                saved.records = u32::try_from(rows).unwrap_or(u32::MAX);
                // The folder: four files were written.
                saved.path = state.exports.display().to_string();
                Ok(saved)
            }
        }
    }
}

/// The office's and each nurse's care packages, with every movement.
#[tauri::command(async)]
pub fn get_stock(state: State<'_, AppState>) -> Result<StockView, AppError> {
    Ok(state.store()?.stock()?)
}

/// Records packages prepared, handed to a nurse, returned or lost; the stock after it.
#[tauri::command(async)]
pub fn record_stock(state: State<'_, AppState>, input: StockInput) -> Result<StockView, AppError> {
    let mut store = state.store()?;
    let member = store.local_member()?.ok_or_else(AppError::no_member)?;
    if member.role != Some(lohusa_core::Role::TeamLead) {
        return Err(FieldError::new("movement", Rule::NotYourRole).into());
    }
    store.record_stock(&input, member.id, Utc::now())?;
    state.sync.soon();
    Ok(store.stock()?)
}
