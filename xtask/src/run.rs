//! `cargo xtask run`: install what is missing, build the UI, the app and the sync server, start
//! the server on its embedded SQLite (in `target/run-server`) and open the app enrolled with it.

use std::path::Path;

use anyhow::bail;

use crate::{deps, util};

pub fn build_app() -> anyhow::Result<()> {
    util::npm(&["run", "build"])?;
    util::cargo(
        &["build", "-p", "lohusa-app", "-p", "lohusa-server", "-p", "lohusa-cli"],
        &[],
    )
}

/// The local sync server, stopped when dropped.
struct LocalServer(std::process::Child);

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const SERVER: &str = "target/debug/lohusa-server";
const SERVER_DATA: &str = "target/run-server";

fn server_admin(args: &[&str]) -> anyhow::Result<String> {
    let out = std::process::Command::new(SERVER)
        .args(["--data", SERVER_DATA])
        .args(args)
        .output()?;
    if !out.status.success() {
        bail!(
            "lohusa-server {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

/// Starts the sync server on 127.0.0.1:8787 (or a free port) with a team "izmir"; returns it,
/// its address and a fresh enrollment code for the app.
fn start_server() -> anyhow::Result<(LocalServer, String, String)> {
    server_admin(&["create-team", "izmir"])?;
    let port = match std::net::TcpListener::bind("127.0.0.1:8787") {
        Ok(_) => 8787,
        Err(_) => std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port(),
    };
    let child = std::process::Command::new(SERVER)
        .args(["--data", SERVER_DATA, "serve", "--listen", &format!("127.0.0.1:{port}")])
        .spawn()?;
    let server = LocalServer(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let code = server_admin(&["enrollment-code", "--team", "izmir"])?;
    Ok((server, format!("http://127.0.0.1:{port}"), code))
}

/// A one-time member code for `name` of the local server's team, adding her with `role` the
/// first time (the server's data folder outlives each run).
fn member_code(name: &str, role: &str) -> anyhow::Result<String> {
    server_admin(&["member-code", "--team", "izmir", "--member", name])
        .or_else(|_| server_admin(&["add-member", "--team", "izmir", "--name", name, "--role", role]))
}

pub fn run(app_args: &[String]) -> anyhow::Result<()> {
    deps::ensure_system_packages()?;
    deps::ensure_npm_packages()?;
    build_app()?;
    let demo = app_args.iter().any(|a| a == "--demo");
    let mut env: Vec<(String, String)> = Vec::new();
    if demo {
        // Demo mothers go to their own folder, never into a real store.
        let dir = Path::new("target/demo-data").canonicalize().unwrap_or_else(|_| {
            std::fs::create_dir_all("target/demo-data").expect("target is writable");
            Path::new("target/demo-data").canonicalize().expect("just created")
        });
        env.push(("LOHUSA_DATA_DIR".into(), dir.display().to_string()));
        eprintln!("xtask: demo data lives in {}", dir.display());
    }
    let (_server, url, code) = start_server()?;
    eprintln!("xtask: sync server at {url} (data in {SERVER_DATA}); the app enrolls with it at start");
    let second_code = server_admin(&["enrollment-code", "--team", "izmir"])?;
    let lead_code = member_code("Sorumlu Hemşire Elif", "team_lead")?;
    let nurse_code = member_code("Ebe Derya", "nurse")?;
    eprintln!(
        "xtask: a command-line replica (the nurse Ebe Derya's tablet) can join with: target/debug/lohusa-cli --db /tmp/b.sqlite3 init --member 'Ebe Derya' && target/debug/lohusa-cli --db /tmp/b.sqlite3 enroll --server {url} --code {second_code} --member-code {nurse_code}"
    );
    // The app signs in as the team lead, who may use every screen but a doctor's sign-off.
    env.push(("LOHUSA_SERVER_URL".into(), url));
    env.push(("LOHUSA_ENROLLMENT_CODE".into(), code));
    env.push(("LOHUSA_MEMBER_CODE".into(), lead_code));
    let binary = "target/debug/lohusa";
    let args: Vec<&str> = app_args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        if util::on_path("xvfb-run") {
            eprintln!("xtask: no display found; running under Xvfb (nothing will be visible)");
            let mut all = vec!["-a", "-s", "-screen 0 1280x800x24", binary];
            all.extend(args);
            return util::run("xvfb-run", &all, &env);
        }
        bail!("no display (DISPLAY or WAYLAND_DISPLAY) to open the app on");
    }
    util::run(binary, &args, &env)
}
