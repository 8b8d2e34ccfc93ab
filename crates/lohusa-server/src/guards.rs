//! What keeps one device, one address or one hostile request from starving the rest: the
//! server's limits, pushes in flight (one per device, a few parsed at once), and lockouts after
//! wrong one-time codes. Held in memory by each server process; a restart forgets lockouts,
//! which only gives a guesser a few more tries.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The server's limits. `Default` is what `lohusa-server serve` uses.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Connections open at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Connections one address may hold open at once; more are closed as they arrive (a team's
    /// tablets behind one office router hold one each).
    pub per_address: usize,
    /// A request's headers must arrive within this (and an idle connection closes after it).
    pub header_timeout: Duration,
    /// A request's whole body must arrive within this.
    pub body_timeout: Duration,
    /// Push bodies parsed at once, over all devices.
    pub parsing_at_once: usize,
    /// Wrong one-time codes (enrollment or member) allowed from one address or one device
    /// within `attempt_window`, before it is locked out for `lockout`.
    pub wrong_codes: u32,
    pub attempt_window: Duration,
    pub lockout: Duration,
    /// Pushes a device may get refused (malformed, oversized, broken values) within a minute
    /// before its pushes are refused unread for `lockout` / 15 (a minute by default): a broken
    /// or hostile tablet cannot keep the server parsing its garbage.
    pub bad_pushes: u32,
    /// Refused requests (4xx) one address may cause in a second before each of its requests
    /// waits `flood_delay`: a flood of cheap refusals cannot take the server's time, while
    /// tablets at other addresses go on.
    pub flood_refusals: u32,
    pub flood_delay: Duration,
}

impl Limits {
    /// The defaults, with as many connections as this process may open files: its soft limit
    /// on open files is raised to the hard one first (often 1,024 → 524,288), keeping room for
    /// the database and logs.
    pub fn for_this_process() -> Limits {
        let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
        Limits {
            max_connections: (files.saturating_sub(256) as usize).clamp(64, 16_384),
            ..Limits::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 768,
            per_address: 256,
            header_timeout: Duration::from_secs(15),
            body_timeout: Duration::from_secs(120),
            parsing_at_once: 2,
            wrong_codes: 10,
            attempt_window: Duration::from_secs(15 * 60),
            lockout: Duration::from_secs(15 * 60),
            bad_pushes: 10,
            flood_refusals: 50,
            flood_delay: Duration::from_millis(500),
        }
    }
}

/// Who tries codes: an address, or an enrolled device (member codes).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Guesser {
    Address(IpAddr),
    Device(String),
}

#[derive(Default)]
struct Attempts {
    first: Option<Instant>,
    wrong: u32,
    locked_until: Option<Instant>,
}

/// The shared state of the guards, one per server process.
pub struct Guards {
    pub limits: Limits,
    parsing: Arc<Semaphore>,
    pushing: Mutex<HashSet<String>>,
    attempts: Mutex<HashMap<Guesser, Attempts>>,
    bad_pushes: Mutex<HashMap<String, Attempts>>,
    refusals: Mutex<HashMap<IpAddr, (Instant, u32)>>,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One of an address's open connections; dropping it frees the place.
pub struct AddressSlot {
    guards: Arc<Guards>,
    address: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.guards.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.address);
            }
        }
    }
}

/// A device's push in flight; dropping it lets the device push again.
pub struct PushSlot {
    guards: Arc<Guards>,
    device: String,
}

impl Drop for PushSlot {
    fn drop(&mut self) {
        self.guards
            .pushing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.device);
    }
}

impl Guards {
    pub fn new(limits: Limits) -> Arc<Guards> {
        Arc::new(Guards {
            parsing: Arc::new(Semaphore::new(limits.parsing_at_once.max(1))),
            limits,
            pushing: Mutex::default(),
            attempts: Mutex::default(),
            bad_pushes: Mutex::default(),
            refusals: Mutex::default(),
            open: Mutex::default(),
        })
    }

    /// The device's one push in flight, or None while another of its pushes runs.
    pub fn push_slot(self: &Arc<Guards>, device: &str) -> Option<PushSlot> {
        let mut pushing = self.pushing.lock().unwrap_or_else(PoisonError::into_inner);
        if !pushing.insert(device.to_owned()) {
            return None;
        }
        Some(PushSlot {
            guards: self.clone(),
            device: device.to_owned(),
        })
    }

    /// A turn to parse a push body; waits while `parsing_at_once` others parse.
    pub async fn parse_turn(&self) -> OwnedSemaphorePermit {
        self.parsing
            .clone()
            .acquire_owned()
            .await
            .expect("the parsing semaphore is never closed")
    }

    /// How long these guessers are still locked out, if any is.
    pub fn locked_out(&self, who: &[Guesser], now: Instant) -> Option<Duration> {
        let attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        who.iter()
            .filter_map(|g| attempts.get(g)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Counts a wrong code against each guesser; returns those it just locked out.
    pub fn wrong_code(&self, who: &[Guesser], now: Instant) -> Vec<Guesser> {
        let limits = &self.limits;
        let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        let strike = Strike {
            limit: limits.wrong_codes,
            window: limits.attempt_window,
            lockout: limits.lockout,
        };
        who.iter()
            .filter(|g| strike.count(&mut attempts, g, now))
            .cloned()
            .collect()
    }

    /// A place for one more connection from `address`, or None while it holds `per_address`.
    pub fn address_slot(self: &Arc<Guards>, address: IpAddr) -> Option<AddressSlot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(address).or_insert(0);
        if *n >= self.limits.per_address {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            guards: self.clone(),
            address,
        })
    }

