//! The complete checklist in the real app: a full visit 2 with a hemoglobin of 7.5 g/dL raises the
//! urgent flag with its reason at once; a urinalysis result added a day later raises its own flag
//! on the same visit. Every section of the form is photographed in Turkish, Arabic and English.
//! At visit 3 the mother answers the PHQ-9 herself, in Arabic, on a screen that hides her record.

use chrono::Days;
use lohusa_e2e::{App, istanbul_today};

/// Registers a mother whose baby was born `days` ago, and opens her screen.
async fn register(app: &App, name: &str, language: &str, days: u64) -> anyhow::Result<()> {
    let birth = istanbul_today() - Days::new(days);
    app.click_named("nav_register").await?;
    app.fill("mother.full_name", name).await?;
    app.fill("mother.residency_status", "temporary_protection").await?;
    app.fill("mother.preferred_language", language).await?;
    app.fill("birth.birth_date", &birth.format("%d.%m.%Y").to_string())
        .await?;
    app.fill("birth.mode", "vaginal").await?;
    app.fill("babies.0.sex", "female").await?;
    app.fill("babies.0.birth_weight_g", "3200").await?;
    app.click_named("save").await?;
    app.wait_css(".visit-cards").await?;
    Ok(())
}

/// Screenshots of every section of the open form, one by one.
async fn photograph_sections(app: &App, language: &str) -> anyhow::Result<usize> {
    let ids = app
        .js("return [...document.querySelectorAll('.checklist-section')].map(s => s.id)")
        .await?;
    let ids: Vec<String> = ids
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    for (i, id) in ids.iter().enumerate() {
        app.scroll_to(&format!("#{id}")).await?;
        let section = id.trim_start_matches("section-");
        // Baby sections carry the baby's id; the section name is enough in a file name.
        let section = section.split('-').next().unwrap_or(section);
        app.screenshot(&format!("checklist-{language}-{:02}-{section}", i + 1))
            .await?;
    }
    Ok(ids.len())
}

