//! Correcting what was recorded and knowing whose mother she is, in the real app against the real
//! server and a command-line tablet: the team lead's app corrects a mistyped phone (a wrong one is
//! refused under its field first) and a visit's blood pressure with a reason (the urgent flag
//! becomes an attention flag, the sign-off of the old flag says so), reads each field's history,
//! reassigns a mother from one nurse to another, and closes a case; after sync the nurse's
//! tablet holds the new values, their history with the reason, her own Today without the mother
//! given away, and nobody's Today with the closed case, which coverage does not count as missed.

use lohusa_e2e::{App, cli, cli_replica, istanbul_today, start_server};
use serde_json::Value;

fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = ["late", "due", "upcoming"]
        .iter()
        .flat_map(|g| list[g].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["full_name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[tokio::test]
async fn a_correction_a_reassignment_and_a_closed_case_reach_the_other_tablet() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, data, url) = start_server(dir.path())?;
    let tablet = dir.path().join("ayse.sqlite3");
    cli_replica(&tablet, "Ebe Ayşe", &data, &url);
    let day = istanbul_today().format("%d.%m.%Y").to_string();
    let born = (istanbul_today() - chrono::Days::new(3)).format("%d.%m.%Y").to_string();
    let register = |name: &str, phone: &str| -> String {
        cli(
            &tablet,
            &[
                "register",
                "--name",
                name,
                "--birth-date",
                &born,
                "--age",
                "30",
                "--phone",
                phone,
            ],
        )["mother"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let fatma = register("Fatma Yılmaz", "0532 111 22 33");
    let leyla = register("Leyla Demir", "0533 444 55 66");
    let meryem = register("Meryem Ak", "0534 777 88 99");
    let visit = cli(
        &tablet,
        &[
            "visit",
            "--mother",
            &fatma,
            "--number",
            "1",
            "--date",
            &day,
            "--answer",
            "mother.bp_systolic=164",
            "--answer",
            "mother.bp_diastolic=90",
        ],
    );
    assert_eq!(visit["flags"][0]["rule"], "severe_hypertension", "{visit}");
    let visit = visit["visit"].as_str().unwrap().to_owned();
    cli(&tablet, &["sync"]);
    // Fatma's visit 1 is done; her next window opens in ten days, so she is not on Today.
    assert_eq!(names(&cli(&tablet, &["today", "--mine"])), ["Leyla Demir", "Meryem Ak"]);

    let app = App::enrolled(
        &dir.path().join("app"),
        &data,
        &url,
        "Sorumlu Hemşire Elif",
        "team_lead",
    )
    .await?;
    // Her own Today is empty: both mothers are Ayşe's. The whole team is one tap away.
    app.click_named("nav_today").await?;
    app.wait_css("[name=today_mine][aria-pressed=true]").await?;
    assert_eq!(app.count(".entry").await?, 0);
    app.click_named("today_team").await?;
    app.wait_css(".entry").await?;
    assert_eq!(app.count(".entry").await?, 2);
    let assigned = app.text(&format!("[data-mother='{leyla}'] .entry-assigned")).await?;
    assert!(assigned.contains("Ebe Ayşe"), "{assigned}");
    app.screenshot("cases-today-team").await?;

    // The phone: a wrong number is refused under its field, then corrected.
    app.click_named("nav_search").await?;
    app.fill("search", "Fatma").await?;
    app.click(&format!("[data-mother='{fatma}']")).await?;
    app.click_named("correct_mother").await?;
    app.wait_css("[name='mother.phone']").await?;
    app.fill("mother.phone", "0532 12").await?;
    app.click_named("save").await?;
    let error = app.text(".field-error").await?;
    assert!(error.contains("Telefon"), "{error}");
    app.screenshot("correct-mother-refused-tr").await?;
    app.fill("mother.phone", "0532 999 88 77").await?;
    app.click_named("save").await?;
    app.wait_css(".banner-ok").await?;
    let phone = app.text("[data-name=phone] dd").await?;
    assert!(phone.contains("0532 999 88 77"), "{phone}");
    app.click_named("history_phone").await?;
    app.wait_css("[data-testid=history] li").await?;
    let history = app.text_with("[data-testid=history]", "0532 999 88 77").await?;
    assert!(
        history.contains("0532 111 22 33") && history.contains("0532 999 88 77"),
        "{history}"
    );
    assert!(
        history.contains("Sorumlu Hemşire Elif") && history.contains("Ebe Ayşe"),
        "{history}"
    );
    app.screenshot("history-phone-tr").await?;
    app.click_named("close_history").await?;
    // The correction form and a field's history in English and Arabic.
    for language in ["en", "ar"] {
        app.click_named(&format!("lang_{language}")).await?;
        app.wait_css(&format!("html[lang='{language}']")).await?;
        app.click_named("history_phone").await?;
        app.wait_css("[data-testid=history] li").await?;
        app.screenshot(&format!("history-phone-{language}")).await?;
        app.click_named("close_history").await?;
        app.click_named("correct_mother").await?;
        app.wait_css("[name='mother.phone']").await?;
        app.screenshot(&format!("correct-mother-{language}")).await?;
        app.click_named("cancel").await?;
        app.wait_css("[name=correct_mother]").await?;
    }
    app.click_named("lang_tr").await?;
    app.wait_css("html[lang='tr']").await?;

    // The visit: 164 was typed for 146. A reason is needed; the flag follows the value.
    app.click_named("view_visit_1").await?;
    app.wait_css("[name=correct_visit]").await?;
    app.click_named("correct_visit").await?;
    app.wait_css("[data-testid=correcting]").await?;
    app.fill("mother.bp_systolic", "146").await?;
    app.click_named("save_correction").await?;
    app.wait_css("[name=correction_reason][aria-invalid=true]").await?;
    app.screenshot("correct-visit-refused-tr").await?;
    app.fill("correction_reason", "164 yerine 146 okundu").await?;
    app.click_named("save_correction").await?;
    app.wait_css("[data-testid=raised-flags]").await?;
    let raised = app.text("[data-testid=raised-flags]").await?;
    assert!(
        !raised.contains("ACİL"),
        "no urgent flag after the correction: {raised}"
    );
    app.click_named("acknowledge_flags").await?;
    app.wait_css("[name=visit_history]").await?;
    app.click_named("visit_history").await?;
    app.wait_css("[data-testid=history] li").await?;
    let history = app.text_with("[data-testid=history]", "146").await?;
    assert!(history.contains("164") && history.contains("146"), "{history}");
    assert!(history.contains("164 yerine 146 okundu"), "{history}");
    app.screenshot("history-visit-tr").await?;
    app.click_named("close_history").await?;
    // The same history and the correction form in English and Arabic.
    for language in ["en", "ar"] {
        app.click_named(&format!("lang_{language}")).await?;
        app.wait_css(&format!("html[lang='{language}']")).await?;
        app.click_named("visit_history").await?;
        app.wait_css("[data-testid=history] li").await?;
        app.screenshot(&format!("history-visit-{language}")).await?;
        app.click_named("close_history").await?;
        app.click_named("correct_visit").await?;
        app.js("window.scrollTo(0, 0); return true").await?;
        app.screenshot(&format!("correct-visit-{language}")).await?;
        app.click_named("cancel").await?;
        app.wait_css("[name=visit_history]").await?;
    }
    app.click_named("lang_tr").await?;
    app.wait_css("html[lang='tr']").await?;

    // Leyla goes to the team lead herself; Meryem's case is closed: she moved away.
    app.click_named("nav_today").await?;
    app.click_named("today_team").await?;
    app.click(&format!("[data-mother='{leyla}']")).await?;
    app.click_named("assign").await?;
    let elif = app
        .js("return [...document.querySelectorAll('[name=assign_to] option')].find((o) => o.text.includes('Elif')).value")
        .await?;
    app.fill("assign_to", elif.as_str().unwrap()).await?;
    app.click_named("save_assignment").await?;
    let now_hers = app.text_with("[data-testid=assigned-to]", "Elif").await?;
    assert!(now_hers.contains("Sorumlu Hemşire Elif"), "{now_hers}");
    app.click_named("nav_today").await?;
    app.click_named("today_mine").await?;
    app.wait_css(&format!("[data-mother='{leyla}']")).await?;
    app.click_named("today_team").await?;
    app.click(&format!("[data-mother='{meryem}']")).await?;
    app.click_named("close_case").await?;
    app.click_named("save_closing").await?;
    app.wait_css("[name=closed_reason][aria-invalid=true]").await?;
    app.fill("closed_reason", "moved_away").await?;
    app.click_named("save_closing").await?;
    app.wait_css("[data-testid=case][data-closed=true]").await?;
    // Below the sticky top bar.
    app.js("document.querySelector('[data-testid=case]').scrollIntoView({block: 'start'}); window.scrollBy(0, -140); return true")
        .await?;
    app.screenshot("case-closed-tr").await?;
    app.click_named("nav_today").await?;
    app.click_named("today_team").await?;
    app.wait_css(&format!("[data-mother='{leyla}']")).await?;
    assert_eq!(
        app.count(&format!("[data-mother='{fatma}']")).await?,
        0,
        "a closed case leaves Today"
    );
    app.click_named("nav_sync").await?;
    app.click_named("sync_now").await?;
    let pending = app.text_with("[data-fact=pending]", "Yok").await?;
    assert!(pending.starts_with("Yok"), "{pending}");

    // Ayşe's tablet, after sync.
    cli(&tablet, &["sync"]);
    assert_eq!(names(&cli(&tablet, &["today", "--mine"])), Vec::<String>::new());
    assert_eq!(names(&cli(&tablet, &["today"])), ["Leyla Demir"]);
    let state = cli(&tablet, &["export"]);
    let mother = |id: &str| {
        state["mothers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(mother(&fatma)["phone"], "0532 999 88 77");
    assert_eq!(mother(&meryem)["closed_reason"], "moved_away");
    let history = cli(&tablet, &["history", "--entity", "visit", "--id", &visit]);
    let bp: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["field"] == "answers.mother.bp_systolic")
        .collect();
    assert_eq!(bp.len(), 2, "{history}");
    assert_eq!(
        (bp[1]["old"].clone(), bp[1]["new"].clone()),
        (Value::from(164), Value::from(146))
    );
    assert_eq!(bp[1]["reason"], "164 yerine 146 okundu");
    assert_eq!(bp[1]["by"], "Sorumlu Hemşire Elif");

    // The team lead's coverage still counts Fatma's visit 1, done today, and Meryem's case,
    // closed while her window was open, is not counted as missed (when the window opened this
    // month: on the first of a month it opened in the last).
    app.click_named("nav_office").await?;
    let table = app.text("[data-testid=coverage-table]").await?;
    if (istanbul_today() - chrono::Days::new(1)).format("%m").to_string() == istanbul_today().format("%m").to_string() {
        let done = app.text("[data-testid=coverage-table] tfoot [data-part=done]").await?;
        assert!(done.starts_with('1'), "{table}");
        let missed = app
            .text("[data-testid=coverage-table] tfoot [data-part=missed]")
            .await?;
        assert!(missed.starts_with('0'), "{table}");
    }
    app.screenshot("cases-office-coverage").await?;
    app.stop().await
}
