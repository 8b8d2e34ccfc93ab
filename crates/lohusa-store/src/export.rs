//! Export of everything this replica holds, as one JSON document (for the team lead's records
//! and for tests that compare replicas).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::apply::from_sql;
use crate::{Store, StoreError};

/// The state, table by table in a stable order, rows sorted by id; merge metadata and the log
/// are not part of it. A visit's answers are listed as rows of their own (`visit_answers`: visit
/// id, key, value), as they were stored before they became one value of the visit's row.
const TABLES: [(&str, &str); 7] = [
    ("members", "SELECT * FROM members ORDER BY id"),
    ("mothers", "SELECT * FROM mothers ORDER BY id"),
    ("births", "SELECT * FROM births ORDER BY id"),
    ("babies", "SELECT * FROM babies ORDER BY id"),
    ("visits", "SELECT * FROM visits ORDER BY id"),
    (
        "visit_answers",
        "SELECT id, answers FROM visits WHERE answers IS NOT NULL ORDER BY id",
    ),
    ("stock_movements", "SELECT * FROM stock_movements ORDER BY id"),
];

/// One row per answer (visit id, key, value), by visit and key, from each visit's answers as
/// the store parses them (SQLite's own JSON reading rounds some numbers).
fn answer_rows(stmt: &mut rusqlite::CachedStatement<'_>) -> Result<Vec<Value>, StoreError> {
    let visits = crate::collect_rows(stmt, [], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
    let mut rows = Vec::new();
    for (visit_id, text) in visits {
        let answers = crate::apply::answers_of_column(&text, &visit_id)?;
        for (key, value) in answers {
            let mut row = Map::new();
            row.insert("visit_id".to_owned(), Value::String(visit_id.clone()));
            row.insert("key".to_owned(), Value::String(key));
            row.insert("value".to_owned(), value);
            rows.push(Value::Object(row));
        }
    }
    Ok(rows)
}

impl Store {
    /// Every record, table by table, rows sorted by id: two replicas that converged export the
    /// same document.
    pub fn export_state(&self) -> Result<Value, StoreError> {
        let mut out = Map::new();
        for (table, query) in TABLES {
            let mut stmt = self.conn.prepare_cached(query)?;
            if table == "visit_answers" {
                out.insert(table.to_owned(), Value::Array(answer_rows(&mut stmt)?));
                continue;
            }
            let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
            let rows = crate::collect_rows(&mut stmt, [], |row| {
                let mut object = Map::new();
                for (i, name) in names.iter().enumerate() {
                    // The answers are exported as `visit_answers` rows.
                    if table == "visits" && name == "answers" {
                        continue;
                    }
                    object.insert(name.clone(), from_sql(row.get(i)?));
                }
                Ok(Value::Object(object))
            });
            out.insert(table.to_owned(), Value::Array(rows?));
        }
        Ok(Value::Object(out))
    }

    /// Every change in the log, as the server would hold it.
    pub fn export_changes(&self) -> Result<Vec<lohusa_core::Change>, StoreError> {
        Ok(self
            .changes_after(0, usize::MAX >> 1)?
            .into_iter()
            .map(|(_, c)| c)
            .collect())
    }
}

impl Store {
    /// Every mother (not deleted) with her birth, babies, visits (each with the flags it raises
    /// as of `now` and the member who recorded it), sign-offs and case: what the programme's
    /// indicators, line lists and FHIR bundle are computed from.
    pub fn records_for_export(
        &mut self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<lohusa_core::programme::ProgrammeMother>, StoreError> {
        use lohusa_core::programme::{ProgrammeMother, ProgrammeVisit};
        self.refresh_flags(now)?;
        let mut flags: HashMap<String, Vec<lohusa_core::flags::Flag>> = Default::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT visit_id, flag FROM visit_flags ORDER BY visit_id, position")?;
        crate::collect_rows(&mut stmt, [], |row| {
            let flag =
                serde_json::from_str(&row.get::<_, String>(1)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            flags.entry(row.get(0)?).or_default().push(flag);
            Ok(())
        })?;
        let recorded_by = self.visit_authors()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM mothers WHERE deleted IS NOT 1 ORDER BY name_folded, id")?;
        let ids = crate::collect_rows(&mut stmt, [], |row| crate::mothers::id(row, 0))?;
        let mut out = Vec::with_capacity(ids.len());
        for mother_id in ids {
            let mother_id = lohusa_core::MotherId(mother_id);
            let Ok(birth) = self.birth_of(mother_id) else {
                continue;
            };
            let visits = self
                .visits_of(mother_id)?
                .into_iter()
                .map(|visit| ProgrammeVisit {
                    flags: flags.remove(&visit.id.to_string()).unwrap_or_default(),
                    recorded_by: recorded_by.get(&visit.id.to_string()).copied(),
                    visit,
                })
                .collect();
            // A record not received whole is left out (its changes stay in the log).
            let Ok(mother) = self.mother(mother_id) else {
                continue;
            };
            out.push(ProgrammeMother {
                mother,
                babies: self.babies_of(birth.id)?,
                birth,
                visits,
                reviews: self.reviews_of(mother_id)?,
                case: self.case_of(mother_id)?,
                referral_source: referral_source(&self.sources_of(mother_id)?),
            });
        }
        Ok(out)
    }

    /// Every visit's recorder: the author of the first change this device holds of it.
    fn visit_authors(&self) -> Result<HashMap<String, lohusa_core::MemberId>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT entity_id, author, min(seq) FROM changes WHERE entity = 'visit' GROUP BY entity_id",
        )?;
        let pairs = crate::collect_rows(&mut stmt, [], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        Ok(pairs
            .into_iter()
            .filter_map(|(visit, author)| Some((visit, author.parse().ok()?)))
            .collect())
    }
}

/// The referral list a mother came from. Her name's source says it (a referral sets every field
/// it brings, and a merge the ones taken).
fn referral_source(sources: &std::collections::BTreeMap<String, String>) -> Option<String> {
    let source = sources.get("full_name").or_else(|| sources.values().next())?;
    Some(lohusa_core::programme::referral_place(source))
}

impl Store {
    /// Every member this device knows by name, for the reports.
    pub fn member_names_map(&self) -> Result<lohusa_core::programme::MemberNames, StoreError> {
        Ok(self.member_names()?.into_iter().collect())
    }

    /// The programme's indicators for the month containing `month`, as of `now`, from every
    /// record this device holds.
    pub fn programme_report(
        &mut self,
        month: chrono::NaiveDate,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<lohusa_core::indicators::ProgrammeReport, StoreError> {
        let records = self.records_for_export(now)?;
        Ok(lohusa_core::indicators::programme_report(
            &records,
            &self.member_names_map()?,
            month,
            lohusa_core::time::istanbul_today(now),
        ))
    }

    /// This device's secret for the pseudonyms of de-identified exports: 32 random bytes made on
    /// first use and kept, so a mother has the same pseudonym in every export of this device.
    pub fn export_secret(&self) -> Result<Vec<u8>, StoreError> {
        if let Some(hex) = crate::meta::get(&self.conn, "export_secret")? {
            return Ok(hex_bytes(&hex));
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?;
        let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('export_secret', ?1) ON CONFLICT(key) DO NOTHING",
            [hex],
        )?;
        let kept = crate::meta::get(&self.conn, "export_secret")?.unwrap_or_default();
        Ok(hex_bytes(&kept))
    }
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect()
}
