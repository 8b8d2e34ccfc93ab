//! The sync protocol between a replica and the central server, as messages and a state machine.
//!
//! The machine never touches a network or a file: `next` says what to do (send a request, read
//! pending changes, apply a pulled batch, save a position) and the driver does it and reports
//! back. The same machine runs in the app, the command line and the simulation tests.
//!
//! A sync is: ask the server who it is (its epoch and time), push every change the server has not
//! confirmed, in batches, then pull everything after the saved cursor, in batches. Positions move
//! only after the server confirmed (pushes) or in the same transaction as the applied batch
//! (pulls), so a sync cut at any point resumes without losing or doubling anything.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::change::Change;
use crate::ids::ChangeId;

/// The request path prefix; bumped when the protocol changes incompatibly.
pub const API_PREFIX: &str = "/v1";
/// Changes per push request.
pub const PUSH_BATCH: usize = 2500;
/// Changes per pull response.
pub const PULL_BATCH: usize = 2000;
/// The most changes a server takes in one push.
pub const MAX_PUSH_CHANGES: usize = 5000;
/// A clock difference with the server above which the app warns the user.
pub const CLOCK_SKEW_WARNING_MS: i64 = 5 * 60 * 1000;

/// A member code typed on a device, with the id the device already writes her changes under
/// (kept by the server on her first claim).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimRequest {
    pub code: String,
    #[serde(default)]
    pub member_id: Option<crate::ids::MemberId>,
}

/// The member a code bound to the device: her changes are accepted from it from now on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ClaimedMember {
    pub id: crate::ids::MemberId,
    pub name: String,
    pub role: crate::access::Role,
}

/// A member of the team as the team lead manages her (`num` is the server's handle, set before
/// she ever signs in; `id` once she has).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TeamMember {
    #[ts(type = "number")]
    pub num: i64,
    pub id: Option<crate::ids::MemberId>,
    pub name: String,
    pub role: crate::access::Role,
    pub active: bool,
    /// The devices she signed in on.
    pub devices: Vec<String>,
}

/// A member the team lead adds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct NewMember {
    pub name: String,
    pub role: crate::access::Role,
}

/// A one-time code the server made (shown once; it keeps only a hash).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct IssuedCode {
    pub code: String,
    #[ts(type = "number")]
    pub expires_ms: u64,
}

/// How long a member code and a device's enrollment code stay valid.
pub const MEMBER_CODE_HOURS: u64 = 72;
pub const ENROLLMENT_CODE_HOURS: u64 = 24;

/// The server's identity. The epoch changes when its database is replaced or restored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ServerIdentity {
    #[ts(type = "string")]
    pub epoch: Uuid,
    pub team: String,
    /// The highest sequence number in the team's log.
    #[ts(type = "number")]
    pub head_seq: u64,
    #[ts(type = "number")]
    pub server_time_ms: u64,
    /// Members who signed in on this device and were revoked since: the device forgets them.
    #[serde(default)]
    pub revoked_members: Vec<crate::ids::MemberId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub changes: Vec<Change>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Changes stored now.
    pub accepted: usize,
    /// Changes the server already held (a retried batch).
    pub duplicates: usize,
    pub epoch: Uuid,
    pub server_time_ms: u64,
}

/// A change the server refused, and why (a stable reason code).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Refusal {
    pub change: ChangeId,
    pub reason: String,
}

/// One change as the server's log holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sequenced {
    pub seq: u64,
    pub change: Change,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Sequenced>,
    /// The ids of this device's own changes the server left out of this batch (asked for with
    /// `others_only`): the device checks it holds every one, else it asks for them next time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub own: Vec<ChangeId>,
    /// The cursor to save with this batch.
    pub cursor: u64,
    pub more: bool,
    pub epoch: Uuid,
    pub server_time_ms: u64,
}

/// What a replica has saved about its sync with the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncPosition {
    /// The server epoch the positions below belong to.
    pub epoch: Option<Uuid>,
    /// Local log position up to which the server confirmed every change.
    pub uploaded: i64,
    /// Server sequence number up to which this replica applied the team's log.
    pub cursor: u64,
}

