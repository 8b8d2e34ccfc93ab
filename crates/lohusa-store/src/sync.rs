//! The store's side of sync: the saved positions, the upload queue, applying pulled batches,
//! the quarantine of refused changes, and the conflicts kept for review.
//!
//! A pulled batch is applied and its cursor saved in one transaction, so a replica that dies
//! between the two is impossible: it either has the batch and the cursor past it, or neither.

use chrono::{DateTime, Utc};
use lohusa_core::change::{Change, EntityWrite};
use lohusa_core::merge::{Head, Version};
use lohusa_core::sync::{Refusal, SyncPosition};
use lohusa_core::{EntityKind, Hlc, MemberId};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;
use uuid::Uuid;

use crate::{Store, StoreError, apply, entity_meta, meta};

/// Everything the app and the command line show about sync.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncStatus {
    /// The server this replica syncs with, once enrolled.
    pub server: Option<String>,
    pub team: Option<String>,
    /// Local changes the server has not confirmed yet.
    #[ts(type = "number")]
    pub pending: i64,
    /// Local changes the server refused; kept here with the reason.
    #[ts(type = "number")]
    pub quarantined: i64,
    #[ts(type = "number")]
    pub cursor: u64,
    #[ts(type = "number")]
    pub open_conflicts: i64,
    pub last_success: Option<DateTime<Utc>>,
    /// The kind of the last failure (`offline`, `unauthorized`, …) when it came after the last
    /// success.
    pub last_error: Option<String>,
    /// Server clock minus this device's clock at the last sync, in ms.
    #[ts(type = "number | null")]
    pub clock_skew_ms: Option<i64>,
    /// Visit forms kept as drafts: on this device only, never synced until saved.
    #[ts(type = "number")]
    pub drafts: i64,
    /// Safe to hand the device over (or wipe it): enrolled, and every change made here is
    /// confirmed by the server, none refused, no draft left.
    pub safe_to_hand_over: bool,
}

/// A local change the server refused, as the sync screen lists it (never its values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Refused {
    pub entity: EntityKind,
    /// The mother the record belongs to, when known here.
    pub mother_name: Option<String>,
    /// The fields the change wrote.
    pub fields: Vec<String>,
    /// The server's reason code (`other_team`, `clock_ahead`, …).
    pub reason: String,
    /// When it was refused (RFC 3339).
    pub at: String,
}

/// A field written concurrently: the value shown and another kept for review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Conflict {
    pub entity: EntityKind,
    #[ts(type = "string")]
    pub entity_id: Uuid,
    /// The mother the record belongs to, and her name, when known here.
    #[ts(type = "string | null")]
    pub mother_id: Option<Uuid>,
    pub mother_name: Option<String>,
    /// For a visit's field: which of the three visits.
    pub visit_number: Option<u8>,
    pub field: String,
    #[ts(type = "unknown")]
    pub shown_value: Value,
    pub shown_version: Version,
    pub shown_author: Option<MemberId>,
    /// The authors' names, when their devices have synced them.
    pub shown_author_name: Option<String>,
    pub other_author_name: Option<String>,
    pub other: Head,
}

/// Which changes wait to be uploaded (`?1` the upload position, `?2` the position up to which
/// everything held is uploaded again after a new epoch).
const PENDING: &str = "seq > ?1 AND (origin = 'local' OR seq <= ?2)
    AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.change_id = changes.id)";

const KEY_SERVER: &str = "sync_server";
const KEY_TEAM: &str = "sync_team";
const KEY_TOKEN: &str = "sync_token";
const KEY_EPOCH: &str = "sync_epoch";
const KEY_UPLOADED: &str = "sync_uploaded";
const KEY_CURSOR: &str = "sync_cursor";
const KEY_REVOKED: &str = "device_revoked";
const KEY_PUSH_ALL_UNTIL: &str = "sync_push_all_until";
const KEY_LAST_SUCCESS: &str = "sync_last_success";
const KEY_LAST_ERROR: &str = "sync_last_error";
const KEY_SKEW: &str = "sync_clock_skew_ms";
const KEY_SERVER_CA: &str = "sync_server_ca";

/// Set once this store found changes written on it missing from a pull: from then on it pulls
/// its own changes too.
const KEY_PULL_OWN: &str = "pull_own_changes";

