//! Moving a case between phases: what blocks a transition, overrides, entering a phase and
//! closing the case.

use super::{Closure, Happening, Override, Owner, Reason, Requirement, Run, TraceEntry};
use crate::model::workflow::Transition;
use crate::syntax::TriggerMode;

impl<'c> Run<'c> {
    /// A caseworker's request to move to `to`.
    pub(super) fn request(&mut self, to: &str) -> Result<(), Vec<Reason>> {
        let Some(target) = self.wf.phase_idx(to) else {
            return Err(vec![self.no_transition(to)]);
        };
        let candidates: Vec<&'c Transition> = self
            .wf
            .transitions
            .iter()
            .filter(|t| t.to == target && self.is_at(t.from))
            .collect();
        if candidates.is_empty() {
            return Err(vec![self.no_transition(to)]);
        }
        self.take_first(candidates)
    }

    /// Takes the first of several transitions that allows it, or says why none does (the
    /// reasons of the last).
    /// A transition the actor's role may not request is passed over (its reason kept); one
    /// taken by several people is taken on the last approval.
    fn take_first(&mut self, candidates: Vec<&'c Transition>) -> Result<(), Vec<Reason>> {
        let mut reasons = Vec::new();
        for t in candidates {
            let idx = self.transition_index(t);
            if let Err(r) = self.may_request(idx) {
                reasons = vec![r];
                continue;
            }
            let blockers = self.blockers(t, true);
            if !blockers.is_empty() {
                reasons = blockers;
                continue;
            }
            if !t.approvals.is_empty() {
                let (key, title) = self.transition_names(idx);
                let (from, to) = key.split_once(" -> ").unwrap_or_default();
                let what = super::Approvable::Transition {
                    from: from.to_owned(),
                    to: to.to_owned(),
                    transition: idx,
                };
                if self.approve(what, &t.approvals, &title)?.is_none() {
                    return Ok(());
                }
            }
            self.take(t, false);
            return Ok(());
        }
        Err(reasons)
    }

    /// A transition's index in the workflow's `transitions`.
    pub(super) fn transition_index(&self, t: &Transition) -> usize {
        self.wf
            .transitions
            .iter()
            .position(|x| std::ptr::eq(x, t))
            .unwrap_or_default()
    }

    /// Closes the case for `reason`: into the terminal phase for this reason, on the same
    /// terms as requesting that transition (its guard cannot be side-stepped). Only a reason
    /// the workflow declares valid from any phase closes a case where it stands.
    pub(super) fn close_for(&mut self, reason: &str) -> Result<(), Vec<Reason>> {
        let Some(closure) = self.wf.closure_reasons.iter().find(|c| *c.id == *reason) else {
            return Err(vec![Reason::UnknownClosureReason {
                reason: reason.to_owned(),
                allowed: self
                    .wf
                    .closure_reasons
                    .iter()
                    .map(|c| c.id.to_string())
                    .collect(),
            }]);
        };
        let from = self.phase_idx();
        let terminal = |p: &crate::model::workflow::Phase| {
            p.terminal && p.closure_reason.as_deref() == Some(reason)
        };
        let ways: Vec<&'c Transition> = self
            .wf
            .transitions
            .iter()
            .filter(|t| t.from == from && self.wf.phase(t.to).is_some_and(terminal))
            .collect();
        if !ways.is_empty() {
            return self.take_first(ways);
        }
        if closure.from_any_phase {
            self.close(reason);
            return Ok(());
        }
        let to = self
            .wf
            .phases
            .iter()
            .find(|p| terminal(p))
            .map_or_else(|| reason.to_owned(), |p| p.id.to_string());
        Err(vec![self.no_transition(&to)])
    }

