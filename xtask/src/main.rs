//! `cargo xtask`: every build, test and run step of Lohusa, so a fresh machine needs only
//! the Rust toolchain, Node and npm, and CI runs exactly what a developer runs.

mod bench;
mod deps;
mod postgres;
mod run;
mod shifted;
mod test;
mod util;

#[cfg(test)]
mod tidy;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build, test and run Lohusa")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what is missing, build, and open the app. Arguments after `--` go to the app
    /// (`cargo xtask run -- --demo` opens it with demo data in a separate data folder).
    Run {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        app_args: Vec<String>,
    },
    /// Every test: Rust, UI unit tests and the end-to-end tests of the real app under Xvfb.
    Test {
        /// Skip the WebDriver end-to-end tests.
        #[arg(long)]
        no_e2e: bool,
    },
    /// Benchmarks (release build), reported against baselines: `bench` for the local store,
    /// `bench sync` for sync against both server databases, PouchDB and a raw SQLite insert (then
    /// several server processes on one PostgreSQL with many thin devices),
    /// `bench hostile` for legitimate pushes under attack against an idle server.
    Bench {
        /// `sync` for the sync benchmark; nothing for the store benchmark.
        which: Option<String>,
        /// How many mothers to load into the store.
        #[arg(long, default_value_t = 5000)]
        mothers: usize,
        /// Births spread over this many days before today (more days, more visits made).
        #[arg(long, default_value_t = 60)]
        days: u64,
        /// Top the store up to this many visit records (attempts before visits made).
        #[arg(long, default_value_t = 0)]
        visits: usize,
        /// Sync: visit checklists to push and pull.
        #[arg(long, default_value_t = 10_000)]
        records: usize,
        /// Sync: devices syncing at once, and for how many seconds per database.
        #[arg(long, default_value_t = 200)]
        devices: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Sync: thin devices spread over several server processes on one PostgreSQL.
        #[arg(long, default_value_t = 1000)]
        fleet: usize,
        /// Sync: server processes sharing that PostgreSQL.
        #[arg(long, default_value_t = 3)]
        servers: usize,
    },
    /// Regenerate the TypeScript bindings from the Rust types.
    Codegen,
    /// Install the system packages, tauri-driver and npm packages the build and tests need.
    Deps,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    std::env::set_current_dir(util::workspace_root())?;
    match cli.command {
        Command::Run { app_args } => run::run(&app_args),
        Command::Test { no_e2e } => test::test(!no_e2e),
        Command::Bench {
            which,
            mothers,
            days,
            visits,
            records,
            devices,
            seconds,
            fleet,
            servers,
        } => match which.as_deref() {
            None => bench::bench(mothers, days, visits),
            Some("sync") => bench::sync(records, devices, seconds, (fleet, servers)),
            Some("hostile") => bench::hostile(50, seconds.min(60)),
            Some(other) => {
                anyhow::bail!(
                    "unknown benchmark {other:?}; try `cargo xtask bench`, `cargo xtask bench sync` or `cargo xtask bench hostile`"
                )
            }
        },
        Command::Codegen => util::cargo(
            &["test", "-p", "lohusa-app", "--lib", "bindings"],
            &[("UPDATE_BINDINGS", "1")],
        ),
        Command::Deps => deps::ensure_all(),
    }
}
