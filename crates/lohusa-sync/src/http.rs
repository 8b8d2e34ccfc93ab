//! The HTTP transport: the server's JSON API over reqwest (rustls), bodies compressed with zstd
//! both ways. The transport decompresses answers itself, so it can count the bytes that really
//! crossed the wire.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lohusa_core::DeviceId;
use lohusa_core::sync::{
    API_PREFIX, DeviceReport, IssuedCode, NewMember, PullResponse, PushResponse, Refusal, Request, Response,
    ServerIdentity, TeamDevice, TeamMember,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{EncodedPush, SyncError, Transport};

/// What the server answers an enrollment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Enrolled {
    pub token: String,
    pub team: String,
    pub epoch: uuid::Uuid,
}

#[derive(Deserialize)]
struct ErrorBody {
    kind: String,
    message: String,
    #[serde(default)]
    refused: Vec<Refusal>,
}

impl ErrorBody {
    fn into_error(self) -> SyncError {
        SyncError::Server {
            status: 422,
            kind: self.kind,
            message: self.message,
        }
    }
}

/// The header naming the member signed in on this device.
pub const MEMBER_HEADER: &str = "x-lohusa-member";

/// The central server at `base` (like `http://127.0.0.1:8787`), as this device sees it.
#[derive(Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    base: String,
    token: String,
    /// Body bytes sent and received, compressed, since this transport was made.
    bytes: Arc<(AtomicU64, AtomicU64)>,
    /// The member signed in on this device, named in pulls for the server's audit.
    member: Option<lohusa_core::MemberId>,
    /// Ask the server to leave out this device's own changes (only their ids come back, to be
    /// checked): off once the device found one missing (`Store::pulls_own_changes`).
    others_only: bool,
}

/// Whether `base` is plain HTTP to this computer (development), which is the only plain HTTP
/// allowed.
pub fn is_local_http(base: &str) -> bool {
    let Some(rest) = base.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Refuses a server address that would send health data unencrypted over a network.
pub fn check_address(base: &str) -> Result<(), SyncError> {
    if base.starts_with("https://") || is_local_http(base) {
        Ok(())
    } else {
        Err(SyncError::InsecureServer(base.to_owned()))
    }
}

/// The HTTP client: rustls checking the server's certificate against the system's trusted
/// authorities, or only against the team's own authority when one was given at enrollment.
fn client(ca_pem: Option<&str>) -> Result<reqwest::Client, SyncError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        // The server closes a connection idle for 15 s; one kept longer here could be reused
        // just as the server closes it, and the request would fail.
        .pool_idle_timeout(Duration::from_secs(10))
        // `read` decompresses answers itself, so what it counts is what crossed the wire
        // (reqwest's own decoding would hand it the body already decompressed).
        .no_zstd();
    if let Some(pem) = ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| SyncError::UntrustedCertificate(format!("the team's certificate file is unreadable: {e}")))?;
        builder = builder.tls_certs_only(certs);
    }
    builder.build().map_err(|e| SyncError::Offline(e.to_string()))
}

impl HttpTransport {
    pub fn new(base: &str, token: &str) -> Result<HttpTransport, SyncError> {
        HttpTransport::with_ca(base, token, None)
    }

    /// A transport that trusts only `ca_pem` (PEM certificates) for the server's certificate.
    pub fn with_ca(base: &str, token: &str, ca_pem: Option<&str>) -> Result<HttpTransport, SyncError> {
        check_address(base)?;
        Ok(HttpTransport {
            client: client(ca_pem)?,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            bytes: Arc::default(),
            member: None,
            others_only: true,
        })
    }

    /// (sent, received) body bytes on the wire so far.
    pub fn bytes(&self) -> (u64, u64) {
        (
            self.bytes.0.load(Ordering::Relaxed),
            self.bytes.1.load(Ordering::Relaxed),
        )
    }

    /// The transport for the server a store is enrolled with.
    pub fn for_store(store: &lohusa_store::Store) -> Result<HttpTransport, SyncError> {
        let (server, token) = store.enrollment()?.ok_or(SyncError::NotEnrolled)?;
        let member = store.local_member()?.map(|m| m.id);
        let mut transport = HttpTransport::with_ca(&server, &token, store.server_ca()?.as_deref())?.signed_in(member);
        transport.others_only = !store.pulls_own_changes()?;
        Ok(transport)
    }

