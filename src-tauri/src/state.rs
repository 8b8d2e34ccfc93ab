//! The app's shared state: the open store behind a mutex (SQLite wants one writer at a time).

use std::sync::{Mutex, MutexGuard};

use lohusa_store::Store;

use crate::error::{AppError, ErrorKind};

pub struct AppState {
    store: Mutex<Store>,
}

impl AppState {
    pub fn new(store: Store) -> AppState {
        AppState { store: Mutex::new(store) }
    }

    pub fn store(&self) -> Result<MutexGuard<'_, Store>, AppError> {
        // A panic while holding the lock cannot leave SQLite half-written (the transaction rolls
        // back), so the store behind a poisoned lock is still sound.
        self.store.lock().or_else(|poisoned| Ok(poisoned.into_inner())).map_err(|_: ()| AppError {
            kind: ErrorKind::Storage,
            message: "the local database is not available".into(),
            errors: vec![],
        })
    }
}
