//! Secrecy: the one redaction step every text passes before it leaves the engine.
//!
//! Two layers keep a sensitive value (a protected address, a phone number) from leaving in
//! clear text. By construction, scripts cannot read sensitive facts (`script` leaves them out
//! of every scope and of `event.facts`), and traces show sensitive facts as `[redacted]` by
//! name. As defence in depth, whatever text a step, a rejection, an explanation or a scenario
//! report carries is passed through [`Secrets::redact`]: every occurrence of one of the case's
//! sensitive values is replaced with `[redacted]`, whichever way it got there (a caseworker
//! who typed the address into an override reason, a host that sent it as an action id).
//!
//! The walk over a value's texts is written out per type with exhaustive matches: a new field
//! or variant does not compile until it says what happens to its text.

use std::borrow::Cow;

use crate::runtime::{
    Action, ActionKind, Case, Citation, Event, Explanation, FactValue, REDACTED, Reason, Rejection,
    Trace, TraceEntry, Warning,
};
use crate::script::ScriptError;
use crate::workflow::Workflow;

/// Values shorter than this are not searched for in text: a two-character value would garble
/// every text it happens to occur in, and traces already show sensitive facts redacted by name.
pub const MIN_SECRET_CHARS: usize = 3;

/// The sensitive values of one case, longest first (so a value that contains another is
/// replaced whole).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    /// The values of the workflow's sensitive facts in a case, and in an event about to be
    /// applied to it (a rejected event's values never reach the case, but may reach the
    /// rejection).
    pub fn of(wf: &Workflow, case: &Case, event: Option<&Event>) -> Secrets {
        let mut values = Vec::new();
        let mut add = |name: &str, value: &FactValue| {
            if wf.fact(name).is_some_and(|(_, f)| f.sensitive) {
                let text = match value {
                    FactValue::Text(t) => t.trim().to_owned(),
                    FactValue::Integer(i) => i.to_string(),
                    FactValue::Decimal(d) => d.to_string(),
                    // `true` and `false` occur in many texts and say nothing on their own.
                    FactValue::Bool(_) => return,
                };
                if text.chars().count() >= MIN_SECRET_CHARS && !values.contains(&text) {
                    values.push(text);
                }
            }
        };
        for (name, value) in &case.facts {
            add(name, value);
        }
        if let Some(Event::CaseOpened { facts, .. } | Event::FactsRecorded { facts }) = event {
            for (name, value) in facts {
                add(name, value);
            }
        }
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        Secrets { values }
    }

    /// Adds another set's values.
    pub fn extend(&mut self, other: Secrets) {
        for v in other.values {
            if !self.values.contains(&v) {
                self.values.push(v);
            }
        }
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The text with every secret replaced by `[redacted]`.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
        out
    }

    /// Redacts a string in place.
    pub fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.redact(text) {
            *text = clean;
        }
    }

    /// Redacts every text of a value in place.
    pub fn apply(&self, value: &mut impl Redact) {
        if !self.is_empty() {
            value.texts(&mut |t| self.redact_in_place(t));
        }
    }
}

/// A value whose texts can be visited (and so redacted).
pub trait Redact {
    /// Calls `f` on every text the value carries.
    fn texts(&mut self, f: &mut dyn FnMut(&mut String));
}

impl<T: Redact> Redact for Vec<T> {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        for item in self {
            item.texts(f);
        }
    }
}

impl<T: Redact> Redact for Option<T> {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        if let Some(item) = self {
            item.texts(f);
        }
    }
}

impl Redact for String {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        f(self);
    }
}

impl Redact for FactValue {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            FactValue::Text(t) => f(t),
            FactValue::Bool(_) | FactValue::Integer(_) | FactValue::Decimal(_) => {}
        }
    }
}

impl Redact for Trace {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        self.entries.texts(f);
    }
}

impl Redact for TraceEntry {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            TraceEntry::Event { seq: _, kind } => f(kind),
            TraceEntry::FactSet { fact, value, rule } => {
                f(fact);
                f(value);
                rule.texts(f);
            }
            TraceEntry::InstrumentScored {
                instrument,
                score: _,
                band,
            } => {
                f(instrument);
                band.texts(f);
            }
            TraceEntry::Session { phase, outcome } => {
                f(phase);
                f(outcome);
            }
            // Node paths, owners and fact names are catalog ids (checked `[a-z0-9_]`).
            TraceEntry::Condition {
                owner: _,
                value: _,
                nodes: _,
                facts,
            } => {
                for read in facts {
                    read.value.texts(f);
                }
            }
            TraceEntry::PhaseEntered {
                from,
                to,
                automatic: _,
                transition: _,
            } => {
                f(from);
                f(to);
            }
            TraceEntry::TransitionBlocked { to, reasons } => {
                f(to);
                reasons.texts(f);
            }
            TraceEntry::RuleFired { rule, actions } => {
                f(rule);
                actions.texts(f);
            }
            TraceEntry::RuleHeld { rule, why } => {
                f(rule);
                f(why);
            }
            TraceEntry::DeadlineStarted { deadline, due: _ }
            | TraceEntry::DeadlineStopped { deadline } => f(deadline),
            TraceEntry::DeadlineExtended {
                deadline,
                ground,
                due: _,
            } => {
                f(deadline);
                f(ground);
            }
            TraceEntry::OverrideUsed {
                requirement,
                reason,
            } => {
                f(requirement);
                f(reason);
            }
            TraceEntry::HookRan { hook, outcome } => {
                f(hook);
                f(outcome);
            }
            TraceEntry::ScriptFailed { owner: _, error } => error.texts(f),
            TraceEntry::CaseClosed { reason } => f(reason),
        }
    }
}

