//! Lohusa's sync client: runs the core's sync state machine between a local store and a
//! transport (HTTP to the central server in the app and the command line; an in-process one in
//! the simulation tests).
//!
//! Positions are saved by the store (the cursor in the same transaction as the batch it ends),
//! so a sync cut at any point, by a lost connection or a killed process, resumes where it
//! stopped the next time.

pub mod http;

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use lohusa_core::sync::{ProtocolError, Report, Request, Response, Step, SyncMachine};
use lohusa_store::{Store, StoreError};
use serde::Serialize;
use ts_rs::TS;

/// Something that carries one request to the server and brings back its answer.
pub trait Transport {
    fn send(&self, request: Request) -> impl Future<Output = Result<Response, SyncError>> + Send;

    /// The body of a push of `batch` as this transport sends it, made while the push before it
    /// is in flight; `None` for a transport that sends requests as they are.
    fn encode_push(&self, _batch: &[(i64, lohusa_core::Change)]) -> Option<EncodedPush> {
        None
    }

    /// Sends `request`, a push whose body `encode_push` made from the same changes.
    fn send_encoded(
        &self,
        request: Request,
        _encoded: EncodedPush,
    ) -> impl Future<Output = Result<Response, SyncError>> + Send {
        self.send(request)
    }

    /// Tells the server this device's state after a successful sync (the team lead's tablets
    /// view). A transport without such a server takes no report.
    fn report(&self, _report: &lohusa_core::sync::DeviceReport) -> impl Future<Output = Result<(), SyncError>> + Send {
        async { Ok(()) }
    }
}

/// A push body encoded ahead by a transport (`Transport::encode_push`), with what it holds, so
/// it is sent only for the same changes.
pub struct EncodedPush {
    pub body: Vec<u8>,
    count: usize,
    first: lohusa_core::ChangeId,
    last: lohusa_core::ChangeId,
}

impl EncodedPush {
    pub fn new(body: Vec<u8>, batch: &[(i64, lohusa_core::Change)]) -> Option<EncodedPush> {
        Some(EncodedPush {
            body,
            count: batch.len(),
            first: batch.first()?.1.id,
            last: batch.last()?.1.id,
        })
    }

    /// Whether this is the body of `request`: a push of the same changes in the same order (the
    /// machine sends a batch read ahead as it was read, so count and ends tell it).
    fn is_body_of(&self, request: &Request) -> bool {
        match request {
            Request::Push(push) => {
                push.changes.len() == self.count
                    && push.changes.first().map(|c| c.id) == Some(self.first)
                    && push.changes.last().map(|c| c.id) == Some(self.last)
            }
            _ => false,
        }
    }
}

/// Access to the local store, however the caller holds it.
pub trait Replica {
    fn with_store<T>(&self, work: impl FnOnce(&mut Store) -> T) -> T;
}

impl Replica for Mutex<Store> {
    fn with_store<T>(&self, work: impl FnOnce(&mut Store) -> T) -> T {
        work(&mut self.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The app's store, open only while a member is signed in. The app never syncs across a lock
/// (locking waits for a running sync, and a sync does not start while it is being taken), so a
/// closed store here is a bug.
impl Replica for Mutex<Option<Store>> {
    fn with_store<T>(&self, work: impl FnOnce(&mut Store) -> T) -> T {
        let mut guard = self.lock().unwrap_or_else(PoisonError::into_inner);
        work(guard.as_mut().expect("the store was closed during a sync"))
    }
}

/// Why a sync stopped. Each says in plain words what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "The server could not be reached ({0}). The data stays on this device; sync runs again when the connection returns."
    )]
    Offline(String),
    #[error("This device is not enrolled with a server yet.")]
    NotEnrolled,
    #[error(
        "The server address {0} is plain HTTP to another computer; health data may only travel encrypted (https://)."
    )]
    InsecureServer(String),
    #[error("The server's certificate is not trusted ({0}); check the address, or the team's certificate file.")]
    UntrustedCertificate(String),
    #[error(
        "The server no longer accepts this device (its token is unknown or revoked). Ask the team lead to enroll it again."
    )]
    Unauthorized,
    #[error("The server refused the request: {message}")]
    Server { status: u16, kind: String, message: String },
    #[error("The server's answer did not follow the protocol: {0}")]
    Protocol(String),
    /// A pull left out changes written on this device that its database lacks (a copy restored
    /// from an older file): nothing of that batch was applied, and the next sync fetches them.
    #[error(
        "This tablet's database lacks {missing} of the records it wrote itself (an older copy?). They are safe on the server; the next sync brings them back."
    )]
    OwnChangesMissing { missing: usize },
    #[error("The local database failed: {0}")]
    Store(#[from] StoreError),
}

