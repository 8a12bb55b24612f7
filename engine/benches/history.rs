//! Long cases: 10,000 events (sessions held in Fas 1 at Skärholmen, whose guard script runs on
//! every session) applied one by one as a host does (`apply` borrows the case and returns a new
//! one), replayed from the stored events, and played as a scenario. The target: 10,000
//! events in at most 1 s and 100 MB, and linear (the cost per event at 10,000 events is that at
//! 1,000).
//!
//! Criterion measures the replay; then an interleaved run prints each median beside a same-run
//! baseline (serde_json round trips of the same number of events), the ratio, the cost per
//! event at 1,000 and 10,000 events, and the peak memory above the start (a counting allocator).

#![expect(clippy::unwrap_used, reason = "benchmark setup")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use jiff::civil::DateTime;
use lots::Catalog;
use lots::quality::scenario::{self, Scenario};
use lots::runtime::{self, Case, Event};

mod support;
use support::{interleaved, ms, ratio, us, verdict};

#[global_allocator]
static ALLOC: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

const MB: f64 = 1024.0 * 1024.0;

fn catalog() -> Catalog {
    support::load_clean(&lots::FsSource::new(support::catalog_paths()))
}

/// The opening and `n` sessions held a minute apart.
fn events(n: usize) -> Vec<(DateTime, Event)> {
    let start = support::at(0, 8, 0);
    let opened = Event::CaseOpened {
        case_id: "lang-1".into(),
        workflow: "vuxna_utsatta".into(),
        unit: "skarholmen".into(),
        referral_source: Some("self".into()),
        facts: Default::default(),
    };
    std::iter::once((start, opened))
        .chain((1..=n).map(|i| {
            let minutes = i64::try_from(i).unwrap_or(i64::MAX);
            let t = start
                .checked_add(jiff::Span::new().minutes(minutes))
                .unwrap();
            (
                t,
                Event::SessionHeld {
                    location: Some("office".into()),
                },
            )
        }))
        .collect()
}

/// Applies every event, keeping only the latest case (as a host that stores each step).
fn apply_all(catalog: &Catalog, events: &[(DateTime, Event)]) -> Case {
    let mut case = Case::default();
    for (t, e) in events {
        case = runtime::apply(catalog, &case, e.clone(), caseworker(), *t)
            .unwrap()
            .case;
    }
    case
}

fn play(catalog: &Catalog, events: &[(DateTime, Event)]) -> usize {
    let scenario = Scenario {
        id: "lang".into(),
        title: "Lång".into(),
        workflow: "vuxna_utsatta".into(),
        units: vec!["skarholmen".into()],
        steps: events
            .iter()
            .map(|(t, e)| scenario::ScenarioStep {
                at: *t,
                event: e.clone(),
                by: Default::default(),
                expect: None,
            })
            .collect(),
        expect: None,
    };
    scenario::play(catalog, &scenario)
        .iter()
        .map(|p| p.outcomes.len())
        .sum()
}

/// The same number of serde_json round trips of one event: what reading the events from a
/// store would cost at the least.
fn round_trips(event: &Event, n: usize) -> usize {
    (0..n)
        .map(|_| {
            let json = serde_json::to_string(event).unwrap();
            let back: Event = serde_json::from_str(&json).unwrap();
            black_box(back);
            json.len()
        })
        .sum()
}

fn benches(c: &mut Criterion) {
    let catalog = catalog();
    let events = events(10_000);
    let case = apply_all(&catalog, &events);
    let mut group = c.benchmark_group("history");
    group.sample_size(10);
    group.bench_function("replay_10000", |b| {
        b.iter(|| Case::replay(&catalog, black_box(&case.events)).unwrap());
    });
    group.finish();
}

/// Peak bytes allocated above the start while `f` runs.
fn peak(f: impl FnOnce()) -> f64 {
    let base = ALLOC.current_usage();
    ALLOC.reset_peak_usage();
    f();
    ALLOC.peak_usage().saturating_sub(base) as f64 / MB
}

fn ratios() {
    println!("\n== same-run ratios (median of interleaved runs) ==");
    let catalog = catalog();
    let one = Event::SessionHeld {
        location: Some("office".into()),
    };
    let mut per_event = Vec::new();
    for n in [1_000, 10_000] {
        let events = events(n);
        let case = apply_all(&catalog, &events);
        let (s, b) = interleaved(
            5,
            1,
            || {
                black_box(apply_all(&catalog, black_box(&events)));
            },
            || {
                black_box(round_trips(&one, n + 1));
            },
        );
        println!(
            "  apply {n:>6} events one by one {:>9.2} ms | baseline {} serde_json round trips {:>7.2} ms | ratio {:>5.1}x | {:.2} us/event{}",
            ms(s),
            n + 1,
            ms(b),
            ratio(s, b),
            us(s) / (n + 1) as f64,
            if n == 10_000 {
                format!(" | target <= 1 s: {}", verdict(s <= Duration::from_secs(1)))
            } else {
                String::new()
            }
        );
        per_event.push(us(s) / (n + 1) as f64);
        let (s, b) = interleaved(
            5,
            1,
            || {
                black_box(Case::replay(&catalog, black_box(&case.events)).unwrap());
            },
            || {
                black_box(round_trips(&one, n + 1));
            },
        );
        println!(
            "  replay {n:>5} events           {:>9.2} ms | baseline {} serde_json round trips {:>7.2} ms | ratio {:>5.1}x | {:.2} us/event",
            ms(s),
            n + 1,
            ms(b),
            ratio(s, b),
            us(s) / (n + 1) as f64
        );
        let (s, b) = interleaved(
            3,
            1,
            || {
                black_box(play(&catalog, black_box(&events)));
            },
            || {
                black_box(round_trips(&one, n + 1));
            },
        );
        println!(
            "  scenario {n:>5} steps          {:>9.2} ms | baseline {} serde_json round trips {:>7.2} ms | ratio {:>5.1}x",
            ms(s),
            n + 1,
            ms(b),
            ratio(s, b)
        );
        if n == 10_000 {
            let applied = peak(|| {
                black_box(apply_all(&catalog, &events));
            });
            let replayed = peak(|| {
                black_box(Case::replay(&catalog, &case.events).unwrap());
            });
            let played = peak(|| {
                black_box(play(&catalog, &events));
            });
            println!(
                "  peak memory at 10,000 events: apply {applied:.1} MB, replay {replayed:.1} MB, scenario {played:.1} MB | target <= 100 MB: {}",
                verdict(applied.max(replayed).max(played) <= 100.0)
            );
        }
    }
    if let [small, large] = per_event[..] {
        println!(
            "  linearity: {large:.2} us/event at 10,000 events over {small:.2} us/event at 1,000 = {:.2}x (1.0x is linear)",
            large / small
        );
    }
}

criterion_group!(history_benches, benches);

fn main() {
    history_benches();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}

/// The caseworker every benchmarked event is sent by.
fn caseworker() -> lots::runtime::Actor {
    lots::runtime::Actor::new("hl-1", "socialsekreterare")
}
