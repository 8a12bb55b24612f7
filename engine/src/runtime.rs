//! The runtime: every case a deterministic, explainable state machine.
//!
//! [`apply`] takes the catalog, a case, an event and the time the host says it is, and returns
//! the new case, the actions that fall due and a trace, or a [`Rejection`] that changes nothing.
//! It is pure: no IO, no clock, no randomness. A case is the fold of its accepted events, so
//! replaying them from an empty case gives the same case (see [`Case::replay`]).
//!
//! Order of work for an accepted event:
//! 1. the event's own effect (facts, instrument result, session, transition, …);
//! 2. automatic transitions, repeatedly, while one's condition holds (at most one per phase);
//! 3. deadlines started or stopped by what happened (phases entered/left, case opened/closed,
//!    instrument completed, decision made);
//! 4. routing rules, in catalog order (file order, then order in the file); a `set` action is
//!    seen by the rules after it in the same pass; rules are not re-run in a pass;
//! 5. deadline clocks: due-soon and overdue actions, each emitted once.

mod action;
mod case;
mod deadlines;
mod env;
mod event;
mod explain;
mod reason;
mod trace;

use jiff::civil::DateTime;

pub use action::{Action, ActionKind, Citation};
pub use case::{
    Case, Closure, DeadlineRecord, Extension, FORMAT_VERSION, History, InstrumentResult,
    MAX_FORMER_SENSITIVE, Override, Recorded, RuleRecord, Session, SessionCounts, SessionOutcome,
};
pub use deadlines::{MAX_EXTENSION_DAYS, deadline_state};
pub use event::{CancelledBy, Event, FactValue, Requirement};
pub use explain::{Explanation, NextPhase, OpenDeadline, describe_action, explain};
pub use reason::{Lang, Reason, Rejection};
pub use trace::{FactRead, NodeValue, NodeValues, Owner, REDACTED, Trace, TraceEntry, Warning};

use crate::Catalog;
use crate::condition::{Amount, Condition, NodeMarks};
use crate::instrument::{Answer, Instrument, Scoring};
use crate::rules::{Action as RuleAction, Rule};
use crate::secrecy::Secrets;
use crate::syntax::{FactType, FireMode, TriggerMode};
use crate::unit::{Configuration, Unit};
use crate::workflow::{PhaseIdx, Transition, Trigger, Workflow};
use env::{CaseEnv, to_value};

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

/// Applies one event to a case at a time the host gives (Swedish local civil time).
pub fn apply(
    catalog: &Catalog,
    case: &Case,
    event: Event,
    at: DateTime,
) -> Result<Step, Rejection> {
    apply_owned(catalog, case.clone(), event, at)
}

/// [`apply`] on a case the caller gives up (no copy is made). On a rejection the case is
/// dropped, so use it only where the case is not needed afterwards, as in replay.
pub(crate) fn apply_owned(
    catalog: &Catalog,
    case: Case,
    event: Event,
    at: DateTime,
) -> Result<Step, Rejection> {
    let kind = event.kind();
    // Ids and counts only: never a fact value or a text from the event.
    let _span = tracing::debug_span!("apply", event = kind, seq = case.next_seq()).entered();
    let reject = |reasons: Vec<Reason>| Rejection {
        event: kind.to_owned(),
        reasons,
    };
    let years = crate::calendar::FIRST_YEAR..=crate::calendar::LAST_YEAR;
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
    if case.closed.is_some() && !matches!(event, Event::ActionAcknowledged { .. }) {
        return Err(reject(vec![Reason::Closed]));
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
    // The one redaction step: whatever text leaves this step (the rejection, the trace, the
    // warnings, the actions) is cleared of the case's sensitive values.
    let mut secrets = Secrets::of(resolved.0, &case, Some(&event));
    let refuse = |reasons: Vec<Reason>| {
        let mut rejection = reject(reasons);
        secrets.apply(&mut rejection);
        rejection
    };
    let mut run = Run::new(catalog, resolved, case, at, Some(&event));
    let event = run.guards(event).map_err(refuse)?;
    run.effect(&event).map_err(refuse)?;
    run.after_event();
    let seq = run.seq;
    run.case
        .events
        .push_back(std::sync::Arc::new(Recorded { seq, at, event }));
    secrets.extend(Secrets::of(run.wf, &run.case, None));
    let mut step = Step {
        case: run.case,
        actions: run.emitted,
        trace: run.trace,
        warnings: run.warnings,
    };
    secrets.apply(&mut step.trace);
    secrets.apply(&mut step.warnings);
    Ok(step)
}

/// The latest due time, in days, a hook's task may have.
pub const MAX_HOOK_DUE_DAYS: u32 = 3_650;

/// The workflow a case runs, its unit and the unit's effective configuration of it.
type Resolved<'c> = (&'c Workflow, &'c Unit, &'c Configuration);

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

/// Something that happened in this step that may start or stop deadlines.
#[derive(Debug, Clone, PartialEq)]
enum Happening {
    PhaseEntered(PhaseIdx),
    PhaseLeft(PhaseIdx),
    CaseOpened,
    CaseClosed,
    InstrumentCompleted(String),
    DecisionMade,
}

/// The rules that run for a workflow in a unit, in evaluation order: base rules it does not
/// switch off, and local rules it adds. Mandatory rules cannot be switched off (the loader
/// rejects such a unit). Empty when the unit does not run the workflow.
pub fn active_rules<'c>(
    catalog: &'c Catalog,
    wf: &Workflow,
    unit: &'c Unit,
) -> impl Iterator<Item = (&'c Rule, &'c crate::rules::RuleIn)> {
    unit.configuration(&wf.id)
        .map(|c| configured_rules(catalog, c))
        .into_iter()
        .flatten()
}

/// The rules of an effective configuration, in evaluation order.
fn configured_rules<'c>(
    catalog: &'c Catalog,
    config: &'c Configuration,
) -> impl Iterator<Item = (&'c Rule, &'c crate::rules::RuleIn)> {
    config.rules.iter().filter_map(|&(i, j)| {
        let rule = catalog.rules.get(i)?;
        Some((rule, rule.per_workflow.get(j)?))
    })
}

