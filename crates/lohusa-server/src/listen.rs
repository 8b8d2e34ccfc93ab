//! Accepting connections within limits: at most `max_connections` open at once and
//! `per_address` from one address, headers within
//! `header_timeout` (an idle keep-alive connection closes after it too), TLS handshakes within
//! it, HTTP/1.1 only, each request told which address it came from (for code lockouts), and new
//! connections from an address flooding the server with refused requests made to wait.
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

/// Serves `app` on `listener` (over TLS when `tls` is given) until the process ends.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    guards: Arc<Guards>,
) -> std::io::Result<()> {
    let limits = guards.limits.clone();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let permit = slots.clone().acquire_owned().await.expect("never closed");
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, or a connection reset before it was accepted: wait a
                // little and go on, as a listener must never stop.
                eprintln!("lohusa-server: accept failed: {error}");
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
        let delay = guards.connection_delay(peer.ip(), std::time::Instant::now());
        tokio::spawn(async move {
            let (_permit, _address_slot) = (permit, address_slot);
            // An address flooding the server with refused requests waits for each new
            // connection; tablets keep the connections they have open.
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
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
                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                }
                Some(acceptor) => {
                    if let Ok(Ok(stream)) = tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                        let _ = http.serve_connection(TokioIo::new(stream), service).await;
                    }
                }
            }
        });
    }
}
