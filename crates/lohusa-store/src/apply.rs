//! Applies one entity write to the state tables.
//!
//! Field names map to columns through a fixed list per entity, so a field name is never pasted
//! into SQL unchecked. Visit answers (`answers.<key>`) are kept together in `visits.answers`,
//! one JSON object per visit (key → value in the state tables' types); merging them stays per
//! answer. Local writes and changes received from other replicas are applied the same way.

use lohusa_core::EntityKind;
use lohusa_core::change::EntityWrite;
use lohusa_core::search::fold_for_search;
use std::collections::HashMap;

use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use serde_json::Value;

use crate::StoreError;

/// The table a write goes to and its columns, named as the core's fields (`lohusa_core::fields`).
fn table(entity: EntityKind) -> (&'static str, &'static [&'static str]) {
    let table = match entity {
        EntityKind::Mother => "mothers",
        EntityKind::Birth => "births",
        EntityKind::Baby => "babies",
        EntityKind::Visit => "visits",
        EntityKind::Member => "members",
        EntityKind::Review => "reviews",
        EntityKind::ExtraVisit => "extra_visits",
        EntityKind::PsychologyNote => "psychology_notes",
        EntityKind::SocialNote => "social_notes",
        EntityKind::StockMovement => "stock_movements",
    };
    (table, lohusa_core::fields::fields(entity))
}

/// Whether this version of the store has a place for `field` of `entity` (a newer app may send
/// fields this one does not know; they stay in the change log).
pub fn known(entity: EntityKind, field: &str) -> bool {
    (entity == EntityKind::Visit && field.starts_with("answers.")) || table(entity).1.contains(&field)
}

/// The visible value of one field, `Null` when unset.
pub fn read(conn: &Connection, entity: EntityKind, entity_id: &str, field: &str) -> Result<Value, StoreError> {
    Ok(read_fields(conn, entity, entity_id, &[field])?
        .pop()
        .unwrap_or(Value::Null))
}

/// The visible values of several fields of one entity, in order; a visit's answers are read
/// from its row once, however many of them are asked for.
pub fn read_fields(
    conn: &Connection,
    entity: EntityKind,
    entity_id: &str,
    fields: &[&str],
) -> Result<Vec<Value>, StoreError> {
    let mut answers = None;
    let mut out = Vec::with_capacity(fields.len());
    for field in fields {
        let value = match (entity, field.strip_prefix("answers.")) {
            (EntityKind::Visit, Some(key)) => {
                if answers.is_none() {
                    answers = Some(stored_answers(conn, entity_id)?);
                }
                answers
                    .as_ref()
                    .and_then(|a| a.get(key))
                    .cloned()
                    .unwrap_or(Value::Null)
            }
            _ => read_column(conn, entity, entity_id, field)?,
        };
        out.push(value);
    }
    Ok(out)
}

/// A field kept in a column of the entity's table.
fn read_column(conn: &Connection, entity: EntityKind, entity_id: &str, field: &str) -> Result<Value, StoreError> {
    let (table, allowed) = table(entity);
    let Some(column) = allowed.iter().find(|c| **c == field) else {
        return Ok(Value::Null);
    };
    let value = crate::optional(
        conn.prepare_cached(&format!("SELECT {column} FROM {table} WHERE id = ?1"))?
            .query_row([entity_id], |r| r.get::<_, SqlValue>(0)),
    )?;
    Ok(value.map(from_sql).unwrap_or(Value::Null))
}

/// The mother an entity belongs to (a mother belongs to herself).
pub fn mother_of(conn: &Connection, entity: EntityKind, entity_id: &str) -> Result<Option<String>, StoreError> {
    match entity {
        EntityKind::Mother => return Ok(Some(entity_id.to_owned())),
        EntityKind::Member | EntityKind::StockMovement => return Ok(None),
        _ => {}
    }
    let table = table(entity).0;
    Ok(crate::optional(
        conn.prepare_cached(&format!("SELECT mother_id FROM {table} WHERE id = ?1"))?
            .query_row([entity_id], |r| r.get::<_, Option<String>>(0)),
    )?
    .flatten())
}

pub fn apply(conn: &Connection, write: &EntityWrite) -> Result<(), StoreError> {
    apply_fields(conn, write.entity, write.entity_id, &write.fields, None)
}

/// `apply` of `fields` of one record. `first_answers`, when given, is `first_answers(fields)`
/// worked out ahead: the visit's answers column if it holds none yet.
pub(crate) fn apply_fields(
    conn: &Connection,
    entity: EntityKind,
    entity_id: uuid::Uuid,
    fields: &lohusa_core::FieldValues,
    first_answers: Option<&str>,
) -> Result<(), StoreError> {
    let (table, allowed) = table(entity);
    let mut columns: Vec<&'static str> = Vec::new();
    let mut values: Vec<SqlValue> = vec![SqlValue::Text(entity_id.to_string())];
    let mut answers: Vec<(&str, &Value)> = Vec::new();
    for (field, value) in fields {
        if let (EntityKind::Visit, Some(key)) = (entity, field.strip_prefix("answers.")) {
            answers.push((key, value));
            continue;
        }
        let Some(column) = allowed.iter().find(|c| **c == field) else {
            return Err(StoreError::UnknownField {
                entity: entity.as_str(),
                field: field.clone(),
            });
        };
        columns.push(column);
        values.push(to_sql(value));
        if entity == EntityKind::Mother && *column == "full_name" {
            columns.push("name_folded");
            values.push(match value {
                Value::String(name) => SqlValue::Text(fold_for_search(name)),
                _ => SqlValue::Null,
            });
        }
    }
    if !answers.is_empty() {
        // The visit's answers as held, with these set (a null answer is a deletion, under the
        // same rule as any other field).
        let visit_id = entity_id.to_string();
        let held = stored_answers(conn, &visit_id)?;
        let text = if held.is_empty() {
            // A visit's first answers (every visit a new tablet receives): written as they come,
            // in key order as the map would write them, without building the map.
            match first_answers {
                Some(text) => Some(text.to_owned()),
                None => {
                    answers.retain(|(_, value)| !value.is_null());
                    answers_text(&answers)
                }
            }
        } else {
            let mut held = held;
            for (key, value) in answers {
                if value.is_null() {
                    held.remove(key);
                } else {
                    held.insert(key.to_owned(), from_sql(to_sql(value)));
                }
            }
            (!held.is_empty())
                .then(|| serde_json::to_string(&held))
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?
        };
        columns.push("answers");
        values.push(text.map_or(SqlValue::Null, SqlValue::Text));
    }
    UPSERTS.with_borrow_mut(|upserts| -> Result<(), StoreError> {
        let by_columns = upserts.entry(table).or_default();
        if !by_columns.contains_key(&columns[..]) {
            // Kept small whatever sets of columns the records received name (a faulty device
            // could send thousands): past the bound the texts are written again.
            if by_columns.len() >= MAX_UPSERTS {
                by_columns.clear();
            }
            by_columns.insert(columns.clone(), upsert_sql(table, &columns));
        }
        conn.prepare_cached(&by_columns[&columns[..]])?
            .execute(rusqlite::params_from_iter(values))?;
        Ok(())
    })
}

/// The most upserts kept per table.
const MAX_UPSERTS: usize = 64;

thread_local! {
    /// The upsert of each table and set of columns, written once (a pulled batch applies
    /// thousands of records with the same columns).
    static UPSERTS: std::cell::RefCell<HashMap<&'static str, HashMap<Vec<&'static str>, String>>> =
        Default::default();
}

/// Inserts a record with `columns` (values `?2`, `?3`, ... after the id), or sets them.
fn upsert_sql(table: &str, columns: &[&str]) -> String {
    if columns.is_empty() {
        return format!("INSERT INTO {table} (id) VALUES (?1) ON CONFLICT(id) DO NOTHING");
    }
    let placeholders: Vec<String> = (1..=columns.len() + 1).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = columns.iter().map(|c| format!("{c} = excluded.{c}")).collect();
    format!(
        "INSERT INTO {table} (id, {}) VALUES ({}) ON CONFLICT(id) DO UPDATE SET {}",
        columns.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
}

/// A visit's answers column when it holds none yet, set to the answers among `fields` (none
/// when there are none, or all are empty).
pub(crate) fn first_answers(fields: &lohusa_core::FieldValues) -> Option<String> {
    let answers: Vec<(&str, &Value)> = fields
        .iter()
        .filter(|(_, value)| !value.is_null())
        .filter_map(|(field, value)| Some((field.strip_prefix("answers.")?, value)))
        .collect();
    answers_text(&answers)
}

/// A visit's answers column for `answers` (keys in order, none empty): the text the JSON object
/// of their stored values (`from_sql(to_sql(value))`) writes, or none for no answers.
fn answers_text(answers: &[(&str, &Value)]) -> Option<String> {
    struct Stored<'a>(&'a Value);
    impl serde::Serialize for Stored<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self.0 {
                Value::Bool(b) => serializer.serialize_i64(i64::from(*b)),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => serializer.serialize_i64(i),
                    None => Value::from(n.as_f64().unwrap_or(0.0)).serialize(serializer),
                },
                Value::Null | Value::String(_) => self.0.serialize(serializer),
                other => serializer.serialize_str(&other.to_string()),
            }
        }
    }
    struct Answers<'a>(&'a [(&'a str, &'a Value)]);
    impl serde::Serialize for Answers<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_map(self.0.iter().map(|(key, value)| (key, Stored(value))))
        }
    }
    if answers.is_empty() {
        return None;
    }
    serde_json::to_string(&Answers(answers)).ok()
}

