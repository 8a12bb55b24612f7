//! The store suite: the same checks against SQLite (a temporary file) and against a real
//! PostgreSQL (a throwaway cluster the tests start, see `postgres.rs`). Each check gets a fresh,
//! empty database. A "restart" is a second engine over a second connection to the same
//! database, so nothing of the first engine's memory helps it.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use lots::quality::scenario;
use lots::runtime::{Actor, Case, Event, FactValue, Recorded};
use lots::store::{
    Append, AuditEntry, Operation, Pin, SqlStore, Store, StoreError, StoreOptions, StoredEvent,
    Synchronous,
};
use lots::{Catalog, Engine, EngineError, MemorySource, SourceFile};

use crate::{load_with, root, shipped_inputs};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Sqlite,
    Postgres,
}

/// A fresh, empty database's address.
pub(crate) fn fresh(kind: Kind, hint: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    match kind {
        Kind::Sqlite => {
            let dir = std::env::temp_dir().join(format!(
                "lots-store-{}-{}-{hint}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            dir.join("lots.db").to_str().unwrap().to_owned()
        }
        Kind::Postgres => crate::postgres::shared().fresh_database(hint),
    }
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

/// Fast settings for checks that are not about durability.
fn quick() -> StoreOptions {
    StoreOptions {
        synchronous: Synchronous::Normal,
        ..StoreOptions::default()
    }
}

pub(crate) async fn open(address: &str) -> SqlStore {
    SqlStore::open(address, &quick()).await.unwrap()
}

/// A clock that moves one second per reading, from a fixed start: recorded times are known.
fn ticking(
    start: &str,
) -> (
    Arc<AtomicI64>,
    impl Fn() -> Timestamp + Send + Sync + 'static,
) {
    let now = Arc::new(AtomicI64::new(
        start.parse::<Timestamp>().unwrap().as_second(),
    ));
    let reader = Arc::clone(&now);
    (now, move || {
        Timestamp::from_second(reader.fetch_add(1, Ordering::SeqCst)).unwrap()
    })
}

fn caseworker() -> Actor {
    crate::caseworker()
}

fn shipped() -> Catalog {
    load_with([]).catalog.unwrap()
}

/// Every scenario's accepted events, per unit, with the case they make in memory.
fn scenario_cases(catalog: &Catalog) -> Vec<(String, Case)> {
    let dir = root().join("tests/data/scenarios");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let source = SourceFile::new(path.display().to_string(), text);
        let scenario = scenario::load(&source).unwrap();
        for played in scenario::play(catalog, &scenario) {
            let name = format!(
                "{} ({})",
                path.file_name().unwrap().to_string_lossy(),
                played.unit
            );
            // Scenarios reuse case ids (per unit, and across files): each run gets its own.
            let events: Vec<Arc<Recorded>> = played
                .case
                .events
                .iter()
                .map(|r| {
                    let mut r = r.as_ref().clone();
                    if let Event::CaseOpened { case_id, .. } = &mut r.event {
                        case_id.push_str(&format!("-{}", out.len()));
                    }
                    Arc::new(r)
                })
                .collect();
            let case = Case::replay(catalog, &events).unwrap();
            out.push((name, case));
        }
    }
    out
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|x| x == "yaml") {
            out.push(path);
        }
    }
    out
}

