//! The command line refuses what the app refuses: the real `lohusa-cli` binary corrects records
//! through the forms' rules (a text in a number field, a wrong check digit, a phone too short),
//! names the field and the rule, never a database error; a visit's correction needs a reason; an
//! answer to a question the form does not show is refused, not dropped; and a deleted mother is
//! refused with who deleted her.

use std::path::Path;
use std::process::{Command, Output};

use chrono::{Days, Utc};
use lohusa_sync_tests::binary;
use serde_json::Value;

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(binary("lohusa-cli"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn ok(db: &Path, args: &[&str]) -> Value {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "lohusa-cli {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The error a refused command prints; nothing was saved (checked by the caller).
fn refused(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(!out.status.success(), "lohusa-cli {args:?} should be refused");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("SQL") && !stderr.contains("column") && !stderr.contains("database"),
        "an internal error leaked: {stderr}"
    );
    stderr
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn changes(db: &Path) -> usize {
    ok(db, &["export", "--changes"]).as_array().map_or(0, Vec::len)
}

#[test]
fn set_follows_the_forms_rules_and_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tablet.sqlite3");
    ok(&db, &["init", "--member", "Ebe Derya"]);
    // Dates relative to the replica's own clock, which the command line reads.
    let today = Utc::now().date_naive();
    let born = (today - Days::new(14)).format("%d.%m.%Y").to_string();
    let mother = ok(
        &db,
        &[
            "register",
            "--name",
            "Fatma Yılmaz",
            "--birth-date",
            &born,
            "--age",
            "30",
        ],
    )["mother"]
        .as_str()
        .unwrap()
        .to_owned();
    let set = |entity: &str, id: &str, field: &str, value: &str| {
        vec![
            "set".to_owned(),
            "--entity".into(),
            entity.into(),
            "--id".into(),
            id.into(),
            "--field".into(),
            field.into(),
            "--value".into(),
            value.into(),
        ]
    };
    let before = changes(&db);

    let e = refused(&db, &args(&set("mother", &mother, "age_years", "otuz")));
    assert!(e.contains("mother.age_years: 'otuz' is not a number"), "{e}");
    let e = refused(&db, &args(&set("mother", &mother, "id_number", "10000000147")));
    assert!(e.contains("mother.id_number"), "{e}");
    assert!(e.contains("check digit"), "{e}");
    let e = refused(&db, &args(&set("mother", &mother, "phone", "0532 12")));
    assert!(e.contains("mother.phone"), "{e}");
    let e = refused(&db, &args(&set("mother", &mother, "registered_on", "2020-01-01")));
    assert!(e.contains("cannot be set"), "{e}");
    let e = refused(&db, &args(&set("review", &mother, "note", "x")));
    assert!(e.contains("its own command"), "{e}");
    assert_eq!(changes(&db), before, "nothing refused was saved");

    // A valid correction is one change, and the same value again is none.
    ok(&db, &args(&set("mother", &mother, "phone", "0532 111 22 33")));
    ok(&db, &args(&set("mother", &mother, "phone", "\"0532 111 22 33\"")));
    assert_eq!(changes(&db), before + 1);

    // Visit 2 on day 14: a hemoglobin without "hemoglobin tested" is refused, naming it.
    let visited_on = today.format("%d.%m.%Y").to_string();
    let visit_args = ["visit", "--mother", &mother, "--number", "2", "--date", &visited_on];
    let e = refused(&db, &[&visit_args[..], &["--answer", "mother.hemoglobin=7.9"]].concat());
    assert!(e.contains("answers.mother.hemoglobin") && e.contains("hb_done"), "{e}");
    let saved = ok(
        &db,
        &[
            &visit_args[..],
            &["--answer", "mother.hb_done=yes", "--answer", "mother.hemoglobin=7.9"],
        ]
        .concat(),
    );
    let visit = saved["visit"].as_str().unwrap().to_owned();
    let rules: Vec<&str> = saved["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"severe_anaemia"), "{rules:?}");

    // Correcting it needs a reason; with one, the flag follows the value.
    let e = refused(&db, &args(&set("visit", &visit, "answers.mother.hemoglobin", "11.9")));
    assert!(e.contains("reason: is required"), "{e}");
    let mut with_reason = set("visit", &visit, "answers.mother.hemoglobin", "11.9");
    with_reason.extend(["--reason".to_owned(), "read again from the device".to_owned()]);
    assert_eq!(ok(&db, &args(&with_reason))["changed"], Value::Bool(true));

    // A mother deleted is refused with who deleted her.
    ok(&db, &["delete", "--mother", &mother]);
    let e = refused(&db, &args(&set("mother", &mother, "phone", "0555 999 88 77")));
    assert!(e.contains("was deleted by Ebe Derya"), "{e}");
}
