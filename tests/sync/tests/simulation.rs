//! A seeded simulation of a team syncing through a bad network.
//!
//! A real server backend (SQLite) and three real replica stores; random edits (often the same
//! field on two replicas), random offline periods, requests cut before or after the server
//! handled them, old push batches delivered again late, and replicas "crashing" (the store closed
//! and reopened mid-sync). After a final full sync, every replica and the server must hold the
//! same state and every change ever written must be everywhere. One tablet's clock runs three days
//! ahead for half the run: once corrected, nothing it wrote may be left waiting.
//!
//! `LOHUSA_SIM_SEEDS=n` runs n seeds (default 40); `LOHUSA_SIM_SEED=s` runs only seed s.

use std::collections::BTreeSet;
use std::sync::Mutex;

use chrono::{DateTime, Duration, TimeZone, Utc};
use lohusa_core::change::{Change, EntityWrite};
use lohusa_core::registration::{BabyInput, BabySex, BirthInput, BirthMode, Language, MotherInput, RegistrationInput};
use lohusa_core::sync::{PullResponse, PushResponse, Request, Response, Sequenced};
use lohusa_core::{EntityKind, MemberId};
use lohusa_server::Backend;
use lohusa_server::backend::{DeviceAuth, PushOutcome};
use lohusa_store::Store;
use lohusa_sync::{Replica, SyncError, Transport};
use serde_json::{Value, json};
use uuid::Uuid;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap()
}

/// The network between one replica and the server, with faults drawn from the seed.
struct Network<'a> {
    backend: &'a Backend,
    auth: DeviceAuth,
    rng: Mutex<fastrand::Rng>,
    /// Push batches sent before, for late duplicate delivery.
    sent: Mutex<Vec<Vec<Change>>>,
    server_ms: u64,
    faults: bool,
}

impl Network<'_> {
    fn roll(&self, percent: u8) -> bool {
        self.faults && self.rng.lock().unwrap().u8(..100) < percent
    }

    async fn deliver(&self, request: &Request) -> Response {
        let epoch = self.backend.epoch().await.unwrap();
        match request {
            Request::Identity => Response::Identity(self.backend.identity(&self.auth, self.server_ms).await.unwrap()),
            Request::Push(push) => {
                match self
                    .backend
                    .push(&self.auth, push.changes.clone(), self.server_ms)
                    .await
                    .unwrap()
                {
                    PushOutcome::Stored { accepted, duplicates } => Response::Pushed(PushResponse {
                        accepted,
                        duplicates,
                        epoch,
                        server_time_ms: self.server_ms,
                    }),
                    PushOutcome::Refused(refused) => Response::Refused(refused),
                }
            }
            Request::Pull { after, limit } => {
                let batch = self.backend.pull(self.auth.team_id, *after, *limit).await.unwrap();
                Response::Pulled(PullResponse {
                    changes: batch
                        .rows
                        .iter()
                        .map(|(seq, body)| Sequenced {
                            seq: *seq,
                            change: serde_json::from_str(body).unwrap(),
                        })
                        .collect(),
                    own: vec![],
                    cursor: batch.cursor,
                    more: batch.more,
                    epoch,
                    server_time_ms: self.server_ms,
                })
            }
        }
    }
}

impl Transport for Network<'_> {
    async fn send(&self, request: Request) -> Result<Response, SyncError> {
        if self.roll(6) {
            return Err(SyncError::Offline("cut before the server got it".into()));
        }
        // An old batch arrives again, late and out of order.
        let replay = {
            let sent = self.sent.lock().unwrap();
            let pick = self.rng.lock().unwrap().usize(..sent.len().max(1));
            (self.roll(10) && !sent.is_empty()).then(|| sent[pick].clone())
        };
        if let Some(old) = replay {
            let outcome = self.backend.push(&self.auth, old, self.server_ms).await.unwrap();
            assert!(
                matches!(outcome, PushOutcome::Stored { accepted: 0, .. }),
                "a replayed batch stored something new"
            );
        }
        if let Request::Push(push) = &request {
            self.sent.lock().unwrap().push(push.changes.clone());
        }
        let response = self.deliver(&request).await;
        if self.roll(5) {
            // Delivered twice: the second answer is the one that arrives.
            let again = self.deliver(&request).await;
            if let (Response::Pushed(first), Response::Pushed(second)) = (&response, &again) {
                assert_eq!(second.accepted, 0, "a duplicated push stored changes twice ({first:?})");
            }
            return Ok(again);
        }
        if self.roll(6) {
            return Err(SyncError::Offline("cut after the server handled it".into()));
        }
        Ok(response)
    }
}

