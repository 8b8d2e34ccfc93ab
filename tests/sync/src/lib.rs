//! The harness of the sync tests: a real server (in this process or as its own binary) on
//! SQLite or PostgreSQL, fresh PostgreSQL databases, and helpers for processes.
//!
//! PostgreSQL comes from `LOHUSA_TEST_POSTGRES_URL` (an admin URL such as
//! `postgres://postgres@127.0.0.1:5433/postgres`); `cargo xtask test` starts a throwaway cluster
//! and sets it. Each test gets a database of its own.

use std::path::PathBuf;
use std::sync::Arc;

use lohusa_server::{Backend, Database};

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "LOHUSA_TEST_POSTGRES_URL";

/// Which database a test server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A new, empty PostgreSQL database; its URL.
pub async fn fresh_postgres() -> String {
    let admin = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
        panic!(
            "the PostgreSQL tests need a server: set {POSTGRES_ENV} to an admin URL \
             (cargo xtask test starts one and sets it)"
        )
    });
    let name = format!("lohusa_test_{}", uuid::Uuid::new_v4().simple());
    lohusa_server::postgres::create_database(&admin, &name)
        .await
        .expect("creating a test database")
}

/// A database for a test server: a temporary folder, or a fresh PostgreSQL database.
pub async fn database(db: Db) -> (Database, Option<tempfile::TempDir>) {
    match db {
        Db::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            (Database::Folder(dir.path().to_owned()), Some(dir))
        }
        Db::Postgres => (Database::Postgres(fresh_postgres().await), None),
    }
}

/// The server's API on loopback, in this process, with the teams "izmir" and "ankara".
pub struct TestServer {
    pub base: String,
    pub database: Database,
    pub backend: Arc<Backend>,
    task: tokio::task::JoinHandle<()>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    pub async fn start(db: Db) -> TestServer {
        TestServer::start_with(db, lohusa_server::guards::Limits::default()).await
    }

    /// A test server with these limits (short timeouts, few connections).
    pub async fn start_with(db: Db, limits: lohusa_server::guards::Limits) -> TestServer {
        let (database, dir) = database(db).await;
        let backend = database.open().await.unwrap();
        backend.create_team("izmir").await.unwrap();
        backend.create_team("ankara").await.unwrap();
        let served = database.open().await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = lohusa_server::serve_with(served, listener, limits).await;
        });
        TestServer {
            base,
            database,
            backend: Arc::new(backend),
            task,
            _dir: dir,
        }
    }

    /// Enrolls a device into `team` with a nurse signed in on it whose member id is the
    /// device's own (`mother_change` writes as her); its token.
    pub async fn token(&self, team: &str, device: uuid::Uuid) -> String {
        self.token_as(team, device, lohusa_core::Role::Nurse).await
    }

    /// A store at `path` enrolled into `team`, with a nurse named `name` signed in on it (her
    /// own member id, claimed on the server): a tablet as the app sets one up.
    pub async fn enrolled_store(&self, path: &std::path::Path, name: &str, team: &str) -> lohusa_store::Store {
        let mut store = lohusa_store::Store::open(path).unwrap();
        let member = store.set_local_member(name, chrono::Utc::now()).unwrap().id;
        let device = store.device_id();
        let token = self.token(team, device.0).await;
        self.backend
            .add_member_on_device(
                team,
                &device.to_string(),
                member,
                name,
                lohusa_core::Role::Nurse,
                now_ms(),
            )
            .await
            .unwrap();
        store.set_enrollment(&self.base, team, &token).unwrap();
        store
    }

    /// As `token`, with a member of another role.
    pub async fn token_as(&self, team: &str, device: uuid::Uuid, role: lohusa_core::Role) -> String {
        let token = self
            .backend
            .enroll_device(team, &device.to_string(), now_ms())
            .await
            .unwrap();
        let member = lohusa_core::MemberId(device);
        let name = format!("{} {}", role.as_str(), &device.simple().to_string()[..6]);
        self.backend
            .add_member_on_device(team, &device.to_string(), member, &name, role, now_ms())
            .await
            .unwrap();
        token
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a raw exchange with the server came to.
#[derive(Debug, PartialEq)]
pub enum RawAnswer {
    /// An HTTP answer: its status and JSON body (`Null` if the body was not JSON).
    Answered(u16, serde_json::Value),
    /// The server closed the connection without answering.
    Closed,
    /// Still open, with no answer, when the test stopped waiting.
    StillOpen,
}

/// Sends `bytes` to the server at `base` over a plain socket (as a broken or hostile client
/// would, with no HTTP library to tidy it up), then reads until the server answers and closes,
/// closes without answering, or `wait` passes. Sending stops early if the server hangs up.
pub async fn raw_exchange(base: &str, bytes: &[u8], wait: std::time::Duration) -> RawAnswer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let _ = stream.write_all(bytes).await;
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    let mut buf = [0u8; 8192];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => break,
            Ok(Ok(0)) | Ok(Err(_)) => {
                if received.is_empty() {
                    return RawAnswer::Closed;
                }
                break;
            }
            Ok(Ok(n)) => {
                received.extend_from_slice(&buf[..n]);
                if let Some(answer) = parse_answer(&received) {
                    return answer;
                }
            }
        }
    }
    parse_answer(&received).unwrap_or(RawAnswer::StillOpen)
}

