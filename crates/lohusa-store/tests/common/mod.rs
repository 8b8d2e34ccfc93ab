//! Shared helpers for the store's tests: a store in a temporary folder and a valid registration.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use lohusa_core::MemberId;
use lohusa_core::registration::{BabyInput, BabySex, BirthInput, BirthMode, Language, MotherInput, RegistrationInput};
use lohusa_store::Store;
use uuid::Uuid;

pub struct TempStore {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

impl TempStore {
    pub fn new() -> TempStore {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("lohusa.sqlite3")).unwrap();
        TempStore { dir, store }
    }

    pub fn reopen(self) -> TempStore {
        let TempStore { dir, store } = self;
        let path = store.path().to_owned();
        drop(store);
        TempStore {
            store: Store::open(&path).unwrap(),
            dir,
        }
    }
}

/// 2026-11-25 10:00 in İzmir.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap()
}

pub fn nurse() -> MemberId {
    MemberId(Uuid::from_u128(42))
}

pub fn registration(name: &str, birth_date: &str) -> RegistrationInput {
    RegistrationInput {
        mother: MotherInput {
            full_name: name.into(),
            age_years: "29".into(),
            neighbourhood: "Basmane".into(),
            district: "Konak".into(),
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
            sex: Some(BabySex::Male),
            birth_weight_g: "3100".into(),
        }],
    }
}

pub fn count(store: &Store, table: &str) -> i64 {
    store
        .connection()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}
