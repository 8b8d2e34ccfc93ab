//! Real processes over loopback: the `lohusa-server` binary and `lohusa-cli` replicas.
//!
//! The server is killed with SIGKILL in the middle of pushes, many times, and restarted; then a
//! client is killed in the middle of its pushes and pulls; then the server is restored from an
//! older backup; and replicas whose clocks are wrong (one behind, one three days ahead, later
//! corrected) sync through kills of the server and of themselves. Each time every replica must
//! end with the same data, the server must hold every change any replica ever wrote, and nothing
//! may be left waiting once the clocks are right.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use lohusa_server::Database;
use lohusa_sync_tests::{Db, KillOnDrop, binary, database, free_port};
use serde_json::Value;

struct Server {
    database: Database,
    port: u16,
    process: Option<KillOnDrop>,
}

impl Server {
    fn args(&self) -> Vec<String> {
        match &self.database {
            Database::Folder(dir) => vec!["--data".into(), dir.display().to_string()],
            Database::Postgres(url) => vec!["--database-url".into(), url.clone()],
        }
    }

    fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(binary("lohusa-server"))
            .args(self.args())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "lohusa-server {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// An admin command the server refuses; what it said.
    fn refused(&self, args: &[&str]) -> String {
        let out = Command::new(binary("lohusa-server"))
            .args(self.args())
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Where the running server's output goes.
    fn log_path(&self) -> PathBuf {
        std::env::temp_dir().join(format!("lohusa-server-{}.log", self.port))
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn start(&mut self) {
        self.start_with(&[]);
    }

    fn start_with(&mut self, extra: &[&str]) {
        let child = Command::new(binary("lohusa-server"))
            .args(self.args())
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(extra)
            // A file, not a pipe: the server logs a line per request, and a pipe nobody reads
            // until the end would fill and stop it.
            .stdout(std::fs::File::create(self.log_path()).unwrap())
            .stderr(std::fs::OpenOptions::new().append(true).open(self.log_path()).unwrap())
            .spawn()
            .unwrap();
        self.process = Some(KillOnDrop(child));
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the server did not start listening");
    }

    /// SIGKILL: no shutdown, no flush beyond what was committed.
    fn kill(&mut self) {
        self.process = None;
    }

    /// SIGTERM, as a deploy or a reboot sends it: the server finishes what is in flight and
    /// exits. Its exit status and what it printed.
    fn terminate(&mut self) -> (std::process::ExitStatus, String) {
        let mut process = self.process.take().expect("the server runs");
        let child = &mut process.0;
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = child.wait().unwrap();
        (status, std::fs::read_to_string(self.log_path()).unwrap_or_default())
    }

    async fn change_ids(&self) -> BTreeSet<String> {
        let backend = self.database.open().await.unwrap();
        let team = backend.team_id("izmir").await.unwrap();
        backend.change_ids(team).await.unwrap().into_iter().collect()
    }
}

async fn server(db: Db) -> (Server, Option<tempfile::TempDir>) {
    let (database, dir) = database(db).await;
    let mut server = Server {
        database,
        port: free_port(),
        process: None,
    };
    server.admin(&["create-team", "izmir"]);
    server.start();
    (server, dir)
}

struct Replica {
    db: PathBuf,
    /// How far this replica's clock is off, in seconds (run under libfaketime), if it is.
    clock_off: std::cell::Cell<Option<i64>>,
}

/// libfaketime, as Debian's `faketime` package installs it (`cargo xtask` installs it).
fn libfaketime() -> PathBuf {
    std::fs::read_dir("/usr/lib")
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path().join("faketime/libfaketimeMT.so.1"))
        .find(|p| p.is_file())
        .expect("libfaketime is missing: install the Debian package faketime (cargo xtask test does)")
}

impl Replica {
    fn new(dir: &Path, name: &str, server: &Server) -> Replica {
        Replica::in_team(dir, name, server, "izmir")
    }

