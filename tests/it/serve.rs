//! `lots serve` end to end: the real server on 127.0.0.1, port 0, in this process, over a
//! temporary SQLite store and tests/data/serve/config.toml, driven over HTTP. Every answer is
//! checked to be JSON (or the board's HTML) and never a 5xx.

use std::future::Future;
use std::path::PathBuf;

use lots::store::{Operation, Store as _};
use lots_server::{Config, Options, Running};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const SKARHOLMEN: &str = "test-token-caseworker-skarholmen";
const MOLNDAL: &str = "test-token-caseworker-molndal";
const UNIT_HEAD: &str = "test-token-unit-head-skarholmen";
const QUALITY: &str = "test-token-quality";
const OPERATOR: &str = "test-token-operator";

fn data(name: &str) -> PathBuf {
    super::root().join("tests/data/serve").join(name)
}

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A server and a client.
struct Api {
    running: Running,
    client: reqwest::Client,
    base: String,
}

impl Api {
    async fn start(name: &str) -> Api {
        let dir = std::env::temp_dir().join(format!("lots-serve-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let options = Options {
            db: dir.join("lots.db").display().to_string(),
            catalog: vec![super::root().join("workflows"), super::root().join("rules")],
            listen: Some("127.0.0.1:0".parse().unwrap()),
            config: Config::read(&data("config.toml")).unwrap(),
        };
        let running = lots_server::start(options).await.unwrap();
        let base = format!("http://{}", running.local_addr());
        Api {
            running,
            client: reqwest::Client::new(),
            base,
        }
    }

    /// Sends a request; the answer must not be a 5xx and must be JSON.
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        self.finish(req, &format!("{method} {path}")).await
    }

