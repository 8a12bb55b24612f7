//! Real case structure: `apply` of a typical `facts_recorded` on a case with three children and
//! two parallel tracks, against the same event on the same workflow's plain case (no people, no
//! tracks), in the same run. Target (issue 11): at most 1.5× the plain case.
//!
//! The structured catalog is the shipped one with two tracks added to `vuxna_utsatta`'s
//! investigation phase (with an empty join, so the shipped transitions are unchanged); both
//! cases are in that phase, and the structured one holds three children, one of whom witnessed
//! violence (so the per-child rule reads every child on every event).

#![expect(clippy::unwrap_used, clippy::panic, reason = "benchmark setup")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use jiff::civil::DateTime;
use lots::runtime::{self, Actor, Case, Event, FactValue, PersonRef};
use lots::{Catalog, MemorySource};

mod support;
use support::{at, facts, interleaved, ratio, us, verdict};

const TRACKS: &str = "    title: Fas 2 Utredning
    tracks:
      - id: spar_a
        title: Spår A
        start: spar_a_pagar
        phases: [{id: spar_a_pagar, title: Pågår}, {id: spar_a_klar, title: Klart, terminal: true}]
        transitions: [{from: spar_a_pagar, to: spar_a_klar}]
      - id: spar_b
        title: Spår B
        start: spar_b_pagar
        phases: [{id: spar_b_pagar, title: Pågår}, {id: spar_b_klar, title: Klart, terminal: true}]
        transitions: [{from: spar_b_pagar, to: spar_b_klar}]
    join: []
";

fn catalogs() -> (Catalog, Catalog) {
    let shipped = support::shipped();
    let source = |files: &[(String, String)]| {
        files
            .iter()
            .fold(MemorySource::new(), |s, (n, t)| s.with(n, t))
    };
    let plain = support::load_clean(&source(&shipped));
    let structured: Vec<(String, String)> = shipped
        .into_iter()
        .map(|(name, text)| {
            if name.ends_with("workflows/vuxna_utsatta.yaml") {
                assert!(text.contains("    title: Fas 2 Utredning\n"));
                let text = text.replacen("    title: Fas 2 Utredning\n", TRACKS, 1);
                (name, text)
            } else {
                (name, text)
            }
        })
        .collect();
    let structured = support::load_clean(&source(&structured));
    (plain, structured)
}

fn caseworker() -> Actor {
    Actor::new("hl-1", "socialsekreterare")
}

fn step(catalog: &Catalog, case: &Case, event: Event, t: DateTime) -> Case {
    runtime::apply(catalog, case, event, caseworker(), t)
        .unwrap_or_else(|r| panic!("rejected: {r:?}"))
        .case
}

/// A case in the investigation phase; with `children`, three of them, one who witnessed.
fn case_in_utredning(catalog: &Catalog, children: bool) -> Case {
    let b = FactValue::Bool;
    let mut case = step(
        catalog,
        &Case::default(),
        Event::CaseOpened {
            case_id: "bench-1".into(),
            workflow: "vuxna_utsatta".into(),
            unit: "skarholmen".into(),
            referral_source: Some("self".into()),
            facts: facts([("has_children", b(true))]),
        },
        at(0, 9, 0),
    );
    if children {
        for (i, key) in ["barn-1", "barn-2", "barn-3"].into_iter().enumerate() {
            case = step(
                catalog,
                &case,
                Event::PersonAdded {
                    of: "children".into(),
                    key: key.into(),
                    facts: facts([("witnessed", b(i == 0)), ("subjected", b(false))]),
                },
                at(0, 9, 10),
            );
        }
    }
    let screening = Event::InstrumentCompleted {
        instrument: "freda_kortfragor".into(),
        answers: facts([("psychological", b(true))]),
        client_self_rating: None,
        professional_judgement: None,
        person: None,
    };
    case = step(catalog, &case, screening, at(1, 10, 0));
    case = step(
        catalog,
        &case,
        Event::SessionHeld {
            location: Some("office".into()),
        },
        at(1, 11, 0),
    );
    case = step(
        catalog,
        &case,
        Event::FactsRecorded {
            facts: facts([("wants_continued_contact", b(true))]),
            person: None,
        },
        at(1, 11, 5),
    );
    case = step(
        catalog,
        &case,
        Event::TransitionRequested {
            to: "utredning".into(),
        },
        at(1, 11, 10),
    );
    assert_eq!(case.phase, "utredning");
    case
}

fn typical() -> Event {
    Event::FactsRecorded {
        facts: facts([("separation_planned", FactValue::Bool(true))]),
        person: None,
    }
}

fn benches(c: &mut Criterion) {
    let (plain, structured) = catalogs();
    let single = case_in_utredning(&plain, false);
    let rich = case_in_utredning(&structured, true);
    assert_eq!(rich.tracks.len(), 2);
    assert_eq!(rich.people.get("children").map(|p| p.len()), Some(3));
    let now = at(2, 10, 0);
    let mut g = c.benchmark_group("structure");
    g.bench_function("apply_single_track", |b| {
        b.iter(|| runtime::apply(&plain, black_box(&single), typical(), caseworker(), now))
    });
    g.bench_function("apply_three_children_two_tracks", |b| {
        b.iter(|| runtime::apply(&structured, black_box(&rich), typical(), caseworker(), now))
    });
    g.finish();
}

fn ratios() {
    let (plain, structured) = catalogs();
    let single = case_in_utredning(&plain, false);
    let rich = case_in_utredning(&structured, true);
    let now = at(2, 10, 0);
    // A person's facts recorded, beside the case's, on the structured case only.
    let child = Event::FactsRecorded {
        facts: facts([("subjected", FactValue::Bool(true))]),
        person: Some(PersonRef {
            of: "children".into(),
            key: "barn-2".into(),
        }),
    };
    assert!(runtime::apply(&structured, &rich, child.clone(), caseworker(), now).is_ok());
    let (s, b) = interleaved(
        41,
        200,
        || {
            black_box(
                runtime::apply(&structured, black_box(&rich), typical(), caseworker(), now)
                    .unwrap(),
            );
        },
        || {
            black_box(
                runtime::apply(&plain, black_box(&single), typical(), caseworker(), now).unwrap(),
            );
        },
    );
    println!(
        "  apply facts_recorded, 3 children + 2 tracks {:>8.2} us | same event, single-track case {:>8.2} us | ratio {:>5.2}x | target <= 1.5x: {}",
        us(s),
        us(b),
        ratio(s, b),
        verdict(ratio(s, b) <= 1.5)
    );
    let (s, b) = interleaved(
        41,
        200,
        || {
            black_box(
                runtime::apply(
                    &structured,
                    black_box(&rich),
                    child.clone(),
                    caseworker(),
                    now,
                )
                .unwrap(),
            );
        },
        || {
            black_box(
                runtime::apply(&plain, black_box(&single), typical(), caseworker(), now).unwrap(),
            );
        },
    );
    println!(
        "  apply a child's facts_recorded (rule per child fires) {:>8.2} us | single-track case {:>8.2} us | ratio {:>5.2}x (for reference)",
        us(s),
        us(b),
        ratio(s, b)
    );
}

criterion_group!(structure_benches, benches);

fn main() {
    structure_benches();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}
