//! The HTTP API: routes, authentication by device token, and errors as JSON with a stable kind.
//!
//! Every route except health and enrollment (which takes a one-time code instead) needs
//! `Authorization: Bearer <device token>`. A revoked device's token still opens identity and
//! push (its last upload before it wipes itself) and nothing else (`device_revoked`). Bodies may be compressed (zstd or gzip) both ways.
//! An error never shows internals: the database's own message goes to the log, not the client.

use std::sync::Arc;

use axum::Extension;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use lohusa_core::sync::{
    API_PREFIX, DeviceReport, MAX_PUSH_CHANGES, MAX_REPORT_TEXT, PULL_BATCH, PushRequest, PushResponse, Refusal,
    TeamDevice,
};
use serde::{Deserialize, Serialize};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::RequestBodyDeadlineLayer;

use crate::backend::{Backend, BackendError, ClaimOutcome, DeviceAuth, EnrollOutcome, PushOutcome};
use crate::guards::{Guards, Guesser, Limits};
use crate::{clock, logic};

/// The largest push body accepted, after decompression.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// The largest body of any other request (an enrollment, a member code, a report, a new
/// member), after decompression: they are a few hundred bytes, and an address guessing codes
/// must not make the server unpack and parse megabytes for each guess.
pub const MAX_SMALL_BODY_BYTES: usize = 64 * 1024;
/// The largest pull position: both databases number a team's log with signed 64-bit integers.
pub const MAX_CURSOR: u64 = i64::MAX as u64;
/// The most changes one pull returns.
pub const MAX_PULL_LIMIT: usize = 5000;

pub type Shared = Arc<Backend>;

/// The API with the default limits.
pub fn router(backend: Shared) -> Router {
    router_with(backend, Limits::default())
}

/// The API with these limits.
pub fn router_with(backend: Shared, limits: Limits) -> Router {
    router_guarded(backend, Guards::new(limits), Arc::new(crate::metrics::Metrics::new()))
}

/// The API with these guards (shared with the listener, which slows down flooding addresses),
/// counting what it answers in `metrics`.
pub fn router_guarded(backend: Shared, guards: Arc<Guards>, metrics: Arc<crate::metrics::Metrics>) -> Router {
    let body_timeout = guards.limits.body_timeout;
    Router::new()
        .route(&format!("{API_PREFIX}/health"), get(health))
        .route(&format!("{API_PREFIX}/enroll"), post(enroll))
        .route(&format!("{API_PREFIX}/identity"), get(identity))
        .route(&format!("{API_PREFIX}/push"), post(push))
        .route(&format!("{API_PREFIX}/pull"), get(pull))
        .route(&format!("{API_PREFIX}/report"), post(report))
        .route(&format!("{API_PREFIX}/devices"), get(devices))
        .route(&format!("{API_PREFIX}/members/claim"), post(claim_member))
        .route(
            &format!("{API_PREFIX}/team/members"),
            get(team_members).post(add_team_member),
        )
        .route(
            &format!("{API_PREFIX}/team/members/{{num}}/code"),
            post(new_member_code),
        )
        .route(
            &format!("{API_PREFIX}/team/members/{{num}}/revoke"),
            post(revoke_team_member),
        )
        .route(
            &format!("{API_PREFIX}/team/enrollment-codes"),
            post(new_enrollment_code),
        )
        .route(
            &format!("{API_PREFIX}/team/devices/{{id}}/revoke"),
            post(revoke_team_device),
        )
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "There is no such address on this server.",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "This address does not take that method.",
            )
        })
        // Push reads its own body, up to MAX_BODY_BYTES; every extractor of a body takes this.
        .layer(DefaultBodyLimit::max(MAX_SMALL_BODY_BYTES))
        .layer(RequestDecompressionLayer::new())
        .layer(RequestBodyDeadlineLayer::new(body_timeout))
        .layer(Extension(guards.clone()))
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::from_fn_with_state(guards, count_refusals))
        .layer(axum::middleware::from_fn(refuse_oversized))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(metrics, crate::metrics::track))
        .layer(axum::middleware::from_fn(crate::logging::log_requests))
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            tower_http::request_id::MakeRequestUuid,
        ))
        .layer(axum::middleware::from_fn(crate::logging::sanitize_request_id))
        .with_state(backend)
}

