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
//! The walk over a value's texts is written out per type with exhaustive matches: a new variant
//! does not compile until it says what happens to its text. Catalog ids are left alone (see
//! below); everything a host, a caseworker or a script wrote passes.

use std::borrow::Cow;

use crate::model::script::ScriptError;
use crate::model::workflow::Workflow;
use crate::runtime::{
    Action, ActionKind, Actor, Case, Delegated, Event, Explanation, FactValue, REDACTED, Reason,
    Rejection, Trace, TraceEntry, Warning,
};

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
        // The value of a fact known to be sensitive.
        let mut add = |value: &FactValue| {
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
        };
        // The workflow's few sensitive facts are looked up in the case, in the order of their
        // ids (the case's own order), instead of every fact of the case in the workflow.
        for fact in wf.sensitive_facts() {
            if let Some(value) = case.facts.get(fact.id.as_ref()) {
                add(value);
            }
        }
        // People's sensitive facts, when the workflow has any.
        if wf.people.iter().any(|p| {
            p.facts
                .iter()
                .any(|s| wf.facts.get(usize::from(s.0)).is_some_and(|f| f.sensitive))
        }) {
            for person in case.people.values().flat_map(|p| p.values()) {
                for (name, value) in &person.facts {
                    if wf.fact(name).is_some_and(|(_, f)| f.sensitive) {
                        add(value);
                    }
                }
            }
        }
        if let Some(
            Event::CaseOpened { facts, .. }
            | Event::FactsRecorded { facts, .. }
            | Event::PersonAdded { facts, .. },
        ) = event
        {
            for (name, value) in facts {
                if wf.fact(name).is_some_and(|(_, f)| f.sensitive) {
                    add(value);
                }
            }
        }
        for former in &case.former_sensitive {
            let former = former.trim();
            if former.chars().count() >= MIN_SECRET_CHARS && !values.iter().any(|v| v == former) {
                values.push(former.to_owned());
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

    /// The text with every secret replaced by `[redacted]`, in any letter case.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.values {
            let lower = secret.to_lowercase();
            if out.to_lowercase().contains(&lower) {
                out = Cow::Owned(replace_any_case(&out, &lower));
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

/// An actor id is pseudonymous, but it is text a host sent: it passes like any other. The role
/// is a word the workflow declares (or one a host sent, in a workflow without roles).
impl Redact for Actor {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        let Actor { id, role } = self;
        f(id);
        f(role);
    }
}

/// A unit's delegation reference is text its author wrote.
impl Redact for Delegated {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            Delegated::Workflow { workflow: _ } => {}
            Delegated::Unit { unit: _, reference } => f(reference),
        }
    }
}

impl Redact for Trace {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        self.entries.texts(f);
    }
}

// What is redacted is text that can carry a value from the case: what a host, a caseworker or
// a script wrote (fact values, reasons, titles and messages, action ids with their case id,
// names a host sent that the catalog does not know). Catalog ids (rules, phases, facts,
// deadlines, units, instruments, grounds) are checked `[a-z0-9_]` words the catalog defines:
// they are left alone, so a sensitive value that happens to be part of one never garbles where
// a report is sent.

