//! `lohusa-cli set`: one field of a record, corrected through the same path as the app's forms.
//!
//! A mother's, birth's or baby's field goes into her registration form, filled with what is
//! stored, and the whole form is checked by the registration's rules; a visit's field goes into
//! the visit form with a reason and is checked by its checklist's rules. So the command line
//! refuses what the app refuses, with the same field errors. Other records (sign-offs, notes,
//! extra visits, members) are written by their own commands; `--raw` writes a value as JSON to
//! any record without the forms (the store still refuses what no device could read), to test what
//! a server does with a change no form would make (a nurse writing a sign-off, say).

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use lohusa_core::registration::RegistrationInput;
use lohusa_core::visit::{VisitCorrectionInput, VisitInput};
use lohusa_core::{EntityKind, MemberId, VisitId};
use lohusa_store::Store;
use serde_json::{Value, json};

/// One field of one record, and the value as it would be typed.
#[derive(clap::Args)]
pub struct SetArgs {
    /// mother, birth, baby or visit (with --raw: any record kind).
    #[arg(long)]
    entity: String,
    #[arg(long)]
    id: uuid::Uuid,
    /// The field, e.g. phone, birth_date, birth_weight_g, outcome or answers.mother.bp_systolic.
    #[arg(long)]
    field: String,
    /// The value as typed in the app ("0532 111 22 33", 146, 2026-11-21, yes); a JSON string
    /// ('"text"') is read as its text. Empty clears an optional field.
    #[arg(long)]
    value: String,
    /// Why a visit is corrected (required for a visit).
    #[arg(long, default_value = "")]
    reason: String,
    /// Write the value (as JSON) to any record without the form; the store still refuses a value
    /// no device could read.
    #[arg(long)]
    raw: bool,
}

/// What the command printed: the records that changed.
pub fn run(store: &mut Store, args: SetArgs, author: MemberId, now: DateTime<Utc>) -> anyhow::Result<Value> {
    let entity = crate::entity(&args.entity)?;
    if args.raw {
        let value: Value =
            serde_json::from_str(&args.value).context("with --raw, --value must be JSON, e.g. '\"text\"' or 42")?;
        let write = lohusa_core::change::EntityWrite {
            entity,
            entity_id: args.id,
            fields: [(args.field, value)].into(),
            also_replaces: Default::default(),
        };
        let change = store.write(&[write], author, now).map_err(crate::explain)?;
        return Ok(json!({ "change": change[0].id }));
    }
    let text = as_typed(&args.value);
    match entity {
        EntityKind::Mother | EntityKind::Birth | EntityKind::Baby => {
            let mother = store
                .mother_of_record(entity, args.id)?
                .with_context(|| format!("no {} {} on this replica", entity.as_str(), args.id))?;
            let mut form = store.registration_form(mother).map_err(crate::explain)?;
            let baby = match entity {
                EntityKind::Baby => Some(
                    form.baby_ids
                        .iter()
                        .position(|b| b.0 == args.id)
                        .with_context(|| format!("baby {} is not of her latest birth", args.id))?,
                ),
                _ => None,
            };
            set_registration_field(&mut form.input, entity, baby, &args.field, &text)?;
            let changed = store
                .correct_registration(mother, &form.input, author, now)
                .map_err(crate::explain)?;
            Ok(json!({ "mother": mother, "changed": changed > 0, "records_changed": changed }))
        }
        EntityKind::Visit => {
            let visit = store.visit(VisitId(args.id)).map_err(crate::explain)?;
            let mut form = VisitInput::from_record(&visit);
            set_visit_field(&mut form, &args.field, &text)?;
            let input = VisitCorrectionInput {
                visit_id: visit.id,
                form,
                reason: args.reason,
            };
            // A visit that did not happen after all keeps no answers: say how many go.
            let cleared = if input.form.outcome == lohusa_core::visit::VisitOutcome::Visited {
                0
            } else {
                visit.answers.len()
            };
            let changed = store.correct_visit(&input, author, now).map_err(crate::explain)?;
            Ok(json!({
                "visit": visit.id,
                "changed": changed,
                "answers_cleared": if changed { cleared } else { 0 },
                "flags": crate::flags_of(store, visit.mother_id, visit.id, now)?,
            }))
        }
        other => bail!(
            "a {} is written by its own command, not set field by field (--raw writes a value without the form)",
            other.as_str()
        ),
    }
}

