//! The hospital referral list: a CSV file of newly referred mothers, one row each, read into
//! registration forms. Bad rows are reported with their line, column and reason; the good ones
//! still come through.
//!
//! Columns (the header row names them, in any order, case and spaces ignored; only `full_name`,
//! `birth_date`, `birth_mode`, `baby_sex` and `baby_birth_weight_g` must be present):
//!
//! | column | content |
//! |---|---|
//! | `full_name` | the mother's name, Latin or Arabic script |
//! | `date_of_birth` | her date of birth, `dd.mm.yyyy` (or `yyyy-mm-dd`) |
//! | `age_years` | her age, when the date of birth is not known |
//! | `phone` | a Turkish mobile number, any spacing |
//! | `street`, `neighbourhood`, `district` | her address |
//! | `nationality` | as written by the hospital |
//! | `id_number` | T.C. kimlik or foreigner identity number (11 digits) |
//! | `residency_status` | `citizen`, `temporary_protection`, `international_protection`, `residence_permit`, `other` |
//! | `preferred_language` | `tr`, `ar`, `en`, `ku`, `fa`, `other` |
//! | `interpreter_needed` | `yes` / `no` (`evet` / `hayır`) |
//! | `birth_date`, `discharge_date` | the birth and the hospital discharge |
//! | `birth_mode` | `vaginal` / `caesarean` (`normal` / `sezaryen`) |
//! | `gestational_weeks` | weeks of pregnancy at birth |
//! | `baby_name`, `baby_sex`, `baby_birth_weight_g` | the baby (`female` / `male` / `undetermined`, or `kız` / `erkek`) |
//! | `baby2_name`, `baby2_sex`, `baby2_birth_weight_g` | a twin, when there is one |
//! | `hospital` | the referring hospital, kept as the source of the record |
//!
//! The file is UTF-8 (a byte-order mark is accepted), comma or semicolon separated (Excel in
//! Turkey saves with semicolons).

use lohusa_core::registration::{
    BabyInput, BabySex, BirthInput, BirthMode, Language, MotherInput, RegistrationInput, ResidencyStatus,
};
use lohusa_core::validation::{FieldError, Rule};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every column the file may have, in the template's order.
pub const COLUMNS: &[&str] = &[
    "full_name",
    "date_of_birth",
    "age_years",
    "phone",
    "street",
    "neighbourhood",
    "district",
    "nationality",
    "id_number",
    "residency_status",
    "preferred_language",
    "interpreter_needed",
    "birth_date",
    "discharge_date",
    "birth_mode",
    "gestational_weeks",
    "baby_name",
    "baby_sex",
    "baby_birth_weight_g",
    "baby2_name",
    "baby2_sex",
    "baby2_birth_weight_g",
    "hospital",
];

/// Columns the header must have.
pub const REQUIRED_COLUMNS: &[&str] = &[
    "full_name",
    "birth_date",
    "birth_mode",
    "baby_sex",
    "baby_birth_weight_g",
];

/// The most rows one file may have.
pub const MAX_ROWS: usize = 5000;

/// The template the team lead downloads: the header and one made-up example row.
pub fn template() -> String {
    let example = [
        "Fatma Yılmaz",
        "14.03.1996",
        "",
        "0532 123 45 67",
        "Gazi Bulvarı 12",
        "Basmane",
        "Konak",
        "Türkiye",
        "",
        "citizen",
        "tr",
        "no",
        "20.11.2026",
        "22.11.2026",
        "vaginal",
        "39",
        "",
        "female",
        "3250",
        "",
        "",
        "",
        "Tepecik EAH",
    ];
    let mut out = Vec::new();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(COLUMNS).expect("writing to memory");
        writer.write_record(example).expect("writing to memory");
        writer.flush().expect("writing to memory");
    }
    String::from_utf8(out).expect("UTF-8 in, UTF-8 out")
}