#[tokio::test]
async fn a_full_visit_two_flags_severe_anaemia_and_a_later_urinalysis_flags_on_the_same_visit() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let app = App::signed_in(data.path(), "Ebe Derya Koç").await?;
    // Born 15 days ago: the visit was yesterday, on day 14, inside the 13–17 window.
    register(&app, "Hiba Al-Khatib", "ar", 15).await?;
    let yesterday = (istanbul_today() - Days::new(1)).format("%d.%m.%Y").to_string();
    let today = istanbul_today().format("%d.%m.%Y").to_string();

    app.click_named("record_visit_2").await?;
    app.wait_css("[name=save_visit]").await?;
    app.fill("visited_on", &yesterday).await?;
    let baby = app
        .attr("input[name$='.weight_g']", "name")
        .await?
        .expect("baby weight field")
        .trim_end_matches(".weight_g")
        .to_owned();
    let b = |field: &str| format!("{baby}.{field}");

    // The mother, section by section.
    for (key, value) in [
        ("general_condition", "good"),
        ("sleep", "interrupted"),
        ("fatigue", "mild"),
        ("breathlessness", "no"),
        ("chest_pain", "no"),
        ("fundal_height", "at_pubic_bone"),
        ("uterine_tenderness", "no"),
        ("lochia_colour", "pink_brown"),
        ("lochia_amount", "light"),
        ("lochia_smell", "normal"),
        ("pad_soaked_in_hour", "no"),
        ("large_clots", "no"),
        ("bright_red_bleeding", "no"),
        ("perineum", "healing_well"),
        ("perineal_pain_persistent", "no"),
        ("breasts", "soft"),
        ("urinary_burning", "yes"),
        ("urine_colour_change", "no"),
        ("urinary_leakage", "no"),
        ("urinary_retention", "no"),
        ("bowel", "constipation"),
        ("haemorrhoids", "no"),
        ("pain_score", "3"),
        ("calf_pain_one_side", "no"),
        ("leg_swelling", "none"),
        ("leg_redness", "no"),
        ("headache", "none"),
        ("vision_change", "no"),
        ("convulsions", "no"),
        ("mood", "good"),
        ("support_at_home", "some"),
        ("fundus_at_pubic_bone", "yes"),
        ("hb_done", "yes"),
        ("ua_done", "yes"),
        ("counselling_topics", "breastfeeding"),
        ("counselling_topics", "nutrition_iron"),
        ("counselling_topics", "danger_signs"),
        ("danger_signs_explained", "yes"),
        ("packages_given", "woman_care"),
        ("packages_given", "baby_care"),
        ("referred", "yes"),
        ("referral_to", "obstetrics"),
        ("referral_urgency", "same_day"),
    ] {
        app.choose(&format!("mother.{key}"), value).await?;
    }
    // Follow-up questions appear once their answer is given.
    app.choose("mother.pain_site", "perineum").await?;
    app.choose("mother.package_items", "sanitary_pads").await?;
    app.choose("mother.package_items", "nappies").await?;
    for (key, value) in [
        ("bp_systolic", "118"),
        ("bp_diastolic", "76"),
        ("pulse", "92"),
        ("temperature", "36,7"),
        ("breathing_rate", "18"),
        ("hb_sample_date", yesterday.as_str()),
        ("hb_taken_by", "Ebe Derya Koç"),
        ("hb_result_date", yesterday.as_str()),
        ("hemoglobin", "7,5"),
        ("ua_sample_date", yesterday.as_str()),
        ("ua_taken_by", "Ebe Derya Koç"),
        ("referral_reason", "Hemoglobin 7,5 g/dL"),
    ] {
        app.fill(&format!("mother.{key}"), value).await?;
    }
    // The baby.
    for (key, value) in [
        ("weight_g", "3350"),
        ("baby_temperature", "36,8"),
        ("baby_breathing_rate", "44"),
        ("feeds_per_day", "9"),
        ("longest_gap_h", "3,5"),
        ("wet_nappies", "7"),
        ("stools_per_day", "3"),
    ] {
        app.fill(&b(key), value).await?;
    }
    for (key, value) in [
        ("chest_indrawing", "no"),
        ("jaundice", "none"),
        ("cord", "fallen_healed"),
        ("eyes", "clean"),
        ("skin", "normal"),
        ("feeding_well", "yes"),
        ("baby_convulsions", "no"),
        ("moves_spontaneously", "yes"),
        ("heel_prick_done", "yes"),
        ("hearing_screening_done", "yes"),
        ("hep_b_birth", "yes"),
        ("vitamin_d", "yes"),
        ("feeding_type", "exclusive_breast"),
        ("latch_l", "2"),
        ("latch_a", "2"),
        ("latch_t", "2"),
        ("latch_c", "2"),
        ("latch_h", "1"),
    ] {
        app.choose(&b(key), value).await?;
    }
    app.fill("note", "Demir ilacı konuşuldu; eşi hastaneye götürecek.")
        .await?;
    assert_eq!(
        app.text(&format!("[data-name='{}'] output", b("day_of_life"))).await?,
        "14 gün"
    );
    assert_eq!(
        app.text(&format!("[data-name='{}'] output", b("weight_change_pct")))
            .await?,
        "+4,7 %"
    );
    assert_eq!(
        app.text(&format!("[data-name='{}'] output", b("latch_total"))).await?,
        "9"
    );
    assert_eq!(
        app.text(&format!("[data-name='{}'] output", b("expected_wet_nappies")))
            .await?,
        "6"
    );

    // Every section, in the three languages, filled in.
    let sections = photograph_sections(&app, "tr").await?;
    assert!(sections >= 20, "{sections} sections");
    for language in ["ar", "en"] {
        app.click_named(&format!("lang_{language}")).await?;
        app.wait_css(&format!("html[lang='{language}']")).await?;
        assert_eq!(photograph_sections(&app, language).await?, sections);
    }
    assert_eq!(app.attr("html", "dir").await?.as_deref(), Some("ltr"));
    app.click_named("lang_ar").await?;
    assert_eq!(app.attr("html", "dir").await?.as_deref(), Some("rtl"));
    app.click_named("lang_tr").await?;
    app.wait_css("html[lang='tr']").await?;

    app.click_named("save_visit").await?;
    let dialog = app.text("[data-testid=raised-flags]").await?;
    assert!(dialog.contains("ACİL: bugün sevk edin"), "{dialog}");
    assert!(dialog.contains("Ağır anemi"), "{dialog}");
    assert!(dialog.contains("Hemoglobin 7,5 g/dL: 8 altında"), "{dialog}");
    assert!(dialog.contains("Aynı gün sevk edin."), "{dialog}");
    app.screenshot("checklist-visit2-urgent-on-save").await?;
    assert_eq!(
        app.accessibility_violations().await?,
        Vec::<String>::new(),
        "checklist-visit2-urgent-on-save"
    );
    app.click_named("acknowledge_flags").await?;
    let urgent = app.text("[data-testid=urgent-flags]").await?;
    assert!(urgent.contains("Ağır anemi"), "{urgent}");

    // A day later the urinalysis result arrives and is added to the same visit.
    app.click_named("view_visit_2").await?;
    assert_eq!(app.text("[data-name='mother.hemoglobin'] output").await?, "7,5 g/dL");
    assert_eq!(
        app.text("[data-name='mother.counselling_topics'] output").await?,
        "Emzirme, Tehlike belirtileri, Beslenme ve demir"
    );
    app.click_named("add_results").await?;
    // Only the lab sections open; the rest of the visit stays as recorded.
    assert_eq!(app.count("[data-section='mother_vitals']").await?, 0);
    app.fill("mother.ua_result_date", &yesterday).await?;
    app.fill("mother.ua_sample_date", &today).await?;
    app.click_named("save_results").await?;
    let error = app
        .text(".field-invalid [name='mother.ua_result_date'] ~ .field-error")
        .await?;
    assert!(error.contains("Sonuç tarihi:"), "{error}");
    assert!(error.contains("Örnek tarihi"), "{error}");
    app.screenshot("checklist-visit2-result-before-sample").await?;
    assert_eq!(
        app.accessibility_violations().await?,
        Vec::<String>::new(),
        "checklist-visit2-result-before-sample"
    );
    app.fill("mother.ua_sample_date", &yesterday).await?;
    app.fill("mother.ua_result_date", &today).await?;
    app.fill("mother.ua_ph", "6").await?;
    app.fill("mother.ua_specific_gravity", "1,015").await?;
    for (key, value) in [
        ("ua_leukocytes", "2+"),
        ("ua_nitrite", "positive"),
        ("ua_protein", "negative"),
        ("ua_glucose", "negative"),
        ("ua_ketones", "negative"),
        ("ua_blood", "trace"),
        ("ua_bilirubin", "negative"),
        ("ua_urobilinogen", "normal"),
    ] {
        app.choose(&format!("mother.{key}"), value).await?;
    }
    app.screenshot("checklist-visit2-add-urinalysis").await?;
    app.click_named("save_results").await?;
    // The urinary flag now stands on the old visit, with its reasons, beside the anaemia.
    let flag = app.text("[data-flag='urinary_problem']").await?;
    assert!(flag.contains("Nitrit: Pozitif"), "{flag}");
    assert!(flag.contains("Lökosit: 2+"), "{flag}");
    assert_eq!(app.count("[data-flag='severe_anaemia']").await?, 1);
    assert_eq!(app.text("[data-name='mother.ua_nitrite'] output").await?, "Pozitif");
    app.screenshot("checklist-visit2-after-urinalysis").await?;

    // The doctor's follow-up list has her first, urgent, with the reason.
    app.click_named("nav_followup").await?;
    let first = app.text_with(".followup-row", "g/dL").await?;
    assert!(
        first.contains("Hiba Al-Khatib") && first.contains("Hemoglobin 7,5 g/dL: 8 altında"),
        "{first}"
    );
    assert_eq!(
        app.attr(".followup-row", "data-kind").await?.as_deref(),
        Some("urgent_flag")
    );
    app.screenshot("followup-before-sign-off").await?;
    // The doctor opens the visit and signs off the anaemia with an order; the urinary flag stays.
    app.click(".followup-row").await?;
    app.wait_css("[data-testid=sign-off]").await?;
    app.click("[data-name=review_flags] [data-value=urinary_problem]")
        .await?;
    app.choose("review_order", "iron_supplement").await?;
    app.fill("review_note", "Demir başlandı, 2 hafta sonra Hb.").await?;
    app.click_named("sign_off").await?;
    let done = app.text(".review-done").await?;
    assert!(
        done.contains("Ebe Derya Koç") && done.contains("Ağır anemi") && done.contains("Demir takviyesi"),
        "{done}"
    );
    assert_eq!(app.accessibility_violations().await?, Vec::<String>::new(), "sign-off");
    app.screenshot("followup-signed-off").await?;
    app.click_named("nav_followup").await?;
    app.wait_css(".followup-row").await?;
    assert_eq!(app.count(".followup-row[data-kind=urgent_flag]").await?, 0);
    assert!(app.text(".followup-row").await?.contains("İdrar yolu sorunu"));
    app.screenshot("followup-after-sign-off").await?;
    assert_eq!(
        app.accessibility_violations().await?,
        Vec::<String>::new(),
        "checklist-visit2-after-urinalysis"
    );
    app.stop().await?;
    Ok(())
}