/// What a device tells the server about itself after each successful sync, for the team lead's
/// tablets view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct DeviceReport {
    pub app_version: String,
    /// The member signed in on it.
    pub member: Option<String>,
    /// Changes written on it and not confirmed by the server yet.
    pub pending: u32,
    /// Fields with two values waiting for someone to choose.
    pub conflicts: u32,
    /// Changes the server refused, kept on the device with the reason.
    pub quarantined: u32,
}

/// The longest a report's texts may be.
pub const MAX_REPORT_TEXT: usize = 100;

/// A device silent for longer than this stands out in the tablets view.
pub const SILENT_AFTER_DAYS: i64 = 3;

/// An enrolled device out of touch with the server for longer than this locks every screen but
/// sync until it reaches the server again (a lost tablet stops showing records on its own).
pub const LEASE_DAYS: i64 = 14;

/// Whether an enrolled device whose last successful sync was `last_success` is past its lease.
/// A device that never synced yet is not: it syncs the moment it is set up.
pub fn lease_expired(last_success: Option<chrono::DateTime<chrono::Utc>>, now: chrono::DateTime<chrono::Utc>) -> bool {
    last_success.is_some_and(|at| now - at > chrono::Duration::days(LEASE_DAYS))
}

/// An enrolled device as the team lead sees it: its last contact and last report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TeamDevice {
    pub id: String,
    pub name: String,
    #[ts(type = "number")]
    pub enrolled_ms: i64,
    /// Its last request of any kind.
    #[ts(type = "number | null")]
    pub last_seen_ms: Option<i64>,
    /// Its last successful sync (when it last reported).
    #[ts(type = "number | null")]
    pub last_sync_ms: Option<i64>,
    /// From its last report; `None` before the first.
    pub report: Option<DeviceReport>,
}

/// A request the driver sends.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Identity,
    Push(PushRequest),
    Pull { after: u64, limit: usize },
}

/// What the server answered (or that it refused part of a push).
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    Identity(ServerIdentity),
    Pushed(PushResponse),
    Refused(Vec<Refusal>),
    Pulled(PullResponse),
}

/// What the driver must do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Send(Request),
    /// The server is new or restored: forget the cursor and upload every change held, local or
    /// not, as it may lack any of them. Then call `position_reset`.
    ResetForEpoch {
        epoch: Uuid,
    },
    /// Re-stamp the changes written under a clock so far ahead of the server's (`server_time_ms`)
    /// that it would refuse them, and queue again those refused before for their time, then call
    /// `restamped` with the upload position. No one else has seen them, so nothing is withheld
    /// from the team because a tablet's clock was once wrong (ARCHITECTURE.md, "Clocks").
    Restamp {
        server_time_ms: u64,
    },
    /// Read up to `limit` changes after local position `after` to push, then call `pending`.
    ReadPending {
        after: i64,
        limit: usize,
    },
    /// Save that the server confirmed everything up to `uploaded`, then call `saved`.
    SaveUploaded {
        uploaded: i64,
    },
    /// Move the refused changes out of the upload queue (kept, with the reason), then call `saved`.
    Quarantine(Vec<Refusal>),
    /// Apply the batch and save `cursor` in the same transaction, then call `saved`. When `more`,
    /// the next request will be a pull after `cursor` (a driver may start it early).
    Apply {
        changes: Vec<Change>,
        /// This device's own changes left out of the batch, which it must hold already.
        own: Vec<ChangeId>,
        cursor: u64,
        more: bool,
    },
    Done(Report),
}

/// What a finished sync did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Report {
    pub pushed: usize,
    pub pulled: usize,
    pub refused: usize,
    /// Server clock minus this device's clock, in ms.
    #[ts(type = "number")]
    pub clock_skew_ms: i64,
    pub new_epoch: bool,
    /// Changes re-stamped because this device's clock was ahead of the server's.
    pub restamped: usize,
    /// Members of this device the server says were revoked.
    pub revoked_members: Vec<crate::ids::MemberId>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    #[error("the server answered {got} when {expected} was expected")]
    Unexpected { expected: &'static str, got: &'static str },
    #[error("the server's epoch changed during the sync")]
    EpochChanged,
    /// A pull answer that does not move past what was asked while saying more is to come (the
    /// sync would ask the same again forever), or that moves back.
    #[error("the server's pull answer did not move forward: asked after {after}, told {cursor} (more to come: {more})")]
    CursorNotAdvancing { after: u64, cursor: u64, more: bool },
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Identify,
    WaitIdentity,
    /// Waiting for the driver to re-stamp; then reset for this new epoch, if any.
    WaitRestamp {
        reset: Option<Uuid>,
    },
    ReadPending,
    WaitPending,
    WaitPush {
        last: i64,
        count: usize,
    },
    WaitSave,
    Pull,
    WaitPull,
    WaitApply {
        more: bool,
    },
    Finished,
}

