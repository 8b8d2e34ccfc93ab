//! The Rust tests again with the clock far ahead: every test binary the normal run built, run
//! under libfaketime with the wall clock moved by `SHIFT` (past a year end), so a test or product
//! code that reads today's date where it should take `now` fails here, today, and not next month.
//!
//! cargo and rustc hang under libfaketime, so only the built test executables run shifted, each
//! from its package folder as `cargo test` runs it. The monotonic clock is left alone (timeouts
//! keep their length). A test that must see the real date says so by name (`real_clock`) and is
//! skipped here.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::util;

/// How far ahead the clock is moved: more than a year, so every run crosses a year end.
pub const SHIFT: &str = "+400d";

/// libfaketime's multi-threaded library (the tests run tokio and threads), as Debian installs it.
fn libfaketime() -> anyhow::Result<PathBuf> {
    let found = std::fs::read_dir("/usr/lib")?
        .filter_map(Result::ok)
        .map(|e| e.path().join("faketime/libfaketimeMT.so.1"))
        .chain([PathBuf::from("/usr/lib/faketime/libfaketimeMT.so.1")])
        .find(|p| p.is_file());
    found.context("libfaketimeMT.so.1 not found; install the Debian package `faketime`")
}

/// One test executable of the workspace and the package folder it runs in.
struct TestBinary {
    executable: PathBuf,
    package_dir: PathBuf,
    name: String,
}

/// The test executables `cargo test` built for these arguments (built again only if stale).
fn test_binaries(cargo_args: &[&str]) -> anyhow::Result<Vec<TestBinary>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut args = vec!["test"];
    args.extend_from_slice(cargo_args);
    args.extend(["--no-run", "--message-format=json"]);
    eprintln!("xtask: $ {cargo} {}", args.join(" "));
    let out = Command::new(&cargo)
        .args(&args)
        .envs(util::cargo_env().iter().copied())
        .output()
        .context("could not start cargo")?;
    if !out.status.success() {
        bail!(
            "cargo {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut binaries = Vec::new();
    for line in String::from_utf8(out.stdout)?.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
            continue;
        }
        let (Some(executable), Some(manifest)) = (message["executable"].as_str(), message["manifest_path"].as_str())
        else {
            continue;
        };
        binaries.push(TestBinary {
            executable: executable.into(),
            package_dir: Path::new(manifest)
                .parent()
                .context("a manifest has a folder")?
                .to_owned(),
            name: format!(
                "{} ({})",
                message["target"]["name"].as_str().unwrap_or("?"),
                message["target"]["kind"][0].as_str().unwrap_or("?")
            ),
        });
    }
    Ok(binaries)
}

/// Runs every test binary of `cargo test {cargo_args}` with the clock moved by `SHIFT`.
pub fn run(cargo_args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<()> {
    let library = libfaketime()?;
    let binaries = test_binaries(cargo_args)?;
    if binaries.is_empty() {
        bail!("no test binaries found to run with the clock shifted");
    }
    let mut failed = Vec::new();
    for binary in &binaries {
        eprintln!("xtask: clock {SHIFT}: {}", binary.name);
        let status = Command::new(&binary.executable)
            .args(["--skip", "real_clock"])
            .current_dir(&binary.package_dir)
            .envs(env.iter().copied())
            .env("CARGO_MANIFEST_DIR", &binary.package_dir)
            .env("LD_PRELOAD", &library)
            .env("FAKETIME", SHIFT)
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
            .status()
            .with_context(|| format!("could not start {}", binary.executable.display()))?;
        if !status.success() {
            failed.push(binary.name.clone());
        }
    }
    if !failed.is_empty() {
        bail!("with the clock at {SHIFT}, these tests failed: {}", failed.join(", "));
    }
    eprintln!(
        "xtask: {} test binaries passed with the clock at {SHIFT}",
        binaries.len()
    );
    Ok(())
}
