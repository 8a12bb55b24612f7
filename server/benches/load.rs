//! Load on `lots serve` (issue 14): apply-event requests from this process to a server in a
//! second process on 127.0.0.1 (this same binary, started again as the server), over a fresh
//! SQLite store (synchronous=FULL, the server's default) or a PostgreSQL database named by
//! `LOTS_LOAD_POSTGRES` (then two server processes share it). Printed beside the same-run
//! baseline: the same events through `Engine::apply` in one process on the same kind of store,
//! with the same concurrency. Targets (SQLite): >= 1,500 requests/s, p99 <= 20 ms.
//!
//! `cargo bench -p lots-server --bench load`

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark"
)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lots::runtime::{Actor, Event};
use lots::store::{SqlStore, StoreOptions};
use lots::{Catalog, Engine, FsSource};
use serde_json::{Value, json};

/// Concurrent clients, cases each, events per case.
const CLIENTS: usize = 16;
const CASES_EACH: usize = 4;
const EVENTS_EACH: usize = 60;
const TOKEN: &str = "load-token-caseworker";
const SERVE: &str = "LOTS_LOAD_SERVE";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn catalog_paths() -> Vec<PathBuf> {
    vec![root().join("workflows"), root().join("rules")]
}

fn config() -> lots_server::Checked {
    use sha2::Digest as _;
    let hash = hex::encode(sha2::Sha256::digest(TOKEN.as_bytes()));
    let text = format!(
        "[[tokens]]\nsha256 = \"{hash}\"\nactor = \"hl-900\"\nrole = \"socialsekreterare\"\n\
         kind = \"caseworker\"\nunits = \"all\"\n"
    );
    let path = std::env::temp_dir().join(format!("lots-load-{}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    lots_server::Config::read(&path).unwrap()
}

/// The child: serve `db` on a free port, print where.
fn serve(db: String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let running = lots_server::start(lots_server::Options {
            db,
            catalog: catalog_paths(),
            listen: Some("127.0.0.1:0".parse().unwrap()),
            config: config(),
        })
        .await
        .unwrap();
        println!("listening on http://{}", running.local_addr());
        // Until the parent closes our stdin.
        let _ = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        })
        .await;
        running.stop().await.unwrap();
    });
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str) -> Server {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(SERVE, db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("the server started").unwrap();
            if let Some(a) = line.strip_prefix("listening on ") {
                break a.to_owned();
            }
        };
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn opening(id: &str) -> Value {
    json!({"type": "case_opened", "case_id": id, "workflow": "vuxna_utsatta",
           "unit": "skarholmen", "referral_source": "self",
           "facts": {"gender": "kvinna", "age": 30, "has_children": false}})
}

/// The `i`th event told to a case (always accepted: a session or a fact), and when.
fn event(i: usize) -> (Value, String) {
    let at = format!(
        "2026-{:02}-{:02}T10:{:02}",
        1 + i / 28 % 12,
        1 + i % 28,
        i % 60
    );
    let e = if i.is_multiple_of(2) {
        json!({"type": "session_held", "location": "office"})
    } else {
        json!({"type": "facts_recorded", "facts": {"age": 30 + i % 40}})
    };
    (e, at)
}

/// Latencies of the apply requests, and the wall time.
struct Run {
    latencies: Vec<Duration>,
    wall: Duration,
}

impl Run {
    fn per_s(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
    fn p(&self, q: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l[((l.len() as f64 * q) as usize).min(l.len() - 1)]
    }
}

async fn over_http(bases: &[String], tag: &str) -> Run {
    let client = reqwest::Client::new();
    // Open every case first (not timed).
    for c in 0..CLIENTS * CASES_EACH {
        let base = &bases[c % bases.len()];
        let id = format!("load-{tag}-{c}");
        let res = client
            .post(format!("{base}/v1/cases"))
            .bearer_auth(TOKEN)
            .json(&json!({"at": "2026-01-01T08:00", "event": opening(&id)}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|k| {
            let client = client.clone();
            let bases = bases.to_vec();
            let tag = tag.to_owned();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for i in 0..EVENTS_EACH {
                    for c in 0..CASES_EACH {
                        let case = k * CASES_EACH + c;
                        let base = &bases[(case + i) % bases.len()];
                        let (event, at) = event(i);
                        let t = Instant::now();
                        let res = client
                            .post(format!("{base}/v1/cases/load-{tag}-{case}/events"))
                            .bearer_auth(TOKEN)
                            .json(&json!({"at": at, "event": event}))
                            .send()
                            .await
                            .unwrap();
                        let status = res.status();
                        let _ = res.bytes().await.unwrap();
                        latencies.push(t.elapsed());
                        assert_eq!(status, 200);
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    Run {
        latencies,
        wall: start.elapsed(),
    }
}

async fn in_process(db: &str, tag: &str) -> Run {
    let catalog = Catalog::load(&FsSource::new(catalog_paths()))
        .unwrap()
        .catalog
        .unwrap();
    let store = SqlStore::open(db, &StoreOptions::default()).await.unwrap();
    let engine = Arc::new(Engine::with_catalog(catalog, store));
    let by = Actor::new("hl-900", "socialsekreterare");
    for c in 0..CLIENTS * CASES_EACH {
        let e: Event = serde_json::from_value(opening(&format!("load-{tag}-{c}"))).unwrap();
        engine
            .open_case(e, by.clone(), "2026-01-01T08:00".parse().unwrap())
            .await
            .unwrap();
    }
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|k| {
            let (engine, by, tag) = (engine.clone(), by.clone(), tag.to_owned());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for i in 0..EVENTS_EACH {
                    for c in 0..CASES_EACH {
                        let (event, at) = event(i);
                        let event: Event = serde_json::from_value(event).unwrap();
                        let t = Instant::now();
                        engine
                            .apply(
                                &format!("load-{tag}-{}", k * CASES_EACH + c),
                                event,
                                by.clone(),
                                at.parse().unwrap(),
                            )
                            .await
                            .unwrap();
                        latencies.push(t.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    Run {
        latencies,
        wall: start.elapsed(),
    }
}

fn print(what: &str, subject: &Run, baseline: &Run, target: bool) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  {what}: {:>6.0} requests/s, p50 {:>5.1} ms, p99 {:>5.1} ms | Engine::apply in one process {:>6.0}/s, p99 {:>5.1} ms | ratio {:>4.2}x{}",
        subject.per_s(),
        ms(subject.p(0.5)),
        ms(subject.p(0.99)),
        baseline.per_s(),
        ms(baseline.p(0.99)),
        subject.per_s() / baseline.per_s(),
        if target {
            let met = subject.per_s() >= 1500.0 && subject.p(0.99) <= Duration::from_millis(20);
            format!(
                " | target >= 1,500/s, p99 <= 20 ms: {}",
                if met { "met" } else { "MISSED" }
            )
        } else {
            String::new()
        }
    );
}

fn main() {
    if let Ok(db) = std::env::var(SERVE) {
        serve(db);
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("lots-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("load, {CLIENTS} clients x {CASES_EACH} cases x {EVENTS_EACH} events, same run:");
    let served = dir.join("served.db").display().to_string();
    let server = Server::start(&served);
    let http = rt.block_on(over_http(std::slice::from_ref(&server.base), "s"));
    drop(server);
    let direct = rt.block_on(in_process(
        &dir.join("direct.db").display().to_string(),
        "d",
    ));
    print("apply-event over HTTP, SQLite", &http, &direct, true);
    if let Ok(pg) = std::env::var("LOTS_LOAD_POSTGRES") {
        let servers = [Server::start(&pg), Server::start(&pg)];
        let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
        let http = rt.block_on(over_http(&bases, "p"));
        drop(servers);
        let direct = rt.block_on(in_process(&pg, "q"));
        print(
            "apply-event over HTTP, two servers on PostgreSQL",
            &http,
            &direct,
            false,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
