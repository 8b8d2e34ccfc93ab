//! Duplicate detection by example: spellings, identifiers, scores and the index.

use super::*;

fn person(n: u128, name: &str) -> Person {
    Person {
        id: Uuid::from_u128(n),
        full_name: name.to_owned(),
        ..Person::default()
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn spellings_of_one_name_share_a_phonetic_key() {
    let groups: &[&[&str]] = &[
        &[
            "Mohammed",
            "Muhammet",
            "Mohamad",
            "محمد",
            "Muhammed",
            "مُحَمَّد",
            "محـمد",
            "Mhd",
        ],
        &["Fatma", "Fatima", "Fatimah", "فاطمة", "Fatıma", "فاطمه", "FATMA"],
        &["Fatma", "Fadime"],
        &[
            "Fatma El Ahmed",
            "Fatıma Elahmet",
            "Fatima Al-Ahmad",
            "Fatimah Alahmed",
            "فاطمة الأحمد",
        ],
        &["Ayşe Yılmaz", "AYSE YILMAZ", "ayse  yilmaz"],
        &["Ahmad", "Ahmet", "Ehmed", "أحمد", "Ahmed"],
        &["Khadija", "Hatice", "Hadice", "خديجة", "Khadidja"],
        &["Aisha", "Ayşe", "Ayse", "عائشة", "Aysha"],
        &["Zeynep", "Zainab", "Zeinab", "زينب", "Zaynab"],
        &["Mariam", "Meryem", "Maryam", "مريم", "Meriem"],
        &["Abdullah", "Abdallah", "عبدالله", "عبد الله"],
        &["Al-Hassan", "Elhasan", "الحسن", "El Hasan", "Al Hasan"],
        &["Nour", "Nur", "نور", "Noor"],
        &["Yusuf", "Yousef", "Youssef", "يوسف"],
        &["Hüseyin", "Hussein", "Husayn", "حسين", "Huseyin"],
        &["Rukiye", "Ruqayya", "رقية", "Rukaye"],
        &["Şeyma", "Shaima", "Shayma", "شيماء", "Seyma"],
        &["Ömer", "Omar", "Umar", "عمر", "Omer"],
        &["İbrahim", "Ibrahim", "إبراهيم", "IBRAHIM"],
        &["Özdemir", "OZDEMIR"],
        &[
            "Abdurrahman",
            "Abdul Rahman",
            "Abd al-Rahman",
            "عبد الرحمن",
            "Abdel Rahman",
        ],
        &["Ar-Rashid", "Al Rashid", "الرشيد", "Er-Reşit"],
        &["Emine", "Amina", "أمينة", "Ameena"],
        &["Leyla", "Layla", "Laila", "ليلى"],
        &["Merve", "Marwa", "مروة"],
        &["Halit", "Khaled", "Khalid", "خالد", "Halid"],
        &["Yasemin", "Yasmin", "ياسمين", "Yasmeen"],
        &["Iman", "Eman", "إيمان", "ايمان"],
        &["Mahmoud", "Mahmut", "Mahmud", "محمود"],
        &["Mansour", "Mansur", "منصور"],
        &["Masoud", "Mesut", "مسعود"],
        &["Said", "Saeed", "سعيد"],
        &["Ayman", "Eymen", "أيمن"],
        &["Aya", "آية", "Ayah"],
        &["Osman", "Othman", "عثمان", "Usman"],
        &["Nesrin", "Nisreen", "نسرين", "Nasrin"],
        &["Sümeyye", "Sumayya", "سمية", "Sumeyye"],
        &["Nadia", "Nadiye", "نادية"],
        &["Neval", "Nawal", "نوال"],
        &["Saleh", "Salih", "صالح"],
        &["Ez-Zubi", "Al Zoubi", "الزعبي"],
    ];
    let mut pairs = 0;
    for group in groups {
        let first = phonetic_key(group[0]);
        assert!(!first.is_empty(), "{}", group[0]);
        for other in &group[1..] {
            assert_eq!(phonetic_key(other), first, "{} vs {}", group[0], other);
            pairs += 1;
        }
    }
    assert!(pairs >= 25, "{pairs} pairs");
}

#[test]
fn keys_are_as_documented() {
    let cases: &[(&str, &str)] = &[
        ("Mohammed", "mhmt"),
        ("Fatma", "ftma"),
        ("Ömer", "amr"),
        ("Ayşe", "aysa"),
        ("Amina", "amna"),
        ("Iman", "amn"),
        ("Selma", "slma"),
        ("Selim", "slm"),
        ("Abdullah", "abtla"),
        ("Ali", "ala"),
        ("Ayla", "ayla"),
        ("Hasan", "hsn"),
        ("Hüseyin", "hsyn"),
        ("Marwa", "mrva"),
        ("Nur", "nr"),
        ("El Ahmed", "alhmt"),
        ("Ar-Rashid", "arst"),
        ("Abdul Rahman", "abtrhmn"),
        ("محمود", "mhmut"),
        ("Fatma El Ahmed", "ftma alhmt"),
        ("", ""),
        ("— / —", ""),
    ];
    for (name, key) in cases {
        assert_eq!(phonetic_key(name), *key, "{name}");
    }
}

#[test]
fn different_names_keep_different_keys() {
    let pairs: &[(&str, &str)] = &[
        ("Ali", "Ayla"),
        ("Ahmet", "Mehmet"),
        ("Zeynep", "Zehra"),
        ("Emine", "Emel"),
        ("Hasan", "Hüseyin"),
        ("Meryem", "Merve"),
        ("Ayşe", "Aysel"),
        ("Esra", "Esma"),
        ("Sema", "Seda"),
        ("Fatma", "Hatice"),
        ("Hatice", "Hacer"),
        ("Gül", "Gülay"),
        ("Zehra", "Tahire"),
        ("Aslan", "Arslan"),
        ("Fatma Yılmaz", "Fatma Yıldız"),
        ("Iman", "Amina"),
        ("Mahmoud", "Mohammed"),
        ("Mahmut", "Mehmet"),
        ("إيمان", "أمينة"),
        ("Selim", "Selma"),
        ("Cemil", "Cemile"),
        ("Yasmin", "Yasmine"),
    ];
    for (a, b) in pairs {
        assert_ne!(phonetic_key(a), phonetic_key(b), "{a} vs {b}");
    }
}

#[test]
fn latin_key_transliterates_and_folds() {
    let cases: &[(&str, &str)] = &[
        ("  AYŞE   YILMAZ ", "ayse yilmaz"),
        ("Fatıma Elahmet", "fatima elahmet"),
        ("Fatima Al-Ahmad", "fatima al ahmad"),
        ("İBRAHİM Çağlar-Öztürk", "ibrahim caglar ozturk"),
        ("Ma'ruf", "maruf"),
        ("فاطمة الأحمد", "fatma al ahmd"),
        ("مُحَمَّد", "mhmd"),
        ("عائشة", "aisa"),
        ("وفاء", "vfa"),
        ("يوسف", "yusf"),
        ("Ḥasan", "hasan"),
    ];
    for (raw, expected) in cases {
        assert_eq!(latin_key(raw), *expected, "{raw}");
    }
}

#[test]
fn phones_and_identity_numbers_are_compared_by_their_digits() {
    for raw in [
        "0532 123 45 67",
        "+90 532 1234567",
        "5321234567",
        "(0532) 123-45-67",
        "0090 532 123 45 67",
        "٠٥٣٢١٢٣٤٥٦٧",
    ] {
        assert_eq!(normalize_phone(raw).as_deref(), Some("5321234567"), "{raw}");
    }
    assert_eq!(normalize_phone("+963 944 123 456"), normalize_phone("0944 123 456"));
    assert_eq!(normalize_phone("123"), None);
    assert_eq!(normalize_phone("0000000000"), None);
    assert_eq!(phone_numbers("0532 123 45 67 / 0544 765 43 21").len(), 2);
    assert_eq!(normalize_id_number("991 234 567 80").as_deref(), Some("99123456780"));
    assert_eq!(normalize_id_number("٩٩١٢٣٤٥٦٧٨٠").as_deref(), Some("99123456780"));
    assert_eq!(normalize_id_number("00000000000"), None);
    assert!(one_typo_apart("99123456780", "99123456789"));
    assert!(one_typo_apart("99123456780", "99123457680"));
    assert!(!one_typo_apart("99123456780", "99123450000"));
}

#[test]
fn same_identity_number_is_a_suspect_whatever_the_spelling() {
    let mut existing = person(1, "Fatma El Ahmed");
    existing.id_number = Some("99123456780".into());
    let index = MatchIndex::new([existing]);

    let mut probe = person(2, "Fatimah Alahmad");
    probe.id_number = Some("991 234 567 80".into());
    let found = index.candidates(&probe);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, Uuid::from_u128(1));
    assert!(found[0].reasons.contains(&MatchReason::SameIdNumber));
    assert!(found[0].reasons.contains(&MatchReason::NameSpelling));

    // The identity number alone, with a name written quite differently.
    probe.full_name = "Um Ahmad".into();
    let found = index.candidates(&probe);
    assert_eq!(found.len(), 1);
    assert!(found[0].score >= SUSPECT_THRESHOLD);
    assert_eq!(found[0].reasons, vec![MatchReason::SameIdNumber]);
}

#[test]
fn same_name_and_same_phone_in_another_format_is_a_suspect() {
    let mut existing = person(1, "Ayşe Yılmaz");
    existing.phone = Some("0532 123 45 67".into());
    let index = MatchIndex::new([existing]);

    let mut probe = person(2, "AYSE YILMAZ");
    probe.phone = Some("+90 532 1234567".into());
    let found = index.candidates(&probe);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].reasons,
        vec![MatchReason::NameSpelling, MatchReason::SamePhone]
    );
    assert_eq!(found[0].score, 70);
}

