//! Checklist definitions: every shipped file is consistent, and answers are parsed, checked,
//! hidden, computed and restored as the definitions say.

use super::*;
use crate::condition::VISIT_FACTS;
use crate::instrument::TextSource;
use uuid::Uuid;

fn baby(n: u128, weight: u32) -> BabyRef {
    BabyRef {
        id: BabyId(Uuid::from_u128(n)),
        birth_weight_g: weight,
    }
}

fn raw(pairs: &[(String, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.clone(), (*v).to_owned())).collect()
}

fn m(field: &str) -> String {
    answer_key(None, field)
}

fn form<'a>(visit: u8, babies: &'a [BabyRef], mode: BirthMode, day: i64) -> FormContext<'a> {
    let birth_date: NaiveDate = "2026-11-01".parse().unwrap();
    let visit_date = birth_date + chrono::Duration::days(day);
    FormContext {
        visit: VisitNumber::new(visit).unwrap(),
        babies,
        birth_date,
        birth_mode: mode,
        visit_date,
        today: visit_date,
    }
}

/// (field path, rule) of every error, or nothing.
fn errors_of(result: &Result<Answers, ValidationErrors>) -> Vec<(String, Rule)> {
    match result {
        Ok(_) => vec![],
        Err(errors) => errors.0.iter().map(|e| (e.field.clone(), e.rule)).collect(),
    }
}

#[test]
fn shipped_definitions_are_consistent() {
    for definition in shipped() {
        let v = definition.version;
        let mut keys = BTreeSet::new();
        let mut subject_of = BTreeMap::new();
        for section in &definition.sections {
            assert!(
                !section.visits.is_empty() && section.visits.iter().all(|n| (1..=3).contains(n)),
                "v{v} {}",
                section.id
            );
            for field in &section.fields {
                assert!(
                    keys.insert(field.key.clone()),
                    "v{v}: duplicate field key {}",
                    field.key
                );
                assert!(!field.key.contains('.'), "v{v}: {} has a dot", field.key);
                subject_of.insert(field.key.as_str(), (section.subject, &field.kind));
            }
        }
        // A condition reads fields of its own subject, or facts of the visit, and names options
        // the field has.
        let check_condition = |condition: &Condition, subject: Subject, owner: &str| {
            for field in condition.fields() {
                let known = VISIT_FACTS.contains(&field) || subject_of.get(field).is_some_and(|(s, _)| *s == subject);
                assert!(known, "v{v}: {owner} reads unknown field {field}");
            }
            for (field, options) in condition.options_named() {
                let allowed: Vec<String> = match subject_of.get(field).map(|(_, k)| *k) {
                    Some(FieldKind::Single { options } | FieldKind::Multiple { options }) => options.clone(),
                    Some(FieldKind::YesNo) => vec!["yes".into(), "no".into()],
                    None if field == "birth_mode" => vec!["vaginal".into(), "caesarean".into()],
                    other => panic!("v{v}: {owner} matches options of {field} ({other:?})"),
                };
                for option in options {
                    assert!(
                        allowed.contains(option),
                        "v{v}: {owner}: {field} has no option {option}"
                    );
                }
            }
        };
        for section in &definition.sections {
            let local: Vec<&str> = section.fields.iter().map(|f| f.key.as_str()).collect();
            // The form evaluates `show_if` over typed answers and visit facts only, not computed
            // fields (the UI has no computed values of other sections at hand).
            let not_computed = |c: &Condition, owner: &str| {
                for field in c.fields() {
                    let computed = matches!(subject_of.get(field), Some((_, FieldKind::Computed { .. })));
                    assert!(
                        !computed || VISIT_FACTS.contains(&field),
                        "v{v}: {owner} shows on computed {field}"
                    );
                }
            };
            if let Some(c) = &section.show_if {
                check_condition(c, section.subject, &section.id);
                not_computed(c, &section.id);
            }
            for field in &section.fields {
                if let Some(c) = &field.show_if {
                    check_condition(c, section.subject, &field.key);
                    not_computed(c, &field.key);
                }
                match &field.kind {
                    FieldKind::Computed { formula, .. } => match formula {
                        Formula::Sum { fields } => assert!(fields.iter().all(|f| local.contains(&f.as_str()))),
                        Formula::PercentChangeFromBirthWeight { field: f } => {
                            assert!(
                                local.contains(&f.as_str()) && section.subject == Subject::Baby,
                                "{}",
                                field.key
                            )
                        }
                        Formula::AtMost { field: f, .. } => {
                            assert!(local.contains(&f.as_str()) || VISIT_FACTS.contains(&f.as_str()))
                        }
                        Formula::DayOfLife => {}
                        Formula::InstrumentTotal { instrument } => assert!(definition.instrument(instrument).is_some()),
                        Formula::ItemScore { instrument, item } => {
                            let i = definition.instrument(instrument).expect("instrument");
                            assert!(*item >= 1 && *item <= i.items, "{}", field.key);
                        }
                    },
                    FieldKind::Number { min, max, .. } => assert!(min < max, "{}", field.key),
                    FieldKind::Scale { min, max } => assert!(min < max, "{}", field.key),
                    FieldKind::Choice { options } => assert!(!options.is_empty(), "{}", field.key),
                    FieldKind::Single { options } | FieldKind::Multiple { options } => {
                        let unique: BTreeSet<&String> = options.iter().collect();
                        assert!(options.len() >= 2 && unique.len() == options.len(), "{}", field.key);
                        assert!(
                            options.iter().all(|o| !o.contains(',') && !o.contains('.')),
                            "{}",
                            field.key
                        );
                    }
                    FieldKind::Item { instrument, item } => {
                        let i = definition.instrument(instrument).expect("instrument");
                        assert_eq!(field.key, i.item_field(*item));
                    }
                    FieldKind::YesNo | FieldKind::Date | FieldKind::Time | FieldKind::Text { .. } => {}
                }
            }
            for check in &section.checks {
                let (Check::Below { field, other } | Check::NotBefore { field, other }) = check;
                assert!(
                    local.contains(&field.as_str()) && local.contains(&other.as_str()),
                    "{check:?}"
                );
            }
        }
        // Every item of every instrument is asked.
        for instrument in &definition.instruments {
            for item in 1..=instrument.items {
                assert!(
                    keys.contains(&instrument.item_field(item)),
                    "v{v}: {} item {item}",
                    instrument.id
                );
            }
            assert!(instrument.reversed.iter().all(|r| *r >= 1 && *r <= instrument.items));
        }
        // Flag rules read fields of their subject; compared fields hold numbers.
        let ids: Vec<&str> = definition.flags.iter().map(|r| r.id.as_str()).collect();
        for rule in &definition.flags {
            check_condition(&rule.when, rule.subject, &rule.id);
            for s in &rule.supersedes {
                assert!(ids.contains(&s.as_str()), "rule {} supersedes unknown {s}", rule.id);
            }
        }
    }
    assert_eq!(by_version(current().version), Some(current()));
    assert_eq!(current().version, 2);
}

