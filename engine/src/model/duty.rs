//! Duty inputs: what a legal duty depends on, computed at load, so that no unit weakens a duty
//! by construction.
//!
//! A *duty* is a mandatory rule, a legally grounded deadline (one with `legal:`), or a
//! transition marked `duty: true`. Its *inputs* are what it reads or depends on:
//!
//! - a mandatory rule: every fact, phase, instrument, count and deadline its condition reads
//!   (a `script:` leaf: the facts it names; every phase when it reads `phase`);
//! - a phase a duty reads: every transition into it (being there is what the duty reads) and
//!   every automatic transition out of it (a fact could move the case away unasked);
//! - a duty deadline: the phases that start or stop it (so the transitions into them and the
//!   automatic ones out of them), and what else starts it (the instrument completed, the
//!   decision, the opening, the closing);
//! - a duty transition: what its guard reads, and the instruments its phase requires before
//!   leaving it;
//! - a duty fact: the instruments that write it, and the decision or opening that records it;
//!   for a computed fact, what it is computed from (facts, instrument results, the case's
//!   dates, what its conditions read).
//!
//! A session minimum on the way is deliberately not an input: refusing some sessions (no home
//! visits) never stops a minimum from being met by the sessions a unit allows. Sessions are
//! inputs only when a duty counts them.
//!
//! What follows from it (enforced in `catalog::lower::duty` at load and in the runtime): no unit hook and no
//! non-mandatory rule may write a duty fact or stop a duty deadline; a unit guard never refuses
//! the recording of a duty input in any event (its objection becomes a warning, and an event that
//! bundles duty facts with others is recorded for the duty facts only); mandatory rules therefore
//! see the facts as the host recorded them.

use std::sync::Arc;

use crate::model::computed::Computed;
use crate::model::condition::{Node, Test};
use crate::model::index::{DeadlineIdx, FactSlot, PhaseIdx};
use crate::model::instrument::Instrument;
use crate::model::rules::{Rule, RuleIn};
use crate::model::workflow::{Trigger, Workflow};
use crate::syntax::{CaseDate, SinceEvent, TriggerMode};

/// The duty an input serves: shown in diagnostics and by `lots show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Duty {
    /// A mandatory rule.
    Rule {
        /// The rule.
        id: Arc<str>,
        /// Its legal ground.
        legal: Option<Arc<str>>,
    },
    /// A legally grounded deadline, or one a mandatory rule reads.
    Deadline {
        /// The deadline.
        id: Arc<str>,
        /// Its legal ground.
        legal: Option<Arc<str>>,
    },
    /// A transition marked as a legal duty.
    Transition {
        /// From.
        from: Arc<str>,
        /// To.
        to: Arc<str>,
        /// Its legal ground.
        legal: Option<Arc<str>>,
    },
}

impl Duty {
    /// The duty in words: "mandatory rule `x` (legal ground `y`)".
    pub fn describe(&self) -> String {
        let (what, legal) = match self {
            Duty::Rule { id, legal } => (format!("mandatory rule `{id}`"), legal),
            Duty::Deadline { id, legal } => (format!("deadline `{id}`"), legal),
            Duty::Transition { from, to, legal } => {
                (format!("the duty to move from `{from}` to `{to}`"), legal)
            }
        };
        match legal {
            Some(l) => format!("{what} (legal ground `{l}`)"),
            None => what,
        }
    }
}

/// Every duty input of a workflow in one configuration, each with the first duty that made it
/// one. Indexed like the workflow's facts, phases, transitions and deadlines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Duties {
    /// Facts, by slot.
    pub facts: Vec<Option<Duty>>,
    /// Phases, by index.
    pub phases: Vec<Option<Duty>>,
    /// Transitions, by index in the workflow's `transitions`.
    pub transitions: Vec<Option<Duty>>,
    /// Deadlines, by index.
    pub deadlines: Vec<Option<Duty>>,
    /// Instruments whose completion a duty depends on.
    pub instruments: Vec<(Arc<str>, Duty)>,
    /// Sessions (held, no-shows, cancellations), when a duty counts them.
    pub sessions: Option<Duty>,
    /// The decision on bistånd.
    pub decision: Option<Duty>,
    /// The opening of the case.
    pub opening: Option<Duty>,
    /// The closing of the case.
    pub closing: Option<Duty>,
}