#[test]
fn same_name_alone_is_not_a_suspect() {
    let mut existing = person(1, "Fatma Yılmaz");
    existing.age_years = Some(28);
    let index = MatchIndex::new([existing]);
    let mut probe = person(2, "Fatma Yilmaz");
    probe.age_years = Some(28);
    assert!(index.candidates(&probe).is_empty());
    let s = compare(&probe, &person(1, "Fatma Yılmaz"));
    assert_eq!(s.reasons, vec![MatchReason::NameSpelling]);
    assert!(s.score < SUSPECT_THRESHOLD);
}

#[test]
fn different_identity_numbers_outweigh_name_and_phone() {
    let mut existing = person(1, "Zeynep Kaya");
    existing.id_number = Some("10000000146".into());
    existing.phone = Some("05321234567".into());
    let index = MatchIndex::new([existing]);

    let mut probe = person(2, "Zeynep Kaya");
    probe.id_number = Some("20000000046".into());
    assert!(index.candidates(&probe).is_empty());
    probe.phone = Some("5321234567".into());
    assert!(index.candidates(&probe).is_empty());
    let s = compare(&probe, &person(1, "Zeynep Kaya"));
    assert_eq!(s.reasons, vec![MatchReason::NameSpelling]);
}

#[test]
fn one_mistyped_digit_of_the_identity_number_with_the_same_name_is_a_suspect() {
    let mut existing = person(1, "Meryem Aydın");
    existing.id_number = Some("10000000146".into());
    let index = MatchIndex::new([existing]);
    let mut probe = person(2, "Meryem Aydin");
    probe.id_number = Some("10000000164".into());
    let found = index.candidates(&probe);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].reasons,
        vec![MatchReason::SimilarIdNumber, MatchReason::NameSpelling]
    );
}

