//! What the server decides, once for both databases and without IO: whether a push is stored
//! (`decide`), whether a device may enroll with a code or claim a member. The IO files read what
//! the decisions need, ask here, and write what was decided.

use std::collections::{HashMap, HashSet};

use lohusa_core::change::Change;
use lohusa_core::sync::Refusal;
use lohusa_core::{ChangeId, EntityKind};
use uuid::Uuid;

use crate::logic::{EntityDoc, PARALLEL_FROM, beside, reason};
use crate::model::*;

/// Whether an enrollment code may still be used: once, before it expires.
pub fn enrollment_code_refusal(used_ms: Option<i64>, expires_ms: i64, now_ms: u64) -> Option<EnrollOutcome> {
    if used_ms.is_some() {
        Some(EnrollOutcome::Used)
    } else if expires_ms < now_ms as i64 {
        Some(EnrollOutcome::Expired)
    } else {
        None
    }
}

/// Whether a device id may enroll into `team_id`, given its row if it has one (team, revoked).
/// An active device is someone's tablet: enrolling over it would lock that tablet out. A revoked
/// one enrolls again only into its own team.
pub fn enroll_refusal(known: Option<(i64, Option<i64>)>, team_id: i64) -> Option<EnrollOutcome> {
    match known {
        Some((_, None)) => Some(EnrollOutcome::DeviceTaken),
        Some((team, Some(_))) if team != team_id => Some(EnrollOutcome::DeviceOfOtherTeam),
        _ => None,
    }
}

/// Why a change's author may not have written it, if she may not.
fn author_refusal(change: &Change, authors: &Authors) -> Option<&'static str> {
    let Some(author) = authors.get(&change.author.to_string()) else {
        return Some(reason::AUTHOR_NOT_ON_DEVICE);
    };
    if !author.devices.contains(&change.device.to_string()) {
        return Some(reason::AUTHOR_NOT_ON_DEVICE);
    }
    // What she wrote before her revocation is hers; nothing after.
    if author.revoked_ms.is_some_and(|at| change.hlc.wall_ms as i64 > at) {
        return Some(reason::AUTHOR_REVOKED);
    }
    let role = &author.role;
    let allowed = if change.entity == EntityKind::Member {
        change.entity_id == change.author.0
    } else {
        change
            .fields
            .keys()
            .all(|field| lohusa_core::access::may_write(*role, change.entity, field))
    };
    (!allowed).then_some(reason::ROLE_MAY_NOT_WRITE)
}

/// Why a member code may not be claimed by a device of `team_id`, if it may not. The team is
/// checked first, so another team's device learns nothing of a code's use or age.
pub fn claim_refusal(
    member_team: i64,
    team_id: i64,
    used_ms: Option<i64>,
    expires_ms: i64,
    revoked_ms: Option<i64>,
    now_ms: u64,
) -> Option<ClaimOutcome> {
    if member_team != team_id {
        Some(ClaimOutcome::OtherTeam)
    } else if used_ms.is_some() {
        Some(ClaimOutcome::Used)
    } else if expires_ms < now_ms as i64 {
        Some(ClaimOutcome::Expired)
    } else if revoked_ms.is_some() {
        Some(ClaimOutcome::Revoked)
    } else {
        None
    }
}

/// A push, decided: what to store and in which order, or why nothing may be.
#[derive(Debug)]
pub struct Decided {
    pub duplicates: usize,
    /// New changes in batch order.
    pub new: Vec<Change>,
    /// Their JSON bodies, in the same order.
    pub bodies: Texts,
    /// The merged state of every record the new changes touch.
    pub docs: Docs,
}

/// What the database holds about a record a push touches.
pub struct Owner {
    pub team_id: i64,
    pub entity: EntityKind,
    pub state: String,
}

