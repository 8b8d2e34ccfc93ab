//! `cargo xtask bench sync` (its last part): several `lohusa-server` processes on one PostgreSQL,
//! with many thin simulated devices spread across them for a while.
//!
//! A thin device is what a tablet says over HTTP and nothing more: it pushes an edit of its own
//! mother record and pulls the team's changes from its cursor, with no local store (a thousand
//! stores fsyncing on two cores would measure the disk, not the server). Each device connects
//! from its own loopback address (127.1.x.y), as each tablet has its own address in the field.
//!
//! Reported: syncs and errors; the server's own handling time per request (from its
//! `Server-Timing` header) apart from what the device waited in all; and the check that matters
//! with several servers writing one team's log: every device saw the team's sequence numbers
//! strictly rising with none skipped, and at the end one full pull per team holds exactly
//! 1..=head with every accepted change in it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use lohusa_core::sync::{PullResponse, PushRequest, PushResponse};
use lohusa_core::{Change, ChangeId, DeviceId, EntityKind, Hlc, MemberId, Role, Version};
use serde_json::json;
use uuid::Uuid;

/// mimalloc instead of the system allocator: sync, the lists and the merge build and drop many
/// small maps and strings, which it serves faster (`cargo xtask bench sync` measures it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// PostgreSQL admin URL; the run gets a database of its own.
    #[arg(long, env = "LOHUSA_BENCH_POSTGRES_URL")]
    postgres: String,
    /// The release `lohusa-server` binary.
    #[arg(long)]
    server_bin: PathBuf,
    /// Server processes sharing the database.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=64))]
    servers: u16,
    /// Simulated devices, spread over the servers in turn.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=60_000))]
    devices: u32,
    /// Devices per team (a district team: nurses, a doctor, a lead).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    per_team: u32,
    /// How long the devices sync, in seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    seconds: u64,
}

