//! Who is using the app, and whether the store is open: setting a device up, signing in with a
//! PIN, locking, adding a member, and what a revocation does. The store is encrypted; its key is
//! in the keyring, sealed once per member with her PIN (`lohusa_store::keyring`).

use std::path::Path;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use lohusa_core::pin::{check_new_pin, typed_pin};
use lohusa_core::sync::{Report, lease_expired};
use lohusa_core::time::istanbul_today;
use lohusa_core::{FieldError, MemberId, Rule, ValidationErrors};
use lohusa_store::keyring::{self, DbKey, DeviceMember, Keyring, UnlockError, keyring_path};
use lohusa_store::{LocalMember, Store, SyncStatus};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;
use zeroize::{Zeroize, Zeroizing};

use crate::error::AppError;
use crate::state::AppState;

/// The server address, enrollment code and member code given at start (`cargo xtask run`):
/// the setup screen fills them in.
pub const SERVER_ENV: &str = "LOHUSA_SERVER_URL";
pub const ENROLLMENT_CODE_ENV: &str = "LOHUSA_ENROLLMENT_CODE";
pub const MEMBER_CODE_ENV: &str = "LOHUSA_MEMBER_CODE";
/// A PEM file with the team's own certificate authority, trusted alone for the server.
pub const SERVER_CA_ENV: &str = "LOHUSA_SERVER_CA";

/// The team's own certificate authority, when the app was given one: the only one trusted for
/// the server from enrollment on.
fn server_ca() -> Result<Option<String>, AppError> {
    env(SERVER_CA_ENV)
        .map(std::fs::read_to_string)
        .transpose()
        .map_err(|e| AppError::io(Path::new(SERVER_CA_ENV), &e))
}

pub use lohusa_core::session::{AppPhase, Notice, SyncOnly};
use lohusa_core::session::{Event, LOCK_AFTER, SyncEnd};

/// Values given at start for the setup screen (development and tests).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SetupDefaults {
    pub server: String,
    pub code: String,
    pub member_code: String,
}

/// What the app shell needs to know to show the right screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AppStatus {
    pub phase: AppPhase,
    /// Who can sign in here (the sign-in screen).
    pub members: Vec<DeviceMember>,
    /// Who is signed in.
    pub member: Option<LocalMember>,
    /// Whether this device is enrolled with a server (known while open).
    pub enrolled: bool,
    pub sync_only: Option<SyncOnly>,
    pub notice: Option<Notice>,
    pub setup_defaults: Option<SetupDefaults>,
    /// Set up half-way: enrolled with the server, waiting for an accepted member code.
    pub enrolled_waiting_member: bool,
    /// Minutes without use after which the app locks itself.
    pub lock_after_minutes: u32,
    /// Today's date in İzmir.
    pub today: NaiveDate,
    pub version: String,
}