#[test]
fn swapped_word_order_with_the_same_baby_birth_date_is_a_suspect() {
    let mut existing = person(1, "Fatma El Ahmed");
    existing.baby_birth_date = Some(date(2026, 3, 14));
    let index = MatchIndex::new([existing]);

    let mut probe = person(2, "El Ahmed Fatma");
    probe.baby_birth_date = Some(date(2026, 3, 15));
    let found = index.candidates(&probe);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].reasons,
        vec![MatchReason::NameSpelling, MatchReason::SameBabyBirthDate]
    );

    // Two days apart is another birth.
    probe.baby_birth_date = Some(date(2026, 3, 16));
    assert!(index.candidates(&probe).is_empty());
}

#[test]
fn a_missing_middle_name_still_matches() {
    let mut existing = person(1, "Fatma Zehra Yılmaz");
    existing.date_of_birth = Some(date(1995, 6, 1));
    let index = MatchIndex::new([existing]);
    let mut probe = person(2, "Yilmaz Fatma");
    probe.date_of_birth = Some(date(1995, 6, 1));
    let found = index.candidates(&probe);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].reasons,
        vec![MatchReason::NameSpelling, MatchReason::SameDateOfBirth]
    );
}

#[test]
fn same_phone_and_a_similar_name_is_a_suspect() {
    let mut existing = person(1, "Fatma Yılmaz");
    existing.phone = Some("0532 123 45 67".into());
    let mut other = person(3, "Hatice Demir");
    other.phone = Some("0532 123 45 67".into());
    let index = MatchIndex::new([existing, other]);

    // A typo in the surname.
    let mut probe = person(2, "Fatma Yilnaz");
    probe.phone = Some("5321234567".into());
    let found = index.candidates(&probe);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, Uuid::from_u128(1));
    assert_eq!(found[0].reasons, vec![MatchReason::NameSimilar, MatchReason::SamePhone]);

    // The article dropped.
    let mut existing = person(1, "Fatma El Ahmed");
    existing.phone = Some("0532 123 45 67".into());
    let index = MatchIndex::new([existing]);
    let mut probe = person(2, "Fatma Ahmed");
    probe.phone = Some("5321234567".into());
    let found = index.candidates(&probe);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reasons, vec![MatchReason::NameSimilar, MatchReason::SamePhone]);
}

