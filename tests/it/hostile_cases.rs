//! The hostile corpus (`tests/data/hostile/*.yaml`): one file per attack that a hostile or
//! careless unit (or a host passing careless text) could make on the guarantees of a duty in
//! law and of secrecy. Each file adds catalog files to the shipped catalog and says what must
//! happen instead:
//!
//! - `load_error`: the catalog does not load, and a diagnostic with `code` is reported at a
//!   file:line:column in one of the case's `files`;
//! - `runs`: the catalog loads and the `scenario` is played for each of its units with every
//!   expectation holding; replaying the accepted events gives the same case;
//! - `fails`: as `runs`, but every run's expectations fail (a failing expectation must not
//!   print a sensitive value).
//!
//! With `secret`, the secret appears in no text that leaves the engine: rendered diagnostics,
//! rendered runs (story and trace, Swedish and English), the JSON of every step's trace,
//! actions and warnings and of every rejection, the failure messages, the explanation at the
//! end, everything `tracing` records at TRACE level during load and play, and the output of
//! `lots check`, `lots run` and `lots test` on a copy of the catalog with the case's files.
//!
//! A `load_error` case may carry a `scenario` too: the story the attack would tell. It must
//! parse; it is played only when the catalog loads after all, to show what the attack does.
//! Every failing case is reported by file name, each with what happened instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use lots::quality::scenario::{self, Detail, Played, Scenario};
use lots::runtime::{self, Case, Lang};
use lots::{Catalog, Loaded, MemorySource, SourceFile};
use miette::{GraphicalReportHandler, GraphicalTheme};
use serde::Deserialize;

use crate::{root, shipped_inputs};

/// One case file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostileCase {
    /// What the attack is and what must happen instead.
    description: String,
    /// A text (an address, a phone number) that must appear in no output.
    #[serde(default)]
    secret: Option<String>,
    /// Catalog files added to the shipped catalog, by path from the repository root (one with
    /// the name of a shipped file replaces it).
    #[serde(default)]
    files: BTreeMap<String, String>,
    /// What must happen.
    expect: Expect,
    /// With `load_error`: the diagnostic code that must be reported.
    #[serde(default)]
    code: Option<String>,
    /// A Scenario file's text.
    #[serde(default)]
    scenario: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Expect {
    LoadError,
    Runs,
    Fails,
}

/// Texts that leave the engine, each with where it came from.
type Texts = Vec<(String, String)>;

#[test]
fn hostile_cases() {
    let shipped = shipped_inputs();
    let mut failing = Vec::new();
    let mut n = 0;
    insta::glob!("../data", "hostile/*.yaml", |path| {
        n += 1;
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // A panic (in the engine, say) is one more failing case, not the end of the corpus.
        let problems = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_case(&shipped, path, &name)
        }))
        .unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            vec![format!("panicked: {message}")]
        });
        if !problems.is_empty() {
            // Printed at once too: a snapshot mismatch makes `glob!` panic before the summary.
            let report = format!("{name}:\n    {}", problems.join("\n    "));
            eprintln!("hostile case failed: {report}");
            failing.push(report);
        }
    });
    assert!(
        failing.is_empty(),
        "{} of {n} hostile cases failed:\n{}",
        failing.len(),
        failing.join("\n")
    );
}