impl SyncError {
    /// A stable code for the UI.
    pub fn kind(&self) -> &str {
        match self {
            SyncError::Offline(_) => "offline",
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::InsecureServer(_) => "insecure_server",
            SyncError::UntrustedCertificate(_) => "untrusted_certificate",
            SyncError::Unauthorized => "unauthorized",
            SyncError::Server { kind, .. } => kind,
            SyncError::Protocol(_) => "protocol",
            SyncError::OwnChangesMissing { .. } => "own_changes_missing",
            SyncError::Store(_) => "storage",
        }
    }

    /// The server said the team lead revoked this device (after it uploaded what it could).
    pub fn is_revoked(&self) -> bool {
        matches!(self, SyncError::Server { kind, .. } if kind == "device_revoked")
    }

    /// Worth trying again later without anyone doing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Offline(_) => true,
            SyncError::Server { status, .. } => *status >= 500 || *status == 429,
            SyncError::Protocol(_) => true,
            SyncError::OwnChangesMissing { .. } => true,
            _ => false,
        }
    }
}

impl From<ProtocolError> for SyncError {
    fn from(error: ProtocolError) -> SyncError {
        SyncError::Protocol(error.to_string())
    }
}

/// Where a running sync is, for a progress bar.
#[derive(Clone, Debug, Default, PartialEq, Serialize, TS)]
pub struct Progress {
    pub phase: Phase,
    pub pushed: usize,
    pub pulled: usize,
    /// Local changes still to push when the sync started.
    #[ts(type = "number")]
    pub to_push: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    #[default]
    Connecting,
    Pushing,
    Pulling,
    Done,
}

fn millis(t: DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp_millis()).unwrap_or(0)
}