    async fn finish(&self, req: reqwest::RequestBuilder, what: &str) -> (StatusCode, Value) {
        let res = req.send().await.unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = res.text().await.unwrap();
        assert!(!status.is_server_error(), "{what}: {status} {text}");
        assert!(
            content_type.starts_with("application/json"),
            "{what}: {status} answered {content_type:?}: {text}"
        );
        let value: Value = serde_json::from_str(&text).unwrap();
        if !status.is_success() {
            let code = value["error"]["code"].as_str().unwrap_or_default();
            assert!(!code.is_empty(), "{what}: error without a code: {text}");
            assert!(value["error"]["message"].is_string(), "{what}: {text}");
        }
        (status, value)
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    async fn denied(&self) -> Vec<lots::store::AuditEntry> {
        self.running
            .state()
            .engine
            .store()
            .audit_log(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.operation == Operation::Denied)
            .collect()
    }

    async fn stop(self) {
        self.running.stop().await.unwrap();
    }
}

fn full_case() -> Vec<Value> {
    let text = std::fs::read_to_string(data("full_case.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["requests"].as_array().unwrap().clone()
}

/// Opens a case of skarholmen with the first `n` requests of the full case.
async fn open_with(api: &Api, n: usize) -> String {
    let requests = full_case();
    let (status, opened) = api.post("/v1/cases", SKARHOLMEN, &requests[0]).await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    let id = opened["case"]["id"].as_str().unwrap().to_owned();
    for r in requests.iter().take(n).skip(1) {
        let (status, body) = api
            .post(&format!("/v1/cases/{id}/events"), SKARHOLMEN, r)
            .await;
        assert_eq!(status, StatusCode::OK, "{r}: {body}");
    }
    id
}

#[test]
fn a_case_runs_from_fas_1_to_closed_and_its_orosanmalan_is_claimed_and_acknowledged() {
    block_on(async {
        let api = Api::start("full").await;
        let n = full_case().len();
        let id = open_with(&api, n).await;

        let (status, case) = api.get(&format!("/v1/cases/{id}"), SKARHOLMEN).await;
        assert_eq!(status, StatusCode::OK, "{case}");
        assert_eq!(case["phase"], "avslutad_avbrutet");
        assert!(case["closed"].is_object(), "{case}");
        assert_eq!(case["unit"], "skarholmen");
        assert_eq!(case["events"].as_array().unwrap().len(), n);
        // Every event is recorded under the token's actor, never another.
        for e in case["events"].as_array().unwrap() {
            assert_eq!(
                e["by"],
                json!({"id": "hl-101", "role": "socialsekreterare"})
            );
        }

        let (status, history) = api
            .get(&format!("/v1/cases/{id}/history"), SKARHOLMEN)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(history.as_array().unwrap().len(), n);
        let (status, explained) = api
            .get(&format!("/v1/cases/{id}/explain"), SKARHOLMEN)
            .await;
        assert_eq!(status, StatusCode::OK, "{explained}");
        // Known before anything was recorded: no event.
        let (status, before) = api
            .get(
                &format!("/v1/cases/{id}?as_of=2000-01-01T00:00:00Z"),
                SKARHOLMEN,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{before}");
        assert_eq!(before["events"].as_array().unwrap().len(), 0);

        // The outbox holds the orosanmälan to the child intake.
        let is_orosanmalan = |e: &Value| {
            e["action"]["kind"]["type"] == "route" && e["action"]["kind"]["kind"] == "orosanmalan"
        };
        let (status, pending) = api.get("/v1/actions?limit=100", OPERATOR).await;
        assert_eq!(status, StatusCode::OK, "{pending}");
        assert_eq!(
            pending
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| is_orosanmalan(e))
                .count(),
            1,
            "{pending}"
        );
        // A caseworker of another unit sees none of this case's actions.
        let (_, theirs) = api.get("/v1/actions", MOLNDAL).await;
        assert_eq!(theirs, json!([]));

        let (status, claimed) = api
            .post(
                "/v1/actions/claim",
                OPERATOR,
                &json!({"limit": 100, "lease_seconds": 60}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{claimed}");
        let report = claimed
            .as_array()
            .unwrap()
            .iter()
            .find(|e| is_orosanmalan(e))
            .unwrap_or_else(|| panic!("no orosanmälan claimed: {claimed}"));
        assert_eq!(report["case_id"], id.as_str());
        assert_eq!(report["lease_owner"], "op-401");
        let action_id = report["action"]["id"].as_str().unwrap();

        // Action ids hold `/`: a client percent-encodes them in the path.
        let ack = format!("/v1/actions/{}/ack", action_id.replace('/', "%2F"));
        let (status, acked) = api.post(&ack, OPERATOR, &json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(acked, json!({"acknowledged": true}));
        let (_, again) = api.post(&ack, OPERATOR, &json!({})).await;
        assert_eq!(again, json!({"acknowledged": false}));
        let (_, pending) = api.get("/v1/actions?limit=100", OPERATOR).await;
        assert!(!pending.as_array().unwrap().iter().any(is_orosanmalan));

        // Reads and writes are in the audit log under the token's actor, through `http`.
        let log = api
            .running
            .state()
            .engine
            .store()
            .audit_log(Some(&id))
            .await
            .unwrap();
        let ops: Vec<Operation> = log.iter().map(|e| e.operation).collect();
        assert_eq!(ops.first(), Some(&Operation::Open));
        for op in [
            Operation::Append,
            Operation::Read,
            Operation::History,
            Operation::Explain,
            Operation::ReadAsOf,
        ] {
            assert!(ops.contains(&op), "{op:?} not audited: {ops:?}");
        }
        assert!(log.iter().filter(|e| e.operation != Operation::Acknowledge && e.operation != Operation::Claim).all(|e| e.actor == "hl-101" && e.route == "http"));
        api.stop().await;
    });
}

#[test]
fn other_units_cases_are_missing_cases_and_every_refusal_is_audited() {
    block_on(async {
        let api = Api::start("auth").await;
        let id = open_with(&api, 1).await;

        // Another unit's case answers exactly as a missing one.
        let (status, theirs) = api.get(&format!("/v1/cases/{id}"), MOLNDAL).await;
        let (missing_status, missing) = api.get("/v1/cases/vu-serve-none", MOLNDAL).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(missing_status, StatusCode::NOT_FOUND);
        assert_eq!(theirs["error"]["code"], missing["error"]["code"]);
        assert_eq!(
            theirs.to_string().replace(&id, "ID"),
            missing.to_string().replace("vu-serve-none", "ID")
        );
        for path in ["explain", "history"] {
            let (status, _) = api.get(&format!("/v1/cases/{id}/{path}"), MOLNDAL).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let event = json!({"at": "2025-09-02T10:30", "event": {"type": "session_held"}});
        let (status, _) = api
            .post(&format!("/v1/cases/{id}/events"), MOLNDAL, &event)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Nor may it open a case for skarholmen.
        let mut opening = full_case()[0].clone();
        opening["event"]["case_id"] = json!("vu-serve-0002");
        let (status, body) = api.post("/v1/cases", MOLNDAL, &opening).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"]["code"], "unit_not_permitted");

        // No token, an unknown token: 401.
        let (status, body) = api
            .call(Method::GET, &format!("/v1/cases/{id}"), None, None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "unauthorised");
        let (status, _) = api.get(&format!("/v1/cases/{id}"), "not-a-token").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // A quality reader: no case, no action; indicators and the board, yes.
        for path in [format!("/v1/cases/{id}"), "/v1/actions".to_owned()] {
            let (status, body) = api.get(&path, QUALITY).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        }
        let (status, report) = api
            .get("/v1/indicators?period=2025-09&format=json", QUALITY)
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        let res = api
            .client
            .get(format!("{}/v1/board?period=2025-09", api.base))
            .bearer_auth(QUALITY)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains("<html"));
        // An operator reads the catalog, not cases.
        let (status, catalog) = api.get("/v1/catalog", OPERATOR).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            catalog["workflows"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["id"] == "vuxna_utsatta")
        );
        assert_eq!(catalog["reload"]["outcome"], "loaded");
        let (status, _) = api.get(&format!("/v1/cases/{id}"), OPERATOR).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // A caseworker of some units claims nothing: a claim takes any unit's actions.
        let (status, _) = api
            .post(
                "/v1/actions/claim",
                SKARHOLMEN,
                &json!({"limit": 1, "lease_seconds": 60}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let denied = api.denied().await;
        let by = |actor: &str| denied.iter().filter(|e| e.actor == actor).count();
        assert!(
            denied.iter().any(|e| e.actor == "hl-202"
                && e.case_id.as_deref() == Some(id.as_str())
                && e.route == "http GET /v1/cases/{id}"),
            "{denied:?}"
        );
        assert_eq!(by("hl-202"), 6, "{denied:?}");
        assert_eq!(by(lots_server::auth::UNAUTHENTICATED), 2, "{denied:?}");
        assert_eq!(by("kv-301"), 2, "{denied:?}");
        assert_eq!(by("op-401"), 1, "{denied:?}");
        assert_eq!(by("hl-101"), 1, "{denied:?}");
        // The case's own log names the refused reads, not as reads.
        api.stop().await;
    });
}

#[test]
fn bad_requests_are_json_errors_and_never_5xx() {
    block_on(async {
        let api = Api::start("bad").await;
        let id = open_with(&api, 5).await;
        let events = format!("/v1/cases/{id}/events");
        let url = format!("{}{events}", api.base);

        // Malformed JSON: 400.
        let req = api
            .client
            .post(&url)
            .bearer_auth(SKARHOLMEN)
            .header("content-type", "application/json")
            .body("{\"at\": ");
        let (status, body) = api.finish(req, "malformed").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "malformed_json");
        // Not JSON at all: 415.
        let req = api.client.post(&url).bearer_auth(SKARHOLMEN).body("at=1");
        let (status, body) = api.finish(req, "form").await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
        // The wrong shape, an unknown event: 400.
        let (status, body) = api
            .post(
                &events,
                SKARHOLMEN,
                &json!({"at": "2025-09-03T09:00", "event": {"type": "no_such_event"}}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_body");
        // An actor in the body: refused, never used.
        let (status, body) = api
            .post(
                &events,
                SKARHOLMEN,
                &json!({"at": "2025-09-03T09:00", "by": {"id": "ec-103", "role": "enhetschef"}, "event": {"type": "session_held"}}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "actor_in_body");
        // Over the body limit: 413.
        let big = json!({"at": "2025-09-03T09:00", "event": {"type": "facts_recorded", "facts": {"note": "x".repeat(70 * 1024)}}});
        let (status, body) = api.post(&events, SKARHOLMEN, &big).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert_eq!(body["error"]["code"], "body_too_large");
        // A bad query, an unknown route, a wrong method.
        let (status, body) = api
            .get(&format!("/v1/cases/{id}?as_of=yesterday"), SKARHOLMEN)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_query");
        let (status, _) = api.get("/v1/nothing", SKARHOLMEN).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = api
            .call(
                Method::DELETE,
                &format!("/v1/cases/{id}"),
                Some(SKARHOLMEN),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
        let (status, _) = api.get("/v1/indicators?period=someday", QUALITY).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = api
            .post(
                "/v1/actions/claim",
                OPERATOR,
                &json!({"limit": 0, "lease_seconds": 60}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Leaving Utredning before the danger assessment: 422 with the engine's reason.
        let (status, body) = api
            .post(&events, SKARHOLMEN, &json!({"at": "2025-09-09T10:00", "event": {"type": "transition_requested", "to": "delgivning"}}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let reasons = body["error"]["rejection"]["reasons"].as_array().unwrap();
        assert_eq!(body["error"]["code"], reasons[0]["type"], "{body}");
        assert!(
            reasons.iter().any(|r| r["type"] == "instrument_missing"),
            "{body}"
        );
        // Opening with another event: 422.
        let (status, body) = api
            .post(
                "/v1/cases",
                SKARHOLMEN,
                &json!({"at": "2025-09-09T10:00", "event": {"type": "session_held"}}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        // Opening it twice: 409.
        let (status, body) = api.post("/v1/cases", SKARHOLMEN, &full_case()[0]).await;
        assert!(
            status == StatusCode::CONFLICT || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{status} {body}"
        );

        // Health needs no token.
        let (status, _) = api.call(Method::GET, "/healthz", None, None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, ready) = api.call(Method::GET, "/readyz", None, None).await;
        assert_eq!(status, StatusCode::OK, "{ready}");
        api.stop().await;
    });
}

#[test]
fn protected_identity_cases_are_for_the_listed_roles_only() {
    block_on(async {
        let api = Api::start("protected").await;
        let mut opening = full_case()[0].clone();
        opening["event"]["case_id"] = json!("vu-serve-skyddad");
        opening["event"]["facts"]["protection_level"] = json!("skyddad_folkbokforing");
        let (status, body) = api.post("/v1/cases", SKARHOLMEN, &opening).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = api.get("/v1/cases/vu-serve-skyddad", SKARHOLMEN).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"]["code"], "protected_identity");
        let (status, body) = api.get("/v1/cases/vu-serve-skyddad", UNIT_HEAD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["facts"]["protection_level"], "skyddad_folkbokforing");
        assert!(
            api.denied()
                .await
                .iter()
                .any(|e| e.actor == "hl-101" && e.case_id.as_deref() == Some("vu-serve-skyddad"))
        );
        api.stop().await;
    });
}

#[test]
fn a_non_loopback_address_is_refused_unless_the_configuration_allows_it() {
    block_on(async {
        let options = Options {
            db: ":memory:".to_owned(),
            catalog: vec![super::root().join("workflows"), super::root().join("rules")],
            listen: Some("0.0.0.0:0".parse().unwrap()),
            config: Config::read(&data("config.toml")).unwrap(),
        };
        let err = lots_server::start(options).await.unwrap_err();
        assert!(err.to_string().contains("allow_non_loopback"), "{err}");
    });
}

#[test]
fn the_example_configuration_is_valid_and_hashes_are_sha256_hex() {
    let checked = Config::read(&super::root().join("server/lots-serve.example.toml")).unwrap();
    assert_eq!(checked.hashes.len(), checked.config.tokens.len());
    assert_eq!(
        lots_server::hash_token("test-token-quality\n"),
        checked_hash_of("test-token-quality")
    );
    let bad = Config::parse("[[tokens]]\nsha256 = \"abc\"\nactor = \"a-1\"\nrole = \"r\"\nkind = \"operator\"\nunits = \"all\"\n")
        .unwrap()
        .check();
    assert!(bad.unwrap_err().to_string().contains("64 hex digits"));
    let some = Config::parse("[[tokens]]\nsha256 = \"abc\"\nactor = \"a-1\"\nrole = \"r\"\nkind = \"operator\"\nunits = \"every\"\n")
        .unwrap()
        .check();
    assert!(some.is_err());
}

fn checked_hash_of(token: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}
