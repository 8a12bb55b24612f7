//! Computed facts in a step: computed again, in dependency order, whenever something they
//! read has changed (a fact recorded by the host, a rule or a hook, an instrument completed, a
//! phase entered, the case opened, a session held), and written by the engine alone. A host's
//! event naming one is refused; a rule or hook that tries is stopped with a warning.

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::env::CaseEnv;
use super::event::from_value;
use super::{
    FactValue, Happening, MAX_FORMER_SENSITIVE, REDACTED, Reason, Run, TraceEntry, Warning,
};
use crate::model::computed::{Computed, Inputs};
use crate::model::fact::{Fact, Value};
use crate::model::index::FactSlot;
use crate::syntax::{CaseDate, FactType};

/// How far a step's computed facts are up to date.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// The happenings already taken into account.
    seen: usize,
    /// Whether the step has computed before (a session held counts once, at the first).
    started: bool,
    /// The facts already warned about in this step.
    warned: Vec<FactSlot>,
}

impl Inputs for CaseEnv<'_> {
    fn first_score(&self, instrument: &str) -> Option<f64> {
        self.case
            .instruments
            .get(instrument)
            .and_then(|r| r.first_score)
    }

    fn times_completed(&self, instrument: &str) -> Option<u32> {
        self.case.instruments.get(instrument).map(|r| r.times)
    }

    fn date_of(&self, date: CaseDate) -> Option<Date> {
        let at = match date {
            CaseDate::CaseOpened => self.case.opened,
            CaseDate::PhaseEntered => self.case.phase_entered,
            CaseDate::LastSession => self.case.last_session_held,
        }?;
        Some(at.date())
    }
}

impl Run<'_> {
    /// A host's facts that name a computed fact: refused, each named.
    pub(super) fn refuse_computed(
        &self,
        facts: &BTreeMap<String, FactValue>,
    ) -> Result<(), Vec<Reason>> {
        let reasons: Vec<Reason> = facts
            .keys()
            .filter(|name| {
                self.wf
                    .fact(name)
                    .is_some_and(|(s, _)| self.wf.is_computed(s))
            })
            .map(|name| Reason::ComputedFact { fact: name.clone() })
            .collect();
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }

    /// Computes again every computed fact that reads something changed since the last time in
    /// this step (or that reads the clock, counts or deadlines), in dependency order; a value
    /// that changes is written, traced and seen by what comes after it.
    pub(super) fn compute(&mut self) {
        let wf = self.wf;
        if wf.computed.is_empty() {
            return;
        }
        let session = !self.computing.started && self.event_kind == "session_held";
        self.computing.started = true;
        let (start, end) = (self.computing.seen, self.happened.len());
        // Computed facts changed in this pass, by slot (also when they became unset, which
        // records no value and so is no happening); allocated at the first change.
        let mut changed: Vec<bool> = Vec::new();
        for c in &wf.computed {
            let since = self.happened.get(start..end).unwrap_or_default();
            let dirty = c.reads.volatile
                || (session && c.reads.dates.contains(&CaseDate::LastSession))
                || c.reads
                    .facts
                    .iter()
                    .any(|s| changed.get(usize::from(s.0)).copied().unwrap_or(false))
                || since.iter().any(|h| moves(c, h));
            if !dirty {
                continue;
            }
            let Some(fact) = wf.facts.get(usize::from(c.slot.0)) else {
                continue;
            };
            let value = match c.expr.evaluate(&self.env()) {
                Ok(v) => v.map(|v| widen(fact, v)),
                Err(why) => {
                    if !self.computing.warned.contains(&c.slot) {
                        self.computing.warned.push(c.slot);
                        self.warnings.push(Warning::NotComputed {
                            fact: c.id.to_string(),
                            why: why.describe().to_owned(),
                        });
                    }
                    None
                }
            };
            let current = self.slots.get(usize::from(c.slot.0)).cloned().flatten();
            if current == value {
                continue;
            }
            if changed.is_empty() {
                changed = vec![false; wf.facts.len()];
            }
            if let Some(x) = changed.get_mut(usize::from(c.slot.0)) {
                *x = true;
            }
            self.write_computed(c, fact, value);
        }
        self.computing.seen = self.happened.len();
    }

    /// Writes a computed value (or unsets the fact): slots, case, trace; a value is a
    /// happening (deadlines triggered by the fact, counted from a date it holds).
    fn write_computed(&mut self, c: &Computed, fact: &Fact, value: Option<Value>) {
        // A trace that read the slots keeps its own copy (copy on write).
        if let Some(v) = std::sync::Arc::make_mut(&mut self.slots).get_mut(usize::from(c.slot.0)) {
            v.clone_from(&value);
        }
        let stored = value.as_ref().map(|v| from_value(fact, v));
        let shown = stored.as_ref().map(|v| {
            if fact.sensitive {
                REDACTED.to_owned()
            } else {
                v.to_string()
            }
        });
        let former = match stored {
            Some(v) => self.case.facts.insert(fact.id.to_string(), v),
            None => self.case.facts.remove(fact.id.as_ref()),
        };
        // A sensitive value that changes is still a secret (a computed date from a sensitive
        // one): the redaction step keeps knowing it.
        if let Some(FactValue::Text(old)) = former
            && fact.sensitive
            && self.case.facts.get(fact.id.as_ref()) != Some(&FactValue::Text(old.clone()))
        {
            self.case.former_sensitive.push_back(old);
            if self.case.former_sensitive.len() > MAX_FORMER_SENSITIVE {
                self.case.former_sensitive.pop_front();
            }
        }
        self.trace.entries.push(TraceEntry::FactComputed {
            fact: fact.id.to_string(),
            value: shown,
        });
        if value.is_some() {
            self.happened.push(Happening::FactSet(c.slot));
            if fact.ty == FactType::Date {
                self.recount_deadlines(c.slot);
            }
        }
    }
}

/// Whether a happening can move a computed fact.
fn moves(c: &Computed, h: &Happening) -> bool {
    match h {
        Happening::FactSet(slot) => c.reads.facts.contains(slot),
        Happening::InstrumentCompleted(i) => c.reads.instruments.iter().any(|x| x.as_ref() == i),
        Happening::PhaseEntered(_) => {
            c.reads.phase || c.reads.dates.contains(&CaseDate::PhaseEntered)
        }
        // Everything is computed once when the case opens (also what reads only numbers).
        Happening::CaseOpened => true,
        Happening::PhaseLeft(_) | Happening::CaseClosed | Happening::DecisionMade => false,
    }
}

/// A whole number computed into a decimal fact is held as a decimal, as a host's would be.
fn widen(fact: &Fact, v: Value) -> Value {
    match (fact.ty, v) {
        (FactType::Decimal, Value::Integer(i)) => Value::Decimal(i as f64),
        (_, v) => v,
    }
}
