//! The `lohusa` binary: starts the app. Everything else lives in the library.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc instead of the system allocator: sync, the lists and the merge build and drop many
/// small maps and strings, which it serves faster (`cargo xtask bench sync` measures it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    lohusa_app::run();
}
