//! Runtime: routing rules over 100,000 generated fact sets, `apply` of a typical event, and
//! replay of a 200-event case, all against the shipped catalog (vuxna_utsatta at Skärholmen).
//!
//! Criterion measures each case; then an interleaved run prints each median beside a same-run
//! baseline, the ratio, and the target:
//! - rules: the compiled `when` of every active rule, traced as the runtime traces it (node
//!   marks), against a hand-written Rust closure computing the same booleans over the same slot
//!   vectors (asserted equal at setup), and against the same evaluation untraced;
//! - apply: `apply` against `case.clone()`, which `apply` has to do anyway;
//! - replay: `Case::replay` of 200 events against 200 `serde_json` round trips of one event.

#![expect(clippy::unwrap_used, clippy::panic, reason = "benchmark setup")]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group};
use jiff::ToSpan;
use jiff::civil::{Date, DateTime, date};
use lots::model::condition::{Env, Node, NodeMarks, Recorder};
use lots::model::fact::Value;
use lots::model::index::{DeadlineIdx, FactSlot, ParamIdx, PhaseIdx};
use lots::model::rules::{Rule, RuleIn};
use lots::model::workflow::Workflow;
use lots::runtime::{self, Case, Event, FactReads, FactValue, NodeValues, apply};
use lots::syntax::{CountKind, DayCount, DeadlineState, FactType, SinceEvent};
use lots::{Catalog, FsSource};

mod support;
use support::{Rng, at, facts, interleaved, ms, ns, ratio, us, verdict};

const WORKFLOW: &str = "vuxna_utsatta";
const UNIT: &str = "skarholmen";
const FACT_SETS: usize = 100_000;

// ---------------------------------------------------------------------------------------------
// Catalog

fn catalog() -> Catalog {
    let source = FsSource::new(support::catalog_paths());
    support::load_clean(&source)
}

// ---------------------------------------------------------------------------------------------
// (a) Routing rules over generated fact sets

/// The active rules for vuxna_utsatta at Skärholmen, in the order [`hand`] computes them.
/// Setup asserts that this is exactly the set `active_rules` yields.
const RULES: [&str; 16] = [
    "orosanmalan_barn",
    "skyddade_personuppgifter",
    "srs_allians",
    "lang_tid_utan_samtal",
    "uppfoljning_besvarad",
    "skyddat_boende",
    "riskbedomning_skillnad",
    "ny_bedomning_vid_separation",
    "polisinformation",
    "hedersrelaterat_vald",
    "atv_erbjudande",
    "utredningstid_overskriden",
    "skyddat_boende_medfoljande_barn",
    "skyddat_boende_ansvar_kvar",
    "aterkommer_inom_tre_manader",
    "nytt_vald_efter_avslut",
];

/// Instrument bands the generated data can hold, by index.
const FREDA: &str = "freda_farlighetsbedomning";
const FREDA_BANDS: [&str; 3] = ["low", "raised", "high"];
const FREDA_HIGH: u8 = 2;
const SRS: &str = "srs";
const SRS_BANDS: [&str; 2] = ["alliance_concern", "good_alliance"];
const SRS_CONCERN: u8 = 0;

/// One generated fact set: the slot vector, plus the case state that rules read through the
/// other `Env` methods (phase, instrument bands, days since the last session, a deadline).
struct FactSet {
    /// Shared as the runtime shares its slot vector with the trace's fact reads.
    slots: Arc<Vec<Option<Value>>>,
    phase: PhaseIdx,
    freda_band: Option<u8>,
    srs_band: Option<u8>,
    since_last_session: Option<i64>,
    utredning_tid: DeadlineState,
    no_shows: u32,
}

