//! The tablet's security as its users see it, against a real server: a nurse sets her tablet up
//! with the team's codes and a PIN (the store on disk is unreadable), locks it, mistypes her
//! PIN and is told what follows, opens it, adds a psychologist colleague with her own code and
//! PIN (her note is hidden from the nurse on the same tablet), checks that the tablet is safe to
//! hand over, and then the team lead revokes it: at its next sync it uploads what it holds and
//! erases itself, and says why.

use chrono::Days;
use lohusa_e2e::{App, Launch, PIN, admin, istanbul_today, start_server};

#[tokio::test]
async fn a_tablet_locks_opens_with_a_pin_and_erases_itself_once_revoked() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, data, url) = start_server(dir.path())?;
    let tablet = dir.path().join("tablet");
    std::fs::create_dir_all(&tablet)?;

    // She sets the tablet up with the codes the team lead gave her, mistyping her member code
    // first: the tablet is enrolled, and only the member code is asked again.
    let code = admin(&data, &["enrollment-code", "--team", "izmir"]);
    let member_code = admin(
        &data,
        &[
            "add-member",
            "--team",
            "izmir",
            "--name",
            "Ebe Derya",
            "--role",
            "nurse",
        ],
    );
    let app = App::start(Launch {
        data_dir: &tablet,
        demo: false,
        server: Some((&url, &code)),
    })
    .await?;
    app.resize(1280, 800).await?;
    app.fill("member_code", "AAAA-BBBB-CCCC").await?;
    app.fill("pin", PIN).await?;
    app.fill("pin_again", PIN).await?;
    app.click_named("set_up").await?;
    app.wait_css("[data-testid=enrolled-waiting]").await?;
    assert!(app.text("[role=alert]").await?.contains("üye kodu tanınmıyor"));
    assert_eq!(
        app.count("[name=code]").await?,
        0,
        "the spent enrollment code is not asked again"
    );
    app.screenshot("security-00-member-code-refused").await?;
    app.fill("member_code", &member_code).await?;
    app.fill("pin", PIN).await?;
    app.fill("pin_again", PIN).await?;
    app.click_named("set_up").await?;
    app.wait_css(".sync-badge.sync-ok").await?;
    assert!(app.text(".topbar .member").await?.contains("hemşire / ebe"));

    // What the disk holds is encrypted: no SQLite header, no name.
    app.click_named("nav_register").await?;
    let birth = (istanbul_today() - Days::new(3)).format("%d.%m.%Y").to_string();
    app.fill("mother.full_name", "Rukiye Şahin").await?;
    app.fill("mother.age_years", "24").await?;
    app.fill("mother.residency_status", "citizen").await?;
    app.fill("mother.preferred_language", "tr").await?;
    app.fill("birth.birth_date", &birth).await?;
    app.fill("birth.mode", "vaginal").await?;
    app.fill("babies.0.sex", "female").await?;
    app.fill("babies.0.birth_weight_g", "3100").await?;
    app.click_named("save").await?;
    app.wait_css("[data-testid=mother-name]").await?;
    let db = std::fs::read(tablet.join("lohusa.sqlite3"))?;
    assert_ne!(&db[..16], b"SQLite format 3\0");
    let wal = std::fs::read(tablet.join("lohusa.sqlite3-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(6).any(|w| w == "Rukiye".as_bytes()),
            "a name on the disk in clear"
        );
    }

    // Locked, with her name to choose (alone, she is chosen already).
    app.click_named("lock").await?;
    app.wait_css("[name=pin]").await?;
    assert!(app.text(".member-choice").await?.contains("Ebe Derya"));
    app.screenshot("security-01-locked").await?;
    for wrong in ["111112", "222223", "333334"] {
        app.fill("pin", wrong).await?;
        app.click_named("sign_in").await?;
        app.wait_css(".field-error").await?;
    }
    let said = app.text(".field-error").await?;
    assert!(
        said.contains("üst üste 3 yanlış") && said.contains("7 yanlış PIN daha"),
        "{said}"
    );
    app.screenshot("security-02-wrong-pins").await?;
    app.sign_in_again().await?;

    // A psychologist joins the tablet with her own member code and PIN; both can sign in.
    let code = admin(
        &data,
        &[
            "add-member",
            "--team",
            "izmir",
            "--name",
            "Psk. Selin Ak",
            "--role",
            "psychologist",
        ],
    );
    app.click_named("nav_sync").await?;
    app.click_named("open_add_member").await?;
    app.fill("new_member_code", &code).await?;
    app.fill("pin", "730264").await?;
    app.fill("pin_again", "730264").await?;
    app.click_named("add_member").await?;
    app.wait_css("[name=open_add_member]").await?;
    let members = app.text("[data-testid=tablet-members]").await?;
    assert!(
        members.contains("Ebe Derya") && members.contains("Psk. Selin Ak"),
        "{members}"
    );
    assert!(app.text(".topbar .member").await?.contains("psikolog"));

    // She writes a psychology note on the mother's screen.
    app.click_named("nav_search").await?;
    app.fill("search", "Rukiye").await?;
    app.click(".search .entry").await?;
    app.click_named("add_note").await?;
    app.fill("note_text", "Uykusuzluk ve ağlama nöbetleri; haftaya görüşme")
        .await?;
    app.click_named("save_note").await?;
    app.text_with("[data-testid=notes]", "haftaya görüşme").await?;
    app.scroll_to("[data-testid=notes]").await?;
    app.screenshot("security-03-psychology-note").await?;

    app.click_named("lock").await?;
    app.wait_css(".member-choice").await?;
    assert_eq!(app.count(".member-button").await?, 2);
    app.screenshot("security-04-two-members").await?;
    app.click(".member-button:first-child").await?;
    app.sign_in_again().await?;
    // The nurse, on the same tablet, does not see the psychologist's note.
    app.click_named("nav_search").await?;
    app.fill("search", "Rukiye").await?;
    app.click(".search .entry").await?;
    app.wait_css("[data-testid=extra-visits]").await?;
    assert_eq!(app.count("[data-testid=notes]").await?, 0);

    // Everything recorded here is on the server: safe to hand over.
    app.click_named("nav_sync").await?;
    app.click_named("sync_now").await?;
    app.wait_css("[data-testid=hand-over][data-safe=true]").await?;
    app.screenshot("security-05-safe-to-hand-over").await?;

    // The team lead revokes the tablet. Its next sync uploads, then it erases itself.
    let devices = admin(&data, &["devices"]);
    let device = devices
        .lines()
        .find(|l| l.contains("Lohusa"))
        .and_then(|l| l.split('\t').nth(1))
        .expect("the tablet is listed")
        .to_owned();
    admin(&data, &["revoke-device", &device]);
    app.click_named("sync_now").await?;
    app.wait_css("[data-testid=notice]").await?;
    let notice = app.text("[data-testid=notice]").await?;
    assert!(
        notice.contains("erişimini kaldırdı") && notice.contains("sunucuya ulaşmıştı"),
        "{notice}"
    );
    app.screenshot("security-06-revoked-and-erased").await?;
    assert!(!tablet.join("lohusa.sqlite3").exists(), "the store is erased");
    assert!(!tablet.join("keyring.json").exists(), "the keys are erased");
    app.stop().await?;
    Ok(())
}

