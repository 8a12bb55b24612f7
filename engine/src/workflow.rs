//! The checked model of a workflow: facts, parameters, phases, transitions, deadlines.
//!
//! Built from `syntax::WorkflowFile` by [`lower`]; never read from files directly. Names are
//! resolved to indices here, so the runtime works with slots and indices only.

mod lower;

use std::collections::HashMap;
use std::sync::Arc;

pub(crate) use lower::{lower_workflow, trigger};

use crate::condition::{Amount, Condition};
use crate::diagnostics::{SourceFile, Span};
use crate::syntax::{DayCount, FactType, TriggerMode};

/// Index of a fact in its workflow's `facts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FactSlot(pub u16);

/// Index of a phase in its workflow's `phases`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhaseIdx(pub u16);

/// Index of a deadline in its workflow's `deadlines`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeadlineIdx(pub u16);

/// Index of a parameter in its workflow's `parameters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamIdx(pub u16);

/// A checked workflow.
#[derive(Debug, Clone)]
pub struct Workflow {
    /// Stable id.
    pub id: Arc<str>,
    /// Version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// The file it was read from.
    pub source: SourceFile,
    /// A hash of the file's text: a case is pinned to version and content.
    pub content_hash: String,
    /// Facts; a fact's position is its slot.
    pub facts: Vec<Fact>,
    /// Parameters; a parameter's position is its index.
    pub parameters: Vec<Parameter>,
    /// Phases; a phase's position is its index.
    pub phases: Vec<Phase>,
    /// Transitions.
    pub transitions: Vec<Transition>,
    /// The start phase.
    pub start: PhaseIdx,
    /// Deadlines.
    pub deadlines: Vec<Deadline>,
    /// Closure reasons.
    pub closure_reasons: Vec<ClosureReason>,
    fact_index: HashMap<Arc<str>, FactSlot, foldhash::fast::RandomState>,
    /// The sensitive facts' slots, in the order of their ids.
    sensitive: Vec<FactSlot>,
    phase_index: HashMap<Arc<str>, PhaseIdx, foldhash::fast::RandomState>,
}

/// A reason a case may be closed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureReason {
    /// Id.
    pub id: Arc<str>,
    /// Title.
    pub title: String,
    /// Whether a case may be closed for it from any phase, in place.
    pub from_any_phase: bool,
}

/// A typed case variable.
#[derive(Debug, Clone)]
pub struct Fact {
    /// Id.
    pub id: Arc<str>,
    /// Type.
    pub ty: FactType,
    /// Title.
    pub title: Option<String>,
    /// Enum values (empty for other types).
    pub values: Arc<[Arc<str>]>,
    /// Personal data: never logged, redacted in traces.
    pub sensitive: bool,
}

/// A named number a unit may override.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Id.
    pub id: Arc<str>,
    /// Title.
    pub title: Option<String>,
    /// The base value.
    pub default: u32,
    /// Smallest allowed override.
    pub min: Option<u32>,
    /// Largest allowed override.
    pub max: Option<u32>,
    /// Where it was declared.
    pub span: Span,
}

/// A phase.
#[derive(Debug, Clone)]
pub struct Phase {
    /// Id.
    pub id: Arc<str>,
    /// Title.
    pub title: String,
    /// Whether the phase ends the case.
    pub terminal: bool,
    /// Instruments required before leaving.
    pub required: Vec<Arc<str>>,
    /// Where each required instrument was named.
    pub required_spans: Vec<Span>,
    /// Expected sessions.
    pub sessions: Bounds,
    /// Expected duration in days.
    pub duration_days: Bounds,
    /// Legal concept ids.
    pub legal: Vec<Arc<str>>,
    /// Closure reason recorded when a case ends here.
    pub closure_reason: Option<Arc<str>>,
    /// Where the id was written.
    pub span: Span,
}