/// The text a value stands for: a JSON string's content, `true`/`false` as yes/no, anything else
/// as written.
fn as_typed(value: &str) -> String {
    match serde_json::from_str::<Value>(value) {
        Ok(Value::String(s)) => s,
        Ok(Value::Bool(b)) => if b { "yes" } else { "no" }.to_owned(),
        _ => value.to_owned(),
    }
}

/// A choice by its stored name (empty: none), or the error naming the accepted ones.
fn choice<T: serde::de::DeserializeOwned>(field: &str, text: &str) -> anyhow::Result<Option<T>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    crate::one_of(&format!("{field}:"), text.trim()).map(Some)
}

fn yes_no(field: &str, text: &str) -> anyhow::Result<bool> {
    match text.trim() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        other => bail!("{field}: {other:?} is not yes or no"),
    }
}

fn set_registration_field(
    input: &mut RegistrationInput,
    entity: EntityKind,
    baby: Option<usize>,
    field: &str,
    text: &str,
) -> anyhow::Result<()> {
    let owned = text.to_owned();
    match (entity, field) {
        (EntityKind::Mother, "full_name") => input.mother.full_name = owned,
        (EntityKind::Mother, "date_of_birth") => input.mother.date_of_birth = owned,
        (EntityKind::Mother, "age_years") => input.mother.age_years = owned,
        (EntityKind::Mother, "phone") => input.mother.phone = owned,
        (EntityKind::Mother, "street") => input.mother.street = owned,
        (EntityKind::Mother, "neighbourhood") => input.mother.neighbourhood = owned,
        (EntityKind::Mother, "district") => input.mother.district = owned,
        (EntityKind::Mother, "nationality") => input.mother.nationality = owned,
        (EntityKind::Mother, "id_number") => input.mother.id_number = owned,
        (EntityKind::Mother, "residency_status") => input.mother.residency_status = choice(field, text)?,
        (EntityKind::Mother, "preferred_language") => input.mother.preferred_language = choice(field, text)?,
        (EntityKind::Mother, "interpreter_needed") => input.mother.interpreter_needed = yes_no(field, text)?,
        (EntityKind::Birth, "birth_date") => input.birth.birth_date = owned,
        (EntityKind::Birth, "discharge_date") => input.birth.discharge_date = owned,
        (EntityKind::Birth, "gestational_weeks") => input.birth.gestational_weeks = owned,
        (EntityKind::Birth, "mode") => input.birth.mode = choice(field, text)?,
        (EntityKind::Baby, _) => {
            let baby = &mut input.babies[baby.expect("a baby's place")];
            match field {
                "name" => baby.name = owned,
                "birth_weight_g" => baby.birth_weight_g = owned,
                "sex" => baby.sex = choice(field, text)?,
                other => bail!("a baby's {other:?} cannot be set: name, sex or birth_weight_g"),
            }
        }
        (EntityKind::Mother, "deleted") => bail!("use `lohusa-cli delete --mother ID` to delete a mother"),
        (entity, other) => bail!("the {} field {other:?} cannot be set", entity.as_str()),
    }
    Ok(())
}

fn set_visit_field(form: &mut VisitInput, field: &str, text: &str) -> anyhow::Result<()> {
    let owned = text.to_owned();
    match field {
        "outcome" => form.outcome = choice(field, text)?.context("outcome: a visit always has one")?,
        "visited_on" => form.visited_on = owned,
        "visited_at" => form.visited_at = owned,
        "visited_by" => form.visited_by = owned,
        "note" => form.note = owned,
        _ => match field.strip_prefix("answers.") {
            Some(key) if text.trim().is_empty() => drop(form.answers.remove(key)),
            Some(key) => drop(form.answers.insert(key.to_owned(), owned)),
            None => bail!("the visit field {field:?} cannot be set"),
        },
    }
    Ok(())
}
