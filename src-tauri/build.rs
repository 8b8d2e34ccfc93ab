//! Tauri's build step: reads tauri.conf.json and the capabilities, embeds the built UI.

fn main() {
    // The UI is embedded at compile time: rebuild whenever a file of the built UI changes.
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build()
}
