//! Scripts: one condition written as a `script:` leaf, as a declarative tree and as a
//! hand-written Rust closure, and unit `after` hooks, all on vuxna_utsatta.
//!
//! The shipped catalog is loaded in memory with one extra Rules file holding two `local` rules
//! over the same condition (`bench_tree`: `all` of `equals` and `compare`; `bench_script`:
//! `has_children == true && age >= 65`) and five extra units that run vuxna_utsatta: one with
//! neither rule nor hook (the baseline), one per rule, and two with an `after` hook on
//! `facts_recorded` (one returns `[]`, one a flag when `age >= 65`).
//!
//! Criterion measures each case; then an interleaved run prints each median beside a same-run
//! baseline and the ratio:
//! - conditions: the compiled tree untraced over 1,000 generated fact sets against a
//!   hand-written closure over the same slot vectors (asserted equal at setup), and traced as
//!   the runtime traces it (node marks; marks plus the trace's `NodeValues` and `FactReads`)
//!   against the same tree untraced. The script leaf cannot be evaluated here: `Script::eval_bool` is crate-private and
//!   `Env::script` defaults to false, so it is measured through `apply` below;
//! - apply: `apply` of a `facts_recorded` to the same case in a unit with the tree rule, the
//!   script rule or a hook, against the same event in the baseline unit. The difference is the
//!   per-event cost of the rule or hook including its trace, also shown as a multiple of the
//!   closure's per-evaluation cost. Tree and script are asserted to agree (value and firing)
//!   with each other and with the closure over a grid of events at setup.

#![expect(clippy::unwrap_used, clippy::panic, reason = "benchmark setup")]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group};
use jiff::ToSpan;
use jiff::civil::DateTime;
use lots::model::condition::{Condition, Env, NodeMarks, Recorder, Test};
use lots::model::fact::Value;
use lots::model::index::{DeadlineIdx, FactSlot, ParamIdx, PhaseIdx};
use lots::model::workflow::Workflow;
use lots::runtime::{
    Case, Event, FactReads, FactValue, NodeValues, Owner, Step, TraceEntry, Warning, apply,
};
use lots::syntax::{CountKind, DayCount, DeadlineState, SinceEvent};
use lots::{Catalog, MemorySource};

mod support;
use support::{Rng, at, facts, median, median_f64, ns, ratio, shipped, us};

const WORKFLOW: &str = "vuxna_utsatta";
const TREE_RULE: &str = "bench_tree";
const SCRIPT_RULE: &str = "bench_script";
const CONDITION: &str = "has_children == true && age >= 65";
/// Fact sets for the condition benchmark: few enough to stay in cache.
const FACT_SETS: usize = 1_000;
/// Passes over the fact sets per interleaved sample.
const PASSES: u32 = 100;

/// The baseline unit: runs vuxna_utsatta's base rules and nothing else.
const PLAIN: &str = "bench_plain";

const TREE_UNIT: &str = "bench_tree_unit";
const SCRIPT_UNIT: &str = "bench_script_unit";
const FLAG_UNIT: &str = "bench_after_flag";

/// The units compared with [`PLAIN`]: id, what it adds, and the text appended to its file.
const UNITS: [(&str, &str, &str); 4] = [
    (TREE_UNIT, "tree rule", "rules: {add: [bench_tree]}\n"),
    (
        SCRIPT_UNIT,
        "script-leaf rule",
        "rules: {add: [bench_script]}\n",
    ),
    (
        "bench_after_empty",
        "after hook `[]`",
        "hooks:\n  - id: bench_after_empty\n    on: [facts_recorded]\n    after: {script: \"[]\"}\n",
    ),
    (
        FLAG_UNIT,
        "after hook if age>=65",
        "hooks:\n  - id: bench_after_flag\n    on: [facts_recorded]\n    after: {script: 'if age >= 65 { [#{type: \"flag\", message: \"x\"}] } else { [] }'}\n",
    ),
];

