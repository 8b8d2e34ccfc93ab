//! Importing a hospital referral file into a real store: good rows are registered, malformed
//! rows are reported by line and column, and rows that look like mothers already known (in
//! Latin or Arabic script, by ID number, phone or the baby's birth date) wait for the team lead,
//! who merges them (each taken field records its source) or keeps them apart.

use crate::common;

use common::{TempStore, count, now, nurse, registration};
use lohusa_core::MotherId;
use lohusa_core::validation::Rule;
use lohusa_exchange::matching::MatchReason;

fn existing(t: &mut TempStore, name: &str, birth: &str, phone: &str, id_number: &str) -> MotherId {
    let mut input = registration(name, birth);
    input.mother.phone = phone.into();
    input.mother.id_number = id_number.into();
    t.store.register_mother(&input, nurse(), now()).unwrap()
}

const FILE: &str = "\
full_name,phone,id_number,birth_date,birth_mode,baby_sex,baby_birth_weight_g,hospital
Zeynep Kaya,0533 222 33 44,,21.11.2026,vaginal,female,3200,Tepecik EAH
Fatima Al-Ahmad,+90 532 111 2233,,20.11.2026,caesarean,male,3000,Tepecik EAH
Khadija Al Hassan,,,18.11.2026,vaginal,female,2950,Tepecik EAH
Elif Demir,,,21.11.2026,vaginal,female,abc,Tepecik EAH
Hatice Şahin,,,21.11.2026,forceps,female,3100,Tepecik EAH
AYSE YILMAZ,,10000000146,22.11.2026,vaginal,male,3400,Behçet Uz
Merve Aslan,,,30.11.2026,vaginal,female,3000,Behçet Uz
Zeynep Kaya,0533 222 33 44,,21.11.2026,vaginal,female,3200,Tepecik EAH
Meryem Demir,,,23.11.2026,vaginal,male,3600,Behçet Uz
";

#[test]
fn a_mixed_file_creates_the_good_rows_reports_the_bad_and_holds_the_duplicates() {
    let mut t = TempStore::new();
    let fatma = existing(&mut t, "فاطمة الأحمد", "20.11.2026", "0532 111 22 33", "");
    let ayse = existing(&mut t, "Ayşe Yılmaz", "22.11.2026", "", "10000000146");
    let khadija = existing(&mut t, "خديجة الحسن", "18.11.2026", "", "");
    let before = count(&t.store, "mothers");

    let report = t.store.import_referrals(FILE, "sevk.csv", nurse(), now()).unwrap();
    assert_eq!(report.file_error, None);
    let created: Vec<(u32, &str)> = report.created.iter().map(|c| (c.line, c.full_name.as_str())).collect();
    assert_eq!(created, [(2, "Zeynep Kaya"), (10, "Meryem Demir")]);
    assert_eq!(count(&t.store, "mothers"), before + 2);

    let errors: Vec<(u32, &str, Rule)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str(), e.error.rule))
        .collect();
    assert_eq!(
        errors,
        [
            (5, "baby_birth_weight_g", Rule::NotANumber),
            (6, "birth_mode", Rule::NotAChoice),
            (8, "birth_date", Rule::InTheFuture),
        ]
    );

    let held: Vec<(u32, MotherId)> = report
        .suspected
        .iter()
        .map(|s| (s.row.line, s.suspects[0].mother.id))
        .collect();
    let zeynep = report.created[0].mother_id;
    assert_eq!(held, [(3, fatma), (4, khadija), (7, ayse), (9, zeynep)]);
    let reasons = |line: u32| -> Vec<MatchReason> {
        report.suspected.iter().find(|s| s.row.line == line).unwrap().suspects[0]
            .suspect
            .reasons
            .clone()
    };
    assert!(reasons(3).contains(&MatchReason::SamePhone), "{:?}", reasons(3));
    assert!(reasons(4).contains(&MatchReason::SameBabyBirthDate), "{:?}", reasons(4));
    assert!(reasons(7).contains(&MatchReason::SameIdNumber), "{:?}", reasons(7));
    // The side-by-side view has both records.
    let line3 = &report.suspected[0];
    assert_eq!(line3.row.input.mother.full_name, "Fatima Al-Ahmad");
    assert_eq!(line3.suspects[0].mother.full_name, "فاطمة الأحمد");
    assert!(line3.suspects[0].birth.is_some());

    // Merge line 3 into Fatma, taking the referral's phone and nationality-free Latin name.
    t.store
        .merge_referral(
            fatma,
            &line3.row,
            &["full_name".into(), "phone".into()],
            "sevk.csv",
            nurse(),
            now(),
        )
        .unwrap();
    let view = t.store.mother_view(fatma, now()).unwrap();
    assert_eq!(view.mother.full_name, "Fatima Al-Ahmad");
    assert_eq!(view.sources["full_name"], "Tepecik EAH · sevk.csv:3");
    assert_eq!(view.sources["phone"], "Tepecik EAH · sevk.csv:3");
    assert!(!view.sources.contains_key("id_number"));
    // A field that cannot be merged is refused, and nothing is written.
    let changes = count(&t.store, "changes");
    let refused = t
        .store
        .merge_referral(fatma, &line3.row, &["birth_date".into()], "sevk.csv", nurse(), now());
    assert!(refused.is_err());
    assert_eq!(count(&t.store, "changes"), changes);

    // Keep line 4 apart: a new mother, whose fields say where they came from.
    let line4 = &report.suspected[1];
    let apart = t.store.create_referral(&line4.row, "sevk.csv", nurse(), now()).unwrap();
    assert_ne!(apart, khadija);
    let view = t.store.mother_view(apart, now()).unwrap();
    assert_eq!(view.mother.full_name, "Khadija Al Hassan");
    assert_eq!(view.sources["full_name"], "Tepecik EAH · sevk.csv:4");

    // Importing the same file again creates nothing new: every good row is now a suspect.
    let again = t.store.import_referrals(FILE, "sevk.csv", nurse(), now()).unwrap();
    assert_eq!(again.created, []);
    assert_eq!(again.errors.len(), 3);
}

#[test]
fn a_file_that_cannot_be_read_changes_nothing_and_says_why() {
    let mut t = TempStore::new();
    let report = t
        .store
        .import_referrals("name,birth\nA,1\n", "x.csv", nurse(), now())
        .unwrap();
    assert!(report.file_error.is_some());
    assert_eq!(count(&t.store, "mothers"), 0);
    assert_eq!(count(&t.store, "changes"), 0);
}
