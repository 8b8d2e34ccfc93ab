//! Every indicator of November 2026 over five mothers, each value counted by hand below: a window
//! still open at the month's end, a closed case, twins, an extra visit, a mother with no visit.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::VisitNumber;
use crate::case::{CaseState, CloseReason};
use crate::checklist::Answers;
use crate::flags::Flag;
use crate::ids::{BabyId, BirthId, MemberId, MotherId, VisitId};
use crate::registration::{BabyRecord, BabySex, BirthMode, BirthRecord, Language, MotherRecord, ResidencyStatus};
use crate::review::{ReviewOrder, ReviewRecord};
use crate::visit::VisitRecord;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const N1: u128 = 0xA1;
const N2: u128 = 0xA2;

fn member(n: u128) -> MemberId {
    MemberId(Uuid::from_u128(n))
}

struct Seed {
    mothers: Vec<ProgrammeMother>,
    next: u128,
}

impl Seed {
    fn id(&mut self) -> Uuid {
        self.next += 1;
        Uuid::from_u128(self.next)
    }

    #[allow(clippy::too_many_arguments)]
    fn mother(
        &mut self,
        name: &str,
        residency: Option<ResidencyStatus>,
        nationality: &str,
        neighbourhood: &str,
        registered: &str,
        born: &str,
        discharged: Option<&str>,
        babies: u32,
    ) -> usize {
        let mother_id = MotherId(self.id());
        let birth_id = BirthId(self.id());
        let babies = (1..=babies)
            .map(|ordinal| BabyRecord {
                id: BabyId(self.id()),
                birth_id,
                mother_id,
                ordinal,
                name: None,
                sex: BabySex::Female,
                birth_weight_g: 3000,
            })
            .collect();
        self.mothers.push(ProgrammeMother {
            mother: MotherRecord {
                id: mother_id,
                full_name: name.into(),
                date_of_birth: None,
                age_years: Some(27),
                phone: None,
                street: None,
                neighbourhood: Some(neighbourhood.into()),
                district: Some("Bornova".into()),
                residency_status: residency,
                nationality: Some(nationality.into()),
                id_number: None,
                preferred_language: Language::Tr,
                interpreter_needed: false,
                registered_on: date(registered),
            },
            birth: BirthRecord {
                id: birth_id,
                mother_id,
                birth_date: date(born),
                discharge_date: discharged.map(date),
                mode: BirthMode::Vaginal,
                gestational_weeks: Some(39),
            },
            babies,
            visits: vec![],
            reviews: vec![],
            case: CaseState::default(),
            referral_source: None,
        });
        self.mothers.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn visit(
        &mut self,
        mother: usize,
        number: u8,
        outcome: VisitOutcome,
        on: &str,
        by: Option<u128>,
        answers: &[(&str, Value)],
        flags: Vec<Flag>,
    ) -> VisitId {
        let id = VisitId(self.id());
        let answers: Answers = answers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        let mother_id = self.mothers[mother].mother.id;
        self.mothers[mother].visits.push(ProgrammeVisit {
            visit: VisitRecord {
                id,
                mother_id,
                number: VisitNumber::new(number).unwrap(),
                outcome,
                visited_on: date(on),
                visited_at: Some(NaiveTime::from_hms_opt(10, 0, 0).unwrap()),
                visited_by: "Ebe Selin".into(),
                note: None,
                checklist_version: 2,
                answers,
                extra_visit_id: None,
            },
            recorded_by: by.map(member),
            flags,
        });
        id
    }
}

fn flag(rule: &str, level: FlagLevel) -> Flag {
    Flag {
        rule: rule.into(),
        level,
        baby: None,
        reasons: vec![],
    }
}

fn baby_key(seed: &Seed, mother: usize, ordinal: usize, field: &str) -> String {
    answer_key(Some(seed.mothers[mother].babies[ordinal].id), field)
}

/// The five mothers; see each one's comment for what she adds to November.
fn seeded() -> Vec<ProgrammeMother> {
    use VisitOutcome::*;
    let mut seed = Seed {
        mothers: vec![],
        next: 0x1000,
    };
    // Ayşe: registered 1 Nov, born 30 Oct, discharged 31 Oct, assigned to N1. Visit 1 on 2 Nov
    // (window 1–4 Nov) in window; visit 2 on 14 Nov (12–16 Nov) in window
    // with a hemoglobin of 9.5; visit 3's window opens 29 Nov and is still open on 6 Dec.
    let ayse = seed.mother(
        "Ayşe Yılmaz",
        Some(ResidencyStatus::Citizen),
        "T.C.",
        "Kazımdirik",
        "2026-11-01",
        "2026-10-30",
        Some("2026-10-31"),
        1,
    );
    seed.mothers[ayse].case.assigned_to = Some(member(N1));
    seed.visit(
        ayse,
        1,
        Visited,
        "2026-11-02",
        Some(N1),
        &[
            ("mother.ua_done", json!(true)),
            ("mother.packages_given", json!(["health_care", "baby_care"])),
        ],
        vec![],
    );
    seed.visit(
        ayse,
        2,
        Visited,
        "2026-11-14",
        Some(N1),
        &[("mother.hb_done", json!(true)), ("mother.hemoglobin", json!(9.5))],
        vec![flag("moderate_anaemia", FlagLevel::Attention)],
    );

    // Fatma: Syrian, referred by a hospital, registered 5 Nov, twins born 3 Nov (no discharge
    // date), needs an interpreter. Nobody at home on 5 Nov, visited on 8 Nov (in window) by N2:
    // LATCH 5 and 8, breastfeeding counselled, referred, an urgent flag signed off 8 hours
    // later. An extra visit on 20 Nov with a woman care package. Visit 2 (16–20 Nov) has
    // nothing recorded and passed when visit 3's window opened on 3 Dec.
    let fatma = seed.mother(
        "Fatma Al-Hasan",
        Some(ResidencyStatus::TemporaryProtection),
        "Suriyeli",
        "Kazımdirik",
        "2026-11-05",
        "2026-11-03",
        None,
        2,
    );
    seed.mothers[fatma].referral_source = Some("Tepecik Hastanesi".into());
    seed.mothers[fatma].mother.interpreter_needed = true;
    seed.visit(fatma, 1, NotAtHome, "2026-11-05", Some(N2), &[], vec![]);
    let latch = |seed: &Seed, ordinal: usize, scores: [u8; 5]| -> Vec<(String, Value)> {
        ["latch_l", "latch_a", "latch_t", "latch_c", "latch_h"]
            .iter()
            .zip(scores)
            .map(|(field, score)| (baby_key(seed, fatma, ordinal, field), json!(score)))
            .collect()
    };
    let mut answers: Vec<(String, Value)> = latch(&seed, 0, [1, 1, 1, 1, 1]);
    answers.extend(latch(&seed, 1, [2, 2, 2, 1, 1]));
    answers.push((
        "mother.counselling_topics".into(),
        json!(["breastfeeding", "danger_signs"]),
    ));
    answers.push(("mother.referred".into(), json!(true)));
    let answers: Vec<(&str, Value)> = answers.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let urgent = seed.visit(
        fatma,
        1,
        Visited,
        "2026-11-08",
        Some(N2),
        &answers,
        vec![flag("severe_hypertension", FlagLevel::Urgent)],
    );
    let mother_id = seed.mothers[fatma].mother.id;
    seed.mothers[fatma].reviews.push(ReviewRecord {
        id: Uuid::from_u128(0xBEEF),
        mother_id,
        visit_id: urgent,
        flags: vec!["severe_hypertension".into()],
        order: ReviewOrder::None,
        note: None,
        reviewed_by: "Dr. Kaya".into(),
        // 10:00 in İzmir is 07:00 UTC: eight hours later.
        reviewed_at: "2026-11-08T15:00:00Z".parse::<DateTime<Utc>>().unwrap(),
    });
    let extra = seed.visit(
        fatma,
        1,
        Visited,
        "2026-11-20",
        Some(N2),
        &[("mother.packages_given", json!(["woman_care"]))],
        vec![],
    );
    let extra_index = seed.mothers[fatma]
        .visits
        .iter()
        .position(|v| v.visit.id == extra)
        .unwrap();
    seed.mothers[fatma].visits[extra_index].visit.extra_visit_id = Some(Uuid::from_u128(0xE1));

    // Zahra: Afghan, born 12 Oct, visits 1 and 2 in October, case closed on 10 Nov (moved away):
    // her visit 3 window opens on 11 Nov, after the closing day, and is not counted.
    let zahra = seed.mother(
        "Zahra Ahmadi",
        Some(ResidencyStatus::InternationalProtection),
        "Afgan",
        "Erzene",
        "2026-10-13",
        "2026-10-12",
        None,
        1,
    );
    seed.visit(zahra, 1, Visited, "2026-10-15", Some(N1), &[], vec![]);
    seed.visit(zahra, 2, Visited, "2026-10-27", Some(N1), &[], vec![]);
    seed.mothers[zahra].case.closed_on = Some(date("2026-11-10"));
    seed.mothers[zahra].case.closed_reason = Some(CloseReason::MovedAway);

    // Meryem: Iranian, no residency status recorded, registered 25 Nov, born 24 Nov, assigned to
    // nobody and not visited: visit 1 (26–29 Nov) closed with nothing recorded.
    seed.mother(
        "Meryem Rahimi",
        None,
        "İran",
        "Erzene",
        "2026-11-25",
        "2026-11-24",
        None,
        1,
    );

    // Leyla: Iraqi, born 1 Oct; visit 3 made late on 13 Nov (window 31 Oct – 12 Nov) by a nurse
    // known only by her typed name: EPDS over the cut-off, referred to the psychologist, family
    // planning counselled, the baby breastfed only.
    let leyla = seed.mother(
        "Leyla Hüseyin",
        Some(ResidencyStatus::TemporaryProtection),
        "Irak",
        "Kazımdirik",
        "2026-10-02",
        "2026-10-01",
        None,
        1,
    );
    seed.visit(leyla, 1, Visited, "2026-10-04", Some(N1), &[], vec![]);
    seed.visit(leyla, 2, Visited, "2026-10-15", Some(N1), &[], vec![]);
    let mut answers: Vec<(String, Value)> = (1..=10).map(|i| (format!("mother.epds_{i}"), json!(2))).collect();
    answers.push(("mother.screening_instrument".into(), json!("epds")));
    answers.push(("mother.psychologist_referral".into(), json!(true)));
    answers.push(("mother.family_planning_counselled".into(), json!(true)));
    answers.push((baby_key(&seed, leyla, 0, "feeding_type"), json!("exclusive_breast")));
    let answers: Vec<(&str, Value)> = answers.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    seed.visit(
        leyla,
        3,
        Visited,
        "2026-11-13",
        None,
        &answers,
        vec![flag("depression_screen", FlagLevel::Attention)],
    );
    seed.mothers
}

fn november() -> ProgrammeReport {
    let members: MemberNames = [
        (member(N1), "Ebe Derya".to_owned()),
        (member(N2), "Ebe Hatice".to_owned()),
    ]
    .into_iter()
    .collect();
    programme_report(&seeded(), &members, date("2026-11-15"), date("2026-12-06"))
}

/// (indicator, numerator, denominator or None for a count, median)
const EXPECTED: &[(&str, u32, Option<u32>, Option<f64>)] = &[
    // Ayşe, Fatma, Meryem registered in November; Fatma referred; Meryem not visited.
    ("women_registered", 3, None, None),
    ("women_referred", 1, Some(3), None),
    ("women_reached", 2, Some(3), None),
    // Ayşe 1 and 2, Fatma 1 and the extra, Leyla 3 (Fatma's failed attempt is not a visit).
    ("visits_made", 5, None, None),
    // Visit 1 windows opening in November: Ayşe, Fatma in window; Meryem's closed empty.
    ("visit1_in_window", 2, Some(3), None),
    ("visit1_late", 0, Some(3), None),
    ("visit1_missed", 1, Some(3), None),
    ("visit1_not_yet_due", 0, Some(3), None),
    // Visit 2: Ayşe in window; Fatma's passed.
    ("visit2_in_window", 1, Some(2), None),
    ("visit2_late", 0, Some(2), None),
    ("visit2_missed", 1, Some(2), None),
    ("visit2_not_yet_due", 0, Some(2), None),
    // Visit 3: Ayşe's is open on 6 Dec; Zahra's opened after her case closed.
    ("visit3_in_window", 0, Some(1), None),
    ("visit3_late", 0, Some(1), None),
    ("visit3_missed", 0, Some(1), None),
    ("visit3_not_yet_due", 1, Some(1), None),
    ("all_three_visits", 0, Some(1), None),
    // Ayşe: 2 Nov − 31 Oct = 2 days; Fatma: 8 Nov − 3 Nov (no discharge date) = 5 days.
    ("days_discharge_to_first_visit", 2, Some(2), Some(3.5)),
    ("exclusive_breastfeeding_v3", 1, Some(1), None),
    // Fatma's twins: LATCH 5 and 8.
    ("latch_below_7", 1, Some(2), None),
    ("latch_support", 1, Some(1), None),
    ("hb_tested_v2", 1, Some(1), None),
    ("anaemia_moderate_severe", 1, Some(1), None),
    ("urinalysis_done", 1, Some(5), None),
    ("screening_done", 1, Some(1), None),
    ("screening_positive", 1, Some(1), None),
    ("psychologist_referred", 1, Some(1), None),
    ("urgent_flags", 1, None, None),
    ("urgent_signed_off", 1, Some(1), None),
    ("hours_to_sign_off", 1, Some(1), Some(8.0)),
    ("referrals_made", 1, Some(5), None),
    ("family_planning_counselled", 1, Some(1), None),
    ("packages_health_care", 1, None, None),
    ("packages_woman_care", 1, None, None),
    ("packages_baby_care", 1, None, None),
    // Fatma's two visits.
    ("interpreter_visits", 2, Some(5), None),
];

#[test]
fn every_indicator_of_the_month_as_counted_by_hand() {
    let report = november();
    assert_eq!(
        report.indicators.len(),
        EXPECTED.len(),
        "every indicator is in the table"
    );
    for (id, numerator, denominator, median) in EXPECTED {
        let cell = report.total(id).unwrap_or_else(|| panic!("{id} is computed"));
        assert_eq!(
            (cell.numerator, cell.denominator, cell.median),
            (*numerator, *denominator, *median),
            "{id}"
        );
    }
}

#[test]
fn breakdowns_add_up_to_the_team() {
    let report = november();
    for breakdown in &report.breakdowns {
        for (i, def) in report.indicators.iter().enumerate() {
            let total = &report.breakdowns[0].groups[0].cells[i];
            let numerator: u32 = breakdown.groups.iter().map(|g| g.cells[i].numerator).sum();
            let denominator: Option<u32> = breakdown.groups.iter().map(|g| g.cells[i].denominator).sum();
            assert_eq!(numerator, total.numerator, "{:?} {}", breakdown.dimension, def.id);
            assert_eq!(denominator, total.denominator, "{:?} {}", breakdown.dimension, def.id);
        }
    }
}

#[test]
fn breakdown_groups_by_residency_nationality_place_and_nurse() {
    let report = november();
    let get = |dimension, key, id| {
        let cell = report
            .cell(dimension, key, id)
            .unwrap_or_else(|| panic!("{dimension:?} {key} {id}"));
        (cell.numerator, cell.denominator)
    };
    // Residency: Ayşe a citizen, Fatma under temporary protection, Meryem not recorded.
    assert_eq!(
        get(Dimension::ResidencyStatus, "citizen", "women_registered"),
        (1, None)
    );
    assert_eq!(
        get(Dimension::ResidencyStatus, "temporary_protection", "women_referred"),
        (1, Some(1))
    );
    assert_eq!(
        get(Dimension::ResidencyStatus, "unknown", "women_reached"),
        (0, Some(1))
    );
    // Nationality as typed → ISO code: T.C. → TR, Suriyeli → SY, İran → IR, Irak → IQ.
    let nationality = report
        .breakdowns
        .iter()
        .find(|b| b.dimension == Dimension::Nationality)
        .unwrap();
    let keys: Vec<&str> = nationality.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["IR", "IQ", "SY", "TR"]);
    assert_eq!(get(Dimension::Nationality, "SY", "interpreter_visits"), (2, Some(2)));
    assert_eq!(get(Dimension::Nationality, "IQ", "screening_positive"), (1, Some(1)));
    // Neighbourhood within its district.
    assert_eq!(
        get(Dimension::Neighbourhood, "bornova/kazimdirik", "visits_made"),
        (5, None)
    );
    assert_eq!(
        get(Dimension::Neighbourhood, "bornova/erzene", "visit1_missed"),
        (1, Some(1))
    );
    // Nurse: a visit counts for its recorder; an empty window for the mother's nurse (Meryem:
    // nobody); a visit recorded by nobody known counts under the typed name.
    let n1 = member(N1).to_string();
    let n2 = member(N2).to_string();
    assert_eq!(get(Dimension::Nurse, &n1, "visits_made"), (2, None));
    assert_eq!(get(Dimension::Nurse, &n2, "visits_made"), (2, None));
    assert_eq!(get(Dimension::Nurse, "Ebe Selin", "visits_made"), (1, None));
    assert_eq!(get(Dimension::Nurse, "unknown", "visit1_missed"), (1, Some(1)));
    assert_eq!(get(Dimension::Nurse, &n1, "visit3_not_yet_due"), (1, Some(1)));
    let nurses = report
        .breakdowns
        .iter()
        .find(|b| b.dimension == Dimension::Nurse)
        .unwrap();
    let names: Vec<&str> = nurses.groups.iter().map(|g| g.name.en.as_str()).collect();
    assert_eq!(names, ["Ebe Derya", "Ebe Hatice", "Ebe Selin", "Nobody"]);
}