#[test]
fn latin_and_arabic_spellings_find_each_other() {
    let mut arabic = person(1, "فاطمة الأحمد");
    arabic.phone = Some("٠٥٣٢ ١٢٣ ٤٥ ٦٧".into());
    let mut latin = person(2, "Fatima Al-Ahmad");
    latin.phone = Some("+90 532 123 45 67".into());

    let found = MatchIndex::new([arabic.clone()]).candidates(&latin);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, arabic.id);
    assert_eq!(
        found[0].reasons,
        vec![MatchReason::NameSpelling, MatchReason::SamePhone]
    );

    let found = MatchIndex::new([latin.clone()]).candidates(&arabic);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, latin.id);

    // A long vowel written in Arabic only still counts as a similar name.
    let mut existing = person(3, "لينا حسن");
    existing.baby_birth_date = Some(date(2026, 1, 2));
    let mut probe = person(4, "Lina Hasan");
    probe.baby_birth_date = Some(date(2026, 1, 2));
    let found = MatchIndex::new([existing]).candidates(&probe);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].reasons,
        vec![MatchReason::NameSimilar, MatchReason::SameBabyBirthDate]
    );
}

#[test]
fn rows_added_during_an_import_are_checked_against_each_other() {
    let mut index = MatchIndex::new(Vec::new());
    assert!(index.is_empty());
    let mut first = person(1, "Zainab Hussein");
    first.phone = Some("0544 111 22 33".into());
    first.baby_birth_date = Some(date(2026, 2, 1));
    assert!(index.candidates(&first).is_empty());
    index.add(first.clone());

    let second = Person {
        id: Uuid::from_u128(2),
        ..first.clone()
    };
    let found = index.candidates(&second);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, first.id);
    assert_eq!(found[0].score, 100);

    // The mother herself is not her own duplicate.
    assert!(index.candidates(&first).is_empty());
}

