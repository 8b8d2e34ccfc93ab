//! TLS: the server serves HTTPS with a certificate and key from files; the client checks the
//! certificate (against the team's own authority when one is given) and refuses one it does not
//! trust; plain HTTP is refused to any address but this computer, on both sides.

use std::path::Path;

use lohusa_core::sync::{Request, Response};
use lohusa_sync::http::{HttpTransport, check_address, is_local_http};
use lohusa_sync::{SyncError, Transport};
use lohusa_sync_tests::{Db, TestServer, binary};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// A team authority and a server certificate it signed for localhost: (CA PEM, cert PEM, key PEM).
fn authority_and_server(name: &str) -> (String, String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, name);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let server_cert = server.signed_by(&server_key, &issuer).unwrap();
    (ca_cert.pem(), server_cert.pem(), server_key.serialize_pem())
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

async fn identity(transport: &HttpTransport) -> Result<Response, SyncError> {
    transport.send(Request::Identity).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_speaks_https_and_the_client_trusts_only_the_teams_authority() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = authority_and_server("Lohusa İzmir team CA");
    let (other_ca, _, _) = authority_and_server("Someone else");
    let (cert_file, key_file) = (
        write(dir.path(), "server.pem", &cert),
        write(dir.path(), "server.key", &key),
    );

    // The database of a test server, served again over HTTPS.
    let plain = TestServer::start(Db::Sqlite).await;
    let token = plain.token("izmir", uuid::Uuid::now_v7()).await;
    let backend = plain.database.open().await.unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (c, k) = (cert_file.clone(), key_file.clone());
    tokio::spawn(async move { lohusa_server::serve_tls(backend, listener, &c, &k, std::future::pending()).await });
    let base = format!("https://localhost:{port}");

    let mut answer = None;
    for _ in 0..50 {
        let trusting = HttpTransport::with_ca(&base, &token, Some(&ca)).unwrap();
        match identity(&trusting).await {
            Err(SyncError::Offline(_)) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            other => {
                answer = Some(other);
                break;
            }
        }
    }
    let Some(Ok(Response::Identity(identity_seen))) = answer else {
        panic!("the team's authority is trusted: {answer:?}");
    };
    assert_eq!(identity_seen.team, "izmir");

    // The system's authorities do not know the team's; another authority is not the team's.
    for client in [
        HttpTransport::new(&base, &token).unwrap(),
        HttpTransport::with_ca(&base, &token, Some(&other_ca)).unwrap(),
    ] {
        let refused = identity(&client).await.unwrap_err();
        assert_eq!(refused.kind(), "untrusted_certificate", "{refused}");
    }
    // Plain HTTP to the HTTPS port gets nothing either.
    let plain_to_tls = HttpTransport::new(&format!("http://127.0.0.1:{port}"), &token).unwrap();
    assert!(identity(&plain_to_tls).await.is_err());
}

#[test]
fn plain_http_is_refused_except_to_this_computer() {
    for local in [
        "http://127.0.0.1:8787",
        "http://localhost:8787/",
        "http://[::1]:8787",
        "http://127.0.0.2",
    ] {
        assert!(is_local_http(local), "{local}");
        assert!(check_address(local).is_ok(), "{local}");
    }
    for remote in [
        "http://192.168.1.20:8787",
        "http://lohusa.example.org",
        "http://10.0.0.1",
        "ftp://x",
    ] {
        let refused = HttpTransport::new(remote, "token").err().expect("refused");
        assert_eq!(refused.kind(), "insecure_server", "{remote}");
    }
    assert!(check_address("https://lohusa.example.org").is_ok());
    assert!(lohusa_server::plain_http_allowed("127.0.0.1:8787".parse().unwrap()));
    assert!(lohusa_server::plain_http_allowed("[::1]:8787".parse().unwrap()));
    assert!(!lohusa_server::plain_http_allowed("0.0.0.0:8787".parse().unwrap()));
    assert!(!lohusa_server::plain_http_allowed("192.168.1.20:8787".parse().unwrap()));
}

/// The real binaries: the server refuses plain HTTP on the network, serves HTTPS from files,
/// and a replica enrolled with the team's authority syncs through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binaries_serve_and_sync_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let server = |args: &[&str]| {
        std::process::Command::new(binary("lohusa-server"))
            .arg("--data")
            .arg(&data)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(server(&["create-team", "izmir"]).status.success());
    let refused = server(&["serve", "--listen", "0.0.0.0:0"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--tls-cert"));

    let (ca, cert, key) = authority_and_server("Lohusa İzmir team CA");
    let (cert_file, key_file) = (
        write(dir.path(), "server.pem", &cert),
        write(dir.path(), "server.key", &key),
    );
    let ca_file = write(dir.path(), "team-ca.pem", &ca);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut serving = std::process::Command::new(binary("lohusa-server"))
        .arg("--data")
        .arg(&data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--tls-cert"])
        .arg(&cert_file)
        .arg("--tls-key")
        .arg(&key_file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let code_out = server(&["enrollment-code", "--team", "izmir"]);
    let code = String::from_utf8(code_out.stdout).unwrap().trim().to_owned();
    let member_out = server(&[
        "add-member",
        "--team",
        "izmir",
        "--name",
        "Ebe Derya",
        "--role",
        "nurse",
    ]);
    let member_code = String::from_utf8(member_out.stdout).unwrap().trim().to_owned();
    let db = dir.path().join("tablet.sqlite3");
    let cli = |args: &[&str]| {
        std::process::Command::new(binary("lohusa-cli"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(cli(&["init", "--member", "Ebe Derya"]).status.success());
    let enrolled = cli(&[
        "enroll",
        "--server",
        &format!("localhost:{port}"),
        "--code",
        &code,
        "--ca",
        ca_file.to_str().unwrap(),
        "--member-code",
        &member_code,
    ]);
    assert!(
        enrolled.status.success(),
        "{}",
        String::from_utf8_lossy(&enrolled.stderr)
    );
    let saved: serde_json::Value = serde_json::from_slice(&enrolled.stdout).unwrap();
    assert_eq!(
        saved["server"],
        format!("https://localhost:{port}"),
        "an address without a scheme is HTTPS"
    );
    let birth = chrono::Utc::now().date_naive() - chrono::Days::new(3);
    assert!(
        cli(&[
            "register",
            "--name",
            "Fatma Yılmaz",
            "--birth-date",
            &birth.format("%d.%m.%Y").to_string(),
            "--age",
            "30"
        ])
        .status
        .success()
    );
    let synced = cli(&["sync"]);
    assert!(synced.status.success(), "{}", String::from_utf8_lossy(&synced.stderr));
    let report: serde_json::Value = serde_json::from_slice(&synced.stdout).unwrap();
    assert!(report["pushed"].as_u64().unwrap() >= 3, "{report}");
    let _ = serving.kill();
    let _ = serving.wait();
}
