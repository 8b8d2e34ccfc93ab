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
