//! The Lohusa app: points the state at the store in the app's data folder (opened by a member's
//! PIN, see `session`), starts the background work, and registers the commands. Wiring only.

mod bindings;
pub mod commands;
pub mod error;
pub mod programme;
pub mod session;
pub mod state;
pub mod sync;

use std::path::PathBuf;
use std::time::Duration;

use tauri::Manager;

use crate::state::AppState;

/// Overrides the data folder (tests and demos point it at a throwaway folder).
pub const DATA_DIR_ENV: &str = "LOHUSA_DATA_DIR";
/// Set to 1 (or pass `--demo`) to fill an empty store with demo mothers; without a data folder
/// override they live in a `demo` folder of their own.
pub const DEMO_ENV: &str = "LOHUSA_DEMO";

/// How often the background connection moves the write-ahead log into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(5);

/// Checkpoints the open store's WAL on its own thread and connection, so a nurse's save never
/// pays for it (see `lohusa_store::Checkpointer`); nothing while the app is locked.
fn start_checkpointer(checkpointer: std::sync::Arc<std::sync::Mutex<Option<lohusa_store::Checkpointer>>>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(CHECKPOINT_EVERY);
            let guard = checkpointer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(checkpointer) = guard.as_ref()
                && let Err(error) = checkpointer.checkpoint()
            {
                eprintln!("lohusa: background checkpoint failed: {error}");
            }
        }
    });
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let demo = std::env::args().any(|a| a == "--demo") || std::env::var(DEMO_ENV).is_ok_and(|v| v == "1");
    tauri::Builder::default()
        .setup(move |app| {
            let data_dir = match std::env::var_os(DATA_DIR_ENV) {
                Some(dir) => PathBuf::from(dir),
                // Demo mothers never go into the store that holds real ones.
                None if demo => app.path().app_data_dir()?.join("demo"),
                None => app.path().app_data_dir()?,
            };
            std::fs::create_dir_all(&data_dir)?;
            // The store is encrypted: it opens when a member signs in with her PIN.
            let state = AppState::new(data_dir.join("lohusa.sqlite3"), data_dir.join("exports"), demo);
            start_checkpointer(state.checkpointer());
            app.manage(state);
            sync::start(app.handle().clone());
            session::start_idle_lock(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            session::get_app_status,
            session::set_up_device,
            session::set_up_offline,
            session::sign_in,
            session::lock_app,
            session::still_here,
            session::erase_device,
            session::add_member_to_device,
            session::enroll_device,
            commands::get_today_list,
            commands::register_mother,
            commands::get_mother,
            commands::record_visit,
            commands::record_later_results,
            commands::get_registration_form,
            commands::correct_registration,
            commands::correct_visit,
            commands::get_history,
            commands::get_known_members,
            commands::assign_mothers,
            commands::get_open_cases_in,
            commands::close_case,
            commands::reopen_case,
            commands::get_follow_up_list,
            commands::record_review,
            commands::schedule_extra_visit,
            commands::add_note,
            commands::record_extra_visit,
            commands::keep_visit_as_extra,
            commands::save_visit_draft,
            commands::get_visit_draft,
            commands::discard_visit_draft,
            commands::get_screening_text,
            commands::install_screening_text,
            commands::search_mothers,
            commands::get_checklist,
            commands::get_sync_state,
            commands::sync_now,
            commands::get_coverage,
            commands::import_referrals,
            commands::merge_referral,
            commands::keep_referral_apart,
            commands::save_referral_template,
            commands::export_records,
            programme::get_programme_report,
            programme::export_programme,
            programme::get_stock,
            programme::record_stock,
            commands::get_team_devices,
            commands::get_team_members,
            commands::add_team_member,
            commands::new_member_code,
            commands::revoke_team_member,
            commands::new_enrollment_code,
            commands::revoke_team_device,
            commands::get_conflicts,
            commands::resolve_conflict,
            commands::get_refused_changes,
        ])
        .run(tauri::generate_context!())
        .expect("the Lohusa window could not start");
}