#[tokio::test]
async fn at_visit_three_the_mother_answers_the_phq9_herself_in_arabic() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let app = App::signed_in(data.path(), "Ebe Derya Koç").await?;
    register(&app, "Amal Darwish", "ar", 35).await?;
    app.click_named("record_visit_3").await?;
    app.wait_css("[name=save_visit]").await?;
    app.choose("mother.screening_instrument", "phq9").await?;
    app.click_named("self_screening").await?;

    // Her language is chosen for her; the screen shows nothing of her record.
    app.wait_css("[role=dialog][lang='ar'][dir='rtl']").await?;
    app.screenshot("checklist-screening-handover").await?;
    assert_eq!(
        app.accessibility_violations().await?,
        Vec::<String>::new(),
        "checklist-screening-handover"
    );
    app.click_named("screening_start").await?;
    let first = app.text("[role=dialog] legend").await?;
    assert_eq!(first, "قلة الاهتمام أو المتعة في القيام بالأشياء");
    // Whatever is under her finger belongs to the questionnaire: the top bar, her name and the
    // form are covered.
    let covered = app
        .js("return [[640, 30], [100, 400], [1200, 700]].every(([x, y]) => document.elementFromPoint(x, y).closest('[role=dialog]') !== null)")
        .await?;
    assert_eq!(covered, serde_json::json!(true));
    let overlay = app.text("[role=dialog]").await?;
    assert!(!overlay.contains("Amal"), "{overlay}");
    app.screenshot("checklist-screening-arabic-question").await?;
    assert_eq!(
        app.accessibility_violations().await?,
        Vec::<String>::new(),
        "checklist-screening-arabic-question"
    );
    // Eight answers of "several days", and item 9 (thoughts of self-harm) "several days" too.
    for item in 1..=9 {
        app.click("[role=dialog] [data-position='1']").await?;
        if item < 9 {
            app.click_named("screening_next").await?;
        }
    }
    app.click_named("screening_finish").await?;
    app.screenshot("checklist-screening-thanks").await?;
    assert_eq!(
        app.accessibility_violations().await?,
        Vec::<String>::new(),
        "checklist-screening-thanks"
    );
    app.click_named("screening_return").await?;
    app.wait_gone("[role=dialog]").await?;
    assert_eq!(app.text("[data-name='mother.phq9_total'] output").await?, "9");
    app.click_named("save_visit").await?;
    let dialog = app.text("[data-testid=raised-flags]").await?;
    assert!(dialog.contains("Kendine zarar verme düşüncesi"), "{dialog}");
    app.screenshot("checklist-screening-self-harm-urgent").await?;
    app.click_named("acknowledge_flags").await?;
    app.wait_css("[data-testid=urgent-flags]").await?;
    app.stop().await?;
    Ok(())
}
