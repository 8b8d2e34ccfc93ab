//! Export of everything this replica holds, as one JSON document (for the team lead's records
//! and for tests that compare replicas).

use serde_json::{Map, Value};

use crate::apply::from_sql;
use crate::{Store, StoreError};

/// The state tables, in a stable order; merge metadata and the log are not part of the state.
const TABLES: [(&str, &str); 6] = [
    ("members", "id"),
    ("mothers", "id"),
    ("births", "id"),
    ("babies", "id"),
    ("visits", "id"),
    ("visit_answers", "visit_id, key"),
];

impl Store {
    /// Every record, table by table, rows sorted by id: two replicas that converged export the
    /// same document.
    pub fn export_state(&self) -> Result<Value, StoreError> {
        let mut out = Map::new();
        for (table, order) in TABLES {
            let mut stmt = self
                .conn
                .prepare_cached(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
            let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
            let rows = crate::collect_rows(&mut stmt, [], |row| {
                let mut object = Map::new();
                for (i, name) in names.iter().enumerate() {
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
    /// Every mother (not deleted) with her birth, babies and visits, each visit with the flags
    /// it raises as of `now`: what the programme's CSV and FHIR exports are written from.
    pub fn records_for_export(
        &mut self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<lohusa_exchange::MotherExport>, StoreError> {
        self.refresh_flags(now)?;
        let mut flags: std::collections::HashMap<String, Vec<lohusa_core::flags::Flag>> = Default::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT visit_id, flag FROM visit_flags ORDER BY visit_id, position")?;
        crate::collect_rows(&mut stmt, [], |row| {
            let flag =
                serde_json::from_str(&row.get::<_, String>(1)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            flags.entry(row.get(0)?).or_default().push(flag);
            Ok(())
        })?;
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
                .map(|visit| lohusa_exchange::VisitExport {
                    flags: flags.remove(&visit.id.to_string()).unwrap_or_default(),
                    visit,
                })
                .collect();
            // A record not received whole is left out (its changes stay in the log).
            let Ok(mother) = self.mother(mother_id) else {
                continue;
            };
            out.push(lohusa_exchange::MotherExport {
                mother,
                babies: self.babies_of(birth.id)?,
                birth,
                visits,
            });
        }
        Ok(out)
    }
}