#[test]
fn the_current_definition_covers_every_check_of_the_clinical_reference() {
    // One field per item of the reference, so removing a question is a visible decision.
    let expected = [
        "general_condition",
        "sleep",
        "fatigue",
        "bp_systolic",
        "bp_diastolic",
        "pulse",
        "temperature",
        "breathing_rate",
        "fundal_height",
        "uterine_tenderness",
        "lochia_colour",
        "lochia_amount",
        "lochia_smell",
        "perineum",
        "wound",
        "breasts",
        "urinary_burning",
        "urinary_leakage",
        "urinary_retention",
        "bowel",
        "pain_score",
        "pain_site",
        "calf_pain_one_side",
        "leg_swelling",
        "headache",
        "vision_change",
        "mood",
        "danger_signs_explained",
        "fundus_at_pubic_bone",
        "uterus_involuted",
        "smear_advised",
        "gtt_advised",
        "family_planning_counselled",
        "sexual_health_counselled",
        "screening_instrument",
        "hemoglobin",
        "hb_sample_date",
        "hb_result_date",
        "hb_taken_by",
        "ua_ph",
        "ua_specific_gravity",
        "ua_leukocytes",
        "ua_nitrite",
        "ua_protein",
        "ua_glucose",
        "ua_ketones",
        "ua_blood",
        "ua_bilirubin",
        "ua_urobilinogen",
        "packages_given",
        "package_items",
        "counselling_topics",
        "referral_to",
        "referral_urgency",
        "referral_reason",
        "weight_g",
        "weight_change_pct",
        "baby_temperature",
        "jaundice",
        "cord",
        "feeds_per_day",
        "wet_nappies",
        "stools_per_day",
        "eyes",
        "skin",
        "feeding_well",
        "heel_prick_done",
        "hearing_screening_done",
        "hep_b_birth",
        "hep_b_month_1",
        "vitamin_d",
        "latch_total",
        "day_of_life",
    ];
    for key in expected {
        assert!(current().field(key).is_some(), "{key} is missing");
    }
    let epds = current().instrument("epds").unwrap();
    assert_eq!(epds.texts, TextSource::Licensed);
}

