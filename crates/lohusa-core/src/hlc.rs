//! The hybrid logical clock that orders changes across devices whose wall clocks disagree.
//!
//! A stamp is (wall time in ms, counter). A local event takes the larger of the device clock and
//! the last stamp, so stamps never go backwards even when a tablet's clock is set back. A remote
//! stamp too far in the future is refused rather than adopted, so one tablet with a wrong clock
//! cannot drag every replica's clock forward with it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ts_rs::TS;

use crate::ids::DeviceId;

/// How far ahead of this device's clock a received stamp may be before it is refused.
pub const MAX_FORWARD_DRIFT_MS: u64 = 24 * 60 * 60 * 1000;

/// One stamp. Orders by wall time, then counter; the device id breaks the remaining ties.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, TS)]
#[ts(type = "string")]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a received clock stamp is {ahead_ms} ms ahead of this device's clock")]
pub struct ClockDriftError {
    pub ahead_ms: u64,
}

impl Hlc {
    /// The stamp for a new local event, given the device clock `now_ms`.
    pub fn tick(self, now_ms: u64) -> Hlc {
        if now_ms > self.wall_ms {
            Hlc {
                wall_ms: now_ms,
                counter: 0,
            }
        } else {
            Hlc {
                wall_ms: self.wall_ms,
                counter: self.counter,
            }
            .next()
        }
    }

    /// The stamp right after this one: the counter plus one, or the next millisecond when the
    /// counter is exhausted (a stamp from a broken or hostile device must not overflow it).
    fn next(self) -> Hlc {
        match self.counter.checked_add(1) {
            Some(counter) => Hlc {
                wall_ms: self.wall_ms,
                counter,
            },
            None => Hlc {
                wall_ms: self.wall_ms + 1,
                counter: 0,
            },
        }
    }

    /// Merges a stamp received from another device, so later local stamps sort after it.
    pub fn observe(self, remote: Hlc, now_ms: u64) -> Result<Hlc, ClockDriftError> {
        if remote.wall_ms > now_ms.saturating_add(MAX_FORWARD_DRIFT_MS) {
            return Err(ClockDriftError {
                ahead_ms: remote.wall_ms - now_ms,
            });
        }
        let wall_ms = self.wall_ms.max(remote.wall_ms).max(now_ms);
        let counter = match (wall_ms == self.wall_ms, wall_ms == remote.wall_ms) {
            (true, true) => self.counter.max(remote.counter),
            (true, false) => self.counter,
            (false, true) => remote.counter,
            (false, false) => return Ok(Hlc { wall_ms, counter: 0 }),
        };
        Ok(Hlc { wall_ms, counter }.next())
    }
}

/// Fixed-width hex, so the text form sorts exactly like the stamp (SQLite compares it as text).
impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012x}-{:08x}", self.wall_ms, self.counter)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not a clock stamp: {0:?}")]
pub struct ParseHlcError(String);

impl FromStr for Hlc {
    type Err = ParseHlcError;
    fn from_str(s: &str) -> Result<Hlc, ParseHlcError> {
        let err = || ParseHlcError(s.to_owned());
        let (wall, counter) = s.split_once('-').ok_or_else(err)?;
        // Exactly the lowercase fixed-width hex `Display` writes: one spelling per stamp.
        let hex = |t: &str| t.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if wall.len() != 12 || counter.len() != 8 || !hex(wall) || !hex(counter) {
            return Err(err());
        }
        Ok(Hlc {
            wall_ms: u64::from_str_radix(wall, 16).map_err(|_| err())?,
            counter: u32::from_str_radix(counter, 16).map_err(|_| err())?,
        })
    }
}

/// The length of a stamp's text form.
const HLC_TEXT: usize = 21;
/// The length of a version's text form: stamp, `@`, hyphenated device id.
const VERSION_TEXT: usize = HLC_TEXT + 1 + 36;

/// `value` in lowercase hex, right-aligned in `out` (the digits past its width are dropped: the
/// caller checks the value fits).
fn put_hex(out: &mut [u8], value: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in out.iter_mut().rev().enumerate() {
        *byte = DIGITS[((value >> (4 * i)) & 0xf) as usize];
    }
}

impl Hlc {
    /// The text form (`Display`) into `out`, without the formatting machinery: every change and
    /// every stored record carries stamps, so they are written by the million. `false` for a
    /// wall time past 12 hex digits (year 10889), which no check lets in.
    fn write_text(&self, out: &mut [u8; HLC_TEXT]) -> bool {
        if self.wall_ms >> 48 != 0 {
            return false;
        }
        put_hex(&mut out[..12], self.wall_ms);
        out[12] = b'-';
        put_hex(&mut out[13..], u64::from(self.counter));
        true
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = [0u8; HLC_TEXT];
        match self.write_text(&mut text) {
            true => serializer.serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?),
            false => serializer.collect_str(self),
        }
    }
}

/// Reads a type from its text form (`FromStr`) without copying the text first.
struct FromText<T>(std::marker::PhantomData<T>, &'static str);

impl<T: FromStr> serde::de::Visitor<'_> for FromText<T>
where
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Hlc, D::Error> {
        deserializer.deserialize_str(FromText(std::marker::PhantomData, "a clock stamp"))
    }
}