fn generate(wf: &Workflow, n: usize) -> Vec<FactSet> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let text: Arc<str> = Arc::from("Storgatan 1");
    let states = [
        DeadlineState::Running,
        DeadlineState::DueSoon,
        DeadlineState::Overdue,
        DeadlineState::Met,
        DeadlineState::NotStarted,
    ];
    let phases = wf.phases.len() as u64;
    (0..n)
        .map(|_| {
            let slots: Vec<_> = wf
                .facts
                .iter()
                .map(|f| {
                    if rng.percent(30) {
                        return None;
                    }
                    Some(match f.ty {
                        FactType::Bool => Value::Bool(rng.percent(40)),
                        FactType::Integer => Value::Integer(rng.below(100) as i64),
                        FactType::Decimal => Value::Decimal(rng.below(401) as f64 / 10.0),
                        FactType::Date => Value::Date(
                            date(2025, 1, 1)
                                .checked_add((rng.below(365) as i64).days())
                                .unwrap(),
                        ),
                        FactType::Text => Value::Text(Arc::clone(&text)),
                        FactType::Enum | FactType::ProtectionLevel => {
                            Value::Enum(rng.below(f.values.len() as u64) as u16)
                        }
                    })
                })
                .collect();
            let band = |rng: &mut Rng, n: u64| {
                let b = rng.below(n + 1);
                (b < n).then_some(b as u8)
            };
            FactSet {
                slots: Arc::new(slots),
                phase: PhaseIdx(rng.below(phases) as u16),
                freda_band: band(&mut rng, FREDA_BANDS.len() as u64),
                srs_band: band(&mut rng, SRS_BANDS.len() as u64),
                since_last_session: rng.percent(80).then(|| rng.below(60) as i64),
                utredning_tid: *states.get(rng.below(states.len() as u64) as usize).unwrap(),
                no_shows: rng.below(3) as u32,
            }
        })
        .collect()
}

/// A condition environment over one generated fact set.
struct FactEnv<'a> {
    set: &'a FactSet,
    params: &'a [u32],
    utredning_tid: DeadlineIdx,
}

impl Env for FactEnv<'_> {
    fn fact(&self, slot: FactSlot) -> Option<&Value> {
        self.set
            .slots
            .get(usize::from(slot.0))
            .and_then(Option::as_ref)
    }

    fn phase(&self) -> PhaseIdx {
        self.set.phase
    }

    fn completed(&self, instrument: &str) -> bool {
        self.band(instrument).is_some()
    }

    fn band(&self, instrument: &str) -> Option<&str> {
        let (band, names): (Option<u8>, &[&'static str]) = match instrument {
            FREDA => (self.set.freda_band, &FREDA_BANDS),
            SRS => (self.set.srs_band, &SRS_BANDS),
            _ => (None, &[]),
        };
        band.and_then(|b| names.get(usize::from(b)).copied())
    }

    fn score(&self, _: &str) -> Option<f64> {
        None
    }

    fn count(&self, of: CountKind, _: Option<PhaseIdx>) -> u32 {
        match of {
            CountKind::NoShows => self.set.no_shows,
            _ => 0,
        }
    }

    fn elapsed_days(&self, since: SinceEvent, _: DayCount) -> Option<i64> {
        match since {
            SinceEvent::LastSession => self.set.since_last_session,
            _ => None,
        }
    }

    fn deadline(&self, deadline: DeadlineIdx) -> DeadlineState {
        if deadline == self.utredning_tid {
            self.set.utredning_tid
        } else {
            DeadlineState::NotStarted
        }
    }

    fn parameter(&self, param: ParamIdx) -> u32 {
        self.params.get(usize::from(param.0)).copied().unwrap_or(0)
    }

    fn today(&self) -> Option<Date> {
        Some(TODAY)
    }
}

/// The day every generated fact set is evaluated on (`within` reads it); the generated dates
/// fall in 2025, so some are within three months before it and some are not.
const TODAY: Date = date(2025, 10, 1);

/// What the trace recorded before node indices: each node's (path, value) pushed into a
/// reused vector, the path an `Arc<str>` clone. For comparison only.
#[derive(Default)]
struct PathRecorder {
    nodes: Vec<(Arc<str>, bool)>,
}

impl Recorder for PathRecorder {
    fn record(&mut self, node: &Node, value: bool) {
        self.nodes.push((Arc::clone(&node.path), value));
    }
}