#[test]
fn answers_are_checked_against_ranges_choices_dates_and_cross_checks() {
    let twins = [baby(1, 3000), baby(2, 2500)];
    let first = answer_key(Some(twins[0].id), "weight_g");
    let second = answer_key(Some(twins[1].id), "weight_g");
    let yes = "yes";
    // (visit, answers, expected errors); the visit is on day 15, today.
    let cases: Vec<(u8, Vec<(String, &str)>, Vec<(String, Rule)>)> = vec![
        (1, vec![(m("bp_systolic"), "120"), (m("bp_diastolic"), "80")], vec![]),
        (
            1,
            vec![(m("bp_systolic"), "261")],
            vec![(format!("answers.{}", m("bp_systolic")), Rule::OutOfRange)],
        ),
        (1, vec![(m("bp_systolic"), "260")], vec![]),
        (1, vec![(m("bp_systolic"), "50")], vec![]),
        (
            1,
            vec![(m("bp_systolic"), "49")],
            vec![(format!("answers.{}", m("bp_systolic")), Rule::OutOfRange)],
        ),
        (
            1,
            vec![(m("bp_systolic"), "120"), (m("bp_diastolic"), "120")],
            vec![(format!("answers.{}", m("bp_diastolic")), Rule::MustBeBelow)],
        ),
        (1, vec![(m("temperature"), "36,8")], vec![]),
        (
            1,
            vec![(m("temperature"), "43.1")],
            vec![(format!("answers.{}", m("temperature")), Rule::OutOfRange)],
        ),
        (
            1,
            vec![(m("breathing_rate"), "4")],
            vec![(format!("answers.{}", m("breathing_rate")), Rule::OutOfRange)],
        ),
        (
            1,
            vec![(m("pulse"), "80.5")],
            vec![(format!("answers.{}", m("pulse")), Rule::NotAWholeNumber)],
        ),
        (
            1,
            vec![(m("pain_score"), "11")],
            vec![(format!("answers.{}", m("pain_score")), Rule::OutOfRange)],
        ),
        (
            1,
            vec![(m("pain_score"), "6.5")],
            vec![(format!("answers.{}", m("pain_score")), Rule::NotAWholeNumber)],
        ),
        (1, vec![(first.clone(), "2900"), (second.clone(), "2400")], vec![]),
        (
            1,
            vec![(second.clone(), "40000")],
            vec![(format!("answers.{second}"), Rule::OutOfRange)],
        ),
        (
            1,
            vec![(answer_key(Some(twins[0].id), "baby_temperature"), "42.5")],
            vec![(
                format!("answers.{}", answer_key(Some(twins[0].id), "baby_temperature")),
                Rule::OutOfRange,
            )],
        ),
        (
            1,
            vec![(answer_key(Some(twins[0].id), "latch_l"), "3")],
            vec![(
                format!("answers.{}", answer_key(Some(twins[0].id), "latch_l")),
                Rule::NotAChoice,
            )],
        ),
        (
            1,
            vec![(m("lochia_smell"), "sweet")],
            vec![(format!("answers.{}", m("lochia_smell")), Rule::NotAChoice)],
        ),
        (
            1,
            vec![(m("breasts"), "soft,wet")],
            vec![(format!("answers.{}", m("breasts")), Rule::NotAChoice)],
        ),
        (
            1,
            vec![(m("convulsions"), "maybe")],
            vec![(format!("answers.{}", m("convulsions")), Rule::NotAChoice)],
        ),
        (
            1,
            vec![(m("unknown"), "1")],
            vec![(format!("answers.{}", m("unknown")), Rule::NotAsked)],
        ),
        // Hemoglobin is asked at visits 2 and 3, not 1.
        (
            1,
            vec![(m("hb_done"), yes)],
            vec![(format!("answers.{}", m("hb_done")), Rule::NotAsked)],
        ),
        (2, vec![(m("hb_done"), yes), (m("hemoglobin"), "7.5")], vec![]),
        (
            2,
            vec![(m("hb_done"), yes), (m("hemoglobin"), "2.9")],
            vec![(format!("answers.{}", m("hemoglobin")), Rule::OutOfRange)],
        ),
        (
            2,
            vec![(m("hb_done"), yes), (m("hemoglobin"), "20.1")],
            vec![(format!("answers.{}", m("hemoglobin")), Rule::OutOfRange)],
        ),
        (
            2,
            vec![
                (m("hb_done"), yes),
                (m("hb_sample_date"), "16.11.2026"),
                (m("hb_result_date"), "15.11.2026"),
            ],
            vec![(format!("answers.{}", m("hb_result_date")), Rule::DateOrder)],
        ),
        (
            2,
            vec![(m("hb_done"), yes), (m("hb_sample_date"), "17.11.2026")],
            vec![(format!("answers.{}", m("hb_sample_date")), Rule::InTheFuture)],
        ),
        (
            2,
            vec![(m("hb_done"), yes), (m("hb_sample_date"), "31.10.2026")],
            vec![(format!("answers.{}", m("hb_sample_date")), Rule::BeforeBirth)],
        ),
        (
            2,
            vec![
                (m("hb_done"), yes),
                (m("hb_sample_date"), "16.11.2026"),
                (m("hb_result_date"), "16.11.2026"),
            ],
            vec![],
        ),
        (
            3,
            vec![(m("screening_instrument"), "epds"), (m("epds_1"), "4")],
            vec![(format!("answers.{}", m("epds_1")), Rule::NotAChoice)],
        ),
    ];
    for (visit, input, expected) in cases {
        let result = current().validate_answers(&form(visit, &twins, BirthMode::Vaginal, 15), &raw(&input));
        assert_eq!(errors_of(&result), expected, "visit {visit}: {input:?}");
    }
}