    /// Binds the member of a one-time member code to this device; `member` is the id the device
    /// already writes under (kept on her first claim).
    pub async fn claim_member(
        &self,
        code: &str,
        member: Option<lohusa_core::MemberId>,
    ) -> Result<lohusa_core::sync::ClaimedMember, SyncError> {
        let request = lohusa_core::sync::ClaimRequest {
            code: code.trim().to_owned(),
            member_id: member,
        };
        self.post::<_, lohusa_core::sync::ClaimedMember>("members/claim", &request)
            .await?
            .map_err(ErrorBody::into_error)
    }

    /// Names the member signed in on this device in every pull (the server's audit of reads).
    pub fn signed_in(mut self, member: Option<lohusa_core::MemberId>) -> HttpTransport {
        self.member = member;
        self
    }

    /// The devices of this device's team with their last reports (the team lead's tablets view).
    pub async fn team_devices(&self) -> Result<Vec<TeamDevice>, SyncError> {
        self.get::<Vec<TeamDevice>>("devices")
            .await?
            .map_err(ErrorBody::into_error)
    }

    /// The device token, and the member signed in (the team lead's routes check her role).
    fn signed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = request.bearer_auth(&self.token);
        match self.member {
            Some(member) => request.header(MEMBER_HEADER, member.to_string()),
            None => request,
        }
    }

    /// The team's members (the team lead only).
    pub async fn team_members(&self) -> Result<Vec<TeamMember>, SyncError> {
        self.get::<Vec<TeamMember>>("team/members")
            .await?
            .map_err(ErrorBody::into_error)
    }

    /// Adds a member to the team; her one-time member code (the team lead only).
    pub async fn add_team_member(&self, new: &NewMember) -> Result<IssuedCode, SyncError> {
        self.post::<_, IssuedCode>("team/members", new)
            .await?
            .map_err(ErrorBody::into_error)
    }

    /// A new one-time code for a member (another device, a forgotten PIN).
    pub async fn new_member_code(&self, num: i64) -> Result<IssuedCode, SyncError> {
        self.post::<_, IssuedCode>(&format!("team/members/{num}/code"), &serde_json::json!({}))
            .await?
            .map_err(ErrorBody::into_error)
    }

    pub async fn revoke_team_member(&self, num: i64) -> Result<(), SyncError> {
        self.post::<_, serde_json::Value>(&format!("team/members/{num}/revoke"), &serde_json::json!({}))
            .await?
            .map(|_| ())
            .map_err(ErrorBody::into_error)
    }

    /// A one-time code for a new device of the team.
    pub async fn new_enrollment_code(&self) -> Result<IssuedCode, SyncError> {
        self.post::<_, IssuedCode>("team/enrollment-codes", &serde_json::json!({}))
            .await?
            .map_err(ErrorBody::into_error)
    }

    pub async fn revoke_team_device(&self, id: &str) -> Result<(), SyncError> {
        self.post::<_, serde_json::Value>(&format!("team/devices/{id}/revoke"), &serde_json::json!({}))
            .await?
            .map(|_| ())
            .map_err(ErrorBody::into_error)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}/{path}", self.base)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Result<T, ErrorBody>, SyncError> {
        let response = self
            .signed(self.client.get(self.url(path)))
            .header(reqwest::header::ACCEPT_ENCODING, "zstd")
            .send()
            .await
            .map_err(offline)?;
        self.read(response).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<Result<T, ErrorBody>, SyncError> {
        self.post_encoded(path, encode(body)?).await
    }

    /// Posts a body `encode` made.
    async fn post_encoded<T: DeserializeOwned>(
        &self,
        path: &str,
        compressed: Vec<u8>,
    ) -> Result<Result<T, ErrorBody>, SyncError> {
        self.bytes.0.fetch_add(compressed.len() as u64, Ordering::Relaxed);
        let response = self
            .signed(self.client.post(self.url(path)))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "zstd")
            .header(reqwest::header::ACCEPT_ENCODING, "zstd")
            .body(compressed)
            .send()
            .await
            .map_err(offline)?;
        self.read(response).await
    }

    /// The body, counted and decompressed, then read as a success or the server's JSON error.
    async fn read<T: DeserializeOwned>(&self, response: reqwest::Response) -> Result<Result<T, ErrorBody>, SyncError> {
        let zstd_body = response
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"zstd"));
        let status = response.status();
        let bytes = response.bytes().await.map_err(offline)?;
        self.bytes.1.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let body = if zstd_body {
            decompress(&bytes).map_err(|e| SyncError::Protocol(format!("undecodable answer: {e}")))?
        } else {
            bytes.to_vec()
        };
        read(status, &body)
    }
}

