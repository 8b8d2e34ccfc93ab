//! The key to the encrypted store, wrapped once per member with her PIN.
//!
//! The database key is 32 random bytes, made when the device is set up and never written
//! anywhere in the clear. `keyring.json`, beside the database, holds one *slot* per member who
//! signed in on this device: the database key encrypted (ChaCha20-Poly1305) under a key derived
//! from her PIN with Argon2id (64 MiB, 3 passes) and a salt of her own. A powered-off tablet therefore reveals nothing without a member's PIN; several
//! members each have their own PIN; a forgotten PIN costs only her slot, and a wiped device pulls
//! everything synced again.
//!
//! Wrong PINs lock the slot for a growing time after `FREE_TRIES`, and after `MAX_FAILURES` the
//! slot is erased: she signs in again with a new member code from the team lead. The counter
//! lives in the same file, so it slows a thief who uses the app; someone who copies the file can
//! try PINs offline at the speed Argon2id allows (SECURITY.md says what that means).

use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use lohusa_core::{MemberId, Role};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::{Zeroize, Zeroizing};

use crate::StoreError;

/// Wrong PINs in a row before the slot starts locking.
pub const FREE_TRIES: u32 = 3;
/// Wrong PINs in a row after which the slot is erased.
pub const MAX_FAILURES: u32 = 10;
/// The first lock after `FREE_TRIES`; each further wrong PIN doubles it.
pub const FIRST_LOCK_MS: i64 = 30_000;

const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
/// Associated data of every sealed key: the format, so a slot is never read as something else.
const AAD: &[u8] = b"lohusa-keyring-v1";
const ARGON2_PASSES: u32 = 3;

/// The database key. Zeroed when dropped; never serialised.
pub struct DbKey(Zeroizing<[u8; 32]>);

impl DbKey {
    /// A new random key, for a new device.
    pub fn random() -> DbKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).expect("the operating system's random source failed");
        DbKey(bytes)
    }

    /// The key as SQLCipher takes it: a raw key, so SQLCipher runs no key derivation of its own.
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        let literal = self.literal();
        let mut out = Zeroizing::new(String::with_capacity(literal.len() + 16));
        out.push_str("PRAGMA key = ");
        out.push_str(&literal);
        out.push(';');
        out
    }

    /// The key as an SQL literal, for `ATTACH ... KEY`.
    pub(crate) fn literal(&self) -> Zeroizing<String> {
        // Written into a buffer that is zeroed when dropped, never through a temporary String.
        let mut hex_digits = Zeroizing::new([0u8; 64]);
        hex::encode_to_slice(self.0.as_ref(), hex_digits.as_mut()).expect("32 bytes make 64 hex digits");
        let mut out = Zeroizing::new(String::with_capacity(70));
        out.push_str("\"x'");
        out.push_str(std::str::from_utf8(hex_digits.as_ref()).expect("hex digits are ASCII"));
        out.push_str("'\"");
        out
    }

    /// A copy (the checkpointing connection, and the keyring sealing it for a new member).
    pub fn duplicate(&self) -> DbKey {
        DbKey(Zeroizing::new(*self.0))
    }
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(..)")
    }
}

