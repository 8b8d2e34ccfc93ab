//! The attack table, continued: what a broken or hostile tablet (or anyone who can reach the
//! server) sends to stop a team's sync or stall the server, each row against the real server
//! over loopback on the embedded SQLite and on PostgreSQL, with short timeouts so the test is
//! quick. The answer must be a small JSON error with a stable `kind` (or a closed connection),
//! nothing may be stored, and the team's sync must go on afterwards.

use std::io::Write;
use std::time::Duration;

use lohusa_core::EntityKind;
use lohusa_server::guards::Limits;
use lohusa_sync_tests::{Db, RawAnswer, TestServer, change, mother_change, now_ms, on_both, raw_exchange};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

fn limits() -> Limits {
    Limits {
        max_connections: 32,
        per_address: 24,
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(2),
        wrong_codes: 5,
        // This test sends many bad pushes from one device; the hold-off has a row of its own.
        bad_pushes: 1000,
        ..Limits::default()
    }
}

async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value, usize) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null), text.len())
}

/// A zstd frame that decompresses to a push whose padding is `size` bytes of "a".
fn bomb(size: usize) -> Vec<u8> {
    let mut encoder = zstd::Encoder::new(Vec::new(), 19).unwrap();
    encoder.write_all(b"{\"changes\": [], \"padding\": \"").unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..size / chunk.len() {
        encoder.write_all(&chunk).unwrap();
    }
    encoder.write_all(b"\"}").unwrap();
    encoder.finish().unwrap()
}

fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |inner, _| json!([inner]))
}

