//! Authority: who may take which decision, request which transition and record which
//! override, in one unit's configuration of a workflow, and where that comes from.
//!
//! A workflow declares its roles and, for each decision, transition and phase, the roles that
//! may act (the default delegation). A unit's `delegation` entries set other roles for the
//! items they name, each with the point of the unit's delegationsordning that says so. What the
//! law reserves for the committee (a decision marked `reserved`) can never be delegated
//! outside the workflow's own roles for it: a unit that tries is a load error naming the
//! decision and its legal ground (`unit::delegates_reserved_decision`), the same "cannot
//! weaken" guarantee as for mandatory rules. The result, [`Authority`], is resolved once at load
//! into each unit's `Configuration`: the runtime and `lots show` read it and never recompute
//! it.
//!
//! A workflow that declares no roles checks nothing: every [`Grant`] is open to any role.
//! Rules and hooks can never take a decision or approve one: only a host's `decision_made`
//! event does, and a fact a decision writes can be written by no rule, hook, instrument or
//! other event (`catalog::lower::authority::check` at load, and `record_facts` at run time).

use std::sync::Arc;

use crate::model::workflow::Workflow;

/// The most approvals one decision or transition may ask for.
pub const MAX_APPROVALS: usize = 8;

/// Who may do one thing, and where that comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The roles that may (`None`: any role).
    pub roles: Option<Vec<Arc<str>>>,
    /// Where the roles come from.
    pub source: Source,
}

/// Where a grant of authority comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The workflow's own default.
    Workflow,
    /// A point of the unit's delegation.
    Unit {
        /// The unit's reference, e.g. `Delegationsordning 2025, punkt 3.1.4`.
        reference: String,
    },
}

impl Grant {
    /// Open to any role, as the workflow says.
    pub fn open() -> Grant {
        Grant {
            roles: None,
            source: Source::Workflow,
        }
    }

    /// Whether a role may.
    pub fn allows(&self, role: &str) -> bool {
        self.roles
            .as_ref()
            .is_none_or(|roles| roles.iter().any(|r| r.as_ref() == role))
    }

    /// The roles, as text (empty: any role).
    pub fn role_names(&self) -> Vec<String> {
        self.roles
            .iter()
            .flatten()
            .map(ToString::to_string)
            .collect()
    }
}

/// The effective authority of one unit's configuration of a workflow. Indexed like the
/// workflow's decisions, transitions and phases (overrides are per phase: what blocks leaving
/// it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authority {
    /// Per decision.
    pub decisions: Vec<Grant>,
    /// Per transition.
    pub transitions: Vec<Grant>,
    /// Per phase: who may override what blocks leaving it.
    pub overrides: Vec<Grant>,
}

impl Authority {
    /// The workflow's own authority, before any unit's delegation.
    pub fn of(wf: &Workflow) -> Authority {
        let from = |roles: &Option<Vec<Arc<str>>>, approvals: &[Arc<str>]| Grant {
            roles: roles.clone().or_else(|| {
                (!approvals.is_empty()).then(|| {
                    let mut r: Vec<Arc<str>> = Vec::new();
                    for a in approvals {
                        if !r.contains(a) {
                            r.push(a.clone());
                        }
                    }
                    r
                })
            }),
            source: Source::Workflow,
        };
        Authority {
            decisions: wf
                .decisions
                .iter()
                .map(|d| from(&d.roles, &d.approvals))
                .collect(),
            transitions: wf
                .transitions
                .iter()
                .map(|t| from(&t.roles, &t.approvals))
                .collect(),
            overrides: wf
                .phases
                .iter()
                .map(|p| Grant {
                    roles: p
                        .override_roles
                        .clone()
                        .or_else(|| wf.override_roles.clone()),
                    source: Source::Workflow,
                })
                .collect(),
        }
    }

    /// Who may take a decision.
    pub fn decision(&self, idx: usize) -> Grant {
        self.decisions.get(idx).cloned().unwrap_or_else(Grant::open)
    }

    /// Who may request a transition.
    pub fn transition(&self, idx: usize) -> Grant {
        self.transitions
            .get(idx)
            .cloned()
            .unwrap_or_else(Grant::open)
    }

    /// Who may override what blocks leaving a phase.
    pub fn overrides(&self, phase: crate::model::index::PhaseIdx) -> Grant {
        self.overrides
            .get(usize::from(phase.0))
            .cloned()
            .unwrap_or_else(Grant::open)
    }
}

/// Whether distinct people in `roles` (one per person, in order given) can fill the approval
/// entries `slots`, each person one entry of their role. Returns the entries still open, or
/// `None` when some person has no open entry of their role.
pub fn open_slots<'a>(
    slots: &'a [Arc<str>],
    roles: impl IntoIterator<Item = &'a str>,
) -> Option<Vec<&'a str>> {
    let mut open: Vec<&str> = slots.iter().map(AsRef::as_ref).collect();
    for role in roles {
        let i = open.iter().position(|s| *s == role)?;
        open.remove(i);
    }
    Some(open)
}

#[cfg(test)]
mod tests;
