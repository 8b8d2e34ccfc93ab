//! `cargo xtask bench sync`: sync throughput and latency against both server databases, beside
//! baselines measured in the same run on the same records: the physical limit (each record one
//! wide row, one prepared insert, one transaction), the raw SQLite insert of the same state rows
//! a replica holds, and PouchDB replication (what peers use) against a PouchDB server in its own
//! process, with batches of 100 and 500.
//!
//! Workload: N visit checklists of 20 fields recorded on replica A, pushed to the server over
//! loopback HTTP, pulled into a fresh replica B; then 50 edited fields synced incrementally; then
//! many devices syncing at once for a while. Last, a new tablet joins a district: thousands of
//! mothers with full histories recorded on one tablet and pushed, then the time from a new
//! tablet's enrollment to its Today list.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use lohusa_core::EntityKind;
use lohusa_core::change::EntityWrite;
use lohusa_server::Database;
use lohusa_store::Store;
use lohusa_sync::http::HttpTransport;
use lohusa_sync::{Phase, Replica};
use serde_json::json;
use uuid::Uuid;

/// mimalloc instead of the system allocator: sync, the lists and the merge build and drop many
/// small maps and strings, which it serves faster (`cargo xtask bench sync` measures it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// Visit checklists recorded on replica A.
    #[arg(long, default_value_t = 10_000)]
    records: usize,
    /// Devices syncing at once in the load test.
    #[arg(long, default_value_t = 200)]
    devices: usize,
    /// How long the load test runs per database, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Folder with the PouchDB baseline installed (package.json and replicate.js).
    #[arg(long)]
    pouchdb: Option<PathBuf>,
    /// PostgreSQL admin URL; without it the PostgreSQL rows are skipped, and say so.
    #[arg(long, env = "LOHUSA_BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Mothers with full histories a new tablet joins (0 skips it).
    #[arg(long, default_value_t = 20_000)]
    district: usize,
}

/// Twelve fields of the mother in the current checklist that a nurse types or picks (measures,
/// options, scales): the answers the bench's visits carry, since the server takes only answers
/// a form could have given.
fn answered_fields() -> Vec<lohusa_core::checklist::FieldDef> {
    use lohusa_core::checklist::FieldKind as K;
    lohusa_core::checklist::current()
        .sections
        .iter()
        .filter(|s| s.subject == lohusa_core::checklist::Subject::Mother)
        .flat_map(|s| &s.fields)
        .filter(|f| {
            matches!(
                f.kind,
                K::Number { .. } | K::Scale { .. } | K::Choice { .. } | K::Single { .. } | K::YesNo
            )
        })
        .take(12)
        .cloned()
        .collect()
}

/// The `i`th of the answers the form could give for `field`, going round its range or options.
fn answer(field: &lohusa_core::checklist::FieldDef, i: usize) -> serde_json::Value {
    use lohusa_core::checklist::FieldKind as K;
    match &field.kind {
        K::Number { min, max, .. } => json!(min + (i % (max - min).max(1.0) as usize) as f64),
        K::Scale { min, max } => json!(min + (i % (max - min + 1) as usize) as i32),
        K::Choice { options } => json!(options[i % options.len()]),
        K::Single { options } => json!(options[i % options.len()]),
        _ => json!(i.is_multiple_of(2)),
    }
}

/// N visits of 20 fields each: 8 visit fields and 12 checklist answers.
fn visits(n: usize) -> Vec<EntityWrite> {
    let answered = answered_fields();
    (0..n)
        .map(|i| {
            let mut fields = lohusa_core::FieldValues::new();
            fields.insert("mother_id".into(), json!(Uuid::now_v7()));
            fields.insert("number".into(), json!(1 + i % 3));
            fields.insert("outcome".into(), json!("visited"));
            fields.insert("visited_on".into(), json!("2026-11-20"));
            fields.insert("visited_at".into(), json!("10:30"));
            fields.insert("visited_by".into(), json!("Ebe Derya"));
            fields.insert("note".into(), json!(""));
            fields.insert("checklist_version".into(), json!(1));
            for (k, field) in answered.iter().enumerate() {
                fields.insert(format!("answers.mother.{}", field.key), answer(field, i + k));
            }
            EntityWrite {
                entity: EntityKind::Visit,
                entity_id: Uuid::now_v7(),
                fields,
                also_replaces: Default::default(),
            }
        })
        .collect()
}

struct Server {
    base: String,
    admin: lohusa_server::Backend,
    task: tokio::task::JoinHandle<()>,
}