/// One sync, from the saved position to done.
pub struct SyncMachine {
    position: SyncPosition,
    phase: Phase,
    now_ms: u64,
    epoch: Option<Uuid>,
    report: Report,
}

impl SyncMachine {
    /// `now_ms` is this device's clock when the sync starts, to measure skew.
    pub fn new(position: SyncPosition, now_ms: u64) -> SyncMachine {
        SyncMachine {
            position,
            phase: Phase::Identify,
            now_ms,
            epoch: None,
            report: Report::default(),
        }
    }

    pub fn report(&self) -> &Report {
        &self.report
    }

    /// While a push is in flight, the local position it ends at: the next pending batch starts
    /// after it (a driver may read it early).
    pub fn pushing_upto(&self) -> Option<i64> {
        match self.phase {
            Phase::WaitPush { last, .. } => Some(last),
            _ => None,
        }
    }

    /// The next step. Call again after reporting the result of a step that asks for one.
    #[allow(
        clippy::should_implement_trait,
        reason = "a step of a state machine that waits for answers, not an iterator"
    )]
    pub fn next(&mut self) -> Step {
        match self.phase {
            Phase::Identify => {
                self.phase = Phase::WaitIdentity;
                Step::Send(Request::Identity)
            }
            Phase::ReadPending => {
                self.phase = Phase::WaitPending;
                Step::ReadPending {
                    after: self.position.uploaded,
                    limit: PUSH_BATCH,
                }
            }
            Phase::Pull => {
                self.phase = Phase::WaitPull;
                Step::Send(Request::Pull {
                    after: self.position.cursor,
                    limit: PULL_BATCH,
                })
            }
            Phase::Finished => Step::Done(self.report.clone()),
            ref waiting => panic!("sync step asked for while waiting ({waiting:?})"),
        }
    }

    /// Takes the server's answer to the last request. A changed epoch yields a reset step.
    pub fn receive(&mut self, response: Response) -> Result<Option<Step>, ProtocolError> {
        match (&self.phase, response) {
            (Phase::WaitIdentity, Response::Identity(identity)) => {
                self.report.clock_skew_ms = identity.server_time_ms as i64 - self.now_ms as i64;
                self.report.revoked_members = identity.revoked_members.clone();
                self.epoch = Some(identity.epoch);
                // A server whose log is shorter than what we pulled lost data: treat it as new.
                let went_back = identity.head_seq < self.position.cursor;
                let reset = (self.position.epoch != Some(identity.epoch) || went_back).then_some(identity.epoch);
                if reset.is_some() {
                    self.report.new_epoch = self.position.epoch.is_some();
                }
                self.phase = Phase::WaitRestamp { reset };
                Ok(Some(Step::Restamp {
                    server_time_ms: identity.server_time_ms,
                }))
            }
            (Phase::WaitPush { last, count }, Response::Pushed(pushed)) => {
                self.check_epoch(pushed.epoch)?;
                let (last, count) = (*last, *count);
                self.report.pushed += count;
                self.position.uploaded = last;
                self.phase = Phase::WaitSave;
                Ok(Some(Step::SaveUploaded { uploaded: last }))
            }
            (Phase::WaitPush { .. }, Response::Refused(refused)) => {
                self.report.refused += refused.len();
                self.phase = Phase::WaitSave;
                Ok(Some(Step::Quarantine(refused)))
            }
            (Phase::WaitPull, Response::Pulled(pulled)) => {
                self.check_epoch(pulled.epoch)?;
                let after = self.position.cursor;
                if pulled.cursor < after || (pulled.more && pulled.cursor == after) {
                    return Err(ProtocolError::CursorNotAdvancing {
                        after,
                        cursor: pulled.cursor,
                        more: pulled.more,
                    });
                }
                self.report.pulled += pulled.changes.len();
                self.position.cursor = pulled.cursor;
                self.phase = Phase::WaitApply { more: pulled.more };
                Ok(Some(Step::Apply {
                    changes: pulled.changes.into_iter().map(|s| s.change).collect(),
                    own: pulled.own,
                    cursor: pulled.cursor,
                    more: pulled.more,
                }))
            }
            (phase, got) => Err(ProtocolError::Unexpected {
                expected: match phase {
                    Phase::WaitIdentity => "the server's identity",
                    Phase::WaitPush { .. } => "a push answer",
                    Phase::WaitPull => "a pull answer",
                    _ => "nothing",
                },
                got: match got {
                    Response::Identity(_) => "its identity",
                    Response::Pushed(_) => "a push answer",
                    Response::Refused(_) => "a refusal",
                    Response::Pulled(_) => "a pull answer",
                },
            }),
        }
    }

    /// The driver re-stamped what it had to; `uploaded` is its upload position now (re-stamped
    /// changes go back in the queue, so it may have stepped back).
    pub fn restamped(&mut self, count: usize, uploaded: i64) -> Option<Step> {
        let Phase::WaitRestamp { reset } = self.phase else {
            panic!("nothing was to be re-stamped ({:?})", self.phase)
        };
        self.report.restamped = count;
        self.position.uploaded = self.position.uploaded.min(uploaded);
        match reset {
            // `position_reset` follows, and moves on.
            Some(epoch) => Some(Step::ResetForEpoch { epoch }),
            None => {
                self.phase = Phase::ReadPending;
                None
            }
        }
    }

    /// The driver reset its positions for the new epoch.
    pub fn position_reset(&mut self, epoch: Uuid) {
        self.position = SyncPosition {
            epoch: Some(epoch),
            uploaded: 0,
            cursor: 0,
        };
        self.phase = Phase::ReadPending;
    }

    /// The pending changes read from the store, with their local positions.
    pub fn pending(&mut self, batch: Vec<(i64, Change)>) -> Option<Step> {
        let Some(last) = batch.last().map(|(seq, _)| *seq) else {
            self.phase = Phase::Pull;
            return None;
        };
        self.phase = Phase::WaitPush {
            last,
            count: batch.len(),
        };
        Some(Step::Send(Request::Push(PushRequest {
            changes: batch.into_iter().map(|(_, c)| c).collect(),
        })))
    }

    /// The driver saved what the last step asked it to.
    pub fn saved(&mut self) {
        self.phase = match self.phase {
            Phase::WaitSave => Phase::ReadPending,
            Phase::WaitApply { more: true } => Phase::Pull,
            Phase::WaitApply { more: false } => Phase::Finished,
            ref other => panic!("nothing was to be saved ({other:?})"),
        };
    }

    fn check_epoch(&self, epoch: Uuid) -> Result<(), ProtocolError> {
        if self.epoch == Some(epoch) {
            Ok(())
        } else {
            Err(ProtocolError::EpochChanged)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(epoch: Uuid, head_seq: u64) -> Response {
        Response::Identity(ServerIdentity {
            epoch,
            team: "t".into(),
            head_seq,
            server_time_ms: 10_000,
            revoked_members: Vec::new(),
        })
    }

    #[test]
    fn an_empty_replica_identifies_resets_pushes_nothing_and_pulls_until_done() {
        let epoch = Uuid::from_u128(1);
        let mut m = SyncMachine::new(SyncPosition::default(), 9_000);
        assert_eq!(m.next(), Step::Send(Request::Identity));
        assert_eq!(
            m.receive(identity(epoch, 0)).unwrap(),
            Some(Step::Restamp { server_time_ms: 10_000 })
        );
        assert_eq!(m.restamped(0, 0), Some(Step::ResetForEpoch { epoch }));
        m.position_reset(epoch);
        assert_eq!(
            m.next(),
            Step::ReadPending {
                after: 0,
                limit: PUSH_BATCH
            }
        );
        assert_eq!(m.pending(vec![]), None);
        assert_eq!(
            m.next(),
            Step::Send(Request::Pull {
                after: 0,
                limit: PULL_BATCH
            })
        );
        let step = m
            .receive(Response::Pulled(PullResponse {
                changes: vec![],
                own: vec![],
                cursor: 0,
                more: false,
                epoch,
                server_time_ms: 10_000,
            }))
            .unwrap();
        assert_eq!(
            step,
            Some(Step::Apply {
                changes: vec![],
                own: vec![],
                cursor: 0,
                more: false
            })
        );
        m.saved();
        match m.next() {
            Step::Done(report) => {
                assert_eq!(report.clock_skew_ms, 1_000);
                assert!(!report.new_epoch, "a first sync is not a new epoch");
            }
            other => panic!("{other:?}"),
        }
    }

    /// A server (broken, or not the real one) that answers a pull without moving forward while
    /// saying more is to come, or moves back, ends the sync with an error instead of looping.
    #[test]
    fn a_pull_answer_that_does_not_move_forward_is_refused() {
        let epoch = Uuid::from_u128(1);
        let position = SyncPosition {
            epoch: Some(epoch),
            uploaded: 0,
            cursor: 50,
        };
        let pulled = |cursor: u64, more: bool| {
            Response::Pulled(PullResponse {
                changes: vec![],
                own: vec![],
                cursor,
                more,
                epoch,
                server_time_ms: 10_000,
            })
        };
        for (cursor, more, refused) in [
            (50, true, true),
            (49, false, true),
            (10, true, true),
            (50, false, false),
            (51, true, false),
        ] {
            let mut m = SyncMachine::new(position.clone(), 10_000);
            m.next();
            m.receive(identity(epoch, 60)).unwrap();
            assert_eq!(m.restamped(0, 0), None);
            assert!(matches!(m.next(), Step::ReadPending { .. }));
            assert_eq!(m.pending(vec![]), None);
            assert_eq!(
                m.next(),
                Step::Send(Request::Pull {
                    after: 50,
                    limit: PULL_BATCH
                })
            );
            let answer = m.receive(pulled(cursor, more));
            if refused {
                assert_eq!(
                    answer,
                    Err(ProtocolError::CursorNotAdvancing {
                        after: 50,
                        cursor,
                        more
                    }),
                    "cursor {cursor}, more {more}"
                );
            } else {
                assert!(
                    matches!(answer, Ok(Some(Step::Apply { .. }))),
                    "cursor {cursor}, more {more}"
                );
            }
        }
    }

    #[test]
    fn a_server_whose_log_went_back_is_treated_as_a_new_epoch() {
        let epoch = Uuid::from_u128(1);
        let position = SyncPosition {
            epoch: Some(epoch),
            uploaded: 10,
            cursor: 50,
        };
        let mut m = SyncMachine::new(position, 0);
        m.next();
        assert_eq!(
            m.receive(identity(epoch, 20)).unwrap(),
            Some(Step::Restamp { server_time_ms: 10_000 })
        );
        assert_eq!(m.restamped(0, 0), Some(Step::ResetForEpoch { epoch }));
        assert!(m.report().new_epoch);
    }

    #[test]
    fn re_stamped_changes_are_read_again_from_where_the_queue_stepped_back() {
        let epoch = Uuid::from_u128(1);
        let position = SyncPosition {
            epoch: Some(epoch),
            uploaded: 40,
            cursor: 0,
        };
        let mut m = SyncMachine::new(position, 9_000);
        m.next();
        assert_eq!(
            m.receive(identity(epoch, 0)).unwrap(),
            Some(Step::Restamp { server_time_ms: 10_000 })
        );
        assert_eq!(m.restamped(3, 12), None);
        assert_eq!(m.report().restamped, 3);
        assert_eq!(
            m.next(),
            Step::ReadPending {
                after: 12,
                limit: PUSH_BATCH
            }
        );
    }

    #[test]
    fn a_push_answer_during_a_pull_is_a_protocol_error() {
        let epoch = Uuid::from_u128(1);
        let mut m = SyncMachine::new(
            SyncPosition {
                epoch: Some(epoch),
                uploaded: 0,
                cursor: 0,
            },
            0,
        );
        m.next();
        assert!(m.receive(identity(epoch, 0)).unwrap().is_some());
        assert_eq!(m.restamped(0, 0), None);
        m.next();
        m.pending(vec![]);
        m.next();
        let err = m.receive(Response::Refused(vec![])).unwrap_err();
        assert!(matches!(err, ProtocolError::Unexpected { .. }));
    }
}
