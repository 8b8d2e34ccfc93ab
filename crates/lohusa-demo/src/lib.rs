//! Realistic, reproducible demo data: mothers at every stage of their follow-up, with Turkish and
//! Syrian names (in Latin and Arabic script), İzmir neighbourhoods, twins now and then, and visits
//! done, done late, missed and still open.
//!
//! The generator is pure: the same seed and `today` always give the same data. `seed` registers
//! each mother and records her visits through the ordinary store functions, so demo data is real.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use lohusa_core::checklist::answer_key;
use lohusa_core::ids::{BabyId, MotherId};
use lohusa_core::registration::{
    BabyInput, BabySex, BirthInput, BirthMode, Language, MotherInput, RegistrationInput, ResidencyStatus,
};
use lohusa_core::schedule::{VisitNumber, visit_windows};
use lohusa_core::time::istanbul_today;
use lohusa_core::visit::{VisitInput, VisitOutcome};
use lohusa_store::{Store, StoreError};

/// One mother to register, and the visits to record for her afterwards.
#[derive(Clone, Debug)]
pub struct DemoMother {
    pub registration: RegistrationInput,
    pub visits: Vec<DemoVisit>,
}

/// A visit to record once the mother exists (baby answers name the baby by its position).
#[derive(Clone, Debug)]
pub struct DemoVisit {
    pub number: VisitNumber,
    pub outcome: VisitOutcome,
    pub visited_on: NaiveDate,
    pub visited_at: String,
    pub visited_by: String,
    /// (baby position, field key, typed value); `None` is the mother.
    pub answers: Vec<(Option<usize>, &'static str, String)>,
}

impl DemoVisit {
    /// The visit as the form sends it, for `mother` whose babies are `babies` (by position).
    pub fn input(self, mother: MotherId, babies: &[BabyId]) -> VisitInput {
        VisitInput {
            mother_id: mother,
            number: self.number,
            outcome: self.outcome,
            visited_on: self.visited_on.to_string(),
            visited_at: self.visited_at,
            visited_by: self.visited_by,
            note: String::new(),
            answers: self
                .answers
                .into_iter()
                .map(|(baby, field, value)| (answer_key(baby.map(|i| babies[i]), field), value))
                .collect(),
        }
    }
}

const TURKISH_FIRST: &[&str] = &[
    "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Merve", "Büşra", "Esra", "Özlem", "Gülşen", "Şule", "İpek",
    "Derya", "Çiğdem", "Sıla", "Yağmur", "Ebru",
];
const TURKISH_LAST: &[&str] = &[
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Yıldız",
    "Yıldırım",
    "Öztürk",
    "Aydın",
    "Özdemir",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Aslan",
    "Çetin",
    "Işık",
    "Koç",
    "Kurt",
];
const SYRIAN_FIRST: &[&str] = &[
    "Fatima", "Amina", "Rasha", "Huda", "Nour", "Rim", "Hala", "Layla", "Zeinab", "Maryam", "Rukaya", "Asmaa", "Ghada",
    "Wafaa",
];
const SYRIAN_LAST: &[&str] = &[
    "Al-Hassan",
    "Al-Ahmad",
    "Hamdan",
    "Khalil",
    "Al-Ali",
    "Haddad",
    "Mansour",
    "Al-Khatib",
    "Darwish",
    "Al-Halabi",
    "Othman",
    "Sabbagh",
];
const ARABIC_SCRIPT: &[&str] = &[
    "فاطمة الحسن",
    "آمنة الأحمد",
    "نور خليل",
    "هدى حمدان",
    "ريم الحلبي",
    "مريم درويش",
    "زينب منصور",
    "رشا عثمان",
];
const BABY_NAMES_GIRL: &[&str] = &["Elif", "Zeynep", "Defne", "Asel", "Nour", "Lina", "Maya", "Hiba"];
const BABY_NAMES_BOY: &[&str] = &["Yusuf", "Ömer", "Mustafa", "Eymen", "Ahmad", "Omar", "Karim", "Ali"];
/// (district, neighbourhood) in İzmir.
const PLACES: &[(&str, &str)] = &[
    ("Konak", "Basmane"),
    ("Konak", "Kadifekale"),
    ("Konak", "Tepecik"),
    ("Konak", "Kemeraltı"),
    ("Karabağlar", "Esentepe"),
    ("Karabağlar", "Uzundere"),
    ("Buca", "Yenigün"),
    ("Buca", "Çamlıkule"),
    ("Bayraklı", "Onur"),
    ("Bornova", "Işıklar"),
];
const NURSES: &[&str] = &["Ebe Derya Koç", "Hemşire Gülay Tan", "Ebe Sevgi Aksoy"];

/// `count` mothers whose births fall over the last `max_days_ago` days before `today`.
/// A registration as a nurse fills it in: a mother of 28 in Basmane who speaks Turkish, a
/// vaginal birth on `birth_date` (YYYY-MM-DD), one girl of 3,200 g. For tests and benchmarks
/// that need one more mother.
pub fn registration(name: &str, birth_date: &str) -> lohusa_core::registration::RegistrationInput {
    use lohusa_core::registration::*;
    RegistrationInput {
        mother: MotherInput {
            full_name: name.into(),
            age_years: "28".into(),
            neighbourhood: "Basmane".into(),
            preferred_language: Some(Language::Tr),
            ..Default::default()
        },
        birth: BirthInput {
            birth_date: birth_date.into(),
            mode: Some(BirthMode::Vaginal),
            ..Default::default()
        },
        babies: vec![BabyInput {
            name: String::new(),
            sex: Some(BabySex::Female),
            birth_weight_g: "3200".into(),
        }],
    }
}

pub fn demo_mothers(seed: u64, count: usize, today: NaiveDate, max_days_ago: u64) -> Vec<DemoMother> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..count)
        .map(|i| demo_mother(&mut rng, today, max_days_ago, SCRIPTED.get(i).copied()))
        .collect()
}

