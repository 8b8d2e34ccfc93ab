//! `cargo xtask bench hostile`: legitimate tablets pushing while the server is attacked, against
//! the same tablets on an idle server, measured in one run. The server runs as its own process
//! (the release binary on its embedded SQLite), a fresh one for each side, so its peak memory
//! (VmHWM) is each side's own.
//!
//! The hostile corpus, all at once: zstd bombs with no token and with a token, bodies nested deep,
//! values far too long, headers sent a byte a second, idle sockets past the connection cap's
//! share, a gigabyte announced, and wrong enrollment codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// mimalloc instead of the system allocator: sync, the lists and the merge build and drop many
/// small maps and strings, which it serves faster (`cargo xtask bench sync` measures it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// Legitimate tablets pushing at once.
    #[arg(long, default_value_t = 50)]
    pushers: usize,
    /// How long each side runs, in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Pause between a tablet's pushes, in ms: 250 makes 200 pushes (4,000 changes) a second
    /// for 50 tablets, far more than a team sends, with some CPU left on two cores. At 50 the
    /// idle server alone keeps both cores busy, and anything else slows it.
    #[arg(long, default_value_t = 250)]
    pause_ms: u64,
    /// Run only the attack against this server port with this device token (the bench starts
    /// itself so, at the lowest CPU priority, for the side whose attacker is another process).
    #[arg(long, requires = "attack_token")]
    attack_port: Option<u16>,
    #[arg(long)]
    attack_token: Option<String>,
}

/// Where the attack runs: nowhere, in the bench's own process (sharing its CPU with the tablets'
/// client), or in a process of its own at the lowest CPU priority (as an attacker elsewhere,
/// whose CPU is not this machine's).
#[derive(Clone, Copy, PartialEq)]
enum Attack {
    None,
    InProcess,
    OwnProcess,
}

struct Server {
    child: Child,
    data: tempfile::TempDir,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench knows where it is");
    exe.with_file_name("lohusa-server")
}