impl Store {
    /// Saves the server, team and device token this replica was enrolled with.
    pub fn set_enrollment(&mut self, server: &str, team: &str, token: &str) -> Result<(), StoreError> {
        let same = meta::get(&self.conn, KEY_SERVER)?.as_deref() == Some(server)
            && meta::get(&self.conn, KEY_TEAM)?.as_deref() == Some(team);
        let tx = self.conn.transaction()?;
        if !same {
            // Another server or team: its log numbers mean nothing here. Start over with it.
            tx.execute(
                "DELETE FROM meta WHERE key IN (?1, ?2, ?3, ?4)",
                params![KEY_EPOCH, KEY_UPLOADED, KEY_CURSOR, KEY_PUSH_ALL_UNTIL],
            )?;
        }
        meta::set(&tx, KEY_SERVER, server)?;
        meta::set(&tx, KEY_TEAM, team)?;
        meta::set(&tx, KEY_TOKEN, token)?;
        tx.commit()?;
        Ok(())
    }

    /// Keeps the team's own certificate authority (PEM) the server's certificate must chain to,
    /// or forgets it (the system's trusted authorities then decide).
    pub fn set_server_ca(&mut self, pem: Option<&str>) -> Result<(), StoreError> {
        match pem {
            Some(pem) => meta::set(&self.conn, KEY_SERVER_CA, pem),
            None => {
                self.conn.execute("DELETE FROM meta WHERE key = ?1", [KEY_SERVER_CA])?;
                Ok(())
            }
        }
    }

    /// The team's certificate authority, when one was given at enrollment.
    pub fn server_ca(&self) -> Result<Option<String>, StoreError> {
        meta::get(&self.conn, KEY_SERVER_CA)
    }

    /// The server address and device token, once enrolled.
    pub fn enrollment(&self) -> Result<Option<(String, String)>, StoreError> {
        Ok(
            match (meta::get(&self.conn, KEY_SERVER)?, meta::get(&self.conn, KEY_TOKEN)?) {
                (Some(server), Some(token)) => Some((server, token)),
                _ => None,
            },
        )
    }

    pub fn sync_position(&self) -> Result<SyncPosition, StoreError> {
        let number = |key| -> Result<Option<i64>, StoreError> {
            meta::get(&self.conn, key)?
                .map(|t| t.parse().map_err(|_| StoreError::Corrupt(key.to_owned())))
                .transpose()
        };
        Ok(SyncPosition {
            epoch: meta::get(&self.conn, KEY_EPOCH)?
                .map(|t| t.parse().map_err(|_| StoreError::Corrupt(KEY_EPOCH.into())))
                .transpose()?,
            uploaded: number(KEY_UPLOADED)?.unwrap_or(0),
            cursor: number(KEY_CURSOR)?.unwrap_or(0) as u64,
        })
    }

    /// Pulls everything again from the start (idempotently): after a member with another role
    /// signs in on this device, what the server left out before may now be sent.
    pub fn reset_pull_cursor(&mut self) -> Result<(), StoreError> {
        meta::set(&self.conn, KEY_CURSOR, "0")
    }

    /// Remembers that the server revoked this device while it still held records the server
    /// does not have: until they are dealt with, only sync opens.
    pub fn mark_revoked(&mut self) -> Result<(), StoreError> {
        meta::set(&self.conn, KEY_REVOKED, "1")
    }

    pub fn is_marked_revoked(&self) -> Result<bool, StoreError> {
        Ok(meta::get(&self.conn, KEY_REVOKED)?.as_deref() == Some("1"))
    }

