//! A realistic population of cases, driven through the [`Engine`] into its store: the demo a
//! newcomer runs and the load generator for benchmarks. Same seed, same cases, same events.
//!
//! The rates come from the source documents (domain.md): about 30 % men (Skärholmen), the
//! referral sources (police-referred clients miss the first meeting far more often,
//! Katrineholm), the share with children and with children who witnessed the violence, danger
//! bands, drop-outs in every phase, ORS trajectories from the clinical range, few clients of 65
//! or more (Mölndal), and about 100 cases a year per team. Every person is invented; a case id
//! is `sim-<seed>-<n>`.
//!
//! Cases open evenly over the months simulated and run in real time from there: a case opened
//! late is still open when the simulation ends (events after the end are not sent).

use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime};
use jiff::{Span, ToSpan};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::Catalog;
use crate::engine::{Engine, EngineError};
use crate::runtime::{Actor, CancelledBy, Case, DEFAULT_ACTOR_ID, DEFAULT_ROLE, Event, FactValue};
use crate::store::Store;

/// The workflow the simulation runs.
pub const WORKFLOW: &str = "vuxna_utsatta";

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many cases.
    pub cases: u64,
    /// The seed: the same seed gives the same cases.
    pub seed: u64,
    /// Only this unit; otherwise the cases are spread over the units that run the workflow.
    pub unit: Option<String>,
    /// The first day cases open.
    pub start: Date,
    /// Over how many months they open (the simulation ends after them).
    pub months: u32,
}

/// What a simulation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases opened.
    pub cases: u64,
    /// Events accepted.
    pub events: u64,
    /// Cases closed by the end.
    pub closed: u64,
    /// Events the engine rejected (a simulation that sends events the workflow refuses; zero
    /// for the shipped catalog).
    pub rejected: u64,
}

/// Why a simulation stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// No unit runs the workflow (or the unit asked for does not).
    #[error("no unit runs workflow `{WORKFLOW}`{}", .0.as_ref().map(|u| format!(" as `{u}`")).unwrap_or_default())]
    NoUnit(Option<String>),
    /// The months or the start are outside the calendar.
    #[error("the period simulated is outside the calendar")]
    Period,
    /// The engine failed (not a rejection: the store, the catalog).
    #[error(transparent)]
    Engine(EngineError),
}

/// Runs a simulation into the engine's store; `progress` is told each case as it is done.
pub async fn run<S: Store>(
    engine: &Engine<S>,
    options: &Options,
    mut progress: impl FnMut(u64),
) -> Result<Summary, SimulateError> {
    let catalog = engine.catalog();
    let mut summary = Summary::default();
    for (n, told) in Population::new(&catalog, options)?.enumerate() {
        summary.add(&told);
        if !told.events.is_empty() {
            engine
                .open_case_with(told.events)
                .await
                .map_err(SimulateError::Engine)?;
        }
        progress(n as u64 + 1);
    }
    Ok(summary)
}

/// Runs a simulation in memory: every case decided, nothing stored (the load generator's own
/// cost, and the engine's without a store).
/// The cases are decided on every core: each case's story depends only on the seed and its
/// number, and the summary is a sum, so the result does not depend on which thread decides
/// which case. Threads take the next batch of cases as they finish one, so a core the machine
/// gives less time does not hold the others up.
pub fn run_in_memory(catalog: &Catalog, options: &Options) -> Result<Summary, SimulateError> {
    const BATCH: u64 = 64;
    let population = Population::new(catalog, options)?;
    let n_threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let next = std::sync::atomic::AtomicU64::new(0);
    let work = || {
        let mut summary = Summary::default();
        loop {
            let first = next.fetch_add(BATCH, std::sync::atomic::Ordering::Relaxed);
            if first >= options.cases {
                return summary;
            }
            for n in first..first.saturating_add(BATCH).min(options.cases) {
                summary.add(&population.case(n));
            }
        }
    };
    let summary = std::thread::scope(|scope| {
        let threads: Vec<_> = (1..n_threads).map(|_| scope.spawn(work)).collect();
        let mut summary = work();
        for t in threads {
            // A panic in a thread is a bug; it goes on as it would have on this one.
            let part = t.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            summary.merge(&part);
        }
        summary
    });
    Ok(summary)
}

