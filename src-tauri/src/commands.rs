//! The commands the UI calls. Each one parses its arguments, calls one store function and maps
//! the error; no rule lives here.

use chrono::{NaiveDate, Utc};
use lohusa_core::case::CloseCaseInput;
use lohusa_core::checklist::{self, ChecklistDefinition};
use lohusa_core::coverage::CoverageTable;
use lohusa_core::extra::{ExtraVisitInput, ExtraVisitRecord};
use lohusa_core::flag_text::TextLanguage;
use lohusa_core::flags::Flag;
use lohusa_core::followup::FollowUpFilter;
use lohusa_core::ids::{MotherId, VisitId};
use lohusa_core::instrument::InstrumentText;
use lohusa_core::registration::{Language, RegistrationInput};
use lohusa_core::review::{ReviewInput, ReviewOrder, ReviewRecord};
use lohusa_core::schedule::VisitNumber;
use lohusa_core::sync::{CLOCK_SKEW_WARNING_MS, IssuedCode, NewMember, SILENT_AFTER_DAYS, TeamDevice, TeamMember};
use lohusa_core::time::istanbul_today;
use lohusa_core::today::TodayList;
use lohusa_core::visit::{LaterResultsInput, VisitCorrectionInput, VisitInput};
use lohusa_core::{EntityKind, MemberId};
use lohusa_exchange::referral::ReferralRow;
use lohusa_store::{
    Conflict, FieldChange, FollowUpList, ImportReport, KnownMember, LocalMember, MotherSummary, MotherView, Refused,
    RegistrationForm, Store, SyncStatus, VisitDraft,
};
use lohusa_sync::Progress;
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::error::AppError;
use crate::state::AppState;

fn member(store: &Store) -> Result<LocalMember, AppError> {
    store.local_member()?.ok_or_else(AppError::no_member)
}

// Async so the work runs off the window's thread: a save waits for an fsync.
/// The Today list: the signed-in member's mothers (hers and the unassigned) with `mine`, else
/// the whole team's.
#[tauri::command(async)]
pub fn get_today_list(state: State<'_, AppState>, mine: bool) -> Result<TodayList, AppError> {
    let mut store = state.store()?;
    let member = if mine {
        store.local_member()?.map(|m| m.id)
    } else {
        None
    };
    Ok(store.today_list_for(Utc::now(), member)?)
}

/// The members this device knows, to assign mothers to.
#[tauri::command(async)]
pub fn get_known_members(state: State<'_, AppState>) -> Result<Vec<KnownMember>, AppError> {
    Ok(state.store()?.known_members()?)
}

/// Assigns mothers to a member (or to nobody); how many changed.
#[tauri::command(async)]
pub fn assign_mothers(
    state: State<'_, AppState>,
    mothers: Vec<MotherId>,
    to: Option<MemberId>,
) -> Result<u32, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    let changed = store.assign_mothers(&mothers, to, author, Utc::now())?;
    if changed > 0 {
        state.sync.soon();
    }
    Ok(changed as u32)
}

/// The open cases of a neighbourhood, to assign them together.
#[tauri::command(async)]
pub fn get_open_cases_in(state: State<'_, AppState>, neighbourhood: String) -> Result<Vec<MotherId>, AppError> {
    Ok(state.store()?.open_cases_in(&neighbourhood)?)
}

#[tauri::command(async)]
pub fn close_case(state: State<'_, AppState>, mother: MotherId, input: CloseCaseInput) -> Result<MotherView, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    store.close_case(mother, &input, author, Utc::now())?;
    state.sync.soon();
    Ok(store.mother_view(mother, Utc::now())?)
}

#[tauri::command(async)]
pub fn reopen_case(state: State<'_, AppState>, mother: MotherId) -> Result<MotherView, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    if store.reopen_case(mother, author, Utc::now())? {
        state.sync.soon();
    }
    Ok(store.mother_view(mother, Utc::now())?)
}

#[tauri::command(async)]
pub fn register_mother(state: State<'_, AppState>, input: RegistrationInput) -> Result<MotherId, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    let id = store.register_mother(&input, author, Utc::now())?;
    state.sync.soon();
    Ok(id)
}

#[tauri::command(async)]
pub fn get_mother(state: State<'_, AppState>, id: MotherId) -> Result<MotherView, AppError> {
    Ok(state.store()?.mother_view(id, Utc::now())?)
}

/// A saved visit and the red flags it raises, so an urgent one is shown before the nurse leaves.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct SavedVisit {
    pub id: VisitId,
    pub flags: Vec<Flag>,
}

