//! A throwaway PostgreSQL cluster for the tests: created in a temporary folder, started on a free
//! loopback port, stopped and deleted when dropped. As root it runs as the `postgres` user
//! (PostgreSQL refuses to run as root).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

pub struct TestCluster {
    dir: PathBuf,
    bin: PathBuf,
    /// An admin URL for the tests (they create a database each).
    pub url: String,
}

/// The newest installed PostgreSQL's binaries.
fn bin_dir() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (no /usr/lib/postgresql); install the postgresql package")?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .context("no PostgreSQL server binaries (initdb) found under /usr/lib/postgresql")
}

/// Runs a PostgreSQL tool, as the postgres user when this process is root.
fn pg(bin: &Path, tool: &str, args: &[&str]) -> anyhow::Result<()> {
    let program = bin.join(tool).display().to_string();
    let status = if crate::util::is_root() {
        let line = std::iter::once(program.as_str())
            .chain(args.iter().copied())
            .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
            .collect::<Vec<_>>()
            .join(" ");
        Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c", &line])
            .status()
    } else {
        Command::new(&program).args(args).status()
    }
    .with_context(|| format!("could not run {tool}"))?;
    if !status.success() {
        bail!("{tool} failed ({status})");
    }
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl TestCluster {
    pub fn start() -> anyhow::Result<TestCluster> {
        let bin = bin_dir()?;
        let dir = std::env::temp_dir().join(format!("lohusa-test-pg-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        if crate::util::is_root() {
            crate::util::run("chown", &["postgres:postgres", &dir.display().to_string()], &[])?;
        }
        let data = dir.display().to_string();
        pg(
            &bin,
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-instructions",
            ],
        )
        .context("initdb")?;
        let port = free_port()?;
        let options = format!("-p {port} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=300");
        let log = dir.join("log").display().to_string();
        pg(
            &bin,
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        )
        .context("starting PostgreSQL")?;
        eprintln!("xtask: PostgreSQL test cluster on port {port}");
        Ok(TestCluster {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            dir,
            bin,
        })
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        let data = self.dir.display().to_string();
        if let Err(error) = pg(&self.bin, "pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]) {
            eprintln!("xtask: stopping the PostgreSQL test cluster failed: {error}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
