//! The index of the mothers on the device, so a check scores only those sharing a key.

use super::*;

/// The mothers on the device with their keys computed once, filed by phonetic word, identity
/// number and phone, so that checking one incoming mother only scores the few sharing one of
/// those.
#[derive(Clone, Debug, Default)]
pub struct MatchIndex {
    pub(super) entries: Vec<Entry>,
    pub(super) by_word: HashMap<String, Vec<u32>>,
    pub(super) by_id_number: HashMap<String, Vec<u32>>,
    pub(super) by_phone: HashMap<String, Vec<u32>>,
}

pub(super) fn file_under(map: &mut HashMap<String, Vec<u32>>, key: &str, slot: u32) {
    match map.get_mut(key) {
        Some(slots) => {
            if slots.last() != Some(&slot) {
                slots.push(slot);
            }
        }
        None => {
            map.insert(key.to_owned(), vec![slot]);
        }
    }
}

impl MatchIndex {
    /// Builds the index over the mothers already on the device.
    pub fn new(people: impl IntoIterator<Item = Person>) -> Self {
        let mut index = MatchIndex::default();
        for p in people {
            index.add(p);
        }
        index
    }

    /// Adds one mother, so that rows created earlier in the same import are checked against
    /// the later ones.
    pub fn add(&mut self, person: Person) {
        let entry = Entry::new(&person);
        let slot = u32::try_from(self.entries.len()).expect("fewer than 4 billion mothers");
        for t in &entry.tokens {
            file_under(&mut self.by_word, &t.key, slot);
            if t.bare != t.key {
                file_under(&mut self.by_word, &t.bare, slot);
            }
        }
        if let Some(id) = &entry.id_number {
            file_under(&mut self.by_id_number, id, slot);
        }
        for phone in &entry.phones {
            file_under(&mut self.by_phone, phone, slot);
        }
        self.entries.push(entry);
    }

    /// How many mothers the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The mothers who are probably `probe`: score [`SUSPECT_THRESHOLD`] or more, best first
    /// (ties: the one added first), at most [`MAX_SUSPECTS`]. A mother with the probe's own id
    /// (unless nil) is left out.
    pub fn candidates(&self, probe: &Person) -> Vec<Suspect> {
        let p = Entry::new(probe);
        let mut pool: Vec<u32> = Vec::new();
        for t in &p.tokens {
            if let Some(slots) = self.by_word.get(&t.key) {
                pool.extend_from_slice(slots);
            }
            if t.bare != t.key
                && let Some(slots) = self.by_word.get(&t.bare)
            {
                pool.extend_from_slice(slots);
            }
        }
        if let Some(slots) = p.id_number.as_ref().and_then(|id| self.by_id_number.get(id)) {
            pool.extend_from_slice(slots);
        }
        for phone in &p.phones {
            if let Some(slots) = self.by_phone.get(phone) {
                pool.extend_from_slice(slots);
            }
        }
        pool.sort_unstable();
        pool.dedup();

        let mut found: Vec<(u32, u32, Vec<MatchReason>)> = Vec::new();
        for slot in pool {
            let e = &self.entries[slot as usize];
            if !p.id.is_nil() && e.id == p.id {
                continue;
            }
            let (points, reasons) = score(&p, e);
            let s = clamp_score(points);
            if s >= SUSPECT_THRESHOLD {
                found.push((s, slot, reasons));
            }
        }
        found.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        found.truncate(MAX_SUSPECTS);
        found
            .into_iter()
            .map(|(score, slot, reasons)| Suspect {
                id: self.entries[slot as usize].id,
                score,
                reasons,
            })
            .collect()
    }
}