    /// Records an override with its written reason. One per requirement: a later one replaces
    /// the earlier, so a case holds at most one per transition, however many the host sends.
    pub(super) fn record_override(
        &mut self,
        requirement: &Requirement,
        reason: &str,
    ) -> Result<(), Vec<Reason>> {
        let mut reasons = Vec::new();
        if !crate::text::has_visible_text(reason) {
            reasons.push(Reason::EmptyReason);
        }
        let from = self.phase_idx();
        let phase = self.wf.phase(from);
        // Whether the requirement exists here, and whether it is binding.
        let (exists, binding) = match requirement {
            Requirement::SessionsMin => (true, false),
            Requirement::Guard { to } => {
                let guarded: Vec<&Transition> = self
                    .wf
                    .phase_idx(to)
                    .map(|target| {
                        self.wf
                            .transitions
                            .iter()
                            .filter(|t| t.from == from && t.to == target && t.when.is_some())
                            .collect()
                    })
                    .unwrap_or_default();
                (
                    !guarded.is_empty(),
                    !guarded.is_empty() && guarded.iter().all(|t| t.binding),
                )
            }
            Requirement::RequiredFacts => {
                let set = phase.and_then(|p| p.required_facts.as_ref());
                (set.is_some(), set.is_some_and(|r| r.binding))
            }
            Requirement::Document(id) => {
                let doc = phase.and_then(|p| p.documents.iter().find(|d| d.id.as_ref() == id));
                (doc.is_some(), doc.is_some_and(|d| d.binding))
            }
        };
        if !exists {
            reasons.push(Reason::NothingToOverride {
                requirement: describe_requirement(requirement),
            });
        } else if binding {
            reasons.push(Reason::BindingRequirement {
                requirement: describe_requirement(requirement),
                phase: self.case.phase.clone(),
            });
        }
        let mut grant = self.config.authority.overrides(from);
        // A guard's own `override_roles`, unless the unit's delegation set the phase's.
        if let (Requirement::Guard { to }, crate::model::authority::Source::Workflow) =
            (requirement, &grant.source)
            && let Some(roles) = self.wf.phase_idx(to).and_then(|target| {
                self.wf
                    .transitions
                    .iter()
                    .filter(|t| t.from == from && t.to == target && t.when.is_some())
                    .find_map(|t| t.override_roles.clone())
            })
        {
            grant.roles = Some(roles);
        }
        if !grant.allows(self.role()) {
            reasons.push(Reason::OverrideNotAllowed {
                role: self.role().to_owned(),
                phase: self.case.phase.clone(),
                roles: grant.role_names(),
                delegation: self.delegated(&grant),
            });
        }
        if !reasons.is_empty() {
            return Err(reasons);
        }
        self.case
            .overrides
            .retain(|o| o.requirement != *requirement);
        self.case.overrides.push(Override {
            requirement: requirement.clone(),
            reason: reason.to_owned(),
            at: self.at,
            by: self.by.cloned().unwrap_or_default(),
        });
        Ok(())
    }

