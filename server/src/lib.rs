//! `lots serve`: a JSON HTTP API over the Lots engine, for case systems in any language.
//!
//! The engine stays sans-IO; this crate owns the network. [`start`] opens the store, loads
//! the catalog (hot-reloaded, the last good one kept), binds the address and serves the routes
//! of [`routes::router`] until [`Running::stop`] (or, through [`serve`], SIGTERM or Ctrl-C),
//! draining the requests in flight.
//!
//! Security, in one place each: tokens are SHA-256 hashes in the configuration, compared in
//! constant time ([`auth`]); the actor and role of every event are the token's, never the
//! body's; a case of a unit the token does not act for answers exactly like a missing case
//! (404); a protected-identity case answers 403 to a role the configuration does not list;
//! every refused request is audited with its route and actor ([`state::AppState::deny`]).
//! Logs carry ids and counts, never fact values or bodies.

pub mod auth;
pub mod config;
pub mod error;
pub mod routes;
pub mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use jiff::Timestamp;
use lots::store::{SqlStore, StoreOptions};
use lots::{Catalog, Engine, FsSource};

pub use config::{Checked, Config, ConfigError, hash_token};
pub use state::AppState;

/// What [`start`] needs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The store: a SQLite file (created if missing) or a `postgres://` URL.
    pub db: String,
    /// The catalog's files or folders (watched for changes).
    pub catalog: Vec<PathBuf>,
    /// Where to listen; the configuration's `listen`, else `127.0.0.1:8080`, when `None`.
    pub listen: Option<SocketAddr>,
    /// The checked configuration.
    pub config: Checked,
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address is not a loopback one and the configuration does not allow that.
    #[error(
        "refusing to listen on {0}: it is not a loopback address; set `allow_non_loopback = true` in the configuration file (--config) to allow it, with TLS in front of the server"
    )]
    NotLoopback(SocketAddr),
    /// The catalog did not load.
    #[error("the catalog does not load: {0}")]
    Catalog(String),
    /// The store could not be opened.
    #[error("cannot open the store: {0}")]
    Store(#[from] lots::store::StoreError),
    /// The engine could not start.
    #[error(transparent)]
    Engine(#[from] lots::EngineError),
    /// Binding or serving failed.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
}

/// A server running in this process.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    state: Arc<AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    stop_reloads: Arc<AtomicBool>,
}

impl Running {
    /// The address it listens on (the port chosen when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (the engine and its store), e.g. to read the audit log in a test.
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Stops accepting connections, waits for the requests in flight, and stops following
    /// catalog reloads.
    pub async fn stop(mut self) -> Result<(), ServeError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.stop_reloads.store(true, Ordering::Relaxed);
        match (&mut self.task).await {
            Ok(res) => Ok(res?),
            Err(e) => Err(ServeError::Io(std::io::Error::other(e))),
        }
    }
}

/// Opens the store and the catalog, binds and starts serving in the background.
pub async fn start(options: Options) -> Result<Running, ServeError> {
    let addr = options
        .listen
        .or(options.config.config.listen)
        .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)));
    if !addr.ip().is_loopback() && !options.config.config.allow_non_loopback {
        return Err(ServeError::NotLoopback(addr));
    }
    // Loaded here for its diagnostics (warnings stay visible at /v1/catalog); the engine
    // loads it again to watch it.
    let loaded = Catalog::load(&FsSource::new(options.catalog.clone()))
        .map_err(|e| ServeError::Catalog(e.to_string()))?;
    if loaded.catalog.is_none() {
        return Err(ServeError::Catalog(format!(
            "{} error(s); run `lots check` to see them",
            loaded.diagnostics.n_errors()
        )));
    }
    let store = SqlStore::open(&options.db, &StoreOptions::default()).await?;
    let engine = Engine::open(options.catalog.clone(), store)?.with_route("http");
    let state = Arc::new(AppState {
        engine,
        config: options.config,
        reload: RwLock::new(state::ReloadStatus {
            outcome: "loaded",
            at: Timestamp::now(),
            diagnostics: loaded.diagnostics.into_iter().collect(),
            error: None,
        }),
    });
    let stop_reloads = Arc::new(AtomicBool::new(false));
    {
        let state = Arc::clone(&state);
        let stop = Arc::clone(&stop_reloads);
        std::thread::Builder::new()
            .name("lots-serve-reloads".to_owned())
            .spawn(move || state::follow_reloads(&state, &stop))?;
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = routes::router(Arc::clone(&state));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    tracing::info!(%addr, "lots serve listening");
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
        stop_reloads,
    })
}

/// Starts the server and serves until SIGTERM or Ctrl-C, then drains the requests in flight.
/// `on_listen` is told the address once bound.
pub async fn serve(options: Options, on_listen: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let running = start(options).await?;
    on_listen(running.local_addr());
    shutdown_signal().await;
    tracing::info!("shutting down: draining requests in flight");
    running.stop().await
}

/// SIGTERM or Ctrl-C, whichever comes first.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
