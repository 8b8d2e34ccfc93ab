//! The server's one window on the clock: the time a request is handled at, read once per request
//! by the routes and the admin commands and passed down as `now_ms`, and new ids stamped with it;
//! and the monotonic clock the SQLite checkpointing thread paces itself by (never a date).
//!
//! Nothing else in the crate reads the clock (`xtask`'s tidy check keeps it so), so the
//! backends, the checks and the tests decide what time it is.

use uuid::Uuid;

/// Milliseconds since 1970 now, by this machine's clock.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// This machine's monotonic clock, for pacing background work: it measures waits, never dates.
pub fn monotonic() -> std::time::Instant {
    std::time::Instant::now()
}

/// A new time-ordered id (UUID v7) stamped with `now_ms`.
pub fn id_at(now_ms: u64) -> Uuid {
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, now_ms / 1000, (now_ms % 1000) as u32 * 1_000_000);
    Uuid::new_v7(ts)
}
