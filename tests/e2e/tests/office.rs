//! A nurse's tablet (a command-line replica) records a visit with a severe blood pressure and
//! syncs. The doctor's desktop app receives it, opens the visit from the follow-up list, sees the
//! trend, and signs the flag off ordering an extra visit for tomorrow. After a sync on the
//! nurse's tablet the flag has left its follow-up list and the extra visit is on its Today list.
//! The team lead's office on the same app shows the month's coverage, both devices with their
//! reports, and writes a FHIR export that is a Bundle.

use lohusa_e2e::{App, cli, cli_replica, istanbul_today, start_server};
use serde_json::Value;

fn rows_of(list: &Value, kind: &str) -> Vec<String> {
    list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == kind)
        .map(|r| r["full_name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_sign_off_on_the_desktop_leaves_the_tablets_follow_up_list_after_sync() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, data, url) = start_server(dir.path())?;
    let tablet = dir.path().join("tablet.sqlite3");
    cli_replica(&tablet, "Ebe Derya", &data, &url);
    let day = |offset: i64| {
        (istanbul_today() + chrono::Duration::days(offset))
            .format("%d.%m.%Y")
            .to_string()
    };
    let fatma = cli(
        &tablet,
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
    cli(
        &tablet,
        &[
            "register",
            "--name",
            "Ayşe Kaya",
            "--birth-date",
            &day(-8),
            "--age",
            "27",
        ],
    );
    // An earlier pressure on the same visit day is not possible; the trend shows this one.
    cli(
        &tablet,
        &[
            "visit",
            "--mother",
            &fatma,
            "--number",
            "1",
            "--date",
            &day(0),
            "--answer",
            "mother.bp_systolic=165",
            "--answer",
            "mother.bp_diastolic=100",
        ],
    );
    cli(&tablet, &["sync"]);
    let before = cli(&tablet, &["follow-up"]);
    assert_eq!(rows_of(&before, "urgent_flag"), ["Fatma Yılmaz"], "{before}");

    // The doctor's desktop enrolls at start and pulls the tablet's records.
    let app = App::enrolled(&dir.path().join("desktop"), &data, &url, "Dr. Ece Tan", "doctor").await?;
    app.click_named("nav_followup").await?;
    app.wait_css(".followup-row[data-kind=urgent_flag]").await?;
    let row = app.text_with(".followup-row[data-kind=urgent_flag]", "mmHg").await?;
    assert!(row.contains("Fatma Yılmaz") && row.contains("165 mmHg"), "{row}");
    app.screenshot("office-01-followup").await?;

    // The visit, its trend, and the sign-off with an extra visit tomorrow.
    app.click(".followup-row[data-kind=urgent_flag]").await?;
    app.wait_css("[data-testid=trend-bp]").await?;
    app.wait_css("[data-testid=sign-off]").await?;
    let trend = app
        .attr("[data-testid=trend-bp] svg", "aria-label")
        .await?
        .unwrap_or_default();
    assert!(trend.contains("165"), "{trend}");
    app.choose("review_order", "extra_visit").await?;
    app.fill("review_note", "Tansiyonu yarın yeniden ölçün").await?;
    // No date yet: refused, in place, nothing saved.
    app.click_named("sign_off").await?;
    app.wait_css("[name=extra_visit_on][aria-invalid=true]").await?;
    app.fill("extra_visit_on", &day(1)).await?;
    app.screenshot("office-02-sign-off").await?;
    assert_eq!(app.accessibility_violations().await?, Vec::<String>::new(), "sign-off");
    app.click_named("sign_off").await?;
    let done = app.text(".review-done").await?;
    assert!(
        done.contains("Dr. Ece Tan") && done.contains("Ek ev ziyareti"),
        "{done}"
    );
    app.click_named("nav_followup").await?;
    app.wait_css(".followup-counts").await?;
    assert_eq!(app.count(".followup-row[data-kind=urgent_flag]").await?, 0);

    // The sign-off reaches the server.
    app.click_named("nav_sync").await?;
    app.click_named("sync_now").await?;
    let pending = app.text_with("[data-fact=pending]", "Yok").await?;
    assert!(pending.starts_with("Yok"), "{pending}");

    // On the nurse's tablet, after its sync: off the follow-up list, extra visit planned.
    cli(&tablet, &["sync"]);
    let after = cli(&tablet, &["follow-up"]);
    assert_eq!(rows_of(&after, "urgent_flag"), Vec::<String>::new(), "{after}");
    let today = cli(&tablet, &["today"]);
    let extra: Vec<&Value> = today["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["extra_visit"].is_null())
        .collect();
    assert_eq!(extra.len(), 1, "{today}");
    assert_eq!(extra[0]["full_name"], "Fatma Yılmaz");
    assert_eq!(extra[0]["reason"], "Tansiyonu yarın yeniden ölçün");

    // The office: coverage of this month, both devices, an export.
    app.click_named("nav_office").await?;
    app.wait_css("[data-testid=coverage-table]").await?;
    app.wait_css("[data-testid=tablets-table]").await?;
    let coverage = app.text("[data-testid=coverage-table]").await?;
    assert!(coverage.contains("Ebe Derya"), "{coverage}");
    let devices = app.count("[data-testid=tablets-table] tbody tr").await?;
    assert_eq!(devices, 2);
    let tablets = app.text("[data-testid=tablets-table]").await?;
    assert!(
        tablets.contains("Ebe Derya") && tablets.contains("Dr. Ece Tan"),
        "{tablets}"
    );
    app.screenshot("office-03-coverage-and-tablets").await?;
    assert_eq!(app.accessibility_violations().await?, Vec::<String>::new(), "office");
    app.scroll_to(".exports").await?;
    app.click_named("export_fhir_bundle").await?;
    let saved = app.text("[data-testid=export-saved]").await?;
    let path = saved.rsplit(' ').next().unwrap_or_default().trim().to_owned();
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    assert_eq!(bundle["resourceType"], "Bundle");
    assert!(
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["resource"]["resourceType"] == "Flag"),
        "the flag is exported even when signed off"
    );
    app.screenshot("office-04-export").await?;
    app.stop().await?;
    Ok(())
}
