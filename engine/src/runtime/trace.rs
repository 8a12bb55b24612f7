//! The trace of a step: what was evaluated with which values, what fired, what was blocked.
//! Recorded as data (not log lines); sensitive fact values are redacted.

use std::sync::Arc;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::action::Citation;
use super::event::FactValue;
use super::reason::Reason;
use crate::model::condition::{Condition, NodeMarks};
use crate::model::fact::Value;
use crate::model::index::FactSlot;
use crate::model::workflow::Workflow;

/// The text shown instead of a sensitive fact's value.
pub const REDACTED: &str = "[redacted]";

/// Everything one step did, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// The entries, in the order they happened.
    pub entries: Vec<TraceEntry>,
}

/// One thing a step did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TraceEntry {
    /// The event was accepted.
    Event {
        /// Its sequence number.
        seq: u64,
        /// Its type.
        kind: String,
        /// Who sent it (a pseudonymous id and a role).
        by: super::Actor,
    },
    /// A fact was set (by the event or by a rule).
    FactSet {
        /// The fact.
        fact: String,
        /// Its new value, or `[redacted]` for sensitive facts.
        value: String,
        /// The rule that set it, if any.
        rule: Option<String>,
    },
    /// The engine computed a fact again from what it reads (its `computed:` in the workflow).
    FactComputed {
        /// The fact.
        fact: String,
        /// Its new value (`[redacted]` for a sensitive fact); absent when it is now unset.
        value: Option<String>,
    },
    /// A parallel track started, in its start phase.
    TrackStarted {
        /// The track.
        track: String,
        /// Its start phase.
        phase: String,
    },
    /// A person joined the case.
    PersonAdded {
        /// The person.
        person: super::PersonRef,
    },
    /// A person's fact was set.
    PersonFactSet {
        /// The person.
        person: super::PersonRef,
        /// The fact.
        fact: String,
        /// Its new value, or `[redacted]` for sensitive facts.
        value: String,
    },
    /// An instrument was scored.
    InstrumentScored {
        /// The instrument.
        instrument: String,
        /// The score.
        score: Option<f64>,
        /// The band.
        band: Option<String>,
    },
    /// A session was recorded.
    Session {
        /// The phase.
        phase: String,
        /// `held`, `no_show`, `cancelled_by_client`, `cancelled_by_unit`.
        outcome: String,
    },
    /// A condition was evaluated.
    Condition {
        /// Whose condition.
        owner: Owner,
        /// Its value.
        value: bool,
        /// Every node evaluated, with its value (nodes not reached are absent).
        nodes: NodeValues,
        /// The facts read, with their values (sensitive ones redacted).
        facts: FactReads,
    },
    /// The case moved to another phase.
    PhaseEntered {
        /// From.
        from: String,
        /// To.
        to: String,
        /// Taken automatically (not requested).
        automatic: bool,
        /// The transition taken: its index in the workflow's `transitions` (two transitions
        /// may join the same phases under different guards).
        transition: usize,
    },
    /// A transition could not be taken.
    TransitionBlocked {
        /// To which phase.
        to: String,
        /// Why.
        reasons: Vec<Reason>,
    },
    /// A rule fired.
    RuleFired {
        /// The rule.
        rule: String,
        /// The ids of the actions it emitted.
        actions: Vec<String>,
    },
    /// A rule's condition held but it did not fire.
    RuleHeld {
        /// The rule.
        rule: String,
        /// Why not: `fires once and has fired`, `still true since the last event`.
        why: String,
    },
    /// A deadline started.
    DeadlineStarted {
        /// The deadline.
        deadline: String,
        /// Its due date.
        due: Date,
        /// The day its time counts from, when not the day it started (a date the host
        /// recorded, e.g. when the report arrived).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Date>,
        /// The starting event came late in the day, so one more day is allowed.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        late: bool,
        /// The last day was not a working day, so the due date moved forward.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rolled: Option<Rolled>,
    },
    /// A rule would have started a deadline whose stop happened in the same step: not started.
    DeadlineNotStarted {
        /// The deadline.
        deadline: String,
    },
    /// A running deadline was counted again from a recorded date.
    DeadlineRecounted {
        /// The deadline.
        deadline: String,
        /// The day its time now counts from.
        from: Date,
        /// Its new due date.
        due: Date,
    },
    /// A deadline ended without being met.
    DeadlineCancelled {
        /// The deadline.
        deadline: String,
        /// It had already fallen due.
        #[serde(default)]
        overdue: bool,
    },
    /// A deadline was met (stopped).
    DeadlineStopped {
        /// The deadline.
        deadline: String,
        /// Stopped after its due date: met late.
        #[serde(default)]
        late: bool,
    },
    /// A deadline was extended.
    DeadlineExtended {
        /// The deadline.
        deadline: String,
        /// The ground.
        ground: String,
        /// The new due date.
        due: Date,
    },
    /// An override lifted a requirement.
    OverrideUsed {
        /// What was lifted.
        requirement: String,
        /// The written reason.
        reason: String,
    },
    /// A unit hook's script ran (a guard that objects rejects the event instead, and shows as
    /// the rejection's `unit_guard` reason).
    HookRan {
        /// The hook.
        hook: String,
        /// What came of it: `passed`, `yielded to a duty`, `wrote <fact>`, `no value`,
        /// `<n> actions`, `failed`.
        outcome: String,
    },
    /// A script failed or hit a sandbox limit (also in the step's warnings).
    ScriptFailed {
        /// Whose script.
        owner: Owner,
        /// Where and why.
        error: crate::model::script::ScriptError,
    },
    /// A decision took effect.
    DecisionTaken {
        /// The decision.
        decision: String,
        /// Its outcome.
        granted: bool,
        /// Who took it (several, for a decision taken together).
        by: Vec<super::Actor>,
    },
    /// One approval towards a decision or transition taken by several people.
    ApprovalRecorded {
        /// The decision's id, or the transition as `from -> to`.
        what: String,
        /// Who approved.
        by: super::Actor,
        /// Approvals given so far, this one included.
        given: u32,
        /// Approvals needed.
        needed: u32,
    },
    /// Approvals given towards a decision or transition were withdrawn.
    ApprovalsCancelled {
        /// The decision's id, or the transition as `from -> to`.
        what: String,
        /// Why: `left the phase`, `case closed`, `another outcome proposed`.
        why: String,
    },
    /// A required document was recorded.
    DocumentRecorded {
        /// The document.
        document: String,
    },
    /// The case was closed.
    CaseClosed {
        /// The closure reason.
        reason: String,
    },
}

