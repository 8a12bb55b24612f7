//! The runtime: every case a deterministic, explainable state machine.
//!
//! [`apply`] takes the catalog, a case, an event and the time the host says it is, and returns
//! the new case, the actions that fall due and a trace, or a [`Rejection`] that changes nothing.
//! It is pure: no IO, no clock, no randomness. A case is the fold of its accepted events, so
//! replaying them from an empty case gives the same case (see [`Case::replay`]).
//!
//! Order of work for an accepted event:
//! 1. the event's own effect (facts, instrument result, session, transition, …), then the
//!    computed facts whose inputs changed (again after derive hooks, each phase change and each
//!    rule's `set`);
//! 2. automatic transitions, repeatedly, while one's condition holds (at most one per phase);
//! 3. deadlines started or stopped by what happened (phases entered/left, case opened/closed,
//!    instrument completed, decision made);
//! 4. routing rules, in catalog order (file order, then order in the file); a `set` action is
//!    seen by the rules after it in the same pass; rules are not re-run in a pass;
//! 5. deadline clocks: due-soon and overdue actions, each emitted once.

mod action;
mod actor;
mod authority;
mod case;
mod computed;
mod deadlines;
mod env;
mod event;
mod event_map;
mod explain;
mod facts;
mod guards;
mod hooks;
mod instruments;
mod people;
mod reason;
mod routing;
pub mod secrecy;
mod sessions;
mod trace;
mod tracks;
mod transitions;

use std::fmt::Write as _;
use std::sync::Arc;

use jiff::civil::DateTime;

pub use action::{Action, ActionKind, Citation};
pub use actor::{Actor, DEFAULT_ACTOR_ID, DEFAULT_ROLE};
pub use case::{
    Approvable, Approval, Case, Closure, DeadlineRecord, DecisionRecord, Extension, FORMAT_VERSION,
    History, InstrumentResult, MAX_FORMER_SENSITIVE, Override, PendingApproval, Person, Recorded,
    RuleRecord, Session, SessionCounts, SessionOutcome, TrackState,
};
pub use deadlines::{MAX_EXTENSION_DAYS, deadline_state, milestone_key};
pub use event::{CancelledBy, Event, FactValue, PersonRef, Requirement};
pub use explain::{
    Awaiting, Explanation, NextPhase, OpenDeadline, TrackPosition, describe_action, explain,
};
pub use hooks::MAX_HOOK_DUE_DAYS;
pub use people::MAX_PEOPLE;
pub use reason::{
    Act, Delegated, FailingPart, Lang, NotAuthorised, Reason, Rejection, TrackWaiting, Unanswered,
};
pub use routing::active_rules;
pub use trace::{
    FactRead, FactReads, NodeValue, NodeValues, Owner, REDACTED, Trace, TraceEntry, Warning,
};

use crate::Catalog;
use crate::model::condition::{Amount, Condition, NodeMarks};
use crate::model::index::PhaseIdx;
use crate::model::unit::{Configuration, Unit};
use crate::model::workflow::Workflow;
use env::CaseEnv;
use event::from_value;
use facts::Writer;
use secrecy::Secrets;

/// The result of an accepted event.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The case after the event.
    pub case: Case,
    /// Actions emitted by this event (also appended to `case.actions`).
    pub actions: Vec<Action>,
    /// What was evaluated, fired, blocked.
    pub trace: Trace,
    /// Accepted, but worth attention.
    pub warnings: Vec<Warning>,
}

/// Applies one event, done by `by`, to a case at a time the host gives (Swedish local civil
/// time).
pub fn apply(
    catalog: &Catalog,
    case: &Case,
    event: Event,
    by: Actor,
    at: DateTime,
) -> Result<Step, Rejection> {
    apply_owned(catalog, case.clone(), event, by, at)
}