/// A whole HTTP/1.1 answer with a Content-Length, once it has all arrived.
fn parse_answer(received: &[u8]) -> Option<RawAnswer> {
    let text = String::from_utf8_lossy(received);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    if body.len() < length {
        return None;
    }
    Some(RawAnswer::Answered(
        status,
        serde_json::from_str(&body[..length]).unwrap_or(serde_json::Value::Null),
    ))
}

pub fn now_ms() -> u64 {
    lohusa_server::clock::now_ms()
}

/// A binary of this workspace, built next to the test (`cargo xtask test` builds them first).
/// A port free on this computer now (the OS picks it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let path = exe.parent().unwrap().parent().unwrap().join(name);
    assert!(
        path.exists(),
        "{} is missing: build it first with `cargo build -p {name}` (cargo xtask test does)",
        path.display()
    );
    path
}

/// A child process killed (SIGKILL) and reaped when the test lets go of it, even on failure.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the async test function `$name(db: Db)` twice, as `$name::sqlite` and
/// `$name::postgres`, each on a multi-threaded runtime.
#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::Db::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name($crate::Db::Postgres).await;
            }
        }
    };
}

/// A new mother's record named `name`, with every field a mother must have, written now on
/// `device` by the member whose id is the device's (see `TestServer::token`): what the API tests
/// push.
pub fn mother_change(entity_id: uuid::Uuid, device: uuid::Uuid, name: &str) -> lohusa_core::Change {
    change(
        lohusa_core::EntityKind::Mother,
        entity_id,
        device,
        device,
        serde_json::json!({
            "full_name": name,
            "preferred_language": "tr",
            "interpreter_needed": false,
            "registered_on": "2026-11-20",
        }),
    )
}

/// A change of any record, written now on `device` by `author`, setting `fields` (an object).
pub fn change(
    entity: lohusa_core::EntityKind,
    entity_id: uuid::Uuid,
    device: uuid::Uuid,
    author: uuid::Uuid,
    fields: serde_json::Value,
) -> lohusa_core::Change {
    use lohusa_core::{ChangeId, DeviceId, Hlc, MemberId};
    let serde_json::Value::Object(fields) = fields else {
        panic!("the fields of a change are an object")
    };
    lohusa_core::Change {
        id: ChangeId(uuid::Uuid::now_v7()),
        entity,
        entity_id,
        fields: fields.into_iter().collect(),
        base: Default::default(),
        hlc: Hlc {
            wall_ms: now_ms(),
            counter: 0,
        },
        author: MemberId(author),
        device: DeviceId(device),
        schema_version: lohusa_core::change::CHANGE_SCHEMA_VERSION,
    }
}
