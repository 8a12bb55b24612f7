//! Compiled conditions: trees over fact *slots*, with a span and a stable path per node.
//!
//! A condition is resolved against one workflow at load: every fact name becomes a slot index,
//! every phase an index, every enum value its position in the fact's list. Evaluation reads
//! values through [`Env`] by index; it never looks a name up in a map. Each node keeps its
//! source span and a stable path (`when/all/1/not`) for explanations and coverage.
//!
//! Each node also has an index in its condition, numbered in post-order (children before their
//! parent, in order), which is the order evaluation finishes nodes in. A trace records which
//! nodes were evaluated and their values as two bit sets over these indices ([`NodeMarks`]):
//! plain data, with no path copied. Reading the set bits in ascending order gives the nodes in
//! the order they were evaluated, and [`Condition::paths`] turns an index back into its path
//! when a trace is read.

use std::fmt;
use std::sync::Arc;

use crate::diagnostics::Span;
use crate::model::fact::Value;
use crate::model::index::{CollectionIdx, DeadlineIdx, FactSlot, ParamIdx, PersonIdx, PhaseIdx};
use crate::syntax::{CompareOp, CountKind, DayCount, DeadlineState, SinceEvent};

/// A number written in a condition or a range: literal, or a parameter a unit may override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    /// A literal.
    Value(u32),
    /// A workflow parameter, by index and id.
    Param(ParamIdx, Arc<str>),
}

/// What a condition reads from a case. The runtime implements it over case state.
pub trait Env {
    /// A fact's value, if recorded.
    fn fact(&self, slot: FactSlot) -> Option<&Value>;
    /// The current phase.
    fn phase(&self) -> PhaseIdx;
    /// Whether the case, or one of its running tracks, is in this phase.
    fn in_phase(&self, phase: PhaseIdx) -> bool {
        self.phase() == phase
    }
    /// Whether the instrument has been completed.
    fn completed(&self, instrument: &str) -> bool;
    /// The band of the instrument's latest result.
    fn band(&self, instrument: &str) -> Option<&str>;
    /// The instrument's latest total score.
    fn score(&self, instrument: &str) -> Option<f64>;
    /// Sessions held, no-shows or cancellations, in one phase or the whole case.
    fn count(&self, of: CountKind, phase: Option<PhaseIdx>) -> u32;
    /// Days since an event, counted as asked; `None` if the event has not happened.
    fn elapsed_days(&self, since: SinceEvent, count: DayCount) -> Option<i64>;
    /// A deadline's state.
    fn deadline(&self, deadline: DeadlineIdx) -> DeadlineState;
    /// A parameter's value in the case's effective configuration.
    fn parameter(&self, param: ParamIdx) -> u32;
    /// The day of the event being evaluated; an environment without one says `None`, and
    /// `within` is then false.
    fn today(&self) -> Option<jiff::civil::Date> {
        None
    }
    /// How many people a collection has.
    fn people(&self, collection: CollectionIdx) -> u32 {
        let _ = collection;
        0
    }
    /// A fact of one person (by position in the collection), if recorded.
    fn person_fact(&self, person: PersonIdx, slot: FactSlot) -> Option<&Value> {
        let _ = (person, slot);
        None
    }
    /// Whether the instrument has been completed for one person.
    fn person_completed(&self, person: PersonIdx, instrument: &str) -> bool {
        let _ = (person, instrument);
        false
    }
    /// The band of the instrument's latest result for one person.
    fn person_band(&self, person: PersonIdx, instrument: &str) -> Option<&str> {
        let _ = (person, instrument);
        None
    }
    /// The instrument's latest total score for one person.
    fn person_score(&self, person: PersonIdx, instrument: &str) -> Option<f64> {
        let _ = (person, instrument);
        None
    }
    /// Evaluates a script leaf; an environment without scripting says false.
    fn script(&self, script: &crate::model::script::Script) -> bool {
        let _ = script;
        false
    }
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The root node.
    pub root: Node,
    /// Every node's path, by node index.
    paths: Arc<[Arc<str>]>,
    /// The facts each node reads, by node index (up to two: a comparison of two facts;
    /// `None` for groups and other leaves).
    reads: Arc<[[Option<FactSlot>; 2]]>,
}