/// Feeds a case's accepted events to an engine, the first as the opening.
async fn feed<S: Store>(engine: &Engine<S>, case: &Case) -> Result<(), EngineError> {
    for r in case.events.iter() {
        let Recorded { at, by, event, .. } = r.as_ref().clone();
        match event {
            Event::CaseOpened { .. } => engine.open_case(event, by, at).await.map(|_| ())?,
            _ => engine.apply(&case.id, event, by, at).await.map(|_| ())?,
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The checks

/// Every scenario's case, written event by event and read back after a restart, is the case
/// the scenario made in memory; its outbox holds exactly the actions the case emitted.
async fn every_scenario_survives_a_restart(kind: Kind) {
    let catalog = shipped();
    let address = fresh(kind, "scenarios");
    let cases = scenario_cases(&catalog);
    assert!(cases.len() > 100, "the scenarios are found");
    {
        let engine = Engine::with_catalog(catalog.clone(), open(&address).await);
        for (name, case) in &cases {
            feed(&engine, case)
                .await
                .unwrap_or_else(|e| panic!("{kind:?}: {name}: {e}"));
        }
        engine.store().close().await;
    }
    let engine = Engine::with_catalog(catalog, open(&address).await);
    let mut pending: Vec<String> = engine
        .pending_actions(100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action.id)
        .collect();
    pending.sort();
    let mut emitted = Vec::new();
    for (name, case) in &cases {
        let stored = engine.case(&case.id, &caseworker()).await.unwrap();
        assert_eq!(&stored, case, "{kind:?}: {name}: the stored case differs");
        emitted.extend(case.actions.iter().map(|a| a.id.clone()));
    }
    emitted.sort();
    assert_eq!(
        pending, emitted,
        "{kind:?}: the outbox holds every action once"
    );
}

/// A writer that read the case at an older sequence number gets a conflict, and nothing of
/// its append is written: no event, no action, no audit entry.
async fn a_stale_writer_gets_a_conflict_and_writes_nothing(kind: Kind) {
    let catalog = shipped();
    let address = fresh(kind, "stale");
    let engine = Engine::with_catalog(catalog.clone(), open(&address).await);
    let case = opened_case(&catalog);
    feed(&engine, &case).await.unwrap();
    let store = engine.store();
    let before = store.load(&case.id, None).await.unwrap().unwrap();
    let audit_before = store.audit_log(None).await.unwrap().len();
    let pending_before = store.pending(1000).await.unwrap().len();
    // A step decided on the case as it was one event ago.
    let older = Case::replay(&catalog, case.events.iter().take(case.events.len() - 1)).unwrap();
    // A second writer, on the case as it was one event ago, decides the same last event.
    let last = case.events.last().unwrap();
    let step = lots::runtime::apply(
        &catalog,
        &older,
        last.event.clone(),
        last.by.clone(),
        last.at,
    )
    .unwrap();
    assert!(!step.actions.is_empty(), "the stale step emits an action");
    let events = [StoredEvent {
        recorded: Arc::clone(step.case.events.last().unwrap()),
        recorded_at: Timestamp::now(),
    }];
    let audit = audit_entry("handlaggare-2", Operation::Append);
    let result = store
        .append(Append {
            case_id: &case.id,
            expected_seq: older.events.len() as u64,
            pin: None,
            events: &events,
            actions: &step.actions,
            figures: &[],
            audit: &audit,
        })
        .await;
    assert_eq!(
        result,
        Err(StoreError::Conflict {
            case_id: case.id.clone(),
            expected: older.events.len() as u64,
            actual: case.events.len() as u64,
        }),
        "{kind:?}"
    );
    let after = store.load(&case.id, None).await.unwrap().unwrap();
    assert_eq!(after.events, before.events, "{kind:?}: no event written");
    assert_eq!(store.audit_log(None).await.unwrap().len(), audit_before);
    assert_eq!(store.pending(1000).await.unwrap().len(), pending_before);
    // Through the engine, the same event is decided again on the current case and lands.
    let applied = engine
        .apply(
            &case.id,
            Event::FactsRecorded {
                facts: [("child_at_risk_suspected".to_owned(), FactValue::Bool(true))].into(),
                person: None,
            },
            caseworker(),
            case.events.last().unwrap().at,
        )
        .await
        .unwrap();
    assert_eq!(applied.seq, case.events.len() as u64 + 1);
}

fn audit_entry(actor: &str, operation: Operation) -> AuditEntry {
    AuditEntry {
        at: Timestamp::now(),
        actor: actor.to_owned(),
        role: "socialsekreterare".to_owned(),
        operation,
        route: "test".to_owned(),
        case_id: None,
        seq: None,
    }
}

/// A short vuxna_utsatta case whose events emit actions.
fn opened_case(catalog: &Catalog) -> Case {
    let cases = scenario_cases(catalog);
    cases
        .into_iter()
        .map(|(_, c)| c)
        .find(|c| {
            c.workflow == "vuxna_utsatta"
                && c.actions.len() >= 2
                && c.events.len() >= 4
                && c.actions.iter().any(|a| a.seq == c.events.len() as u64)
        })
        .unwrap()
}

/// The outbox: actions wait until acknowledged; a claim holds them for its lease; an action
/// whose lease ran out unacknowledged is claimed again; an acknowledgement is given once.
async fn the_outbox_delivers_at_least_once(kind: Kind) {
    let catalog = shipped();
    let address = fresh(kind, "outbox");
    let (clock, now) = ticking("2025-09-01T08:00:00Z");
    let engine = Engine::with_catalog(catalog.clone(), open(&address).await).with_clock(now);
    let case = opened_case(&catalog);
    feed(&engine, &case).await.unwrap();
    let all = engine.pending_actions(1000).await.unwrap();
    assert_eq!(all.len(), case.actions.len(), "{kind:?}");
    let courier = Actor::new("utskick-1", "socialsekreterare");
    let first = engine
        .claim_actions(&courier, Duration::from_secs(60), 1)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].action.id, all[0].action.id, "oldest first");
    assert_eq!(first[0].attempts, 1);
    // Within the lease nobody else gets it.
    let other = Actor::new("utskick-2", "socialsekreterare");
    let second = engine
        .claim_actions(&other, Duration::from_secs(60), 1)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_ne!(second[0].action.id, first[0].action.id, "{kind:?}");
    // The first courier crashes; its lease runs out and the action is claimed again.
    clock.fetch_add(120, Ordering::SeqCst);
    let again = engine
        .claim_actions(&other, Duration::from_secs(60), 10)
        .await
        .unwrap();
    let ids: Vec<&str> = again.iter().map(|e| e.action.id.as_str()).collect();
    assert!(
        ids.contains(&first[0].action.id.as_str()),
        "{kind:?}: {ids:?}"
    );
    let redelivered = again
        .iter()
        .find(|e| e.action.id == first[0].action.id)
        .unwrap();
    assert_eq!(redelivered.attempts, 2);
    assert_eq!(redelivered.lease_owner.as_deref(), Some("utskick-2"));
    for e in &all {
        assert!(engine.acknowledge(&e.action.id, &other).await.unwrap());
    }
    assert!(
        !engine.acknowledge(&all[0].action.id, &other).await.unwrap(),
        "once"
    );
    assert!(!engine.acknowledge("no-such-action", &other).await.unwrap());
    assert!(engine.pending_actions(1000).await.unwrap().is_empty());
}

/// A case opened under catalog A resumes on A after the workflow's files change to B and the
/// process restarts: the store kept A's files. A new case opens on B.
async fn a_case_resumes_on_its_catalog_after_a_change(kind: Kind) {
    let a = shipped();
    let address = fresh(kind, "pinned");
    let case = opened_case(&a);
    let first = Case::replay(&a, case.events.iter().take(2)).unwrap();
    {
        let engine = Engine::with_catalog(a.clone(), open(&address).await);
        feed(&engine, &first).await.unwrap();
        engine.store().close().await;
    }
    let b = changed_catalog();
    let old = a.workflow("vuxna_utsatta").unwrap();
    let new = Arc::clone(b.workflow("vuxna_utsatta").unwrap());
    assert_ne!(old.content_hash, new.content_hash);
    assert!(
        b.for_case("vuxna_utsatta", &old.content_hash).is_none(),
        "B alone lacks A"
    );
    // The restart: an engine over B only, and a fresh connection.
    let engine = Engine::with_catalog(b, open(&address).await);
    for r in case.events.iter().skip(2) {
        engine
            .apply(&case.id, r.event.clone(), r.by.clone(), r.at)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    }
    let resumed = engine.case(&case.id, &caseworker()).await.unwrap();
    assert_eq!(resumed, case, "{kind:?}: the case ran on A throughout");
    assert_eq!(resumed.version, old.version);
    // A case opened now is on B.
    let Event::CaseOpened {
        workflow,
        unit,
        referral_source,
        facts,
        ..
    } = case.events[0].event.clone()
    else {
        panic!("the first event opens the case");
    };
    let opened = engine
        .open_case(
            Event::CaseOpened {
                case_id: "ny-1".to_owned(),
                workflow,
                unit,
                referral_source,
                facts,
            },
            caseworker(),
            case.events[0].at,
        )
        .await
        .unwrap();
    assert_eq!(opened.case.content_hash, new.content_hash);
    assert_eq!(opened.case.version, new.version);
}

/// The shipped catalog with vuxna_utsatta at a new version (a phase title changed).
fn changed_catalog() -> Catalog {
    let mut source = MemorySource::new();
    for (file, text) in shipped_inputs() {
        let text = if file.ends_with("workflows/vuxna_utsatta.yaml") {
            let changed = text.replacen("\nversion: ", "\nversion: 9", 1).replacen(
                "title: ",
                "title: Ny ",
                1,
            );
            assert_ne!(changed, text);
            changed
        } else {
            text
        };
        source = source.with(file, text);
    }
    let loaded = Catalog::load(&source).unwrap();
    assert!(
        loaded.catalog.is_some(),
        "{:?}",
        loaded
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
    );
    loaded.catalog.unwrap()
}

/// The case as it was known at each earlier moment is the case after the events recorded by
/// then, exactly.
async fn a_case_as_it_was_known(kind: Kind) {
    let catalog = shipped();
    let address = fresh(kind, "as-of");
    let (_, now) = ticking("2025-09-01T08:00:00Z");
    let engine = Engine::with_catalog(catalog.clone(), open(&address).await).with_clock(now);
    let case = opened_case(&catalog);
    feed(&engine, &case).await.unwrap();
    let history = engine.history(&case.id, &caseworker()).await.unwrap();
    assert_eq!(history.len(), case.events.len());
    for (n, e) in history.iter().enumerate() {
        let known = engine
            .case_as_of(&case.id, e.recorded_at, &caseworker())
            .await
            .unwrap();
        let expected = Case::replay(&catalog, case.events.iter().take(n + 1)).unwrap();
        assert_eq!(known, expected, "{kind:?}: as of event {}", n + 1);
    }
    let before = history[0]
        .recorded_at
        .checked_sub(jiff::SignedDuration::from_secs(1))
        .unwrap();
    let nothing = engine
        .case_as_of(&case.id, before, &caseworker())
        .await
        .unwrap();
    assert_eq!(nothing, Case::default(), "before the case was recorded");
}

/// The audit log holds who read and changed the case, through which route, with actor ids
/// only; an actor id shaped like a personal identity number is refused and nothing written.
async fn the_audit_log_records_reads_and_changes(kind: Kind) {
    let catalog = shipped();
    let address = fresh(kind, "audit");
    let engine = Engine::with_catalog(catalog.clone(), open(&address).await).with_route("cli");
    let case = opened_case(&catalog);
    feed(&engine, &case).await.unwrap();
    let reader = Actor::new("granskare-3", "enhetschef");
    engine.case(&case.id, &reader).await.unwrap();
    engine
        .explain(&case.id, case.events.last().unwrap().at, &reader)
        .await
        .unwrap();
    let log = engine.store().audit_log(Some(&case.id)).await.unwrap();
    let ops: Vec<Operation> = log.iter().map(|e| e.operation).collect();
    assert_eq!(ops.first(), Some(&Operation::Open), "{kind:?}: {ops:?}");
    assert_eq!(
        ops.iter().filter(|o| **o == Operation::Append).count(),
        case.events.len() - 1
    );
    assert_eq!(
        &ops[ops.len() - 2..],
        &[Operation::Read, Operation::Explain]
    );
    assert!(log.iter().all(|e| e.route == "cli"));
    assert_eq!(log.last().unwrap().actor, "granskare-3");
    assert_eq!(log[1].seq, Some(2), "an append names the event it wrote");
    // A personal identity number as actor id: refused by the engine before anything is kept.
    let refused = engine
        .case(&case.id, &Actor::new("19121212-1212", "enhetschef"))
        .await;
    assert!(refused.is_err(), "{kind:?}");
    let entry = audit_entry("19121212-1212", Operation::Read);
    assert!(matches!(
        engine.store().record(&entry).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        engine
            .store()
            .audit_log(Some(&case.id))
            .await
            .unwrap()
            .len(),
        log.len()
    );
}

/// A case stored by an earlier build, in the previous event formats (2: no actor; 3: with
/// one), is read and upcast: it replays to the case the fixture says.
async fn a_case_of_an_earlier_format_is_read(kind: Kind) {
    let address = fresh(kind, "format");
    let store = open(&address).await;
    let fixture =
        std::fs::read_to_string(root().join("tests/data/store/format2_case.sql")).unwrap();
    run_sql(&address, &fixture).await;
    let stored = store.load("fmt-2024-0001", None).await.unwrap().unwrap();
    assert_eq!(stored.events.len(), 3, "{kind:?}");
    let engine = Engine::with_catalog(shipped(), store);
    let case = engine.case("fmt-2024-0001", &caseworker()).await.unwrap();
    assert_eq!(
        case.workflow, "provflode_format",
        "{kind:?}: compiled from the stored files"
    );
    assert_eq!(case.phase, "pagar");
    assert_eq!(
        case.facts.get("anteckning_gjord"),
        Some(&FactValue::Bool(true))
    );
    assert_eq!(
        case.events[0].by,
        caseworker(),
        "format 2 read as the default caseworker"
    );
    assert_eq!(case.events[2].by.id, "hl-7", "format 3 keeps its actor");
    // It goes on in the current format.
    let applied = engine
        .apply(
            "fmt-2024-0001",
            Event::TransitionRequested {
                to: "klar".to_owned(),
            },
            Actor::new("hl-7", "socialsekreterare"),
            "2024-03-05T10:00".parse().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(applied.case.phase, "klar");
}

/// A plain connection pool on a store's database (no store, no migration).
async fn raw_pool(address: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = if address.starts_with("postgres") {
        address.to_owned()
    } else {
        format!("sqlite://{address}")
    };
    sqlx::AnyPool::connect(&url).await.unwrap()
}

/// Runs a SQL script on a store's database (fixtures written as an earlier build would have).
pub(crate) async fn run_sql(address: &str, sql: &str) {
    use sqlx::Executor;
    let pool = raw_pool(address).await;
    pool.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())))
        .await
        .unwrap();
    pool.close().await;
}

