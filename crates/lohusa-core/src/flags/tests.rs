//! Every threshold of the clinical reference, just below, at and just above it, for the mother and
//! the baby: which rule fires, at which level, and the reason it gives.

use super::*;
use crate::checklist::{BabyRef, Subject, answer_key, current};
use crate::registration::BirthMode;
use crate::schedule::VisitNumber;
use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

use FlagLevel::{Attention, Note, Urgent};

fn baby() -> BabyRef {
    BabyRef {
        id: BabyId(Uuid::from_u128(7)),
        birth_weight_g: 3000,
    }
}

fn answers_of(subject: Subject, values: &Value) -> Answers {
    values
        .as_object()
        .expect("an object of answers")
        .iter()
        .map(|(field, value)| {
            let key = answer_key((subject == Subject::Baby).then_some(baby().id), field);
            (key, value.clone())
        })
        .collect()
}

/// The answers that open the questions `values` answer, as the form requires: a test done, the
/// screening chosen, the wound asked about after a caesarean.
fn with_gates(values: &Value) -> (Value, BirthMode) {
    let mut all = values.as_object().cloned().unwrap_or_default();
    let keys: Vec<String> = all.keys().cloned().collect();
    let has = |prefix: &str| keys.iter().any(|k| k.starts_with(prefix));
    if has("hemoglobin") {
        all.insert("hb_done".into(), json!(true));
    }
    if has("ua_") {
        all.insert("ua_done".into(), json!(true));
    }
    for instrument in ["epds", "phq9"] {
        if has(&format!("{instrument}_")) {
            all.insert("screening_instrument".into(), json!(instrument));
        }
    }
    let mode = if has("wound") {
        BirthMode::Caesarean
    } else {
        BirthMode::Vaginal
    };
    (Value::Object(all), mode)
}

/// (rule, level, reasons) of every flag `values` raise on day `day` after birth, at visit 3 so
/// that every computed field exists. `previous` are the same subject's earlier answers.
fn raised(subject: Subject, values: &Value, day: i64, previous: Option<&Value>) -> Vec<(String, FlagLevel, String)> {
    let babies = [baby()];
    let birth_date: NaiveDate = "2026-11-01".parse().unwrap();
    let visit_date = birth_date + chrono::Duration::days(day);
    let (values, birth_mode) = with_gates(values);
    let form = FormContext {
        visit: VisitNumber::new(3).unwrap(),
        babies: &babies,
        birth_date,
        birth_mode,
        visit_date,
        today: visit_date,
    };
    let previous: Vec<Answers> = previous.iter().map(|p| answers_of(subject, p)).collect();
    let previous: Vec<&Answers> = previous.iter().collect();
    current()
        .flags(&form, &answers_of(subject, &values), &previous)
        .into_iter()
        .map(|f| (f.rule.clone(), f.level, f.english_reasons()))
        .collect()
}

/// The positions to answer an instrument with so that items score `scores` (1-based items).
fn positions(instrument: &str, scores: &[u32]) -> Value {
    let i = current().instrument(instrument).unwrap();
    let mut out = serde_json::Map::new();
    for (n, score) in scores.iter().enumerate() {
        let item = n as u32 + 1;
        let position = if i.reversed.contains(&item) {
            i.options - 1 - score
        } else {
            *score
        };
        out.insert(i.item_field(item), json!(position));
    }
    Value::Object(out)
}

type Case = (
    &'static str,
    Subject,
    Value,
    i64,
    Vec<(&'static str, FlagLevel, &'static str)>,
);

fn check(cases: Vec<Case>) {
    for (name, subject, values, day, expected) in cases {
        let expected: Vec<(String, FlagLevel, String)> = expected
            .into_iter()
            .map(|(r, l, why)| (r.to_owned(), l, why.to_owned()))
            .collect();
        assert_eq!(raised(subject, &values, day, None), expected, "{name}: {values}");
    }
}