/// Counts each refused request (4xx) against its address; while an address floods the server
/// with refused requests, each of its requests waits first (on a connection kept open, too), so
/// the flood cannot take the server's time from the tablets elsewhere.
async fn count_refusals(
    State(guards): State<Arc<Guards>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let address = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    if let Some(delay) = address.and_then(|a| guards.flood_delay(a, std::time::Instant::now())) {
        tokio::time::sleep(delay).await;
    }
    let response = next.run(request).await;
    if let Some(address) = address
        && response.status().is_client_error()
    {
        guards.refused(address, std::time::Instant::now());
    }
    response
}

/// The longest address a request may have, and the most header bytes: far above any tablet's.
pub const MAX_URI_BYTES: usize = 4096;
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// A body announced larger than any request may be is refused before a byte of it is read; so
/// are an overlong address and overlong headers (up to the HTTP layer's own limit of 64 KB,
/// beyond which it answers 431 itself, without a body).
async fn refuse_oversized(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if request.uri().to_string().len() > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("The address is longer than {MAX_URI_BYTES} bytes."),
        )
        .into_response();
    }
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("The request's headers are larger than {MAX_HEADER_BYTES} bytes."),
        )
        .into_response();
    }
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large().into_response();
    }
    next.run(request).await
}

/// Why a body could not be read: too slow (408), too large (413), or anything else (400).
fn body_failure(error: &(dyn std::error::Error + 'static)) -> ApiError {
    let mut source = Some(error);
    while let Some(e) = source {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "The request body did not arrive in time.",
            );
        }
        if e.is::<http_body_util::LengthLimitError>() {
            return too_large();
        }
        source = e.source();
    }
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "unreadable_body",
        "The request body could not be read.",
    )
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        "The request body is larger than this address takes.",
    )
}

/// Every error answers small JSON with a stable `kind`, including those made below the routes
/// (an unknown `Content-Encoding`, a path that is not a number, a timeout); an answer after which
/// the body was not read closes the connection, so a client never sends on a dead one.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let mut response = if status.is_client_error() || status.is_server_error() {
        let is_json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        if is_json {
            response
        } else {
            let (kind, message) = match status {
                StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                    "unsupported_encoding",
                    "The request body's encoding is not supported; send it plain, zstd or gzip.",
                ),
                StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "The request body is too large."),
                StatusCode::REQUEST_TIMEOUT => ("timeout", "The request did not arrive in time."),
                StatusCode::NOT_FOUND => ("not_found", "There is no such address on this server."),
                StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "This address does not take that method."),
                s if s.is_client_error() => ("bad_request", "The request could not be understood."),
                _ => (
                    "internal",
                    "The server could not complete the request; nothing was half-saved. Try again later.",
                ),
            };
            ApiError::new(status, kind, message).into_response()
        }
    } else {
        response
    };
    if status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::REQUEST_TIMEOUT {
        response
            .headers_mut()
            .insert(header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    }
    response
}

/// An error as the client sees it.
#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Refusal>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
            refused: Vec::new(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // A refusal is a security event: its kind, never what was sent.
        if self.status.is_client_error() {
            tracing::warn!(kind = %self.kind, status = self.status.as_u16(), "refused");
        }
        let outcome = crate::metrics::Outcome::Refused {
            kind: self.kind,
            reasons: self.refused.iter().map(|r| r.reason.clone()).collect(),
        };
        let mut response = (self.status, Json(&self)).into_response();
        response.extensions_mut().insert(outcome);
        response
    }
}

impl From<BackendError> for ApiError {
    fn from(error: BackendError) -> ApiError {
        tracing::error!(error = %error, detail = ?error, "the database failed a request");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The server could not complete the request; nothing was half-saved. Try again later.",
        )
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        match rejection {
            JsonRejection::JsonSyntaxError(_) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "The request body is not valid JSON.",
            ),
            JsonRejection::JsonDataError(e) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                match shape_error_path(&e.body_text()) {
                    Some(path) => format!("The request body does not have the expected shape at `{path}`."),
                    None => "The request body does not have the expected shape.".to_owned(),
                },
            ),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "The request body must be JSON (Content-Type: application/json).",
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            other => body_failure(&other),
        }
    }
}