/// A request body as sent: JSON, compressed with zstd.
fn encode<B: Serialize>(body: &B) -> Result<Vec<u8>, SyncError> {
    let json = serde_json::to_vec(body).map_err(|e| SyncError::Protocol(e.to_string()))?;
    zstd::encode_all(json.as_slice(), 1).map_err(|e| SyncError::Protocol(e.to_string()))
}

/// A push of a batch read from the store, serialized as `PushRequest { changes }` is, without
/// copying the changes out of the batch.
struct PushOf<'a>(&'a [(i64, lohusa_core::Change)]);

impl Serialize for PushOf<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Changes<'a>(&'a [(i64, lohusa_core::Change)]);
        impl Serialize for Changes<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter().map(|(_, change)| change))
            }
        }
        let mut push = serializer.serialize_struct("PushRequest", 1)?;
        push.serialize_field("changes", &Changes(self.0))?;
        push.end()
    }
}

/// A zstd body decompressed into a buffer sized once: the size its frame names, else a guess
/// from how well the team's JSON compresses (a pulled batch shrinks about thirtyfold), so a
/// large answer is not copied again and again as the buffer grows. What is reserved ahead is
/// bounded (a pulled batch is a few megabytes); a larger body grows the buffer as it comes.
fn decompress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let named = zstd::zstd_safe::get_frame_content_size(bytes).ok().flatten();
    let size = named.map_or(bytes.len().saturating_mul(32), |n| {
        usize::try_from(n).unwrap_or(usize::MAX)
    });
    let mut body = Vec::with_capacity(size.min(16 << 20));
    zstd::stream::read::Decoder::new(bytes)?.read_to_end(&mut body)?;
    Ok(body)
}

/// Enrolls this device with a one-time code from the team lead.
pub async fn enroll(
    base: &str,
    code: &str,
    device: DeviceId,
    device_name: &str,
    ca_pem: Option<&str>,
) -> Result<Enrolled, SyncError> {
    let transport = HttpTransport::with_ca(base, "", ca_pem)?;
    let body = serde_json::json!({ "code": code, "device_id": device, "device_name": device_name });
    transport.post("enroll", &body).await?.map_err(|e| SyncError::Server {
        status: 403,
        kind: e.kind,
        message: e.message,
    })
}

fn offline(error: reqwest::Error) -> SyncError {
    // A certificate the client does not trust is not a connection that comes and goes.
    let mut source: Option<&dyn std::error::Error> = Some(&error);
    while let Some(e) = source {
        let text = e.to_string();
        if text.contains("certificate") || text.contains("UnknownIssuer") {
            return SyncError::UntrustedCertificate(text);
        }
        source = e.source();
    }
    let what = if error.is_timeout() {
        "no answer in time".to_owned()
    } else if error.is_connect() {
        "no connection".to_owned()
    } else {
        error.to_string()
    };
    SyncError::Offline(what)
}