async fn hostile_requests_are_bounded(db: Db) {
    let server = TestServer::start_with(db, limits()).await;
    // Idle connections are let go before the server's one-second header deadline closes them, as
    // the tablets' client does with the real deadline.
    let http = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let url = |path: &str| format!("{}/v1/{path}", server.base);
    let device = Uuid::now_v7();
    let token = server.token("izmir", device).await;
    let ankara_device = Uuid::now_v7();
    let ankara = server.token("ankara", ankara_device).await;
    let push = |token: &str, changes: Value| {
        http.post(url("push"))
            .bearer_auth(token)
            .json(&json!({ "changes": changes }))
    };
    let mother = Uuid::now_v7();
    let (status, _, _) = answer(push(&token, json!([mother_change(mother, device, "Fatma Yılmaz")]))).await;
    assert_eq!(status, StatusCode::OK);

    // Values the core's rules refuse: each change goes back refused with its reason.
    let with = |fields: Value| change(EntityKind::Mother, Uuid::now_v7(), device, device, fields);
    let birth = change(
        EntityKind::Birth,
        Uuid::now_v7(),
        device,
        device,
        json!({ "birth_date": "not-a-date" }),
    );
    let value_rows: Vec<(&str, lohusa_core::Change, &str)> = vec![
        (
            "a value nested four deep",
            with(json!({ "full_name": nested(4) })),
            "value_too_deep",
        ),
        ("a birth date that is not a date", birth, "invalid_value"),
        (
            "a 100 kB name",
            with(json!({ "full_name": "x".repeat(100 << 10) })),
            "value_too_long",
        ),
        (
            "a field no record has",
            with(json!({ "shoe_size": 38 })),
            "unknown_field",
        ),
        (
            "a number given as text",
            with(json!({ "age_years": "27" })),
            "invalid_value",
        ),
        ("an age of 270", with(json!({ "age_years": 270 })), "value_out_of_range"),
        (
            "a birth date in the year 99999",
            change(
                EntityKind::Birth,
                Uuid::now_v7(),
                device,
                device,
                json!({ "birth_date": "+99999-01-01" }),
            ),
            "invalid_value",
        ),
        (
            "a birth with nothing but its mode",
            change(
                EntityKind::Birth,
                Uuid::now_v7(),
                device,
                device,
                json!({ "mode": "vaginal" }),
            ),
            "missing_required_field",
        ),
        (
            "a mother's name cleared",
            change(EntityKind::Mother, mother, device, device, json!({ "full_name": null })),
            "missing_required_field",
        ),
        (
            "an answer to a question no checklist asks",
            change(
                EntityKind::Visit,
                Uuid::now_v7(),
                device,
                device,
                json!({ "answers.mother.__proto__": 1 }),
            ),
            "unknown_field",
        ),
        (
            "a visit's mother id in capitals (another spelling of her id)",
            change(
                EntityKind::Visit,
                Uuid::now_v7(),
                device,
                device,
                json!({ "mother_id": mother.to_string().to_uppercase(), "number": 1, "outcome": "visited",
                        "visited_on": "2026-11-24", "visited_by": "Ebe Derya" }),
            ),
            "invalid_value",
        ),
        (
            "a blood pressure of \"high\"",
            change(
                EntityKind::Visit,
                Uuid::now_v7(),
                device,
                device,
                json!({ "answers.mother.bp_systolic": "high" }),
            ),
            "invalid_value",
        ),
        (
            "20,000 characters for a field that takes 300",
            change(
                EntityKind::Visit,
                Uuid::now_v7(),
                device,
                device,
                json!({ "answers.mother.referral_reason": "x".repeat(20_000) }),
            ),
            "invalid_value",
        ),
    ];
    for (what, change, reason) in value_rows {
        let id = change.id.to_string();
        let (status, body, _) = answer(push(&token, json!([change]))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what} ({db:?}): {body}");
        assert_eq!(body["refused"][0]["change"], json!(id), "{what}");
        assert_eq!(body["refused"][0]["reason"], json!(reason), "{what} ({db:?})");
    }

    // A flood of concurrent values for one field (each replacing nothing) stops at a limit, so
    // no device's sync slows down on conflicts no one could review.
    let mut refused_at = None;
    for i in 0..=lohusa_server::logic::MAX_FIELD_HEADS + 2 {
        let flood = change(
            EntityKind::Mother,
            mother,
            device,
            device,
            json!({ "phone": format!("05{i:09}") }),
        );
        let (status, body, _) = answer(push(&token, json!([flood]))).await;
        if status != StatusCode::OK {
            assert_eq!(body["refused"][0]["reason"], "too_many_conflicts", "{body}");
            refused_at = Some(i);
            break;
        }
    }
    // The shown value and as many concurrent ones as the limit.
    assert_eq!(refused_at, Some(lohusa_server::logic::MAX_FIELD_HEADS + 1), "({db:?})");

    // A visit given every baby answer for made-up babies, thirty babies a change (each change
    // within its own bound): once the visit would hold more fields than any visit does, the
    // change is refused, so no device rewrites thousands of answers at each later change.
    let baby_fields: Vec<&str> = lohusa_core::checklist::current()
        .sections
        .iter()
        .filter(|s| s.subject == lohusa_core::checklist::Subject::Baby)
        .flat_map(|s| s.fields.iter().map(|f| f.key.as_str()))
        .collect();
    let babies_answers = |fields: &mut serde_json::Map<String, Value>| {
        for _ in 0..30 {
            let baby = Uuid::now_v7();
            for key in &baby_fields {
                fields.insert(format!("answers.baby.{baby}.{key}"), Value::Null);
            }
        }
    };
    let visit = Uuid::now_v7();
    let mut fields = serde_json::Map::new();
    for (key, value) in [
        ("mother_id", json!(mother.to_string())),
        ("number", json!(1)),
        ("outcome", json!("visited")),
        ("visited_on", json!("2026-11-24")),
        ("visited_by", json!("Ebe Derya")),
        ("checklist_version", json!(2)),
    ] {
        fields.insert(key.to_owned(), value);
    }
    babies_answers(&mut fields);
    let mut refused_after = None;
    for i in 0..lohusa_server::logic::MAX_RECORD_FIELDS / 100 {
        let mut grow = change(EntityKind::Visit, visit, device, device, Value::Object(fields));
        grow.hlc.wall_ms += i as u64;
        assert!(grow.fields.len() <= lohusa_server::logic::MAX_CHANGE_FIELDS);
        let (status, body, _) = answer(push(&token, json!([grow]))).await;
        if status != StatusCode::OK {
            assert_eq!(body["refused"][0]["reason"], "too_many_fields", "{body}");
            refused_after = Some(i * 30 * baby_fields.len());
            break;
        }
        fields = serde_json::Map::new();
        babies_answers(&mut fields);
    }
    let refused_after = refused_after.expect("a visit growing without end is refused");
    assert!(
        (300..=lohusa_server::logic::MAX_RECORD_FIELDS).contains(&refused_after),
        "refused after {refused_after} answers ({db:?})"
    );

    // A change replacing thousands of versions of a field (merging it would cost the server
    // time in proportion to every earlier one), or versions of a field it does not set.
    let mut long_base = change(
        EntityKind::Mother,
        mother,
        device,
        device,
        json!({ "phone": "0532 111 22 33" }),
    );
    let fake = |n: u32| lohusa_core::Version {
        hlc: lohusa_core::Hlc { wall_ms: 1, counter: n },
        device: lohusa_core::DeviceId(device),
    };
    long_base.base.insert("phone".into(), (0..10_000).map(fake).collect());
    let mut stray_base = change(
        EntityKind::Mother,
        mother,
        device,
        device,
        json!({ "phone": "0532 111 22 33" }),
    );
    stray_base.base.insert("street".into(), vec![fake(1)]);
    for (what, sent) in [
        ("a base of 10,000 versions", long_base),
        ("a base of another field", stray_base),
    ] {
        let (status, body, _) = answer(push(&token, json!([sent]))).await;
        assert_eq!(
            (status, body["refused"][0]["reason"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("replaces_too_many_versions")),
            "{what}: {body}"
        );
    }
    let many = json!({ "answers.mother.breasts": vec!["soft"; 100_000] });
    let (status, body, _) = answer(push(
        &token,
        json!([change(EntityKind::Visit, Uuid::now_v7(), device, device, many)]),
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one option 100,000 times: {body}"
    );

    // A change id sent again with other content is refused, not counted as a duplicate.
    let original = mother_change(Uuid::now_v7(), device, "Zeynep Ak");
    assert_eq!(answer(push(&token, json!([original.clone()]))).await.0, StatusCode::OK);
    let mut altered = original.clone();
    altered.fields.insert("full_name".into(), json!("Başka Biri"));
    let (status, body, _) = answer(push(&token, json!([altered]))).await;
    assert_eq!(
        (status, body["refused"][0]["reason"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("change_id_reused")),
        "{body}"
    );
    let (status, body, _) = answer(push(&token, json!([original]))).await;
    assert_eq!((status, body["duplicates"].as_u64()), (StatusCode::OK, Some(1)));
    // Twice in one batch: the same content is one change, two contents are refused.
    let twin = mother_change(Uuid::now_v7(), device, "Elif Su");
    let mut other = twin.clone();
    other.fields.insert("full_name".into(), json!("Başka Biri"));
    let (status, body, _) = answer(push(&token, json!([twin.clone(), other]))).await;
    assert_eq!(
        (status, body["refused"][0]["reason"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("change_id_reused")),
        "{body}"
    );
    let (status, body, _) = answer(push(&token, json!([twin.clone(), twin]))).await;
    assert_eq!(
        (status, body["accepted"].as_u64(), body["duplicates"].as_u64()),
        (StatusCode::OK, Some(1), Some(1))
    );
    let stored_before = server
        .backend
        .change_ids(server.backend.team_id("izmir").await.unwrap())
        .await
        .unwrap();

    // Bodies that would cost the server its memory or time.
    let too_deep = format!("{{\"changes\": [{{\"fields\": {{\"full_name\": {}}}}}]}}", nested(123));
    let header = format!("Bearer {token}");
    let (status, body, _) = answer(
        http.post(url("push"))
            .header("authorization", &header)
            .header("content-type", "application/json")
            .body(too_deep),
    )
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::BAD_REQUEST, Some("too_deep")),
        "{body}"
    );

    let (status, body, _) = answer(push(
        &token,
        json!([with(json!({ "full_name": "x".repeat(10 << 20) }))]),
    ))
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::BAD_REQUEST, Some("value_too_long")),
        "a 10 MB text is refused before it is parsed: {body}"
    );

    let bomb = bomb(40 << 20);
    assert!(bomb.len() < 100_000, "a small body: {} bytes", bomb.len());
    let (status, body, _) = answer(
        http.post(url("push"))
            .header("content-encoding", "zstd")
            .header("content-type", "application/json")
            .body(bomb.clone()),
    )
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated")),
        "a bomb without a token is refused before it is read: {body}"
    );
    let (status, body, _) = answer(
        http.post(url("push"))
            .header("authorization", &header)
            .header("content-encoding", "zstd")
            .header("content-type", "application/json")
            .body(bomb),
    )
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")),
        "{body}"
    );

    let (status, body, _) = answer(
        http.post(url("push"))
            .header("authorization", &header)
            .header("content-encoding", "br")
            .header("content-type", "application/json")
            .body("{}"),
    )
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_encoding")),
        "{body}"
    );

    // Slow and idle clients: each is cut off after the header or body deadline.
    let long = Duration::from_secs(8);
    let raw_rows: Vec<(&str, String, fn(&RawAnswer) -> bool)> = vec![
        ("an idle connection", String::new(), |a| *a == RawAnswer::Closed),
        (
            "headers that never end",
            "GET /v1/health HTTP/1.1\r\nHost: x\r\n".into(),
            |a| *a == RawAnswer::Closed,
        ),
        (
            "a body that never arrives",
            format!(
                "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: {header}\r\n\
                 Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"changes\""
            ),
            |a| matches!(a, RawAnswer::Answered(408, body) if body["kind"] == "timeout"),
        ),
        (
            "a chunk of 2^64-1 bytes",
            format!(
                "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: {header}\r\n\
                 Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab"
            ),
            |a| *a != RawAnswer::StillOpen,
        ),
        (
            "a gigabyte announced",
            format!(
                "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: {header}\r\n\
                 Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n"
            ),
            |a| matches!(a, RawAnswer::Answered(413, body) if body["kind"] == "too_large"),
        ),
    ];
    for (what, bytes, ok) in raw_rows {
        let got = raw_exchange(&server.base, bytes.as_bytes(), long).await;
        assert!(ok(&got), "{what} ({db:?}): {got:?}");
    }

    // More idle sockets from one address than it may hold, and than the server keeps open: the
    // extra ones are closed at once, the rest after the header deadline.
    let mut idle = Vec::new();
    for _ in 0..limits().max_connections * 3 {
        idle.push(
            tokio::net::TcpStream::connect(server.base.trim_start_matches("http://"))
                .await
                .unwrap(),
        );
    }
    // The flooding address gets no more connections; a tablet elsewhere gets through at once.
    assert_eq!(
        raw_exchange(&server.base, b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n", long).await,
        RawAnswer::Closed
    );
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let (status, _, _) = answer(elsewhere.get(url("identity")).bearer_auth(&token).timeout(long)).await;
    assert_eq!(status, StatusCode::OK, "a tablet gets through idle sockets ({db:?})");
    drop(idle);
    // The server frees the flooding address's places as it sees the sockets close.
    let mut freed = false;
    for _ in 0..100 {
        let health = raw_exchange(&server.base, b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n", long).await;
        if matches!(health, RawAnswer::Answered(200, _)) {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        freed,
        "the address's connections are freed once its sockets close ({db:?})"
    );

    // Answers are small JSON that never echo what was sent nor name the server's types.
    let mut bad_base = serde_json::to_value(mother_change(mother, device, "Ayşe Demir")).unwrap();
    bad_base["base"] = json!({ "full_name": "Ayşe Demir 05321234567" });
    let mut big_hlc = serde_json::to_value(mother_change(mother, device, "x")).unwrap();
    big_hlc["hlc"] = json!("9".repeat(10 << 20));
    let mut odd_hlc = serde_json::to_value(mother_change(mother, device, "x")).unwrap();
    odd_hlc["hlc"] = json!("9".repeat(5000));
    for (what, sent, kind) in [
        ("a bad base", bad_base, "invalid_body"),
        ("a 10 MB clock stamp", big_hlc, "value_too_long"),
        ("a 5,000-digit clock stamp", odd_hlc, "invalid_body"),
    ] {
        let (status, body, size) = answer(push(&token, json!([sent]))).await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (StatusCode::BAD_REQUEST, Some(kind)),
            "{what}"
        );
        let text = body.to_string();
        assert!(size < 1000, "{what}: a {size}-byte error");
        for echoed in ["Ayşe", "0532", "999999", "struct", "PushRequest", "Change"] {
            assert!(!text.contains(echoed), "{what}: the error echoes {echoed:?}: {text}");
        }
    }
    let (status, body, _) = answer(
        http.get(url(&format!("pull?after=0&x={}", "a".repeat(5000))))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::URI_TOO_LONG, Some("uri_too_long"))
    );
    let (status, body, _) = answer(http.get(url("health")).header("x-padding", "a".repeat(20_000))).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, Some("headers_too_large"))
    );
    let (status, body, _) = answer(http.post(url("team/members/abc/code")).bearer_auth(&token)).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_path"))
    );

    // Out-of-range cursors are refused, not wrapped into a read of the whole log.
    for after in ["18446744073709551615", "9223372036854775808"] {
        let (status, body, _) = answer(http.get(url(&format!("pull?after={after}"))).bearer_auth(&token)).await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_query")),
            "{after}"
        );
    }

    // Another team's change id: refused like any change, never reported as a duplicate.
    let izmirs = server
        .backend
        .pull(server.backend.team_id("izmir").await.unwrap(), 0, 1)
        .await
        .unwrap();
    let known: lohusa_core::Change = serde_json::from_str(&izmirs.rows[0].1).unwrap();
    let (status, body, _) = answer(push(&ankara, json!([known]))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.get("duplicates").is_none(), "{body}");
    let mut forged = mother_change(Uuid::now_v7(), ankara_device, "x");
    forged.id = known.id;
    let (status, body, _) = answer(push(&ankara, json!([forged]))).await;
    assert_eq!(
        (status, body["refused"][0]["reason"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("other_team")),
        "{body}"
    );

    // A revoked device: its last upload takes what it stamped before the revocation, nothing
    // stamped after it; its id never moves to another team, and enrolls again only in its own.
    let revoked_device = Uuid::now_v7();
    let revoked = server.token("izmir", revoked_device).await;
    let before = mother_change(Uuid::now_v7(), revoked_device, "Hatice Kaya");
    let mut after = mother_change(Uuid::now_v7(), revoked_device, "x");
    after.fields.insert("deleted".into(), json!(true));
    after.hlc.wall_ms = now_ms() + 23 * 3_600_000;
    assert!(
        server
            .backend
            .revoke_device(&revoked_device.to_string(), now_ms())
            .await
            .unwrap()
    );
    let (status, body, _) = answer(push(&revoked, json!([after]))).await;
    assert_eq!(
        (status, body["refused"][0]["reason"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("device_revoked_before")),
        "{body}"
    );
    let (status, body, _) = answer(push(&revoked, json!([before]))).await;
    assert_eq!((status, body["accepted"].as_u64()), (StatusCode::OK, Some(1)), "{body}");
    let with_last_upload = server
        .backend
        .change_ids(server.backend.team_id("izmir").await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        with_last_upload.len(),
        stored_before.len() + 1,
        "nothing but the revoked device's last upload was stored so far"
    );
    let stored_before = with_last_upload;
    let enroll_as = |code: String, device: Uuid| {
        http.post(url("enroll"))
            .json(&json!({ "code": code, "device_id": device, "device_name": "x" }))
    };
    let ankara_code = server
        .backend
        .issue_enrollment_code("ankara", now_ms() + 60_000)
        .await
        .unwrap();
    let (status, body, _) = answer(enroll_as(ankara_code, revoked_device)).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_of_other_team")),
        "{body}"
    );

    // A device whose pushes keep failing is held off, its bodies unread, while others push on.
    {
        let strict = TestServer::start_with(
            db,
            Limits {
                bad_pushes: 3,
                ..limits()
            },
        )
        .await;
        let push_to = |token: &str, body: &'static str| {
            http.post(format!("{}/v1/push", strict.base))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
        };
        let broken = strict.token("izmir", Uuid::now_v7()).await;
        let working = strict.token("izmir", Uuid::now_v7()).await;
        for _ in 0..3 {
            assert_eq!(
                answer(push_to(&broken, "{\"changes\": [")).await.0,
                StatusCode::BAD_REQUEST
            );
        }
        let (status, body, _) = answer(push_to(&broken, "{\"changes\": []}")).await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("too_many_bad_pushes")),
            "{body}"
        );
        let (status, _, _) = answer(push_to(&working, "{\"changes\": []}")).await;
        assert_eq!(status, StatusCode::OK, "another device pushes on");
    }

    // Wrong enrollment codes: after five, this address is locked out, the right code too.
    let code = server
        .backend
        .issue_enrollment_code("izmir", now_ms() + 60_000)
        .await
        .unwrap();
    let enroll = |code: &str| {
        http.post(url("enroll"))
            .json(&json!({ "code": code, "device_id": Uuid::now_v7(), "device_name": "x" }))
    };
    for i in 0..5 {
        let (status, body, _) = answer(enroll(&format!("AAAA-BBBB-CC{i:02}"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    let (status, body, _) = answer(enroll(&code)).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
        "the right code does not work while locked out: {body}"
    );

    // Nothing of all this was stored, and the team still syncs.
    let team = server.backend.team_id("izmir").await.unwrap();
    assert_eq!(server.backend.change_ids(team).await.unwrap(), stored_before);
    let (status, body, _) = answer(http.get(url("pull?after=0")).bearer_auth(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changes"].as_array().unwrap().len(), stored_before.len());
}

on_both!(hostile_requests_are_bounded);
