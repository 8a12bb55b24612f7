//! A seeded mutation fuzzer over the shipped files, and the corpus of what it found.
//!
//! `fuzz` makes three kinds of input, interleaved, and checks each one:
//!
//! - **catalog**: one file of the shipped catalog (`workflows/`, `rules/`, `.rhai` scripts
//!   included) is mutated and the whole catalog is loaded from a [`MemorySource`]. When the
//!   mutated catalog still loads, one scenario is played against it, and its phase graphs and
//!   coverage are computed.
//! - **scenario**: a file under `tests/data/scenarios/` is mutated (as text: bytes that are not
//!   UTF-8 become U+FFFD), read with `scenario::load` and, when it loads, played against the
//!   shipped catalog.
//! - **events**: the steps of a scenario, as events, get one to eight mutations: steps dropped,
//!   duplicated, swapped, moved in time (minutes to centuries, or to the ends of the calendar);
//!   fact values made extreme (`i64::MIN`, NaN, infinities, 70,000 characters, control and bidi
//!   characters, the wrong type), enum values changed, instrument answers changed; and events
//!   added: `deadline_extended` (`days: 4294967295`), `action_acknowledged` with made-up ids,
//!   `case_closed` with any reason, transitions, overrides, sessions, a second `case_opened`.
//!   They are applied with `runtime::apply` from `Case::default()`.
//!
//! Text mutations are stacked, one to three per input: *byte* (flip a bit, insert or delete
//! bytes; the file may stop being UTF-8), *token* (a YAML scalar becomes an entry of
//! [`TOKENS`], a 70,000-character string, a nesting 40 deep, a long number or an id of the
//! catalog), *line* (delete, duplicate, swap, indent or dedent a line) and *identifier* (an id
//! becomes another id of the catalog or a near typo of itself).
//!
//! Every input is checked for:
//! - **no panic**: each input runs on its own thread (2 MiB stack, as a host's) under
//!   `catch_unwind`; a panic is reported with the seed, kind, iteration, mutations, message,
//!   location and the first engine frame of the backtrace;
//! - **every diagnostic renders**: miette's graphical handler (unicode, no colour, width 80)
//!   renders it, its span lies inside its file on character boundaries, and `location()`
//!   answers;
//! - **replay equals the case**: for every played run, `Case::replay` of the accepted events
//!   is `Ok` of an equal case; also, the case's JSON form (the store format) reads back as the
//!   same case, and `explain` answers;
//! - **no hang**: an input taking more than 5 s is reported as slow (not a failure, since the
//!   machine may be busy); one taking more than 30 s is a hang and fails the test.
//!
//! # Running longer
//!
//! By default the test runs [`DEFAULT_ITERATIONS`] inputs (120 catalog, 300 scenario, 1,000
//! events; about 24 s in a debug build on a 2-core machine, 35 s when it is busy) with seed
//! [`DEFAULT_SEED`], and stops early when 45 s have passed. Two environment variables change
//! that:
//! - `LOTS_FUZZ_SECONDS=600`: run for that many seconds, with no limit on iterations (the
//!   kinds keep the same proportions);
//! - `LOTS_FUZZ_SEED=n`: the seed (decimal, or hex with `0x`).
//!
//! ```text
//! LOTS_FUZZ_SECONDS=600 LOTS_FUZZ_SEED=7 cargo test -p lots-tests --test it fuzz -- --nocapture
//! ```
//!
//! Each input is made from its own generator seeded with (seed, kind, iteration), so the same
//! seed gives the same inputs, and a finding is reproduced by its seed and iteration. Findings
//! are written to `target/tmp/lots-fuzz/` in the corpus format, ready to move into
//! `tests/data/fuzz/`; the input being checked is also written to `last-input.*` there, for a
//! crash that aborts the process (a stack overflow names the thread: kind, seed, iteration).
//!
//! # Corpus
//!
//! `fuzz_corpus` replays every file of `tests/data/fuzz/` through the same checks; the
//! subfolder `known-crashes/` holds inputs that crash today, and is not replayed. A file is
//! named `<kind>-<what it exercises>.<yaml|rhai|bin>`. Its first line is a comment
//! `# fuzz: …` saying what it exercises; that line is removed before use, so the rest is the
//! input byte for byte.
//! - `catalog-*`: a catalog file. When the first line is `# fuzz: replaces <path> | <what>` it
//!   replaces that shipped file; otherwise it is loaded as one extra file (named
//!   `tests/data/fuzz/<file name>`) on top of the shipped catalog. When the catalog loads,
//!   every scenario is played against it.
//! - `scenario-*`: a scenario file, loaded and played against the shipped catalog.
//! - `events-*`: YAML `steps: [{at: <date-time>, event: {type: …}}]`, applied in order from an
//!   empty case against the shipped catalog.
//!
//! # Known crashes
//!
//! [`KNOWN_CRASHES`] lists substrings of findings (panic messages, or problems such as a span
//! that splits a character) that `fuzz` counts and reports but does not fail on: crash
//! classes found and not yet fixed in the engine. Their inputs are in
//! `tests/data/fuzz/known-crashes/`. When one is fixed, move its file up into the corpus and
//! remove its entry; the list should end up empty.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once, OnceLock, mpsc};
use std::time::{Duration, Instant};

use jiff::civil::DateTime;
use lots::model::graph::{self, GraphFormat};
use lots::model::instrument::Answer;
use lots::model::workflow::Workflow;
use lots::quality::coverage::Coverage;
use lots::quality::scenario::{self, Detail, Played, Scenario};
use lots::runtime::{self, CancelledBy, Case, Event, FactValue, Lang, Requirement};
use lots::syntax::FactType;
use lots::{Catalog, Diagnostic, MemorySource, SourceFile};
use miette::{GraphicalReportHandler, GraphicalTheme};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::{root, shipped_inputs};

/// The seed when `LOTS_FUZZ_SEED` is not set.
const DEFAULT_SEED: u64 = 20_251_107;
/// Inputs of each kind in a default run (catalog, scenario, events): a catalog input costs
/// about 20 times a scenario input and 60 times an events input.
const DEFAULT_ITERATIONS: [usize; 3] = [120, 300, 1000];
/// A default run stops here even if iterations are left.
const DEFAULT_BUDGET: Duration = Duration::from_secs(45);
/// An input taking longer is reported as slow.
const SLOW: Duration = Duration::from_secs(5);
/// An input taking longer is a hang: reported, abandoned, and the test fails.
const HANG: Duration = Duration::from_secs(30);

/// Crash classes found and not yet fixed in the engine: substrings of a finding's message (a
/// panic's message, or a check's problem such as a diagnostic span that splits a character).
/// `fuzz` counts and reports them but does not fail on them; `fuzz_corpus` ignores this list.
/// Their inputs are in `tests/data/fuzz/known-crashes/`. Empty it as they are fixed.
const KNOWN_CRASHES: &[&str] = &[];

/// Replacements for a YAML scalar (besides long strings, deep nestings and catalog ids).
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "1",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "9223372036854775807",
    "65535",
    "65536",
    "1e309",
    "-1e309",
    "1e-400",
    ".nan",
    ".NaN",
    ".inf",
    "-.inf",
    "-0",
    "-0.0",
    "0x1F",
    "0o17",
    "1_000",
    "~",
    "null",
    "''",
    "\"\"",
    "true",
    "false",
    "yes",
    "no",
    "\"\\u202e\"",
    "\"abc\\u202edef\"",
    "\u{202e}",
    "\u{200b}",
    "\u{feff}x",
    "\"\\0\"",
    "\"\\x07\\x1b[31m\"",
    "\"\\uD800\"",
    "'\t'",
    "\"a\\nb\"",
    "ä",
    "\u{1F600}",
    "e\u{301}",
    "{}",
    "[]",
    "[{}]",
    "{a: b}",
    "*alias",
    "&a",
    "&a x",
    "&a [1, 2]",
    "*a",
    "!!binary aGVsbG8=",
    "!!str 1",
    "!!int x",
    "!custom x",
    "? x",
    ">-",
    "|",
    "---",
    "...",
    "%YAML 1.2",
    "2025-02-30",
    "2025-13-01",
    "2025-06-16T25:61",
    "9999-12-31",
    "9999-12-31T23:59",
    "0000-01-01",
    "-0001-01-01",
    "1899-12-31",
    "2201-01-01",
    "+99999999d",
    "+-1d",
    "+1d 25:61",
    "+3d",
    "'a: b'",
    "- x",
    "<<: *a",
    "x #",
    "#",
    "\"unterminated",
    "'unterminated",
    "\t",
];