/// Everything wrong with one case; empty when it holds.
fn check_case(shipped: &[(String, String)], path: &Path, name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let text = std::fs::read_to_string(path).unwrap();
    let case: HostileCase = match serde_saphyr::from_str(&text) {
        Ok(c) => c,
        Err(e) => return vec![format!("not a hostile case file: {e}")],
    };
    check_shape(&case, &mut problems);
    let scenario = case
        .scenario
        .as_deref()
        .and_then(|s| load_scenario(name, s, &mut problems));
    if !problems.is_empty() {
        return problems;
    }

    // Load and play with every tracing event and span recorded.
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(
            tracing_subscriber::fmt::format::FmtSpan::NEW
                | tracing_subscriber::fmt::format::FmtSpan::CLOSE,
        )
        .with_writer(captured.clone())
        .finish();
    let mut texts = Texts::new();
    tracing::subscriber::with_default(subscriber, || {
        tracing::trace!(target: "lots_tests::hostile", case = name, "capture on");
        let loaded = load(shipped, &case.files);
        texts.extend(rendered_diagnostics(&loaded));
        match case.expect {
            Expect::LoadError => {
                let code = case.code.as_deref().unwrap_or_default();
                check_load_error(&case, &loaded, code, &mut problems);
                if let (Some(catalog), Some(scenario)) = (&loaded.catalog, &scenario) {
                    // It loads after all: show what the attack does.
                    let played = play(catalog, scenario, &mut texts, &mut problems);
                    for p in played.iter().filter(|p| !p.failures.is_empty()) {
                        problems.push(format!(
                            "playing its scenario (unit {}): {}",
                            p.unit,
                            one_line(&p.failures)
                        ));
                    }
                }
            }
            Expect::Runs | Expect::Fails => {
                let Some(catalog) = &loaded.catalog else {
                    problems.push(format!(
                        "the catalog does not load: {}",
                        describe_diagnostics(&loaded)
                    ));
                    return;
                };
                let warnings: Vec<String> = loaded.diagnostics.iter().map(located).collect();
                if !warnings.is_empty() {
                    problems.push(format!(
                        "the catalog loads with warnings: {}",
                        warnings.join("; ")
                    ));
                }
                let Some(scenario) = &scenario else { return };
                let played = play(catalog, scenario, &mut texts, &mut problems);
                for p in &played {
                    match (case.expect, p.failures.is_empty()) {
                        (Expect::Runs, false) => problems.push(format!(
                            "unit {}: expectations failed: {}",
                            p.unit,
                            one_line(&p.failures)
                        )),
                        (Expect::Fails, true) => problems.push(format!(
                            "unit {}: every expectation held, but the case says they fail",
                            p.unit
                        )),
                        _ => {}
                    }
                }
            }
        }
    });
    let log = captured.text();
    if !log.contains("capture on") {
        problems.push("the tracing capture recorded nothing".to_owned());
    }
    texts.push(("tracing at TRACE level".to_owned(), log));

    if let Some(secret) = &case.secret {
        problems.extend(leaks(&texts, secret));
    }
    check_cli(name, shipped, &case, &mut problems);
    problems
}

/// The fields each kind needs, and files that can be added where the case says.
fn check_shape(case: &HostileCase, problems: &mut Vec<String>) {
    if case.description.trim().is_empty() {
        problems.push("`description` is empty".to_owned());
    }
    match (case.expect, &case.code, &case.scenario) {
        (Expect::LoadError, None, _) => {
            problems.push("`expect: load_error` needs the `code` that must be reported".to_owned());
        }
        (Expect::Runs | Expect::Fails, Some(_), _) => {
            problems.push("`code` goes only with `expect: load_error`".to_owned());
        }
        (Expect::Runs | Expect::Fails, _, None) => {
            problems.push("`expect: runs` and `expect: fails` need a `scenario`".to_owned());
        }
        _ => {}
    }
    if let Some(secret) = &case.secret {
        if secret.trim().is_empty() {
            problems.push("`secret` is empty".to_owned());
        }
        if case.files.values().any(|t| t.contains(secret.as_str())) {
            problems.push(
                "the secret is written in a catalog file, so every diagnostic excerpt would show it"
                    .to_owned(),
            );
        }
    }
    for (file, text) in &case.files {
        let under_catalog = file.starts_with("workflows/") || file.starts_with("rules/");
        let yaml = Path::new(file).extension().is_some_and(|e| e == "yaml");
        let rhai = Path::new(file).extension().is_some_and(|e| e == "rhai");
        if !under_catalog || file.contains("..") || !(yaml || rhai) {
            problems.push(format!(
                "`{file}`: a case file is a `.yaml` or `.rhai` file under `workflows/` or `rules/`"
            ));
        }
        if yaml && let Err(p) = modeline(Path::new(file).parent().unwrap(), text) {
            problems.push(format!("`{file}`: {p}"));
        }
    }
}

/// The first line is the schema modeline, and names a schema that exists.
fn modeline(dir: &Path, text: &str) -> Result<(), String> {
    let first = text.lines().next().unwrap_or("");
    let Some(schema) = first.strip_prefix("# yaml-language-server: $schema=") else {
        return Err("does not start with the schema modeline".to_owned());
    };
    if root().join(dir).join(schema.trim()).exists() {
        Ok(())
    } else {
        Err(format!("the modeline names a missing schema `{schema}`"))
    }
}

/// The scenario text as a checked scenario.
fn load_scenario(name: &str, text: &str, problems: &mut Vec<String>) -> Option<Scenario> {
    if let Err(p) = modeline(Path::new("tests/data/hostile"), text) {
        problems.push(format!("scenario: {p}"));
    }
    let source = SourceFile::new(format!("tests/data/hostile/{name} (scenario)"), text);
    match scenario::load(&source) {
        Ok(s) => Some(s),
        Err(diags) => {
            let found: Vec<String> = diags.iter().map(located).collect();
            problems.push(format!("the scenario does not load: {}", found.join("; ")));
            None
        }
    }
}