fn load_keyring(state: &AppState) -> Result<Option<Keyring>, AppError> {
    state.load_keyring()
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn status(state: &AppState) -> Result<AppStatus, AppError> {
    let keyring = load_keyring(state)?;
    let phase = state.app_phase(keyring.is_some());
    let (member, enrolled) = match state.peek() {
        Some(store) if phase == AppPhase::Open => (store.local_member()?, store.enrollment()?.is_some()),
        _ => (None, false),
    };
    Ok(AppStatus {
        phase,
        members: keyring.map(|k| k.members()).unwrap_or_default(),
        member,
        enrolled,
        sync_only: state.sync_only(),
        notice: state.notice(),
        setup_defaults: env(SERVER_ENV).map(|server| SetupDefaults {
            server,
            code: env(ENROLLMENT_CODE_ENV).unwrap_or_default(),
            member_code: env(MEMBER_CODE_ENV).unwrap_or_default(),
        }),
        enrolled_waiting_member: state.pending_setup_enrolled(),
        lock_after_minutes: (LOCK_AFTER.as_secs() / 60) as u32,
        today: istanbul_today(Utc::now()),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// The fields left empty, each as a `Required` error.
fn missing(fields: &[(&str, &str)]) -> ValidationErrors {
    ValidationErrors(
        fields
            .iter()
            .filter(|(_, value)| value.trim().is_empty())
            .map(|(field, _)| FieldError::new(*field, Rule::Required))
            .collect(),
    )
}

fn required(fields: &[(&str, &str)]) -> Result<(), AppError> {
    let errors = missing(fields);
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(errors.into())
    }
}

/// Refuses a setup on a device that has one (its keyring).
fn not_set_up(state: &AppState) -> Result<(), AppError> {
    match load_keyring(state)? {
        Some(_) => Err(AppError::internal(&"this device is already set up")),
        None => Ok(()),
    }
}

/// The checks of a new PIN and the other fields, all at once; the PIN in a buffer zeroed when
/// dropped.
fn check_form(fields: &[(&str, &str)], pin: &str, pin_again: &str) -> Result<Zeroizing<String>, AppError> {
    let mut errors = missing(fields);
    let pin = match check_new_pin(pin, pin_again) {
        Ok(pin) => Some(Zeroizing::new(pin)),
        Err(pin_errors) => {
            errors.0.extend(pin_errors.0);
            None
        }
    };
    match pin {
        Some(pin) if errors.0.is_empty() => Ok(pin),
        _ => Err(errors.into()),
    }
}

/// The store a setup starts from, encrypted with `key`: a database left unencrypted by an
/// earlier version is encrypted in place with everything in it (nothing unsynced is lost); one
/// encrypted under a keyring that is gone cannot be read by anyone and is removed.
fn prepare_store(state: &AppState, key: &DbKey) -> Result<Store, AppError> {
    if state.db_path.exists() {
        match Store::open(&state.db_path) {
            Ok(plain) => {
                let encrypted = state.db_path.with_extension("encrypting");
                let _ = std::fs::remove_file(&encrypted);
                plain.copy_encrypted(&encrypted, key)?;
                drop(plain);
                keyring::wipe(&state.db_path)?;
                std::fs::rename(&encrypted, &state.db_path).map_err(|e| AppError::io(&state.db_path, &e))?;
            }
            Err(_) => keyring::wipe(&state.db_path)?,
        }
    }
    new_store(state, key)
}

/// Opens a new encrypted store (demo data in it if the app was started for a demo).
fn new_store(state: &AppState, key: &DbKey) -> Result<Store, AppError> {
    if let Some(dir) = state.db_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, &e))?;
    }
    let mut store = Store::open_encrypted(&state.db_path, key.duplicate())?;
    if state.demo {
        let n = lohusa_demo::seed(&mut store, 2026, 30, Utc::now(), 50)?;
        eprintln!("lohusa: demo data: {n} mothers added");
    }
    Ok(store)
}

/// Sets this device up with the team's server: enrolls it, signs the member in with her member
/// code, and seals the new store's key with her PIN. If a step fails, the store is kept for the
/// next try (it may hold an earlier version's records, or an enrollment already made).
#[tauri::command]
pub async fn set_up_device(
    state: State<'_, AppState>,
    server: String,
    code: String,
    member_code: String,
    pin: String,
    pin_again: String,
) -> Result<AppStatus, AppError> {
    not_set_up(&state)?;
    let pending = state.take_pending_setup();
    // Enrolled already (its member code was refused before): only the member code is retried.
    let enrolled = pending
        .as_ref()
        .is_some_and(|(store, _)| store.enrollment().ok().flatten().is_some());
    let fields: &[(&str, &str)] = if enrolled {
        &[("member_code", &member_code)]
    } else {
        &[("server", &server), ("code", &code), ("member_code", &member_code)]
    };
    let pin = match check_form(fields, &pin, &pin_again) {
        Ok(pin) => pin,
        Err(error) => {
            state.set_pending_setup(pending);
            return Err(error);
        }
    };
    let (store, key) = match pending {
        Some(pending) => pending,
        None => {
            let key = DbKey::random();
            (prepare_store(&state, &key)?, key)
        }
    };
    let replica = std::sync::Mutex::new(store);
    if replica
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .enrollment()?
        .is_none()
    {
        let enrolled = match server_ca() {
            Ok(ca) => lohusa_sync::enroll_with_ca(&replica, &server, &code, "Lohusa", ca.as_deref())
                .await
                .map_err(AppError::from),
            Err(error) => Err(error),
        };
        if let Err(error) = enrolled {
            // Kept as it is (it may hold records of an earlier version): the next try uses it.
            state.set_pending_setup(Some((
                replica.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner),
                key,
            )));
            return Err(error);
        }
    }
    let member = match lohusa_sync::claim_member(&replica, &member_code, chrono::Utc::now()).await {
        Ok(member) => member,
        Err(error) => {
            state.set_pending_setup(Some((
                replica.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner),
                key,
            )));
            return Err(error.into());
        }
    };
    Keyring::create_for(
        &keyring_path(&state.db_path),
        &key,
        member.id,
        &member.name,
        member.role,
        &pin,
    )?;
    open(
        &state,
        replica.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner),
    )
}