    /// A new (or restored) server: start over with it, uploading again what it may lack: this
    /// device's own changes, and on a team lead's device every change it holds.
    pub fn reset_for_epoch(&mut self, epoch: Uuid) -> Result<(), StoreError> {
        self.in_write_transaction(|store| {
            // Only a team lead's (or admin's) device uploads what others wrote (the server refuses
            // it from any other): every other device uploads its own changes again.
            let relays = matches!(
                meta::get(&store.conn, "member_role")?.as_deref(),
                Some("team_lead" | "admin")
            );
            let max_seq: i64 = if relays {
                store
                    .conn
                    .query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get(0))?
            } else {
                0
            };
            meta::set(&store.conn, KEY_EPOCH, &epoch.to_string())?;
            meta::set(&store.conn, KEY_UPLOADED, "0")?;
            meta::set(&store.conn, KEY_CURSOR, "0")?;
            meta::set(&store.conn, KEY_PUSH_ALL_UNTIL, &max_seq.to_string())?;
            Ok(())
        })
    }

    /// Changes to upload after local position `after`: this device's own, and after a new epoch
    /// everything it held then; never quarantined ones.
    pub fn pending_changes(&self, after: i64, limit: usize) -> Result<Vec<(i64, Change)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT seq, id, entity, entity_id, fields, base, hlc, author, device, schema_version
             FROM changes WHERE {PENDING} ORDER BY seq LIMIT ?3"
        ))?;
        crate::read_changes(&mut stmt, params![after, self.push_all_until()?, limit as i64])
    }

    /// How many changes wait to be uploaded.
    pub fn pending_count(&self) -> Result<i64, StoreError> {
        let uploaded = self.sync_position()?.uploaded;
        Ok(self.conn.query_row(
            &format!("SELECT count(*) FROM changes WHERE {PENDING}"),
            params![uploaded, self.push_all_until()?],
            |r| r.get(0),
        )?)
    }

    /// The clock difference with the server seen at the last successful sync, in ms.
    pub fn last_clock_skew_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(meta::get(&self.conn, KEY_SKEW)?.and_then(|t| t.parse().ok()))
    }

    /// Saves that the server confirmed every change up to local position `uploaded`.
    pub fn save_uploaded(&mut self, uploaded: i64) -> Result<(), StoreError> {
        meta::set(&self.conn, KEY_UPLOADED, &uploaded.to_string())
    }

    /// Moves refused changes out of the upload queue; they stay in the log, with the reason.
    pub fn quarantine(&mut self, refused: &[Refusal], now: DateTime<Utc>) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO quarantine (change_id, reason, at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(change_id) DO UPDATE SET reason = excluded.reason",
            )?;
            for r in refused {
                insert.execute(params![r.change.to_string(), r.reason, now.to_rfc3339()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The changes the server refused, with its reason and when; oldest first.
    pub fn quarantined(&self) -> Result<Vec<(Change, String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.seq, c.id, c.entity, c.entity_id, c.fields, c.base, c.hlc, c.author, c.device, c.schema_version
             FROM changes c JOIN quarantine q ON q.change_id = c.id ORDER BY c.seq",
        )?;
        let changes = crate::read_changes(&mut stmt, [])?;
        let mut reasons = self
            .conn
            .prepare_cached("SELECT reason, at FROM quarantine WHERE change_id = ?1")?;
        changes
            .into_iter()
            .map(|(_, change)| {
                let (reason, at) = reasons.query_row([change.id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok((change, reason, at))
            })
            .collect()
    }

    /// The refused changes for the sync screen: what they were about and why.
    pub fn refused_changes(&self) -> Result<Vec<Refused>, StoreError> {
        let mut out = Vec::new();
        for (change, reason, at) in self.quarantined()? {
            let id = change.entity_id.to_string();
            let mother_name = match apply::mother_of(&self.conn, change.entity, &id) {
                Ok(Some(m)) => apply::read(&self.conn, EntityKind::Mother, &m, "full_name")?
                    .as_str()
                    .map(str::to_owned),
                _ => None,
            };
            out.push(Refused {
                entity: change.entity,
                mother_name,
                fields: change.fields.keys().cloned().collect(),
                reason,
                at,
            });
        }
        Ok(out)
    }

    /// Once the server's time (`server_ms`) is known: re-stamps every change written here under
    /// a clock so far ahead that the server would refuse it, and puts changes refused before for
    /// their time back in the upload queue. Returns how many were re-stamped.
    ///
    /// A change stamped more than the allowed drift past the server's time now was never stored
    /// by the server (it refused such stamps then too, its clock only moves forward), so no one
    /// else has seen it: it gets a new id and a stamp after every other stamp this device holds,
    /// in its old order, and every reference to its old version (later changes' bases, the merge
    /// metadata) follows. The order of all versions is unchanged, so the merged state is too; and
    /// nothing a nurse wrote waits for real time to catch up with a clock that was once wrong.
    pub fn restamp_ahead(&mut self, server_ms: u64, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let limit = server_ms.saturating_add(lohusa_core::hlc::MAX_FORWARD_DRIFT_MS);
        let device = self.device;
        self.in_write_transaction(|store| {
            let tx = &store.conn;
            // Refused before for a stamp the server now accepts, or for editing a record the
            // server did not hold yet (after a restore, until its maker uploads it again): queue
            // them again. A change that itself clears a required field stays refused: sending it
            // again would be refused again, at every sync.
            let mut requeue: Vec<(String, i64)> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT c.id, c.seq, c.hlc, q.reason, c.entity, c.fields FROM changes c
                     JOIN quarantine q ON q.change_id = c.id
                     WHERE q.reason IN ('clock_ahead', 'missing_required_field')",
                )?;
                crate::collect_rows(&mut stmt, [], |row| {
                    let hlc: Hlc = row
                        .get::<_, String>(2)?
                        .parse()
                        .map_err(|_| StoreError::Corrupt("clock stamp".into()))?;
                    let clears_one = match (
                        lohusa_core::EntityKind::parse(&row.get::<_, String>(4)?),
                        serde_json::from_str::<lohusa_core::FieldValues>(&row.get::<_, String>(5)?),
                    ) {
                        (Some(entity), Ok(fields)) => {
                            lohusa_core::fields::missing_required(entity, &fields, false).is_some()
                        }
                        _ => true,
                    };
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        hlc,
                        row.get::<_, String>(3)?,
                        clears_one,
                    ))
                })?
                .into_iter()
                .filter(|(_, _, hlc, reason, clears_one)| match reason.as_str() {
                    "clock_ahead" => hlc.wall_ms <= limit,
                    _ => !clears_one,
                })
                .map(|(id, seq, _, _, _)| (id, seq))
                .collect()
            };
            // Nothing can be ahead when this device's own clock stamp is not (stamps never pass it).
            let clock = meta::load_hlc(tx)?;
            let mut restamped = 0;
            if clock.wall_ms > limit {
                // Stamps are fixed-width hex, so text order is stamp order.
                let limit_text = Hlc {
                    wall_ms: limit,
                    counter: u32::MAX,
                }
                .to_string();
                let ahead = {
                    let mut stmt = tx.prepare_cached(
                        "SELECT seq, id, entity, entity_id, fields, base, hlc, author, device, schema_version
                         FROM changes WHERE origin = 'local' AND device = ?1 AND hlc > ?2 ORDER BY seq",
                    )?;
                    crate::read_changes(&mut stmt, params![device.to_string(), limit_text])?
                };
                let floor: Option<String> = tx.query_row(
                    "SELECT max(hlc) FROM changes WHERE NOT (origin = 'local' AND device = ?1 AND hlc > ?2)",
                    params![device.to_string(), limit_text],
                    |r| r.get(0),
                )?;
                let floor: Hlc = match floor {
                    Some(text) => text.parse().map_err(|_| StoreError::Corrupt("clock stamp".into()))?,
                    None => Hlc::default(),
                };
                let mut stamp = floor.tick(server_ms);
                let mut renamed = std::collections::BTreeMap::new();
                let mut entities = std::collections::BTreeMap::new();
                for (seq, mut change) in ahead {
                    let (old, old_id) = (change.version(), change.id);
                    change.hlc = stamp;
                    change.id = lohusa_core::ChangeId(crate::clock::id_at(now));
                    for versions in change.base.values_mut() {
                        for v in versions.iter_mut() {
                            if let Some(new) = renamed.get(v) {
                                *v = *new;
                            }
                        }
                    }
                    renamed.insert(old, change.version());
                    entities.insert(change.entity_id, change.entity);
                    let base = if change.base.is_empty() {
                        None
                    } else {
                        Some(serde_json::to_string(&change.base).map_err(|e| StoreError::Corrupt(e.to_string()))?)
                    };
                    tx.execute("DELETE FROM quarantine WHERE change_id = ?1", [old_id.to_string()])?;
                    tx.execute(
                        "UPDATE changes SET id = ?1, hlc = ?2, base = ?3 WHERE seq = ?4",
                        params![change.id.to_string(), change.hlc.to_string(), base, seq],
                    )?;
                    requeue.push((change.id.to_string(), seq));
                    stamp = stamp.tick(server_ms);
                    restamped += 1;
                }
                for (entity_id, entity) in entities {
                    let mut entity_meta = entity_meta::load(tx, entity_id)?;
                    entity_meta.rename_versions(&renamed);
                    entity_meta::save(tx, entity, entity_id, &entity_meta)?;
                }
                // The clock goes on from the last new stamp: later writes sort after them.
                meta::save_hlc(tx, renamed.values().map(|v| v.hlc).max().unwrap_or(floor).max(floor))?;
            }
            store.requeue(&requeue)?;
            Ok(restamped)
        })
    }

    /// Puts every quarantined change back in the upload queue (after the server was fixed or
    /// upgraded); the next sync sends them again.
    pub fn retry_quarantined(&mut self) -> Result<usize, StoreError> {
        let all: Vec<(String, i64)> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT c.id, c.seq FROM changes c JOIN quarantine q ON q.change_id = c.id")?;
            crate::collect_rows(&mut stmt, [], |row| Ok((row.get(0)?, row.get(1)?)))?
        };
        self.requeue(&all)
    }

    /// Takes changes (id, local position) out of the quarantine and, if the upload position has
    /// passed them, steps it back to just before the first.
    fn requeue(&mut self, changes: &[(String, i64)]) -> Result<usize, StoreError> {
        let Some(first) = changes.iter().map(|(_, seq)| *seq).min() else {
            return Ok(0);
        };
        self.in_write_transaction(|store| {
            for (id, _) in changes {
                store
                    .conn
                    .execute("DELETE FROM quarantine WHERE change_id = ?1", [id])?;
            }
            if first <= store.sync_position()?.uploaded {
                meta::set(&store.conn, KEY_UPLOADED, &(first - 1).to_string())?;
            }
            Ok(changes.len())
        })
    }

    /// Applies a pulled batch and saves `cursor` in the same transaction. Changes already held
    /// are skipped; every other one is logged, merged per field and shown where it wins.
    ///
    /// `server_time_ms` stands in for this device's clock when the device's is behind, so a
    /// Checks that this store holds every change the server left out of a pull as written on
    /// this device. When some are missing, it remembers to pull its own changes from now on
    /// (`pulls_own_changes`) and refuses, so the batch is not applied and its cursor not saved.
    pub fn check_own_changes(&mut self, own: &[lohusa_core::ChangeId]) -> Result<(), StoreError> {
        if own.is_empty() {
            return Ok(());
        }
        let ids = serde_json::to_string(&own.iter().map(|c| c.to_string()).collect::<Vec<_>>())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let held: i64 = self.conn.query_row(
            "SELECT count(*) FROM changes WHERE id IN (SELECT value FROM json_each(?1))",
            [&ids],
            |r| r.get(0),
        )?;
        let missing = own.len().saturating_sub(held as usize);
        if missing == 0 {
            return Ok(());
        }
        meta::set(&self.conn, KEY_PULL_OWN, "1")?;
        Err(StoreError::OwnChangesMissing { missing })
    }

    /// Whether the next pulls ask for this device's own changes too (it found some missing, and
    /// no sync has finished since).
    pub fn pulls_own_changes(&self) -> Result<bool, StoreError> {
        Ok(meta::get(&self.conn, KEY_PULL_OWN)?.is_some())
    }

    /// A sync finished, pulling to the end of the log: if it was asking for this device's own
    /// changes, it has them all now, and pulls leave them out again.
    pub fn own_changes_recovered(&mut self) -> Result<(), StoreError> {
        if self.pulls_own_changes()? {
            self.conn.execute("DELETE FROM meta WHERE key = ?1", [KEY_PULL_OWN])?;
        }
        Ok(())
    }
    /// tablet with a wrong date still orders its next writes after what it received.
    pub fn apply_pulled(
        &mut self,
        changes: &[Change],
        cursor: u64,
        now: DateTime<Utc>,
        server_time_ms: u64,
    ) -> Result<usize, StoreError> {
        let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0).max(server_time_ms);
        // What each change needs that reads nothing from the store (its log text, the checks
        // of its values) is worked out on a second thread, a few changes ahead of this one.
        std::thread::scope(|scope| {
            let (send, prepared) = std::sync::mpsc::sync_channel::<Result<Vec<Prepared<'_>>, StoreError>>(4);
            scope.spawn(move || {
                for chunk in changes.chunks(PREPARED_CHUNK) {
                    let chunk = chunk.iter().map(Prepared::of).collect();
                    // The applying side stopped (an error): nothing more is needed.
                    if send.send(chunk).is_err() {
                        break;
                    }
                }
            });
            let mut chunk = Vec::new().into_iter();
            let mut next_prepared = || -> Result<Prepared<'_>, StoreError> {
                if chunk.len() == 0 {
                    let unprepared = || StoreError::Corrupt("a received change was not prepared".into());
                    chunk = prepared.recv().map_err(|_| unprepared())??.into_iter();
                }
                chunk
                    .next()
                    .ok_or_else(|| StoreError::Corrupt("an empty chunk of received changes".into()))
            };
            self.in_write_transaction(|store| {
                let tx = &store.conn;
                let mut hlc = meta::load_hlc(tx)?;
                let mut applied = 0;
                // The mothers this batch has marked stale so far.
                let mut marked = std::collections::HashSet::new();
                for change in changes {
                    let ready = next_prepared()?;
                    if !crate::append_logged(tx, change, &ready.log, "remote")? {
                        continue;
                    }
                    let seq = tx.last_insert_rowid();
                    applied += 1;
                    hlc = observe(hlc, change.hlc, now_ms);
                    let mut entity = entity_meta::load(tx, change.entity_id)?;
                    // A record with fields already has a mother a change may move it from.
                    let existed = !entity.fields.is_empty();
                    // Written whole by this change (most of what a new tablet receives): every
                    // field is this change's, as merging would leave it, and the metadata is
                    // this change.
                    let whole = entity.written_whole_by(change);
                    let mut visible = if whole {
                        std::borrow::Cow::Borrowed(&change.fields)
                    } else {
                        std::borrow::Cow::Owned(entity_meta::merge(tx, &mut entity, change)?.visible)
                    };
                    // A value that breaks the core's rules (a server of an older version may have
                    // let it in) stays in the change log only: it never stops a list.
                    for (field, problem) in &ready.not_applied {
                        if visible.contains_key(*field) {
                            visible.to_mut().remove(*field);
                            if let Some(problem) = problem {
                                eprintln!(
                                    "lohusa-store: {}.{field} of change {} not applied: {problem}",
                                    change.entity.as_str(),
                                    change.id,
                                );
                            }
                        }
                    }
                    if !visible.is_empty() {
                        if existed {
                            crate::flag_cache::touch_moved(tx, change.entity, change.entity_id, &visible)?;
                        }
                        // The answers worked out ahead are for the change's fields as they came.
                        let first_answers = match &visible {
                            std::borrow::Cow::Borrowed(_) => ready.first_answers.as_deref(),
                            std::borrow::Cow::Owned(_) => None,
                        };
                        apply_received(tx, change.entity, change.entity_id, &visible, first_answers)?;
                    }
                    if whole {
                        entity_meta::save_written_by(tx, change.entity, change.entity_id, seq, change.version())?;
                    } else {
                        entity_meta::save(tx, change.entity, change.entity_id, &entity)?;
                    }
                    // Her lists' flags are stale; a visit her deletion's writer never saw shows her again.
                    if let Some(mother) =
                        crate::flag_cache::touch(tx, change.entity, change.entity_id, &visible, &mut marked)?
                    {
                        crate::corrections::reconsider_deletion(tx, &mother)?;
                    }
                }
                meta::save_hlc(tx, hlc)?;
                meta::set(tx, KEY_CURSOR, &cursor.to_string())?;
                Ok(applied)
            })
        })
    }

    /// Records the end of a sync attempt: success (with the clock skew seen) or the error.
    pub fn record_sync_result(&mut self, result: Result<i64, &str>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        match result {
            Ok(skew) => {
                meta::set(&tx, KEY_LAST_SUCCESS, &now.to_rfc3339())?;
                meta::set(&tx, KEY_SKEW, &skew.to_string())?;
                tx.execute("DELETE FROM meta WHERE key = ?1", [KEY_LAST_ERROR])?;
            }
            Err(message) => meta::set(&tx, KEY_LAST_ERROR, message)?,
        }
        tx.commit()?;
        Ok(())
    }

    /// When this device last finished a sync.
    pub fn last_sync_success(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(meta::get(&self.conn, KEY_LAST_SUCCESS)?
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    pub fn sync_status(&self) -> Result<SyncStatus, StoreError> {
        let position = self.sync_position()?;
        let pending = self.pending_count()?;
        let quarantined: i64 = self
            .conn
            .query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0))?;
        let drafts: i64 = self
            .conn
            .query_row("SELECT count(*) FROM visit_drafts", [], |r| r.get(0))?;
        let server = meta::get(&self.conn, KEY_SERVER)?;
        Ok(SyncStatus {
            safe_to_hand_over: server.is_some() && pending == 0 && quarantined == 0 && drafts == 0,
            drafts,
            server,
            team: meta::get(&self.conn, KEY_TEAM)?,
            pending,
            quarantined,
            cursor: position.cursor,
            open_conflicts: self.conflicts()?.len() as i64,
            last_success: self.last_sync_success()?,
            last_error: meta::get(&self.conn, KEY_LAST_ERROR)?,
            clock_skew_ms: self.last_clock_skew_ms()?,
        })
    }

    /// The open conflicts: fields whose concurrent value differs from the one shown.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT entity, entity_id, meta FROM entity_meta WHERE has_heads = 1")?;
        let rows = crate::collect_rows(&mut stmt, [], |row| {
            let entity: String = row.get(0)?;
            let id: String = row.get(1)?;
            let meta: String = row.get(2)?;
            let corrupt = || StoreError::Corrupt(format!("metadata of {id}"));
            Ok((
                EntityKind::parse(&entity).ok_or_else(corrupt)?,
                id.clone(),
                serde_json::from_str::<lohusa_core::EntityMeta>(&meta).map_err(|_| corrupt())?,
            ))
        })?;
        // On a tablet shared by several roles, each member sees the conflicts of what her own
        // role may read (a member the server has not confirmed yet: what this device holds).
        let role = self.local_member()?.and_then(|m| m.role);
        let mut out = Vec::new();
        for (entity, id, mut meta) in rows {
            if let Some(role) = role {
                meta.heads
                    .retain(|field, _| lohusa_core::access::may_read(role, entity, field));
            }
            let fields: Vec<&str> = meta.heads.keys().map(String::as_str).collect();
            let values = apply::read_fields(&self.conn, entity, &id, &fields)?;
            let shown: std::collections::BTreeMap<&str, Value> = fields.into_iter().zip(values).collect();
            let open: Vec<_> = meta
                .open_conflicts(|f| shown.get(f).cloned().unwrap_or(Value::Null))
                .map(|(f, v, h)| (f.to_owned(), v, h.clone()))
                .collect();
            if open.is_empty() {
                continue;
            }
            let entity_id: Uuid = id.parse().map_err(|_| StoreError::Corrupt(id.clone()))?;
            let mother_id = apply::mother_of(&self.conn, entity, &id)?;
            let mother_name = match &mother_id {
                Some(m) => apply::read(&self.conn, EntityKind::Mother, m, "full_name")?
                    .as_str()
                    .map(str::to_owned),
                None => None,
            };
            for (field, version, other) in open {
                let shown_author = entity_meta::written(&self.conn, entity, entity_id, &field, version)?.map(|w| w.1);
                let shown_author_name = match shown_author {
                    Some(a) => self.member_name(a)?,
                    None => None,
                };
                let other_author_name = self.member_name(other.author)?;
                let visit_number = match entity {
                    EntityKind::Visit => apply::read(&self.conn, entity, &id, "number")?
                        .as_u64()
                        .map(|n| n as u8),
                    _ => None,
                };
                out.push(Conflict {
                    visit_number,
                    shown_author_name,
                    other_author_name,
                    entity,
                    entity_id,
                    mother_id: mother_id.as_ref().and_then(|m| m.parse().ok()),
                    mother_name: mother_name.clone(),
                    shown_value: shown[field.as_str()].clone(),
                    field,
                    shown_version: version,
                    shown_author,
                    other,
                });
            }
        }
        Ok(out)
    }

    /// Resolves a conflict by writing `value` (usually one of the two) over every concurrent
    /// value of the field. The resolution is a change like any other and syncs.
    pub fn resolve_conflict(
        &mut self,
        entity: EntityKind,
        entity_id: Uuid,
        field: &str,
        value: Value,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<Change, StoreError> {
        self.in_write_transaction(|store| {
            let meta = entity_meta::load(&store.conn, entity_id)?;
            let replaces = meta.base_for(field, true);
            if replaces.len() < 2 {
                return Err(StoreError::NotFound {
                    entity: "conflict",
                    id: format!("{entity_id}/{field}"),
                });
            }
            let write = EntityWrite {
                entity,
                entity_id,
                fields: [(field.to_owned(), value)].into(),
                also_replaces: [(field.to_owned(), replaces)].into(),
            };
            Ok(store.write_within(&[write], author, now)?.remove(0))
        })
    }

    fn push_all_until(&self) -> Result<i64, StoreError> {
        Ok(meta::get(&self.conn, KEY_PUSH_ALL_UNTIL)?
            .and_then(|t| t.parse().ok())
            .unwrap_or(0))
    }
}

