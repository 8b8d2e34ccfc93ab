//! The server's configuration as an admin meets it, through the real binary: a TOML file that
//! `serve` runs with, flags and environment variables over it, `check-config` naming every
//! problem in plain words (and exiting non-zero), and the example in `deploy/` staying valid.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use lohusa_sync_tests::{KillOnDrop, binary, free_port};

/// `lohusa-server` with only these LOHUSA_* variables set.
fn server_command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary("lohusa-server"));
    for (name, _) in std::env::vars() {
        if name.starts_with("LOHUSA_") {
            command.env_remove(name);
        }
    }
    command.args(args).envs(env.iter().copied());
    command
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    server_command(args, env).output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn listening(port: u16) -> bool {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

/// A plain HTTP GET on this computer; the answer's body.
fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

fn write(path: &Path, text: &str) -> String {
    std::fs::write(path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_good_file_is_described_and_served() {
    let dir = tempfile::tempdir().unwrap();
    let (port, metrics) = (free_port(), free_port());
    let data = dir.path().join("data");
    let backups = dir.path().join("backups");
    let config = write(
        &dir.path().join("lohusa-server.toml"),
        &format!(
            "data = {data:?}\nlog_format = \"json\"\n\n[serve]\nlisten = \"127.0.0.1:{port}\"\n\
             metrics_listen = \"127.0.0.1:{metrics}\"\n\n[backup]\nevery = \"6h\"\nkeep = 14\ndir = {backups:?}\n"
        ),
    );
    let out = run(&["--config", &config, "check-config"], &[]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    for expected in [
        "the configuration is usable",
        &format!("embedded SQLite in {}", data.display()),
        &format!("http://127.0.0.1:{port}"),
        &format!("metrics: http://127.0.0.1:{metrics}/metrics"),
        &format!("every 6h into {}, keeping 14", backups.display()),
        "log: JSON",
    ] {
        assert!(said.contains(expected), "{expected:?} not in:\n{said}");
    }
    // `serve` runs with the file: its address, its metrics, its log format; a flag overrides
    // the file's address.
    let log = dir.path().join("server.log");
    let other = free_port();
    let child = KillOnDrop(
        server_command(
            &["--config", &config, "serve", "--listen", &format!("127.0.0.1:{other}")],
            &[],
        )
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap(),
    );
    assert!(listening(other), "{}", std::fs::read_to_string(&log).unwrap());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    assert!(listening(metrics));
    // Backups are scheduled: both counters are there from the start, at 0, so the first
    // failure shows as an increase.
    let scraped = http_get(metrics, "/metrics");
    for line in [
        "lohusa_backups_total{outcome=\"ok\"} 0",
        "lohusa_backups_total{outcome=\"failed\"} 0",
    ] {
        assert!(scraped.lines().any(|l| l == line), "{line} missing:\n{scraped}");
    }
    let first = std::fs::read_to_string(&log).unwrap();
    let line: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(line["level"], "INFO", "the file's JSON log format: {first}");
    // Checked while it runs (an admin before a restart): its own addresses are taken, which is
    // a note, not a problem.
    let out = run(
        &[
            "--config",
            &config,
            "check-config",
            "--listen",
            &format!("127.0.0.1:{other}"),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("is taken now"), "{}", text(&out));
    drop(child);
    // An environment variable overrides the file, and a flag overrides the variable.
    let env_port = free_port();
    let env_listen = format!("127.0.0.1:{env_port}");
    let out = run(
        &["--config", &config, "check-config"],
        &[("LOHUSA_LISTEN", &env_listen)],
    );
    assert!(text(&out).contains(&format!("http://{env_listen}")), "{}", text(&out));
    let out = run(
        &[
            "--config",
            &config,
            "check-config",
            "--listen",
            &format!("127.0.0.1:{other}"),
        ],
        &[("LOHUSA_LISTEN", &env_listen)],
    );
    assert!(
        text(&out).contains(&format!("http://127.0.0.1:{other}")),
        "{}",
        text(&out)
    );
    // The admin commands read the data folder from the file too.
    let out = run(&["--config", &config, "create-team", "izmir"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(data.join("lohusa-server.sqlite3").is_file());
}

#[test]
fn every_problem_is_said_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"a file where the backups should go").unwrap();
    let config = write(
        &dir.path().join("bad.toml"),
        &format!(
            "data = {:?}\n[serve]\nlisten = \"0.0.0.0:8443\"\ntls_cert = \"{}/missing.pem\"\n\
             tls_key = \"{}/missing-key.pem\"\n[backup]\nevery = \"6h\"\ndir = {:?}\n",
            dir.path().join("data"),
            dir.path().display(),
            dir.path().display(),
            blocker.join("inside"),
        ),
    );
    let out = run(&["--config", &config, "check-config"], &[]);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    for expected in [
        "the configuration is not usable",
        "tls_cert",
        "missing.pem cannot be read",
        "tls_key",
        "backup dir",
        "cannot be created",
    ] {
        assert!(said.contains(expected), "{expected:?} not in:\n{said}");
    }
    // `serve` refuses the same file before it listens.
    let out = run(&["--config", &config, "serve"], &[]);
    assert!(!out.status.success());

    let cases: &[(&str, &[&str])] = &[
        // A misspelt key, named with its line.
        ("[serve]\nlisen = \"127.0.0.1:8787\"\n", &["line 2", "lisen"]),
        // Not TOML at all.
        ("listen: 127.0.0.1\n", &["line 1"]),
        // Plain HTTP reachable from other computers.
        ("[serve]\nlisten = \"0.0.0.0:8443\"\n", &["needs HTTPS", "tls_cert"]),
        // Half a TLS setting.
        (
            "[serve]\nlisten = \"127.0.0.1:8443\"\ntls_cert = \"/x.pem\"\n",
            &["tls_key is not"],
        ),
        // A schedule with no folder, a duration nobody writes, no backup kept.
        (
            "[backup]\nevery = \"sometimes\"\nkeep = 0\n",
            &["backup dir is not", "keep 0"],
        ),
        (
            "[backup]\nevery = \"fortnightly\"\ndir = \"/tmp/b\"\n",
            &["backup every", "fortnightly"],
        ),
        // Scheduled copies of PostgreSQL.
        (
            "database_url = \"postgres://lohusa@127.0.0.1:1/lohusa\"\n[backup]\nevery = \"6h\"\ndir = \"/tmp/b\"\n",
            &["pg_dump"],
        ),
        ("log_format = \"xml\"\n", &["log_format", "text or json"]),
        ("[serve]\nlisten = \"everywhere\"\n", &["listen", "everywhere", "port"]),
    ];
    for (i, (file, expected)) in cases.iter().enumerate() {
        let config = write(&dir.path().join(format!("case{i}.toml")), file);
        let out = run(&["--config", &config, "check-config"], &[]);
        let said = text(&out);
        assert!(!out.status.success(), "{file}: {said}");
        for e in *expected {
            assert!(said.contains(e), "{file}: {e:?} not in:\n{said}");
        }
    }
    // A PostgreSQL that does not answer is named without its password.
    let config = write(
        &dir.path().join("pg.toml"),
        "database_url = \"postgres://lohusa:s3cret@127.0.0.1:1/lohusa\"\n",
    );
    let out = run(&["--config", &config, "check-config"], &[]);
    let said = text(&out);
    assert!(!out.status.success());
    assert!(
        said.contains("cannot connect to PostgreSQL database \"lohusa\" on 127.0.0.1"),
        "{said}"
    );
    assert!(!said.contains("s3cret"), "{said}");
    // A file that is not there.
    let out = run(&["--config", "/nonexistent/lohusa.toml", "check-config"], &[]);
    assert!(text(&out).contains("cannot read the configuration /nonexistent/lohusa.toml"));
}

/// Relative paths in the file are read from the file's folder; a flag naming the data folder
/// overrides the file's PostgreSQL; `check-config` creates nothing (a folder to be made is a
/// note) and says when metrics are public or the file is empty; metrics on the API's port are
/// refused even on another address.
#[test]
fn paths_overrides_and_notes() {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    std::fs::create_dir(&etc).unwrap();
    let config = write(
        &etc.join("rel.toml"),
        "data = \"data\"\n[serve]\nlisten = \"127.0.0.1:0\"\nmetrics_listen = \"0.0.0.0:0\"\n[backup]\nevery = \"6h\"\ndir = \"backups/new\"\n",
    );
    // Run from another folder: the paths are the file's.
    let out = server_command(&["--config", &config, "check-config"], &[])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(&format!("embedded SQLite in {}", etc.join("data").display())),
        "{said}"
    );
    assert!(
        said.contains(&format!("into {}", etc.join("backups/new").display())),
        "{said}"
    );
    assert!(said.contains("does not exist yet: serve will create it"), "{said}");
    assert!(said.contains("reachable from other computers"), "{said}");
    assert!(
        !etc.join("data").exists() && !etc.join("backups").exists(),
        "check-config created folders"
    );
    // A flag naming the data folder wins over the file's database URL.
    let pg = write(
        &etc.join("pg.toml"),
        "database_url = \"postgres://lohusa@127.0.0.1:1/lohusa\"\n",
    );
    let data = dir.path().join("flagdata");
    let out = run(
        &["--config", &pg, "--data", data.to_str().unwrap(), "check-config"],
        &[],
    );
    assert!(
        text(&out).contains(&format!("embedded SQLite in {}", data.display())),
        "{}",
        text(&out)
    );
    // Metrics on the API's port, on another address.
    let clash = write(
        &etc.join("clash.toml"),
        "[serve]\nlisten = \"127.0.0.1:18443\"\nmetrics_listen = \"0.0.0.0:18443\"\n",
    );
    let out = run(&["--config", &clash, "check-config"], &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("takes the port of listen"), "{}", text(&out));
    // An empty file is allowed, with a note.
    let empty = write(&etc.join("empty.toml"), "");
    let out = run(
        &["--config", &empty, "--data", data.to_str().unwrap(), "check-config"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("sets nothing"), "{}", text(&out));
}

/// Root running an admin command in a data folder that belongs to the server's user is refused
/// before anything is made there (a root-owned database or lock would keep the server out).
#[test]
fn root_is_kept_out_of_the_server_users_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // Only when these tests run as root (as CI does) can the folder be given to another user.
    if std::os::unix::fs::chown(&data, Some(65534), Some(65534)).is_err() {
        return;
    }
    let out = run(&["--data", data.to_str().unwrap(), "create-team", "izmir"], &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("belongs to another user"), "{}", text(&out));
    assert!(
        std::fs::read_dir(&data).unwrap().next().is_none(),
        "root made files there"
    );
}

/// The example configuration the systemd unit reads parses with the server's own rules.
#[test]
fn the_deploy_example_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let example = root.join("deploy/lohusa-server.toml");
    let file = lohusa_server::config::load(&example).unwrap();
    let settings = lohusa_server::config::resolve(&file, &lohusa_server::config::Overrides::default()).unwrap();
    assert!(settings.tls.is_some() && settings.metrics_listen.is_some() && settings.backup.is_some());
    let unit = std::fs::read_to_string(root.join("deploy/lohusa-server.service")).unwrap();
    for hardening in [
        "User=lohusa",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "--config /etc/lohusa/lohusa-server.toml",
    ] {
        assert!(unit.contains(hardening), "{hardening} missing from the unit");
    }
}
