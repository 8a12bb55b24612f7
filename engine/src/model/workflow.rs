//! The checked model of a workflow: facts, parameters, phases, transitions, deadlines.
//!
//! Built from `syntax::WorkflowFile` by `catalog::lower::workflow`; never read from files directly. Names are
//! resolved to indices here, so the runtime works with slots and indices only.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostics::{SourceFile, Span};
use crate::model::condition::{Amount, Condition};
use crate::model::fact::{Fact, FactTable};
use crate::model::index::{CollectionIdx, DeadlineIdx, FactSlot, ParamIdx, PhaseIdx, TrackIdx};
use crate::syntax::TriggerMode;

/// The role a scenario step uses when it names none, in a workflow that names no default.
pub const DEFAULT_ROLE: &str = "socialsekreterare";

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
    /// Facts; a fact's position is its slot. The case's facts come first, then each person
    /// collection's.
    pub facts: Vec<Fact>,
    /// The person collections; a collection's position is its index.
    pub people: Vec<People>,
    /// The parallel tracks of its phases; a track's position is its index.
    pub tracks: Vec<Track>,
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
    /// The follow-up variables an export writes, in order.
    pub follow_up: Vec<FactSlot>,
    /// The roles staff act in. Empty: the workflow checks no authority.
    pub roles: Vec<Role>,
    /// The formal decisions. Empty: `decision_made` is the one decision on bistånd.
    pub decisions: Vec<Decision>,
    /// The roles that may record overrides unless a phase says otherwise (`None`: any).
    pub override_roles: Option<Vec<Arc<str>>>,
    /// The computed facts, in dependency order (each after the computed facts it reads).
    pub computed: Vec<crate::model::computed::Computed>,
    pub(crate) fact_index: HashMap<Arc<str>, FactSlot, foldhash::fast::RandomState>,
    /// The sensitive facts' slots, in the order of their ids.
    pub(crate) sensitive: Vec<FactSlot>,
    pub(crate) phase_index: HashMap<Arc<str>, PhaseIdx, foldhash::fast::RandomState>,
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

/// A role staff act in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Id.
    pub id: Arc<str>,
    /// Title.
    pub title: String,
    /// The role scenario steps act in when they name none.
    pub default: bool,
}

/// A formal decision and who may take it (before a unit's delegation: see
/// `authority::Authority` for a unit's effective one).
#[derive(Debug, Clone)]
pub struct Decision {
    /// Id.
    pub id: Arc<str>,
    /// Title.
    pub title: String,
    /// Legal concept id.
    pub legal: Option<Arc<str>>,
    /// The fact its outcome is written to; only this decision writes it.
    pub fact: Option<FactSlot>,
    /// The roles that may take it (`None`: any role).
    pub roles: Option<Vec<Arc<str>>>,
    /// Reserved for the committee: no unit may delegate it outside `roles`.
    pub reserved: bool,
    /// One distinct person per entry, in that role, takes it together (empty: one person).
    pub approvals: Vec<Arc<str>>,
    /// The decision an event that names none refers to.
    pub default: bool,
    /// Where its id was written.
    pub span: Span,
}

/// Facts required before leaving a phase.
#[derive(Debug, Clone)]
pub struct RequiredFacts {
    /// The facts.
    pub facts: Vec<FactSlot>,
    /// No override lifts it.
    pub binding: bool,
}

/// A document required before leaving a phase.
#[derive(Debug, Clone)]
pub struct Document {
    /// Id.
    pub id: Arc<str>,
    /// Title.
    pub title: String,
    /// No override lifts it.
    pub binding: bool,
}

/// A collection of people inside a case (e.g. `children`). Their facts are in the workflow's
/// `facts`, marked with the collection (`Fact::of`).
#[derive(Debug, Clone)]
pub struct People {
    /// Id, e.g. `children`.
    pub id: Arc<str>,
    /// Title.
    pub title: String,
    /// Each person's facts.
    pub facts: Vec<FactSlot>,
}

