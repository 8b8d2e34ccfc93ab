//! Lohusa's central sync server: the append-only change log of every team, its current state
//! merged per field, device enrollment, and the push/pull API the tablets sync with.
//!
//! One binary; the database is an embedded SQLite in a data folder by default, or PostgreSQL
//! when a database URL is given. Both run the same code above `backend` and the same tests.

pub mod api;
pub mod backend;
pub mod backups;
pub mod clock;
pub mod guards;
pub mod listen;
pub mod logging;
pub mod logic;
pub mod postgres;
pub mod report;
pub mod sqlite;

use std::path::PathBuf;
use std::sync::Arc;

pub use backend::{Backend, BackendError};

/// Where the server keeps its data.
#[derive(Clone, Debug)]
pub enum Database {
    /// An SQLite file in this folder.
    Folder(PathBuf),
    /// A PostgreSQL URL (postgres://…).
    Postgres(String),
}

impl Database {
    pub async fn open(&self) -> Result<Backend, BackendError> {
        Ok(match self {
            Database::Folder(dir) => Backend::Sqlite(sqlite::SqliteBackend::open(dir)?),
            Database::Postgres(url) => Backend::Postgres(postgres::PgBackend::connect(url, 16).await?),
        })
    }
}

/// Serves the API on `listener` until the process ends, with the default limits and as many
/// connections as the process may open.
pub async fn serve(backend: Backend, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_with(backend, listener, guards::Limits::for_this_process()).await
}

/// Serves the API on `listener` with these limits until the process ends.
pub async fn serve_with(
    backend: Backend,
    listener: tokio::net::TcpListener,
    limits: guards::Limits,
) -> std::io::Result<()> {
    serve_until(backend, listener, limits, std::future::pending()).await
}

/// Serves the API on `listener` until `shutdown` completes, then lets the requests in flight
/// finish (up to `listen::SHUTDOWN_DEADLINE`) and returns.
pub async fn serve_until(
    backend: Backend,
    listener: tokio::net::TcpListener,
    limits: guards::Limits,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let guards = guards::Guards::new(limits);
    let app = api::router_guarded(Arc::new(backend), guards.clone());
    listen::serve(listener, app, None, guards, shutdown).await
}

/// Completes when the process is asked to stop: SIGTERM (a deploy, a reboot) or Ctrl-C.
pub async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// Serves the API over HTTPS (rustls) on `listener` with the certificate chain and private key
/// in these PEM files, until `shutdown` completes (then as `serve_until`).
pub async fn serve_tls(
    backend: Backend,
    listener: std::net::TcpListener,
    cert: &std::path::Path,
    key: &std::path::Path,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    // HTTP/1.1 only, as the listener speaks (the tablets' client does too).
    let mut config = (*config.get_inner()).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let guards = guards::Guards::new(guards::Limits::for_this_process());
    let app = api::router_guarded(Arc::new(backend), guards.clone());
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    listen::serve(listener, app, Some(acceptor), guards, shutdown).await
}

/// Plain HTTP is for development on this computer only: health data must not cross a network
/// unencrypted.
pub fn plain_http_allowed(address: std::net::SocketAddr) -> bool {
    address.ip().is_loopback()
}
