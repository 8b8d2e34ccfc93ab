//! The `lohusa-server` command: serve the sync API, and the admin commands (teams, enrollment
//! codes, devices, a new epoch after a restore).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use lohusa_server::{Database, api, logic};

#[derive(Parser)]
#[command(name = "lohusa-server", version, about = "Lohusa's central sync server")]
struct Cli {
    /// Folder for the embedded SQLite database (used unless a database URL is given).
    #[arg(long, global = true, default_value = "lohusa-server-data")]
    data: PathBuf,
    /// PostgreSQL URL, e.g. postgres://lohusa@localhost/lohusa; replaces the SQLite folder.
    #[arg(long, global = true, env = "LOHUSA_DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API: over HTTPS with --tls-cert and --tls-key, or plain HTTP on a
    /// loopback address for development.
    Serve {
        /// Address to listen on; port 0 picks a free one (printed).
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
        /// The server's certificate chain (PEM).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
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
    /// List enrolled devices.
    Devices,
    /// Revoke a device: its token stops working at once (it can then enroll again).
    RevokeDevice { id: String },
    /// Give the database a new epoch. Run after restoring a PostgreSQL backup: every device
    /// then uploads again what the restored database lacks.
    NewEpoch,
    /// Copy the embedded database to a file, consistently, while the server runs.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the embedded database with a backup (stop the server first) and give it a new
    /// epoch, so every device uploads again what the backup lacks.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let database = match cli.database_url {
        Some(url) => Database::Postgres(url),
        None => Database::Folder(cli.data),
    };
    if let (Command::Restore { from }, Database::Folder(dir)) = (&cli.command, &database) {
        lohusa_server::sqlite::SqliteBackend::restore(dir, from)?;
    }
    let backend = database.open().await.context("opening the database")?;
    match cli.command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
        } => {
            let listener = std::net::TcpListener::bind(&listen).with_context(|| format!("listening on {listen}"))?;
            let address = listener.local_addr()?;
            match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => {
                    println!("lohusa-server listening on https://{address}");
                    lohusa_server::serve_tls(backend, listener, &cert, &key)
                        .await
                        .with_context(|| format!("serving HTTPS with {} and {}", cert.display(), key.display()))?;
                }
                _ => {
                    if !lohusa_server::plain_http_allowed(address) {
                        anyhow::bail!(
                            "plain HTTP is allowed only on a loopback address (for development); \
                             to serve {address}, give --tls-cert and --tls-key"
                        );
                    }
                    println!(
                        "lohusa-server listening on http://{address} (development: plain HTTP on this computer only)"
                    );
                    listener.set_nonblocking(true)?;
                    lohusa_server::serve(backend, tokio::net::TcpListener::from_std(listener)?).await?;
                }
            }
        }
        Command::CreateTeam { name } => {
            backend.create_team(&name).await?;
            println!("team {name:?} ready");
        }
        Command::EnrollmentCode { team, valid_hours } => {
            let code = logic::new_enrollment_code();
            let expires = api::now_ms() + valid_hours * 3_600_000;
            backend
                .add_enrollment_code(&team, &logic::hash_secret(&logic::normalize_code(&code)), expires)
                .await?;
            println!("{code}");
        }
        Command::Devices => {
            for d in backend.devices().await? {
                println!("{}\t{}\t{}\tlast seen {:?}", d.team, d.id, d.name, d.last_seen_ms);
            }
        }
        Command::RevokeDevice { id } => {
            if backend.revoke_device(&id, api::now_ms()).await? {
                println!("device {id} revoked");
            } else {
                anyhow::bail!("no active device {id}");
            }
        }
        Command::NewEpoch => {
            let epoch = backend.new_epoch().await?;
            println!("new epoch {epoch}");
        }
        Command::Backup { to } => match &backend {
            lohusa_server::Backend::Sqlite(sqlite) => {
                sqlite.backup(&to).await?;
                println!("backed up to {}", to.display());
            }
            lohusa_server::Backend::Postgres(_) => {
                anyhow::bail!("back up PostgreSQL with pg_dump; after restoring, run `lohusa-server new-epoch`")
            }
        },
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