/// Slots, enum positions and phase the hand-written rules use, resolved once by name.
#[derive(Clone, Copy)]
struct Ix {
    has_children: usize,
    children_subjected: usize,
    children_witnessed: usize,
    child_at_risk_suspected: usize,
    protection_level: usize,
    protected: [u16; 3],
    followup_survey_returned: usize,
    professional_risk_judgement: usize,
    client_risk_view: usize,
    high: u16,
    low: u16,
    separation_planned: usize,
    honour_context: usize,
    client_used_violence: usize,
    housing_intervention: usize,
    protected_housing: u16,
    children_accompany: usize,
    previous_case_closed: usize,
    latest_violence: usize,
    stodsamtal: PhaseIdx,
}

impl Ix {
    fn new(wf: &Workflow) -> Self {
        let slot = |name: &str| usize::from(wf.fact(name).unwrap().0.0);
        let value = |fact: &str, v: &str| {
            let (_, f) = wf.fact(fact).unwrap();
            f.values.iter().position(|x| x.as_ref() == v).unwrap() as u16
        };
        Ix {
            has_children: slot("has_children"),
            children_subjected: slot("children_subjected"),
            children_witnessed: slot("children_witnessed"),
            child_at_risk_suspected: slot("child_at_risk_suspected"),
            protection_level: slot("protection_level"),
            protected: [
                value("protection_level", "sekretessmarkering"),
                value("protection_level", "skyddad_folkbokforing"),
                value("protection_level", "fingerade_personuppgifter"),
            ],
            followup_survey_returned: slot("followup_survey_returned"),
            professional_risk_judgement: slot("professional_risk_judgement"),
            client_risk_view: slot("client_risk_view"),
            high: value("professional_risk_judgement", "high"),
            low: value("client_risk_view", "low"),
            separation_planned: slot("separation_planned"),
            honour_context: slot("honour_context"),
            client_used_violence: slot("client_used_violence"),
            housing_intervention: slot("housing_intervention"),
            protected_housing: value("housing_intervention", "protected_housing"),
            children_accompany: slot("children_accompany"),
            previous_case_closed: slot("previous_case_closed"),
            latest_violence: slot("latest_violence"),
            stodsamtal: wf.phase_idx("stodsamtal").unwrap(),
        }
    }
}

/// The shipped rules (rules/routing/vinr.yaml, vuxna_utsatta.yaml, aterkomst.yaml) written by
/// hand in Rust, over the same slot vectors, in the order of [`RULES`].
#[inline]
fn hand(ix: &Ix, f: &FactSet) -> [bool; RULES.len()] {
    let s = &f.slots;
    let yes = |i: usize| matches!(s.get(i), Some(Some(Value::Bool(true))));
    let is = |i: usize, e: u16| matches!(s.get(i), Some(Some(Value::Enum(v))) if *v == e);
    let freda_high = f.freda_band == Some(FREDA_HIGH);
    let day = |i: usize| match s.get(i) {
        Some(Some(Value::Date(d))) => Some(*d),
        _ => None,
    };
    let protected_housing = is(ix.housing_intervention, ix.protected_housing);
    // `within: {of: previous_case_closed, months: 3}`: on or after the day, and at most three
    // months after it (jiff clamps to the month's last day, as lag 1930:173 1 § does).
    let within_three_months = day(ix.previous_case_closed).is_some_and(|from| {
        from <= TODAY && from.checked_add(3.months()).is_ok_and(|last| TODAY <= last)
    });
    let violence_after_closing = match (day(ix.latest_violence), day(ix.previous_case_closed)) {
        (Some(violence), Some(closed)) => violence > closed,
        _ => false,
    };
    [
        yes(ix.has_children) && (yes(ix.children_subjected) || yes(ix.children_witnessed))
            || yes(ix.child_at_risk_suspected),
        ix.protected.iter().any(|&e| is(ix.protection_level, e)),
        f.srs_band == Some(SRS_CONCERN),
        f.phase == ix.stodsamtal && f.since_last_session.is_some_and(|d| d >= 30),
        yes(ix.followup_survey_returned),
        freda_high || is(ix.professional_risk_judgement, ix.high),
        freda_high && is(ix.client_risk_view, ix.low),
        yes(ix.separation_planned),
        freda_high,
        yes(ix.honour_context),
        yes(ix.client_used_violence),
        f.utredning_tid == DeadlineState::Overdue,
        protected_housing && yes(ix.children_accompany),
        protected_housing,
        within_three_months,
        violence_after_closing,
    ]
}