/// [`apply`] on a case the caller gives up (no copy is made). On a rejection the case is
/// dropped, so use it only where the case is not needed afterwards, as in replay.
pub(crate) fn apply_owned(
    catalog: &Catalog,
    case: Case,
    event: Event,
    by: Actor,
    at: DateTime,
) -> Result<Step, Rejection> {
    let kind = event.kind();
    // Ids and counts only: never a fact value or a text from the event.
    let _span = tracing::debug_span!("apply", event = kind, seq = case.next_seq()).entered();
    let reject = |reasons: Vec<Reason>| Rejection {
        event: kind.to_owned(),
        reasons,
    };
    let years = crate::model::calendar::FIRST_YEAR..=crate::model::calendar::LAST_YEAR;
    if !years.contains(&at.year()) {
        return Err(reject(vec![Reason::TimeOutOfRange {
            at: at.to_string(),
            first: *years.start(),
            last: *years.end(),
        }]));
    }
    if let Event::CaseOpened { case_id, .. } = &event
        && let Some(problem) = crate::text::case_id_problem(case_id)
    {
        return Err(reject(vec![Reason::InvalidCaseId { problem }]));
    }
    // The actor id and role are checked before anything else reads them; the reason never
    // repeats the id (it may be a personal identity number).
    if let Some(problem) = crate::text::actor_id_problem(&by.id) {
        return Err(reject(vec![Reason::InvalidActor { problem }]));
    }
    if let Some(problem) = crate::text::id_problem(&by.role) {
        return Err(reject(vec![Reason::InvalidActor {
            problem: format!("the role: {problem}"),
        }]));
    }
    if let Some(last) = case.events.last()
        && at < last.at
    {
        return Err(reject(vec![Reason::TimeWentBack {
            last: last.at.to_string(),
        }]));
    }
    let opening = matches!(event, Event::CaseOpened { .. });
    if opening && case.opened.is_some() {
        return Err(reject(vec![Reason::AlreadyOpened]));
    }
    if !opening && case.opened.is_none() {
        return Err(reject(vec![Reason::NotOpened]));
    }
    // A running case stays on the catalog that holds its workflow version.
    let catalog = match &event {
        Event::CaseOpened { .. } => catalog,
        _ => catalog
            .for_case(&case.workflow, &case.content_hash)
            .unwrap_or(catalog),
    };
    let resolved = match &event {
        Event::CaseOpened { workflow, unit, .. } => resolve_new(catalog, workflow, unit),
        _ => resolve_pinned(catalog, &case),
    }
    .map_err(|r| reject(vec![r]))?;
    if let Some(closure) = &case.closed
        && let Some(reason) = closed_refuses(resolved.0, &case, closure, &event)
    {
        return Err(reject(vec![reason]));
    }
    // The one redaction step: whatever text leaves this step (the rejection, the trace, the
    // warnings, the actions) is cleared of the case's sensitive values.
    let mut secrets = Secrets::of(resolved.0, &case, Some(&event));
    let refuse = |reasons: Vec<Reason>| {
        let mut rejection = reject(reasons);
        secrets.apply(&mut rejection);
        rejection
    };
    // The step borrows the event and the actor; they are moved into the case's history once
    // it is done, so neither is copied.
    let wf = resolved.0;
    let mut run = Run::new(catalog, resolved, case, at, Some((&event, &by)));
    run.check_role().map_err(|r| refuse(vec![r]))?;
    run.check_accepts(&event).map_err(|r| refuse(vec![r]))?;
    let applied = run.guards(&event).map_err(refuse)?;
    run.effect(applied.as_ref().unwrap_or(&event))
        .map_err(refuse)?;
    run.after_event();
    let Run {
        mut case,
        seq,
        trace,
        emitted,
        warnings,
        ..
    } = run;
    let event = applied.unwrap_or(event);
    case.events
        .push_back(std::sync::Arc::new(Recorded { seq, at, by, event }));
    secrets.extend(Secrets::of(wf, &case, None));
    let mut step = Step {
        case,
        actions: emitted,
        trace,
        warnings,
    };
    secrets.apply(&mut step.trace);
    secrets.apply(&mut step.warnings);
    Ok(step)
}

/// The workflow a case runs, its unit and the unit's effective configuration of it.
type Resolved<'c> = (&'c Arc<Workflow>, &'c Unit, &'c Configuration);

