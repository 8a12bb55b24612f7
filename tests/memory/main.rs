//! Memory, measured: every hostile script under `tests/data/hostile/` stays within the
//! sandbox's memory budget (`Limits::memory_budget`), and a case of 10,000 events is applied,
//! replayed and played as a scenario within 100 MB (memory in proportion to its length, not
//! to its square).
//!
//! Its own test binary with a counting global allocator, and a single test, so that no other
//! test's allocations are counted. Memory is what is measured, never time.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a test failure"
)]

use std::path::{Path, PathBuf};

use jiff::civil::DateTime;
use lots::model::script::Limits;
use lots::runtime::{self, Case, Event};
use lots::{Catalog, FsSource, MemorySource, Source};

#[global_allocator]
static ALLOC: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

const MB: usize = 1024 * 1024;

#[test]
fn memory() {
    scripts_stay_within_the_budget();
    ten_thousand_events();
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn shipped() -> MemorySource {
    let source = FsSource::new([root().join("workflows"), root().join("rules")]);
    let mut memory = MemorySource::new();
    for input in source.inputs().unwrap() {
        let lots::catalog::Input::Text(f) = input else {
            panic!("shipped file not text")
        };
        memory = memory.with(f.name().to_owned(), f.text().to_owned());
    }
    memory
}

fn at(s: &str) -> DateTime {
    s.parse().unwrap()
}

fn opened(unit: &str) -> Event {
    Event::CaseOpened {
        case_id: "minne-1".into(),
        workflow: "vuxna_utsatta".into(),
        unit: unit.into(),
        referral_source: None,
        facts: Default::default(),
    }
}

/// Each hostile script that compiles runs as an after-hook on `time_passed`; the peak
/// allocation while that event is applied stays under the budget.
fn scripts_stay_within_the_budget() {
    let budget = Limits::default().memory_budget();
    let dir = root().join("tests/data/hostile");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rhai"))
        .collect();
    scripts.sort();
    let mut measured = 0;
    for path in scripts {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let unit = format!(
            "# yaml-language-server: $schema=../../schemas/unit.json\nkind: Unit\nid: test_hostile\nversion: 1\ntitle: Test\nworkflows: [vuxna_utsatta]\nhooks:\n  - id: hostile\n    on: [time_passed]\n    after:\n      file: test_hostile/{name}\nroute_targets: [{{target: mottagning_barn, to: mottagningsenheten}}]\n"
        );
        let loaded = Catalog::load(
            &shipped()
                .with("rules/units/test_hostile.yaml", unit)
                .with(format!("rules/units/test_hostile/{name}"), text),
        )
        .unwrap();
        let Some(catalog) = loaded.catalog else {
            continue; // refused at load: it never runs
        };
        let case = runtime::apply(
            &catalog,
            &Case::default(),
            opened("test_hostile"),
            caseworker(),
            at("2025-09-01T09:00"),
        )
        .unwrap()
        .case;
        let base = ALLOC.current_usage();
        ALLOC.reset_peak_usage();
        let step = runtime::apply(
            &catalog,
            &case,
            Event::TimePassed,
            caseworker(),
            at("2025-09-02T09:00"),
        );
        let peak = ALLOC.peak_usage().saturating_sub(base);
        drop(step);
        println!(
            "{name}: peak {:.2} MB of a {:.2} MB budget",
            peak as f64 / MB as f64,
            budget as f64 / MB as f64
        );
        assert!(
            peak <= budget,
            "{name}: an evaluation used {peak} bytes, over the sandbox budget of {budget}"
        );
        measured += 1;
    }
    assert!(measured >= 5, "only {measured} hostile scripts ran");
}

/// 10,000 sessions held in Fas 1 at Skärholmen (whose guard runs on every session): applied
/// one by one keeping only the latest case, replayed, and played as a scenario.
fn ten_thousand_events() {
    const N: usize = 10_000;
    let catalog = Catalog::load(&shipped()).unwrap().catalog.unwrap();
    let start = at("2025-09-01T08:00");
    let events: Vec<(DateTime, Event)> = std::iter::once((start, opened("skarholmen")))
        .chain((1..=N).map(|i| {
            let t = start
                .checked_add(jiff::Span::new().minutes(i64::try_from(i).unwrap()))
                .unwrap();
            (
                t,
                Event::SessionHeld {
                    location: Some("office".into()),
                },
            )
        }))
        .collect();

    let base = ALLOC.current_usage();
    ALLOC.reset_peak_usage();
    let mut case = Case::default();
    for (t, event) in events.iter().cloned() {
        case = runtime::apply(&catalog, &case, event, caseworker(), t)
            .unwrap()
            .case;
    }
    let applied = ALLOC.peak_usage().saturating_sub(base);
    assert_eq!(case.events.len(), N + 1);

    let base = ALLOC.current_usage();
    ALLOC.reset_peak_usage();
    let replayed = Case::replay(&catalog, &case.events).unwrap();
    let replay = ALLOC.peak_usage().saturating_sub(base);
    assert_eq!(replayed, case);
    drop(replayed);

    let scenario = lots::quality::scenario::Scenario {
        id: "tiotusen".into(),
        title: "10 000 samtal".into(),
        workflow: "vuxna_utsatta".into(),
        units: vec!["skarholmen".into()],
        steps: events
            .into_iter()
            .map(|(at, event)| lots::quality::scenario::ScenarioStep {
                at,
                event,
                by: Default::default(),
                expect: None,
            })
            .collect(),
        expect: None,
    };
    let base = ALLOC.current_usage();
    ALLOC.reset_peak_usage();
    let played = lots::quality::scenario::play(&catalog, &scenario);
    let play = ALLOC.peak_usage().saturating_sub(base);
    assert!(played.iter().all(|p| p.failures.is_empty()));
    drop(played);

    println!(
        "10,000 events: apply {:.1} MB, replay {:.1} MB, scenario {:.1} MB (peak above the start)",
        applied as f64 / MB as f64,
        replay as f64 / MB as f64,
        play as f64 / MB as f64
    );
    for (what, bytes) in [
        ("apply", applied),
        ("replay", replay),
        ("scenario play", play),
    ] {
        assert!(
            bytes <= 100 * MB,
            "{what} of 10,000 events used {bytes} bytes, over 100 MB"
        );
    }

    // 10,000 overrides of the same requirement: a case keeps one override per requirement, so
    // it does not grow with them.
    let mut case = runtime::apply(
        &catalog,
        &Case::default(),
        opened("skarholmen"),
        caseworker(),
        start,
    )
    .unwrap()
    .case;
    let base = ALLOC.current_usage();
    ALLOC.reset_peak_usage();
    for i in 1..=N {
        let t = start
            .checked_add(jiff::Span::new().minutes(i64::try_from(i).unwrap()))
            .unwrap();
        let event = Event::OverrideRecorded {
            requirement: lots::runtime::Requirement::SessionsMin,
            reason: format!("Skäl nummer {i}"),
        };
        case = runtime::apply(&catalog, &case, event, caseworker(), t)
            .unwrap()
            .case;
    }
    let overrides = ALLOC.peak_usage().saturating_sub(base);
    assert_eq!(case.overrides.len(), 1, "one override per requirement");
    println!("10,000 overrides: {:.1} MB", overrides as f64 / MB as f64);
    assert!(
        overrides <= 100 * MB,
        "10,000 overrides used {overrides} bytes"
    );
}

/// The caseworker every event is sent by.
fn caseworker() -> lots::runtime::Actor {
    lots::runtime::Actor::new(lots::runtime::DEFAULT_ACTOR_ID, lots::runtime::DEFAULT_ROLE)
}
