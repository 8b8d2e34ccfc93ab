//! Lohusa's central sync server: the append-only change log of every team, its current state
//! merged per field, device enrollment, and the push/pull API the tablets sync with.
//!
//! One binary; the database is an embedded SQLite in a data folder by default, or PostgreSQL
//! when a database URL is given. Both run the same code above `backend` and the same tests.

pub mod api;
pub mod backend;
pub mod clock;
pub mod logic;
pub mod postgres;
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

/// Serves the API on `listener` until the process ends.
pub async fn serve(backend: Backend, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, api::router(Arc::new(backend))).await
}

/// Serves the API over HTTPS (rustls) on `listener` with the certificate chain and private key
/// in these PEM files, until the process ends.
pub async fn serve_tls(
    backend: Backend,
    listener: std::net::TcpListener,
    cert: &std::path::Path,
    key: &std::path::Path,
) -> std::io::Result<()> {
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    listener.set_nonblocking(true)?;
    axum_server::from_tcp_rustls(listener, config)
        .serve(api::router(Arc::new(backend)).into_make_service())
        .await
}

/// Plain HTTP is for development on this computer only: health data must not cross a network
/// unencrypted.
pub fn plain_http_allowed(address: std::net::SocketAddr) -> bool {
    address.ip().is_loopback()
}
