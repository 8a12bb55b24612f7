//! Hot reload: watch the catalog's folders, reload on change, and swap the shared catalog
//! atomically only when the new one loads with no errors. The only concurrency in Lots.
//!
//! The swap itself is [`reload`], a pure function, so its rule (errors keep the last good
//! catalog; earlier workflow versions stay available to the cases pinned to them) is tested
//! without a file system. [`Watcher`] adds `notify` around it, with its own debounce that reacts
//! only to changes (create, modify, remove), never to files being read.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

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
    Notify(#[from] notify::Error),
}

/// Watches catalog folders and keeps a shared, always-good catalog.
pub struct Watcher {
    shared: Arc<RwLock<Arc<Catalog>>>,
    // Behind a lock so that a `Watcher` (and an `Engine` watching its catalog) is `Sync`: a
    // server shares it between threads.
    reloads: Mutex<Receiver<Reload>>,
    // Dropping it closes the change channel, which ends the reload thread.
    _watcher: RecommendedWatcher,
}

/// Whether a file event is a change to a catalog file. Opening or reading a file is not (the
/// reload itself reads every file; reacting to that would reload forever).
fn is_change(event: &notify::Event) -> bool {
    let kind = matches!(
        event.kind,
        EventKind::Create(_)
            | EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any)
            | EventKind::Any
    );
    kind && event.paths.iter().any(|p| {
        matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("yaml" | "yml" | "rhai")
        )
    })
}

impl Watcher {
    /// Starts watching `paths` (recursively), beginning from `initial`, a catalog that loaded
    /// without errors.
    pub fn start(initial: Catalog, paths: Vec<PathBuf>) -> Result<Watcher, WatchError> {
        let shared = Arc::new(RwLock::new(Arc::new(initial)));
        let (reports, reloads) = channel();
        let (changes, changed) = channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
                if res.as_ref().map_or(true, is_change) {
                    let _ = changes.send(());
                }
            })?;
        for path in &paths {
            watcher.watch(path, RecursiveMode::Recursive)?;
        }
        let state = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("lots-catalog-reload".to_owned())
            .spawn(move || reload_loop(&changed, &state, &paths, &reports))
            .map_err(|e| WatchError::Notify(notify::Error::io(e)))?;
        Ok(Watcher {
            shared,
            reloads: Mutex::new(reloads),
            _watcher: watcher,
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
        let reloads = match self.reloads.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        reloads.recv_timeout(timeout).ok()
    }
}

/// Waits for a change, lets a burst of changes settle for [`DEBOUNCE`], reloads, and repeats
/// until the watcher is dropped.
fn reload_loop(
    changed: &Receiver<()>,
    state: &Arc<RwLock<Arc<Catalog>>>,
    paths: &[PathBuf],
    reports: &Sender<Reload>,
) {
    while changed.recv().is_ok() {
        loop {
            match changed.recv_timeout(DEBOUNCE) {
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let started = Instant::now();
        let report = match Catalog::load(&FsSource::new(paths.to_vec())) {
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
        if reports.send(report).is_err() {
            return;
        }
    }
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher").finish_non_exhaustive()
    }
}