/// The flags the visit `id` raises now, from the mother's merged record.
fn flags_of(store: &Store, mother: MotherId, id: VisitId) -> Result<Vec<Flag>, AppError> {
    let view = store.mother_view(mother, Utc::now())?;
    Ok(view
        .cards
        .into_iter()
        .find(|c| c.visit.as_ref().is_some_and(|v| v.id == id))
        .map(|c| c.flags)
        .unwrap_or_default())
}

#[tauri::command(async)]
pub fn record_visit(state: State<'_, AppState>, input: VisitInput) -> Result<SavedVisit, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    let id = store.record_visit(&input, author, Utc::now())?;
    state.sync.soon();
    let flags = flags_of(&store, input.mother_id, id)?;
    Ok(SavedVisit { id, flags })
}

/// Signs off red flags of a visit, as the member using this device.
#[tauri::command(async)]
pub fn record_review(
    state: State<'_, AppState>,
    input: ReviewInput,
    extra_visit_on: Option<String>,
) -> Result<ReviewRecord, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?;
    // An extra visit ordered with the sign-off is planned with it (the note says why).
    let record = if input.order == ReviewOrder::ExtraVisit {
        let due_on = extra_visit_on.unwrap_or_default();
        store
            .record_review_with_extra_visit(&input, &due_on, author.id, &author.name, Utc::now())?
            .0
    } else {
        store.record_review(&input, author.id, &author.name, Utc::now())?
    };
    state.sync.soon();
    Ok(record)
}

/// Writes a note about a mother by the signed-in psychologist or social care specialist.
#[tauri::command(async)]
pub fn add_note(
    state: State<'_, AppState>,
    input: lohusa_core::notes::NoteInput,
) -> Result<lohusa_core::notes::NoteRecord, AppError> {
    let record = state.store()?.add_note(&input, Utc::now())?;
    state.sync.soon();
    Ok(record)
}

/// Plans an extra visit outside the windows, as the member using this device.
#[tauri::command(async)]
pub fn schedule_extra_visit(state: State<'_, AppState>, input: ExtraVisitInput) -> Result<ExtraVisitRecord, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?;
    let record = store.schedule_extra_visit(&input, author.id, &author.name, Utc::now())?;
    state.sync.soon();
    Ok(record)
}

/// Keeps a visit recorded twice as an extra visit (the other one decides the window); the
/// mother's screen as it is now.
#[tauri::command(async)]
pub fn keep_visit_as_extra(
    state: State<'_, AppState>,
    visit: lohusa_core::VisitId,
    reason: String,
) -> Result<lohusa_store::MotherView, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?;
    let record = store.make_visit_extra(visit, &reason, author.id, &author.name, Utc::now())?;
    state.sync.soon();
    Ok(store.mother_view(record.mother_id, Utc::now())?)
}

/// Records the visit made for a planned extra visit; its flags, as for any visit.
#[tauri::command(async)]
pub fn record_extra_visit(
    state: State<'_, AppState>,
    extra: uuid::Uuid,
    input: VisitInput,
) -> Result<SavedVisit, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    let id = store.record_extra_visit(extra, &input, author, Utc::now())?;
    state.sync.soon();
    let flags = store
        .mother_view(input.mother_id, Utc::now())?
        .extra_visits
        .into_iter()
        .find(|e| e.record.id == extra)
        .map(|e| e.flags)
        .unwrap_or_default();
    Ok(SavedVisit { id, flags })
}

/// The doctor's follow-up list: the first rows in order, counts per kind, and the last sync.
#[tauri::command(async)]
pub fn get_follow_up_list(state: State<'_, AppState>, filter: FollowUpFilter) -> Result<FollowUpList, AppError> {
    Ok(state.store()?.follow_up_list(Utc::now(), &filter, FOLLOW_UP_PAGE)?)
}

/// How many rows of the follow-up list the screen shows (the counts cover all of them).
const FOLLOW_UP_PAGE: usize = 300;

/// Keeps the visit form as typed (called as the nurse types, and when the app is hidden).
#[tauri::command(async)]
pub fn save_visit_draft(state: State<'_, AppState>, input: VisitInput) -> Result<(), AppError> {
    Ok(state.store()?.save_visit_draft(&input, Utc::now())?)
}

#[tauri::command(async)]
pub fn get_visit_draft(
    state: State<'_, AppState>,
    mother: MotherId,
    number: VisitNumber,
) -> Result<Option<VisitDraft>, AppError> {
    Ok(state.store()?.visit_draft(mother, number)?)
}

