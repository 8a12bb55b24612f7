//! The engine facade for Rust hosts: a catalog (hot-reloaded, the last good one kept) and a
//! [`Store`], with the operations a case system needs. Each `apply` loads the case, takes one
//! pure step ([`runtime::apply`]) and appends the event with its actions and the audit entry
//! atomically; when another writer got there first it reloads once and decides again.
//!
//! A case runs on the workflow version it was opened under. When the files change and the
//! process restarts, the engine finds that version in the store (`Store::definition`),
//! compiles the stored files again and keeps them for the cases pinned to them.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::DateTime;

use crate::catalog::{Catalog, FsSource, MemorySource};
use crate::runtime::{self, Action, Actor, Case, Event, Explanation, Rejection, Warning};
use crate::store::{
    Append, AuditEntry, Operation, OutboxEntry, Pin, Store, StoreError, StoredCase, StoredEvent,
};
use crate::watch::Watcher;

/// Why an engine operation did not happen. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed (a conflict that persisted after one retry, a stopped server, a full
    /// disk, …).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The event was rejected: the reasons say why.
    #[error("the event was rejected:\n{}", .0.describe(crate::runtime::Lang::En))]
    Rejected(Rejection),
    /// No such case is stored.
    #[error("no case `{0}` is stored")]
    NoCase(String),
    /// The catalog could not be loaded, or holds no version the case is pinned to.
    #[error("{0}")]
    Catalog(String),
    /// `open_case` was given an event other than `case_opened`.
    #[error("a case is opened with a `case_opened` event, not `{0}`")]
    NotAnOpening(String),
    /// No report was made (disclosure control could not prove it safe, or it names an unknown
    /// unit).
    #[error(transparent)]
    Report(#[from] crate::indicators::compute::ReportError),
}

/// What an accepted event did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Applied {
    /// The case after the event.
    pub case: Case,
    /// The actions it emitted (now in the outbox).
    pub actions: Vec<Action>,
    /// Accepted, but worth attention.
    pub warnings: Vec<Warning>,
    /// The event's sequence number.
    pub seq: u64,
}

enum Catalogs {
    Fixed(RwLock<Arc<Catalog>>),
    Watched(Watcher),
}

type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// A catalog and a store, for a Rust host.
pub struct Engine<S: Store> {
    store: S,
    catalogs: Catalogs,
    /// Catalogs compiled from stored definitions, for cases pinned to versions the files no
    /// longer hold.
    pinned: Mutex<Vec<Arc<Catalog>>>,
    /// The cases this engine wrote last, as it wrote them, so the next event of a case is not
    /// preceded by loading and replaying all of it. Safe without asking the store: an append
    /// is guarded by the sequence number, so a case another writer changed meanwhile fails
    /// with a conflict, is evicted, and is loaded afresh.
    recent: Mutex<Recent>,
    clock: Clock,
    route: String,
}

/// At most this many cases are kept in [`Engine`]'s memory of recent cases.
const RECENT_CASES: usize = 1024;

/// Recently written cases: the sequence number written, the catalog and the case.
#[derive(Default)]
struct Recent {
    cases: std::collections::HashMap<String, (u64, Arc<Catalog>, Case)>,
}

impl Recent {
    fn keep(&mut self, case_id: &str, seq: u64, catalog: Arc<Catalog>, case: Case) {
        if self.cases.len() >= RECENT_CASES && !self.cases.contains_key(case_id) {
            // Forgetting all is simple and rare: a host writes to few cases at a time.
            self.cases.clear();
        }
        self.cases.insert(case_id.to_owned(), (seq, catalog, case));
    }
}

impl<S: Store> std::fmt::Debug for Engine<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("route", &self.route)
            .finish()
    }
}

impl<S: Store> Engine<S> {
    /// An engine over the catalog in `paths` (loaded now, then reloaded on every change; a
    /// broken edit keeps the last good catalog) and a store.
    pub fn open(paths: Vec<PathBuf>, store: S) -> Result<Engine<S>, EngineError> {
        let catalog = load(&FsSource::new(paths.clone()))?;
        let watcher = Watcher::start(catalog, paths)
            .map_err(|e| EngineError::Catalog(format!("watching the catalog: {e}")))?;
        Ok(Engine::with(Catalogs::Watched(watcher), store))
    }