#[test]
fn mother_blood_pressure_and_pulse() {
    use Subject::Mother as M;
    check(vec![
        ("139/89", M, json!({"bp_systolic": 139, "bp_diastolic": 89}), 3, vec![]),
        (
            "140/80",
            M,
            json!({"bp_systolic": 140, "bp_diastolic": 80}),
            3,
            vec![("hypertension", Attention, "bp_systolic 140 ≥ 140")],
        ),
        (
            "120/90",
            M,
            json!({"bp_systolic": 120, "bp_diastolic": 90}),
            3,
            vec![("hypertension", Attention, "bp_diastolic 90 ≥ 90")],
        ),
        (
            "159/109",
            M,
            json!({"bp_systolic": 159, "bp_diastolic": 109}),
            3,
            vec![(
                "hypertension",
                Attention,
                "bp_systolic 159 ≥ 140; bp_diastolic 109 ≥ 90",
            )],
        ),
        (
            "160/100",
            M,
            json!({"bp_systolic": 160, "bp_diastolic": 100}),
            3,
            vec![("severe_hypertension", Urgent, "bp_systolic 160 ≥ 160")],
        ),
        (
            "150/110",
            M,
            json!({"bp_systolic": 150, "bp_diastolic": 110}),
            3,
            vec![("severe_hypertension", Urgent, "bp_diastolic 110 ≥ 110")],
        ),
        (
            "164/102",
            M,
            json!({"bp_systolic": 164, "bp_diastolic": 102}),
            3,
            vec![("severe_hypertension", Urgent, "bp_systolic 164 ≥ 160")],
        ),
        // Pre-eclampsia: raised pressure with headache, vision change or protein in the urine.
        (
            "139 + headache",
            M,
            json!({"bp_systolic": 139, "headache": "mild"}),
            3,
            vec![],
        ),
        (
            "140 + headache",
            M,
            json!({"bp_systolic": 140, "headache": "mild"}),
            3,
            vec![("pre_eclampsia_signs", Urgent, "bp_systolic 140 ≥ 140; headache = mild")],
        ),
        (
            "90 diastolic + vision",
            M,
            json!({"bp_diastolic": 90, "vision_change": true}),
            3,
            vec![(
                "pre_eclampsia_signs",
                Urgent,
                "bp_diastolic 90 ≥ 90; vision_change = yes",
            )],
        ),
        (
            "140 + protein trace",
            M,
            json!({"bp_systolic": 140, "ua_protein": "trace"}),
            3,
            vec![("hypertension", Attention, "bp_systolic 140 ≥ 140")],
        ),
        (
            "140 + protein 1+",
            M,
            json!({"bp_systolic": 140, "ua_protein": "1+"}),
            3,
            vec![("pre_eclampsia_signs", Urgent, "bp_systolic 140 ≥ 140; ua_protein = 1+")],
        ),
        // Suspected bleeding: systolic below 90 with a pulse above 100.
        ("89 + 100", M, json!({"bp_systolic": 89, "pulse": 100}), 3, vec![]),
        (
            "90 + 101",
            M,
            json!({"bp_systolic": 90, "pulse": 101}),
            3,
            vec![("abnormal_pulse", Attention, "pulse 101 > 100")],
        ),
        (
            "89 + 101",
            M,
            json!({"bp_systolic": 89, "pulse": 101}),
            3,
            vec![("suspected_bleeding", Urgent, "bp_systolic 89 < 90; pulse 101 > 100")],
        ),
        (
            "pulse 59",
            M,
            json!({"pulse": 59}),
            3,
            vec![("abnormal_pulse", Attention, "pulse 59 < 60")],
        ),
        ("pulse 60", M, json!({"pulse": 60}), 3, vec![]),
        ("pulse 100", M, json!({"pulse": 100}), 3, vec![]),
    ]);
}

