//! A visit whose answers cross a red-flag threshold shows the flag the moment it is saved, with
//! the value, the threshold and what to do; an urgent one must be acknowledged, then stands at the
//! top of the mother's screen.

use chrono::Days;
use lohusa_e2e::{App, istanbul_today};

#[tokio::test]
async fn severe_hypertension_is_shown_as_urgent_as_soon_as_the_visit_is_saved() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let birth = istanbul_today() - Days::new(4);
    let app = App::signed_in(data.path(), "Ebe Sevgi Aksoy").await?;

    app.click_named("nav_register").await?;
    app.fill("mother.full_name", "Rasha Al-Halabi").await?;
    app.fill("mother.residency_status", "temporary_protection").await?;
    app.fill("mother.preferred_language", "ar").await?;
    app.fill("birth.birth_date", &birth.format("%d.%m.%Y").to_string())
        .await?;
    app.fill("birth.mode", "caesarean").await?;
    app.fill("babies.0.sex", "male").await?;
    app.fill("babies.0.birth_weight_g", "3000").await?;
    app.click_named("save").await?;

    app.click_named("record_visit_1").await?;
    app.fill("mother.bp_systolic", "164").await?;
    app.fill("mother.bp_diastolic", "102").await?;
    let weight = app
        .attr("input[name$='.weight_g']", "name")
        .await?
        .expect("baby weight field");
    app.fill(&weight, "2600").await?;
    // A caesarean: the wound is asked about, the perineum is not.
    assert_eq!(app.count("[data-section='caesarean_wound']").await?, 1);
    assert_eq!(app.count("[data-section='perineum']").await?, 0);
    app.click_named("save_visit").await?;

    // Before anything else, the urgent flag with its reason and what to do.
    let dialog = app.text("[data-testid=raised-flags]").await?;
    assert!(dialog.contains("ACİL: bugün sevk edin"), "{dialog}");
    assert!(
        dialog.contains("Tansiyon, büyük (sistolik) 164 mmHg: 160 veya üstü"),
        "{dialog}"
    );
    assert!(dialog.contains("Aynı gün sevk edin."), "{dialog}");
    assert!(dialog.contains("-13,33 %: -10 altında"), "{dialog}");
    app.screenshot("12-red-flags-on-save").await?;
    app.click_named("acknowledge_flags").await?;

    let urgent = app.text("[data-testid=urgent-flags]").await?;
    assert!(urgent.contains("ACİL: Ağır yüksek tansiyon"), "{urgent}");
    // Not also "high blood pressure": the severe rule supersedes it.
    assert_eq!(app.count("[data-visit='1'] [data-flag='hypertension']").await?, 0);
    let weight_flag = app.text_with("[data-visit='1'] [data-flag='weight_loss']", "%").await?;
    assert!(weight_flag.contains("-13,33 %: -10 altında"), "{weight_flag}");
    app.screenshot("13-red-flags-after-visit").await?;
    app.stop().await?;
    Ok(())
}
