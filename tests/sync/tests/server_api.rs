//! The server's API over loopback, the same tests on the embedded SQLite and on PostgreSQL: bad
//! input, authentication, idempotent pushes, enrollment codes, concurrent pushers and pullers,
//! and a replaced database noticed by its epoch.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use lohusa_core::change::Change;
use lohusa_core::{DeviceId, Hlc};
use lohusa_sync_tests::{Db, TestServer, mother_change, now_ms, on_both};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    /// The enrolled device it is; its changes name it.
    device: Uuid,
}

impl Client {
    async fn new(server: &TestServer, team: &str) -> Client {
        let device = Uuid::now_v7();
        Client {
            http: reqwest::Client::new(),
            base: server.base.clone(),
            token: server.token(team, device).await,
            device,
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
        (status, body)
    }

    async fn push_raw(&self, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
        self.send(
            self.http
                .post(format!("{}/v1/push", self.base))
                .bearer_auth(&self.token)
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    async fn push(&self, changes: &[Change]) -> (StatusCode, Value) {
        self.push_raw(serde_json::to_vec(&json!({ "changes": changes })).unwrap())
            .await
    }

    async fn pull(&self, after: u64, limit: usize) -> (StatusCode, Value) {
        self.pull_query(&format!("after={after}&limit={limit}")).await
    }

    async fn pull_query(&self, query: &str) -> (StatusCode, Value) {
        self.send(
            self.http
                .get(format!("{}/v1/pull?{query}", self.base))
                .bearer_auth(&self.token),
        )
        .await
    }
}

/// A refused push's refusals: (change id, reason).
fn refusals(body: &Value) -> BTreeSet<(String, String)> {
    body["refused"]
        .as_array()
        .unwrap_or_else(|| panic!("a refused push lists its refusals: {body}"))
        .iter()
        .map(|r| {
            (
                r["change"].as_str().unwrap().to_owned(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn stored(server: &TestServer, team: &str) -> usize {
    let team = server.backend.team_id(team).await.unwrap();
    server.backend.change_ids(team).await.unwrap().len()
}

async fn bad_input_gets_a_clear_error_and_changes_nothing(db: Db) {
    let server = TestServer::start(db).await;
    let izmir = Client::new(&server, "izmir").await;
    let ankara = Client::new(&server, "ankara").await;
    let device = izmir.device;
    // Ankara owns a record; İzmir may not write it.
    let ankaras = Uuid::now_v7();
    assert_eq!(
        ankara.push(&[mother_change(ankaras, ankara.device, "A")]).await.0,
        StatusCode::OK
    );
    let before = (stored(&server, "izmir").await, stored(&server, "ankara").await);

    let good = mother_change(Uuid::now_v7(), device, "Fatma");
    let mut old_schema = mother_change(Uuid::now_v7(), device, "B");
    old_schema.schema_version = 99;
    let mut backwards = mother_change(Uuid::now_v7(), device, "D");
    backwards.base.insert(
        "full_name".into(),
        vec![lohusa_core::Version {
            hlc: Hlc {
                wall_ms: backwards.hlc.wall_ms + 1,
                counter: 0,
            },
            device: DeviceId(Uuid::now_v7()),
        }],
    );
    let mut future = mother_change(Uuid::now_v7(), device, "C");
    future.hlc.wall_ms = now_ms() + 3 * 24 * 3_600_000;
    let too_many: Vec<Change> = (0..5001).map(|_| mother_change(Uuid::now_v7(), device, "x")).collect();
    let http = reqwest::Client::new();
    let base = &server.base;

    let cases: Vec<(&str, (StatusCode, Value), StatusCode, &str)> = vec![
        (
            "no token",
            izmir.send(http.get(format!("{base}/v1/pull"))).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "forged token",
            izmir
                .send(http.get(format!("{base}/v1/pull")).bearer_auth("0".repeat(64)))
                .await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        ),
        (
            "malformed JSON",
            izmir.push_raw("{\"changes\": [").await,
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "wrong types",
            izmir.push_raw("{\"changes\": 5}").await,
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "unknown schema version",
            izmir.push(&[good.clone(), old_schema.clone()]).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
        ),
        (
            "another team's record",
            izmir
                .push(&[good.clone(), mother_change(ankaras, device, "taken")])
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
        ),
        (
            "a clock three days ahead",
            izmir.push(&[good.clone(), future.clone()]).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
        ),
        (
            "too many changes",
            izmir.push(&too_many).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
        ),
        (
            "oversized body, refused before it is sent",
            match lohusa_sync_tests::raw_exchange(
                base,
                format!(
                    "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
                     Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n",
                    izmir.token
                )
                .as_bytes(),
                std::time::Duration::from_secs(10),
            )
            .await
            {
                lohusa_sync_tests::RawAnswer::Answered(status, body) => (StatusCode::from_u16(status).unwrap(), body),
                other => panic!("no answer to an oversized body: {other:?}"),
            },
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "a cursor that is not a number",
            izmir
                .send(http.get(format!("{base}/v1/pull?after=abc")).bearer_auth(&izmir.token))
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "an unknown address",
            izmir.send(http.get(format!("{base}/v1/nothing"))).await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (what, (status, body), want_status, want_kind) in cases {
        assert_eq!(
            (status, body["kind"].as_str().unwrap_or("")),
            (want_status, want_kind),
            "{what} ({db:?}): {body}"
        );
        let message = body["message"].as_str().unwrap_or("");
        assert!(message.len() > 10, "{what}: the message must say what is wrong: {body}");
        for internal in ["SQLite", "PostgreSQL", "panicked", "sqlx", "rusqlite"] {
            assert!(!message.contains(internal), "{what}: internals leak: {message}");
        }
    }
    assert_eq!(
        (stored(&server, "izmir").await, stored(&server, "ankara").await),
        before,
        "a refused batch stored nothing, not even its good change ({db:?})"
    );

    // Refusals name the change and the rule.
    let (_, body) = izmir
        .push(&[good.clone(), old_schema.clone(), future.clone(), backwards.clone()])
        .await;
    let refused = refusals(&body);
    assert_eq!(
        refused,
        BTreeSet::from([
            (old_schema.id.to_string(), "unknown_schema_version".to_owned()),
            (future.id.to_string(), "clock_ahead".to_owned()),
            (backwards.id.to_string(), "replaces_a_later_version".to_owned()),
        ])
    );
    // The same good change alone is accepted.
    assert_eq!(izmir.push(&[good]).await.1["accepted"], 1);
}

async fn a_repeated_push_stores_nothing_twice(db: Db) {
    let server = TestServer::start(db).await;
    let client = Client::new(&server, "izmir").await;
    let device = client.device;
    let batch: Vec<Change> = (0..50)
        .map(|i| mother_change(Uuid::now_v7(), device, &format!("M{i}")))
        .collect();
    let (status, first) = client.push(&batch).await;
    assert_eq!(
        (status, first["accepted"].as_u64(), first["duplicates"].as_u64()),
        (StatusCode::OK, Some(50), Some(0))
    );
    let (_, again) = client.push(&batch).await;
    assert_eq!(
        (again["accepted"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(50))
    );
    // A batch that repeats a change within itself and mixes old and new stores each new one once.
    let mut mixed = batch[..10].to_vec();
    let extra = mother_change(Uuid::now_v7(), device, "new");
    mixed.push(extra.clone());
    mixed.push(extra);
    let (_, mixed) = client.push(&mixed).await;
    assert_eq!(
        (mixed["accepted"].as_u64(), mixed["duplicates"].as_u64()),
        (Some(1), Some(11))
    );
    assert_eq!(stored(&server, "izmir").await, 51);
    let (_, pulled) = client.pull(0, 5000).await;
    let seqs: Vec<u64> = pulled["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=51).collect::<Vec<_>>());
    assert_eq!(
        (pulled["cursor"].as_u64(), pulled["more"].as_bool()),
        (Some(51), Some(false))
    );
    let (_, page) = client.pull(10, 20).await;
    assert_eq!(
        (page["cursor"].as_u64(), page["more"].as_bool()),
        (Some(30), Some(true))
    );
}

/// A device that asks for others' changes only never receives its own back, and its cursor
/// still moves past them; a colleague's device receives everything.
async fn a_device_asking_for_others_changes_never_pulls_its_own_back(db: Db) {
    let server = TestServer::start(db).await;
    let nurse = Client::new(&server, "izmir").await;
    let colleague = Client::new(&server, "izmir").await;
    let mine: Vec<Change> = (0..30)
        .map(|i| mother_change(Uuid::now_v7(), nurse.device, &format!("Mine {i}")))
        .collect();
    let theirs: Vec<Change> = (0..5)
        .map(|i| mother_change(Uuid::now_v7(), colleague.device, &format!("Theirs {i}")))
        .collect();
    assert_eq!(nurse.push(&mine[..20]).await.0, StatusCode::OK);
    assert_eq!(colleague.push(&theirs).await.0, StatusCode::OK);
    assert_eq!(nurse.push(&mine[20..]).await.0, StatusCode::OK);
    let ids = |body: &Value| -> Vec<String> {
        body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Page by page: a page of only her own changes comes back empty, and moves on.
    let mut after = 0;
    let mut got = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = nurse
            .pull_query(&format!("after={after}&limit=10&others_only=true"))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        got.extend(ids(&page));
        let cursor = page["cursor"].as_u64().unwrap();
        assert!(cursor > after, "the cursor moves on: {page}");
        after = cursor;
        pages += 1;
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(after, 35, "every change passed");
    assert_eq!(pages, 4);
    assert_eq!(got, theirs.iter().map(|c| c.id.to_string()).collect::<Vec<_>>());
    // Without asking, and for the colleague, everything comes.
    assert_eq!(ids(&nurse.pull(0, 100).await.1).len(), 35);
    let (_, theirs_view) = colleague.pull_query("after=0&limit=100&others_only=true").await;
    assert_eq!(
        ids(&theirs_view),
        mine.iter().map(|c| c.id.to_string()).collect::<Vec<_>>()
    );
}

async fn enrollment_codes_work_once(db: Db) {
    let server = TestServer::start(db).await;
    let code = server
        .backend
        .issue_enrollment_code("izmir", now_ms() + 60_000)
        .await
        .unwrap();
    let expired = server
        .backend
        .issue_enrollment_code("izmir", now_ms() - 1)
        .await
        .unwrap();
    let enroll = |code: String| {
        let base = server.base.clone();
        async move {
            let response = reqwest::Client::new()
                .post(format!("{base}/v1/enroll"))
                .json(&json!({ "code": code, "device_id": Uuid::now_v7(), "device_name": "tablet" }))
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    // Typed in lower case with spaces, as people do.
    let (status, body) = enroll(code.to_lowercase().replace('-', " ")).await;
    assert_eq!(
        (status, body["team"].as_str()),
        (StatusCode::OK, Some("izmir")),
        "{body}"
    );
    let token = body["token"].as_str().unwrap().to_owned();
    let identity = reqwest::Client::new()
        .get(format!("{}/v1/identity", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(identity.status(), StatusCode::OK);
    // The same device id cannot enroll over an active device, until the lead revokes it.
    let device = Uuid::now_v7();
    let fresh = |server: &TestServer| {
        let backend = server.backend.clone();
        async move { backend.issue_enrollment_code("izmir", now_ms() + 60_000).await.unwrap() }
    };
    let enroll_as = |code: String| {
        let base = server.base.clone();
        async move {
            let response = reqwest::Client::new()
                .post(format!("{base}/v1/enroll"))
                .json(&json!({ "code": code, "device_id": device, "device_name": "tablet" }))
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(enroll_as(fresh(&server).await).await.0, StatusCode::OK);
    let (status, body) = enroll_as(fresh(&server).await).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_already_enrolled"))
    );
    assert!(
        server
            .backend
            .revoke_device(&device.to_string(), now_ms())
            .await
            .unwrap()
    );
    assert_eq!(enroll_as(fresh(&server).await).await.0, StatusCode::OK);
    for (code, kind) in [
        (code, "enrollment_code_used"),
        (expired, "enrollment_code_expired"),
        ("AAAA-BBBB-CCCC".to_owned(), "enrollment_code_unknown"),
    ] {
        let (status, body) = enroll(code).await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (StatusCode::FORBIDDEN, Some(kind)),
            "{body}"
        );
    }
}

/// Pushers and pullers at once: every pull must continue exactly after the cursor, so the
/// numbers a puller sees are 1, 2, 3… without a gap, and in the end it has every change.
async fn concurrent_pushers_and_pullers_never_skip_a_change(db: Db) {
    const PUSHERS: usize = 6;
    const BATCHES: usize = 25;
    const PER_BATCH: usize = 20;
    let server = Arc::new(TestServer::start(db).await);
    let done = Arc::new(AtomicBool::new(false));
    let mut pullers = Vec::new();
    for _ in 0..3 {
        let client = Client::new(&server, "izmir").await;
        let done = done.clone();
        pullers.push(tokio::spawn(async move {
            let mut cursor = 0u64;
            let mut ids = BTreeSet::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let (status, body) = client.pull(cursor, 37).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                for c in body["changes"].as_array().unwrap() {
                    let seq = c["seq"].as_u64().unwrap();
                    assert_eq!(seq, cursor + 1, "a pull skipped from {cursor} to {seq}");
                    cursor = seq;
                    assert!(ids.insert(c["change"]["id"].as_str().unwrap().to_owned()));
                }
                if finished && !body["more"].as_bool().unwrap() {
                    return ids;
                }
            }
        }));
    }
    let mut pushers = Vec::new();
    let mut all = BTreeSet::new();
    for _ in 0..PUSHERS {
        let client = Client::new(&server, "izmir").await;
        let device = client.device;
        let batches: Vec<Vec<Change>> = (0..BATCHES)
            .map(|_| {
                (0..PER_BATCH)
                    .map(|_| mother_change(Uuid::now_v7(), device, "x"))
                    .collect()
            })
            .collect();
        all.extend(batches.iter().flatten().map(|c| c.id.to_string()));
        pushers.push(tokio::spawn(async move {
            for batch in batches {
                let (status, body) = client.push(&batch).await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        }));
    }
    for p in pushers {
        p.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    for p in pullers {
        assert_eq!(p.await.unwrap(), all, "a puller missed changes ({db:?})");
    }
    assert_eq!(all.len(), PUSHERS * BATCHES * PER_BATCH);
}

/// Devices report their state after a sync; a device sees only its own team's devices, with
/// their reports, never another team's.
async fn devices_report_and_see_only_their_team(db: Db) {
    let server = TestServer::start(db).await;
    let (a1, a2, b1) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let token_a1 = server.token("izmir", a1).await;
    let token_a2 = server.token("izmir", a2).await;
    let token_b1 = server.token("ankara", b1).await;
    let http = reqwest::Client::new();
    let report =
        json!({ "app_version": "0.1.0", "member": "Ebe Derya", "pending": 3, "conflicts": 1, "quarantined": 0 });
    let response = http
        .post(format!("{}/v1/report", server.base))
        .bearer_auth(&token_a1)
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Without a token, and with a text too long: refused with a kind.
    let response = http
        .post(format!("{}/v1/report", server.base))
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let mut long = report.clone();
    long["member"] = json!("x".repeat(500));
    let response = http
        .post(format!("{}/v1/report", server.base))
        .bearer_auth(&token_a1)
        .json(&long)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.unwrap()["kind"], "invalid_body");

    let list = |token: String| {
        let (http, base) = (http.clone(), server.base.clone());
        async move {
            let response = http
                .get(format!("{base}/v1/devices"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Vec<lohusa_core::sync::TeamDevice>>().await.unwrap()
        }
    };
    let seen_by_a2 = list(token_a2).await;
    let ids: Vec<&str> = seen_by_a2.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&a1.to_string().as_str()) && ids.contains(&a2.to_string().as_str()));
    let first = seen_by_a2.iter().find(|d| d.id == a1.to_string()).unwrap();
    let got = first.report.as_ref().expect("a1 reported");
    assert_eq!(
        (got.pending, got.conflicts, got.member.as_deref()),
        (3, 1, Some("Ebe Derya"))
    );
    assert!(first.last_sync_ms.is_some());
    let second = seen_by_a2.iter().find(|d| d.id == a2.to_string()).unwrap();
    assert_eq!((second.report.clone(), second.last_sync_ms), (None, None));
    let seen_by_b1 = list(token_b1).await;
    assert_eq!(
        seen_by_b1.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        [b1.to_string()],
        "another team's devices never show"
    );
    // A revoked device leaves the list.
    server.backend.revoke_device(&a1.to_string(), now_ms()).await.unwrap();
    let after = server.token("izmir", Uuid::now_v7()).await;
    assert_eq!(list(after).await.len(), 2);
}

/// A stock movement is recorded whole, once, by the team lead: an edit of one (which would let two
/// offices conflict over a count), a partial one, fields that disagree, an item no package holds
/// and a nurse's movement are refused; a whole one is taken.
async fn stock_movements_are_written_once_whole_by_the_office(db: Db) {
    let server = TestServer::start(db).await;
    let device = Uuid::now_v7();
    let lead = Client {
        http: reqwest::Client::new(),
        base: server.base.clone(),
        token: server.token_as("izmir", device, lohusa_core::Role::TeamLead).await,
        device,
    };
    let nurse = Client::new(&server, "izmir").await;
    let nurse_id = nurse.device.to_string();
    let movement = |device: Uuid, id: Uuid, fields: Value| {
        lohusa_sync_tests::change(lohusa_core::EntityKind::StockMovement, id, device, device, fields)
    };
    let whole = json!({
        "movement": "handed", "kind": "baby_care", "count": 10, "moved_on": "2026-11-20",
        "member": nurse_id, "lot": "L-1", "contents": []
    });
    let id = Uuid::now_v7();
    let first = movement(device, id, whole.clone());
    assert_eq!(lead.push(std::slice::from_ref(&first)).await.1["accepted"], 1);
    let mut edit = movement(device, id, json!({ "count": 9999 }));
    edit.base.insert("count".into(), vec![first.version()]);
    let again = movement(device, id, whole.clone());
    let partial = movement(device, Uuid::now_v7(), json!({ "count": 5 }));
    let no_member = movement(
        device,
        Uuid::now_v7(),
        json!({ "movement": "handed", "kind": "baby_care", "count": 3, "moved_on": "2026-11-20" }),
    );
    let vodka = movement(
        device,
        Uuid::now_v7(),
        json!({ "movement": "prepared", "kind": "baby_care", "count": 3, "moved_on": "2026-11-20", "contents": ["vodka"] }),
    );
    let by_nurse = movement(nurse.device, Uuid::now_v7(), whole.clone());
    let (_, body) = lead
        .push(&[
            edit.clone(),
            again.clone(),
            partial.clone(),
            no_member.clone(),
            vodka.clone(),
        ])
        .await;
    let refused = refusals(&body);
    assert_eq!(
        refused,
        BTreeSet::from([
            (edit.id.to_string(), "record_written_once".to_owned()),
            (partial.id.to_string(), "record_written_once".to_owned()),
            (no_member.id.to_string(), "record_fields_disagree".to_owned()),
            (vodka.id.to_string(), "invalid_value".to_owned()),
        ]),
        "{body}"
    );
    // A whole movement again under a recorded id: refused against the server's state.
    let (_, body) = lead.push(std::slice::from_ref(&again)).await;
    assert_eq!(body["refused"][0]["change"], again.id.to_string(), "{body}");
    assert_eq!(body["refused"][0]["reason"], "record_written_once", "{body}");
    let (_, body) = nurse.push(std::slice::from_ref(&by_nurse)).await;
    assert_eq!(body["refused"][0]["reason"], "role_may_not_write", "{body}");
    // The movement stands as first written.
    let (kind, doc) = server.backend.state_of(id).await.unwrap().unwrap();
    assert_eq!(kind, lohusa_core::EntityKind::StockMovement);
    assert_eq!(doc.values["count"], 10);
}

on_both!(stock_movements_are_written_once_whole_by_the_office);
on_both!(bad_input_gets_a_clear_error_and_changes_nothing);
on_both!(a_repeated_push_stores_nothing_twice);
on_both!(a_device_asking_for_others_changes_never_pulls_its_own_back);
on_both!(enrollment_codes_work_once);
on_both!(concurrent_pushers_and_pullers_never_skip_a_change);
on_both!(devices_report_and_see_only_their_team);