/// Bytes worth inserting: YAML indicators, controls, broken UTF-8.
const BYTES: &[u8] = b"\0\t\n\r :-{}[],&*!|>'\"#%@`?\\\x07\x1b\x7f\x80\xc3\xe2\xff";

/// Characters for random strings.
const WILD: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '\0',
    '\u{7}',
    '\u{1b}',
    '\r',
    '\n',
    '\t',
    '\u{7f}',
    '\u{85}',
    '\u{200b}',
    '\u{200e}',
    '\u{202e}',
    '\u{2066}',
    '\u{feff}',
    '\u{2028}',
    '\u{fffd}',
    '\u{1F600}',
    '\u{301}',
    'ä',
    'ö',
    '/',
    '\\',
    '"',
    '\'',
    '{',
    '}',
    '[',
    ']',
    ':',
    '#',
    '&',
    '*',
    '$',
    '%',
    '<',
    '>',
    '-',
];

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn fuzz() {
    install_hook();
    let config = Config::from_env();
    let fx = fixture();
    let started = Instant::now();
    let mut report = Report::default();
    // The kinds interleave in the proportions of DEFAULT_ITERATIONS, so a run stopped by the
    // clock has done a like share of each; a kind's iteration is how many of it came before.
    let mut done = [0usize; 3];
    loop {
        let next = Kind::ALL
            .into_iter()
            .filter(|k| {
                config
                    .iterations
                    .is_none_or(|max| done[*k as usize] < max[*k as usize])
            })
            .min_by(|a, b| {
                let share =
                    |k: &Kind| done[*k as usize] as f64 / DEFAULT_ITERATIONS[*k as usize] as f64;
                share(a).total_cmp(&share(b))
            });
        let Some(kind) = next else { break };
        if started.elapsed() >= config.budget {
            report.stopped_early = config.iterations.is_some();
            break;
        }
        let iteration = done[kind as usize];
        done[kind as usize] += 1;
        let mut rng = rng_for(config.seed, kind, iteration);
        let (input, mutations) = generate(kind, &mut rng, fx);
        let label = format!("{kind} seed={} #{iteration}", config.seed);
        let ran = run(&input, &label, true);
        let hung = matches!(ran, Ran::Hung);
        report.record(&config, kind, iteration, &mutations, &input, ran);
        if hung {
            break;
        }
    }
    report.elapsed = started.elapsed();
    eprintln!("{}", report.summary(&config));
    assert!(
        report.failures.is_empty(),
        "{} fuzz finding(s) (seed {}):\n\n{}",
        report.failures.len(),
        config.seed,
        report.failures.join("\n\n")
    );
}

#[test]
fn fuzz_corpus() {
    install_hook();
    let dir = root().join("tests/data/fuzz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = corpus_input(path);
        let problems = match run(&input, &format!("corpus {name}"), false) {
            Ran::Done(Ok(checked), took) | Ran::Slow(Ok(checked), took) => {
                eprintln!(
                    "{name}: {} loaded, {} diagnostics, {} runs, {} events accepted, {} rejected, {:.2} s",
                    checked.loaded,
                    checked.diagnostics,
                    checked.runs,
                    checked.accepted,
                    checked.rejected,
                    took.as_secs_f64()
                );
                checked.problems
            }
            Ran::Done(Err(p), _) | Ran::Slow(Err(p), _) => vec![p.to_string()],
            Ran::Hung => vec![format!("no answer in {} s", HANG.as_secs())],
        };
        if !problems.is_empty() {
            failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz corpus failures:\n{}",
        failures.join("\n")
    );
}

/// The same seed gives the same inputs.
#[test]
fn fuzz_is_deterministic() {
    let fx = fixture();
    for kind in Kind::ALL {
        for iteration in 0..8 {
            let a = generate(kind, &mut rng_for(1, kind, iteration), fx);
            let b = generate(kind, &mut rng_for(1, kind, iteration), fx);
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{kind} #{iteration}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration, fixture, generators

#[derive(Debug, Clone, Copy)]
struct Config {
    seed: u64,
    budget: Duration,
    /// Inputs per kind; `None` when `LOTS_FUZZ_SECONDS` is set: run until the budget is spent.
    iterations: Option<[usize; 3]>,
}

impl Config {
    fn from_env() -> Config {
        let seed = std::env::var("LOTS_FUZZ_SEED").map_or(DEFAULT_SEED, |s| {
            let s = s.trim();
            match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            }
            .unwrap_or_else(|e| panic!("LOTS_FUZZ_SEED=`{s}`: {e}"))
        });
        match std::env::var("LOTS_FUZZ_SECONDS") {
            Ok(s) => Config {
                seed,
                budget: Duration::from_secs(
                    s.trim()
                        .parse()
                        .unwrap_or_else(|e| panic!("LOTS_FUZZ_SECONDS=`{s}`: {e}")),
                ),
                iterations: None,
            },
            Err(_) => Config {
                seed,
                budget: DEFAULT_BUDGET,
                iterations: Some(DEFAULT_ITERATIONS),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Catalog,
    Scenario,
    Events,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Catalog, Kind::Scenario, Kind::Events];
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Catalog => "catalog",
            Kind::Scenario => "scenario",
            Kind::Events => "events",
        })
    }
}

/// One input to check.
#[derive(Debug, Clone)]
enum Input {
    /// A catalog file: replacing the shipped file of that name, or added as an extra file.
    Catalog {
        file: String,
        bytes: Vec<u8>,
        replaces: bool,
        /// Scenarios (indices into the fixture) to play when the catalog loads.
        play: Vec<usize>,
    },
    /// A scenario file.
    Scenario { name: String, text: String },
    /// Events applied in order from an empty case.
    Events { steps: Vec<(DateTime, Event)> },
}

/// What every input is made from.
struct Fixture {
    shipped: Vec<(String, String)>,
    catalog: Catalog,
    scenarios: Vec<ScenarioText>,
    /// Ids of the catalog and keys of its files, sorted.
    ids: Vec<String>,
}

struct ScenarioText {
    name: String,
    text: String,
    scenario: Scenario,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let shipped = shipped_inputs();
        let catalog = crate::load_with([]).catalog.unwrap();
        let mut paths = Vec::new();
        yaml_files(&root().join("tests/data/scenarios"), &mut paths);
        paths.sort();
        let scenarios: Vec<ScenarioText> = paths
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).unwrap();
                let name = crate::relative(path);
                let scenario = scenario::load(&SourceFile::new(name.clone(), text.clone()))
                    .unwrap_or_else(|_| panic!("{name} loads"));
                ScenarioText {
                    name,
                    text,
                    scenario,
                }
            })
            .collect();
        let mut ids = catalog_ids(&catalog);
        for text in shipped
            .iter()
            .map(|(_, t)| t)
            .chain(scenarios.iter().map(|s| &s.text))
        {
            for line in text.lines() {
                let key = line.trim_start().trim_start_matches("- ");
                if let Some((k, _)) = key.split_once(':')
                    && !k.is_empty()
                    && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                {
                    ids.insert(k.to_owned());
                }
            }
        }
        Fixture {
            shipped,
            catalog,
            scenarios,
            ids: ids.into_iter().collect(),
        }
    })
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// Every id the catalog declares.
fn catalog_ids(cat: &Catalog) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut add = |s: &str| {
        ids.insert(s.to_owned());
    };
    for wf in &cat.workflows {
        add(&wf.id);
        for f in &wf.facts {
            add(&f.id);
            f.values.iter().for_each(|v| add(v));
        }
        wf.parameters.iter().for_each(|p| add(&p.id));
        wf.phases.iter().for_each(|p| add(&p.id));
        for d in &wf.deadlines {
            add(&d.id);
            d.extension_grounds.iter().for_each(|g| add(g));
        }
        wf.closure_reasons.iter().for_each(|c| add(&c.id));
    }
    for i in &cat.instruments {
        add(&i.id);
        for item in &i.items {
            add(&item.id);
            if let Answer::Choice(cs) = &item.answer {
                cs.iter().for_each(|(c, _)| add(c));
            }
        }
        for n in &i.norms {
            add(&n.id);
            n.bands.iter().for_each(|b| add(&b.id));
        }
        i.client_self_rating.iter().for_each(|r| add(r));
        i.professional_judgement.iter().for_each(|r| add(r));
    }
    for r in &cat.rules {
        add(&r.id);
        add(&r.rule_set);
    }
    for u in &cat.units {
        add(&u.id);
        u.hooks.iter().for_each(|h| add(&h.id));
    }
    cat.legal.iter().for_each(|c| add(&c.id));
    cat.indicators.iter().for_each(|i| add(&i.id));
    ids
}