#[test]
fn answers_are_stored_typed() {
    let input = raw(&[
        (m("lochia_smell"), "foul"),
        (m("breasts"), "cracked_nipple, soft,cracked_nipple"),
        (m("convulsions"), "no"),
        (m("chest_pain"), "yes"),
        (m("pain_score"), "4"),
        (m("referred"), "yes"),
        (m("referral_reason"), "  Blood pressure  "),
        (m("screening_instrument"), "phq9"),
        (m("phq9_9"), "0"),
    ]);
    let answers = current()
        .validate_answers(&form(3, &[], BirthMode::Vaginal, 35), &input)
        .unwrap();
    assert_eq!(answers[&m("lochia_smell")], json!("foul"));
    // In the definition's order, each once.
    assert_eq!(answers[&m("breasts")], json!(["soft", "cracked_nipple"]));
    assert_eq!(answers[&m("convulsions")], json!(false));
    assert_eq!(answers[&m("chest_pain")], json!(true));
    assert_eq!(answers[&m("pain_score")], json!(4));
    assert_eq!(answers[&m("referral_reason")], json!("Blood pressure"));
    assert_eq!(answers[&m("phq9_9")], json!(0));

    // Storage keeps yes/no as integers and lists as JSON text; `restore` brings the types back.
    let mut stored: Answers = answers
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::Bool(b) => json!(i64::from(*b)),
                Value::Array(_) => json!(v.to_string()),
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    current().restore(&mut stored);
    assert_eq!(stored, answers);
}