/// One node of a compiled condition.
#[derive(Debug, Clone)]
pub struct Node {
    /// The node's index in its condition, in post-order (see the module comment); set by
    /// [`Condition::new`].
    pub idx: u32,
    /// Stable path from the condition's owner, e.g. `rules/orosanmalan_barn/when/all/0`.
    pub path: Arc<str>,
    /// Where the node was written.
    pub span: Span,
    /// What it tests.
    pub test: Test,
}

/// What a node tests.
#[derive(Debug, Clone)]
pub enum Test {
    /// Every child holds.
    All(Vec<Node>),
    /// At least one child holds.
    Any(Vec<Node>),
    /// The child does not hold.
    Not(Box<Node>),
    /// The fact equals the value.
    Equals {
        /// The fact.
        fact: FactRef,
        /// The value.
        value: Value,
    },
    /// The fact has one of the values.
    In {
        /// The fact.
        fact: FactRef,
        /// The values.
        values: Vec<Value>,
    },
    /// Ordered comparison of the fact with a value.
    Compare {
        /// The fact.
        fact: FactRef,
        /// The comparison.
        op: CompareOp,
        /// The value.
        value: Value,
    },
    /// The fact has a value.
    IsSet(FactRef),
    /// The case is in one of these phases.
    Phase(Vec<PhaseRef>),
    /// The instrument has been completed.
    Completed(Arc<str>),
    /// The instrument's latest band is one of these.
    Band {
        /// The instrument.
        instrument: Arc<str>,
        /// Band ids.
        bands: Vec<Arc<str>>,
    },
    /// The instrument's latest score compared with a number.
    Score {
        /// The instrument.
        instrument: Arc<str>,
        /// The comparison.
        op: CompareOp,
        /// The number.
        value: f64,
    },
    /// A count compared with a number.
    Count {
        /// What is counted.
        of: CountKind,
        /// In one phase only.
        phase: Option<PhaseRef>,
        /// The comparison.
        op: CompareOp,
        /// The number.
        value: Amount,
    },
    /// A fact compared with another fact of the same type.
    CompareFacts {
        /// The fact.
        fact: FactRef,
        /// The comparison.
        op: CompareOp,
        /// The other fact.
        other: FactRef,
    },
    /// The event's day is on or after a date fact and at most a length after it.
    Within {
        /// The date fact.
        fact: FactRef,
        /// How many `unit`s.
        length: Amount,
        /// The unit.
        unit: crate::model::calendar::Unit,
    },
    /// Days since an event compared with a number.
    Elapsed {
        /// The event.
        since: SinceEvent,
        /// The comparison.
        op: CompareOp,
        /// The number of days.
        days: Amount,
        /// How days are counted.
        count: DayCount,
    },
    /// A deadline is in a state.
    Deadline {
        /// The deadline.
        deadline: DeadlineIdx,
        /// Its id, for display.
        id: Arc<str>,
        /// The state.
        state: DeadlineState,
    },
    /// A rhai expression, compiled at load; an error counts as false and is reported.
    Script(Arc<crate::model::script::Script>),
    /// A condition over the people of a collection, read for one person at a time.
    People {
        /// The collection.
        collection: CollectionIdx,
        /// Its id, for display.
        id: Arc<str>,
        /// Some, every, or how many.
        quantifier: Quantifier,
        /// The condition each person is read against (none: every person counts).
        condition: Option<Box<Node>>,
    },
}

/// How a condition over people combines the people's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quantifier {
    /// Some person meets it (false when there is nobody).
    Any,
    /// Every person meets it (true when there is nobody).
    Every,
    /// The number who meet it, compared with a number.
    Count(CompareOp, Amount),
}

/// A resolved fact: its slot and, for display, its name and enum values.
#[derive(Debug, Clone)]
pub struct FactRef {
    /// The slot.
    pub slot: FactSlot,
    /// The fact's id.
    pub name: Arc<str>,
    /// For enum facts: the values, indexed by `Value::Enum`.
    pub values: Arc<[Arc<str>]>,
    /// For a person's fact: the collection (read for the person a condition is read for).
    pub of: Option<CollectionIdx>,
}

/// A resolved phase.
#[derive(Debug, Clone)]
pub struct PhaseRef {
    /// The phase's index.
    pub idx: PhaseIdx,
    /// Its id, for display.
    pub id: Arc<str>,
}

/// Receives every node's value as a condition is evaluated (for traces and coverage).
pub trait Recorder {
    /// Called once per node evaluated, after its value is known.
    fn record(&mut self, node: &Node, value: bool);
}

/// Records nothing; evaluation without a trace.
impl Recorder for () {
    #[inline]
    fn record(&mut self, _: &Node, _: bool) {}
}