/// A success body, or the server's JSON error; a 401 becomes `Unauthorized`.
fn read<T: DeserializeOwned>(status: reqwest::StatusCode, bytes: &[u8]) -> Result<Result<T, ErrorBody>, SyncError> {
    if status.is_success() {
        return serde_json::from_slice(bytes)
            .map(Ok)
            .map_err(|e| SyncError::Protocol(format!("unreadable answer: {e}")));
    }
    if status.as_u16() == 401 {
        return Err(SyncError::Unauthorized);
    }
    match serde_json::from_slice::<ErrorBody>(bytes) {
        // Some changes broke a rule: the sync quarantines them and goes on.
        Ok(body) if body.kind == "refused" => Ok(Err(body)),
        Ok(body) => Err(SyncError::Server {
            status: status.as_u16(),
            kind: body.kind,
            message: body.message,
        }),
        Err(_) => Err(SyncError::Server {
            status: status.as_u16(),
            kind: "http".into(),
            message: format!("HTTP {status}"),
        }),
    }
}

impl Transport for HttpTransport {
    async fn report(&self, report: &DeviceReport) -> Result<(), SyncError> {
        self.post::<_, serde_json::Value>("report", report)
            .await?
            .map(|_| ())
            .map_err(ErrorBody::into_error)
    }

    fn encode_push(&self, batch: &[(i64, lohusa_core::Change)]) -> Option<EncodedPush> {
        EncodedPush::new(encode(&PushOf(batch)).ok()?, batch)
    }

    async fn send_encoded(&self, _request: Request, encoded: EncodedPush) -> Result<Response, SyncError> {
        Ok(match self.post_encoded::<PushResponse>("push", encoded.body).await? {
            Ok(pushed) => Response::Pushed(pushed),
            Err(e) => Response::Refused(e.refused),
        })
    }

    async fn send(&self, request: Request) -> Result<Response, SyncError> {
        let refused = |e: ErrorBody| Response::Refused(e.refused);
        Ok(match request {
            Request::Identity => match self.get::<ServerIdentity>("identity").await? {
                Ok(identity) => Response::Identity(identity),
                Err(e) => refused(e),
            },
            Request::Push(push) => match self.post::<_, PushResponse>("push", &push).await? {
                Ok(pushed) => Response::Pushed(pushed),
                Err(e) => refused(e),
            },
            Request::Pull { after, limit } => {
                match self
                    .get::<PullResponse>(&match self.member {
                        // Its own changes it holds already: the server leaves them out.
                        Some(member) => format!(
                            "pull?after={after}&limit={limit}&others_only={}&member={member}",
                            self.others_only
                        ),
                        None => format!("pull?after={after}&limit={limit}&others_only={}", self.others_only),
                    })
                    .await?
                {
                    Ok(pulled) => Response::Pulled(pulled),
                    Err(e) => refused(e),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lohusa_core::change::Change;
    use lohusa_core::sync::PushRequest;
    use lohusa_core::{ChangeId, EntityKind, MemberId};

    #[test]
    fn a_push_encoded_ahead_is_the_push_request_s_own_body() {
        let device = DeviceId(uuid::Uuid::from_u128(7));
        let batch: Vec<(i64, Change)> = (0..3)
            .map(|i| {
                let change = Change {
                    id: ChangeId(uuid::Uuid::from_u128(i + 1)),
                    entity: EntityKind::Mother,
                    entity_id: uuid::Uuid::from_u128(100 + i),
                    fields: [("full_name".to_owned(), serde_json::json!(format!("Ayşe {i} \"Ö\"")))].into(),
                    base: Default::default(),
                    hlc: lohusa_core::hlc::Hlc {
                        wall_ms: 1_700_000_000_000 + i as u64,
                        counter: 0,
                    },
                    author: MemberId(uuid::Uuid::from_u128(9)),
                    device,
                    schema_version: 1,
                };
                (i as i64 + 1, change)
            })
            .collect();
        let ahead = encode(&PushOf(&batch)).unwrap();
        let request = PushRequest {
            changes: batch.iter().map(|(_, c)| c.clone()).collect(),
        };
        assert_eq!(decompress(&ahead).unwrap(), serde_json::to_vec(&request).unwrap());
        let encoded = EncodedPush::new(ahead, &batch).unwrap();
        assert!(encoded.is_body_of(&Request::Push(request.clone())));
        let mut fewer = request;
        fewer.changes.pop();
        assert!(!encoded.is_body_of(&Request::Push(fewer)));
    }
}
