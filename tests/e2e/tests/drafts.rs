//! A visit form keeps what the nurse typed: leaving the screen, or the app stopping half-way,
//! loses nothing; the form comes back as she left it until she saves or discards it. The
//! keyboard's Enter moves to the next field rather than sending the form.

use chrono::Days;
use fantoccini::key::Key;
use lohusa_e2e::{App, Launch, istanbul_today};

#[tokio::test]
async fn an_unfinished_visit_survives_leaving_the_screen_and_a_restart() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let app = App::signed_in(data.path(), "Ebe Derya Koç").await?;
    let birth = istanbul_today() - Days::new(3);
    app.click_named("nav_register").await?;
    app.fill("mother.full_name", "Layla Haddad").await?;
    app.fill("mother.residency_status", "temporary_protection").await?;
    app.fill("mother.preferred_language", "ar").await?;
    app.fill("birth.birth_date", &birth.format("%d.%m.%Y").to_string())
        .await?;
    app.fill("birth.mode", "vaginal").await?;
    app.fill("babies.0.sex", "female").await?;
    app.fill("babies.0.birth_weight_g", "3100").await?;
    app.click_named("save").await?;

    app.click_named("record_visit_1").await?;
    // Typed on the keyboard: Enter goes on to the diastolic pressure.
    let systolic = app.wait_css("[name='mother.bp_systolic']").await?;
    systolic.send_keys(&format!("124{}", char::from(Key::Enter))).await?;
    let focused = app.js("return document.activeElement.name").await?;
    assert_eq!(focused, serde_json::json!("mother.bp_diastolic"));
    assert_eq!(
        app.count("[data-testid=raised-flags], .banner-ok").await?,
        0,
        "Enter sent nothing"
    );
    app.choose("mother.lochia_smell", "foul").await?;

    // She is called away: the top bar takes her to Today.
    app.click_named("nav_today").await?;
    app.click_named("nav_search").await?;
    app.fill("search", "Layla").await?;
    app.click(".search .entry").await?;
    app.wait_css("[data-draft='1']").await?;
    assert!(app.text("[name=record_visit_1]").await?.contains("devam et"));
    app.screenshot("draft-on-mother-screen").await?;
    app.stop().await?;

    // The app stopped; on the next start (and her PIN) the form is as she left it.
    let app = App::start(Launch {
        data_dir: data.path(),
        demo: false,
        server: None,
    })
    .await?;
    app.resize(1280, 800).await?;
    app.sign_in_again().await?;
    app.click_named("nav_search").await?;
    app.fill("search", "Layla").await?;
    app.click(".search .entry").await?;
    app.click_named("record_visit_1").await?;
    app.wait_css("[data-testid=draft-restored]").await?;
    assert_eq!(
        app.attr("[name='mother.bp_systolic']", "value").await?.as_deref(),
        Some("124")
    );
    assert_eq!(
        app.attr("[data-name='mother.lochia_smell'] [data-value='foul']", "aria-checked")
            .await?
            .as_deref(),
        Some("true")
    );
    app.screenshot("draft-restored").await?;

    // Kept on purpose with the draft button, then finished and saved: the draft is gone.
    app.fill("mother.bp_diastolic", "78").await?;
    app.click_named("save_draft").await?;
    assert!(app.text(".banner-ok").await?.contains("taslak"));
    app.click_named("record_visit_1").await?;
    assert_eq!(
        app.attr("[name='mother.bp_diastolic']", "value").await?.as_deref(),
        Some("78")
    );
    app.click_named("save_visit").await?;
    app.wait_css("[data-visit='1'][data-status='done']").await?;
    assert_eq!(app.count("[data-draft]").await?, 0);
    app.stop().await?;
    Ok(())
}
