//! What the server decides without touching a database: which changes it refuses and why, how
//! a change merges into the current state of its record, and the secrets it hands out.

use std::collections::BTreeMap;

use lohusa_core::access::{Role, any_may_read};
use lohusa_core::change::{CHANGE_SCHEMA_VERSION, Change};
use lohusa_core::hlc::MAX_FORWARD_DRIFT_MS;
use lohusa_core::merge::{EntityMeta, Version};
use lohusa_core::sync::Refusal;
use lohusa_core::{ChangeId, MemberId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Reason codes a change is refused with; stable, the client shows them translated.
pub mod reason {
    pub const SCHEMA_VERSION: &str = "unknown_schema_version";
    pub const CLOCK_AHEAD: &str = "clock_ahead";
    pub const EMPTY: &str = "no_fields";
    pub const FIELD_NAME: &str = "invalid_field_name";
    pub const OTHER_TEAM: &str = "other_team";
    /// The change names a device that was never enrolled in this team.
    pub const FOREIGN_DEVICE: &str = "device_not_in_team";
    pub const KIND_CHANGED: &str = "entity_kind_mismatch";
    /// The author never signed in on the device that wrote the change (or is no member).
    pub const AUTHOR_NOT_ON_DEVICE: &str = "author_not_on_device";
    /// The author's role may not write a field the change sets.
    pub const ROLE_MAY_NOT_WRITE: &str = "role_may_not_write";
    /// Written after the team lead revoked its author.
    pub const AUTHOR_REVOKED: &str = "author_revoked";
    /// Stamped after the team lead revoked the device that uploads it.
    pub const AFTER_DEVICE_REVOKED: &str = "device_revoked_before";
    /// Written on another device than the one uploading it, by a device that may not relay.
    pub const RELAYED: &str = "written_on_another_device";
    pub const BASE_NOT_EARLIER: &str = "replaces_a_later_version";
    /// A record made without a field every record of its kind has, or one cleared.
    pub const MISSING_REQUIRED: &str = "missing_required_field";
    /// A change to a record written once (a stock movement), or one not made whole.
    pub const WRITTEN_ONCE: &str = "record_written_once";
    /// More fields in one change, or in one record once the change is merged, than any record
    /// has (a visit with every answer of every checklist version for six babies).
    pub const TOO_MANY_FIELDS: &str = "too_many_fields";
    /// A field with more unresolved concurrent values than people ever make.
    pub const TOO_MANY_CONFLICTS: &str = "too_many_conflicts";
    /// A change id already held with other content.
    pub const ID_REUSED: &str = "change_id_reused";
    /// A change replacing more versions of a field than a field ever holds, or versions of a
    /// field it does not set.
    pub const BASE_TOO_LONG: &str = "replaces_too_many_versions";
}

/// The checks a change passes on its own, before the database is asked anything.
pub fn check_change(change: &Change, now_ms: u64) -> Result<(), &'static str> {
    if change.schema_version != CHANGE_SCHEMA_VERSION {
        return Err(reason::SCHEMA_VERSION);
    }
    if change.fields.is_empty() {
        return Err(reason::EMPTY);
    }
    let name_ok = |f: &str| {
        !f.is_empty()
            && f.len() <= 120
            && f.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'))
    };
    if !change.fields.keys().chain(change.base.keys()).all(|f| name_ok(f)) {
        return Err(reason::FIELD_NAME);
    }
    // Every value passes the core's rules for its field, so nothing lands in the team's log that
    // another device cannot read.
    for (field, value) in &change.fields {
        lohusa_core::fields::check_value(change.entity, field, value).map_err(|p| p.as_str())?;
    }
    // No change clears a field that every device's lists read (that a new record has them all
    // is checked against the server's state, in `decide`).
    if lohusa_core::fields::missing_required(change.entity, &change.fields, false).is_some() {
        return Err(reason::MISSING_REQUIRED);
    }
    if change.fields.len() > MAX_CHANGE_FIELDS {
        return Err(reason::TOO_MANY_FIELDS);
    }
    // A stock movement is recorded whole, once (that no record of its id exists yet is checked
    // against the server's state, in `decide`).
    lohusa_core::fields::check_write_once(change.entity, &change.fields, !change.base.is_empty())?;
    if change.hlc.wall_ms > now_ms.saturating_add(MAX_FORWARD_DRIFT_MS) {
        return Err(reason::CLOCK_AHEAD);
    }
    // A write replaces the value it showed and the concurrent ones (a resolution): never more
    // than a field can hold at once, so merging stays cheap.
    if change.base.values().any(|versions| versions.len() > MAX_BASE_VERSIONS)
        || change.base.keys().any(|f| !change.fields.contains_key(f))
    {
        return Err(reason::BASE_TOO_LONG);
    }
    // A write comes after what it replaces (its device observed those stamps before writing);
    // the merge converges because of it, so a change that says otherwise is refused.
    if change.base.values().flatten().any(|v| v.hlc >= change.hlc) {
        return Err(reason::BASE_NOT_EARLIER);
    }
    Ok(())
}