/// Which nodes of one evaluation were evaluated, and which of them held, by node index.
///
/// Bit `i` of `reached` says node `i` was evaluated, bit `i` of `held` that it was true. The
/// first 64 nodes (every shipped condition) need no allocation; larger conditions keep the
/// further words in `more`. Since indices are in post-order, [`NodeMarks::iter`] gives the nodes
/// in the order evaluation finished them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeMarks {
    reached: u64,
    held: u64,
    /// `(reached, held)` for nodes `64 * (k + 1)` to `64 * (k + 2) - 1`.
    more: Vec<(u64, u64)>,
}

impl NodeMarks {
    /// No node reached.
    pub fn clear(&mut self) {
        self.reached = 0;
        self.held = 0;
        self.more.clear();
    }

    /// Whether no node was reached.
    pub fn is_empty(&self) -> bool {
        self.reached == 0 && self.more.iter().all(|(r, _)| *r == 0)
    }

    /// Marks node `idx` as reached with `value`.
    #[inline]
    pub fn mark(&mut self, idx: u32, value: bool) {
        if idx < 64 {
            // No branch on the value: it is data, and would be mispredicted.
            self.reached |= 1u64 << idx;
            self.held |= u64::from(value) << idx;
        } else {
            self.mark_far(idx, value);
        }
    }

    #[cold]
    fn mark_far(&mut self, idx: u32, value: bool) {
        let word = usize::try_from(idx / 64).unwrap_or(usize::MAX);
        let Some(k) = word.checked_sub(1) else { return };
        if self.more.len() <= k {
            self.more.resize(k + 1, (0, 0));
        }
        if let Some((reached, held)) = self.more.get_mut(k) {
            let bit = 1u64 << (idx % 64);
            *reached |= bit;
            if value {
                *held |= bit;
            }
        }
    }

    /// The nodes reached, as bits by node index, when all of them are among the first 64.
    pub(crate) fn reached_first_64(&self) -> Option<u64> {
        self.more
            .iter()
            .all(|(reached, _)| *reached == 0)
            .then_some(self.reached)
    }

    /// The value node `idx` had, if it was reached.
    pub fn get(&self, idx: u32) -> Option<bool> {
        let (reached, held) = if idx < 64 {
            (self.reached, self.held)
        } else {
            let k = usize::try_from(idx / 64 - 1).ok()?;
            *self.more.get(k)?
        };
        let bit = 1u64 << (idx % 64);
        (reached & bit != 0).then_some(held & bit != 0)
    }

    /// The reached nodes with their values, by ascending index: the order of evaluation.
    pub fn iter(&self) -> impl Iterator<Item = (u32, bool)> + '_ {
        std::iter::once((self.reached, self.held))
            .chain(self.more.iter().copied())
            .zip(0u32..)
            .flat_map(|((reached, held), word)| {
                let mut left = reached;
                std::iter::from_fn(move || {
                    if left == 0 {
                        return None;
                    }
                    let bit = left.trailing_zeros();
                    left &= left - 1;
                    Some((word * 64 + bit, held & (1u64 << bit) != 0))
                })
            })
    }
}

/// Marks every node evaluated; what the runtime's trace records.
impl Recorder for NodeMarks {
    #[inline]
    fn record(&mut self, node: &Node, value: bool) {
        self.mark(node.idx, value);
    }
}

impl Condition {
    /// A condition over `root`: numbers its nodes in post-order and keeps their paths and the
    /// facts they read by index.
    pub fn new(mut root: Node) -> Condition {
        let mut paths = Vec::new();
        let mut reads = Vec::new();
        number(&mut root, &mut paths, &mut reads);
        Condition {
            root,
            paths: paths.into(),
            reads: reads.into(),
        }
    }

