//! Two `lots serve` processes on one PostgreSQL database serve the same cases: driven at once,
//! every accepted event is stored exactly once (each case's history is the events answered
//! 2xx, numbered without gaps), a refused one not at all, and every action is delivered at
//! least once and acknowledged once.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cli::lots;

const CASEWORKER: &str = "test-token-caseworker-skarholmen";
const OPERATOR: &str = "test-token-operator";
const CASES: usize = 24;

/// A `lots serve` process, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str) -> Server {
        let mut child = lots()
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0", "--config"])
            .arg(crate::root().join("tests/data/serve/config.toml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let base = loop {
            let Some(line) = lines.next() else {
                let status = child.wait().unwrap();
                panic!("lots serve ended ({status}) before it listened");
            };
            let line = line.unwrap();
            if let Some(addr) = line.trim().strip_prefix("listening on ") {
                break addr.to_owned();
            }
        };
        // Keep reading its log so the pipe never fills.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(
    client: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = client
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(!status.is_server_error(), "{path}: {status} {body}");
    (status, body)
}

/// The events told to one case after its opening: each is accepted whatever came before it
/// (facts and sessions), and one routes an orosanmälan.
fn story(n: usize) -> Vec<Value> {
    let mut events = vec![json!({"type": "facts_recorded", "facts": {"children_witnessed": true}})];
    for i in 0..6 {
        events.push(if i % 2 == 0 {
            json!({"type": "session_held", "location": "office"})
        } else {
            json!({"type": "facts_recorded", "facts": {"age": 30 + n % 20 + i}})
        });
    }
    events
}

#[test]
fn two_servers_on_one_postgresql_lose_and_duplicate_nothing() {
    let db = crate::store::fresh(crate::store::Kind::Postgres, "scale_out");
    let servers = [Server::start(&db), Server::start(&db)];
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let rt = crate::store::runtime();
    rt.block_on(async {
        let client = reqwest::Client::new();
        // Every case is opened on one server and told on both at once: two writers race on
        // each case, and the one that loses decides its event again (or gets a 409).
        let mut tasks = Vec::new();
        for n in 0..CASES {
            let (client, bases) = (client.clone(), bases.clone());
            tasks.push(tokio::spawn(async move {
                let id = format!("vu-scale-{n:03}");
                let opening = json!({"at": "2026-03-02T09:00", "event": {
                    "type": "case_opened", "case_id": id, "workflow": "vuxna_utsatta",
                    "unit": "skarholmen", "referral_source": "self",
                    "facts": {"gender": "kvinna", "age": 30, "has_children": true}}});
                let base = &bases[n % 2];
                let (status, _) = call(
                    &client,
                    base,
                    reqwest::Method::POST,
                    "/v1/cases",
                    CASEWORKER,
                    Some(opening),
                )
                .await;
                assert_eq!(status, StatusCode::CREATED);
                let mut accepted = vec![1u64];
                let mut actions = BTreeSet::new();
                for (i, pair) in story(n).chunks(2).enumerate() {
                    // The events of a pair go to both servers at once.
                    let sends: Vec<_> = pair
                        .iter()
                        .enumerate()
                        .map(|(j, event)| {
                            // The same time for both: either may be decided first.
                            let at = format!("2026-03-{:02}T10:00", 3 + i);
                            let body = json!({"at": at, "event": event});
                            let (client, base) = (client.clone(), bases[(n + j) % 2].clone());
                            let path = format!("/v1/cases/{id}/events");
                            tokio::spawn(async move {
                                call(
                                    &client,
                                    &base,
                                    reqwest::Method::POST,
                                    &path,
                                    CASEWORKER,
                                    Some(body),
                                )
                                .await
                            })
                        })
                        .collect();
                    for send in sends {
                        let (status, body) = send.await.unwrap();
                        match status {
                            StatusCode::OK => {
                                accepted.push(body["seq"].as_u64().unwrap());
                                for a in body["actions"].as_array().unwrap() {
                                    actions.insert(a["id"].as_str().unwrap().to_owned());
                                }
                            }
                            // Lost the race twice: refused, nothing stored.
                            StatusCode::CONFLICT => {}
                            other => panic!("{id}: {other} {body}"),
                        }
                    }
                }
                (id, accepted, actions)
            }));
        }
        let mut told = Vec::new();
        for t in tasks {
            told.push(t.await.unwrap());
        }
        // Each case's history: exactly the accepted events, numbered 1..=n.
        let mut all_actions = BTreeSet::new();
        let mut events = 0;
        for (id, accepted, actions) in &told {
            let (status, history) = call(
                &client,
                &bases[0],
                reqwest::Method::GET,
                &format!("/v1/cases/{id}/history"),
                CASEWORKER,
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            let seqs: Vec<u64> = history
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["recorded"]["seq"].as_u64().unwrap())
                .collect();
            let mut answered = accepted.clone();
            answered.sort_unstable();
            assert_eq!(seqs, answered, "{id}: stored events vs events answered 2xx");
            assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "{id}");
            assert!(seqs.len() >= 5, "{id}: only {} events accepted", seqs.len());
            events += seqs.len();
            all_actions.extend(actions.iter().cloned());
        }
        assert!(events > CASES * 5, "{events} events");
        assert!(all_actions.len() >= CASES, "{} actions", all_actions.len());
        // Both servers' outbox workers claim and acknowledge at once, until nothing is left.
        let workers = bases.iter().cloned().map(|base| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut delivered: Vec<String> = Vec::new();
                let mut acknowledged: Vec<String> = Vec::new();
                loop {
                    let (status, claimed) = call(
                        &client,
                        &base,
                        reqwest::Method::POST,
                        "/v1/actions/claim",
                        OPERATOR,
                        Some(json!({"limit": 5, "lease_seconds": 60})),
                    )
                    .await;
                    assert_eq!(status, StatusCode::OK, "{claimed}");
                    let claimed = claimed.as_array().unwrap().clone();
                    if claimed.is_empty() {
                        break;
                    }
                    for entry in claimed {
                        let id = entry["action"]["id"].as_str().unwrap().to_owned();
                        delivered.push(id.clone());
                        let path = format!("/v1/actions/{}/ack", id.replace('/', "%2F"));
                        let (status, ack) =
                            call(&client, &base, reqwest::Method::POST, &path, OPERATOR, None)
                                .await;
                        assert_eq!(status, StatusCode::OK, "{ack}");
                        if ack["acknowledged"] == json!(true) {
                            acknowledged.push(id);
                        }
                    }
                }
                (delivered, acknowledged)
            })
        });
        let mut delivered = BTreeSet::new();
        let mut acks: BTreeMap<String, usize> = BTreeMap::new();
        for w in workers.collect::<Vec<_>>() {
            let (d, a) = w.await.unwrap();
            delivered.extend(d);
            for id in a {
                *acks.entry(id).or_default() += 1;
            }
        }
        assert_eq!(
            delivered, all_actions,
            "every action delivered at least once"
        );
        assert_eq!(
            acks.keys().cloned().collect::<BTreeSet<_>>(),
            all_actions,
            "every action acknowledged"
        );
        assert!(
            acks.values().all(|n| *n == 1),
            "an action acknowledged twice: {acks:?}"
        );
        let (_, pending) = call(
            &client,
            &bases[1],
            reqwest::Method::GET,
            "/v1/actions?limit=100",
            OPERATOR,
            None,
        )
        .await;
        assert_eq!(pending, json!([]), "nothing left pending");
    });
}
