//! No patient data in the logs: the real server binary serves a replica that registers a mother,
//! a push it refuses, malformed and oversized requests naming her, and a database error; nothing
//! it writes to its output names her, her phone or her baby.

use std::process::{Command, Stdio};
use std::time::Duration;

use lohusa_sync_tests::{KillOnDrop, binary};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_logs_no_patient_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let admin = |args: &[&str]| {
        let out = Command::new(binary("lohusa-server"))
            .arg("--data")
            .arg(&data)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    admin(&["create-team", "izmir"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = dir.path().join("server.log");
    let log_file = std::fs::File::create(&log).unwrap();
    let child = Command::new(binary("lohusa-server"))
        .arg("--data")
        .arg(&data)
        .args([
            "--log-format",
            "json",
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::from(log_file.try_clone().unwrap()))
        .stderr(Stdio::from(log_file))
        .spawn()
        .unwrap();
    let server = KillOnDrop(child);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(25));
    }
    let url = format!("http://127.0.0.1:{port}");

    // A nurse's replica registers a mother and syncs.
    let db = dir.path().join("tablet.sqlite3");
    let cli = |args: &[&str]| {
        let out = Command::new(binary("lohusa-cli"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "lohusa-cli {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default()
    };
    cli(&["init", "--member", "Ebe Derya"]);
    let code = admin(&["enrollment-code", "--team", "izmir"]);
    let member_code = admin(&[
        "add-member",
        "--team",
        "izmir",
        "--name",
        "Ebe Derya",
        "--role",
        "nurse",
    ]);
    cli(&[
        "enroll",
        "--server",
        &url,
        "--code",
        &code,
        "--member-code",
        &member_code,
    ]);
    let born = (chrono::Utc::now() - chrono::Duration::days(3))
        .format("%d.%m.%Y")
        .to_string();
    cli(&[
        "register",
        "--name",
        "Fatma Yılmaz",
        "--birth-date",
        &born,
        "--age",
        "31",
        "--phone",
        "0532 987 65 43",
    ]);
    cli(&["sync"]);

    // Requests that fail, each naming her.
    let http = reqwest::Client::new();
    let token = "f".repeat(64);
    let malformed = http
        .post(format!("{url}/v1/push"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"changes": [{"fields": {"full_name": "Fatma Yılmaz"}}"#)
        .send()
        .await
        .unwrap();
    assert!(malformed.status().is_client_error());
    let enroll = http
        .post(format!("{url}/v1/enroll"))
        .json(&serde_json::json!({ "code": "Fatma Yılmaz 0532 987 65 43", "device_id": uuid::Uuid::now_v7() }))
        .send()
        .await
        .unwrap();
    assert_eq!(enroll.status(), 403);
    // A request id a client makes up is replaced when it is not a short token: it never
    // reaches the log.
    let named = http
        .get(format!("{url}/v1/health"))
        .header("x-request-id", "Fatma 0532 987 65 43")
        .send()
        .await
        .unwrap();
    let id = named.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a fresh id: {id}");
    let kept = http
        .get(format!("{url}/v1/health"))
        .header("x-request-id", "proxy-42.a_b")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "proxy-42.a_b");
    // A refused change from the real replica: a nurse's sign-off of a flag.
    cli(&[
        "set",
        "--entity",
        "review",
        "--id",
        &uuid::Uuid::now_v7().to_string(),
        "--field",
        "note",
        "--value",
        "\"Fatma Yılmaz 0532\"",
        "--raw",
    ]);
    // The command line says a change was refused with its exit code.
    let refused = Command::new(binary("lohusa-cli"))
        .arg("--db")
        .arg(&db)
        .arg("sync")
        .output()
        .unwrap();
    assert_eq!(
        refused.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(cli(&["status"])["quarantined"], 1, "the sign-off was refused and kept");

    drop(server);
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.contains("listening"), "the log was captured: {written}");
    for secret in ["Fatma", "Yılmaz", "0532", "987 65"] {
        assert!(!written.contains(secret), "the server log names {secret:?}:\n{written}");
    }
    // One JSON object a line; a line per request with its id, route, status, duration, team and
    // device; refusals as warnings by kind, carrying the request's id.
    let lines: Vec<serde_json::Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let device = cli(&["export", "--changes"])[0]["device"]
        .as_str()
        .expect("the tablet's changes name its device")
        .to_owned();
    let pushes: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["message"] == "request" && l["route"] == "/v1/push" && l["status"] == 200)
        .collect();
    assert!(!pushes.is_empty(), "{written}");
    for push in &pushes {
        assert_eq!(push["team"], "izmir", "{push}");
        assert_eq!(push["method"], "POST");
        assert!(push["duration_ms"].as_f64().is_some(), "{push}");
        assert_eq!(push["request_id"].as_str().map(str::len), Some(36), "{push}");
        assert_eq!(push["device"], device.as_str(), "{push}");
    }
    let refused: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["level"] == "WARN" && l["message"] == "refused")
        .collect();
    let kinds: std::collections::BTreeSet<&str> = refused.iter().filter_map(|l| l["kind"].as_str()).collect();
    assert!(
        ["invalid_token", "enrollment_code_unknown", "refused"]
            .iter()
            .all(|k| kinds.contains(k)),
        "{kinds:?}"
    );
    assert!(
        refused
            .iter()
            .all(|l| l["span"]["request_id"].as_str().is_some_and(|id| !id.is_empty())),
        "{refused:?}"
    );
}