/// Runs one sync to the end: push everything pending, then pull everything new.
pub async fn sync<R: Replica, T: Transport>(
    replica: &R,
    transport: &T,
    now: impl Fn() -> DateTime<Utc>,
    mut progress: impl FnMut(&Progress),
) -> Result<Report, SyncError> {
    let (position, to_push) = replica.with_store(|s| Ok::<_, StoreError>((s.sync_position()?, s.pending_count()?)))?;
    let mut machine = SyncMachine::new(position, millis(now()));
    let mut shown = Progress {
        to_push,
        ..Progress::default()
    };
    progress(&shown);
    // On a multi-threaded runtime, the next request goes out while this device works on the
    // last answer (reading the next batch to push, applying a pulled batch), so the server, the
    // network and the local database work at the same time.
    let pipelined = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    let mut next_pull: Option<(Request, Result<Response, SyncError>)> = None;
    // The next batch to push, read (and encoded, where the transport does) while the last one
    // is in flight; and the encoded body of the batch about to be sent.
    let mut next_pending: Option<(i64, Vec<(i64, lohusa_core::Change)>, Option<EncodedPush>)> = None;
    let mut encoded: Option<EncodedPush> = None;
    let mut spent: Option<Vec<lohusa_core::Change>> = None;
    let mut checkpointer: Option<Option<Mutex<lohusa_store::Checkpointer>>> = None;
    loop {
        let mut step = Some(machine.next());
        while let Some(current) = step.take() {
            match current {
                Step::Send(request) => {
                    let response = match next_pull.take() {
                        Some((early, response)) if early == request => response?,
                        _ => {
                            let body = encoded.take().filter(|e| e.is_body_of(&request));
                            let send: std::pin::Pin<Box<dyn Future<Output = _> + Send + '_>> = match body {
                                Some(body) => Box::pin(transport.send_encoded(request, body)),
                                None => Box::pin(transport.send(request)),
                            };
                            match (pipelined, machine.pushing_upto()) {
                                (true, Some(upto)) => {
                                    let (response, batch) = overlap(send, || {
                                        let batch = replica
                                            .with_store(|s| s.pending_changes(upto, lohusa_core::sync::PUSH_BATCH))?;
                                        let body = transport.encode_push(&batch);
                                        Ok::<_, StoreError>((batch, body))
                                    })
                                    .await;
                                    if let Ok((batch, body)) = batch {
                                        next_pending = Some((upto, batch, body));
                                    }
                                    response?
                                }
                                _ => send.await?,
                            }
                        }
                    };
                    step = machine.receive(response)?;
                }
                Step::Restamp { server_time_ms } => {
                    // Changes stamped under a clock far ahead of the server's get stamps it
                    // accepts before they are sent: a wrong clock withholds nothing.
                    let (count, uploaded) = replica.with_store(|s| {
                        let count = s.restamp_ahead(server_time_ms, now())?;
                        Ok::<_, StoreError>((count, s.sync_position()?.uploaded))
                    })?;
                    if count > 0 {
                        shown.to_push = replica.with_store(|s| s.pending_count())?;
                    }
                    next_pending = None;
                    step = machine.restamped(count, uploaded);
                }
                Step::ResetForEpoch { epoch } => {
                    replica.with_store(|s| s.reset_for_epoch(epoch))?;
                    machine.position_reset(epoch);
                }
                Step::ReadPending { after, limit } => {
                    let batch = match next_pending.take() {
                        Some((early, batch, body)) if early == after && limit == lohusa_core::sync::PUSH_BATCH => {
                            encoded = body;
                            batch
                        }
                        _ => replica.with_store(|s| s.pending_changes(after, limit))?,
                    };
                    shown.phase = if batch.is_empty() {
                        Phase::Pulling
                    } else {
                        Phase::Pushing
                    };
                    step = machine.pending(batch);
                }
                Step::SaveUploaded { uploaded } => {
                    replica.with_store(|s| s.save_uploaded(uploaded))?;
                    machine.saved();
                }
                Step::Quarantine(refused) => {
                    replica.with_store(|s| s.quarantine(&refused, now()))?;
                    next_pending = None;
                    machine.saved();
                }
                Step::Apply {
                    changes,
                    own,
                    cursor,
                    more,
                } => {
                    let t = now();
                    let server_ms = (millis(t) as i64 + machine.report().clock_skew_ms).max(0) as u64;
                    // The server left out this device's own changes: it must hold each, else
                    // nothing is applied and the next sync asks for them.
                    let apply = || -> Result<usize, SyncError> {
                        replica.with_store(|s| s.check_own_changes(&own)).map_err(|e| match e {
                            StoreError::OwnChangesMissing { missing } => SyncError::OwnChangesMissing { missing },
                            other => SyncError::Store(other),
                        })?;
                        Ok(replica.with_store(|s| s.apply_pulled(&changes, cursor, t, server_ms))?)
                    };
                    if pipelined && more {
                        let request = Request::Pull {
                            after: cursor,
                            limit: lohusa_core::sync::PULL_BATCH,
                        };
                        // A pull writes the log faster than the app's background checkpoints
                        // move it into the database file; so that no commit here pays for it,
                        // the request's thread also checkpoints what earlier batches committed.
                        // Opened once a sync (a store that cannot open one goes without).
                        let checkpointer = checkpointer
                            .get_or_insert_with(|| replica.with_store(|s| s.checkpointer()).ok().map(Mutex::new));
                        // The batch applied before this one is freed on the request's thread
                        // (thousands of values: time this thread would not apply in).
                        let (freed, request_sent) = (spent.take(), transport.send(request.clone()));
                        let checkpoint = checkpointer.as_ref();
                        let send = async move {
                            drop(freed);
                            let response = request_sent.await;
                            if let Some(checkpointer) = checkpoint
                                && let Err(error) =
                                    checkpointer.lock().unwrap_or_else(PoisonError::into_inner).checkpoint()
                            {
                                eprintln!("lohusa-sync: checkpoint beside the pull failed: {error}");
                            }
                            response
                        };
                        let (response, applied) = overlap(send, apply).await;
                        applied?;
                        next_pull = Some((request, response));
                        spent = Some(changes);
                    } else {
                        apply()?;
                    }
                    machine.saved();
                }
                Step::Done(report) => {
                    // A whole pull ran: whatever own changes were missing are back.
                    replica.with_store(|s| s.own_changes_recovered())?;
                    shown.phase = Phase::Done;
                    progress(&shown);
                    return Ok(report);
                }
            }
            shown.pushed = machine.report().pushed;
            shown.pulled = machine.report().pulled;
            progress(&shown);
        }
    }
}