impl Owner {
    /// A row of `entities` (record id, team, kind, merged state) as either database returns it.
    pub fn from_row(id: &str, team_id: i64, entity: &str, state: String) -> Result<(Uuid, Owner), BackendError> {
        let corrupt = || BackendError::Corrupt(format!("entity {id}"));
        Ok((
            id.parse().map_err(|_| corrupt())?,
            Owner {
                team_id,
                entity: EntityKind::parse(entity).ok_or_else(corrupt)?,
                state,
            },
        ))
    }
}

impl Decided {
    /// Splits the decision into the number of duplicates, the new changes with their bodies and
    /// the merged records, so the records can be serialized (`StateRows::of`) on another thread
    /// while the changes are written.
    pub fn split(self) -> (usize, NewChanges, Docs) {
        (
            self.duplicates,
            NewChanges {
                changes: self.new,
                bodies: self.bodies,
            },
            self.docs,
        )
    }
}

/// The new changes of a push with their JSON bodies.
pub struct NewChanges {
    pub changes: Vec<Change>,
    bodies: Texts,
}

impl NewChanges {
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Their rows, numbered from the team's head on: (sequence, change id, record id, body).
    pub fn rows(&self, head: i64) -> impl Iterator<Item = (i64, String, String, &str)> {
        self.changes.iter().enumerate().map(move |(i, change)| {
            (
                head + 1 + i as i64,
                change.id.to_string(),
                change.entity_id.to_string(),
                self.bodies.get(i),
            )
        })
    }
}

/// The merged state of every record a push touches, by record id.
pub type Docs = HashMap<Uuid, (EntityKind, EntityDoc)>;

/// JSON texts written one after another into one buffer: a batch's thousands of change bodies
/// or record states, without a string (grown again and again) for each.
#[derive(Debug, Default)]
pub struct Texts {
    text: String,
    ends: Vec<usize>,
}

impl Texts {
    /// Room for `count` texts of about what a visit with every answer takes.
    fn with_capacity(count: usize) -> Texts {
        Texts {
            text: String::with_capacity(count * 1024),
            ends: Vec::with_capacity(count),
        }
    }

    /// Each of `values` as JSON, in order.
    pub fn of<'a, T: serde::Serialize + 'a>(
        values: impl ExactSizeIterator<Item = &'a T>,
    ) -> Result<Texts, BackendError> {
        let mut texts = Texts::with_capacity(values.len());
        for value in values {
            texts.push(value)?;
        }
        Ok(texts)
    }

    /// Adds `value` as JSON; on an error, nothing of it.
    fn push<T: serde::Serialize>(&mut self, value: &T) -> Result<(), BackendError> {
        let start = self.text.len();
        if let Err(error) = serde_json::to_writer(Appender(&mut self.text), value) {
            self.text.truncate(start);
            return Err(BackendError::Corrupt(error.to_string()));
        }
        self.ends.push(self.text.len());
        Ok(())
    }

    /// The `i`th text. Every text is whole JSON, so each starts and ends on a character.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

/// Appends what serde_json writes to a string: it writes whole characters (text cut at the
/// escapes, which are ASCII), and anything else is refused, never stored.
struct Appender<'a>(&'a mut String);

impl std::io::Write for Appender<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = std::str::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        self.0.push_str(text);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The merged state of each record touched, as `entities` stores it: (record id, kind, state
/// as JSON).
pub struct StateRows {
    records: Vec<(Uuid, &'static str)>,
    states: Texts,
}

impl StateRows {
    pub fn of(docs: &Docs) -> Result<StateRows, BackendError> {
        let mut records = Vec::with_capacity(docs.len());
        let mut states = Texts::with_capacity(docs.len());
        for (id, (kind, doc)) in docs {
            records.push((*id, kind.as_str()));
            states.push(doc)?;
        }
        Ok(StateRows { records, states })
    }

    pub fn rows(&self) -> impl Iterator<Item = (String, &'static str, &str)> {
        self.records
            .iter()
            .enumerate()
            .map(|(i, (id, kind))| (id.to_string(), *kind, self.states.get(i)))
    }
}

/// Frees what a push of `count` changes decided (many small maps) on a blocking thread of the
/// runtime once the push is stored, so the reply does not wait for it; here for a small push,
/// or without a runtime.
pub fn free_later<T: Send + 'static>(value: T, count: usize) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) if count >= PARALLEL_FROM => drop(runtime.spawn_blocking(move || drop(value))),
        _ => drop(value),
    }
}

