//! Running commands with their output shown, and finding the workspace.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, bail};

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

/// Runs `program args` with extra environment, failing when it fails.
pub fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<()> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .with_context(|| format!("could not start {program}"))?;
    if !status.success() {
        bail!("{program} {} failed ({status})", args.join(" "));
    }
    Ok(())
}

pub fn cargo(args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut all = cargo_env().to_vec();
    all.extend_from_slice(env);
    run(&cargo, args, &all)
}

/// What every cargo this tool starts gets in its environment.
///
/// Incremental compilation keeps about 2 GB of state for the workspace's crates, and it only pays
/// back on a second build of the same tree. A first build (a CI run on a clean clone, where the
/// disk may be tight, or a fresh checkout) goes without it; a developer's tree, which already
/// has it, keeps it. An explicit `CARGO_INCREMENTAL` always wins.
pub fn cargo_env() -> &'static [(&'static str, &'static str)] {
    static ENV: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    ENV.get_or_init(|| {
        let first_build = std::env::var_os("CI").is_some() || !has_incremental_state();
        if first_build && std::env::var_os("CARGO_INCREMENTAL").is_none() {
            eprintln!("xtask: a first build of this tree: without incremental compilation");
            vec![("CARGO_INCREMENTAL", "0")]
        } else {
            Vec::new()
        }
    })
}

/// Whether the target folder holds incremental state of a crate other than this tool (which
/// cargo built, incrementally, just before running it).
fn has_incremental_state() -> bool {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let Ok(entries) = std::fs::read_dir(target.join("debug/incremental")) else {
        return false;
    };
    entries
        .flatten()
        .any(|entry| !entry.file_name().to_string_lossy().starts_with("xtask-"))
}

pub fn npm(args: &[&str]) -> anyhow::Result<()> {
    let mut all = vec!["--prefix", "ui"];
    all.extend_from_slice(args);
    run("npm", &all, &[])
}

/// Whether `program` is on PATH.
pub fn on_path(program: &str) -> bool {
    find_on_path(program).is_some()
}

pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