    /// Automatic transitions, repeatedly, while one's condition holds (at most one per phase).
    pub(super) fn automatic_transitions(&mut self) {
        for _ in 0..self.wf.phases.len() {
            if self.case.closed.is_some() {
                break;
            }
            let automatic: Vec<&'c Transition> = self
                .wf
                .transitions
                .iter()
                .filter(|t| t.trigger == TriggerMode::Automatic && self.is_at(t.from))
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
    }

    pub(super) fn no_transition(&self, to: &str) -> Reason {
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

    /// Why a transition from the current phase cannot be taken now (empty: it can).
    /// `requested` transitions may use overrides; automatic ones never do.
    pub(super) fn blockers(&mut self, t: &Transition, requested: bool) -> Vec<Reason> {
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
                let overridden = requested
                    && !t.binding
                    && self.overridden(&Requirement::Guard { to: to_id.clone() });
                if !overridden {
                    reasons.push(Reason::ConditionNotMet {
                        to: to_id.clone(),
                        condition: when.root.to_string(),
                        failing: if requested {
                            self.failing_parts(when)
                        } else {
                            Vec::new()
                        },
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
            let waiting = self.tracks_waiting(from);
            if !waiting.is_empty() {
                reasons.push(Reason::TracksNotDone {
                    phase: from.id.to_string(),
                    waiting,
                });
            }
            for (inst, collection) in &from.required_each {
                let missing = self.missing_for_each(inst, *collection);
                if !missing.is_empty() {
                    reasons.push(Reason::MissingForEach {
                        phase: from.id.to_string(),
                        instrument: inst.to_string(),
                        title: self
                            .catalog
                            .instrument(inst)
                            .map_or_else(|| inst.to_string(), |i| i.title.clone()),
                        of: self
                            .wf
                            .people
                            .get(usize::from(collection.0))
                            .map(|p| p.id.to_string())
                            .unwrap_or_default(),
                        missing,
                    });
                }
            }
            if let Some(required) = &from.required_facts {
                let missing: Vec<String> = required
                    .facts
                    .iter()
                    .filter(|slot| {
                        self.slots
                            .get(usize::from(slot.0))
                            .is_none_or(Option::is_none)
                    })
                    .filter_map(|slot| self.wf.facts.get(usize::from(slot.0)))
                    .map(|f| f.id.to_string())
                    .collect();
                let lifted =
                    requested && !required.binding && self.overridden(&Requirement::RequiredFacts);
                if !missing.is_empty() && !lifted {
                    reasons.push(Reason::FactsMissing {
                        phase: from.id.to_string(),
                        facts: missing,
                        binding: required.binding,
                    });
                }
            }
            for doc in &from.documents {
                let lifted = requested
                    && !doc.binding
                    && self.overridden(&Requirement::Document(doc.id.to_string()));
                if !self.case.documents.contains_key(doc.id.as_ref()) && !lifted {
                    reasons.push(Reason::DocumentMissing {
                        phase: from.id.to_string(),
                        document: doc.id.to_string(),
                        title: doc.title.clone(),
                        binding: doc.binding,
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

    pub(super) fn overridden(&self, requirement: &Requirement) -> bool {
        self.case
            .overrides
            .iter()
            .any(|o| o.requirement == *requirement)
    }

    /// Moves the case, or one of its tracks, along a transition.
    pub(super) fn take(&mut self, t: &Transition, automatic: bool) {
        let (Some(from), Some(to)) = (self.wf.phase(t.from), self.wf.phase(t.to)) else {
            return;
        };
        if let Some(track) = from.track {
            self.move_track(track, t, automatic);
            return;
        }
        for o in std::mem::take(&mut self.case.overrides) {
            self.trace.entries.push(TraceEntry::OverrideUsed {
                requirement: describe_requirement(&o.requirement),
                reason: o.reason,
            });
        }
        self.cancel_approvals("left the phase");
        self.trace.entries.push(TraceEntry::PhaseEntered {
            from: from.id.to_string(),
            to: to.id.to_string(),
            automatic,
            transition: self.transition_index(t),
        });
        self.case.phase = to.id.to_string();
        self.phase = t.to;
        self.case.phase_entered = Some(self.at);
        self.happened.push(Happening::PhaseLeft(t.from));
        self.happened.push(Happening::PhaseEntered(t.to));
        self.leave_tracks(t.from);
        self.start_tracks(t.to);
        self.compute();
        if to.terminal {
            let reason = to
                .closure_reason
                .as_deref()
                .unwrap_or(to.id.as_ref())
                .to_owned();
            self.close(&reason);
        }
    }

    pub(super) fn close(&mut self, reason: &str) {
        if self.case.closed.is_none() {
            self.cancel_approvals("case closed");
            self.case.closed = Some(Closure {
                reason: reason.to_owned(),
                at: self.at,
            });
            self.trace.entries.push(TraceEntry::CaseClosed {
                reason: reason.to_owned(),
            });
            self.happened.push(Happening::CaseClosed);
            self.closed_here = true;
        }
    }
}

fn describe_requirement(r: &Requirement) -> String {
    match r {
        Requirement::SessionsMin => "sessions_min".to_owned(),
        Requirement::Guard { to } => format!("guard to {to}"),
        Requirement::RequiredFacts => "required_facts".to_owned(),
        Requirement::Document(id) => format!("document {id}"),
    }
}