#[test]
fn an_answer_to_a_question_the_form_does_not_show_is_refused_with_what_it_depends_on() {
    let input = raw(&[
        (m("wound"), "red"),
        (m("perineum"), "healing_well"),
        // Details of a urinalysis that was not done, one of them malformed.
        (m("ua_done"), "no"),
        (m("ua_nitrite"), "positive"),
        (m("ua_ph"), "nonsense"),
        // Where the pain is, with no pain.
        (m("pain_score"), "0"),
        (m("pain_site"), "back"),
    ]);
    let refused = current().validate_answers(&form(1, &[], BirthMode::Vaginal, 3), &input);
    let not_shown = |key: &str| (format!("answers.{}", m(key)), Rule::NotShown);
    assert_eq!(
        errors_of(&refused),
        [
            not_shown("pain_site"),
            not_shown("ua_nitrite"),
            not_shown("ua_ph"),
            not_shown("wound")
        ]
    );
    let depends_on: Vec<&str> = refused
        .as_ref()
        .unwrap_err()
        .0
        .iter()
        .map(|e| e.params["depends_on"].as_str())
        .collect();
    assert_eq!(depends_on, ["pain_score", "ua_done", "ua_done", "birth_mode"]);
    // After a caesarean the wound is asked and the perineum is not.
    let caesarean = current().validate_answers(
        &form(1, &[], BirthMode::Caesarean, 3),
        &raw(&[(m("wound"), "red"), (m("perineum"), "healing_well")]),
    );
    assert_eq!(errors_of(&caesarean), [not_shown("perineum")]);
    // A measured anaemia is never lost: a hemoglobin needs "hemoglobin tested".
    let visit2 = form(2, &[], BirthMode::Vaginal, 15);
    let hb = current().validate_answers(&visit2, &raw(&[(m("hemoglobin"), "7.9")]));
    assert_eq!(errors_of(&hb), [not_shown("hemoglobin")]);
    assert!(hb.unwrap_err().0[0].english_message().contains("hb_done"));
    // A self-harm answer needs the instrument it belongs to.
    let visit3 = form(3, &[], BirthMode::Vaginal, 35);
    let epds = current().validate_answers(&visit3, &raw(&[(m("epds_10"), "2")]));
    assert_eq!(errors_of(&epds), [not_shown("epds_10")]);
    let with_instrument = current()
        .validate_answers(
            &visit3,
            &raw(&[(m("screening_instrument"), "epds"), (m("epds_10"), "2")]),
        )
        .unwrap();
    assert_eq!(with_instrument[&m("epds_10")], json!(2));
    // A value keeps the decimals it was typed with: one more than the field records is refused,
    // a trailing zero is not.
    let fever = current().validate_answers(&visit2, &raw(&[(m("temperature"), "38,65")]));
    assert_eq!(
        errors_of(&fever),
        [(format!("answers.{}", m("temperature")), Rule::TooManyDecimals)]
    );
    let zero = current()
        .validate_answers(&visit2, &raw(&[(m("temperature"), "38,60")]))
        .unwrap();
    assert_eq!(zero[&m("temperature")], json!(38.6));
    // Empty answers to hidden questions are what a form sends for fields never typed: no error.
    let empty = current()
        .validate_answers(&visit2, &raw(&[(m("hb_done"), "no"), (m("hemoglobin"), " ")]))
        .unwrap();
    assert_eq!(empty.keys().collect::<Vec<_>>(), [&m("hb_done")]);
}

#[test]
fn lab_results_can_be_added_to_a_recorded_visit_and_nothing_else() {
    let f = form(2, &[], BirthMode::Vaginal, 16);
    let recorded = current()
        .validate_answers(
            &f,
            &raw(&[
                (m("bp_systolic"), "120"),
                (m("ua_done"), "yes"),
                (m("ua_sample_date"), "16.11.2026"),
                (m("ua_taken_by"), "Ebe Ayşe"),
            ]),
        )
        .unwrap();
    // A day later.
    let f = FormContext {
        today: f.today + chrono::Duration::days(1),
        ..f
    };
    let added = current()
        .validate_later(
            &f,
            &recorded,
            &raw(&[
                (m("ua_result_date"), "17.11.2026"),
                (m("ua_nitrite"), "positive"),
                (m("ua_protein"), "trace"),
            ]),
        )
        .unwrap();
    assert_eq!(
        added,
        [
            (m("ua_nitrite"), json!("positive")),
            (m("ua_protein"), json!("trace")),
            (m("ua_result_date"), json!("2026-11-17")),
        ]
        .into()
    );
    // The recorded sample date is checked against; other sections are closed.
    let refused = current().validate_later(
        &f,
        &recorded,
        &raw(&[(m("ua_result_date"), "15.11.2026"), (m("bp_systolic"), "150")]),
    );
    assert_eq!(
        errors_of(&refused),
        [
            (format!("answers.{}", m("ua_result_date")), Rule::DateOrder),
            (format!("answers.{}", m("bp_systolic")), Rule::NotAsked),
        ]
    );
    // Hemoglobin, not taken at the visit, can be added with its own dates.
    let hb = current()
        .validate_later(
            &f,
            &recorded,
            &raw(&[
                (m("hb_done"), "yes"),
                (m("hb_sample_date"), "17.11.2026"),
                (m("hemoglobin"), "7.5"),
            ]),
        )
        .unwrap();
    assert_eq!(hb[&m("hemoglobin")], json!(7.5));
}