fn resolve_new<'c>(
    catalog: &'c Catalog,
    workflow: &str,
    unit: &str,
) -> Result<Resolved<'c>, Reason> {
    let wf = catalog
        .workflow(workflow)
        .ok_or_else(|| Reason::UnknownWorkflow {
            workflow: workflow.to_owned(),
        })?;
    let u = catalog.unit(unit).ok_or_else(|| Reason::UnknownUnit {
        unit: unit.to_owned(),
    })?;
    let config = u
        .configuration(&wf.id)
        .ok_or_else(|| Reason::UnitDoesNotRun {
            unit: unit.to_owned(),
            workflow: workflow.to_owned(),
        })?;
    Ok((wf, u, config))
}

fn resolve_pinned<'c>(catalog: &'c Catalog, case: &Case) -> Result<Resolved<'c>, Reason> {
    let wf = catalog
        .workflow(&case.workflow)
        .filter(|w| w.version == case.version && w.content_hash == case.content_hash)
        .ok_or_else(|| Reason::VersionMissing {
            workflow: case.workflow.clone(),
            version: case.version,
        })?;
    let u = catalog
        .unit(&case.unit)
        .ok_or_else(|| Reason::UnknownUnit {
            unit: case.unit.clone(),
        })?;
    let config = u
        .configuration(&wf.id)
        .ok_or_else(|| Reason::UnitDoesNotRun {
            unit: case.unit.clone(),
            workflow: case.workflow.clone(),
        })?;
    Ok((wf, u, config))
}

/// Why a closed case refuses an event, if it does. A closed case still accepts action
/// acknowledgements, facts the workflow declares `after_closing` (a follow-up answer), and
/// time passing while a deadline that its closing started runs.
fn closed_refuses(wf: &Workflow, case: &Case, closure: &Closure, event: &Event) -> Option<Reason> {
    let after_closing = || {
        wf.facts
            .iter()
            .filter(|f| f.after_closing)
            .map(|f| f.id.to_string())
            .collect()
    };
    let accepted = match event {
        Event::ActionAcknowledged { .. } => true,
        Event::FactsRecorded { facts, .. } => facts
            .keys()
            .all(|k| wf.fact(k).is_some_and(|(_, f)| f.after_closing)),
        Event::TimePassed => case
            .deadlines
            .values()
            .any(|r| r.started >= closure.at && r.stopped.is_none() && r.cancelled.is_none()),
        _ => false,
    };
    (!accepted).then(|| Reason::Closed {
        after_closing: match event {
            Event::FactsRecorded { .. } => after_closing(),
            _ => Vec::new(),
        },
    })
}

/// Something that happened in this step that may start or stop deadlines.
#[derive(Debug, Clone, PartialEq)]
enum Happening {
    PhaseEntered(PhaseIdx),
    PhaseLeft(PhaseIdx),
    CaseOpened,
    CaseClosed,
    InstrumentCompleted(String),
    DecisionMade,
    FactSet(crate::model::index::FactSlot),
}

/// One step in progress.
struct Run<'c> {
    catalog: &'c Catalog,
    wf: &'c Workflow,
    /// The same workflow, shared with the trace (which reads fact declarations from it).
    workflow: &'c Arc<Workflow>,
    unit: &'c Unit,
    /// The unit's effective configuration of the workflow.
    config: &'c Configuration,
    /// The event as scripts see it: the one sent, or the part of it a guard let through.
    event: Option<std::borrow::Cow<'c, Event>>,
    /// Who sent the event (`None` when explaining).
    by: Option<&'c Actor>,
    /// The event's type (empty when explaining).
    event_kind: &'static str,
    /// The case's facts by slot, kept in step with `case.facts`. Shared with the trace's
    /// fact reads, so a fact recorded after a condition was traced copies the vector first.
    slots: Arc<Vec<Option<crate::model::fact::Value>>>,
    /// The people's facts by slot, kept in step with `case.people`.
    people: people::PeopleSlots,
    /// Each track's phase while the case is in the track's phase, kept in step with
    /// `case.tracks`.
    tracks: Vec<Option<PhaseIdx>>,
    /// The current phase's index, kept in step with `case.phase`.
    phase: PhaseIdx,
    case: Case,
    at: DateTime,
    seq: u64,
    trace: Trace,
    emitted: Vec<Action>,
    warnings: Vec<Warning>,
    happened: Vec<Happening>,
    /// Deadlines stopped or cancelled by what happened in this step.
    ended_here: Vec<usize>,
    /// The case was closed in this step (what the closing starts may still start).
    closed_here: bool,
    /// How far this step's computed facts are up to date.
    computing: computed::Progress,
}