impl Duties {
    /// No duty inputs, sized for the workflow's facts, phases, transitions and deadlines.
    fn none(wf: &Workflow) -> Duties {
        Duties {
            facts: vec![None; wf.facts.len()],
            phases: vec![None; wf.phases.len()],
            transitions: vec![None; wf.transitions.len()],
            deadlines: vec![None; wf.deadlines.len()],
            ..Duties::default()
        }
    }

    /// The duty a fact serves, if it is a duty input.
    pub fn fact(&self, slot: FactSlot) -> Option<&Duty> {
        self.facts.get(usize::from(slot.0)).and_then(Option::as_ref)
    }

    /// The duty a transition serves, if it is one.
    pub fn transition(&self, idx: usize) -> Option<&Duty> {
        self.transitions.get(idx).and_then(Option::as_ref)
    }

    /// The duty a deadline serves, if it is one.
    pub fn deadline(&self, idx: DeadlineIdx) -> Option<&Duty> {
        self.deadlines
            .get(usize::from(idx.0))
            .and_then(Option::as_ref)
    }

    /// The duty an instrument's completion serves, if it does.
    pub fn instrument(&self, id: &str) -> Option<&Duty> {
        self.instruments
            .iter()
            .find(|(i, _)| i.as_ref() == id)
            .map(|(_, d)| d)
    }

    /// Whether the configuration has any duty at all (a case can then never be refused: every
    /// duty starts from an open case).
    pub fn any(&self) -> bool {
        self.facts.iter().any(Option::is_some)
            || self.phases.iter().any(Option::is_some)
            || self.transitions.iter().any(Option::is_some)
            || self.has_deadlines()
            || !self.instruments.is_empty()
            || self.sessions.is_some()
            || self.decision.is_some()
            || self.opening.is_some()
            || self.closing.is_some()
    }

    /// Whether any duty deadline exists (time passing is then a duty input).
    pub fn has_deadlines(&self) -> bool {
        self.deadlines.iter().any(Option::is_some)
    }
}