/// A member who can sign in on this device, as the sign-in screen lists her.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct DeviceMember {
    pub id: MemberId,
    pub name: String,
    pub role: Option<Role>,
    /// Until when wrong PINs keep her from trying again (Unix ms).
    #[ts(type = "number | null")]
    pub locked_until_ms: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Slot {
    id: MemberId,
    name: String,
    role: Option<Role>,
    salt: String,
    nonce: String,
    wrapped: String,
    #[serde(default)]
    failures: u32,
    #[serde(default)]
    locked_until_ms: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct KeyringFile {
    version: u32,
    slots: Vec<Slot>,
}

/// Why a PIN did not open the store.
#[derive(Debug, thiserror::Error)]
pub enum UnlockError {
    #[error("wrong PIN ({failures} wrong in a row)")]
    WrongPin {
        failures: u32,
        /// Set when this failure locked the slot for a while.
        locked_until_ms: Option<i64>,
    },
    #[error("locked after wrong PINs until {until_ms}")]
    Locked { until_ms: i64 },
    /// Too many wrong PINs: her slot is erased; she signs in again with a new member code.
    #[error("too many wrong PINs; this member was removed from the device")]
    Erased,
    #[error("no such member on this device")]
    NoSuchMember,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The keyring of one device, read from and written back to its file.
pub struct Keyring {
    path: PathBuf,
    file: KeyringFile,
}

/// The keyring file that goes with a database file.
pub fn keyring_path(db: &Path) -> PathBuf {
    db.with_file_name("keyring.json")
}

fn io(error: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("keyring: {error}"))
}

fn derive(pin: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, 1, Some(32))
        .map_err(|e| StoreError::Corrupt(format!("argon2 parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pin.as_bytes(), salt, out.as_mut())
        .map_err(|e| StoreError::Corrupt(format!("argon2: {e}")))?;
    Ok(out)
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

fn seal(key: &DbKey, id: MemberId, name: &str, role: Option<Role>, pin: &str) -> Result<Slot, StoreError> {
    let salt: [u8; 16] = random();
    let nonce: [u8; 12] = random();
    let kek = derive(pin, &salt)?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()));
    let wrapped = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: key.0.as_ref(),
                aad: AAD,
            },
        )
        .map_err(|_| StoreError::Corrupt("sealing the key".into()))?;
    Ok(Slot {
        id,
        name: name.to_owned(),
        role,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        wrapped: hex::encode(wrapped),
        failures: 0,
        locked_until_ms: None,
    })
}

fn open_slot(slot: &Slot, pin: &str) -> Result<Option<DbKey>, StoreError> {
    let corrupt = || StoreError::Corrupt(format!("keyring slot of {}", slot.id));
    let salt = hex::decode(&slot.salt).map_err(|_| corrupt())?;
    let nonce = hex::decode(&slot.nonce).map_err(|_| corrupt())?;
    let wrapped = hex::decode(&slot.wrapped).map_err(|_| corrupt())?;
    if nonce.len() != 12 {
        return Err(corrupt());
    }
    let kek = derive(pin, &salt)?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()));
    let Ok(mut plain) = cipher.decrypt(
        Nonce::from_slice(&nonce),
        Payload {
            msg: &wrapped,
            aad: AAD,
        },
    ) else {
        return Ok(None);
    };
    let mut key = Zeroizing::new([0u8; 32]);
    if plain.len() != 32 {
        plain.zeroize();
        return Err(corrupt());
    }
    key.copy_from_slice(&plain);
    plain.zeroize();
    Ok(Some(DbKey(key)))
}