/// Sets this device up before it can reach the team's server: the member gives her name and a
/// PIN. She signs in with her member code once the device is connected (the sync screen).
#[tauri::command]
pub async fn set_up_offline(
    state: State<'_, AppState>,
    name: String,
    pin: String,
    pin_again: String,
) -> Result<AppStatus, AppError> {
    not_set_up(&state)?;
    let pin = check_form(&[("name", &name)], &pin, &pin_again)?;
    // A half-done setup with the server goes on without it; otherwise the store starts from
    // what the data folder holds.
    let (mut store, key) = match state.take_pending_setup() {
        Some(pending) => pending,
        None => {
            let key = DbKey::random();
            (prepare_store(&state, &key)?, key)
        }
    };
    let member = store.set_local_member(&name, chrono::Utc::now())?;
    Keyring::create_for(&keyring_path(&state.db_path), &key, member.id, &member.name, None, &pin)?;
    open(&state, store)
}

/// Puts an unlocked store in place for the member it is signed in as: the session decides
/// whether a lapsed lease or a revocation leaves only the sync screen.
fn open(state: &AppState, store: Store) -> Result<AppStatus, AppError> {
    let sync = store.sync_status()?;
    let lease_lapsed = sync.server.is_some() && lease_expired(sync.last_success, Utc::now());
    let member = store
        .local_member()?
        .ok_or_else(|| AppError::internal(&"an opened store has no member signed in"))?;
    state.open(store, member.id, lease_lapsed)?;
    status(state)
}

/// Signs a member in with her PIN: the store opens with the key her PIN unseals.
#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>, member: MemberId, mut pin: String) -> Result<AppStatus, AppError> {
    required(&[("pin", &pin)])?;
    // A lock still closing the last session (and forgetting or erasing what a sync decided)
    // ends before anyone signs in.
    state.lock_finished().await;
    let _keyring = state.keyring.lock().await;
    let mut keyring = load_keyring(&state)?.ok_or_else(|| AppError::locked("signed_out"))?;
    let now_ms = Utc::now().timestamp_millis();
    // Argon2id takes a moment and 64 MiB: off the async threads.
    let typed = Zeroizing::new(typed_pin(&pin));
    pin.zeroize();
    let pin = typed;
    let (unlocked, keyring) =
        tauri::async_runtime::spawn_blocking(move || (keyring.unlock(member, &pin, now_ms), keyring))
            .await
            .map_err(|e| AppError::internal(&e))?;
    let key = match unlocked {
        Ok(key) => key,
        Err(UnlockError::WrongPin {
            failures,
            locked_until_ms,
        }) => {
            state.apply(Event::PinRefused { member_erased: false });
            let mut error = FieldError::new("pin", Rule::WrongPin).with("failures", failures);
            if let Some(until) = locked_until_ms {
                error = error.with("seconds", (until - now_ms + 999) / 1000);
            }
            return Err(error.into());
        }
        Err(UnlockError::Locked { until_ms }) => {
            return Err(FieldError::new("pin", Rule::PinLocked)
                .with("seconds", (until_ms - now_ms + 999) / 1000)
                .into());
        }
        Err(UnlockError::Erased) => {
            state.apply(Event::PinRefused { member_erased: true });
            return Err(AppError::locked("member_erased"));
        }
        Err(UnlockError::NoSuchMember) => return Err(AppError::not_found("member")),
        Err(UnlockError::Store(error)) => return Err(error.into()),
    };
    let chosen = keyring
        .members()
        .into_iter()
        .find(|m| m.id == member)
        .ok_or_else(|| AppError::not_found("member"))?;
    let mut store = Store::open_encrypted(&state.db_path, key)?;
    store.sign_in_as(chosen.id, &chosen.name, chosen.role)?;
    open(&state, store)
}

/// Locks the app now (the *Lock* button).
#[tauri::command]
pub async fn lock_app(state: State<'_, AppState>) -> Result<AppStatus, AppError> {
    state.lock().await;
    status(&state)
}

/// The member is using the app (typing, tapping) even without saving: postpones the lock.
#[tauri::command(async)]
pub fn still_here(state: State<'_, AppState>) {
    if state.is_open() {
        state.touch();
    }
}

#[tauri::command(async)]
pub fn get_app_status(state: State<'_, AppState>) -> Result<AppStatus, AppError> {
    status(&state)
}