/// Decides a push given what the database holds: the ids already stored (with their teams) and the owners and
/// states of the records touched. Refuses the whole batch if any new change breaks a rule.
///
/// How long after its revocation a revoked device may still upload what it recorded. Its
/// changes are taken by their own stamps, which the device sets, so a tablet in the wrong hands
/// could backdate what it sends; this bounds for how long. A tablet that was offline for longer
/// keeps its records until someone exports them there.
pub const REVOKED_UPLOAD_WINDOW_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Whether a device revoked at `revoked_ms` may no longer upload at `now_ms`.
pub fn revoked_upload_closed(revoked_ms: Option<i64>, now_ms: u64) -> bool {
    revoked_ms.is_some_and(|at| (now_ms as i64).saturating_sub(at) > REVOKED_UPLOAD_WINDOW_MS)
}

/// A change must name a device enrolled in the pushing device's team (revoked ones included: a
/// device re-uploads what it holds after a restore, its colleagues' changes among them), and an
/// author who signed in on that device and whose role may write every field it sets (a member
/// record only by the member herself).
pub fn decide(
    pusher: &Pusher,
    changes: Vec<Change>,
    stored_ids: &HashMap<String, (i64, String)>,
    owners: HashMap<Uuid, Owner>,
    team_devices: &HashSet<String>,
    authors: &Authors,
) -> Result<Result<Decided, Vec<Refusal>>, BackendError> {
    let team_id = pusher.team_id;
    let mut seen: HashMap<ChangeId, usize> = HashMap::new();
    let mut duplicates = 0;
    let mut new = Vec::with_capacity(changes.len());
    // An id another team's log holds is no duplicate of this team's: it goes through the checks
    // like any new change (and is refused), so a push never tells whether another team has it.
    let mut taken_elsewhere = HashSet::new();
    let mut reused = Vec::new();
    for change in changes {
        let stored = stored_ids.get(&change.id.to_string());
        if stored.is_some_and(|(t, _)| *t != team_id) {
            taken_elsewhere.insert(change.id);
        }
        match stored {
            // The same change again: nothing to do. An id held with other content is no
            // duplicate: the device would believe its edit stored while it was dropped.
            Some((t, body)) if *t == team_id => {
                let again = serde_json::to_string(&change).map_err(|e| BackendError::Corrupt(e.to_string()))?;
                if again == *body {
                    duplicates += 1;
                } else {
                    reused.push(change.id);
                }
            }
            // Twice in one batch: the same change once, or two contents under one id.
            _ => match seen.get(&change.id) {
                Some(first) if new[*first] == change => duplicates += 1,
                Some(_) => reused.push(change.id),
                None => {
                    seen.insert(change.id, new.len());
                    new.push(change);
                }
            },
        }
    }
    let mut refusals: Vec<Refusal> = new
        .iter()
        .filter(|c| !team_devices.contains(&c.device.to_string()))
        .map(|c| Refusal {
            change: c.id,
            reason: reason::FOREIGN_DEVICE.into(),
        })
        .chain(reused.into_iter().map(|id| Refusal {
            change: id,
            reason: reason::ID_REUSED.into(),
        }))
        .collect();
    for change in &new {
        if refusals.iter().any(|r| r.change == change.id) {
            continue;
        }
        let relayed = change.device.to_string() != pusher.device;
        let why = if relayed && !pusher.may_relay {
            Some(reason::RELAYED)
        } else if pusher.revoked_ms.is_some_and(|at| change.hlc.wall_ms as i64 > at) {
            // A revoked device uploads what it recorded before its revocation, by the server's
            // clock; anything stamped later is refused (its stamp is the device's word, so this
            // bounds what a revoked device can add, it cannot prove when a change was made).
            Some(reason::AFTER_DEVICE_REVOKED)
        } else if taken_elsewhere.contains(&change.id) {
            Some(reason::OTHER_TEAM)
        } else {
            author_refusal(change, authors)
        };
        if let Some(why) = why {
            refusals.push(Refusal {
                change: change.id,
                reason: why.into(),
            });
        }
    }
    let mut docs: Docs = HashMap::with_capacity(new.len());
    for (id, owner) in owners {
        let doc: EntityDoc =
            serde_json::from_str(&owner.state).map_err(|_| BackendError::Corrupt(format!("state of {id}")))?;
        if owner.team_id != team_id {
            let refused: HashSet<_> = refusals.iter().map(|r| r.change).collect();
            for c in new.iter().filter(|c| c.entity_id == id && !refused.contains(&c.id)) {
                refusals.push(Refusal {
                    change: c.id,
                    reason: reason::OTHER_TEAM.into(),
                });
            }
            continue;
        }
        docs.insert(id, (owner.entity, doc));
    }
    let existed: HashSet<Uuid> = docs.keys().copied().collect();
    // The bodies the log stores are written on a second thread while this one merges: each is
    // the change as sent, whatever the merge decides.
    let (bodies, merged) = beside(
        new.len() >= PARALLEL_FROM,
        || Texts::of(new.iter()),
        || merge_new(&new, &mut docs, &mut refusals),
    );
    let bodies = bodies?;
    // A record new to the server must be whole once the batch is merged: every device's lists
    // read its required fields. (After a restore, an edit may come before the record it edits;
    // it is refused, and its device sends it again at a later sync.)
    for (id, (kind, doc)) in &docs {
        if existed.contains(id) {
            continue;
        }
        let complete = lohusa_core::fields::missing_required(*kind, &doc.values, true).is_none();
        if !complete {
            let refused: HashSet<_> = refusals.iter().map(|r| r.change).collect();
            for change in merged
                .iter()
                .map(|&i| &new[i])
                .filter(|c| c.entity_id == *id && !refused.contains(&c.id))
            {
                refusals.push(Refusal {
                    change: change.id,
                    reason: reason::MISSING_REQUIRED.into(),
                });
            }
        }
    }
    if !refusals.is_empty() {
        return Ok(Err(refusals));
    }
    // Nothing was refused, so every new change was merged, in batch order.
    debug_assert_eq!(merged.len(), new.len());
    Ok(Ok(Decided {
        duplicates,
        new,
        bodies,
        docs,
    }))
}

