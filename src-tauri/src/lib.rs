//! The Lohusa app: opens the store in the app's data folder, optionally seeds demo data, and
//! registers the commands. Wiring only.

mod bindings;
pub mod commands;
pub mod error;
pub mod state;
pub mod sync;

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use tauri::Manager;

use crate::state::AppState;

/// Overrides the data folder (tests and demos point it at a throwaway folder).
pub const DATA_DIR_ENV: &str = "LOHUSA_DATA_DIR";
/// Set to 1 (or pass `--demo`) to fill an empty store with demo mothers; without a data folder
/// override they live in a `demo` folder of their own.
pub const DEMO_ENV: &str = "LOHUSA_DEMO";

/// How often the background connection moves the write-ahead log into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(5);

/// Checkpoints the store's WAL on its own thread and connection, so a nurse's save never pays
/// for it (see `lohusa_store::Checkpointer`).
fn start_checkpointer(checkpointer: lohusa_store::Checkpointer) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(CHECKPOINT_EVERY);
            if let Err(error) = checkpointer.checkpoint() {
                eprintln!("lohusa: background checkpoint failed: {error}");
            }
        }
    });
}

/// A server and one-time code to enroll with at start (`cargo xtask run` sets them to its local
/// server), when the device is not enrolled yet.
pub const SERVER_ENV: &str = "LOHUSA_SERVER_URL";
pub const ENROLLMENT_CODE_ENV: &str = "LOHUSA_ENROLLMENT_CODE";
/// A PEM file with the team's own certificate authority, trusted alone for the server.
const SERVER_CA_ENV: &str = "LOHUSA_SERVER_CA";
/// A member's one-time code to sign in with right after enrolling (`cargo xtask run`).
pub const MEMBER_CODE_ENV: &str = "LOHUSA_MEMBER_CODE";

fn enroll_from_environment(app: tauri::AppHandle) {
    let set = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    let (Some(server), Some(code)) = (set(SERVER_ENV), set(ENROLLMENT_CODE_ENV)) else {
        return;
    };
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let ca = set(SERVER_CA_ENV).map(std::fs::read_to_string).transpose();
        let ca = match ca {
            Ok(ca) => ca,
            Err(error) => {
                eprintln!("lohusa: the team's certificate file could not be read: {error}");
                return;
            }
        };
        if let Err(error) =
            lohusa_sync::enroll_with_ca(state.store_lock(), &server, &code, "Lohusa", ca.as_deref()).await
        {
            eprintln!("lohusa: enrollment with {server} failed: {}", error.kind());
            return;
        }
        if let Some(member_code) = set(MEMBER_CODE_ENV) {
            if let Err(error) = lohusa_sync::claim_member(state.store_lock(), &member_code).await {
                eprintln!("lohusa: signing in with the member code failed: {}", error.kind());
            }
        }
        state.sync.now();
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
            let mut store = lohusa_store::Store::open(&data_dir.join("lohusa.sqlite3"))?;
            if demo {
                let n = lohusa_demo::seed(&mut store, 2026, 30, Utc::now(), 50)?;
                eprintln!("lohusa: demo data: {n} mothers added");
            }
            start_checkpointer(store.checkpointer()?);
            let enrolled = store.enrollment()?.is_some();
            app.manage(AppState::new(store, data_dir.join("exports")));
            if !enrolled {
                enroll_from_environment(app.handle().clone());
            }
            sync::start(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_app_status,
            commands::set_member_name,
            commands::get_today_list,
            commands::register_mother,
            commands::get_mother,
            commands::record_visit,
            commands::record_later_results,
            commands::get_follow_up_list,
            commands::record_review,
            commands::schedule_extra_visit,
            commands::record_extra_visit,
            commands::save_visit_draft,
            commands::get_visit_draft,
            commands::discard_visit_draft,
            commands::get_screening_text,
            commands::install_screening_text,
            commands::search_mothers,
            commands::get_checklist,
            commands::get_sync_state,
            commands::sync_now,
            commands::enroll_device,
            commands::claim_member,
            commands::get_coverage,
            commands::import_referrals,
            commands::merge_referral,
            commands::keep_referral_apart,
            commands::save_referral_template,
            commands::export_records,
            commands::get_team_devices,
            commands::get_conflicts,
            commands::resolve_conflict,
            commands::get_refused_changes,
        ])
        .run(tauri::generate_context!())
        .expect("the Lohusa window could not start");
}