#[test]
fn a_deidentified_report_hides_small_cells() {
    let report = deidentify(november());
    assert!(report.deidentified);
    // 3 registered: hidden; 0 late visits of 3 windows: hidden by the denominator.
    assert!(report.total("women_registered").unwrap().suppressed);
    assert_eq!(report.total("women_registered").unwrap().numerator, 0);
    assert!(report.total("visit1_late").unwrap().suppressed);
    // 5 visits: shown; 1 of 5 referrals: hidden.
    let visits = report.total("visits_made").unwrap();
    assert_eq!((visits.numerator, visits.suppressed), (5, false));
    assert!(report.total("referrals_made").unwrap().suppressed);
    // No breakdown by nurse or neighbourhood leaves the team.
    let dimensions: Vec<Dimension> = report.breakdowns.iter().map(|b| b.dimension).collect();
    assert_eq!(
        dimensions,
        [
            Dimension::Total,
            Dimension::ResidencyStatus,
            Dimension::Nationality,
            Dimension::District
        ]
    );
    // A zero count stays a zero.
    let none = deidentify(programme_report(
        &[],
        &MemberNames::new(),
        date("2026-11-01"),
        date("2026-12-06"),
    ));
    let cell = none.total("visits_made").unwrap();
    assert_eq!((cell.numerator, cell.suppressed), (0, false));
}