struct Device {
    path: std::path::PathBuf,
    store: Mutex<Store>,
    member: MemberId,
    auth: DeviceAuth,
    skew_ms: i64,
    /// Until this tick, the tablet's clock is three days ahead (then someone corrects it).
    ahead_until: i64,
    online: bool,
}

impl Device {
    fn now(&self, tick: i64) -> DateTime<Utc> {
        let wrong = if tick < self.ahead_until {
            Duration::days(3)
        } else {
            Duration::zero()
        };
        start() + Duration::seconds(tick * 20) + Duration::milliseconds(self.skew_ms) + wrong
    }

    fn mothers(&self) -> Vec<Uuid> {
        self.store.with_store(|s| {
            let mut stmt = s.connection().prepare("SELECT id FROM mothers ORDER BY id").unwrap();
            stmt.query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(|id| id.unwrap().parse().unwrap())
                .collect()
        })
    }

    /// A crash: the store is closed and opened again from its file.
    fn crash(&mut self) {
        let reopened = Store::open(&self.path).unwrap();
        *self.store.lock().unwrap() = reopened;
    }
}

fn registration(name: String) -> RegistrationInput {
    RegistrationInput {
        mother: MotherInput {
            full_name: name,
            age_years: "27".into(),
            preferred_language: Some(Language::Ar),
            ..Default::default()
        },
        birth: BirthInput {
            birth_date: "22.11.2026".into(),
            mode: Some(BirthMode::Vaginal),
            ..Default::default()
        },
        babies: vec![BabyInput {
            sex: Some(BabySex::Female),
            birth_weight_g: "3000".into(),
            ..Default::default()
        }],
    }
}

async fn run(seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(lohusa_server::sqlite::SqliteBackend::open(&dir.path().join("server")).unwrap());
    backend.create_team("izmir").await.unwrap();
    let team_id = backend.team_id("izmir").await.unwrap();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut devices = Vec::new();
    for i in 0..3 {
        let path = dir.path().join(format!("replica-{i}.sqlite3"));
        let mut store = Store::open(&path).unwrap();
        let member = store.set_local_member(&format!("Ebe {i}"), start()).unwrap().id;
        let device = store.device_id().to_string();
        backend.enroll_device("izmir", &device, 0).await.unwrap();
        backend
            .add_member_on_device(
                "izmir",
                &device,
                member,
                &format!("Ebe {i}"),
                lohusa_core::Role::Nurse,
                0,
            )
            .await
            .unwrap();
        devices.push(Device {
            path,
            store: Mutex::new(store),
            member,
            auth: DeviceAuth {
                device,
                team_id,
                team: "izmir".into(),
                roles: vec![lohusa_core::Role::Nurse],
                revoked_ms: None,
            },
            // Tablet clocks disagree by up to ten minutes either way.
            skew_ms: rng.i64(-600_000..600_000),
            // One tablet's clock runs three days ahead for the first half of the run.
            ahead_until: if i == 2 { 40 } else { 0 },
            online: true,
        });
    }
    let mut sent: Vec<Vec<Vec<Change>>> = vec![Vec::new(); devices.len()];
    let (mut syncs, mut failed, mut crashes) = (0, 0, 0);
    for tick in 0..80i64 {
        let d = rng.usize(..devices.len());
        let dev = &mut devices[d];
        let now = dev.now(tick);
        match rng.u8(..100) {
            0..=14 => {
                let name = format!("Anne {seed}-{tick}");
                dev.store
                    .with_store(|s| s.register_mother(&registration(name), dev.member, now))
                    .unwrap();
            }
            15..=54 => {
                let mothers = dev.mothers();
                if let Some(&mother) = mothers.get(rng.usize(..mothers.len().max(1))) {
                    let field = ["phone", "street", "district"][rng.usize(..3)];
                    let n = rng.u8(..4);
                    let value = match field {
                        "phone" => json!(format!("0532 000 00 0{n}")),
                        _ => json!(format!("{field}-{n}")),
                    };
                    let write = EntityWrite {
                        entity: EntityKind::Mother,
                        entity_id: mother,
                        fields: [(field.to_owned(), value)].into(),
                        also_replaces: Default::default(),
                    };
                    dev.store.with_store(|s| s.write(&[write], dev.member, now)).unwrap();
                }
            }
            55..=59 => {
                let conflicts = dev.store.with_store(|s| s.conflicts()).unwrap();
                if let Some(c) = conflicts.first() {
                    let value = if rng.bool() {
                        c.shown_value.clone()
                    } else {
                        c.other.value.clone()
                    };
                    dev.store
                        .with_store(|s| s.resolve_conflict(c.entity, c.entity_id, &c.field, value, dev.member, now))
                        .unwrap();
                }
            }
            60..=69 => dev.online = !dev.online,
            70..=74 => {
                dev.crash();
                crashes += 1;
            }
            _ if dev.online => {
                let network = Network {
                    backend: &backend,
                    auth: dev.auth.clone(),
                    rng: Mutex::new(fastrand::Rng::with_seed(seed ^ (tick as u64) << 8)),
                    sent: Mutex::new(std::mem::take(&mut sent[d])),
                    server_ms: (start() + Duration::seconds(tick * 20)).timestamp_millis() as u64,
                    faults: true,
                };
                // Failures are expected here; a later sync must make up for them.
                syncs += 1;
                if lohusa_sync::sync(&dev.store, &network, || now, |_| {}).await.is_err() {
                    failed += 1;
                }
                sent[d] = network.sent.into_inner().unwrap();
            }
            _ => {}
        }
    }
    // Everyone comes back online; two full rounds without faults.
    for _ in 0..2 {
        for dev in &devices {
            let network = Network {
                backend: &backend,
                auth: dev.auth.clone(),
                rng: Mutex::new(fastrand::Rng::with_seed(seed)),
                sent: Mutex::new(Vec::new()),
                server_ms: (start() + Duration::hours(1)).timestamp_millis() as u64,
                faults: false,
            };
            lohusa_sync::sync(&dev.store, &network, || dev.now(200), |_| {})
                .await
                .unwrap_or_else(|e| panic!("seed {seed}: final sync failed: {e}"));
        }
    }
    eprintln!("seed {seed}: {syncs} syncs ({failed} cut short), {crashes} crashes");
    check(seed, &backend, team_id, &devices).await;
}