#[test]
fn mother_temperature_breathing_and_bleeding() {
    use Subject::Mother as M;
    check(vec![
        ("37.9", M, json!({"temperature": 37.9}), 3, vec![]),
        (
            "38.0",
            M,
            json!({"temperature": 38.0}),
            3,
            vec![("fever", Attention, "temperature 38 ≥ 38")],
        ),
        (
            "38.1",
            M,
            json!({"temperature": 38.1}),
            3,
            vec![("fever", Attention, "temperature 38.1 ≥ 38")],
        ),
        (
            "37.9 + foul lochia",
            M,
            json!({"temperature": 37.9, "lochia_smell": "foul"}),
            3,
            vec![],
        ),
        (
            "38 + foul lochia",
            M,
            json!({"temperature": 38.0, "lochia_smell": "foul"}),
            3,
            vec![(
                "fever_with_infection_signs",
                Urgent,
                "temperature 38 ≥ 38; lochia_smell = foul",
            )],
        ),
        (
            "38 + abdominal pain",
            M,
            json!({"temperature": 38.2, "pain_score": 5, "pain_site": ["back", "abdomen"]}),
            3,
            vec![(
                "fever_with_infection_signs",
                Urgent,
                "temperature 38.2 ≥ 38; pain_site = abdomen",
            )],
        ),
        (
            "38 + red wound",
            M,
            json!({"temperature": 38.0, "wound": "red"}),
            3,
            vec![("fever_with_infection_signs", Urgent, "temperature 38 ≥ 38; wound = red")],
        ),
        ("breathing 20", M, json!({"breathing_rate": 20}), 3, vec![]),
        (
            "breathing 21",
            M,
            json!({"breathing_rate": 21}),
            3,
            vec![("abnormal_breathing", Attention, "breathing_rate 21 > 20")],
        ),
        ("breathing 10", M, json!({"breathing_rate": 10}), 3, vec![]),
        (
            "breathing 9",
            M,
            json!({"breathing_rate": 9}),
            3,
            vec![("abnormal_breathing", Attention, "breathing_rate 9 < 10")],
        ),
        (
            "breathing 30",
            M,
            json!({"breathing_rate": 30}),
            3,
            vec![("abnormal_breathing", Attention, "breathing_rate 30 > 20")],
        ),
        (
            "breathing 31",
            M,
            json!({"breathing_rate": 31}),
            3,
            vec![("difficult_breathing", Urgent, "breathing_rate 31 > 30")],
        ),
        (
            "breathless",
            M,
            json!({"breathing_rate": 18, "breathlessness": true}),
            3,
            vec![("difficult_breathing", Urgent, "breathlessness = yes")],
        ),
        (
            "chest pain",
            M,
            json!({"chest_pain": true}),
            3,
            vec![("difficult_breathing", Urgent, "chest_pain = yes")],
        ),
        ("no chest pain", M, json!({"chest_pain": false}), 3, vec![]),
        (
            "pad soaked",
            M,
            json!({"pad_soaked_in_hour": true}),
            3,
            vec![("heavy_bleeding", Urgent, "pad_soaked_in_hour = yes")],
        ),
        (
            "clots",
            M,
            json!({"large_clots": true}),
            3,
            vec![("heavy_bleeding", Urgent, "large_clots = yes")],
        ),
        ("bright red day 4", M, json!({"bright_red_bleeding": true}), 4, vec![]),
        (
            "bright red day 5",
            M,
            json!({"bright_red_bleeding": true}),
            5,
            vec![("heavy_bleeding", Urgent, "bright_red_bleeding = yes; day_of_life 5 > 4")],
        ),
    ]);
}