/// A condition node's value: how [`NodeValues`] reads, and is written in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeValue {
    /// The node's stable path.
    pub path: Arc<str>,
    /// Its value.
    pub value: bool,
}

/// The nodes of one condition that were evaluated, with their values, in the order they were
/// evaluated.
///
/// Recorded as node indices (a [`NodeMarks`]) beside the condition's table of paths, which is
/// shared with the catalog: recording copies no path, and a path is looked up only when the
/// trace is read ([`NodeValues::iter`], JSON, coverage). It reads, compares and serializes as
/// the list of [`NodeValue`]s.
#[derive(Clone)]
pub struct NodeValues {
    paths: Arc<[Arc<str>]>,
    marks: NodeMarks,
}

impl NodeValues {
    /// The nodes of `condition` that `marks` says were evaluated.
    pub fn new(condition: &Condition, marks: NodeMarks) -> NodeValues {
        NodeValues {
            paths: Arc::clone(condition.paths()),
            marks,
        }
    }

    /// Each node evaluated: its path and value, in the order of evaluation.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, bool)> + '_ {
        self.marks.iter().filter_map(|(idx, value)| {
            let path = self.paths.get(usize::try_from(idx).ok()?)?;
            Some((path, value))
        })
    }

    /// The number of nodes evaluated.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether no node was evaluated.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The nodes as a list.
    pub fn to_vec(&self) -> Vec<NodeValue> {
        self.iter()
            .map(|(path, value)| NodeValue {
                path: Arc::clone(path),
                value,
            })
            .collect()
    }
}

impl From<Vec<NodeValue>> for NodeValues {
    /// Nodes read back (from JSON): the list is its own table of paths.
    fn from(nodes: Vec<NodeValue>) -> NodeValues {
        let mut marks = NodeMarks::default();
        let mut paths = Vec::with_capacity(nodes.len());
        for (idx, node) in (0u32..).zip(nodes) {
            marks.mark(idx, node.value);
            paths.push(node.path);
        }
        NodeValues {
            paths: paths.into(),
            marks,
        }
    }
}