/// The most fields one change sets: a visit of six babies with every answer stays far below.
pub const MAX_CHANGE_FIELDS: usize = 1000;
/// The most fields one record may hold on the server, however many changes wrote them: a change
/// that would add fields past it is refused (one that writes fields the record holds is not).
/// A visit with every answer of every shipped checklist for six babies holds under 300; without
/// a bound, a hostile tablet could give one visit answers for thousands of made-up babies, and
/// every device would rewrite them all with each later change to that visit.
pub const MAX_RECORD_FIELDS: usize = 1000;
/// The most unresolved concurrent values one field may hold on the server.
pub const MAX_FIELD_HEADS: usize = 16;
/// The most versions of one field a change may replace: the value shown and every concurrent
/// one, with room for versions the server has not received yet.
pub const MAX_BASE_VERSIONS: usize = 2 * (MAX_FIELD_HEADS + 1);

/// How deep a push body may nest: the push, its changes, a change, its fields or bases, and a
/// value as deep as a field may hold (`lohusa_core::fields::MAX_VALUE_DEPTH`).
pub const MAX_BODY_DEPTH: usize = 6 + lohusa_core::fields::MAX_VALUE_DEPTH;
/// How many values (scalars, arrays, objects) a push body may hold: far above a full batch of
/// visits, far below what would take the server's memory.
pub const MAX_BODY_VALUES: usize = 2_000_000;
/// The longest string a push body may hold, in bytes as sent: the longest text a field takes
/// (`lohusa_core::fields::MAX_LONG_TEXT` characters), each escaped as `\uXXXX`, with room.
pub const MAX_BODY_STRING: usize = 8 * lohusa_core::fields::MAX_LONG_TEXT;

