//! The PostgreSQL backend, for many teams and many tablets.
//!
//! A push locks its team's row (`SELECT … FOR UPDATE`), numbers its changes from the team's
//! `head_seq` and commits: pushes of one team are serialised, so their changes commit in number
//! order and a concurrent pull can never see number N+1 before N. A PostgreSQL SEQUENCE would
//! hand out numbers at insert time, and a transaction holding a lower number could commit after
//! a pull already moved past it.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use lohusa_core::change::Change;
use tokio_postgres::NoTls;
use uuid::Uuid;

use crate::logic::PARALLEL_FROM;
use crate::model::{
    BackendError, ClaimOutcome, DeviceAuth, DeviceInfo, EnrollOutcome, MemberRow, PoolUse, PullBatch, PushOutcome,
    Pusher, ReadRow, TeamActivity, TeamDeviceRow, fold_authors, joined_devices, stored_epoch, stored_role,
};
use crate::policy::{Owner, StateRows, decide, free_later};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/server-postgres/0001_init.sql"),
    include_str!("../../../migrations/server-postgres/0002_device_reports.sql"),
    include_str!("../../../migrations/server-postgres/0003_members.sql"),
];

pub struct PgBackend {
    pool: Pool,
}

impl PgBackend {
    /// Connects to `url` (postgres://…) and brings the schema up to date.
    pub async fn connect(url: &str, max_connections: usize) -> Result<PgBackend, BackendError> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections)
            .build()
            .map_err(|e| BackendError::Task(e.to_string()))?;
        let backend = PgBackend { pool };
        backend.migrate().await?;
        Ok(backend)
    }

    /// Applies the schema files not applied yet, under a lock so two servers starting at once
    /// do not both try.
    async fn migrate(&self) -> Result<(), BackendError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.batch_execute(
            "SELECT pg_advisory_xact_lock(7150001);
             SET LOCAL client_min_messages = warning;
             CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
        )
        .await?;
        let version: i32 = tx
            .query_opt(
                &tx.prepare_cached("SELECT max(version) FROM schema_version").await?,
                &[],
            )
            .await?
            .and_then(|r| r.get::<_, Option<i32>>(0))
            .unwrap_or(0);
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(sql).await?;
            tx.execute(
                &tx.prepare_cached("INSERT INTO schema_version (version) VALUES ($1)")
                    .await?,
                &[&(i as i32 + 1)],
            )
            .await?;
        }
        tx.execute(
            &tx.prepare_cached(
                "INSERT INTO server_meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING",
            )
            .await?,
            &[&Uuid::new_v4().to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn epoch(&self) -> Result<Uuid, BackendError> {
        let client = self.pool.get().await?;
        let text: String = client
            .query_one(
                &client
                    .prepare_cached("SELECT value FROM server_meta WHERE key = 'epoch'")
                    .await?,
                &[],
            )
            .await?
            .get(0);
        stored_epoch(&text)
    }

    pub async fn new_epoch(&self) -> Result<Uuid, BackendError> {
        let epoch = Uuid::new_v4();
        let client = self.pool.get().await?;
        client
            .execute(
                &client
                    .prepare_cached("UPDATE server_meta SET value = $1 WHERE key = 'epoch'")
                    .await?,
                &[&epoch.to_string()],
            )
            .await?;
        Ok(epoch)
    }

    pub async fn head_seq(&self, team_id: i64) -> Result<u64, BackendError> {
        let client = self.pool.get().await?;
        let head: i64 = client
            .query_one(
                &client
                    .prepare_cached("SELECT head_seq FROM teams WHERE id = $1")
                    .await?,
                &[&team_id],
            )
            .await?
            .get(0);
        Ok(head as u64)
    }

    pub async fn authenticate(&self, token_hash: &str, now_ms: u64) -> Result<Option<DeviceAuth>, BackendError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                &client
                    .prepare_cached(
                        "SELECT d.id, t.id, t.name, d.last_seen_ms, d.revoked_ms FROM devices d
                         JOIN teams t ON t.id = d.team_id WHERE d.token_hash = $1",
                    )
                    .await?,
                &[&token_hash],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let device: String = row.get(0);
        let roles = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT DISTINCT m.role FROM device_members dm JOIN members m ON m.id = dm.member_id
                 WHERE dm.device_id = $1 AND m.revoked_ms IS NULL
                   AND m.team_id = (SELECT team_id FROM devices WHERE id = dm.device_id) ORDER BY m.role",
                    )
                    .await?,
                &[&device],
            )
            .await?
            .into_iter()
            .map(|r| stored_role(r.get(0)))
            .collect::<Result<_, _>>()?;
        let auth = DeviceAuth {
            device,
            team_id: row.get(1),
            team: row.get(2),
            roles,
            revoked_ms: row.get(4),
        };
        if crate::logic::last_seen_is_stale(row.get(3), now_ms) {
            client
                .execute(
                    &client
                        .prepare_cached("UPDATE devices SET last_seen_ms = $1 WHERE id = $2")
                        .await?,
                    &[&(now_ms as i64), &auth.device],
                )
                .await?;
        }
        Ok(Some(auth))
    }

    pub async fn push(&self, pusher: Pusher, changes: Vec<Change>, now_ms: u64) -> Result<PushOutcome, BackendError> {
        let team_id = pusher.team_id;
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let head: i64 = tx
            .query_one(
                &tx.prepare_cached("SELECT head_seq FROM teams WHERE id = $1 FOR UPDATE")
                    .await?,
                &[&team_id],
            )
            .await?
            .get(0);
        let ids: Vec<String> = changes.iter().map(|c| c.id.to_string()).collect();
        let stored: HashMap<String, (i64, String)> = tx
            .query(
                &tx.prepare_cached("SELECT id, team_id, body FROM changes WHERE id = ANY($1)")
                    .await?,
                &[&ids],
            )
            .await?
            .into_iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect();
        let entity_ids: Vec<String> = changes
            .iter()
            .map(|c| c.entity_id.to_string())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut owners: HashMap<Uuid, Owner> = HashMap::new();
        for row in tx
            .query(
                &tx.prepare_cached("SELECT entity_id, team_id, entity, state FROM entities WHERE entity_id = ANY($1)")
                    .await?,
                &[&entity_ids],
            )
            .await?
        {
            let (id, owner) = Owner::from_row(row.get(0), row.get(1), row.get(2), row.get(3))?;
            owners.insert(id, owner);
        }
        let team_devices: HashSet<String> = tx
            .query(
                &tx.prepare_cached("SELECT id FROM devices WHERE team_id = $1").await?,
                &[&team_id],
            )
            .await?
            .into_iter()
            .map(|r| r.get(0))
            .collect();
        let authors = fold_authors(
            tx.query(
                &tx.prepare_cached(
                    "SELECT m.id, m.role, dm.device_id, m.revoked_ms FROM members m
                 LEFT JOIN device_members dm ON dm.member_id = m.id
                 WHERE m.team_id = $1 AND m.id IS NOT NULL",
                )
                .await?,
                &[&team_id],
            )
            .await?
            .into_iter()
            .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3))),
        )?;
        let decided = match decide(&pusher, changes, &stored, owners, &team_devices, &authors)? {
            Ok(decided) => decided,
            Err(refusals) => return Ok(PushOutcome::Refused(refusals)),
        };
        let (duplicates, new, docs) = decided.split();
        let n = new.len();
        // A large batch's records are serialized on a blocking thread while the changes go in.
        let mut docs = Some(docs);
        let aside = (n >= PARALLEL_FROM)
            .then(|| docs.take())
            .flatten()
            .map(|docs| tokio::task::spawn_blocking(move || StateRows::of(&docs).map(|rows| (rows, docs))));
        let (mut seqs, mut ids, mut entity_ids, mut bodies) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (seq, id, entity_id, body) in new.rows(head) {
            seqs.push(seq);
            ids.push(id);
            entity_ids.push(entity_id);
            bodies.push(body);
        }
        tx.execute(
            &tx.prepare_cached(
                "INSERT INTO changes (team_id, seq, id, entity_id, received_ms, body)
             SELECT $1, s, i, e, $2, b FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::text[]) AS u(s, i, e, b)",
            )
            .await?,
            &[&team_id, &(now_ms as i64), &seqs, &ids, &entity_ids, &bodies],
        )
        .await?;
        let (rows, docs) = match aside {
            Some(thread) => thread
                .await
                .map_err(|_| BackendError::Task("serializing the records stopped".into()))??,
            None => {
                let docs = docs.unwrap_or_default();
                (StateRows::of(&docs)?, docs)
            }
        };
        let (mut doc_ids, mut kinds, mut states) = (Vec::new(), Vec::new(), Vec::new());
        for (id, kind, state) in rows.rows() {
            doc_ids.push(id);
            kinds.push(kind);
            states.push(state);
        }
        // Another team cannot have claimed one of these records meanwhile: if it did, the row
        // count is short and nothing is committed.
        let written = tx
            .execute(
                &tx.prepare_cached(
                    "INSERT INTO entities (entity_id, team_id, entity, state)
                 SELECT e, $1, k, s FROM UNNEST($2::text[], $3::text[], $4::text[]) AS u(e, k, s)
                 ON CONFLICT (entity_id) DO UPDATE SET state = excluded.state
                 WHERE entities.team_id = excluded.team_id",
                )
                .await?,
                &[&team_id, &doc_ids, &kinds, &states],
            )
            .await?;
        if written as usize != doc_ids.len() {
            return Err(BackendError::Task(
                "a record was claimed by another team during the push".into(),
            ));
        }
        tx.execute(
            &tx.prepare_cached("UPDATE teams SET head_seq = $1 WHERE id = $2")
                .await?,
            &[&(head + n as i64), &team_id],
        )
        .await?;
        tx.commit().await?;
        free_later((new, docs), n);
        Ok(PushOutcome::Stored {
            accepted: n,
            duplicates,
        })
    }

    pub async fn pull(&self, team_id: i64, after: u64, limit: usize) -> Result<PullBatch, BackendError> {
        let client = self.pool.get().await?;
        let rows: Vec<(u64, String)> = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT seq, body FROM changes WHERE team_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                    )
                    .await?,
                &[&team_id, &(after as i64), &(limit as i64 + 1)],
            )
            .await?
            .into_iter()
            .map(|r| (r.get::<_, i64>(0) as u64, r.get(1)))
            .collect();
        Ok(PullBatch::from_rows(rows, after, limit))
    }

    pub async fn enroll(
        &self,
        code_hash: &str,
        device: &str,
        name: &str,
        token_hash: &str,
        now_ms: u64,
    ) -> Result<EnrollOutcome, BackendError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                &tx.prepare_cached(
                    "SELECT c.team_id, c.expires_ms, c.used_ms, t.name FROM enrollment_codes c
                 JOIN teams t ON t.id = c.team_id WHERE c.code_hash = $1 FOR UPDATE OF c",
                )
                .await?,
                &[&code_hash],
            )
            .await?;
        let Some(row) = row else {
            return Ok(EnrollOutcome::Unknown);
        };
        let (team_id, expires_ms, used_ms, team): (i64, i64, Option<i64>, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if let Some(refused) = crate::policy::enrollment_code_refusal(used_ms, expires_ms, now_ms) {
            return Ok(refused);
        }
        let known: Option<(i64, Option<i64>)> = tx
            .query_opt(
                &tx.prepare_cached("SELECT team_id, revoked_ms FROM devices WHERE id = $1")
                    .await?,
                &[&device],
            )
            .await?
            .map(|r| (r.get(0), r.get(1)));
        if let Some(refused) = crate::policy::enroll_refusal(known, team_id) {
            return Ok(refused);
        }
        let now = now_ms as i64;
        tx.execute(
            &tx.prepare_cached("UPDATE enrollment_codes SET used_ms = $1, used_by = $2 WHERE code_hash = $3")
                .await?,
            &[&now, &device, &code_hash],
        )
        .await?;
        // The members who signed in on a device enrolled again do not come with it: each signs
        // in again with a new code.
        tx.execute(
            &tx.prepare_cached("DELETE FROM device_members WHERE device_id = $1")
                .await?,
            &[&device],
        )
        .await?;
        tx.execute(
            &tx.prepare_cached(
                "INSERT INTO devices (id, team_id, token_hash, name, enrolled_ms) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET team_id = excluded.team_id, token_hash = excluded.token_hash,
                 name = excluded.name, enrolled_ms = excluded.enrolled_ms, revoked_ms = NULL",
            )
            .await?,
            &[&device, &team_id, &token_hash, &name, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(EnrollOutcome::Enrolled { team })
    }

    pub async fn create_team(&self, name: &str) -> Result<(), BackendError> {
        let client = self.pool.get().await?;
        client
            .execute(
                &client
                    .prepare_cached("INSERT INTO teams (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
                    .await?,
                &[&name],
            )
            .await?;
        Ok(())
    }

    pub async fn add_enrollment_code(&self, team: &str, code_hash: &str, expires_ms: u64) -> Result<(), BackendError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                &client.prepare_cached("SELECT id FROM teams WHERE name = $1").await?,
                &[&team],
            )
            .await?;
        let team_id: i64 = row.ok_or_else(|| BackendError::NoSuchTeam(team.to_owned()))?.get(0);
        client
            .execute(
                &client
                    .prepare_cached("INSERT INTO enrollment_codes (code_hash, team_id, expires_ms) VALUES ($1, $2, $3)")
                    .await?,
                &[&code_hash, &team_id, &(expires_ms as i64)],
            )
            .await?;
        Ok(())
    }

    pub async fn revoke_device(&self, device: &str, now_ms: u64) -> Result<bool, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .execute(
                &client
                    .prepare_cached("UPDATE devices SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL")
                    .await?,
                &[&(now_ms as i64), &device],
            )
            .await?
            == 1)
    }

    pub async fn save_report(&self, device: String, report: String, now_ms: u64) -> Result<(), BackendError> {
        let client = self.pool.get().await?;
        client
            .execute(
                &client
                    .prepare_cached("UPDATE devices SET reported_ms = $1, report = $2, last_seen_ms = $1 WHERE id = $3")
                    .await?,
                &[&(now_ms as i64), &report, &device],
            )
            .await?;
        Ok(())
    }

    pub async fn team_devices(&self, team_id: i64) -> Result<Vec<TeamDeviceRow>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                &client
                    .prepare_cached(
                        "SELECT id, name, enrolled_ms, last_seen_ms, reported_ms, report FROM devices
                 WHERE team_id = $1 AND revoked_ms IS NULL ORDER BY name, id",
                    )
                    .await?,
                &[&team_id],
            )
            .await?
            .into_iter()
            .map(|r| TeamDeviceRow {
                id: r.get(0),
                name: r.get(1),
                enrolled_ms: r.get(2),
                last_seen_ms: r.get(3),
                reported_ms: r.get(4),
                report: r.get(5),
            })
            .collect())
    }

    pub async fn devices(&self) -> Result<Vec<DeviceInfo>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                &client
                    .prepare_cached(
                        "SELECT d.id, t.name, d.name, d.enrolled_ms, d.last_seen_ms FROM devices d
                 JOIN teams t ON t.id = d.team_id WHERE d.revoked_ms IS NULL ORDER BY t.name, d.name",
                    )
                    .await?,
                &[],
            )
            .await?
            .into_iter()
            .map(|r| DeviceInfo {
                id: r.get(0),
                team: r.get(1),
                name: r.get(2),
                enrolled_ms: r.get(3),
                last_seen_ms: r.get(4),
            })
            .collect())
    }

    pub async fn team_activity(&self) -> Result<Vec<TeamActivity>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(crate::model::TEAM_ACTIVITY_SQL, &[])
            .await?
            .into_iter()
            .map(|r| TeamActivity {
                team: r.get(0),
                head_seq: r.get(1),
                last_change_ms: r.get(2),
                last_seen_ms: r.get(3),
                devices: r.get(4),
            })
            .collect())
    }

    pub fn pool_use(&self) -> PoolUse {
        let status = self.pool.status();
        PoolUse {
            open: status.size,
            in_use: status.size.saturating_sub(status.available),
            max: Some(status.max_size),
            waiting: status.waiting,
        }
    }

    /// Every record's current state with its team's name, and every member's name.
    pub async fn all_states(
        &self,
    ) -> Result<(Vec<(String, String, String, String)>, Vec<(String, String)>), BackendError> {
        let client = self.pool.get().await?;
        let states = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT t.name, e.entity_id, e.entity, e.state FROM entities e JOIN teams t ON t.id = e.team_id
                 ORDER BY t.name, e.entity_id",
                    )
                    .await?,
                &[],
            )
            .await?
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect();
        let members = client
            .query(
                &client
                    .prepare_cached("SELECT id, name FROM members WHERE id IS NOT NULL")
                    .await?,
                &[],
            )
            .await?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok((states, members))
    }

    pub async fn state_row(&self, entity_id: String) -> Result<Option<(String, String)>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query_opt(
                &client
                    .prepare_cached("SELECT entity, state FROM entities WHERE entity_id = $1")
                    .await?,
                &[&entity_id],
            )
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }

    pub async fn change_ids(&self, team_id: i64) -> Result<Vec<String>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                &client
                    .prepare_cached("SELECT id FROM changes WHERE team_id = $1 ORDER BY seq")
                    .await?,
                &[&team_id],
            )
            .await?
            .into_iter()
            .map(|r| r.get(0))
            .collect())
    }

    pub async fn team_id(&self, name: &str) -> Result<i64, BackendError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                &client.prepare_cached("SELECT id FROM teams WHERE name = $1").await?,
                &[&name],
            )
            .await?;
        Ok(row.ok_or_else(|| BackendError::NoSuchTeam(name.to_owned()))?.get(0))
    }

    pub async fn add_member(&self, team: &str, name: &str, role: &str, now_ms: u64) -> Result<i64, BackendError> {
        let client = self.pool.get().await?;
        let team_id = client
            .query_opt(
                &client.prepare_cached("SELECT id FROM teams WHERE name = $1").await?,
                &[&team],
            )
            .await?
            .map(|r| r.get::<_, i64>(0))
            .ok_or_else(|| BackendError::NoSuchTeam(team.to_owned()))?;
        Ok(client
            .query_one(
                &client
                    .prepare_cached(
                        "INSERT INTO members (team_id, name, role, created_ms) VALUES ($1, $2, $3, $4) RETURNING num",
                    )
                    .await?,
                &[&team_id, &name, &role, &(now_ms as i64)],
            )
            .await?
            .get(0))
    }

    pub async fn add_member_code(&self, member_num: i64, code_hash: &str, expires_ms: u64) -> Result<(), BackendError> {
        let client = self.pool.get().await?;
        client
            .execute(
                &client
                    .prepare_cached("INSERT INTO member_codes (code_hash, member_num, expires_ms) VALUES ($1, $2, $3)")
                    .await?,
                &[&code_hash, &member_num, &(expires_ms as i64)],
            )
            .await?;
        Ok(())
    }

    pub async fn claim_member(
        &self,
        team_id: i64,
        device: String,
        code_hash: String,
        fresh_id: String,
        now_ms: u64,
    ) -> Result<Result<(String, String, String), ClaimOutcome>, BackendError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                &tx.prepare_cached(
                    "SELECT m.num, c.expires_ms, c.used_ms, m.team_id, m.id, m.name, m.role, m.revoked_ms
                 FROM member_codes c JOIN members m ON m.num = c.member_num WHERE c.code_hash = $1
                 FOR UPDATE OF c, m",
                )
                .await?,
                &[&code_hash],
            )
            .await?;
        let Some(row) = row else {
            return Ok(Err(ClaimOutcome::Unknown));
        };
        let (num, expires_ms, used_ms, member_team): (i64, i64, Option<i64>, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let (id, name, role, revoked_ms): (Option<String>, String, String, Option<i64>) =
            (row.get(4), row.get(5), row.get(6), row.get(7));
        let refused = crate::policy::claim_refusal(member_team, team_id, used_ms, expires_ms, revoked_ms, now_ms);
        if let Some(refused) = refused {
            return Ok(Err(refused));
        }
        let now = now_ms as i64;
        let id = match id {
            Some(id) => id,
            None => {
                // The proposed id is kept unless another member already has it.
                let taken: bool = tx
                    .query_one(
                        &tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM members WHERE id = $1)")
                            .await?,
                        &[&fresh_id],
                    )
                    .await?
                    .get(0);
                let id = if taken {
                    crate::clock::id_at(now_ms).to_string()
                } else {
                    fresh_id
                };
                tx.execute(
                    &tx.prepare_cached("UPDATE members SET id = $1 WHERE num = $2").await?,
                    &[&id, &num],
                )
                .await?;
                id
            }
        };
        tx.execute(
            &tx.prepare_cached("UPDATE member_codes SET used_ms = $1, used_by = $2 WHERE code_hash = $3")
                .await?,
            &[&now, &device, &code_hash],
        )
        .await?;
        tx.execute(
            &tx.prepare_cached(
                "INSERT INTO device_members (device_id, member_id, claimed_ms) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            )
            .await?,
            &[&device, &id, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(Ok((id, name, role)))
    }

    pub async fn members(&self, team_id: i64) -> Result<Vec<MemberRow>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                &client
                    .prepare_cached(
                        "SELECT m.num, m.id, t.name, m.name, m.role, m.revoked_ms,
                        (SELECT string_agg(device_id, ',') FROM device_members dm WHERE dm.member_id = m.id)
                 FROM members m JOIN teams t ON t.id = m.team_id WHERE m.team_id = $1 ORDER BY m.name, m.num",
                    )
                    .await?,
                &[&team_id],
            )
            .await?
            .into_iter()
            .map(|r| MemberRow {
                num: r.get(0),
                id: r.get(1),
                team: r.get(2),
                name: r.get(3),
                role: r.get(4),
                revoked_ms: r.get(5),
                devices: joined_devices(r.get(6)),
            })
            .collect())
    }

    pub async fn revoke_member(&self, id: &str, now_ms: u64) -> Result<bool, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .execute(
                &client
                    .prepare_cached("UPDATE members SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL")
                    .await?,
                &[&(now_ms as i64), &id],
            )
            .await?
            == 1)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn record_read(
        &self,
        team_id: i64,
        device: String,
        member: Option<String>,
        roles: String,
        after_seq: i64,
        up_to_seq: i64,
        at_ms: i64,
    ) -> Result<(), BackendError> {
        let client = self.pool.get().await?;
        // The member is kept only if she really signed in on this device.
        client
            .execute(
                &client
                    .prepare_cached(
                        "INSERT INTO reads (team_id, device_id, member_id, roles, after_seq, up_to_seq, at_ms)
                 VALUES ($1, $2, (SELECT dm.member_id FROM device_members dm JOIN members m ON m.id = dm.member_id
                         WHERE dm.device_id = $2 AND dm.member_id = $3 AND m.revoked_ms IS NULL),
                         $4, $5, $6, $7)",
                    )
                    .await?,
                &[&team_id, &device, &member, &roles, &after_seq, &up_to_seq, &at_ms],
            )
            .await?;
        Ok(())
    }

    pub async fn mother_entities(&self, mother: String) -> Result<Vec<(String, i64)>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                &client
                    .prepare_cached(
                        "SELECT entity_id, team_id FROM entities
                 WHERE entity_id = $1 OR (state::jsonb -> 'values' ->> 'mother_id') = $1",
                    )
                    .await?,
                &[&mother],
            )
            .await?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    pub async fn changes_of(
        &self,
        team_id: i64,
        entity_ids: Vec<String>,
    ) -> Result<Vec<(i64, i64, String)>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                &client.prepare_cached("SELECT seq, received_ms, body FROM changes WHERE team_id = $1 AND entity_id = ANY($2) ORDER BY seq").await?,
                &[&team_id, &entity_ids],
            )
            .await?
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    pub async fn member_role_on_device(&self, device: String, member: String) -> Result<Option<String>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query_opt(
                &client
                    .prepare_cached(
                        "SELECT m.role FROM device_members dm JOIN members m ON m.id = dm.member_id
                 WHERE dm.device_id = $1 AND dm.member_id = $2 AND m.revoked_ms IS NULL
                       AND m.team_id = (SELECT team_id FROM devices WHERE id = dm.device_id)",
                    )
                    .await?,
                &[&device, &member],
            )
            .await?
            .map(|r| r.get(0)))
    }

    pub async fn revoke_member_num(&self, team_id: i64, num: i64, now_ms: u64) -> Result<bool, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .execute(
                &client
                    .prepare_cached(
                        "UPDATE members SET revoked_ms = $1 WHERE num = $2 AND team_id = $3 AND revoked_ms IS NULL",
                    )
                    .await?,
                &[&(now_ms as i64), &num, &team_id],
            )
            .await?
            == 1)
    }

    pub async fn revoked_members(&self, device: String) -> Result<Vec<String>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                &client
                    .prepare_cached(
                        "SELECT m.id FROM device_members dm JOIN members m ON m.id = dm.member_id
                 WHERE dm.device_id = $1 AND m.revoked_ms IS NOT NULL ORDER BY m.id",
                    )
                    .await?,
                &[&device],
            )
            .await?
            .into_iter()
            .map(|r| r.get(0))
            .collect())
    }

    pub async fn team_name(&self, team_id: i64) -> Result<String, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query_one(
                &client.prepare_cached("SELECT name FROM teams WHERE id = $1").await?,
                &[&team_id],
            )
            .await?
            .get(0))
    }

    pub async fn reads_covering(&self, team_id: i64, first: i64, last: i64) -> Result<Vec<ReadRow>, BackendError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                &client
                    .prepare_cached(
                        "SELECT r.device_id, d.name, r.member_id, r.roles, r.after_seq, r.up_to_seq, r.at_ms
                 FROM reads r LEFT JOIN devices d ON d.id = r.device_id
                 WHERE r.team_id = $1 AND r.up_to_seq >= $2 AND r.after_seq < $3 ORDER BY r.at_ms",
                    )
                    .await?,
                &[&team_id, &first, &last],
            )
            .await?
            .into_iter()
            .map(|r| ReadRow {
                device_id: r.get(0),
                device_name: r.get(1),
                member_id: r.get(2),
                roles: r.get(3),
                after_seq: r.get(4),
                up_to_seq: r.get(5),
                at_ms: r.get(6),
            })
            .collect())
    }
}

/// Creates an empty database `name` on the server at `admin_url` (for tests and first setup);
/// returns the URL of the new database.
pub async fn create_database(admin_url: &str, name: &str) -> Result<String, BackendError> {
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(BackendError::Task(format!("not a plain database name: {name:?}")));
    }
    let (client, connection) = tokio_postgres::connect(admin_url, NoTls).await?;
    let task = tokio::spawn(connection);
    client.batch_execute(&format!("CREATE DATABASE {name}")).await?;
    drop(client);
    let _ = task.await;
    // Rebuild the URL from the admin one with the new database name.
    let url = match admin_url.rsplit_once('/') {
        Some((head, tail)) => {
            let query = tail.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
            format!("{head}/{name}{query}")
        }
        None => return Err(BackendError::Task("a database URL must end in /database".into())),
    };
    Ok(url)
}