/// The same condition twice: as a tree and as a script leaf.
const RULES_FILE: &str = r#"# yaml-language-server: $schema=../schemas/rules.json
kind: Rules
id: bench_scripts
version: 1
title: Benchmark rules (one condition as a tree and as a script leaf)
workflows: [vuxna_utsatta]
rules:
  - id: bench_tree
    title: Tree
    scope: local
    when:
      all:
        - equals: {fact: has_children, value: true}
        - compare: {fact: age, op: ">=", value: 65}
    actions:
      - flag: {message: bench}
  - id: bench_script
    title: Script leaf
    scope: local
    when: {script: "has_children == true && age >= 65"}
    actions:
      - flag: {message: bench}
"#;

// ---------------------------------------------------------------------------------------------
// Catalog

fn unit_file(id: &str, extra: &str) -> (String, String) {
    (
        format!("bench/{id}.yaml"),
        format!(
            "# yaml-language-server: $schema=../schemas/unit.json\nkind: Unit\nid: {id}\nversion: 1\ntitle: Benchmark unit {id}\nworkflows: [{WORKFLOW}]\nroute_targets: [{{target: mottagning_barn, to: mottagningsenheten}}]\n{extra}"
        ),
    )
}

fn catalog() -> Catalog {
    let mut files = shipped();
    files.push(("bench/bench_scripts.yaml".to_owned(), RULES_FILE.to_owned()));
    files.push(unit_file(PLAIN, ""));
    files.extend(UNITS.iter().map(|(id, _, extra)| unit_file(id, extra)));
    let source = files
        .into_iter()
        .fold(MemorySource::new(), |s, (n, t)| s.with(n, t));
    support::load_clean(&source)
}

/// A bench rule's compiled condition for vuxna_utsatta.
fn condition(catalog: &Catalog, rule: &str) -> Condition {
    catalog
        .rules
        .iter()
        .find(|r| r.id.as_ref() == rule)
        .and_then(|r| {
            r.per_workflow
                .iter()
                .find(|p| p.workflow.as_ref() == WORKFLOW)
        })
        .map(|p| p.when.clone())
        .unwrap_or_else(|| panic!("rule {rule} is not compiled for {WORKFLOW}"))
}

// ---------------------------------------------------------------------------------------------
// (a) The condition over generated fact sets

/// Slots the closure reads, resolved once by name.
#[derive(Clone, Copy)]
struct Ix {
    has_children: usize,
    age: usize,
}

impl Ix {
    fn new(wf: &Workflow) -> Self {
        let slot = |name: &str| usize::from(wf.fact(name).unwrap().0.0);
        Ix {
            has_children: slot("has_children"),
            age: slot("age"),
        }
    }
}

/// The condition written by hand in Rust, over the same slot vector.
#[inline]
fn hand(ix: &Ix, s: &[Option<Value>]) -> bool {
    matches!(s.get(ix.has_children), Some(Some(Value::Bool(true))))
        && matches!(s.get(ix.age), Some(Some(Value::Integer(a))) if *a >= 65)
}

/// Workflow-shaped slot vectors; only the two facts the condition reads are filled, each
/// unset in 30% of the sets.
fn generate(wf: &Workflow, ix: Ix, n: usize) -> Vec<Arc<Vec<Option<Value>>>> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|_| {
            let mut slots = vec![None; wf.facts.len()];
            if !rng.percent(30) {
                *slots.get_mut(ix.has_children).unwrap() = Some(Value::Bool(rng.percent(50)));
            }
            if !rng.percent(30) {
                *slots.get_mut(ix.age).unwrap() = Some(Value::Integer(rng.below(100) as i64));
            }
            // Shared as the runtime shares its slot vector with the trace's fact reads.
            Arc::new(slots)
        })
        .collect()
}

/// A condition environment over one slot vector; the condition reads nothing else.
struct FactEnv<'a> {
    slots: &'a [Option<Value>],
}