impl<'c> Run<'c> {
    /// A step on `case`; the trace starts with the event and who sent it (`None` when
    /// explaining).
    fn new(
        catalog: &'c Catalog,
        (wf, unit, config): Resolved<'c>,
        case: Case,
        at: DateTime,
        event: Option<(&'c Event, &'c Actor)>,
    ) -> Self {
        let seq = case.next_seq();
        // Room for the usual entries (one condition per rule, a few more), so the trace is not
        // copied while it grows.
        let mut entries = Vec::with_capacity(16 + 2 * config.rules.len());
        entries.extend(event.map(|(e, by)| TraceEntry::Event {
            seq,
            kind: e.kind().to_owned(),
            by: by.clone(),
        }));
        Run {
            catalog,
            wf,
            workflow: wf,
            unit,
            config,
            slots: Arc::new(env::slots(wf, &case)),
            people: if wf.people.is_empty() {
                Vec::new()
            } else {
                people::slots(wf, &case)
            },
            phase: wf.phase_idx(&case.phase).unwrap_or(wf.start),
            tracks: tracks::positions(wf, &case),
            event: event.map(|(e, _)| std::borrow::Cow::Borrowed(e)),
            by: event.map(|(_, by)| by),
            event_kind: event.map_or("", |(e, _)| e.kind()),
            case,
            at,
            seq,
            trace: Trace { entries },
            emitted: Vec::new(),
            warnings: Vec::new(),
            happened: Vec::new(),
            ended_here: Vec::new(),
            closed_here: false,
            computing: computed::Progress::default(),
        }
    }