/// A parallel track of a phase: its own phases (in `phases`, marked with the track) and
/// transitions, run beside the phase's other tracks.
#[derive(Debug, Clone)]
pub struct Track {
    /// Id, e.g. `polis`.
    pub id: Arc<str>,
    /// Title.
    pub title: String,
    /// Who runs it: a role of the workflow (an outside agency or another unit).
    pub owner: Option<Arc<str>>,
    /// The phase it belongs to.
    pub parent: PhaseIdx,
    /// The phase it starts in.
    pub start: PhaseIdx,
    /// Where it was declared.
    pub span: Span,
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
    /// What it counts.
    pub ty: crate::syntax::ParameterType,
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
    /// Instruments required once per person of a collection before leaving.
    pub required_each: Vec<(Arc<str>, CollectionIdx)>,
    /// The track this phase belongs to (`None`: a phase of the case itself).
    pub track: Option<TrackIdx>,
    /// The parallel tracks the case runs through while in this phase.
    pub tracks: Vec<TrackIdx>,
    /// The tracks that must each have reached a terminal phase before the case leaves it.
    pub join: Vec<TrackIdx>,
    /// Expected sessions.
    pub sessions: Bounds,
    /// Expected duration in days.
    pub duration_days: Bounds,
    /// Legal concept ids.
    pub legal: Vec<Arc<str>>,
    /// Closure reason recorded when a case ends here.
    pub closure_reason: Option<Arc<str>>,
    /// Facts required before leaving.
    pub required_facts: Option<RequiredFacts>,
    /// Documents required before leaving.
    pub documents: Vec<Document>,
    /// The event types accepted in the phase (`None`: every type).
    pub accepts: Option<Vec<Arc<str>>>,
    /// The roles that may override what blocks leaving it (`None`: the workflow's).
    pub override_roles: Option<Vec<Arc<str>>>,
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
    /// The roles that may request it (`None`: any role).
    pub roles: Option<Vec<Arc<str>>>,
    /// One distinct person per entry, in that role, requests it together (empty: one).
    pub approvals: Vec<Arc<str>>,
    /// The guard is binding: no override lifts it.
    pub binding: bool,
    /// The roles that may override the guard (`None`: the phase's).
    pub override_roles: Option<Vec<Arc<str>>>,
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
    /// A value recorded for a fact (by anyone).
    FactSet(FactSlot),
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
    /// What cancels it (stopped, not met).
    pub cancelled_by: Vec<Trigger>,
    /// How many `unit`s long.
    pub length: Amount,
    /// The unit it counts in.
    pub unit: crate::model::calendar::Unit,
    /// A date fact the time counts from, when set and earlier than the starting event.
    pub from: Option<FactSlot>,
    /// Whether a last day that is not a working day moves to the next working day.
    pub roll_forward: bool,
    /// The hour from which a starting event counts as late, allowing one more day.
    pub late_from_hour: Option<Amount>,
    /// Days before due for a reminder, counted in `unit.day_count()`.
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

impl FactTable for Workflow {
    fn facts(&self) -> &[Fact] {
        &self.facts
    }

    fn fact(&self, id: &str) -> Option<(FactSlot, &Fact)> {
        Workflow::fact(self, id)
    }
}

impl Workflow {
    /// A fact by id.
    pub fn fact(&self, id: &str) -> Option<(FactSlot, &Fact)> {
        let slot = *self.fact_index.get(id)?;
        self.facts.get(usize::from(slot.0)).map(|f| (slot, f))
    }

    /// A track by id.
    pub fn track(&self, id: &str) -> Option<(TrackIdx, &Track)> {
        self.tracks
            .iter()
            .zip(0u16..)
            .find(|(t, _)| t.id.as_ref() == id)
            .map(|(t, i)| (TrackIdx(i), t))
    }

    /// A person collection by id.
    pub fn collection(&self, id: &str) -> Option<(CollectionIdx, &People)> {
        self.people
            .iter()
            .zip(0u16..)
            .find(|(p, _)| p.id.as_ref() == id)
            .map(|(p, i)| (CollectionIdx(i), p))
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

    /// Whether the workflow declares roles (and so checks who may do what).
    pub fn checks_roles(&self) -> bool {
        !self.roles.is_empty()
    }

    /// A declared role by id.
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id.as_ref() == id)
    }

    /// The role scenario steps act in when they name none: the one marked `default`, else
    /// `socialsekreterare` when declared.
    pub fn default_role(&self) -> Option<&str> {
        self.roles
            .iter()
            .find(|r| r.default)
            .or_else(|| self.role(DEFAULT_ROLE))
            .map(|r| r.id.as_ref())
    }

    /// A decision and its index, by id.
    pub fn decision(&self, id: &str) -> Option<(usize, &Decision)> {
        self.decisions
            .iter()
            .enumerate()
            .find(|(_, d)| d.id.as_ref() == id)
    }

    /// The decision an event that names none refers to.
    pub fn default_decision(&self) -> Option<(usize, &Decision)> {
        self.decisions.iter().enumerate().find(|(_, d)| d.default)
    }

    /// The decision that writes a fact, if one does (only it may write the fact).
    pub fn decision_of_fact(&self, slot: FactSlot) -> Option<&Decision> {
        self.decisions.iter().find(|d| d.fact == Some(slot))
    }

    /// The computed fact in a slot, if the fact is computed.
    pub fn computed_fact(&self, slot: FactSlot) -> Option<&crate::model::computed::Computed> {
        self.computed.iter().find(|c| c.slot == slot)
    }

    /// Whether the fact in a slot is computed (written by the engine only).
    pub fn is_computed(&self, slot: FactSlot) -> bool {
        self.computed.iter().any(|c| c.slot == slot)
    }

    /// A document some phase requires, with that phase.
    pub fn document(&self, id: &str) -> Option<(&Phase, &Document)> {
        self.phases.iter().find_map(|p| {
            p.documents
                .iter()
                .find(|d| d.id.as_ref() == id)
                .map(|d| (p, d))
        })
    }

    /// Resolves an amount with the base parameter values.
    pub fn base_amount(&self, amount: &Amount) -> u32 {
        match amount {
            Amount::Value(v) => *v,
            Amount::Param(p, _) => self.param_default(*p),
        }
    }
}
