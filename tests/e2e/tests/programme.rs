//! The programme's numbers in the real app: a nurse's command-line tablet registers six mothers
//! of three nationalities and visits five; the team lead's office prepares care packages and
//! hands ten to the nurse, whose visits give two out. After sync the office shows the month's
//! programme report (each number with its denominator and definition, broken down by
//! nationality, de-identified for the donor), saves the report and the donor's line lists, and
//! shows the nurse's bag with two packages fewer. Screenshots in Turkish, English and Arabic.

use lohusa_e2e::{App, cli, cli_replica, istanbul_today, start_server};

#[tokio::test]
async fn the_office_reports_the_month_and_keeps_the_stock() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, data, url) = start_server(dir.path())?;
    let tablet = dir.path().join("ayse.sqlite3");
    cli_replica(&tablet, "Ebe Ayşe", &data, &url);
    cli(&tablet, &["sync"]);
    let app = App::enrolled(
        &dir.path().join("app"),
        &data,
        &url,
        "Sorumlu Hemşire Elif",
        "team_lead",
    )
    .await?;

    // The office packs 20 baby care packages and hands 10 to Ebe Ayşe.
    app.click_named("nav_office").await?;
    app.wait_css("[data-testid=stock-balances]").await?;
    app.scroll_to(".stock-form").await?;
    app.fill("kind", "baby_care").await?;
    app.fill("count", "sıfır").await?;
    app.click_named("save_stock").await?;
    let refused = app.text(".stock-form .field-error").await?;
    assert!(refused.contains("Adet"), "{refused}");
    app.fill("count", "20").await?;
    app.fill("lot", "L-11").await?;
    app.click_named("save_stock").await?;
    app.wait_css("[data-testid=stock-saved]").await?;
    app.fill("movement", "handed").await?;
    let ayse = app
        .js("return [...document.querySelectorAll('[name=stock_member] option')].find((o) => o.text.includes('Ayşe')).value")
        .await?;
    app.fill("stock_member", ayse.as_str().unwrap()).await?;
    app.fill("kind", "baby_care").await?;
    app.fill("count", "10").await?;
    app.click_named("save_stock").await?;
    app.wait_css(&format!("[data-holder='{}']", ayse.as_str().unwrap()))
        .await?;
    app.click_named("nav_sync").await?;
    app.click_named("sync_now").await?;
    app.text_with("[data-fact=pending]", "Yok").await?;

    // The tablet: six mothers born two days ago (visit 1's window opens today, so the window,
    // the registration and the visits are in this month whatever the date), five visited
    // today, two given a package.
    cli(&tablet, &["sync"]);
    let stock = cli(&tablet, &["stock"]);
    assert_eq!(stock["balances"][1]["held"][2], 10, "{stock}");
    let day = istanbul_today().format("%d.%m.%Y").to_string();
    let born = (istanbul_today() - chrono::Days::new(2)).format("%d.%m.%Y").to_string();
    let mothers = [
        ("Fatma Yılmaz", "T.C.", "citizen"),
        ("Ayten Kaya", "TC", "citizen"),
        ("Leyla Hasan", "Suriyeli", "temporary_protection"),
        ("Ruqayya Ahmad", "Suriye", "temporary_protection"),
        ("Meryem Rahimi", "İran", "international_protection"),
        ("Zahra Karimi", "Afgan", "international_protection"),
    ];
    for (i, (name, nationality, residency)) in mothers.iter().enumerate() {
        let id = cli(
            &tablet,
            &[
                "register",
                "--name",
                name,
                "--birth-date",
                &born,
                "--age",
                "28",
                "--nationality",
                nationality,
                "--residency",
                residency,
                "--district",
                "Bornova",
                "--neighbourhood",
                "Kazımdirik",
            ],
        )["mother"]
            .as_str()
            .unwrap()
            .to_owned();
        if i < 5 {
            let mut args = vec!["visit", "--mother", &id, "--number", "1", "--date", &day];
            if i < 2 {
                args.extend(["--answer", "mother.packages_given=baby_care"]);
            }
            cli(&tablet, &args);
        }
    }
    cli(&tablet, &["sync"]);
    let stock = cli(&tablet, &["stock"]);
    assert_eq!(
        stock["balances"][1]["held"][2], 8,
        "the tablet counts its own hand-outs: {stock}"
    );

    // The office pulls and reports the month (a sync already running when asked for finishes
    // first, and "nothing to upload" does not mean the pull is over, so the office is opened
    // again until the tablet's records are in, its visits' hand-outs too).
    let holder = format!("[data-holder='{}'] [data-kind=baby_care]", ayse.as_str().unwrap());
    let mut registered = String::new();
    for _ in 0..10 {
        app.click_named("nav_sync").await?;
        app.click_named("sync_now").await?;
        app.text_with("[data-fact=pending]", "Yok").await?;
        app.click_named("nav_office").await?;
        app.wait_css("[data-testid=indicator-women_registered]").await?;
        registered = app.text("[data-testid=indicator-women_registered]").await?;
        app.wait_css(&holder).await?;
        if registered == "6" && app.text(&holder).await?.starts_with('8') {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(registered, "6");
    assert_eq!(app.text("[data-testid=indicator-women_reached]").await?, "5 / 6");
    assert_eq!(app.text("[data-testid=indicator-visit1_in_window]").await?, "5 / 6");
    assert_eq!(app.text("[data-testid=indicator-packages_baby_care]").await?, "2");
    app.click_named("define_women_reached").await?;
    let definition = app.text("[data-testid=definition-women_reached]").await?;
    assert!(
        definition.contains("Pay:") && definition.contains("Payda:"),
        "{definition}"
    );
    app.scroll_to(".programme-report").await?;
    app.screenshot("programme-report-tr").await?;
    // By nationality: T.C. and TC are one country, Suriyeli and Suriye another.
    app.fill("report_breakdown", "nationality").await?;
    app.wait_css("[data-testid=report-breakdown]").await?;
    let groups = app
        .js("return [...document.querySelectorAll('[data-testid=report-breakdown] th[data-group]')].map((th) => th.dataset.group)")
        .await?;
    assert_eq!(groups, serde_json::json!(["AF", "IR", "SY", "TR"]));
    app.screenshot("programme-report-nationality-tr").await?;
    // For the donor: counts of 1 to 4 hidden, the rest rounded to 5.
    app.fill("report_breakdown", "total").await?;
    app.click_named("report_deidentified").await?;
    app.wait_css("[data-testid=indicator-women_registered]").await?;
    let hidden = app
        .text_with("[data-testid=indicator-packages_baby_care]", "<5")
        .await?;
    assert_eq!(hidden, "<5");
    assert_eq!(app.text("[data-testid=indicator-women_registered]").await?, "5");
    assert_eq!(app.text("[data-testid=indicator-women_reached]").await?, "5 / 5");
    app.scroll_to(".programme-report").await?;
    app.screenshot("programme-report-deidentified-tr").await?;
    app.click_named("save_line_lists_csv").await?;
    let saved = app.text("[data-testid=report-saved]").await?;
    let folder = saved.rsplit(' ').next().unwrap_or_default().trim().to_owned();
    let mut donor = String::new();
    for entry in std::fs::read_dir(&folder)? {
        let path = entry?.path();
        if path.to_string_lossy().contains("deidentified") {
            donor.push_str(&std::fs::read_to_string(&path)?);
        }
    }
    assert!(donor.contains("M-") && donor.contains("25-29"), "{donor}");
    assert!(!donor.contains("Kazımdirik"), "no neighbourhood in the donor's files");
    for (name, _, _) in mothers {
        assert!(!donor.contains(name), "{name} in the donor's files");
    }
    assert!(!donor.contains("Ebe Ayşe"), "no staff names in the donor's files");
    app.click_named("save_report_xlsx").await?;
    let saved = app.text_with("[data-testid=report-saved]", ".xlsx").await?;
    let path = saved.rsplit(' ').next().unwrap_or_default().trim().to_owned();
    let bytes = std::fs::read(&path)?;
    assert!(bytes.starts_with(b"PK"), "an XLSX workbook is a zip");
    app.click_named("report_deidentified").await?;

    // The stock: the office keeps 10, Ebe Ayşe has 8 after giving 2.
    app.scroll_to(".stock").await?;
    let bag = app
        .text(&format!(
            "[data-holder='{}'] [data-kind=baby_care]",
            ayse.as_str().unwrap()
        ))
        .await?;
    assert!(bag.starts_with('8') && bag.contains('2'), "{bag}");
    let office = app.text("[data-holder=office] [data-kind=baby_care]").await?;
    assert!(office.starts_with("10"), "{office}");
    app.screenshot("stock-tr").await?;

    for language in ["en", "ar"] {
        app.click_named(&format!("lang_{language}")).await?;
        app.wait_css(&format!("html[lang='{language}']")).await?;
        app.scroll_to(".programme-report").await?;
        app.screenshot(&format!("programme-report-{language}")).await?;
        app.scroll_to(".stock").await?;
        app.screenshot(&format!("stock-{language}")).await?;
    }
    app.click_named("lang_tr").await?;
    app.stop().await?;
    Ok(())
}
