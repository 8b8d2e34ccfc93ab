//! Background sync in the app: at start, a few seconds after each local write, every few
//! minutes, and at once on *Sync now*. After a failure it tries again with a growing, jittered
//! delay, short while the server is merely unreachable, so a returning connection is noticed
//! within half a minute. Never two syncs at once.

use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use lohusa_core::session::{Event, SyncEnd};
use lohusa_core::sync::Report;
use lohusa_sync::SyncError;
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// How long after a local write the sync starts, so a burst of saves goes in one sync.
const AFTER_WRITE: Duration = Duration::from_secs(3);
/// How often the app syncs when nothing else asks it to.
const PERIOD: Duration = Duration::from_secs(5 * 60);
/// Retry delays: the first, and the most while the server cannot be reached at all, and the
/// most after any other failure.
const RETRY_FIRST: Duration = Duration::from_secs(5);
const RETRY_MAX_OFFLINE: Duration = Duration::from_secs(30);
const RETRY_MAX: Duration = Duration::from_secs(10 * 60);

/// The delay before retrying after `failures` failures in a row, with ±50 % jitter so many
/// tablets coming back online do not all call at the same moment.
pub fn retry_delay(failures: u32, offline: bool) -> Duration {
    let cap = if offline { RETRY_MAX_OFFLINE } else { RETRY_MAX };
    let base = RETRY_FIRST
        .saturating_mul(1 << failures.saturating_sub(1).min(10))
        .min(cap);
    base.mul_f64(0.5 + fastrand::f64())
}

/// Runs one sync if the session lets it (the store open, no sync running) and the device is
/// enrolled, then tells the session how it ended; the report when one ran.
pub async fn run_once(app: &AppHandle) -> Result<Option<Report>, SyncError> {
    let state = app.state::<AppState>();
    if !state.begin_sync() {
        return Ok(None);
    }
    // Should the sync panic, the session still hears that it ended (else no lock could close
    // the store and no sync would run again).
    struct Ends<'a>(Option<&'a AppState>);
    impl Drop for Ends<'_> {
        fn drop(&mut self) {
            if let Some(state) = self.0 {
                state.apply(Event::SyncEnded {
                    end: SyncEnd::Failed,
                    members_on_device: Vec::new(),
                });
            }
        }
    }
    let mut ends = Ends(Some(&state));
    let result = sync_open_store(&state).await;
    ends.0 = None;
    if let Ok(mut progress) = state.sync.progress.lock() {
        *progress = None;
    }
    crate::session::after_sync(&state, &result).await;
    result
}

async fn sync_open_store(state: &AppState) -> Result<Option<Report>, SyncError> {
    let transport = {
        let Some(store) = state.peek() else {
            return Ok(None);
        };
        if store.enrollment()?.is_none() {
            return Ok(None);
        }
        lohusa_sync::http::HttpTransport::for_store(&store)?
    };
    lohusa_sync::sync_and_record(
        state.store_lock(),
        &transport,
        env!("CARGO_PKG_VERSION"),
        Utc::now,
        |p| {
            if let Ok(mut progress) = state.sync.progress.lock() {
                *progress = Some(p.clone());
            }
        },
    )
    .await
    .map(Some)
}

/// Starts the background loop.
pub fn start(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut delay = Duration::ZERO;
        loop {
            let service = &app.state::<AppState>().sync;
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = service.wake.notified() => {
                    if !service.now.swap(false, Ordering::SeqCst) {
                        tokio::time::sleep(AFTER_WRITE).await;
                    }
                }
            }
            service.now.store(false, Ordering::SeqCst);
            let result = run_once(&app).await;
            delay = match result {
                Ok(_) => {
                    service.failures.store(0, Ordering::SeqCst);
                    PERIOD
                }
                Err(error) => {
                    let failures = service.failures.fetch_add(1, Ordering::SeqCst) + 1;
                    eprintln!("lohusa: sync failed ({}), attempt {failures}", error.kind());
                    retry_delay(failures, matches!(error, SyncError::Offline(_)))
                }
            };
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_grow_with_jitter_and_stay_short_while_offline() {
        for _ in 0..200 {
            let first = retry_delay(1, true);
            assert!(first >= Duration::from_millis(2500) && first <= Duration::from_millis(7500));
            assert!(retry_delay(30, true) <= RETRY_MAX_OFFLINE.mul_f64(1.5));
            assert!(retry_delay(30, false) >= RETRY_MAX.mul_f64(0.5));
        }
        let mean = |f: u32| (0..400).map(|_| retry_delay(f, false).as_secs_f64()).sum::<f64>() / 400.0;
        assert!(mean(4) > mean(2) * 3.0, "the delay doubles with each failure");
    }
}
