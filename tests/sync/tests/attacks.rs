//! The attack table, each row a request against the real server over loopback, on the embedded
//! SQLite and on PostgreSQL: what an attacker tries, and the answer (status and stable `kind`)
//! the server must give. Rows of the security model not built yet (roles, PINs, encryption at
//! rest) are listed in SECURITY.md, not here.

use lohusa_sync_tests::{Db, TestServer, mother_change, now_ms, on_both};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// An answer: its status and body.
async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

async fn attacks_are_refused(db: Db) {
    let server = TestServer::start(db).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}/v1/{path}", server.base);
    let (izmir_device, ankara_device, revoked_device) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let izmir = server.token("izmir", izmir_device).await;
    let ankara = server.token("ankara", ankara_device).await;
    let revoked = server.token("izmir", revoked_device).await;
    assert!(
        server
            .backend
            .revoke_device(&revoked_device.to_string(), now_ms())
            .await
            .unwrap()
    );

    // İzmir's record, which the other team must never read or change.
    let secret = Uuid::now_v7();
    let (status, _) = answer(
        http.post(url("push"))
            .bearer_auth(&izmir)
            .json(&json!({ "changes": [mother_change(secret, izmir_device, "Fatma Yılmaz")] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // A used enrollment code.
    let code = lohusa_server::logic::new_enrollment_code();
    let hash = lohusa_server::logic::hash_secret(&lohusa_server::logic::normalize_code(&code));
    server
        .backend
        .add_enrollment_code("izmir", &hash, now_ms() + 60_000)
        .await
        .unwrap();
    let enroll = |device: Uuid| {
        http.post(url("enroll"))
            .json(&json!({ "code": code, "device_id": device, "device_name": "x" }))
    };
    assert_eq!(answer(enroll(Uuid::now_v7())).await.0, StatusCode::OK);

    let forged = "f".repeat(64);
    type Row = (&'static str, reqwest::RequestBuilder, StatusCode, &'static str);
    let rows: Vec<Row> = vec![
        (
            "no token",
            http.get(url("pull")),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "a forged token",
            http.get(url("pull")).bearer_auth(&forged),
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        ),
        (
            "a revoked device",
            http.get(url("pull")).bearer_auth(&revoked),
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        ),
        (
            "a revoked device pushing",
            http.post(url("push"))
                .bearer_auth(&revoked)
                .json(&json!({ "changes": [mother_change(Uuid::now_v7(), revoked_device, "X")] })),
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        ),
        (
            "a replayed enrollment code",
            enroll(Uuid::now_v7()),
            StatusCode::FORBIDDEN,
            "enrollment_code_used",
        ),
        (
            "taking over an enrolled device's id",
            {
                let fresh = lohusa_server::logic::new_enrollment_code();
                let hash = lohusa_server::logic::hash_secret(&lohusa_server::logic::normalize_code(&fresh));
                server
                    .backend
                    .add_enrollment_code("izmir", &hash, now_ms() + 60_000)
                    .await
                    .unwrap();
                http.post(url("enroll"))
                    .json(&json!({ "code": fresh, "device_id": izmir_device, "device_name": "x" }))
            },
            StatusCode::FORBIDDEN,
            "device_already_enrolled",
        ),
        (
            "a device of team A writing team B's record",
            http.post(url("push"))
                .bearer_auth(&ankara)
                .json(&json!({ "changes": [mother_change(secret, ankara_device, "Changed")] })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
        ),
        (
            "a change claiming a device of another team",
            http.post(url("push"))
                .bearer_auth(&ankara)
                .json(&json!({ "changes": [mother_change(Uuid::now_v7(), izmir_device, "Forged")] })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
        ),
        (
            "a change claiming a device never enrolled",
            http.post(url("push"))
                .bearer_auth(&ankara)
                .json(&json!({ "changes": [mother_change(Uuid::now_v7(), Uuid::now_v7(), "Forged")] })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
        ),
    ];
    for (attack, request, status, kind) in rows {
        let (got, body) = answer(request).await;
        assert_eq!(
            (got, body["kind"].as_str()),
            (status, Some(kind)),
            "{attack} ({db:?}): {body}"
        );
        assert!(
            !body.to_string().contains("Fatma"),
            "{attack}: an error never carries record data ({body})"
        );
    }

    // A device of team A pulling: it gets its own team's log, never team B's record.
    let (status, pulled) = answer(http.get(url("pull?after=0")).bearer_auth(&ankara)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !pulled.to_string().contains(&secret.to_string()) && !pulled.to_string().contains("Fatma"),
        "team B's record leaked to team A ({db:?}): {pulled}"
    );
    let (_, own) = answer(http.get(url("pull?after=0")).bearer_auth(&izmir)).await;
    assert!(
        own.to_string().contains(&secret.to_string()),
        "the owner still reads it"
    );
}

on_both!(attacks_are_refused);
