//! The two databases behind the server, with one behaviour: the embedded SQLite (default) and
//! PostgreSQL (selected by a database URL). Each does its IO; what a push decides is here, once.

use std::collections::{HashMap, HashSet};

use lohusa_core::EntityKind;
use lohusa_core::change::Change;
use lohusa_core::sync::{DeviceReport, Refusal, ServerIdentity, TeamDevice};
use uuid::Uuid;

use crate::logic::{EntityDoc, reason};
use crate::{postgres::PgBackend, sqlite::SqliteBackend};

/// An authenticated device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAuth {
    pub device: String,
    pub team_id: i64,
    pub team: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PushOutcome {
    Stored {
        accepted: usize,
        duplicates: usize,
    },
    /// Nothing was stored: these changes broke a rule.
    Refused(Vec<Refusal>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct PullBatch {
    pub rows: Vec<(u64, String)>,
    pub cursor: u64,
    pub more: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EnrollOutcome {
    Enrolled {
        team: String,
    },
    Unknown,
    Expired,
    Used,
    /// The device id belongs to an enrolled device that was not revoked.
    DeviceTaken,
}

/// A device's row with its report as stored (JSON).
pub struct TeamDeviceRow {
    pub id: String,
    pub name: String,
    pub enrolled_ms: i64,
    pub last_seen_ms: Option<i64>,
    pub reported_ms: Option<i64>,
    pub report: Option<String>,
}

/// A device as the server's administrator sees it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DeviceInfo {
    pub id: String,
    pub team: String,
    pub name: String,
    pub enrolled_ms: i64,
    pub last_seen_ms: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("schema migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("PostgreSQL pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("no team named {0:?}")]
    NoSuchTeam(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("a database task stopped: {0}")]
    Task(String),
}

/// One of the two databases.
pub enum Backend {
    Sqlite(SqliteBackend),
    Postgres(PgBackend),
}

macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Backend::Sqlite(b) => b.$method($($arg),*).await,
            Backend::Postgres(b) => b.$method($($arg),*).await,
        }
    };
}

impl Backend {
    pub async fn epoch(&self) -> Result<Uuid, BackendError> {
        dispatch!(self.epoch())
    }

    pub async fn identity(&self, auth: &DeviceAuth, now_ms: u64) -> Result<ServerIdentity, BackendError> {
        let epoch = self.epoch().await?;
        let head_seq = dispatch!(self.head_seq(auth.team_id))?;
        Ok(ServerIdentity {
            epoch,
            team: auth.team.clone(),
            head_seq,
            server_time_ms: now_ms,
        })
    }

    pub async fn authenticate(&self, token_hash: &str, now_ms: u64) -> Result<Option<DeviceAuth>, BackendError> {
        dispatch!(self.authenticate(token_hash, now_ms))
    }

    /// Stores the changes the server does not hold yet, all or none.
    pub async fn push(
        &self,
        auth: &DeviceAuth,
        changes: Vec<Change>,
        now_ms: u64,
    ) -> Result<PushOutcome, BackendError> {
        dispatch!(self.push(auth.team_id, changes, now_ms))
    }

    pub async fn pull(&self, team_id: i64, after: u64, limit: usize) -> Result<PullBatch, BackendError> {
        dispatch!(self.pull(team_id, after, limit))
    }

    pub async fn enroll(
        &self,
        code_hash: &str,
        device: &str,
        name: &str,
        token_hash: &str,
        now_ms: u64,
    ) -> Result<EnrollOutcome, BackendError> {
        dispatch!(self.enroll(code_hash, device, name, token_hash, now_ms))
    }

    pub async fn create_team(&self, name: &str) -> Result<(), BackendError> {
        dispatch!(self.create_team(name))
    }

    pub async fn add_enrollment_code(&self, team: &str, code_hash: &str, expires_ms: u64) -> Result<(), BackendError> {
        dispatch!(self.add_enrollment_code(team, code_hash, expires_ms))
    }

    /// Gives the database a new epoch: run after restoring a backup, so every device uploads
    /// again whatever the restored database lacks.
    pub async fn new_epoch(&self) -> Result<Uuid, BackendError> {
        dispatch!(self.new_epoch())
    }

    pub async fn devices(&self) -> Result<Vec<DeviceInfo>, BackendError> {
        dispatch!(self.devices())
    }

    /// Keeps a device's report of itself, stamped with the server's time.
    pub async fn save_report(&self, auth: &DeviceAuth, report: &DeviceReport, now_ms: u64) -> Result<(), BackendError> {
        let json = serde_json::to_string(report).map_err(|e| BackendError::Corrupt(e.to_string()))?;
        dispatch!(self.save_report(auth.device.clone(), json, now_ms))
    }

    /// The active devices of a team with their last reports, by name.
    pub async fn team_devices(&self, team_id: i64) -> Result<Vec<TeamDevice>, BackendError> {
        let rows: Vec<TeamDeviceRow> = dispatch!(self.team_devices(team_id))?;
        rows.into_iter()
            .map(|row| {
                Ok(TeamDevice {
                    report: match row.report {
                        Some(text) => Some(
                            serde_json::from_str(&text)
                                .map_err(|_| BackendError::Corrupt(format!("report of {}", row.id)))?,
                        ),
                        None => None,
                    },
                    id: row.id,
                    name: row.name,
                    enrolled_ms: row.enrolled_ms,
                    last_seen_ms: row.last_seen_ms,
                    last_sync_ms: row.reported_ms,
                })
            })
            .collect()
    }