fn member_number_error() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_path",
        "The member's number in the address must be a whole number.",
    )
}

/// Where in the body a shape error is (`changes[0].hlc`), never what was sent there nor the
/// server's own type names: serde's message names both, so only a path of plain names is kept.
fn shape_error_path(text: &str) -> Option<String> {
    let rest = text.split_once("target type: ")?.1;
    let (path, _) = rest.split_once(": ")?;
    let plain = path.len() <= 80
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'));
    (plain && !path.is_empty() && path != ".").then(|| path.to_owned())
}

/// The asking device, refused once it is revoked.
async fn authenticate(backend: &Backend, headers: &HeaderMap) -> Result<DeviceAuth, ApiError> {
    let auth = authenticate_even_revoked(backend, headers).await?;
    if auth.revoked_ms.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "device_revoked",
            "The team lead revoked this device. It may upload what it recorded, then it removes its data.",
        ));
    }
    Ok(auth)
}

/// The asking device, revoked or not: a revoked device still uploads what it recorded (its
/// identity and pushes), checked like any other.
async fn authenticate_even_revoked(backend: &Backend, headers: &HeaderMap) -> Result<DeviceAuth, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "This request needs a device token; enroll the device first.",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let now = clock::now_ms();
    match backend.authenticate(&logic::hash_secret(token), now).await? {
        Some(auth) => {
            crate::logging::note_device(&auth.team, &auth.device);
            if auth.revoked_ms.is_some() {
                tracing::warn!(team = %auth.team, device = %auth.device, "a revoked device knocked");
            }
            if crate::policy::revoked_upload_closed(auth.revoked_ms, now) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "device_revoked",
                    "The team lead revoked this device more than 30 days ago; it can no longer upload. Its records stay on it.",
                ));
            }
            Ok(auth)
        }
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The device token is not valid (unknown or revoked); enroll the device again.",
        )),
    }
}

/// The asking device, refused once it is revoked: a handler that takes it answers only an
/// authenticated device (401 `unauthenticated` or `invalid_token`, 403 `device_revoked`).
pub struct Device(pub DeviceAuth);

/// The asking device, revoked or not (its identity and its pushes: a revoked device still
/// uploads what it recorded).
pub struct AnyDevice(pub DeviceAuth);

/// The asking device when the member it names (`x-lohusa-member`) signed in on it and leads the
/// team (or runs the server).
pub struct TeamLead(pub DeviceAuth);

impl axum::extract::FromRequestParts<Shared> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, backend: &Shared) -> Result<Self, ApiError> {
        authenticate(backend, &parts.headers).await.map(Device)
    }
}

impl axum::extract::FromRequestParts<Shared> for AnyDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, backend: &Shared) -> Result<Self, ApiError> {
        authenticate_even_revoked(backend, &parts.headers).await.map(AnyDevice)
    }
}

/// A member's number in the path; a path that is not one is refused (400 `invalid_path`) before
/// anything else is checked.
pub struct MemberNumber(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for MemberNumber {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|Path(num)| MemberNumber(num))
            .map_err(|_| member_number_error())
    }
}

impl axum::extract::FromRequestParts<Shared> for TeamLead {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, backend: &Shared) -> Result<Self, ApiError> {
        team_lead(backend, &parts.headers).await.map(TeamLead)
    }
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

#[derive(Deserialize)]
struct EnrollRequest {
    code: String,
    device_id: uuid::Uuid,
    #[serde(default)]
    device_name: String,
}

#[derive(Serialize, Deserialize)]
pub struct EnrollResponse {
    pub token: String,
    pub team: String,
    pub epoch: uuid::Uuid,
}

/// Who is guessing: the request's address (unknown only when served without the listener).
fn address_of(peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>) -> Guesser {
    Guesser::Address(
        peer.map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |Extension(ConnectInfo(a))| {
            a.ip()
        }),
    )
}