async fn start(database: &Database) -> anyhow::Result<Server> {
    let admin = database.open().await?;
    let served = database.open().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    // Every simulated device connects from the loopback address, where a deployed server sees
    // one address per tablet (or per office router): the per-address cap would refuse most of
    // them here, so it is lifted to the whole connection limit.
    let limits = lohusa_server::guards::Limits::for_this_process();
    let limits = lohusa_server::guards::Limits {
        per_address: limits.max_connections,
        ..limits
    };
    let task = tokio::spawn(async move {
        let _ = lohusa_server::serve_with(served, listener, limits).await;
    });
    Ok(Server { base, admin, task })
}

async fn replica(dir: &Path, name: &str, team: &str, server: &Server) -> anyhow::Result<(Mutex<Store>, HttpTransport)> {
    let mut store = Store::open(&dir.join(format!("{name}.sqlite3")))?;
    let member = store.set_local_member(name, Utc::now())?.id;
    let device = store.device_id().to_string();
    let now = lohusa_server::clock::now_ms();
    let token = server.admin.enroll_device(team, &device, now).await?;
    server
        .admin
        .add_member_on_device(team, &device, member, name, lohusa_core::Role::Nurse, now)
        .await?;
    store.set_enrollment(&server.base, team, &token)?;
    let transport = HttpTransport::new(&server.base, &token)?;
    Ok((Mutex::new(store), transport))
}