impl PartialEq for NodeValues {
    fn eq(&self, other: &NodeValues) -> bool {
        self.iter()
            .map(|(p, v)| (p.as_ref(), v))
            .eq(other.iter().map(|(p, v)| (p.as_ref(), v)))
    }
}

impl std::fmt::Debug for NodeValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.to_vec()).finish()
    }
}

impl Serialize for NodeValues {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.iter()
                .map(|(path, value)| NodeValueRef { path, value }),
        )
    }
}

impl<'de> Deserialize<'de> for NodeValues {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<NodeValue>::deserialize(deserializer).map(NodeValues::from)
    }
}

/// [`NodeValue`] borrowed, to serialize without copying a path.
#[derive(Serialize)]
struct NodeValueRef<'a> {
    path: &'a str,
    value: bool,
}

/// The facts one condition read, with their values, each once, in the order they were first
/// read.
///
/// Recorded as the nodes the evaluation reached (bits by node index) and the condition's table
/// of the facts each node reads, beside the step's fact values at the time (a slot vector the
/// step shares, copied only if a fact is recorded after it) and the workflow that declares the
/// facts: recording copies no value and allocates nothing, and a value is made into a
/// [`FactRead`] only when the trace is read ([`FactReads::iter`], JSON, equality, redaction).
/// It reads, compares and serializes as the list of [`FactRead`]s.
#[derive(Clone)]
pub struct FactReads(Reads);

#[derive(Clone)]
enum Reads {
    /// As evaluation left them.
    Reached {
        wf: Arc<Workflow>,
        slots: Arc<Vec<Option<Value>>>,
        reads: Arc<[[Option<FactSlot>; 2]]>,
        reached: u64,
    },
    /// As a list: read back from JSON, redacted, or from a condition of more than 64 nodes
    /// (none ships).
    Listed(Vec<FactRead>),
}

impl FactReads {
    /// The facts `condition` read in the evaluation `marks` records, over the fact values by
    /// slot at the time, as `wf` declares them.
    pub fn new(
        wf: &Arc<Workflow>,
        slots: &Arc<Vec<Option<Value>>>,
        condition: &Condition,
        marks: &NodeMarks,
    ) -> FactReads {
        match marks.reached_first_64() {
            Some(reached) => FactReads(Reads::Reached {
                wf: Arc::clone(wf),
                slots: Arc::clone(slots),
                reads: Arc::clone(condition.reads()),
                reached,
            }),
            None => FactReads(Reads::Listed(
                condition
                    .facts_read(marks)
                    .filter_map(|slot| fact_read(wf, slots, slot))
                    .collect(),
            )),
        }
    }

    /// Each fact read, with its value then (`[redacted]` when sensitive).
    pub fn iter(&self) -> impl Iterator<Item = FactRead> + '_ {
        let (listed, reached) = match &self.0 {
            Reads::Listed(list) => (Some(list.iter().cloned()), None),
            Reads::Reached {
                wf,
                slots,
                reads,
                reached,
            } => (
                None,
                Some(
                    crate::model::condition::facts_read_in(reads, *reached)
                        .filter_map(|slot| fact_read(wf, slots, slot)),
                ),
            ),
        };
        listed
            .into_iter()
            .flatten()
            .chain(reached.into_iter().flatten())
    }

    /// The number of facts read.
    pub fn len(&self) -> usize {
        match &self.0 {
            Reads::Listed(list) => list.len(),
            Reads::Reached { .. } => self.iter().count(),
        }
    }

    /// Whether no fact was read.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The facts as a list.
    pub fn to_vec(&self) -> Vec<FactRead> {
        self.iter().collect()
    }

    /// The facts as a list, taken out (for redaction).
    pub(crate) fn into_list(self) -> Vec<FactRead> {
        match self.0 {
            Reads::Listed(list) => list,
            Reads::Reached { .. } => self.to_vec(),
        }
    }
}

impl Default for FactReads {
    /// No fact read.
    fn default() -> FactReads {
        FactReads(Reads::Listed(Vec::new()))
    }
}