/// The first demo mothers are the same days after birth whatever the date, so every demo shows
/// each state of the schedule: (days after birth, whether each window's visit was made).
const SCRIPTED: [(u64, [bool; 3]); 3] = [
    // Visit 1 late: nobody went on days 2–5.
    (8, [false, false, false]),
    // Visit 1 done; visit 2 late.
    (21, [true, false, false]),
    // Referred late, first seen now: visit 3 due, visits 1 and 2 passed.
    (33, [false, false, false]),
];

fn demo_mother(
    rng: &mut fastrand::Rng,
    today: NaiveDate,
    max_days_ago: u64,
    scripted: Option<(u64, [bool; 3])>,
) -> DemoMother {
    let syrian = rng.u8(0..100) < 45;
    let full_name = if syrian && rng.u8(0..100) < 35 {
        ARABIC_SCRIPT[rng.usize(0..ARABIC_SCRIPT.len())].to_owned()
    } else if syrian {
        format!("{} {}", pick(rng, SYRIAN_FIRST), pick(rng, SYRIAN_LAST))
    } else {
        format!("{} {}", pick(rng, TURKISH_FIRST), pick(rng, TURKISH_LAST))
    };
    let (district, neighbourhood) = PLACES[rng.usize(0..PLACES.len())];
    let days_ago = rng.u64(0..=max_days_ago);
    let days_ago = scripted.map_or(days_ago, |(days, _)| days);
    let birth_date = today - Days::new(days_ago);
    let discharge_days = if rng.u8(0..100) < 30 { 2 } else { 1 };
    let caesarean = discharge_days == 2;
    let twins = rng.u8(0..100) < 4;
    let babies = (0..if twins { 2 } else { 1 })
        .map(|_| {
            let girl = rng.bool();
            let base = if twins { 2400 } else { 3200 };
            BabyInput {
                name: if rng.u8(0..100) < 80 {
                    pick(rng, if girl { BABY_NAMES_GIRL } else { BABY_NAMES_BOY }).to_owned()
                } else {
                    String::new()
                },
                sex: Some(if girl { BabySex::Female } else { BabySex::Male }),
                birth_weight_g: (base + rng.i32(-500..=600)).to_string(),
            }
        })
        .collect::<Vec<_>>();
    let birth_weights: Vec<i32> = babies.iter().map(|b| b.birth_weight_g.parse().unwrap()).collect();
    let registration = RegistrationInput {
        mother: MotherInput {
            full_name,
            age_years: rng.u8(18..=41).to_string(),
            phone: format!(
                "05{:02} {:03} {:02} {:02}",
                rng.u8(30..=59),
                rng.u16(100..1000),
                rng.u8(10..100),
                rng.u8(10..100)
            ),
            street: format!("{}. Sokak No {}", rng.u16(1..1800), rng.u8(1..80)),
            neighbourhood: neighbourhood.to_owned(),
            district: district.to_owned(),
            residency_status: Some(if syrian {
                ResidencyStatus::TemporaryProtection
            } else {
                ResidencyStatus::Citizen
            }),
            nationality: if syrian {
                "Suriye".to_owned()
            } else {
                "Türkiye".to_owned()
            },
            id_number: id_number(rng, syrian),
            preferred_language: Some(if syrian { Language::Ar } else { Language::Tr }),
            interpreter_needed: syrian && rng.u8(0..100) < 60,
            ..Default::default()
        },
        birth: BirthInput {
            birth_date: birth_date.to_string(),
            discharge_date: (birth_date + Days::new(discharge_days)).min(today).to_string(),
            mode: Some(if caesarean {
                BirthMode::Caesarean
            } else {
                BirthMode::Vaginal
            }),
            gestational_weeks: rng.u8(36..=41).to_string(),
        },
        babies,
    };

    let mut visits = Vec::new();
    for window in visit_windows(birth_date) {
        if today < window.opens_on {
            break;
        }
        let roll = rng.u8(0..100);
        let roll = match scripted {
            // A visit made in its window, or nobody went.
            Some((_, made)) if made[usize::from(window.number.get() - 1)] => 0,
            Some(_) => 99,
            None => roll,
        };
        let window_open = today <= window.closes_on;
        // Open windows are recorded less often: the nurse has not been yet.
        let (outcome, visited_on) = if window_open {
            if roll < 35 {
                let latest = (today - window.opens_on).num_days() as u64;
                (VisitOutcome::Visited, window.opens_on + Days::new(rng.u64(0..=latest)))
            } else {
                continue;
            }
        } else if roll < 78 {
            let span = (window.closes_on - window.opens_on).num_days() as u64;
            (VisitOutcome::Visited, window.opens_on + Days::new(rng.u64(0..=span)))
        } else if roll < 86 {
            let late = (window.closes_on + Days::new(rng.u64(1..=4))).min(today);
            (VisitOutcome::Visited, late)
        } else if roll < 92 {
            let outcomes = [
                VisitOutcome::NotAtHome,
                VisitOutcome::Moved,
                VisitOutcome::Refused,
                VisitOutcome::Hospitalised,
            ];
            (outcomes[rng.usize(0..outcomes.len())], window.opens_on + Days::new(1))
        } else {
            continue; // Left late: nobody went.
        };
        let mut answers = Vec::new();
        if outcome == VisitOutcome::Visited {
            let systolic = rng.u16(100..=150);
            answers.push((None, "bp_systolic", systolic.to_string()));
            answers.push((None, "bp_diastolic", (systolic - rng.u16(35..=50)).to_string()));
            answers.push((None, "pulse", rng.u16(64..=104).to_string()));
            answers.push((
                None,
                "temperature",
                format!("{:.1}", 36.2 + f64::from(rng.u8(0..=14)) / 10.0),
            ));
            for (position, birth_weight) in birth_weights.iter().enumerate() {
                let day = (visited_on - birth_date).num_days() as i32;
                let change_pct = if day < 10 { -rng.i32(2..=9) } else { rng.i32(-2..=12) };
                answers.push((
                    Some(position),
                    "weight_g",
                    (birth_weight + birth_weight * change_pct / 100).to_string(),
                ));
                answers.push((
                    Some(position),
                    "baby_temperature",
                    format!("{:.1}", 36.5 + f64::from(rng.u8(0..=8)) / 10.0),
                ));
                for item in ["latch_l", "latch_a", "latch_t", "latch_c", "latch_h"] {
                    answers.push((Some(position), item, rng.u8(1..=2).to_string()));
                }
            }
        }
        visits.push(DemoVisit {
            number: window.number,
            outcome,
            visited_on,
            visited_at: format!("{:02}:{:02}", rng.u8(9..=16), rng.u8(0..4) * 15),
            visited_by: pick(rng, NURSES).to_owned(),
            answers,
        });
    }
    DemoMother { registration, visits }
}

