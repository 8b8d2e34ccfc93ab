//! The app's shared state: the store behind a mutex (SQLite wants one writer at a time), open
//! only while a member is signed in, and the background sync.
//!
//! Locking (the *Lock* button, or inactivity) closes the store: its key leaves memory with it.
//! A sync never runs across a lock: the lock waits for a running one to end, and a sync that
//! starts while the lock is being taken gives way.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::session::SyncOnly;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use lohusa_store::{Checkpointer, Store};

use crate::error::AppError;
use crate::sync::SyncService;

/// Inactivity after which the app locks itself.
pub const LOCK_AFTER: Duration = Duration::from_secs(5 * 60);

pub struct AppState {
    store: Mutex<Option<Store>>,
    checkpointer: Arc<Mutex<Option<Checkpointer>>>,
    pub sync: SyncService,
    /// The database file; its keyring sits beside it.
    pub db_path: PathBuf,
    /// Where exports and the referral template are written (inside the app's data folder).
    pub exports: PathBuf,
    /// Demo data goes into a new store at its first opening.
    pub demo: bool,
    locking: AtomicBool,
    last_activity: Mutex<Instant>,
    /// Set when only sync may be used: out of touch with the server longer than the lease, or
    /// revoked while holding records the server does not have.
    sync_only: Mutex<Option<SyncOnly>>,
    /// A device enrolled during setup whose member code was refused (a typo): kept, with its
    /// key, so the setup screen retries only the member code (the enrollment code is spent).
    pending_setup: Mutex<Option<(Store, lohusa_store::keyring::DbKey)>>,
    /// Commands that wait on the server while they need the store afterwards (adding a member,
    /// enrolling): a lock waits for them as for a sync.
    busy: AtomicUsize,
    /// One reader-writer of `keyring.json` at a time (sign-in counts, adding and removing members).
    pub keyring: tokio::sync::Mutex<()>,
}

/// A command in progress that a lock waits for.
pub struct Busy<'a>(&'a AtomicUsize);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
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

impl AppState {
    pub fn new(db_path: PathBuf, exports: PathBuf, demo: bool) -> AppState {
        AppState {
            store: Mutex::new(None),
            checkpointer: Arc::default(),
            sync: SyncService::default(),
            db_path,
            exports,
            demo,
            locking: AtomicBool::new(false),
            last_activity: Mutex::new(Instant::now()),
            sync_only: Mutex::new(None),
            pending_setup: Mutex::new(None),
            busy: AtomicUsize::new(0),
            keyring: tokio::sync::Mutex::new(()),
        }
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

    /// The open store for a command a member does: refused while locked or past the lease.
    pub fn store(&self) -> Result<StoreGuard<'_>, AppError> {
        match self.sync_only() {
            Some(SyncOnly::Lease) => Err(AppError::locked("lease_expired")),
            Some(SyncOnly::Revoked) => Err(AppError::locked("revoked")),
            None => self.store_for_sync(),
        }
    }

    /// The open store, if any, without counting as activity (status polls, the sync's end).
    pub fn peek(&self) -> Option<StoreGuard<'_>> {
        let guard = self.guard();
        guard.is_some().then(|| StoreGuard(guard))
    }

    /// The open store for sync and its screen, which stay usable past the lease.
    pub fn store_for_sync(&self) -> Result<StoreGuard<'_>, AppError> {
        let guard = self.guard();
        if guard.is_none() || self.locking.load(Ordering::SeqCst) {
            return Err(AppError::locked("signed_out"));
        }
        self.touch();
        Ok(StoreGuard(guard))
    }

    pub fn is_open(&self) -> bool {
        self.guard().is_some()
    }

    /// Marks activity (any command), which postpones the automatic lock.
    pub fn touch(&self) {
        *self.last_activity.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    pub fn idle_for(&self) -> Duration {
        self.last_activity
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .elapsed()
    }

    pub fn set_sync_only(&self, why: Option<SyncOnly>) {
        *self.sync_only.lock().unwrap_or_else(PoisonError::into_inner) = why;
    }

    pub fn sync_only(&self) -> Option<SyncOnly> {
        *self.sync_only.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts an unlocked store in place and starts checkpointing it.
    pub fn open(&self, store: Store) -> Result<(), AppError> {
        let checkpointer = store.checkpointer()?;
        *self.checkpointer.lock().unwrap_or_else(PoisonError::into_inner) = Some(checkpointer);
        *self.guard() = Some(store);
        self.locking.store(false, Ordering::SeqCst);
        self.touch();
        Ok(())
    }

    /// Whether a lock is being taken: a sync that sees it gives way.
    pub fn is_locking(&self) -> bool {
        self.locking.load(Ordering::SeqCst)
    }

    /// Marks a command that needs the store again after a network wait; refused while a lock is
    /// being taken.
    pub fn busy(&self) -> Result<Busy<'_>, AppError> {
        self.busy.fetch_add(1, Ordering::SeqCst);
        let busy = Busy(&self.busy);
        if self.locking.load(Ordering::SeqCst) || self.guard().is_none() {
            return Err(AppError::locked("signed_out"));
        }
        Ok(busy)
    }

    /// Closes the store (and its key): waits for a running sync, and commands marked busy, to
    /// end first.
    pub async fn lock(&self) {
        self.locking.store(true, Ordering::SeqCst);
        while self.sync.is_running() || self.busy.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        *self.checkpointer.lock().unwrap_or_else(PoisonError::into_inner) = None;
        *self.guard() = None;
        self.set_sync_only(None);
    }

    /// Keeps a device enrolled during setup until its member code is accepted.
    pub fn set_pending_setup(&self, pending: Option<(Store, lohusa_store::keyring::DbKey)>) {
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

    pub fn take_pending_setup(&self) -> Option<(Store, lohusa_store::keyring::DbKey)> {
        self.pending_setup.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// The checkpointer of the open store, for the background thread.
    pub fn checkpointer(&self) -> Arc<Mutex<Option<Checkpointer>>> {
        self.checkpointer.clone()
    }
}
