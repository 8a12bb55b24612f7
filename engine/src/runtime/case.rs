//! The state of one case: a pure fold of its accepted events. **Boundary:** this is what a
//! store persists; [`FORMAT_VERSION`] changes whenever its serialized shape does.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use super::action::Action;
use super::event::{CancelledBy, Event, FactValue, Requirement};

/// The version of the serialized `Case` and `Event` format.
pub const FORMAT_VERSION: u32 = 4;

/// How many earlier sensitive values a case keeps for redaction.
pub const MAX_FORMER_SENSITIVE: usize = 64;

/// A case's history: a persistent vector, so the case before a step and the case after it
/// share what they have in common and copying a case costs the same at 10 events as at
/// 10,000 (`apply` takes the case by reference and returns a new one).
pub type History<T> = imbl::Vector<T>;

/// One case. `Case::default()` is the empty case that a `case_opened` event starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Format version of this serialized case.
    pub format: u32,
    /// The host's id of the case.
    pub id: String,
    /// The workflow the case runs.
    pub workflow: String,
    /// The workflow version it is pinned to.
    pub version: u32,
    /// The content hash of that workflow version.
    pub content_hash: String,
    /// The unit running the case.
    pub unit: String,
    /// The current phase.
    pub phase: String,
    /// When the current phase was entered.
    pub phase_entered: Option<DateTime>,
    /// When the case was opened.
    pub opened: Option<DateTime>,
    /// When and why the case was closed.
    pub closed: Option<Closure>,
    /// Facts by id.
    pub facts: BTreeMap<String, FactValue>,
    /// Earlier values of the case's sensitive facts (the latest [`MAX_FORMER_SENSITIVE`]), so
    /// that the redaction step still knows an address after it was corrected. Never shown.
    pub former_sensitive: History<String>,
    /// Latest result of each completed instrument.
    pub instruments: BTreeMap<String, InstrumentResult>,
    /// Sessions: held, no-shows and cancellations, in order.
    pub sessions: History<Session>,
    /// The sessions counted per phase, kept in step with `sessions` so that no condition
    /// walks the list.
    pub session_counts: BTreeMap<String, SessionCounts>,
    /// When the last session was held.
    pub last_session_held: Option<DateTime>,
    /// Deadlines started in this case.
    pub deadlines: BTreeMap<String, DeadlineRecord>,
    /// Every action emitted, acknowledged or not. Shared, so copying a case is cheap.
    pub actions: History<Arc<Action>>,
    /// Per rule: how often it fired and whether its condition held after the last event.
    pub rules: BTreeMap<String, RuleRecord>,
    /// Overrides recorded in the current phase (cleared on leaving it).
    pub overrides: Vec<Override>,
    /// Approvals given towards decisions and transitions taken by several people that have
    /// not taken effect yet (withdrawn when the case leaves the phase or closes).
    pub approvals: Vec<PendingApproval>,
    /// The latest outcome of each decision taken, with who took it.
    pub decisions: BTreeMap<String, DecisionRecord>,
    /// Documents recorded, with when.
    pub documents: BTreeMap<String, DateTime>,
    /// Where each parallel track of the case stands (or stood, once the case moved on), by
    /// track id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tracks: BTreeMap<String, TrackState>,
    /// The people inside the case (e.g. each child), by collection and then key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub people: BTreeMap<String, BTreeMap<String, Person>>,
    /// When each milestone was first reached (`case_opened`, `phase_entered:utredning`,
    /// `phase_left:utredning`, `instrument_completed:ors`, `decision_made`, `case_closed`):
    /// what an indicator measuring the time between two events reads. Derived by replay like
    /// everything else here; persistent, so copying a case does not copy it.
    #[serde(default, skip_serializing_if = "imbl::OrdMap::is_empty")]
    pub milestones: imbl::OrdMap<String, DateTime>,
    /// Every accepted event, in order. Shared, so copying a case is cheap.
    pub events: History<Arc<Recorded>>,
}