    /// Every node's path, by node index. Shared: cloning the `Arc` copies no path.
    pub fn paths(&self) -> &Arc<[Arc<str>]> {
        &self.paths
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether the condition has no nodes (never: a condition has a root).
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The facts the reached leaves read, each once, in the order they were first read.
    pub fn facts_read<'a>(&'a self, marks: &'a NodeMarks) -> impl Iterator<Item = FactSlot> + 'a {
        let mut seen = SlotSet::default();
        marks
            .iter()
            .filter_map(|(idx, _)| self.reads.get(usize::try_from(idx).ok()?))
            .flatten()
            .filter_map(move |slot| {
                let slot = (*slot)?;
                seen.insert(slot).then_some(slot)
            })
    }

    /// The facts each node reads, by node index (up to two). Shared: cloning the `Arc` copies
    /// nothing.
    pub(crate) fn reads(&self) -> &Arc<[[Option<FactSlot>; 2]]> {
        &self.reads
    }

    /// Evaluates the condition against a case.
    pub fn evaluate(&self, env: &dyn Env) -> bool {
        self.root.evaluate_with(env, &mut ())
    }

    /// Evaluates the condition, telling `recorder` every node's value. `all` and `any` stop
    /// at the first child that decides them; nodes not reached are not recorded.
    pub fn evaluate_with<E: Env + ?Sized, R: Recorder>(&self, env: &E, recorder: &mut R) -> bool {
        self.root.evaluate_with(env, recorder)
    }
}

impl Node {
    /// Evaluates the node against a case.
    pub fn evaluate(&self, env: &dyn Env) -> bool {
        self.evaluate_with(env, &mut ())
    }

    /// Evaluates the node, telling `recorder` every node's value.
    pub fn evaluate_with<E: Env + ?Sized, R: Recorder>(&self, env: &E, recorder: &mut R) -> bool {
        self.eval(env, recorder, None)
    }

    /// Evaluates the node for one person: their facts and instrument results are read for the
    /// person's facts and instrument tests (a rule that runs `for_each` person).
    pub fn evaluate_for<E: Env + ?Sized, R: Recorder>(
        &self,
        env: &E,
        recorder: &mut R,
        person: PersonIdx,
    ) -> bool {
        self.eval(env, recorder, Some(person))
    }

    fn eval<E: Env + ?Sized, R: Recorder>(
        &self,
        env: &E,
        recorder: &mut R,
        person: Option<PersonIdx>,
    ) -> bool {
        let read = |f: &FactRef| match (f.of, person) {
            (None, _) => env.fact(f.slot),
            (Some(c), Some(p)) if p.collection == c => env.person_fact(p, f.slot),
            (Some(_), _) => None,
        };
        let amount = |a: &Amount| match a {
            Amount::Value(v) => *v,
            Amount::Param(p, _) => env.parameter(*p),
        };
        let value = match &self.test {
            Test::All(children) => children.iter().all(|c| c.eval(env, recorder, person)),
            Test::Any(children) => children.iter().any(|c| c.eval(env, recorder, person)),
            Test::Not(child) => !child.eval(env, recorder, person),
            Test::Equals { fact, value } => read(fact) == Some(value),
            Test::In { fact, values } => read(fact).is_some_and(|v| values.contains(v)),
            Test::Compare { fact, op, value } => read(fact).is_some_and(|v| v.compare(*op, value)),
            Test::CompareFacts { fact, op, other } => match (read(fact), read(other)) {
                (Some(a), Some(b)) => a.compare(*op, b),
                _ => false,
            },
            Test::Within { fact, length, unit } => match (read(fact), env.today()) {
                (Some(Value::Date(from)), Some(today)) => {
                    let last = crate::model::calendar::last_day(*from, unit.of(amount(length)));
                    *from <= today && today <= last
                }
                _ => false,
            },
            Test::IsSet(fact) => read(fact).is_some(),
            Test::Phase(phases) => phases.iter().any(|p| env.in_phase(p.idx)),
            Test::Completed(instrument) => match person {
                Some(p) => env.person_completed(p, instrument),
                None => env.completed(instrument),
            },
            Test::Band { instrument, bands } => match person {
                Some(p) => env.person_band(p, instrument),
                None => env.band(instrument),
            }
            .is_some_and(|b| bands.iter().any(|x| x.as_ref() == b)),
            Test::Score {
                instrument,
                op,
                value,
            } => match person {
                Some(p) => env.person_score(p, instrument),
                None => env.score(instrument),
            }
            .and_then(|s| s.partial_cmp(value))
            .is_some_and(|o| op.holds(o)),
            Test::Count {
                of,
                phase,
                op,
                value,
            } => {
                let n = env.count(*of, phase.as_ref().map(|p| p.idx));
                op.holds(n.cmp(&amount(value)))
            }
            Test::Elapsed {
                since,
                op,
                days,
                count,
            } => env
                .elapsed_days(*since, *count)
                .is_some_and(|d| op.holds(d.cmp(&i64::from(amount(days))))),
            Test::Deadline {
                deadline, state, ..
            } => env.deadline(*deadline) == *state,
            Test::Script(script) => env.script(script),
            Test::People {
                collection,
                quantifier,
                condition,
                ..
            } => {
                let mut meets = (0..env.people(*collection)).map(|index| {
                    let p = PersonIdx {
                        collection: *collection,
                        index,
                    };
                    condition
                        .as_ref()
                        .is_none_or(|c| c.eval(env, recorder, Some(p)))
                });
                match quantifier {
                    Quantifier::Any => meets.any(|m| m),
                    Quantifier::Every => meets.all(|m| m),
                    Quantifier::Count(op, value) => {
                        let n = u32::try_from(meets.filter(|m| *m).count()).unwrap_or(u32::MAX);
                        op.holds(n.cmp(&amount(value)))
                    }
                }
            }
        };
        recorder.record(self, value);
        value
    }

