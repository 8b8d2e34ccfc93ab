//! Two tablets (command-line replicas) change the same mother's phone and the same answer of the
//! same visit while apart; the team lead's desktop app syncs, shows each conflict with both
//! values and who wrote them, and keeps one. After syncing, all three hold the same data, the
//! edits of different fields all survive, and the conflicts are closed everywhere.

use lohusa_e2e::{App, cli, cli_replica, istanbul_today, set, start_server};
use serde_json::Value;

#[tokio::test]
async fn the_team_lead_sees_and_resolves_a_conflict_from_two_tablets() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, data, url) = start_server(dir.path())?;
    let (a, b) = (dir.path().join("a.sqlite3"), dir.path().join("b.sqlite3"));
    for (db, name) in [(&a, "Ebe Derya"), (&b, "Ebe Ayşe")] {
        cli_replica(db, name, &data, &url);
    }
    let day = istanbul_today().format("%d.%m.%Y").to_string();
    let born = (istanbul_today() - chrono::Days::new(3)).format("%d.%m.%Y").to_string();
    let mother = cli(
        &a,
        &[
            "register",
            "--name",
            "Fatma Yılmaz",
            "--birth-date",
            &born,
            "--age",
            "30",
        ],
    )["mother"]
        .as_str()
        .unwrap()
        .to_owned();
    let visit = cli(
        &a,
        &[
            "visit",
            "--mother",
            &mother,
            "--number",
            "1",
            "--date",
            &day,
            "--answer",
            "mother.bp_systolic=120",
            "--answer",
            "mother.bp_diastolic=80",
        ],
    )["visit"]
        .as_str()
        .unwrap()
        .to_owned();
    cli(&a, &["sync"]);
    cli(&b, &["sync"]);
    // The same visit: both correct the systolic pressure, and B adds the pulse.
    set(&a, "visit", &visit, "answers.mother.bp_systolic", "130");
    set(&b, "visit", &visit, "answers.mother.bp_systolic", "142");
    set(&b, "visit", &visit, "answers.mother.pulse", "88");
    // Apart, both nurses correct the phone number.
    set(&a, "mother", &mother, "phone", "\"05321112233\"");
    set(&b, "mother", &mother, "phone", "\"05559998877\"");
    // And each changes a different field, which merges without a conflict.
    set(&a, "mother", &mother, "street", "\"1203 Sokak No 4\"");
    set(&b, "mother", &mother, "district", "\"Bayraklı\"");
    cli(&a, &["sync"]);
    cli(&b, &["sync"]);

    // The team lead's desktop enrolls at start and pulls everything.
    let app = App::enrolled(
        &dir.path().join("app"),
        &data,
        &url,
        "Sorumlu Hemşire Elif",
        "team_lead",
    )
    .await?;
    app.click_named("nav_sync").await?;
    app.wait_css("[name=open_conflicts]").await?;
    assert_eq!(
        app.text("[data-fact=pending]").await?,
        "Yok: bu tabletteki her kayıt sunucuda"
    );
    app.screenshot("sync-status").await?;
    assert_eq!(
        app.accessibility_violations().await?,
        Vec::<String>::new(),
        "sync-status"
    );
    app.click_named("open_conflicts").await?;
    app.wait_css(".conflict").await?;
    let shown_now = app
        .js("return [...document.querySelectorAll('.conflict h2')].map((h) => h.innerText)")
        .await?;
    assert_eq!(
        app.count(".conflict").await?,
        2,
        "{shown_now}; on A: {}; on B: {}",
        cli(&a, &["conflicts"]),
        cli(&b, &["conflicts"])
    );
    assert_eq!(2, 2, "the phone and the systolic pressure were written on both");
    let headings = app
        .js("return [...document.querySelectorAll('.conflict h2')].map((h) => h.innerText)")
        .await?;
    let headings: Vec<String> = serde_json::from_value(headings)?;
    assert!(headings.iter().all(|h| h.contains("Fatma Yılmaz")), "{headings:?}");
    assert!(headings.iter().any(|h| h.contains("Telefon")), "{headings:?}");
    assert!(
        headings
            .iter()
            .any(|h| h.contains("1. ziyaret · Tansiyon, büyük (sistolik)")),
        "{headings:?}"
    );
    // The phone's card is the one whose heading names it.
    let phone_at = app
        .js("return [...document.querySelectorAll('.conflict h2')].findIndex((h) => h.innerText.includes('Telefon'))")
        .await?;
    let phone = format!(".conflict:nth-child({})", phone_at.as_u64().unwrap_or(0) + 1);
    let shown = app.text(&format!("{phone} [data-value=shown]")).await?;
    let other = app.text(&format!("{phone} [data-value=other]")).await?;
    let mut values = [shown.clone(), other.clone()];
    values.sort();
    assert_eq!(values, ["05321112233".to_owned(), "05559998877".to_owned()]);
    // Member names travel with sync, so the review says who wrote each value.
    let authors = format!(
        "{} {}",
        app.text(&format!("{phone} .conflict-shown .meta")).await?,
        app.text(&format!("{phone} .conflict-other .meta")).await?
    );
    assert!(
        authors.contains("Ebe Derya") && authors.contains("Ebe Ayşe"),
        "{authors}"
    );
    app.screenshot("sync-conflict").await?;
    assert_eq!(
        app.accessibility_violations().await?,
        Vec::<String>::new(),
        "sync-conflict"
    );
    // She keeps the phone number that is not shown now, and the pressure that is.
    app.click(&format!("{phone} [name=keep_other]")).await?;
    app.wait_gone(".conflict:nth-child(2)").await?;
    assert!(app.text(".conflict h2").await?.contains("sistolik"));
    app.click(".conflict [name=keep_shown]").await?;
    app.wait_css(".conflicts-screen .empty").await?;
    app.click_named("nav_sync").await?;
    app.click_named("sync_now").await?;
    app.wait_css(".sync-badge.sync-ok").await?;
    let pending = app.text_with("[data-fact=pending]", "Yok").await?;
    assert!(
        pending.starts_with("Yok"),
        "the resolution reached the server: {pending}"
    );
    // Everything this desktop wrote is on the server: safe to hand over, and it says so.
    app.wait_css("[data-testid=hand-over][data-safe=true]").await?;
    let safe = app.attr("[data-testid=hand-over]", "data-safe").await?;
    assert_eq!(safe.as_deref(), Some("true"));
    assert!(
        app.text("[data-testid=hand-over]")
            .await?
            .starts_with("Teslim edilebilir")
    );
    app.screenshot("sync-resolved").await?;

    // In the office, she adds a nurse and makes a code for her tablet; a new tablet joins with
    // the two codes she was given in person, and syncs.
    app.click_named("nav_office").await?;
    app.wait_css("[data-testid=team-table]").await?;
    app.fill("new_member_name", "Ebe Sevgi").await?;
    app.fill("new_member_role", "nurse").await?;
    app.click_named("add_team_member").await?;
    let member_code = app
        .attr("[data-testid=issued-code] [data-code]", "data-code")
        .await?
        .expect("the member code is shown");
    app.text_with("[data-testid=team-table]", "Ebe Sevgi").await?;
    app.scroll_to("[data-testid=team]").await?;
    app.screenshot("office-team-member-code").await?;
    assert_eq!(
        app.accessibility_violations().await?,
        Vec::<String>::new(),
        "office-team"
    );
    app.click_named("new_enrollment_code").await?;
    app.text_with("[data-testid=issued-code]", "yeni tablet").await?;
    let enrollment_code = app
        .attr("[data-testid=issued-code] [data-code]", "data-code")
        .await?
        .expect("the enrollment code is shown");
    let c = dir.path().join("c.sqlite3");
    cli(&c, &["init", "--member", "Ebe Sevgi"]);
    let joined = cli(
        &c,
        &[
            "enroll",
            "--server",
            &url,
            "--code",
            &enrollment_code,
            "--member-code",
            &member_code,
        ],
    );
    assert_eq!(joined["member"]["role"], "nurse");
    cli(&c, &["sync"]);
    assert_eq!(
        cli(&c, &["list"]).as_array().map(Vec::len),
        Some(1),
        "she received the team's mother"
    );
    app.stop().await?;

    cli(&a, &["sync"]);
    cli(&b, &["sync"]);
    cli(&a, &["sync"]);
    let (export_a, export_b) = (cli(&a, &["export"]), cli(&b, &["export"]));
    assert_eq!(export_a, export_b);
    let m = &export_a["mothers"][0];
    assert_eq!(
        (m["phone"].as_str(), m["street"].as_str(), m["district"].as_str()),
        (Some(other.as_str()), Some("1203 Sokak No 4"), Some("Bayraklı"))
    );
    let answers: Vec<&Value> = export_a["visit_answers"].as_array().unwrap().iter().collect();
    let answer_of = |key: &str| answers.iter().find(|r| r["key"] == key).map(|r| r["value"].clone());
    assert_eq!(
        answer_of("mother.bp_systolic"),
        Some(serde_json::json!(142)),
        "the later write, kept"
    );
    assert_eq!(
        answer_of("mother.pulse"),
        Some(serde_json::json!(88)),
        "B's other answer merged in"
    );
    assert_eq!(answer_of("mother.bp_diastolic"), Some(serde_json::json!(80)));
    assert_eq!(cli(&a, &["conflicts"]), Value::Array(vec![]));
    assert_eq!(cli(&b, &["conflicts"]), Value::Array(vec![]));
    Ok(())
}