struct RuleBench {
    wf: Arc<Workflow>,
    ix: Ix,
    /// The compiled conditions, in the order of [`RULES`].
    rules: Vec<RuleIn>,
    params: Vec<u32>,
    utredning_tid: DeadlineIdx,
    sets: Vec<FactSet>,
}

impl RuleBench {
    fn new(catalog: &Catalog, n: usize) -> Self {
        let wf = catalog.workflow(WORKFLOW).unwrap();
        let unit = catalog.unit(UNIT).unwrap();
        let active: Vec<(&Rule, &RuleIn)> = runtime::active_rules(catalog, wf, unit).collect();
        let mut ids: Vec<&str> = active.iter().map(|(r, _)| r.id.as_ref()).collect();
        ids.sort_unstable();
        let mut expected = RULES.to_vec();
        expected.sort_unstable();
        assert_eq!(
            ids, expected,
            "the active rules changed: update RULES and hand()"
        );
        let rules = RULES
            .iter()
            .map(|id| {
                active
                    .iter()
                    .find(|(r, _)| r.id.as_ref() == *id)
                    .map(|(_, c)| (*c).clone())
                    .unwrap()
            })
            .collect();
        let bench = RuleBench {
            wf: Arc::clone(wf),
            ix: Ix::new(wf),
            rules,
            params: unit.configuration(&wf.id).unwrap().parameters.clone(),
            utredning_tid: wf.deadline_idx("utredning_tid").unwrap(),
            sets: generate(wf, n),
        };
        bench.check();
        bench
    }

    fn env<'a>(&'a self, set: &'a FactSet) -> FactEnv<'a> {
        FactEnv {
            set,
            params: &self.params,
            utredning_tid: self.utredning_tid,
        }
    }

    /// The baseline is honest: for every fact set, every rule, the closure equals the engine.
    fn check(&self) {
        let mut fired = [0usize; RULES.len()];
        for (k, set) in self.sets.iter().enumerate() {
            let hand = hand(&self.ix, set);
            let env = self.env(set);
            for (i, (r, n)) in self.rules.iter().zip(fired.iter_mut()).enumerate() {
                let compiled = r.when.evaluate(&env);
                assert_eq!(
                    Some(&compiled),
                    hand.get(i),
                    "fact set {k}, rule {}: engine and closure differ",
                    RULES.get(i).unwrap()
                );
                *n += usize::from(compiled);
            }
        }
        // Every rule is both true and false somewhere, so neither side can be a constant.
        for (i, n) in fired.iter().enumerate() {
            assert!(
                *n > 0 && *n < self.sets.len(),
                "rule {} is constant over the data ({n} of {})",
                RULES.get(i).unwrap(),
                self.sets.len()
            );
        }
    }

    /// Every active rule's compiled condition over every fact set, recording every node. What
    /// was recorded is passed to `black_box` after each evaluation, so it cannot be elided.
    fn compiled<R: Recorder>(&self, rec: &mut R, clear: impl Fn(&mut R)) -> [u32; RULES.len()] {
        let mut tally = [0u32; RULES.len()];
        for set in &self.sets {
            let env = self.env(set);
            for (t, r) in tally.iter_mut().zip(&self.rules) {
                clear(rec);
                *t += u32::from(r.when.evaluate_with(&env, rec));
                black_box(&mut *rec);
            }
        }
        tally
    }

    /// Traced as the runtime traces: node marks (plain bits by node index).
    fn traced(&self, marks: &mut NodeMarks) -> [u32; RULES.len()] {
        self.compiled(marks, NodeMarks::clear)
    }