/// A server process, killed when dropped.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn start_server(bin: &PathBuf, url: &str) -> anyhow::Result<(Process, String)> {
    let port = free_port()?;
    let child = std::process::Command::new(bin)
        .args(["--database-url", url, "serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let mut process = Process(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(format!("{base}/v1/health")).send().await
            && r.status().is_success()
        {
            return Ok((process, base));
        }
        if let Some(status) = process.0.try_wait()? {
            bail!("the server for port {port} exited before it answered ({status})");
        }
        if Instant::now() > deadline {
            bail!("the server on port {port} did not answer within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One enrolled thin device.
#[derive(Clone)]
struct Device {
    team: usize,
    id: Uuid,
    member: Uuid,
    token: String,
    base: String,
    client: reqwest::Client,
}

/// What one device saw.
#[derive(Default)]
struct Seen {
    syncs: usize,
    errors: Vec<String>,
    accepted: usize,
    /// Sequence numbers that did not follow the one before (skipped, repeated or going back).
    out_of_order: Vec<(u64, u64)>,
    server_push_ms: Vec<f64>,
    server_pull_ms: Vec<f64>,
    push_ms: Vec<f64>,
    pull_ms: Vec<f64>,
}

/// Sends `request` as the device, reads the answer of `what` (a success, else an error naming
/// its status and body), and notes the server's own handling time in `server_ms`.
async fn answer<T: serde::de::DeserializeOwned>(
    what: &str,
    request: reqwest::RequestBuilder,
    server: &mut Vec<f64>,
) -> anyhow::Result<T> {
    let response = request.send().await?;
    if let Some(ms) = server_ms(&response) {
        server.push(ms);
    }
    let status = response.status();
    let body = response.bytes().await?;
    ensure!(
        status.is_success(),
        "{what}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    Ok(serde_json::from_slice(&body)?)
}

fn server_ms(response: &reqwest::Response) -> Option<f64> {
    let value = response.headers().get("server-timing")?.to_str().ok()?;
    value.split("dur=").nth(1)?.split([';', ',']).next()?.parse().ok()
}

impl Device {
    /// An edit of the device's own mother record; after the first, it names the version it
    /// replaces (as a tablet's store does), so the edits follow each other instead of piling up
    /// as concurrent heads.
    fn change(&self, mother: Uuid, i: u64, previous: Option<Hlc>) -> Change {
        let fields = json!({
            "full_name": format!("Anne {}", self.id.simple()),
            "preferred_language": "tr",
            "interpreter_needed": false,
            "registered_on": "2026-11-20",
            "phone": format!("0532{:07}", i % 10_000_000),
        });
        let serde_json::Value::Object(fields) = fields else {
            unreachable!()
        };
        let now = lohusa_server::clock::now_ms();
        let hlc = match previous {
            Some(last) if last.wall_ms >= now => Hlc {
                wall_ms: last.wall_ms,
                counter: last.counter + 1,
            },
            _ => Hlc {
                wall_ms: now,
                counter: 0,
            },
        };
        let base = match previous {
            Some(hlc) => fields
                .keys()
                .map(|k| {
                    (
                        k.clone(),
                        vec![Version {
                            hlc,
                            device: DeviceId(self.id),
                        }],
                    )
                })
                .collect(),
            None => Default::default(),
        };
        Change {
            id: ChangeId(Uuid::now_v7()),
            entity: EntityKind::Mother,
            entity_id: mother,
            fields: fields.into_iter().collect(),
            base,
            hlc,
            author: MemberId(self.member),
            device: DeviceId(self.id),
            schema_version: lohusa_core::change::CHANGE_SCHEMA_VERSION,
        }
    }

    /// Pulls from `cursor` until the server has no more; checks each number follows the last.
    async fn pull_all(&self, cursor: &mut u64, seen: &mut Seen, seqs: Option<&mut Vec<u64>>) -> anyhow::Result<()> {
        let mut seqs = seqs;
        loop {
            let started = Instant::now();
            let request = self
                .client
                .get(format!(
                    "{}/v1/pull?after={cursor}&limit=500&others_only=false",
                    self.base
                ))
                .bearer_auth(&self.token);
            let pulled: PullResponse = answer("pull", request, &mut seen.server_pull_ms).await?;
            seen.pull_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            for change in &pulled.changes {
                if change.seq != *cursor + 1 {
                    seen.out_of_order.push((*cursor, change.seq));
                }
                *cursor = change.seq;
                if let Some(seqs) = seqs.as_deref_mut() {
                    seqs.push(change.seq);
                }
            }
            ensure!(pulled.cursor >= *cursor, "the pull cursor went back");
            *cursor = pulled.cursor;
            if !pulled.more {
                return Ok(());
            }
        }
    }

    async fn push(&self, change: Change, seen: &mut Seen) -> anyhow::Result<()> {
        let started = Instant::now();
        let request = self
            .client
            .post(format!("{}/v1/push", self.base))
            .bearer_auth(&self.token)
            .json(&PushRequest { changes: vec![change] });
        let pushed: PushResponse = answer("push", request, &mut seen.server_push_ms).await?;
        ensure!(pushed.accepted == 1, "push: accepted {} of 1", pushed.accepted);
        seen.accepted += 1;
        seen.push_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        Ok(())
    }
}

fn pick(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values
        .get(((values.len().max(1) - 1) as f64 * p) as usize)
        .copied()
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (servers_n, devices_n, per_team) = (args.servers as usize, args.devices as usize, args.per_team as usize);
    let name = format!("lohusa_fleet_{}", Uuid::new_v4().simple());
    let url = lohusa_server::postgres::create_database(&args.postgres, &name).await?;
    println!("fleet     database {name} (left for inspection; drop it when done)");
    // The first server process migrates the database; the others find it migrated.
    let mut servers = Vec::new();
    for _ in 0..servers_n {
        servers.push(start_server(&args.server_bin, &url).await?);
    }
    let admin = lohusa_server::Database::Postgres(url.clone()).open().await?;
    let teams = devices_n.div_ceil(per_team);
    for t in 0..teams {
        admin.create_team(&format!("team-{t}")).await?;
    }
    let mut devices = Vec::new();
    for d in 0..devices_n {
        let team = d / per_team;
        let id = Uuid::now_v7();
        let member = Uuid::now_v7();
        let now = lohusa_server::clock::now_ms();
        let team_name = format!("team-{team}");
        let token = admin.enroll_device(&team_name, &id.to_string(), now).await?;
        admin
            .add_member_on_device(
                &team_name,
                &id.to_string(),
                MemberId(member),
                &format!("Nurse {d}"),
                Role::Nurse,
                now,
            )
            .await?;
        let address = IpAddr::V4(Ipv4Addr::new(127, 1, (d / 250) as u8, (d % 250 + 1) as u8));
        let client = reqwest::Client::builder()
            .local_address(address)
            .timeout(Duration::from_secs(60))
            .build()?;
        devices.push(Device {
            team,
            id,
            member,
            token,
            base: servers[d % servers.len()].1.clone(),
            client,
        });
    }
    println!(
        "fleet     {} server processes on one PostgreSQL, {} thin devices in {teams} teams of up to {}, each syncing every 0.5-1.5 s for {} s",
        args.servers, args.devices, args.per_team, args.seconds
    );

    // Each team's head before the run: the members added at enrollment.
    let mut before: HashMap<usize, u64> = HashMap::new();
    for device in devices.iter().step_by(per_team) {
        let mut cursor = 0;
        device.pull_all(&mut cursor, &mut Seen::default(), None).await?;
        before.insert(device.team, cursor);
    }

    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for device in devices {
        let device = Arc::new(device);
        tasks.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            let mut cursor = 0;
            let mother = Uuid::now_v7();
            let mut i = 0;
            let mut previous = None;
            // Devices start spread over a second, as tablets do not all sync at one instant.
            tokio::time::sleep(Duration::from_millis(fastrand::u64(..1000))).await;
            while Instant::now() < deadline {
                let change = device.change(mother, i, previous);
                let hlc = change.hlc;
                let result = async {
                    device.push(change, &mut seen).await?;
                    previous = Some(hlc);
                    device.pull_all(&mut cursor, &mut seen, None).await
                }
                .await;
                match result {
                    Ok(()) => seen.syncs += 1,
                    Err(e) => seen.errors.push(e.to_string()),
                }
                i += 1;
                tokio::time::sleep(Duration::from_millis(500 + fastrand::u64(..1000))).await;
            }
            (device, seen)
        }));
    }
    let mut all = Seen::default();
    let mut accepted_by_team: HashMap<usize, usize> = HashMap::new();
    let mut one_per_team: HashMap<usize, Arc<Device>> = HashMap::new();
    for task in tasks {
        let (device, seen) = task.await?;
        all.syncs += seen.syncs;
        all.errors.extend(seen.errors);
        all.out_of_order.extend(seen.out_of_order);
        all.server_push_ms.extend(seen.server_push_ms);
        all.server_pull_ms.extend(seen.server_pull_ms);
        all.push_ms.extend(seen.push_ms);
        all.pull_ms.extend(seen.pull_ms);
        *accepted_by_team.entry(device.team).or_default() += seen.accepted;
        all.accepted += seen.accepted;
        one_per_team.entry(device.team).or_insert(device);
    }
    // Afterwards, each team's whole log pulled once: 1..=head, every accepted change in it.
    let mut log_problems = Vec::new();
    let mut unread = Vec::new();
    for (team, device) in &one_per_team {
        // Through its own server, else through any other still answering.
        let mut read = None;
        let mut last_error = None;
        for (_, base) in &servers {
            let through = Device {
                base: base.clone(),
                ..Device::clone(device)
            };
            let (mut seqs, mut cursor) = (Vec::new(), 0);
            match through
                .pull_all(&mut cursor, &mut Seen::default(), Some(&mut seqs))
                .await
            {
                Ok(()) => {
                    read = Some((seqs, cursor));
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        let Some((seqs, cursor)) = read else {
            unread.push(format!(
                "team {team}: no server could read its log afterwards: {}",
                last_error.map(|e| e.to_string()).unwrap_or_default()
            ));
            continue;
        };
        let expected: Vec<u64> = (1..=cursor).collect();
        if seqs != expected {
            log_problems.push(format!(
                "team {team}: {} changes, head {cursor}, not 1..=head",
                seqs.len()
            ));
        }
        // After the members added at enrollment, exactly the edits the devices saw accepted.
        let pushed = accepted_by_team.get(team).copied().unwrap_or(0) as u64;
        let added = cursor - before.get(team).copied().unwrap_or(0);
        if added != pushed {
            log_problems.push(format!(
                "team {team}: {pushed} changes accepted, {added} added to the log"
            ));
        }
    }
    drop(servers);

    println!(
        "fleet     {} syncs ({:.0}/s, {} changes pushed), {} errors; sequence numbers out of order as devices pulled them: {}; team logs not exactly 1..=head: {}; team logs that could not be read: {}",
        all.syncs,
        all.syncs as f64 / args.seconds as f64,
        all.accepted,
        all.errors.len(),
        all.out_of_order.len(),
        log_problems.len(),
        unread.len()
    );
    for e in all.errors.iter().take(5) {
        println!("fleet     error: {e}");
    }
    for p in log_problems.iter().chain(&unread).take(5) {
        println!("fleet     log: {p}");
    }
    for (from, to) in all.out_of_order.iter().take(5) {
        println!("fleet     out of order: {to} after {from}");
    }
    println!(
        "fleet     the servers' own handling (Server-Timing): push p50 {:.1} ms, p99 {:.1} ms; pull p50 {:.1} ms, p99 {:.1} ms; {} requests",
        pick(&mut all.server_push_ms, 0.5),
        pick(&mut all.server_push_ms, 0.99),
        pick(&mut all.server_pull_ms, 0.5),
        pick(&mut all.server_pull_ms, 0.99),
        all.server_push_ms.len() + all.server_pull_ms.len()
    );
    println!(
        "fleet     as the devices waited (network, queues, the clients' own scheduling): push p50 {:.1} ms, p99 {:.1} ms; pull p50 {:.1} ms, p99 {:.1} ms",
        pick(&mut all.push_ms, 0.5),
        pick(&mut all.push_ms, 0.99),
        pick(&mut all.pull_ms, 0.5),
        pick(&mut all.pull_ms, 0.99)
    );
    ensure!(
        all.errors.is_empty() && all.out_of_order.is_empty() && log_problems.is_empty() && unread.is_empty(),
        "the fleet run found problems (above)"
    );
    Ok(())
}