/// How many received changes the preparing thread hands over at a time.
const PREPARED_CHUNK: usize = 64;

/// What applying a received change needs that reads nothing from the store.
struct Prepared<'a> {
    /// Its fields and bases as the change log holds them.
    log: crate::LogText,
    /// Its fields this store does not apply: unknown here (a newer app's field), or with a value
    /// that breaks the core's rules (with the rule).
    not_applied: Vec<(&'a str, Option<&'static str>)>,
    /// For a visit's change that replaces nothing: its answers as the visit's answers column
    /// holds them when the visit held none before (`apply::answers_text`).
    first_answers: Option<String>,
}

impl<'a> Prepared<'a> {
    fn of(change: &'a Change) -> Result<Prepared<'a>, StoreError> {
        let not_applied = change
            .fields
            .iter()
            .filter_map(|(field, value)| {
                if !apply::known(change.entity, field) {
                    return Some((field.as_str(), None));
                }
                let fits = lohusa_core::fields::check_value(change.entity, field, value);
                fits.err().map(|problem| (field.as_str(), Some(problem.as_str())))
            })
            .collect();
        let first_answers = (change.entity == EntityKind::Visit && change.base.is_empty())
            .then(|| apply::first_answers(&change.fields))
            .flatten();
        Ok(Prepared {
            log: crate::LogText::of(change)?,
            not_applied,
            first_answers,
        })
    }
}

/// Applies received field values to the state tables (`first_answers`: what `Prepared` worked
/// out for exactly these fields). A value that does not fit its column here (sent by a newer app
/// or a faulty client) must not stop every later batch: the fields are then applied one by one
/// and a value that does not fit stays in the change log only.
fn apply_received(
    conn: &rusqlite::Connection,
    entity: EntityKind,
    entity_id: Uuid,
    fields: &lohusa_core::FieldValues,
    first_answers: Option<&str>,
) -> Result<(), StoreError> {
    let does_not_fit = |error: &StoreError| {
        matches!(error, StoreError::Sqlite(e)
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation))
    };
    match apply::apply_fields(conn, entity, entity_id, fields, first_answers) {
        Err(error) if does_not_fit(&error) => {
            for (field, value) in fields {
                let single = [(field.clone(), value.clone())].into();
                match apply::apply_fields(conn, entity, entity_id, &single, None) {
                    // Only the field's name is logged, never its value.
                    Err(error) if does_not_fit(&error) => {
                        eprintln!(
                            "lohusa: a received {} {field} value does not fit; kept in the log only",
                            entity.as_str()
                        )
                    }
                    other => other?,
                }
            }
            Ok(())
        }
        other => other,
    }
}

/// Moves the clock past a received stamp. A stamp too far ahead (refused by the server, so only
/// from a damaged log) is not adopted.
fn observe(hlc: Hlc, remote: Hlc, now_ms: u64) -> Hlc {
    hlc.observe(remote, now_ms).unwrap_or(hlc)
}