    /// The former trace: an `Arc<str>` path per node.
    fn arc_paths(&self, rec: &mut PathRecorder) -> [u32; RULES.len()] {
        self.compiled(rec, |r| r.nodes.clear())
    }

    /// All the runtime does per condition besides reading fact values: node marks, the
    /// trace's `NodeValues` (one `Arc` clone of the condition's path table) and `FactReads`
    /// (`Arc` clones of the workflow, the slot vector and the condition's reads table).
    fn runtime_like(&self) -> [u32; RULES.len()] {
        let mut tally = [0u32; RULES.len()];
        for set in &self.sets {
            let env = self.env(set);
            for (t, r) in tally.iter_mut().zip(&self.rules) {
                let mut marks = NodeMarks::default();
                let value = r.when.evaluate_with(&env, &mut marks);
                let facts = FactReads::new(&self.wf, &set.slots, &r.when, &marks);
                black_box((NodeValues::new(&r.when, marks), facts));
                *t += u32::from(value);
            }
        }
        tally
    }

    fn untraced(&self) -> [u32; RULES.len()] {
        self.compiled(&mut (), |_| {})
    }

    fn closure(&self) -> [u32; RULES.len()] {
        let mut tally = [0u32; RULES.len()];
        for set in &self.sets {
            for (t, v) in tally.iter_mut().zip(hand(&self.ix, black_box(set))) {
                *t += u32::from(v);
            }
        }
        tally
    }
}

// ---------------------------------------------------------------------------------------------
// (b) apply, (c) replay

fn instrument(id: &str, answers: BTreeMap<String, FactValue>) -> Event {
    Event::InstrumentCompleted {
        instrument: id.to_owned(),
        answers,
        client_self_rating: None,
        professional_judgement: None,
        person: None,
    }
}

fn session() -> Event {
    Event::SessionHeld {
        location: Some("office".to_owned()),
    }
}

fn scale(items: [&str; 4], base: i64) -> BTreeMap<String, FactValue> {
    let mut out = BTreeMap::new();
    for (i, item) in items.into_iter().enumerate() {
        out.insert(item.to_owned(), FactValue::Integer((base + i as i64) % 11));
    }
    out
}

/// The barn_bevittnat_orosanmalan scenario up to the investigation (Fas 2), with the danger
/// assessment done: 11 events.
fn prefix() -> Vec<(DateTime, Event)> {
    let b = FactValue::Bool;
    let freda_kort = facts([
        ("psychological", b(true)),
        ("physical", b(true)),
        ("sexual", b(false)),
        ("fear", b(true)),
        ("economic_material", b(false)),
        ("injury", b(true)),
        ("children_subjected", b(false)),
        ("children_noticed", b(true)),
    ]);
    let danger = facts([
        ("escalation", b(true)),
        ("firearm_access", b(false)),
        ("separation", b(true)),
        ("threats_to_kill", b(true)),
        ("strangulation", b(true)),
        ("jealousy", b(true)),
        ("stalking", b(true)),
        ("controlling_behaviour", b(true)),
        ("believes_could_kill", b(true)),
    ]);
    let t = |s: &str| FactValue::Text(s.to_owned());
    vec![
        (
            at(0, 9, 0),
            Event::CaseOpened {
                case_id: "sk-2025-0142".to_owned(),
                workflow: WORKFLOW.to_owned(),
                unit: UNIT.to_owned(),
                referral_source: Some("police".to_owned()),
                facts: facts([
                    ("gender", t("kvinna")),
                    ("age", FactValue::Integer(34)),
                    ("has_children", b(true)),
                ]),
            },
        ),
        (at(1, 10, 0), instrument("freda_kortfragor", freda_kort)),
        (at(1, 11, 0), session()),
        (
            at(1, 11, 5),
            Event::FactsRecorded {
                facts: facts([("wants_continued_contact", b(true))]),
                person: None,
            },
        ),
        (
            at(1, 11, 10),
            Event::TransitionRequested {
                to: "utredning".to_owned(),
            },
        ),
        (at(8, 13, 0), session()),
        (
            at(8, 13, 30),
            Event::FactsRecorded {
                facts: facts([("children_witnessed", b(true))]),
                person: None,
            },
        ),
        (at(15, 13, 0), session()),
        (
            at(15, 14, 0),
            instrument("freda_beskrivning", BTreeMap::new()),
        ),
        (
            at(15, 14, 30),
            Event::InstrumentCompleted {
                instrument: FREDA.to_owned(),
                answers: danger,
                client_self_rating: Some("low".to_owned()),
                professional_judgement: Some("high".to_owned()),
                person: None,
            },
        ),
        (at(16, 9, 0), Event::TimePassed),
    ]
}

