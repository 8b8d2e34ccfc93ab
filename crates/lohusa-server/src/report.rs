//! The district's programme report from the server's own current state: the same core function
//! a team lead's office runs (`lohusa_core::indicators::programme_report`), over every team's
//! records at once (so medians are the district's), de-identified (small numbers hidden), with
//! each team's whole-team numbers beside it. No mother's name or record leaves in it.

use chrono::NaiveDate;
use lohusa_core::flag_text::TextLanguage;
use lohusa_core::indicators::{ProgrammeReport, deidentify, programme_report};
use lohusa_core::programme::{ProgrammeMother, assemble};
use lohusa_exchange::report_tables::{report_long_table, report_tables, teams_table};
use lohusa_exchange::tables::{CsvLocale, Table, to_csv, to_xlsx};

use crate::{Backend, BackendError};

/// The district's report and each team's, de-identified.
pub struct DistrictReport {
    pub district: ProgrammeReport,
    pub teams: Vec<(String, ProgrammeReport)>,
}

/// Counts the month containing `month` as of `today` over every team the server holds.
pub async fn district_report(
    backend: &Backend,
    month: NaiveDate,
    today: NaiveDate,
) -> Result<DistrictReport, BackendError> {
    let (teams, members) = backend.programme_records().await?;
    let mut all: Vec<ProgrammeMother> = Vec::new();
    let mut per_team = Vec::new();
    for (team, records) in teams {
        let mothers = assemble(&records, &members, today);
        per_team.push((team, deidentify(programme_report(&mothers, &members, month, today))));
        all.extend(mothers);
    }
    // De-identified, each team's and the district's numbers are rounded to 5: one team's hidden
    // number cannot be worked out from the district's and the others'.
    let mut district = deidentify(programme_report(&all, &members, month, today));
    let whole = lohusa_core::indicators::LocalText {
        tr: "Tüm ilçe".into(),
        en: "Whole district".into(),
        ar: "المنطقة كلها".into(),
    };
    if let Some(total) = district.breakdowns.first_mut() {
        total.name = whole.clone();
        for group in &mut total.groups {
            group.name = whole.clone();
        }
    }
    Ok(DistrictReport {
        district,
        teams: per_team,
    })
}

impl DistrictReport {
    /// The workbook: the report's sheets, then the teams side by side.
    pub fn xlsx(&self, language: TextLanguage) -> Result<Vec<u8>, lohusa_exchange::tables::WorkbookError> {
        let mut tables: Vec<Table> = report_tables(&self.district, language);
        tables.push(teams_table(&self.teams, language));
        to_xlsx(&tables)
    }

    /// Every number of the district's report in one CSV, in the language's separators.
    pub fn csv(&self, language: TextLanguage) -> String {
        to_csv(&report_long_table(&self.district, language), CsvLocale::of(language))
    }
}
