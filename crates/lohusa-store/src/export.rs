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
