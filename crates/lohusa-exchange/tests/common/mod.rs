//! The realistic caseload the export tests share: registrations and visits typed on the core's
//! own forms, flags from its rules, two nurses (one on the team's list) and doctors' sign-offs.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use lohusa_core::VisitNumber;
use lohusa_core::checklist::{answer_key, current};
use lohusa_core::ids::{BabyId, BirthId, MemberId, MotherId, VisitId};
use lohusa_core::programme::MemberNames;
use lohusa_core::registration::{
    BabyInput, BabySex, BirthInput, BirthMode, Language, MotherInput, RegistrationIds, RegistrationInput,
    ResidencyStatus, validate_registration,
};
use lohusa_core::review::{ReviewInput, ReviewOrder, validate_review};
use lohusa_core::visit::{VisitContext, VisitInput, VisitOutcome, baby_refs, validate_visit, visit_flags};
use lohusa_exchange::{MotherExport, VisitExport};

pub fn today() -> NaiveDate {
    date("2027-01-12")
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn generated_at() -> DateTime<Utc> {
    instant("2027-01-12T06:30:00Z")
}

pub fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Who recorded a visit (the team member, when the store knows her) and the name typed on it.
pub struct Nurse {
    pub member: Option<MemberId>,
    pub name: &'static str,
}

pub const DERYA_ID: u128 = 0x900;
pub const ZEYNEP_ID: u128 = 0x901;
/// A member of the team's list.
pub const DERYA: Nurse = Nurse {
    member: Some(MemberId(Uuid::from_u128(DERYA_ID))),
    name: "Hemşire Derya Kaya",
};
/// A member the team's list does not have (a colleague from another district standing in).
pub const ZEYNEP: Nurse = Nurse {
    member: Some(MemberId(Uuid::from_u128(ZEYNEP_ID))),
    name: "Ebe Zeynep Arslan",
};
/// A visit whose recording member is not known, only the name typed on it.
pub const ZEYNEP_UNRECORDED: Nurse = Nurse {
    member: None,
    name: "Ebe Zeynep Arslan",
};

/// The team's list of members: Derya under her account's name, not as she types it on visits.
pub fn team() -> MemberNames {
    MemberNames::from([(MemberId(Uuid::from_u128(DERYA_ID)), "Derya Kaya".to_owned())])
}

/// A registration through the real form validation.
pub fn register(n: u128, registered_on: &str, input: RegistrationInput) -> MotherExport {
    let ids = RegistrationIds {
        mother: MotherId(Uuid::from_u128(n)),
        birth: BirthId(Uuid::from_u128(n + 1)),
        babies: (0..input.babies.len() as u128)
            .map(|i| BabyId(Uuid::from_u128(n + 10 + i)))
            .collect(),
    };
    let valid = validate_registration(&input, &ids, date(registered_on)).expect("a valid registration");
    MotherExport {
        mother: valid.mother,
        birth: valid.birth,
        babies: valid.babies,
        visits: vec![],
        reviews: vec![],
        case: Default::default(),
        referral_source: None,
    }
}

/// A visit typed on the form, validated and recorded, then every visit's flags recomputed as the
/// store does.
pub fn record(
    export: &mut MotherExport,
    nurse: &Nurse,
    n: u128,
    number: u8,
    outcome: VisitOutcome,
    (on, at): (&str, &str),
    answers: &[(String, &str)],
) {
    let input = VisitInput {
        mother_id: export.mother.id,
        number: VisitNumber::new(number).unwrap(),
        outcome,
        visited_on: on.into(),
        visited_at: at.into(),
        visited_by: nurse.name.into(),
        note: String::new(),
        answers: answers.iter().map(|(k, v)| (k.clone(), (*v).to_owned())).collect(),
    };
    let context = VisitContext {
        birth: &export.birth,
        babies: &export.babies,
        already_visited: false,
        today: today(),
    };
    let visit = validate_visit(&input, VisitId(Uuid::from_u128(n)), &context, current()).expect("a valid visit");
    export.visits.push(VisitExport {
        visit,
        recorded_by: nurse.member,
        flags: vec![],
    });
    let records: Vec<_> = export.visits.iter().map(|v| v.visit.clone()).collect();
    let refs = baby_refs(&export.babies);
    for v in &mut export.visits {
        v.flags = if v.visit.outcome == VisitOutcome::Visited {
            visit_flags(&v.visit, &export.birth, today(), &refs, &records)
        } else {
            vec![]
        };
    }
}

pub fn mother(key: &str) -> String {
    answer_key(None, key)
}

pub fn baby(export: &MotherExport, ordinal: usize, key: &str) -> String {
    answer_key(Some(export.babies[ordinal - 1].id), key)
}

/// Ayşe: citizen, twins by caesarean, three visits by Derya (hypertension, signed off by a doctor,
/// and a twin losing weight, with all vital signs of Ayşe and the first twin; then anaemia; then
/// an EPDS). Fatima: Syrian under temporary protection, Arabic-speaking, age only, not at home at
/// the first attempt (recorded without a member), then seen twice by Zeynep, whom the team's list
/// does not have (PHQ-9 and only a systolic pressure at the third visit).
pub fn caseload() -> Vec<MotherExport> {
    let mut ayse = register(
        0x100,
        "2026-11-24",
        RegistrationInput {
            mother: MotherInput {
                full_name: "Ayşe Yılmaz".into(),
                date_of_birth: "1994-03-12".into(),
                phone: "0532 123 45 67".into(),
                street: "1203/5 Sokak No: 7 D: 3".into(),
                neighbourhood: "Kazımdirik Mahallesi".into(),
                district: "Bornova".into(),
                residency_status: Some(ResidencyStatus::Citizen),
                nationality: "T.C.".into(),
                id_number: "10000000146".into(),
                preferred_language: Some(Language::Tr),
                ..MotherInput::default()
            },
            birth: BirthInput {
                birth_date: "2026-11-22".into(),
                discharge_date: "2026-11-24".into(),
                mode: Some(BirthMode::Caesarean),
                gestational_weeks: "37".into(),
            },
            babies: vec![
                BabyInput {
                    name: "Elif".into(),
                    sex: Some(BabySex::Female),
                    birth_weight_g: "2450".into(),
                },
                BabyInput {
                    name: String::new(),
                    sex: Some(BabySex::Male),
                    birth_weight_g: "2600".into(),
                },
            ],
        },
    );
    let visit1 = [
        (mother("bp_systolic"), "164"),
        (mother("bp_diastolic"), "102"),
        (mother("pulse"), "84"),
        (mother("temperature"), "36,8"),
        (mother("breathing_rate"), "18"),
        (baby(&ayse, 1, "weight_g"), "2300"),
        (baby(&ayse, 1, "baby_temperature"), "36.9"),
        (baby(&ayse, 1, "baby_breathing_rate"), "44"),
        (baby(&ayse, 2, "weight_g"), "2330"),
    ];
    record(
        &mut ayse,
        &DERYA,
        0x111,
        1,
        VisitOutcome::Visited,
        ("2026-11-25", "10:30"),
        &visit1,
    );
    let visit2 = [
        (mother("bp_systolic"), "128"),
        (mother("bp_diastolic"), "82"),
        (mother("hb_done"), "yes"),
        (mother("hb_sample_date"), "2026-12-06"),
        (mother("hemoglobin"), "10.4"),
        (baby(&ayse, 1, "weight_g"), "2620"),
        (baby(&ayse, 2, "weight_g"), "2750"),
    ];
    record(
        &mut ayse,
        &DERYA,
        0x112,
        2,
        VisitOutcome::Visited,
        ("2026-12-06", "14:15"),
        &visit2,
    );
    // Positions of the chosen options; items 3 and 5–10 are reverse scored: total 8.
    let epds = [1, 1, 2, 1, 2, 2, 2, 2, 3, 3];
    let mut visit3: Vec<(String, &str)> = vec![(mother("screening_instrument"), "epds")];
    let positions = ["0", "1", "2", "3"];
    visit3.extend(
        epds.iter()
            .enumerate()
            .map(|(i, p)| (mother(&format!("epds_{}", i + 1)), positions[*p])),
    );
    record(
        &mut ayse,
        &DERYA,
        0x113,
        3,
        VisitOutcome::Visited,
        ("2026-12-26", "09:45"),
        &visit3,
    );
    // The doctor signs off the severe hypertension of the first visit, and again the next day;
    // the second twin's weight loss is left open.
    for (n, at) in [(0x121, "2026-11-25T12:10:00Z"), (0x122, "2026-11-26T08:00:00Z")] {
        let first = &ayse.visits[0];
        let input = ReviewInput {
            mother_id: ayse.mother.id,
            visit_id: first.visit.id,
            flags: vec!["severe_hypertension".into()],
            order: ReviewOrder::Referral,
            note: String::new(),
        };
        let review = validate_review(&input, Uuid::from_u128(n), &first.flags, "Dr. Murat Öz", instant(at))
            .expect("a valid sign-off");
        ayse.reviews.push(review);
    }

    let mut fatima = register(
        0x200,
        "2026-11-21",
        RegistrationInput {
            mother: MotherInput {
                full_name: "فاطمة الأحمد".into(),
                age_years: "27".into(),
                phone: "+90 555 123 45 67".into(),
                neighbourhood: "Mevlana Mahallesi".into(),
                district: "Karabağlar".into(),
                residency_status: Some(ResidencyStatus::TemporaryProtection),
                nationality: "Suriye".into(),
                id_number: "99000000042".into(),
                preferred_language: Some(Language::Ar),
                interpreter_needed: true,
                ..MotherInput::default()
            },
            birth: BirthInput {
                birth_date: "2026-11-20".into(),
                mode: Some(BirthMode::Vaginal),
                ..BirthInput::default()
            },
            babies: vec![BabyInput {
                name: "ليلى".into(),
                sex: Some(BabySex::Female),
                birth_weight_g: "3100".into(),
            }],
        },
    );
    record(
        &mut fatima,
        &ZEYNEP_UNRECORDED,
        0x211,
        1,
        VisitOutcome::NotAtHome,
        ("2026-11-22", ""),
        &[],
    );
    let visit1 = [
        (mother("bp_systolic"), "118"),
        (mother("bp_diastolic"), "76"),
        (baby(&fatima, 1, "weight_g"), "3000"),
    ];
    record(
        &mut fatima,
        &ZEYNEP,
        0x212,
        1,
        VisitOutcome::Visited,
        ("2026-11-23", "11:00"),
        &visit1,
    );
    // PHQ-9 items score as chosen: total 11.
    let phq9 = ["2", "2", "1", "1", "1", "1", "1", "2", "0"];
    // Only the systolic pressure was taken.
    let mut visit3: Vec<(String, &str)> =
        vec![(mother("bp_systolic"), "124"), (mother("screening_instrument"), "phq9")];
    visit3.extend(
        phq9.iter()
            .enumerate()
            .map(|(i, p)| (mother(&format!("phq9_{}", i + 1)), *p)),
    );
    record(
        &mut fatima,
        &ZEYNEP,
        0x213,
        3,
        VisitOutcome::Visited,
        ("2026-12-22", "16:05"),
        &visit3,
    );

    vec![ayse, fatima]
}
