//! The server's settings: a TOML file (`--config`), overridden by environment variables
//! (`LOHUSA_…`), overridden by flags; then defaults. `resolve` merges them and lists every
//! problem in plain words at once; `check` also opens what the settings name (certificate, key,
//! folders, PostgreSQL) the way `serve` will, for `lohusa-server check-config` and for `serve`
//! before it starts.
//!
//! ```toml
//! data = "/var/lib/lohusa"                 # or database_url = "postgres://…"
//! log_format = "json"
//!
//! [serve]
//! listen = "0.0.0.0:8443"
//! tls_cert = "/etc/lohusa/tls/fullchain.pem"
//! tls_key = "/etc/lohusa/tls/privkey.pem"
//! metrics_listen = "127.0.0.1:9187"
//!
//! [backup]
//! every = "6h"
//! keep = 28
//! dir = "/var/backups/lohusa"
//! ```

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::Database;
use crate::backups::Schedule;
use crate::logging::LogFormat;

/// Where the server listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// The data folder unless told otherwise (relative to the working folder).
pub const DEFAULT_DATA: &str = "lohusa-server-data";
/// How many scheduled backups are kept unless told otherwise.
pub const DEFAULT_BACKUP_KEEP: u16 = 28;

/// The configuration file as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_format: Option<String>,
    #[serde(default)]
    pub serve: ServeSection,
    #[serde(default)]
    pub backup: BackupSection,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSection {
    pub listen: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub metrics_listen: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSection {
    pub every: Option<String>,
    pub keep: Option<i64>,
    pub dir: Option<PathBuf>,
}

/// Reads a configuration file; the error names the file, the line and what is wrong.
pub fn load(path: &Path) -> Result<File, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read the configuration {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let message = e.message();
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].lines().count().max(1);
                let line = if text[..span.start.min(text.len())].ends_with('\n') {
                    line + 1
                } else {
                    line
                };
                format!("{}, line {line}: {message}", path.display())
            }
            None => format!("{}: {message}", path.display()),
        }
    })
}

/// What flags and environment variables said (each overrides the file).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_format: Option<String>,
    pub listen: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub metrics_listen: Option<String>,
    pub backup_every: Option<String>,
    pub backup_keep: Option<i64>,
    pub backup_dir: Option<PathBuf>,
}

/// Everything the server runs with.
#[derive(Clone, Debug)]
pub struct Settings {
    pub database: Database,
    pub log_format: LogFormat,
    pub listen: SocketAddr,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub metrics_listen: Option<SocketAddr>,
    pub backup: Option<Schedule>,
}

/// An address as an admin writes it: `0.0.0.0:8443`, `[::]:8443`, `localhost:8787`.
fn address(what: &str, text: &str) -> Result<SocketAddr, String> {
    text.to_socket_addrs()
        .ok()
        .and_then(|mut all| all.next())
        .ok_or_else(|| format!("{what} {text:?} is not an address with a port, such as 0.0.0.0:8443"))
}

