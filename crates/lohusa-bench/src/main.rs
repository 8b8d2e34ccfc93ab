//! Store benchmarks with thousands of mothers: recording a visit, loading the Today list, the
//! doctor's follow-up list, the team lead's coverage table, checking a referral for duplicates
//! and searching a name, each reported in absolute time and as a ratio to a plain-SQLite baseline
//! measured in the same run on the same file.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use lohusa_core::visit::{VisitInput, VisitOutcome};
use lohusa_store::Store;

/// mimalloc instead of the system allocator: sync, the lists and the merge build and drop many
/// small maps and strings, which it serves faster (`cargo xtask bench sync` measures it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// Mothers in the store.
    #[arg(long, default_value_t = 5000)]
    mothers: usize,
    /// Timed repetitions of each read.
    #[arg(long, default_value_t = 200)]
    reads: usize,
    /// Seeded births spread over this many days before today (more days, more visits made).
    #[arg(long, default_value_t = 60)]
    days: u64,
    /// Top the store up to this many visit records with attempts that found nobody at home
    /// (recorded the day before a visit made), as teams record them.
    #[arg(long, default_value_t = 0)]
    visits: usize,
    /// Keep the store in this file (seeded only when new) instead of a temporary one.
    #[arg(long)]
    db: Option<std::path::PathBuf>,
    /// Only run this one measurement, `--reads` times, and stop (to profile it).
    #[arg(long, value_enum)]
    only: Option<Only>,
}

/// A measurement run alone under a profiler.
#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Only {
    Today,
    FollowUp,
    Coverage,
    FlagFill,
}

struct Timings(Vec<Duration>);

impl Timings {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        sorted[((sorted.len() - 1) as f64 * p).round() as usize]
    }
}

fn time<T>(samples: &mut Vec<Duration>, f: impl FnOnce() -> T) -> T {
    let (out, took) = timed(f);
    samples.push(took);
    out
}

/// What `f` returns and how long it took (a stopwatch, not the run's moment).
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn report(name: &str, t: &Timings, baseline: &Timings, target: &str) {
    let (p50, p99) = (t.percentile(0.5), t.percentile(0.99));
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    println!(
        "{name:<28} p50 {:>10}  p99 {:>10}  ({:>5.2}x / {:>5.2}x baseline)  target {target}",
        ms(p50),
        ms(p99),
        ratio(p50, baseline.percentile(0.5)),
        ratio(p99, baseline.percentile(0.99))
    );
}