#[tauri::command(async)]
pub fn discard_visit_draft(state: State<'_, AppState>, mother: MotherId, number: VisitNumber) -> Result<(), AppError> {
    Ok(state.store()?.discard_visit_draft(mother, number)?)
}

/// Adds lab results to a recorded visit; returns the visit's flags with them.
#[tauri::command(async)]
pub fn record_later_results(state: State<'_, AppState>, input: LaterResultsInput) -> Result<SavedVisit, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    store.record_later_results(&input, author, Utc::now())?;
    state.sync.soon();
    let mother = store.visit(input.visit_id)?.mother_id;
    let flags = flags_of(&store, mother, input.visit_id)?;
    Ok(SavedVisit {
        id: input.visit_id,
        flags,
    })
}

/// The registration form of a mother, filled with her record, to correct it.
#[tauri::command(async)]
pub fn get_registration_form(state: State<'_, AppState>, mother: MotherId) -> Result<RegistrationForm, AppError> {
    Ok(state.store()?.registration_form(mother)?)
}

/// Corrects a mother's registration; how many records changed (0: nothing was different).
#[tauri::command(async)]
pub fn correct_registration(
    state: State<'_, AppState>,
    mother: MotherId,
    input: RegistrationInput,
) -> Result<u32, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    let changed = store.correct_registration(mother, &input, author, Utc::now())?;
    if changed > 0 {
        state.sync.soon();
    }
    Ok(changed as u32)
}

/// Corrects a recorded visit with a reason; returns the visit's flags after it.
#[tauri::command(async)]
pub fn correct_visit(state: State<'_, AppState>, input: VisitCorrectionInput) -> Result<SavedVisit, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    if store.correct_visit(&input, author, Utc::now())? {
        state.sync.soon();
    }
    let mother = store.visit(input.visit_id)?.mother_id;
    let flags = flags_of(&store, mother, input.visit_id)?;
    Ok(SavedVisit {
        id: input.visit_id,
        flags,
    })
}

/// Every change of every field of one record, oldest first.
#[tauri::command(async)]
pub fn get_history(
    state: State<'_, AppState>,
    entity: EntityKind,
    entity_id: uuid::Uuid,
) -> Result<Vec<FieldChange>, AppError> {
    Ok(state.store()?.history(entity, entity_id)?)
}

/// The texts of a screening instrument in a language, when there are any on this device.
#[tauri::command(async)]
pub fn get_screening_text(
    state: State<'_, AppState>,
    instrument: String,
    language: Language,
) -> Result<Option<InstrumentText>, AppError> {
    Ok(state.store()?.screening_text(&instrument, language)?)
}

/// Loads a screening text file (the content of a JSON file the organisation supplies).
#[tauri::command(async)]
pub fn install_screening_text(state: State<'_, AppState>, content: String) -> Result<InstrumentText, AppError> {
    Ok(state.store()?.install_screening_text(&content, Utc::now())?)
}

#[tauri::command(async)]
pub fn search_mothers(state: State<'_, AppState>, query: String) -> Result<Vec<MotherSummary>, AppError> {
    Ok(state.store()?.search_mothers(&query, Utc::now(), 50)?)
}

/// The checklist definition of `version`, or the current one.
#[tauri::command(async)]
pub fn get_checklist(version: Option<u32>) -> Result<ChecklistDefinition, AppError> {
    let definition = match version {
        None => Some(checklist::current()),
        Some(v) => checklist::by_version(v),
    };
    definition
        .cloned()
        .ok_or_else(|| AppError::not_found(&format!("checklist version {version:?}")))
}

/// What the sync screen and the top bar show.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct SyncView {
    pub status: SyncStatus,
    pub running: bool,
    pub progress: Option<Progress>,
    /// The tablet's clock is off from the server's by more than a few minutes.
    pub clock_skew_warning: bool,
    /// The server address is plain HTTP to this computer (development only; plain HTTP to another
    /// computer is refused).
    pub unencrypted: bool,
    /// Who is using this device, to tell "you" from others in conflicts.
    pub member: Option<MemberId>,
}

#[tauri::command(async)]
pub fn get_sync_state(state: State<'_, AppState>) -> Result<SyncView, AppError> {
    // The sync screen stays open past the lease and after a revocation.
    let store = state.store_for_sync()?;
    let status = store.sync_status()?;
    // Plain HTTP is only ever allowed to this computer, for development; say so.
    let unencrypted = status.server.as_deref().is_some_and(lohusa_sync::http::is_local_http);
    Ok(SyncView {
        clock_skew_warning: status.clock_skew_ms.is_some_and(|ms| ms.abs() > CLOCK_SKEW_WARNING_MS),
        unencrypted,
        running: state.is_syncing(),
        progress: state.sync.progress(),
        member: store.local_member()?.map(|m| m.id),
        status,
    })
}