/// Merges the new changes of a push into the records they touch, in batch order, adding the
/// refusals the records' state gives (kind, written once, size, conflicts); the positions in
/// `new` of the changes merged.
fn merge_new(new: &[Change], docs: &mut Docs, refusals: &mut Vec<Refusal>) -> Vec<usize> {
    let mut merged = Vec::with_capacity(new.len());
    for (i, change) in new.iter().enumerate() {
        let (kind, doc) = docs
            .entry(change.entity_id)
            .or_insert_with(|| (change.entity, EntityDoc::default()));
        if refusals.iter().any(|r| r.change == change.id) {
            continue;
        }
        if *kind != change.entity {
            refusals.push(Refusal {
                change: change.id,
                reason: reason::KIND_CHANGED.into(),
            });
            continue;
        }
        // A record written once has one change: a second one for its id is refused.
        if lohusa_core::fields::write_once(*kind) && !doc.meta.fields.is_empty() {
            refusals.push(Refusal {
                change: change.id,
                reason: reason::WRITTEN_ONCE.into(),
            });
            continue;
        }
        // A change naming fields the record does not hold yet may not take it past the bound;
        // checked before merging, so a refused change leaves the record as it was for the
        // batch's later changes, and a change to fields it holds is never refused for it.
        let added = change
            .fields
            .keys()
            .filter(|f| !doc.meta.fields.contains_key(*f))
            .count();
        if added > 0 && doc.meta.fields.len() + added > crate::logic::MAX_RECORD_FIELDS {
            refusals.push(Refusal {
                change: change.id,
                reason: reason::TOO_MANY_FIELDS.into(),
            });
            continue;
        }
        doc.merge(change);
        if doc
            .meta
            .heads
            .values()
            .any(|heads| heads.len() > crate::logic::MAX_FIELD_HEADS)
        {
            refusals.push(Refusal {
                change: change.id,
                reason: reason::TOO_MANY_CONFLICTS.into(),
            });
            continue;
        }
        merged.push(i);
    }
    merged
}