    fn env(&self) -> CaseEnv<'_> {
        CaseEnv {
            wf: self.wf,
            case: &self.case,
            at: self.at,
            slots: &self.slots,
            people: &self.people,
            tracks: &self.tracks,
            phase: self.phase_idx(),
            params: &self.config.parameters,
            scripting: &self.catalog.scripting,
            event: self.event.as_deref(),
            by: self.by,
            errors: std::cell::RefCell::default(),
        }
    }

    fn amount(&self, a: &Amount) -> u32 {
        match a {
            Amount::Value(v) => *v,
            Amount::Param(p, _) => self
                .config
                .parameters
                .get(usize::from(p.0))
                .copied()
                .unwrap_or(0),
        }
    }

    fn phase_idx(&self) -> PhaseIdx {
        self.phase
    }

    fn citation(&self, concept: &str) -> Citation {
        let text = self
            .catalog
            .concept(concept)
            .and_then(|c| c.in_force(self.at.date()))
            .map(|v| {
                // Room for a usual citation, so the text is not copied while it is written.
                let mut text = String::with_capacity(48);
                let _ = write!(text, "{v}");
                text
            });
        Citation {
            concept: concept.to_owned(),
            text,
        }
    }

    /// The event's own effect. Errors are every reason the event cannot be accepted.
    fn effect(&mut self, event: &Event) -> Result<(), Vec<Reason>> {
        match event {
            Event::CaseOpened {
                case_id,
                referral_source,
                facts,
                ..
            } => {
                let wf = self.wf;
                self.case.id.clone_from(case_id);
                self.case.workflow = wf.id.to_string();
                self.case.version = wf.version;
                self.case.content_hash.clone_from(&wf.content_hash);
                self.case.unit = self.unit.id.to_string();
                self.case.phase = wf
                    .phase(wf.start)
                    .map(|p| p.id.to_string())
                    .unwrap_or_default();
                self.phase = wf.start;
                self.case.phase_entered = Some(self.at);
                self.start_tracks(wf.start);
                self.case.opened = Some(self.at);
                // Every fact as sent is checked, so what is stored is what was accepted, even
                // a `referral_source` fact that the event's own field then replaces.
                self.check_facts(facts)?;
                let mut facts = facts.clone();
                if let (Some(source), Some(_)) = (referral_source, wf.fact("referral_source")) {
                    facts.insert(
                        "referral_source".to_owned(),
                        FactValue::Text(source.clone()),
                    );
                }
                self.record_facts(&facts, Writer::Host)?;
                self.happened.push(Happening::CaseOpened);
                self.happened.push(Happening::PhaseEntered(wf.start));
            }
            Event::FactsRecorded {
                facts,
                person: None,
            } => self.record_facts(facts, Writer::Host)?,
            Event::FactsRecorded {
                facts,
                person: Some(person),
            } => self.record_person_facts(person, facts)?,
            Event::PersonAdded { of, key, facts } => self.add_person(of, key, facts)?,
            Event::InstrumentCompleted {
                instrument,
                answers,
                client_self_rating,
                professional_judgement,
                person,
            } => {
                self.complete_instrument(
                    instrument,
                    answers,
                    client_self_rating.as_deref(),
                    professional_judgement.as_deref(),
                    person.as_ref(),
                )?;
            }
            Event::SessionHeld { .. } => self.session(SessionOutcome::Held),
            Event::NoShow => self.session(SessionOutcome::NoShow),
            Event::SessionCancelled { by, .. } => self.session(SessionOutcome::Cancelled(*by)),
            Event::TransitionRequested { to } => return self.request(to),
            Event::DecisionMade { decision, granted } => {
                self.decide(decision.as_deref(), *granted)?;
            }
            Event::DocumentRecorded { document } => self.record_document(document)?,
            Event::OverrideRecorded {
                requirement,
                reason,
            } => self.record_override(requirement, reason)?,
            Event::ActionAcknowledged { action_id } => {
                match self
                    .case
                    .actions
                    .iter_mut()
                    .find(|a| a.id == *action_id && !a.acknowledged)
                {
                    Some(a) => std::sync::Arc::make_mut(a).acknowledged = true,
                    None => {
                        return Err(vec![Reason::UnknownAction {
                            action_id: action_id.clone(),
                        }]);
                    }
                }
            }
            Event::DeadlineExtended {
                deadline,
                ground,
                days,
            } => self.extend(deadline, ground, *days)?,
            Event::TimePassed => {}
            Event::CaseClosed { reason } => return self.close_for(reason),
        }
        Ok(())
    }

    /// Automatic transitions, deadlines, rules, deadline clocks.
    fn after_event(&mut self) {
        let kind = self.event_kind;
        // Computed facts follow what the event recorded, and again what the unit derived,
        // before transitions and rules read them (also after each phase change and `set`).
        self.compute();
        self.derive(kind);
        self.compute();
        self.automatic_transitions();
        self.deadline_triggers();
        self.rules();
        self.after_hooks(kind);
        // What the rules and hooks recorded may start or stop deadlines too.
        self.deadline_triggers();
        self.deadline_clocks();
    }

    /// A fact as a trace shows it: its value, `[redacted]` when sensitive.
    fn fact_read(&self, slot: crate::model::index::FactSlot) -> Option<FactRead> {
        trace::fact_read(self.wf, &self.slots, slot)
    }

    /// A fact as a trace shows it, read for one person when it is a person's fact.
    fn person_fact_read(
        &self,
        slot: crate::model::index::FactSlot,
        person: crate::model::index::PersonIdx,
    ) -> Option<FactRead> {
        let decl = self.wf.facts.get(usize::from(slot.0))?;
        if decl.of.is_none() {
            return self.fact_read(slot);
        }
        let value = if decl.sensitive {
            Some(FactValue::Text(REDACTED.to_owned()))
        } else {
            let slots = self
                .people
                .get(usize::from(person.collection.0))?
                .get(usize::try_from(person.index).ok()?)?;
            let v = slots.get(usize::from(slot.0))?.as_ref();
            v.map(|v| from_value(decl, v))
        };
        Some(FactRead {
            fact: decl.id.clone(),
            value,
        })
    }

    /// The smallest false parts of a condition that does not hold, for a refusal.
    fn failing_parts(&self, cond: &Condition) -> Vec<reason::FailingPart> {
        let env = self.env();
        let mut parts = Vec::new();
        cond.root.false_parts(&env, &mut parts);
        parts
            .into_iter()
            .map(|n| reason::FailingPart {
                path: n.path.to_string(),
                condition: n.to_string(),
                facts: n.facts().filter_map(|f| self.fact_read(f.slot)).collect(),
            })
            .collect()
    }

    /// Evaluates a condition, tracing its nodes and the facts it read (as marks over the
    /// step's fact values: made into values only when the trace is read).
    fn evaluate(&mut self, owner: Owner, cond: &Condition) -> bool {
        self.evaluate_for(owner, cond, None)
    }

    /// Evaluates a condition for the case or for one person (a rule that runs `for_each`
    /// person), tracing its nodes and the facts it read.
    fn evaluate_for(
        &mut self,
        owner: Owner,
        cond: &Condition,
        person: Option<crate::model::index::PersonIdx>,
    ) -> bool {
        let env = self.env();
        let mut marks = NodeMarks::default();
        let value = match person {
            None => cond.evaluate_with(&env, &mut marks),
            Some(p) => cond.root.evaluate_for(&env, &mut marks, p),
        };
        let failed = env.errors.take();
        // For one person, the facts read are made at once (a person's facts are not in the
        // step's shared slot vector); otherwise only when the trace is read.
        let facts = match person {
            None => FactReads::new(self.workflow, &self.slots, cond, &marks),
            Some(p) => FactReads::from(
                cond.facts_read(&marks)
                    .filter_map(|slot| self.person_fact_read(slot, p))
                    .collect::<Vec<_>>(),
            ),
        };
        for error in failed {
            self.script_failed(owner.clone(), error);
        }
        self.trace.entries.push(TraceEntry::Condition {
            owner,
            value,
            nodes: NodeValues::new(cond, marks),
            facts,
        });
        value
    }

    fn emit(
        &mut self,
        id: String,
        rule: Option<String>,
        person: Option<PersonRef>,
        kind: ActionKind,
        legal: Option<Citation>,
    ) {
        let mut action = Action {
            id,
            seq: self.seq,
            at: self.at,
            rule,
            person,
            kind,
            legal,
            acknowledged: false,
        };
        Secrets::of(self.wf, &self.case, self.event.as_deref()).apply(&mut action);
        self.case
            .actions
            .push_back(std::sync::Arc::new(action.clone()));
        self.emitted.push(action);
    }
}