/// Refuses a guesser locked out after too many wrong codes, before the code is even looked at
/// (so the right code does not work for a locked-out guesser either).
fn check_lockout(guards: &Guards, who: &[Guesser]) -> Result<(), ApiError> {
    match guards.locked_out(who, std::time::Instant::now()) {
        Some(left) => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!(
                "Too many wrong codes from here; try again in {} minutes.",
                left.as_secs().div_ceil(60).max(1)
            ),
        )),
        None => Ok(()),
    }
}

/// Counts a wrong code, and says in the log whom it locked out (never the code).
fn count_wrong_code(guards: &Guards, who: &[Guesser], what: &str) {
    for locked in guards.wrong_code(who, std::time::Instant::now()) {
        tracing::warn!(locked = ?locked, code = what, "locked out after too many wrong codes");
    }
}

async fn enroll(
    State(backend): State<Shared>,
    Extension(guards): Extension<Arc<Guards>>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    request: axum::extract::Request,
) -> Result<Json<EnrollResponse>, ApiError> {
    // A locked-out address is refused before its body is read.
    let who = [address_of(peer)];
    check_lockout(&guards, &who)?;
    let Json(request) = Json::<EnrollRequest>::from_request(request, &()).await?;
    let token = logic::new_token();
    let name = request.device_name.chars().take(80).collect::<String>();
    let outcome = backend
        .enroll(
            &logic::hash_code(&request.code),
            &request.device_id.to_string(),
            &name,
            &logic::hash_secret(&token),
            clock::now_ms(),
        )
        .await?;
    if matches!(
        outcome,
        EnrollOutcome::Unknown | EnrollOutcome::Used | EnrollOutcome::Expired
    ) {
        count_wrong_code(&guards, &who, "enrollment");
    }
    let refuse = |kind, message: &str| Err(ApiError::new(StatusCode::FORBIDDEN, kind, message));
    match outcome {
        EnrollOutcome::Enrolled { team } => Ok(Json(EnrollResponse {
            token,
            team,
            epoch: backend.epoch().await?,
        })),
        EnrollOutcome::DeviceOfOtherTeam => refuse(
            "device_of_other_team",
            "This device was enrolled in another team; it cannot join this one. Reinstall the app to enroll it as a new tablet.",
        ),
        EnrollOutcome::DeviceTaken => refuse(
            "device_already_enrolled",
            "This device is already enrolled; the team lead must revoke it before it can enroll again.",
        ),
        EnrollOutcome::Unknown => refuse(
            "enrollment_code_unknown",
            "This enrollment code is not known; check it or ask for a new one.",
        ),
        EnrollOutcome::Used => refuse(
            "enrollment_code_used",
            "This enrollment code was already used; ask for a new one.",
        ),
        EnrollOutcome::Expired => refuse(
            "enrollment_code_expired",
            "This enrollment code has expired; ask for a new one.",
        ),
    }
}

async fn identity(
    State(backend): State<Shared>,
    AnyDevice(auth): AnyDevice,
) -> Result<Json<lohusa_core::sync::ServerIdentity>, ApiError> {
    Ok(Json(backend.identity(&auth, clock::now_ms()).await?))
}

/// A push. The token is checked before a byte of the body is read; a device pushes one batch at
/// a time; the body is checked for size and nesting before it is parsed, and parsed off the
/// async workers, a few at once, so a hostile body costs bounded memory and never stalls others.
async fn push(
    State(backend): State<Shared>,
    Extension(guards): Extension<Arc<Guards>>,
    AnyDevice(auth): AnyDevice,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    if let Some(left) = guards.pushes_blocked(&auth.device, std::time::Instant::now()) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_bad_pushes",
            format!(
                "This device sent too many pushes the server refused; try again in {} s.",
                left.as_secs().max(1)
            ),
        ));
    }
    let Some(_slot) = guards.push_slot(&auth.device) else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "push_in_progress",
            "This device is already pushing; wait for that push to end.",
        ));
    };
    let result = receive_push(&backend, &guards, &auth, request).await;
    if result
        .as_ref()
        .is_err_and(|e| bad_push(e.status) && guards.bad_push(&auth.device, std::time::Instant::now()))
    {
        tracing::warn!(device = %auth.device, "held off for a minute after too many refused pushes");
    }
    result
}