fn pick<'a>(rng: &mut fastrand::Rng, options: &[&'a str]) -> &'a str {
    options[rng.usize(0..options.len())]
}

/// A valid identity number of the right kind, or none (many have none yet at referral).
fn id_number(rng: &mut fastrand::Rng, foreigner: bool) -> String {
    if rng.u8(0..100) < 30 {
        return String::new();
    }
    // Numbers starting with 99 are for foreigners only.
    let mut d: Vec<u32> = if foreigner { vec![9, 9] } else { vec![rng.u32(1..=8)] };
    while d.len() < 9 {
        d.push(rng.u32(0..=9));
    }
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    d.push((odd * 7 + 100 - even) % 10);
    d.push(d.iter().sum::<u32>() % 10);
    d.iter().map(|n| char::from_digit(*n, 10).unwrap()).collect()
}

/// Registers `count` demo mothers born over the last `max_days_ago` days and records their past
/// visits, each write stamped at the time it would have happened.
/// Does nothing when the store already holds mothers.
pub fn seed(
    store: &mut Store,
    seed: u64,
    count: usize,
    now: DateTime<Utc>,
    max_days_ago: u64,
) -> Result<usize, StoreError> {
    if store.n_mothers()? > 0 {
        return Ok(0);
    }
    let member = match store.local_member()? {
        Some(member) => member,
        None => store.set_local_member("Ebe Derya Koç", now)?,
    };
    let today = istanbul_today(now);
    for mut demo in demo_mothers(seed, count, today, max_days_ago) {
        let visits = std::mem::take(&mut demo.visits);
        let (mother, babies) = register(store, &demo, member.id, now)?;
        for visit in visits {
            let at = written_at(visit.visited_on, now);
            store.record_visit(&visit.input(mother, &babies), member.id, at)?;
        }
    }
    Ok(count)
}