impl Default for Case {
    fn default() -> Self {
        Case {
            format: FORMAT_VERSION,
            id: String::new(),
            workflow: String::new(),
            version: 0,
            content_hash: String::new(),
            unit: String::new(),
            phase: String::new(),
            phase_entered: None,
            opened: None,
            closed: None,
            facts: BTreeMap::new(),
            former_sensitive: History::new(),
            instruments: BTreeMap::new(),
            sessions: History::new(),
            session_counts: BTreeMap::new(),
            last_session_held: None,
            deadlines: BTreeMap::new(),
            actions: History::new(),
            rules: BTreeMap::new(),
            overrides: Vec::new(),
            approvals: Vec::new(),
            decisions: BTreeMap::new(),
            documents: BTreeMap::new(),
            tracks: BTreeMap::new(),
            people: BTreeMap::new(),
            milestones: imbl::OrdMap::new(),
            events: History::new(),
        }
    }
}

/// Where a parallel track stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackState {
    /// The track's phase.
    pub phase: String,
    /// When it entered it.
    pub entered: DateTime,
}

/// One person inside a case: their facts, instrument results and the rules fired for them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// When they were added.
    pub added: Option<DateTime>,
    /// Their facts by id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub facts: BTreeMap<String, FactValue>,
    /// The latest result of each instrument completed for them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub instruments: BTreeMap<String, InstrumentResult>,
    /// Per rule that runs `for_each` person: how often it fired for them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, RuleRecord>,
}

/// Why and when a case was closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    /// The closure reason.
    pub reason: String,
    /// When.
    pub at: DateTime,
}

/// The latest result of an instrument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentResult {
    /// When it was completed.
    pub at: DateTime,
    /// The total score, if the instrument scores.
    pub score: Option<f64>,
    /// The band the score fell in.
    pub band: Option<String>,
    /// The previous score, for change over time (e.g. ORS reliable change).
    pub previous_score: Option<f64>,
    /// The score of the first completion in this case that gave one (read by `first_score`
    /// in a computed fact).
    #[serde(default)]
    pub first_score: Option<f64>,
    /// The client's own rating.
    pub client_self_rating: Option<String>,
    /// The professional judgement.
    pub professional_judgement: Option<String>,
    /// How many times it has been completed in this case.
    pub times: u32,
}

/// What happened to a planned session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionOutcome {
    /// Held.
    Held,
    /// The client did not come.
    NoShow,
    /// Cancelled.
    Cancelled(CancelledBy),
}

/// Sessions in one phase, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionCounts {
    /// Held.
    pub held: u32,
    /// No-shows.
    pub no_shows: u32,
    /// Cancelled by the client.
    pub cancelled_by_client: u32,
    /// Cancelled by the unit.
    pub cancelled_by_unit: u32,
}

impl SessionCounts {
    /// Adds one session.
    pub fn add(&mut self, outcome: SessionOutcome) {
        let n = match outcome {
            SessionOutcome::Held => &mut self.held,
            SessionOutcome::NoShow => &mut self.no_shows,
            SessionOutcome::Cancelled(CancelledBy::Client) => &mut self.cancelled_by_client,
            SessionOutcome::Cancelled(CancelledBy::Unit) => &mut self.cancelled_by_unit,
        };
        *n = n.saturating_add(1);
    }

    /// The count of one kind.
    pub fn of(&self, kind: crate::syntax::CountKind) -> u32 {
        use crate::syntax::CountKind as K;
        match kind {
            K::SessionsHeld => self.held,
            K::NoShows => self.no_shows,
            K::CancelledByClient => self.cancelled_by_client,
            K::CancelledByUnit => self.cancelled_by_unit,
        }
    }
}

/// A session record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// When.
    pub at: DateTime,
    /// In which phase.
    pub phase: String,
    /// What happened.
    pub outcome: SessionOutcome,
}

/// A deadline in this case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRecord {
    /// When it started.
    pub started: DateTime,
    /// The sequence number of the event that started it (part of its actions' ids).
    pub started_seq: u64,
    /// The day its time counts from: the start, or an earlier date the host recorded.
    pub counted_from: Date,
    /// Its last day as lag (1930:173) 1 § counts it, after extensions.
    pub last_day: Date,
    /// Its due date: the last day, rolled forward to a working day when the deadline rolls.
    pub due: Date,
    /// Extensions granted, with their grounds.
    pub extensions: Vec<Extension>,
    /// When it was stopped (met), if it was.
    pub stopped: Option<DateTime>,
    /// When it was cancelled (ended without being met), if it was.
    pub cancelled: Option<DateTime>,
    /// Whether the due-soon reminder was emitted.
    pub warned: bool,
    /// Whether the overdue action was emitted.
    pub overdue: bool,
}