impl Summary {
    fn add(&mut self, told: &Told) {
        self.cases += 1;
        self.events += told.events.len() as u64;
        self.closed += u64::from(told.closed);
        self.rejected += u64::from(told.rejected);
    }

    fn merge(&mut self, other: &Summary) {
        self.cases += other.cases;
        self.events += other.events;
        self.closed += other.closed;
        self.rejected += other.rejected;
    }
}

/// One case as told: the events the workflow accepted, in order, ready to store.
pub struct Told {
    /// The events, each with who sent it and when.
    pub events: Vec<(Event, Actor, DateTime)>,
    /// Whether the case was closed by the end.
    pub closed: bool,
    /// Whether the workflow refused an event of the story (the rest was not told).
    pub rejected: bool,
}

/// The simulated cases, one at a time: each story decided on the runtime (so a transition the
/// workflow took by itself is not asked for again, and nothing after the end is sent). Case
/// `n` draws from its own ChaCha8 stream (key from the seed, stream number `n`), so it is the
/// same case whichever cases are decided before it, or on another thread.
pub struct Population<'c> {
    catalog: &'c Catalog,
    units: Vec<String>,
    start: DateTime,
    end: DateTime,
    days: i32,
    seed: u64,
    cases: u64,
    n: u64,
}

impl<'c> Population<'c> {
    /// The population `options` describe, over `catalog`.
    pub fn new(catalog: &'c Catalog, options: &Options) -> Result<Population<'c>, SimulateError> {
        let units: Vec<String> = catalog
            .units_running(WORKFLOW)
            .filter(|u| options.unit.as_deref().is_none_or(|x| x == u.id.as_ref()))
            .map(|u| u.id.to_string())
            .collect();
        if units.is_empty() {
            return Err(SimulateError::NoUnit(options.unit.clone()));
        }
        let start = options.start.at(0, 0, 0, 0);
        let end = start
            .checked_add(Span::new().months(options.months))
            .map_err(|_| SimulateError::Period)?;
        let days = start
            .date()
            .until(end.date())
            .map_err(|_| SimulateError::Period)?
            .get_days()
            .max(1);
        Ok(Population {
            catalog,
            units,
            start,
            end,
            days,
            seed: options.seed,
            cases: options.cases,
            n: 0,
        })
    }

    /// Case `n` (counted from 0) of the population.
    pub fn case(&self, n: u64) -> Told {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(n);
        // Evenly over the days, each case at its own hour of the working day.
        let day = i64::try_from(n)
            .unwrap_or(i64::MAX)
            .saturating_mul(i64::from(self.days))
            / i64::try_from(self.cases.max(1)).unwrap_or(i64::MAX);
        let hour = 8 + pick(&mut rng, 8) as i64;
        let opened = self
            .start
            .checked_add(day.days())
            .and_then(|d| d.checked_add(hour.hours()))
            .unwrap_or(self.start);
        let unit = self
            .units
            .get(pick(&mut rng, self.units.len() as u64) as usize)
            .map_or("", String::as_str);
        let story = story(&mut rng, &format!("sim-{}-{n:06}", self.seed), unit, opened);
        decide(self.catalog, story, self.end)
    }
}

impl Iterator for Population<'_> {
    type Item = Told;

    fn next(&mut self) -> Option<Told> {
        if self.n >= self.cases {
            return None;
        }
        let n = self.n;
        self.n += 1;
        Some(self.case(n))
    }
}