/// A generator for one input, from the seed, the kind and the iteration.
fn rng_for(seed: u64, kind: Kind, iteration: usize) -> StdRng {
    fn mix(mut z: u64) -> u64 {
        // splitmix64's finaliser
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    let k = kind as u64 + 1;
    StdRng::seed_from_u64(mix(mix(mix(seed) ^ k) ^ iteration as u64))
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An input of the kind, with the mutations made, in words.
fn generate(kind: Kind, rng: &mut StdRng, fx: &Fixture) -> (Input, Vec<String>) {
    let mut muts = Vec::new();
    let input = match kind {
        Kind::Catalog => {
            let (file, text) = pick(rng, &fx.shipped);
            let bytes = mutate_text(rng, fx, text.as_bytes().to_vec(), &mut muts);
            Input::Catalog {
                file: file.clone(),
                bytes,
                replaces: true,
                play: vec![rng.random_range(0..fx.scenarios.len())],
            }
        }
        Kind::Scenario => {
            let s = pick(rng, &fx.scenarios);
            let bytes = mutate_text(rng, fx, s.text.as_bytes().to_vec(), &mut muts);
            Input::Scenario {
                name: s.name.clone(),
                text: String::from_utf8_lossy(&bytes).into_owned(),
            }
        }
        Kind::Events => {
            let s = pick(rng, &fx.scenarios);
            let unit = pick(rng, &s.scenario.units).clone();
            muts.push(format!("from {} (unit {unit})", s.name));
            let mut steps: Vec<(DateTime, Event)> = s
                .scenario
                .steps
                .iter()
                .map(|step| {
                    let (at, mut event) = (&step.at, step.event.clone());
                    if let Event::CaseOpened {
                        workflow, unit: u, ..
                    } = &mut event
                    {
                        s.scenario.workflow.clone_into(workflow);
                        unit.clone_into(u);
                    }
                    (*at, event)
                })
                .collect();
            let wf = fx.catalog.workflow(&s.scenario.workflow).unwrap();
            for _ in 0..rng.random_range(1..=8) {
                mutate_events(rng, fx, wf, &mut steps, &mut muts);
            }
            Input::Events { steps }
        }
    };
    (input, muts)
}

// ---------------------------------------------------------------------------------------------
// Text mutations

fn mutate_text(
    rng: &mut StdRng,
    fx: &Fixture,
    mut bytes: Vec<u8>,
    muts: &mut Vec<String>,
) -> Vec<u8> {
    for _ in 0..rng.random_range(1..=3) {
        let kind = rng.random_range(0..4);
        if kind == 0 {
            mutate_bytes(rng, &mut bytes, muts);
            continue;
        }
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        match kind {
            1 => mutate_token(rng, fx, &mut text, muts),
            2 => mutate_line(rng, &mut text, muts),
            _ => mutate_identifier(rng, fx, &mut text, muts),
        }
        bytes = text.into_bytes();
    }
    bytes
}

fn mutate_bytes(rng: &mut StdRng, bytes: &mut Vec<u8>, muts: &mut Vec<String>) {
    let at = rng.random_range(0..=bytes.len());
    match rng.random_range(0..3) {
        0 if at < bytes.len() => {
            let bit = rng.random_range(0..8);
            bytes[at] ^= 1 << bit;
            muts.push(format!("byte: flip bit {bit} at offset {at}"));
        }
        1 => {
            let n = rng.random_range(1..=3);
            let new: Vec<u8> = (0..n)
                .map(|_| {
                    if rng.random_bool(0.8) {
                        *pick(rng, BYTES)
                    } else {
                        rng.random()
                    }
                })
                .collect();
            muts.push(format!("byte: insert {new:02x?} at offset {at}"));
            bytes.splice(at..at, new);
        }
        _ => {
            let end = (at + rng.random_range(1..=4)).min(bytes.len());
            muts.push(format!("byte: delete offsets {at}..{end}"));
            bytes.drain(at..end);
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// At most 60 characters of a text, for reports.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push_str(&format!("…({} chars)", s.chars().count()));
    }
    out.escape_debug().to_string()
}

fn mutate_token(rng: &mut StdRng, fx: &Fixture, text: &mut String, muts: &mut Vec<String>) {
    let spans = scalar_spans(text);
    if spans.is_empty() {
        return;
    }
    let span = pick(rng, &spans).clone();
    let new = token(rng, fx);
    muts.push(format!(
        "token: line {}: `{}` -> `{}`",
        line_of(text, span.start),
        short(&text[span.clone()]),
        short(&new)
    ));
    text.replace_range(span, &new);
}

/// A replacement for a scalar.
fn token(rng: &mut StdRng, fx: &Fixture) -> String {
    match rng.random_range(0..12) {
        0..=5 => (*pick(rng, TOKENS)).to_owned(),
        6 | 7 => pick(rng, &fx.ids).clone(),
        8 => match rng.random_range(0..7) {
            0 => "x".repeat(70_000),
            1 => format!("\"{}\"", "\u{202e}".repeat(70_000 / 3)),
            2 => "ä".repeat(70_000),
            3 => "a_".repeat(150),
            4 => format!("{}{}", "[".repeat(40), "]".repeat(40)),
            5 => format!("{}1{}", "{a: ".repeat(40), "}".repeat(40)),
            _ => "9".repeat(400),
        },
        9 => {
            let id = pick(rng, &fx.ids);
            match rng.random_range(0..3) {
                0 => format!("{id}\u{202e}"),
                1 => format!("\"\\u202e{id}\""),
                _ => format!("{id}\u{200b}"),
            }
        }
        10 => rng.random::<i64>().to_string(),
        _ => format!("{:e}", f64::from_bits(rng.random())),
    }
}

/// The byte ranges of YAML scalars (keys and values, block and flow), roughly.
fn scalar_spans(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let b = line.as_bytes();
        let mut seg = 0;
        let mut k = 0;
        while k < b.len() {
            let c = b[k];
            if c == b'#' && (k == 0 || b[k - 1].is_ascii_whitespace()) {
                break;
            }
            let colon = c == b':' && b.get(k + 1).is_none_or(|n| n.is_ascii_whitespace());
            if colon || matches!(c, b'{' | b'}' | b'[' | b']' | b',') {
                push_segment(b, seg, k, line_start, &mut out);
                seg = k + 1;
            }
            k += 1;
        }
        push_segment(b, seg, k, line_start, &mut out);
        line_start += line.len();
    }
    out
}

fn push_segment(b: &[u8], from: usize, to: usize, base: usize, out: &mut Vec<Range<usize>>) {
    let (mut s, mut e) = (from, to);
    loop {
        while s < e && b[s].is_ascii_whitespace() {
            s += 1;
        }
        if s < e && b[s] == b'-' && (s + 1 == e || b[s + 1] == b' ') {
            s += 1;
        } else {
            break;
        }
    }
    while e > s && b[e - 1].is_ascii_whitespace() {
        e -= 1;
    }
    if s < e {
        out.push(base + s..base + e);
    }
}

fn mutate_line(rng: &mut StdRng, text: &mut String, muts: &mut Vec<String>) {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let n = lines.len();
    let i = rng.random_range(0..n);
    match rng.random_range(0..5) {
        0 => {
            muts.push(format!("line: delete {}: `{}`", i + 1, short(&lines[i])));
            lines.remove(i);
        }
        1 => {
            muts.push(format!("line: duplicate {}: `{}`", i + 1, short(&lines[i])));
            lines.insert(i, lines[i].clone());
        }
        2 => {
            let j = if rng.random_bool(0.5) {
                (i + 1).min(n - 1)
            } else {
                rng.random_range(0..n)
            };
            muts.push(format!("line: swap {} and {}", i + 1, j + 1));
            lines.swap(i, j);
        }
        3 => {
            let indent = *pick(rng, &["  ", " ", "\t", "    ", "      "]);
            muts.push(format!("line: indent {} by {indent:?}", i + 1));
            lines[i].insert_str(0, indent);
        }
        _ => {
            let spaces = lines[i].len() - lines[i].trim_start_matches(' ').len();
            let cut = spaces.min(*pick(rng, &[1, 2, 4]));
            muts.push(format!("line: dedent {} by {cut}", i + 1));
            lines[i].drain(..cut);
        }
    }
    *text = lines.join("\n");
}

/// Byte ranges of identifier-like words.
fn identifier_spans(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = Vec::new();
    let mut k = 0;
    while k < b.len() {
        if b[k].is_ascii_alphabetic() || b[k] == b'_' {
            let s = k;
            while k < b.len() && word(b[k]) {
                k += 1;
            }
            if k - s >= 2 {
                out.push(s..k);
            }
        } else {
            k += 1;
        }
    }
    out
}

fn mutate_identifier(rng: &mut StdRng, fx: &Fixture, text: &mut String, muts: &mut Vec<String>) {
    let spans = identifier_spans(text);
    if spans.is_empty() {
        return;
    }
    let span = pick(rng, &spans).clone();
    let old = text[span.clone()].to_owned();
    let new = if rng.random_bool(0.5) {
        pick(rng, &fx.ids).clone()
    } else {
        typo(rng, &old)
    };
    muts.push(format!(
        "identifier: line {}: `{old}` -> `{}`",
        line_of(text, span.start),
        short(&new)
    ));
    text.replace_range(span, &new);
}

/// A near typo of an identifier.
fn typo(rng: &mut StdRng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    let i = rng.random_range(0..c.len());
    match rng.random_range(0..10) {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, c[i]),
        2 if i + 1 < c.len() => c.swap(i, i + 1),
        3 => c[i] = char::from(b'a' + rng.random_range(0..26)),
        4 => return s.to_uppercase(),
        5 => {
            let mut t = s.to_owned();
            t.push(*pick(rng, &['_', 's', '2']));
            return t;
        }
        6 => {
            let sep: &&str = pick(rng, &["-", " ", ""]);
            return s.replace('_', sep);
        }
        7 => {
            // homoglyphs: Cyrillic а, о, е; Swedish ä, ö
            c[i] = match c[i] {
                'a' => *pick(rng, &['а', 'ä']),
                'o' => *pick(rng, &['о', 'ö']),
                'e' => 'е',
                other => other.to_ascii_uppercase(),
            };
        }
        8 => c.insert(i, *pick(rng, &['\u{200b}', '\u{202e}', '\u{ad}'])),
        _ => {
            let mut cs = c.iter();
            let first = cs.next().map(|f| f.to_ascii_uppercase());
            return first.into_iter().chain(cs.copied()).collect();
        }
    }
    c.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// Event sequence mutations

fn mutate_events(
    rng: &mut StdRng,
    fx: &Fixture,
    wf: &Workflow,
    steps: &mut Vec<(DateTime, Event)>,
    muts: &mut Vec<String>,
) {
    let n = steps.len();
    match rng.random_range(0..20) {
        0 | 1 if n > 0 => {
            let i = rng.random_range(0..n);
            muts.push(format!("drop step {} ({})", i + 1, steps[i].1.kind()));
            steps.remove(i);
        }
        2 if n > 0 => {
            let i = rng.random_range(0..n);
            let j = rng.random_range(i..=n);
            muts.push(format!(
                "duplicate step {} ({}) at {}",
                i + 1,
                steps[i].1.kind(),
                j + 1
            ));
            let step = steps[i].clone();
            steps.insert(j, step);
        }
        3 if n > 1 => {
            let i = rng.random_range(0..n);
            let j = rng.random_range(0..n);
            muts.push(format!("swap steps {} and {}", i + 1, j + 1));
            steps.swap(i, j);
        }
        4..=6 if n > 0 => shift_time(rng, steps, muts),
        7 | 8 => {
            let fact = fact_name(rng, fx, wf);
            let value = extreme(rng);
            muts.push(format!(
                "fact `{}` = {}",
                short(&fact),
                short(&format!("{value:?}"))
            ));
            set_fact(rng, steps, fact, value);
        }
        9 => {
            let fact = fact_name(rng, fx, wf);
            let value = FactValue::Text(wild_string(rng));
            muts.push(format!(
                "fact `{}` = {}",
                short(&fact),
                short(&format!("{value:?}"))
            ));
            set_fact(rng, steps, fact, value);
        }
        10 => change_enum(rng, wf, steps, muts),
        11 => change_instrument(rng, fx, wf, steps, muts),
        12 => {
            let d = (!wf.deadlines.is_empty() && rng.random_bool(0.8))
                .then(|| pick(rng, &wf.deadlines));
            let deadline = d.map_or_else(|| any_id(rng, fx), |d| d.id.to_string());
            let ground = match d {
                Some(d) if !d.extension_grounds.is_empty() && rng.random_bool(0.8) => {
                    pick(rng, &d.extension_grounds).to_string()
                }
                _ => any_id(rng, fx),
            };
            let days = match rng.random_range(0..5) {
                0 | 1 => u32::MAX,
                2 => 0,
                3 => rng.random_range(1..=400),
                _ => rng.random(),
            };
            let event = Event::DeadlineExtended {
                deadline,
                ground,
                days,
            };
            insert_event(rng, steps, event, muts);
        }
        13 => {
            let case_id = opening_id(steps);
            let action_id = match rng.random_range(0..6) {
                0 => format!(
                    "{case_id}/{}/{}/{}",
                    pick(rng, &fx.catalog.rules).id,
                    rng.random_range(1..=n.max(1) + 1),
                    rng.random_range(0..3)
                ),
                1 if !wf.deadlines.is_empty() => format!(
                    "{case_id}/deadline/{}/{}/{}/2025-06-20",
                    pick(rng, &wf.deadlines).id,
                    rng.random_range(1..=n.max(1)),
                    pick(rng, &["overdue", "due_soon", "reminder"])
                ),
                2 => String::new(),
                3 => "x".repeat(70_000),
                4 => format!("{case_id}/../{}", wild_string(rng)),
                _ => wild_string(rng),
            };
            insert_event(rng, steps, Event::ActionAcknowledged { action_id }, muts);
        }
        14 => {
            let reason = if !wf.closure_reasons.is_empty() && rng.random_bool(0.7) {
                pick(rng, &wf.closure_reasons).id.to_string()
            } else {
                any_text(rng, fx)
            };
            insert_event(rng, steps, Event::CaseClosed { reason }, muts);
        }
        15 => {
            let to = if rng.random_bool(0.8) {
                pick(rng, &wf.phases).id.to_string()
            } else {
                any_text(rng, fx)
            };
            let event = if rng.random_bool(0.6) {
                Event::TransitionRequested { to }
            } else {
                Event::OverrideRecorded {
                    requirement: if rng.random_bool(0.5) {
                        Requirement::Guard { to }
                    } else {
                        Requirement::SessionsMin
                    },
                    reason: any_text(rng, fx),
                }
            };
            insert_event(rng, steps, event, muts);
        }
        16 => {
            let event = match rng.random_range(0..6) {
                0 => Event::SessionHeld {
                    location: Some(any_text(rng, fx)),
                },
                1 => Event::SessionHeld { location: None },
                2 => Event::SessionCancelled {
                    by: if rng.random_bool(0.5) {
                        CancelledBy::Client
                    } else {
                        CancelledBy::Unit
                    },
                    reason: Some(any_text(rng, fx)),
                },
                3 => Event::NoShow,
                4 => Event::TimePassed,
                _ => Event::DecisionMade {
                    decision: None,
                    granted: rng.random_bool(0.5),
                },
            };
            insert_event(rng, steps, event, muts);
        }
        17 => change_opening(rng, fx, steps, muts),
        18 => {
            // A second opening, of any workflow and unit.
            let wf = pick(rng, &fx.catalog.workflows);
            let event = Event::CaseOpened {
                case_id: any_text(rng, fx),
                workflow: wf.id.to_string(),
                unit: pick(rng, &fx.catalog.units).id.to_string(),
                referral_source: None,
                facts: BTreeMap::new(),
            };
            insert_event(rng, steps, event, muts);
        }
        _ => {
            // Flip the fields of an event that has a choice in it.
            let Some(i) = (0..n).find(|_| rng.random_bool(0.3)) else {
                return;
            };
            match &mut steps[i].1 {
                Event::DecisionMade { granted, .. } => *granted = !*granted,
                Event::SessionCancelled { by, .. } => {
                    *by = if *by == CancelledBy::Client {
                        CancelledBy::Unit
                    } else {
                        CancelledBy::Client
                    };
                }
                Event::TransitionRequested { to } => {
                    *to = pick(rng, &wf.phases).id.to_string();
                }
                Event::CaseClosed { reason } => *reason = any_text(rng, fx),
                _ => return,
            }
            muts.push(format!("change step {} ({})", i + 1, steps[i].1.kind()));
        }
    }
}

fn shift_time(rng: &mut StdRng, steps: &mut [(DateTime, Event)], muts: &mut Vec<String>) {
    let i = rng.random_range(0..steps.len());
    let all_after = rng.random_bool(0.5);
    let sign = if rng.random_bool(0.6) { 1 } else { -1 };
    let (span, what) = match rng.random_range(0..6) {
        0 => {
            let m = sign * rng.random_range(1..=600);
            (jiff::Span::new().minutes(m), format!("{m} minutes"))
        }
        1 => {
            let h = sign * rng.random_range(1..=100);
            (jiff::Span::new().hours(h), format!("{h} hours"))
        }
        2 => {
            let d = sign * rng.random_range(1..=400);
            (jiff::Span::new().days(d), format!("{d} days"))
        }
        3 => {
            let mo = sign * rng.random_range(1..=24);
            (jiff::Span::new().months(mo), format!("{mo} months"))
        }
        4 => {
            let y = sign * rng.random_range(1..=300);
            (jiff::Span::new().years(y), format!("{y} years"))
        }
        _ => {
            let to: DateTime = *pick(
                rng,
                &[
                    DateTime::MIN,
                    DateTime::MAX,
                    jiff::civil::datetime(1899, 12, 31, 23, 59, 0, 0),
                    jiff::civil::datetime(1900, 1, 1, 0, 0, 0, 0),
                    jiff::civil::datetime(2200, 12, 31, 23, 59, 0, 0),
                    jiff::civil::datetime(2201, 1, 1, 0, 0, 0, 0),
                    jiff::civil::datetime(9999, 12, 1, 8, 0, 0, 0),
                ],
            );
            muts.push(format!(
                "time of step {}{} set to {to}",
                i + 1,
                if all_after { " and after" } else { "" }
            ));
            let end = if all_after { steps.len() } else { i + 1 };
            for step in &mut steps[i..end] {
                step.0 = to;
            }
            return;
        }
    };
    muts.push(format!(
        "time of step {}{} moved {what}",
        i + 1,
        if all_after { " and after" } else { "" }
    ));
    let end = if all_after { steps.len() } else { i + 1 };
    for step in &mut steps[i..end] {
        step.0 = step.0.checked_add(span).unwrap_or(if sign > 0 {
            DateTime::MAX
        } else {
            DateTime::MIN
        });
    }
}

/// A fact of the workflow, mostly; sometimes an id of another kind or nonsense.
fn fact_name(rng: &mut StdRng, fx: &Fixture, wf: &Workflow) -> String {
    match rng.random_range(0..10) {
        0..=7 => pick(rng, &wf.facts).id.to_string(),
        8 => pick(rng, &fx.ids).clone(),
        _ => wild_string(rng),
    }
}

fn extreme(rng: &mut StdRng) -> FactValue {
    match rng.random_range(0..4) {
        0 => {
            let random = rng.random();
            FactValue::Integer(*pick(
                rng,
                &[
                    0,
                    -1,
                    1,
                    i64::MIN,
                    i64::MAX,
                    4_294_967_295,
                    1 << 53,
                    -(1 << 31),
                    150,
                    -150,
                    random,
                ],
            ))
        }
        1 => {
            let random = f64::from_bits(rng.random());
            FactValue::Decimal(*pick(
                rng,
                &[
                    f64::NAN,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    -0.0,
                    f64::MAX,
                    f64::MIN,
                    f64::MIN_POSITIVE,
                    5e-324,
                    1e15 + 0.3,
                    0.1,
                    random,
                ],
            ))
        }
        2 => FactValue::Bool(rng.random_bool(0.5)),
        _ => FactValue::Text(match rng.random_range(0..12) {
            0 => String::new(),
            1 => "x".repeat(70_000),
            2 => "\u{202e}".repeat(10),
            3 => "2025-02-30".to_owned(),
            4 => "9999-12-31".to_owned(),
            5 => "-0001-01-01".to_owned(),
            6 => "0000-00-00".to_owned(),
            7 => "2025-06-16T09:00".to_owned(),
            8 => "NaN".to_owned(),
            9 => "1e309".to_owned(),
            _ => wild_string(rng),
        }),
    }
}

fn wild_string(rng: &mut StdRng) -> String {
    let len = rng.random_range(0..40);
    (0..len).map(|_| *pick(rng, WILD)).collect()
}

/// An id of the catalog, or nonsense.
fn any_id(rng: &mut StdRng, fx: &Fixture) -> String {
    if rng.random_bool(0.6) {
        pick(rng, &fx.ids).clone()
    } else {
        wild_string(rng)
    }
}

/// Any text: an id, empty, huge, or wild.
fn any_text(rng: &mut StdRng, fx: &Fixture) -> String {
    match rng.random_range(0..6) {
        0 => String::new(),
        1 => "x".repeat(70_000),
        2 | 3 => pick(rng, &fx.ids).clone(),
        _ => wild_string(rng),
    }
}

/// The facts map of a random step that has one (opening or facts recorded), else a new
/// `facts_recorded` step.
fn set_fact(rng: &mut StdRng, steps: &mut Vec<(DateTime, Event)>, fact: String, value: FactValue) {
    let with_facts: Vec<usize> = (0..steps.len())
        .filter(|&i| {
            matches!(
                steps[i].1,
                Event::CaseOpened { .. } | Event::FactsRecorded { .. }
            )
        })
        .collect();
    if with_facts.is_empty() || rng.random_bool(0.3) {
        let event = Event::FactsRecorded {
            facts: [(fact, value)].into(),
            person: None,
        };
        insert_event(rng, steps, event, &mut Vec::new());
        return;
    }
    let i = *pick(rng, &with_facts);
    if let Event::CaseOpened { facts, .. } | Event::FactsRecorded { facts, .. } = &mut steps[i].1 {
        facts.insert(fact, value);
    }
}

fn change_enum(
    rng: &mut StdRng,
    wf: &Workflow,
    steps: &mut Vec<(DateTime, Event)>,
    muts: &mut Vec<String>,
) {
    let enums: Vec<_> = wf
        .facts
        .iter()
        .filter(|f| matches!(f.ty, FactType::Enum | FactType::ProtectionLevel))
        .collect();
    if enums.is_empty() {
        return;
    }
    let fact = *pick(rng, &enums);
    let value = match rng.random_range(0..5) {
        0 | 1 if !fact.values.is_empty() => FactValue::Text(pick(rng, &fact.values).to_string()),
        2 => {
            let other = *pick(rng, &enums);
            FactValue::Text(
                other
                    .values
                    .first()
                    .map_or_else(String::new, ToString::to_string),
            )
        }
        3 if !fact.values.is_empty() => {
            let value = pick(rng, &fact.values).clone();
            FactValue::Text(typo(rng, &value))
        }
        _ => FactValue::Integer(rng.random_range(-1..10)),
    };
    muts.push(format!("enum fact `{}` = {value:?}", fact.id));
    set_fact(rng, steps, fact.id.to_string(), value);
}

fn change_instrument(
    rng: &mut StdRng,
    fx: &Fixture,
    wf: &Workflow,
    steps: &mut Vec<(DateTime, Event)>,
    muts: &mut Vec<String>,
) {
    let cat = &fx.catalog;
    let existing: Vec<usize> = (0..steps.len())
        .filter(|&i| matches!(steps[i].1, Event::InstrumentCompleted { .. }))
        .collect();
    let i = if existing.is_empty() || rng.random_bool(0.3) {
        // A new completion, of an instrument a phase requires or any, with fitting answers.
        let required: Vec<&str> = wf
            .phases
            .iter()
            .flat_map(|p| p.required.iter().map(AsRef::as_ref))
            .collect();
        let inst = if required.is_empty() || rng.random_bool(0.2) {
            pick(rng, &cat.instruments)
        } else {
            let id: &&str = pick(rng, &required);
            cat.instrument(id).unwrap()
        };
        let answers = inst
            .items
            .iter()
            .map(|item| {
                let v = match &item.answer {
                    Answer::YesNo => FactValue::Bool(rng.random_bool(0.5)),
                    Answer::Scale { min, max } => {
                        FactValue::Decimal(min + (max - min) * rng.random::<f64>())
                    }
                    Answer::Choice(cs) => FactValue::Text(pick(rng, cs).0.to_string()),
                };
                (item.id.to_string(), v)
            })
            .collect();
        let event = Event::InstrumentCompleted {
            instrument: inst.id.to_string(),
            answers,
            client_self_rating: None,
            professional_judgement: None,
            person: None,
        };
        insert_event(rng, steps, event, muts)
    } else {
        *pick(rng, &existing)
    };
    let Event::InstrumentCompleted {
        instrument,
        answers,
        client_self_rating,
        professional_judgement,
        ..
    } = &mut steps[i].1
    else {
        return;
    };
    let what = match rng.random_range(0..8) {
        0 => {
            let key = answers
                .keys()
                .nth(rng.random_range(0..answers.len().max(1)))
                .cloned();
            if let Some(k) = &key {
                answers.remove(k);
            }
            format!("answer `{}` removed", key.unwrap_or_default())
        }
        1 | 2 => {
            let key = answers
                .keys()
                .nth(rng.random_range(0..answers.len().max(1)))
                .cloned()
                .unwrap_or_else(|| pick(rng, &fx.ids).clone());
            let v = match rng.random_range(0..3) {
                0 => extreme(rng),
                1 => FactValue::Decimal(*pick(rng, &[-1.0, 1e9, f64::NAN, 10.000_001, -0.0])),
                _ => FactValue::Text(any_id(rng, fx)),
            };
            let what = format!("answer `{key}` = {}", short(&format!("{v:?}")));
            answers.insert(key, v);
            what
        }
        3 => {
            let key = any_id(rng, fx);
            answers.insert(key.clone(), extreme(rng));
            format!("unknown answer `{}`", short(&key))
        }
        4 => {
            *instrument = if rng.random_bool(0.7) {
                pick(rng, &cat.instruments).id.to_string()
            } else {
                any_id(rng, fx)
            };
            format!("instrument `{}`", short(instrument))
        }
        5 => {
            *client_self_rating = Some(any_text(rng, fx));
            "client self-rating".to_owned()
        }
        6 => {
            *professional_judgement = Some(any_text(rng, fx));
            "professional judgement".to_owned()
        }
        _ => {
            answers.clear();
            "no answers".to_owned()
        }
    };
    muts.push(format!("instrument step {}: {what}", i + 1));
}

fn change_opening(
    rng: &mut StdRng,
    fx: &Fixture,
    steps: &mut [(DateTime, Event)],
    muts: &mut Vec<String>,
) {
    let Some((
        i,
        (
            _,
            Event::CaseOpened {
                case_id,
                workflow,
                unit,
                referral_source,
                ..
            },
        ),
    )) = steps
        .iter_mut()
        .enumerate()
        .find(|(_, s)| matches!(s.1, Event::CaseOpened { .. }))
    else {
        return;
    };
    let what = match rng.random_range(0..5) {
        0 => {
            *workflow = if rng.random_bool(0.7) {
                pick(rng, &fx.catalog.workflows).id.to_string()
            } else {
                any_text(rng, fx)
            };
            format!("workflow `{}`", short(workflow))
        }
        1 => {
            *unit = if rng.random_bool(0.7) {
                pick(rng, &fx.catalog.units).id.to_string()
            } else {
                any_text(rng, fx)
            };
            format!("unit `{}`", short(unit))
        }
        2 => {
            *case_id = any_text(rng, fx);
            format!("case id `{}`", short(case_id))
        }
        3 => {
            *referral_source = Some(any_text(rng, fx));
            "referral source".to_owned()
        }
        _ => {
            *referral_source = None;
            case_id.push_str("/1/0");
            "case id with slashes".to_owned()
        }
    };
    muts.push(format!("opening (step {}): {what}", i + 1));
}

fn opening_id(steps: &[(DateTime, Event)]) -> String {
    steps
        .iter()
        .find_map(|(_, e)| match e {
            Event::CaseOpened { case_id, .. } => Some(case_id.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Inserts an event at a random place, at a time between its neighbours (mostly); returns
/// its index.
fn insert_event(
    rng: &mut StdRng,
    steps: &mut Vec<(DateTime, Event)>,
    event: Event,
    muts: &mut Vec<String>,
) -> usize {
    let i = rng.random_range(0..=steps.len());
    let fallback = jiff::civil::datetime(2025, 6, 16, 9, 0, 0, 0);
    let before = i.checked_sub(1).map_or(fallback, |p| steps[p].0);
    let mut at = before
        .checked_add(jiff::Span::new().minutes(rng.random_range(0..=180)))
        .unwrap_or(before);
    if let Some(next) = steps.get(i)
        && next.0 < at
        && rng.random_bool(0.8)
    {
        at = next.0.max(before);
    }
    muts.push(format!(
        "insert {} at step {}: {}",
        event.kind(),
        i + 1,
        short(&format!("{event:?}"))
    ));
    steps.insert(i, (at, event));
    i
}

// ---------------------------------------------------------------------------------------------
// Checks

/// What a check saw, and what was wrong.
#[derive(Debug, Default)]
struct Checked {
    problems: Vec<String>,
    /// Catalog or scenario files that loaded.
    loaded: usize,
    diagnostics: usize,
    runs: usize,
    accepted: usize,
    rejected: usize,
}

fn check(fx: &Fixture, input: &Input) -> Checked {
    let mut out = Checked::default();
    match input {
        Input::Catalog {
            file,
            bytes,
            replaces,
            play,
        } => {
            let mut source = MemorySource::new();
            for (name, text) in &fx.shipped {
                if !(*replaces && name == file) {
                    source = source.with(name.clone(), text.clone());
                }
            }
            source = source.with_bytes(file.clone(), bytes.clone());
            let loaded = Catalog::load(&source).expect("memory source cannot fail");
            check_diagnostics(loaded.diagnostics.iter(), &mut out);
            if let Some(catalog) = &loaded.catalog {
                out.loaded += 1;
                check_loaded_catalog(fx, catalog, play, &mut out);
            }
        }
        Input::Scenario { name, text } => {
            match scenario::load(&SourceFile::new(name.clone(), text.clone())) {
                Err(diags) => check_diagnostics(diags.iter(), &mut out),
                Ok(s) => {
                    out.loaded += 1;
                    check_played(&fx.catalog, &s, &mut out);
                }
            }
        }
        Input::Events { steps } => check_events(&fx.catalog, steps, &mut out),
    }
    out
}

fn check_diagnostics<'a>(diags: impl Iterator<Item = &'a Diagnostic>, out: &mut Checked) {
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(80);
    for d in diags {
        out.diagnostics += 1;
        let what = format!("diagnostic {} `{}`", d.code.as_str(), short(&d.message));
        let place = d
            .location()
            .map_or_else(String::new, |(f, l, c)| format!(" at {f}:{l}:{c}"));
        DOING.with(|doing| *doing.borrow_mut() = format!("rendering {what}{place}"));
        let mut rendered = String::new();
        let result = handler.render_report(&mut rendered, d);
        DOING.with(|doing| doing.borrow_mut().clear());
        if let Err(e) = result {
            out.problems.push(format!("{what} does not render: {e}"));
        } else if rendered.trim().is_empty() {
            out.problems.push(format!("{what} renders as nothing"));
        }
        if let Some(source) = &d.source {
            let text = source.text();
            let spans = d.span.into_iter().chain(d.notes.iter().map(|n| n.span));
            for span in spans {
                let end = span.offset.checked_add(span.len);
                let place = format!("{}+{} in `{}`", span.offset, span.len, source.name());
                if end.is_none_or(|end| end > text.len()) {
                    out.problems.push(format!(
                        "span outside the file ({}): {place} ({} bytes), {what}",
                        d.code.as_str(),
                        text.len()
                    ));
                } else if end.is_some_and(|end| {
                    !text.is_char_boundary(span.offset) || !text.is_char_boundary(end)
                }) {
                    out.problems.push(format!(
                        "span splits a character ({}): {place}, {what}",
                        d.code.as_str()
                    ));
                }
            }
            if d.location().is_none() {
                out.problems
                    .push(format!("{what} has a file but no location"));
            }
        }
    }
}

fn check_loaded_catalog(fx: &Fixture, catalog: &Catalog, play: &[usize], out: &mut Checked) {
    for wf in &catalog.workflows {
        for format in [GraphFormat::Dot, GraphFormat::Mermaid] {
            let _ = graph::render(wf, None, format);
            for unit in catalog
                .units
                .iter()
                .filter(|u| u.workflows.contains(&wf.id))
            {
                let _ = graph::render(wf, Some(unit), format);
            }
        }
    }
    let mut coverage = Coverage::of(catalog);
    for &i in play {
        let s = &fx.scenarios[i];
        for played in check_played(catalog, &s.scenario, out) {
            coverage.record(&s.scenario.id, &s.scenario.workflow, &played);
        }
    }
    let _ = coverage.gaps();
    let _ = coverage.totals();
}

fn check_played(catalog: &Catalog, s: &Scenario, out: &mut Checked) -> Vec<Played> {
    let played = scenario::play(catalog, s);
    for p in &played {
        out.runs += 1;
        for o in &p.outcomes {
            match &o.result {
                Ok(step) => {
                    out.accepted += 1;
                    for a in &step.actions {
                        let _ = runtime::describe_action(a, Lang::Sv);
                    }
                }
                Err(r) => {
                    out.rejected += 1;
                    let _ = r.describe(Lang::En);
                }
            }
        }
        let _ = scenario::render(&p.outcomes, Lang::En, Detail::Trace);
        let _ = scenario::render(&p.outcomes, Lang::Sv, Detail::Story);
        let _: Vec<String> = p.failures.iter().map(ToString::to_string).collect();
        let last = s.steps.last().map(|s| s.at);
        check_case(catalog, &p.case, last, &format!("unit {}", p.unit), out);
    }
    played
}

fn check_events(catalog: &Catalog, steps: &[(DateTime, Event)], out: &mut Checked) {
    out.runs += 1;
    let mut case = Case::default();
    // Every event by the default caseworker of the workflow the case opens in.
    let workflow = steps
        .iter()
        .find_map(|(_, e)| match e {
            Event::CaseOpened { workflow, .. } => Some(workflow.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let by = scenario::actor(catalog, &workflow, &Default::default());
    for (i, (at, event)) in steps.iter().enumerate() {
        match runtime::apply(catalog, &case, event.clone(), by.clone(), *at) {
            Ok(step) => {
                out.accepted += 1;
                if step.case.events.len() != case.events.len() + 1 {
                    out.problems.push(format!(
                        "step {}: accepted, but the case has {} events after {}",
                        i + 1,
                        step.case.events.len(),
                        case.events.len()
                    ));
                }
                for a in &step.actions {
                    let _ = runtime::describe_action(a, Lang::En);
                    let _ = runtime::describe_action(a, Lang::Sv);
                }
                case = step.case;
            }
            Err(r) => {
                out.rejected += 1;
                if r.reasons.is_empty() {
                    out.problems
                        .push(format!("step {}: rejected without a reason", i + 1));
                }
                let _ = r.describe(Lang::En);
                let _ = r.describe(Lang::Sv);
            }
        }
    }
    let last = steps.iter().map(|(at, _)| *at).max();
    check_case(catalog, &case, last, "events", out);
}

/// Replaying the case's events gives the case; `explain` answers.
fn check_case(catalog: &Catalog, case: &Case, at: Option<DateTime>, what: &str, out: &mut Checked) {
    match Case::replay(catalog, &case.events) {
        Ok(replayed) if replayed == *case => {}
        Ok(replayed) => {
            let (a, b) = (format!("{case:#?}"), format!("{replayed:#?}"));
            let diff = a.lines().zip(b.lines()).find(|(x, y)| x != y).map_or_else(
                || "no difference in Debug (a NaN compares unequal)".to_owned(),
                |(x, y)| {
                    format!(
                        "played `{}`, replayed `{}`",
                        short(x.trim()),
                        short(y.trim())
                    )
                },
            );
            out.problems
                .push(format!("{what}: replay gives another case: {diff}"));
        }
        Err(r) => out.problems.push(format!(
            "{what}: replay rejects an accepted event: {}",
            short(&r.describe(Lang::En))
        )),
    }
    // The case is the store format: its JSON form must read back as the same case.
    match serde_json::to_string(case).map(|json| serde_json::from_str::<Case>(&json)) {
        Ok(Ok(back)) if format!("{back:?}") == format!("{case:?}") => {}
        Ok(Ok(_)) => out
            .problems
            .push(format!("{what}: the case changes in a JSON round trip")),
        Ok(Err(e)) => out.problems.push(format!(
            "{what}: the case's JSON form does not read back: {}",
            short(&e.to_string())
        )),
        Err(e) => out
            .problems
            .push(format!("{what}: the case does not serialize to JSON: {e}")),
    }
    if let Some(at) = at
        && let Some(e) = runtime::explain(catalog, case, at)
    {
        let _ = format!("{e:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Running one input: a thread, a panic hook, a watchdog

thread_local! {
    static FUZZING: Cell<bool> = const { Cell::new(false) };
    static PANIC: RefCell<Option<Panic>> = const { RefCell::new(None) };
    /// What the check is doing, for a panic report: the diagnostic being rendered.
    static DOING: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A caught panic.
#[derive(Debug, Clone)]
struct Panic {
    message: String,
    location: String,
    /// The first frame in `engine/src/` (function and place), when a backtrace was taken.
    engine_frame: Option<String>,
    /// What the check was doing.
    doing: String,
}

impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "panic `{}` at {}", short(&self.message), self.location)?;
        if let Some(frame) = &self.engine_frame {
            write!(f, " (engine: {frame})")?;
        }
        if !self.doing.is_empty() {
            write!(f, " while {}", self.doing)?;
        }
        Ok(())
    }
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".to_owned())
}

/// On fuzz threads, the panic hook records the panic instead of printing it; other threads
/// keep the hook they had.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !FUZZING.with(Cell::get) {
                return previous(info);
            }
            let message = payload_text(info.payload());
            let location = info.location().map_or_else(String::new, |l| {
                format!("{}:{}:{}", l.file(), l.line(), l.column())
            });
            // A backtrace the first time a place panics, unless the crash is known.
            static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
            let first = SEEN.lock().unwrap().insert(location.clone());
            let engine_frame = (known(&message).is_none() && first)
                .then(|| engine_frame(&std::backtrace::Backtrace::force_capture().to_string()))
                .flatten();
            let doing = DOING.with(|d| d.borrow().clone());
            PANIC.with(|p| {
                *p.borrow_mut() = Some(Panic {
                    message,
                    location,
                    engine_frame,
                    doing,
                });
            });
        }));
    });
}

/// The first frame of a backtrace in `engine/src/`: `function at file:line`.
fn engine_frame(backtrace: &str) -> Option<String> {
    let lines: Vec<&str> = backtrace.lines().map(str::trim).collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with("at ") && l.contains("engine/src/"))?;
    let place = lines[i].trim_start_matches("at ");
    let place = place.rsplit_once("/engine/").map_or(place, |(_, p)| p);
    let function = i
        .checked_sub(1)
        .map(|j| lines[j].split_once(": ").map_or(lines[j], |(_, f)| f))
        .unwrap_or("?");
    Some(format!("{function} at engine/{place}"))
}

enum Ran {
    Done(Result<Checked, Panic>, Duration),
    Slow(Result<Checked, Panic>, Duration),
    Hung,
}

/// Checks one input on its own thread, waiting at most [`HANG`].
fn run(input: &Input, label: &str, write_last: bool) -> Ran {
    if write_last {
        let (bytes, ext) = corpus_bytes(input, "the input being checked");
        let dir = findings_dir();
        for other in ["yaml", "rhai", "bin"] {
            let _ = std::fs::remove_file(dir.join(format!("last-input.{other}")));
        }
        let _ = std::fs::write(dir.join(format!("last-input.{ext}")), bytes);
    }
    let (tx, rx) = mpsc::channel();
    let job = input.clone();
    let started = Instant::now();
    std::thread::Builder::new()
        .name(format!("fuzz {label}"))
        .spawn(move || {
            FUZZING.with(|f| f.set(true));
            let result = panic::catch_unwind(AssertUnwindSafe(|| check(fixture(), &job)));
            let caught = PANIC.with(|p| p.borrow_mut().take());
            let _ = tx.send(result.map_err(|payload| {
                caught.unwrap_or_else(|| Panic {
                    message: payload_text(&*payload),
                    location: String::new(),
                    engine_frame: None,
                    doing: String::new(),
                })
            }));
        })
        .unwrap();
    match rx.recv_timeout(SLOW) {
        Ok(result) => Ran::Done(result, started.elapsed()),
        Err(_) => match rx.recv_timeout(HANG - SLOW) {
            Ok(result) => Ran::Slow(result, started.elapsed()),
            Err(_) => Ran::Hung,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Reporting and the corpus format

#[derive(Default)]
struct Report {
    inputs: BTreeMap<Kind, Checked>,
    counts: BTreeMap<Kind, usize>,
    slowest: BTreeMap<Kind, Duration>,
    failures: Vec<String>,
    known: BTreeMap<String, usize>,
    known_files: Vec<String>,
    time: BTreeMap<Kind, Duration>,
    slow: Vec<String>,
    /// Findings per signature, to keep only a few of each.
    signatures: BTreeMap<String, usize>,
    stopped_early: bool,
    elapsed: Duration,
}

impl Report {
    fn record(
        &mut self,
        config: &Config,
        kind: Kind,
        iteration: usize,
        mutations: &[String],
        input: &Input,
        ran: Ran,
    ) {
        *self.counts.entry(kind).or_default() += 1;
        let (result, elapsed) = match ran {
            Ran::Done(r, d) => (Some(r), d),
            Ran::Slow(r, d) => {
                let file = self.save(config, kind, iteration, "slow", input);
                self.slow.push(format!(
                    "{kind} #{iteration}: {:.1} s ({}); input {file}",
                    d.as_secs_f64(),
                    mutations.join("; ")
                ));
                (Some(r), d)
            }
            Ran::Hung => (None, HANG),
        };
        *self.time.entry(kind).or_default() += elapsed;
        let slowest = self.slowest.entry(kind).or_default();
        *slowest = (*slowest).max(elapsed);
        let (signature, detail) = match result {
            Some(Ok(checked)) => {
                let totals = self.inputs.entry(kind).or_default();
                totals.loaded += checked.loaded;
                totals.diagnostics += checked.diagnostics;
                totals.runs += checked.runs;
                totals.accepted += checked.accepted;
                totals.rejected += checked.rejected;
                let Some(first) = checked.problems.first() else {
                    return;
                };
                // Known only when every problem of the input is.
                if checked.problems.iter().all(|p| known(p).is_some()) {
                    for p in &checked.problems {
                        let k = known(p).unwrap_or_default();
                        self.known_crash(config, kind, iteration, k, p, input);
                    }
                    return;
                }
                let first = checked
                    .problems
                    .iter()
                    .find(|p| known(p).is_none())
                    .unwrap_or(first);
                (first.clone(), checked.problems.join("\n    "))
            }
            Some(Err(p)) => {
                if let Some(k) = known(&p.message) {
                    self.known_crash(config, kind, iteration, k, &p.to_string(), input);
                    return;
                }
                (format!("panic at {}", p.location), p.to_string())
            }
            None => (
                "hang".to_owned(),
                format!("no answer in {} s (abandoned)", HANG.as_secs()),
            ),
        };
        let n = self.signatures.entry(signature).or_default();
        *n += 1;
        if *n > 3 {
            return;
        }
        let file = self.save(config, kind, iteration, &detail, input);
        self.failures.push(format!(
            "[{kind}] seed={} iteration={iteration}\n  mutations: {}\n  {detail}\n  input: {file}",
            config.seed,
            mutations.join("; ")
        ));
    }

    /// Counts a known crash; the first input of each is written.
    fn known_crash(
        &mut self,
        config: &Config,
        kind: Kind,
        iteration: usize,
        k: &str,
        detail: &str,
        input: &Input,
    ) {
        let n = self.known.entry(k.to_owned()).or_default();
        *n += 1;
        if *n == 1 {
            let file = self.save(config, kind, iteration, detail, input);
            self.known_files
                .push(format!("`{k}`: {kind} #{iteration}, {file}"));
        }
    }

    /// Writes a finding's input in the corpus format; returns its path.
    fn save(
        &self,
        config: &Config,
        kind: Kind,
        iteration: usize,
        what: &str,
        input: &Input,
    ) -> String {
        let (bytes, ext) = corpus_bytes(input, what.lines().next().unwrap_or(""));
        let path = findings_dir().join(format!("{kind}-seed{}-{iteration}.{ext}", config.seed));
        match std::fs::write(&path, bytes) {
            Ok(()) => path.display().to_string(),
            Err(e) => format!("(not written: {e})"),
        }
    }

    fn summary(&self, config: &Config) -> String {
        let mut s = format!(
            "fuzz: seed {}, {:.1} s{}\n",
            config.seed,
            self.elapsed.as_secs_f64(),
            if self.stopped_early {
                format!(
                    " (stopped early at the {} s budget)",
                    config.budget.as_secs()
                )
            } else {
                String::new()
            }
        );
        for kind in Kind::ALL {
            let c = self.inputs.get(&kind);
            let get = |f: fn(&Checked) -> usize| c.map_or(0, f);
            s.push_str(&format!(
                "  {kind:<8} {:>6} inputs in {:>5.1} s: {:>5} loaded, {:>6} diagnostics rendered, {:>5} runs, {:>6} events accepted, {:>6} rejected, slowest {:.2} s\n",
                self.counts.get(&kind).copied().unwrap_or(0),
                self.time.get(&kind).map_or(0.0, Duration::as_secs_f64),
                get(|c| c.loaded),
                get(|c| c.diagnostics),
                get(|c| c.runs),
                get(|c| c.accepted),
                get(|c| c.rejected),
                self.slowest.get(&kind).map_or(0.0, Duration::as_secs_f64),
            ));
        }
        for (k, n) in &self.known {
            s.push_str(&format!(
                "  known crash `{k}`: {n} inputs (KNOWN_CRASHES)\n"
            ));
        }
        for f in &self.known_files {
            s.push_str(&format!("    first: {f}\n"));
        }
        for slow in &self.slow {
            s.push_str(&format!("  SLOW {slow}\n"));
        }
        s.push_str(&format!("  {} finding(s)", self.failures.len()));
        s
    }
}

/// The entry of [`KNOWN_CRASHES`] a finding belongs to.
fn known(message: &str) -> Option<&'static str> {
    KNOWN_CRASHES.iter().copied().find(|k| message.contains(k))
}

fn findings_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lots-fuzz");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
    .clone()
}

/// The events file of the corpus.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsFile {
    steps: Vec<EventStep>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventStep {
    at: String,
    event: Event,
}

/// An input in the corpus format, and its file extension.
fn corpus_bytes(input: &Input, what: &str) -> (Vec<u8>, &'static str) {
    let what = what.replace(['\n', '\r'], " ");
    match input {
        Input::Catalog {
            file,
            bytes,
            replaces,
            ..
        } => {
            let mut out = if *replaces {
                format!("# fuzz: replaces {file} | {what}\n")
            } else {
                format!("# fuzz: {what}\n")
            }
            .into_bytes();
            out.extend_from_slice(bytes);
            let ext = match std::str::from_utf8(bytes) {
                Err(_) => "bin",
                Ok(_) if file.ends_with(".rhai") => "rhai",
                Ok(_) => "yaml",
            };
            (out, ext)
        }
        Input::Scenario { text, .. } => (format!("# fuzz: {what}\n{text}").into_bytes(), "yaml"),
        Input::Events { steps } => {
            let file = EventsFile {
                steps: steps
                    .iter()
                    .map(|(at, event)| EventStep {
                        at: at.to_string(),
                        event: event.clone(),
                    })
                    .collect(),
            };
            let yaml = serde_saphyr::to_string(&file).unwrap();
            (format!("# fuzz: {what}\n{yaml}").into_bytes(), "yaml")
        }
    }
}

/// A corpus file as an input (see the module docs).
fn corpus_input(path: &Path) -> Input {
    let fx = fixture();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let bytes = std::fs::read(path).unwrap();
    let newline = bytes
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |i| i + 1);
    let header = String::from_utf8_lossy(&bytes[..newline]);
    let header = header
        .trim()
        .strip_prefix("# fuzz:")
        .unwrap_or_else(|| panic!("{name}: the first line is not `# fuzz: …`"))
        .trim()
        .to_owned();
    let body = bytes[newline..].to_vec();
    let kind = name.split('-').next().unwrap_or("");
    match kind {
        "catalog" => {
            let replaced = header
                .strip_prefix("replaces ")
                .map(|r| r.split(" | ").next().unwrap_or(r).trim().to_owned());
            if let Some(file) = &replaced {
                assert!(
                    fx.shipped.iter().any(|(n, _)| n == file),
                    "{name}: replaces `{file}`, which is not a shipped file"
                );
            }
            Input::Catalog {
                file: replaced
                    .clone()
                    .unwrap_or_else(|| format!("tests/data/fuzz/{name}")),
                bytes: body,
                replaces: replaced.is_some(),
                play: (0..fx.scenarios.len()).collect(),
            }
        }
        "scenario" => Input::Scenario {
            name: format!("tests/data/fuzz/{name}"),
            text: String::from_utf8(body).unwrap_or_else(|_| panic!("{name}: not UTF-8")),
        },
        "events" => {
            let text = String::from_utf8(body).unwrap_or_else(|_| panic!("{name}: not UTF-8"));
            // `.nan` and `.inf` are fact values here (scenario files reject them).
            let mut options = serde_saphyr::Options::default();
            options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
            let file: EventsFile = serde_saphyr::from_str_with_options(&text, options)
                .unwrap_or_else(|e| panic!("{name}: not an events file: {e}"));
            Input::Events {
                steps: file
                    .steps
                    .into_iter()
                    .map(|s| {
                        let at = s
                            .at
                            .parse()
                            .unwrap_or_else(|e| panic!("{name}: `{}` is not a time: {e}", s.at));
                        (at, s.event)
                    })
                    .collect(),
            }
        }
        other => panic!("{name}: unknown kind `{other}` (catalog, scenario or events)"),
    }
}
