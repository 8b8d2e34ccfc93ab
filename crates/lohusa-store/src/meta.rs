//! Small per-device settings in the `meta` table: the device id, the clock, the local member.

use lohusa_core::{DeviceId, Hlc, MemberId};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Store, StoreError, optional};

/// The person using this device. Her role is known once the server confirmed her with a
/// member code (until then the server refuses her changes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct LocalMember {
    pub id: MemberId,
    pub name: String,
    pub role: Option<lohusa_core::Role>,
}

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    optional(
        conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0)),
    )
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// The device's id, made on first open. A second process opening the same new file at the same
/// moment keeps the first one's id rather than replacing it.
pub fn ensure_device_id(conn: &Connection) -> Result<DeviceId, StoreError> {
    if get(conn, "device_id")?.is_none() {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('device_id', ?1) ON CONFLICT(key) DO NOTHING",
            [DeviceId(crate::clock::id_at(crate::clock::now())).to_string()],
        )?;
    }
    let text = get(conn, "device_id")?.ok_or_else(|| StoreError::Corrupt("device id".into()))?;
    text.parse().map_err(|_| StoreError::Corrupt("device id".into()))
}

pub fn load_hlc(conn: &Connection) -> Result<Hlc, StoreError> {
    match get(conn, "hlc")? {
        None => Ok(Hlc::default()),
        Some(text) => text.parse().map_err(|_| StoreError::Corrupt("clock stamp".into())),
    }
}

pub fn save_hlc(conn: &Connection, hlc: Hlc) -> Result<(), StoreError> {
    set(conn, "hlc", &hlc.to_string())
}

impl Store {
    /// A member's name as this device knows it (her own device sends it with sync).
    pub fn member_name(&self, id: MemberId) -> Result<Option<String>, StoreError> {
        Ok(optional(
            self.conn
                .query_row("SELECT name FROM members WHERE id = ?1", [id.to_string()], |r| r.get(0)),
        )?
        .flatten())
    }

    /// The member using this device, once a name has been given.
    pub fn local_member(&self) -> Result<Option<LocalMember>, StoreError> {
        let (Some(id), Some(name)) = (get(&self.conn, "member_id")?, get(&self.conn, "member_name")?) else {
            return Ok(None);
        };
        let id = id.parse().map_err(|_| StoreError::Corrupt("member id".into()))?;
        let role = get(&self.conn, "member_role")?
            .as_deref()
            .and_then(lohusa_core::Role::parse);
        Ok(Some(LocalMember { id, name, role }))
    }

    /// Makes a member whose PIN opened this device the one using it (no change is written: her
    /// name is already known here).
    pub fn sign_in_as(&mut self, id: MemberId, name: &str, role: Option<lohusa_core::Role>) -> Result<(), StoreError> {
        self.in_write_transaction(|store| {
            set(&store.conn, "member_id", &id.to_string())?;
            set(&store.conn, "member_name", name)?;
            match role {
                Some(role) => set(&store.conn, "member_role", role.as_str())?,
                None => {
                    store.conn.execute("DELETE FROM meta WHERE key = 'member_role'", [])?;
                }
            }
            Ok(())
        })
    }

    /// Makes the member the server confirmed (with her member code) the one using this device:
    /// her id, her name as the team knows it, and her role. Her name is also written as a
    /// change, so other devices can say who wrote what.
    pub fn adopt_member(
        &mut self,
        claimed: &lohusa_core::sync::ClaimedMember,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<LocalMember, StoreError> {
        let write = lohusa_core::change::EntityWrite {
            entity: lohusa_core::EntityKind::Member,
            entity_id: claimed.id.0,
            fields: [("name".to_owned(), serde_json::json!(claimed.name))].into(),
            also_replaces: Default::default(),
        };
        let known = self.member_name(claimed.id)?;
        self.in_write_transaction(|store| {
            set(&store.conn, "member_id", &claimed.id.to_string())?;
            set(&store.conn, "member_name", &claimed.name)?;
            set(&store.conn, "member_role", claimed.role.as_str())?;
            if known.as_deref() != Some(claimed.name.as_str()) {
                store.write_within(&[write], claimed.id, now)?;
            }
            Ok(())
        })?;
        Ok(LocalMember {
            id: claimed.id,
            name: claimed.name.clone(),
            role: Some(claimed.role),
        })
    }

    /// Sets the name of the member using this device, keeping her id if she has one. `now`
    /// stamps the change that carries her name (and her new id, if she had none).
    pub fn set_local_member(
        &mut self,
        name: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<LocalMember, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            let mut errors = lohusa_core::ValidationErrors::default();
            errors.push(lohusa_core::FieldError::new("name", lohusa_core::Rule::Required));
            return Err(errors.into());
        }
        let id = match self.local_member()? {
            Some(member) => member.id,
            None => MemberId(crate::clock::id_at(now)),
        };
        // The name is also a change, so other devices can say who wrote what.
        let write = lohusa_core::change::EntityWrite {
            entity: lohusa_core::EntityKind::Member,
            entity_id: id.0,
            fields: [("name".to_owned(), serde_json::json!(name))].into(),
            also_replaces: Default::default(),
        };
        self.in_write_transaction(|store| {
            set(&store.conn, "member_id", &id.to_string())?;
            set(&store.conn, "member_name", name)?;
            store.write_within(&[write], id, now)?;
            Ok(())
        })?;
        Ok(LocalMember {
            id,
            name: name.to_owned(),
            role: get(&self.conn, "member_role")?
                .as_deref()
                .and_then(lohusa_core::Role::parse),
        })
    }
}
