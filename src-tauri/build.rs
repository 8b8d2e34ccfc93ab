//! Tauri's build step: reads tauri.conf.json and the capabilities, embeds the built UI.

fn main() {
    tauri_build::build()
}
