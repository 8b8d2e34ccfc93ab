//! The app's shared state: the store behind a mutex (SQLite wants one writer at a time), the
//! session (`lohusa_core::session::Session`, which alone decides whether the store may be used,
//! when it locks and what a sync's end means), and what the background sync shares with the
//! commands. The session's effects are carried out here, so every caller does them the same way.
//!
//! Locking (the *Lock* button, or inactivity) closes the store: its key leaves memory with it.
//! A sync never runs across a lock: a lock asked for during a sync, or during a command waiting
//! on the server, refuses the store at once and closes it when they end.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use lohusa_core::MemberId;
use lohusa_core::session::{AppPhase, Effect, Event, Notice, Refusal, Session, SyncOnly};
use lohusa_store::keyring::{self, DbKey, Keyring, keyring_path};
use lohusa_store::{Checkpointer, Store};
use lohusa_sync::Progress;
use tokio::sync::{Notify, watch};

use crate::error::AppError;

/// What the background sync shares with the commands: when to run, and how far it got.
#[derive(Default)]
pub struct SyncService {
    pub(crate) wake: Notify,
    pub(crate) now: AtomicBool,
    pub(crate) failures: AtomicU32,
    pub(crate) progress: Mutex<Option<Progress>>,
}

impl SyncService {
    /// Sync a few seconds from now (after a local write).
    pub fn soon(&self) {
        self.wake.notify_one();
    }

    /// Sync right away (the *Sync now* button, a new enrollment).
    pub fn now(&self) {
        self.now.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    pub fn progress(&self) -> Option<Progress> {
        self.progress.lock().map(|p| p.clone()).unwrap_or(None)
    }
}

pub struct AppState {
    store: Mutex<Option<Store>>,
    checkpointer: Arc<Mutex<Option<Checkpointer>>>,
    session: Mutex<Session>,
    /// Held while an event is handled and its effects carried out, so one event's effects are
    /// done before the next event's start, and a lock that returns finds them done.
    effects: Mutex<()>,
    /// Bumped after each event's effects are carried out: a lock waits on it.
    settled: watch::Sender<u64>,
    /// The session's monotonic clock starts here.
    started: Instant,
    pub sync: SyncService,
    /// The database file; its keyring sits beside it.
    pub db_path: PathBuf,
    /// Where exports and the referral template are written (inside the app's data folder).
    pub exports: PathBuf,
    /// Demo data goes into a new store at its first opening.
    pub demo: bool,
    /// A device enrolled during setup whose member code was refused (a typo): kept, with its
    /// key, so the setup screen retries only the member code (the enrollment code is spent).
    pending_setup: Mutex<Option<(Store, DbKey)>>,
    /// One reader-writer of `keyring.json` at a time (sign-in counts, adding and removing members).
    pub keyring: tokio::sync::Mutex<()>,
}

/// A command waiting on the server that a lock waits for; its end is told to the session.
pub struct Busy<'a>(&'a AppState);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.apply(Event::BusyEnded);
    }
}

/// The open store, borrowed for one command.
pub struct StoreGuard<'a>(MutexGuard<'a, Option<Store>>);

impl std::ops::Deref for StoreGuard<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        self.0.as_ref().expect("checked open when the guard was made")
    }
}

impl std::ops::DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        self.0.as_mut().expect("checked open when the guard was made")
    }
}

fn refused(refusal: Refusal) -> AppError {
    AppError::locked(refusal.kind())
}

impl AppState {
    pub fn new(db_path: PathBuf, exports: PathBuf, demo: bool) -> AppState {
        let set_up = keyring_path(&db_path).exists();
        AppState {
            store: Mutex::new(None),
            checkpointer: Arc::default(),
            session: Mutex::new(Session::new(set_up)),
            effects: Mutex::new(()),
            settled: watch::Sender::new(0),
            started: Instant::now(),
            sync: SyncService::default(),
            db_path,
            exports,
            demo,
            pending_setup: Mutex::new(None),
            keyring: tokio::sync::Mutex::new(()),
        }
    }

