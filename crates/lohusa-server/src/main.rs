//! The `lohusa-server` command: serve the sync API, and the admin commands (teams, enrollment
//! codes, devices, a new epoch after a restore).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use lohusa_server::Database;

/// mimalloc instead of the system allocator: sync, the lists and the merge build and drop many
/// small maps and strings, which it serves faster (`cargo xtask bench sync` measures it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "lohusa-server", version, about = "Lohusa's central sync server")]
struct Cli {
    /// A TOML configuration file; flags and LOHUSA_* environment variables override it.
    #[arg(long, global = true, env = "LOHUSA_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the embedded SQLite database (used unless a database URL is given)
    /// [default: lohusa-server-data].
    #[arg(long, global = true, env = "LOHUSA_DATA")]
    data: Option<PathBuf>,
    /// PostgreSQL URL, e.g. postgres://lohusa@localhost/lohusa; replaces the SQLite folder.
    #[arg(long, global = true, env = "LOHUSA_DATABASE_URL")]
    database_url: Option<String>,
    /// The log's format: text (human-readable) or json (one object a line); RUST_LOG filters
    /// it [default: text].
    #[arg(long, global = true, env = "LOHUSA_LOG_FORMAT")]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// How to serve; each also comes from the configuration file or a LOHUSA_* variable.
#[derive(clap::Args, Clone, Debug, Default)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free one (logged) [default: 127.0.0.1:8787].
    #[arg(long, env = "LOHUSA_LISTEN")]
    listen: Option<String>,
    /// The server's certificate chain (PEM).
    #[arg(long, env = "LOHUSA_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "LOHUSA_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Serve Prometheus metrics at http://ADDRESS/metrics (off unless given; keep it on a
    /// private address).
    #[arg(long, env = "LOHUSA_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// Back up the embedded database this often (6h, 30m, 1d), into --backup-dir.
    #[arg(long, env = "LOHUSA_BACKUP_EVERY")]
    backup_every: Option<String>,
    /// How many scheduled backups to keep; older ones are removed [default: 28].
    #[arg(long, env = "LOHUSA_BACKUP_KEEP")]
    backup_keep: Option<i64>,
    /// Where scheduled backups go (best on another disk).
    #[arg(long, env = "LOHUSA_BACKUP_DIR")]
    backup_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API: over HTTPS with --tls-cert and --tls-key, or plain HTTP on a
    /// loopback address for development. SIGTERM or Ctrl-C stops it gracefully.
    Serve(ServeArgs),
    /// Check the configuration (file, environment and flags) as `serve` would use it: open the
    /// certificate, the folders and the database, and say what is wrong in plain words.
    CheckConfig(ServeArgs),
    /// Create a team (nothing happens if it exists).
    CreateTeam { name: String },
    /// Make a one-time enrollment code for a team; printed once, stored only as a hash.
    EnrollmentCode {
        #[arg(long)]
        team: String,
        /// How long the code stays valid.
        #[arg(long, default_value_t = 24)]
        valid_hours: u64,
    },
    /// Add a member to a team with a role and print her one-time member code, which binds her
    /// to the device she types it on (she then sets her PIN there).
    AddMember {
        #[arg(long)]
        team: String,
        #[arg(long)]
        name: String,
        /// nurse, doctor, psychologist, social_worker, team_lead or admin.
        #[arg(long, value_parser = parse_role)]
        role: lohusa_core::Role,
        /// How long the code stays valid.
        #[arg(long, default_value_t = 72)]
        valid_hours: u64,
    },
    /// Print a new one-time code for an existing member: for another device, or after she
    /// forgot her PIN.
    MemberCode {
        #[arg(long)]
        team: String,
        /// Her id or her name.
        #[arg(long)]
        member: String,
        #[arg(long, default_value_t = 72)]
        valid_hours: u64,
    },
    /// List a team's members with their roles and devices.
    Members {
        #[arg(long)]
        team: String,
    },
    /// Revoke a member: her devices drop her at their next sync, her unused member code stops
    /// working; what she wrote stays.
    RevokeMember {
        /// Her id; or, with --team, her id, her name or her number as `members` lists it (also
        /// before her first sign-in, when she has no id yet).
        member: String,
        #[arg(long)]
        team: Option<String>,
    },
    /// Who wrote and who received one mother's record (JSON).
    Audit {
        #[arg(long)]
        mother: uuid::Uuid,
    },
    /// List enrolled devices.
    Devices,
    /// Revoke a device: its token stops working at once (it can then enroll again).
    RevokeDevice { id: String },
    /// Give the database a new epoch. Run after restoring a PostgreSQL backup: every device
    /// then uploads again what the restored database lacks.
    NewEpoch,
    /// Copy the embedded database to a file, consistently, while the server runs.
    Backup {
        /// The file to write the copy to.
        #[arg(long, required_unless_present = "verify", conflicts_with = "verify")]
        to: Option<PathBuf>,
        /// Check instead that this backup opens and is a whole server database.
        #[arg(long)]
        verify: Option<PathBuf>,
    },
    /// The programme's indicators of one month over every team, de-identified (numbers from 1
    /// to 4 hidden): an XLSX workbook (definitions, a sheet per breakdown, the teams side by
    /// side), or one CSV table when the file name ends in .csv.
    Report {
        /// The month, as YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: chrono::NaiveDate,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// The language of the names and definitions: tr, en or ar.
        #[arg(long, default_value = "tr", value_parser = parse_language)]
        language: lohusa_core::flag_text::TextLanguage,
    },
    /// Replace the embedded database with a backup (stop the server first) and give it a new
    /// epoch, so every device uploads again what the backup lacks.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
}