    /// An engine over a catalog the host loaded (it replaces it with [`Engine::set_catalog`]).
    pub fn with_catalog(catalog: Catalog, store: S) -> Engine<S> {
        Engine::with(Catalogs::Fixed(RwLock::new(Arc::new(catalog))), store)
    }

    fn with(catalogs: Catalogs, store: S) -> Engine<S> {
        Engine {
            store,
            catalogs,
            pinned: Mutex::new(Vec::new()),
            recent: Mutex::new(Recent::default()),
            clock: Arc::new(Timestamp::now),
            route: "rust".to_owned(),
        }
    }

    /// Uses `clock` for the time events are recorded (UTC), e.g. a fixed clock in tests.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Names the route the audit log records for this engine's operations (`rust` unless
    /// set; the CLI says `cli`, the server `http`).
    #[must_use]
    pub fn with_route(mut self, route: &str) -> Self {
        route.clone_into(&mut self.route);
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The catalog in use now.
    pub fn catalog(&self) -> Arc<Catalog> {
        match &self.catalogs {
            Catalogs::Fixed(lock) => match lock.read() {
                Ok(c) => Arc::clone(&c),
                Err(poisoned) => Arc::clone(&poisoned.into_inner()),
            },
            Catalogs::Watched(w) => w.catalog(),
        }
    }

    /// Replaces the catalog (a host that loads catalogs itself); cases pinned to versions the
    /// new one does not hold stay on the old one.
    pub fn set_catalog(&self, catalog: Catalog) {
        if let Catalogs::Fixed(lock) = &self.catalogs {
            let mut slot = match lock.write() {
                Ok(slot) => slot,
                Err(poisoned) => poisoned.into_inner(),
            };
            let next = catalog.succeed(&slot);
            *slot = Arc::new(next);
        }
    }

    /// Waits for the next hot reload of a watched catalog, at most `timeout`.
    pub fn next_reload(&self, timeout: Duration) -> Option<crate::watch::Reload> {
        match &self.catalogs {
            Catalogs::Watched(w) => w.next_reload(timeout),
            Catalogs::Fixed(_) => None,
        }
    }

    fn audit(&self, by: &Actor, operation: Operation, case_id: Option<&str>) -> AuditEntry {
        AuditEntry {
            at: (self.clock)(),
            actor: by.id.clone(),
            role: by.role.clone(),
            operation,
            route: self.route.clone(),
            case_id: case_id.map(str::to_owned),
            seq: None,
        }
    }

    /// The catalog that holds a stored case's workflow version: the current one, an earlier
    /// one kept since a reload, or one compiled from the store's copy of its files.
    async fn catalog_for(
        &self,
        workflow: &str,
        content_hash: &str,
    ) -> Result<Arc<Catalog>, EngineError> {
        let holds = |c: &Catalog| {
            c.workflow(workflow)
                .is_some_and(|w| w.content_hash == content_hash)
        };
        let current = self.catalog();
        if holds(&current) {
            return Ok(current);
        }
        if let Some(c) = current.earlier.iter().find(|c| holds(c)) {
            return Ok(Arc::clone(c));
        }
        if let Some(c) = lock(&self.pinned).iter().find(|c| holds(c)) {
            return Ok(Arc::clone(c));
        }
        let files = self
            .store
            .definition(workflow, content_hash)
            .await?
            .ok_or_else(|| {
                EngineError::Catalog(format!(
                    "no catalog holds version {content_hash} of workflow `{workflow}`, and the store kept no copy of it"
                ))
            })?;
        let mut source = MemorySource::new();
        for f in &files {
            source = source.with(f.name(), f.text());
        }
        let compiled = Arc::new(load(&source)?);
        if !holds(&compiled) {
            return Err(EngineError::Catalog(format!(
                "the stored files of workflow `{workflow}` compile to another version than {content_hash}"
            )));
        }
        lock(&self.pinned).push(Arc::clone(&compiled));
        Ok(compiled)
    }

    /// A stored case's head and events.
    async fn stored(
        &self,
        case_id: &str,
        audit: Option<&AuditEntry>,
    ) -> Result<StoredCase, EngineError> {
        self.store
            .load(case_id, audit)
            .await?
            .ok_or_else(|| EngineError::NoCase(case_id.to_owned()))
    }

    /// A stored case and the catalog it runs on, replayed.
    async fn loaded(
        &self,
        case_id: &str,
        audit: Option<&AuditEntry>,
    ) -> Result<(StoredCase, Arc<Catalog>, Case), EngineError> {
        let stored = self.stored(case_id, audit).await?;
        let catalog = self
            .catalog_for(&stored.head.workflow, &stored.head.content_hash)
            .await?;
        let case = Case::replay(&catalog, stored.events.iter().map(|e| &e.recorded))
            .map_err(EngineError::Rejected)?;
        Ok((stored, catalog, case))
    }

    /// Opens a case with a `case_opened` event, pinned to the current catalog's version of its
    /// workflow.
    pub async fn open_case(
        &self,
        event: Event,
        by: Actor,
        at: DateTime,
    ) -> Result<Applied, EngineError> {
        self.open_case_with(vec![(event, by, at)]).await
    }

    /// Opens a case with its `case_opened` event and the events after it, each decided on the
    /// case the ones before it made, all stored in one transaction: a case imported from
    /// another system, or a simulated one. A rejection of any of them stores nothing (the
    /// error names the event). The actions are those of every event; the warnings the last's.
    pub async fn open_case_with(
        &self,
        events: Vec<(Event, Actor, DateTime)>,
    ) -> Result<Applied, EngineError> {
        let mut events = events.into_iter();
        let Some((event, by, at)) = events.next() else {
            return Err(EngineError::NotAnOpening("nothing".to_owned()));
        };
        let Event::CaseOpened { case_id, .. } = &event else {
            return Err(EngineError::NotAnOpening(event.kind().to_owned()));
        };
        let case_id = case_id.clone();
        let catalog = self.catalog();
        let audit = self.audit(&by, Operation::Open, Some(&case_id));
        let mut step = runtime::apply(&catalog, &Case::default(), event, by, at)
            .map_err(EngineError::Rejected)?;
        for (event, by, at) in events {
            // The case before the event is not needed after it (a rejection stores nothing),
            // so the step takes it instead of a copy.
            let case = std::mem::take(&mut step.case);
            let mut next = runtime::apply_owned(&catalog, case, event, by, at)
                .map_err(EngineError::Rejected)?;
            let mut actions = std::mem::take(&mut step.actions);
            actions.append(&mut next.actions);
            next.actions = actions;
            step = next;
        }
        let pin = Pin {
            workflow: step.case.workflow.clone(),
            content_hash: step.case.content_hash.clone(),
            version: step.case.version,
            unit: step.case.unit.clone(),
            sources: Arc::clone(&catalog.sources),
        };
        self.append(catalog, &case_id, 0, Some(&pin), step, &audit)
            .await
    }

    async fn append(
        &self,
        catalog: Arc<Catalog>,
        case_id: &str,
        expected_seq: u64,
        pin: Option<&Pin>,
        step: runtime::Step,
        audit: &AuditEntry,
    ) -> Result<Applied, EngineError> {
        let recorded_at = (self.clock)();
        // The events this append adds: those after the ones stored.
        let events: Vec<StoredEvent> = step
            .case
            .events
            .iter()
            .skip(usize::try_from(expected_seq).unwrap_or(usize::MAX))
            .map(|recorded| StoredEvent {
                recorded: Arc::clone(recorded),
                recorded_at,
            })
            .collect();
        if events.is_empty() {
            return Err(EngineError::Catalog(
                "an accepted step records its event".to_owned(),
            ));
        }
        let figures = crate::indicators::record::figures(&catalog, &step.case);
        let seq = self
            .store
            .append(Append {
                case_id,
                expected_seq,
                pin,
                events: &events,
                actions: &step.actions,
                figures: &figures,
                audit,
            })
            .await;
        let seq = match seq {
            Ok(seq) => seq,
            Err(e) => {
                lock(&self.recent).cases.remove(case_id);
                return Err(e.into());
            }
        };
        lock(&self.recent).keep(case_id, seq, catalog, step.case.clone());
        Ok(Applied {
            case: step.case,
            actions: step.actions,
            warnings: step.warnings,
            seq,
        })
    }

    /// Applies an event to a stored case: load, step, append atomically. When another writer
    /// appended in between, the case is loaded again and the event decided once more; a
    /// second conflict is returned.
    pub async fn apply(
        &self,
        case_id: &str,
        event: Event,
        by: Actor,
        at: DateTime,
    ) -> Result<Applied, EngineError> {
        let audit = self.audit(&by, Operation::Append, Some(case_id));
        let mut retried = false;
        loop {
            let recent = lock(&self.recent).cases.get(case_id).cloned();
            let (seq, catalog, case) = match recent {
                Some(kept) => kept,
                None => {
                    let (stored, catalog, case) = self.loaded(case_id, None).await?;
                    (stored.head.seq, catalog, case)
                }
            };
            let step = runtime::apply(&catalog, &case, event.clone(), by.clone(), at)
                .map_err(EngineError::Rejected)?;
            match self.append(catalog, case_id, seq, None, step, &audit).await {
                Err(EngineError::Store(StoreError::Conflict { .. })) if !retried => {
                    retried = true;
                }
                other => return other,
            }
        }
    }

    /// A stored case as it stands (the read is audited).
    pub async fn case(&self, case_id: &str, by: &Actor) -> Result<Case, EngineError> {
        let audit = self.audit(by, Operation::Read, Some(case_id));
        Ok(self.loaded(case_id, Some(&audit)).await?.2)
    }

    /// A stored case as it was known at `known_at` (UTC): only the events recorded by then.
    pub async fn case_as_of(
        &self,
        case_id: &str,
        known_at: Timestamp,
        by: &Actor,
    ) -> Result<Case, EngineError> {
        let audit = self.audit(by, Operation::ReadAsOf, Some(case_id));
        let stored = self.stored(case_id, Some(&audit)).await?;
        let catalog = self
            .catalog_for(&stored.head.workflow, &stored.head.content_hash)
            .await?;
        Case::as_of(
            &catalog,
            stored.events.iter().map(|e| (&e.recorded, e.recorded_at)),
            known_at,
        )
        .map_err(EngineError::Rejected)
    }

    /// The indicators' report for a period, from the figures the store keeps (made first for
    /// stored cases that hold none of an indicator, e.g. cases stored before it existed).
    /// Reads no case's facts beyond the figures, so it is not audited per case.
    pub async fn report(
        &self,
        request: &crate::indicators::compute::Request,
    ) -> Result<crate::indicators::report::Report, EngineError> {
        let catalog = self.catalog();
        self.refresh_figures(&catalog).await?;
        let periods = request.period.with_earlier(request.earlier);
        let mut sums = crate::indicators::compute::Sums::new();
        for ind in &catalog.indicators {
            let mut per = Vec::with_capacity(periods.len());
            for p in &periods {
                per.push(
                    self.store
                        .figure_groups(&crate::store::FigureQuery {
                            indicator: &ind.id,
                            population: ind.population,
                            first: p.first,
                            last: p.last,
                            unit: request.unit.as_deref(),
                            values: matches!(
                                ind.measure,
                                crate::model::indicator::Measure::Median(_)
                            ),
                        })
                        .await?,
                );
            }
            sums.insert(ind.id.to_string(), per);
        }
        crate::indicators::compute::report(&catalog, request, &sums).map_err(EngineError::Report)
    }

    /// Makes the figures of stored cases that hold none of one of the catalog's indicators
    /// (only for indicators not yet marked complete, so a report over a large store does not
    /// look for them every time).
    async fn refresh_figures(&self, catalog: &Catalog) -> Result<(), EngineError> {
        let complete = self.store.complete_figures().await?;
        let new: Vec<_> = catalog
            .indicators
            .iter()
            .filter(|i| !complete.iter().any(|c| *c == *i.id))
            .collect();
        let mut missing = std::collections::BTreeSet::new();
        for ind in &new {
            missing.extend(
                self.store
                    .cases_without_figures(&ind.workflow, &ind.id)
                    .await?,
            );
        }
        for case_id in missing {
            let (_, catalog, case) = self.loaded(&case_id, None).await?;
            let figures = crate::indicators::record::figures(&catalog, &case);
            if !figures.is_empty() {
                self.store.replace_figures(&case_id, &figures).await?;
            }
        }
        for ind in new {
            self.store.mark_complete(&ind.id).await?;
        }
        Ok(())
    }

    /// The follow-up rows of a workflow's cases open at some time in `period` (of one unit, or
    /// all), pseudonymised with `key`, in pseudonym order (not the order cases were opened).
    /// The export is audited once, as the actor's.
    pub async fn export(
        &self,
        workflow: &str,
        period: &crate::indicators::period::Period,
        unit: Option<&str>,
        key: &crate::indicators::export::Key,
        by: &Actor,
    ) -> Result<Vec<crate::indicators::export::Row>, EngineError> {
        self.store
            .record(&self.audit(by, Operation::Export, None))
            .await?;
        let current = self.catalog();
        let mut rows = Vec::new();
        for head in self.store.cases().await? {
            if head.workflow != workflow || unit.is_some_and(|u| u != head.unit) {
                continue;
            }
            let (_, catalog, case) = self.loaded(&head.case_id, None).await?;
            let opened = case.opened.map(|at| at.date());
            let closed = case.closed.as_ref().map(|c| c.at.date());
            let active = opened.is_some_and(|o| o <= period.last)
                && closed.is_none_or(|c| c >= period.first);
            if active
                && let Some(row) = crate::indicators::export::row(&current, &catalog, &case, key)
            {
                rows.push(row);
            }
        }
        rows.sort_by(|a, b| a.pseudonym.cmp(&b.pseudonym));
        Ok(rows)
    }

    /// A stored case's events, with when each was recorded (the read is audited).
    pub async fn history(
        &self,
        case_id: &str,
        by: &Actor,
    ) -> Result<Vec<StoredEvent>, EngineError> {
        let audit = self.audit(by, Operation::History, Some(case_id));
        let stored = self.stored(case_id, Some(&audit)).await?;
        Ok(stored.events)
    }

    /// What the caseworker must do next in a stored case, at `at`.
    pub async fn explain(
        &self,
        case_id: &str,
        at: DateTime,
        by: &Actor,
    ) -> Result<Explanation, EngineError> {
        let audit = self.audit(by, Operation::Explain, Some(case_id));
        let (_, catalog, case) = self.loaded(case_id, Some(&audit)).await?;
        runtime::explain(&catalog, &case, at).ok_or_else(|| {
            EngineError::Catalog(format!(
                "case `{case_id}` cannot be explained on its catalog"
            ))
        })
    }

    /// Actions not yet acknowledged, oldest first.
    pub async fn pending_actions(&self, limit: u32) -> Result<Vec<OutboxEntry>, EngineError> {
        Ok(self.store.pending(limit).await?)
    }

    /// Claims up to `limit` actions for delivery by `by` for `lease`; an action not
    /// acknowledged before its lease runs out is claimed again (at-least-once).
    pub async fn claim_actions(
        &self,
        by: &Actor,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, EngineError> {
        let now = (self.clock)();
        let until = now
            .checked_add(jiff::SignedDuration::try_from(lease).unwrap_or(jiff::SignedDuration::MAX))
            .unwrap_or(Timestamp::MAX);
        let audit = self.audit(by, Operation::Claim, None);
        Ok(self.store.claim(&by.id, now, until, limit, &audit).await?)
    }

    /// Marks an action delivered; `false` when it was already acknowledged or is unknown.
    pub async fn acknowledge(&self, action_id: &str, by: &Actor) -> Result<bool, EngineError> {
        let audit = self.audit(by, Operation::Acknowledge, None);
        Ok(self
            .store
            .acknowledge(action_id, (self.clock)(), &audit)
            .await?)
    }
}

fn load(source: &dyn crate::Source) -> Result<Catalog, EngineError> {
    let loaded = Catalog::load(source)
        .map_err(|e| EngineError::Catalog(format!("reading the catalog: {e}")))?;
    let errors = loaded.diagnostics.n_errors();
    loaded.catalog.ok_or_else(|| {
        EngineError::Catalog(format!(
            "the catalog has {errors} error(s); run `lots check` to see them"
        ))
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}