/// A tablet that kept its records unencrypted (an earlier version, here the command-line
/// replica's file) keeps every one of them when it is set up with a PIN: the file is encrypted
/// in place, nothing is lost.
#[tokio::test]
async fn records_left_unencrypted_are_encrypted_in_place_at_setup() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("lohusa.sqlite3");
    lohusa_e2e::cli(&db, &["init", "--member", "Ebe Derya Koç"]);
    let born = (istanbul_today() - Days::new(3)).format("%d.%m.%Y").to_string();
    lohusa_e2e::cli(
        &db,
        &[
            "register",
            "--name",
            "Rukiye Şahin",
            "--birth-date",
            &born,
            "--age",
            "24",
        ],
    );
    assert_eq!(&std::fs::read(&db)?[..16], b"SQLite format 3\0");

    let app = App::signed_in(dir.path(), "Ebe Derya Koç").await?;
    app.click_named("nav_search").await?;
    app.fill("search", "Rukiye").await?;
    assert_eq!(app.text(".search .entry-name").await?, "Rukiye Şahin");
    let file = std::fs::read(&db)?;
    assert_ne!(&file[..16], b"SQLite format 3\0", "encrypted now");
    assert!(!file.windows(6).any(|w| w == "Rukiye".as_bytes()));
    app.stop().await?;
    Ok(())
}