/// The one member of `team` with this id or name.
async fn find_member(
    backend: &lohusa_server::Backend,
    team: &str,
    member: &str,
) -> anyhow::Result<lohusa_server::backend::MemberRow> {
    let members = backend.members(team).await?;
    // By id, by name, or by the number `members` lists (for two unclaimed members of one name).
    let num: Option<i64> = member.parse().ok();
    let found: Vec<_> = members
        .into_iter()
        .filter(|m| m.id.as_deref() == Some(member) || m.name == member || Some(m.num) == num)
        .collect();
    match <[_; 1]>::try_from(found) {
        Ok([one]) => Ok(one),
        Err(found) if found.is_empty() => anyhow::bail!("team {team:?} has no member {member:?}"),
        Err(_) => anyhow::bail!(
            "team {team:?} has several members named {member:?}; give her id, or her number as `members` lists it"
        ),
    }
}

fn parse_month(text: &str) -> Result<chrono::NaiveDate, String> {
    lohusa_core::time::parse_month(text)
}

fn parse_language(text: &str) -> Result<lohusa_core::flag_text::TextLanguage, String> {
    use lohusa_core::flag_text::TextLanguage;
    match text {
        "tr" => Ok(TextLanguage::Tr),
        "en" => Ok(TextLanguage::En),
        "ar" => Ok(TextLanguage::Ar),
        _ => Err(format!("{text:?} is not a language; choose tr, en or ar")),
    }
}

fn parse_role(text: &str) -> Result<lohusa_core::Role, String> {
    lohusa_core::Role::parse(text).ok_or_else(|| {
        let names: Vec<&str> = lohusa_core::access::ROLES.iter().map(|r| r.as_str()).collect();
        format!("the role must be one of {}", names.join(", "))
    })
}

