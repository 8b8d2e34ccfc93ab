//! Lohusa's central sync server: the append-only change log of every team, its current state
//! merged per field, device enrollment, and the push/pull API the tablets sync with.
//!
//! One binary; the database is an embedded SQLite in a data folder by default, or PostgreSQL
//! when a database URL is given. Both run the same code above `backend` and the same tests.

pub mod api;
pub mod backend;
pub mod backups;
pub mod clock;
pub mod config;
pub mod guards;
pub mod listen;
pub mod logging;
pub mod logic;
pub mod metrics;
pub mod model;
pub mod policy;
pub mod postgres;
pub mod report;
pub mod sqlite;

use std::future::IntoFuture;
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
    let options = Options {
        limits,
        tls: None,
        metrics_listener: None,
        metrics: Arc::default(),
    };
    serve_options(backend, listener, options, shutdown).await.map(drop)
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
    listener.set_nonblocking(true)?;
    let options = Options {
        limits: guards::Limits::for_this_process(),
        tls: Some((cert.to_owned(), key.to_owned())),
        metrics_listener: None,
        metrics: Arc::default(),
    };
    serve_options(backend, tokio::net::TcpListener::from_std(listener)?, options, shutdown)
        .await
        .map(drop)
}

/// How the API is served.
pub struct Options {
    pub limits: guards::Limits,
    /// HTTPS with this certificate chain and private key (PEM files).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Where Prometheus scrapes `/metrics`, apart from the API.
    pub metrics_listener: Option<tokio::net::TcpListener>,
    /// What the API counts (shared with the scheduled backups).
    pub metrics: Arc<metrics::Metrics>,
}

/// Reads a certificate chain and its private key (PEM) for serving HTTP/1.1 over TLS.
pub async fn tls_acceptor(cert: &std::path::Path, key: &std::path::Path) -> std::io::Result<tokio_rustls::TlsAcceptor> {
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    // HTTP/1.1 only, as the listener speaks (the tablets' client does too).
    let mut config = (*config.get_inner()).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Serves the API on `listener` (and the metrics, when asked) until `shutdown` completes; then
/// lets the requests in flight finish (up to `listen::SHUTDOWN_DEADLINE`), checkpoints the
/// embedded database and returns whether every request finished.
pub async fn serve_options(
    backend: Backend,
    listener: tokio::net::TcpListener,
    options: Options,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<bool> {
    let tls = match &options.tls {
        Some((cert, key)) => Some(tls_acceptor(cert, key).await?),
        None => None,
    };
    let backend = Arc::new(backend);
    let metrics = options.metrics;
    let scraping = options.metrics_listener.map(|listener| {
        tokio::spawn(axum::serve(listener, metrics::router(backend.clone(), metrics.clone())).into_future())
    });
    let guards = guards::Guards::new(options.limits);
    let app = api::router_guarded(backend.clone(), guards.clone(), metrics);
    let served = listen::serve(listener, app, tls, guards, shutdown).await;
    if let Some(scraping) = scraping {
        scraping.abort();
    }
    if let Err(error) = backend.checkpoint().await {
        tracing::warn!(%error, "could not checkpoint the database on the way out");
    }
    served
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

/// The data folder's lock file: `serve` holds it for as long as it runs (one server per
/// folder), `restore` while it replaces the database.
const LOCK_FILE: &str = "lohusa-server.lock";

/// Takes the data folder's lock file, or says who holds it (`held`, then the folder).
pub fn lock_folder(dir: &std::path::Path, held: &str) -> Result<std::fs::File, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("data folder {}: {e}", dir.display()))?;
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!("{held} {}", dir.display())),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("locking {}: {e}", path.display())),
    }
}

/// Whether a server holds the folder's lock now (without creating anything).
pub fn folder_in_use(dir: &std::path::Path) -> bool {
    std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join(LOCK_FILE))
        .is_ok_and(|file| matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
}

/// Plain HTTP is for development on this computer only: health data must not cross a network
/// unencrypted.
pub fn plain_http_allowed(address: std::net::SocketAddr) -> bool {
    address.ip().is_loopback()
}
