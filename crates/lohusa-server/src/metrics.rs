//! The server's metrics for Prometheus, served on their own address (`--metrics-listen`, off by
//! default) so the API's address never shows them: requests by route and status with their
//! latency, requests in flight, refusals by kind, changes accepted and refused (by reason), each
//! team's head sequence and how long ago its tablets last pushed or synced, and the database's
//! connections. Labels are route templates, status codes, kinds, reasons and team names: a
//! bounded set the server itself names, never a value a client sent.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::Backend;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TeamLabels {
    team: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

type Seconds = Gauge<f64, AtomicU64>;

/// What a handler tells the metrics about its answer, in the response's extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A push stored: changes new to the server and changes it already held.
    Pushed { accepted: u64, duplicates: u64 },
    /// A request refused, by its stable kind, and the reasons of the changes refused in it.
    Refused { kind: &'static str, reasons: Vec<String> },
}

/// Every metric, kept in memory from the server's start.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    in_flight: Gauge,
    refused: Family<KindLabels, Counter>,
    changes: Family<OutcomeLabels, Counter>,
    changes_refused: Family<ReasonLabels, Counter>,
    head_seq: Family<TeamLabels, Gauge>,
    last_change: Family<TeamLabels, Seconds>,
    last_change_age: Family<TeamLabels, Seconds>,
    last_seen_age: Family<TeamLabels, Seconds>,
    devices: Family<TeamLabels, Gauge>,
    connections: Family<StateLabels, Gauge>,
    connections_max: Gauge,
    connections_waiting: Gauge,
    backups: Family<OutcomeLabels, Counter>,
    last_backup: Seconds,
    /// One scrape at a time fills the per-team families.
    scrape: tokio::sync::Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("lohusa");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by method, route and status",
            requests.clone(),
        );
        // From 1 ms to about 33 s: a pull is milliseconds, a large push on a slow link seconds.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.001, 2.0, 16))) as fn() -> Histogram,
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer a request, by method and route",
            Unit::Seconds,
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "Requests being answered now",
            in_flight.clone(),
        );
        let refused = Family::<KindLabels, Counter>::default();
        registry.register(
            "http_refused",
            "Requests refused (4xx), by the kind of error the client was told",
            refused.clone(),
        );
        let changes = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "changes",
            "Changes pushed: accepted (new to the server) or duplicate (already held)",
            changes.clone(),
        );
        let changes_refused = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "changes_refused",
            "Changes refused in pushes (nothing of such a push is stored), by reason",
            changes_refused.clone(),
        );
        let head_seq = Family::<TeamLabels, Gauge>::default();
        registry.register(
            "team_head_seq",
            "The number of the team's last change",
            head_seq.clone(),
        );
        let last_change = Family::<TeamLabels, Seconds>::default();
        registry.register_with_unit(
            "team_last_change_timestamp",
            "When the server received the team's last change (Unix time)",
            Unit::Seconds,
            last_change.clone(),
        );
        let last_change_age = Family::<TeamLabels, Seconds>::default();
        registry.register_with_unit(
            "team_last_change_age",
            "How long ago the server received the team's last change",
            Unit::Seconds,
            last_change_age.clone(),
        );
        let last_seen_age = Family::<TeamLabels, Seconds>::default();
        registry.register_with_unit(
            "team_last_sync_age",
            "How long ago any of the team's active devices last synced",
            Unit::Seconds,
            last_seen_age.clone(),
        );
        let devices = Family::<TeamLabels, Gauge>::default();
        registry.register(
            "team_devices",
            "The team's enrolled devices not revoked",
            devices.clone(),
        );
        let connections = Family::<StateLabels, Gauge>::default();
        registry.register(
            "db_connections",
            "Database connections open, by state (in_use, idle)",
            connections.clone(),
        );
        let connections_max = Gauge::default();
        registry.register(
            "db_connections_max",
            "The most database connections the server opens (0: no limit)",
            connections_max.clone(),
        );
        let connections_waiting = Gauge::default();
        registry.register(
            "db_connections_waiting",
            "Requests waiting for a database connection",
            connections_waiting.clone(),
        );
        let backups = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "backups",
            "Scheduled backups of the embedded database, by outcome (ok, failed)",
            backups.clone(),
        );
        let last_backup = Seconds::default();
        registry.register_with_unit(
            "backup_last_success_timestamp",
            "When the newest scheduled backup was written whole (Unix time; 0: none in the folder)",
            Unit::Seconds,
            last_backup.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            in_flight,
            refused,
            changes,
            changes_refused,
            head_seq,
            last_change,
            last_change_age,
            last_seen_age,
            devices,
            connections,
            connections_max,
            connections_waiting,
            backups,
            last_backup,
            scrape: tokio::sync::Mutex::new(()),
        }
    }

    /// Backups are scheduled; the newest one already there was taken at this time, if any. Both
    /// counters start at 0, so their first increase shows.
    pub fn backups_scheduled(&self, newest_ms: Option<u64>) {
        for outcome in ["ok", "failed"] {
            drop(self.backups.get_or_create(&OutcomeLabels { outcome }));
        }
        self.last_backup.set(newest_ms.map_or(0.0, |at| at as f64 / 1000.0));
    }

    /// Notes a scheduled backup: written whole at this time, or failed (`None`).
    pub fn backed_up(&self, at_ms: Option<u64>) {
        let outcome = if at_ms.is_some() { "ok" } else { "failed" };
        self.backups.get_or_create(&OutcomeLabels { outcome }).inc();
        if let Some(at) = at_ms {
            self.last_backup.set(at as f64 / 1000.0);
        }
    }

    /// Notes one request's answer.
    fn observe(&self, method: &str, route: &str, response: &Response, seconds: f64) {
        let status = response.status().as_u16();
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(seconds);
        match response.extensions().get::<Outcome>() {
            Some(Outcome::Pushed { accepted, duplicates }) => {
                self.changes
                    .get_or_create(&OutcomeLabels { outcome: "accepted" })
                    .inc_by(*accepted);
                self.changes
                    .get_or_create(&OutcomeLabels { outcome: "duplicate" })
                    .inc_by(*duplicates);
            }
            Some(Outcome::Refused { kind, reasons }) => {
                if response.status().is_client_error() {
                    self.refused
                        .get_or_create(&KindLabels {
                            kind: (*kind).to_owned(),
                        })
                        .inc();
                }
                for reason in reasons {
                    self.changes_refused
                        .get_or_create(&ReasonLabels { reason: reason.clone() })
                        .inc();
                }
            }
            None => {}
        }
    }

    /// The metrics in Prometheus's text format, with each team's figures and the database's
    /// connections read now.
    pub async fn render(&self, backend: &Backend, now_ms: u64) -> Result<String, crate::BackendError> {
        let _one = self.scrape.lock().await;
        let teams = backend.team_activity().await?;
        self.head_seq.clear();
        self.last_change.clear();
        self.last_change_age.clear();
        self.last_seen_age.clear();
        self.devices.clear();
        let age = |at_ms: i64| (now_ms as i64).saturating_sub(at_ms).max(0) as f64 / 1000.0;
        for team in teams {
            let labels = TeamLabels { team: team.team };
            self.head_seq.get_or_create(&labels).set(team.head_seq);
            self.devices.get_or_create(&labels).set(team.devices);
            if let Some(at) = team.last_change_ms {
                self.last_change.get_or_create(&labels).set(at as f64 / 1000.0);
                self.last_change_age.get_or_create(&labels).set(age(at));
            }
            if let Some(at) = team.last_seen_ms {
                self.last_seen_age.get_or_create(&labels).set(age(at));
            }
        }
        let pool = backend.pool_use();
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.connections
            .get_or_create(&StateLabels { state: "in_use" })
            .set(count(pool.in_use));
        self.connections
            .get_or_create(&StateLabels { state: "idle" })
            .set(count(pool.open.saturating_sub(pool.in_use)));
        self.connections_max.set(count(pool.max.unwrap_or(0)));
        self.connections_waiting.set(count(pool.waiting));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|_| crate::BackendError::Task("encoding the metrics".into()))?;
        Ok(text)
    }
}

