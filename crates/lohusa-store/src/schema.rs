//! The schema, from the SQL files in the workspace's `migrations/` folder, embedded at build time.
//!
//! rusqlite_migration tracks the version in SQLite's `user_version`, so a migration and the
//! version bump commit together.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::StoreError;

const MIGRATIONS: &[&str] = &[include_str!("../../../migrations/0001_init.sql")];

pub fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrations().to_latest(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
