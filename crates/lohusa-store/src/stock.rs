//! The care-package stock on this device: recording a movement (the office prepares, hands out,
//! takes back, writes off) and the balances derived from every movement and every visit's
//! "packages given" (`lohusa_core::stock`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use lohusa_core::ids::MemberId;
use lohusa_core::stock::{Balance, Handout, StockInput, StockRecord, balances, validate_stock};
use lohusa_core::time::istanbul_today;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::mothers::{date, id, opt_enum_col};
use crate::{Store, StoreError, collect_rows};

/// The stock as the office and a nurse see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct StockView {
    /// The package kinds, in the order of each balance's numbers.
    pub kinds: Vec<String>,
    /// The office first, then each nurse.
    pub balances: Vec<Balance>,
    /// Every movement, newest first.
    pub movements: Vec<StockRecord>,
}

impl Store {
    /// Records one movement of packages.
    pub fn record_stock(
        &mut self,
        input: &StockInput,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<StockRecord, StoreError> {
        self.in_write_transaction(|store| {
            let members: Vec<MemberId> = store.member_names()?.into_keys().collect();
            let record = validate_stock(input, crate::clock::id_at(now), istanbul_today(now), &members)?;
            store.write_within(&[record.write()], author, now)?;
            Ok(record)
        })
    }

    /// Every movement this device holds, newest first; one the server refused is left out (it
    /// stays in the quarantine).
    pub fn stock_movements(&self) -> Result<Vec<StockRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, movement, kind, count, moved_on, member, lot, contents FROM stock_movements
             WHERE movement IS NOT NULL AND kind IS NOT NULL AND count IS NOT NULL AND moved_on IS NOT NULL
                 AND id NOT IN (SELECT c.entity_id FROM changes c JOIN quarantine q ON q.change_id = c.id
                                WHERE c.entity = 'stock_movement')
             ORDER BY moved_on DESC, id DESC",
        )?;
        collect_rows(&mut stmt, [], |row| {
            Ok(StockRecord {
                id: id(row, 0)?,
                movement: opt_enum_col(row, 1)?
                    .ok_or_else(|| StoreError::Corrupt("a movement without a kind".into()))?,
                kind: row.get(2)?,
                count: row.get(3)?,
                moved_on: date(row, 4)?,
                member: row.get::<_, Option<String>>(5)?.and_then(|m| m.parse().ok()),
                lot: row.get(6)?,
                contents: row
                    .get::<_, Option<String>>(7)?
                    .and_then(|c| serde_json::from_str(&c).ok())
                    .unwrap_or_default(),
            })
        })
    }

    /// The packages handed out at visits: each visit's `packages_given`, from the stock of the
    /// member who recorded it (a mother deleted later still had them).
    fn handouts(&self) -> Result<Vec<Handout>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json_extract(v.answers, '$.\"mother.packages_given\"') AS codes,
                    (SELECT c.author FROM changes c WHERE c.entity = 'visit' AND c.entity_id = v.id
                     ORDER BY c.seq LIMIT 1)
             FROM visits v
             WHERE v.outcome = 'visited' AND json_valid(v.answers) AND codes IS NOT NULL",
        )?;
        let rows = collect_rows(&mut stmt, [], |row| {
            Ok((
                row.get::<_, rusqlite::types::Value>(0)?,
                row.get::<_, Option<String>>(1)?,
            ))
        })?;
        let mut out = Vec::new();
        for (codes, author) in rows {
            // The answer is a list, held as its JSON text; anything else hands out nothing.
            let rusqlite::types::Value::Text(codes) = codes else {
                continue;
            };
            let Some(nurse) = author.and_then(|a| a.parse().ok()).map(MemberId) else {
                continue;
            };
            let codes: Vec<String> = serde_json::from_str(&codes).unwrap_or_default();
            out.extend(codes.into_iter().map(|kind| Handout { nurse, kind }));
        }
        Ok(out)
    }

    /// The office's and each nurse's packages now, with every movement.
    pub fn stock(&self) -> Result<StockView, StoreError> {
        let movements = self.stock_movements()?;
        let names: BTreeMap<MemberId, String> = self.member_names()?.into_iter().collect();
        Ok(StockView {
            kinds: lohusa_core::stock::PACKAGE_KINDS
                .iter()
                .map(|k| (*k).to_owned())
                .collect(),
            balances: balances(&movements, &self.handouts()?, &names),
            movements,
        })
    }
}