/// The answers a visit holds now (empty for a visit not held or with none).
fn stored_answers(conn: &Connection, visit_id: &str) -> Result<std::collections::BTreeMap<String, Value>, StoreError> {
    let text = crate::optional(
        conn.prepare_cached("SELECT answers FROM visits WHERE id = ?1")?
            .query_row([visit_id], |r| r.get::<_, Option<String>>(0)),
    )?
    .flatten();
    text.map_or(Ok(Default::default()), |text| answers_of_column(&text, visit_id))
}

/// `visits.answers` read back: the JSON object the store wrote, as a visit's answers.
pub(crate) fn answers_of_column(
    text: &str,
    visit_id: &str,
) -> Result<std::collections::BTreeMap<String, Value>, StoreError> {
    serde_json::from_str(text).map_err(|_| StoreError::Corrupt(format!("answers of visit {visit_id}")))
}

/// JSON to SQLite: strings as text, whole numbers as integers, booleans as 0/1.
pub fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        // Nested values have no column; keep them as JSON text rather than lose them.
        other => SqlValue::Text(other.to_string()),
    }
}

/// SQLite to JSON, the inverse of `to_sql` for scalars.
pub fn from_sql(value: SqlValue) -> Value {
    match value {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::from(i),
        SqlValue::Real(f) => Value::from(f),
        SqlValue::Text(s) => Value::String(s),
        SqlValue::Blob(_) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_visits_first_answers_are_written_as_the_map_of_their_stored_values_writes_them() {
        let values = [
            json!(true),
            json!(false),
            json!(0),
            json!(-7),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(37.2),
            json!(0.1 + 0.2),
            json!(1e-300),
            json!(-0.0),
            json!(""),
            json!("Ayşe \"quoted\" \\ back\nline مريم 👶"),
            json!(["soft", "cracked_nipple"]),
            json!({"a": [1, 2.5]}),
        ];
        // Keys as the checklist's, and two no checklist has (a quote, an accent).
        let keys: Vec<String> = (0..values.len() - 2)
            .map(|i| format!("baby.0195f000-0000-7000-8000-00000000000{}.f{i:02}", i % 3))
            .chain(["mother.a\"b".to_owned(), "mother.é".to_owned()])
            .collect();
        let mut answers: Vec<(&str, &Value)> = keys.iter().map(String::as_str).zip(values.iter()).collect();
        answers.sort_by_key(|(key, _)| *key);
        let map: serde_json::Map<String, Value> = answers
            .iter()
            .map(|(key, value)| ((*key).to_owned(), from_sql(to_sql(value))))
            .collect();
        assert_eq!(answers_text(&answers), Some(Value::Object(map).to_string()));
        assert_eq!(answers_text(&[]), None);
        // From a change's fields: its answers, but for the empty ones.
        let mut fields: lohusa_core::FieldValues = answers
            .iter()
            .map(|(key, value)| (format!("answers.{key}"), (*value).clone()))
            .collect();
        fields.insert("answers.mother.cleared".into(), Value::Null);
        fields.insert("note".into(), json!("not an answer"));
        fields.insert("number".into(), json!(2));
        assert_eq!(first_answers(&fields), answers_text(&answers));
        assert_eq!(first_answers(&[("note".to_owned(), json!("x"))].into()), None);
    }

    #[test]
    fn an_upsert_names_its_columns_once_each_after_the_id() {
        assert_eq!(
            upsert_sql("visits", &["note", "answers"]),
            "INSERT INTO visits (id, note, answers) VALUES (?1, ?2, ?3) \
             ON CONFLICT(id) DO UPDATE SET note = excluded.note, answers = excluded.answers"
        );
        assert_eq!(
            upsert_sql("visits", &[]),
            "INSERT INTO visits (id) VALUES (?1) ON CONFLICT(id) DO NOTHING"
        );
    }
}
