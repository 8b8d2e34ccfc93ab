//! The commands the UI calls. Each one parses its arguments, calls one store function and maps
//! the error; no rule lives here.

use chrono::{NaiveDate, Utc};
use lohusa_core::checklist::{self, ChecklistDefinition};
use lohusa_core::ids::{MotherId, VisitId};
use lohusa_core::registration::RegistrationInput;
use lohusa_core::time::istanbul_today;
use lohusa_core::today::TodayList;
use lohusa_core::visit::VisitInput;
use lohusa_store::{LocalMember, MotherSummary, MotherView, Store};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::error::{AppError, ErrorKind};
use crate::state::AppState;

/// What the app shell needs at start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AppStatus {
    pub member: Option<LocalMember>,
    pub device_id: String,
    /// Today's date in İzmir.
    pub today: NaiveDate,
    pub version: String,
}

pub fn app_status(store: &Store) -> Result<AppStatus, AppError> {
    Ok(AppStatus {
        member: store.local_member()?,
        device_id: store.device_id().to_string(),
        today: istanbul_today(Utc::now()),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

fn member(store: &Store) -> Result<LocalMember, AppError> {
    store.local_member()?.ok_or_else(AppError::no_member)
}

// Async so the work runs off the window's thread: a save waits for an fsync.
#[tauri::command(async)]
pub fn get_app_status(state: State<'_, AppState>) -> Result<AppStatus, AppError> {
    app_status(&state.store())
}

#[tauri::command(async)]
pub fn set_member_name(state: State<'_, AppState>, name: String) -> Result<LocalMember, AppError> {
    Ok(state.store().set_local_member(&name)?)
}

#[tauri::command(async)]
pub fn get_today_list(state: State<'_, AppState>) -> Result<TodayList, AppError> {
    Ok(state.store().today_list(Utc::now())?)
}

#[tauri::command(async)]
pub fn register_mother(state: State<'_, AppState>, input: RegistrationInput) -> Result<MotherId, AppError> {
    let mut store = state.store();
    let author = member(&store)?.id;
    Ok(store.register_mother(&input, author, Utc::now())?)
}

#[tauri::command(async)]
pub fn get_mother(state: State<'_, AppState>, id: MotherId) -> Result<MotherView, AppError> {
    Ok(state.store().mother_view(id, Utc::now())?)
}

#[tauri::command(async)]
pub fn record_visit(state: State<'_, AppState>, input: VisitInput) -> Result<VisitId, AppError> {
    let mut store = state.store();
    let author = member(&store)?.id;
    Ok(store.record_visit(&input, author, Utc::now())?)
}

#[tauri::command(async)]
pub fn search_mothers(state: State<'_, AppState>, query: String) -> Result<Vec<MotherSummary>, AppError> {
    Ok(state.store().search_mothers(&query, Utc::now(), 50)?)
}

/// The checklist definition of `version`, or the current one.
#[tauri::command(async)]
pub fn get_checklist(version: Option<u32>) -> Result<ChecklistDefinition, AppError> {
    let definition = match version {
        None => Some(checklist::current()),
        Some(v) => checklist::by_version(v),
    };
    definition.cloned().ok_or_else(|| AppError {
        kind: ErrorKind::NotFound,
        message: format!("checklist version {version:?} is not shipped"),
        errors: vec![],
    })
}