/// Runs one sync; returns the whole time and the time until pushing ended.
async fn timed_sync(store: &Mutex<Store>, transport: &HttpTransport) -> anyhow::Result<(Duration, Duration)> {
    let start = Instant::now();
    let mut pushed_at = None;
    lohusa_sync::sync(store, transport, Utc::now, |p| {
        if pushed_at.is_none() && matches!(p.phase, Phase::Pulling | Phase::Done) {
            pushed_at = Some(start.elapsed());
        }
    })
    .await?;
    let total = start.elapsed();
    Ok((total, pushed_at.unwrap_or(total)))
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

struct Throughput {
    push: f64,
    pull: f64,
    push_bytes: f64,
    pull_bytes: f64,
    incremental_a: Duration,
    incremental_b: Duration,
}

async fn throughput(database: &Database, writes: &[EntityWrite], dir: &Path) -> anyhow::Result<Throughput> {
    let server = start(database).await?;
    server.admin.create_team("bench").await?;
    let (a, ta) = replica(dir, "a", "bench", &server).await?;
    let (b, tb) = replica(dir, "b", "bench", &server).await?;
    let author = a.with_store(|s| s.local_member())?.expect("member").id;
    for chunk in writes.chunks(500) {
        a.with_store(|s| s.write(chunk, author, Utc::now()))?;
    }
    let n = writes.len();
    let (_, push) = timed_sync(&a, &ta).await?;
    let (pull, _) = timed_sync(&b, &tb).await?;
    let (push_sent, _) = ta.bytes();
    let (_, pull_received) = tb.bytes();
    // A takes B's member record (untimed), then both must hold the same records.
    timed_sync(&a, &ta).await?;
    let same = a.with_store(|s| s.export_state())? == b.with_store(|s| s.export_state())?;
    anyhow::ensure!(same, "replica B differs from A after the pull");
    let first = answered_fields().remove(0);
    // 50 edited fields on A, synced to the server and on to B.
    for (i, w) in writes.iter().step_by(n / 50).take(50).enumerate() {
        let edit = EntityWrite {
            entity: EntityKind::Visit,
            entity_id: w.entity_id,
            fields: [(format!("answers.mother.{}", first.key), answer(&first, i + 1))].into(),
            also_replaces: Default::default(),
        };
        a.with_store(|s| s.write(&[edit], author, Utc::now()))?;
    }
    let (incremental_a, _) = timed_sync(&a, &ta).await?;
    let (incremental_b, _) = timed_sync(&b, &tb).await?;
    anyhow::ensure!(
        a.with_store(|s| s.export_state())? == b.with_store(|s| s.export_state())?,
        "replica B differs from A after the incremental sync"
    );
    server.task.abort();
    Ok(Throughput {
        push: rate(n, push),
        pull: rate(n, pull),
        push_bytes: push_sent as f64 / n as f64,
        pull_bytes: pull_received as f64 / n as f64,
        incremental_a,
        incremental_b,
    })
}

struct Load {
    syncs: usize,
    errors: usize,
    p50: Duration,
    p99: Duration,
}

/// `devices` replicas, each writing an edit and syncing in a loop for `seconds`.
async fn load(database: &Database, devices: usize, seconds: u64, dir: &Path) -> anyhow::Result<Load> {
    let server = start(database).await?;
    server.admin.create_team("load").await?;
    let errors = std::sync::Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    for d in 0..devices {
        let (store, transport) = replica(dir, &format!("load-{d}"), "load", &server).await?;
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let author = store.with_store(|s| s.local_member()).unwrap().unwrap().id;
            let mother = Uuid::now_v7();
            let mut i = 0;
            while Instant::now() < deadline {
                let write = EntityWrite {
                    entity: EntityKind::Mother,
                    entity_id: mother,
                    // Her whole record on each write (a new mother must have every field).
                    fields: [
                        ("full_name".to_owned(), json!(format!("Anne {d}"))),
                        ("preferred_language".to_owned(), json!("tr")),
                        ("interpreter_needed".to_owned(), json!(false)),
                        ("registered_on".to_owned(), json!("2026-11-20")),
                        ("phone".to_owned(), json!(format!("0532{d:04}{i:03}"))),
                    ]
                    .into(),
                    also_replaces: Default::default(),
                };
                if store.with_store(|s| s.write(&[write], author, Utc::now())).is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                let start = Instant::now();
                match lohusa_sync::sync(&store, &transport, Utc::now, |_| {}).await {
                    Ok(_) => latencies.push(start.elapsed()),
                    Err(e) => {
                        eprintln!("device {d}: {e}");
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                i += 1;
                // A tablet syncs now and then, not in a tight loop.
                tokio::time::sleep(Duration::from_millis(200 + fastrand::u64(..800))).await;
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    server.task.abort();
    all.sort();
    let pick = |p: f64| {
        all.get(((all.len().max(1) - 1) as f64 * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    Ok(Load {
        syncs: all.len(),
        errors: errors.load(Ordering::Relaxed),
        p50: pick(0.5),
        p99: pick(0.99),
    })
}

/// PouchDB replication of the same number of documents, as it is deployed: its server
/// (`server.js`) in its own process, started here and stopped after; the replicating client
/// (`replicate.js`) in another. For each batch size: (batch, push docs/s, pull docs/s).
fn pouchdb(dir: &Path, n: usize, batches: &[usize]) -> anyhow::Result<Vec<(usize, f64, f64)>> {
    use std::io::BufRead;
    let data = tempfile::tempdir()?;
    let mut server = std::process::Command::new("node")
        .arg("server.js")
        .arg(data.path())
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let result = (|| {
        let mut first = String::new();
        std::io::BufReader::new(server.stdout.take().expect("piped")).read_line(&mut first)?;
        let port = serde_json::from_str::<serde_json::Value>(&first)?["port"]
            .as_u64()
            .ok_or_else(|| anyhow::anyhow!("the PouchDB server did not say its port: {first:?}"))?;
        let mut rates = Vec::new();
        for &batch in batches {
            let out = std::process::Command::new("node")
                .arg("replicate.js")
                .arg(format!("http://127.0.0.1:{port}"))
                .arg(n.to_string())
                .arg(batch.to_string())
                .current_dir(dir)
                .output()?;
            anyhow::ensure!(
                out.status.success(),
                "PouchDB baseline failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let result: serde_json::Value = serde_json::from_slice(&out.stdout)?;
            let secs = |k: &str| result[k].as_f64().unwrap_or(f64::NAN);
            rates.push((batch, n as f64 / secs("push_s"), n as f64 / secs("pull_s")));
        }
        Ok(rates)
    })();
    // Its standard input closes: it stops.
    drop(server.stdin.take());
    let _ = server.wait();
    result
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let n = args.records;
    let writes = visits(n);
    println!("workload: {n} visit checklists of 20 fields, over loopback HTTP, zstd both ways");

    // The physical limit: each record as one wide row, one prepared statement, one transaction.
    let mut wide = Store::open(&dir.path().join("wide.sqlite3"))?;
    let started = Instant::now();
    wide.baseline_insert_wide(&writes)?;
    let limit = rate(n, started.elapsed());
    println!("baseline  physical limit (wide rows, one prepared insert, one transaction): {limit:>9.0} records/s");
    // The same state rows a replica holds (visits and their answers), without log or merge.
    let mut raw = Store::open(&dir.path().join("raw.sqlite3"))?;
    let started = Instant::now();
    raw.baseline_insert_rows(&writes)?;
    let raw_rate = rate(n, started.elapsed());
    println!(
        "baseline  raw SQLite insert of the same state rows:                     {raw_rate:>9.0} records/s ({:.1}x below the limit)",
        limit / raw_rate
    );

    // PouchDB's best of the batch sizes, both reported.
    let pouch = match &args.pouchdb {
        Some(p) => {
            let rates = pouchdb(p, n, &[100, 500])?;
            for (batch, push, pull) in &rates {
                println!(
                    "baseline  PouchDB, server in its own process, batch {batch:>3}: push {push:>7.0} docs/s, pull {pull:>7.0} docs/s"
                );
            }
            let best = |f: fn(&(usize, f64, f64)) -> f64| rates.iter().map(f).fold(0.0, f64::max);
            Some((best(|r| r.1), best(|r| r.2)))
        }
        None => {
            println!("baseline  PouchDB: skipped (no --pouchdb folder)");
            None
        }
    };

    let mut backends = vec![("sqlite", Some(Database::Folder(dir.path().join("server-sqlite"))))];
    backends.push((
        "postgres",
        match &args.postgres {
            Some(admin) => Some(Database::Postgres(
                lohusa_server::postgres::create_database(admin, &format!("lohusa_bench_{}", Uuid::new_v4().simple()))
                    .await?,
            )),
            None => None,
        },
    ));
    if args.district > 0 {
        district(args.district, &dir.path().join("district")).await?;
    }
    for (name, database) in &backends {
        let Some(database) = database else {
            println!("{name:<9} skipped: no PostgreSQL URL (--postgres or LOHUSA_BENCH_POSTGRES_URL)");
            continue;
        };
        let run_dir = dir.path().join(name);
        std::fs::create_dir_all(&run_dir)?;
        let t = throughput(database, &writes, &run_dir).await?;
        let vs = |ours: f64, pouch: Option<f64>| match pouch {
            Some(p) => format!("{:>5.1}x PouchDB's best", ours / p),
            None => "  PouchDB n/a".into(),
        };
        println!(
            "{name:<9} push {:>9.0} records/s  {}  {:>4.2}x slower than raw insert, {:>4.1}x below the physical limit (target: ≥10x PouchDB, ≤3x raw)",
            t.push,
            vs(t.push, pouch.map(|p| p.0)),
            raw_rate / t.push,
            limit / t.push
        );
        println!(
            "{name:<9} pull {:>9.0} records/s  {}  {:>4.2}x slower than raw insert, {:>4.1}x below the physical limit",
            t.pull,
            vs(t.pull, pouch.map(|p| p.1)),
            raw_rate / t.pull,
            limit / t.pull
        );
        println!(
            "{name:<9} bytes on the wire per record: push {:.0}, pull {:.0} (compressed)",
            t.push_bytes, t.pull_bytes
        );
        println!(
            "{name:<9} incremental sync of 50 edited fields on replicas holding {n} records: A round trip {}, B pull {} (target < 50 ms)",
            ms(t.incremental_a),
            ms(t.incremental_b)
        );
        let l = load(database, args.devices, args.seconds, &run_dir).await?;
        println!(
            "{name:<9} {} devices syncing for {} s: {} syncs, {} errors, p50 {}, p99 {}",
            args.devices,
            args.seconds,
            l.syncs,
            l.errors,
            ms(l.p50),
            ms(l.p99)
        );
    }
    Ok(())
}

/// The raw text a nurse would type for a field of a mother and baby doing well (one mother in
/// ten with a raised blood pressure, which the doctor then signs off); labs done, with results;
/// `None` for a computed field.
fn typed(key: &str, kind: &lohusa_core::checklist::FieldKind, unwell: bool, day: chrono::NaiveDate) -> Option<String> {
    use lohusa_core::checklist::FieldKind as K;
    let number = match key {
        "bp_systolic" if unwell => "150",
        "bp_diastolic" if unwell => "95",
        "bp_systolic" => "118",
        "bp_diastolic" => "76",
        "pulse" => "80",
        "temperature" => "36.7",
        "breathing_rate" => "16",
        "hemoglobin" => "12.1",
        "ua_ph" => "6.0",
        "ua_specific_gravity" => "1.015",
        // Above any birth weight the generator gives: back to it by day 14.
        "weight_g" => "4600",
        "baby_temperature" => "36.8",
        "baby_breathing_rate" => "44",
        "feeds_per_day" => "9",
        "longest_gap_h" => "3",
        "wet_nappies" => "7",
        "stools_per_day" => "4",
        _ => "",
    };
    Some(match kind {
        K::Number { min, max, .. } if number.is_empty() => format!("{}", (min + max) / 2.0),
        K::Number { .. } => number.to_owned(),
        K::Choice { options } => options.iter().max().copied().unwrap_or_default().to_string(),
        K::Single { options } if key == "screening_instrument" => options.first().cloned().unwrap_or_default(),
        K::Single { options } | K::Multiple { options } => options.first().cloned().unwrap_or_default(),
        K::YesNo
            if key.ends_with("_done")
                || key.ends_with("_counselled")
                || matches!(key, "smear_in_pregnancy" | "feeding_well" | "moves_spontaneously") =>
        {
            "yes".to_owned()
        }
        K::YesNo => "no".to_owned(),
        K::Scale { min, .. } => min.to_string(),
        K::Date => day.format("%d.%m.%Y").to_string(),
        K::Time => "10:30".to_owned(),
        K::Text { .. } => "Ebe Derya".to_owned(),
        // The option that scores 0: first for the EPDS items printed in order (1, 2, 4), last
        // for the reversed ones.
        K::Item { instrument, item } if instrument == "epds" && ![1, 2, 4].contains(item) => "3".to_owned(),
        K::Item { .. } => "0".to_owned(),
        K::Computed { .. } => return None,
    })
}

/// Records a visit with an answer to every field the checklist asks of her and her babies at
/// this visit; answers the form would not take (a field not asked after an earlier answer) are
/// dropped and the visit recorded again.
fn record_full_visit(
    store: &mut Store,
    mut input: lohusa_core::visit::VisitInput,
    babies: &[lohusa_core::BabyId],
    author: lohusa_core::MemberId,
    at: chrono::DateTime<Utc>,
    i: usize,
) -> anyhow::Result<()> {
    use lohusa_core::checklist::{Subject, answer_key, current};
    let day: chrono::NaiveDate = input.visited_on.parse()?;
    if input.outcome == lohusa_core::visit::VisitOutcome::Visited {
        for section in current()
            .sections
            .iter()
            .filter(|s| s.visits.contains(&input.number.get()))
        {
            let subjects: Vec<Option<lohusa_core::BabyId>> = match section.subject {
                Subject::Mother => vec![None],
                Subject::Baby => babies.iter().copied().map(Some).collect(),
            };
            for baby in subjects {
                for field in &section.fields {
                    if let Some(text) = typed(&field.key, &field.kind, i.is_multiple_of(10), day) {
                        input.answers.insert(answer_key(baby, &field.key), text);
                    }
                }
            }
        }
    }
    for _ in 0..8 {
        match store.record_visit(&input, author, at) {
            Ok(_) => return Ok(()),
            Err(lohusa_store::StoreError::Validation(errors)) => {
                let before = input.answers.len();
                for error in &errors.0 {
                    if let Some(key) = error.field.strip_prefix("answers.") {
                        input.answers.remove(key);
                    }
                }
                anyhow::ensure!(input.answers.len() < before, "visit refused: {errors:?}");
            }
            Err(e) => return Err(e.into()),
        }
    }
    anyhow::bail!("a visit was refused eight times")
}

/// A member of `role` added on replica `a`'s device by the server's admin, and signed in there.
async fn sign_in_new_member(
    server: &Server,
    a: &Mutex<Store>,
    team: &str,
    name: &str,
    role: lohusa_core::Role,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<lohusa_core::MemberId> {
    let device = a.with_store(|s| s.device_id().to_string());
    let member = lohusa_core::MemberId(lohusa_store::clock::id_at(now));
    let now_ms = u64::try_from(now.timestamp_millis())?;
    server
        .admin
        .add_member_on_device(team, &device, member, name, role, now_ms)
        .await?;
    a.with_store(|s| s.sign_in_as(member, name, Some(role)))?;
    Ok(member)
}

/// A new tablet joins a district: `mothers` with full histories (registration, every visit with
/// every answer the checklist asks, lab results, notes, and the flags signed off) recorded on
/// tablet A and pushed to the SQLite server; then the time from B's enrollment to its Today list.
async fn district(mothers: usize, dir: &Path) -> anyhow::Result<()> {
    use lohusa_core::review::{ReviewInput, ReviewOrder, flag_key};
    std::fs::create_dir_all(dir)?;
    let now = Utc::now();
    let today = lohusa_core::time::istanbul_today(now);
    let server = start(&Database::Folder(dir.join("server"))).await?;
    server.admin.create_team("district").await?;
    let (a, ta) = replica(dir, "a", "district", &server).await?;
    let started = Instant::now();
    a.with_store(|store| -> anyhow::Result<()> {
        // Seeding only: what is measured is the new tablet, not this one's disk.
        store.connection().execute_batch("PRAGMA synchronous=OFF")?;
        let member = store.local_member()?.expect("a member").id;
        store.sign_in_as(member, "a", Some(lohusa_core::Role::Nurse))?;
        for (i, mut demo) in lohusa_demo::demo_mothers(11, mothers, today, 150)
            .into_iter()
            .enumerate()
        {
            let visits = std::mem::take(&mut demo.visits);
            let (mother, babies) = lohusa_demo::register(store, &demo, member, now)?;
            for visit in visits {
                let at = lohusa_demo::written_at(visit.visited_on, now);
                // Every answer is the bench's own (record_full_visit), so the demo's are dropped.
                let input = lohusa_core::visit::VisitInput {
                    note: "Anne ve bebek iyi.".into(),
                    answers: Default::default(),
                    ..visit.input(mother, &babies)
                };
                record_full_visit(store, input, &babies, member, at, i)?;
            }
        }
        Ok(())
    })?;
    // A social care specialist, on the same tablet, writes a note about each mother.
    sign_in_new_member(
        &server,
        &a,
        "district",
        "Sosyal Bench",
        lohusa_core::Role::SocialWorker,
        now,
    )
    .await?;
    a.with_store(|store| -> anyhow::Result<()> {
        for mother in store.mother_ids()? {
            store.add_note(
                &lohusa_core::notes::NoteInput {
                    mother_id: Some(mother),
                    text: "Eşi telefonla ulaşılabilir; ev kolay bulunuyor.".into(),
                },
                now,
            )?;
        }
        Ok(())
    })?;
    // A doctor, on the same tablet, signs off every flag raised.
    let doctor = sign_in_new_member(&server, &a, "district", "Dr. Bench", lohusa_core::Role::Doctor, now).await?;
    a.with_store(|store| -> anyhow::Result<()> {
        let list = store.follow_up_list(now, &Default::default(), usize::MAX)?;
        for row in list.rows {
            if let (Some(flag), Some(visit_id)) = (&row.flag, row.visit_id) {
                let input = ReviewInput {
                    mother_id: row.mother_id,
                    visit_id,
                    flags: vec![flag_key(flag)],
                    order: ReviewOrder::None,
                    note: "Görüldü".into(),
                };
                // A flag signed off already (two rows of one visit) is refused; that is fine.
                let _ = store.record_review(&input, doctor, "Dr. Bench", now);
            }
        }
        Ok(())
    })?;
    let changes = a.with_store(|s| s.n_local_changes())?;
    let (n_mothers, n_visits) = a.with_store(|s| -> anyhow::Result<_> { Ok((s.n_mothers()?, s.n_visits()?)) })?;
    println!(
        "district  seeded on tablet A: {n_mothers} mothers, {n_visits} visits with every answer asked, notes and sign-offs: {changes} changes in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let kinds = a.with_store(|s| -> anyhow::Result<String> {
        let mut stmt = s
            .connection()
            .prepare("SELECT entity, count(*) FROM changes GROUP BY entity ORDER BY 2 DESC")?;
        let rows = stmt.query_map([], |r| {
            Ok(format!("{} {}", r.get::<_, i64>(1)?, r.get::<_, String>(0)?))
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?.join(", "))
    })?;
    println!("district  the changes by record: {kinds}");
    let (push, _) = timed_sync(&a, &ta).await?;
    println!("district  A pushed them in {:.1} s", push.as_secs_f64());

    // The new tablet: enrollment, its first sync, its Today list.
    let started = Instant::now();
    let (b, tb) = replica(dir, "b", "district", &server).await?;
    let enrolled = started.elapsed();
    let (sync, _) = timed_sync(&b, &tb).await?;
    let list = b.with_store(|s| s.today_list(now))?;
    let total = started.elapsed();
    let (_, received) = tb.bytes();
    println!(
        "district  new tablet: enrolled in {}, first sync {:.2} s ({:.1} MB on the wire), Today list ({} rows) {}; enrollment to Today {:.2} s (target < 5 s)",
        ms(enrolled),
        sync.as_secs_f64(),
        received as f64 / 1e6,
        list.late.len() + list.due.len() + list.upcoming.len(),
        ms(total - enrolled - sync),
        total.as_secs_f64()
    );
    server.task.abort();
    Ok(())
}
