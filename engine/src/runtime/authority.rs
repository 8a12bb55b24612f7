//! Who may do what in a step: the actor's role against the unit's effective authority
//! (`Configuration::authority`, resolved at load), phases that accept only some events,
//! approvals by several people, and decisions.

use std::sync::Arc;

use super::facts::Writer;
use super::reason::{Act, Delegated, NotAuthorised};
use super::{
    Approvable, Approval, DecisionRecord, Event, FactValue, Happening, PendingApproval, Reason,
    Run, TraceEntry,
};
use crate::model::authority::{Grant, Source};
use crate::syntax::FactType;

/// Event types every phase accepts: time passing and a host's acknowledgement can never be
/// refused.
const ALWAYS_ACCEPTED: [&str; 2] = ["time_passed", "action_acknowledged"];

impl<'c> Run<'c> {
    /// The role the event was sent in.
    pub(super) fn role(&self) -> &str {
        self.by.map_or("", |b| b.role.as_str())
    }

    /// In a workflow that declares roles, the actor's role must be one of them.
    pub(super) fn check_role(&self) -> Result<(), Reason> {
        if !self.wf.checks_roles() || self.wf.role(self.role()).is_some() {
            return Ok(());
        }
        Err(Reason::UnknownRole {
            role: self.role().to_owned(),
            roles: self.wf.roles.iter().map(|r| r.id.to_string()).collect(),
        })
    }

    /// Whether the current phase accepts the event (a phase without `accepts` takes every
    /// type; the opening comes before any phase).
    pub(super) fn check_accepts(&self, event: &Event) -> Result<(), Reason> {
        let kind = event.kind();
        if matches!(event, Event::CaseOpened { .. }) || ALWAYS_ACCEPTED.contains(&kind) {
            return Ok(());
        }
        let Some(phase) = self.wf.phase(self.phase_idx()) else {
            return Ok(());
        };
        let Some(accepts) = &phase.accepts else {
            return Ok(());
        };
        if accepts.iter().any(|a| a.as_ref() == kind) {
            return Ok(());
        }
        Err(Reason::EventNotAccepted {
            event: kind.to_owned(),
            phase: phase.id.to_string(),
            title: phase.title.clone(),
            accepted: accepts.iter().map(ToString::to_string).collect(),
        })
    }

    /// Where a grant comes from, for a reason.
    pub(super) fn delegated(&self, grant: &Grant) -> Delegated {
        match &grant.source {
            Source::Workflow => Delegated::Workflow {
                workflow: self.wf.id.to_string(),
            },
            Source::Unit { reference } => Delegated::Unit {
                unit: self.unit.id.to_string(),
                reference: reference.clone(),
            },
        }
    }

    /// Why the actor may not do what a grant covers.
    pub(super) fn not_authorised(
        &self,
        grant: &Grant,
        act: Act,
        target: String,
        title: String,
        legal: Option<&str>,
    ) -> Reason {
        Reason::NotAuthorised(Box::new(NotAuthorised {
            role: self.role().to_owned(),
            act,
            target,
            title,
            roles: grant.role_names(),
            delegation: self.delegated(grant),
            legal: legal.map(|c| self.citation(c)),
        }))
    }

    /// Who may request transition `idx`; a reason when the actor may not.
    pub(super) fn may_request(&self, idx: usize) -> Result<(), Reason> {
        let grant = self.config.authority.transition(idx);
        if grant.allows(self.role()) {
            return Ok(());
        }
        let (target, title) = self.transition_names(idx);
        Err(self.not_authorised(&grant, Act::Transition, target, title, None))
    }

    /// A transition as `from -> to`, and its title.
    pub(super) fn transition_names(&self, idx: usize) -> (String, String) {
        let Some(t) = self.wf.transitions.get(idx) else {
            return (String::new(), String::new());
        };
        let name = |p| {
            self.wf
                .phase(p)
                .map(|p| p.id.to_string())
                .unwrap_or_default()
        };
        let target = format!("{} -> {}", name(t.from), name(t.to));
        let title = t.title.clone().unwrap_or_else(|| target.clone());
        (target, title)
    }