/// The one number a query answers (e.g. a `COUNT(*)`).
pub(crate) async fn query_number(address: &str, sql: &str) -> i64 {
    let pool = raw_pool(address).await;
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

/// Stored events of a format newer than this build reads are an error naming the format, and
/// a corrupt body names the case and event; neither is read as something else.
async fn an_unreadable_event_is_an_error(kind: Kind) {
    let address = fresh(kind, "unreadable");
    let store = open(&address).await;
    let fixture =
        std::fs::read_to_string(root().join("tests/data/store/format2_case.sql")).unwrap();
    run_sql(&address, &fixture).await;
    run_sql(
        &address,
        "UPDATE lots_events SET format = 99 WHERE case_id = 'fmt-2024-0001' AND seq = 2",
    )
    .await;
    let err = store.load("fmt-2024-0001", None).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Format { seq: 2, message, .. } if message.contains("newer Lots")),
        "{kind:?}: {err}"
    );
}

/// A pin is required for a new case, the events must be numbered on from the expected
/// sequence number, and an append to a case not stored is `NotFound`.
async fn appends_are_checked(kind: Kind) {
    let catalog = shipped();
    let address = fresh(kind, "checked");
    let store = open(&address).await;
    let case = opened_case(&catalog);
    let events: Vec<StoredEvent> = case
        .events
        .iter()
        .map(|r| StoredEvent {
            recorded: Arc::clone(r),
            recorded_at: Timestamp::now(),
        })
        .collect();
    let audit = audit_entry("handlaggare-1", Operation::Append);
    let append = |expected_seq, pin, events| Append {
        case_id: &case.id,
        expected_seq,
        pin,
        events,
        actions: &[],
        figures: &[],
        audit: &audit,
    };
    assert!(matches!(
        store.append(append(0, None, &events[..1])).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.append(append(3, None, &events[..1])).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.append(append(1, None, &events[1..2])).await,
        Err(StoreError::NotFound(_))
    ));
    let pin = Pin {
        workflow: case.workflow.clone(),
        content_hash: case.content_hash.clone(),
        version: case.version,
        unit: case.unit.clone(),
        sources: Arc::clone(&catalog.sources),
    };
    assert_eq!(
        store.append(append(0, Some(&pin), &events)).await,
        Ok(events.len() as u64)
    );
    assert!(matches!(
        store.append(append(0, Some(&pin), &events[..1])).await,
        Err(StoreError::Conflict { expected: 0, .. })
    ));
}

async fn suite(kind: Kind) {
    every_scenario_survives_a_restart(kind).await;
    a_stale_writer_gets_a_conflict_and_writes_nothing(kind).await;
    the_outbox_delivers_at_least_once(kind).await;
    a_case_resumes_on_its_catalog_after_a_change(kind).await;
    a_case_as_it_was_known(kind).await;
    the_audit_log_records_reads_and_changes(kind).await;
    a_case_of_an_earlier_format_is_read(kind).await;
    an_unreadable_event_is_an_error(kind).await;
    appends_are_checked(kind).await;
}

#[test]
fn store_suite_on_sqlite() {
    block_on(suite(Kind::Sqlite));
}

#[test]
fn store_suite_on_postgres() {
    block_on(suite(Kind::Postgres));
}