/// Runs the command; a failure prints its message alone (with its causes), never a backtrace,
/// whatever `RUST_BACKTRACE` says: this is a tool for people.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The settings: the configuration file, then environment and flags over it.
fn settings(cli: &Cli) -> anyhow::Result<lohusa_server::config::Settings> {
    let file = match &cli.config {
        Some(path) => lohusa_server::config::load(path).map_err(anyhow::Error::msg)?,
        None => lohusa_server::config::File::default(),
    };
    let serve = match &cli.command {
        Command::Serve(args) | Command::CheckConfig(args) => args.clone(),
        _ => ServeArgs::default(),
    };
    let overrides = lohusa_server::config::Overrides {
        data: cli.data.clone(),
        database_url: cli.database_url.clone(),
        log_format: cli.log_format.clone(),
        listen: serve.listen,
        tls_cert: serve.tls_cert,
        tls_key: serve.tls_key,
        metrics_listen: serve.metrics_listen,
        backup_every: serve.backup_every,
        backup_keep: serve.backup_keep,
        backup_dir: serve.backup_dir,
    };
    let empty = cli.config.is_some() && file == lohusa_server::config::File::default();
    let mut settings = lohusa_server::config::resolve(&file, &overrides).map_err(|problems| {
        let source = cli
            .config
            .as_ref()
            .map_or_else(String::new, |p| format!(" (with {})", p.display()));
        anyhow::anyhow!(
            "the configuration{source} is not usable:\n  - {}",
            problems.join("\n  - ")
        )
    })?;
    if empty {
        settings.notes.push(format!(
            "{} sets nothing: every setting is a flag's or a default (a development server on {})",
            cli.config.as_deref().unwrap_or(std::path::Path::new("")).display(),
            settings.listen
        ));
    }
    Ok(settings)
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = settings(&cli)?;
    lohusa_server::logging::init(settings.log_format);
    let database = settings.database.clone();
    if let Command::Serve(_) = &cli.command {
        for note in &settings.notes {
            tracing::warn!("{note}");
        }
    }
    if let Command::CheckConfig(_) = &cli.command {
        let checked = lohusa_server::config::check(&settings).await;
        for note in &checked.notes {
            eprintln!("note: {note}");
        }
        if !checked.problems.is_empty() {
            anyhow::bail!(
                "the configuration is not usable:\n  - {}",
                checked.problems.join("\n  - ")
            );
        }
        println!(
            "the configuration is usable:\n{}",
            lohusa_server::config::describe(&settings)
        );
        return Ok(());
    }
    // A backup is checked on its own: no database of this server is opened (or made).
    if let Command::Backup { verify: Some(file), .. } = &cli.command {
        let checked = lohusa_server::backups::verify(file).map_err(anyhow::Error::msg)?;
        println!(
            "{} is a whole backup: epoch {}, {} team(s), {} change(s), {} record(s)",
            file.display(),
            checked.epoch,
            checked.teams,
            checked.changes,
            checked.records
        );
        return Ok(());
    }
    // Root making files in the server user's folder (a database, a lock) locks the server out.
    if let Database::Folder(dir) = &database
        && lohusa_server::config::running_as_root()
        && let Ok(meta) = std::fs::metadata(dir)
        && std::os::unix::fs::MetadataExt::uid(&meta) != 0
    {
        anyhow::bail!(
            "{} belongs to another user (uid {}): run this as that user (sudo -u lohusa lohusa-server …), \
             as files made by root there would lock the server out",
            dir.display(),
            std::os::unix::fs::MetadataExt::uid(&meta)
        );
    }
    // One server per data folder, and no restore under a running one: `serve` holds the
    // folder's lock file for as long as it runs, `restore` takes it while it replaces the files.
    let _folder_lock = match (&cli.command, &database) {
        (Command::Serve(_), Database::Folder(dir)) => {
            Some(lohusa_server::lock_folder(dir, "a server already runs on").map_err(anyhow::Error::msg)?)
        }
        (Command::Restore { from }, Database::Folder(dir)) => {
            let lock =
                lohusa_server::lock_folder(dir, "stop the server first: it runs on").map_err(anyhow::Error::msg)?;
            let restored = lohusa_server::sqlite::SqliteBackend::restore(dir, from, lohusa_server::clock::now_ms())?;
            if let Some(replaced) = &restored.replaced {
                println!("the database it replaced is kept as {}", replaced.display());
            }
            let kept = restored.kept;
            if kept != lohusa_server::sqlite::Kept::default() {
                println!(
                    "kept what was decided after the backup: {} device(s) and {} member(s) stay revoked, \
                     {} one-time code(s) stay used",
                    kept.devices_revoked, kept.members_revoked, kept.codes_used
                );
            }
            Some(lock)
        }
        _ => None,
    };
    let backend = database.open().await.context("opening the database")?;
    match cli.command {
        Command::CheckConfig(_) | Command::Backup { verify: Some(_), .. } => unreachable!("answered above"),
        Command::Serve(_) => {
            let counted = std::sync::Arc::new(lohusa_server::metrics::Metrics::new());
            if let Some(schedule) = settings.backup.clone() {
                let lohusa_server::Database::Folder(data) = &database else {
                    unreachable!("the configuration refuses scheduled backups of PostgreSQL");
                };
                lohusa_server::config::check_writable("backup dir", &schedule.dir).map_err(anyhow::Error::msg)?;
                lohusa_server::backups::prune(&schedule.dir, schedule.keep, lohusa_server::clock::now_ms()).ok();
                let sqlite = lohusa_server::sqlite::SqliteBackend::open(data)?;
                tracing::info!(
                    every = %humantime::format_duration(schedule.every),
                    folder = %schedule.dir.display(),
                    keep = schedule.keep,
                    "backing up on a schedule"
                );
                tokio::spawn(lohusa_server::backups::keep_backing_up(
                    sqlite,
                    schedule,
                    counted.clone(),
                ));
            }
            if let Some((cert, key)) = &settings.tls {
                lohusa_server::config::check_tls(cert, key)
                    .await
                    .map_err(anyhow::Error::msg)?;
            }
            let listen = settings.listen;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            let address = listener.local_addr()?;
            let metrics = match settings.metrics_listen {
                Some(at) => {
                    let listener = tokio::net::TcpListener::bind(at)
                        .await
                        .with_context(|| format!("serving metrics on {at}"))?;
                    tracing::info!("metrics at http://{}/metrics", listener.local_addr()?);
                    Some(listener)
                }
                None => None,
            };
            let scheme = if settings.tls.is_some() { "https" } else { "http" };
            let options = lohusa_server::Options {
                limits: lohusa_server::guards::Limits::for_this_process(),
                tls: settings.tls.clone(),
                metrics_listener: metrics,
                metrics: counted,
            };
            if settings.tls.is_none() {
                tracing::info!(
                    "lohusa-server listening on http://{address} (development: plain HTTP on this computer only)"
                );
            } else {
                tracing::info!("lohusa-server listening on {scheme}://{address}");
            }
            // The first SIGTERM or Ctrl-C stops gracefully; a second one while requests finish
            // stops at once.
            let stop = async {
                lohusa_server::stop_signal().await;
                tracing::info!("stopping: no new connections; letting the requests in flight finish");
                tokio::spawn(async {
                    lohusa_server::stop_signal().await;
                    tracing::warn!("asked again to stop: stopping now, without waiting");
                    std::process::exit(1);
                });
            };
            let finished = lohusa_server::serve_options(backend, listener, options, stop)
                .await
                .with_context(|| match &settings.tls {
                    Some((cert, key)) => format!("serving HTTPS with {} and {}", cert.display(), key.display()),
                    None => format!("serving on {address}"),
                })?;
            if finished {
                tracing::info!("lohusa-server stopped: every request in flight finished");
            } else {
                tracing::warn!("lohusa-server stopped: some requests were cut off at the deadline");
            }
        }
        Command::CreateTeam { name } => {
            backend.create_team(&name).await?;
            println!("team {name:?} ready");
        }
        Command::EnrollmentCode { team, valid_hours } => {
            let code = backend
                .issue_enrollment_code(&team, lohusa_server::clock::now_ms() + valid_hours * 3_600_000)
                .await?;
            println!("{code}");
        }
        Command::AddMember {
            team,
            name,
            role,
            valid_hours,
        } => {
            let num = backend
                .add_member(&team, name.trim(), role, lohusa_server::clock::now_ms())
                .await?;
            let code = backend
                .issue_member_code(num, lohusa_server::clock::now_ms() + valid_hours * 3_600_000)
                .await?;
            println!("{code}");
        }
        Command::MemberCode {
            team,
            member,
            valid_hours,
        } => {
            let found = find_member(&backend, &team, &member).await?;
            if found.revoked_ms.is_some() {
                anyhow::bail!("{member:?} was revoked");
            }
            let code = backend
                .issue_member_code(found.num, lohusa_server::clock::now_ms() + valid_hours * 3_600_000)
                .await?;
            println!("{code}");
        }
        Command::Members { team } => {
            println!("{}", serde_json::to_string_pretty(&backend.members(&team).await?)?);
        }
        Command::RevokeMember { member, team: None } => {
            if backend.revoke_member(&member, lohusa_server::clock::now_ms()).await? {
                println!("member {member} revoked");
            } else {
                anyhow::bail!(
                    "no active member has the id {member:?}; to revoke her by name, or before her first sign-in, \
                     add --team TEAM"
                );
            }
        }
        Command::RevokeMember {
            member,
            team: Some(team),
        } => {
            let found = find_member(&backend, &team, &member).await?;
            let team_id = backend.team_id(&team).await?;
            if backend
                .revoke_member_of_team(team_id, found.num, lohusa_server::clock::now_ms())
                .await?
            {
                println!(
                    "member {:?} of team {team:?} revoked; her member code no longer works",
                    found.name
                );
            } else {
                anyhow::bail!("{member:?} was already revoked");
            }
        }
        Command::Audit { mother } => match backend.audit(mother).await? {
            Some(audit) => println!("{}", serde_json::to_string_pretty(&audit)?),
            None => anyhow::bail!("the server holds no record of mother {mother}"),
        },
        Command::Devices => {
            for d in backend.devices().await? {
                let seen = d
                    .last_seen_ms
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .map_or_else(|| "never".to_owned(), |at| at.format("%Y-%m-%d %H:%M UTC").to_string());
                println!("{}\t{}\t{}\tlast seen {seen}", d.team, d.id, d.name);
            }
        }
        Command::RevokeDevice { id } => {
            if backend.revoke_device(&id, lohusa_server::clock::now_ms()).await? {
                println!("device {id} revoked");
            } else {
                anyhow::bail!("no active device {id}");
            }
        }
        Command::NewEpoch => {
            let epoch = backend.new_epoch().await?;
            println!("new epoch {epoch}");
        }
        Command::Backup { to, .. } => match &backend {
            lohusa_server::Backend::Sqlite(sqlite) => {
                let to = to.context("--to FILE")?;
                if to.is_dir() {
                    anyhow::bail!("--to {} is a folder: name the backup file", to.display());
                }
                if to.exists() {
                    anyhow::bail!("--to {} already exists: choose a new file name", to.display());
                }
                sqlite.backup(&to).await?;
                println!("backed up to {}", to.display());
            }
            lohusa_server::Backend::Postgres(_) => {
                anyhow::bail!("back up PostgreSQL with pg_dump; after restoring, run `lohusa-server new-epoch`")
            }
        },
        Command::Report { month, out, language } => {
            if let lohusa_server::Database::Folder(dir) = &database
                && !dir.join("lohusa-server.sqlite3").is_file()
            {
                anyhow::bail!("no server database in {}: check --data", dir.display());
            }
            let now =
                chrono::DateTime::from_timestamp_millis(lohusa_server::clock::now_ms() as i64).unwrap_or_default();
            let today = lohusa_core::time::istanbul_today(now);
            let report = lohusa_server::report::district_report(&backend, month, today).await?;
            let extension = out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            let csv = match extension.as_deref() {
                Some("csv") => true,
                Some("xlsx") => false,
                _ => anyhow::bail!("--out {}: name the file .xlsx or .csv", out.display()),
            };
            let bytes = if csv {
                report.csv(language).into_bytes()
            } else {
                report.xlsx(language)?
            };
            std::fs::write(&out, bytes).map_err(|e| anyhow::anyhow!("could not write {}: {e}", out.display()))?;
            println!(
                "programme report of {} for {} team(s), as of {today}, de-identified: {}",
                month.format("%Y-%m"),
                report.teams.len(),
                out.display()
            );
        }
        Command::Restore { from } => match &backend {
            lohusa_server::Backend::Sqlite(_) => {
                let epoch = backend.new_epoch().await?;
                println!("restored from {}; new epoch {epoch}", from.display());
            }
            lohusa_server::Backend::Postgres(_) => {
                anyhow::bail!("restore PostgreSQL with pg_restore, then run `lohusa-server new-epoch`")
            }
        },
    }
    Ok(())
}