/// A deadline extension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// The ground.
    pub ground: String,
    /// Days added.
    pub days: u32,
    /// When.
    pub at: DateTime,
}

/// A rule's history in this case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleRecord {
    /// Times fired.
    pub fired: u32,
    /// Whether its condition held after the last accepted event.
    pub held: bool,
    /// For a rule that fires again when facts change: their values when it last fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

/// An override with its written reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// What it lifts.
    pub requirement: Requirement,
    /// Why.
    pub reason: String,
    /// When.
    pub at: DateTime,
    /// Who recorded it.
    pub by: super::Actor,
}

/// What several people approve together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case", deny_unknown_fields)]
pub enum Approvable {
    /// A decision, with the outcome approved.
    Decision {
        /// The decision.
        decision: String,
        /// The outcome.
        granted: bool,
    },
    /// A transition.
    Transition {
        /// From.
        from: String,
        /// To.
        to: String,
        /// Its index in the workflow's `transitions`.
        transition: usize,
    },
}

impl Approvable {
    /// The decision's id, or the transition as `from -> to`.
    pub fn key(&self) -> String {
        match self {
            Approvable::Decision { decision, .. } => decision.clone(),
            Approvable::Transition { from, to, .. } => format!("{from} -> {to}"),
        }
    }
}

/// Approvals given towards one decision or transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingApproval {
    /// What is approved.
    pub what: Approvable,
    /// The approvals given, in order.
    pub approvals: Vec<Approval>,
}

/// One approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Who.
    pub by: super::Actor,
    /// When.
    pub at: DateTime,
}

/// A decision that took effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRecord {
    /// Its outcome.
    pub granted: bool,
    /// When.
    pub at: DateTime,
    /// Who took it.
    pub by: Vec<super::Actor>,
}

/// An accepted event with its sequence number and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recorded {
    /// 1 for the first event of the case.
    pub seq: u64,
    /// When it happened (Swedish local civil time, as the host gives it).
    pub at: DateTime,
    /// Who sent it.
    pub by: super::Actor,
    /// The event.
    pub event: Event,
}

impl Case {
    /// The sequence number the next accepted event gets.
    pub fn next_seq(&self) -> u64 {
        self.events.len() as u64 + 1
    }

    /// Actions not yet acknowledged.
    pub fn pending_actions(&self) -> impl Iterator<Item = &Action> {
        self.actions
            .iter()
            .map(AsRef::as_ref)
            .filter(|a| !a.acknowledged)
    }

    /// Whether the case has been opened and not closed.
    pub fn is_open(&self) -> bool {
        self.opened.is_some() && self.closed.is_none()
    }

    /// Replays events from an empty case; the result equals the case they came from.
    pub fn replay<'a>(
        catalog: &crate::Catalog,
        events: impl IntoIterator<Item = &'a Arc<Recorded>>,
    ) -> Result<Case, super::Rejection> {
        let mut case = Case::default();
        for r in events {
            case = super::apply_owned(catalog, case, r.event.clone(), r.by.clone(), r.at)?.case;
        }
        Ok(case)
    }

    /// The case as it was known at `known_at`: replays the events recorded (by the store, in
    /// UTC) at or before it, in order. What an IVO or JO review asks: what did the unit know on
    /// that day, and what did the engine ask of it then.
    pub fn as_of<'a>(
        catalog: &crate::Catalog,
        events: impl IntoIterator<Item = (&'a Arc<Recorded>, jiff::Timestamp)>,
        known_at: jiff::Timestamp,
    ) -> Result<Case, super::Rejection> {
        Case::replay(
            catalog,
            events
                .into_iter()
                .take_while(|(_, recorded)| *recorded <= known_at)
                .map(|(r, _)| r),
        )
    }
}
