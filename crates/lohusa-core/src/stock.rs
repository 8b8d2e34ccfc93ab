//! Care-package stock as a ledger: the office records packages prepared, handed to a nurse,
//! returned by her and lost, each a movement record of its own that syncs; a visit whose
//! "packages given" names a kind takes one of it from the stock of the nurse who recorded the
//! visit. Nothing is a counter field, so two offline tablets never conflict over a number: the
//! balances are derived, here, from the movements and the visits.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;
use uuid::Uuid;

use crate::change::{EntityKind, EntityWrite, FieldValues};
use crate::ids::MemberId;
use crate::validation::{FieldError, Rule, ValidationErrors, parse};

/// The kinds of care package, as the visit's `packages_given` names them.
pub const PACKAGE_KINDS: [&str; 3] = ["health_care", "woman_care", "baby_care"];

/// The most packages one movement records.
pub const MAX_COUNT: u32 = 10_000;
/// A nurse holding fewer than this of a kind she has been handed is warned.
pub const LOW_STOCK: i64 = 3;
pub const MAX_LOT_LEN: usize = 60;
/// A movement is recorded within a year of the day it happened.
pub const MAX_DAYS_BACK: i64 = 366;

/// What a movement does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    /// Packed at the office: the office's stock grows.
    Prepared,
    /// Given to a nurse for her tablet's round: from the office to her.
    Handed,
    /// Brought back by a nurse: from her to the office.
    Returned,
    /// Lost or spoiled: from the nurse named, else from the office.
    Lost,
}

pub const MOVEMENTS: [Movement; 4] = [Movement::Prepared, Movement::Handed, Movement::Returned, Movement::Lost];

/// The stock form, as typed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct StockInput {
    pub movement: Movement,
    /// One of `PACKAGE_KINDS`.
    pub kind: String,
    pub count: String,
    /// DD.MM.YYYY or YYYY-MM-DD.
    pub moved_on: String,
    /// The nurse, for a hand-over, a return or a loss from her stock.
    pub member: Option<MemberId>,
    pub lot: String,
    /// What a prepared package holds (the checklist's `package_items` codes).
    pub contents: Vec<String>,
}

/// A movement as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct StockRecord {
    #[ts(type = "string")]
    pub id: Uuid,
    pub movement: Movement,
    pub kind: String,
    pub count: u32,
    pub moved_on: NaiveDate,
    pub member: Option<MemberId>,
    pub lot: Option<String>,
    pub contents: Vec<String>,
}

impl StockRecord {
    pub fn write(&self) -> EntityWrite {
        let mut fields = FieldValues::new();
        fields.insert("movement".into(), json!(self.movement));
        fields.insert("kind".into(), json!(self.kind));
        fields.insert("count".into(), json!(self.count));
        fields.insert("moved_on".into(), json!(self.moved_on));
        fields.insert("member".into(), json!(self.member));
        fields.insert("lot".into(), json!(self.lot));
        fields.insert("contents".into(), json!(self.contents));
        EntityWrite {
            entity: EntityKind::StockMovement,
            entity_id: self.id,
            fields,
            also_replaces: Default::default(),
        }
    }
}

/// Whether a movement's fields hold together (each field's own check passed): a hand-over or a
/// return names the nurse, packages prepared name nobody, and only they list contents. The
/// server runs it on every movement it takes, the store on every one it writes.
pub fn check_whole(fields: &FieldValues) -> Result<(), &'static str> {
    let movement: Option<Movement> = fields
        .get("movement")
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let member = fields.get("member").is_some_and(|v| !v.is_null());
    let contents = fields
        .get("contents")
        .and_then(|v| v.as_array())
        .is_some_and(|c| !c.is_empty());
    match movement {
        None => Err("movement"),
        Some(Movement::Handed | Movement::Returned) if !member => Err("member"),
        Some(Movement::Prepared) if member => Err("member"),
        Some(m) if m != Movement::Prepared && contents => Err("contents"),
        Some(_) => Ok(()),
    }
}

/// Whether an item code is one a package may hold.
pub fn is_package_item(item: &str) -> bool {
    package_items().iter().any(|i| i == item)
}

/// The items a package may hold: the checklist's `package_items` options.
fn package_items() -> &'static [String] {
    match crate::checklist::current().field("package_items").map(|f| &f.kind) {
        Some(crate::checklist::FieldKind::Multiple { options }) => options,
        _ => &[],
    }
}