/// Whether a JSON text stays within `MAX_BODY_DEPTH`, `MAX_BODY_VALUES` and `MAX_BODY_STRING`, read in one pass
/// without building anything, so a hostile body is refused before it is parsed. Malformed JSON
/// passes here and is refused by the parser.
pub fn json_within_bounds(bytes: &[u8]) -> Result<(), &'static str> {
    let (mut depth, mut values, mut in_string, mut escaped) = (0usize, 1usize, false, false);
    let mut string_len = 0usize;
    for &b in bytes {
        if in_string {
            string_len += 1;
            if string_len > MAX_BODY_STRING {
                return Err("value_too_long");
            }
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                string_len = 0;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_BODY_DEPTH {
                    return Err("too_deep");
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            // Every value after the first in an array or object (and every key) follows a
            // separator: counting them bounds the values without tracking grammar.
            b',' | b':' => {
                values += 1;
                if values > MAX_BODY_VALUES {
                    return Err("too_many_values");
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks every change of a batch on its own; the refusals, in batch order. A large batch is
/// checked in two halves at once.
pub fn check_batch(changes: &[Change], now_ms: u64) -> Vec<Refusal> {
    let check = |changes: &[Change]| -> Vec<Refusal> {
        changes
            .iter()
            .filter_map(|c| {
                check_change(c, now_ms).err().map(|reason| Refusal {
                    change: c.id,
                    reason: reason.to_owned(),
                })
            })
            .collect()
    };
    let (first, second) = changes.split_at(changes.len() / 2);
    let (later, mut refused) = beside(changes.len() >= PARALLEL_FROM, || check(second), || check(first));
    refused.extend(later);
    refused
}

/// From how many changes a push's work is split over two threads: below it, a thread costs
/// more than it saves.
pub const PARALLEL_FROM: usize = 64;

/// Runs `aside` on a second thread while this one runs `here` when `parallel`, else both here;
/// their results. A panic on either side goes on here.
pub fn beside<A: Send, B>(parallel: bool, aside: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    if !parallel {
        let done = here();
        return (aside(), done);
    }
    std::thread::scope(|scope| {
        let thread = scope.spawn(aside);
        let done = here();
        (
            thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            done,
        )
    })
}

/// The server's current state of one record: merge metadata, visible values and who wrote them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EntityDoc {
    pub meta: EntityMeta,
    pub values: BTreeMap<String, Value>,
    /// Author and change of each version that is visible somewhere in the record.
    pub writers: BTreeMap<Version, (MemberId, ChangeId)>,
}

impl EntityDoc {
    pub fn merge(&mut self, change: &Change) {
        let (values, writers) = (&self.values, &self.writers);
        let mut lookup = |field: &str, version: Version| {
            let (author, id) = writers.get(&version)?;
            Some((values.get(field).cloned().unwrap_or(Value::Null), *author, *id))
        };
        let merged = self.meta.merge(change, &mut lookup);
        if merged.visible.is_empty() {
            // No field shows another version: the writers still visible are the same.
            return;
        }
        self.writers.insert(change.version(), (change.author, change.id));
        if self.values.is_empty() {
            self.values = merged.visible;
        } else {
            self.values.extend(merged.visible);
        }
        if self.writers.len() > 1 {
            let visible: std::collections::BTreeSet<&Version> = self.meta.fields.values().collect();
            self.writers.retain(|v, _| visible.contains(v));
        }
    }
}

/// Whether a device's "last seen" time is old enough to write again. Kept to once a minute, so
/// authenticating a request (a read) does not become a write that waits behind pushes.
pub fn last_seen_is_stale(last_seen_ms: Option<i64>, now_ms: u64) -> bool {
    last_seen_ms.is_none_or(|seen| seen < now_ms as i64 - 60_000)
}

/// SHA-256 of a secret, hex: what the database keeps of tokens and enrollment codes. The
/// secrets are long random strings, so a fast hash is enough to make the stored form useless.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A device token: 32 random bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}

/// Letters and digits that cannot be mistaken for each other when read aloud or typed.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";

/// An enrollment code, like `K7QX-M2HD-9TRW` (about 59 bits).
pub fn new_enrollment_code() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// What the database keeps of a one-time code as typed (any case, spaces or dashes).
pub fn hash_code(code: &str) -> String {
    hash_secret(&normalize_code(code))
}

/// The code as typed, made comparable: upper case, without spaces or dashes.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// What of a stored change a device may receive.
#[derive(Debug, PartialEq)]
pub enum Readable {
    /// The body as stored: its members may read every field.
    All,
    /// The body without the fields they may not read.
    Part(String),
    /// Nothing: no field is left.
    Nothing,
}

/// A change's body as a device with `roles` may receive it. Only the record kind and the field
/// names are read (the values are skipped) unless some fields must go and some stay.
pub fn readable_body(body: &str, roles: &[Role]) -> Result<Readable, serde_json::Error> {
    #[derive(Deserialize)]
    struct Named {
        entity: lohusa_core::EntityKind,
        fields: BTreeMap<String, serde::de::IgnoredAny>,
    }
    let named: Named = serde_json::from_str(body)?;
    let readable = |f: &String| any_may_read(roles, named.entity, f);
    if named.fields.keys().all(readable) {
        return Ok(Readable::All);
    }
    if !named.fields.keys().any(readable) {
        return Ok(Readable::Nothing);
    }
    let mut change: Change = serde_json::from_str(body)?;
    let entity = change.entity;
    change.fields.retain(|f, _| any_may_read(roles, entity, f));
    change.base.retain(|f, _| any_may_read(roles, entity, f));
    if change.fields.is_empty() {
        return Ok(Readable::Nothing);
    }
    serde_json::to_string(&change).map(Readable::Part)
}

/// The id of a stored change if it was written on `device` (read without parsing the rest).
pub fn written_by(body: &str, device: &str) -> Result<Option<String>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Written<'a> {
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
        #[serde(borrow)]
        device: std::borrow::Cow<'a, str>,
    }
    let written: Written = serde_json::from_str(body)?;
    Ok((written.device == device).then(|| written.id.into_owned()))
}

/// The pull response, assembled from the stored change bodies without parsing them again.
/// `own`: the ids of the asking device's changes left out (each a UUID, written as it is).
pub fn pull_body(
    rows: &[(u64, String)],
    own: &[String],
    cursor: u64,
    more: bool,
    epoch: uuid::Uuid,
    now_ms: u64,
) -> String {
    let mut out = String::with_capacity(rows.iter().map(|(_, b)| b.len() + 32).sum::<usize>() + 128);
    out.push_str("{\"changes\":[");
    for (i, (seq, body)) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"seq\":");
        out.push_str(&seq.to_string());
        out.push_str(",\"change\":");
        out.push_str(body);
        out.push('}');
    }
    out.push(']');
    if !own.is_empty() {
        out.push_str(",\"own\":[");
        for (i, id) in own.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(id);
            out.push('"');
        }
        out.push(']');
    }
    out.push_str(&format!(
        ",\"cursor\":{cursor},\"more\":{more},\"epoch\":\"{epoch}\",\"server_time_ms\":{now_ms}}}"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lohusa_core::sync::PullResponse;

    #[test]
    fn a_change_reaches_a_device_with_the_fields_its_members_read() {
        use lohusa_core::EntityKind;
        let change = |entity: EntityKind, fields: Value| {
            use lohusa_core::{DeviceId, Hlc};
            let device = DeviceId(uuid::Uuid::from_u128(3));
            let Value::Object(fields) = fields else {
                panic!("fields")
            };
            let replaced = Version {
                hlc: Hlc {
                    wall_ms: 1_764_000_000_000,
                    counter: 0,
                },
                device,
            };
            let change = Change {
                id: ChangeId(uuid::Uuid::from_u128(1)),
                entity,
                entity_id: uuid::Uuid::from_u128(2),
                fields: fields.into_iter().collect(),
                base: [("answers.mother.pain".to_owned(), vec![replaced])].into(),
                hlc: Hlc {
                    wall_ms: 1_764_000_000_001,
                    counter: 0,
                },
                author: MemberId(uuid::Uuid::from_u128(4)),
                device,
                schema_version: CHANGE_SCHEMA_VERSION,
            };
            serde_json::to_string(&change).unwrap()
        };
        let visit = change(
            EntityKind::Visit,
            serde_json::json!({"visited_on": "2026-11-24", "note": "Ağrı \"az\"", "answers.mother.pain": 3,
                               "answers.baby.0195f000-0000-7000-8000-000000000005.weight_g": 3400}),
        );
        assert_eq!(readable_body(&visit, &[Role::Nurse]).unwrap(), Readable::All);
        assert_eq!(
            readable_body(&visit, &[Role::SocialWorker, Role::Nurse]).unwrap(),
            Readable::All
        );
        // A social worker reads that the visit happened: the answers, the note and the answer's
        // base are left out, and the rest is as stored.
        let Readable::Part(part) = readable_body(&visit, &[Role::SocialWorker]).unwrap() else {
            panic!("a part of the visit")
        };
        let mut expected: Change = serde_json::from_str(&visit).unwrap();
        expected.fields.retain(|f, _| f == "visited_on");
        expected.base.clear();
        assert_eq!(part, serde_json::to_string(&expected).unwrap());
        let note = change(EntityKind::SocialNote, serde_json::json!({"text": "Ev ziyareti"}));
        assert_eq!(readable_body(&note, &[Role::Nurse]).unwrap(), Readable::Nothing);
        assert!(readable_body("{\"entity\": \"visit\", \"fields\": [1]}", &[Role::Nurse]).is_err());
    }

    #[test]
    fn codes_are_readable_and_normalise_as_typed() {
        let code = new_enrollment_code();
        assert_eq!(code.len(), 14, "{code}");
        assert_eq!(
            normalize_code(&code.to_lowercase().replace('-', " ")),
            code.replace('-', "")
        );
    }

    #[test]
    fn the_assembled_pull_body_parses_as_a_pull_response() {
        let body = pull_body(&[], &[], 5, false, uuid::Uuid::nil(), 9);
        let parsed: PullResponse = serde_json::from_str(&body).unwrap();
        assert_eq!((parsed.cursor, parsed.more, parsed.server_time_ms), (5, false, 9));
    }
}