fn build(catalog: &Catalog, events: &[(DateTime, Event)]) -> Case {
    events
        .iter()
        .enumerate()
        .fold(Case::default(), |case, (i, (t, e))| {
            apply(catalog, &case, e.clone(), caseworker(), *t)
                .unwrap_or_else(|r| panic!("event {i} ({}) rejected: {r:?}", e.kind()))
                .case
        })
}

/// A typical facts_recorded: two facts, one of which makes a rule fire.
fn typical_facts() -> Event {
    Event::FactsRecorded {
        facts: facts([
            ("separation_planned", FactValue::Bool(true)),
            (
                "relationship_to_perpetrator",
                FactValue::Text("former_partner".to_owned()),
            ),
        ]),
        person: None,
    }
}

/// 200 events through all four phases: the prefix, delgivning, a decision, then stödsamtal
/// with sessions, ORS/SRS, facts, no-shows and time passing.
fn two_hundred() -> Vec<(DateTime, Event)> {
    let mut events = prefix();
    let b = FactValue::Bool;
    events.extend([
        (at(16, 10, 0), session()),
        (
            at(16, 11, 0),
            Event::TransitionRequested {
                to: "delgivning".to_owned(),
            },
        ),
        (at(22, 10, 0), session()),
        (
            at(22, 11, 0),
            Event::DecisionMade {
                decision: None,
                granted: true,
            },
        ),
        (
            at(22, 11, 5),
            Event::TransitionRequested {
                to: "stodsamtal".to_owned(),
            },
        ),
    ]);
    let ors = ["individual", "interpersonal", "social", "overall"];
    let srs = ["relationship", "goals_topics", "approach", "overall"];
    let mut day = 23;
    let mut k = 0i64;
    while events.len() < 200 {
        let event = match k % 8 {
            0 => instrument("ors", scale(ors, 3 + k / 8)),
            1 => session(),
            2 => instrument("srs", scale(srs, 6 + k / 4)),
            3 => Event::FactsRecorded {
                facts: facts([
                    ("separation_planned", b(k % 16 == 3)),
                    ("honour_context", b(k % 24 == 3)),
                ]),
                person: None,
            },
            4 => Event::TimePassed,
            5 if k % 40 == 5 => Event::NoShow,
            5 => Event::FactsRecorded {
                facts: facts([("intervention_count", FactValue::Integer(k / 8))]),
                person: None,
            },
            _ => Event::TimePassed,
        };
        events.push((at(day, 9 + (k % 8) as i8, 0), event));
        if k % 8 == 7 {
            day += if k % 64 == 7 { 31 } else { 1 };
        }
        k += 1;
    }
    events
}

// ---------------------------------------------------------------------------------------------
// Criterion

