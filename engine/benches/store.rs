//! The store: durable appends, loading a case, concurrent writers. Each figure is printed
//! beside a same-run baseline, with the target (issue 12):
//! - append of one event with its actions on SQLite with `synchronous=FULL` (target ≥ 2,000
//!   appends/s on this machine's disk), beside `synchronous=NORMAL`, and on PostgreSQL (a
//!   throwaway cluster with durability switched back on: `fsync`, `synchronous_commit`);
//! - load of a 200-event case from the store (read, upcast, replay) against the in-memory
//!   replay of the same events;
//! - appends to 8 different cases from 8 tasks at once, against the same appends from one task.
//!
//! The events appended are the accepted steps of a vuxna_utsatta case, decided beforehand, so
//! the figures are the store's own cost.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark setup"
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use jiff::Timestamp;
use lots::runtime::{self, Action, Actor, Case, Event, FactValue};
use lots::store::{
    Append, AuditEntry, Operation, Pin, SqlStore, Store, StoreOptions, StoredEvent, Synchronous,
};
use lots::{Catalog, FsSource};

mod support;
use support::{at, facts, ms, ratio, us, verdict};

#[path = "../../tests/it/postgres.rs"]
#[allow(
    dead_code,
    unused_imports,
    reason = "the benchmark uses part of the test harness (its tests are compiled out)"
)]
mod postgres;

/// A case's accepted steps: each recorded event with the actions it emitted.
type Steps = Vec<(Arc<runtime::Recorded>, Vec<Action>)>;

fn catalog() -> Catalog {
    support::load_clean(&FsSource::new(support::catalog_paths()))
}

fn caseworker() -> Actor {
    Actor::new("hl-1", "socialsekreterare")
}

/// A case's accepted steps: the opening, then `n - 1` events alternating facts (some emit
/// actions), with the actions each emitted.
fn steps(catalog: &Catalog, case_id: &str, n: usize) -> (Case, Steps) {
    let mut case = Case::default();
    let mut out = Vec::new();
    let open = Event::CaseOpened {
        case_id: case_id.into(),
        workflow: "vuxna_utsatta".into(),
        unit: "skarholmen".into(),
        referral_source: Some("self".into()),
        facts: facts([("has_children", FactValue::Bool(true))]),
    };
    let step = runtime::apply(catalog, &case, open, caseworker(), at(0, 9, 0)).unwrap();
    out.push((Arc::clone(step.case.events.last().unwrap()), step.actions));
    case = step.case;
    for i in 1..n {
        let event = Event::FactsRecorded {
            facts: facts([
                ("separation_planned", FactValue::Bool(i % 2 == 0)),
                ("children_witnessed", FactValue::Bool(i % 3 == 0)),
            ]),
            person: None,
        };
        let minutes = i64::try_from(i).unwrap();
        let when = at(0, 9, 0)
            .checked_add(jiff::Span::new().minutes(minutes))
            .unwrap();
        let step = runtime::apply(catalog, &case, event, caseworker(), when).unwrap();
        out.push((Arc::clone(step.case.events.last().unwrap()), step.actions));
        case = step.case;
    }
    (case, out)
}

fn audit() -> AuditEntry {
    AuditEntry {
        at: Timestamp::now(),
        actor: "hl-1".into(),
        role: "socialsekreterare".into(),
        operation: Operation::Append,
        route: "bench".into(),
        case_id: None,
        seq: None,
    }
}

fn pin(catalog: &Catalog, case: &Case) -> Pin {
    Pin {
        workflow: case.workflow.clone(),
        content_hash: case.content_hash.clone(),
        version: case.version,
        unit: case.unit.clone(),
        sources: Arc::clone(&catalog.sources),
    }
}

/// Appends the steps one by one (each its own transaction); returns the time per append.
async fn append_all(
    store: &SqlStore,
    pin: &Pin,
    case_id: &str,
    steps: &[(Arc<runtime::Recorded>, Vec<Action>)],
) -> Duration {
    let audit = audit();
    let started = Instant::now();
    for (i, (recorded, actions)) in steps.iter().enumerate() {
        let events = [StoredEvent {
            recorded: Arc::clone(recorded),
            recorded_at: Timestamp::now(),
        }];
        store
            .append(Append {
                case_id,
                expected_seq: i as u64,
                pin: (i == 0).then_some(pin),
                events: &events,
                actions,
                figures: &[],
                audit: &audit,
            })
            .await
            .unwrap();
    }
    started.elapsed() / u32::try_from(steps.len()).unwrap()
}