/// A step of a story: when, and the event (as the host sends it), or a transition asked for
/// only if the case is not there yet.
enum Step {
    Event(DateTime, Event),
    GoTo(DateTime, &'static str),
}

/// Decides a story on the runtime: the events accepted, up to the end, the case's close or the
/// first event refused.
fn decide(catalog: &Catalog, story: Vec<Step>, end: DateTime) -> Told {
    let by = Actor::new(DEFAULT_ACTOR_ID, DEFAULT_ROLE);
    let mut case = Case::default();
    let mut told = Told {
        events: Vec::new(),
        closed: false,
        rejected: false,
    };
    for step in story {
        let (at, event) = match step {
            Step::Event(at, v) => (at, v),
            Step::GoTo(at, to) => {
                if case.phase == to {
                    continue;
                }
                (at, Event::TransitionRequested { to: to.to_owned() })
            }
        };
        if at >= end || case.closed.is_some() {
            break;
        }
        // The case is given up to the step (no copy); a refused event ends the story, so
        // the case is not needed after one.
        match crate::runtime::apply_owned(catalog, case, event.clone(), by.clone(), at) {
            Ok(step) => {
                case = step.case;
                told.events.push((event, by.clone(), at));
            }
            Err(_) => {
                // The story went somewhere the workflow does not: the rest of it is not told
                // (counted, so a test can insist on none). The case was open before it.
                told.rejected = true;
                return told;
            }
        }
    }
    told.closed = case.closed.is_some();
    told
}

/// A number in `0..n`.
fn pick(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    if n == 0 { 0 } else { rng.next_u64() % n }
}

/// True with probability `p`.
fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
}

/// One of `options` by weight.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, options: &[(T, u32)]) -> Option<T> {
    let total: u32 = options.iter().map(|(_, w)| w).sum();
    let mut at = pick(rng, u64::from(total)) as u32;
    for (value, w) in options {
        if at < *w {
            return Some(*value);
        }
        at -= w;
    }
    options.first().map(|(v, _)| *v)
}

/// A whole number from `lo` to `hi`.
fn between(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    lo + pick(rng, (hi - lo + 1).max(1) as u64) as i64
}

/// An ORS item rating, 0–10 with one decimal.
fn rating(rng: &mut ChaCha8Rng, around: f64) -> f64 {
    let spread = (pick(rng, 41) as f64 - 20.0) / 10.0;
    ((around + spread).clamp(0.0, 10.0) * 10.0).round() / 10.0
}