/// Merges flags and environment over the file over defaults; every problem found, in plain words.
pub fn resolve(file: &File, over: &Overrides) -> Result<Settings, Vec<String>> {
    let mut problems = Vec::new();
    let database_url = over.database_url.clone().or_else(|| file.database_url.clone());
    let database = match database_url {
        Some(url) => {
            if let Err(e) = url.parse::<tokio_postgres::Config>() {
                problems.push(format!(
                    "database_url is not a PostgreSQL URL such as postgres://lohusa@localhost/lohusa ({e})"
                ));
            }
            Database::Postgres(url)
        }
        None => Database::Folder(
            over.data
                .clone()
                .or_else(|| file.data.clone())
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA)),
        ),
    };
    let log_format = match over.log_format.as_deref().or(file.log_format.as_deref()) {
        None => LogFormat::Text,
        Some(text) => LogFormat::parse(text).unwrap_or_else(|e| {
            problems.push(format!("log_format: {e}"));
            LogFormat::Text
        }),
    };
    let listen_text = over
        .listen
        .as_deref()
        .or(file.serve.listen.as_deref())
        .unwrap_or(DEFAULT_LISTEN);
    let listen = address("listen", listen_text).unwrap_or_else(|e| {
        problems.push(e);
        SocketAddr::from(([127, 0, 0, 1], 8787))
    });
    let cert = over.tls_cert.clone().or_else(|| file.serve.tls_cert.clone());
    let key = over.tls_key.clone().or_else(|| file.serve.tls_key.clone());
    let tls = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (Some(_), None) => {
            problems.push("tls_cert is set but tls_key is not: HTTPS needs both".to_owned());
            None
        }
        (None, Some(_)) => {
            problems.push("tls_key is set but tls_cert is not: HTTPS needs both".to_owned());
            None
        }
        (None, None) => {
            if !crate::plain_http_allowed(listen) {
                problems.push(format!(
                    "listen {listen} is reachable from other computers, so it needs HTTPS: set tls_cert and \
                     tls_key (--tls-cert and --tls-key); plain HTTP is allowed only on a loopback address, \
                     for development"
                ));
            }
            None
        }
    };
    let metrics_listen = over
        .metrics_listen
        .as_deref()
        .or(file.serve.metrics_listen.as_deref())
        .and_then(|text| address("metrics_listen", text).map_err(|e| problems.push(e)).ok());
    if metrics_listen.is_some_and(|m| m == listen && m.port() != 0) {
        problems.push(format!(
            "metrics_listen {listen} is the API's own address; give the metrics another port"
        ));
    }
    let every = over.backup_every.as_deref().or(file.backup.every.as_deref());
    let dir = over.backup_dir.clone().or_else(|| file.backup.dir.clone());
    let keep = over
        .backup_keep
        .or(file.backup.keep)
        .unwrap_or(i64::from(DEFAULT_BACKUP_KEEP));
    if !(1..=10_000).contains(&keep) {
        problems.push(format!("backup keep {keep}: keep from 1 to 10000 backups"));
    }
    let backup = match (every, dir) {
        (None, None) => None,
        (Some(_), None) => {
            problems.push("backup every is set but backup dir is not: say where backups go".to_owned());
            None
        }
        (None, Some(_)) => {
            problems.push("backup dir is set but backup every is not: say how often, such as 6h".to_owned());
            None
        }
        (Some(every), Some(dir)) => match crate::backups::parse_every(every) {
            Err(e) => {
                problems.push(format!("backup every: {e}"));
                None
            }
            Ok(every) => Some(Schedule {
                every,
                keep: usize::try_from(keep.max(1)).unwrap_or(1),
                dir,
            }),
        },
    };
    if backup.is_some() && matches!(database, Database::Postgres(_)) {
        problems.push(
            "scheduled backups copy the embedded database; back PostgreSQL up with pg_dump (see the README) \
             and remove the backup settings"
                .to_owned(),
        );
    }
    if let (Some(schedule), Database::Folder(data)) = (&backup, &database)
        && same_folder(&schedule.dir, data)
    {
        problems.push(format!(
            "backup dir {} is the data folder; put backups in their own folder, best on another disk",
            schedule.dir.display()
        ));
    }
    if problems.is_empty() {
        Ok(Settings {
            database,
            log_format,
            listen,
            tls,
            metrics_listen,
            backup,
        })
    } else {
        Err(problems)
    }
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Checks that the server can create files in `dir` (creating it if needed).
pub fn check_writable(what: &str, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{what} {} cannot be created: {e}", dir.display()))?;
    let probe = dir.join(format!(".lohusa-check-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| format!("{what} {}: the server cannot write there: {e}", dir.display()))
}

/// A PostgreSQL URL with its password hidden, for messages.
pub fn redacted(url: &str) -> String {
    match url.parse::<tokio_postgres::Config>() {
        Ok(config) => {
            let hosts: Vec<String> = config
                .get_hosts()
                .iter()
                .map(|h| match h {
                    tokio_postgres::config::Host::Tcp(name) => name.clone(),
                    tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
                })
                .collect();
            format!(
                "PostgreSQL database {:?} on {} as {:?}",
                config.get_dbname().unwrap_or("(default)"),
                if hosts.is_empty() {
                    "localhost".to_owned()
                } else {
                    hosts.join(",")
                },
                config.get_user().unwrap_or("(default)"),
            )
        }
        Err(_) => "a PostgreSQL URL".to_owned(),
    }
}

/// What `check` found: problems that would stop `serve`, and notes that may not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

/// Opens what the settings name, as `serve` will: the certificate and key, the data and backup
/// folders, PostgreSQL, the addresses. Every problem, in plain words.
pub async fn check(settings: &Settings) -> Checked {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    if let Some((cert, key)) = &settings.tls {
        for (what, path) in [("tls_cert", cert), ("tls_key", key)] {
            if let Err(e) = std::fs::File::open(path) {
                problems.push(format!("{what} {} cannot be read: {e}", path.display()));
            }
        }
        if problems.is_empty()
            && let Err(e) = crate::tls_acceptor(cert, key).await
        {
            problems.push(format!(
                "tls_cert {} and tls_key {} are not a PEM certificate chain and its private key: {e}",
                cert.display(),
                key.display()
            ));
        }
    }
    match &settings.database {
        Database::Folder(dir) => {
            if let Err(e) = check_writable("data folder", dir) {
                problems.push(e);
            }
        }
        Database::Postgres(url) => {
            let reached = tokio::time::timeout(
                Duration::from_secs(10),
                tokio_postgres::connect(url, tokio_postgres::NoTls),
            )
            .await;
            match reached {
                Err(_) => problems.push(format!("{} did not answer in 10 s", redacted(url))),
                Ok(Err(e)) => problems.push(format!("cannot connect to {}: {e}", redacted(url))),
                Ok(Ok(_)) => {}
            }
        }
    }
    if let Some(schedule) = &settings.backup
        && let Err(e) = check_writable("backup dir", &schedule.dir)
    {
        problems.push(e);
    }
    for (what, address) in [
        ("listen", Some(settings.listen)),
        ("metrics_listen", settings.metrics_listen),
    ] {
        let Some(address) = address else { continue };
        match std::net::TcpListener::bind(address) {
            Ok(_) => {}
            // The running server itself, when an admin checks a change before a restart.
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => notes.push(format!(
                "{what} {address} is taken now: fine if this server is running there, else `serve` will fail"
            )),
            Err(e) => problems.push(format!("{what} {address} cannot be used: {e}")),
        }
    }
    Checked { problems, notes }
}

/// The settings in a few lines, for the admin (the database's password hidden).
pub fn describe(settings: &Settings) -> String {
    let mut lines = Vec::new();
    lines.push(match &settings.database {
        Database::Folder(dir) => format!("database: embedded SQLite in {}", dir.display()),
        Database::Postgres(url) => format!("database: {}", redacted(url)),
    });
    lines.push(match &settings.tls {
        Some((cert, key)) => format!(
            "serving: https://{} (certificate {}, key {})",
            settings.listen,
            cert.display(),
            key.display()
        ),
        None => format!("serving: http://{} (development: this computer only)", settings.listen),
    });
    lines.push(match settings.metrics_listen {
        Some(address) => format!("metrics: http://{address}/metrics"),
        None => "metrics: off".to_owned(),
    });
    lines.push(match &settings.backup {
        Some(s) => format!(
            "backups: every {} into {}, keeping {}",
            humantime::format_duration(s.every),
            s.dir.display(),
            s.keep
        ),
        None => "backups: not scheduled".to_owned(),
    });
    lines.push(format!(
        "log: {} on standard error",
        match settings.log_format {
            LogFormat::Text => "text",
            LogFormat::Json => "JSON",
        }
    ));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> File {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn flags_override_the_file_and_the_file_overrides_defaults() {
        let f = file(
            "data = \"/srv/lohusa\"\nlog_format = \"json\"\n[serve]\nlisten = \"127.0.0.1:9000\"\n\
             metrics_listen = \"127.0.0.1:9187\"\n[backup]\nevery = \"6h\"\ndir = \"/srv/backups\"\n",
        );
        let s = resolve(&f, &Overrides::default()).unwrap();
        assert_eq!(s.listen, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(s.log_format, LogFormat::Json);
        assert!(matches!(&s.database, Database::Folder(d) if d == Path::new("/srv/lohusa")));
        let backup = s.backup.unwrap();
        assert_eq!((backup.every, backup.keep), (Duration::from_secs(6 * 3600), 28));
        let over = Overrides {
            listen: Some("127.0.0.1:9100".into()),
            backup_keep: Some(3),
            ..Overrides::default()
        };
        let s = resolve(&f, &over).unwrap();
        assert_eq!(s.listen, "127.0.0.1:9100".parse().unwrap());
        assert_eq!(s.backup.unwrap().keep, 3);
        let s = resolve(&File::default(), &Overrides::default()).unwrap();
        assert_eq!(s.listen, DEFAULT_LISTEN.parse().unwrap());
        assert!(s.backup.is_none() && s.tls.is_none() && s.metrics_listen.is_none());
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let f = file(
            "database_url = \"postgres://lohusa@db/lohusa\"\nlog_format = \"xml\"\n[serve]\nlisten = \"0.0.0.0:8443\"\n\
             tls_cert = \"/etc/cert.pem\"\n[backup]\nevery = \"soon\"\ndir = \"/b\"\nkeep = 0\n",
        );
        let problems = resolve(&f, &Overrides::default()).unwrap_err();
        let all = problems.join("\n");
        for expected in ["log_format", "tls_key is not", "backup every", "keep 0"] {
            assert!(all.contains(expected), "{expected:?} not in:\n{all}");
        }
        let f = file("[serve]\nlisten = \"0.0.0.0:8443\"\n[backup]\nevery = \"6h\"\n");
        let all = resolve(&f, &Overrides::default()).unwrap_err().join("\n");
        assert!(all.contains("needs HTTPS"), "{all}");
        assert!(all.contains("backup dir is not"), "{all}");
        let f = file("database_url = \"postgres://x@db/y\"\n[backup]\nevery = \"6h\"\ndir = \"/b\"\n");
        let all = resolve(&f, &Overrides::default()).unwrap_err().join("\n");
        assert!(all.contains("pg_dump"), "{all}");
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lohusa.toml");
        std::fs::write(
            &path,
            "data = \"/srv\"\n[serve]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n",
        )
        .unwrap();
        let error = load(&path).unwrap_err();
        assert!(error.contains("line 4") && error.contains("lisen"), "{error}");
    }

    #[test]
    fn the_password_never_shows() {
        let shown = redacted("postgres://lohusa:s3cret@db.example:5432/lohusa");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.example"), "{shown}");
    }
}
