//! Hot reload: watch the catalog's folders, reload on change, and swap the shared catalog
//! atomically only when the new one loads with no errors. The only concurrency in Lots.
//!
//! The swap itself is [`reload`], a pure function, so its rule (errors keep the last good
//! catalog; earlier workflow versions stay available to the cases pinned to them) is tested
//! without a file system. [`Watcher`] adds `notify` (debounced) around it.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};

use crate::catalog::{Catalog, FsSource, Loaded, Summary};
use crate::diagnostics::Diagnostics;

/// The debounce window: changes within it are taken together (editors write files in bursts).
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// What a reload did.
#[derive(Debug, Clone)]
pub enum Reload {
    /// The new catalog loaded with no errors and is now in use.
    Swapped {
        /// What was read.
        summary: Summary,
        /// Warnings, if any.
        diagnostics: Diagnostics,
        /// How long loading and swapping took (the debounce window not included).
        took: Duration,
    },
    /// The new files have errors; the last good catalog stays in use.
    Kept {
        /// What was read.
        summary: Summary,
        /// Every problem found.
        diagnostics: Diagnostics,
        /// How long loading took.
        took: Duration,
    },
    /// The files could not be read at all; the last good catalog stays in use.
    Failed {
        /// Why.
        error: String,
    },
}

/// Decides a swap: the new catalog (succeeding `current`, so cases pinned to earlier workflow
/// versions keep them) when it has no errors, `None` otherwise.
pub fn reload(current: &Arc<Catalog>, loaded: Loaded, took: Duration) -> (Option<Catalog>, Reload) {
    match loaded.catalog {
        Some(catalog) => {
            let next = catalog.succeed(current);
            let report = Reload::Swapped {
                summary: loaded.summary,
                diagnostics: loaded.diagnostics,
                took,
            };
            (Some(next), report)
        }
        None => (
            None,
            Reload::Kept {
                summary: loaded.summary,
                diagnostics: loaded.diagnostics,
                took,
            },
        ),
    }
}

/// An error starting the watcher.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The file watcher could not start or watch a path.
    #[error("cannot watch the catalog: {0}")]
    Notify(#[from] notify_debouncer_mini::notify::Error),
}

/// Watches catalog folders and keeps a shared, always-good catalog.
pub struct Watcher {
    shared: Arc<RwLock<Arc<Catalog>>>,
    reloads: Receiver<Reload>,
    _debouncer: Debouncer<RecommendedWatcher>,
}

impl Watcher {
    /// Starts watching `paths` (recursively), beginning from `initial`, a catalog that loaded
    /// without errors.
    pub fn start(initial: Catalog, paths: Vec<PathBuf>) -> Result<Watcher, WatchError> {
        let shared = Arc::new(RwLock::new(Arc::new(initial)));
        let (tx, reloads) = channel();
        let state = Arc::clone(&shared);
        let source_paths = paths.clone();
        let mut debouncer = new_debouncer(DEBOUNCE, move |res: DebounceEventResult| {
            let relevant = match &res {
                Ok(events) => events.iter().any(|e| {
                    matches!(
                        e.path.extension().and_then(|x| x.to_str()),
                        Some("yaml" | "yml" | "rhai")
                    )
                }),
                Err(_) => true,
            };
            if !relevant {
                return;
            }
            let started = Instant::now();
            let report = match Catalog::load(&FsSource::new(source_paths.clone())) {
                Err(e) => Reload::Failed {
                    error: e.to_string(),
                },
                Ok(loaded) => {
                    let current = match state.read() {
                        Ok(guard) => Arc::clone(&guard),
                        Err(poisoned) => Arc::clone(&poisoned.into_inner()),
                    };
                    let (next, mut report) = reload(&current, loaded, started.elapsed());
                    if let Some(next) = next {
                        let next = Arc::new(next);
                        match state.write() {
                            Ok(mut guard) => *guard = next,
                            Err(poisoned) => *poisoned.into_inner() = next,
                        }
                        if let Reload::Swapped { took, .. } = &mut report {
                            *took = started.elapsed();
                        }
                    }
                    report
                }
            };
            match &report {
                Reload::Swapped { summary, .. } => {
                    tracing::info!(
                        workflows = summary.workflows,
                        rules = summary.rules,
                        "catalog swapped"
                    );
                }
                Reload::Kept { diagnostics, .. } => {
                    tracing::warn!(
                        errors = diagnostics.n_errors(),
                        "catalog has errors; last good kept"
                    );
                }
                Reload::Failed { error } => {
                    tracing::warn!(error = %error, "catalog unreadable; last good kept")
                }
            }
            let _ = tx.send(report);
        })?;
        for path in &paths {
            debouncer.watcher().watch(path, RecursiveMode::Recursive)?;
        }
        Ok(Watcher {
            shared,
            reloads,
            _debouncer: debouncer,
        })
    }

    /// The catalog in use now (cheap: an `Arc` clone).
    pub fn catalog(&self) -> Arc<Catalog> {
        match self.shared.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Waits for the next reload, at most `timeout`.
    pub fn next_reload(&self, timeout: Duration) -> Option<Reload> {
        self.reloads.recv_timeout(timeout).ok()
    }
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher").finish_non_exhaustive()
    }
}
