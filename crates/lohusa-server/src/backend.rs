//! The two databases behind the server, with one behaviour: the embedded SQLite (default) and
//! PostgreSQL (selected by a database URL). Each does its IO (`sqlite.rs`, `postgres.rs`); what a
//! push decides is in `policy.rs`, once; the types they share are in `model.rs`. This file is the
//! facade the API and the admin commands call.

use std::collections::{BTreeMap, HashMap};

use lohusa_core::access::{Role, any_may_read};
use lohusa_core::change::Change;
use lohusa_core::sync::{DeviceReport, ServerIdentity, TeamDevice};
use lohusa_core::{EntityKind, MemberId};
use uuid::Uuid;

use crate::logic::EntityDoc;
pub use crate::model::*;
pub use crate::policy::{Decided, Owner, claim_refusal, decide, enroll_refusal};
use crate::{postgres::PgBackend, sqlite::SqliteBackend};

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
        // A full batch takes milliseconds to check: off the async threads.
        let (refused, changes) = if changes.len() >= crate::logic::PARALLEL_FROM {
            tokio::task::spawn_blocking(move || (crate::logic::check_batch(&changes, now_ms), changes))
                .await
                .map_err(|e| BackendError::Task(e.to_string()))?
        } else {
            (crate::logic::check_batch(&changes, now_ms), changes)
        };
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