impl Redact for ScriptError {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        let ScriptError {
            location,
            message,
            limit: _,
        } = self;
        f(location);
        f(message);
    }
}

impl Redact for Warning {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            Warning::SessionsAboveMax {
                phase,
                held: _,
                max: _,
            } => f(phase),
            Warning::ScriptFailed { owner: _, error } => error.texts(f),
            Warning::GuardYieldedToDuty {
                reason,
                recorded,
                refused,
            } => {
                reason.texts(f);
                recorded.texts(f);
                refused.texts(f);
            }
            Warning::DutyInputProtected { fact, writer } => {
                f(fact);
                f(writer);
            }
            Warning::UnansweredItems { instrument, items } => {
                f(instrument);
                items.texts(f);
            }
        }
    }
}

impl Redact for Citation {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        let Citation { concept, text } = self;
        f(concept);
        text.texts(f);
    }
}

impl Redact for Action {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        let Action {
            id,
            seq: _,
            at: _,
            rule,
            kind,
            legal,
            acknowledged: _,
        } = self;
        f(id);
        rule.texts(f);
        legal.texts(f);
        match kind {
            ActionKind::Route {
                to,
                kind: _,
                urgency: _,
            } => f(to),
            ActionKind::Task { title, due: _ } => f(title),
            ActionKind::Offer {
                intervention,
                title,
            } => {
                f(intervention);
                title.texts(f);
            }
            ActionKind::Flag { message, level: _ } => f(message),
            ActionKind::DeadlineDueSoon {
                deadline,
                title,
                due: _,
            }
            | ActionKind::DeadlineOverdue {
                deadline,
                title,
                due: _,
            } => {
                f(deadline);
                f(title);
            }
        }
    }
}

impl Redact for Rejection {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        let Rejection { event, reasons } = self;
        f(event);
        reasons.texts(f);
    }
}

impl Redact for Explanation {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        let Explanation {
            phase,
            phase_title,
            closed: _,
            next,
            deadlines,
            pending,
        } = self;
        f(phase);
        f(phase_title);
        for n in next {
            f(&mut n.phase);
            f(&mut n.title);
            n.blocked_by.texts(f);
            n.legal.texts(f);
        }
        for d in deadlines {
            f(&mut d.deadline);
            f(&mut d.title);
            d.legal.texts(f);
        }
        pending.texts(f);
    }
}

impl Redact for Reason {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            Reason::NotOpened | Reason::AlreadyOpened | Reason::Closed | Reason::EmptyReason => {}
            Reason::TimeOutOfRange {
                at,
                first: _,
                last: _,
            } => f(at),
            Reason::InvalidCaseId { problem } => f(problem),
            Reason::TimeWentBack { last } => f(last),
            Reason::UnknownWorkflow { workflow } => f(workflow),
            Reason::UnknownUnit { unit } => f(unit),
            Reason::UnitDoesNotRun { unit, workflow } => {
                f(unit);
                f(workflow);
            }
            Reason::VersionMissing {
                workflow,
                version: _,
            } => f(workflow),
            Reason::UnknownFact { fact } => f(fact),
            Reason::WrongType { fact, expected } => {
                f(fact);
                f(expected);
            }
            Reason::UnknownInstrument { instrument } => f(instrument),
            Reason::BadAnswer {
                instrument,
                item,
                expected,
            } => {
                f(instrument);
                f(item);
                f(expected);
            }
            Reason::BadRating {
                instrument,
                value,
                allowed,
            } => {
                f(instrument);
                f(value);
                allowed.texts(f);
            }
            Reason::NoTransition { from, to, possible } => {
                f(from);
                f(to);
                possible.texts(f);
            }
            Reason::ConditionNotMet { to, condition } => {
                f(to);
                f(condition);
            }
            Reason::InstrumentMissing {
                phase,
                instrument,
                title,
                legal,
            } => {
                f(phase);
                f(instrument);
                f(title);
                legal.texts(f);
            }
            Reason::TooFewSessions {
                phase,
                held: _,
                min: _,
            } => f(phase),
            Reason::NothingToOverride { requirement } => f(requirement),
            Reason::UnknownAction { action_id } => f(action_id),
            Reason::DeadlineNotRunning { deadline } => f(deadline),
            Reason::ExtensionNotAllowed {
                deadline,
                ground,
                allowed,
            } => {
                f(deadline);
                f(ground);
                allowed.texts(f);
            }
            Reason::ExtensionTooLong {
                deadline,
                max_days: _,
            } => f(deadline),
            Reason::UnitGuard {
                unit,
                hook,
                reason,
                error,
            } => {
                f(unit);
                f(hook);
                f(reason);
                error.texts(f);
            }
            Reason::UnknownClosureReason { reason, allowed } => {
                f(reason);
                allowed.texts(f);
            }
        }
    }
}