fn main() -> anyhow::Result<()> {
    // The one moment the whole run is measured at: seeding, writes and reads all take it.
    let now = Utc::now();
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let path = args.db.clone().unwrap_or_else(|| dir.path().join("bench.sqlite3"));
    let mut store = Store::open(&path)?;
    let member = store.set_local_member("Bench Nurse", now)?;
    let started = Instant::now();
    // Seeding does nothing when the store already holds mothers (a kept --db file).
    lohusa_demo::seed(&mut store, 5000, args.mothers, now, args.days)?;
    println!(
        "seeded {} mothers, {} visits, {} changes in {:.1} s ({})",
        store.n_mothers()?,
        store.n_visits()?,
        store.n_local_changes()?,
        started.elapsed().as_secs_f64(),
        path.display()
    );

    if let Some(only) = args.only {
        let mut samples = Vec::new();
        let filter = lohusa_core::followup::FollowUpFilter::default();
        if only == Only::FollowUp {
            // The first read fills the list's cache when the file holds none for this day.
            let (first, took) = timed(|| store.follow_up_list(now, &filter, 200));
            first?;
            println!("first read {}", ms(took));
        }
        for _ in 0..args.reads {
            match only {
                Only::Today => drop(time(&mut samples, || store.today_list(now))?),
                Only::FollowUp => drop(time(&mut samples, || store.follow_up_list(now, &filter, 200))?),
                Only::Coverage => {
                    let month = lohusa_core::time::istanbul_today(now);
                    drop(time(&mut samples, || store.coverage(month, now))?)
                }
                // Marking everyone stale clears the cache wholesale: it is part of the fill.
                Only::FlagFill => drop(time(&mut samples, || {
                    store.mark_all_flags_stale()?;
                    store.refresh_flags(now)
                })?),
            }
        }
        let samples = Timings(samples);
        println!(
            "p50 {}, p99 {}",
            ms(samples.percentile(0.5)),
            ms(samples.percentile(0.99))
        );
        return Ok(());
    }

    let mut missing = args.visits.saturating_sub(store.n_visits()? as usize);
    if missing > 0 {
        // Attempts that found nobody at home, on the days of closed windows never visited, one
        // more day each round (windows open now stay open, for the writes measured below).
        let started = Instant::now();
        let added = missing;
        let today = lohusa_core::time::istanbul_today(now);
        let mut open = Vec::new();
        for m in store.mother_ids()? {
            let born = store.birth_of(m)?.birth_date;
            let visited: Vec<_> = store
                .visits_of(m)?
                .into_iter()
                .filter(|v| v.outcome == VisitOutcome::Visited)
                .map(|v| v.number)
                .collect();
            for window in lohusa_core::schedule::visit_windows(born) {
                if !visited.contains(&window.number) && window.closes_on < today {
                    open.push((m, window));
                }
            }
        }
        'rounds: for round in 0..13u64 {
            for (m, window) in &open {
                if missing == 0 {
                    break 'rounds;
                }
                let day = window.opens_on + chrono::Days::new(round);
                if day > today || day > window.closes_on {
                    continue;
                }
                let attempt = VisitInput {
                    mother_id: *m,
                    number: window.number,
                    outcome: VisitOutcome::NotAtHome,
                    visited_on: day.to_string(),
                    visited_at: String::new(),
                    visited_by: member.name.clone(),
                    note: String::new(),
                    answers: BTreeMap::new(),
                };
                store.record_visit(&attempt, member.id, now)?;
                missing -= 1;
            }
        }
        println!(
            "added {} attempts: {} visit records in {:.1} s",
            added - missing,
            store.n_visits()?,
            started.elapsed().as_secs_f64()
        );
    }

    // As in the app, a background connection checkpoints the WAL so saves do not pay for it.
    let checkpointer = store.checkpointer()?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_flag = stop.clone();
    let background = std::thread::spawn(move || {
        while !stop_flag.load(std::sync::atomic::Ordering::Relaxed) {
            checkpointer.checkpoint().expect("checkpoint");
            std::thread::sleep(Duration::from_millis(250));
        }
    });

    // Writes: record visits on mothers whose visit is still open, versus a bare one-row insert.
    let open: Vec<_> = store
        .today_list(now)?
        .late
        .into_iter()
        .chain(store.today_list(now)?.due)
        .collect();
    let n_writes = open.len().min(500);
    let mut baseline_write = Vec::new();
    let mut record = Vec::new();
    for (i, entry) in open.iter().take(n_writes).enumerate() {
        time(&mut baseline_write, || store.baseline_insert(i as i64))?;
        let input = VisitInput {
            mother_id: entry.mother_id,
            number: entry.number,
            outcome: VisitOutcome::Visited,
            visited_on: entry
                .opens_on
                .max(entry.closes_on.min(lohusa_core::time::istanbul_today(now)))
                .to_string(),
            visited_at: "11:00".into(),
            visited_by: member.name.clone(),
            note: String::new(),
            answers: BTreeMap::from([
                ("mother.bp_systolic".to_owned(), "118".to_owned()),
                ("mother.bp_diastolic".to_owned(), "76".to_owned()),
                ("mother.pulse".to_owned(), "82".to_owned()),
                ("mother.temperature".to_owned(), "36.8".to_owned()),
            ]),
        };
        time(&mut record, || store.record_visit(&input, member.id, now))?;
    }

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    background.join().expect("checkpointer thread");
    if std::env::var_os("LOHUSA_BENCH_SLOWEST").is_some() {
        let mut slowest: Vec<(usize, Duration)> = record.iter().copied().enumerate().collect();
        slowest.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
        println!("slowest writes (index, time): {:?}", &slowest[..8]);
    }

    // The flag cache filled from nothing (every mother stale, as after a first sync or new rules).
    // Marking everyone stale clears the cache wholesale: it is timed with the fill.
    let started = Instant::now();
    store.mark_all_flags_stale()?;
    let recomputed = store.refresh_flags(now)?;
    let cold_refresh = started.elapsed();
    // The follow-up list's own cache filled from nothing, by its first read; then the kept list
    // is checked against the list the core computes afresh from the same records.
    let filter = lohusa_core::followup::FollowUpFilter::default();
    let (kept, cold_list) = timed(|| store.follow_up_list(now, &filter, 200));
    let (afresh, recomputed_list) = timed(|| store.follow_up_list_recomputed(now, &filter, 200));
    let (kept, afresh) = (kept?, afresh?);
    anyhow::ensure!(
        kept == afresh,
        "the kept follow-up list differs from the list computed afresh"
    );

    // Reads: the Today list, the follow-up list and a name search, versus a plain scan of every
    // mother's name.
    let mut baseline_read = Vec::new();
    let mut follow_up = Vec::new();
    let mut n_follow_up = 0;
    let mut today = Vec::new();
    let mut search = Vec::new();
    let queries = ["ayşe", "FATMA", "yıldız", "nour", "مريم", "al-h", "kaya", "zeynep"];
    let mut n_today = 0;
    let mut n_found = 0;
    let mut coverage = Vec::new();
    let mut n_windows = 0;
    let month = lohusa_core::time::istanbul_today(now);
    for i in 0..args.reads {
        time(&mut baseline_read, || store.baseline_scan())?;
        let list = time(&mut today, || store.today_list(now))?;
        n_today = list.late.len() + list.due.len() + list.upcoming.len();
        n_follow_up = time(&mut follow_up, || store.follow_up_list(now, &filter, 200))?.total;
        n_windows = time(&mut coverage, || store.coverage(month, now))?.team.total.total();
        n_found = time(&mut search, || {
            store.search_mothers(queries[i % queries.len()], now, 50)
        })?
        .len();
    }

    // The programme report of this month and the month's line lists as a workbook: each reads
    // every record the device holds (fewer runs; they are the office's, not the nurse's).
    // One moment for every run, as the office's screen reads it once.
    let mut programme = Vec::new();
    let mut line_lists = Vec::new();
    let mut n_visits_made = 0;
    let mut n_rows = 0;
    for _ in 0..args.reads.clamp(1, 5) {
        let report = time(&mut programme, || store.programme_report(month, now))?;
        n_visits_made = report.total("visits_made").map_or(0, |c| c.numerator);
        n_rows = time(&mut line_lists, || -> anyhow::Result<usize> {
            let records = store.records_for_export(now)?;
            let members = store.member_names_map()?;
            let options = lohusa_exchange::line_lists::LineListOptions {
                period: lohusa_core::coverage::month_of(month),
                today: month,
                variant: lohusa_exchange::line_lists::Variant::Deidentified,
                language: lohusa_core::flag_text::TextLanguage::Tr,
                members: &members,
                secret: b"bench",
            };
            let tables = lohusa_exchange::line_lists::line_lists(&records, &options);
            lohusa_exchange::tables::to_xlsx(&tables)?;
            Ok(tables.iter().map(|t| t.rows.len()).sum())
        })?;
    }

    // Duplicate check of a referral: the index of every mother is built once per file, then each
    // row is checked against it. Probes are existing mothers' names respelt (upper case, Turkish
    // letters folded), with a new phone, so each finds its original by name and birth date.
    let started = Instant::now();
    let index = store.match_index()?;
    let index_built = started.elapsed();
    let people: Vec<(String, Option<chrono::NaiveDate>)> = store
        .search_mothers("a", now, args.reads)?
        .into_iter()
        .map(|m| (m.full_name, Some(m.birth_date)))
        .collect();
    let mut duplicates = Vec::new();
    let mut n_suspects = 0;
    for (i, (name, born)) in people.iter().cycle().take(args.reads).enumerate() {
        let probe = lohusa_exchange::matching::Person {
            id: uuid::Uuid::from_u128(i as u128),
            full_name: name.to_uppercase().replace(['ş', 'Ş'], "S").replace(['ı', 'İ'], "I"),
            id_number: None,
            phone: Some(format!("0539 {:03} {:04}", i % 1000, i)),
            date_of_birth: None,
            age_years: None,
            baby_birth_date: *born,
        };
        n_suspects += time(&mut duplicates, || index.candidates(&probe)).len();
    }

    println!(
        "\n{} writes, {} reads of each kind, {} mothers; debug info: {}",
        n_writes,
        args.reads,
        args.mothers,
        cfg!(debug_assertions)
    );
    let (bw, br) = (Timings(baseline_write), Timings(baseline_read));
    report("baseline: one-row insert", &bw, &bw, "-");
    report("record visit + change", &Timings(record), &bw, "p99 < 2 ms");
    report("baseline: scan all names", &br, &br, "-");
    report(
        &format!("Today list ({n_today} rows)"),
        &Timings(today),
        &br,
        "p99 < 20 ms",
    );
    report(
        &format!("follow-up list ({n_follow_up} rows)"),
        &Timings(follow_up),
        &br,
        "p99 < 50 ms",
    );
    report(
        &format!("coverage table ({n_windows} windows this month)"),
        &Timings(coverage),
        &br,
        "p99 < 50 ms",
    );
    report(
        &format!("programme report of the month ({n_visits_made} visits made)"),
        &Timings(programme),
        &br,
        "< 2 s",
    );
    report(
        &format!("line lists of the month as XLSX ({n_rows} rows)"),
        &Timings(line_lists),
        &br,
        "< 5 s",
    );
    report(
        &format!(
            "duplicate check of one referral ({n_suspects} suspects in {} checks)",
            args.reads
        ),
        &Timings(duplicates),
        &br,
        "< 100 ms",
    );
    println!(
        "duplicate index of {} mothers built in {} (once per imported file)",
        index.len(),
        ms(index_built)
    );
    println!(
        "flag cache filled for {recomputed} mothers in {} (once, after a first sync or new rules; target < 1 s)",
        ms(cold_refresh)
    );
    println!(
        "follow-up list's cache filled by its first read in {} (once, after the flag cache); the list computed \
         afresh from the same records took {} and is the same",
        ms(cold_list),
        ms(recomputed_list)
    );
    report(
        &format!("search name (last: {n_found})"),
        &Timings(search),
        &br,
        "< 20 ms",
    );
    encryption(&store, &args, dir.path(), now)?;
    next_day(&mut store, now)?;
    Ok(())
}