#[test]
fn at_most_five_suspects_best_first() {
    let mut people = Vec::new();
    for n in 0..8u128 {
        let mut p = person(n + 1, "Hatice Demir");
        p.baby_birth_date = Some(date(2026, 4, 10));
        if n == 6 {
            p.phone = Some("0555 000 11 22".into());
        }
        people.push(p);
    }
    let index = MatchIndex::new(people);
    let mut probe = person(100, "Khadija Demir");
    probe.baby_birth_date = Some(date(2026, 4, 10));
    probe.phone = Some("05550001122".into());
    let found = index.candidates(&probe);
    assert_eq!(found.len(), MAX_SUSPECTS);
    assert_eq!(found[0].id, Uuid::from_u128(7));
    assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn reasons_serialise_in_snake_case() {
    let s = Suspect {
        id: Uuid::nil(),
        score: 70,
        reasons: vec![MatchReason::SameIdNumber, MatchReason::SameBabyBirthDate],
    };
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(
        json["reasons"],
        serde_json::json!(["same_id_number", "same_baby_birth_date"])
    );
}

/// A deterministic generator of referral-like mothers.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// (Latin spellings, Arabic spelling)
type Name = (&'static [&'static str], Option<&'static str>);

const FIRST_NAMES: &[Name] = &[
    (&["Fatma", "Fatima", "Fatıma"], Some("فاطمة")),
    (&["Ayşe", "Aisha", "Ayse"], Some("عائشة")),
    (&["Zeynep", "Zainab"], Some("زينب")),
    (&["Meryem", "Maryam", "Mariam"], Some("مريم")),
    (&["Hatice", "Khadija"], Some("خديجة")),
    (&["Emine", "Amina"], Some("أمينة")),
    (&["Rukiye", "Ruqayya"], Some("رقية")),
    (&["Şeyma", "Shaima"], Some("شيماء")),
    (&["Leyla", "Layla"], Some("ليلى")),
    (&["Merve", "Marwa"], Some("مروة")),
    (&["Yasemin", "Yasmin"], Some("ياسمين")),
    (&["Nur", "Nour"], Some("نور")),
    (&["Esra", "Israa"], Some("إسراء")),
    (&["Esma", "Asma"], Some("أسماء")),
    (&["Hiba", "Heba"], Some("هبة")),
    (&["Sara", "Sarah"], Some("سارة")),
    (&["Nesrin", "Nisreen"], Some("نسرين")),
    (&["Semire", "Samira"], Some("سميرة")),
    (&["Cemile", "Jamila"], Some("جميلة")),
    (&["Halime", "Halima"], Some("حليمة")),
    (&["Nadiye", "Nadia"], Some("نادية")),
    (&["Suad"], Some("سعاد")),
    (&["Vefa", "Wafaa"], Some("وفاء")),
    (&["Neval", "Nawal"], Some("نوال")),
    (&["Büşra", "Bushra"], Some("بشرى")),
    (&["Sümeyye", "Sumayya"], Some("سمية")),
    (&["Safiye", "Safia"], Some("صفية")),
    (&["Zehra", "Zahra"], Some("زهراء")),
    (&["Melek", "Malak"], Some("ملك")),
    (&["Reyhan", "Rayhan"], Some("ريحان")),
    (&["Elif"], None),
    (&["Derya"], None),
    (&["Gamze"], None),
    (&["Özlem", "Ozlem"], None),
    (&["Sevgi"], None),
    (&["Tuğba", "Tugba"], None),
    (&["Gül", "Gul"], None),
    (&["Dilek"], None),
    (&["Songül", "Songul"], None),
    (&["Hülya", "Hulya"], None),
];

const SURNAMES: &[Name] = &[
    (&["Yılmaz", "Yilmaz"], None),
    (&["Kaya"], None),
    (&["Demir"], None),
    (&["Şahin", "Sahin"], None),
    (&["Çelik", "Celik"], None),
    (&["Yıldız", "Yildiz"], None),
    (&["Öztürk", "Ozturk"], None),
    (&["Aydın", "Aydin"], None),
    (&["Özdemir", "Ozdemir"], None),
    (&["Arslan"], None),
    (&["Doğan", "Dogan"], None),
    (&["Kılıç", "Kilic"], None),
    (&["Aslan"], None),
    (&["Çetin", "Cetin"], None),
    (&["Kara"], None),
    (&["Koç", "Koc"], None),
    (&["Kurt"], None),
    (&["Özkan", "Ozkan"], None),
    (&["Şimşek", "Simsek"], None),
    (&["Polat"], None),
    (&["El Ahmed", "Al-Ahmad", "Elahmet"], Some("الأحمد")),
    (&["Hasan", "Hassan"], Some("حسن")),
    (&["Hüseyin", "Hussein"], Some("حسين")),
    (&["El Hasan", "Al-Hassan"], Some("الحسن")),
    (&["Muhammed", "Mohammed"], Some("محمد")),
    (&["Ali"], Some("علي")),
    (&["İbrahim", "Ibrahim"], Some("إبراهيم")),
    (&["Yusuf", "Youssef"], Some("يوسف")),
    (&["Ömer", "Omar"], Some("عمر")),
    (&["Abdullah", "Abdallah"], Some("عبدالله")),
    (&["Halit", "Khaled"], Some("خالد")),
    (&["Osman", "Othman"], Some("عثمان")),
    (&["Mustafa", "Mostafa"], Some("مصطفى")),
    (&["Er-Reşit", "Al Rashid"], Some("الرشيد")),
    (&["Abdurrahman", "Abdul Rahman"], Some("عبد الرحمن")),
    (&["Ez-Zubi", "Al Zoubi"], Some("الزعبي")),
    (&["Eş-Şami", "Al Shami"], Some("الشامي")),
    (&["Nasır", "Nasser"], Some("ناصر")),
    (&["Salih", "Saleh"], Some("صالح")),
    (&["Hamdan"], Some("حمدان")),
];

/// Writes a name in Arabic script when both parts have one and `arabic` asks for it,
/// otherwise in the Latin spelling number `variant`.
fn write_name(first: &Name, last: &Name, arabic: bool, variant: usize, swap: bool) -> String {
    let (f, l) = match (arabic, first.1, last.1) {
        (true, Some(f), Some(l)) => (f, l),
        _ => (first.0[variant % first.0.len()], last.0[variant % last.0.len()]),
    };
    if swap { format!("{l} {f}") } else { format!("{f} {l}") }
}

fn write_phone(digits: &str, style: u64) -> String {
    match style {
        0 => format!("0{} {} {} {}", &digits[..3], &digits[3..6], &digits[6..8], &digits[8..]),
        1 => format!("+90 {} {}", &digits[..3], &digits[3..]),
        _ => digits.to_owned(),
    }
}

#[test]
fn twenty_thousand_mothers_the_planted_duplicate_comes_first() {
    let mut g = Gen(2026);
    let mut people = Vec::with_capacity(20_000);
    let mut parts = Vec::with_capacity(20_000);
    let mut phones = Vec::with_capacity(20_000);
    for n in 0..20_000u128 {
        let fi = g.below(FIRST_NAMES.len() as u64) as usize;
        let li = g.below(SURNAMES.len() as u64) as usize;
        let arabic = g.below(5) == 0;
        let variant = g.below(3) as usize;
        let swap = g.below(10) == 0;
        let mut full_name = write_name(&FIRST_NAMES[fi], &SURNAMES[li], arabic, variant, swap);
        if g.below(10) == 0 {
            let middle = FIRST_NAMES[g.below(FIRST_NAMES.len() as u64) as usize].0[0];
            full_name = format!("{full_name} {middle}");
        }
        let phone_digits = format!("5{:09}", g.below(1_000_000_000));
        let phone = (g.below(10) != 0).then(|| write_phone(&phone_digits, g.below(3)));
        let id_number = (g.below(10) < 6).then(|| {
            let head = if FIRST_NAMES[fi].1.is_some() && SURNAMES[li].1.is_some() {
                99
            } else {
                10 + g.below(89)
            };
            format!("{head}{:09}", g.below(1_000_000_000))
        });
        let date_of_birth = (g.below(10) < 8).then(|| date(1985, 1, 1) + chrono::Days::new(g.below(7300)));
        let age_years = date_of_birth.is_none().then(|| 18 + g.below(27) as u32);
        let baby_birth_date = Some(date(2025, 1, 1) + chrono::Days::new(g.below(365)));
        people.push(Person {
            id: Uuid::from_u128(n + 1),
            full_name,
            id_number,
            phone,
            date_of_birth,
            age_years,
            baby_birth_date,
        });
        parts.push((fi, li, arabic));
        phones.push(phone_digits);
    }
    let index = MatchIndex::new(people.clone());
    assert_eq!(index.len(), 20_000);

    // Each probe is an existing mother referred again: her name in the other script or
    // another spelling, her phone written another way, no identity number.
    let mut checked = 0;
    for k in (7..20_000).step_by(97) {
        let original = &people[k];
        if original.phone.is_none() {
            continue;
        }
        let (fi, li, arabic) = parts[k];
        let probe = Person {
            id: Uuid::from_u128(1_000_000 + k as u128),
            full_name: write_name(&FIRST_NAMES[fi], &SURNAMES[li], !arabic, k + 1, false),
            id_number: None,
            phone: Some(write_phone(&phones[k], (k % 3) as u64)),
            ..original.clone()
        };
        let found = index.candidates(&probe);
        assert!(!found.is_empty() && found.len() <= MAX_SUSPECTS, "{}", probe.full_name);
        assert_eq!(
            found[0].id, original.id,
            "{} for {}: {found:?}",
            probe.full_name, original.full_name
        );
        assert!(
            found[0].reasons.contains(&MatchReason::NameSpelling),
            "{} vs {}",
            probe.full_name,
            original.full_name
        );
        assert!(found[0].reasons.contains(&MatchReason::SamePhone));
        checked += 1;
    }
    assert!(checked > 150);
}

/// Search and duplicate detection fold a Latin name the same way (one fold, in the core): a
/// decomposed accent, an apostrophe, a Turkish capital İ.
#[test]
fn search_and_matching_fold_latin_names_alike() {
    for name in [
        "Ays\u{0327}e Yılmaz",
        "AYŞE YILMAZ",
        "İpek Ağaoğlu",
        "Ma'ruf Şahin",
        "Łukasz Müller",
    ] {
        assert_eq!(latin_key(name), lohusa_core::search::fold_for_search(name), "{name}");
    }
}