/// The duty inputs of `wf` given the mandatory rules that run for it.
pub fn duties<'r>(
    wf: &Workflow,
    mandatory: impl IntoIterator<Item = (&'r Rule, &'r RuleIn)>,
    instruments: &[Instrument],
) -> Duties {
    let mut d = Duties::none(wf);
    // Seeds: mandatory rules, legally grounded deadlines, transitions marked as duties.
    for (rule, compiled) in mandatory {
        let duty = Duty::Rule {
            id: rule.id.clone(),
            legal: rule.legal.clone(),
        };
        reads(wf, &compiled.when.root, &duty, &mut d);
    }
    for (i, deadline) in wf.deadlines.iter().enumerate() {
        if deadline.legal.is_some() && d.deadlines.get(i).is_some_and(Option::is_none) {
            set(
                &mut d.deadlines,
                i,
                Duty::Deadline {
                    id: deadline.id.clone(),
                    legal: deadline.legal.clone(),
                },
            );
        }
    }
    for (i, t) in wf.transitions.iter().enumerate() {
        if t.duty {
            let duty = Duty::Transition {
                from: wf.phase(t.from).map(|p| p.id.clone()).unwrap_or_default(),
                to: wf.phase(t.to).map(|p| p.id.clone()).unwrap_or_default(),
                legal: t.legal.clone(),
            };
            set(&mut d.transitions, i, duty);
        }
    }
    // The closure: a guard may read a deadline, a deadline names a phase, a phase brings its
    // transitions; repeat until nothing is added (each pass only adds, so this ends).
    loop {
        let before = d.clone();
        // Deadlines: what starts them, and what could stop them unasked.
        for (i, deadline) in wf.deadlines.iter().enumerate() {
            let Some(duty) = d.deadlines.get(i).cloned().flatten() else {
                continue;
            };
            // The date its time counts from.
            if let Some(slot) = deadline.from {
                set(&mut d.facts, usize::from(slot.0), duty.clone());
            }
            for (trigger, starts) in deadline
                .starts
                .iter()
                .map(|t| (t, true))
                .chain(deadline.stops.iter().map(|t| (t, false)))
                .chain(deadline.cancelled_by.iter().map(|t| (t, false)))
            {
                match trigger {
                    Trigger::PhaseEntered(p) => mark_phase(&mut d, *p, &duty),
                    Trigger::PhaseLeft(p) => {
                        mark_phase(&mut d, *p, &duty);
                        if starts {
                            out_of(wf, &mut d, *p, false, &duty);
                        }
                    }
                    Trigger::InstrumentCompleted(i) if starts => mark_instrument(&mut d, i, &duty),
                    // A recorded value starts or stops it: no hook or non-mandatory rule may
                    // write that fact.
                    Trigger::FactSet(slot) => set(&mut d.facts, usize::from(slot.0), duty.clone()),
                    Trigger::DecisionMade if starts => {
                        d.decision.get_or_insert_with(|| duty.clone());
                    }
                    Trigger::CaseOpened if starts => {
                        d.opening.get_or_insert_with(|| duty.clone());
                    }
                    Trigger::CaseClosed if starts => {
                        d.closing.get_or_insert_with(|| duty.clone());
                    }
                    // Stopping a deadline by completing an instrument, deciding or closing is the
                    // host's event: no hook or rule can do it.
                    _ => {}
                }
            }
        }
        // Phases a duty reads: every way in, and the automatic ways out.
        for p in 0..wf.phases.len() {
            let Some(duty) = d.phases.get(p).cloned().flatten() else {
                continue;
            };
            let Ok(idx) = u16::try_from(p).map(PhaseIdx) else {
                continue;
            };
            into(wf, &mut d, idx, &duty);
            out_of(wf, &mut d, idx, true, &duty);
        }
        // Transitions: what their guard reads and what their phase requires before leaving.
        for (i, t) in wf.transitions.iter().enumerate() {
            let Some(duty) = d.transitions.get(i).cloned().flatten() else {
                continue;
            };
            if let Some(when) = &t.when {
                // A guard's phase reads are the transition's own phase: not a new duty phase.
                let mut guard = Duties::none(wf);
                reads(wf, &when.root, &duty, &mut guard);
                merge_reads(&mut d, guard);
            }
            let to_terminal = wf.phase(t.to).is_some_and(|p| p.terminal);
            if let (Some(from), false) = (wf.phase(t.from), to_terminal) {
                for inst in &from.required {
                    mark_instrument(&mut d, inst, &duty);
                }
            }
        }
        // Facts: the events and instruments that record them.
        for (slot, fact) in wf.facts.iter().enumerate() {
            let Some(duty) = d.facts.get(slot).cloned().flatten() else {
                continue;
            };
            let by_decision = match wf.decisions.as_slice() {
                [] => fact.id.as_ref() == "decision",
                decisions => decisions
                    .iter()
                    .any(|x| x.fact.is_some_and(|f| usize::from(f.0) == slot)),
            };
            if by_decision {
                d.decision.get_or_insert_with(|| duty.clone());
            }
            for inst in instruments {
                if inst.writes.iter().any(|w| w.fact == fact.id) {
                    mark_instrument(&mut d, &inst.id, &duty);
                }
            }
            // A computed fact: what it is computed from.
            if let Some(c) = u16::try_from(slot)
                .ok()
                .and_then(|s| wf.computed_fact(FactSlot(s)))
            {
                computed_reads(wf, c, &duty, &mut d);
            }
        }
        if d == before {
            break;
        }
    }
    d
}

fn set(list: &mut [Option<Duty>], i: usize, duty: Duty) {
    if let Some(slot) = list.get_mut(i)
        && slot.is_none()
    {
        *slot = Some(duty);
    }
}

fn mark_phase(d: &mut Duties, p: PhaseIdx, duty: &Duty) {
    set(&mut d.phases, usize::from(p.0), duty.clone());
}

fn mark_instrument(d: &mut Duties, id: &Arc<str>, duty: &Duty) {
    if d.instrument(id).is_none() {
        d.instruments.push((id.clone(), duty.clone()));
    }
}

