//! `cargo xtask test`: every test of the project, in the order that fails fastest.

use crate::{deps, run, shifted, util};

pub fn test(e2e: bool) -> anyhow::Result<()> {
    // Formatting first: it fails in a second, before any build.
    util::cargo(&["fmt", "--all", "--", "--check"], &[])?;
    deps::ensure_system_packages()?;
    let tauri_driver = if e2e { Some(deps::ensure_tauri_driver()?) } else { None };
    deps::ensure_npm_packages()?;
    // ESLint (the rules of hooks among them) fails in seconds, before any build.
    util::npm(&["run", "lint"])?;
    // The app embeds ui/dist, so the UI is built before anything that compiles the app. This
    // also builds lohusa-server and lohusa-cli, which the process and end-to-end tests run.
    run::build_app()?;
    // Lints as a gate: clippy's warnings are errors (the workspace's lint table in Cargo.toml).
    util::cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[])?;
    {
        let postgres = crate::postgres::TestCluster::start()?;
        let env = [("LOHUSA_TEST_POSTGRES_URL", postgres.url.as_str())];
        util::cargo(&["test", "--workspace", "--exclude", "lohusa-e2e"], &env)?;
        // The same binaries again a year ahead: nothing may depend on today's date.
        shifted::run(&["--workspace", "--exclude", "lohusa-e2e"], &env)?;
    }
    util::npm(&["run", "check"])?;
    util::npm(&["test"])?;
    if let Some(tauri_driver) = tauri_driver {
        let driver = tauri_driver.display().to_string();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        // A square screen, so the window fits both 1280x800 landscape and 800x1280 portrait.
        util::run(
            "xvfb-run",
            &[
                "-a",
                "-s",
                "-screen 0 1280x1280x24",
                &cargo,
                "test",
                "-p",
                "lohusa-e2e",
                "--",
                "--test-threads=1",
            ],
            &[util::cargo_env(), &[("TAURI_DRIVER", driver.as_str())]].concat(),
        )?;
    }
    eprintln!("xtask: all tests passed");
    Ok(())
}
