//! The app with demo data: a living Today list, screenshots in landscape and portrait, and touch
//! targets of at least 48 px on every screen the nurse uses.

use lohusa_e2e::{App, Launch};

/// Controls smaller than 48 px in either direction, as "tag name: text" lines.
async fn small_touch_targets(app: &App) -> anyhow::Result<Vec<String>> {
    let found = app
        .js(
            r#"return [...document.querySelectorAll("button, select, input:not([type=checkbox]), a")]
                .filter((el) => el.offsetParent !== null)
                .filter((el) => { const r = el.getBoundingClientRect(); return r.height < 48 || r.width < 48; })
                .map((el) => `${el.tagName}: ${(el.textContent || el.getAttribute("name") || "").trim().slice(0, 40)}`)"#,
        )
        .await?;
    Ok(serde_json::from_value(found)?)
}

#[tokio::test]
async fn demo_data_fills_the_today_list_in_landscape_and_portrait() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let app = App::start(Launch {
        data_dir: data.path(),
        demo: true,
        server: None,
    })
    .await?;
    app.resize(1280, 800).await?;
    app.wait_css(".today .entry").await?;
    let late = app.count(".today-late .entry").await?;
    let due = app.count(".today-due .entry").await?;
    let upcoming = app.count(".today-upcoming .entry").await?;
    assert!(
        late > 0 && due > 0 && upcoming > 0,
        "late {late}, due {due}, upcoming {upcoming}"
    );
    assert_eq!(small_touch_targets(&app).await?, Vec::<String>::new());
    app.screenshot("demo-today-landscape").await?;

    app.resize(800, 1280).await?;
    assert_eq!(small_touch_targets(&app).await?, Vec::<String>::new());
    app.screenshot("demo-today-portrait").await?;

    // A mother's screen and a visit form, in portrait.
    app.click(".today-due .entry").await?;
    app.wait_css(".visit-cards").await?;
    assert_eq!(small_touch_targets(&app).await?, Vec::<String>::new());
    app.screenshot("demo-mother-portrait").await?;
    app.click("button[name^='record_visit_'].primary").await?;
    app.wait_css("[name=save_visit]").await?;
    assert_eq!(small_touch_targets(&app).await?, Vec::<String>::new());
    app.screenshot("demo-visit-portrait").await?;

    // English.
    app.resize(1280, 800).await?;
    app.click_named("lang_en").await?;
    app.click_named("nav_today").await?;
    assert!(app.text(".today h1").await?.contains("Today"));
    app.screenshot("demo-today-english").await?;
    app.click_named("lang_tr").await?;
    app.stop().await?;
    Ok(())
}
