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
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
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

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSection {
    pub listen: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub metrics_listen: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
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
    let mut file: File = toml::from_str(&text).map_err(|e| {
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
    })?;
    // A relative path in the file is read from the file's own folder, wherever the command runs.
    let base = std::path::absolute(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    for path in [
        &mut file.data,
        &mut file.serve.tls_cert,
        &mut file.serve.tls_key,
        &mut file.backup.dir,
    ]
    .into_iter()
    .flatten()
    {
        if path.is_relative() {
            *path = base.join(&*path);
        }
    }
    Ok(file)
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
    /// What is allowed but worth a look (metrics on a public address, an empty file).
    pub notes: Vec<String>,
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
    let mut notes = Vec::new();
    // A flag or variable naming either database overrides whatever the file names.
    let (url, folder) = if over.database_url.is_some() || over.data.is_some() {
        (over.database_url.clone(), over.data.clone())
    } else {
        (file.database_url.clone(), file.data.clone())
    };
    let database = match url {
        Some(url) => {
            if let Err(e) = url.parse::<tokio_postgres::Config>() {
                problems.push(format!(
                    "database_url is not a PostgreSQL URL such as postgres://lohusa@localhost/lohusa ({e})"
                ));
            }
            Database::Postgres(url)
        }
        None => Database::Folder(absolute(folder.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA)))),
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
    let cert = over
        .tls_cert
        .clone()
        .or_else(|| file.serve.tls_cert.clone())
        .map(absolute);
    let key = over
        .tls_key
        .clone()
        .or_else(|| file.serve.tls_key.clone())
        .map(absolute);
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
    if let Some(m) = metrics_listen {
        let overlap = m.ip() == listen.ip() || m.ip().is_unspecified() || listen.ip().is_unspecified();
        if m.port() == listen.port() && m.port() != 0 && overlap {
            problems.push(format!(
                "metrics_listen {m} takes the port of listen {listen}; give the metrics another port"
            ));
        }
        if !m.ip().is_loopback() {
            notes.push(format!(
                "metrics_listen {m} is reachable from other computers: keep it on a private network or behind a firewall"
            ));
        }
    }
    let every = over.backup_every.as_deref().or(file.backup.every.as_deref());
    let dir = over
        .backup_dir
        .clone()
        .or_else(|| file.backup.dir.clone())
        .map(absolute);
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
            notes,
        })
    } else {
        Err(problems)
    }
}

/// A path from the working folder, for messages that say exactly which folder.
fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Checks that the server can create files in `dir`, creating it if needed (as `serve` does).
pub fn check_writable(what: &str, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{what} {} cannot be created: {e}", dir.display()))?;
    probe(what, dir)
}

/// Writes and removes an empty file in `dir`.
fn probe(what: &str, dir: &Path) -> Result<(), String> {
    let probe = dir.join(format!(".lohusa-check-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| format!("{what} {}: the server cannot write there: {e}", dir.display()))
}

/// As `check_writable`, without creating anything: a folder not there yet is fine when the
/// server could create it (a note says so).
fn check_could_write(what: &str, dir: &Path, notes: &mut Vec<String>) -> Result<(), String> {
    if dir.is_dir() {
        return probe(what, dir);
    }
    if dir.exists() {
        return Err(format!(
            "{what} {} cannot be created: a file is in its place",
            dir.display()
        ));
    }
    let mut parent = dir.parent();
    while let Some(p) = parent {
        if p.is_dir() {
            probe(what, p).map_err(|_| {
                format!(
                    "{what} {} cannot be created: {} is not writable",
                    dir.display(),
                    p.display()
                )
            })?;
            notes.push(format!(
                "{what} {} does not exist yet: serve will create it",
                dir.display()
            ));
            return Ok(());
        }
        if p.exists() {
            return Err(format!(
                "{what} {} cannot be created: {} is not a folder",
                dir.display(),
                p.display()
            ));
        }
        parent = p.parent();
    }
    Err(format!("{what} {} cannot be created", dir.display()))
}

/// Whether this process runs as root (its rights are then not the server user's).
pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
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

/// An error with its causes, each once ("db error: FATAL: database … does not exist").
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

/// Whether the certificate chain and key (PEM files) serve TLS, in plain words if not.
pub async fn check_tls(cert: &Path, key: &Path) -> Result<(), String> {
    let holds = |path: &Path, marker: &str| std::fs::read_to_string(path).is_ok_and(|t| t.contains(marker));
    if !holds(cert, "-----BEGIN CERTIFICATE-----") {
        return Err(format!(
            "tls_cert {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            cert.display()
        ));
    }
    if !holds(key, "PRIVATE KEY-----") {
        return Err(format!(
            "tls_key {} holds no PEM private key (-----BEGIN PRIVATE KEY-----)",
            key.display()
        ));
    }
    crate::tls_acceptor(cert, key).await.map(drop).map_err(|e| {
        let text = e.to_string();
        if text.contains("KeyMismatch") || text.contains("consistent") {
            format!(
                "tls_key {} is not the key of the certificate in tls_cert {}",
                key.display(),
                cert.display()
            )
        } else {
            format!(
                "tls_cert {} and tls_key {} are not a PEM certificate chain and its private key: {text}",
                cert.display(),
                key.display()
            )
        }
    })
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
    let mut notes = settings.notes.clone();
    if let Some((cert, key)) = &settings.tls {
        for (what, path) in [("tls_cert", cert), ("tls_key", key)] {
            if let Err(e) = std::fs::File::open(path) {
                problems.push(format!("{what} {} cannot be read: {e}", path.display()));
            }
        }
        if problems.is_empty()
            && let Err(e) = check_tls(cert, key).await
        {
            problems.push(e);
        }
    }
    match &settings.database {
        Database::Folder(dir) => {
            if let Err(e) = check_could_write("data folder", dir, &mut notes) {
                problems.push(e);
            }
            // Files an admin made as another user (root) lock the server out.
            for name in ["lohusa-server.sqlite3", "lohusa-server.lock"] {
                let file = dir.join(name);
                if file.exists()
                    && let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open(&file)
                {
                    problems.push(format!("{} cannot be written by this user: {e}", file.display()));
                }
            }
            if crate::folder_in_use(dir) {
                notes.push(format!(
                    "a server runs on the data folder {} now: fine if it is this one, else `serve` will refuse",
                    dir.display()
                ));
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
                Ok(Err(e)) => problems.push(format!("cannot connect to {}: {}", redacted(url), causes(&e))),
                Ok(Ok(_)) => {}
            }
        }
    }
    if let Some(schedule) = &settings.backup
        && let Err(e) = check_could_write("backup dir", &schedule.dir, &mut notes)
    {
        problems.push(e);
    }
    if running_as_root() && matches!(settings.database, Database::Folder(_)) {
        notes.push(
            "checked as root: run it as the server's user (sudo -u lohusa …) to check the folders with its rights"
                .to_owned(),
        );
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