async fn check(seed: u64, backend: &Backend, team_id: i64, devices: &[Device]) {
    let server_log: BTreeSet<String> = backend.change_ids(team_id).await.unwrap().into_iter().collect();
    let first = devices[0].store.with_store(|s| s.export_state()).unwrap();
    let conflicts = |d: &Device| -> BTreeSet<(Uuid, String, String)> {
        d.store
            .with_store(|s| s.conflicts())
            .unwrap()
            .into_iter()
            .map(|c| (c.entity_id, c.field, c.other.version.to_string()))
            .collect()
    };
    for (i, dev) in devices.iter().enumerate() {
        let log: BTreeSet<String> = dev
            .store
            .with_store(|s| s.export_changes())
            .unwrap()
            .into_iter()
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(
            log, server_log,
            "seed {seed}: replica {i}'s log differs from the server's"
        );
        let state = dev.store.with_store(|s| s.export_state()).unwrap();
        assert_eq!(
            state, first,
            "seed {seed}: replica {i}'s state differs from replica 0's"
        );
        assert_eq!(
            conflicts(dev),
            conflicts(&devices[0]),
            "seed {seed}: replica {i}'s conflicts differ"
        );
        let status = dev.store.with_store(|s| s.sync_status()).unwrap();
        assert_eq!(
            (status.pending, status.quarantined),
            (0, 0),
            "seed {seed}: replica {i} has changes left"
        );
    }
    // The server's current state shows the same values as the replicas.
    for mother in first["mothers"].as_array().unwrap() {
        let id: Uuid = mother["id"].as_str().unwrap().parse().unwrap();
        let (_, doc) = backend
            .state_of(id)
            .await
            .unwrap()
            .expect("the server has every mother");
        for field in ["full_name", "phone", "street", "district"] {
            let on_server = doc.values.get(field).cloned().unwrap_or(Value::Null);
            assert_eq!(
                on_server, mother[field],
                "seed {seed}: {field} of {id} differs on the server"
            );
        }
    }
    let conflicts_seen = conflicts(&devices[0]).len();
    eprintln!(
        "seed {seed}: {} changes, {} mothers, {conflicts_seen} open conflicts, all equal",
        server_log.len(),
        first["mothers"].as_array().unwrap().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_and_server_converge_through_faults_and_crashes() {
    let seeds: Vec<u64> = match std::env::var("LOHUSA_SIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("LOHUSA_SIM_SEED must be a number")],
        Err(_) => {
            let n: u64 = std::env::var("LOHUSA_SIM_SEEDS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(40);
            (1..=n).collect()
        }
    };
    for seed in seeds {
        eprintln!("seed {seed}: running (repeat with LOHUSA_SIM_SEED={seed})");
        run(seed).await;
    }
}