/// Checks a movement; all errors at once. `today` bounds the date; `members` are the ids of
/// the team's members this device knows.
pub fn validate_stock(
    input: &StockInput,
    id: Uuid,
    today: NaiveDate,
    members: &[MemberId],
) -> Result<StockRecord, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if !PACKAGE_KINDS.contains(&input.kind.as_str()) {
        errors.push(FieldError::new("kind", Rule::NotAChoice).with("value", &input.kind));
    }
    let count = match parse::trimmed(&input.count) {
        None => {
            errors.push(FieldError::new("count", Rule::Required));
            None
        }
        Some(_) => parse::optional_whole_number(&mut errors, "count", &input.count)
            .and_then(|n| parse::in_range(&mut errors, "count", n as f64, 1.0, f64::from(MAX_COUNT), "")),
    };
    let moved_on = parse::required_date(&mut errors, "moved_on", &input.moved_on);
    if let Some(day) = moved_on.filter(|day| *day > today) {
        errors.push(FieldError::new("moved_on", Rule::InTheFuture).with("value", day.format("%d.%m.%Y")));
    }
    if let Some(day) = moved_on.filter(|day| (today - *day).num_days() > MAX_DAYS_BACK) {
        errors.push(
            FieldError::new("moved_on", Rule::TooLongAgo)
                .with("value", day.format("%d.%m.%Y"))
                .with("max_days", MAX_DAYS_BACK),
        );
    }
    let needs_member = matches!(input.movement, Movement::Handed | Movement::Returned);
    match input.member {
        None if needs_member => errors.push(FieldError::new("member", Rule::Required)),
        Some(member) if input.movement == Movement::Prepared => {
            errors.push(
                FieldError::new("member", Rule::NotShown)
                    .with("value", member.to_string())
                    .with("depends_on", "movement"),
            );
        }
        Some(member) if !members.contains(&member) => {
            errors.push(FieldError::new("member", Rule::NotAChoice).with("value", member.to_string()));
        }
        _ => {}
    }
    let lot = parse::optional_text(&mut errors, "lot", &input.lot, MAX_LOT_LEN);
    let items = package_items();
    for item in input.contents.iter().filter(|i| !items.contains(i)) {
        errors.push(FieldError::new("contents", Rule::NotAChoice).with("value", item));
    }
    if input.movement != Movement::Prepared && !input.contents.is_empty() {
        errors.push(
            FieldError::new("contents", Rule::NotShown)
                .with("value", input.contents.join(", "))
                .with("depends_on", "movement"),
        );
    }
    let mut contents = input.contents.clone();
    contents.sort();
    contents.dedup();
    errors.into_result(StockRecord {
        id,
        movement: input.movement,
        kind: input.kind.clone(),
        count: count.unwrap_or(0.0) as u32,
        moved_on: moved_on.unwrap_or(today),
        member: input.member,
        lot,
        contents,
    })
}

/// Where packages are: the office, or one nurse's bag.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "member", rename_all = "snake_case")]
pub enum Holder {
    Office,
    Nurse(MemberId),
}

/// One holder's packages of each kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Balance {
    pub holder: Holder,
    /// The nurse's name when known.
    pub name: Option<String>,
    /// Per kind, in `PACKAGE_KINDS` order: what she holds now (below zero when visits gave more
    /// than was handed: a movement not recorded, or not synced yet).
    #[ts(type = "number[]")]
    pub held: Vec<i64>,
    /// Per kind: given out at visits.
    #[ts(type = "number[]")]
    pub given: Vec<i64>,
    /// Per kind: below zero, or below `LOW_STOCK` (the office below `LOW_OFFICE_STOCK`) once
    /// stock of it was received.
    pub low: Vec<bool>,
}

/// The office warns below this.
pub const LOW_OFFICE_STOCK: i64 = 10;

/// One package given at a visit, from the stock of the nurse who recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handout {
    pub nurse: MemberId,
    pub kind: String,
}