/// Who writes facts in a step.
#[derive(Debug, Clone, Copy)]
enum Writer<'a> {
    /// The host's event (or the instrument, decision or opening it records).
    Host,
    /// A routing rule.
    Rule { id: &'a str, mandatory: bool },
    /// A unit hook.
    Hook(&'a str),
}

impl<'a> Writer<'a> {
    /// The rule or hook that wrote, for the trace.
    fn id(self) -> Option<&'a str> {
        match self {
            Writer::Host => None,
            Writer::Rule { id, .. } | Writer::Hook(id) => Some(id),
        }
    }

    /// The writer, when it may not write duty inputs.
    fn bound(self) -> Option<&'a str> {
        match self {
            Writer::Host
            | Writer::Rule {
                mandatory: true, ..
            } => None,
            Writer::Rule { id, .. } | Writer::Hook(id) => Some(id),
        }
    }
}

/// One step in progress.
struct Run<'c> {
    catalog: &'c Catalog,
    wf: &'c Workflow,
    unit: &'c Unit,
    /// The unit's effective configuration of the workflow.
    config: &'c Configuration,
    /// The event as scripts see it.
    event: Option<Event>,
    /// The event's type (empty when explaining).
    event_kind: &'static str,
    /// The case's facts by slot, kept in step with `case.facts`.
    slots: Vec<Option<crate::condition::Value>>,
    /// The current phase's index, kept in step with `case.phase`.
    phase: PhaseIdx,
    case: Case,
    at: DateTime,
    seq: u64,
    trace: Trace,
    emitted: Vec<Action>,
    warnings: Vec<Warning>,
    happened: Vec<Happening>,
}

impl<'c> Run<'c> {
    /// A step on `case`; the trace starts with the event (`None` when explaining).
    fn new(
        catalog: &'c Catalog,
        (wf, unit, config): Resolved<'c>,
        case: Case,
        at: DateTime,
        event: Option<&Event>,
    ) -> Self {
        let seq = case.next_seq();
        // Room for the usual entries (one condition per rule, a few more), so the trace is not
        // copied while it grows.
        let mut entries = Vec::with_capacity(16 + 2 * config.rules.len());
        entries.extend(event.map(|e| TraceEntry::Event {
            seq,
            kind: e.kind().to_owned(),
        }));
        Run {
            catalog,
            wf,
            unit,
            config,
            slots: env::slots(wf, &case),
            phase: wf.phase_idx(&case.phase).unwrap_or(wf.start),
            event: event.cloned(),
            event_kind: event.map_or("", Event::kind),
            case,
            at,
            seq,
            trace: Trace { entries },
            emitted: Vec::new(),
            warnings: Vec::new(),
            happened: Vec::new(),
        }
    }

