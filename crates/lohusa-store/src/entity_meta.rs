//! Per-entity merge metadata (`lohusa_core::merge::EntityMeta`) in the `entity_meta` table.

use std::collections::BTreeMap;

use lohusa_core::change::Change;
use lohusa_core::merge::{EntityMeta, Merged, Version};
use lohusa_core::{ChangeId, EntityKind, MemberId};
use rusqlite::{Connection, params};
use serde::de::IgnoredAny;
use serde_json::Value;
use uuid::Uuid;

use crate::{StoreError, optional};

pub fn load(conn: &Connection, entity_id: Uuid) -> Result<EntityMeta, StoreError> {
    let row: Option<(String, Option<i64>)> = optional(
        conn.prepare_cached("SELECT meta, written_by FROM entity_meta WHERE entity_id = ?1")?
            .query_row([entity_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?))),
    )?;
    let corrupt = || StoreError::Corrupt(format!("metadata of {entity_id}"));
    match row {
        None => Ok(EntityMeta::default()),
        Some((text, None)) => serde_json::from_str(&text).map_err(|_| corrupt()),
        // Written whole by one change: its fields, each with its version.
        Some((version, Some(seq))) => {
            let version: Version = serde_json::from_str(&version).map_err(|_| corrupt())?;
            let fields: Option<String> = optional(
                conn.prepare_cached("SELECT fields FROM changes WHERE seq = ?1")?
                    .query_row([seq], |r| r.get(0)),
            )?;
            let fields: BTreeMap<String, IgnoredAny> =
                serde_json::from_str(&fields.ok_or_else(corrupt)?).map_err(|_| corrupt())?;
            Ok(EntityMeta {
                fields: fields.into_keys().map(|field| (field, version)).collect(),
                ..EntityMeta::default()
            })
        }
    }
}

pub fn save(conn: &Connection, entity: EntityKind, entity_id: Uuid, meta: &EntityMeta) -> Result<(), StoreError> {
    let text = serde_json::to_string(meta).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO entity_meta (entity_id, entity, meta, has_heads, written_by) VALUES (?1, ?2, ?3, ?4, NULL)
         ON CONFLICT(entity_id) DO UPDATE SET meta = excluded.meta, has_heads = excluded.has_heads,
                                              written_by = NULL",
    )?
    .execute(params![
        entity_id.to_string(),
        entity.as_str(),
        text,
        i64::from(!meta.heads.is_empty())
    ])?;
    Ok(())
}

/// Saves the metadata of a record the change at `seq` of the log wrote whole, replacing nothing,
/// with nothing merged before it: every field is that change's, with its `version` (what
/// `save` would save, named by the change instead of field by field).
pub fn save_written_by(
    conn: &Connection,
    entity: EntityKind,
    entity_id: Uuid,
    seq: i64,
    version: Version,
) -> Result<(), StoreError> {
    let version = serde_json::to_string(&version).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO entity_meta (entity_id, entity, meta, has_heads, written_by) VALUES (?1, ?2, ?3, 0, ?4)
         ON CONFLICT(entity_id) DO UPDATE SET meta = excluded.meta, has_heads = 0, written_by = excluded.written_by",
    )?
    .execute(params![entity_id.to_string(), entity.as_str(), version, seq])?;
    Ok(())
}

/// Merges `change` into `meta`, reading a displaced value from the change log when a concurrent
/// write pushes it aside.
pub fn merge(conn: &Connection, meta: &mut EntityMeta, change: &Change) -> Result<Merged, StoreError> {
    let mut failure = None;
    let mut lookup =
        |field: &str, version: Version| match written(conn, change.entity, change.entity_id, field, version) {
            Ok(found) => found,
            Err(error) => {
                failure = Some(error);
                None
            }
        };
    let merged = meta.merge(change, &mut lookup);
    match failure {
        Some(error) => Err(error),
        None => Ok(merged),
    }
}

/// The value, author and change of the write of `field` with `version`.
pub fn written(
    conn: &Connection,
    entity: EntityKind,
    entity_id: Uuid,
    field: &str,
    version: Version,
) -> Result<Option<(Value, MemberId, ChangeId)>, StoreError> {
    let row: Option<(String, String, String)> = optional(
        conn.prepare_cached(
            "SELECT fields, author, id FROM changes
             WHERE entity = ?1 AND entity_id = ?2 AND hlc = ?3 AND device = ?4",
        )?
        .query_row(
            params![
                entity.as_str(),
                entity_id.to_string(),
                version.hlc.to_string(),
                version.device.to_string()
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        ),
    )?;
    let Some((fields, author, id)) = row else {
        return Ok(None);
    };
    let corrupt = || StoreError::Corrupt(format!("change {id}"));
    let mut fields: serde_json::Map<String, Value> = serde_json::from_str(&fields).map_err(|_| corrupt())?;
    Ok(Some((
        fields.remove(field).unwrap_or(Value::Null),
        author.parse().map_err(|_| corrupt())?,
        id.parse().map_err(|_| corrupt())?,
    )))
}