/// The shipped catalog with the case's files added (or put in place of a shipped file).
fn load(shipped: &[(String, String)], files: &BTreeMap<String, String>) -> Loaded {
    let mut source = MemorySource::new();
    for (file, text) in shipped.iter().filter(|(f, _)| !files.contains_key(f)) {
        source = source.with(file.clone(), text.clone());
    }
    for (file, text) in files {
        source = source.with(file.clone(), text.clone());
    }
    Catalog::load(&source).expect("memory source cannot fail")
}

/// Every diagnostic as the CLI shows it (miette, no colour, width 80), and its message and help.
fn rendered_diagnostics(loaded: &Loaded) -> Texts {
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(80);
    let mut texts = Texts::new();
    for d in loaded.diagnostics.iter() {
        let mut rendered = String::new();
        handler.render_report(&mut rendered, d).unwrap();
        let code = d.code.as_str();
        texts.push((format!("diagnostic {code} rendered"), rendered));
        texts.push((format!("diagnostic {code} message"), d.message.clone()));
        texts.push((
            format!("diagnostic {code} help"),
            d.help.clone().unwrap_or_default(),
        ));
    }
    texts
}

/// `file:line:column: code: message`.
fn located(d: &lots::Diagnostic) -> String {
    match d.location() {
        Some((file, line, column)) => {
            format!("{file}:{line}:{column}: {}: {}", d.code.as_str(), d.message)
        }
        None => format!("{}: {}", d.code.as_str(), d.message),
    }
}

fn describe_diagnostics(loaded: &Loaded) -> String {
    let all: Vec<String> = loaded.diagnostics.iter().map(located).collect();
    if all.is_empty() {
        "no diagnostics".to_owned()
    } else {
        all.join("; ")
    }
}

/// The catalog does not load, and `code` is reported in one of the case's files.
fn check_load_error(case: &HostileCase, loaded: &Loaded, code: &str, problems: &mut Vec<String>) {
    let matching: Vec<&lots::Diagnostic> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == code)
        .collect();
    if loaded.catalog.is_some() {
        problems.push(format!(
            "the catalog loads ({}); expected `{code}`",
            describe_diagnostics(loaded)
        ));
        return;
    }
    if matching.is_empty() {
        problems.push(format!(
            "the catalog does not load, but without `{code}`: {}",
            describe_diagnostics(loaded)
        ));
        return;
    }
    let in_case: Vec<String> = matching
        .iter()
        .filter(|d| {
            d.location()
                .is_some_and(|(file, _, _)| case.files.contains_key(file))
        })
        .map(|d| located(d))
        .collect();
    if in_case.is_empty() {
        let at: Vec<String> = matching.iter().map(|d| located(d)).collect();
        problems.push(format!(
            "`{code}` is reported, but not in one of the case's files: {}",
            at.join("; ")
        ));
        return;
    }
    insta::assert_snapshot!("hostile_cases", in_case.join("\n"));
}

/// Plays the scenario for each of its units, collecting every text the runs produce; checks
/// that replaying each case's accepted events gives the same case.
fn play(
    catalog: &Catalog,
    scenario: &Scenario,
    texts: &mut Texts,
    problems: &mut Vec<String>,
) -> Vec<Played> {
    let played = scenario::play(catalog, scenario);
    let end = scenario.steps.last().map(|s| s.at);
    for p in &played {
        let unit = &p.unit;
        for lang in [Lang::Sv, Lang::En] {
            for detail in [Detail::Story, Detail::Trace] {
                texts.push((
                    format!("unit {unit}: the run rendered ({detail:?}, {lang:?})"),
                    scenario::render(&p.outcomes, lang, detail),
                ));
            }
        }
        for (i, o) in p.outcomes.iter().enumerate() {
            let at = format!("unit {unit}: step {}", i + 1);
            match &o.result {
                Ok(step) => {
                    texts.push((format!("{at}: trace (JSON)"), json(&step.trace)));
                    texts.push((format!("{at}: actions (JSON)"), json(&step.actions)));
                    texts.push((format!("{at}: warnings (JSON)"), json(&step.warnings)));
                }
                Err(rejection) => {
                    texts.push((format!("{at}: rejection (JSON)"), json(rejection)));
                    texts.push((format!("{at}: rejection"), rejection.to_string()));
                    for lang in [Lang::Sv, Lang::En] {
                        texts.push((
                            format!("{at}: rejection described ({lang:?})"),
                            rejection.describe(lang),
                        ));
                    }
                }
            }
        }
        for f in &p.failures {
            texts.push((format!("unit {unit}: failure message"), f.to_string()));
        }
        if let Some(end) = end
            && let Some(explanation) = runtime::explain(catalog, &p.case, end)
        {
            for lang in [Lang::Sv, Lang::En] {
                texts.push((
                    format!("unit {unit}: explanation at the end ({lang:?})"),
                    explanation.render(lang),
                ));
            }
            texts.push((
                format!("unit {unit}: explanation at the end (JSON)"),
                json(&explanation),
            ));
        }
        match Case::replay(catalog, &p.case.events) {
            Ok(replayed) if replayed == p.case => {}
            Ok(_) => problems.push(format!(
                "unit {unit}: replaying the accepted events gives another case"
            )),
            Err(r) => problems.push(format!(
                "unit {unit}: replaying the accepted events is rejected: {r}"
            )),
        }
    }
    played
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}