impl Redact for TraceEntry {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            TraceEntry::FactSet {
                fact: _,
                value,
                rule: _,
            } => f(value),
            TraceEntry::FactComputed { fact: _, value } => value.texts(f),
            TraceEntry::PersonFactSet {
                person,
                fact: _,
                value,
            } => {
                f(&mut person.key);
                f(value);
            }
            TraceEntry::PersonAdded { person } => f(&mut person.key),
            TraceEntry::Condition {
                owner: _,
                value: _,
                nodes: _,
                facts,
            } => {
                // The facts are listed only here, when there is something to redact.
                let mut list = std::mem::take(facts).into_list();
                for read in &mut list {
                    read.value.texts(f);
                }
                *facts = list.into();
            }
            TraceEntry::TransitionBlocked { to: _, reasons } => reasons.texts(f),
            TraceEntry::RuleFired { rule: _, actions } => actions.texts(f),
            TraceEntry::OverrideUsed {
                requirement: _,
                reason,
            } => f(reason),
            TraceEntry::ScriptFailed { owner: _, error } => error.texts(f),
            TraceEntry::Event {
                seq: _,
                kind: _,
                by,
            } => by.texts(f),
            TraceEntry::DecisionTaken {
                decision: _,
                granted: _,
                by,
            } => by.texts(f),
            TraceEntry::ApprovalRecorded {
                what: _,
                by,
                given: _,
                needed: _,
            } => by.texts(f),
            TraceEntry::ApprovalsCancelled { .. }
            | TraceEntry::DocumentRecorded { .. }
            | TraceEntry::InstrumentScored { .. }
            | TraceEntry::Session { .. }
            | TraceEntry::PhaseEntered { .. }
            | TraceEntry::TrackStarted { .. }
            | TraceEntry::RuleHeld { .. }
            | TraceEntry::DeadlineStarted { .. }
            | TraceEntry::DeadlineStopped { .. }
            | TraceEntry::DeadlineNotStarted { .. }
            | TraceEntry::DeadlineRecounted { .. }
            | TraceEntry::DeadlineCancelled { .. }
            | TraceEntry::DeadlineExtended { .. }
            | TraceEntry::HookRan { .. }
            | TraceEntry::CaseClosed { .. } => {}
        }
    }
}

impl Redact for ScriptError {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        let ScriptError {
            location: _,
            message,
            limit: _,
        } = self;
        f(message);
    }
}

impl Redact for Warning {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            Warning::ScriptFailed { owner: _, error } => error.texts(f),
            Warning::GuardYieldedToDuty {
                reason,
                recorded: _,
                refused,
            } => {
                reason.texts(f);
                // Refused names may be names a host sent that the workflow does not declare.
                refused.texts(f);
            }
            Warning::SessionsAboveMax { .. }
            | Warning::DutyInputProtected { .. }
            | Warning::DecisionFactProtected { .. }
            | Warning::NotComputed { .. }
            | Warning::ComputedFactProtected { .. }
            | Warning::UnansweredItems { .. } => {}
        }
    }
}

impl Redact for Action {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        let Action {
            id,
            seq: _,
            at: _,
            rule: _,
            person,
            kind,
            legal: _,
            acknowledged: _,
        } = self;
        f(id);
        if let Some(person) = person {
            f(&mut person.key);
        }
        match kind {
            ActionKind::Task { title, due: _ } => f(title),
            ActionKind::Offer {
                intervention,
                title,
            } => {
                f(intervention);
                title.texts(f);
            }
            ActionKind::Flag { message, level: _ } => f(message),
            ActionKind::Route { .. }
            | ActionKind::DeadlineDueSoon { .. }
            | ActionKind::DeadlineOverdue { .. } => {}
        }
    }
}

impl Redact for Rejection {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        let Rejection { event: _, reasons } = self;
        reasons.texts(f);
    }
}

impl Redact for Explanation {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        let Explanation {
            phase: _,
            phase_title: _,
            closed: _,
            next,
            deadlines: _,
            pending,
            awaiting,
            // Catalog words only.
            tracks: _,
        } = self;
        for n in next {
            n.blocked_by.texts(f);
        }
        pending.texts(f);
        for a in awaiting {
            a.approved_by.texts(f);
        }
    }
}

