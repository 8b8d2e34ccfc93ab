//! The Lohusa app: opens the store in the app's data folder, optionally seeds demo data, and
//! registers the commands. Wiring only.

mod bindings;
pub mod commands;
pub mod error;
pub mod state;

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
            app.manage(AppState::new(store));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_app_status,
            commands::set_member_name,
            commands::get_today_list,
            commands::register_mother,
            commands::get_mother,
            commands::record_visit,
            commands::search_mothers,
            commands::get_checklist,
        ])
        .run(tauri::generate_context!())
        .expect("the Lohusa window could not start");
}
