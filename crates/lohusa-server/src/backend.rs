//! The two databases behind the server, with one behaviour: the embedded SQLite (default) and
//! PostgreSQL (selected by a database URL). Each does its IO; what a push decides is here, once.

use std::collections::{BTreeMap, HashMap, HashSet};

use lohusa_core::access::{Role, any_may_read};
use lohusa_core::change::Change;
use lohusa_core::sync::{DeviceReport, Refusal, ServerIdentity, TeamDevice};
use lohusa_core::{ChangeId, EntityKind, MemberId};
use uuid::Uuid;

use crate::logic::{EntityDoc, reason};
use crate::{postgres::PgBackend, sqlite::SqliteBackend};

/// An authenticated device, with the roles of the active members who signed in on it: what it
/// may receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAuth {
    pub device: String,
    pub team_id: i64,
    pub team: String,
    pub roles: Vec<Role>,
    /// When the team lead revoked it (server time): it may still upload what it recorded before
    /// (its last sync before it wipes itself), and nothing else.
    pub revoked_ms: Option<i64>,
}

/// Who may author changes in a team, by member id.
pub type Authors = HashMap<String, Author>;

/// A member as the checks of a push see her: her role, the devices she signed in on, and when
/// she was revoked.
#[derive(Clone, Debug, PartialEq)]
pub struct Author {
    pub role: Role,
    pub devices: HashSet<String>,
    pub revoked_ms: Option<i64>,
}

/// The device pushing, as the checks of a push see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Pusher {
    pub team_id: i64,
    pub device: String,
    /// A team lead's (or admin's) device may upload changes other devices wrote (after a
    /// restore, everything it holds); any other device only its own.
    pub may_relay: bool,
    /// When the pushing device was revoked: nothing stamped after it is taken from it.
    pub revoked_ms: Option<i64>,
}

impl Pusher {
    pub fn of(auth: &DeviceAuth) -> Pusher {
        Pusher {
            team_id: auth.team_id,
            device: auth.device.clone(),
            may_relay: auth.roles.iter().any(|r| matches!(r, Role::TeamLead | Role::Admin)),
            revoked_ms: auth.revoked_ms,
        }
    }
}

/// A member as the server keeps her. `id` is empty until her first claim on a device.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MemberRow {
    pub num: i64,
    pub id: Option<String>,
    pub team: String,
    pub name: String,
    pub role: String,
    pub revoked_ms: Option<i64>,
    pub devices: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ClaimOutcome {
    Claimed {
        id: MemberId,
        name: String,
        role: Role,
    },
    Unknown,
    Expired,
    Used,
    /// The member was revoked after the code was made.
    Revoked,
    /// The code is for a member of another team than the device's.
    OtherTeam,
}

/// One pull as the audit keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadRow {
    pub device_id: String,
    pub device_name: Option<String>,
    pub member_id: Option<String>,
    pub roles: String,
    pub after_seq: i64,
    pub up_to_seq: i64,
    pub at_ms: i64,
}

/// Everything the server did with one mother's record: the changes that wrote it and the pulls
/// that handed it out.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Audit {
    pub mother: String,
    pub team: String,
    pub changes: Vec<AuditChange>,
    pub reads: Vec<AuditRead>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AuditChange {
    pub seq: i64,
    pub received_ms: i64,
    pub entity: String,
    pub entity_id: String,
    pub author: String,
    pub author_name: Option<String>,
    pub device: String,
    pub fields: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AuditRead {
    pub at_ms: i64,
    pub device: String,
    pub device_name: Option<String>,
    pub member: Option<String>,
    pub member_name: Option<String>,
    pub roles: Vec<String>,
    /// How many of her changes this pull handed out (the fields its roles may read).
    pub changes: usize,
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

/// A team as the metrics show it: its head, when its last change arrived, when any of its
/// active devices last synced, and how many it has.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamActivity {
    pub team: String,
    pub head_seq: i64,
    pub last_change_ms: Option<i64>,
    pub last_seen_ms: Option<i64>,
    pub devices: i64,
}

/// The same query on both databases.
pub(crate) const TEAM_ACTIVITY_SQL: &str = "SELECT t.name, t.head_seq,
        (SELECT c.received_ms FROM changes c WHERE c.team_id = t.id AND c.seq = t.head_seq),
        (SELECT MAX(d.last_seen_ms) FROM devices d WHERE d.team_id = t.id AND d.revoked_ms IS NULL),
        (SELECT COUNT(*) FROM devices d WHERE d.team_id = t.id AND d.revoked_ms IS NULL)
     FROM teams t ORDER BY t.name";

/// The database's connections now: open, in use, the most there may be (`None`: no cap), and
/// requests waiting for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PoolUse {
    pub open: usize,
    pub in_use: usize,
    pub max: Option<usize>,
    pub waiting: usize,
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
    /// The device id was enrolled in another team (revoked or not): its changes are in that
    /// team's log under this id, so it never moves.
    DeviceOfOtherTeam,
}