/// One readable row: the registration form it makes and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ReferralRow {
    /// The line in the file (the header is line 1).
    pub line: u32,
    pub input: RegistrationInput,
    pub hospital: Option<String>,
}

/// A problem with one row: its line, the column, and the rule it broke (the UI words it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct RowError {
    pub line: u32,
    pub column: String,
    pub error: FieldError,
}

/// Why a file cannot be read at all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FileError {
    Empty,
    /// Required columns missing from the header.
    MissingColumns {
        columns: Vec<String>,
    },
    /// Columns the file has that are not ours (probably misspelt).
    UnknownColumns {
        columns: Vec<String>,
    },
    TooManyRows {
        max: u32,
    },
    Unreadable {
        detail: String,
    },
}

/// The rows of a file: the readable ones, and the errors of the others. A row with an unknown
/// choice (a birth mode of "forceps") is reported here; a row that reads but breaks a rule of
/// the registration form is reported when it is checked, with the same line and column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedReferrals {
    pub rows: Vec<ReferralRow>,
    pub errors: Vec<RowError>,
}

/// The column a registration form field came from (`mother.phone` → `phone`,
/// `babies.1.sex` → `baby2_sex`).
pub fn column_of(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("mother.") {
        return rest.to_owned();
    }
    if let Some(rest) = field.strip_prefix("birth.") {
        return if rest == "mode" {
            "birth_mode".into()
        } else {
            rest.to_owned()
        };
    }
    if let Some(rest) = field.strip_prefix("babies.") {
        let mut parts = rest.splitn(2, '.');
        let index: usize = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let name = parts.next().unwrap_or("");
        let prefix = if index == 0 {
            "baby".to_owned()
        } else {
            format!("baby{}", index + 1)
        };
        return format!("{prefix}_{name}");
    }
    field.to_owned()
}