/// Counts the request as in flight while it runs.
struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The API's middleware: each request counted by route and status, timed (the time also goes back
/// in a `Server-Timing` header), and its outcome noted.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = crate::logging::method_name(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_owned(), |p| p.as_str().to_owned());
    metrics.in_flight.inc();
    let in_flight = InFlight(&metrics.in_flight);
    let mut response = next.run(request).await;
    drop(in_flight);
    let seconds = started.elapsed().as_secs_f64();
    metrics.observe(method, &route, &response, seconds);
    // The server's own handling time (RFC Server-Timing), so a client or a load test can tell it
    // apart from the network and its own waiting.
    if let Ok(value) = axum::http::HeaderValue::from_str(&format!("app;dur={:.3}", seconds * 1000.0)) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}

/// The metrics address's one route, `GET /metrics`.
pub fn router(backend: Arc<Backend>, metrics: Arc<Metrics>) -> axum::Router {
    axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(move || {
                let (backend, metrics) = (backend.clone(), metrics.clone());
                async move {
                    match metrics.render(&backend, crate::clock::now_ms()).await {
                        Ok(text) => (
                            [(
                                axum::http::header::CONTENT_TYPE,
                                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                            )],
                            text,
                        )
                            .into_response(),
                        Err(error) => {
                            tracing::error!(error = %error, "the database failed a metrics scrape");
                            (
                                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                                "the database did not answer\n",
                            )
                                .into_response()
                        }
                    }
                }
            }),
        )
        .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "metrics are at /metrics\n") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_by_kind_and_reason() {
        let metrics = Metrics::new();
        let mut pushed = axum::http::StatusCode::OK.into_response();
        pushed.extensions_mut().insert(Outcome::Pushed {
            accepted: 7,
            duplicates: 2,
        });
        metrics.observe("POST", "/v1/push", &pushed, 0.004);
        let mut refused = axum::http::StatusCode::UNPROCESSABLE_ENTITY.into_response();
        refused.extensions_mut().insert(Outcome::Refused {
            kind: "refused",
            reasons: vec!["clock_ahead".into(), "clock_ahead".into(), "no_fields".into()],
        });
        metrics.observe("POST", "/v1/push", &refused, 0.002);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &metrics.registry).unwrap();
        for line in [
            "lohusa_changes_total{outcome=\"accepted\"} 7",
            "lohusa_changes_total{outcome=\"duplicate\"} 2",
            "lohusa_changes_refused_total{reason=\"clock_ahead\"} 2",
            "lohusa_changes_refused_total{reason=\"no_fields\"} 1",
            "lohusa_http_refused_total{kind=\"refused\"} 1",
            "lohusa_http_requests_total{method=\"POST\",route=\"/v1/push\",status=\"200\"} 1",
            "lohusa_http_requests_total{method=\"POST\",route=\"/v1/push\",status=\"422\"} 1",
            "lohusa_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/push\"} 2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
    }
}