#[test]
fn mother_neurology_legs_breasts_urine_and_pain() {
    use Subject::Mother as M;
    check(vec![
        (
            "convulsions",
            M,
            json!({"convulsions": true}),
            3,
            vec![("convulsions_or_severe_headache", Urgent, "convulsions = yes")],
        ),
        ("severe headache alone", M, json!({"headache": "severe"}), 3, vec![]),
        (
            "severe headache + vision",
            M,
            json!({"headache": "severe", "vision_change": true}),
            3,
            vec![(
                "convulsions_or_severe_headache",
                Urgent,
                "headache = severe; vision_change = yes",
            )],
        ),
        (
            "calf pain",
            M,
            json!({"calf_pain_one_side": true}),
            3,
            vec![("thrombosis", Urgent, "calf_pain_one_side = yes")],
        ),
        ("both legs swollen", M, json!({"leg_swelling": "both_legs"}), 3, vec![]),
        (
            "one leg swollen",
            M,
            json!({"leg_swelling": "one_leg"}),
            3,
            vec![("thrombosis", Urgent, "leg_swelling = one_leg")],
        ),
        (
            "hard red breast, no fever",
            M,
            json!({"breasts": ["hard_red_painful_area"], "temperature": 37.9}),
            3,
            vec![],
        ),
        (
            "hard red breast with fever",
            M,
            json!({"breasts": ["engorged", "hard_red_painful_area"], "temperature": 38.0}),
            3,
            vec![(
                "mastitis",
                Attention,
                "breasts = hard_red_painful_area; temperature 38 ≥ 38",
            )],
        ),
        (
            "retention",
            M,
            json!({"urinary_retention": true}),
            3,
            vec![("urinary_problem", Attention, "urinary_retention = yes")],
        ),
        (
            "burning, no fever",
            M,
            json!({"urinary_burning": true, "temperature": 37.9}),
            3,
            vec![],
        ),
        (
            "burning with fever",
            M,
            json!({"urinary_burning": true, "temperature": 38.0}),
            3,
            vec![
                ("fever", Attention, "temperature 38 ≥ 38"),
                (
                    "urinary_problem",
                    Attention,
                    "urinary_burning = yes; temperature 38 ≥ 38",
                ),
            ],
        ),
        ("nitrite negative", M, json!({"ua_nitrite": "negative"}), 3, vec![]),
        (
            "nitrite positive",
            M,
            json!({"ua_nitrite": "positive"}),
            3,
            vec![("urinary_problem", Attention, "ua_nitrite = positive")],
        ),
        ("leukocytes trace", M, json!({"ua_leukocytes": "trace"}), 3, vec![]),
        (
            "leukocytes 1+",
            M,
            json!({"ua_leukocytes": "1+"}),
            3,
            vec![("urinary_problem", Attention, "ua_leukocytes = 1+")],
        ),
        ("pain 6", M, json!({"pain_score": 6}), 3, vec![]),
        (
            "pain 7",
            M,
            json!({"pain_score": 7}),
            3,
            vec![("pain", Attention, "pain_score 7 ≥ 7")],
        ),
        (
            "pain 8",
            M,
            json!({"pain_score": 8}),
            3,
            vec![("pain", Attention, "pain_score 8 ≥ 7")],
        ),
    ]);
    // A rise of two points since the previous visit, even below 7.
    let rise = |now: i64, before: i64| raised(M, &json!({"pain_score": now}), 15, Some(&json!({"pain_score": before})));
    assert_eq!(rise(4, 3), vec![]);
    assert_eq!(
        rise(5, 3),
        vec![("pain".to_owned(), Attention, "pain_score 3 → 5 (+2 ≥ 2)".to_owned())]
    );
    assert_eq!(
        rise(6, 3),
        vec![("pain".to_owned(), Attention, "pain_score 3 → 6 (+3 ≥ 2)".to_owned())]
    );
}

