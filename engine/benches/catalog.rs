//! Catalog load + check + compile: the shipped catalog and a generated large one.
//!
//! Criterion measures each case; then an interleaved run prints each median beside a same-run
//! baseline (parsing the same YAML into untyped values, the floor of any loader) as a ratio,
//! and the target.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use lots::{Catalog, MemorySource};

mod support;
use support::{median, shipped};

/// 100 workflows × 20 phases, 1,000 rules, 50 units, plus one legal file.
fn generated() -> Vec<(String, String)> {
    let mut files = Vec::new();
    files.push((
        "legal.yaml".to_owned(),
        "# yaml-language-server: $schema=schemas/legal-reference.json\nkind: LegalReference\nid: gen_legal\nversion: 1\ntitle: t\nconcepts:\n  - id: gen.duty\n    title: t\n    versions:\n      - {statute: SoL, number: \"2001:453\", chapter: 11, section: \"1\", valid_from: 2002-01-01, valid_to: 2025-06-30, verified: true}\n      - {statute: SoL, number: \"2025:400\", valid_from: 2025-07-01, verified: false}\n".to_owned(),
    ));
    for w in 0..100 {
        let mut y = format!(
            "# yaml-language-server: $schema=schemas/workflow.json\nkind: Workflow\nid: wf{w}\nversion: 1\ntitle: Workflow {w}\nstart: p0\nfacts:\n"
        );
        for f in 0..10 {
            y.push_str(&format!("  - {{id: flag{f}, type: bool}}\n"));
        }
        y.push_str("  - {id: age, type: integer}\n  - {id: source, type: enum, values: [police, self, health_care, school]}\n");
        y.push_str("parameters:\n  - {id: sessions_max, default: 4, min: 1, max: 10}\nphases:\n");
        for p in 0..19 {
            y.push_str(&format!(
                "  - {{id: p{p}, title: Phase {p}, sessions: {{min: 1, max: {{param: sessions_max}}}}, legal: [gen.duty]}}\n"
            ));
        }
        y.push_str("  - {id: done, title: Done, terminal: true}\ntransitions:\n");
        for p in 0..19 {
            let next = if p == 18 {
                "done".to_owned()
            } else {
                format!("p{}", p + 1)
            };
            y.push_str(&format!(
                "  - from: p{p}\n    to: {next}\n    when:\n      all:\n        - equals: {{fact: flag{}, value: true}}\n        - compare: {{fact: age, op: \">=\", value: 18}}\n        - in: {{fact: source, values: [police, self]}}\n",
                p % 10
            ));
        }
        files.push((format!("wf{w}.yaml"), y));
        let mut r = format!(
            "# yaml-language-server: $schema=schemas/rules.json\nkind: Rules\nid: rules{w}\nversion: 1\ntitle: Rules {w}\nworkflows: [wf{w}]\nrules:\n"
        );
        for i in 0..10 {
            r.push_str(&format!(
                "  - id: r{w}_{i}\n    title: Rule {i}\n    legal: gen.duty\n    mandatory: {}\n    when:\n      any:\n        - all: [{{equals: {{fact: flag{i}, value: true}}}}, {{phase: p{i}}}]\n        - not: {{compare: {{fact: age, op: \"<\", value: 65}}}}\n    actions:\n      - flag: {{message: check {i}}}\n      - task: {{title: do {i}, due: {{days: 2, count: working_days}}}}\n",
                i == 0
            ));
        }
        files.push((format!("rules{w}.yaml"), r));
    }
    for u in 0..50 {
        let (a, b) = (u * 2, u * 2 + 1);
        files.push((
            format!("unit{u}.yaml"),
            format!(
                "# yaml-language-server: $schema=schemas/unit.json\nkind: Unit\nid: unit{u}\nversion: 1\ntitle: Unit {u}\nworkflows: [wf{a}, wf{b}]\nparameters:\n  - {{id: sessions_max, workflow: wf{a}, value: 6}}\nrules:\n  disable:\n    - {{rule: r{a}_3, reason: local routine}}\n"
            ),
        ));
    }
    files
}

fn source(files: &[(String, String)]) -> MemorySource {
    files.iter().fold(MemorySource::new(), |s, (n, t)| {
        s.with(n.clone(), t.clone())
    })
}

fn load(files: &[(String, String)]) -> Catalog {
    support::load_clean(&source(files))
}

/// The baseline: the same bytes parsed into untyped YAML values, no checks.
fn parse_only(files: &[(String, String)]) -> usize {
    files
        .iter()
        .map(|(_, t)| {
            serde_saphyr::from_str::<serde_json::Value>(t)
                .map(|v| v.is_object() as usize)
                .unwrap_or(0)
        })
        .sum()
}

fn benches(c: &mut Criterion) {
    let shipped = shipped();
    let generated = generated();
    assert!(load(&generated).workflows.len() == 100);
    let mut g = c.benchmark_group("catalog");
    g.sample_size(20);
    g.bench_function("load_shipped", |b| b.iter(|| load(black_box(&shipped))));
    g.bench_function("parse_only_shipped", |b| {
        b.iter(|| parse_only(black_box(&shipped)))
    });
    g.sample_size(10);
    g.bench_function("load_generated", |b| b.iter(|| load(black_box(&generated))));
    g.bench_function("parse_only_generated", |b| {
        b.iter(|| parse_only(black_box(&generated)))
    });
    g.finish();
}

/// Interleaved rounds: subject and baseline alternate, so machine noise hits both.
fn ratios() {
    let shipped = shipped();
    let generated = generated();
    println!("\nLots catalog benchmark (median of interleaved rounds; ratio to same-run baseline)");
    for (name, files, rounds, target_ms) in [
        ("shipped catalog", &shipped, 30, 20.0),
        ("generated catalog", &generated, 7, 500.0),
    ] {
        let (mut subject, mut baseline) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            black_box(load(files));
            subject.push(t.elapsed());
            let t = Instant::now();
            black_box(parse_only(files));
            baseline.push(t.elapsed());
        }
        let (s, b) = (median(subject), median(baseline));
        let ms = s.as_secs_f64() * 1000.0;
        println!(
            "  {name:<18} load+check+compile {ms:>8.2} ms | baseline YAML parse {:>8.2} ms | ratio {:>5.2}x | target < {target_ms} ms: {}",
            b.as_secs_f64() * 1000.0,
            s.as_secs_f64() / b.as_secs_f64().max(f64::EPSILON),
            if ms < target_ms { "met" } else { "MISSED" }
        );
    }
}

criterion_group!(catalog, benches);

fn main() {
    catalog();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}