/// Marks every transition into `p`.
fn into(wf: &Workflow, d: &mut Duties, p: PhaseIdx, duty: &Duty) {
    for (i, t) in wf.transitions.iter().enumerate() {
        if t.to == p {
            set(&mut d.transitions, i, duty.clone());
        }
    }
}

/// Marks the transitions out of `p` (only the automatic ones when `automatic_only`).
fn out_of(wf: &Workflow, d: &mut Duties, p: PhaseIdx, automatic_only: bool, duty: &Duty) {
    for (i, t) in wf.transitions.iter().enumerate() {
        if t.from == p && (!automatic_only || t.trigger == TriggerMode::Automatic) {
            set(&mut d.transitions, i, duty.clone());
        }
    }
}

/// Adds what a condition reads to `d`.
fn reads(wf: &Workflow, node: &Node, duty: &Duty, d: &mut Duties) {
    match &node.test {
        Test::All(_) | Test::Any(_) | Test::Not(_) | Test::People { .. } => {
            for c in node.children() {
                reads(wf, c, duty, d);
            }
        }
        Test::Equals { .. }
        | Test::In { .. }
        | Test::Compare { .. }
        | Test::CompareFacts { .. }
        | Test::Within { .. }
        | Test::IsSet(_) => {
            for fact in node.facts() {
                set(&mut d.facts, usize::from(fact.slot.0), duty.clone());
            }
        }
        Test::Phase(phases) => {
            for p in phases {
                mark_phase(d, p.idx, duty);
            }
        }
        Test::Completed(i)
        | Test::Band { instrument: i, .. }
        | Test::Score { instrument: i, .. } => {
            mark_instrument(d, i, duty);
        }
        Test::Count { .. } => {
            d.sessions.get_or_insert_with(|| duty.clone());
        }
        Test::Elapsed { since, .. } => {
            if *since == SinceEvent::LastSession {
                d.sessions.get_or_insert_with(|| duty.clone());
            }
        }
        Test::Deadline { deadline, .. } => {
            set(&mut d.deadlines, usize::from(deadline.0), duty.clone());
        }
        Test::Script(script) => {
            for slot in script.reads() {
                set(&mut d.facts, usize::from(slot.0), duty.clone());
            }
            if script.reads_phase() {
                for p in 0..wf.phases.len() {
                    set(&mut d.phases, p, duty.clone());
                }
            }
        }
    }
}

/// Adds what a computed fact is computed from to `d`: its facts and instruments, the case's
/// dates it reads (the opening, every phase for the day a phase was entered, sessions for the
/// last session) and what its conditions read.
fn computed_reads(wf: &Workflow, c: &Computed, duty: &Duty, d: &mut Duties) {
    for slot in &c.reads.facts {
        set(&mut d.facts, usize::from(slot.0), duty.clone());
    }
    for i in &c.reads.instruments {
        mark_instrument(d, i, duty);
    }
    for date in &c.reads.dates {
        match date {
            CaseDate::CaseOpened => {
                d.opening.get_or_insert_with(|| duty.clone());
            }
            CaseDate::PhaseEntered => {
                for p in 0..wf.phases.len() {
                    set(&mut d.phases, p, duty.clone());
                }
            }
            CaseDate::LastSession => {
                d.sessions.get_or_insert_with(|| duty.clone());
            }
        }
    }
    for cond in c.expr.conditions() {
        reads(wf, &cond.root, duty, d);
    }
}

/// Adds a guard's reads (facts, instruments, sessions, deadlines) to `d`.
fn merge_reads(d: &mut Duties, guard: Duties) {
    for (i, f) in guard.facts.into_iter().enumerate() {
        if let Some(duty) = f {
            set(&mut d.facts, i, duty);
        }
    }
    for (i, f) in guard.deadlines.into_iter().enumerate() {
        if let Some(duty) = f {
            set(&mut d.deadlines, i, duty);
        }
    }
    for (id, duty) in guard.instruments {
        mark_instrument(d, &id, &duty);
    }
    if let (None, Some(duty)) = (&d.sessions, guard.sessions) {
        d.sessions = Some(duty);
    }
}
