//! The store under faults, with real processes and real failures, no mocks: a writer killed
//! with SIGKILL at random moments, writer processes racing for one case, a read-only database
//! file, a full disk (a tiny tmpfs), a PostgreSQL server stopped under a running engine.
//!
//! The writer is `tests/bin/store_child.rs`; it says on stdout what it did, one flushed line per
//! operation, so the test knows what was reported committed when the kill came.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use lots::runtime::{Case, Event, FactValue};
use lots::store::{Operation, SqlStore, Store, StoreError, StoreOptions};
use lots::{Catalog, Engine, EngineError};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::store::{Kind, block_on, fresh};
use crate::{caseworker, load_with, root};

const CHILD: &str = env!("CARGO_BIN_EXE_store_child");

fn shipped() -> Catalog {
    load_with([]).catalog.unwrap()
}

/// A writer process and its stdout, line by line.
struct Writer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: PathBuf,
}

impl Writer {
    fn spawn(args: &[&str], stderr: PathBuf) -> Writer {
        let mut child = Command::new(CHILD)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHILD}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Writer {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
        }
    }

    /// Waits for the line `expected`; returns the lines before it.
    fn wait_for(&mut self, expected: &str) -> Vec<String> {
        let mut before = Vec::new();
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line == expected => return before,
                Ok(line) => before.push(line),
                Err(e) => {
                    let _ = self.child.kill();
                    let status = self.child.wait().unwrap();
                    panic!(
                        "the writer did not say `{expected}` ({e:?}; {status}); it said {before:?}; \
                         stderr:\n{}",
                        std::fs::read_to_string(&self.stderr).unwrap_or_default()
                    );
                }
            }
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// SIGKILL; every line it wrote before it died.
    fn kill(mut self) -> Vec<String> {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        let lines: Vec<String> = self.lines.iter().collect();
        assert_eq!(
            status.signal(),
            Some(9),
            "the writer died of something else than our SIGKILL ({status}); it said {lines:?}; \
             stderr:\n{}",
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        );
        lines
    }

    /// Waits for it to exit successfully; every line it wrote.
    fn finish(mut self) -> Vec<String> {
        drop(self.stdin.take());
        let mut lines = Vec::new();
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => lines.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("the writer hangs; it said {lines:?}");
                }
            }
        }
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "the writer failed ({status}); it said {lines:?}; stderr:\n{}",
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        );
        lines
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scratch(hint: &str) -> PathBuf {
    let db = fresh(Kind::Sqlite, hint);
    Path::new(&db).parent().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------
// SIGKILL

/// An append the writer reported committed: the event's seq, the phase after it, the ids of
/// the actions it emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reported {
    seq: u64,
    phase: String,
    actions: BTreeSet<String>,
}

/// What one writer said before it was killed.
#[derive(Debug, Default)]
struct Said {
    committed: Vec<(String, Reported)>,
    /// An append it started and never reported: (case, seq).
    in_flight: Option<(String, u64)>,
}

fn parse(lines: &[String]) -> Said {
    let mut said = Said::default();
    for line in lines {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["ready"] => {}
            ["start", case, seq] => {
                assert!(said.in_flight.is_none(), "one append at a time: {lines:?}");
                said.in_flight = Some(((*case).to_owned(), seq.parse().unwrap()));
            }
            ["committed", case, seq, phase, actions] => {
                let seq: u64 = seq.parse().unwrap();
                assert_eq!(
                    said.in_flight.take(),
                    Some(((*case).to_owned(), seq)),
                    "{lines:?}"
                );
                let actions = match *actions {
                    "-" => BTreeSet::new(),
                    a => a.split(',').map(str::to_owned).collect(),
                };
                said.committed.push((
                    (*case).to_owned(),
                    Reported {
                        seq,
                        phase: (*phase).to_owned(),
                        actions,
                    },
                ));
            }
            _ => panic!("the writer said `{line}`"),
        }
    }
    said
}

/// What the test knows was committed: per case, each reported append by seq.
type Known = BTreeMap<String, BTreeMap<u64, Option<Reported>>>;

