//! The `lohusa` binary: starts the app. Everything else lives in the library.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    lohusa_app::run();
}
