//! A writer process for the store's fault tests (`tests/it/store_faults.rs`): the tests start
//! it, kill it with SIGKILL, race several of it against one case, and read what it says it did
//! on stdout, one line per operation, flushed before the next one starts.
//!
//! ```text
//! store_child crash <repo root> <sqlite file>
//!     loads the catalog (`loaded`), waits for a line on stdin (ends at end of file), then
//!     appends to a few vuxna_utsatta cases through `lots::Engine` until killed: `ready`, then per append `start <case> <seq>` and, once it returned Ok,
//!     `committed <case> <seq> <phase> <action ids, comma-separated, or ->`
//! store_child race <repo root> <address> <case> <writer> <appends> raw|engine
//!     waits for a line on stdin, then appends `<appends>` times to the case: `raw` through
//!     `Store::append` with the sequence number it read (`won <seq>` or
//!     `conflict <expected> <actual>`), `engine` through `Engine::apply`, which retries once
//!     (`won <seq>` or `conflict <expected> <actual>` after the retry)
//! ```
//!
//! Any other failure ends it with a message on stderr and a non-zero exit status.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test helper process: a failure is a test failure"
)]

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::DateTime;
use lots::runtime::{self, Actor, Case, Event, FactValue};
use lots::store::{
    Append, AuditEntry, Operation, SqlStore, Store, StoreError, StoreOptions, StoredEvent,
};
use lots::{Catalog, Engine, EngineError, FsSource};

/// How many cases the crash writer keeps going at once, and how long each gets.
const OPEN_CASES: usize = 3;
const EVENTS_PER_CASE: u64 = 40;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["crash", root, db] => runtime.block_on(crash(Path::new(root), Path::new(db))),
        ["race", root, address, case, writer, n, how] => runtime.block_on(race(
            Path::new(root),
            address,
            case,
            writer,
            n.parse().unwrap(),
            how,
        )),
        _ => panic!("usage: see the module documentation; got {args:?}"),
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

fn shipped(root: &Path) -> Catalog {
    let loaded = Catalog::load(&FsSource::new([root.join("workflows"), root.join("rules")]))
        .expect("the shipped catalog is readable");
    loaded.catalog.expect("the shipped catalog loads")
}

fn caseworker() -> Actor {
    Actor::new(runtime::DEFAULT_ACTOR_ID, runtime::DEFAULT_ROLE)
}

