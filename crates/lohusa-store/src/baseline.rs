//! Baselines for the benchmarks: the cheapest write and read SQLite can do on the same file with
//! the same settings, so results can be reported as ratios that mean the same on any machine.

use rusqlite::params;

use crate::{Store, StoreError};

impl Store {
    /// One transaction inserting one small row into a scratch table: the floor under any write.
    pub fn baseline_insert(&mut self, n: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute_batch("CREATE TABLE IF NOT EXISTS bench_baseline (n INTEGER, t TEXT)")?;
        tx.execute(
            "INSERT INTO bench_baseline (n, t) VALUES (?1, ?2)",
            params![n, "baseline"],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Reads the id and name of every mother: the floor under any list over all mothers.
    pub fn baseline_scan(&self) -> Result<usize, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT id, full_name FROM mothers")?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            let _: (String, Option<String>) = (row.get(0)?, row.get(1)?);
            n += 1;
        }
        Ok(n)
    }
}

impl Store {
    /// Writes the state rows of `writes` (visits and their answers) in one transaction, with no
    /// change log, clock or merge metadata: the physical limit for holding the same records.
    pub fn baseline_insert_rows(&mut self, writes: &[lohusa_core::change::EntityWrite]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for write in writes {
            crate::apply::apply(&tx, write)?;
        }
        tx.commit()?;
        Ok(())
    }
}

impl Store {
    /// The physical limit of the disk path: each record as one wide row (its id and every field
    /// as a column) inserted with one prepared statement in one transaction, into a scratch table
    /// of the same file. Nothing any store could do to hold the same records costs less.
    pub fn baseline_insert_wide(&mut self, writes: &[lohusa_core::change::EntityWrite]) -> Result<(), StoreError> {
        let width = writes.iter().map(|w| w.fields.len()).max().unwrap_or(0);
        let columns: Vec<String> = (0..width).map(|i| format!("f{i}")).collect();
        let tx = self.conn.transaction()?;
        tx.execute_batch(&format!(
            "DROP TABLE IF EXISTS bench_wide; CREATE TABLE bench_wide (id TEXT PRIMARY KEY, {})",
            columns.join(", ")
        ))?;
        {
            let marks: Vec<String> = (1..=width + 1).map(|i| format!("?{i}")).collect();
            let mut insert = tx.prepare(&format!(
                "INSERT INTO bench_wide (id, {}) VALUES ({})",
                columns.join(", "),
                marks.join(", ")
            ))?;
            for write in writes {
                let mut values: Vec<rusqlite::types::Value> = vec![write.entity_id.to_string().into()];
                values.extend(write.fields.values().map(|v| match v {
                    serde_json::Value::String(s) => s.clone().into(),
                    serde_json::Value::Number(n) if n.is_i64() => n.as_i64().unwrap_or_default().into(),
                    serde_json::Value::Number(n) => n.as_f64().unwrap_or_default().into(),
                    serde_json::Value::Bool(b) => i64::from(*b).into(),
                    other => other.to_string().into(),
                }));
                values.resize(width + 1, rusqlite::types::Value::Null);
                insert.execute(rusqlite::params_from_iter(values))?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