/// The first follow-up list of each of the next days: it rebuilds only the mothers whose rows
/// change that day; each is checked against the list computed afresh.
fn next_day(store: &mut Store, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    let filter = lohusa_core::followup::FollowUpFilter::default();
    let mut first = Vec::new();
    for day in 1..=7 {
        let then = now + chrono::Duration::days(day);
        let kept = time(&mut first, || store.follow_up_list(then, &filter, 200))?;
        anyhow::ensure!(
            kept == store.follow_up_list_recomputed(then, &filter, 200)?,
            "the kept follow-up list differs from the list computed afresh on day +{day}"
        );
    }
    let first = Timings(first);
    println!(
        "follow-up list, first read of each of the next 7 days: p50 {}, max {}",
        ms(first.percentile(0.5)),
        ms(first.percentile(1.0))
    );
    Ok(())
}

/// The cost of encryption at rest: the same data, plain and encrypted (a copy made with
/// SQLCipher's export), read and written alternately in this run; each encrypted figure is given
/// as a ratio to its plain twin.
fn encryption(plain: &Store, args: &Args, dir: &std::path::Path, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    let path = dir.join("bench-encrypted.sqlite3");
    let key = lohusa_store::keyring::DbKey::random();
    plain.copy_encrypted(&path, &key)?;
    let mut encrypted = Store::open_encrypted(&path, key)?;
    let mut plain = Store::open(plain.path())?;
    let member = plain.local_member()?.expect("the bench member");
    encrypted.sign_in_as(member.id, &member.name, None)?;
    let filter = lohusa_core::followup::FollowUpFilter::default();
    let today = lohusa_core::time::istanbul_today(now);
    type Pair = (Vec<Duration>, Vec<Duration>);
    fn side(pair: &mut Pair, encrypted: bool) -> &mut Vec<Duration> {
        if encrypted { &mut pair.1 } else { &mut pair.0 }
    }
    let (mut scan, mut list, mut follow, mut search, mut register): (Pair, Pair, Pair, Pair, Pair) = Default::default();
    let born = (today - chrono::Days::new(3)).to_string();
    for i in 0..args.reads {
        for (store, enc) in [(&mut plain, false), (&mut encrypted, true)] {
            time(side(&mut scan, enc), || store.baseline_scan())?;
            time(side(&mut list, enc), || store.today_list(now))?;
            time(side(&mut follow, enc), || store.follow_up_list(now, &filter, 200))?;
            time(side(&mut search, enc), || store.search_mothers("ayşe", now, 50))?;
            let input = lohusa_demo::registration(&format!("Bench Anne {i}"), &born);
            time(side(&mut register, enc), || {
                store.register_mother(&input, member.id, now)
            })?;
        }
    }
    // Signing in: the PIN through Argon2id, the key unsealed (what a nurse waits for).
    let ring_path = dir.join("keyring.json");
    let who = lohusa_core::MemberId(uuid::Uuid::now_v7());
    let (mut ring, _) = lohusa_store::keyring::Keyring::create(&ring_path, who, "Bench", None, "482915")?;
    let mut unlock = Vec::new();
    for _ in 0..10 {
        time(&mut unlock, || ring.unlock(who, "482915", 0))?;
    }
    println!(
        "\nsigning in with a PIN (Argon2id, 64 MiB, 3 passes): p50 {} over {} tries",
        ms(Timings(unlock.clone()).percentile(0.5)),
        unlock.len()
    );
    println!(
        "encryption at rest (SQLCipher), the same {} mothers plain and encrypted, alternately:",
        args.mothers
    );
    for (name, pair) in [
        ("baseline: scan all names", &scan),
        ("Today list", &list),
        ("follow-up list", &follow),
        ("search name", &search),
        ("register a mother", &register),
    ] {
        let (p, e) = (Timings(pair.0.clone()), Timings(pair.1.clone()));
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
        println!(
            "{name:<28} plain p50 {:>10} p99 {:>10}  encrypted p50 {:>10} p99 {:>10}  ({:>5.2}x / {:>5.2}x plain)",
            ms(p.percentile(0.5)),
            ms(p.percentile(0.99)),
            ms(e.percentile(0.5)),
            ms(e.percentile(0.99)),
            ratio(e.percentile(0.5), p.percentile(0.5)),
            ratio(e.percentile(0.99), p.percentile(0.99)),
        );
    }
    Ok(())
}
