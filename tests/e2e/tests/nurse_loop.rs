//! The nurse's core loop in the real app, offline: register a mother with a birth three days
//! ago, see visit 1 due, record it, see it done, restart the app and find it still done.

use chrono::{Days, NaiveDate};
use lohusa_e2e::{App, Launch, istanbul_today};

/// A date as a nurse in Turkey types it: 22.11.2026.
fn day_first(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

#[tokio::test]
async fn nurse_registers_a_mother_records_visit_one_and_finds_it_after_a_restart() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let today = istanbul_today();
    let birth = today - Days::new(3);

    let app = App::start(Launch {
        data_dir: data.path(),
        demo: false,
        server: None,
    })
    .await?;
    app.resize(1280, 800).await?;

    // First start: set up without a server, with her name and a PIN.
    app.wait_css("[name=set_up]").await?;
    app.click_named("without_server").await?;
    app.wait_css("[name=member_name]").await?;
    app.screenshot("01-setup").await?;
    app.set_up_offline("Ebe Derya Koç").await?;

    // An empty Today list offers registration.
    app.wait_css(".today .empty").await?;
    app.screenshot("02-today-empty").await?;
    app.click_named("nav_register").await?;

    // Bad input: no name, a birth tomorrow, a baby of 40 kg. Every error in place, nothing saved.
    app.fill("birth.birth_date", &day_first(today + Days::new(1))).await?;
    app.fill("birth.mode", "vaginal").await?;
    app.fill("babies.0.sex", "female").await?;
    app.fill("babies.0.birth_weight_g", "40000").await?;
    app.click_named("save").await?;
    app.wait_css("[data-testid=form-error]").await?;
    let name_error = app
        .text(".field-invalid [name='mother.full_name'] ~ .field-error")
        .await?;
    assert_eq!(name_error, "Adı soyadı: boş bırakılamaz");
    let birth_error = app
        .text(".field-invalid [name='birth.birth_date'] ~ .field-error")
        .await?;
    assert_eq!(
        birth_error,
        format!(
            "Doğum tarihi (bebeğin): {} ileri bir tarih olamaz",
            day_first(today + Days::new(1))
        )
    );
    let weight_error = app
        .text(".field-invalid [name='babies.0.birth_weight_g'] ~ .field-error")
        .await?;
    assert_eq!(
        weight_error,
        "Doğum ağırlığı (g): 40000 g kabul edilen aralığın dışında (500–7000 g)"
    );
    app.screenshot("03-register-errors").await?;

    // Corrected: a mother with a Turkish name, born three days ago.
    app.fill("mother.full_name", "Ayşe Işık").await?;
    app.fill("mother.age_years", "27").await?;
    app.fill("mother.phone", "0532 123 45 67").await?;
    app.fill("mother.neighbourhood", "Kadifekale").await?;
    app.fill("mother.district", "Konak").await?;
    app.fill("mother.residency_status", "citizen").await?;
    app.fill("mother.preferred_language", "tr").await?;
    app.fill("birth.birth_date", &day_first(birth)).await?;
    app.fill("birth.discharge_date", &day_first(birth + Days::new(1)))
        .await?;
    app.fill("babies.0.name", "Elif").await?;
    app.fill("babies.0.birth_weight_g", "3250").await?;
    app.screenshot("04-register-filled").await?;
    app.click_named("save").await?;

    // Her screen: visit 1 is due (day 3 is inside days 2–5), visits 2 and 3 upcoming.
    assert_eq!(app.text("[data-testid=mother-name]").await?, "Ayşe Işık");
    assert_eq!(
        app.attr("[data-visit='1']", "data-status").await?.as_deref(),
        Some("due")
    );
    assert_eq!(
        app.attr("[data-visit='2']", "data-status").await?.as_deref(),
        Some("upcoming")
    );
    assert_eq!(
        app.attr("[data-visit='3']", "data-status").await?.as_deref(),
        Some("upcoming")
    );
    assert!(app.text(".subtitle").await?.contains("3. gününde"));
    app.screenshot("05-mother-visit-one-due").await?;

    // She is on the Today list among the due visits.
    app.click_named("nav_today").await?;
    let due = app.text(".today-due").await?;
    assert!(due.contains("Ayşe Işık"), "{due}");
    app.screenshot("06-today-due").await?;
    app.click(".today-due .entry").await?;

    // Record visit 1 with vital signs, the baby's weight and LATCH.
    app.click_named("record_visit_1").await?;
    app.wait_css("[name=save_visit]").await?;
    app.fill("mother.bp_systolic", "118").await?;
    app.fill("mother.bp_diastolic", "76").await?;
    app.fill("mother.pulse", "84").await?;
    app.fill("mother.temperature", "36,8").await?;
    let baby_weight = app
        .attr("input[name$='.weight_g']", "name")
        .await?
        .expect("baby weight field");
    let baby_key = baby_weight.trim_end_matches(".weight_g").to_owned();
    app.fill(&baby_weight, "3050").await?;
    app.fill(&format!("{baby_key}.baby_temperature"), "36.9").await?;
    for (item, score) in [
        ("latch_l", 2),
        ("latch_a", 1),
        ("latch_t", 2),
        ("latch_c", 2),
        ("latch_h", 2),
    ] {
        app.click(&format!("[data-name='{baby_key}.{item}'] [data-value='{score}']"))
            .await?;
    }
    assert_eq!(
        app.text(&format!("[data-name='{baby_key}.latch_total'] output"))
            .await?,
        "9"
    );
    assert_eq!(
        app.text(&format!("[data-name='{baby_key}.weight_change_pct'] output"))
            .await?,
        "-6,2 %"
    );
    app.screenshot("07-visit-form").await?;
    app.click_named("save_visit").await?;

    // Back on her screen, visit 1 is done.
    app.wait_css("[data-visit='1'][data-status='done']").await?;
    assert!(app.text(".banner-ok").await?.contains("1. ziyaret kaydedildi"));
    app.screenshot("08-mother-visit-one-done").await?;
    app.stop().await?;

    // Restart the app on the same data: it opens locked; her PIN opens it, and the visit is
    // still done.
    let app = App::start(Launch {
        data_dir: data.path(),
        demo: false,
        server: None,
    })
    .await?;
    app.resize(1280, 800).await?;
    app.wait_css("[name=pin]").await?;
    app.sign_in_again().await?;
    app.wait_css(".today").await?;
    app.click_named("nav_search").await?;
    app.fill("search", "IŞIK").await?;
    assert_eq!(app.text(".search .entry-name").await?, "Ayşe Işık");
    app.screenshot("09-search-isik").await?;
    app.click(".search .entry").await?;
    app.wait_css("[data-visit='1'][data-status='done']").await?;
    assert!(app.text("[data-visit='1'] .recorded").await?.contains("Ebe Derya Koç"));
    app.screenshot("10-after-restart-visit-one-done").await?;
    app.click_named("view_visit_1").await?;
    assert_eq!(app.text("[data-name='mother.bp_systolic'] output").await?, "118 mmHg");
    assert_eq!(app.text("[data-name='mother.temperature'] output").await?, "36,8 °C");
    assert_eq!(
        app.text(&format!("[data-name='{baby_key}.latch_total'] output"))
            .await?,
        "9"
    );
    app.screenshot("11-visit-one-read-back").await?;
    app.stop().await?;
    Ok(())
}