impl Env for FactEnv<'_> {
    fn fact(&self, slot: FactSlot) -> Option<&Value> {
        self.slots.get(usize::from(slot.0)).and_then(Option::as_ref)
    }

    fn phase(&self) -> PhaseIdx {
        PhaseIdx(0)
    }

    fn completed(&self, _: &str) -> bool {
        false
    }

    fn band(&self, _: &str) -> Option<&str> {
        None
    }

    fn score(&self, _: &str) -> Option<f64> {
        None
    }

    fn count(&self, _: CountKind, _: Option<PhaseIdx>) -> u32 {
        0
    }

    fn elapsed_days(&self, _: SinceEvent, _: DayCount) -> Option<i64> {
        None
    }

    fn deadline(&self, _: DeadlineIdx) -> DeadlineState {
        DeadlineState::NotStarted
    }

    fn parameter(&self, _: ParamIdx) -> u32 {
        0
    }
}

struct CondBench {
    wf: Arc<Workflow>,
    ix: Ix,
    tree: Condition,
    sets: Vec<Arc<Vec<Option<Value>>>>,
}

impl CondBench {
    fn new(catalog: &Catalog, n: usize) -> Self {
        let wf = catalog.workflow(WORKFLOW).unwrap();
        let script = condition(catalog, SCRIPT_RULE);
        assert!(
            matches!(&script.root.test, Test::Script(s) if s.text.as_ref() == CONDITION),
            "bench_script must compile to one script leaf"
        );
        let ix = Ix::new(wf);
        let bench = CondBench {
            wf: Arc::clone(wf),
            ix,
            tree: condition(catalog, TREE_RULE),
            sets: generate(wf, ix, n),
        };
        bench.check();
        bench
    }

    /// The baseline is honest: for every fact set the closure equals the tree, and both
    /// values occur.
    fn check(&self) {
        let mut fired = 0;
        for (k, set) in self.sets.iter().enumerate() {
            let tree = self.tree.evaluate(&FactEnv { slots: set });
            assert_eq!(
                tree,
                hand(&self.ix, set),
                "fact set {k}: tree and closure differ"
            );
            fired += usize::from(tree);
        }
        assert!(
            fired > 0 && fired < self.sets.len(),
            "the condition is constant over the data ({fired} of {})",
            self.sets.len()
        );
    }

    /// The tree over every fact set, recording every node. What was recorded is passed to
    /// `black_box` after each evaluation, so it cannot be elided.
    fn compiled<R: Recorder>(&self, rec: &mut R, clear: impl Fn(&mut R)) -> u32 {
        let mut n = 0;
        for set in &self.sets {
            clear(rec);
            n += u32::from(self.tree.evaluate_with(&FactEnv { slots: set }, rec));
            black_box(&mut *rec);
        }
        n
    }

    /// Traced as the runtime traces: node marks (plain bits by node index).
    fn traced(&self, marks: &mut NodeMarks) -> u32 {
        self.compiled(marks, NodeMarks::clear)
    }

    /// All the runtime does per condition besides reading fact values: node marks, the
    /// trace's `NodeValues` (one `Arc` clone of the condition's path table) and `FactReads`
    /// (`Arc` clones of the workflow, the slot vector and the condition's reads table).
    fn runtime_like(&self) -> u32 {
        let mut n = 0;
        for set in &self.sets {
            let mut marks = NodeMarks::default();
            let value = self.tree.evaluate_with(&FactEnv { slots: set }, &mut marks);
            let facts = FactReads::new(&self.wf, set, &self.tree, &marks);
            black_box((NodeValues::new(&self.tree, marks), facts));
            n += u32::from(value);
        }
        n
    }

    fn untraced(&self) -> u32 {
        self.compiled(&mut (), |_| {})
    }

    fn closure(&self) -> u32 {
        let mut n = 0;
        for set in &self.sets {
            n += u32::from(hand(&self.ix, black_box(set)));
        }
        n
    }
}

// ---------------------------------------------------------------------------------------------
// (b), (c) apply in units with and without the rule or hook

