//! Every main screen (Today, search, registration, a mother, a visit, sync, the follow-up
//! list, the office), with demo data, at both tablet sizes (1280×800 landscape, 800×1280
//! portrait) in all three languages: a screenshot of each, no serious accessibility violation
//! (axe-core), touch targets of at least 48 px, and nothing wider than the window.

use lohusa_e2e::{App, Launch};

/// The checks every screen must pass; `name` is the screenshot's name.
async fn check(app: &App, name: &str) -> anyhow::Result<()> {
    app.screenshot(name).await?;
    let violations = app.accessibility_violations().await?;
    assert_eq!(violations, Vec::<String>::new(), "{name}: accessibility");
    assert_eq!(
        app.small_touch_targets().await?,
        Vec::<String>::new(),
        "{name}: touch targets"
    );
    assert!(!app.overflows_sideways().await?, "{name}: wider than the window");
    Ok(())
}

#[tokio::test]
async fn every_main_screen_in_three_languages_at_both_tablet_sizes() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let app = App::start(Launch {
        data_dir: data.path(),
        demo: true,
        server: None,
    })
    .await?;
    app.resize(1280, 800).await?;
    // The demo's records go into the store set up now.
    app.set_up_offline("Ebe Derya Koç").await?;
    app.wait_css(".today .entry").await?;
    let late = app.count(".today-late .entry").await?;
    let due = app.count(".today-due .entry").await?;
    let upcoming = app.count(".today-upcoming .entry").await?;
    assert!(
        late > 0 && due > 0 && upcoming > 0,
        "late {late}, due {due}, upcoming {upcoming}"
    );

    // The checker itself works: an image with no text alternative and unreadable grey on white
    // are found, and gone once removed.
    app.js(
        r#"const probe = document.createElement("div"); probe.id = "axe-probe";
           probe.innerHTML = '<img src="data:," style="width:60px;height:60px"><p style="color:#ddd;background:#fff">faint</p>';
           document.body.append(probe); return true"#,
    )
    .await?;
    let found = app.accessibility_violations().await?;
    assert!(found.iter().any(|v| v.starts_with("image-alt")), "{found:?}");
    assert!(found.iter().any(|v| v.starts_with("color-contrast")), "{found:?}");
    app.js("document.getElementById('axe-probe').remove(); return true")
        .await?;

    for language in ["tr", "ar", "en"] {
        app.click_named(&format!("lang_{language}")).await?;
        app.wait_css(&format!("html[lang='{language}']")).await?;
        let direction = if language == "ar" { "rtl" } else { "ltr" };
        assert_eq!(app.attr("html", "dir").await?.as_deref(), Some(direction));
        for (size, width, height) in [("landscape", 1280, 800), ("portrait", 800, 1280)] {
            app.resize(width, height).await?;
            let shot = |n: u32, screen: &str| format!("screen-{language}-{size}-{n:02}-{screen}");

            app.click_named("nav_today").await?;
            app.wait_css(".today .entry").await?;
            check(&app, &shot(1, "today")).await?;

            app.click_named("nav_search").await?;
            app.fill("search", "a").await?;
            app.wait_css(".search .entry").await?;
            check(&app, &shot(2, "search")).await?;

            app.click_named("nav_register").await?;
            app.wait_css("[name='mother.full_name']").await?;
            check(&app, &shot(3, "register")).await?;
            // A refused form: every error under its field, in this language.
            app.click_named("save").await?;
            app.wait_css(".field-invalid").await?;
            check(&app, &shot(4, "register-errors")).await?;

            app.click_named("nav_today").await?;
            app.click(".today-due .entry").await?;
            app.wait_css(".visit-cards").await?;
            check(&app, &shot(5, "mother")).await?;

            app.click("button[name^='record_visit_'].primary").await?;
            app.wait_css("[name=save_visit]").await?;
            check(&app, &shot(6, "visit")).await?;

            app.click_named("nav_sync").await?;
            app.wait_css(".screen").await?;
            check(&app, &shot(7, "sync")).await?;

            app.click_named("nav_followup").await?;
            app.wait_css(".followup-row").await?;
            check(&app, &shot(8, "follow-up")).await?;

            // The office of a device not enrolled: coverage from what it holds; the tablets
            // view says it needs the server.
            app.click_named("nav_office").await?;
            app.wait_css("[data-testid=coverage-table]").await?;
            app.wait_css("[data-testid=tablets-error]").await?;
            check(&app, &shot(9, "office")).await?;

            // Locked: the sign-in screen, then her PIN opens the app again.
            app.click_named("lock").await?;
            app.wait_css("[name=pin]").await?;
            check(&app, &shot(10, "sign-in")).await?;
            app.sign_in_again().await?;
        }
    }
    app.resize(1280, 800).await?;
    app.click_named("lang_tr").await?;
    app.stop().await?;
    Ok(())
}