/// The version of one field value. Orders by clock stamp, then device id: a total order that
/// every replica computes the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, TS)]
#[ts(type = "string")]
pub struct Version {
    pub hlc: Hlc,
    pub device: DeviceId,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.hlc, self.device)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not a field version: {0:?}")]
pub struct ParseVersionError(String);

impl FromStr for Version {
    type Err = ParseVersionError;
    fn from_str(s: &str) -> Result<Version, ParseVersionError> {
        let err = || ParseVersionError(s.to_owned());
        let (hlc, device) = s.split_once('@').ok_or_else(err)?;
        Ok(Version {
            hlc: hlc.parse().map_err(|_| err())?,
            device: device.parse().map_err(|_| err())?,
        })
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = [0u8; VERSION_TEXT];
        let (stamp, rest) = text.split_at_mut(HLC_TEXT);
        if !self
            .hlc
            .write_text(stamp.try_into().map_err(serde::ser::Error::custom)?)
        {
            return serializer.collect_str(self);
        }
        rest[0] = b'@';
        self.device.0.hyphenated().encode_lower(&mut rest[1..]);
        serializer.serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Version, D::Error> {
        deserializer.deserialize_str(FromText(std::marker::PhantomData, "a field version"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_versions_are_written_as_their_text_form_and_read_back() {
        let device = DeviceId(uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210));
        for (wall_ms, counter) in [
            (0, 0),
            (1_700_000_000_123, 7),
            ((1 << 48) - 1, u32::MAX),
            (0x0a0b_0c0d_0e0f, 0x1234_abcd),
            // Past 12 hex digits: written as before (`Display`), and not read back.
            (1 << 48, 1),
        ] {
            let hlc = Hlc { wall_ms, counter };
            let version = Version { hlc, device };
            assert_eq!(serde_json::to_string(&hlc).unwrap(), format!("\"{hlc}\""));
            assert_eq!(serde_json::to_string(&version).unwrap(), format!("\"{version}\""));
            if wall_ms >> 48 == 0 {
                assert_eq!(serde_json::from_str::<Hlc>(&format!("\"{hlc}\"")).unwrap(), hlc);
                assert_eq!(
                    serde_json::from_str::<Version>(&format!("\"{version}\"")).unwrap(),
                    version
                );
                // Through a JSON value too (an owned string), and with an escape in the text.
                assert_eq!(
                    serde_json::from_value::<Version>(serde_json::json!(version.to_string())).unwrap(),
                    version
                );
                let escaped = format!("\"{}\"", version.to_string().replace('@', "\\u0040"));
                assert_eq!(serde_json::from_str::<Version>(&escaped).unwrap(), version);
            } else {
                assert!(serde_json::from_str::<Hlc>(&format!("\"{hlc}\"")).is_err());
            }
        }
        assert!(serde_json::from_str::<Version>("\"01a25260d0bf-00000000\"").is_err());
        // Only the spelling `Display` writes: no capitals, no sign.
        for other in [
            "01A25260D0BF-00000000",
            "+1a25260d0bf-00000000",
            "01a25260d0bf-+0000000",
        ] {
            assert!(other.parse::<Hlc>().is_err(), "{other}");
        }
        assert!(serde_json::from_str::<Hlc>("17").is_err());
    }

    #[test]
    fn local_stamps_never_go_backwards_when_the_clock_is_set_back() {
        let a = Hlc::default().tick(1_000);
        let b = a.tick(500);
        let c = b.tick(500);
        assert!(a < b && b < c);
        assert_eq!(
            c,
            Hlc {
                wall_ms: 1_000,
                counter: 2
            }
        );
        assert_eq!(
            c.tick(2_000),
            Hlc {
                wall_ms: 2_000,
                counter: 0
            }
        );
    }

    #[test]
    fn observed_stamps_order_later_local_events_after_them() {
        let local = Hlc {
            wall_ms: 1_000,
            counter: 3,
        };
        let remote = Hlc {
            wall_ms: 5_000,
            counter: 7,
        };
        let merged = local.observe(remote, 2_000).unwrap();
        assert!(merged > remote);
        assert!(merged.tick(2_000) > merged);
    }

    #[test]
    fn an_exhausted_counter_moves_to_the_next_millisecond() {
        let full = Hlc {
            wall_ms: 1_000,
            counter: u32::MAX,
        };
        let next = Hlc::default().observe(full, 500).unwrap();
        assert!(next > full);
        assert_eq!(
            full.tick(500),
            Hlc {
                wall_ms: 1_001,
                counter: 0
            }
        );
    }

    #[test]
    fn a_stamp_from_a_clock_a_day_ahead_is_refused() {
        let now = 1_700_000_000_000;
        let remote = Hlc {
            wall_ms: now + MAX_FORWARD_DRIFT_MS + 1,
            counter: 0,
        };
        assert!(Hlc::default().observe(remote, now).is_err());
    }

    #[test]
    fn text_form_round_trips_and_sorts_like_the_stamp() {
        let stamps = [
            Hlc {
                wall_ms: 9,
                counter: 100,
            },
            Hlc {
                wall_ms: 10,
                counter: 0,
            },
            Hlc {
                wall_ms: 1_764_000_000_000,
                counter: 1,
            },
        ];
        for pair in stamps.windows(2) {
            assert!(pair[0].to_string() < pair[1].to_string());
        }
        for s in stamps {
            assert_eq!(s.to_string().parse::<Hlc>().unwrap(), s);
        }
    }
}
