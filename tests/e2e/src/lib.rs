//! Drives the built Lohusa app through WebDriver: starts tauri-driver (which starts
//! WebKitWebDriver and the app), and offers the few actions the end-to-end tests need.
//!
//! Each app gets its own data and XDG folders, so runs never share state; two sessions on the
//! same folder are how a test restarts the app and checks that data survived.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// A binary the test command built (the server, the command-line replica).
pub fn binary(name: &str) -> PathBuf {
    let path = workspace_root().join("target/debug").join(name);
    assert!(
        path.exists(),
        "{} is missing: cargo xtask test builds it",
        path.display()
    );
    path
}

/// A sync server process, stopped when dropped.
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs a server admin command on the data folder; its output.
pub fn admin(data: &Path, args: &[&str]) -> String {
    let out = Command::new(binary("lohusa-server"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Corrects one field of a record on a command-line replica, by the rules of the form that wrote
/// it (a visit's with a reason); `value` as typed, or a JSON string.
pub fn set(db: &Path, entity: &str, id: &str, field: &str, value: &str) {
    cli(
        db,
        &[
            "set",
            "--entity",
            entity,
            "--id",
            id,
            "--field",
            field,
            "--value",
            value,
            "--reason",
            "checked again",
        ],
    );
}

/// Runs `lohusa-cli` on a replica file; its JSON output.
pub fn cli(db: &Path, args: &[&str]) -> Value {
    let out = Command::new(binary("lohusa-cli"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lohusa-cli {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Starts a sync server on SQLite in `dir/server` with team `izmir`, on a free loopback port:
/// the process, its data folder and its address.
pub fn start_server(dir: &Path) -> anyhow::Result<(Server, PathBuf, String)> {
    let data = dir.join("server");
    admin(&data, &["create-team", "izmir"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(binary("lohusa-server"))
            .arg("--data")
            .arg(&data)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            // Its log, a line per request.
            .stderr(Stdio::null())
            .spawn()?,
    );
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((server, data, url))
}

/// A command-line replica (a nurse's tablet without a window) enrolled with the server, with
/// `member` added to the team as a nurse and signed in on it.
pub fn cli_replica(db: &Path, member: &str, data: &Path, url: &str) {
    cli(db, &["init", "--member", member]);
    let code = admin(data, &["enrollment-code", "--team", "izmir"]);
    let member_code = admin(
        data,
        &["add-member", "--team", "izmir", "--name", member, "--role", "nurse"],
    );
    cli(
        db,
        &[
            "enroll",
            "--server",
            url,
            "--code",
            &code,
            "--member-code",
            &member_code,
        ],
    );
}

/// The PIN the tests' members choose.
pub const PIN: &str = "482915";

const DRIVER_PORT: u16 = 4444;
const NATIVE_PORT: u16 = 4445;
const WAIT: Duration = Duration::from_secs(20);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Where screenshots go, for anyone to look at after a run.
pub fn screenshot_dir() -> PathBuf {
    let dir = workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("target is writable");
    dir
}

/// Today's date in İzmir, as the app computes it.
pub fn istanbul_today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Istanbul)
        .date_naive()
}

/// A running app under WebDriver.
pub struct App {
    pub client: Client,
    /// Stopped on `stop`, or on drop when a test fails half-way.
    driver: Option<Child>,
}

/// Options for one app start.
pub struct Launch<'a> {
    pub data_dir: &'a Path,
    pub demo: bool,
    /// A sync server address and enrollment code the app enrolls with at start.
    pub server: Option<(&'a str, &'a str)>,
}

impl App {
    pub async fn start(launch: Launch<'_>) -> anyhow::Result<App> {
        let binary = std::env::var_os("LOHUSA_APP")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target/debug/lohusa"));
        if !binary.is_file() {
            bail!(
                "{} is missing: build the app first (cargo xtask test does)",
                binary.display()
            );
        }
        let driver_path = std::env::var_os("TAURI_DRIVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| "tauri-driver".into());
        wait_port_free(DRIVER_PORT)?;
        wait_port_free(NATIVE_PORT)?;
        let xdg = launch.data_dir.join("xdg");
        let mut command = Command::new(&driver_path);
        command
            .args([
                "--port",
                &DRIVER_PORT.to_string(),
                "--native-port",
                &NATIVE_PORT.to_string(),
            ])
            .env("LOHUSA_DATA_DIR", launch.data_dir)
            .env("XDG_DATA_HOME", xdg.join("data"))
            .env("XDG_CACHE_HOME", xdg.join("cache"))
            .env("XDG_CONFIG_HOME", xdg.join("config"))
            .env("LOHUSA_DEMO", if launch.demo { "1" } else { "0" })
            .env("LOHUSA_SERVER_URL", launch.server.map_or("", |s| s.0))
            .env("LOHUSA_ENROLLMENT_CODE", launch.server.map_or("", |s| s.1))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let driver = command
            .spawn()
            .with_context(|| format!("could not start {}", driver_path.display()))?;
        let mut app = AppStarting { driver: Some(driver) };
        wait_port_open(DRIVER_PORT)?;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("tauri:options".into(), json!({ "application": binary }));
        let client = ClientBuilder::rustls()?
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{DRIVER_PORT}"))
            .await
            .context("could not open a WebDriver session on the app")?;
        let app = App {
            client,
            driver: app.driver.take(),
        };
        app.wait_css("#root > *").await?;
        Ok(app)
    }

    /// A new app on `data_dir` with no server, at tablet landscape size, set up without a server
    /// by `member` with the PIN `PIN`.
    pub async fn signed_in(data_dir: &Path, member: &str) -> anyhow::Result<App> {
        let app = App::start(Launch {
            data_dir,
            demo: false,
            server: None,
        })
        .await?;
        app.resize(1280, 800).await?;
        app.set_up_offline(member).await?;
        Ok(app)
    }

    /// On the setup screen: sets the device up without a server for `member`, with `PIN`.
    pub async fn set_up_offline(&self, member: &str) -> anyhow::Result<()> {
        self.click_named("without_server").await?;
        self.fill("member_name", member).await?;
        self.fill("pin", PIN).await?;
        self.fill("pin_again", PIN).await?;
        self.click_named("set_up").await?;
        self.wait_css("[name=nav_today]").await?;
        Ok(())
    }

    /// On the sign-in screen of a device with one member: opens it with `PIN`.
    pub async fn sign_in_again(&self) -> anyhow::Result<()> {
        self.fill("pin", PIN).await?;
        self.click_named("sign_in").await?;
        self.wait_css("[name=nav_today]").await?;
        Ok(())
    }

    /// A new app on `data_dir` set up with the sync server `url` (the server's admin commands
    /// make the codes; the app is given the address and enrollment code at start, as
    /// `cargo xtask run` does), where `member` is added to the team with `role` and types her
    /// member code and a new PIN; synced once, at landscape size.
    pub async fn enrolled(
        data_dir: &Path,
        server_data: &Path,
        url: &str,
        member: &str,
        role: &str,
    ) -> anyhow::Result<App> {
        let code = admin(server_data, &["enrollment-code", "--team", "izmir"]);
        let member_code = admin(
            server_data,
            &["add-member", "--team", "izmir", "--name", member, "--role", role],
        );
        std::fs::create_dir_all(data_dir)?;
        let app = App::start(Launch {
            data_dir,
            demo: false,
            server: Some((url, &code)),
        })
        .await?;
        app.resize(1280, 800).await?;
        app.fill("member_code", &member_code).await?;
        app.fill("pin", PIN).await?;
        app.fill("pin_again", PIN).await?;
        app.click_named("set_up").await?;
        app.wait_css(".sync-badge.sync-ok").await?;
        Ok(app)
    }

    /// Ends the session and stops tauri-driver with SIGTERM (SIGKILL would leave WebKitWebDriver
    /// holding its port).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.client.clone().close().await;
        if let Some(mut driver) = self.driver.take() {
            terminate(&mut driver);
        }
        Ok(())
    }

    /// Waits until `css` matches an element. An element replaced while it is being found (React
    /// re-rendering) is looked for again rather than failing the test.
    pub async fn wait_css(&self, css: &str) -> anyhow::Result<fantoccini::elements::Element> {
        let deadline = Instant::now() + WAIT;
        loop {
            let found = self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await;
            match found {
                Ok(element) => return Ok(element),
                Err(error) if Instant::now() < deadline && error.to_string().contains("Stale element") => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => return Err(error).with_context(|| format!("no element matches {css}")),
            }
        }
    }

    /// Waits until `css` matches nothing. An element removed while it is being looked at (React
    /// re-rendering) is looked for again rather than failing the test.
    pub async fn wait_gone(&self, css: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.client.find_all(Locator::Css(css)).await {
                Ok(found) if found.is_empty() => return Ok(()),
                Ok(_) => {}
                Err(error) if error.to_string().contains("Stale element") => {}
                Err(error) => return Err(error).with_context(|| format!("looking for {css}")),
            }
            if Instant::now() > deadline {
                bail!("{css} is still there");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element after scrolling it to the middle of the window, where the sticky top
    /// bar cannot cover it.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let element = self.wait_css(css).await?;
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'}); return true",
                vec![serde_json::to_value(&element)?],
            )
            .await?;
        element
            .click()
            .await
            .with_context(|| format!("could not click {css}"))?;
        Ok(())
    }

    pub async fn click_named(&self, name: &str) -> anyhow::Result<()> {
        self.click(&format!("[name=\"{name}\"]")).await
    }

    /// Sets a form control's value the way typing does (React sees an input event), which works
    /// the same for text, date, time and select controls.
    pub async fn fill(&self, name: &str, value: &str) -> anyhow::Result<()> {
        self.wait_css(&format!("[name=\"{name}\"]")).await?;
        let script = r#"
            const [name, value] = arguments;
            const el = document.querySelector(`[name="${name}"]`);
            const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype
                : el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype
                : HTMLInputElement.prototype;
            Object.getOwnPropertyDescriptor(proto, "value").set.call(el, value);
            el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
            return el.value;
        "#;
        let set = self.client.execute(script, vec![json!(name), json!(value)]).await?;
        if set != json!(value) {
            bail!("{name} took {set} instead of {value:?}");
        }
        Ok(())
    }

    /// The element's rendered text (innerText). WebKitWebDriver's own element text leaves out
    /// `dir="auto"` spans, which is where names live, so it is read from the page instead.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        self.wait_css(css).await?;
        let text = self
            .client
            .execute(
                "return document.querySelector(arguments[0]).innerText",
                vec![json!(css)],
            )
            .await?;
        Ok(text.as_str().unwrap_or_default().trim().to_owned())
    }

    /// The text of the first element matching `css` once it contains `needle` (parts of a screen
    /// that load after it, such as the units of a flag's reasons); the last text seen if it
    /// never does.
    pub async fn text_with(&self, css: &str, needle: &str) -> anyhow::Result<String> {
        let started = Instant::now();
        loop {
            let text = self.text(css).await?;
            if text.contains(needle) || started.elapsed() > WAIT {
                return Ok(text);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Taps an option of a checklist question: `[data-name=KEY] [data-value=VALUE]`.
    pub async fn choose(&self, key: &str, value: &str) -> anyhow::Result<()> {
        self.click(&format!("[data-name='{key}'] [data-value='{value}']")).await
    }

    /// Scrolls the element to the top of the window (for a screenshot of it).
    pub async fn scroll_to(&self, css: &str) -> anyhow::Result<()> {
        self.wait_css(css).await?;
        self.client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'start'}); return true",
                vec![json!(css)],
            )
            .await?;
        Ok(())
    }

    pub async fn attr(&self, css: &str, attribute: &str) -> anyhow::Result<Option<String>> {
        Ok(self.wait_css(css).await?.attr(attribute).await?)
    }

    pub async fn count(&self, css: &str) -> anyhow::Result<usize> {
        Ok(self.client.find_all(Locator::Css(css)).await?.len())
    }

    pub async fn js(&self, script: &str) -> anyhow::Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Saves a screenshot of the window under target/screenshots/NAME.png, after letting the
    /// last DOM change reach the screen.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let png = self.client.screenshot().await?;
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Controls smaller than 48 px in either direction, as "tag name: text" lines.
    pub async fn small_touch_targets(&self) -> anyhow::Result<Vec<String>> {
        let found = self
            .js(
                r#"return [...document.querySelectorAll("button, select, input:not([type=checkbox]):not([type=file]), a")]
                    .filter((el) => el.offsetParent !== null)
                    .filter((el) => { const r = el.getBoundingClientRect(); return r.height < 48 || r.width < 48; })
                    .map((el) => `${el.tagName}: ${(el.textContent || el.getAttribute("name") || "").trim().slice(0, 40)}`)"#,
            )
            .await?;
        Ok(serde_json::from_value(found)?)
    }

    /// Whether the page is wider than the window (a layout that does not fit the tablet).
    pub async fn overflows_sideways(&self) -> anyhow::Result<bool> {
        let wide = self
            .js("return document.documentElement.scrollWidth > window.innerWidth + 1")
            .await?;
        Ok(wide == json!(true))
    }

    /// The serious and critical accessibility violations axe-core finds on the page (WCAG 2.1
    /// A and AA rules), as "rule: element, element" lines. axe-core comes from the UI's
    /// development packages and is injected into the real app's page.
    pub async fn accessibility_violations(&self) -> anyhow::Result<Vec<String>> {
        let axe = workspace_root().join("ui/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&axe)
            .with_context(|| format!("{} is missing: run npm ci in ui/", axe.display()))?;
        let loaded = self.client.execute("return typeof window.axe", vec![]).await?;
        if loaded != json!("object") {
            self.client
                .execute(&format!("{source}\n;window.axe = axe; return true"), vec![])
                .await?;
        }
        let found = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                window.axe
                    .run(document, { resultTypes: ["violations"], runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
                    .then((r) => done(r.violations
                        .filter((v) => v.impact === "serious" || v.impact === "critical")
                        .map((v) => `${v.id}: ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", ")}`)))
                    .catch((e) => done([`axe failed: ${e}`]));"#,
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(found)?)
    }

    pub async fn resize(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.client.set_window_size(width, height).await?;
        // Wait until the page has the new size (less any window border), or fail.
        let deadline = Instant::now() + WAIT;
        loop {
            let size = self.js("return [window.innerWidth, window.innerHeight]").await?;
            let (w, h) = (size[0].as_u64().unwrap_or(0), size[1].as_u64().unwrap_or(0));
            if w.abs_diff(u64::from(width)) < 40 && h.abs_diff(u64::from(height)) < 80 {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the window did not become {width}x{height}: the page is {w}x{h}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(driver) = &mut self.driver {
            terminate(driver);
        }
    }
}

/// Stops tauri-driver if starting fails half-way.
struct AppStarting {
    driver: Option<Child>,
}

impl Drop for AppStarting {
    fn drop(&mut self) {
        if let Some(driver) = &mut self.driver {
            terminate(driver);
        }
    }
}

fn terminate(child: &mut Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn wait_port_open(port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("tauri-driver did not open port {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn wait_port_free(port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        if Instant::now() > deadline {
            bail!("port {port} is still in use by an earlier WebDriver");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
