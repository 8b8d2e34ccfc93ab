//! The error every command returns: a stable `kind`, field errors for forms, and a plain English
//! `message` for logs. The UI translates from `kind` and the field errors; internals never reach
//! it (they go to stderr).

use lohusa_core::FieldError;
use lohusa_store::StoreError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input broke rules; `errors` says which field broke which.
    Validation,
    /// The record does not exist on this device.
    NotFound,
    /// The record was deleted, here or on another device; the one field error (rule `deleted`)
    /// says by whom (`by`) and when (`at`), where known.
    Deleted,
    /// Nobody has said who is using this device yet.
    NoMember,
    /// The local database could not be read or written.
    Storage,
    /// The request itself was malformed (a bug between the UI and the app, never the user's).
    Internal,
    /// Talking to the sync server failed; `code` says how (`offline`, `enrollment_code_used`, …).
    Sync,
    /// The app is locked; `code` says why: `signed_out` (sign in with a PIN), `lease_expired`
    /// (only sync until the server is reached), `member_erased` (too many wrong PINs), `revoked`.
    Locked,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    pub errors: Vec<FieldError>,
    /// A finer, stable reason for some kinds (the sync server's error kind).
    #[serde(default)]
    pub code: Option<String>,
}

impl AppError {
    pub fn no_member() -> AppError {
        AppError {
            kind: ErrorKind::NoMember,
            message: "no member is signed in on this device".into(),
            errors: vec![],
            code: None,
        }
    }

    pub fn locked(code: &str) -> AppError {
        AppError {
            kind: ErrorKind::Locked,
            message: format!("the app is locked ({code})"),
            errors: vec![],
            code: Some(code.to_owned()),
        }
    }

    /// A file could not be written; the path goes to the log, the kind to the screen.
    pub fn io(folder: &std::path::Path, error: &std::io::Error) -> AppError {
        eprintln!("lohusa: writing into {}: {error}", folder.display());
        AppError {
            kind: ErrorKind::Storage,
            message: "the file could not be written".into(),
            errors: vec![],
            code: Some("file".into()),
        }
    }

    pub fn internal(error: &dyn std::fmt::Display) -> AppError {
        eprintln!("lohusa: {error}");
        AppError {
            kind: ErrorKind::Internal,
            message: "internal error".into(),
            errors: vec![],
            code: None,
        }
    }

    pub fn not_found(what: &str) -> AppError {
        AppError {
            kind: ErrorKind::NotFound,
            message: format!("{what} not found"),
            errors: vec![],
            code: None,
        }
    }
}

impl From<lohusa_sync::SyncError> for AppError {
    fn from(error: lohusa_sync::SyncError) -> AppError {
        match error {
            lohusa_sync::SyncError::Store(store) => store.into(),
            other => AppError {
                kind: ErrorKind::Sync,
                code: Some(other.kind().to_owned()),
                message: other.to_string(),
                errors: vec![],
            },
        }
    }
}

impl From<lohusa_core::ValidationErrors> for AppError {
    fn from(errors: lohusa_core::ValidationErrors) -> AppError {
        StoreError::from(errors).into()
    }
}

impl From<FieldError> for AppError {
    fn from(error: FieldError) -> AppError {
        lohusa_core::ValidationErrors(vec![error]).into()
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::Validation(errors) => AppError {
                kind: ErrorKind::Validation,
                message: errors.to_string(),
                errors: errors.0,
                code: None,
            },
            StoreError::Deleted { entity, by, at, .. } => {
                let mut error = FieldError::new(entity, lohusa_core::Rule::Deleted);
                if let Some(by) = by {
                    error = error.with("by", by);
                }
                if let Some(at) = at {
                    error = error.with("at", at.to_rfc3339());
                }
                AppError {
                    kind: ErrorKind::Deleted,
                    message: format!("{entity} was deleted"),
                    errors: vec![error],
                    code: None,
                }
            }
            StoreError::NotFound { entity, .. } => AppError {
                kind: ErrorKind::NotFound,
                message: format!("{entity} not found"),
                errors: vec![],
                code: None,
            },
            other => {
                // The detail may name tables or paths: log it, show only that storage failed.
                eprintln!("lohusa: storage error: {other}");
                AppError {
                    kind: ErrorKind::Storage,
                    message: "the local database could not be used".into(),
                    errors: vec![],
                    code: None,
                }
            }
        }
    }
}