#[test]
fn mother_hemoglobin_and_screening() {
    use Subject::Mother as M;
    check(vec![
        (
            "Hb 7.9",
            M,
            json!({"hemoglobin": 7.9}),
            15,
            vec![("severe_anaemia", Urgent, "hemoglobin 7.9 < 8")],
        ),
        (
            "Hb 7.5",
            M,
            json!({"hemoglobin": 7.5}),
            15,
            vec![("severe_anaemia", Urgent, "hemoglobin 7.5 < 8")],
        ),
        (
            "Hb 8.0",
            M,
            json!({"hemoglobin": 8.0}),
            15,
            vec![("moderate_anaemia", Attention, "hemoglobin 8 < 11")],
        ),
        (
            "Hb 10.9",
            M,
            json!({"hemoglobin": 10.9}),
            15,
            vec![("moderate_anaemia", Attention, "hemoglobin 10.9 < 11")],
        ),
        (
            "Hb 11.0",
            M,
            json!({"hemoglobin": 11.0}),
            15,
            vec![("mild_anaemia", Note, "hemoglobin 11 < 12")],
        ),
        (
            "Hb 11.9",
            M,
            json!({"hemoglobin": 11.9}),
            15,
            vec![("mild_anaemia", Note, "hemoglobin 11.9 < 12")],
        ),
        ("Hb 12.0", M, json!({"hemoglobin": 12.0}), 15, vec![]),
    ]);
    let epds = |scores: &[u32]| raised(M, &positions("epds", scores), 35, None);
    assert_eq!(epds(&[2, 2, 2, 2, 1, 1, 1, 1, 0, 0]), vec![], "EPDS 12");
    assert_eq!(
        epds(&[2, 2, 2, 2, 2, 1, 1, 1, 0, 0]),
        vec![(
            "depression_screen".to_owned(),
            Attention,
            "epds_total 13 ≥ 13".to_owned()
        )],
        "EPDS 13"
    );
    assert_eq!(
        epds(&[3, 3, 3, 3, 2, 0, 0, 0, 0, 0]),
        vec![(
            "depression_screen".to_owned(),
            Attention,
            "epds_total 14 ≥ 13".to_owned()
        )],
        "EPDS 14"
    );
    // Item 10 (reverse-scored) above zero is urgent whatever the total.
    assert_eq!(
        epds(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        vec![("self_harm".to_owned(), Urgent, "epds_self_harm 1 > 0".to_owned())]
    );
    let phq9 = |scores: &[u32]| raised(M, &positions("phq9", scores), 35, None);
    assert_eq!(phq9(&[2, 2, 2, 1, 1, 1, 0, 0, 0]), vec![], "PHQ-9 9");
    assert_eq!(
        phq9(&[2, 2, 2, 2, 1, 1, 0, 0, 0]),
        vec![(
            "depression_screen".to_owned(),
            Attention,
            "phq9_total 10 ≥ 10".to_owned()
        )]
    );
    assert_eq!(
        phq9(&[3, 3, 3, 3, 3, 3, 3, 3, 1]),
        vec![
            ("self_harm".to_owned(), Urgent, "phq9_self_harm 1 > 0".to_owned()),
            (
                "depression_screen".to_owned(),
                Attention,
                "phq9_total 25 ≥ 10".to_owned()
            ),
        ]
    );
}

#[test]
fn baby_thresholds() {
    use Subject::Baby as B;
    check(vec![
        ("37.5", B, json!({"baby_temperature": 37.5}), 3, vec![]),
        (
            "37.6",
            B,
            json!({"baby_temperature": 37.6}),
            3,
            vec![("baby_temperature", Urgent, "baby_temperature 37.6 > 37.5")],
        ),
        ("35.5", B, json!({"baby_temperature": 35.5}), 3, vec![]),
        (
            "35.4",
            B,
            json!({"baby_temperature": 35.4}),
            3,
            vec![("baby_temperature", Urgent, "baby_temperature 35.4 < 35.5")],
        ),
        ("breathing 60", B, json!({"baby_breathing_rate": 60}), 3, vec![]),
        (
            "breathing 61",
            B,
            json!({"baby_breathing_rate": 61}),
            3,
            vec![("baby_danger_signs", Urgent, "baby_breathing_rate 61 > 60")],
        ),
        (
            "in-drawing",
            B,
            json!({"chest_indrawing": true}),
            3,
            vec![("baby_danger_signs", Urgent, "chest_indrawing = yes")],
        ),
        ("feeding well", B, json!({"feeding_well": true}), 3, vec![]),
        (
            "not feeding well",
            B,
            json!({"feeding_well": false}),
            3,
            vec![("baby_danger_signs", Urgent, "feeding_well = no")],
        ),
        (
            "convulsions",
            B,
            json!({"baby_convulsions": true}),
            3,
            vec![("baby_danger_signs", Urgent, "baby_convulsions = yes")],
        ),
        (
            "no movement",
            B,
            json!({"moves_spontaneously": false}),
            3,
            vec![("baby_danger_signs", Urgent, "moves_spontaneously = no")],
        ),
        // Jaundice: in the first 24 h or on palms and soles urgent; after day 14 attention.
        (
            "jaundice face day 0",
            B,
            json!({"jaundice": "face"}),
            0,
            vec![("severe_jaundice", Urgent, "jaundice = face; day_of_life 0 < 1")],
        ),
        ("jaundice face day 1", B, json!({"jaundice": "face"}), 1, vec![]),
        ("jaundice face day 14", B, json!({"jaundice": "face"}), 14, vec![]),
        (
            "jaundice face day 15",
            B,
            json!({"jaundice": "face"}),
            15,
            vec![("late_jaundice", Attention, "jaundice = face; day_of_life 15 > 14")],
        ),
        (
            "jaundice soles day 3",
            B,
            json!({"jaundice": "palms_soles"}),
            3,
            vec![("severe_jaundice", Urgent, "jaundice = palms_soles")],
        ),
        (
            "jaundice soles day 20",
            B,
            json!({"jaundice": "palms_soles"}),
            20,
            vec![("severe_jaundice", Urgent, "jaundice = palms_soles")],
        ),
        ("no jaundice day 20", B, json!({"jaundice": "none"}), 20, vec![]),
        // Birth weight 3000 g: 2700 g is exactly -10 %, 2699 g just past it.
        ("2701 g", B, json!({"weight_g": 2701}), 4, vec![]),
        ("2700 g", B, json!({"weight_g": 2700}), 4, vec![]),
        (
            "2699 g",
            B,
            json!({"weight_g": 2699}),
            4,
            vec![("weight_loss", Attention, "weight_change_pct -10.03 < -10")],
        ),
        ("2990 g day 13", B, json!({"weight_g": 2990}), 13, vec![]),
        (
            "2999 g day 14",
            B,
            json!({"weight_g": 2999}),
            14,
            vec![(
                "not_back_to_birth_weight",
                Attention,
                "day_of_life 14 ≥ 14; weight_change_pct -0.03 < 0",
            )],
        ),
        ("3000 g day 14", B, json!({"weight_g": 3000}), 14, vec![]),
        ("cord clean", B, json!({"cord": "clean_dry"}), 3, vec![]),
        (
            "cord red",
            B,
            json!({"cord": "red"}),
            3,
            vec![("cord_infection", Attention, "cord = red")],
        ),
        (
            "cord pus",
            B,
            json!({"cord": "pus"}),
            3,
            vec![("cord_infection", Attention, "cord = pus")],
        ),
        ("eyes sticky", B, json!({"eyes": "sticky"}), 3, vec![]),
        (
            "eyes pus",
            B,
            json!({"eyes": "pus"}),
            3,
            vec![("eye_discharge", Attention, "eyes = pus")],
        ),
        ("gap 5 h", B, json!({"longest_gap_h": 5.0}), 3, vec![]),
        (
            "gap 5.1 h",
            B,
            json!({"longest_gap_h": 5.1}),
            3,
            vec![("infrequent_feeds", Attention, "longest_gap_h 5.1 > 5")],
        ),
        // Wet nappies: at least the day of life up to day 5, then 6 a day.
        ("3 nappies day 3", B, json!({"wet_nappies": 3}), 3, vec![]),
        (
            "2 nappies day 3",
            B,
            json!({"wet_nappies": 2}),
            3,
            vec![("few_wet_nappies", Attention, "wet_nappies 2 < expected_wet_nappies 3")],
        ),
        (
            "5 nappies day 8",
            B,
            json!({"wet_nappies": 5}),
            8,
            vec![("few_wet_nappies", Attention, "wet_nappies 5 < expected_wet_nappies 6")],
        ),
        ("6 nappies day 8", B, json!({"wet_nappies": 6}), 8, vec![]),
        (
            "LATCH 7",
            B,
            json!({"latch_l": 2, "latch_a": 1, "latch_t": 2, "latch_c": 1, "latch_h": 1}),
            3,
            vec![],
        ),
        (
            "LATCH 6",
            B,
            json!({"latch_l": 2, "latch_a": 1, "latch_t": 1, "latch_c": 1, "latch_h": 1}),
            3,
            vec![("low_latch", Attention, "latch_total 6 < 7")],
        ),
    ]);
}

#[test]
fn an_unmeasured_value_never_raises_a_flag() {
    assert_eq!(raised(Subject::Mother, &json!({}), 3, None), vec![]);
    assert_eq!(raised(Subject::Baby, &json!({}), 3, None), vec![]);
}

#[test]
fn urgent_flags_come_first_and_each_twin_has_its_own() {
    let twins = [
        baby(),
        BabyRef {
            id: BabyId(Uuid::from_u128(8)),
            birth_weight_g: 2500,
        },
    ];
    let birth_date: NaiveDate = "2026-11-01".parse().unwrap();
    let form = FormContext {
        visit: VisitNumber::new(1).unwrap(),
        babies: &twins,
        birth_date,
        birth_mode: BirthMode::Vaginal,
        visit_date: birth_date + chrono::Duration::days(3),
        today: birth_date + chrono::Duration::days(3),
    };
    let answers: Answers = [
        (answer_key(Some(twins[0].id), "cord"), json!("red")),
        (answer_key(Some(twins[1].id), "baby_temperature"), json!(38.0)),
        (answer_key(None, "pulse"), json!(110)),
    ]
    .into();
    let flags = current().flags(&form, &answers, &[]);
    let flags: Vec<(&str, Option<BabyId>)> = flags.iter().map(|f| (f.rule.as_str(), f.baby)).collect();
    assert_eq!(
        flags,
        [
            ("baby_temperature", Some(twins[1].id)),
            ("abnormal_pulse", None),
            ("cord_infection", Some(twins[0].id)),
        ]
    );
}

#[test]
fn an_answer_the_form_does_not_show_raises_nothing() {
    let babies: [BabyRef; 0] = [];
    let birth_date: NaiveDate = "2026-11-01".parse().unwrap();
    let form = FormContext {
        visit: VisitNumber::new(2).unwrap(),
        babies: &babies,
        birth_date,
        birth_mode: BirthMode::Vaginal,
        visit_date: birth_date + chrono::Duration::days(15),
        today: birth_date + chrono::Duration::days(15),
    };
    // A result left from before the test was marked "not done".
    let answers: Answers = [
        (answer_key(None, "hb_done"), json!(false)),
        (answer_key(None, "hemoglobin"), json!(7.5)),
    ]
    .into();
    assert!(current().flags(&form, &answers, &[]).is_empty());
    let done: Answers = [
        (answer_key(None, "hb_done"), json!(true)),
        (answer_key(None, "hemoglobin"), json!(7.5)),
    ]
    .into();
    assert_eq!(current().flags(&form, &done, &[])[0].rule, "severe_anaemia");
}

#[test]
fn a_rise_is_measured_from_the_last_visit_that_recorded_the_value() {
    use Subject::Mother as M;
    let babies = [baby()];
    let birth_date: NaiveDate = "2026-11-01".parse().unwrap();
    let form = FormContext {
        visit: VisitNumber::new(3).unwrap(),
        babies: &babies,
        birth_date,
        birth_mode: BirthMode::Vaginal,
        visit_date: birth_date + chrono::Duration::days(35),
        today: birth_date + chrono::Duration::days(35),
    };
    let visit_two = answers_of(M, &json!({"bp_systolic": 120}));
    let visit_one = answers_of(M, &json!({"pain_score": 2}));
    let now = answers_of(M, &json!({"pain_score": 5}));
    let flags = current().flags(&form, &now, &[&visit_two, &visit_one]);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].english_reasons(), "pain_score 2 → 5 (+3 ≥ 2)");
}
