//! Accepting connections within limits: at most `max_connections` open at once and
//! `per_address` from one address, headers within
//! `header_timeout` (an idle keep-alive connection closes after it too), TLS handshakes within
//! it, HTTP/1.1 only, and each request told which address it came from (for code lockouts and
//! the flood guard, which `api` applies to every request).
//!
//! This replaces `axum::serve`, which has no header timeout or connection cap: without them a
//! thousand idle sockets, or headers sent a byte at a time, lock every tablet out.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::guards::Guards;

/// How long requests in flight may take to finish once the server is asked to stop.
pub const SHUTDOWN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves `app` on `listener` (over TLS when `tls` is given) until `shutdown` completes; then
/// stops accepting, lets the requests in flight finish (each connection closes after its
/// current request), waits for them up to `SHUTDOWN_DEADLINE`, and returns whether they all
/// finished in time.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    guards: Arc<Guards>,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<bool> {
    let limits = guards.limits.clone();
    let connections = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(connections));
    let (stopping, stop_seen) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = async {
                let permit = slots.clone().acquire_owned().await.expect("never closed");
                (permit, listener.accept().await)
            } => accepted,
        };
        let (permit, accepted) = accepted;
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, or a connection reset before it was accepted: wait a
                // little and go on, as a listener must never stop.
                tracing::error!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        // One address may not take every connection (slow headers from a thousand sockets).
        let Some(address_slot) = guards.address_slot(peer.ip()) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let header_timeout = limits.header_timeout;
        let stop_seen = stop_seen.clone();
        tokio::spawn(async move {
            let (_permit, _address_slot) = (permit, address_slot);
            let service =
                TowerToHyperService::new(app.map_request(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                    request
                }));
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(64 * 1024);
            match tls {
                None => {
                    let connection = http.serve_connection(TokioIo::new(stream), service);
                    until_stopped(connection, stop_seen).await;
                }
                Some(acceptor) => {
                    if let Ok(Ok(stream)) = tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                        let connection = http.serve_connection(TokioIo::new(stream), service);
                        until_stopped(connection, stop_seen).await;
                    }
                }
            }
        });
    }
    // Stop: no new connection is accepted; each open one ends after its current request.
    drop(listener);
    let _ = stopping.send(true);
    let all = u32::try_from(connections).unwrap_or(u32::MAX);
    let finished = tokio::time::timeout(SHUTDOWN_DEADLINE, slots.acquire_many(all))
        .await
        .is_ok();
    if !finished {
        tracing::warn!(deadline = ?SHUTDOWN_DEADLINE, "some requests were still running at the deadline; stopping anyway");
    }
    Ok(finished)
}

/// Serves one connection; once the server stops, it finishes the request in flight and closes.
async fn until_stopped<I, S>(
    connection: hyper::server::conn::http1::Connection<I, S>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + 'static,
    S: hyper::service::HttpService<Incoming>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::ResBody: 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = stop.wait_for(|stopping| *stopping) => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}