impl Keyring {
    /// The device's keyring, if it was set up.
    pub fn load(path: &Path) -> Result<Option<Keyring>, StoreError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let file: KeyringFile =
            serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("keyring: {e}")))?;
        Ok(Some(Keyring {
            path: path.to_owned(),
            file,
        }))
    }

    /// Sets up a device: a new random database key, sealed for its first member.
    pub fn create(
        path: &Path,
        id: MemberId,
        name: &str,
        role: Option<Role>,
        pin: &str,
    ) -> Result<(Keyring, DbKey), StoreError> {
        let key = DbKey::random();
        let keyring = Keyring::create_for(path, &key, id, name, role, pin)?;
        Ok((keyring, key))
    }

    /// Sets up a device's keyring for a database key already made, sealed for its first member.
    pub fn create_for(
        path: &Path,
        key: &DbKey,
        id: MemberId,
        name: &str,
        role: Option<Role>,
        pin: &str,
    ) -> Result<Keyring, StoreError> {
        let mut keyring = Keyring {
            path: path.to_owned(),
            file: KeyringFile {
                version: 1,
                slots: Vec::new(),
            },
        };
        keyring.file.slots.push(seal(key, id, name, role, pin)?);
        keyring.save()?;
        Ok(keyring)
    }

    /// Writes the file whole, through a temporary file and a rename, so a crash never leaves
    /// half a keyring.
    fn save(&self) -> Result<(), StoreError> {
        let text = serde_json::to_string_pretty(&self.file).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tmp = self.path.with_extension("json.tmp");
        {
            use std::io::Write;
            let mut file = std::fs::File::create(&tmp).map_err(io)?;
            file.write_all(text.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        Ok(())
    }

    /// The members who can sign in here, in the order they were added.
    pub fn members(&self) -> Vec<DeviceMember> {
        self.file
            .slots
            .iter()
            .map(|s| DeviceMember {
                id: s.id,
                name: s.name.clone(),
                role: s.role,
                locked_until_ms: s.locked_until_ms,
            })
            .collect()
    }

    /// Opens the database key with a member's PIN. Wrong PINs are counted in the file before
    /// the answer is given, so closing the app does not reset them.
    pub fn unlock(&mut self, id: MemberId, pin: &str, now_ms: i64) -> Result<DbKey, UnlockError> {
        let index = self
            .file
            .slots
            .iter()
            .position(|s| s.id == id)
            .ok_or(UnlockError::NoSuchMember)?;
        if let Some(until_ms) = self.file.slots[index].locked_until_ms.filter(|until| *until > now_ms) {
            return Err(UnlockError::Locked { until_ms });
        }
        if let Some(key) = open_slot(&self.file.slots[index], pin)? {
            let slot = &mut self.file.slots[index];
            if slot.failures > 0 || slot.locked_until_ms.is_some() {
                slot.failures = 0;
                slot.locked_until_ms = None;
                self.save()?;
            }
            return Ok(key);
        }
        let slot = &mut self.file.slots[index];
        slot.failures += 1;
        let failures = slot.failures;
        if failures >= MAX_FAILURES {
            self.file.slots.remove(index);
            self.save()?;
            return Err(UnlockError::Erased);
        }
        slot.locked_until_ms = lock_after(failures).map(|ms| now_ms + ms);
        let locked_until_ms = slot.locked_until_ms;
        self.save()?;
        Err(UnlockError::WrongPin {
            failures,
            locked_until_ms,
        })
    }

    /// Adds a member (or gives one a new PIN), sealing the open database key for her.
    pub fn add_member(
        &mut self,
        key: &DbKey,
        id: MemberId,
        name: &str,
        role: Option<Role>,
        pin: &str,
    ) -> Result<(), StoreError> {
        let slot = seal(key, id, name, role, pin)?;
        match self.file.slots.iter_mut().find(|s| s.id == id) {
            Some(existing) => *existing = slot,
            None => self.file.slots.push(slot),
        }
        self.save()
    }

    /// Updates the id, name and role the sign-in screen shows for a member (after the server
    /// confirmed them), keeping her PIN.
    pub fn rename(&mut self, id: MemberId, to: MemberId, name: &str, role: Option<Role>) -> Result<(), StoreError> {
        if let Some(slot) = self.file.slots.iter_mut().find(|s| s.id == id) {
            slot.id = to;
            slot.name = name.to_owned();
            slot.role = role;
            self.save()?;
        }
        Ok(())
    }

    /// Removes a member's slot (she was revoked, or left the device).
    pub fn remove_member(&mut self, id: MemberId) -> Result<bool, StoreError> {
        let before = self.file.slots.len();
        self.file.slots.retain(|s| s.id != id);
        let removed = self.file.slots.len() != before;
        if removed {
            self.save()?;
        }
        Ok(removed)
    }
}

/// How long the slot locks after `failures` wrong PINs in a row, if at all.
pub fn lock_after(failures: u32) -> Option<i64> {
    (failures > FREE_TRIES).then(|| FIRST_LOCK_MS << (failures - FREE_TRIES - 1).min(16))
}

/// Erases a device's data: the database with its journal files, and the keyring. What was never
/// synced is lost; everything else comes back from the server after enrolling again.
pub fn wipe(db: &Path) -> Result<(), StoreError> {
    let mut paths = vec![db.to_owned(), keyring_path(db)];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        paths.push(PathBuf::from(name));
    }
    for path in paths {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_grow_after_the_free_tries() {
        let locks: Vec<Option<i64>> = (1..=7).map(lock_after).collect();
        assert_eq!(
            locks,
            [
                None,
                None,
                None,
                Some(30_000),
                Some(60_000),
                Some(120_000),
                Some(240_000)
            ]
        );
    }
}