    /// The session's clock: time since the app started.
    pub fn now(&self) -> Duration {
        self.started.elapsed()
    }

    fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the session what happened and carries out its effects, in order, stopping at the
    /// first that fails (reported, never shown half-done).
    pub fn apply(&self, event: Event) {
        {
            let _one_at_a_time = self.effects.lock().unwrap_or_else(PoisonError::into_inner);
            let effects = self.session().handle(event);
            for effect in effects {
                if let Err(error) = self.carry_out(effect) {
                    eprintln!("lohusa: {error}");
                    break;
                }
            }
        }
        self.settled.send_modify(|n| *n += 1);
    }

    fn carry_out(&self, effect: Effect) -> Result<(), String> {
        match effect {
            Effect::CloseStore => {
                *self.checkpointer.lock().unwrap_or_else(PoisonError::into_inner) = None;
                *self.guard() = None;
                Ok(())
            }
            Effect::ForgetMembers(members) => match self.load_keyring() {
                Ok(Some(mut keyring)) => members
                    .iter()
                    .try_for_each(|m| keyring.remove_member(*m).map(drop))
                    .map_err(|e| format!("a revoked member could not be removed from the keyring: {e}")),
                Ok(None) => Ok(()),
                Err(e) => Err(format!("the keyring could not be read: {e:?}")),
            },
            Effect::EraseExports => {
                self.erase_exports();
                Ok(())
            }
            Effect::Wipe => keyring::wipe(&self.db_path).map_err(|e| format!("erasing the device failed: {e}")),
            Effect::MarkRevoked => match self.peek() {
                Some(mut store) => store
                    .mark_revoked()
                    .map_err(|e| format!("marking the device revoked failed: {e}")),
                None => Ok(()),
            },
            Effect::Notice(notice) => {
                self.set_notice(Some(notice));
                Ok(())
            }
            Effect::ClearNotice => {
                self.set_notice(None);
                Ok(())
            }
            Effect::SyncNow => {
                self.sync.now();
                Ok(())
            }
        }
    }

    pub fn load_keyring(&self) -> Result<Option<Keyring>, AppError> {
        Ok(Keyring::load(&keyring_path(&self.db_path))?)
    }

    /// The lock itself, for the sync driver, which takes it for each step and never across a
    /// network wait.
    pub fn store_lock(&self) -> &Mutex<Option<Store>> {
        &self.store
    }