    fn in_team(dir: &Path, name: &str, server: &Server, team: &str) -> Replica {
        let r = Replica {
            db: dir.join(format!("{name}.sqlite3")),
            clock_off: std::cell::Cell::new(None),
        };
        r.ok(&["init", "--member", name]);
        let code = server.admin(&["enrollment-code", "--team", team]);
        let member_code = server.admin(&["add-member", "--team", team, "--name", name, "--role", "nurse"]);
        r.ok(&[
            "enroll",
            "--server",
            &server.url(),
            "--code",
            &code,
            "--member-code",
            &member_code,
        ]);
        r
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(binary("lohusa-cli"));
        c.arg("--db").arg(&self.db).args(args);
        if let Some(off) = self.clock_off.get() {
            // Started at this process's time plus the offset (this process may itself run
            // under a shifted clock), then running on.
            let start = Utc::now() + chrono::Duration::seconds(off);
            c.env("LD_PRELOAD", libfaketime())
                .env("FAKETIME", start.format("@%Y-%m-%d %H:%M:%S").to_string())
                .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
                .env("TZ", "UTC");
        }
        c
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "lohusa-cli {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn sync_until_done(&self) {
        for _ in 0..20 {
            if self.run(&["sync"]).status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("sync kept failing with the server up");
    }

    fn change_ids(&self) -> BTreeSet<String> {
        self.ok(&["export", "--changes"])
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Each replica registers a mother born two days ago and sets her phone: often the same field
/// on several replicas, to make real conflicts.
fn record_round(replicas: &[Replica], round: usize) {
    let born = (Utc::now() - chrono::Duration::days(2))
        .date_naive()
        .format("%d.%m.%Y")
        .to_string();
    for (i, r) in replicas.iter().enumerate() {
        let name = format!("Anne {round}-{i}");
        let mother = r.ok(&["register", "--name", &name, "--birth-date", &born, "--age", "25"]);
        let id = mother["mother"].as_str().unwrap();
        let phone = format!("0532 {round:03} {i:04}");
        r.ok(&[
            "set", "--entity", "mother", "--id", id, "--field", "phone", "--value", &phone,
        ]);
    }
}

/// Every replica starts a sync at once, in its own process.
fn start_syncs(replicas: &[Replica]) -> Vec<KillOnDrop> {
    replicas
        .iter()
        .map(|r| {
            KillOnDrop(
                r.command(&["sync"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        })
        .collect()
}

/// Everyone syncs twice with the server up; then all agree with each other and the server.
async fn assert_converged(server: &Server, replicas: &[&Replica]) {
    for _ in 0..2 {
        for r in replicas {
            r.sync_until_done();
        }
    }
    let on_server = server.change_ids().await;
    let first = replicas[0].ok(&["export"]);
    for (i, r) in replicas.iter().enumerate() {
        let log = r.change_ids();
        let missing: Vec<_> = log.difference(&on_server).collect();
        assert!(
            missing.is_empty(),
            "replica {i}: {} changes never reached the server; status {}",
            missing.len(),
            r.ok(&["status"])
        );
        assert_eq!(log, on_server, "replica {i} lacks changes the server has");
        assert_eq!(r.ok(&["export"]), first, "replica {i} differs from replica 0");
        assert_eq!(r.ok(&["status"])["pending"], 0);
    }
}

async fn server_killed_mid_push_loses_nothing(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _data) = server(db).await;
    let replicas: Vec<Replica> = (0..3)
        .map(|i| Replica::new(dir.path(), &format!("ebe{i}"), &server))
        .collect();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut kills = 0;
    for round in 0..8 {
        record_round(&replicas, round);
        // All three push at once; the server dies somewhere in the middle.
        let syncs = start_syncs(&replicas);
        std::thread::sleep(Duration::from_millis(rng.u64(0..60)));
        server.kill();
        kills += 1;
        for mut s in syncs {
            let _ = s.0.wait();
        }
        server.start();
    }
    assert_eq!(kills, 8);
    assert_converged(&server, &replicas.iter().collect::<Vec<_>>()).await;
}

/// One replica's clock two hours behind, one three days ahead until it is corrected halfway, and
/// kills of the server and of replicas in the middle of their syncs: nothing is lost, all agree,
/// and nothing is left waiting or refused once the clocks are right.
async fn wrong_clocks_withhold_nothing_through_kills(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _data) = server(db).await;
    let replicas: Vec<Replica> = ["on-time", "behind", "ahead"]
        .iter()
        .map(|name| Replica::new(dir.path(), name, &server))
        .collect();
    replicas[1].clock_off.set(Some(-2 * 3600));
    replicas[2].clock_off.set(Some(3 * 86_400));
    let mut rng = fastrand::Rng::with_seed(11);
    for round in 0..8 {
        if round == 4 {
            // Someone sets the tablet's date right; its clock stamp is still three days ahead.
            replicas[2].clock_off.set(None);
        }
        record_round(&replicas, round);
        let mut syncs = start_syncs(&replicas);
        std::thread::sleep(Duration::from_millis(rng.u64(0..80)));
        if round % 2 == 0 {
            server.kill();
            for mut s in syncs {
                let _ = s.0.wait();
            }
            server.start();
        } else {
            // A tablet dies mid-sync (its battery, say).
            let victim = rng.usize(..syncs.len());
            syncs.remove(victim);
            for mut s in syncs {
                let _ = s.0.wait();
            }
        }
    }
    assert_converged(&server, &replicas.iter().collect::<Vec<_>>()).await;
    for (r, name) in replicas.iter().zip(["on-time", "behind", "ahead"]) {
        let status = r.ok(&["status"]);
        assert_eq!(
            (status["pending"].as_i64(), status["quarantined"].as_i64()),
            (Some(0), Some(0)),
            "{name} holds back changes ({db:?}): {status}"
        );
    }
    // Every replica shows every mother's last phone, whatever its clock said.
    let list = replicas[0].ok(&["list"]);
    assert_eq!(list.as_array().unwrap().len(), 8 * 3);
}

/// SIGTERM while a tablet pushes thousands of changes: the server lets the push in flight finish,
/// exits 0 and says so; the tablet's sync either completed or fails as "offline" and is retried;
/// nothing is lost.
async fn server_stopped_mid_push_finishes_it(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _data) = server(db).await;
    let a = Replica::new(dir.path(), "a", &server);
    let b = Replica::new(dir.path(), "b", &server);
    {
        let mut store = lohusa_store::Store::open(&a.db).unwrap();
        lohusa_demo::seed(&mut store, 12, 1500, Utc::now(), 40).unwrap();
    }
    let mut rng = fastrand::Rng::with_seed(5);
    for _ in 0..3 {
        let sync = KillOnDrop(
            a.command(&["sync"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        std::thread::sleep(Duration::from_millis(rng.u64(50..300)));
        let (status, printed) = server.terminate();
        assert!(status.success(), "the server exits 0 on SIGTERM ({db:?}): {status}");
        assert!(printed.contains("stopped"), "{printed}");
        if let Database::Folder(data) = &server.database {
            // The write-ahead log was checkpointed into the database on the way out.
            let wal = data.join("lohusa-server.sqlite3-wal");
            let left = std::fs::metadata(&wal).map_or(0, |m| m.len());
            assert_eq!(left, 0, "{} holds {left} bytes after a clean stop", wal.display());
        }
        let mut sync = sync;
        let mut stderr = String::new();
        if let Some(mut err) = sync.0.stderr.take() {
            std::io::Read::read_to_string(&mut err, &mut stderr).unwrap();
        }
        let synced = sync.0.wait().unwrap();
        assert!(
            synced.success() || stderr.contains("offline") || stderr.contains("reach"),
            "a sync cut by a stopping server fails as offline, never with a server error: {stderr}"
        );
        // Its message (the first line; a backtrace may follow when RUST_BACKTRACE is set).
        let message = stderr.lines().next().unwrap_or_default();
        assert!(!message.contains("500") && !message.contains("internal"), "{message}");
        server.start();
    }
    assert_converged(&server, &[&a, &b]).await;
}

async fn client_killed_mid_sync_resumes(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (server, _data) = server(db).await;
    let a = Replica::new(dir.path(), "a", &server);
    let b = Replica::new(dir.path(), "b", &server);
    // A holds a few thousand changes to push.
    {
        let mut store = lohusa_store::Store::open(&a.db).unwrap();
        let n = lohusa_demo::seed(&mut store, 11, 1500, Utc::now(), 40).unwrap();
        assert_eq!(n, 1500);
    }
    let mut rng = fastrand::Rng::with_seed(3);
    for (who, replica) in [("pusher", &a), ("puller", &b)] {
        let mut killed = 0;
        for _ in 0..6 {
            let child = replica
                .command(&["sync"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(rng.u64(30..400)));
            let mut child = KillOnDrop(child);
            if child.0.try_wait().unwrap().is_none() {
                killed += 1;
            }
        }
        assert!(
            killed > 0,
            "the {who} was never killed mid-sync; the workload is too small"
        );
        eprintln!("{who}: killed mid-sync {killed} times");
    }
    assert_converged(&server, &[&a, &b]).await;
}

/// Takes a backup of the server's database (SQLite `backup`, PostgreSQL `pg_dump`).
fn back_up(server: &Server, dir: &Path) -> PathBuf {
    match &server.database {
        Database::Folder(_) => {
            let file = dir.join("backup.sqlite3");
            server.admin(&["backup", "--to", file.to_str().unwrap()]);
            file
        }
        Database::Postgres(url) => {
            let file = dir.join("backup.dump");
            let status = Command::new("pg_dump")
                .args(["-Fc", "-d", url, "-f", file.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success(), "pg_dump failed");
            file
        }
    }
}

/// Restores `backup` as the README says: SQLite `restore`; for PostgreSQL `pg_restore` into a
/// new database, then `new-epoch`.
async fn restore(server: &mut Server, backup: &Path) -> String {
    let out = match &server.database {
        Database::Folder(_) => server.admin(&["restore", "--from", backup.to_str().unwrap()]),
        Database::Postgres(_) => {
            let restored = lohusa_sync_tests::fresh_postgres().await;
            let status = Command::new("pg_restore")
                .args(["--no-owner", "-d", &restored, backup.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success(), "pg_restore failed");
            server.database = Database::Postgres(restored);
            server.admin(&["new-epoch"])
        }
    };
    assert!(out.contains("new epoch"), "{out}");
    out
}

async fn restored_server_gets_everything_back(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (mut server, _data) = server(db).await;
    let a = Replica::new(dir, "a", &server);
    let b = Replica::new(dir, "b", &server);
    let day = Utc::now().date_naive().format("%d.%m.%Y").to_string();
    a.ok(&["register", "--name", "Leyla", "--birth-date", &day, "--age", "22"]);
    a.sync_until_done();
    // A tablet enrolled before the backup and revoked after it (lost on a bus).
    let lost = Replica::new(dir, "lost", &server);
    let lost_id = lohusa_store::Store::open(&lost.db).unwrap().device_id().to_string();
    assert!(server.admin(&["devices"]).contains(&lost_id));
    let backup = back_up(&server, dir);
    server.admin(&["revoke-device", &lost_id]);
    // After the backup: more from A, and B pulls everything.
    a.ok(&["register", "--name", "Meryem", "--birth-date", &day, "--age", "31"]);
    a.sync_until_done();
    b.ok(&["register", "--name", "Ruqayya", "--birth-date", &day, "--age", "19"]);
    b.sync_until_done();
    a.sync_until_done();
    let before = server.change_ids().await;
    // The disk dies; the team lead restores last night's backup.
    server.kill();
    let said = restore(&mut server, &backup).await;
    assert!(server.change_ids().await.len() < before.len());
    if db == Db::Sqlite {
        // The revocation made after the backup holds after the restore (pg_restore knows no
        // better: the README says to revoke again).
        assert!(said.contains("1 device(s)"), "{said}");
        assert!(
            !server.admin(&["devices"]).contains(&lost_id),
            "the lost tablet is back"
        );
    }
    server.start();
    let c = Replica::new(dir, "c", &server);
    assert_converged(&server, &[&a, &b, &c]).await;
    // Everything from before the loss is back (plus the new replica's own name record).
    assert!(
        server.change_ids().await.is_superset(&before),
        "the replicas uploaded again all the backup lacked"
    );
    let names: BTreeSet<String> = c
        .ok(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["full_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["Leyla".into(), "Meryem".into(), "Ruqayya".into()])
    );
}

/// Two teams' nurses record on their tablets and sync; the admin's `report` counts both teams
/// from the server's own state with the core's indicator function, de-identified: 1 to 4 hidden,
/// the rest rounded to the nearest 5, and no mother's name in the workbook.
async fn district_report_counts_every_team(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (server, _data) = server(db).await;
    server.admin(&["create-team", "karsiyaka"]);
    let izmir = Replica::in_team(dir, "Ebe Derya", &server, "izmir");
    let karsiyaka = Replica::in_team(dir, "Ebe Sevgi", &server, "karsiyaka");
    // Born two days ago, registered and seen today (in İzmir, as the tablets count days): day 2,
    // the first day of visit 1's window, so registration, window and visit fall in the same
    // month whatever the date.
    let today = lohusa_core::time::istanbul_today(Utc::now());
    let born = (today - chrono::Days::new(2)).format("%d.%m.%Y").to_string();
    let day = today.format("%d.%m.%Y").to_string();
    for i in 0..6 {
        let name = format!("Anne İzmir {i}");
        let mother = izmir.ok(&["register", "--name", &name, "--birth-date", &born, "--age", "24"]);
        if i < 5 {
            let id = mother["mother"].as_str().unwrap();
            izmir.ok(&["visit", "--mother", id, "--number", "1", "--date", &day]);
        }
    }
    for i in 0..5 {
        let name = format!("Anne Karşıyaka {i}");
        karsiyaka.ok(&["register", "--name", &name, "--birth-date", &born, "--age", "31"]);
    }
    izmir.sync_until_done();
    karsiyaka.sync_until_done();

    let month = today.format("%Y-%m").to_string();
    let xlsx = dir.join("district.xlsx");
    let said = server.admin(&[
        "report",
        "--month",
        &month,
        "--out",
        xlsx.to_str().unwrap(),
        "--language",
        "en",
    ]);
    assert!(said.contains("2 team(s)"), "{said}");
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(
        !bytes.windows(4).any(|w| w == b"Anne"),
        "no mother's name in the district's workbook"
    );
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::{Data, Reader};
    let sheet = |workbook: &mut calamine::Xlsx<_>, name: &str| workbook.worksheet_range(name).unwrap();
    let find = |range: &calamine::Range<Data>, id: &str| -> Vec<Data> {
        (0..range.height() as u32)
            .find(|r| range.get_value((*r, 0)) == Some(&Data::String(id.into())))
            .map(|r| {
                (0..range.width() as u32)
                    .map(|c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty))
                    .collect()
            })
            .unwrap_or_else(|| panic!("{id} in the sheet"))
    };
    // The district: 11 registered (shown rounded to 5: 10), 5 reached of 11 (5 of 10), 5 visits
    // made, all in window.
    let district = sheet(&mut workbook, "Whole district");
    assert_eq!(find(&district, "women_registered")[2], Data::Float(10.0));
    assert_eq!(
        find(&district, "women_reached")[2..4],
        [Data::Float(5.0), Data::Float(10.0)]
    );
    assert_eq!(find(&district, "visits_made")[2], Data::Float(5.0));
    assert_eq!(find(&district, "visit1_in_window")[2], Data::Float(5.0));
    // Each team beside it: İzmir 5 of 6 reached (5 of 5 rounded), 1 window still open (hidden,
    // below 5); Karşıyaka none of 5.
    let teams = sheet(&mut workbook, "teams");
    let header: Vec<Data> = (0..teams.width() as u32)
        .map(|c| teams.get_value((0, c)).cloned().unwrap_or(Data::Empty))
        .collect();
    assert_eq!(header[2], Data::String("izmir".into()));
    assert_eq!(header[5], Data::String("karsiyaka".into()));
    let reached = find(&teams, "women_reached");
    assert_eq!(reached[2..4], [Data::Float(5.0), Data::Float(5.0)]);
    assert_eq!(reached[5..7], [Data::Float(0.0), Data::Float(5.0)]);
    assert_eq!(find(&teams, "visit1_not_yet_due")[2], Data::String("<5".into()));
    // The same numbers as CSV, in English separators.
    let csv = dir.join("district.csv");
    server.admin(&[
        "report",
        "--month",
        &month,
        "--out",
        csv.to_str().unwrap(),
        "--language",
        "en",
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains(",Whole district,all,Whole district,women_registered,Women registered,10,,"),
        "{text}"
    );
}

/// `serve --backup-every 1s --backup-keep 2`: while a tablet syncs, backups are taken, the oldest
/// removed, each one whole (`backup --verify`), the newest holding everything synced before it;
/// a file that is not a backup is refused, saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_are_whole_and_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (database, _data) = database(Db::Sqlite).await;
    let mut server = Server {
        database,
        port: free_port(),
        process: None,
    };
    server.admin(&["create-team", "izmir"]);
    let backups = dir.join("backups");
    let metrics_port = free_port();
    let metrics_at = format!("127.0.0.1:{metrics_port}");
    server.start_with(&[
        "--backup-every",
        "1s",
        "--backup-keep",
        "2",
        "--backup-dir",
        backups.to_str().unwrap(),
        "--metrics-listen",
        &metrics_at,
    ]);
    let tablet = Replica::new(dir, "Ebe Derya", &server);
    let day = Utc::now().date_naive().format("%d.%m.%Y").to_string();
    tablet.ok(&["register", "--name", "Leyla", "--birth-date", &day, "--age", "22"]);
    tablet.sync_until_done();
    let synced = tablet.change_ids().len() as u64;
    let listed = || -> Vec<PathBuf> {
        // The finished backups (not one being written under its partial name).
        let mut files: Vec<PathBuf> = std::fs::read_dir(&backups)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with("lohusa-backup-"))
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    };
    // Wait for three more backups after the sync: two are kept.
    let first_after = {
        let mut seen = listed();
        for _ in 0..100 {
            if !seen.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            seen = listed();
        }
        seen.last().cloned().expect("a backup within ten seconds")
    };
    let mut files = listed();
    for _ in 0..100 {
        if files.len() == 2 && files[0] > first_after {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        files = listed();
    }
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files[0] > first_after, "the oldest were removed: {files:?}");
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("lohusa-backup-") && name.ends_with(".sqlite3"),
            "{name}"
        );
        let said = server.admin(&["backup", "--verify", file.to_str().unwrap()]);
        assert!(said.contains("is a whole backup"), "{said}");
        let changes: u64 = said
            .split(", ")
            .find_map(|part| part.strip_suffix(" change(s)"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{said}"));
        assert!(changes >= synced, "{said}: the tablet had synced {synced}");
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(file).unwrap().permissions());
        assert_eq!(
            mode & 0o777,
            0o600,
            "a backup of health data is the server user's alone: {name}"
        );
    }
    // While it serves: no restore (it would pull the live files from under it) and no second
    // server on the same folder; the database stays whole.
    // The metrics count the backups and say when the last one was whole.
    let m = scrape(metrics_port).await;
    assert!(
        m.get("lohusa_backups_total{outcome=\"ok\"}").is_some_and(|n| *n >= 3.0),
        "{m:#?}"
    );
    let last = m["lohusa_backup_last_success_timestamp_seconds"];
    assert!((Utc::now().timestamp() as f64 - last).abs() < 60.0, "{last}");
    let said = server.refused(&["restore", "--from", files[0].to_str().unwrap()]);
    assert!(said.contains("stop the server first"), "{said}");
    let said = server.refused(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(said.contains("a server already runs"), "{said}");
    tablet.ok(&["register", "--name", "Meryem", "--birth-date", &day, "--age", "25"]);
    tablet.sync_until_done();
    let junk = dir.join("junk.sqlite3");
    std::fs::write(&junk, b"this is not a database").unwrap();
    let out = Command::new(binary("lohusa-server"))
        .args(server.args())
        .args(["backup", "--verify", junk.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("is not a usable backup"), "{said}");
    let (status, _) = server.terminate();
    assert!(status.success());
    // Stopped: a restore from the live database itself, or from a damaged copy, is refused and
    // leaves the database as it was; a real backup replaces it, and the replaced one is kept.
    let Database::Folder(data) = &server.database else {
        unreachable!("a scheduled backup is of the embedded database")
    };
    let live = data.join("lohusa-server.sqlite3");
    let size = std::fs::metadata(&live).unwrap().len();
    let said = server.refused(&["restore", "--from", live.to_str().unwrap()]);
    assert!(said.contains("is the database being replaced"), "{said}");
    let link = dir.join("link.sqlite3");
    std::os::unix::fs::symlink(&live, &link).unwrap();
    let said = server.refused(&["restore", "--from", link.to_str().unwrap()]);
    assert!(said.contains("is the database being replaced"), "{said}");
    let damaged = dir.join("damaged.sqlite3");
    let mut bytes = std::fs::read(&files[1]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 512].fill(0xA5);
    std::fs::write(&damaged, bytes).unwrap();
    let said = server.refused(&["restore", "--from", damaged.to_str().unwrap()]);
    assert!(said.contains("is not a usable backup"), "{said}");
    assert_eq!(
        std::fs::metadata(&live).unwrap().len(),
        size,
        "the live database was touched"
    );
    let said = server.admin(&["restore", "--from", files[1].to_str().unwrap()]);
    assert!(
        said.contains("new epoch") && said.contains("replaced is kept as"),
        "{said}"
    );
    let kept: Vec<_> = std::fs::read_dir(data)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("lohusa-server.sqlite3.replaced-")
        })
        .collect();
    assert_eq!(kept.len(), 1);
    let said = server.admin(&["backup", "--verify", kept[0].path().to_str().unwrap()]);
    assert!(said.contains("is a whole backup"), "{said}");
}

/// A member code handed out by mistake is cancelled by revoking her by name, before she ever
/// signs in: the code then enrolls nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_is_revoked_by_name_before_her_first_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _data) = server(Db::Sqlite).await;
    let code = server.admin(&["enrollment-code", "--team", "izmir"]);
    let member_code = server.admin(&[
        "add-member",
        "--team",
        "izmir",
        "--name",
        "Ebe Yanlış",
        "--role",
        "nurse",
    ]);
    let said = server.admin(&["revoke-member", "Ebe Yanlış", "--team", "izmir"]);
    assert!(said.contains("revoked"), "{said}");
    let tablet = Replica {
        db: dir.path().join("t.sqlite3"),
        clock_off: std::cell::Cell::new(None),
    };
    tablet.ok(&["init", "--member", "Ebe Yanlış"]);
    let out = tablet.run(&[
        "enroll",
        "--server",
        &server.url(),
        "--code",
        &code,
        "--member-code",
        &member_code,
    ]);
    assert!(!out.status.success(), "a revoked member's code still enrolls");
    // By id without the team, an unknown id says how to revoke by name.
    let out = Command::new(binary("lohusa-server"))
        .args(server.args())
        .args(["revoke-member", "Ebe Yanlış"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--team"));
}

/// Prometheus's scrape of `/metrics`, as text: each sample's name with its labels, and value.
async fn scrape(port: u16) -> std::collections::BTreeMap<String, f64> {
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').unwrap();
            (name.to_owned(), value.parse().unwrap())
        })
        .collect()
}

/// The server started with `--metrics-listen`: after a tablet syncs, the metrics show the team's
/// head (every change the server holds), the changes accepted, the push and pull routes counted
/// and timed, how long ago the team pushed, its device, the database's connections, and a
/// refused request by its kind; a team that never synced has a head of 0 and no push time. The
/// API's address does not serve them.
async fn metrics_follow_a_sync(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _data) = server(db).await;
    let (status, _) = server.terminate();
    assert!(status.success());
    let metrics_port = free_port();
    server.start_with(&["--metrics-listen", &format!("127.0.0.1:{metrics_port}")]);
    server.admin(&["create-team", "karsiyaka"]);
    let tablet = Replica::new(dir.path(), "Ebe Derya", &server);
    record_round(std::slice::from_ref(&tablet), 0);
    record_round(std::slice::from_ref(&tablet), 1);
    tablet.sync_until_done();
    let held = server.change_ids().await.len() as f64;
    assert!(held >= 4.0);
    let m = scrape(metrics_port).await;
    let get = |name: &str| *m.get(name).unwrap_or_else(|| panic!("{name} missing ({db:?}): {m:#?}"));
    assert_eq!(get("lohusa_team_head_seq{team=\"izmir\"}"), held);
    assert_eq!(get("lohusa_team_head_seq{team=\"karsiyaka\"}"), 0.0);
    assert_eq!(get("lohusa_changes_total{outcome=\"accepted\"}"), held);
    assert!(get("lohusa_http_requests_total{method=\"POST\",route=\"/v1/push\",status=\"200\"}") >= 1.0);
    assert!(get("lohusa_http_requests_total{method=\"GET\",route=\"/v1/pull\",status=\"200\"}") >= 1.0);
    assert!(get("lohusa_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/push\"}") >= 1.0);
    assert!(get("lohusa_http_request_duration_seconds_bucket{le=\"+Inf\",method=\"POST\",route=\"/v1/push\"}") >= 1.0);
    let age = get("lohusa_team_last_change_age_seconds{team=\"izmir\"}");
    assert!((0.0..120.0).contains(&age), "{age}");
    assert!(get("lohusa_team_last_change_timestamp_seconds{team=\"izmir\"}") > 1.7e9);
    assert!(get("lohusa_team_last_sync_age_seconds{team=\"izmir\"}") < 120.0);
    assert!(!m.contains_key("lohusa_team_last_change_age_seconds{team=\"karsiyaka\"}"));
    assert_eq!(get("lohusa_team_devices{team=\"izmir\"}"), 1.0);
    assert_eq!(get("lohusa_http_requests_in_flight"), 0.0);
    assert!(get("lohusa_db_connections{state=\"idle\"}") >= 1.0);
    assert_eq!(
        get("lohusa_db_connections_max"),
        if db == Db::Sqlite { 0.0 } else { 16.0 }
    );
    // A request with no token, and one with a made-up token: refused by kind.
    let client = reqwest::Client::new();
    let api = server.url();
    let answer = client.post(format!("{api}/v1/push")).body("{}").send().await.unwrap();
    assert_eq!(answer.status(), 401);
    let answer = client
        .get(format!("{api}/v1/pull"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    // The API's address has no metrics.
    let answer = client.get(format!("{api}/metrics")).send().await.unwrap();
    assert_eq!(answer.status(), 404);
    // A method nobody uses is counted as `other`: a client cannot add series.
    let odd = reqwest::Method::from_bytes(b"GIZLIMETHOD").unwrap();
    let answer = client.request(odd, format!("{api}/v1/pull")).send().await.unwrap();
    assert!(answer.status().is_client_error());
    let m = scrape(metrics_port).await;
    assert_eq!(
        m.get("lohusa_http_refused_total{kind=\"unauthenticated\"}"),
        Some(&1.0),
        "{m:#?}"
    );
    assert_eq!(
        m.get("lohusa_http_refused_total{kind=\"invalid_token\"}"),
        Some(&1.0),
        "{m:#?}"
    );
    assert_eq!(
        m.get("lohusa_http_refused_total{kind=\"not_found\"}"),
        Some(&1.0),
        "{m:#?}"
    );
    let (status, _) = server.terminate();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_follow_a_sync_sqlite() {
    metrics_follow_a_sync(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_follow_a_sync_postgres() {
    metrics_follow_a_sync(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn district_report_counts_every_team_sqlite() {
    district_report_counts_every_team(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn district_report_counts_every_team_postgres() {
    district_report_counts_every_team(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_push_loses_nothing_sqlite() {
    server_killed_mid_push_loses_nothing(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_push_loses_nothing_postgres() {
    server_killed_mid_push_loses_nothing(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_clocks_withhold_nothing_through_kills_sqlite() {
    wrong_clocks_withhold_nothing_through_kills(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_clocks_withhold_nothing_through_kills_postgres() {
    wrong_clocks_withhold_nothing_through_kills(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_stopped_mid_push_finishes_it_sqlite() {
    server_stopped_mid_push_finishes_it(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_stopped_mid_push_finishes_it_postgres() {
    server_stopped_mid_push_finishes_it(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_killed_mid_sync_resumes_sqlite() {
    client_killed_mid_sync_resumes(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_killed_mid_sync_resumes_postgres() {
    client_killed_mid_sync_resumes(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restored_from_an_older_backup_gets_everything_back_sqlite() {
    restored_server_gets_everything_back(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restored_from_an_older_backup_gets_everything_back_postgres() {
    restored_server_gets_everything_back(Db::Postgres).await;
}