/// The opening of the crash writer's `n`th case.
fn opening(n: usize) -> Event {
    let facts: BTreeMap<String, FactValue> = [
        ("gender", FactValue::Text("kvinna".to_owned())),
        ("age", FactValue::Integer(30 + (n % 40) as i64)),
        ("has_children", FactValue::Bool(true)),
        ("children_subjected", FactValue::Bool(n.is_multiple_of(2))),
        ("children_witnessed", FactValue::Bool(true)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Event::CaseOpened {
        case_id: format!("vu-krasch-{n:04}"),
        workflow: "vuxna_utsatta".to_owned(),
        unit: "skarholmen".to_owned(),
        referral_source: Some("police".to_owned()),
        facts,
    }
}

/// The event that becomes event `seq` (≥ 2) of a case, and how long after the previous one.
fn next_event(seq: u64) -> (Event, jiff::Span) {
    match seq % 4 {
        0 => (
            Event::SessionHeld {
                location: Some("office".to_owned()),
            },
            jiff::Span::new().hours(2),
        ),
        1 => (
            Event::FactsRecorded {
                facts: [("age".to_owned(), FactValue::Integer(20 + (seq % 50) as i64))].into(),
                person: None,
            },
            jiff::Span::new().minutes(30),
        ),
        2 => (Event::TimePassed, jiff::Span::new().days(3)),
        _ => (Event::NoShow, jiff::Span::new().hours(1)),
    }
}

fn start_time() -> DateTime {
    "2025-09-01T09:00".parse().unwrap()
}

async fn crash(root: &Path, db: &Path) {
    // Loading the catalog takes a while in a debug build: the test starts the next writer
    // while this one runs, and lets it touch the database only once this one is dead.
    let catalog = shipped(root);
    say("loaded");
    let mut go = String::new();
    if std::io::stdin().lock().read_line(&mut go).unwrap() == 0 {
        return;
    }
    let store = SqlStore::sqlite(db, &StoreOptions::default())
        .await
        .unwrap();
    let engine = Engine::with_catalog(catalog, store);
    // Where each case stands: (id, last seq, last event's time).
    let mut cases: Vec<(String, u64, DateTime)> = Vec::new();
    for head in engine.store().cases().await.unwrap() {
        let stored = engine
            .store()
            .load(&head.case_id, None)
            .await
            .unwrap()
            .unwrap();
        let last = stored.events.last().expect("a stored case has events");
        cases.push((head.case_id, head.seq, last.recorded.at));
    }
    let mut n_opened = cases.len();
    say("ready");
    let mut turn = 0usize;
    loop {
        let open: Vec<usize> = (0..cases.len())
            .filter(|&i| cases[i].1 < EVENTS_PER_CASE)
            .collect();
        if open.len() < OPEN_CASES {
            let event = opening(n_opened);
            let Event::CaseOpened { case_id, .. } = &event else {
                unreachable!()
            };
            let case_id = case_id.clone();
            let at = start_time();
            say(&format!("start {case_id} 1"));
            let applied = engine.open_case(event, caseworker(), at).await;
            let applied = applied.unwrap_or_else(|e| panic!("opening {case_id}: {e}"));
            report(&case_id, &applied);
            cases.push((case_id, applied.seq, at));
            n_opened += 1;
            continue;
        }
        turn += 1;
        let i = open[turn % open.len()];
        let (case_id, seq, last_at) = cases[i].clone();
        let (event, after) = next_event(seq + 1);
        let at = last_at.checked_add(after).unwrap();
        say(&format!("start {case_id} {}", seq + 1));
        match engine.apply(&case_id, event, caseworker(), at).await {
            Ok(applied) => {
                report(&case_id, &applied);
                cases[i].1 = applied.seq;
                cases[i].2 = at;
            }
            Err(e) => panic!("appending event {} to {case_id}: {e}", seq + 1),
        }
    }
}

fn report(case_id: &str, applied: &lots::Applied) {
    let actions: Vec<&str> = applied.actions.iter().map(|a| a.id.as_str()).collect();
    let actions = if actions.is_empty() {
        "-".to_owned()
    } else {
        actions.join(",")
    };
    say(&format!(
        "committed {case_id} {} {} {actions}",
        applied.seq, applied.case.phase
    ));
}

async fn race(root: &Path, address: &str, case_id: &str, writer: &str, n: usize, how: &str) {
    let options = StoreOptions {
        max_connections: 2,
        ..StoreOptions::default()
    };
    let store = SqlStore::open(address, &options).await.unwrap();
    let catalog = shipped(root);
    let engine = Engine::with_catalog(catalog.clone(), store);
    let by = Actor::new(writer, runtime::DEFAULT_ROLE);
    say("ready");
    let mut go = String::new();
    std::io::stdin().lock().read_line(&mut go).unwrap();
    for _ in 0..n {
        let event = Event::SessionHeld {
            location: Some(writer.to_owned()),
        };
        match how {
            "raw" => {
                let stored = engine.store().load(case_id, None).await.unwrap().unwrap();
                let case =
                    Case::replay(&catalog, stored.events.iter().map(|e| &e.recorded)).unwrap();
                let at = case.events.last().unwrap().at;
                let step = runtime::apply(&catalog, &case, event, by.clone(), at).unwrap();
                let events = [StoredEvent {
                    recorded: Arc::clone(step.case.events.last().unwrap()),
                    recorded_at: Timestamp::now(),
                }];
                let audit = AuditEntry {
                    at: Timestamp::now(),
                    actor: writer.to_owned(),
                    role: runtime::DEFAULT_ROLE.to_owned(),
                    operation: Operation::Append,
                    route: "test".to_owned(),
                    case_id: None,
                    seq: None,
                };
                let res = engine
                    .store()
                    .append(Append {
                        case_id,
                        expected_seq: stored.head.seq,
                        pin: None,
                        events: &events,
                        actions: &step.actions,
                        figures: &[],
                        audit: &audit,
                    })
                    .await;
                race_report(res);
            }
            "engine" => {
                let at = engine
                    .store()
                    .load(case_id, None)
                    .await
                    .unwrap()
                    .unwrap()
                    .events
                    .last()
                    .unwrap()
                    .recorded
                    .at;
                let res = engine.apply(case_id, event, by.clone(), at).await;
                race_report(res.map(|a| a.seq).map_err(|e| match e {
                    EngineError::Store(e) => e,
                    other => panic!("{other}"),
                }));
            }
            other => panic!("unknown race mode `{other}`"),
        }
    }
    engine.store().close().await;
    say("done");
}

fn race_report(res: Result<u64, StoreError>) {
    match res {
        Ok(seq) => say(&format!("won {seq}")),
        Err(StoreError::Conflict {
            expected, actual, ..
        }) => say(&format!("conflict {expected} {actual}")),
        Err(e) => panic!("append failed: {e}"),
    }
}