    fn guard(&self) -> MutexGuard<'_, Option<Store>> {
        // A panic while holding the lock cannot leave SQLite half-written (the transaction rolls
        // back), so the store behind a poisoned lock is still sound.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn open_guard(&self, for_sync: bool) -> Result<StoreGuard<'_>, AppError> {
        self.session().may_use_store(for_sync).map_err(refused)?;
        let guard = self.guard();
        if guard.is_none() {
            return Err(refused(Refusal::SignedOut));
        }
        self.touch();
        Ok(StoreGuard(guard))
    }

    /// The open store for a command a member does: refused while locked or past the lease.
    pub fn store(&self) -> Result<StoreGuard<'_>, AppError> {
        self.open_guard(false)
    }

    /// The open store for sync and its screen, which stay usable past the lease.
    pub fn store_for_sync(&self) -> Result<StoreGuard<'_>, AppError> {
        self.open_guard(true)
    }

    /// The open store, if any, without asking the session or counting as activity (status
    /// polls, the sync's steps and end).
    pub fn peek(&self) -> Option<StoreGuard<'_>> {
        let guard = self.guard();
        guard.is_some().then(|| StoreGuard(guard))
    }

    pub fn is_open(&self) -> bool {
        self.session().is_open()
    }

    /// The phase the screens show; the keyring on disk has the last word on whether the device
    /// is set up at all.
    pub fn app_phase(&self, set_up: bool) -> AppPhase {
        match (set_up, self.session().app_phase()) {
            (false, _) => AppPhase::Setup,
            (true, AppPhase::Setup) => AppPhase::Locked,
            (true, phase) => phase,
        }
    }

    pub fn sync_only(&self) -> Option<SyncOnly> {
        self.session().sync_only()
    }

    pub fn is_syncing(&self) -> bool {
        self.session().is_syncing()
    }

    /// Marks activity (any command), which postpones the automatic lock.
    pub fn touch(&self) {
        let at = self.now();
        self.session().handle(Event::Activity { at });
    }

    /// When the app locks itself unless used before, while open.
    pub fn lock_due(&self) -> Option<Duration> {
        self.session().lock_due()
    }

    /// Puts an unlocked store in place for `member` and opens the session.
    pub fn open(&self, store: Store, member: MemberId, lease_lapsed: bool) -> Result<(), AppError> {
        let marked_revoked = store.is_marked_revoked()?;
        let checkpointer = store.checkpointer()?;
        *self.checkpointer.lock().unwrap_or_else(PoisonError::into_inner) = Some(checkpointer);
        *self.guard() = Some(store);
        self.apply(Event::Opened {
            member,
            lease_lapsed,
            marked_revoked,
            at: self.now(),
        });
        Ok(())
    }

    /// Starts a sync unless one runs or the store is closed; `sync_ended` must follow.
    pub fn begin_sync(&self) -> bool {
        self.session().may_sync()
    }

    /// A command that needs the store again after a network wait; refused unless open.
    pub fn busy(&self) -> Result<Busy<'_>, AppError> {
        self.session().may_wait_on_server().map_err(refused)?;
        Ok(Busy(self))
    }

    /// Locks now and returns once the store is closed (after a running sync or command).
    pub async fn lock(&self) {
        let settled = self.settled.subscribe();
        self.apply(Event::LockAsked);
        self.until_not_locking(settled).await;
    }

    /// Returns once no lock is under way (at once if none is), its effects carried out.
    pub async fn lock_finished(&self) {
        self.until_not_locking(self.settled.subscribe()).await;
    }

    async fn until_not_locking(&self, mut settled: watch::Receiver<u64>) {
        while self.session().is_locking() {
            if settled.changed().await.is_err() {
                return;
            }
        }
        // The event that ended the lock may still be carrying out its effects (closing the
        // store, erasing): they are done once this is free.
        drop(self.effects.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Keeps a device enrolled during setup until its member code is accepted.
    pub fn set_pending_setup(&self, pending: Option<(Store, DbKey)>) {
        *self.pending_setup.lock().unwrap_or_else(PoisonError::into_inner) = pending;
    }

    /// Whether a half-done setup is enrolled already (only the member code is missing).
    pub fn pending_setup_enrolled(&self) -> bool {
        self.pending_setup
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|(store, _)| store.enrollment().ok().flatten().is_some())
    }

    pub fn take_pending_setup(&self) -> Option<(Store, DbKey)> {
        self.pending_setup.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// The checkpointer of the open store, for the background thread.
    pub fn checkpointer(&self) -> Arc<Mutex<Option<Checkpointer>>> {
        self.checkpointer.clone()
    }

    fn notice_path(&self) -> PathBuf {
        self.db_path.with_file_name("notice.json")
    }

    /// Says something once, on the next screen (a small file without patient data, so it
    /// outlives a restart).
    pub fn set_notice(&self, notice: Option<Notice>) {
        let path = self.notice_path();
        let result = match notice {
            Some(notice) => std::fs::write(&path, serde_json::to_string(&notice).unwrap_or_default()),
            None => match std::fs::remove_file(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
        };
        if let Err(error) = result {
            eprintln!("lohusa: the notice file could not be written: {error}");
        }
    }

    pub fn notice(&self) -> Option<Notice> {
        let text = std::fs::read_to_string(self.notice_path()).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Removes the export files (health data in clear) with the rest of the device's data.
    pub fn erase_exports(&self) {
        erase_folder(&self.exports);
    }
}

fn erase_folder(folder: &Path) {
    match std::fs::remove_dir_all(folder) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            eprintln!("lohusa: the exports folder could not be erased: {e}")
        }
        _ => {}
    }
}