/// Whether a device id may enroll into `team_id`, given its row if it has one (team, revoked).
/// An active device is someone's tablet: enrolling over it would lock that tablet out. A revoked
/// one enrolls again only into its own team.
pub fn enroll_refusal(known: Option<(i64, Option<i64>)>, team_id: i64) -> Option<EnrollOutcome> {
    match known {
        Some((_, None)) => Some(EnrollOutcome::DeviceTaken),
        Some((team, Some(_))) if team != team_id => Some(EnrollOutcome::DeviceOfOtherTeam),
        _ => None,
    }
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
    /// An admin command refused, saying why (a restore from a file that is no whole backup).
    #[error("{0}")]
    Refused(String),
    /// A file or folder the server could not read or write (backups).
    #[error("{0}")]
    Files(String),
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
        let revoked: Vec<String> = dispatch!(self.revoked_members(auth.device.clone()))?;
        Ok(ServerIdentity {
            epoch,
            team: auth.team.clone(),
            head_seq,
            server_time_ms: now_ms,
            revoked_members: revoked
                .iter()
                .map(|id| id.parse().map_err(|_| BackendError::Corrupt(format!("member {id}"))))
                .collect::<Result<_, _>>()?,
        })
    }

    pub async fn authenticate(&self, token_hash: &str, now_ms: u64) -> Result<Option<DeviceAuth>, BackendError> {
        dispatch!(self.authenticate(token_hash, now_ms))
    }

    /// Stores the changes the server does not hold yet, all or none. Every change is checked on
    /// its own first (`logic::check_batch`, against the server's time `now_ms`), then against the
    /// team, the device and its authors (`decide`); whoever calls this, nothing skips a check.
    pub async fn push(
        &self,
        auth: &DeviceAuth,
        changes: Vec<Change>,
        now_ms: u64,
    ) -> Result<PushOutcome, BackendError> {
        let refused = crate::logic::check_batch(&changes, now_ms);
        if !refused.is_empty() {
            return Ok(PushOutcome::Refused(refused));
        }
        dispatch!(self.push(Pusher::of(auth), changes, now_ms))
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

    /// Gives the database a new epoch: run after restoring a backup, so every device uploads
    /// again whatever the restored database lacks.
    pub async fn new_epoch(&self) -> Result<Uuid, BackendError> {
        dispatch!(self.new_epoch())
    }

    pub async fn devices(&self) -> Result<Vec<DeviceInfo>, BackendError> {
        dispatch!(self.devices())
    }

    /// Every team's activity, for the metrics.
    pub async fn team_activity(&self) -> Result<Vec<TeamActivity>, BackendError> {
        dispatch!(self.team_activity())
    }

    pub fn pool_use(&self) -> PoolUse {
        match self {
            Backend::Sqlite(b) => b.pool_use(),
            Backend::Postgres(b) => b.pool_use(),
        }
    }

    /// Before the process exits: SQLite moves its write-ahead log into the database file, so the
    /// folder is one whole file again (PostgreSQL checkpoints by itself).
    pub async fn checkpoint(&self) -> Result<(), BackendError> {
        match self {
            Backend::Sqlite(b) => b.checkpoint().await,
            Backend::Postgres(_) => Ok(()),
        }
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

    /// Adds a member to a team with a role; her number, for `issue_member_code`.
    pub async fn add_member(&self, team: &str, name: &str, role: Role, now_ms: u64) -> Result<i64, BackendError> {
        dispatch!(self.add_member(team, name, role.as_str(), now_ms))
    }

    /// A new one-time code that binds a member to the device it is typed on, valid until
    /// `expires_ms`; only its hash is kept.
    pub async fn issue_member_code(&self, member_num: i64, expires_ms: u64) -> Result<String, BackendError> {
        let code = crate::logic::new_enrollment_code();
        dispatch!(self.add_member_code(member_num, &crate::logic::hash_code(&code), expires_ms))?;
        Ok(code)
    }

    /// A new one-time code that enrolls a device in `team`, valid until `expires_ms`; only its
    /// hash is kept.
    pub async fn issue_enrollment_code(&self, team: &str, expires_ms: u64) -> Result<String, BackendError> {
        let code = crate::logic::new_enrollment_code();
        dispatch!(self.add_enrollment_code(team, &crate::logic::hash_code(&code), expires_ms))?;
        Ok(code)
    }

    /// Binds the member of a code to the asking device. On her first claim she keeps the id the
    /// device proposes (the one it already writes under), when no one else has it.
    pub async fn claim_member(
        &self,
        auth: &DeviceAuth,
        code_hash: &str,
        proposed: Option<MemberId>,
        now_ms: u64,
    ) -> Result<ClaimOutcome, BackendError> {
        let fresh = proposed
            .unwrap_or_else(|| MemberId(crate::clock::id_at(now_ms)))
            .to_string();
        let outcome: Result<(String, String, String), ClaimOutcome> =
            dispatch!(self.claim_member(auth.team_id, auth.device.clone(), code_hash.to_owned(), fresh, now_ms))?;
        let (id, name, role) = match outcome {
            Ok(found) => found,
            Err(refused) => return Ok(refused),
        };
        let corrupt = || BackendError::Corrupt(format!("member {id}"));
        Ok(ClaimOutcome::Claimed {
            id: id.parse().map_err(|_| corrupt())?,
            role: Role::parse(&role).ok_or_else(corrupt)?,
            name,
        })
    }

    /// A team's members (admin and the team lead), by name.
    pub async fn members(&self, team: &str) -> Result<Vec<MemberRow>, BackendError> {
        let team_id = self.team_id(team).await?;
        dispatch!(self.members(team_id))
    }

    /// The role of `member` if she signed in on `device` and is active.
    pub async fn member_role_on_device(&self, device: &str, member: MemberId) -> Result<Option<Role>, BackendError> {
        let role: Option<String> = dispatch!(self.member_role_on_device(device.to_owned(), member.to_string()))?;
        Ok(role.as_deref().and_then(Role::parse))
    }

    /// A team's member by her number, if she is one of this team's.
    pub async fn team_member(&self, team_id: i64, num: i64) -> Result<Option<MemberRow>, BackendError> {
        let members: Vec<MemberRow> = dispatch!(self.members(team_id))?;
        Ok(members.into_iter().find(|m| m.num == num))
    }

    /// Revokes a member of this team by her number (one who never signed in has no id yet).
    pub async fn revoke_member_of_team(&self, team_id: i64, num: i64, now_ms: u64) -> Result<bool, BackendError> {
        dispatch!(self.revoke_member_num(team_id, num, now_ms))
    }

    /// Revokes a device of this team (never another team's). True when it was active.
    pub async fn revoke_device_of_team(&self, team_id: i64, device: &str, now_ms: u64) -> Result<bool, BackendError> {
        let rows: Vec<TeamDeviceRow> = dispatch!(self.team_devices(team_id))?;
        if !rows.iter().any(|r| r.id == device) {
            return Ok(false);
        }
        self.revoke_device(device, now_ms).await
    }

    /// A team's members as its team lead sees them.
    pub async fn team_members(&self, team_id: i64) -> Result<Vec<MemberRow>, BackendError> {
        dispatch!(self.members(team_id))
    }

    /// Revokes a member: she no longer counts for what her devices receive, and her devices
    /// drop her at their next sync. What she wrote before stays accepted. True when she was
    /// active.
    pub async fn revoke_member(&self, id: &str, now_ms: u64) -> Result<bool, BackendError> {
        dispatch!(self.revoke_member(id, now_ms))
    }

    /// Keeps one pull in the audit: which device (and member, if she is signed in on it) received
    /// which part of the team's log, filtered for which roles.
    pub async fn record_read(
        &self,
        auth: &DeviceAuth,
        member: Option<MemberId>,
        after_seq: u64,
        up_to_seq: u64,
        now_ms: u64,
    ) -> Result<(), BackendError> {
        let roles = auth.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",");
        dispatch!(self.record_read(
            auth.team_id,
            auth.device.clone(),
            member.map(|m| m.to_string()),
            roles,
            after_seq as i64,
            up_to_seq as i64,
            now_ms as i64
        ))
    }

    /// Who wrote and who received a mother's record, from the log and the audit of pulls.
    pub async fn audit(&self, mother: Uuid) -> Result<Option<Audit>, BackendError> {
        let mother = mother.to_string();
        let entities: Vec<(String, i64)> = dispatch!(self.mother_entities(mother.clone()))?;
        let Some(team_id) = entities.first().map(|(_, team)| *team) else {
            return Ok(None);
        };
        let ids: Vec<String> = entities.into_iter().map(|(id, _)| id).collect();
        let rows: Vec<(i64, i64, String)> = dispatch!(self.changes_of(team_id, ids))?;
        let team: String = dispatch!(self.team_name(team_id))?;
        let names: HashMap<String, String> = dispatch!(self.members(team_id))?
            .into_iter()
            .filter_map(|m| Some((m.id?, m.name)))
            .collect();
        let mut changes = Vec::with_capacity(rows.len());
        let mut parsed = Vec::with_capacity(rows.len());
        for (seq, received_ms, body) in rows {
            let change: Change =
                serde_json::from_str(&body).map_err(|_| BackendError::Corrupt(format!("change {seq}")))?;
            changes.push(AuditChange {
                seq,
                received_ms,
                entity: change.entity.as_str().to_owned(),
                entity_id: change.entity_id.to_string(),
                author: change.author.to_string(),
                author_name: names.get(&change.author.to_string()).cloned(),
                device: change.device.to_string(),
                fields: change.fields.keys().cloned().collect(),
            });
            parsed.push((seq, change));
        }
        let (first, last) = match (parsed.first(), parsed.last()) {
            (Some((first, _)), Some((last, _))) => (*first, *last),
            _ => (0, 0),
        };
        let reads: Vec<ReadRow> = dispatch!(self.reads_covering(team_id, first, last))?;
        let reads = reads
            .into_iter()
            .filter_map(|read| {
                let roles: Vec<Role> = read.roles.split(',').filter_map(Role::parse).collect();
                let handed = parsed
                    .iter()
                    .filter(|(seq, change)| {
                        *seq > read.after_seq
                            && *seq <= read.up_to_seq
                            && change.fields.keys().any(|f| any_may_read(&roles, change.entity, f))
                    })
                    .count();
                (handed > 0).then(|| AuditRead {
                    at_ms: read.at_ms,
                    member_name: read.member_id.as_ref().and_then(|m| names.get(m).cloned()),
                    device: read.device_id,
                    device_name: read.device_name,
                    member: read.member_id,
                    roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
                    changes: handed,
                })
            })
            .collect();
        Ok(Some(Audit {
            mother,
            team,
            changes,
            reads,
        }))
    }

    /// Revokes a device: its token stops working at once. True when it was active.
    pub async fn revoke_device(&self, device: &str, now_ms: u64) -> Result<bool, BackendError> {
        dispatch!(self.revoke_device(device, now_ms))
    }

    /// The programme's records of every team as the server holds them now (merged), by team
    /// name, and the members' names: what `lohusa-server report` counts.
    pub async fn programme_records(
        &self,
    ) -> Result<
        (
            BTreeMap<String, Vec<lohusa_core::programme::RawRecord>>,
            lohusa_core::programme::MemberNames,
        ),
        BackendError,
    > {
        let (states, member_rows) = dispatch!(self.all_states())?;
        let mut teams: BTreeMap<String, Vec<lohusa_core::programme::RawRecord>> = BTreeMap::new();
        for (team, id, kind, state) in states {
            let corrupt = || BackendError::Corrupt(format!("state of {id}"));
            let entity = EntityKind::parse(&kind).ok_or_else(corrupt)?;
            let doc: EntityDoc = serde_json::from_str(&state).map_err(|_| corrupt())?;
            // The record's maker: the writer of the field every record of its kind has from
            // its first change (a visit's mother, a mother's name).
            let creator = lohusa_core::fields::required(entity)
                .first()
                .and_then(|field| doc.meta.fields.get(*field))
                .and_then(|version| doc.writers.get(version))
                .map(|(author, _)| *author);
            teams.entry(team).or_default().push(lohusa_core::programme::RawRecord {
                entity,
                id: id.parse().map_err(|_| corrupt())?,
                fields: doc.values,
                creator,
            });
        }
        let members = member_rows
            .into_iter()
            .filter_map(|(id, name)| Some((id.parse().ok()?, name)))
            .collect();
        Ok((teams, members))
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

    /// Adds a member and binds her to an enrolled device directly, keeping `id` (admin and tests).
    pub async fn add_member_on_device(
        &self,
        team: &str,
        device: &str,
        id: MemberId,
        name: &str,
        role: Role,
        now_ms: u64,
    ) -> Result<MemberId, BackendError> {
        let num = self.add_member(team, name, role, now_ms).await?;
        let hash = crate::logic::hash_code(&self.issue_member_code(num, now_ms + 60_000).await?);
        let auth = DeviceAuth {
            device: device.to_owned(),
            team_id: self.team_id(team).await?,
            team: team.to_owned(),
            roles: Vec::new(),
            revoked_ms: None,
        };
        match self.claim_member(&auth, &hash, Some(id), now_ms).await? {
            ClaimOutcome::Claimed { id, .. } => Ok(id),
            other => Err(BackendError::Task(format!("binding the member failed: {other:?}"))),
        }
    }

    /// Enrolls a device directly (admin and tests); returns its token.
    pub async fn enroll_device(&self, team: &str, device: &str, now_ms: u64) -> Result<String, BackendError> {
        let code_hash = crate::logic::hash_code(&self.issue_enrollment_code(team, now_ms + 60_000).await?);
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

/// Why a change's author may not have written it, if she may not.
fn author_refusal(change: &Change, authors: &Authors) -> Option<&'static str> {
    let Some(author) = authors.get(&change.author.to_string()) else {
        return Some(reason::AUTHOR_NOT_ON_DEVICE);
    };
    if !author.devices.contains(&change.device.to_string()) {
        return Some(reason::AUTHOR_NOT_ON_DEVICE);
    }
    // What she wrote before her revocation is hers; nothing after.
    if author.revoked_ms.is_some_and(|at| change.hlc.wall_ms as i64 > at) {
        return Some(reason::AUTHOR_REVOKED);
    }
    let role = &author.role;
    let allowed = if change.entity == EntityKind::Member {
        change.entity_id == change.author.0
    } else {
        change
            .fields
            .keys()
            .all(|field| lohusa_core::access::may_write(*role, change.entity, field))
    };
    (!allowed).then_some(reason::ROLE_MAY_NOT_WRITE)
}

/// Why a member code may not be claimed by a device of `team_id`, if it may not. The team is
/// checked first, so another team's device learns nothing of a code's use or age.
pub fn claim_refusal(
    member_team: i64,
    team_id: i64,
    used_ms: Option<i64>,
    expires_ms: i64,
    revoked_ms: Option<i64>,
    now_ms: u64,
) -> Option<ClaimOutcome> {
    if member_team != team_id {
        Some(ClaimOutcome::OtherTeam)
    } else if used_ms.is_some() {
        Some(ClaimOutcome::Used)
    } else if expires_ms < now_ms as i64 {
        Some(ClaimOutcome::Expired)
    } else if revoked_ms.is_some() {
        Some(ClaimOutcome::Revoked)
    } else {
        None
    }
}

/// A push, decided: what to store and in which order, or why nothing may be.
#[derive(Debug)]
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

/// Decides a push given what the database holds: the ids already stored (with their teams) and the owners and
/// states of the records touched. Refuses the whole batch if any new change breaks a rule.
///
/// A change must name a device enrolled in the pushing device's team (revoked ones included: a
/// device re-uploads what it holds after a restore, its colleagues' changes among them), and an
/// author who signed in on that device and whose role may write every field it sets (a member
/// record only by the member herself).
pub fn decide(
    pusher: &Pusher,
    changes: Vec<Change>,
    stored_ids: &HashMap<String, (i64, String)>,
    owners: HashMap<Uuid, Owner>,
    team_devices: &HashSet<String>,
    authors: &Authors,
) -> Result<Result<Decided, Vec<Refusal>>, BackendError> {
    let team_id = pusher.team_id;
    let mut seen: HashMap<ChangeId, usize> = HashMap::new();
    let mut duplicates = 0;
    let mut new = Vec::new();
    // An id another team's log holds is no duplicate of this team's: it goes through the checks
    // like any new change (and is refused), so a push never tells whether another team has it.
    let mut taken_elsewhere = HashSet::new();
    let mut reused = Vec::new();
    for change in changes {
        let stored = stored_ids.get(&change.id.to_string());
        if stored.is_some_and(|(t, _)| *t != team_id) {
            taken_elsewhere.insert(change.id);
        }
        match stored {
            // The same change again: nothing to do. An id held with other content is no
            // duplicate: the device would believe its edit stored while it was dropped.
            Some((t, body)) if *t == team_id => {
                let again = serde_json::to_string(&change).map_err(|e| BackendError::Corrupt(e.to_string()))?;
                if again == *body {
                    duplicates += 1;
                } else {
                    reused.push(change.id);
                }
            }
            // Twice in one batch: the same change once, or two contents under one id.
            _ => match seen.get(&change.id) {
                Some(first) if new[*first] == change => duplicates += 1,
                Some(_) => reused.push(change.id),
                None => {
                    seen.insert(change.id, new.len());
                    new.push(change);
                }
            },
        }
    }
    let mut refusals: Vec<Refusal> = new
        .iter()
        .filter(|c| !team_devices.contains(&c.device.to_string()))
        .map(|c| Refusal {
            change: c.id,
            reason: reason::FOREIGN_DEVICE.into(),
        })
        .chain(reused.into_iter().map(|id| Refusal {
            change: id,
            reason: reason::ID_REUSED.into(),
        }))
        .collect();
    for change in &new {
        if refusals.iter().any(|r| r.change == change.id) {
            continue;
        }
        let relayed = change.device.to_string() != pusher.device;
        let why = if relayed && !pusher.may_relay {
            Some(reason::RELAYED)
        } else if pusher.revoked_ms.is_some_and(|at| change.hlc.wall_ms as i64 > at) {
            // A revoked device uploads what it recorded before its revocation, by the server's
            // clock; anything stamped later is refused (its stamp is the device's word, so this
            // bounds what a revoked device can add, it cannot prove when a change was made).
            Some(reason::AFTER_DEVICE_REVOKED)
        } else if taken_elsewhere.contains(&change.id) {
            Some(reason::OTHER_TEAM)
        } else {
            author_refusal(change, authors)
        };
        if let Some(why) = why {
            refusals.push(Refusal {
                change: change.id,
                reason: why.into(),
            });
        }
    }
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
    let existed: HashSet<Uuid> = docs.keys().copied().collect();
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
        // A record written once has one change: a second one for its id is refused.
        if lohusa_core::fields::write_once(*kind) && !doc.meta.fields.is_empty() {
            refusals.push(Refusal {
                change: change.id,
                reason: reason::WRITTEN_ONCE.into(),
            });
            continue;
        }
        doc.merge(&change);
        if doc
            .meta
            .heads
            .values()
            .any(|heads| heads.len() > crate::logic::MAX_FIELD_HEADS)
        {
            refusals.push(Refusal {
                change: change.id,
                reason: reason::TOO_MANY_CONFLICTS.into(),
            });
            continue;
        }
        let body = serde_json::to_string(&change).map_err(|e| BackendError::Corrupt(e.to_string()))?;
        out.push((change, body));
    }
    // A record new to the server must be whole once the batch is merged: every device's lists
    // read its required fields. (After a restore, an edit may come before the record it edits;
    // it is refused, and its device sends it again at a later sync.)
    for (id, (kind, doc)) in &docs {
        if existed.contains(id) {
            continue;
        }
        let complete = lohusa_core::fields::missing_required(*kind, &doc.values, true).is_none();
        if !complete {
            let refused: HashSet<_> = refusals.iter().map(|r| r.change).collect();
            for (change, _) in out
                .iter()
                .filter(|(c, _)| c.entity_id == *id && !refused.contains(&c.id))
            {
                refusals.push(Refusal {
                    change: change.id,
                    reason: reason::MISSING_REQUIRED.into(),
                });
            }
        }
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

#[cfg(test)]
mod tests {
    //! `decide` on its own, with no database: what a push stores or refuses, rule by rule.

    use lohusa_core::change::CHANGE_SCHEMA_VERSION;
    use lohusa_core::{DeviceId, Hlc};
    use serde_json::{Value, json};

    use super::*;

    const TEAM: i64 = 1;
    const DEVICE: u128 = 10;
    const NURSE: u128 = 20;
    const LEAD: u128 = 21;
    const LEAD_DEVICE: u128 = 11;

    /// A fresh change id (ids are inputs here too: no clock).
    fn next_id() -> u128 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1 << 40);
        u128::from(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }

    fn change(entity: EntityKind, entity_id: u128, device: u128, author: u128, fields: Value, wall_ms: u64) -> Change {
        let Value::Object(fields) = fields else {
            panic!("fields are an object")
        };
        Change {
            id: ChangeId(Uuid::from_u128(next_id())),
            entity,
            entity_id: Uuid::from_u128(entity_id),
            fields: fields.into_iter().collect(),
            base: Default::default(),
            hlc: Hlc { wall_ms, counter: 0 },
            author: MemberId(Uuid::from_u128(author)),
            device: DeviceId(Uuid::from_u128(device)),
            schema_version: CHANGE_SCHEMA_VERSION,
        }
    }

    /// A whole new mother, written by the nurse on her tablet.
    fn mother(id: u128) -> Change {
        change(
            EntityKind::Mother,
            id,
            DEVICE,
            NURSE,
            json!({"full_name": "Leyla Demir", "preferred_language": "tr", "interpreter_needed": false,
                   "registered_on": "2026-11-20"}),
            1_000,
        )
    }

    fn pusher(device: u128, may_relay: bool) -> Pusher {
        Pusher {
            team_id: TEAM,
            device: Uuid::from_u128(device).to_string(),
            may_relay,
            revoked_ms: None,
        }
    }

    fn authors() -> Authors {
        let author = |role, device: u128| Author {
            role,
            devices: HashSet::from([Uuid::from_u128(device).to_string()]),
            revoked_ms: None,
        };
        HashMap::from([
            (Uuid::from_u128(NURSE).to_string(), author(Role::Nurse, DEVICE)),
            (Uuid::from_u128(LEAD).to_string(), author(Role::TeamLead, LEAD_DEVICE)),
        ])
    }

    fn devices() -> HashSet<String> {
        HashSet::from([DEVICE, LEAD_DEVICE].map(|d| Uuid::from_u128(d).to_string()))
    }

    /// `decide` with nothing stored and no record known, but for `owners`.
    fn run(pusher: &Pusher, changes: Vec<Change>, owners: HashMap<Uuid, Owner>) -> Result<Decided, Vec<Refusal>> {
        decide(pusher, changes, &HashMap::new(), owners, &devices(), &authors()).unwrap()
    }

    fn reasons(refused: &[Refusal]) -> Vec<&str> {
        refused.iter().map(|r| r.reason.as_str()).collect()
    }

    fn owner(team_id: i64, entity: EntityKind, doc: &EntityDoc) -> Owner {
        Owner {
            team_id,
            entity,
            state: serde_json::to_string(doc).unwrap(),
        }
    }

    #[test]
    fn a_whole_new_record_from_its_author_is_stored() {
        let decided = run(&pusher(DEVICE, false), vec![mother(1)], HashMap::new()).unwrap();
        assert_eq!((decided.new.len(), decided.duplicates), (1, 0));
        let (kind, doc) = &decided.docs[&Uuid::from_u128(1)];
        assert_eq!(*kind, EntityKind::Mother);
        assert_eq!(doc.values["full_name"], json!("Leyla Demir"));
    }

    #[test]
    fn the_same_change_again_is_a_duplicate_and_other_content_under_its_id_is_refused() {
        let first = mother(1);
        let body = serde_json::to_string(&first).unwrap();
        let stored = HashMap::from([(first.id.to_string(), (TEAM, body))]);
        let decided = decide(
            &pusher(DEVICE, false),
            vec![first.clone()],
            &stored,
            HashMap::new(),
            &devices(),
            &authors(),
        )
        .unwrap()
        .unwrap();
        assert_eq!((decided.new.len(), decided.duplicates), (0, 1));
        let mut edited = first.clone();
        edited.fields.insert("full_name".into(), json!("Leyla Kaya"));
        let refused = decide(
            &pusher(DEVICE, false),
            vec![edited],
            &stored,
            HashMap::new(),
            &devices(),
            &authors(),
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(reasons(&refused), [reason::ID_REUSED]);
        // Twice in one batch: once is a duplicate, other content is refused.
        let decided = run(
            &pusher(DEVICE, false),
            vec![first.clone(), first.clone()],
            HashMap::new(),
        )
        .unwrap();
        assert_eq!((decided.new.len(), decided.duplicates), (1, 1));
        let mut other = first.clone();
        other.fields.insert("full_name".into(), json!("Another"));
        let refused = run(&pusher(DEVICE, false), vec![first, other], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::ID_REUSED]);
    }

    #[test]
    fn a_device_of_another_team_and_an_id_another_team_holds_are_refused() {
        let foreign = change(
            EntityKind::Mother,
            1,
            99,
            NURSE,
            json!({"full_name": "X", "preferred_language": "tr", "interpreter_needed": false, "registered_on": "2026-11-20"}),
            1_000,
        );
        let refused = run(&pusher(DEVICE, true), vec![foreign], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::FOREIGN_DEVICE]);
        let theirs = mother(1);
        let stored = HashMap::from([(theirs.id.to_string(), (2, "{}".to_owned()))]);
        let refused = decide(
            &pusher(DEVICE, false),
            vec![theirs],
            &stored,
            HashMap::new(),
            &devices(),
            &authors(),
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(reasons(&refused), [reason::OTHER_TEAM]);
        // A record another team owns.
        let owners = HashMap::from([(Uuid::from_u128(1), owner(2, EntityKind::Mother, &EntityDoc::default()))]);
        let refused = run(&pusher(DEVICE, false), vec![mother(1)], owners).unwrap_err();
        assert_eq!(reasons(&refused), [reason::OTHER_TEAM]);
    }

    #[test]
    fn only_a_team_leads_device_relays_what_another_device_wrote() {
        let refused = run(&pusher(LEAD_DEVICE, false), vec![mother(1)], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::RELAYED]);
        assert!(run(&pusher(LEAD_DEVICE, true), vec![mother(1)], HashMap::new()).is_ok());
    }

    #[test]
    fn a_revoked_device_uploads_only_what_it_stamped_before() {
        let mut revoked = pusher(DEVICE, false);
        revoked.revoked_ms = Some(5_000);
        assert!(run(&revoked, vec![mother(1)], HashMap::new()).is_ok());
        let mut late = mother(2);
        late.hlc.wall_ms = 6_000;
        let refused = run(&revoked, vec![late], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::AFTER_DEVICE_REVOKED]);
    }

    #[test]
    fn the_author_must_be_on_the_device_and_her_role_may_write_every_field() {
        let mut stranger = mother(1);
        stranger.author = MemberId(Uuid::from_u128(77));
        let mut elsewhere = mother(2);
        elsewhere.author = MemberId(Uuid::from_u128(LEAD));
        let refused = run(&pusher(DEVICE, false), vec![stranger, elsewhere], HashMap::new()).unwrap_err();
        assert_eq!(
            reasons(&refused),
            [reason::AUTHOR_NOT_ON_DEVICE, reason::AUTHOR_NOT_ON_DEVICE]
        );
        // A nurse writes no stock movement (the team lead's ledger).
        let movement = change(EntityKind::StockMovement, 3, DEVICE, NURSE, json!({"count": 1}), 1_000);
        let refused = run(&pusher(DEVICE, false), vec![movement], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::ROLE_MAY_NOT_WRITE]);
    }

    #[test]
    fn a_record_keeps_its_kind_a_ledger_line_is_written_once_and_a_new_record_is_whole() {
        let owners = HashMap::from([(
            Uuid::from_u128(1),
            owner(TEAM, EntityKind::Birth, &EntityDoc::default()),
        )]);
        let refused = run(&pusher(DEVICE, false), vec![mother(1)], owners).unwrap_err();
        assert_eq!(reasons(&refused), [reason::KIND_CHANGED]);
        let mut written = EntityDoc::default();
        written.merge(&change(
            EntityKind::StockMovement,
            3,
            LEAD_DEVICE,
            LEAD,
            json!({"count": 5}),
            500,
        ));
        let owners = HashMap::from([(Uuid::from_u128(3), owner(TEAM, EntityKind::StockMovement, &written))]);
        let again = change(
            EntityKind::StockMovement,
            3,
            LEAD_DEVICE,
            LEAD,
            json!({"count": 6}),
            1_000,
        );
        let refused = run(&pusher(LEAD_DEVICE, true), vec![again], owners).unwrap_err();
        assert_eq!(reasons(&refused), [reason::WRITTEN_ONCE]);
        let part = change(
            EntityKind::Mother,
            4,
            DEVICE,
            NURSE,
            json!({"phone": "0532 111 22 33"}),
            1_000,
        );
        let refused = run(&pusher(DEVICE, false), vec![part], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::MISSING_REQUIRED]);
    }

    #[test]
    fn one_refused_change_refuses_the_whole_batch_naming_only_it() {
        let mut late = mother(2);
        late.author = MemberId(Uuid::from_u128(77));
        let refused = run(
            &pusher(DEVICE, false),
            vec![mother(1), late.clone(), mother(3)],
            HashMap::new(),
        )
        .unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].change, late.id);
    }
}