#[test]
fn the_dictionary_defines_every_indicator_in_three_languages() {
    let dictionary = dictionary();
    let mut seen = std::collections::BTreeSet::new();
    for def in &dictionary.indicators {
        assert!(seen.insert(def.id.clone()), "{} twice", def.id);
        for text in [&def.name, &def.numerator] {
            assert!(
                !text.tr.is_empty() && !text.en.is_empty() && !text.ar.is_empty(),
                "{}",
                def.id
            );
        }
        assert_eq!(
            def.denominator.is_some(),
            def.kind != IndicatorKind::Count,
            "{}",
            def.id
        );
        assert_eq!(def.unit.is_some(), def.kind == IndicatorKind::Median, "{}", def.id);
    }
    let dimensions: Vec<Dimension> = dictionary.breakdowns.iter().map(|b| b.id).collect();
    assert_eq!(
        dimensions,
        [
            Dimension::Total,
            Dimension::ResidencyStatus,
            Dimension::Nationality,
            Dimension::District,
            Dimension::Neighbourhood,
            Dimension::Nurse
        ]
    );
}

#[test]
fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
    assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
    assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&mut []), None);
}

#[test]
fn a_window_family_is_hidden_together_and_small_medians_are_not_shown() {
    let mut report = november();
    let set = |report: &mut ProgrammeReport, id: &str, cell: Cell| {
        let i = report.indicators.iter().position(|d| d.id == id).unwrap();
        report.breakdowns[0].groups[0].cells[i] = cell;
    };
    let share = |n: u32, d: u32| Cell {
        numerator: n,
        denominator: Some(d),
        median: None,
        suppressed: false,
    };
    // 5 in window, 1 late, 1 missed, 0 not yet due, of 7: the 0 and the 5 would bound the two
    // hidden ones, so all four are hidden.
    set(&mut report, "visit1_in_window", share(5, 7));
    set(&mut report, "visit1_late", share(1, 7));
    set(&mut report, "visit1_missed", share(1, 7));
    set(&mut report, "visit1_not_yet_due", share(0, 7));
    set(&mut report, "visit2_in_window", share(10, 10));
    for id in ["visit2_late", "visit2_missed", "visit2_not_yet_due"] {
        set(&mut report, id, share(0, 10));
    }
    set(
        &mut report,
        "days_discharge_to_first_visit",
        Cell {
            numerator: 6,
            denominator: Some(6),
            median: Some(3.5),
            suppressed: false,
        },
    );
    set(
        &mut report,
        "hours_to_sign_off",
        Cell {
            numerator: 12,
            denominator: Some(12),
            median: Some(7.5),
            suppressed: false,
        },
    );
    let report = deidentify(report);
    for id in ["visit1_in_window", "visit1_late", "visit1_missed", "visit1_not_yet_due"] {
        assert!(report.total(id).unwrap().suppressed, "{id}");
    }
    assert!(!report.total("visit2_in_window").unwrap().suppressed);
    assert_eq!(report.total("days_discharge_to_first_visit").unwrap().median, None);
    assert_eq!(report.total("hours_to_sign_off").unwrap().median, Some(8.0));
}

#[test]
fn shown_numbers_are_rounded_to_5_so_hidden_ones_cannot_be_subtracted_out() {
    assert_eq!(
        [0, 5, 6, 7, 8, 12, 13, 1000].map(round_to_5),
        [0, 5, 5, 5, 10, 10, 15, 1000]
    );
    let mut report = november();
    // 6 of 7 women reached: shown 5 of 5; the one not reached cannot be told from 5 − 5.
    let i = report.indicators.iter().position(|d| d.id == "women_reached").unwrap();
    report.breakdowns[0].groups[0].cells[i] = Cell {
        numerator: 6,
        denominator: Some(7),
        median: None,
        suppressed: false,
    };
    let report = deidentify(report);
    let cell = report.total("women_reached").unwrap();
    assert_eq!(
        (cell.numerator, cell.denominator, cell.percent()),
        (5, Some(5), Some(100.0))
    );
}