fn admin(data: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(server_binary())
        .arg("--data")
        .arg(data)
        .args(args)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "lohusa-server {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

impl Server {
    fn start() -> anyhow::Result<Server> {
        let data = tempfile::tempdir()?;
        admin(data.path(), &["create-team", "izmir"])?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(server_binary())
            .arg("--data")
            .arg(data.path())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(Server { child, data, port });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        anyhow::bail!("the server did not start")
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/v1/{path}", self.port)
    }

    /// The server process's peak resident memory so far, in MB.
    fn peak_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    /// An enrolled tablet with a nurse signed in: (token, device, member).
    async fn tablet(&self, http: &reqwest::Client, name: &str) -> anyhow::Result<(String, Uuid, Uuid)> {
        let code = admin(self.data.path(), &["enrollment-code", "--team", "izmir"])?;
        let member_code = admin(
            self.data.path(),
            &["add-member", "--team", "izmir", "--name", name, "--role", "nurse"],
        )?;
        let device = new_id();
        let enrolled: Value = http
            .post(self.url("enroll"))
            .json(&json!({ "code": code, "device_id": device, "device_name": name }))
            .send()
            .await?
            .json()
            .await?;
        let token = enrolled["token"].as_str().context("no token")?.to_owned();
        let claimed: Value = http
            .post(self.url("members/claim"))
            .bearer_auth(&token)
            .json(&json!({ "code": member_code }))
            .send()
            .await?
            .json()
            .await?;
        let member: Uuid = claimed["id"].as_str().context("no member id")?.parse()?;
        Ok((token, device, member))
    }
}

use anyhow::Context;
use lohusa_server::clock;

/// A new id, from the server's clock module (the bench reads the clock through it).
fn new_id() -> Uuid {
    clock::id_at(clock::now_ms())
}

/// A push of 20 new mothers, as a tablet sends after a morning of registrations.
fn batch(device: Uuid, member: Uuid) -> Value {
    let now = clock::now_ms();
    let changes: Vec<Value> = (0..20)
        .map(|i| {
            json!({
                "id": clock::id_at(now),
                "entity": "mother",
                "entity_id": clock::id_at(now),
                "fields": {
                    "full_name": format!("Anne {i}"), "phone": "05321234567", "age_years": 27,
                    "preferred_language": "tr", "interpreter_needed": false, "registered_on": "2026-11-20",
                },
                "base": {},
                "hlc": lohusa_core::Hlc { wall_ms: now, counter: i }.to_string(),
                "author": member,
                "device": device,
                "schema_version": lohusa_core::change::CHANGE_SCHEMA_VERSION,
            })
        })
        .collect();
    json!({ "changes": changes })
}

/// One side: the pushers for `seconds`, with the attack running or not. Push latencies in ms.
async fn side(args: &Args, hostile: Attack) -> anyhow::Result<(Vec<f64>, f64, usize, usize)> {
    let server = Arc::new(Server::start()?);
    // Each tablet keeps its own connection open, as a tablet does, and comes from another address
    // than the attacker (127.0.0.2; the attack comes from 127.0.0.1), as tablets and an attacker
    // are other machines.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.pushers + 1)
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()?;
    let mut tablets = Vec::new();
    for i in 0..args.pushers {
        tablets.push(server.tablet(&http, &format!("Ebe {i}")).await?);
    }
    let attacker = server.tablet(&http, "Saldırgan").await?;
    let stop = Arc::new(AtomicBool::new(false));
    let attacks = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    let mut attacker_process = None;
    match hostile {
        Attack::None => {}
        Attack::InProcess => tasks.extend(attack(server.port, &attacker.0, &stop, &attacks)),
        Attack::OwnProcess => {
            let child = Command::new("nice")
                .args(["-n", "19"])
                .arg(std::env::current_exe()?)
                .args([
                    "--seconds",
                    &args.seconds.to_string(),
                    "--attack-port",
                    &server.port.to_string(),
                ])
                .args(["--attack-token", &attacker.0])
                .stdout(Stdio::piped())
                .spawn()?;
            attacker_process = Some(child);
        }
    }
    let failed = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut pushers = Vec::new();
    let pause_ms = args.pause_ms;
    for (token, device, member) in tablets {
        let (http, server, failed) = (http.clone(), server.clone(), failed.clone());
        pushers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let sent = http
                    .post(server.url("push"))
                    .bearer_auth(&token)
                    .json(&batch(device, member))
                    .timeout(Duration::from_secs(60))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => latencies.push(started.elapsed().as_secs_f64() * 1000.0),
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tokio::time::sleep(Duration::from_millis(pause_ms)).await;
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for p in pushers {
        latencies.extend(p.await?);
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.abort();
    }
    if let Some(child) = attacker_process {
        let out = child.wait_with_output()?;
        let sent: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
        attacks.fetch_add(sent, Ordering::Relaxed);
    }
    Ok((
        latencies,
        server.peak_mb(),
        failed.load(Ordering::Relaxed),
        attacks.load(Ordering::Relaxed),
    ))
}

fn bomb(size: usize) -> Vec<u8> {
    let mut encoder = zstd::Encoder::new(Vec::new(), 19).expect("zstd");
    encoder.write_all(b"{\"changes\": [], \"padding\": \"").expect("zstd");
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..size / chunk.len() {
        encoder.write_all(&chunk).expect("zstd");
    }
    encoder.write_all(b"\"}").expect("zstd");
    encoder.finish().expect("zstd")
}

/// The hostile corpus, each kind in a loop of its own until `stop`.
fn attack(
    port: u16,
    token: &str,
    stop: &Arc<AtomicBool>,
    count: &Arc<AtomicUsize>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let bomb = bomb(40 << 20);
    let deep = format!(
        "{{\"changes\": [{{\"fields\": {{\"full_name\": {}1{}}}}}]}}",
        "[".repeat(120),
        "]".repeat(120)
    );
    let long_name = json!({ "changes": [{ "id": new_id(), "entity": "mother", "entity_id": new_id(),
        "fields": { "full_name": "x".repeat(10 << 20) }, "base": {}, "hlc": "000000000000-00000000",
        "author": new_id(), "device": new_id(), "schema_version": 1 }] })
    .to_string();
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    // Each kind: how many loops send it, whether with the attacker's token, zstd or plain, the body.
    let kinds: Vec<(usize, bool, bool, Vec<u8>)> = vec![
        (3, false, true, bomb.clone()),
        (2, true, true, bomb),
        (2, true, false, deep.into_bytes()),
        (2, true, false, long_name.into_bytes()),
    ];
    let url = format!("http://127.0.0.1:{port}/v1/push");
    for (copies, with_token, zstd, body) in kinds {
        for _ in 0..copies {
            let (http, url, stop, count, body, token) = (
                http.clone(),
                url.clone(),
                stop.clone(),
                count.clone(),
                body.clone(),
                token.to_owned(),
            );
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let mut request = http.post(&url).header("content-type", "application/json");
                    if with_token {
                        request = request.bearer_auth(&token);
                    }
                    if zstd {
                        request = request.header("content-encoding", "zstd");
                    }
                    let _ = request.body(body.clone()).timeout(Duration::from_secs(30)).send().await;
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
    }
    // Wrong enrollment codes.
    {
        let (http, url, stop, count) = (
            http.clone(),
            format!("http://127.0.0.1:{port}/v1/enroll"),
            stop.clone(),
            count.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let _ = http
                    .post(&url)
                    .json(&json!({ "code": "AAAA-BBBB-CCCC", "device_id": new_id() }))
                    .send()
                    .await;
                count.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    // Slow headers, idle sockets and a gigabyte announced, each holding a connection.
    let address = format!("127.0.0.1:{port}");
    for i in 0..400 {
        let (address, stop, count) = (address.clone(), stop.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut socket) = tokio::net::TcpStream::connect(&address).await else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                count.fetch_add(1, Ordering::Relaxed);
                match i % 3 {
                    0 => {
                        for b in b"POST /v1/push HTTP/1.1\r\nHost: x\r\nX-Slow: " {
                            if socket.write_all(&[*b]).await.is_err() {
                                break;
                            }
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                    1 => tokio::time::sleep(Duration::from_secs(30)).await,
                    _ => {
                        let _ = socket
                            .write_all(b"POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n")
                            .await;
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                }
            }
        }));
    }
    tasks
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let (Some(port), Some(token)) = (args.attack_port, &args.attack_token) {
        // The attacker's own process: attack for the side's length, then say how many requests.
        let (stop, count) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
        let tasks = attack(port, token, &stop, &count);
        tokio::time::sleep(Duration::from_secs(args.seconds + 5)).await;
        stop.store(true, Ordering::Relaxed);
        tasks.iter().for_each(|t| t.abort());
        println!("{}", count.load(Ordering::Relaxed));
        return Ok(());
    }
    println!(
        "Hostile load: {} tablets pushing 20 mothers, pausing {} ms between pushes, for {} s, on an idle server and then on a server under attack (release build, embedded SQLite, each side a fresh server process)\n",
        args.pushers, args.pause_ms, args.seconds
    );
    let mut rows = Vec::new();
    for hostile in [Attack::None, Attack::InProcess, Attack::OwnProcess] {
        let (mut latencies, peak, failed, attacks) = side(&args, hostile).await?;
        // A tablet's push failing on an idle server means the bench itself is broken.
        anyhow::ensure!(
            hostile != Attack::None || failed == 0,
            "{failed} pushes failed on the idle server: the bench's pushes are not what a tablet sends"
        );
        latencies.sort_by(f64::total_cmp);
        rows.push((hostile, latencies, peak, failed, attacks));
    }
    let idle = &rows[0];
    println!("| side | pushes | failed | p50 ms | p99 ms | p99 vs idle | server peak MB | attack requests |");
    println!("|---|---|---|---|---|---|---|---|");
    for (hostile, latencies, peak, failed, attacks) in &rows {
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.2}× | {:.0} | {} |",
            match hostile {
                Attack::None => "idle",
                Attack::InProcess => "under attack (attacker in the bench's process)",
                Attack::OwnProcess => "under attack (attacker in its own process, lowest CPU priority)",
            },
            latencies.len(),
            failed,
            percentile(latencies, 0.5),
            percentile(latencies, 0.99),
            percentile(latencies, 0.99) / percentile(&idle.1, 0.99),
            peak,
            attacks
        );
    }
    Ok(())
}
