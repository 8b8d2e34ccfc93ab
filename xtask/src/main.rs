//! `cargo xtask`: every build, test and run step of Lohusa, so a fresh machine needs only
//! the Rust toolchain, Node and npm, and CI runs exactly what a developer runs.

mod bench;
mod deps;
mod postgres;
mod run;
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
    /// Benchmarks of the local store (release build), reported against a baseline.
    Bench {
        /// How many mothers to load into the store.
        #[arg(long, default_value_t = 5000)]
        mothers: usize,
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
        Command::Bench { mothers } => bench::bench(mothers),
        Command::Codegen => util::cargo(
            &["test", "-p", "lohusa-app", "--lib", "bindings"],
            &[("UPDATE_BINDINGS", "1")],
        ),
        Command::Deps => deps::ensure_all(),
    }
}