/// A case as indicators read it: its conditions evaluated and its facts read as it stands at
/// a moment, by the catalog it runs on (the one holding its workflow version).
pub struct Reading<'c> {
    run: Run<'c>,
}

/// Reads a case at `at`. `None` when no catalog of `catalog` holds the case's workflow version
/// and unit.
pub fn read_case<'c>(catalog: &'c Catalog, case: &Case, at: DateTime) -> Option<Reading<'c>> {
    let catalog = catalog.for_case(&case.workflow, &case.content_hash)?;
    let resolved = resolve_pinned(catalog, case).ok()?;
    Some(Reading {
        run: Run::new(catalog, resolved, case.clone(), at, None),
    })
}

impl<'c> Reading<'c> {
    /// Whether a condition holds (a script that fails counts as not holding, as in a step).
    pub fn holds(&self, cond: &Condition) -> bool {
        cond.evaluate(&self.run.env())
    }

    /// A fact's value, as conditions see it.
    pub fn fact(&self, slot: crate::model::index::FactSlot) -> Option<&crate::model::fact::Value> {
        self.run.slots.get(usize::from(slot.0))?.as_ref()
    }

    /// The catalog the case runs on.
    pub fn catalog(&self) -> &'c Catalog {
        self.run.catalog
    }

    /// The case.
    pub fn case(&self) -> &Case {
        &self.run.case
    }

    /// The workflow version the case runs.
    pub fn workflow(&self) -> &'c Workflow {
        self.run.wf
    }
}