/// A push no working tablet sends: malformed, oversized, too slow. (Refused changes, 422, are
/// not counted: a tablet may hold several after a change of role, and they cost little.)
fn bad_push(status: StatusCode) -> bool {
    status.is_client_error() && status != StatusCode::UNPROCESSABLE_ENTITY && status != StatusCode::TOO_MANY_REQUESTS
}

/// The body of a push read, parsed and stored (or refused).
async fn receive_push(
    backend: &Backend,
    guards: &Guards,
    auth: &DeviceAuth,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
        .await
        .map_err(|e| body_failure(&e))?;
    // The turn bounds parsing only; it ends before the database is asked (whose pool bounds it),
    // so a slow commit does not hold other devices' pushes in the queue.
    let turn = guards.parse_turn().await;
    let request: PushRequest = tokio::task::spawn_blocking(move || {
        logic::json_within_bounds(&bytes)?;
        serde_json::from_slice::<PushRequest>(&bytes).map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                "malformed_json"
            } else {
                "invalid_body"
            }
        })
    })
    .await
    .map_err(|_| BackendError::Corrupt("the push parser stopped".into()))?
    .map_err(|kind| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            kind,
            match kind {
                "malformed_json" => "The request body is not valid JSON.",
                "too_deep" => "The request body nests deeper than a push ever does.",
                "too_many_values" => "The request body holds more values than a push ever does.",
                "value_too_long" => "The request body holds a text longer than any field takes.",
                _ => "The request body does not have the expected shape of a push.",
            },
        )
    })?;
    drop(turn);
    if request.changes.len() > MAX_PUSH_CHANGES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "A push may carry at most {MAX_PUSH_CHANGES} changes; this one has {}.",
                request.changes.len()
            ),
        ));
    }
    let now = clock::now_ms();
    match backend.push(auth, request.changes, now).await? {
        PushOutcome::Stored { accepted, duplicates } => {
            let mut response = Json(PushResponse {
                accepted,
                duplicates,
                epoch: backend.epoch().await?,
                server_time_ms: now,
            })
            .into_response();
            response.extensions_mut().insert(crate::metrics::Outcome::Pushed {
                accepted: accepted as u64,
                duplicates: duplicates as u64,
            });
            Ok(response)
        }
        PushOutcome::Refused(refused) => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: "refused",
            message: format!(
                "{} change(s) broke a rule (listed with reasons); nothing of this batch was stored.",
                refused.len()
            ),
            refused,
        }),
    }
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    after: u64,
    limit: Option<usize>,
    /// The member signed in on the device, for the audit of reads.
    member: Option<lohusa_core::MemberId>,
    /// Leave out the changes this device wrote itself (it holds them already); the cursor still
    /// moves past them.
    #[serde(default)]
    others_only: bool,
}