    /// The smallest false parts of a node that is false, in order: the false children of an
    /// `all` (every one, not only the first), every child of an `any`, or the node itself (a
    /// leaf, or a `not` whose condition holds). Evaluates without recording.
    pub fn false_parts<'n, E: Env + ?Sized>(&'n self, env: &E, out: &mut Vec<&'n Node>) {
        match &self.test {
            Test::All(children) => {
                for c in children {
                    if !c.evaluate_with(env, &mut ()) {
                        c.false_parts(env, out);
                    }
                }
            }
            Test::Any(children) => {
                for c in children {
                    c.false_parts(env, out);
                }
            }
            _ => out.push(self),
        }
    }

    /// The nodes directly inside this one: a group's children, the condition of a `not` or
    /// of a condition over people.
    pub fn children(&self) -> &[Node] {
        match &self.test {
            Test::All(children) | Test::Any(children) => children,
            Test::Not(child)
            | Test::People {
                condition: Some(child),
                ..
            } => std::slice::from_ref(child.as_ref()),
            _ => &[],
        }
    }

    /// The facts a leaf reads (none, one, or two for a comparison of two facts).
    pub fn facts(&self) -> impl Iterator<Item = &FactRef> {
        let (first, second) = match &self.test {
            Test::Equals { fact, .. }
            | Test::In { fact, .. }
            | Test::Compare { fact, .. }
            | Test::Within { fact, .. }
            | Test::IsSet(fact) => (Some(fact), None),
            Test::CompareFacts { fact, other, .. } => (Some(fact), Some(other)),
            _ => (None, None),
        };
        first.into_iter().chain(second)
    }
}

/// [`Condition::facts_read`] over a condition's [`Condition::reads`] and the bits of the nodes
/// reached (all among the first 64: [`NodeMarks::reached_first_64`]).
pub(crate) fn facts_read_in(
    reads: &[[Option<FactSlot>; 2]],
    reached: u64,
) -> impl Iterator<Item = FactSlot> + '_ {
    let mut left = reached;
    let mut seen = SlotSet::default();
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let idx = left.trailing_zeros();
        left &= left - 1;
        Some(idx)
    })
    .filter_map(|idx| reads.get(usize::try_from(idx).ok()?))
    .flatten()
    .filter_map(move |slot| {
        let slot = (*slot)?;
        seen.insert(slot).then_some(slot)
    })
}

/// Numbers `node` and its descendants in post-order, after the nodes already numbered.
fn number(node: &mut Node, paths: &mut Vec<Arc<str>>, reads: &mut Vec<[Option<FactSlot>; 2]>) {
    match &mut node.test {
        Test::All(children) | Test::Any(children) => {
            for c in children {
                number(c, paths, reads);
            }
        }
        Test::Not(child) => number(child, paths, reads),
        Test::People {
            condition: Some(child),
            ..
        } => number(child, paths, reads),
        _ => {}
    }
    node.idx = u32::try_from(paths.len()).unwrap_or(u32::MAX);
    paths.push(Arc::clone(&node.path));
    let mut facts = node.facts().map(|f| f.slot);
    reads.push([facts.next(), facts.next()]);
}

/// A set of fact slots: a bit set for the first 128, a list for the rest.
#[derive(Default)]
struct SlotSet {
    low: u128,
    high: Vec<FactSlot>,
}

impl SlotSet {
    /// Adds a slot; false when it was there already.
    fn insert(&mut self, slot: FactSlot) -> bool {
        if slot.0 < 128 {
            let bit = 1u128 << slot.0;
            let new = self.low & bit == 0;
            self.low |= bit;
            new
        } else if self.high.contains(&slot) {
            false
        } else {
            self.high.push(slot);
            true
        }
    }
}