/// Runs `request` to its answer on a thread of its own (sending, then reading and decoding the
/// body) while this thread does the blocking `work`, so a pulled batch is decoded while the last
/// one is applied.
async fn overlap<R: Send, T>(request: impl Future<Output = R> + Send, work: impl FnOnce() -> T) -> (R, T) {
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let response = scope.spawn(|| handle.block_on(request));
            let done = work();
            let response = response.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (response, done)
        })
    })
}

/// Enrolls the replica with the server at `server` using a one-time code from the team lead,
/// and saves the server, team and token. An address typed without a scheme (`192.168.1.20:8787`)
/// is the office server over HTTPS; plain HTTP is refused except to this computer
/// (development). With `ca_pem`, only the team's own certificate authority is trusted for the
/// server from now on (an office server with its own certificate). Returns the saved address
/// and the team.
pub async fn enroll_with_ca<R: Replica>(
    replica: &R,
    server: &str,
    code: &str,
    device_name: &str,
    ca_pem: Option<&str>,
) -> Result<(String, String), SyncError> {
    let server = server.trim().trim_end_matches('/');
    let server = if server.contains("://") {
        server.to_owned()
    } else {
        format!("https://{server}")
    };
    let device = replica.with_store(|s| s.device_id());
    let enrolled = http::enroll(&server, code.trim(), device, device_name, ca_pem).await?;
    replica.with_store(|s| {
        s.set_enrollment(&server, &enrolled.team, &enrolled.token)?;
        s.set_server_ca(ca_pem)
    })?;
    Ok((server, enrolled.team))
}

/// Binds the member of a one-time member code (from the team lead) to this enrolled device and
/// makes her the one using it, with the name and role the server holds. The id the device
/// already writes under is proposed, so on her first device nothing she wrote is orphaned.
/// `now` stamps the change that carries her name.
pub async fn claim_member<R: Replica>(
    replica: &R,
    code: &str,
    now: DateTime<Utc>,
) -> Result<lohusa_store::LocalMember, SyncError> {
    let (transport, local) = replica
        .with_store(|s| Ok::<_, SyncError>((http::HttpTransport::for_store(s)?, s.local_member()?.map(|m| m.id))))?;
    let claimed = transport.claim_member(code, local).await?;
    // Her role may read what the server left out for this device before: pull it all again.
    Ok(replica.with_store(|s| {
        let member = s.adopt_member(&claimed, now)?;
        s.reset_pull_cursor()?;
        Ok::<_, StoreError>(member)
    })?)
}

/// Whether a revoked device may erase its data: everything recorded on it is on the server
/// (nothing waits to be sent, nothing was refused and kept aside).
pub fn revoked_device_may_wipe(store: &Store) -> Result<bool, StoreError> {
    let status = store.sync_status()?;
    Ok(status.pending == 0 && status.quarantined == 0)
}

/// What this replica tells the server about itself after a sync.
pub fn device_report<R: Replica>(replica: &R, app_version: &str) -> Result<lohusa_core::sync::DeviceReport, SyncError> {
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(replica.with_store(|s| {
        let status = s.sync_status()?;
        Ok::<_, StoreError>(lohusa_core::sync::DeviceReport {
            app_version: app_version.to_owned(),
            member: s.local_member()?.map(|m| m.name),
            pending: count(status.pending),
            conflicts: count(status.open_conflicts),
            quarantined: count(status.quarantined),
        })
    })?)
}

/// Runs one sync and records its outcome in the store (last success and skew, or the error).
/// After a success it reports the device's state (`app_version`, member, what waits on it); a
/// server that cannot take the report does not make the sync fail.
pub async fn sync_and_record<R: Replica, T: Transport>(
    replica: &R,
    transport: &T,
    app_version: &str,
    now: impl Fn() -> DateTime<Utc>,
    progress: impl FnMut(&Progress),
) -> Result<Report, SyncError> {
    let result = sync(replica, transport, &now, progress).await;
    let recorded = match &result {
        Ok(report) => replica.with_store(|s| s.record_sync_result(Ok(report.clock_skew_ms), now())),
        // The stable kind, so each screen can say it in its own language.
        Err(error) => replica.with_store(|s| s.record_sync_result(Err(error.kind()), now())),
    };
    recorded?;
    if result.is_ok() {
        let state = device_report(replica, app_version)?;
        if let Err(error) = transport.report(&state).await {
            eprintln!("lohusa: synced; the device report was not taken: {}", error.kind());
        }
    }
    result
}
