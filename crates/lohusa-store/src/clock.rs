//! The store's one window on the clock: new ids take their time from the `now` a caller passed
//! in, and the few things made before any caller speaks (a new device's id) read it here.
//!
//! Everything else in the store takes `now` as an argument, so a test (or a tablet whose clock
//! is being corrected) decides what time it is. `xtask`'s tidy check keeps the clock out of
//! every other file of the crate.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A new time-ordered id (UUID v7) stamped with `now`, unique even when many are made in the
/// same millisecond.
pub fn id_at(now: DateTime<Utc>) -> Uuid {
    let millis = now.timestamp_millis().max(0) as u64;
    CONTEXT.with(|context| {
        let ts = uuid::Timestamp::from_unix(context, millis / 1000, (millis % 1000) as u32 * 1_000_000);
        Uuid::new_v7(ts)
    })
}

/// The time now, for what is made before anyone asks with a time of their own.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

thread_local! {
    /// Keeps ids made in one millisecond on one thread in order.
    static CONTEXT: uuid::ContextV7 = const { uuid::ContextV7::new() };
}
