//! The app's shared state: the open store behind a mutex (SQLite wants one writer at a time) and
//! the background sync.

use std::sync::{Mutex, MutexGuard, PoisonError};

use lohusa_store::Store;

use crate::sync::SyncService;

pub struct AppState {
    store: Mutex<Store>,
    pub sync: SyncService,
    /// Where exports and the referral template are written (inside the app's data folder).
    pub exports: std::path::PathBuf,
}

impl AppState {
    pub fn new(store: Store, exports: std::path::PathBuf) -> AppState {
        AppState {
            store: Mutex::new(store),
            sync: SyncService::default(),
            exports,
        }
    }

    /// The lock itself, for the sync driver, which takes it for each step and never across a
    /// network wait.
    pub fn store_lock(&self) -> &Mutex<Store> {
        &self.store
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written (the transaction rolls
        // back), so the store behind a poisoned lock is still sound.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