async fn pull(
    State(backend): State<Shared>,
    Device(auth): Device,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "`after` and `limit` must be whole numbers, `member` a member id and `others_only` true or false.",
        )
    })?;
    if query.after > MAX_CURSOR {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("`after` is a position in the team's log, at most {MAX_CURSOR}."),
        ));
    }
    let limit = query.limit.unwrap_or(PULL_BATCH).clamp(1, MAX_PULL_LIMIT);
    let now = clock::now_ms();
    let epoch = backend.epoch().await?;
    let mut batch = backend.pull(auth.team_id, query.after, limit).await?;
    // A device asking for others' changes only never pays to receive its own back: it gets
    // their ids, to check it holds each.
    let mut own = Vec::new();
    if query.others_only {
        let mut kept = Vec::with_capacity(batch.rows.len());
        for (seq, body) in batch.rows {
            let written_here = logic::written_by(&body, &auth.device)
                .map_err(|_| BackendError::Corrupt(format!("change {seq} of team {}", auth.team_id)))?;
            match written_here {
                Some(id) => own.push(id),
                None => kept.push((seq, body)),
            }
        }
        batch.rows = kept;
    }
    // Fields the device's members may not read never leave the server; the cursor still moves
    // past the changes left out, so they are not asked for again.
    if !lohusa_core::access::reads_everything(&auth.roles) {
        let mut kept = Vec::with_capacity(batch.rows.len());
        for (seq, body) in batch.rows {
            let readable = logic::readable_body(&body, &auth.roles)
                .map_err(|_| BackendError::Corrupt(format!("change {seq} of team {}", auth.team_id)))?;
            match readable {
                logic::Readable::All => kept.push((seq, body)),
                logic::Readable::Part(part) => kept.push((seq, part)),
                logic::Readable::Nothing => {}
            }
        }
        batch.rows = kept;
    }
    if batch.cursor > query.after {
        backend
            .record_read(&auth, query.member, query.after, batch.cursor, now)
            .await?;
    }
    let body = logic::pull_body(&batch.rows, &own, batch.cursor, batch.more, epoch, now);
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// A device reports its version, member and what waits on it, after a successful sync.
async fn report(
    State(backend): State<Shared>,
    Device(auth): Device,
    body: Result<Json<DeviceReport>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Json(report) = body?;
    let long = |text: &str| text.chars().count() > MAX_REPORT_TEXT;
    if long(&report.app_version) || report.member.as_deref().is_some_and(long) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("app_version and member may be at most {MAX_REPORT_TEXT} characters."),
        ));
    }
    backend.save_report(&auth, &report, clock::now_ms()).await?;
    Ok(Json(serde_json::json!({ "saved": true })))
}

/// The devices of the asking device's team (never another team's), with their last reports.
async fn devices(State(backend): State<Shared>, Device(auth): Device) -> Result<Json<Vec<TeamDevice>>, ApiError> {
    Ok(Json(backend.team_devices(auth.team_id).await?))
}

/// Binds a member to the asking device with her one-time member code.
async fn claim_member(
    State(backend): State<Shared>,
    Extension(guards): Extension<Arc<Guards>>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    Device(auth): Device,
    request: axum::extract::Request,
) -> Result<Json<lohusa_core::sync::ClaimedMember>, ApiError> {
    // A locked-out guesser is refused before its body is read.
    let who = [address_of(peer), Guesser::Device(auth.device.clone())];
    check_lockout(&guards, &who)?;
    let Json(request) = Json::<lohusa_core::sync::ClaimRequest>::from_request(request, &()).await?;
    let code_hash = logic::hash_code(&request.code);
    let refuse = |kind, message: &str| Err(ApiError::new(StatusCode::FORBIDDEN, kind, message));
    let outcome = backend
        .claim_member(&auth, &code_hash, request.member_id, clock::now_ms())
        .await?;
    if !matches!(outcome, ClaimOutcome::Claimed { .. }) {
        count_wrong_code(&guards, &who, "member");
    }
    match outcome {
        ClaimOutcome::Claimed { id, name, role } => Ok(Json(lohusa_core::sync::ClaimedMember { id, name, role })),
        ClaimOutcome::Unknown => refuse(
            "member_code_unknown",
            "This member code is not known; check it or ask the team lead for a new one.",
        ),
        ClaimOutcome::Used => refuse(
            "member_code_used",
            "This member code was already used; ask the team lead for a new one.",
        ),
        ClaimOutcome::Expired => refuse(
            "member_code_expired",
            "This member code has expired; ask the team lead for a new one.",
        ),
        ClaimOutcome::Revoked => refuse("member_revoked", "This member no longer has access."),
        ClaimOutcome::OtherTeam => refuse(
            "member_of_other_team",
            "This member code belongs to another team than this device's.",
        ),
    }
}

/// The header naming the member signed in on the device (checked against the members who
/// signed in there).
pub const MEMBER_HEADER: &str = "x-lohusa-member";

/// The asking device, when the member it names signed in on it and leads the team (or runs the
/// server): only she manages members, codes and devices.
async fn team_lead(backend: &Backend, headers: &HeaderMap) -> Result<DeviceAuth, ApiError> {
    let auth = authenticate(backend, headers).await?;
    let member = headers
        .get(MEMBER_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<lohusa_core::MemberId>().ok());
    let role = match member {
        Some(member) => backend.member_role_on_device(&auth.device, member).await?,
        None => None,
    };
    if !matches!(role, Some(lohusa_core::Role::TeamLead | lohusa_core::Role::Admin)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_team_lead",
            "Only the team lead, signed in on this device, manages members, codes and devices.",
        ));
    }
    Ok(auth)
}

