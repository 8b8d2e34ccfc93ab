//! Installs what the build and the tests need on a fresh Debian or Ubuntu machine: system
//! packages (as root; otherwise it prints the command), tauri-driver, and the UI's npm packages.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::bail;

use crate::util::{self, is_root, on_path};

/// Debian packages: WebKitGTK and friends to build the app, Xvfb and WebKitWebDriver for the
/// end-to-end tests, ImageMagick for whole-screen shots, PostgreSQL for the server's tests, the
/// sqlite3 command line to show an encrypted store is unreadable without its key, libfaketime to
/// run the tests again with the clock a year ahead.
pub const SYSTEM_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "build-essential",
    "pkg-config",
    "curl",
    "file",
    "libssl-dev",
    "libxdo-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "imagemagick",
    "postgresql",
    "sqlite3",
    "faketime",
];

pub const TAURI_DRIVER_VERSION: &str = "2.1.0";

pub fn ensure_all() -> anyhow::Result<()> {
    ensure_system_packages()?;
    ensure_tauri_driver()?;
    ensure_npm_packages()
}

pub fn ensure_system_packages() -> anyhow::Result<()> {
    let missing: Vec<&str> = SYSTEM_PACKAGES.iter().copied().filter(|p| !dpkg_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!("apt-get install -y --no-install-recommends {}", missing.join(" "));
    if !is_root() {
        bail!(
            "missing system packages; run as root:\n  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive {install}"
        );
    }
    util::run("apt-get", &["update", "-q"], &[])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(missing.iter().copied());
    util::run("apt-get", &args, &[("DEBIAN_FRONTEND", "noninteractive")])
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// The path of tauri-driver, installing it with cargo when it is missing.
pub fn ensure_tauri_driver() -> anyhow::Result<PathBuf> {
    if let Some(path) = util::find_on_path("tauri-driver") {
        return Ok(path);
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cargo"));
    let installed = cargo_home.join("bin/tauri-driver");
    if !installed.is_file() {
        util::cargo(
            &["install", &format!("tauri-driver@{TAURI_DRIVER_VERSION}"), "--locked"],
            &[],
        )?;
    }
    Ok(installed)
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// `npm ci` when node_modules is missing or older than the lock file.
pub fn ensure_npm_packages() -> anyhow::Result<()> {
    if !on_path("npm") {
        bail!("npm is not installed: install Node.js 20 and npm first");
    }
    let stamp = Path::new("ui/node_modules/.package-lock.json");
    let lock = Path::new("ui/package-lock.json");
    let fresh = match (
        stamp.metadata().and_then(|m| m.modified()),
        lock.metadata().and_then(|m| m.modified()),
    ) {
        (Ok(installed), Ok(locked)) => installed >= locked,
        _ => false,
    };
    if !fresh {
        util::npm(&["ci", "--no-audit", "--no-fund"])?;
    }
    Ok(())
}
