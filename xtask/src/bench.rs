//! `cargo xtask bench`: the store benchmarks in a release build; `cargo xtask bench sync`: the
//! sync benchmark, with a throwaway PostgreSQL cluster and the PouchDB baseline installed from npm
//! into `target/bench-pouchdb`, then several server processes on that PostgreSQL with many thin
//! devices; `cargo xtask bench hostile`: pushes beside the hostile corpus.

use crate::util;

pub fn bench(mothers: usize, days: u64, visits: usize) -> anyhow::Result<()> {
    let (n, d, v) = (mothers.to_string(), days.to_string(), visits.to_string());
    util::cargo(
        &[
            "run",
            "--release",
            "-p",
            "lohusa-bench",
            "--",
            "--mothers",
            &n,
            "--days",
            &d,
            "--visits",
            &v,
        ],
        &[],
    )
}

pub fn sync(records: usize, devices: usize, seconds: u64, (fleet, servers): (usize, usize)) -> anyhow::Result<()> {
    let root = util::workspace_root();
    let pouch = root.join("target/bench-pouchdb");
    std::fs::create_dir_all(&pouch)?;
    for file in ["package.json", "replicate.js", "server.js"] {
        std::fs::copy(root.join("crates/lohusa-bench/pouchdb").join(file), pouch.join(file))?;
    }
    if !pouch.join("node_modules/pouchdb-node").exists() {
        util::run(
            "npm",
            &[
                "install",
                "--prefix",
                &pouch.display().to_string(),
                "--no-audit",
                "--no-fund",
            ],
            &[],
        )?;
    }
    let postgres = crate::postgres::TestCluster::start()?;
    run_bench(
        "sync",
        &[
            "--records",
            &records.to_string(),
            "--devices",
            &devices.to_string(),
            "--seconds",
            &seconds.to_string(),
            "--pouchdb",
            &pouch.display().to_string(),
            "--postgres",
            &postgres.url,
        ],
    )?;
    // Several server processes on the same PostgreSQL, thin devices spread across them.
    util::cargo(&["build", "--release", "-p", "lohusa-server"], &[])?;
    let server = root.join("target/release/lohusa-server");
    run_bench(
        "fleet",
        &[
            "--postgres",
            &postgres.url,
            "--server-bin",
            &server.display().to_string(),
            "--servers",
            &servers.to_string(),
            "--devices",
            &fleet.to_string(),
            "--seconds",
            &seconds.to_string(),
        ],
    )
}

/// Legitimate tablets pushing beside the hostile corpus, against the same tablets on an idle
/// server, each side a fresh release server process.
pub fn hostile(pushers: usize, seconds: u64) -> anyhow::Result<()> {
    util::cargo(&["build", "--release", "-p", "lohusa-server"], &[])?;
    run_bench(
        "hostile",
        &["--pushers", &pushers.to_string(), "--seconds", &seconds.to_string()],
    )
}

/// Runs one of the bench crate's binaries (release) with these arguments.
fn run_bench(bin: &str, args: &[&str]) -> anyhow::Result<()> {
    let mut all = vec!["run", "--release", "-p", "lohusa-bench", "--bin", bin, "--"];
    all.extend_from_slice(args);
    util::cargo(&all, &[])
}
