//! The change record: the unit every write produces and every sync moves.
//!
//! A local write appends one change per entity it touches, in the same transaction as the write.
//! `fields` holds exactly the fields written with their new values (JSON), so a later merge can
//! decide per field, and the audit trail can say who changed which field, where and when.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::hlc::{Hlc, Version};
use crate::ids::{ChangeId, DeviceId, MemberId};

/// The version of the field vocabulary a change was written with.
pub const CHANGE_SCHEMA_VERSION: u32 = 1;

/// Field name to value, in a stable order.
pub type FieldValues = BTreeMap<String, serde_json::Value>;

/// Field name to the versions a write replaces (see `merge`).
pub type FieldBases = BTreeMap<String, Vec<Version>>;

/// What kind of record a change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Mother,
    Birth,
    Baby,
    Visit,
    /// A member of the team: her name, so records can say who wrote them.
    Member,
    /// A doctor's sign-off of a visit's red flags, with a note or an order.
    Review,
    /// A home visit scheduled outside the three windows.
    ExtraVisit,
    /// A psychologist's note about a mother: read only by psychologists and doctors.
    PsychologyNote,
    /// A social care specialist's note about a mother.
    SocialNote,
    /// Care packages prepared, handed to a nurse, returned or lost (`stock`).
    StockMovement,
}

/// Every entity kind, in a stable order.
pub const ENTITY_KINDS: [EntityKind; 10] = [
    EntityKind::Mother,
    EntityKind::Birth,
    EntityKind::Baby,
    EntityKind::Visit,
    EntityKind::Member,
    EntityKind::Review,
    EntityKind::ExtraVisit,
    EntityKind::PsychologyNote,
    EntityKind::SocialNote,
    EntityKind::StockMovement,
];

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Mother => "mother",
            EntityKind::Birth => "birth",
            EntityKind::Baby => "baby",
            EntityKind::Visit => "visit",
            EntityKind::Member => "member",
            EntityKind::Review => "review",
            EntityKind::ExtraVisit => "extra_visit",
            EntityKind::PsychologyNote => "psychology_note",
            EntityKind::SocialNote => "social_note",
            EntityKind::StockMovement => "stock_movement",
        }
    }

    pub fn parse(text: &str) -> Option<EntityKind> {
        ENTITY_KINDS.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// A set of field values written to one entity, before it is stamped.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityWrite {
    pub entity: EntityKind,
    pub entity_id: Uuid,
    pub fields: FieldValues,
    /// Versions this write replaces beyond the current value of each field: only a conflict
    /// resolution names them (it replaces every concurrent value at once).
    pub also_replaces: FieldBases,
}

/// One stamped, attributed change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Change {
    pub id: ChangeId,
    pub entity: EntityKind,
    #[ts(type = "string")]
    pub entity_id: Uuid,
    #[ts(type = "Record<string, unknown>")]
    pub fields: FieldValues,
    /// Per field, the versions the writer's replica held when it wrote (what this write
    /// replaces). Absent for a field that had no value; how concurrent writes are told apart.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(type = "Record<string, string[]>")]
    pub base: FieldBases,
    pub hlc: Hlc,
    pub author: MemberId,
    pub device: DeviceId,
    pub schema_version: u32,
}

impl Change {
    /// The version every field of this change carries.
    pub fn version(&self) -> Version {
        Version {
            hlc: self.hlc,
            device: self.device,
        }
    }
}
