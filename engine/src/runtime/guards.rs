//! Unit guards, and the duty part of an event a guard can never refuse.

use std::collections::BTreeMap;

use super::{Event, FactValue, Reason, Run, Warning};
use crate::model::workflow::Transition;

impl Run<'_> {
    /// The unit's guards: each must return true, or the event is rejected with the unit's
    /// reason. A guard that fails counts as not satisfied.
    /// The unit's guards: each must return true, or the event is rejected with the unit's
    /// reason (a guard that fails counts as not satisfied). A guard never refuses what a legal
    /// duty depends on: when the event records duty inputs, they are recorded and the guard's
    /// objection becomes a warning; other facts bundled into the same event are refused. The
    /// event returned, if any, is the one to apply and store instead of `event`.
    pub(super) fn guards(&mut self, event: &Event) -> Result<Option<Event>, Vec<Reason>> {
        let mut objections = Vec::new();
        for (hook, compiled) in self.hooks(event.kind(), |k| {
            matches!(k, crate::model::unit::HookKind::Guard { .. })
        }) {
            let crate::model::unit::HookKind::Guard { reason } = &hook.kind else {
                continue;
            };
            let env = self.env();
            let result =
                compiled
                    .script
                    .eval_bool(&self.catalog.scripting, self.wf, &self.slots, &|b| {
                        env.builtin(b)
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
            return Ok(None);
        }
        let Some((applied, recorded, refused)) = self.duty_part(event.clone()) else {
            // The refusal says everything that stands in the way, not only the unit's
            // objection: what the event itself would meet is tried on this step, which is
            // thrown away with the rejection.
            if let Err(more) = self.effect(event) {
                objections.extend(more);
            }
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
        self.event = Some(std::borrow::Cow::Owned(applied.clone()));
        Ok(Some(applied))
    }

    /// The part of an event a legal duty depends on, when it has one: the event to apply
    /// instead (the whole event, or its duty facts only), what it records for the duty, and
    /// what it drops.
    pub(super) fn duty_part(&self, event: Event) -> Option<(Event, Vec<String>, Vec<String>)> {
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
            Event::FactsRecorded { facts, person } => {
                let (facts, recorded, refused) = self.duty_facts(facts);
                (!recorded.is_empty()).then_some((
                    Event::FactsRecorded { facts, person },
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
    pub(super) fn duty_facts(
        &self,
        facts: BTreeMap<String, FactValue>,
    ) -> (BTreeMap<String, FactValue>, Vec<String>, Vec<String>) {
        let (kept, dropped): (BTreeMap<_, _>, BTreeMap<_, _>) =
            facts.into_iter().partition(|(name, _)| {
                self.wf
                    .fact(name)
                    .is_some_and(|(slot, _)| self.config.duties.fact(slot).is_some())
            });
        let recorded = kept.keys().cloned().collect();
        let refused = dropped.into_keys().collect();
        (kept, recorded, refused)
    }

    /// Whether a transition from the current phase that `wanted` picks is a duty input.
    pub(super) fn duty_transition_from_here(&self, wanted: impl Fn(&Transition) -> bool) -> bool {
        let from = self.phase_idx();
        self.wf
            .transitions
            .iter()
            .enumerate()
            .any(|(i, t)| t.from == from && wanted(t) && self.config.duties.transition(i).is_some())
    }
}