#[cfg(test)]
mod tests {
    //! `decide` on its own, with no database: what a push stores or refuses, rule by rule.

    use lohusa_core::change::CHANGE_SCHEMA_VERSION;
    use lohusa_core::{DeviceId, Hlc};
    use serde_json::{Value, json};

    use lohusa_core::MemberId;
    use lohusa_core::access::Role;

    use super::*;

    #[test]
    fn texts_keep_each_value_whole_and_nothing_of_one_that_fails() {
        let mut texts = Texts::of([json!({"a": "ş\"ğ"}), json!([1, 2.5, null])].iter()).unwrap();
        assert_eq!(texts.get(0), r#"{"a":"ş\"ğ"}"#);
        assert_eq!(texts.get(1), "[1,2.5,null]");
        // A map with keys that are not text fails part way: nothing of it stays.
        let refused: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(texts.push(&refused).is_err());
        texts.push(&"İzmir").unwrap();
        assert_eq!(texts.get(2), r#""İzmir""#);
        assert_eq!(texts.text, r#"{"a":"ş\"ğ"}[1,2.5,null]"İzmir""#);
    }

    #[test]
    fn an_enrollment_code_is_used_once_and_not_after_it_expires() {
        assert_eq!(enrollment_code_refusal(None, 1_000, 999), None);
        assert_eq!(enrollment_code_refusal(None, 1_000, 1_000), None);
        assert_eq!(
            enrollment_code_refusal(None, 1_000, 1_001),
            Some(EnrollOutcome::Expired)
        );
        // Used wins: a used code is never reported as merely expired.
        assert_eq!(
            enrollment_code_refusal(Some(5), 1_000, 5_000),
            Some(EnrollOutcome::Used)
        );
    }

    const TEAM: i64 = 1;
    const DEVICE: u128 = 10;
    const NURSE: u128 = 20;
    const LEAD: u128 = 21;
    const LEAD_DEVICE: u128 = 11;

    /// A fresh change id (ids are inputs here too: no clock).
    fn next_id() -> u128 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1 << 40);
        u128::from(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }

    fn change(entity: EntityKind, entity_id: u128, device: u128, author: u128, fields: Value, wall_ms: u64) -> Change {
        let Value::Object(fields) = fields else {
            panic!("fields are an object")
        };
        Change {
            id: ChangeId(Uuid::from_u128(next_id())),
            entity,
            entity_id: Uuid::from_u128(entity_id),
            fields: fields.into_iter().collect(),
            base: Default::default(),
            hlc: Hlc { wall_ms, counter: 0 },
            author: MemberId(Uuid::from_u128(author)),
            device: DeviceId(Uuid::from_u128(device)),
            schema_version: CHANGE_SCHEMA_VERSION,
        }
    }

    /// A whole new mother, written by the nurse on her tablet.
    fn mother(id: u128) -> Change {
        change(
            EntityKind::Mother,
            id,
            DEVICE,
            NURSE,
            json!({"full_name": "Leyla Demir", "preferred_language": "tr", "interpreter_needed": false,
                   "registered_on": "2026-11-20"}),
            1_000,
        )
    }

    fn pusher(device: u128, may_relay: bool) -> Pusher {
        Pusher {
            team_id: TEAM,
            device: Uuid::from_u128(device).to_string(),
            may_relay,
            revoked_ms: None,
        }
    }

    fn authors() -> Authors {
        let author = |role, device: u128| Author {
            role,
            devices: HashSet::from([Uuid::from_u128(device).to_string()]),
            revoked_ms: None,
        };
        HashMap::from([
            (Uuid::from_u128(NURSE).to_string(), author(Role::Nurse, DEVICE)),
            (Uuid::from_u128(LEAD).to_string(), author(Role::TeamLead, LEAD_DEVICE)),
        ])
    }

    fn devices() -> HashSet<String> {
        HashSet::from([DEVICE, LEAD_DEVICE].map(|d| Uuid::from_u128(d).to_string()))
    }

    /// `decide` with nothing stored and no record known, but for `owners`.
    fn run(pusher: &Pusher, changes: Vec<Change>, owners: HashMap<Uuid, Owner>) -> Result<Decided, Vec<Refusal>> {
        decide(pusher, changes, &HashMap::new(), owners, &devices(), &authors()).unwrap()
    }

    /// As `run`, with change ids the database already holds (id → team, body).
    fn run_stored(
        pusher: &Pusher,
        changes: Vec<Change>,
        stored: &HashMap<String, (i64, String)>,
    ) -> Result<Decided, Vec<Refusal>> {
        decide(pusher, changes, stored, HashMap::new(), &devices(), &authors()).unwrap()
    }

    fn reasons(refused: &[Refusal]) -> Vec<&str> {
        refused.iter().map(|r| r.reason.as_str()).collect()
    }

    fn owner(team_id: i64, entity: EntityKind, doc: &EntityDoc) -> Owner {
        Owner {
            team_id,
            entity,
            state: serde_json::to_string(doc).unwrap(),
        }
    }

    #[test]
    fn a_whole_new_record_from_its_author_is_stored() {
        let decided = run(&pusher(DEVICE, false), vec![mother(1)], HashMap::new()).unwrap();
        assert_eq!((decided.new.len(), decided.duplicates), (1, 0));
        let (kind, doc) = &decided.docs[&Uuid::from_u128(1)];
        assert_eq!(*kind, EntityKind::Mother);
        assert_eq!(doc.values["full_name"], json!("Leyla Demir"));
    }

    #[test]
    fn the_same_change_again_is_a_duplicate_and_other_content_under_its_id_is_refused() {
        let first = mother(1);
        let body = serde_json::to_string(&first).unwrap();
        let stored = HashMap::from([(first.id.to_string(), (TEAM, body))]);
        let decided = run_stored(&pusher(DEVICE, false), vec![first.clone()], &stored).unwrap();
        assert_eq!((decided.new.len(), decided.duplicates), (0, 1));
        let mut edited = first.clone();
        edited.fields.insert("full_name".into(), json!("Leyla Kaya"));
        let refused = run_stored(&pusher(DEVICE, false), vec![edited], &stored).unwrap_err();
        assert_eq!(reasons(&refused), [reason::ID_REUSED]);
        // Twice in one batch: once is a duplicate, other content is refused.
        let decided = run(
            &pusher(DEVICE, false),
            vec![first.clone(), first.clone()],
            HashMap::new(),
        )
        .unwrap();
        assert_eq!((decided.new.len(), decided.duplicates), (1, 1));
        let mut other = first.clone();
        other.fields.insert("full_name".into(), json!("Another"));
        let refused = run(&pusher(DEVICE, false), vec![first, other], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::ID_REUSED]);
    }

    #[test]
    fn a_device_of_another_team_and_an_id_another_team_holds_are_refused() {
        let foreign = change(
            EntityKind::Mother,
            1,
            99,
            NURSE,
            json!({"full_name": "X", "preferred_language": "tr", "interpreter_needed": false, "registered_on": "2026-11-20"}),
            1_000,
        );
        let refused = run(&pusher(DEVICE, true), vec![foreign], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::FOREIGN_DEVICE]);
        let theirs = mother(1);
        let stored = HashMap::from([(theirs.id.to_string(), (2, "{}".to_owned()))]);
        let refused = run_stored(&pusher(DEVICE, false), vec![theirs], &stored).unwrap_err();
        assert_eq!(reasons(&refused), [reason::OTHER_TEAM]);
        // A record another team owns.
        let owners = HashMap::from([(Uuid::from_u128(1), owner(2, EntityKind::Mother, &EntityDoc::default()))]);
        let refused = run(&pusher(DEVICE, false), vec![mother(1)], owners).unwrap_err();
        assert_eq!(reasons(&refused), [reason::OTHER_TEAM]);
    }