fn benches(c: &mut Criterion) {
    let catalog = catalog();
    let rb = RuleBench::new(&catalog, FACT_SETS);
    let mut g = c.benchmark_group("rules_100k");
    g.sample_size(10);
    let mut marks = NodeMarks::default();
    g.bench_function("compiled_traced", |b| b.iter(|| rb.traced(&mut marks)));
    g.bench_function("compiled_untraced", |b| b.iter(|| rb.untraced()));
    g.bench_function("compiled_runtime_like", |b| b.iter(|| rb.runtime_like()));
    let mut rec = PathRecorder::default();
    g.bench_function("compiled_arc_paths", |b| b.iter(|| rb.arc_paths(&mut rec)));
    g.bench_function("closure", |b| b.iter(|| rb.closure()));
    g.finish();
    drop(rb);

    let case = build(&catalog, &prefix());
    let now = at(16, 10, 0);
    let mut g = c.benchmark_group("apply");
    for (name, event) in [
        ("facts_recorded", typical_facts()),
        ("session_held", session()),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || event.clone(),
                |e| apply(&catalog, black_box(&case), e, caseworker(), now).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    g.bench_function("case_clone", |b| b.iter(|| black_box(&case).clone()));
    g.finish();

    let long = build(&catalog, &two_hundred());
    let one = typical_facts();
    let mut g = c.benchmark_group("replay_200");
    g.bench_function("replay", |b| {
        b.iter(|| Case::replay(&catalog, black_box(&long.events)).unwrap())
    });
    g.bench_function("serde_json_roundtrips", |b| {
        b.iter(|| round_trips(&one, 200))
    });
    g.finish();
}

fn round_trips(event: &Event, n: usize) -> usize {
    (0..n)
        .map(|_| {
            let text = serde_json::to_string(black_box(event)).unwrap();
            let back: Event = serde_json::from_str(&text).unwrap();
            usize::from(matches!(back, Event::FactsRecorded { .. }))
        })
        .sum()
}

// ---------------------------------------------------------------------------------------------
// Interleaved same-run ratios

fn ratios() {
    let catalog = catalog();
    println!("\nLots runtime benchmark (median of interleaved rounds; ratio to same-run baseline)");

    let rb = RuleBench::new(&catalog, FACT_SETS);
    let evals = FACT_SETS * RULES.len();
    println!(
        "  rules: {} active rules x {FACT_SETS} fact sets = {evals} evaluations; closure == engine asserted for all",
        RULES.len()
    );
    let mut marks = NodeMarks::default();
    let (traced, closure) = interleaved(
        15,
        1,
        || {
            black_box(rb.traced(&mut marks));
        },
        || {
            black_box(rb.closure());
        },
    );
    let r = ratio(traced, closure);
    println!(
        "  rules traced (node marks)  {:>8.2} ms | baseline closure {:>8.2} ms | ratio {r:>6.2}x | target <= 10x: {}",
        ms(traced),
        ms(closure),
        verdict(r <= 10.0)
    );
    drop(rb);
    // 100,000 slot vectors are ~90 MB, so the closure above is bound by memory bandwidth.
    // The same work on 1,000 sets (the first 1,000 of the same data) that stay in cache:
    let small = RuleBench::new(&catalog, 1_000);
    let (traced_c, closure_c) = interleaved(
        15,
        100,
        || {
            black_box(small.traced(&mut marks));
        },
        || {
            black_box(small.closure());
        },
    );
    let r = ratio(traced_c, closure_c);
    println!(
        "  rules traced, in cache     {:>8.2} ms | baseline closure {:>8.2} ms | ratio {r:>6.2}x | info: 1,000 sets x 100 passes; the issue's <= 10x is over 100,000 sets (above){}",
        ms(traced_c * 100),
        ms(closure_c * 100),
        if r <= 10.0 {
            ""
        } else {
            ", and in cache it is not met"
        }
    );
    // Traced against untraced, same run, in cache (1,000 sets x 100 passes) and over 100,000.
    let (traced_u, untraced_u) = interleaved(
        15,
        100,
        || {
            black_box(small.traced(&mut marks));
        },
        || {
            black_box(small.untraced());
        },
    );
    let r = ratio(traced_u, untraced_u);
    let per = |d: std::time::Duration| ns(d) / (1_000 * RULES.len()) as f64;
    println!(
        "  rules traced vs untraced   {:>8.2} ms | baseline untraced {:>7.2} ms | ratio {r:>6.2}x | target <= 1.3x: {} ({:.1} ns vs {:.1} ns per rule; in cache)",
        ms(traced_u * 100),
        ms(untraced_u * 100),
        verdict(r <= 1.3),
        per(traced_u),
        per(untraced_u)
    );
    drop(small);
    let rb = RuleBench::new(&catalog, FACT_SETS);
    let (traced_b, untraced_b) = interleaved(
        15,
        1,
        || {
            black_box(rb.traced(&mut marks));
        },
        || {
            black_box(rb.untraced());
        },
    );
    let r = ratio(traced_b, untraced_b);
    println!(
        "  rules traced vs untraced   {:>8.2} ms | baseline untraced {:>7.2} ms | ratio {r:>6.2}x | target <= 1.3x: {} (100,000 sets)",
        ms(traced_b),
        ms(untraced_b),
        verdict(r <= 1.3)
    );
    let (untraced, closure2) = interleaved(
        15,
        1,
        || {
            black_box(rb.untraced());
        },
        || {
            black_box(rb.closure());
        },
    );
    println!(
        "  rules untraced (info)      {:>8.2} ms | baseline closure {:>8.2} ms | ratio {:>6.2}x",
        ms(untraced),
        ms(closure2),
        ratio(untraced, closure2)
    );
    let (runtime_like, untraced3) = interleaved(
        7,
        1,
        || {
            black_box(rb.runtime_like());
        },
        || {
            black_box(rb.untraced());
        },
    );
    println!(
        "  rules runtime-like         {:>8.2} ms | baseline untraced {:>7.2} ms | ratio {:>6.2}x (info: marks + the trace's NodeValues + FactReads, per condition)",
        ms(runtime_like),
        ms(untraced3),
        ratio(runtime_like, untraced3)
    );
    let mut rec = PathRecorder::default();
    let (arc_paths, untraced4) = interleaved(
        7,
        1,
        || {
            black_box(rb.arc_paths(&mut rec));
        },
        || {
            black_box(rb.untraced());
        },
    );
    println!(
        "  rules Arc path per node    {:>8.2} ms | baseline untraced {:>7.2} ms | ratio {:>6.2}x (info: how the trace recorded before node indices)",
        ms(arc_paths),
        ms(untraced4),
        ratio(arc_paths, untraced4)
    );
    drop(rb);

    let case = build(&catalog, &prefix());
    let now = at(16, 10, 0);
    println!(
        "  apply: case in phase `{}` after {} events, {} actions, {} facts",
        case.phase,
        case.events.len(),
        case.actions.len(),
        case.facts.len()
    );
    for (name, event) in [
        ("facts_recorded", typical_facts()),
        ("session_held", session()),
    ] {
        let (s, b) = interleaved(
            31,
            500,
            || {
                black_box(
                    apply(&catalog, black_box(&case), event.clone(), caseworker(), now).unwrap(),
                );
            },
            || {
                black_box(black_box(&case).clone());
                black_box(event.clone());
            },
        );
        println!(
            "  apply {name:<20} {:>8.2} us | baseline clone   {:>8.2} us | ratio {:>6.2}x | target median <= 20 us: {}",
            us(s),
            us(b),
            ratio(s, b),
            verdict(us(s) <= 20.0)
        );
    }

    let events = two_hundred();
    let long = build(&catalog, &events);
    assert_eq!(long.events.len(), 200);
    assert!(long.is_open(), "the 200-event case must stay open");
    let one = typical_facts();
    let (s, b) = interleaved(
        21,
        1,
        || {
            black_box(Case::replay(&catalog, black_box(&long.events)).unwrap());
        },
        || {
            black_box(round_trips(&one, 200));
        },
    );
    println!(
        "  replay 200 events          {:>8.2} ms | baseline 200 serde_json round trips {:>6.3} ms | ratio {:>6.2}x | {:.2} us/event (phase `{}`, {} actions)",
        ms(s),
        ms(b),
        ratio(s, b),
        us(s) / 200.0,
        long.phase,
        long.actions.len()
    );
}

criterion_group!(runtime_benches, benches);

fn main() {
    runtime_benches();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}

/// The caseworker every benchmarked event is sent by.
fn caseworker() -> lots::runtime::Actor {
    lots::runtime::Actor::new("hl-1", "socialsekreterare")
}