    /// A decision: the one named, the workflow's default, or (in a workflow that declares no
    /// decisions) the decision on bistånd written to the fact `decision`.
    pub(super) fn decide(&mut self, named: Option<&str>, granted: bool) -> Result<(), Vec<Reason>> {
        let wf = self.wf;
        if wf.decisions.is_empty() {
            if let Some(name) = named {
                return Err(vec![Reason::UnknownDecision {
                    decision: Some(name.to_owned()),
                    decisions: Vec::new(),
                }]);
            }
            if wf.fact("decision").is_some() {
                let value = if granted { "granted" } else { "denied" };
                let facts = [("decision".to_owned(), FactValue::Text(value.to_owned()))].into();
                self.record_facts(&facts, Writer::Host)?;
            }
            self.happened.push(Happening::DecisionMade);
            return Ok(());
        }
        let found = match named {
            Some(name) => wf.decision(name),
            None => wf.default_decision(),
        };
        let Some((idx, decision)) = found else {
            return Err(vec![Reason::UnknownDecision {
                decision: named.map(str::to_owned),
                decisions: wf.decisions.iter().map(|d| d.id.to_string()).collect(),
            }]);
        };
        let grant = self.config.authority.decision(idx);
        if !grant.allows(self.role()) {
            return Err(vec![self.not_authorised(
                &grant,
                Act::Decision,
                decision.id.to_string(),
                decision.title.clone(),
                decision.legal.as_deref(),
            )]);
        }
        let by = match decision.approvals.as_slice() {
            [] => vec![self.by.cloned().unwrap_or_default()],
            slots => {
                let what = Approvable::Decision {
                    decision: decision.id.to_string(),
                    granted,
                };
                match self.approve(what, slots, &decision.title)? {
                    Some(by) => by,
                    None => return Ok(()),
                }
            }
        };
        if let Some(slot) = decision.fact
            && let Some(fact) = wf.facts.get(usize::from(slot.0))
        {
            let value = match fact.ty {
                FactType::Bool => FactValue::Bool(granted),
                _ => FactValue::Text(if granted { "granted" } else { "denied" }.to_owned()),
            };
            let facts = [(fact.id.to_string(), value)].into();
            self.record_facts(&facts, Writer::Decision)?;
        }
        self.case.decisions.insert(
            decision.id.to_string(),
            DecisionRecord {
                granted,
                at: self.at,
                by: by.clone(),
            },
        );
        self.trace.entries.push(TraceEntry::DecisionTaken {
            decision: decision.id.to_string(),
            granted,
            by,
        });
        self.happened.push(Happening::DecisionMade);
        Ok(())
    }

    /// Records the actor's approval towards `what`, which needs one distinct person per entry
    /// of `slots`, in that role. Returns everyone who approved when this was the last approval
    /// (the decision or transition then takes effect), `None` while approvals are still
    /// missing. The same person never counts twice, and a role counts only while an entry of
    /// it is open. An approval set for the other outcome of the same decision is withdrawn.
    pub(super) fn approve(
        &mut self,
        what: Approvable,
        slots: &[Arc<str>],
        title: &str,
    ) -> Result<Option<Vec<super::Actor>>, Vec<Reason>> {
        let by = self.by.cloned().unwrap_or_default();
        let key = what.key();
        let mut given: Vec<Approval> = self
            .case
            .approvals
            .iter()
            .find(|p| p.what == what)
            .map(|p| p.approvals.clone())
            .unwrap_or_default();
        if given.iter().any(|a| a.by.id == by.id) {
            return Err(vec![Reason::AlreadyApproved {
                what: key,
                actor: by.id,
            }]);
        }
        let open =
            crate::model::authority::open_slots(slots, given.iter().map(|a| a.by.role.as_str()))
                .unwrap_or_default();
        if !open.contains(&by.role.as_str()) {
            let grant = Grant {
                roles: Some(open.iter().map(|r| Arc::from(*r)).collect()),
                source: Source::Workflow,
            };
            return Err(vec![self.not_authorised(
                &grant,
                Act::Approval,
                key,
                title.to_owned(),
                None,
            )]);
        }
        // Accepted: withdraw approvals of the other outcome, then count this one.
        let before = self.case.approvals.len();
        self.case
            .approvals
            .retain(|p| p.what.key() != key || p.what == what);
        if self.case.approvals.len() != before {
            self.trace.entries.push(TraceEntry::ApprovalsCancelled {
                what: key.clone(),
                why: "another outcome proposed".to_owned(),
            });
        }
        given.push(Approval {
            by: by.clone(),
            at: self.at,
        });
        let n = u32::try_from(given.len()).unwrap_or(u32::MAX);
        let needed = u32::try_from(slots.len()).unwrap_or(u32::MAX);
        self.trace.entries.push(TraceEntry::ApprovalRecorded {
            what: key,
            by,
            given: n,
            needed,
        });
        self.case.approvals.retain(|p| p.what != what);
        if n >= needed {
            return Ok(Some(given.into_iter().map(|a| a.by).collect()));
        }
        self.case.approvals.push(PendingApproval {
            what,
            approvals: given,
        });
        Ok(None)
    }

    /// Withdraws every approval not yet taken into effect (leaving the phase, closing).
    pub(super) fn cancel_approvals(&mut self, why: &str) {
        for p in std::mem::take(&mut self.case.approvals) {
            self.trace.entries.push(TraceEntry::ApprovalsCancelled {
                what: p.what.key(),
                why: why.to_owned(),
            });
        }
    }

    /// A required document recorded.
    pub(super) fn record_document(&mut self, document: &str) -> Result<(), Vec<Reason>> {
        if self.wf.document(document).is_none() {
            return Err(vec![Reason::UnknownDocument {
                document: document.to_owned(),
                documents: self
                    .wf
                    .phases
                    .iter()
                    .flat_map(|p| p.documents.iter().map(|d| d.id.to_string()))
                    .collect(),
            }]);
        }
        self.case.documents.insert(document.to_owned(), self.at);
        self.trace.entries.push(TraceEntry::DocumentRecorded {
            document: document.to_owned(),
        });
        Ok(())
    }
}