/// The events of one invented client's case, in order.
fn story(rng: &mut ChaCha8Rng, case_id: &str, unit: &str, opened: DateTime) -> Vec<Step> {
    let mut out = Vec::new();
    let mut t = opened;
    let later = |t: DateTime, days: i64, hour: i8| -> DateTime {
        t.date()
            .checked_add(days.days())
            .map_or(t, |d| d.at(hour, 0, 0, 0))
    };
    let gender = weighted(rng, &[("kvinna", 68), ("man", 30), ("annat", 2)]).unwrap_or("kvinna");
    let age = match weighted(rng, &[(0, 15), (1, 45), (2, 33), (3, 7)]).unwrap_or(1) {
        0 => between(rng, 18, 25),
        1 => between(rng, 26, 40),
        2 => between(rng, 41, 64),
        _ => between(rng, 65, 88),
    };
    let referral = weighted(
        rng,
        &[
            ("police", 25),
            ("self", 25),
            ("other_unit", 20),
            ("health_care", 10),
            ("womens_shelter", 7),
            ("school", 3),
            ("other", 10),
        ],
    )
    .unwrap_or("self");
    let has_children = chance(rng, 0.55);
    let relationship = weighted(
        rng,
        &[
            ("partner", 45),
            ("former_partner", 35),
            ("parent", 8),
            ("child", 5),
            ("other_relative", 7),
        ],
    )
    .unwrap_or("partner");
    let mut opening = facts([
        ("gender", text(gender)),
        ("age", FactValue::Integer(age)),
        ("has_children", FactValue::Bool(has_children)),
        ("relationship_to_perpetrator", text(relationship)),
    ]);
    if has_children {
        opening.insert(
            "children_witnessed".into(),
            FactValue::Bool(chance(rng, 0.7)),
        );
        opening.insert(
            "children_subjected".into(),
            FactValue::Bool(chance(rng, 0.25)),
        );
    }
    out.push(Step::Event(
        t,
        Event::CaseOpened {
            case_id: case_id.to_owned(),
            workflow: WORKFLOW.to_owned(),
            unit: unit.to_owned(),
            referral_source: Some(referral.to_owned()),
            facts: opening,
        },
    ));
    // Fas 1: the first meeting within a week; police-referred clients often do not come (the
    // police had not asked whether they wanted support).
    t = later(t, between(rng, 1, 6), 10);
    let misses = if referral == "police" { 0.35 } else { 0.10 };
    if chance(rng, misses) {
        out.push(Step::Event(t, Event::NoShow));
        t = later(t, between(rng, 3, 7), 10);
        if chance(rng, 0.4) {
            // Never comes: the case closes as uteblivit after the unit's number of no-shows.
            for _ in 0..3 {
                out.push(Step::Event(t, Event::NoShow));
                t = later(t, between(rng, 3, 7), 10);
            }
            return out;
        }
    }
    let violence = chance(rng, 0.92);
    out.push(Step::Event(
        t,
        completed(
            "freda_kortfragor",
            facts([
                ("psychological", FactValue::Bool(violence)),
                ("physical", FactValue::Bool(violence && chance(rng, 0.7))),
                ("sexual", FactValue::Bool(chance(rng, 0.15))),
                ("fear", FactValue::Bool(violence && chance(rng, 0.6))),
                ("economic_material", FactValue::Bool(chance(rng, 0.3))),
                ("injury", FactValue::Bool(chance(rng, 0.2))),
                ("children_subjected", FactValue::Bool(false)),
                ("children_noticed", FactValue::Bool(false)),
            ]),
        ),
    ));
    out.push(Step::Event(t, held()));
    let continues = chance(rng, 0.78);
    out.push(Step::Event(
        t,
        recorded(facts([(
            "wants_continued_contact",
            FactValue::Bool(continues),
        )])),
    ));
    if !continues {
        out.push(Step::GoTo(t, "avslutad_avboj_efter_fas1"));
        return out;
    }
    out.push(Step::GoTo(t, "utredning"));
    // Fas 2: two to four conversations with FREDA; some clients cancel, some the unit does.
    let sessions = between(rng, 2, 4);
    for i in 0..sessions {
        t = later(t, between(rng, 5, 9), 13);
        if chance(rng, 0.08) {
            out.push(Step::Event(
                t,
                Event::SessionCancelled {
                    by: CancelledBy::Client,
                    reason: None,
                },
            ));
            t = later(t, 2, 13);
        } else if chance(rng, 0.05) {
            out.push(Step::Event(
                t,
                Event::SessionCancelled {
                    by: CancelledBy::Unit,
                    reason: None,
                },
            ));
            t = later(t, 2, 13);
        }
        out.push(Step::Event(t, held()));
        if i == 0 {
            let often = ["never", "once", "several_times", "often"];
            let f =
                |rng: &mut ChaCha8Rng| often.get(pick(rng, 4) as usize).copied().unwrap_or("once");
            out.push(Step::Event(
                t,
                completed(
                    "freda_beskrivning",
                    facts([
                        ("psychological_insults", text(f(rng))),
                        ("psychological_monitoring", text(f(rng))),
                        ("psychological_economic_control", text(f(rng))),
                        ("physical_pushing", text(f(rng))),
                        ("fear_now", text(f(rng))),
                    ]),
                ),
            ));
            let danger = weighted(rng, &[(0.08, 60), (0.3, 30), (0.55, 10)]).unwrap_or(0.1);
            let items = [
                "escalation",
                "firearm_access",
                "separation",
                "unemployment",
                "weapon_used",
                "threats_to_kill",
                "avoided_arrest",
                "stepchild_in_home",
                "forced_sex",
                "strangulation",
                "drug_use",
                "problem_drinking",
                "controlling_behaviour",
                "jealousy",
                "assault_in_pregnancy",
                "perpetrator_suicidality",
                "threats_to_children",
                "believes_could_kill",
                "stalking",
                "victim_suicidality",
            ];
            let answers = facts(items.map(|item| (item, FactValue::Bool(chance(rng, danger)))));
            let band = if danger > 0.5 {
                "high"
            } else if danger > 0.2 {
                "raised"
            } else {
                "low"
            };
            out.push(Step::Event(
                t,
                Event::InstrumentCompleted {
                    instrument: "freda_farlighetsbedomning".to_owned(),
                    answers,
                    client_self_rating: Some(band.to_owned()),
                    professional_judgement: Some(band.to_owned()),
                    person: None,
                },
            ));
        }
    }
    if chance(rng, 0.08) {
        out.push(Step::GoTo(later(t, 10, 9), "avslutad_avbrutet"));
        return out;
    }
    out.push(Step::GoTo(t, "delgivning"));
    // Fas 3: the investigation is gone through and bistånd decided.
    t = later(t, between(rng, 5, 10), 10);
    out.push(Step::Event(t, held()));
    let granted = chance(rng, 0.85);
    out.push(Step::Event(
        t,
        Event::DecisionMade {
            decision: None,
            granted,
        },
    ));
    if !granted {
        out.push(Step::GoTo(t, "avslutad_efter_utredning"));
        return out;
    }
    let housing = weighted(
        rng,
        &[
            ("none", 80),
            ("protected_housing", 10),
            ("temporary_housing", 6),
            ("new_permanent_housing", 4),
        ],
    )
    .unwrap_or("none");
    out.push(Step::Event(
        t,
        recorded(facts([
            ("intervention_count", FactValue::Integer(between(rng, 1, 3))),
            ("financial_assistance", FactValue::Bool(chance(rng, 0.22))),
            ("housing_intervention", text(housing)),
        ])),
    ));
    out.push(Step::GoTo(t, "stodsamtal"));
    // Fas 4: ten to fifteen conversations every other week; ORS at the first and the last,
    // starting in the clinical range and mostly improving; some drop out on the way.
    let first = 12.0 + pick(rng, 14) as f64;
    let change = (pick(rng, 21) as f64) - 4.0;
    let sessions = between(rng, 10, 15);
    let drops_after = chance(rng, 0.2).then(|| between(rng, 1, 6));
    for i in 0..sessions {
        t = later(t, between(rng, 12, 16), 10);
        let last = i + 1 == sessions;
        if i == 0 || last {
            let total = if i == 0 { first } else { first + change };
            let item = total / 4.0;
            out.push(Step::Event(
                t,
                completed(
                    "ors",
                    facts([
                        ("individual", FactValue::Decimal(rating(rng, item))),
                        ("interpersonal", FactValue::Decimal(rating(rng, item))),
                        ("social", FactValue::Decimal(rating(rng, item))),
                        ("overall", FactValue::Decimal(rating(rng, item))),
                    ]),
                ),
            ));
        }
        if chance(rng, 0.04) {
            out.push(Step::Event(t, Event::NoShow));
            t = later(t, 7, 10);
        }
        out.push(Step::Event(t, held()));
        if drops_after == Some(i) {
            out.push(Step::GoTo(later(t, 21, 9), "avslutad_avbrutet"));
            return out;
        }
    }
    let goal = if change >= 5.0 {
        weighted(rng, &[("fully", 60), ("partly", 35), ("not_met", 5)])
    } else {
        weighted(rng, &[("fully", 15), ("partly", 50), ("not_met", 35)])
    }
    .unwrap_or("partly");
    let mut closing = facts([("goal_met", text(goal))]);
    // Most answer the closing questions: 93 % say their situation improved, and of them 79 %
    // that the support mattered greatly or decisively (Mölndal).
    if chance(rng, 0.8) {
        let improved = chance(rng, 0.93);
        closing.insert("situation_improved".into(), FactValue::Bool(improved));
        let importance = if improved && chance(rng, 0.79) {
            if chance(rng, 0.4) {
                "decisive"
            } else {
                "great"
            }
        } else if chance(rng, 0.6) {
            "some"
        } else {
            "none"
        };
        closing.insert("support_importance".into(), text(importance));
    }
    out.push(Step::Event(t, recorded(closing)));
    out.push(Step::GoTo(t, "avslutad_genomford"));
    out
}

/// Facts (or answers) by id.
fn facts<'a>(pairs: impl IntoIterator<Item = (&'a str, FactValue)>) -> BTreeMap<String, FactValue> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A text or enum value.
fn text(v: &str) -> FactValue {
    FactValue::Text(v.to_owned())
}

/// A session held at the office.
fn held() -> Event {
    Event::SessionHeld {
        location: Some("office".to_owned()),
    }
}

/// The case's facts recorded.
fn recorded(facts: BTreeMap<String, FactValue>) -> Event {
    Event::FactsRecorded {
        facts,
        person: None,
    }
}

/// An instrument completed with its answers.
fn completed(instrument: &str, answers: BTreeMap<String, FactValue>) -> Event {
    Event::InstrumentCompleted {
        instrument: instrument.to_owned(),
        answers,
        client_self_rating: None,
        professional_judgement: None,
        person: None,
    }
}