impl FactRef {
    /// A value of this fact as text (enum values by name).
    pub fn show(&self, value: &Value) -> String {
        match value {
            Value::Enum(i) => self
                .values
                .get(usize::from(*i))
                .map_or_else(|| format!("#{i}"), |v| v.to_string()),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Value(v) => write!(f, "{v}"),
            Amount::Param(_, id) => write!(f, "{id}"),
        }
    }
}

/// The condition in words, as shown on graph edges: `all of (a = yes, b in {x, y})`.
impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |children: &[Node], sep: &str| {
            children
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(sep)
        };
        match &self.test {
            Test::All(c) => write!(f, "({})", list(c, " and ")),
            Test::Any(c) => write!(f, "({})", list(c, " or ")),
            Test::Not(c) => write!(f, "not {c}"),
            Test::Equals { fact, value } => write!(f, "{} = {}", fact.name, fact.show(value)),
            Test::In { fact, values } => {
                let vs: Vec<String> = values.iter().map(|v| fact.show(v)).collect();
                write!(f, "{} in {{{}}}", fact.name, vs.join(", "))
            }
            Test::Compare { fact, op, value } => {
                write!(f, "{} {} {}", fact.name, op.as_str(), fact.show(value))
            }
            Test::CompareFacts { fact, op, other } => {
                write!(f, "{} {} {}", fact.name, op.as_str(), other.name)
            }
            Test::Within { fact, length, unit } => {
                write!(f, "within {length} {} of {}", unit.name(), fact.name)
            }
            Test::IsSet(fact) => write!(f, "{} recorded", fact.name),
            Test::Phase(ps) => {
                let ids: Vec<&str> = ps.iter().map(|p| p.id.as_ref()).collect();
                write!(f, "phase is {}", ids.join(" or "))
            }
            Test::Completed(i) => write!(f, "{i} completed"),
            Test::Band { instrument, bands } => {
                let bs: Vec<&str> = bands.iter().map(AsRef::as_ref).collect();
                write!(f, "{instrument} band {}", bs.join(" or "))
            }
            Test::Score {
                instrument,
                op,
                value,
            } => {
                write!(f, "{instrument} score {} {value}", op.as_str())
            }
            Test::Count {
                of,
                phase,
                op,
                value,
            } => {
                let what = match of {
                    CountKind::SessionsHeld => "sessions held",
                    CountKind::NoShows => "no-shows",
                    CountKind::CancelledByClient => "cancellations by client",
                    CountKind::CancelledByUnit => "cancellations by unit",
                };
                match phase {
                    Some(p) => write!(f, "{what} in {} {} {value}", p.id, op.as_str()),
                    None => write!(f, "{what} {} {value}", op.as_str()),
                }
            }
            Test::Elapsed {
                since,
                op,
                days,
                count,
            } => {
                let since = match since {
                    SinceEvent::CaseOpened => "case opened",
                    SinceEvent::PhaseEntered => "phase entered",
                    SinceEvent::LastSession => "last session",
                    SinceEvent::LastEvent => "last event",
                };
                let unit = match count {
                    DayCount::CalendarDays => "days",
                    DayCount::WorkingDays => "working days",
                };
                write!(f, "{unit} since {since} {} {days}", op.as_str())
            }
            Test::Deadline { id, state, .. } => {
                let state = match state {
                    DeadlineState::Running => "running",
                    DeadlineState::DueSoon => "due soon",
                    DeadlineState::Overdue => "overdue",
                    DeadlineState::Met => "met",
                    DeadlineState::MetLate => "met late",
                    DeadlineState::Cancelled => "cancelled",
                    DeadlineState::NotStarted => "not started",
                };
                write!(f, "deadline {id} {state}")
            }
            Test::Script(s) => write!(f, "script `{}`", s.text),
            Test::People {
                id,
                quantifier,
                condition,
                ..
            } => {
                let quantified = match quantifier {
                    Quantifier::Any => format!("some of {id}"),
                    Quantifier::Every => format!("every one of {id}"),
                    Quantifier::Count(op, value) => {
                        format!("number of {id} {} {value}", op.as_str())
                    }
                };
                match (quantifier, condition) {
                    (Quantifier::Count(..), Some(c)) => write!(f, "{quantified}, counting {c}"),
                    (_, Some(c)) => write!(f, "{quantified}: {c}"),
                    (_, None) => f.write_str(&quantified),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
