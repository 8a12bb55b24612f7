//! End-to-end runs of the `lots` binary.

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
use std::process::Command;

use crate::root;

/// The `lots` binary. `cargo test` builds binaries only for their own package's integration
/// tests, so the first call builds it with the cargo that runs the tests (same target dir).
pub(crate) fn lots() -> Command {
    static BUILT: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--package", "lots-cli", "--bin", "lots"])
            .current_dir(root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the lots binary failed");
    });
    let mut cmd = Command::new(get_cargo_bin("lots"));
    cmd.current_dir(root());
    cmd
}

#[test]
fn check_shipped_catalog_exits_zero_with_summary() {
    assert_cmd_snapshot!(lots().arg("check"));
}

#[test]
fn check_missing_path_is_a_usage_error() {
    let out = lots().args(["check", "no/such/dir"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

#[test]
fn graph_of_each_workflow() {
    for workflow in ["vuxna_utsatta", "utovare_atv", "barn_mottagning"] {
        for format in ["dot", "mermaid"] {
            let out = lots()
                .args(["graph", workflow, "--format", format])
                .output()
                .unwrap();
            assert!(out.status.success(), "graph {workflow} {format} failed");
            let text = String::from_utf8(out.stdout).unwrap();
            insta::assert_snapshot!(format!("graph_{workflow}_{format}"), text);
        }
    }
}

#[test]
fn graph_unknown_workflow_is_a_usage_error() {
    let out = lots().args(["graph", "no_such_workflow"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("vuxna_utsatta"));
}

#[test]
fn schema_check_agrees_with_the_files() {
    let out = lots().args(["schema", "--check"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The issue's acceptance case: a copy of the shipped catalog with a typo in a fact name, a
/// transition to a missing phase, an unreachable phase and a unit switching off the
/// orosanmälan rule gives exactly those four diagnostics, each at its file:line:column, and
/// exit code 1.
#[test]
fn four_planted_mistakes_give_four_diagnostics() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("four_mistakes");
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in crate::shipped_inputs() {
        let path = dir.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let edit = |file: &str, from: &str, to: &str| {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} no longer contains {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "rules/routing/vinr.yaml",
        "fact: children_witnessed",
        "fact: children_witnesed",
    );
    edit(
        "workflows/vuxna_utsatta.yaml",
        "transitions:\n",
        "transitions:\n  - from: stodsamtal\n    to: avslutad_klar\n",
    );
    edit(
        "workflows/vuxna_utsatta.yaml",
        "phases:\n",
        "phases:\n  - id: uppfoljning\n    title: Uppföljning\n    terminal: true\n",
    );
    edit(
        "rules/units/skarholmen.yaml",
        "hooks:\n",
        "rules:\n  disable:\n    - rule: orosanmalan_barn\n      reason: handled by phone\nhooks:\n",
    );
    let out = lots()
        .current_dir(&dir)
        .args(["check", "--error-format", "plain"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains(": error[")).collect();
    assert_eq!(lines.len(), 4, "expected four diagnostics:\n{stdout}");
    insta::assert_snapshot!(stdout);
}

/// `lots watch` re-checks on save: a broken edit is reported (with its code and place) and
/// the last good catalog is kept. Bounded by the watcher's own reload count, not by sleeps.
#[test]
fn watch_reports_a_broken_edit_and_keeps_the_last_good_catalog() {
    use std::io::{BufRead, BufReader};
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_watch");
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in crate::shipped_inputs() {
        let path = dir.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut child = lots()
        .current_dir(&dir)
        .args(["watch", "--reloads", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait until it is watching, then break a transition target.
    for line in lines.by_ref() {
        if line.unwrap().starts_with("watching for changes") {
            break;
        }
    }
    let started = std::time::Instant::now();
    let wf = dir.join("workflows/vuxna_utsatta.yaml");
    let text = std::fs::read_to_string(&wf).unwrap();
    std::fs::write(
        &wf,
        text.replacen("    to: delgivning\n", "    to: delgivnig\n", 1),
    )
    .unwrap();
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let output = rest.join("\n");
    assert!(output.contains("error[graph::unknown_target]"), "{output}");
    assert!(output.contains("vuxna_utsatta.yaml:"), "{output}");
    assert!(
        output.contains("the last good catalog stays in use"),
        "{output}"
    );
}

/// A copy of the shipped catalog under the test's temp dir, with one edit.
fn catalog_copy(name: &str, file: &str, from: &str, to: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (rel, text) in crate::shipped_inputs() {
        let path = dir.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = if rel == file {
            assert!(text.contains(from), "{file} no longer contains {from:?}");
            text.replacen(from, to, 1)
        } else {
            text
        };
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// `lots test --coverage` passes on the repo; with every scenario that fires one mandatory
/// rule in one configuration removed, it exits 1 and names the gap.
#[test]
fn test_fails_when_the_only_cover_of_a_duty_is_removed() {
    let out = lots()
        .args(["test", "--coverage", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{json:#}");
    let config = &json["coverage"]["configurations"][0];
    let duty = config["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["required"] == true)
        .expect("a mandatory rule in the first configuration");
    let covering: Vec<&str> = duty["by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("scenarios_minus_duty");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for run in json["runs"].as_array().unwrap() {
        let (id, file) = (
            run["scenario"].as_str().unwrap(),
            run["file"].as_str().unwrap(),
        );
        if !covering.contains(&id) {
            std::fs::copy(root().join(file), dir.join(format!("{id}.yaml"))).unwrap();
        }
    }
    let out = lots()
        .args(["test", "--coverage"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let gap = format!(
        "mandatory rule `{}` of {} in {} is covered by no scenario",
        duty["id"].as_str().unwrap(),
        config["workflow"].as_str().unwrap(),
        config["unit"].as_str().unwrap()
    );
    assert!(stdout.contains(&gap), "expected `{gap}` in:\n{stdout}");
}

/// Deleting the children-witnessed branch of the orosanmälan rule's condition in a copy of the
/// catalog makes the scenarios that rely on it fail, and `lots test` exit 1.
#[test]
fn test_fails_when_the_orosanmalan_condition_is_cut() {
    let dir = catalog_copy(
        "orosanmalan_cut",
        "rules/routing/vinr.yaml",
        "            - equals: {fact: children_witnessed, value: true}\n",
        "",
    );
    let out = lots()
        .args(["test", "--format", "junit", "--catalog"])
        .arg(dir.join("workflows"))
        .arg("--catalog")
        .arg(dir.join("rules"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("<?xml"), "{stdout}");
    assert!(
        stdout.contains("name=\"barn_bevittnat_orosanmalan\" file=")
            && stdout.contains("<failure message="),
        "the orosanmälan scenario should fail:\n{stdout}"
    );
}

/// Waits for a child with its stdout already taken, collecting stderr, without a sleep: a
/// thread waits, and a generous timeout only catches a hang.
fn finish(child: std::process::Child, what: &str) -> std::process::Output {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(std::time::Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("`lots {what}` did not end within 120 s"))
        .unwrap()
}

/// `lots … | head` must end quietly, as ripgrep does: no panic ("failed printing to stdout"),
/// no exit 101, not killed by SIGPIPE. Each subcommand runs twice: with the read end of its
/// stdout closed before it starts, and with a reader that takes a few bytes and goes away.
/// (In the second case a small output may already sit in the pipe before the reader leaves;
/// then the run simply succeeds, which the assertions allow. Nothing depends on timing.)
#[test]
fn every_subcommand_survives_a_closed_pipe() {
    use std::io::Read;
    use std::process::Stdio;
    let scenario = "tests/data/scenarios/vuxna_utsatta/barn_bevittnat_orosanmalan.yaml";
    let runs: &[&[&str]] = &[
        &["check"],
        &["graph", "vuxna_utsatta"],
        &["run", scenario, "--trace"],
        &["schema"],
        &["show", "vuxna_utsatta", "--unit", "skarholmen"],
        &["test", "--coverage"],
        &["watch", "--reloads", "0"],
    ];
    let check = |args: &[&str], variant: &str, out: std::process::Output| {
        let what = format!("{} ({variant})", args.join(" "));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.code().is_some(),
            "`lots {what}` was killed: {:?}",
            out.status
        );
        assert_ne!(out.status.code(), Some(101), "`lots {what}`:\n{stderr}");
        assert!(!stderr.contains("panicked"), "`lots {what}`:\n{stderr}");
    };
    for &args in runs {
        // (a) The read end is closed before the child is even started.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let child = lots()
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        check(
            args,
            "closed before it writes",
            finish(child, &args.join(" ")),
        );

        // (b) A reader takes a few bytes, then goes away.
        let mut child = lots()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut head = [0_u8; 8];
        stdout.read_exact(&mut head).unwrap();
        drop(stdout);
        check(args, "closed after 8 bytes", finish(child, &args.join(" ")));
    }
}

/// A diagnostic on a 70,000-character line: miette 7.6 panics when it underlines past column
/// 65,535, so the report gives the place in words instead of an excerpt. Every error format
/// still names the file, line and code, and exits 1.
#[test]
fn a_66_kb_line_gives_a_diagnostic() {
    let dir = std::env::temp_dir().join(format!("lots-66kb-line-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let text = format!(
        "# yaml-language-server: $schema=../schemas/unit.json\n\
         kind: Unit\nid: a\nversion: 1\ntitle: t\nworkflows: [{}, zz]\n",
        "x".repeat(70_000)
    );
    std::fs::write(dir.join("u.yaml"), text).unwrap();
    for format in ["human", "plain", "json"] {
        let out = lots()
            .arg("check")
            .arg(&dir)
            .args(["--error-format", format])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{format}:\n{stderr}");
        assert!(
            stdout.contains("reference::unknown_workflow"),
            "{format}:\n{stdout}"
        );
        if format == "json" {
            // The place is in fields of its own: `file`, `line`, `column`.
            let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            let d = &json["diagnostics"][0];
            let place = format!("{}:{}:", d["file"].as_str().unwrap(), d["line"]);
            assert!(place.ends_with("u.yaml:6:"), "{place}");
            assert_eq!(d["code"], "reference::unknown_workflow");
        } else {
            assert!(stdout.contains("u.yaml:6:"), "{format}:\n{stdout}");
        }
        if format == "human" {
            // miette wraps the help to the width; read it as words.
            let words = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
            let said = "u.yaml:6:13 (the line is 70017 characters long, too long to show)";
            assert!(words.contains(said), "no `{said}` in:\n{stdout}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `lots show` lists each configuration's duty inputs with the duty they serve, and what each
/// of the unit's hooks and the rules that run write: in the shipped catalog, nothing that a duty
/// depends on (a `✗` line would mean the loader let a weakening through).
#[test]
fn show_lists_the_duty_inputs_and_what_writes_them() {
    for (workflow, unit) in [
        ("vuxna_utsatta", "skarholmen"),
        ("vuxna_utsatta", "molndal"),
        ("barn_mottagning", "mottagningsenheten"),
    ] {
        let out = lots()
            .args(["show", workflow, "--unit", unit])
            .output()
            .unwrap();
        assert!(out.status.success(), "show {workflow} {unit} failed");
        let text = String::from_utf8(out.stdout).unwrap();
        let duties = text
            .split_once("\nduty inputs")
            .map(|(_, rest)| format!("duty inputs{rest}"))
            .expect("a duty inputs section");
        assert!(!duties.contains('✗'), "{workflow} in {unit}: {duties}");
        insta::assert_snapshot!(format!("show_duties_{workflow}_{unit}"), duties);
    }
}

/// `lots case` and `lots actions` on a SQLite file: open, apply, show, show as of an earlier
/// moment (exactly the case as it stood then), history, the outbox; a rejected event stores
/// nothing; the protected address appears in no output.
#[test]
fn cases_in_a_store() {
    let dir = std::env::temp_dir().join(format!("lots-cli-case-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("lots.db");
    let db = db.to_str().unwrap();
    let mut outputs = Vec::new();
    let mut run = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = lots();
        cmd.args(args).args(["--db", db]);
        let out = match stdin {
            Some(text) => {
                use std::io::Write;
                let mut child = cmd
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(text.as_bytes())
                    .unwrap();
                child.wait_with_output().unwrap()
            }
            None => cmd.output().unwrap(),
        };
        let text = String::from_utf8(out.stdout).unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        outputs.push(format!("{text}{err}"));
        (out.status.code(), text)
    };
    let (code, opened) = run(&["case", "open", "tests/data/cli/case_open.json"], None);
    assert_eq!(code, Some(0), "{opened}");
    assert!(
        opened.contains("orosanmälan → mottagningsenheten"),
        "{opened}"
    );
    let (_, before) = run(&["case", "show", "cli-2025-0001"], None);
    assert!(before.contains("address = [redacted]"), "{before}");
    let then = jiff::Timestamp::now().to_string();
    let (code, applied) = run(
        &[
            "case",
            "apply",
            "cli-2025-0001",
            "-",
            "--at",
            "2025-09-03T10:00",
        ],
        Some(r#"{"type": "session_held"}"#),
    );
    assert_eq!(code, Some(0), "{applied}");
    let (_, after) = run(&["case", "show", "cli-2025-0001"], None);
    assert_ne!(after, before);
    let (_, as_of) = run(&["case", "show", "cli-2025-0001", "--as-of", &then], None);
    let (header, known) = as_of.split_once('\n').unwrap();
    assert!(header.starts_with("as known at"), "{header}");
    assert_eq!(known, before, "the case as it stood then, exactly");
    // Time went back: rejected, nothing stored.
    let (code, rejected) = run(
        &[
            "case",
            "apply",
            "cli-2025-0001",
            "-",
            "--at",
            "2025-09-02T10:00",
        ],
        Some("type: no_show\n"),
    );
    assert_eq!(code, Some(1), "{rejected}");
    assert!(rejected.contains("nothing was stored"), "{rejected}");
    let (_, history) = run(&["case", "history", "cli-2025-0001"], None);
    assert_eq!(history.lines().count(), 3, "{history}");
    let (_, pending) = run(&["actions", "list"], None);
    assert_eq!(pending.lines().count(), 2, "{pending}");
    let first: serde_json::Value = serde_json::from_str(pending.lines().next().unwrap()).unwrap();
    let id = first["action"]["id"].as_str().unwrap().to_owned();
    assert_eq!(run(&["actions", "ack", &id], None).0, Some(0));
    assert_eq!(
        run(&["actions", "ack", &id], None).0,
        Some(1),
        "acknowledged once"
    );
    assert_eq!(run(&["actions", "list"], None).1.lines().count(), 1);
    // Events are read with the catalog's budgets: an alias bomb is a clear error, nothing stored.
    let (code, bomb) = run(
        &[
            "case",
            "apply",
            "cli-2025-0001",
            "tests/data/cli/events_alias_bomb.yaml",
        ],
        None,
    );
    assert_eq!(code, Some(2), "{bomb}");
    assert_eq!(
        run(&["case", "history", "cli-2025-0001"], None)
            .1
            .lines()
            .count(),
        3
    );
    for out in &outputs {
        assert!(!out.contains("Hemligvägen"), "the address leaked: {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `lots simulate`, `lots report` and `lots export` as a newcomer runs them: the same commands
/// twice give the same output byte for byte (the second simulate finds its cases and reports
/// them), a bad period or a missing key is a usage error with a message, and the board is
/// written to a file only when it is safe.
#[test]
fn simulate_report_and_export() {
    let dir = std::env::temp_dir().join(format!("lots-cli-sim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("data/lots.db");
    let db = db.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = lots().args(args).args(["--db", db]).output().unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let sim = ["simulate", "--cases", "120", "--seed", "4", "--months", "6"];
    let (code, first, err) = run(&sim);
    assert_eq!(code, Some(0), "{err}");
    assert!(first.starts_with("Resultattavla – juni 2026"), "{first}");
    assert!(err.contains("simulated 120 cases"), "{err}");
    let (code, second, err) = run(&sim);
    assert_eq!(code, Some(0));
    assert_eq!(first, second);
    assert!(err.contains("already holds the cases of seed 4"), "{err}");
    let board = dir.join("board.html");
    let (code, out, _) = run(&[
        "report",
        "--period",
        "2026-T1",
        "--format",
        "html",
        "-o",
        board.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    let html = std::fs::read_to_string(&board).unwrap();
    assert!(html.contains("<svg") && html.contains("tertial 1 2026"));
    for (args, says) in [
        (vec!["report", "--period", "2026-13"], "a month is 01 to 12"),
        (
            vec!["report", "--period", "2026", "--unit", "nowhere"],
            "no unit `nowhere`",
        ),
        (
            vec!["export", "--period", "2026"],
            "give the pseudonymisation key",
        ),
        (
            vec!["export", "--period", "2026", "--key-file", "/dev/zero"],
            "not a regular file",
        ),
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let key = dir.join("key.txt");
    std::fs::write(&key, "0123456789abcdef0123456789abcdef-test-key\n").unwrap();
    let (code, csv, err) = run(&[
        "export",
        "--period",
        "2026",
        "--key-file",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(csv.lines().count(), 121, "a header and one line per case");
    assert!(csv.starts_with("pseudonym,unit,opened,closed,closure_reason,gender,age_band"));
    assert!(!csv.contains("sim-4-") && !csv.contains("test-key"));
}