/// Erases this device's data and keys, for a device no one can sign in to any more (forgotten
/// PINs). What was synced comes back after setting it up again.
#[tauri::command]
pub async fn erase_device(state: State<'_, AppState>) -> Result<AppStatus, AppError> {
    state.lock().await;
    let _keyring = state.keyring.lock().await;
    // Closes a store someone opened meanwhile: its files go next.
    state.apply(Event::Erased);
    drop(state.take_pending_setup());
    state.erase_exports();
    keyring::wipe(&state.db_path)?;
    state.set_notice(None);
    status(&state)
}

/// Adds a member to this tablet (signed in as someone already): her member code binds her on
/// the server, her PIN seals the store's key for her, and she is the one signed in now.
#[tauri::command]
pub async fn add_member_to_device(
    state: State<'_, AppState>,
    member_code: String,
    pin: String,
    pin_again: String,
) -> Result<AppStatus, AppError> {
    let pin = check_form(&[("member_code", &member_code)], &pin, &pin_again)?;
    let _busy = state.busy()?;
    let key = state
        .store_for_sync()?
        .key_copy()
        .ok_or_else(|| AppError::locked("signed_out"))?;
    let member = lohusa_sync::claim_member(state.store_lock(), &member_code, chrono::Utc::now()).await?;
    let _keyring = state.keyring.lock().await;
    let mut keyring = load_keyring(&state)?.ok_or_else(|| AppError::locked("signed_out"))?;
    keyring.add_member(&key, member.id, &member.name, member.role, &pin)?;
    state.sync.now();
    status(&state)
}

/// Enrolls a device set up without a server, and signs its member in with her member code (her
/// id on the server may differ: the keyring follows).
#[tauri::command]
pub async fn enroll_device(
    state: State<'_, AppState>,
    server: String,
    code: String,
    member_code: String,
) -> Result<SyncStatus, AppError> {
    let _busy = state.busy()?;
    let (before, enrolled) = {
        let store = state.store_for_sync()?;
        (store.local_member()?, store.enrollment()?.is_some())
    };
    // Enrolled already (the member code was refused last time): only the member code again.
    if enrolled {
        required(&[("member_code", &member_code)])?;
    } else {
        required(&[("server", &server), ("code", &code), ("member_code", &member_code)])?;
        let name = before.as_ref().map_or_else(|| "Lohusa".to_owned(), |m| m.name.clone());
        lohusa_sync::enroll_with_ca(state.store_lock(), &server, &code, &name, server_ca()?.as_deref()).await?;
    }
    let member = lohusa_sync::claim_member(state.store_lock(), &member_code, chrono::Utc::now()).await?;
    let _keyring = state.keyring.lock().await;
    if let (Some(before), Some(mut keyring)) = (before, load_keyring(&state)?) {
        keyring.rename(before.id, member.id, &member.name, member.role)?;
    }
    state.sync.now();
    let status = state.store_for_sync()?.sync_status()?;
    Ok(status)
}

/// Tells the session how a sync it let start ended: it decides what that means (the lease
/// renewed, revoked members forgotten, locking, erasing), and `AppState::apply` carries it out.
pub async fn after_sync(state: &AppState, result: &Result<Option<Report>, lohusa_sync::SyncError>) {
    let end = match result {
        Ok(Some(report)) => SyncEnd::Finished {
            revoked_members: report.revoked_members.clone(),
        },
        Err(error) if error.is_revoked() => {
            let may_wipe = state
                .peek()
                .map(|store| lohusa_sync::revoked_device_may_wipe(&store))
                .transpose();
            match may_wipe {
                Ok(all_uploaded) => SyncEnd::DeviceRevoked {
                    all_uploaded: all_uploaded == Some(true),
                },
                Err(error) => {
                    eprintln!("lohusa: after revocation: {error}");
                    SyncEnd::Failed
                }
            }
        }
        _ => SyncEnd::Failed,
    };
    let _keyring = state.keyring.lock().await;
    let members_on_device = load_keyring(state)
        .ok()
        .flatten()
        .map(|k| k.members().into_iter().map(|m| m.id).collect())
        .unwrap_or_default();
    state.apply(Event::SyncEnded { end, members_on_device });
}

/// Locks the app after `LOCK_AFTER` without use: wakes when the lock is due (or every few
/// seconds while closed) and tells the session the time.
pub fn start_idle_lock(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            let state = app.state::<AppState>();
            let wait = match state.lock_due() {
                Some(due) => due.saturating_sub(state.now()).max(Duration::from_millis(100)),
                None => Duration::from_secs(5),
            };
            tokio::time::sleep(wait).await;
            state.apply(Event::Tick { at: state.now() });
        }
    });
}