fn opened(unit: &str, facts: BTreeMap<String, FactValue>) -> Event {
    Event::CaseOpened {
        case_id: "bench-1".to_owned(),
        workflow: WORKFLOW.to_owned(),
        unit: unit.to_owned(),
        referral_source: Some("police".to_owned()),
        facts,
    }
}

fn recorded<const N: usize>(pairs: [(&str, FactValue); N]) -> Event {
    Event::FactsRecorded {
        facts: facts(pairs),
        person: None,
    }
}

fn step(catalog: &Catalog, case: &Case, event: Event, t: DateTime) -> Step {
    let kind = event.kind();
    apply(catalog, case, event, caseworker(), t)
        .unwrap_or_else(|r| panic!("{kind} rejected: {r:?}"))
}

/// A case in `unit`: opened with children and age 34, a session, a fact: 3 events.
fn build(catalog: &Catalog, unit: &str) -> Case {
    let b = FactValue::Bool;
    let events = [
        (
            at(0, 9, 0),
            opened(
                unit,
                facts([
                    ("gender", FactValue::Text("kvinna".to_owned())),
                    ("age", FactValue::Integer(34)),
                    ("has_children", b(true)),
                ]),
            ),
        ),
        (
            at(1, 10, 0),
            Event::SessionHeld {
                location: Some("office".to_owned()),
            },
        ),
        (
            at(1, 11, 0),
            recorded([("wants_continued_contact", b(true))]),
        ),
    ];
    events.into_iter().fold(Case::default(), |case, (t, e)| {
        step(catalog, &case, e, t).case
    })
}