    /// Counts a refused request from an address.
    pub fn refused(&self, address: IpAddr, now: Instant) {
        let mut refusals = self.refusals.lock().unwrap_or_else(PoisonError::into_inner);
        if refusals.len() > 100_000 {
            refusals.retain(|_, (since, _)| now - *since < Duration::from_secs(1));
        }
        let entry = refusals.entry(address).or_insert((now, 0));
        if now - entry.0 >= Duration::from_secs(1) {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    /// How long a request from this address waits before it is served: `flood_delay` while the
    /// address caused more than `flood_refusals` refusals in the last second.
    pub fn flood_delay(&self, address: IpAddr, now: Instant) -> Option<Duration> {
        let refusals = self.refusals.lock().unwrap_or_else(PoisonError::into_inner);
        let (since, count) = refusals.get(&address)?;
        (now - *since < Duration::from_secs(2) && *count > self.limits.flood_refusals)
            .then_some(self.limits.flood_delay)
    }

    /// How long a device's pushes are still refused unread after too many bad ones, if they are.
    pub fn pushes_blocked(&self, device: &str, now: Instant) -> Option<Duration> {
        let bad = self.bad_pushes.lock().unwrap_or_else(PoisonError::into_inner);
        let until = bad.get(device)?.locked_until?;
        (until > now).then(|| until - now)
    }

    /// Counts a refused push of a device; true when that just blocked its pushes.
    pub fn bad_push(&self, device: &str, now: Instant) -> bool {
        let mut bad = self.bad_pushes.lock().unwrap_or_else(PoisonError::into_inner);
        let strike = Strike {
            limit: self.limits.bad_pushes,
            window: Duration::from_secs(60),
            lockout: self.limits.lockout / 15,
        };
        strike.count(&mut bad, &device.to_owned(), now)
    }
}

/// A limit of strikes within a window, and the lockout it leads to.
struct Strike {
    limit: u32,
    window: Duration,
    lockout: Duration,
}

impl Strike {
    /// Counts a strike against `key`; true when it just locked `key` out. Keys whose window and
    /// lockout are both over are forgotten, so the table stays small.
    fn count<K: std::hash::Hash + Eq + Clone>(&self, table: &mut HashMap<K, Attempts>, key: &K, now: Instant) -> bool {
        table.retain(|_, a| a.locked_until.is_some_and(|u| u > now) || a.first.is_some_and(|f| now - f < self.window));
        let a = table.entry(key.clone()).or_default();
        if a.first.is_none_or(|f| now - f >= self.window) {
            a.first = Some(now);
            a.wrong = 0;
        }
        a.wrong += 1;
        if a.wrong >= self.limit {
            a.locked_until = Some(now + self.lockout);
            a.first = None;
            a.wrong = 0;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_codes_lock_a_guesser_out_for_a_while() {
        let guards = Guards::new(Limits {
            wrong_codes: 3,
            ..Limits::default()
        });
        let t0 = Instant::now();
        let me = [Guesser::Address([10, 0, 0, 1].into())];
        let other = [Guesser::Address([10, 0, 0, 2].into())];
        assert!(guards.wrong_code(&me, t0).is_empty());
        assert!(guards.wrong_code(&me, t0).is_empty());
        assert_eq!(guards.wrong_code(&me, t0), me.to_vec());
        assert!(guards.locked_out(&me, t0).is_some());
        assert!(guards.locked_out(&other, t0).is_none(), "others are not locked out");
        let later = t0 + guards.limits.lockout + Duration::from_secs(1);
        assert!(guards.locked_out(&me, later).is_none(), "the lockout ends");
        // Wrong codes spread wider than the window never add up.
        let window = guards.limits.attempt_window;
        for i in 0..10 {
            assert!(guards.wrong_code(&other, t0 + window * i).is_empty());
        }
    }

    #[test]
    fn a_device_whose_pushes_keep_failing_is_held_off_a_minute() {
        let guards = Guards::new(Limits::default());
        let t0 = Instant::now();
        for _ in 0..9 {
            assert!(!guards.bad_push("a", t0));
        }
        assert!(guards.pushes_blocked("a", t0).is_none());
        assert!(guards.bad_push("a", t0));
        assert_eq!(guards.pushes_blocked("a", t0), Some(Duration::from_secs(60)));
        assert!(guards.pushes_blocked("b", t0).is_none());
        assert!(guards.pushes_blocked("a", t0 + Duration::from_secs(61)).is_none());
    }

    #[test]
    fn an_address_flooding_refusals_waits_before_each_request() {
        let guards = Guards::new(Limits::default());
        let (me, other) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let t0 = Instant::now();
        for _ in 0..50 {
            guards.refused(me, t0);
        }
        assert!(guards.flood_delay(me, t0).is_none());
        guards.refused(me, t0);
        assert_eq!(guards.flood_delay(me, t0), Some(Duration::from_millis(500)));
        assert!(guards.flood_delay(other, t0).is_none());
        assert!(guards.flood_delay(me, t0 + Duration::from_secs(3)).is_none());
    }

    #[test]
    fn an_address_holds_a_bounded_number_of_connections() {
        let guards = Guards::new(Limits {
            per_address: 2,
            ..Limits::default()
        });
        let (me, other) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let first = guards.address_slot(me).expect("free");
        let _second = guards.address_slot(me).expect("free");
        assert!(guards.address_slot(me).is_none());
        assert!(guards.address_slot(other).is_some());
        drop(first);
        assert!(guards.address_slot(me).is_some());
    }

    #[test]
    fn a_device_pushes_one_batch_at_a_time() {
        let guards = Guards::new(Limits::default());
        let slot = guards.push_slot("a").expect("free");
        assert!(guards.push_slot("a").is_none());
        assert!(guards.push_slot("b").is_some());
        drop(slot);
        assert!(guards.push_slot("a").is_some());
    }
}