#[test]
fn computed_fields_follow_their_formulas_per_baby() {
    let twins = [baby(1, 3000), baby(2, 2500)];
    let mut input = vec![
        (answer_key(Some(twins[0].id), "weight_g"), "2790"),
        (answer_key(Some(twins[1].id), "weight_g"), "2500"),
        (answer_key(Some(twins[0].id), "wet_nappies"), "2"),
    ];
    for (item, score) in [
        ("latch_l", "2"),
        ("latch_a", "1"),
        ("latch_t", "2"),
        ("latch_c", "1"),
        ("latch_h", "2"),
    ] {
        input.push((answer_key(Some(twins[0].id), item), score));
    }
    let f = form(1, &twins, BirthMode::Vaginal, 4);
    let answers = current().validate_answers(&f, &raw(&input)).unwrap();
    let computed = current().computed(&f, &answers);
    let get = |baby: usize, field: &str| computed.get(&answer_key(Some(twins[baby].id), field)).copied();
    assert!((get(0, "weight_change_pct").unwrap() + 7.0).abs() < 1e-9);
    assert_eq!(get(1, "weight_change_pct"), Some(0.0));
    assert_eq!(get(0, "latch_total"), Some(8.0));
    // The second twin's LATCH is unanswered, so it has no total rather than a wrong zero.
    assert_eq!(get(1, "latch_total"), None);
    assert_eq!(get(0, "day_of_life"), Some(4.0));
    assert_eq!(get(0, "expected_wet_nappies"), Some(4.0));
    let later = form(3, &twins, BirthMode::Vaginal, 35);
    assert_eq!(
        current().computed(&later, &Answers::new())[&answer_key(Some(twins[0].id), "expected_wet_nappies")],
        6.0
    );
}

#[test]
fn screening_totals_score_reversed_items_and_the_self_harm_item() {
    let epds = current().instrument("epds").unwrap();
    // Every answer the first printed option: 0 on items 1, 2, 4; 3 on the seven reversed items.
    let mut input = vec![(m("screening_instrument"), "epds".to_owned())];
    for item in 1..=10 {
        input.push((m(&epds.item_field(item)), "0".to_owned()));
    }
    let input: BTreeMap<String, String> = input.into_iter().collect();
    let f = form(3, &[], BirthMode::Vaginal, 35);
    let answers = current().validate_answers(&f, &input).unwrap();
    let computed = current().computed(&f, &answers);
    assert_eq!(computed[&m("epds_total")], 21.0);
    assert_eq!(computed[&m("epds_self_harm")], 3.0);
    // The PHQ-9 items were not asked: no total.
    assert!(!computed.contains_key(&m("phq9_total")));
}

#[test]
fn an_old_definition_still_validates_and_flags_by_its_own_rules() {
    let v1 = by_version(1).unwrap();
    let f = form(1, &[], BirthMode::Vaginal, 3);
    let answers = v1
        .validate_answers(&f, &raw(&[(m("bp_systolic"), "164"), (m("bp_diastolic"), "102")]))
        .unwrap();
    let flags = v1.flags(&f, &answers, &[]);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].rule, "severe_hypertension");
    // A v2 question is unknown to v1.
    let refused = v1.validate_answers(&f, &raw(&[(m("lochia_smell"), "foul")]));
    assert_eq!(
        errors_of(&refused),
        [(format!("answers.{}", m("lochia_smell")), Rule::NotAsked)]
    );
}

#[test]
fn one_lookup_for_every_shipped_definition_finds_what_each_would() {
    let values = [
        Value::Null,
        json!(true),
        json!(0),
        json!(1),
        json!(3),
        json!(-1),
        json!(2.5),
        json!(3400),
        json!(37.2),
        json!(1e9),
        json!(""),
        json!("x"),
        json!("yes"),
        json!("2026-11-20"),
        json!("10:30"),
        json!(["soft"]),
        json!(["soft", "soft"]),
        json!({"a": 1}),
    ];
    let mut names: Vec<&str> = shipped()
        .iter()
        .flat_map(|d| d.sections.iter().flat_map(|s| s.fields.iter().map(|f| f.key.as_str())))
        .chain(["no_such_field", ""])
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        // Each field's own options too.
        let mut tried = values.to_vec();
        for definition in shipped() {
            if let Some(FieldKind::Single { options } | FieldKind::Multiple { options }) =
                definition.field(name).map(|f| &f.kind)
            {
                tried.extend(options.iter().map(|o| json!(o)));
                tried.push(json!(options));
            }
        }
        for value in &tried {
            let each: Vec<Option<bool>> = shipped().iter().map(|d| d.fits_stored(name, value)).collect();
            let expected = if each.contains(&Some(true)) {
                Some(true)
            } else if each.contains(&Some(false)) {
                Some(false)
            } else {
                None
            };
            assert_eq!(fits_shipped(name, value), expected, "{name} = {value}");
        }
    }
}