fn not_in_team() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_in_team",
        "This team has no such member or device.",
    )
}

fn team_member_of(row: crate::backend::MemberRow) -> Result<lohusa_core::sync::TeamMember, BackendError> {
    let corrupt = || BackendError::Corrupt(format!("member {}", row.num));
    Ok(lohusa_core::sync::TeamMember {
        num: row.num,
        id: row.id.as_deref().map(str::parse).transpose().map_err(|_| corrupt())?,
        role: lohusa_core::Role::parse(&row.role).ok_or_else(corrupt)?,
        active: row.revoked_ms.is_none(),
        name: row.name,
        devices: row.devices,
    })
}

async fn team_members(
    State(backend): State<Shared>,
    TeamLead(auth): TeamLead,
) -> Result<Json<Vec<lohusa_core::sync::TeamMember>>, ApiError> {
    let rows = backend.team_members(auth.team_id).await?;
    Ok(Json(rows.into_iter().map(team_member_of).collect::<Result<_, _>>()?))
}

async fn issue_member_code(backend: &Backend, num: i64) -> Result<lohusa_core::sync::IssuedCode, ApiError> {
    let expires_ms = clock::now_ms() + lohusa_core::sync::MEMBER_CODE_HOURS * 3_600_000;
    let code = backend.issue_member_code(num, expires_ms).await?;
    Ok(lohusa_core::sync::IssuedCode { code, expires_ms })
}

async fn add_team_member(
    State(backend): State<Shared>,
    TeamLead(auth): TeamLead,
    body: Result<Json<lohusa_core::sync::NewMember>, JsonRejection>,
) -> Result<Json<lohusa_core::sync::IssuedCode>, ApiError> {
    let Json(new) = body?;
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_REPORT_TEXT {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("name must be 1 to {MAX_REPORT_TEXT} characters."),
        ));
    }
    let num = backend.add_member(&auth.team, name, new.role, clock::now_ms()).await?;
    Ok(Json(issue_member_code(&backend, num).await?))
}

async fn new_member_code(
    State(backend): State<Shared>,
    MemberNumber(num): MemberNumber,
    TeamLead(auth): TeamLead,
) -> Result<Json<lohusa_core::sync::IssuedCode>, ApiError> {
    match backend.team_member(auth.team_id, num).await? {
        Some(member) if member.revoked_ms.is_none() => Ok(Json(issue_member_code(&backend, num).await?)),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "member_revoked",
            "This member no longer has access.",
        )),
        None => Err(not_in_team()),
    }
}

async fn revoke_team_member(
    State(backend): State<Shared>,
    MemberNumber(num): MemberNumber,
    TeamLead(auth): TeamLead,
) -> Result<Json<serde_json::Value>, ApiError> {
    if backend.team_member(auth.team_id, num).await?.is_none() {
        return Err(not_in_team());
    }
    let revoked = backend
        .revoke_member_of_team(auth.team_id, num, clock::now_ms())
        .await?;
    Ok(Json(serde_json::json!({ "revoked": revoked })))
}

async fn new_enrollment_code(
    State(backend): State<Shared>,
    TeamLead(auth): TeamLead,
) -> Result<Json<lohusa_core::sync::IssuedCode>, ApiError> {
    let expires_ms = clock::now_ms() + lohusa_core::sync::ENROLLMENT_CODE_HOURS * 3_600_000;
    let code = backend.issue_enrollment_code(&auth.team, expires_ms).await?;
    Ok(Json(lohusa_core::sync::IssuedCode { code, expires_ms }))
}

async fn revoke_team_device(
    State(backend): State<Shared>,
    TeamLead(auth): TeamLead,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if id == auth.device {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "own_device",
            "A device cannot revoke itself; revoke it from another one.",
        ));
    }
    if !backend
        .revoke_device_of_team(auth.team_id, &id, clock::now_ms())
        .await?
    {
        return Err(not_in_team());
    }
    Ok(Json(serde_json::json!({ "revoked": true })))
}