/// A fact as a trace shows it: its value, `[redacted]` when sensitive; `None` for a slot the
/// workflow does not have, and for a person's fact (read for nobody in particular).
pub(super) fn fact_read(
    wf: &Workflow,
    slots: &[Option<Value>],
    slot: FactSlot,
) -> Option<FactRead> {
    let decl = wf
        .facts
        .get(usize::from(slot.0))
        .filter(|d| d.of.is_none())?;
    let value = if decl.sensitive {
        Some(FactValue::Text(REDACTED.to_owned()))
    } else {
        let v = slots.get(usize::from(slot.0))?.as_ref();
        v.map(|v| super::event::from_value(decl, v))
    };
    Some(FactRead {
        fact: decl.id.clone(),
        value,
    })
}

impl From<Vec<FactRead>> for FactReads {
    fn from(list: Vec<FactRead>) -> FactReads {
        FactReads(Reads::Listed(list))
    }
}

impl PartialEq for FactReads {
    fn eq(&self, other: &FactReads) -> bool {
        self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for FactReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for FactReads {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for FactReads {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<FactRead>::deserialize(deserializer).map(FactReads::from)
    }
}

/// A fact read by a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactRead {
    /// The fact.
    pub fact: Arc<str>,
    /// Its value (`[redacted]` for sensitive facts); absent when not recorded.
    pub value: Option<FactValue>,
}

/// Whose condition was evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum Owner {
    /// A routing rule's.
    Rule {
        /// The rule.
        rule: Arc<str>,
    },
    /// A unit hook's.
    Hook {
        /// The hook.
        hook: Arc<str>,
    },
    /// A transition's guard.
    Transition {
        /// From.
        from: Arc<str>,
        /// To.
        to: Arc<str>,
    },
}

/// A warning: accepted, but worth the caseworker's attention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Warning {
    /// More sessions than the phase expects.
    SessionsAboveMax {
        /// The phase.
        phase: String,
        /// Sessions held in it.
        held: u32,
        /// The expected maximum.
        max: u32,
    },
    /// A script failed or hit a sandbox limit; it counted as false / no actions.
    ScriptFailed {
        /// Whose script.
        owner: Owner,
        /// Where and why.
        error: crate::model::script::ScriptError,
    },
    /// A unit's guard objected to an event that records duty inputs; the duty wins. The duty
    /// inputs were recorded; the rest of the event (other facts it bundled) was refused with
    /// the guard's reason.
    GuardYieldedToDuty {
        /// The guard's objection.
        reason: Reason,
        /// What was recorded because a duty depends on it (facts, or the event itself).
        recorded: Vec<String>,
        /// What the event also carried and the guard's objection refused (not recorded).
        refused: Vec<String>,
    },
    /// A rule that is not mandatory, or a unit hook, tried to write a duty input; it was not
    /// written (the loader refuses such catalogs; this guards catalogs built by hand).
    DutyInputProtected {
        /// The fact.
        fact: String,
        /// The rule or hook.
        writer: String,
    },
    /// A rule or unit hook tried to write a fact that only a decision records; it was not
    /// written (the loader refuses such catalogs; this guards catalogs built by hand).
    DecisionFactProtected {
        /// The fact.
        fact: String,
        /// The rule or hook.
        writer: String,
    },
    /// A computed fact could not be computed from the values recorded (a division by zero, an
    /// overflow, a date outside the calendar): it is unset until its inputs change.
    NotComputed {
        /// The fact.
        fact: String,
        /// Why, in words.
        why: String,
    },
    /// A rule or unit hook tried to write a fact the engine computes; it was not written (the
    /// loader refuses such catalogs; this guards catalogs built by hand).
    ComputedFactProtected {
        /// The fact.
        fact: String,
        /// The rule or hook.
        writer: String,
    },
    /// An instrument was completed with items unanswered.
    UnansweredItems {
        /// The instrument.
        instrument: String,
        /// The items.
        items: Vec<String>,
    },
}

/// A due date moved past days that are not working days (lag 1930:173 2 §).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rolled {
    /// The last day before it moved.
    pub last_day: Date,
    /// The law that moves it.
    pub legal: Citation,
}