/// Registers a demo mother on the day she was referred, her discharge day, as it happened;
/// returns her id and her babies' ids, in order.
pub fn register(
    store: &mut Store,
    demo: &DemoMother,
    member: lohusa_core::MemberId,
    now: DateTime<Utc>,
) -> Result<(MotherId, Vec<BabyId>), StoreError> {
    let discharge: NaiveDate = demo
        .registration
        .birth
        .discharge_date
        .parse()
        .expect("demo dates are valid");
    let mother = store.register_mother(&demo.registration, member, written_at(discharge, now))?;
    let babies = store
        .babies_of(store.birth_of(mother)?.id)?
        .iter()
        .map(|b| b.id)
        .collect();
    Ok((mother, babies))
}

/// When a record of `day` is written: noon in İzmir (09:00 UTC) that day, never after `now`.
pub fn written_at(day: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).expect("valid time"))
        .min(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lohusa_core::ids::BirthId;
    use lohusa_core::registration::{RegistrationIds, validate_registration};

    #[test]
    fn every_demo_registration_is_valid_and_the_data_is_reproducible() {
        let today: NaiveDate = "2026-11-25".parse().unwrap();
        let mothers = demo_mothers(7, 300, today, 50);
        let ids = RegistrationIds {
            mother: MotherId(Default::default()),
            birth: BirthId(Default::default()),
            babies: vec![BabyId(Default::default()); 2],
        };
        for mother in &mothers {
            validate_registration(&mother.registration, &ids, today).unwrap();
        }
        assert!(mothers.iter().any(|m| m.registration.babies.len() == 2), "some twins");
        assert!(mothers.iter().any(|m| {
            m.registration
                .mother
                .full_name
                .chars()
                .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
        }));
        let again = demo_mothers(7, 300, today, 50);
        assert_eq!(again[123].registration, mothers[123].registration);
    }

    #[test]
    fn seeding_registers_every_mother_and_records_her_visits() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("demo.sqlite3")).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        assert_eq!(seed(&mut store, 3, 120, now, 50).unwrap(), 120);
        assert_eq!(store.n_mothers().unwrap(), 120);
        let list = store.today_list(now).unwrap();
        assert!(
            !list.due.is_empty() && !list.late.is_empty() && !list.upcoming.is_empty(),
            "{list:?}"
        );
        // A second call leaves a store that already has mothers alone.
        assert_eq!(seed(&mut store, 3, 120, now, 50).unwrap(), 0);
    }
}