/// The two measured events: the condition stays false (both leaves evaluated), or becomes
/// true (the rule fires, the flag hook emits).
fn measured() -> [(&'static str, Event); 2] {
    [
        (
            "age 40 (false)",
            recorded([("age", FactValue::Integer(40))]),
        ),
        (
            "age 70 (fires)",
            recorded([("age", FactValue::Integer(70))]),
        ),
    ]
}

/// The condition's value and whether the rule (or hook) fired in a step.
fn outcome(step: &Step, rule: &str) -> (Option<bool>, bool) {
    let mut value = None;
    let mut fired = false;
    for e in &step.trace.entries {
        match e {
            TraceEntry::Condition {
                owner: Owner::Rule { rule: r },
                value: v,
                ..
            } if r.as_ref() == rule => value = Some(*v),
            TraceEntry::RuleFired { rule: r, .. } if r == rule => fired = true,
            _ => {}
        }
    }
    (value, fired)
}

fn script_failures(step: &Step) -> usize {
    step.warnings
        .iter()
        .filter(|w| matches!(w, Warning::ScriptFailed { .. }))
        .count()
}

/// The closure's view of a case's stored facts.
fn expected(case: &Case) -> bool {
    matches!(case.facts.get("has_children"), Some(FactValue::Bool(true)))
        && matches!(case.facts.get("age"), Some(FactValue::Integer(a)) if *a >= 65)
}

/// Tree and script agree, with each other and with the closure, over a grid of opening facts
/// and a sequence of fact changes: the value traced for the rule and whether it fired, in
/// every step. The flag hook emits exactly when age >= 65. Returns (steps, fired, hook fired).
fn check_equivalence(catalog: &Catalog) -> (usize, usize, usize) {
    let b = FactValue::Bool;
    let i = FactValue::Integer;
    let (mut steps, mut fired, mut hooked) = (0, 0, 0);
    for children in [None, Some(false), Some(true)] {
        for age in [None, Some(30), Some(64), Some(65), Some(90)] {
            let mut open = BTreeMap::new();
            if let Some(c) = children {
                open.insert("has_children".to_owned(), b(c));
            }
            if let Some(a) = age {
                open.insert("age".to_owned(), i(a));
            }
            let events = [
                opened("", open),
                recorded([("age", i(70))]),
                recorded([("has_children", b(false))]),
                recorded([("age", i(64))]),
                recorded([("has_children", b(true))]),
                recorded([("age", i(65))]),
                recorded([("age", i(66))]),
                recorded([("age", i(20))]),
                recorded([("age", i(99)), ("has_children", b(true))]),
            ];
            let mut cases: Vec<(&str, &str, Case)> = [
                (TREE_UNIT, TREE_RULE),
                (SCRIPT_UNIT, SCRIPT_RULE),
                (FLAG_UNIT, "hook:bench_after_flag"),
            ]
            .map(|(u, r)| (u, r, Case::default()))
            .into();
            for (k, event) in events.into_iter().enumerate() {
                let t = at(0, 9, 0).checked_add((k as i64).hours()).unwrap();
                let mut seen = Vec::new();
                for (unit, rule, case) in &mut cases {
                    let event = match &event {
                        Event::CaseOpened { facts, .. } => opened(unit, facts.clone()),
                        other => other.clone(),
                    };
                    let s = step(catalog, case, event, t);
                    assert_eq!(script_failures(&s), 0, "{unit} step {k}: a script failed");
                    seen.push((
                        outcome(&s, rule),
                        expected(&s.case),
                        s.case.facts.get("age").cloned(),
                    ));
                    *case = s.case;
                }
                let [(tree, want, _), (script, _, _), ((_, hook), _, age)] = seen.as_slice() else {
                    panic!("three units")
                };
                let ctx = format!("children {children:?}, age {age:?}, step {k}");
                assert_eq!(tree, script, "{ctx}: tree and script differ");
                assert_eq!(tree.0, Some(*want), "{ctx}: tree and closure differ");
                let age_high = matches!(age, Some(FactValue::Integer(a)) if *a >= 65);
                // The hook runs on facts_recorded only.
                let hook_runs = k > 0;
                assert_eq!(*hook, hook_runs && age_high, "{ctx}: flag hook");
                steps += 1;
                fired += usize::from(tree.1);
                hooked += usize::from(*hook);
            }
        }
    }
    assert!(
        fired > 0 && fired < steps,
        "the rule fired in {fired} of {steps} steps"
    );
    (steps, fired, hooked)
}

// ---------------------------------------------------------------------------------------------
// Criterion

fn benches(c: &mut Criterion) {
    let catalog = catalog();
    let cb = CondBench::new(&catalog, FACT_SETS);
    let mut g = c.benchmark_group("condition_1k");
    let mut marks = NodeMarks::default();
    g.bench_function("tree_traced", |b| b.iter(|| cb.traced(&mut marks)));
    g.bench_function("tree_runtime_like", |b| b.iter(|| cb.runtime_like()));
    g.bench_function("tree_untraced", |b| b.iter(|| cb.untraced()));
    g.bench_function("closure", |b| b.iter(|| cb.closure()));
    g.finish();

    check_equivalence(&catalog);
    let now = at(2, 9, 0);
    let mut g = c.benchmark_group("apply_facts_recorded");
    for unit in std::iter::once(PLAIN).chain(UNITS.iter().map(|u| u.0)) {
        let case = build(&catalog, unit);
        for (i, (_, event)) in measured().into_iter().enumerate() {
            let name = format!("{unit}/{}", ["age_40", "age_70"].get(i).unwrap());
            g.bench_function(name, |b| {
                b.iter_batched(
                    || event.clone(),
                    |e| apply(&catalog, black_box(&case), e, caseworker(), now).unwrap(),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// Interleaved same-run ratios

/// Interleaved rounds: subject and baseline alternate, so machine noise hits both. Each
/// sample times `batch` calls; the medians are per call. The third figure is the median of
/// each round's difference (subject − baseline), in ns per call.
fn interleaved(
    rounds: usize,
    batch: u32,
    mut subject: impl FnMut(),
    mut baseline: impl FnMut(),
) -> (Duration, Duration, f64) {
    let (mut s, mut b, mut d) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..batch {
            subject();
        }
        let st = t.elapsed() / batch;
        let t = Instant::now();
        for _ in 0..batch {
            baseline();
        }
        let bt = t.elapsed() / batch;
        s.push(st);
        b.push(bt);
        d.push(ns(st) - ns(bt));
    }
    (median(s), median(b), median_f64(d))
}

fn ratios() {
    let catalog = catalog();
    println!("\nLots scripts benchmark (median of interleaved rounds; ratio to same-run baseline)");

    let cb = CondBench::new(&catalog, FACT_SETS);
    let per_eval = |d: Duration| ns(d) / FACT_SETS as f64;
    println!(
        "  condition `{CONDITION}` on {WORKFLOW}: {FACT_SETS} fact sets x {PASSES} passes; closure == tree asserted for all"
    );
    let (untraced, closure, _) = interleaved(
        15,
        PASSES,
        || {
            black_box(cb.untraced());
        },
        || {
            black_box(cb.closure());
        },
    );
    let closure_ns = per_eval(closure);
    println!(
        "  tree untraced              {:>8.2} ns/eval | baseline closure {closure_ns:>6.2} ns/eval | ratio {:>6.2}x",
        per_eval(untraced),
        ratio(untraced, closure)
    );
    let mut marks = NodeMarks::default();
    let (traced, untraced2, _) = interleaved(
        15,
        PASSES,
        || {
            black_box(cb.traced(&mut marks));
        },
        || {
            black_box(cb.untraced());
        },
    );
    println!(
        "  tree traced (node marks)   {:>8.2} ns/eval | baseline untraced {:>5.2} ns/eval | ratio {:>6.2}x",
        per_eval(traced),
        per_eval(untraced2),
        ratio(traced, untraced2)
    );
    let (runtime_like, untraced3, _) = interleaved(
        15,
        PASSES,
        || {
            black_box(cb.runtime_like());
        },
        || {
            black_box(cb.untraced());
        },
    );
    println!(
        "  tree runtime-like          {:>8.2} ns/eval | baseline untraced {:>5.2} ns/eval | ratio {:>6.2}x (marks + the trace's NodeValues + FactReads)",
        per_eval(runtime_like),
        per_eval(untraced3),
        ratio(runtime_like, untraced3)
    );
    println!(
        "  script leaf direct         not measurable: `Script::eval_bool` is pub(crate) and `Env::script` defaults to false; see apply"
    );
    drop(cb);

    let (steps, fired, hooked) = check_equivalence(&catalog);
    let now = at(2, 9, 0);
    let plain = build(&catalog, PLAIN);
    println!(
        "  apply: case in phase `{}` after {} events; tree == script == closure asserted over {steps} steps per unit ({fired} fired; flag hook {hooked})",
        plain.phase,
        plain.events.len()
    );
    println!(
        "  delta = median of per-round (unit - {PLAIN}); x closure = delta / closure ns per evaluation"
    );
    for (label, event) in measured() {
        println!("  facts_recorded {label}:");
        for (unit, what, _) in UNITS {
            let case = build(&catalog, unit);
            let (s, b, delta) = interleaved(
                31,
                500,
                || {
                    black_box(
                        apply(&catalog, black_box(&case), event.clone(), caseworker(), now)
                            .unwrap(),
                    );
                },
                || {
                    black_box(
                        apply(
                            &catalog,
                            black_box(&plain),
                            event.clone(),
                            caseworker(),
                            now,
                        )
                        .unwrap(),
                    );
                },
            );
            println!(
                "    {what:<22} {:>7.2} us | baseline {PLAIN} {:>7.2} us | ratio {:>5.3}x | delta {delta:>7.0} ns/event = {:>6.0}x closure",
                us(s),
                us(b),
                ratio(s, b),
                delta / closure_ns.max(f64::EPSILON)
            );
        }
    }
    println!(
        "  (design note for reference, no target: rhai ~390 ns per rule, ~30x a native closure)"
    );
}

criterion_group!(scripts_benches, benches);

fn main() {
    scripts_benches();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}

/// The caseworker every benchmarked event is sent by.
fn caseworker() -> lots::runtime::Actor {
    lots::runtime::Actor::new("hl-1", "socialsekreterare")
}