/// The stock of the office and of each nurse, from the movements and the hand-outs at visits.
pub fn balances(movements: &[StockRecord], handouts: &[Handout], names: &BTreeMap<MemberId, String>) -> Vec<Balance> {
    let kinds = PACKAGE_KINDS.len();
    let index = |kind: &str| PACKAGE_KINDS.iter().position(|k| *k == kind);
    // holder -> (held, given, received)
    let mut table: BTreeMap<Holder, (Vec<i64>, Vec<i64>, Vec<bool>)> = BTreeMap::new();
    table.insert(Holder::Office, (vec![0; kinds], vec![0; kinds], vec![false; kinds]));
    let mut add = |holder: Holder, kind: usize, n: i64, received: bool| {
        let entry = table
            .entry(holder)
            .or_insert_with(|| (vec![0; kinds], vec![0; kinds], vec![false; kinds]));
        entry.0[kind] += n;
        entry.2[kind] |= received;
    };
    for m in movements {
        let Some(kind) = index(&m.kind) else { continue };
        let n = i64::from(m.count);
        match (m.movement, m.member) {
            (Movement::Prepared, _) => add(Holder::Office, kind, n, true),
            (Movement::Handed, Some(nurse)) => {
                add(Holder::Office, kind, -n, false);
                add(Holder::Nurse(nurse), kind, n, true);
            }
            (Movement::Returned, Some(nurse)) => {
                add(Holder::Nurse(nurse), kind, -n, false);
                add(Holder::Office, kind, n, false);
            }
            (Movement::Lost, Some(nurse)) => add(Holder::Nurse(nurse), kind, -n, false),
            (Movement::Lost, None) => add(Holder::Office, kind, -n, false),
            (Movement::Handed | Movement::Returned, None) => {}
        }
    }
    let mut given: BTreeMap<Holder, Vec<i64>> = BTreeMap::new();
    for handout in handouts {
        if let Some(kind) = index(&handout.kind) {
            add(Holder::Nurse(handout.nurse), kind, -1, false);
            given
                .entry(Holder::Nurse(handout.nurse))
                .or_insert_with(|| vec![0; kinds])[kind] += 1;
        }
    }
    table
        .into_iter()
        .map(|(holder, (held, _, received))| {
            let floor = if holder == Holder::Office {
                LOW_OFFICE_STOCK
            } else {
                LOW_STOCK
            };
            // Below zero is always marked: more went out than was recorded coming in.
            let low = held
                .iter()
                .zip(&received)
                .map(|(h, r)| *h < 0 || (*r && *h < floor))
                .collect();
            Balance {
                name: match &holder {
                    Holder::Office => None,
                    Holder::Nurse(id) => names.get(id).cloned(),
                },
                given: given.remove(&holder).unwrap_or_else(|| vec![0; kinds]),
                holder,
                held,
                low,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn input(movement: Movement, kind: &str, count: &str, member: Option<MemberId>) -> StockInput {
        StockInput {
            movement,
            kind: kind.into(),
            count: count.into(),
            moved_on: "01.12.2026".into(),
            member,
            lot: String::new(),
            contents: vec![],
        }
    }

    #[test]
    fn a_movement_names_its_field_and_rule_when_wrong() {
        let nurse = MemberId(Uuid::from_u128(7));
        let stranger = MemberId(Uuid::from_u128(8));
        let today = date("2026-12-06");
        let check = |input: StockInput| {
            validate_stock(&input, Uuid::from_u128(1), today, &[nurse])
                .err()
                .map(|e| e.0.iter().map(|e| (e.field.clone(), e.rule)).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        assert_eq!(check(input(Movement::Handed, "baby_care", "20", Some(nurse))), []);
        assert_eq!(
            check(input(Movement::Handed, "toys", "20", Some(nurse))),
            [("kind".to_owned(), Rule::NotAChoice)]
        );
        assert_eq!(
            check(input(Movement::Handed, "baby_care", "0", Some(nurse))),
            [("count".to_owned(), Rule::OutOfRange)]
        );
        assert_eq!(
            check(input(Movement::Handed, "baby_care", "yirmi", Some(nurse))),
            [("count".to_owned(), Rule::NotANumber)]
        );
        assert_eq!(
            check(input(Movement::Handed, "baby_care", "20", None)),
            [("member".to_owned(), Rule::Required)]
        );
        assert_eq!(
            check(input(Movement::Returned, "baby_care", "2", Some(stranger))),
            [("member".to_owned(), Rule::NotAChoice)]
        );
        let mut later = input(Movement::Prepared, "baby_care", "50", None);
        later.moved_on = "07.12.2026".into();
        later.contents = vec!["nappies".into(), "grenade".into()];
        assert_eq!(
            check(later),
            [
                ("moved_on".to_owned(), Rule::InTheFuture),
                ("contents".to_owned(), Rule::NotAChoice)
            ]
        );
    }

    #[test]
    fn balances_follow_the_movements_and_the_visits() {
        let derya = MemberId(Uuid::from_u128(7));
        let record = |movement, kind: &str, count, member| StockRecord {
            id: Uuid::from_u128(count as u128),
            movement,
            kind: kind.into(),
            count,
            moved_on: date("2026-12-01"),
            member,
            lot: None,
            contents: vec![],
        };
        let movements = [
            record(Movement::Prepared, "baby_care", 40, None),
            record(Movement::Handed, "baby_care", 12, Some(derya)),
            record(Movement::Returned, "baby_care", 2, Some(derya)),
            record(Movement::Lost, "baby_care", 1, Some(derya)),
            record(Movement::Lost, "baby_care", 3, None),
        ];
        let names: BTreeMap<MemberId, String> = [(derya, "Ebe Derya".to_owned())].into_iter().collect();
        let handouts = [Handout {
            nurse: derya,
            kind: "baby_care".into(),
        }];
        let all = balances(&movements, &handouts, &names);
        assert_eq!(all[0].holder, Holder::Office);
        // 40 − 12 + 2 − 3
        assert_eq!(all[0].held, [0, 0, 27]);
        assert_eq!(all[0].low, [false, false, false]);
        assert_eq!(all[1].holder, Holder::Nurse(derya));
        assert_eq!(all[1].name.as_deref(), Some("Ebe Derya"));
        // 12 − 2 − 1 − 1 given at a visit
        assert_eq!(all[1].held, [0, 0, 8]);
        assert_eq!(all[1].given, [0, 0, 1]);
    }
}
