//! What the server's two databases hold and answer, as plain types: an authenticated device, the
//! members who may author changes, a push's outcome, a team's activity, the audit of a record.
//! Shared by the policy (`policy.rs`), the IO (`sqlite.rs`, `postgres.rs`) and the facade
//! (`backend.rs`).

use std::collections::{HashMap, HashSet};

use lohusa_core::MemberId;
use lohusa_core::access::Role;
use lohusa_core::sync::Refusal;

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

impl PullBatch {
    /// The end of a pull on either database: it read up to `limit + 1` rows after `after` in
    /// sequence order; the one past the limit only says there is more. The cursor is the last
    /// sequence number sent, or `after` when nothing was.
    pub fn from_rows(mut rows: Vec<(u64, String)>, after: u64, limit: usize) -> PullBatch {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let cursor = rows.last().map_or(after, |(seq, _)| *seq);
        PullBatch { rows, cursor, more }
    }
}

/// The devices a member signed in on, as both databases join them into one text (`a,b,c`).
pub fn joined_devices(joined: Option<String>) -> Vec<String> {
    joined
        .map(|d| d.split(',').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// A role as a database stores it; any other text means the database was damaged.
pub fn stored_role(text: &str) -> Result<Role, BackendError> {
    Role::parse(text).ok_or_else(|| BackendError::Corrupt(format!("role {text:?}")))
}

/// The server's epoch as a database stores it.
pub fn stored_epoch(text: &str) -> Result<uuid::Uuid, BackendError> {
    text.parse().map_err(|_| BackendError::Corrupt("epoch".into()))
}

/// A team's member rows joined with the devices each signed in on (member id, role, a device or
/// none, revoked at), folded into one `Author` per member, on either database.
pub fn fold_authors(
    rows: impl IntoIterator<Item = (String, String, Option<String>, Option<i64>)>,
) -> Result<Authors, BackendError> {
    let mut authors = Authors::new();
    for (id, role, device, revoked_ms) in rows {
        let role = stored_role(&role)?;
        let entry = authors.entry(id).or_insert_with(|| Author {
            role,
            devices: HashSet::new(),
            revoked_ms,
        });
        entry.devices.extend(device);
    }
    Ok(authors)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(seqs: &[u64]) -> Vec<(u64, String)> {
        seqs.iter().map(|s| (*s, format!("body {s}"))).collect()
    }

    #[test]
    fn a_pull_ends_with_the_last_sequence_sent_and_more_only_past_the_limit() {
        assert_eq!(
            PullBatch::from_rows(rows(&[5, 6, 7]), 4, 2),
            PullBatch {
                rows: rows(&[5, 6]),
                cursor: 6,
                more: true
            }
        );
        assert_eq!(
            PullBatch::from_rows(rows(&[5, 6]), 4, 2),
            PullBatch {
                rows: rows(&[5, 6]),
                cursor: 6,
                more: false
            }
        );
        // Nothing new: the cursor stays where the device asked from.
        assert_eq!(
            PullBatch::from_rows(vec![], 9, 2),
            PullBatch {
                rows: vec![],
                cursor: 9,
                more: false
            }
        );
    }

    #[test]
    fn authors_fold_one_per_member_with_every_device_she_signed_in_on() {
        let authors = fold_authors([
            ("m1".to_owned(), "nurse".to_owned(), Some("d1".to_owned()), None),
            ("m1".to_owned(), "nurse".to_owned(), Some("d2".to_owned()), None),
            ("m2".to_owned(), "doctor".to_owned(), None, Some(7)),
        ])
        .unwrap();
        assert_eq!(authors.len(), 2);
        assert_eq!(authors["m1"].role, Role::Nurse);
        assert_eq!(authors["m1"].devices, HashSet::from(["d1".to_owned(), "d2".to_owned()]));
        assert!(authors["m2"].devices.is_empty());
        assert_eq!(authors["m2"].revoked_ms, Some(7));
    }

    #[test]
    fn a_damaged_role_or_epoch_is_named_never_guessed() {
        let error = fold_authors([("m1".to_owned(), "surgeon".to_owned(), None, None)]).unwrap_err();
        assert!(
            matches!(&error, BackendError::Corrupt(what) if what.contains("surgeon")),
            "{error}"
        );
        assert!(matches!(stored_epoch("not a uuid"), Err(BackendError::Corrupt(_))));
        assert!(stored_epoch("0190b0a0-0000-7000-8000-000000000000").is_ok());
        assert_eq!(joined_devices(Some("d1,d2".into())), ["d1", "d2"]);
        assert!(joined_devices(None).is_empty());
    }
}