    fn env(&self) -> CaseEnv<'_> {
        CaseEnv {
            wf: self.wf,
            case: &self.case,
            at: self.at,
            slots: &self.slots,
            phase: self.phase_idx(),
            params: &self.config.parameters,
            scripting: &self.catalog.scripting,
            event: self.event.as_ref(),
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
            .map(ToString::to_string);
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
            Event::FactsRecorded { facts } => self.record_facts(facts, Writer::Host)?,
            Event::InstrumentCompleted {
                instrument,
                answers,
                client_self_rating,
                professional_judgement,
            } => {
                self.complete_instrument(
                    instrument,
                    answers,
                    client_self_rating.as_deref(),
                    professional_judgement.as_deref(),
                )?;
            }
            Event::SessionHeld { .. } => self.session(SessionOutcome::Held),
            Event::NoShow => self.session(SessionOutcome::NoShow),
            Event::SessionCancelled { by, .. } => self.session(SessionOutcome::Cancelled(*by)),
            Event::TransitionRequested { to } => {
                let Some(target) = self.wf.phase_idx(to) else {
                    return Err(vec![self.no_transition(to)]);
                };
                let candidates: Vec<&Transition> = self
                    .wf
                    .transitions
                    .iter()
                    .filter(|t| t.from == self.phase_idx() && t.to == target)
                    .collect();
                if candidates.is_empty() {
                    return Err(vec![self.no_transition(to)]);
                }
                // Several transitions may lead to the same phase: take the first that allows it.
                let mut reasons = Vec::new();
                for t in candidates {
                    let blockers = self.blockers(t, true);
                    if blockers.is_empty() {
                        self.take(t, false);
                        return Ok(());
                    }
                    reasons = blockers;
                }
                return Err(reasons);
            }
            Event::DecisionMade { granted } => {
                if self.wf.fact("decision").is_some() {
                    let value = if *granted { "granted" } else { "denied" };
                    let facts = [("decision".to_owned(), FactValue::Text(value.to_owned()))].into();
                    self.record_facts(&facts, Writer::Host)?;
                }
                self.happened.push(Happening::DecisionMade);
            }
            Event::OverrideRecorded {
                requirement,
                reason,
            } => {
                let mut reasons = Vec::new();
                if !crate::text::has_visible_text(reason) {
                    reasons.push(Reason::EmptyReason);
                }
                if let Requirement::Guard { to } = requirement {
                    let exists = self.wf.phase_idx(to).is_some_and(|target| {
                        self.wf.transitions.iter().any(|t| {
                            t.from == self.phase_idx() && t.to == target && t.when.is_some()
                        })
                    });
                    if !exists {
                        reasons.push(Reason::NothingToOverride {
                            requirement: format!("guard to `{to}`"),
                        });
                    }
                }
                if !reasons.is_empty() {
                    return Err(reasons);
                }
                // One override per requirement: a later one replaces the earlier, so a case holds
                // at most one per transition, however many the host sends.
                self.case
                    .overrides
                    .retain(|o| o.requirement != *requirement);
                self.case.overrides.push(Override {
                    requirement: requirement.clone(),
                    reason: reason.clone(),
                    at: self.at,
                });
            }
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
            Event::CaseClosed { reason } => {
                let Some(closure) = self.wf.closure_reasons.iter().find(|c| *c.id == **reason)
                else {
                    return Err(vec![Reason::UnknownClosureReason {
                        reason: reason.clone(),
                        allowed: self
                            .wf
                            .closure_reasons
                            .iter()
                            .map(|c| c.id.to_string())
                            .collect(),
                    }]);
                };
                // Into the terminal phase for this reason, on the same terms as requesting that
                // transition (its guard cannot be side-stepped). Only a reason the workflow
                // declares valid from any phase closes a case where it stands.
                let from = self.phase_idx();
                let terminal = |p: &crate::workflow::Phase| {
                    p.terminal && p.closure_reason.as_deref() == Some(reason.as_str())
                };
                let ways: Vec<&'c Transition> = self
                    .wf
                    .transitions
                    .iter()
                    .filter(|t| t.from == from && self.wf.phase(t.to).is_some_and(terminal))
                    .collect();
                if ways.is_empty() {
                    if closure.from_any_phase {
                        self.close(reason);
                        return Ok(());
                    }
                    let to = self
                        .wf
                        .phases
                        .iter()
                        .find(|p| terminal(p))
                        .map_or_else(|| reason.clone(), |p| p.id.to_string());
                    return Err(vec![self.no_transition(&to)]);
                }
                let mut reasons = Vec::new();
                for t in ways {
                    let blockers = self.blockers(t, true);
                    if blockers.is_empty() {
                        self.take(t, false);
                        return Ok(());
                    }
                    reasons = blockers;
                }
                return Err(reasons);
            }
        }
        Ok(())
    }

    fn no_transition(&self, to: &str) -> Reason {
        let from = self.phase_idx();
        let possible = self
            .wf
            .transitions
            .iter()
            .filter(|t| t.from == from)
            .filter_map(|t| self.wf.phase(t.to).map(|p| p.id.to_string()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Reason::NoTransition {
            from: self.case.phase.clone(),
            to: to.to_owned(),
            possible,
        }
    }

    /// Every problem with facts as a host sends them: unknown names, values of the wrong type.
    fn check_facts(
        &self,
        facts: &std::collections::BTreeMap<String, FactValue>,
    ) -> Result<(), Vec<Reason>> {
        let mut reasons = Vec::new();
        for (name, value) in facts {
            match self.wf.fact(name) {
                None => reasons.push(Reason::UnknownFact { fact: name.clone() }),
                Some((_, fact)) => {
                    if to_value(fact, value).is_none() {
                        reasons.push(Reason::WrongType {
                            fact: name.clone(),
                            expected: expected(fact),
                        });
                    }
                }
            }
        }
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }

    /// Validates and records facts; every problem is a reason and nothing is recorded. A
    /// writer that may not write duty inputs (a hook, a rule that is not mandatory) never
    /// does: such a fact is left as it was, with a warning.
    fn record_facts(
        &mut self,
        facts: &std::collections::BTreeMap<String, FactValue>,
        writer: Writer<'_>,
    ) -> Result<(), Vec<Reason>> {
        self.check_facts(facts)?;
        for (name, value) in facts {
            if let (Some(by), Some((slot, _))) = (writer.bound(), self.wf.fact(name))
                && self.config.duties.fact(slot).is_some()
            {
                self.warnings.push(Warning::DutyInputProtected {
                    fact: name.clone(),
                    writer: by.to_owned(),
                });
                continue;
            }
            let shown = match self.wf.fact(name) {
                Some((_, f)) if f.sensitive => REDACTED.to_owned(),
                _ => value.to_string(),
            };
            if let Some((slot, fact)) = self.wf.fact(name)
                && let Some(v) = self.slots.get_mut(usize::from(slot.0))
            {
                *v = to_value(fact, value);
            }
            let former = self.case.facts.insert(name.clone(), value.clone());
            if let (Some(FactValue::Text(old)), Some((_, f))) = (former, self.wf.fact(name))
                && f.sensitive
                && FactValue::Text(old.clone()) != *value
            {
                self.case.former_sensitive.push_back(old);
                if self.case.former_sensitive.len() > MAX_FORMER_SENSITIVE {
                    self.case.former_sensitive.pop_front();
                }
            }
            self.trace.entries.push(TraceEntry::FactSet {
                fact: name.clone(),
                value: shown,
                rule: writer.id().map(str::to_owned),
            });
        }
        Ok(())
    }

    fn complete_instrument(
        &mut self,
        id: &str,
        answers: &std::collections::BTreeMap<String, FactValue>,
        self_rating: Option<&str>,
        judgement: Option<&str>,
    ) -> Result<(), Vec<Reason>> {
        let Some(inst) = self.catalog.instrument(id) else {
            return Err(vec![Reason::UnknownInstrument {
                instrument: id.to_owned(),
            }]);
        };
        let mut reasons = Vec::new();
        let mut total = 0.0;
        for (item_id, answer) in answers {
            let Some(item) = inst.items.iter().find(|i| i.id.as_ref() == item_id) else {
                reasons.push(Reason::BadAnswer {
                    instrument: id.to_owned(),
                    item: item_id.clone(),
                    expected: "an item of the instrument".to_owned(),
                });
                continue;
            };
            match score_answer(&item.answer, answer) {
                Some(points) => total += points * weight(inst, item_id),
                None => reasons.push(Reason::BadAnswer {
                    instrument: id.to_owned(),
                    item: item_id.clone(),
                    expected: describe_answer(&item.answer),
                }),
            }
        }
        for (value, allowed) in [
            (self_rating, &inst.client_self_rating),
            (judgement, &inst.professional_judgement),
        ] {
            if let Some(v) = value
                && !allowed.iter().any(|a| a.as_ref() == v)
            {
                reasons.push(Reason::BadRating {
                    instrument: id.to_owned(),
                    value: v.to_owned(),
                    allowed: allowed.iter().map(ToString::to_string).collect(),
                });
            }
        }
        if !reasons.is_empty() {
            return Err(reasons);
        }
        let unanswered: Vec<String> = inst
            .items
            .iter()
            .filter(|i| !answers.contains_key(i.id.as_ref()))
            .map(|i| i.id.to_string())
            .collect();
        if !unanswered.is_empty() && inst.scoring != Scoring::None {
            self.warnings.push(Warning::UnansweredItems {
                instrument: id.to_owned(),
                items: unanswered,
            });
        }
        let score = (inst.scoring != Scoring::None).then_some(total);
        let band = score.and_then(|s| band_for(inst, s, self.age()));
        let previous = self.case.instruments.get(id);
        let result = InstrumentResult {
            at: self.at,
            score,
            band: band.clone(),
            previous_score: previous.and_then(|p| p.score),
            client_self_rating: self_rating.map(str::to_owned),
            professional_judgement: judgement.map(str::to_owned),
            times: previous.map_or(1, |p| p.times + 1),
        };
        self.case.instruments.insert(id.to_owned(), result);
        self.trace.entries.push(TraceEntry::InstrumentScored {
            instrument: id.to_owned(),
            score,
            band: band.clone(),
        });
        let mut facts = std::collections::BTreeMap::new();
        for w in &inst.writes {
            let Some((_, fact)) = self.wf.fact(&w.fact) else {
                continue;
            };
            let value = match w.from {
                crate::syntax::WriteSource::Score => score.map(|s| match fact.ty {
                    FactType::Integer => FactValue::Integer(s.round() as i64),
                    _ => FactValue::Decimal(s),
                }),
                crate::syntax::WriteSource::Band => band.clone().map(FactValue::Text),
                crate::syntax::WriteSource::ClientSelfRating => {
                    self_rating.map(|s| FactValue::Text(s.to_owned()))
                }
                crate::syntax::WriteSource::ProfessionalJudgement => {
                    judgement.map(|s| FactValue::Text(s.to_owned()))
                }
                crate::syntax::WriteSource::Completed => Some(FactValue::Bool(true)),
            };
            if let Some(v) = value {
                facts.insert(w.fact.to_string(), v);
            }
        }
        self.record_facts(&facts, Writer::Host)?;
        self.happened
            .push(Happening::InstrumentCompleted(id.to_owned()));
        Ok(())
    }

    fn age(&self) -> Option<i64> {
        match self.case.facts.get("age") {
            Some(FactValue::Integer(a)) => Some(*a),
            _ => None,
        }
    }

    fn session(&mut self, outcome: SessionOutcome) {
        let phase = self.case.phase.clone();
        self.case.sessions.push_back(Session {
            at: self.at,
            phase: phase.clone(),
            outcome,
        });
        self.case
            .session_counts
            .entry(phase.clone())
            .or_default()
            .add(outcome);
        if outcome == SessionOutcome::Held {
            self.case.last_session_held = Some(self.at);
        }
        let label = match outcome {
            SessionOutcome::Held => "held",
            SessionOutcome::NoShow => "no_show",
            SessionOutcome::Cancelled(CancelledBy::Client) => "cancelled_by_client",
            SessionOutcome::Cancelled(CancelledBy::Unit) => "cancelled_by_unit",
        };
        self.trace.entries.push(TraceEntry::Session {
            phase: phase.clone(),
            outcome: label.to_owned(),
        });
        if outcome == SessionOutcome::Held {
            let held = self.held_in_phase();
            let max = self
                .wf
                .phase(self.phase_idx())
                .and_then(|p| p.sessions.max.clone());
            if let Some(max) = max.map(|m| self.amount(&m))
                && held > max
            {
                self.warnings
                    .push(Warning::SessionsAboveMax { phase, held, max });
            }
        }
    }

    fn held_in_phase(&self) -> u32 {
        self.case
            .session_counts
            .get(&self.case.phase)
            .map_or(0, |c| c.held)
    }

    /// Why a transition from the current phase cannot be taken now (empty: it can).
    /// `requested` transitions may use overrides; automatic ones never do.
    fn blockers(&mut self, t: &Transition, requested: bool) -> Vec<Reason> {
        let mut reasons = Vec::new();
        let Some(from) = self.wf.phase(t.from) else {
            return reasons;
        };
        let to = self.wf.phase(t.to);
        let to_id = to.map(|p| p.id.to_string()).unwrap_or_default();
        let ends_case = to.is_some_and(|p| p.terminal);
        if let Some(when) = &t.when {
            let owner = Owner::Transition {
                from: from.id.clone(),
                to: to.map(|p| p.id.clone()).unwrap_or_default(),
            };
            if !self.evaluate(owner, when) {
                let overridden =
                    requested && self.overridden(&Requirement::Guard { to: to_id.clone() });
                if !overridden {
                    reasons.push(Reason::ConditionNotMet {
                        to: to_id.clone(),
                        condition: when.root.to_string(),
                    });
                }
            }
        }
        if !ends_case {
            for inst in &from.required {
                if !self.case.instruments.contains_key(inst.as_ref()) {
                    let title = self
                        .catalog
                        .instrument(inst)
                        .map_or_else(|| inst.to_string(), |i| i.title.clone());
                    let legal = from.legal.iter().map(|c| self.citation(c)).collect();
                    reasons.push(Reason::InstrumentMissing {
                        phase: from.id.to_string(),
                        instrument: inst.to_string(),
                        title,
                        legal,
                    });
                }
            }
            if let Some(min) = from.sessions.min.as_ref().map(|m| self.amount(m)) {
                let held = self.held_in_phase();
                if held < min && !(requested && self.overridden(&Requirement::SessionsMin)) {
                    reasons.push(Reason::TooFewSessions {
                        phase: from.id.to_string(),
                        held,
                        min,
                    });
                }
            }
        }
        reasons
    }

    fn overridden(&self, requirement: &Requirement) -> bool {
        self.case
            .overrides
            .iter()
            .any(|o| o.requirement == *requirement)
    }

    /// Moves the case along a transition.
    fn take(&mut self, t: &Transition, automatic: bool) {
        let (Some(from), Some(to)) = (self.wf.phase(t.from), self.wf.phase(t.to)) else {
            return;
        };
        for o in std::mem::take(&mut self.case.overrides) {
            self.trace.entries.push(TraceEntry::OverrideUsed {
                requirement: describe_requirement(&o.requirement),
                reason: o.reason,
            });
        }
        self.trace.entries.push(TraceEntry::PhaseEntered {
            from: from.id.to_string(),
            to: to.id.to_string(),
            automatic,
            transition: self
                .wf
                .transitions
                .iter()
                .position(|x| std::ptr::eq(x, t))
                .unwrap_or_default(),
        });
        self.case.phase = to.id.to_string();
        self.phase = t.to;
        self.case.phase_entered = Some(self.at);
        self.happened.push(Happening::PhaseLeft(t.from));
        self.happened.push(Happening::PhaseEntered(t.to));
        if to.terminal {
            let reason = to
                .closure_reason
                .as_deref()
                .unwrap_or(to.id.as_ref())
                .to_owned();
            self.close(&reason);
        }
    }

    fn close(&mut self, reason: &str) {
        if self.case.closed.is_none() {
            self.case.closed = Some(Closure {
                reason: reason.to_owned(),
                at: self.at,
            });
            self.trace.entries.push(TraceEntry::CaseClosed {
                reason: reason.to_owned(),
            });
            self.happened.push(Happening::CaseClosed);
        }
    }

    /// The unit's hooks of one kind that run on this event in this workflow.
    fn hooks(
        &self,
        kind: &str,
        want: fn(&crate::unit::HookKind) -> bool,
    ) -> Vec<(&'c crate::unit::Hook, &'c crate::unit::HookIn)> {
        let (unit, config): (&'c Unit, &'c Configuration) = (self.unit, self.config);
        config
            .hooks
            .iter()
            .filter_map(|&(i, j)| {
                let hook = unit.hooks.get(i)?;
                Some((hook, hook.per_workflow.get(j)?))
            })
            .filter(|(h, _)| want(&h.kind) && (h.on.is_empty() || h.on.iter().any(|o| o == kind)))
            .collect()
    }

    /// The unit's guards: each must return true, or the event is rejected with the unit's
    /// reason. A guard that fails counts as not satisfied.
    /// The unit's guards: each must return true, or the event is rejected with the unit's
    /// reason (a guard that fails counts as not satisfied). A guard never refuses what a legal
    /// duty depends on: when the event records duty inputs, they are recorded and the guard's
    /// objection becomes a warning; other facts bundled into the same event are refused. The
    /// event returned is the one to apply and store.
    fn guards(&mut self, event: Event) -> Result<Event, Vec<Reason>> {
        let mut objections = Vec::new();
        for (hook, compiled) in self.hooks(event.kind(), |k| {
            matches!(k, crate::unit::HookKind::Guard { .. })
        }) {
            let crate::unit::HookKind::Guard { reason } = &hook.kind else {
                continue;
            };
            let env = self.env();
            let result =
                compiled
                    .script
                    .eval_bool(&self.catalog.scripting, self.wf, &self.slots, &|i| {
                        env.builtin(i)
                    });
            let error = match result {
                Ok(true) => {
                    self.hook_ran(&hook.id, "passed".to_owned());
                    continue;
                }
                Ok(false) => None,
                Err(e) => Some(e.to_string()),
            };
            objections.push(Reason::UnitGuard {
                unit: self.unit.id.to_string(),
                hook: hook.id.to_string(),
                reason: reason.clone(),
                error,
            });
        }
        if objections.is_empty() {
            return Ok(event);
        }
        let Some((applied, recorded, refused)) = self.duty_part(event) else {
            return Err(objections);
        };
        for reason in objections {
            if let Reason::UnitGuard { hook, .. } = &reason {
                self.hook_ran(hook, "objected, yielded to a duty".to_owned());
            }
            self.warnings.push(Warning::GuardYieldedToDuty {
                reason,
                recorded: recorded.clone(),
                refused: refused.clone(),
            });
        }
        self.event = Some(applied.clone());
        Ok(applied)
    }

    /// The part of an event a legal duty depends on, when it has one: the event to apply
    /// instead (the whole event, or its duty facts only), what it records for the duty, and
    /// what it drops.
    fn duty_part(&self, event: Event) -> Option<(Event, Vec<String>, Vec<String>)> {
        let duties = &self.config.duties;
        let whole = |event: Event, what: &str| Some((event, vec![what.to_owned()], Vec::new()));
        match event {
            // Every duty starts from an open case: where there is any, the case opens, with its
            // duty facts; the guard's objection refuses the rest it carries.
            Event::CaseOpened { .. } if !duties.any() => None,
            Event::CaseOpened {
                case_id,
                workflow,
                unit,
                referral_source,
                facts,
            } => {
                let (facts, mut recorded, mut refused) = self.duty_facts(facts);
                let referral_duty = self
                    .wf
                    .fact("referral_source")
                    .is_some_and(|(slot, _)| duties.fact(slot).is_some());
                let referral_source = match referral_source {
                    Some(source) if referral_duty => {
                        recorded.push("referral_source".to_owned());
                        Some(source)
                    }
                    Some(_) => {
                        refused.push("referral_source".to_owned());
                        None
                    }
                    None => None,
                };
                recorded.insert(0, "case_opened".to_owned());
                let event = Event::CaseOpened {
                    case_id,
                    workflow,
                    unit,
                    referral_source,
                    facts,
                };
                Some((event, recorded, refused))
            }
            Event::FactsRecorded { facts } => {
                let (facts, recorded, refused) = self.duty_facts(facts);
                (!recorded.is_empty()).then_some((
                    Event::FactsRecorded { facts },
                    recorded,
                    refused,
                ))
            }
            Event::InstrumentCompleted { ref instrument, .. } => {
                let what = instrument.clone();
                duties.instrument(&what).and_then(|_| whole(event, &what))
            }
            Event::SessionHeld { .. } | Event::SessionCancelled { .. } | Event::NoShow => duties
                .sessions
                .as_ref()
                .and_then(|_| whole(event, "sessions")),
            Event::DecisionMade { .. } => duties
                .decision
                .as_ref()
                .and_then(|_| whole(event, "decision")),
            Event::TransitionRequested { ref to } => {
                let target = self.wf.phase_idx(to)?;
                let what = to.clone();
                self.duty_transition_from_here(|t| t.to == target)
                    .then(|| whole(event, &what))
                    .flatten()
            }
            Event::CaseClosed { ref reason } => {
                let what = reason.clone();
                let into_reason = |t: &Transition| {
                    self.wf.phase(t.to).is_some_and(|p| {
                        p.terminal && p.closure_reason.as_deref() == Some(what.as_str())
                    })
                };
                (duties.closing.is_some() || self.duty_transition_from_here(into_reason))
                    .then(|| whole(event, &what))
                    .flatten()
            }
            Event::TimePassed if duties.has_deadlines() => whole(event, "time_passed"),
            _ => None,
        }
    }

    /// Splits facts into the duty inputs (kept) and the others (refused, by name).
    fn duty_facts(
        &self,
        facts: std::collections::BTreeMap<String, FactValue>,
    ) -> (
        std::collections::BTreeMap<String, FactValue>,
        Vec<String>,
        Vec<String>,
    ) {
        let (kept, dropped): (
            std::collections::BTreeMap<_, _>,
            std::collections::BTreeMap<_, _>,
        ) = facts.into_iter().partition(|(name, _)| {
            self.wf
                .fact(name)
                .is_some_and(|(slot, _)| self.config.duties.fact(slot).is_some())
        });
        let recorded = kept.keys().cloned().collect();
        let refused = dropped.into_keys().collect();
        (kept, recorded, refused)
    }

    /// Whether a transition from the current phase that `wanted` picks is a duty input.
    fn duty_transition_from_here(&self, wanted: impl Fn(&Transition) -> bool) -> bool {
        let from = self.phase_idx();
        self.wf
            .transitions
            .iter()
            .enumerate()
            .any(|(i, t)| t.from == from && wanted(t) && self.config.duties.transition(i).is_some())
    }

    fn hook_ran(&mut self, hook: &str, outcome: String) {
        self.trace.entries.push(TraceEntry::HookRan {
            hook: hook.to_owned(),
            outcome,
        });
    }

    /// The unit's derived facts, written after the event's effect.
    fn derive(&mut self, kind: &str) {
        for (hook, compiled) in self.hooks(kind, |k| *k == crate::unit::HookKind::Derive) {
            let Some(slot) = compiled.fact else { continue };
            let Some(fact) = self.wf.facts.get(usize::from(slot.0)) else {
                continue;
            };
            let describe = |v: &rhai::Dynamic| {
                if v.is_unit() {
                    "no value".to_owned()
                } else {
                    format!("derived {}", fact.id)
                }
            };
            let Some(value) = self.run_hook(hook, compiled, describe) else {
                continue;
            };
            if value.is_unit() {
                continue;
            }
            match crate::script::from_dynamic(&value, fact.ty, &fact.values) {
                Some(v) => {
                    let stored = from_value(fact, &v);
                    if self.case.facts.get(fact.id.as_ref()) != Some(&stored) {
                        let facts = [(fact.id.to_string(), stored)].into();
                        if let Err(reasons) = self.record_facts(&facts, Writer::Hook(&hook.id)) {
                            let why: Vec<String> =
                                reasons.iter().map(|r| r.describe(Lang::En)).collect();
                            self.hook_failed(
                                hook,
                                &compiled.script,
                                format!("its value was not recorded: {}", why.join("; ")),
                            );
                        }
                    }
                }
                None => self.hook_failed(
                    hook,
                    &compiled.script,
                    format!("returned {value}, which `{}` cannot hold", fact.id),
                ),
            }
        }
    }

    /// Runs a hook's script: records that it ran (`describe` says what its value means) and
    /// reports a failure. `None` when the script failed.
    fn run_hook(
        &mut self,
        hook: &crate::unit::Hook,
        compiled: &crate::unit::HookIn,
        describe: impl Fn(&rhai::Dynamic) -> String,
    ) -> Option<rhai::Dynamic> {
        let env = self.env();
        let result = compiled
            .script
            .eval(&self.catalog.scripting, self.wf, &self.slots, &|i| {
                env.builtin(i)
            });
        match result {
            Ok(value) => {
                self.hook_ran(&hook.id, describe(&value));
                Some(value)
            }
            Err(error) => {
                self.hook_ran(&hook.id, "failed".to_owned());
                self.script_failed(
                    Owner::Hook {
                        hook: hook.id.clone(),
                    },
                    error,
                );
                None
            }
        }
    }

    /// The unit's extra actions after the event.
    fn after_hooks(&mut self, kind: &str) {
        for (hook, compiled) in
            self.hooks(kind, |k| matches!(k, crate::unit::HookKind::After { .. }))
        {
            let once = matches!(hook.kind, crate::unit::HookKind::After { once: true });
            let key = format!("hook:{}", hook.id);
            let fired = self.case.rules.get(&key).map_or(0, |r| r.fired);
            if once && fired > 0 {
                continue;
            }
            let describe = |v: &rhai::Dynamic| {
                if v.is_unit() {
                    "no actions".to_owned()
                } else {
                    format!("{} action(s)", v.as_array_ref().map_or(1, |a| a.len()))
                }
            };
            let Some(value) = self.run_hook(hook, compiled, describe) else {
                continue;
            };
            let items = if value.is_unit() {
                Vec::new()
            } else if value.is_array() {
                value.into_array().unwrap_or_default()
            } else {
                vec![value]
            };
            let kinds: Vec<ActionKind> = items.iter().filter_map(|d| self.hook_action(d)).collect();
            if kinds.len() != items.len() {
                self.hook_failed(hook, &compiled.script, "returned something that is not an action map; see the README for the action maps".to_owned());
            }
            if kinds.is_empty() {
                continue;
            }
            let n = fired + 1;
            self.case.rules.insert(
                key,
                RuleRecord {
                    fired: n,
                    held: true,
                },
            );
            let mut ids = Vec::new();
            for (i, kind) in kinds.into_iter().enumerate() {
                let id = format!("{}/hook/{}/{}/{}", self.case.id, hook.id, n, i);
                ids.push(id.clone());
                self.emit(id, Some(format!("hook:{}", hook.id)), kind, None);
            }
            self.trace.entries.push(TraceEntry::RuleFired {
                rule: format!("hook:{}", hook.id),
                actions: ids,
            });
        }
    }

    /// An action map from a hook: `#{type: "task"|"flag"|"offer", ...}`.
    fn hook_action(&self, d: &rhai::Dynamic) -> Option<ActionKind> {
        let map = d.read_lock::<rhai::Map>()?;
        let text = |k: &str| map.get(k).and_then(|v| v.clone().into_string().ok());
        match text("type")?.as_str() {
            "task" => {
                // A script's number is bounded before any date arithmetic: a due time beyond
                // [`MAX_HOOK_DUE_DAYS`] makes the map no action (reported as a script failure).
                let days = match map.get("due_days") {
                    None => None,
                    Some(v) => Some(
                        v.as_int()
                            .ok()
                            .and_then(|d| u32::try_from(d).ok())
                            .filter(|d| *d <= MAX_HOOK_DUE_DAYS)?,
                    ),
                };
                let working = map
                    .get("working_days")
                    .and_then(|v| v.as_bool().ok())
                    .unwrap_or(false);
                let count = if working {
                    crate::syntax::DayCount::WorkingDays
                } else {
                    crate::syntax::DayCount::CalendarDays
                };
                let due = days.map(|d| crate::calendar::add_days(self.at.date(), d, count));
                Some(ActionKind::Task {
                    title: text("title")?,
                    due,
                })
            }
            "flag" => {
                let level = match text("level").as_deref() {
                    Some("critical") => crate::syntax::FlagLevel::Critical,
                    Some("warning") => crate::syntax::FlagLevel::Warning,
                    _ => crate::syntax::FlagLevel::Info,
                };
                Some(ActionKind::Flag {
                    message: text("message")?,
                    level,
                })
            }
            "offer" => Some(ActionKind::Offer {
                intervention: text("intervention")?,
                title: text("title"),
            }),
            _ => None,
        }
    }

    /// A script failure goes to the trace and to the warnings (and to `tracing`, where and
    /// whether a limit stopped it, never its message).
    fn script_failed(&mut self, owner: Owner, error: crate::script::ScriptError) {
        tracing::debug!(location = %error.location, limit = error.limit, "script failed");
        self.trace.entries.push(TraceEntry::ScriptFailed {
            owner: owner.clone(),
            error: error.clone(),
        });
        self.warnings.push(Warning::ScriptFailed { owner, error });
    }

    fn hook_failed(
        &mut self,
        hook: &crate::unit::Hook,
        script: &crate::script::Script,
        message: String,
    ) {
        let (line, column) = script.source.line_column(script.span.offset);
        let error = crate::script::ScriptError {
            location: format!("{}:{line}:{column}", script.source.name()),
            message,
            limit: false,
        };
        self.script_failed(
            Owner::Hook {
                hook: hook.id.clone(),
            },
            error,
        );
    }

    /// Automatic transitions, deadlines, rules, deadline clocks.
    fn after_event(&mut self) {
        let kind = self.event_kind;
        self.derive(kind);
        for _ in 0..self.wf.phases.len() {
            if self.case.closed.is_some() {
                break;
            }
            let from = self.phase_idx();
            let automatic: Vec<&'c Transition> = self
                .wf
                .transitions
                .iter()
                .filter(|t| t.from == from && t.trigger == TriggerMode::Automatic)
                .collect();
            let mut taken = None;
            for t in automatic {
                let blockers = self.blockers(t, false);
                if blockers.is_empty() {
                    taken = Some(t);
                    break;
                }
                // A guard that holds but is blocked by something else is worth showing.
                if !blockers
                    .iter()
                    .any(|r| matches!(r, Reason::ConditionNotMet { .. }))
                {
                    let to = self
                        .wf
                        .phase(t.to)
                        .map(|p| p.id.to_string())
                        .unwrap_or_default();
                    self.trace.entries.push(TraceEntry::TransitionBlocked {
                        to,
                        reasons: blockers,
                    });
                }
            }
            let Some(t) = taken else { break };
            self.take(t, true);
        }
        self.deadline_triggers();
        self.rules();
        self.after_hooks(kind);
        self.deadline_clocks();
    }

    /// Evaluates a condition, tracing its nodes and the facts it read.
    fn evaluate(&mut self, owner: Owner, cond: &Condition) -> bool {
        let env = self.env();
        let mut marks = NodeMarks::default();
        let value = cond.evaluate_with(&env, &mut marks);
        let failed = env.errors.take();
        let facts = cond
            .facts_read(&marks)
            .filter_map(|slot| {
                let decl = self.wf.facts.get(usize::from(slot.0))?;
                let value = if decl.sensitive {
                    Some(FactValue::Text(REDACTED.to_owned()))
                } else {
                    let v = self.slots.get(usize::from(slot.0))?.as_ref();
                    v.map(|v| from_value(decl, v))
                };
                Some(FactRead {
                    fact: decl.id.clone(),
                    value,
                })
            })
            .collect();
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

    fn rules(&mut self) {
        let (catalog, config) = (self.catalog, self.config);
        for (rule, compiled) in configured_rules(catalog, config) {
            let owner = Owner::Rule {
                rule: rule.id.clone(),
            };
            let value = self.evaluate(owner, &compiled.when);
            if !self.case.rules.contains_key(rule.id.as_ref()) {
                self.case
                    .rules
                    .insert(rule.id.to_string(), RuleRecord::default());
            }
            let Some(record) = self.case.rules.get_mut(rule.id.as_ref()) else {
                continue;
            };
            let fire = value
                && match rule.fires {
                    FireMode::Once => record.fired == 0,
                    FireMode::WhenBecomingTrue => !record.held,
                    FireMode::EveryEvent => true,
                };
            let why_not = match rule.fires {
                FireMode::Once => "fires once and has fired",
                _ => "still true since the last event",
            };
            record.held = value;
            if !fire {
                if value {
                    self.trace.entries.push(TraceEntry::RuleHeld {
                        rule: rule.id.to_string(),
                        why: why_not.to_owned(),
                    });
                }
                continue;
            }
            record.fired += 1;
            let n = record.fired;
            let mut ids = Vec::new();
            for (i, action) in compiled.actions.iter().enumerate() {
                let id = format!("{}/rule/{}/{}/{}", self.case.id, rule.id, n, i);
                if let Some(kind) = self.rule_action(rule, action) {
                    let legal = rule.legal.as_deref().map(|c| self.citation(c));
                    ids.push(id.clone());
                    self.emit(id, Some(rule.id.to_string()), kind, legal);
                }
            }
            tracing::trace!(rule = %rule.id, actions = ids.len(), "rule fired");
            self.trace.entries.push(TraceEntry::RuleFired {
                rule: rule.id.to_string(),
                actions: ids,
            });
        }
    }

    /// Carries out a rule action; returns what to emit to the host, if anything.
    fn rule_action(&mut self, rule: &Rule, action: &RuleAction) -> Option<ActionKind> {
        match action {
            RuleAction::Route { to, kind, urgency } => Some(ActionKind::Route {
                to: to.to_string(),
                kind: *kind,
                urgency: *urgency,
            }),
            RuleAction::Task { title, due } => {
                let due = due.as_ref().map(|(days, count)| {
                    crate::calendar::add_days(self.at.date(), self.amount(days), *count)
                });
                Some(ActionKind::Task {
                    title: title.clone(),
                    due,
                })
            }
            RuleAction::Offer {
                intervention,
                title,
            } => Some(ActionKind::Offer {
                intervention: intervention.to_string(),
                title: title.clone(),
            }),
            RuleAction::Flag { message, level } => Some(ActionKind::Flag {
                message: message.clone(),
                level: *level,
            }),
            RuleAction::Set { slot, value } => {
                let fact = self.wf.facts.get(usize::from(slot.0))?;
                let stored = from_value(fact, value);
                let facts = [(fact.id.to_string(), stored)].into();
                // Types were checked at load, so this cannot be rejected.
                let _ = self.record_facts(
                    &facts,
                    Writer::Rule {
                        id: &rule.id,
                        mandatory: rule.mandatory,
                    },
                );
                None
            }
            RuleAction::Start(idx) => {
                self.start_deadline(usize::from(idx.0));
                None
            }
            RuleAction::Stop(idx) => {
                self.stop_deadline(usize::from(idx.0));
                None
            }
        }
    }

    fn emit(
        &mut self,
        id: String,
        rule: Option<String>,
        kind: ActionKind,
        legal: Option<Citation>,
    ) {
        let mut action = Action {
            id,
            seq: self.seq,
            at: self.at,
            rule,
            kind,
            legal,
            acknowledged: false,
        };
        Secrets::of(self.wf, &self.case, self.event.as_ref()).apply(&mut action);
        self.case
            .actions
            .push_back(std::sync::Arc::new(action.clone()));
        self.emitted.push(action);
    }
}

fn from_value(fact: &crate::workflow::Fact, v: &crate::condition::Value) -> FactValue {
    use crate::condition::Value;
    match v {
        Value::Bool(b) => FactValue::Bool(*b),
        Value::Integer(i) => FactValue::Integer(*i),
        Value::Decimal(d) => FactValue::Decimal(*d),
        Value::Date(d) => FactValue::Text(d.to_string()),
        Value::Enum(i) => FactValue::Text(
            fact.values
                .get(usize::from(*i))
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        Value::Text(t) => FactValue::Text(t.to_string()),
    }
}

fn expected(fact: &crate::workflow::Fact) -> String {
    match fact.ty {
        FactType::Bool => "true or false".to_owned(),
        FactType::Integer => "a whole number".to_owned(),
        FactType::Decimal => "a finite number".to_owned(),
        FactType::Date => "a date YYYY-MM-DD".to_owned(),
        FactType::Text => "text".to_owned(),
        FactType::Enum | FactType::ProtectionLevel => {
            format!(
                "one of {}",
                fact.values
                    .iter()
                    .map(AsRef::as_ref)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}

fn describe_requirement(r: &Requirement) -> String {
    match r {
        Requirement::SessionsMin => "sessions_min".to_owned(),
        Requirement::Guard { to } => format!("guard to {to}"),
    }
}

fn weight(inst: &Instrument, item: &str) -> f64 {
    match &inst.scoring {
        Scoring::Weighted(ws) => ws
            .iter()
            .find(|(i, _)| i.as_ref() == item)
            .map_or(1.0, |(_, w)| *w),
        _ => 1.0,
    }
}

fn score_answer(answer: &Answer, given: &FactValue) -> Option<f64> {
    match (answer, given) {
        (Answer::YesNo, FactValue::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
        (Answer::Scale { min, max }, FactValue::Integer(i)) => {
            let v = *i as f64;
            (v >= *min && v <= *max).then_some(v)
        }
        (Answer::Scale { min, max }, FactValue::Decimal(v)) => {
            (*v >= *min && *v <= *max).then_some(*v)
        }
        (Answer::Choice(options), FactValue::Text(t)) => options
            .iter()
            .find(|(id, _)| id.as_ref() == t)
            .map(|(_, s)| *s),
        _ => None,
    }
}

fn describe_answer(answer: &Answer) -> String {
    match answer {
        Answer::YesNo => "true or false".to_owned(),
        Answer::Scale { min, max } => format!("a number from {min} to {max}"),
        Answer::Choice(options) => {
            format!(
                "one of {}",
                options
                    .iter()
                    .map(|(id, _)| id.as_ref())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}

/// The band a score falls in, using the norm for the client's age when there are several.
fn band_for(inst: &Instrument, score: f64, age: Option<i64>) -> Option<String> {
    let in_norm = |n: &crate::instrument::Norm| match (age, n.age_min, n.age_max) {
        (_, None, None) => true,
        (None, _, _) => false,
        (Some(a), lo, hi) => {
            lo.is_none_or(|lo| a >= i64::from(lo)) && hi.is_none_or(|hi| a <= i64::from(hi))
        }
    };
    let norm = inst.norms.iter().find(|n| in_norm(n))?;
    let eps = 1e-9;
    norm.bands
        .iter()
        .find(|b| score >= b.min - eps && score <= b.max + eps)
        .or_else(|| {
            // Between two bands' bounds at a finer step than declared: the lower band.
            norm.bands.iter().rev().find(|b| score >= b.min)
        })
        .map(|b| b.id.to_string())
}

/// The trigger of a happening, for matching against deadline declarations.
fn matches(trigger: &Trigger, h: &Happening) -> bool {
    match (trigger, h) {
        (Trigger::PhaseEntered(a), Happening::PhaseEntered(b))
        | (Trigger::PhaseLeft(a), Happening::PhaseLeft(b)) => a == b,
        (Trigger::CaseOpened, Happening::CaseOpened)
        | (Trigger::CaseClosed, Happening::CaseClosed)
        | (Trigger::DecisionMade, Happening::DecisionMade) => true,
        (Trigger::InstrumentCompleted(a), Happening::InstrumentCompleted(b)) => a.as_ref() == b,
        _ => false,
    }
}