/// Lower and upper bounds.
#[derive(Debug, Clone, Default)]
pub struct Bounds {
    /// Lower bound.
    pub min: Option<Amount>,
    /// Upper bound.
    pub max: Option<Amount>,
}

/// A transition between phases.
#[derive(Debug, Clone)]
pub struct Transition {
    /// Where from.
    pub from: PhaseIdx,
    /// Where to.
    pub to: PhaseIdx,
    /// Manual or automatic.
    pub trigger: TriggerMode,
    /// The guard.
    pub when: Option<Condition>,
    /// Title.
    pub title: Option<String>,
    /// Legal concept id.
    pub legal: Option<Arc<str>>,
    /// Marked as a legal duty.
    pub duty: bool,
    /// Where its `to` was written.
    pub span: Span,
    /// Where its `from` was written.
    pub from_span: Span,
}

/// What starts or stops a deadline, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// Entering a phase.
    PhaseEntered(PhaseIdx),
    /// Leaving a phase.
    PhaseLeft(PhaseIdx),
    /// Opening the case.
    CaseOpened,
    /// Closing the case.
    CaseClosed,
    /// Completing an instrument.
    InstrumentCompleted(Arc<str>),
    /// A decision on bistånd.
    DecisionMade,
}

/// A deadline.
#[derive(Debug, Clone)]
pub struct Deadline {
    /// Id.
    pub id: Arc<str>,
    /// Title.
    pub title: String,
    /// What starts it (`None`: only rules).
    pub starts: Option<Trigger>,
    /// What stops it.
    pub stops: Vec<Trigger>,
    /// Length in days.
    pub days: Amount,
    /// How days are counted.
    pub count: DayCount,
    /// Days before due for a reminder.
    pub warn_days_before: Option<u32>,
    /// Legal concept id.
    pub legal: Option<Arc<str>>,
    /// Grounds that allow an extension (empty: no extension).
    pub extension_grounds: Vec<Arc<str>>,
    /// Longest extension in days.
    pub extension_max_days: Option<u32>,
}

/// FNV-1a over the text, as 16 hex digits: stable across runs, platforms and Rust versions.
pub(crate) fn content_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Workflow {
    /// A fact by id.
    pub fn fact(&self, id: &str) -> Option<(FactSlot, &Fact)> {
        let slot = *self.fact_index.get(id)?;
        self.facts.get(usize::from(slot.0)).map(|f| (slot, f))
    }

    /// The sensitive facts, in the order of their ids.
    pub fn sensitive_facts(&self) -> impl Iterator<Item = &Fact> + '_ {
        self.sensitive
            .iter()
            .filter_map(|slot| self.facts.get(usize::from(slot.0)))
    }

    /// A phase's index by id.
    pub fn phase_idx(&self, id: &str) -> Option<PhaseIdx> {
        self.phase_index.get(id).copied()
    }

    /// A phase by index.
    pub fn phase(&self, idx: PhaseIdx) -> Option<&Phase> {
        self.phases.get(usize::from(idx.0))
    }

    /// A deadline's index by id.
    pub fn deadline_idx(&self, id: &str) -> Option<DeadlineIdx> {
        let i = self.deadlines.iter().position(|d| d.id.as_ref() == id)?;
        u16::try_from(i).ok().map(DeadlineIdx)
    }

    /// A parameter's index by id.
    pub fn param_idx(&self, id: &str) -> Option<ParamIdx> {
        let i = self.parameters.iter().position(|p| p.id.as_ref() == id)?;
        u16::try_from(i).ok().map(ParamIdx)
    }

    /// A parameter's base value.
    pub fn param_default(&self, idx: ParamIdx) -> u32 {
        self.parameters
            .get(usize::from(idx.0))
            .map_or(0, |p| p.default)
    }

    /// Resolves an amount with the base parameter values.
    pub fn base_amount(&self, amount: &Amount) -> u32 {
        match amount {
            Amount::Value(v) => *v,
            Amount::Param(p, _) => self.param_default(*p),
        }
    }
}
