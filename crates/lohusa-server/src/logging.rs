//! The server's log, on standard error: `tracing` events, human-readable by default or one JSON
//! object a line
//! (`--log-format json`), filtered by `RUST_LOG` (default `info`). Every request gets an id
//! (`x-request-id`, made here unless a proxy sent one, and returned) and one line when it ends:
//! method, route (the template, never the path's values or the query), status, duration, and the
//! team and device once the token named them. Never a body, a name or a value: the server's log
//! holds no patient data. Security events (refusals by kind, lockouts, held-off and revoked
//! devices) are warnings.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// How the log is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn parse(text: &str) -> Result<LogFormat, String> {
        match text {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("{other:?} is not a log format; choose text or json")),
        }
    }
}

/// Starts the log on standard error (once; later calls do nothing): standard output stays the
/// admin commands' answers (a code, a list), for scripts.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(terminal);
    let _ = match format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// The team and device a request's token named, filled in by authentication.
#[derive(Clone, Debug, Default)]
struct Who {
    team: Option<String>,
    device: Option<String>,
}

tokio::task_local! {
    static WHO: Arc<Mutex<Who>>;
}

/// Notes the asking device for the request's log line.
pub fn note_device(team: &str, device: &str) {
    let _ = WHO.try_with(|who| {
        let mut who = who.lock().unwrap_or_else(PoisonError::into_inner);
        who.team = Some(team.to_owned());
        who.device = Some(device.to_owned());
    });
}

/// A request id a client or proxy may set: a short token (letters, digits, `.`, `_`, `-`); any
/// other is dropped, so a fresh one is made: the log never holds what a client typed there.
pub async fn sanitize_request_id(mut request: Request, next: Next) -> Response {
    let fits = |v: &axum::http::HeaderValue| {
        let bytes = v.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= 64
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if request.headers().get("x-request-id").is_some_and(|v| !fits(v)) {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

/// A request's method as the log and the metrics name it: one of the standard methods, else
/// `other` (a client may send any token as its method, of any length).
pub fn method_name(method: &axum::http::Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE",
    ];
    if let Some(known) = KNOWN.iter().find(|k| **k == method.as_str()) {
        return known;
    }
    "other"
}

/// One line per request, when it ends.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_name(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_owned(), |p| p.as_str().to_owned());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let who = Arc::new(Mutex::new(Who::default()));
    // Everything logged while the request runs (a refusal, a lockout) carries its id.
    let span = tracing::info_span!("request", request_id = %request_id);
    let response = WHO
        .scope(who.clone(), tracing::Instrument::instrument(next.run(request), span))
        .await;
    let who = who.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        request_id,
        method,
        route,
        status,
        duration_ms = (duration_ms * 10.0).round() / 10.0,
        team = who.team.as_deref().unwrap_or("-"),
        device = who.device.as_deref().unwrap_or("-"),
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_nobody_uses_is_named_other() {
        assert_eq!(method_name(&axum::http::Method::POST), "POST");
        let odd = axum::http::Method::from_bytes(b"GIZLIMETHOD").unwrap();
        assert_eq!(method_name(&odd), "other");
    }
}