fn one_line(failures: &[scenario::Failure]) -> String {
    failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where the secret appears, in any letter case, with a short excerpt of each place.
fn leaks(texts: &Texts, secret: &str) -> Vec<String> {
    let secret = secret.to_lowercase();
    texts
        .iter()
        .filter_map(|(what, text)| {
            let text = text.to_lowercase();
            let at = text.find(&secret)?;
            Some(format!(
                "the secret leaks into {what}: …{}…",
                excerpt(&text, at, secret.len())
            ))
        })
        .collect()
}

/// Up to 40 characters either side of `text[at..at + len]`, on one line.
fn excerpt(text: &str, at: usize, len: usize) -> String {
    let before: String = text[..at]
        .chars()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = text[at + len..].chars().take(40).collect();
    format!("{before}{}{after}", &text[at..at + len]).replace('\n', "⏎")
}

/// The `lots` binary on a copy of the catalog with the case's files: `check`, and with a
/// scenario `run --trace` (Swedish and English) and `test` in JSON, JUnit and table with
/// coverage. No run may panic (exit 101 or a signal), and none may print the secret.
fn check_cli(
    name: &str,
    shipped: &[(String, String)],
    case: &HostileCase,
    problems: &mut Vec<String>,
) {
    let stem = name.trim_end_matches(".yaml");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile_cases")
        .join(stem);
    let _ = std::fs::remove_dir_all(&dir);
    let files = shipped
        .iter()
        .filter(|(f, _)| !case.files.contains_key(f))
        .map(|(f, t)| (f, t))
        .chain(&case.files);
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (workflows, rules) = (dir.join("workflows"), dir.join("rules"));
    let catalog = |flag: &str| {
        [flag.to_owned(), workflows.display().to_string()]
            .into_iter()
            .chain([flag.to_owned(), rules.display().to_string()])
            .collect::<Vec<String>>()
    };
    let mut runs: Vec<Vec<String>> = vec![vec![
        "check".to_owned(),
        workflows.display().to_string(),
        rules.display().to_string(),
    ]];
    if let Some(text) = &case.scenario {
        let scenario = dir.join("scenario.yaml");
        std::fs::write(&scenario, text).unwrap();
        let scenario = scenario.display().to_string();
        for lang in ["sv", "en"] {
            let mut args = vec!["run".to_owned(), scenario.clone()];
            args.extend(catalog("--path"));
            args.extend(["--trace", "--lang", lang].map(str::to_owned));
            runs.push(args);
        }
        for format in [
            &["--format", "json"][..],
            &["--format", "junit"],
            &["--format", "table", "--coverage"],
        ] {
            let mut args = vec!["test".to_owned(), scenario.clone()];
            args.extend(catalog("--catalog"));
            args.extend(format.iter().map(|s| (*s).to_owned()));
            runs.push(args);
        }
    }
    for args in runs {
        let out = crate::cli::lots()
            .current_dir(&dir)
            .args(&args)
            .output()
            .unwrap();
        let shown = format!("`lots {}`", args.first().map_or("", String::as_str));
        let shown = match args.iter().position(|a| a == "--format" || a == "--lang") {
            Some(i) => format!(
                "{shown} {} {}",
                args[i],
                args.get(i + 1).map_or("", String::as_str)
            ),
            None => shown,
        };
        match out.status.code() {
            Some(101) | None => problems.push(format!(
                "{shown} crashed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
            Some(_) => {}
        }
        if let Some(secret) = &case.secret {
            let texts = vec![
                (
                    format!("{shown} stdout"),
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                ),
                (
                    format!("{shown} stderr"),
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                ),
            ];
            problems.extend(leaks(&texts, secret));
        }
    }
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