    #[test]
    fn only_a_team_leads_device_relays_what_another_device_wrote() {
        let refused = run(&pusher(LEAD_DEVICE, false), vec![mother(1)], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::RELAYED]);
        assert!(run(&pusher(LEAD_DEVICE, true), vec![mother(1)], HashMap::new()).is_ok());
    }

    #[test]
    fn a_revoked_device_uploads_for_thirty_days_only() {
        let day = 24 * 60 * 60 * 1000;
        assert!(!revoked_upload_closed(None, 400 * day as u64));
        assert!(!revoked_upload_closed(Some(10 * day), (10 * day) as u64));
        assert!(!revoked_upload_closed(Some(10 * day), (40 * day) as u64));
        assert!(revoked_upload_closed(Some(10 * day), (40 * day + 1) as u64));
        // A clock behind the revocation does not close it.
        assert!(!revoked_upload_closed(Some(10 * day), 0));
    }

    #[test]
    fn a_revoked_device_uploads_only_what_it_stamped_before() {
        let mut revoked = pusher(DEVICE, false);
        revoked.revoked_ms = Some(5_000);
        assert!(run(&revoked, vec![mother(1)], HashMap::new()).is_ok());
        let mut late = mother(2);
        late.hlc.wall_ms = 6_000;
        let refused = run(&revoked, vec![late], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::AFTER_DEVICE_REVOKED]);
    }

    #[test]
    fn the_author_must_be_on_the_device_and_her_role_may_write_every_field() {
        let mut stranger = mother(1);
        stranger.author = MemberId(Uuid::from_u128(77));
        let mut elsewhere = mother(2);
        elsewhere.author = MemberId(Uuid::from_u128(LEAD));
        let refused = run(&pusher(DEVICE, false), vec![stranger, elsewhere], HashMap::new()).unwrap_err();
        assert_eq!(
            reasons(&refused),
            [reason::AUTHOR_NOT_ON_DEVICE, reason::AUTHOR_NOT_ON_DEVICE]
        );
        // A nurse writes no stock movement (the team lead's ledger).
        let movement = change(EntityKind::StockMovement, 3, DEVICE, NURSE, json!({"count": 1}), 1_000);
        let refused = run(&pusher(DEVICE, false), vec![movement], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::ROLE_MAY_NOT_WRITE]);
    }

    #[test]
    fn a_record_keeps_its_kind_a_ledger_line_is_written_once_and_a_new_record_is_whole() {
        let owners = HashMap::from([(
            Uuid::from_u128(1),
            owner(TEAM, EntityKind::Birth, &EntityDoc::default()),
        )]);
        let refused = run(&pusher(DEVICE, false), vec![mother(1)], owners).unwrap_err();
        assert_eq!(reasons(&refused), [reason::KIND_CHANGED]);
        let mut written = EntityDoc::default();
        written.merge(&change(
            EntityKind::StockMovement,
            3,
            LEAD_DEVICE,
            LEAD,
            json!({"count": 5}),
            500,
        ));
        let owners = HashMap::from([(Uuid::from_u128(3), owner(TEAM, EntityKind::StockMovement, &written))]);
        let again = change(
            EntityKind::StockMovement,
            3,
            LEAD_DEVICE,
            LEAD,
            json!({"count": 6}),
            1_000,
        );
        let refused = run(&pusher(LEAD_DEVICE, true), vec![again], owners).unwrap_err();
        assert_eq!(reasons(&refused), [reason::WRITTEN_ONCE]);
        let part = change(
            EntityKind::Mother,
            4,
            DEVICE,
            NURSE,
            json!({"phone": "0532 111 22 33"}),
            1_000,
        );
        let refused = run(&pusher(DEVICE, false), vec![part], HashMap::new()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::MISSING_REQUIRED]);
    }

    #[test]
    fn a_record_holds_at_most_max_record_fields_however_many_changes_write_them() {
        // Answers for made-up babies, `count` of them from `first` on, each baby with ten fields.
        let answers = |first: u128, count: u128| -> Value {
            let mut fields = serde_json::Map::new();
            for baby in first..first + count {
                for n in 0..10 {
                    fields.insert(
                        format!("answers.baby.{}.field_{n}", Uuid::from_u128(1000 + baby)),
                        json!(n),
                    );
                }
            }
            Value::Object(fields)
        };
        let mut held = EntityDoc::default();
        held.merge(&change(EntityKind::Visit, 5, DEVICE, NURSE, answers(0, 90), 500));
        assert_eq!(held.meta.fields.len(), 900);
        let owners = || HashMap::from([(Uuid::from_u128(5), owner(TEAM, EntityKind::Visit, &held))]);
        // Rewriting what the visit holds, and adding up to the bound, is taken.
        let again = change(EntityKind::Visit, 5, DEVICE, NURSE, answers(80, 20), 1_000);
        assert_eq!(run(&pusher(DEVICE, false), vec![again], owners()).unwrap().new.len(), 1);
        // Past it is refused, whether in one change or over two changes of one batch.
        let over = change(EntityKind::Visit, 5, DEVICE, NURSE, answers(80, 21), 1_000);
        let refused = run(&pusher(DEVICE, false), vec![over], owners()).unwrap_err();
        assert_eq!(reasons(&refused), [reason::TOO_MANY_FIELDS]);
        let first = change(EntityKind::Visit, 5, DEVICE, NURSE, answers(90, 10), 1_000);
        let second = change(EntityKind::Visit, 5, DEVICE, NURSE, answers(100, 1), 1_001);
        let refused = run(&pusher(DEVICE, false), vec![first.clone(), second.clone()], owners()).unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(
            (refused[0].change, refused[0].reason.as_str()),
            (second.id, reason::TOO_MANY_FIELDS)
        );
        // A full record still takes edits of the fields it holds, also after a refused change
        // of the same batch.
        let mut full = held.clone();
        full.merge(&first);
        assert_eq!(full.meta.fields.len(), 1000);
        let owners = || HashMap::from([(Uuid::from_u128(5), owner(TEAM, EntityKind::Visit, &full))]);
        let grows = change(EntityKind::Visit, 5, DEVICE, NURSE, answers(100, 1), 2_000);
        let edits = change(EntityKind::Visit, 5, DEVICE, NURSE, answers(0, 1), 2_001);
        let refused = run(&pusher(DEVICE, false), vec![grows.clone(), edits.clone()], owners()).unwrap_err();
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert_eq!(
            (refused[0].change, refused[0].reason.as_str()),
            (grows.id, reason::TOO_MANY_FIELDS)
        );
        assert_eq!(run(&pusher(DEVICE, false), vec![edits], owners()).unwrap().new.len(), 1);
    }

    #[test]
    fn one_refused_change_refuses_the_whole_batch_naming_only_it() {
        let mut late = mother(2);
        late.author = MemberId(Uuid::from_u128(77));
        let refused = run(
            &pusher(DEVICE, false),
            vec![mother(1), late.clone(), mother(3)],
            HashMap::new(),
        )
        .unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].change, late.id);
    }
}
