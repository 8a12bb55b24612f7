//! The trace of a step: what was evaluated with which values, what fired, what was blocked.
//! Recorded as data (not log lines); sensitive fact values are redacted.

use std::sync::Arc;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::action::Citation;
use super::event::FactValue;
use super::reason::Reason;
use crate::model::condition::{Condition, NodeMarks};

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
        facts: Vec<FactRead>,
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