impl Redact for Reason {
    fn texts(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            // Names and values a host sent, which the catalog may not know.
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
            Reason::UnknownPeople { of, known: _ } => f(of),
            Reason::PersonExists { person } | Reason::UnknownPerson { person } => {
                f(&mut person.of);
                f(&mut person.key);
            }
            Reason::NotPersonFact { fact, of: _ } => f(fact),
            Reason::MissingForEach { missing, .. } => missing.iter_mut().for_each(&mut *f),
            Reason::UnknownFact { fact } => f(fact),
            Reason::WrongType { fact, expected: _ } => f(fact),
            Reason::UnknownInstrument { instrument } => f(instrument),
            Reason::BadAnswer {
                instrument,
                item,
                expected: _,
            } => {
                f(instrument);
                f(item);
            }
            Reason::BadRating {
                instrument,
                value,
                allowed: _,
            } => {
                f(instrument);
                f(value);
            }
            Reason::NoTransition {
                from: _,
                to,
                possible: _,
            } => f(to),
            Reason::UnknownAction { action_id } => f(action_id),
            Reason::DeadlineNotRunning { deadline } => f(deadline),
            Reason::ExtensionNotAllowed {
                deadline: _,
                ground,
                allowed: _,
            } => f(ground),
            Reason::UnknownClosureReason { reason, allowed: _ } => f(reason),
            Reason::UnknownRole { role, roles: _ } => f(role),
            Reason::UnknownDecision {
                decision,
                decisions: _,
            } => decision.texts(f),
            Reason::UnknownDocument {
                document,
                documents: _,
            } => f(document),
            Reason::AlreadyApproved { what: _, actor } => f(actor),
            // What an override named may be a name the host sent.
            Reason::NothingToOverride { requirement } => f(requirement),
            Reason::BindingRequirement {
                requirement,
                phase: _,
            } => f(requirement),
            Reason::NotAuthorised(n) => {
                let crate::runtime::NotAuthorised {
                    role,
                    act: _,
                    target: _,
                    title: _,
                    roles: _,
                    delegation,
                    legal: _,
                } = n.as_mut();
                f(role);
                delegation.texts(f);
            }
            Reason::OverrideNotAllowed {
                role,
                phase: _,
                roles: _,
                delegation,
            } => {
                f(role);
                delegation.texts(f);
            }
            // The facts a false part read, as they are.
            Reason::ConditionNotMet {
                to: _,
                condition: _,
                failing,
            } => {
                for part in failing {
                    for read in &mut part.facts {
                        read.value.texts(f);
                    }
                }
            }
            // A script's error may quote what it read.
            Reason::UnitGuard {
                unit: _,
                hook: _,
                reason: _,
                error,
            } => error.texts(f),
            // Catalog words, times and counts only.
            Reason::NotOpened
            | Reason::AlreadyOpened
            | Reason::Closed { .. }
            | Reason::EmptyReason
            | Reason::TimeOutOfRange { .. }
            | Reason::InvalidCaseId { .. }
            | Reason::InvalidActor { .. }
            | Reason::TimeWentBack { .. }
            | Reason::InstrumentMissing { .. }
            | Reason::InvalidPersonKey { .. }
            | Reason::TracksNotDone { .. }
            | Reason::TooManyPeople { .. }
            | Reason::PersonFactWithoutPerson { .. }
            | Reason::TooFewSessions { .. }
            | Reason::EventNotAccepted { .. }
            | Reason::FactsMissing { .. }
            | Reason::DocumentMissing { .. }
            | Reason::DecisionFact { .. }
            | Reason::ComputedFact { .. }
            | Reason::ItemsUnanswered { .. }
            | Reason::ExtensionTooLong { .. } => {}
        }
    }
}

/// `text` with every occurrence of `lower` (a lowercased secret), in any letter case, replaced
/// by `[redacted]`. Compared character by character, lowercased, so the byte positions are the
/// text's own.
fn replace_any_case(text: &str, lower: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        let mut want = lower.chars().peekable();
        let mut end = 0;
        for (i, c) in rest.char_indices() {
            if want.peek().is_none() {
                break;
            }
            for lc in c.to_lowercase() {
                if want.next() != Some(lc) {
                    // No match here: keep one character and look again after it.
                    let step = rest.chars().next().map_or(1, char::len_utf8);
                    out.push_str(rest.get(..step).unwrap_or(""));
                    rest = rest.get(step..).unwrap_or("");
                    continue 'scan;
                }
            }
            end = i + c.len_utf8();
        }
        if want.peek().is_none() && end > 0 {
            out.push_str(REDACTED);
            rest = rest.get(end..).unwrap_or("");
        } else {
            out.push_str(rest);
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests;