#[tauri::command(async)]
pub fn sync_now(state: State<'_, AppState>) {
    state.sync.now();
}

/// The team lead's coverage table for the month containing `month` (this month in İzmir when
/// none is given), from what this device holds.
#[tauri::command(async)]
pub fn get_coverage(state: State<'_, AppState>, month: Option<NaiveDate>) -> Result<CoverageTable, AppError> {
    let now = Utc::now();
    Ok(state
        .store()?
        .coverage(month.unwrap_or_else(|| istanbul_today(now)), now)?)
}

/// Imports a hospital referral file the team lead picked (`file_name` is kept as the source).
#[tauri::command(async)]
pub fn import_referrals(state: State<'_, AppState>, text: String, file_name: String) -> Result<ImportReport, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    let report = store.import_referrals(&text, &file_name, author, Utc::now())?;
    if !report.created.is_empty() {
        state.sync.soon();
    }
    Ok(report)
}

/// Merges a held referral row into the mother it duplicates, taking the fields named.
#[tauri::command(async)]
pub fn merge_referral(
    state: State<'_, AppState>,
    into: MotherId,
    row: ReferralRow,
    take: Vec<String>,
    file_name: String,
) -> Result<(), AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    store.merge_referral(into, &row, &take, &file_name, author, Utc::now())?;
    state.sync.soon();
    Ok(())
}

/// Registers a held referral row as a mother of her own: not the suspected duplicate.
#[tauri::command(async)]
pub fn keep_referral_apart(
    state: State<'_, AppState>,
    row: ReferralRow,
    file_name: String,
) -> Result<MotherId, AppError> {
    let mut store = state.store()?;
    let author = member(&store)?.id;
    let id = store.create_referral(&row, &file_name, author, Utc::now())?;
    state.sync.soon();
    Ok(id)
}

/// A file written to the exports folder.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct SavedFile {
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Records in it (mothers, rows or resources, by format).
    pub records: u32,
}

pub(crate) fn save_file(state: &AppState, name: &str, content: &[u8], records: usize) -> Result<SavedFile, AppError> {
    let io = |e: std::io::Error| AppError::io(&state.exports, &e);
    std::fs::create_dir_all(&state.exports).map_err(io)?;
    let path = state.exports.join(name);
    std::fs::write(&path, content).map_err(io)?;
    Ok(SavedFile {
        path: path.display().to_string(),
        bytes: content.len() as u64,
        records: u32::try_from(records).unwrap_or(u32::MAX),
    })
}

/// Writes the referral template (header and one example row) to the exports folder.
#[tauri::command(async)]
pub fn save_referral_template(state: State<'_, AppState>) -> Result<SavedFile, AppError> {
    save_file(
        &state,
        "lohusa-referral-template.csv",
        lohusa_exchange::referral::template().as_bytes(),
        1,
    )
}

/// The exports the programme's reports take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    VisitsCsv,
    FlagsCsv,
    FhirBundle,
}

/// Writes every record this device holds in `format` to the exports folder.
#[tauri::command(async)]
pub fn export_records(
    state: State<'_, AppState>,
    format: ExportFormat,
    language: TextLanguage,
) -> Result<SavedFile, AppError> {
    let now = Utc::now();
    let records = {
        let mut store = state.store()?;
        let role = store.local_member()?.and_then(|m| m.role);
        if !role.is_some_and(lohusa_core::access::may_export) {
            return Err(lohusa_core::FieldError::new("format", lohusa_core::Rule::NotYourRole).into());
        }
        (store.records_for_export(now)?, store.member_names_map()?)
    };
    let (records, members) = records;
    let day = istanbul_today(now).format("%Y-%m-%d");
    let (name, content, count) = match format {
        ExportFormat::VisitsCsv => {
            let visits = records.iter().map(|m| m.visits.len()).sum();
            (
                format!("lohusa-visits-{day}.csv"),
                lohusa_exchange::csv_export::visits_csv(&records),
                visits,
            )
        }
        ExportFormat::FlagsCsv => {
            let flags = records.iter().flat_map(|m| &m.visits).map(|v| v.flags.len()).sum();
            (
                format!("lohusa-flags-{day}.csv"),
                lohusa_exchange::csv_export::flags_csv(&records, language),
                flags,
            )
        }
        ExportFormat::FhirBundle => {
            let bundle = lohusa_exchange::fhir::bundle_with(
                &records,
                &lohusa_exchange::fhir::BundleOptions {
                    members: &members,
                    period: None,
                    generated_at: now,
                    language,
                },
            );
            let entries = bundle["entry"].as_array().map_or(0, Vec::len);
            let text = serde_json::to_string_pretty(&bundle).map_err(|e| AppError::internal(&e))?;
            (format!("lohusa-fhir-{day}.json"), text, entries)
        }
    };
    save_file(&state, &name, content.as_bytes(), count)
}

