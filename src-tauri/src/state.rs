//! The app's shared state: the open store behind a mutex (SQLite wants one writer at a time).

use std::sync::{Mutex, MutexGuard, PoisonError};

use lohusa_store::Store;

pub struct AppState {
    store: Mutex<Store>,
}

impl AppState {
    pub fn new(store: Store) -> AppState {
        AppState {
            store: Mutex::new(store),
        }
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written (the transaction rolls
        // back), so the store behind a poisoned lock is still sound.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