fn header_key(text: &str) -> String {
    text.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// Reads the file.
pub fn parse_referrals(text: &str) -> Result<ParsedReferrals, FileError> {
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or("");
    if first_line.trim().is_empty() {
        return Err(FileError::Empty);
    }
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| FileError::Unreadable { detail: e.to_string() })?
        .iter()
        .map(header_key)
        .collect();
    let unknown: Vec<String> = header
        .iter()
        .filter(|h| !h.is_empty() && !COLUMNS.contains(&h.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(FileError::UnknownColumns { columns: unknown });
    }
    let missing: Vec<String> = REQUIRED_COLUMNS
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .map(|c| (*c).to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns { columns: missing });
    }

    let mut parsed = ParsedReferrals::default();
    for (index, record) in reader.records().enumerate() {
        if index >= MAX_ROWS {
            return Err(FileError::TooManyRows { max: MAX_ROWS as u32 });
        }
        let record = record.map_err(|e| FileError::Unreadable { detail: e.to_string() })?;
        // Lines as a spreadsheet numbers them, header included; a quoted value spanning lines
        // reports the line the row starts on.
        // (The reader's position is where it began reading, before any blank lines it skipped.)
        let line = record
            .position()
            .map(|p| {
                let start = p.byte() as usize;
                let blank = text.as_bytes()[start.min(text.len())..]
                    .iter()
                    .take_while(|b| matches!(b, b'\n' | b'\r'))
                    .count();
                text[..start + blank].matches('\n').count() as u32 + 1
            })
            .unwrap_or(index as u32 + 2);
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let cell = |column: &str| -> String {
            header
                .iter()
                .position(|h| h == column)
                .and_then(|i| record.get(i))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let mut errors = Vec::new();
        // (The error names the form field, as the registration form's errors do.)
        let mut choice = |column: &str, field: &str, read: &dyn Fn(&str) -> Option<()>| {
            let value = cell(column);
            if !value.is_empty() && read(&value.to_lowercase()).is_none() {
                errors.push(RowError {
                    line,
                    column: column.to_owned(),
                    error: FieldError::new(field, Rule::NotAChoice).with("value", &value),
                });
            }
        };
        choice("residency_status", "mother.residency_status", &|v| {
            residency(v).map(|_| ())
        });
        choice("preferred_language", "mother.preferred_language", &|v| {
            language(v).map(|_| ())
        });
        choice("interpreter_needed", "mother.interpreter_needed", &|v| {
            yes_no(v).map(|_| ())
        });
        choice("birth_mode", "birth.mode", &|v| birth_mode(v).map(|_| ()));
        choice("baby_sex", "babies.0.sex", &|v| sex(v).map(|_| ()));
        choice("baby2_sex", "babies.1.sex", &|v| sex(v).map(|_| ()));
        if !errors.is_empty() {
            parsed.errors.extend(errors);
            continue;
        }
        let lower = |column: &str| cell(column).to_lowercase();
        let mut babies = vec![BabyInput {
            name: cell("baby_name"),
            sex: sex(&lower("baby_sex")),
            birth_weight_g: cell("baby_birth_weight_g"),
        }];
        if ["baby2_name", "baby2_sex", "baby2_birth_weight_g"]
            .iter()
            .any(|c| !cell(c).is_empty())
        {
            babies.push(BabyInput {
                name: cell("baby2_name"),
                sex: sex(&lower("baby2_sex")),
                birth_weight_g: cell("baby2_birth_weight_g"),
            });
        }
        let hospital = Some(cell("hospital")).filter(|h| !h.is_empty());
        parsed.rows.push(ReferralRow {
            line,
            hospital,
            input: RegistrationInput {
                mother: MotherInput {
                    full_name: cell("full_name"),
                    date_of_birth: cell("date_of_birth"),
                    age_years: cell("age_years"),
                    phone: cell("phone"),
                    street: cell("street"),
                    neighbourhood: cell("neighbourhood"),
                    district: cell("district"),
                    residency_status: residency(&lower("residency_status")),
                    nationality: cell("nationality"),
                    id_number: cell("id_number"),
                    // A referral seldom says; Turkish until the nurse asks.
                    preferred_language: language(&lower("preferred_language")).or(Some(Language::Tr)),
                    interpreter_needed: yes_no(&lower("interpreter_needed")).unwrap_or(false),
                },
                birth: BirthInput {
                    birth_date: cell("birth_date"),
                    discharge_date: cell("discharge_date"),
                    mode: birth_mode(&lower("birth_mode")),
                    gestational_weeks: cell("gestational_weeks"),
                },
                babies,
            },
        });
    }
    Ok(parsed)
}

fn residency(v: &str) -> Option<ResidencyStatus> {
    Some(match v {
        "citizen" | "vatandaş" | "tc" | "t.c." => ResidencyStatus::Citizen,
        "temporary_protection" | "geçici koruma" | "gecici koruma" => ResidencyStatus::TemporaryProtection,
        "international_protection" | "uluslararası koruma" => ResidencyStatus::InternationalProtection,
        "residence_permit" | "ikamet izni" => ResidencyStatus::ResidencePermit,
        "other" | "diğer" => ResidencyStatus::Other,
        _ => return None,
    })
}

fn language(v: &str) -> Option<Language> {
    Some(match v {
        "tr" | "türkçe" => Language::Tr,
        "ar" | "arapça" | "العربية" => Language::Ar,
        "en" | "ingilizce" | "english" => Language::En,
        "ku" | "kürtçe" => Language::Ku,
        "fa" | "farsça" => Language::Fa,
        "other" | "diğer" => Language::Other,
        _ => return None,
    })
}

fn yes_no(v: &str) -> Option<bool> {
    match v {
        "yes" | "evet" | "1" | "true" => Some(true),
        "no" | "hayır" | "hayir" | "0" | "false" => Some(false),
        _ => None,
    }
}

fn birth_mode(v: &str) -> Option<BirthMode> {
    Some(match v {
        "vaginal" | "normal" | "vajinal" | "nsd" => BirthMode::Vaginal,
        "caesarean" | "cesarean" | "sezaryen" | "c/s" => BirthMode::Caesarean,
        _ => return None,
    })
}

fn sex(v: &str) -> Option<BabySex> {
    Some(match v {
        "female" | "kız" | "kiz" | "f" | "k" => BabySex::Female,
        "male" | "erkek" | "m" | "e" => BabySex::Male,
        "undetermined" | "belirsiz" => BabySex::Undetermined,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_reads_back_as_one_valid_row() {
        let parsed = parse_referrals(&template()).unwrap();
        assert_eq!(parsed.errors, []);
        assert_eq!(parsed.rows.len(), 1);
        let row = &parsed.rows[0];
        assert_eq!(row.line, 2);
        assert_eq!(row.input.mother.full_name, "Fatma Yılmaz");
        assert_eq!(row.input.birth.mode, Some(BirthMode::Vaginal));
        assert_eq!(row.input.babies.len(), 1);
        assert_eq!(row.hospital.as_deref(), Some("Tepecik EAH"));
    }

    #[test]
    fn semicolons_a_bom_turkish_words_twins_and_quoted_arabic() {
        let text = "\u{feff}Full Name;Birth Date;Birth Mode;Baby Sex;Baby Birth Weight G;Baby2 Sex;Baby2 Birth Weight G\n\
                    \"فاطمة الأحمد; ام محمد\";20.11.2026;Sezaryen;Kız;2900;erkek;2700\n";
        let parsed = parse_referrals(text).unwrap();
        assert_eq!(parsed.errors, []);
        let row = &parsed.rows[0];
        assert_eq!(row.input.mother.full_name, "فاطمة الأحمد; ام محمد");
        assert_eq!(row.input.birth.mode, Some(BirthMode::Caesarean));
        assert_eq!(row.input.babies.len(), 2);
        assert_eq!(row.input.babies[1].sex, Some(BabySex::Male));
    }

    #[test]
    fn unknown_choices_are_reported_by_line_and_column_and_other_rows_still_read() {
        let text = "full_name,birth_date,birth_mode,baby_sex,baby_birth_weight_g\n\
                    Ayşe Kaya,20.11.2026,forceps,female,3100\n\
                    \n\
                    Elif Demir,21.11.2026,vaginal,girl,3000\n\
                    Zehra Ak,21.11.2026,vaginal,male,3300\n";
        let parsed = parse_referrals(text).unwrap();
        assert_eq!(
            parsed
                .errors
                .iter()
                .map(|e| (e.line, e.column.as_str()))
                .collect::<Vec<_>>(),
            [(2, "birth_mode"), (4, "baby_sex")]
        );
        assert_eq!(parsed.errors[0].error.rule, Rule::NotAChoice);
        assert_eq!(parsed.errors[0].error.params["value"], "forceps");
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].line, 5);
    }

    #[test]
    fn a_header_without_required_columns_or_with_strangers_is_refused_whole() {
        assert_eq!(
            parse_referrals("full_name,birth_date\nA,20.11.2026\n"),
            Err(FileError::MissingColumns {
                columns: vec!["birth_mode".into(), "baby_sex".into(), "baby_birth_weight_g".into()]
            })
        );
        assert_eq!(
            parse_referrals("full_name,birth_date,birth_mode,baby_sex,baby_birth_weight_g,tel\n"),
            Err(FileError::UnknownColumns {
                columns: vec!["tel".into()]
            })
        );
        assert_eq!(parse_referrals(""), Err(FileError::Empty));
    }

    #[test]
    fn form_fields_map_back_to_their_columns() {
        assert_eq!(column_of("mother.phone"), "phone");
        assert_eq!(column_of("birth.mode"), "birth_mode");
        assert_eq!(column_of("birth.birth_date"), "birth_date");
        assert_eq!(column_of("babies.0.birth_weight_g"), "baby_birth_weight_g");
        assert_eq!(column_of("babies.1.sex"), "baby2_sex");
    }
}