/// The team's devices as the server knows them (needs the server).
#[tauri::command]
pub async fn get_team_devices(state: State<'_, AppState>) -> Result<TeamDevices, AppError> {
    let transport = transport(&state)?;
    let devices = transport.team_devices().await?;
    Ok(TeamDevices {
        this_device: state.store()?.device_id().to_string(),
        devices,
        silent_after_days: SILENT_AFTER_DAYS,
    })
}

/// The transport to this device's server, naming the member signed in.
fn transport(state: &AppState) -> Result<lohusa_sync::http::HttpTransport, AppError> {
    Ok(lohusa_sync::http::HttpTransport::for_store(&*state.store()?)?)
}

/// The team's members with their roles and devices (the team lead; needs the server).
#[tauri::command]
pub async fn get_team_members(state: State<'_, AppState>) -> Result<Vec<TeamMember>, AppError> {
    let transport = transport(&state)?;
    Ok(transport.team_members().await?)
}

/// Adds a member to the team; her one-time member code, shown once.
#[tauri::command]
pub async fn add_team_member(state: State<'_, AppState>, new: NewMember) -> Result<IssuedCode, AppError> {
    if new.name.trim().is_empty() {
        return Err(lohusa_core::FieldError::new("name", lohusa_core::Rule::Required).into());
    }
    let transport = transport(&state)?;
    Ok(transport.add_team_member(&new).await?)
}

/// A new one-time code for a member: another device, or a forgotten PIN.
#[tauri::command]
pub async fn new_member_code(state: State<'_, AppState>, num: i64) -> Result<IssuedCode, AppError> {
    let transport = transport(&state)?;
    Ok(transport.new_member_code(num).await?)
}

#[tauri::command]
pub async fn revoke_team_member(state: State<'_, AppState>, num: i64) -> Result<(), AppError> {
    let transport = transport(&state)?;
    Ok(transport.revoke_team_member(num).await?)
}

/// A one-time code for enrolling a new device of the team.
#[tauri::command]
pub async fn new_enrollment_code(state: State<'_, AppState>) -> Result<IssuedCode, AppError> {
    let transport = transport(&state)?;
    Ok(transport.new_enrollment_code().await?)
}

/// Revokes another device of the team: it uploads what it holds at its next sync, then erases
/// itself.
#[tauri::command]
pub async fn revoke_team_device(state: State<'_, AppState>, id: String) -> Result<(), AppError> {
    let transport = transport(&state)?;
    Ok(transport.revoke_team_device(&id).await?)
}

/// The tablets view: every active device of the team, and which one is this.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TeamDevices {
    pub this_device: String,
    pub devices: Vec<TeamDevice>,
    /// A device whose last sync is older than this many days stands out.
    #[ts(type = "number")]
    pub silent_after_days: i64,
}

#[tauri::command(async)]
pub fn get_conflicts(state: State<'_, AppState>) -> Result<Vec<Conflict>, AppError> {
    Ok(state.store()?.conflicts()?)
}

/// Keeps `value` for a field written on two devices; the choice syncs like any change.
#[tauri::command(async)]
pub fn resolve_conflict(
    state: State<'_, AppState>,
    entity: EntityKind,
    entity_id: String,
    field: String,
    value: serde_json::Value,
) -> Result<(), AppError> {
    let entity_id: uuid::Uuid = entity_id.parse().map_err(|_| AppError::not_found("record"))?;
    let mut store = state.store()?;
    let author = member(&store)?.id;
    store.resolve_conflict(entity, entity_id, &field, value, author, Utc::now())?;
    drop(store);
    state.sync.soon();
    Ok(())
}

/// Changes the server refused: kept on this device, listed with the reason.
#[tauri::command(async)]
pub fn get_refused_changes(state: State<'_, AppState>) -> Result<Vec<Refused>, AppError> {
    Ok(state.store_for_sync()?.refused_changes()?)
}
