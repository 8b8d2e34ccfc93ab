//! `cargo xtask run`: install what is missing, build the UI and the app, open it.

use std::path::Path;

use anyhow::bail;

use crate::{deps, util};

pub fn build_app() -> anyhow::Result<()> {
    util::npm(&["run", "build"])?;
    util::cargo(&["build", "-p", "lohusa-app"], &[])
}

pub fn run(app_args: &[String]) -> anyhow::Result<()> {
    deps::ensure_system_packages()?;
    deps::ensure_npm_packages()?;
    build_app()?;
    let demo = app_args.iter().any(|a| a == "--demo");
    let mut env: Vec<(String, String)> = Vec::new();
    if demo {
        // Demo mothers go to their own folder, never into a real store.
        let dir = Path::new("target/demo-data").canonicalize().unwrap_or_else(|_| {
            std::fs::create_dir_all("target/demo-data").expect("target is writable");
            Path::new("target/demo-data").canonicalize().expect("just created")
        });
        env.push(("LOHUSA_DATA_DIR".into(), dir.display().to_string()));
        eprintln!("xtask: demo data lives in {}", dir.display());
    }
    eprintln!("xtask: the sync server is not part of this build yet; the app works fully offline.");
    let binary = "target/debug/lohusa";
    let args: Vec<&str> = app_args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        if util::on_path("xvfb-run") {
            eprintln!("xtask: no display found; running under Xvfb (nothing will be visible)");
            let mut all = vec!["-a", "-s", "-screen 0 1280x800x24", binary];
            all.extend(args);
            return util::run("xvfb-run", &all, &env);
        }
        bail!("no display (DISPLAY or WAYLAND_DISPLAY) to open the app on");
    }
    util::run(binary, &args, &env)
}