    /// Revokes a device: its token stops working at once. True when it was active.
    pub async fn revoke_device(&self, device: &str, now_ms: u64) -> Result<bool, BackendError> {
        dispatch!(self.revoke_device(device, now_ms))
    }

    /// The current state of one record: its kind and merged document.
    pub async fn state_of(&self, entity_id: Uuid) -> Result<Option<(EntityKind, EntityDoc)>, BackendError> {
        let found: Option<(String, String)> = dispatch!(self.state_row(entity_id.to_string()))?;
        let Some((kind, state)) = found else { return Ok(None) };
        let corrupt = || BackendError::Corrupt(format!("state of {entity_id}"));
        Ok(Some((
            EntityKind::parse(&kind).ok_or_else(corrupt)?,
            serde_json::from_str(&state).map_err(|_| corrupt())?,
        )))
    }

    /// Every change id in a team's log, in sequence order.
    pub async fn change_ids(&self, team_id: i64) -> Result<Vec<String>, BackendError> {
        dispatch!(self.change_ids(team_id))
    }

    /// The team's id, by name.
    pub async fn team_id(&self, name: &str) -> Result<i64, BackendError> {
        dispatch!(self.team_id(name))
    }

    /// Enrolls a device directly (admin and tests); returns its token.
    pub async fn enroll_device(&self, team: &str, device: &str, now_ms: u64) -> Result<String, BackendError> {
        let code = crate::logic::new_enrollment_code();
        let code_hash = crate::logic::hash_secret(&crate::logic::normalize_code(&code));
        self.add_enrollment_code(team, &code_hash, now_ms + 60_000).await?;
        let token = crate::logic::new_token();
        match self
            .enroll(&code_hash, device, device, &crate::logic::hash_secret(&token), now_ms)
            .await?
        {
            EnrollOutcome::Enrolled { .. } => Ok(token),
            other => Err(BackendError::Task(format!("enrollment failed: {other:?}"))),
        }
    }
}

/// A push, decided: what to store and in which order, or why nothing may be.
pub struct Decided {
    pub duplicates: usize,
    /// New changes in batch order, with their JSON body.
    pub new: Vec<(Change, String)>,
    /// The merged state of every record the new changes touch.
    pub docs: HashMap<Uuid, (EntityKind, EntityDoc)>,
}

/// What the database holds about a record a push touches.
pub struct Owner {
    pub team_id: i64,
    pub entity: EntityKind,
    pub state: String,
}

/// Decides a push given what the database holds: the ids already stored and the owners and
/// states of the records touched. Refuses the whole batch if any new change breaks a rule.
///
/// A change must name a device enrolled in the pushing device's team (revoked ones included: a
/// device re-uploads what it holds after a restore, its colleagues' changes among them).
pub fn decide(
    team_id: i64,
    changes: Vec<Change>,
    stored_ids: &HashSet<String>,
    owners: HashMap<Uuid, Owner>,
    team_devices: &HashSet<String>,
) -> Result<Result<Decided, Vec<Refusal>>, BackendError> {
    let mut seen = HashSet::new();
    let mut duplicates = 0;
    let mut new = Vec::new();
    for change in changes {
        if stored_ids.contains(&change.id.to_string()) || !seen.insert(change.id) {
            duplicates += 1;
        } else {
            new.push(change);
        }
    }
    let mut refusals: Vec<Refusal> = new
        .iter()
        .filter(|c| !team_devices.contains(&c.device.to_string()))
        .map(|c| Refusal {
            change: c.id,
            reason: reason::FOREIGN_DEVICE.into(),
        })
        .collect();
    let mut docs: HashMap<Uuid, (EntityKind, EntityDoc)> = HashMap::new();
    for (id, owner) in owners {
        let doc: EntityDoc =
            serde_json::from_str(&owner.state).map_err(|_| BackendError::Corrupt(format!("state of {id}")))?;
        if owner.team_id != team_id {
            let refused: HashSet<_> = refusals.iter().map(|r| r.change).collect();
            for c in new.iter().filter(|c| c.entity_id == id && !refused.contains(&c.id)) {
                refusals.push(Refusal {
                    change: c.id,
                    reason: reason::OTHER_TEAM.into(),
                });
            }
            continue;
        }
        docs.insert(id, (owner.entity, doc));
    }
    let mut out = Vec::with_capacity(new.len());
    for change in new {
        let (kind, doc) = docs
            .entry(change.entity_id)
            .or_insert_with(|| (change.entity, EntityDoc::default()));
        if refusals.iter().any(|r| r.change == change.id) {
            continue;
        }
        if *kind != change.entity {
            refusals.push(Refusal {
                change: change.id,
                reason: reason::KIND_CHANGED.into(),
            });
            continue;
        }
        doc.merge(&change);
        let body = serde_json::to_string(&change).map_err(|e| BackendError::Corrupt(e.to_string()))?;
        out.push((change, body));
    }
    if !refusals.is_empty() {
        return Ok(Err(refusals));
    }
    Ok(Ok(Decided {
        duplicates,
        new: out,
        docs,
    }))
}