/// The steps of a case, renumbered to another case id.
fn renamed(
    steps: &[(Arc<runtime::Recorded>, Vec<Action>)],
    id: &str,
) -> Vec<(Arc<runtime::Recorded>, Vec<Action>)> {
    steps
        .iter()
        .map(|(r, actions)| {
            let mut r = r.as_ref().clone();
            if let Event::CaseOpened { case_id, .. } = &mut r.event {
                id.clone_into(case_id);
            }
            let actions = actions
                .iter()
                .map(|a| {
                    let mut a = a.clone();
                    a.id = a.id.replacen("bench", id, 1);
                    a
                })
                .collect();
            (Arc::new(r), actions)
        })
        .collect()
}

fn sqlite_at(dir: &std::path::Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn options(sync: Synchronous) -> StoreOptions {
    StoreOptions {
        synchronous: sync,
        ..StoreOptions::default()
    }
}

fn benches(c: &mut Criterion) {
    let catalog = catalog();
    let (case, steps) = steps(&catalog, "bench", 200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("lots-bench-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = rt
        .block_on(SqlStore::sqlite(
            &sqlite_at(&dir, "load.db"),
            &options(Synchronous::Normal),
        ))
        .unwrap();
    rt.block_on(append_all(&store, &pin(&catalog, &case), "bench", &steps));
    let mut g = c.benchmark_group("store");
    g.bench_function("load_200_events_sqlite", |b| {
        b.iter(|| rt.block_on(store.load("bench", None)).unwrap());
    });
    g.bench_function("replay_200_events_in_memory", |b| {
        b.iter(|| Case::replay(&catalog, case.events.iter()).unwrap());
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn figures() {
    let catalog = catalog();
    let (case, steps) = steps(&catalog, "bench", 400);
    let pin = pin(&catalog, &case);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("lots-bench-figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("\nstore, same run:");

    // Appends: FULL against NORMAL, interleaved rounds on fresh files.
    let mut full = Vec::new();
    let mut normal = Vec::new();
    for round in 0..5 {
        for (sync, out) in [
            (Synchronous::Full, &mut full),
            (Synchronous::Normal, &mut normal),
        ] {
            let path = sqlite_at(&dir, &format!("append-{round}-{sync:?}.db"));
            let store = rt
                .block_on(SqlStore::sqlite(&path, &options(sync)))
                .unwrap();
            out.push(rt.block_on(append_all(&store, &pin, "bench", &steps)));
            rt.block_on(store.close());
        }
    }
    let full = support::median(full);
    let normal = support::median(normal);
    let per_second = |d: Duration| 1.0 / d.as_secs_f64();
    println!(
        "  append, SQLite synchronous=FULL {:>8.1} us ({:>6.0}/s) | synchronous=NORMAL {:>8.1} us ({:>6.0}/s) | ratio {:>5.2}x | target >= 2,000/s with FULL: {}",
        us(full),
        per_second(full),
        us(normal),
        per_second(normal),
        ratio(full, normal),
        verdict(per_second(full) >= 2000.0)
    );

    // PostgreSQL, durability on.
    let server = postgres::dedicated();
    let url = server.fresh_database("bench");
    let pg = rt
        .block_on(SqlStore::postgres(&url, &StoreOptions::default()))
        .unwrap();
    rt.block_on(async {
        for setting in [
            "ALTER SYSTEM SET fsync = on",
            "ALTER SYSTEM SET synchronous_commit = on",
            "ALTER SYSTEM SET full_page_writes = on",
            "SELECT pg_reload_conf()",
        ] {
            sqlx_exec(&url, setting).await;
        }
    });
    let pg_append = rt.block_on(append_all(&pg, &pin, "bench", &steps[..200]));
    println!(
        "  append, PostgreSQL (fsync on) {:>8.1} us ({:>6.0}/s) | SQLite FULL {:>8.1} us | ratio {:>5.2}x",
        us(pg_append),
        per_second(pg_append),
        us(full),
        ratio(pg_append, full)
    );

    // Load of 200 events against the in-memory replay.
    let path = sqlite_at(&dir, "load.db");
    let store = rt
        .block_on(SqlStore::sqlite(&path, &options(Synchronous::Normal)))
        .unwrap();
    rt.block_on(append_all(&store, &pin, "bench", &steps[..200]));
    let replayed = Case::replay(&catalog, steps[..200].iter().map(|(r, _)| r)).unwrap();
    let mut load = Vec::new();
    let mut replay = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let stored = rt.block_on(store.load("bench", None)).unwrap().unwrap();
        let case = Case::replay(&catalog, stored.events.iter().map(|e| &e.recorded)).unwrap();
        load.push(t.elapsed());
        assert_eq!(case, replayed);
        let t = Instant::now();
        std::hint::black_box(Case::replay(&catalog, steps[..200].iter().map(|(r, _)| r)).unwrap());
        replay.push(t.elapsed());
    }
    let (load, replay) = (support::median(load), support::median(replay));
    println!(
        "  load 200-event case from SQLite + replay {:>8.2} ms | in-memory replay {:>8.2} ms | ratio {:>5.2}x",
        ms(load),
        ms(replay),
        ratio(load, replay)
    );

    // 8 tasks appending to 8 cases at once, against one task doing the same appends in turn.
    let path = sqlite_at(&dir, "concurrent.db");
    let store = Arc::new(
        rt.block_on(SqlStore::sqlite(&path, &options(Synchronous::Full)))
            .unwrap(),
    );
    let per_case = 50;
    let cases: Vec<Steps> = (0..8)
        .map(|i| renamed(&steps[..per_case], &format!("c{i}")))
        .collect();
    let concurrent = rt.block_on(concurrently(&store, &pin, &cases));
    let path = sqlite_at(&dir, "sequential.db");
    let store = rt
        .block_on(SqlStore::sqlite(&path, &options(Synchronous::Full)))
        .unwrap();
    let t = Instant::now();
    rt.block_on(async {
        for (i, s) in cases.iter().enumerate() {
            append_all(&store, &pin, &format!("c{i}"), s).await;
        }
    });
    let sequential = t.elapsed() / u32::try_from(8 * per_case).unwrap();
    println!(
        "  8 tasks appending to 8 cases, SQLite FULL {:>8.1} us per append ({:>6.0}/s) | one task {:>8.1} us ({:>6.0}/s) | ratio {:>5.2}x",
        us(concurrent),
        per_second(concurrent),
        us(sequential),
        per_second(sequential),
        ratio(concurrent, sequential)
    );
    let url = server.fresh_database("concurrent");
    let pg = Arc::new(
        rt.block_on(SqlStore::postgres(&url, &StoreOptions::default()))
            .unwrap(),
    );
    let pg_concurrent = rt.block_on(concurrently(&pg, &pin, &cases));
    println!(
        "  8 tasks appending to 8 cases, PostgreSQL {:>8.1} us per append ({:>6.0}/s) | one task {:>8.1} us | ratio {:>5.2}x",
        us(pg_concurrent),
        per_second(pg_concurrent),
        us(pg_append),
        ratio(pg_concurrent, pg_append)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// One task per case, all at once; the time per append.
async fn concurrently(store: &Arc<SqlStore>, pin: &Pin, cases: &[Steps]) -> Duration {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (i, steps) in cases.iter().enumerate() {
        let store = Arc::clone(store);
        let steps = steps.clone();
        let pin = pin.clone();
        tasks.push(tokio::spawn(async move {
            append_all(&store, &pin, &format!("c{i}"), &steps).await
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let appends: usize = cases.iter().map(Vec::len).sum();
    t.elapsed() / u32::try_from(appends).unwrap()
}

async fn sqlx_exec(url: &str, sql: &'static str) {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    pool.execute(sql).await.unwrap();
    pool.close().await;
}

criterion_group!(store, benches);

fn main() {
    store();
    Criterion::default().configure_from_args().final_summary();
    figures();
}