/// The writer is killed with SIGKILL at random moments, ≥ 200 times, and restarted on the
/// same database, where it goes on with its cases. After every kill the store opens cleanly
/// and passes SQLite's integrity check, every append the writer reported is stored, at most
/// the one append in flight is stored besides, and nothing is stored partly: each case's head
/// equals its number of events, numbered 1..n; it replays; its outbox holds exactly its
/// actions; its audit log has one entry per event. At the end, every case equals a fresh
/// replay of its stored events on a freshly loaded catalog.
#[test]
fn a_writer_killed_at_random_moments_loses_and_half_writes_nothing() {
    const ROUNDS: usize = 200;
    const SPARES: usize = 1;
    let started = Instant::now();
    let seed: u64 = std::env::var("LOTS_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!("sigkill: seed {seed} (set LOTS_FAULT_SEED={seed} to repeat)");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = scratch("sigkill");
    let db = dir.join("lots.db");
    let root = root();
    let args = |_: ()| -> Vec<String> {
        vec![
            "crash".to_owned(),
            root.display().to_string(),
            db.display().to_string(),
        ]
    };
    let spawn = |n: usize| {
        let args = args(());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Writer::spawn(&args, dir.join(format!("writer-{n}.err")))
    };
    let catalog = shipped();
    let mut known = Known::new();
    let mut n_mid_append = 0usize;
    let mut n_in_flight_stored = 0usize;
    let mut n_killed_starting = 0usize;
    let mut n_reported = 0usize;
    // Loading the catalog takes a debug build a few tenths of a second: the next writers load
    // theirs while the one before them runs (they touch the database only when told to).
    let mut spares: std::collections::VecDeque<Writer> = (0..SPARES).map(spawn).collect();
    let mut waited = Duration::ZERO;
    let mut checking = Duration::ZERO;
    for round in 0..ROUNDS {
        let mut writer = spares.pop_front().unwrap();
        let wait = Instant::now();
        writer.wait_for("loaded");
        waited += wait.elapsed();
        spares.push_back(spawn(round + SPARES));
        writer.send("go");
        // Now and then the kill comes while it opens the store and reads its cases.
        if rng.random_range(0..10) == 0 {
            n_killed_starting += 1;
            std::thread::sleep(Duration::from_millis(rng.random_range(0..20)));
        } else {
            writer.wait_for("ready");
            std::thread::sleep(Duration::from_millis(rng.random_range(5..60)));
        }
        let lines = writer.kill();
        let said = parse(&lines);
        n_reported += said.committed.len();
        let touched = record(&mut known, &said);
        if said.in_flight.is_some() {
            n_mid_append += 1;
        }
        let check = Instant::now();
        n_in_flight_stored += block_on(check_after_kill(
            &db, &catalog, &mut known, &said, &touched, round,
        ));
        checking += check.elapsed();
    }
    drop(spares);
    // The end: every case, and determinism.
    let all: BTreeSet<String> = known.keys().cloned().collect();
    block_on(check_after_kill(
        &db,
        &catalog,
        &mut known,
        &Said::default(),
        &all,
        ROUNDS,
    ));
    let fresh_catalog = shipped();
    block_on(async {
        let store = SqlStore::sqlite(&db, &StoreOptions::default())
            .await
            .unwrap();
        let engine = Engine::with_catalog(catalog.clone(), store);
        for case_id in &all {
            let replayed = engine.case(case_id, &caseworker()).await.unwrap();
            let stored = engine.store().load(case_id, None).await.unwrap().unwrap();
            let again =
                Case::replay(&fresh_catalog, stored.events.iter().map(|e| &e.recorded)).unwrap();
            assert_eq!(replayed, again, "{case_id}: a fresh replay differs");
        }
        engine.store().close().await;
    });
    let n_events: usize = known.values().map(BTreeMap::len).sum();
    eprintln!(
        "sigkill: {ROUNDS} kills in {:.1?} (seed {seed}): {n_mid_append} mid-append (of which \
         {n_in_flight_stored} had committed unreported), {n_killed_starting} while it started; \
         {n_reported} appends reported, {n_events} events in {} cases; {waited:.1?} waiting \
         for writers to load their catalog, {checking:.1?} checking",
        started.elapsed(),
        known.len()
    );
    assert!(
        n_mid_append >= ROUNDS / 4,
        "too few kills landed mid-append ({n_mid_append}) for the test to mean much"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Adds what the writer reported; returns the cases it touched.
fn record(known: &mut Known, said: &Said) -> BTreeSet<String> {
    let mut touched = BTreeSet::new();
    for (case, reported) in &said.committed {
        let events = known.entry(case.clone()).or_default();
        let last = events.keys().next_back().copied().unwrap_or(0);
        assert_eq!(
            reported.seq,
            last + 1,
            "{case}: the writer goes on from what is stored"
        );
        events.insert(reported.seq, Some(reported.clone()));
        touched.insert(case.clone());
    }
    if let Some((case, _)) = &said.in_flight {
        touched.insert(case.clone());
    }
    touched
}

/// Checks the store after a kill; returns 1 when the append in flight was stored.
async fn check_after_kill(
    db: &Path,
    catalog: &Catalog,
    known: &mut Known,
    said: &Said,
    touched: &BTreeSet<String>,
    round: usize,
) -> usize {
    let store = SqlStore::sqlite(db, &StoreOptions::default())
        .await
        .unwrap_or_else(|e| panic!("round {round}: the store does not open after a kill: {e}"));
    let integrity: Vec<String> = {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&format!("sqlite://{}?mode=ro", db.display()))
            .await
            .unwrap();
        let rows = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows
    };
    assert_eq!(integrity, ["ok"], "round {round}");
    let mut in_flight_stored = 0;
    let heads = store.cases().await.unwrap();
    let stored_ids: BTreeSet<&str> = heads.iter().map(|h| h.case_id.as_str()).collect();
    for case in known.keys() {
        assert!(
            stored_ids.contains(case.as_str()),
            "round {round}: case {case} was reported committed and is not stored"
        );
    }
    for head in &heads {
        let events = known.entry(head.case_id.clone()).or_default();
        let last = events.keys().next_back().copied().unwrap_or(0);
        if head.seq == last + 1
            && said.in_flight.as_ref() == Some(&(head.case_id.clone(), last + 1))
        {
            // Committed, killed before it said so: stored, and the writer goes on from it.
            events.insert(last + 1, None);
            in_flight_stored = 1;
        } else {
            assert_eq!(
                head.seq, last,
                "round {round}: case {}: stored up to event {}, the writer reported {last} \
                 (in flight: {:?})",
                head.case_id, head.seq, said.in_flight
            );
        }
    }
    let engine = Engine::with_catalog(catalog.clone(), store);
    let pending = engine.store().pending(1_000_000).await.unwrap();
    let mut outbox: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for entry in &pending {
        assert!(
            outbox
                .entry(entry.case_id.as_str())
                .or_default()
                .insert(entry.action.id.as_str()),
            "an action is in the outbox twice"
        );
    }
    for case_id in touched {
        let Some(stored) = engine.store().load(case_id, None).await.unwrap() else {
            // An opening killed before it committed.
            assert!(
                known.get(case_id).is_none_or(BTreeMap::is_empty),
                "round {round}: {case_id} is not stored"
            );
            continue;
        };
        let numbers: Vec<u64> = stored.events.iter().map(|e| e.recorded.seq).collect();
        let expected: Vec<u64> = (1..=stored.head.seq).collect();
        assert_eq!(numbers, expected, "round {round}: {case_id}");
        let case = engine
            .case(case_id, &caseworker())
            .await
            .unwrap_or_else(|e| panic!("round {round}: {case_id} does not replay: {e}"));
        let mut by_seq: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
        for a in &case.actions {
            by_seq.entry(a.seq).or_default().insert(a.id.clone());
        }
        for (seq, reported) in &known[case_id] {
            if let Some(reported) = reported {
                assert_eq!(
                    by_seq.get(seq).cloned().unwrap_or_default(),
                    reported.actions,
                    "round {round}: {case_id}: the actions of event {seq}"
                );
            }
        }
        if let Some(Some(last)) = known[case_id].get(&stored.head.seq) {
            assert_eq!(case.phase, last.phase, "round {round}: {case_id}");
        }
        let ids: BTreeSet<&str> = case.actions.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            outbox.get(case_id.as_str()).cloned().unwrap_or_default(),
            ids,
            "round {round}: {case_id}: the outbox holds exactly the case's actions"
        );
        let writes = engine
            .store()
            .audit_log(Some(case_id))
            .await
            .unwrap()
            .iter()
            .filter(|e| matches!(e.operation, Operation::Open | Operation::Append))
            .count();
        assert_eq!(
            writes as u64, stored.head.seq,
            "round {round}: {case_id}: one audit entry per event"
        );
    }
    engine.store().close().await;
    in_flight_stored
}

// ---------------------------------------------------------------------------------------------
// Racing writers

/// A vuxna_utsatta case opened by the test, for writers to race on.
async fn open_race_case<S: Store>(engine: &Engine<S>, case_id: &str) {
    let facts: BTreeMap<String, FactValue> = [
        ("gender", FactValue::Text("kvinna".to_owned())),
        ("age", FactValue::Integer(41)),
        ("has_children", FactValue::Bool(false)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    engine
        .open_case(
            Event::CaseOpened {
                case_id: case_id.to_owned(),
                workflow: "vuxna_utsatta".to_owned(),
                unit: "skarholmen".to_owned(),
                referral_source: Some("self".to_owned()),
                facts,
            },
            caseworker(),
            "2025-09-01T09:00".parse().unwrap(),
        )
        .await
        .unwrap();
}

/// Three writer processes append to the same case at once, each with the sequence number it
/// read: exactly one wins each number, the others get a conflict; afterwards the case's
/// events are 1..n, each written by the writer that was told it won it.
fn race(kind: Kind, how: &str) {
    const WRITERS: usize = 3;
    const APPENDS: usize = 25;
    let started = Instant::now();
    let catalog = shipped();
    let address = fresh(kind, &format!("race-{how}"));
    let dir = scratch(&format!("race-{how}"));
    let case_id = "vu-kapplopning-1";
    block_on(async {
        let engine = Engine::with_catalog(catalog.clone(), crate::store::open(&address).await);
        open_race_case(&engine, case_id).await;
        engine.store().close().await;
    });
    let root = root().display().to_string();
    let mut writers: Vec<Writer> = (0..WRITERS)
        .map(|w| {
            let name = format!("skrivare-{w}");
            let n = APPENDS.to_string();
            Writer::spawn(
                &["race", &root, &address, case_id, &name, &n, how],
                dir.join(format!("{name}.err")),
            )
        })
        .collect();
    for w in &mut writers {
        w.wait_for("ready");
    }
    for w in &mut writers {
        w.send("go");
    }
    let mut wins: BTreeMap<u64, String> = BTreeMap::new();
    let mut n_conflicts = 0;
    for (w, writer) in writers.into_iter().enumerate() {
        for line in writer.finish() {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["won", seq] => {
                    let seq: u64 = seq.parse().unwrap();
                    if let Some(other) = wins.insert(seq, format!("skrivare-{w}")) {
                        panic!("{kind:?} {how}: event {seq} was won by {other} and skrivare-{w}");
                    }
                }
                ["conflict", expected, actual] => {
                    let expected: u64 = expected.parse().unwrap();
                    let actual: u64 = actual.parse().unwrap();
                    assert!(expected < actual, "{kind:?} {how}: {line}");
                    n_conflicts += 1;
                }
                ["done"] => {}
                _ => panic!("{kind:?} {how}: the writer said `{line}`"),
            }
        }
    }
    block_on(async {
        let store = crate::store::open(&address).await;
        let stored = store.load(case_id, None).await.unwrap().unwrap();
        let n = stored.head.seq;
        let numbers: Vec<u64> = stored.events.iter().map(|e| e.recorded.seq).collect();
        assert_eq!(numbers, (1..=n).collect::<Vec<_>>(), "{kind:?} {how}");
        assert_eq!(
            wins.keys().copied().collect::<Vec<_>>(),
            (2..=n).collect::<Vec<_>>(),
            "{kind:?} {how}: one reported win per stored event, no more"
        );
        for e in stored.events.iter().skip(1) {
            assert_eq!(
                e.recorded.by.id, wins[&e.recorded.seq],
                "{kind:?} {how}: event {} is the winner's",
                e.recorded.seq
            );
        }
        assert_eq!(
            wins.len() + n_conflicts,
            WRITERS * APPENDS,
            "{kind:?} {how}: every append has one outcome"
        );
        let writes = store
            .audit_log(Some(case_id))
            .await
            .unwrap()
            .iter()
            .filter(|e| matches!(e.operation, Operation::Open | Operation::Append))
            .count();
        assert_eq!(
            writes as u64, n,
            "{kind:?} {how}: a lost race audits nothing"
        );
        Engine::with_catalog(catalog.clone(), store)
            .case(case_id, &caseworker())
            .await
            .unwrap();
    });
    eprintln!(
        "race {kind:?} {how}: {WRITERS} writers × {APPENDS} appends: {} won, {n_conflicts} \
         conflicts, in {:.1?}",
        wins.len(),
        started.elapsed()
    );
    if how == "raw" {
        assert!(n_conflicts > 0, "{kind:?}: the writers never raced");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn writer_processes_racing_on_one_case_on_sqlite() {
    race(Kind::Sqlite, "raw");
    race(Kind::Sqlite, "engine");
}

#[test]
fn writer_processes_racing_on_one_case_on_postgres() {
    race(Kind::Postgres, "raw");
    race(Kind::Postgres, "engine");
}

// ---------------------------------------------------------------------------------------------
// A read-only file, a full disk, a stopped server

/// What a store holds, to compare before and after a failure: every case with its events,
/// the outbox, the audit log's length.
async fn snapshot<S: Store>(store: &S) -> (Vec<lots::store::StoredCase>, Vec<String>, usize) {
    let mut cases = Vec::new();
    for head in store.cases().await.unwrap() {
        cases.push(store.load(&head.case_id, None).await.unwrap().unwrap());
    }
    let outbox = store
        .pending(1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action.id)
        .collect();
    (cases, outbox, store.audit_log(None).await.unwrap().len())
}

fn same(
    a: &(Vec<lots::store::StoredCase>, Vec<String>, usize),
    b: &(Vec<lots::store::StoredCase>, Vec<String>, usize),
) -> bool {
    a.0.len() == b.0.len()
        && a.0
            .iter()
            .zip(&b.0)
            .all(|(x, y)| x.head == y.head && x.events == y.events)
        && a.1 == b.1
        && a.2 == b.2
}

fn session() -> Event {
    Event::SessionHeld {
        location: Some("office".to_owned()),
    }
}

/// Appends a session to a case, an hour after its last event.
async fn append_session<S: Store>(engine: &Engine<S>, case_id: &str) -> Result<u64, EngineError> {
    let last = engine
        .store()
        .load(case_id, None)
        .await?
        .ok_or_else(|| EngineError::NoCase(case_id.to_owned()))?
        .events
        .last()
        .unwrap()
        .recorded
        .at;
    let at = last.checked_add(jiff::Span::new().hours(1)).unwrap();
    Ok(engine
        .apply(case_id, session(), caseworker(), at)
        .await?
        .seq)
}

/// A SQLite file whose permissions forbid writing (0444) is opened read-only, also when the
/// tests run as root (who could write it anyway): an append fails with `ReadOnly`, saying so,
/// unaudited reads work, an audited read is refused (its audit entry cannot be kept), and
/// nothing is written.
#[test]
fn a_read_only_database_file_refuses_writes_and_serves_reads() {
    let catalog = shipped();
    let address = fresh(Kind::Sqlite, "read-only");
    let db = PathBuf::from(&address);
    block_on(async {
        let engine = Engine::with_catalog(catalog.clone(), crate::store::open(&address).await);
        open_race_case(&engine, "vu-skrivskydd-1").await;
        append_session(&engine, "vu-skrivskydd-1").await.unwrap();
        engine.store().close().await;
    });
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    let root_could_write = std::fs::OpenOptions::new().append(true).open(&db).is_ok();
    eprintln!("read-only: the process could open the file for writing itself: {root_could_write}");
    block_on(async {
        let store = SqlStore::sqlite(&db, &StoreOptions::default())
            .await
            .unwrap();
        let before = snapshot(&store).await;
        let engine = Engine::with_catalog(catalog.clone(), store);
        let err = append_session(&engine, "vu-skrivskydd-1")
            .await
            .unwrap_err();
        assert!(
            matches!(err, EngineError::Store(StoreError::ReadOnly(_))),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("the store is read-only") && message.contains("nothing was written"),
            "{message}"
        );
        let stored = engine
            .store()
            .load("vu-skrivskydd-1", None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.events.len(), 2, "reads work");
        assert_eq!(engine.store().cases().await.unwrap().len(), 1);
        // A caseworker's read is audited, and the audit entry cannot be written: the read is
        // refused rather than left unlogged.
        let refused = engine.case("vu-skrivskydd-1", &caseworker()).await;
        assert!(
            matches!(refused, Err(EngineError::Store(StoreError::ReadOnly(_)))),
            "{refused:?}"
        );
        assert!(
            same(&before, &snapshot(engine.store()).await),
            "nothing written"
        );
        engine.store().close().await;
    });
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    block_on(async {
        let engine = Engine::with_catalog(catalog, crate::store::open(&address).await);
        assert_eq!(append_session(&engine, "vu-skrivskydd-1").await.unwrap(), 3);
        engine.store().close().await;
    });
}

/// A tmpfs of its own, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: PathBuf, size: &str) -> Tmpfs {
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run mount: {e}"));
        assert!(
            out.status.success(),
            "the full-disk test mounts a tiny tmpfs and needs root (CAP_SYS_ADMIN) for it: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(dir)
    }

    fn resize(&self, size: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Appending until the disk is full (a 1 MiB tmpfs) gives `Full`, saying the store is full;
/// what was committed before is intact; once there is room again the same store goes on, and
/// the database opens cleanly.
#[test]
fn a_full_disk_gives_a_clear_error_and_keeps_what_was_committed() {
    let started = Instant::now();
    let catalog = shipped();
    let disk = Tmpfs::mount(scratch("full-disk").join("disk"), "1m");
    let db = disk.0.join("lots.db");
    let case_id = "vu-fullt-1";
    let (n_ok, message) = block_on(async {
        let store = SqlStore::sqlite(&db, &StoreOptions::default())
            .await
            .unwrap();
        let engine = Engine::with_catalog(catalog.clone(), store);
        open_race_case(&engine, case_id).await;
        let mut last = 1;
        let err = loop {
            match append_session(&engine, case_id).await {
                Ok(seq) => {
                    assert_eq!(seq, last + 1);
                    last = seq;
                    assert!(last < 100_000, "the disk never filled");
                }
                Err(e) => break e,
            }
        };
        assert!(
            matches!(err, EngineError::Store(StoreError::Full(_))),
            "after {last} events: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("the store is full"), "{message}");
        // Reads still work, and show what was committed.
        let stored = engine.store().load(case_id, None).await.unwrap().unwrap();
        assert_eq!(stored.head.seq, last);
        // Room again: the same store goes on.
        disk.resize("64m");
        assert_eq!(append_session(&engine, case_id).await.unwrap(), last + 1);
        engine.store().close().await;
        (last + 1, message)
    });
    block_on(async {
        let store = SqlStore::sqlite(&db, &StoreOptions::default())
            .await
            .unwrap();
        let engine = Engine::with_catalog(catalog, store);
        let stored = engine.store().load(case_id, None).await.unwrap().unwrap();
        let numbers: Vec<u64> = stored.events.iter().map(|e| e.recorded.seq).collect();
        assert_eq!(numbers, (1..=n_ok).collect::<Vec<_>>());
        let case = engine.case(case_id, &caseworker()).await.unwrap();
        let ids: BTreeSet<String> = case.actions.iter().map(|a| a.id.clone()).collect();
        let outbox: BTreeSet<String> = engine
            .pending_actions(100_000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action.id)
            .collect();
        assert_eq!(ids, outbox);
        engine.store().close().await;
    });
    eprintln!(
        "full disk: {} events fitted in 1 MiB, then: {message} ({:.1?})",
        n_ok - 1,
        started.elapsed()
    );
}

/// A PostgreSQL server stopped under a running engine: the next append fails within the
/// acquire timeout with `Unavailable`, saying the store cannot be reached; once the server is
/// back, the same store (no new pool) appends again, and nothing was lost or half-written.
#[test]
fn a_stopped_postgres_server_is_unavailable_and_the_store_recovers() {
    let started = Instant::now();
    let catalog = shipped();
    let server = crate::postgres::dedicated();
    let url = server.fresh_database("stopped");
    let options = StoreOptions {
        acquire_timeout: Duration::from_secs(2),
        max_connections: 2,
        ..StoreOptions::default()
    };
    let case_id = "vu-stoppad-1";
    block_on(async {
        let store = SqlStore::postgres(&url, &options).await.unwrap();
        let engine = Engine::with_catalog(catalog.clone(), store);
        open_race_case(&engine, case_id).await;
        for seq in 2..=5 {
            assert_eq!(append_session(&engine, case_id).await.unwrap(), seq);
        }
        let before = snapshot(engine.store()).await;
        server.stop();
        let failing = Instant::now();
        let err = append_session(&engine, case_id).await.unwrap_err();
        let took = failing.elapsed();
        assert!(
            matches!(err, EngineError::Store(StoreError::Unavailable(_))),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("the store cannot be reached"), "{message}");
        assert!(took < Duration::from_secs(10), "it took {took:?} to fail");
        eprintln!("stopped server: {message} (after {took:.1?})");
        server.start();
        assert_eq!(append_session(&engine, case_id).await.unwrap(), 6);
        let after = snapshot(engine.store()).await;
        assert_eq!(
            after.0[0].events[..5],
            before.0[0].events[..],
            "nothing lost"
        );
        assert_eq!(after.0[0].head.seq, 6, "nothing half-written");
        assert_eq!(after.2, before.2 + 1, "one audit entry for the one append");
        engine.case(case_id, &caseworker()).await.unwrap();
        engine.store().close().await;
    });
    eprintln!("stopped server: {:.1?}", started.elapsed());
}
