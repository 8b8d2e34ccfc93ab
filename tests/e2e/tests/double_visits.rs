//! Two tablets (command-line replicas) record visit 1 for the same mother while both are
//! offline. After they sync, a third tablet (the real app) shows on her screen that the visit was
//! recorded twice, by whom and when, in three languages; the nurse keeps one as an extra visit,
//! the warning goes, and after a sync the first tablet sees the same.

use lohusa_e2e::{App, cli, cli_replica, istanbul_today, start_server};

#[tokio::test]
async fn a_visit_recorded_on_two_tablets_is_shown_once_and_settled() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, data, url) = start_server(dir.path())?;
    let (a, b) = (dir.path().join("a.sqlite3"), dir.path().join("b.sqlite3"));
    cli_replica(&a, "Ebe Derya", &data, &url);
    cli_replica(&b, "Ebe Sevgi", &data, &url);
    let day = |offset: i64| {
        (istanbul_today() + chrono::Duration::days(offset))
            .format("%d.%m.%Y")
            .to_string()
    };
    let fatma = cli(
        &a,
        &[
            "register",
            "--name",
            "Fatma Yılmaz",
            "--birth-date",
            &day(-3),
            "--age",
            "30",
        ],
    )["mother"]
        .as_str()
        .unwrap()
        .to_owned();
    cli(&a, &["sync"]);
    cli(&b, &["sync"]);
    // Both offline: each nurse records visit 1.
    for db in [&a, &b] {
        cli(db, &["visit", "--mother", &fatma, "--number", "1", "--date", &day(0)]);
    }
    cli(&a, &["sync"]);
    cli(&b, &["sync"]);
    cli(&a, &["sync"]);

    let app = App::enrolled(&dir.path().join("tablet"), &data, &url, "Ebe Leyla", "nurse").await?;
    app.click_named("nav_search").await?;
    app.fill("search", "Fatma").await?;
    app.click(".search .entry").await?;
    app.wait_css("[data-duplicates='1']").await?;
    assert_eq!(app.count("[data-duplicates='1'] li").await?, 2);
    for language in ["tr", "ar", "en"] {
        app.click_named(&format!("lang_{language}")).await?;
        app.wait_css(&format!("html[lang='{language}']")).await?;
        app.scroll_to("[data-testid=mother-name]").await?;
        let text = app.text("[data-duplicates='1']").await?;
        assert!(
            text.contains("Ebe Derya") && text.contains("Ebe Sevgi"),
            "{language}: {text}"
        );
        app.screenshot(&format!("double-visit-{language}")).await?;
    }
    assert_eq!(app.accessibility_violations().await?, Vec::<String>::new());
    app.click_named("lang_tr").await?;
    app.click("[data-duplicates='1'] button").await?;
    app.wait_gone("[data-duplicates='1']").await?;
    app.click_named("nav_sync").await?;
    app.click_named("sync_now").await?;
    let pending = app.text_with("[data-fact=pending]", "Yok").await?;
    assert!(pending.starts_with("Yok"), "{pending}");

    // The first tablet: one visit decides the window, the other is an extra visit.
    cli(&a, &["sync"]);
    let state = cli(&a, &["export"]);
    let visits = state["visits"].as_array().unwrap();
    let extra = visits.iter().filter(|v| !v["extra_visit_id"].is_null()).count();
    assert_eq!((visits.len(), extra), (2, 1), "{state}");
    app.stop().await
}
