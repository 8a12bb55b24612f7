//! Mutation check of a scenario suite: switch off one rule, or one transition guard, in a copy
//! of the catalog, play every scenario against the copy, and see whether any scenario fails.
//! A mutant no scenario notices is a duty or a path the suite does not really test.

use std::sync::Arc;

use serde::Serialize;

use crate::Catalog;
use crate::quality::coverage::transition_ids;
use crate::quality::scenario::{self, Scenario};

/// One change to the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Mutant {
    /// The rule never runs, in any unit.
    RuleOff {
        /// The rule.
        rule: String,
        /// Whether it is a duty in law.
        mandatory: bool,
    },
    /// The transition's guard is removed: the transition is always allowed.
    GuardOff {
        /// The workflow.
        workflow: String,
        /// `from -> to`.
        transition: String,
    },
}

impl std::fmt::Display for Mutant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mutant::RuleOff { rule, mandatory } => write!(
                f,
                "rule {rule}{} switched off",
                if *mandatory { " (mandatory)" } else { "" }
            ),
            Mutant::GuardOff {
                workflow,
                transition,
            } => write!(f, "guard of {workflow} {transition} removed"),
        }
    }
}

/// What the suite made of one mutant.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The change.
    pub mutant: Mutant,
    /// The scenario runs (`scenario@unit`) that failed against it; empty: it survived.
    pub killed_by: Vec<String>,
}

impl Verdict {
    /// Whether some scenario noticed the change.
    pub fn killed(&self) -> bool {
        !self.killed_by.is_empty()
    }

    /// Whether the suite must kill it: mandatory rules and transition guards.
    pub fn must_be_killed(&self) -> bool {
        match &self.mutant {
            Mutant::RuleOff { mandatory, .. } => *mandatory,
            Mutant::GuardOff { .. } => true,
        }
    }
}

/// Every rule that runs in some unit, and every guarded transition.
pub fn mutants(catalog: &Catalog) -> Vec<Mutant> {
    let rules = catalog
        .rules
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            catalog
                .units
                .iter()
                .flat_map(|u| &u.configurations)
                .any(|c| c.rules.iter().any(|(r, _)| r == i))
        })
        .map(|(_, r)| Mutant::RuleOff {
            rule: r.id.to_string(),
            mandatory: r.mandatory,
        });
    let guards = catalog.workflows.iter().flat_map(|wf| {
        wf.transitions
            .iter()
            .zip(transition_ids(wf))
            .filter(|(t, _)| t.when.is_some())
            .map(|(_, id)| Mutant::GuardOff {
                workflow: wf.id.to_string(),
                transition: id,
            })
            .collect::<Vec<_>>()
    });
    rules.chain(guards).collect()
}

/// A copy of the catalog with the change made.
pub fn mutate(catalog: &Catalog, mutant: &Mutant) -> Catalog {
    let mut copy = catalog.clone();
    match mutant {
        Mutant::RuleOff { rule, .. } => {
            if let Some(idx) = copy.rules.iter().position(|r| r.id.as_ref() == rule) {
                for config in copy.units.iter_mut().flat_map(|u| &mut u.configurations) {
                    config.rules.retain(|(i, _)| *i != idx);
                }
            }
        }
        Mutant::GuardOff {
            workflow,
            transition,
        } => {
            if let Some(wf) = copy
                .workflows
                .iter_mut()
                .find(|w| w.id.as_ref() == workflow)
            {
                let wf = Arc::make_mut(wf);
                let ids = transition_ids(wf);
                for (t, id) in wf.transitions.iter_mut().zip(ids) {
                    if id == *transition {
                        t.when = None;
                    }
                }
            }
        }
    }
    copy
}

/// Plays every scenario against every mutant.
pub fn check(catalog: &Catalog, scenarios: &[Scenario]) -> Vec<Verdict> {
    mutants(catalog)
        .into_iter()
        .map(|mutant| {
            let mutated = mutate(catalog, &mutant);
            let killed_by = scenarios
                .iter()
                .flat_map(|s| {
                    scenario::play(&mutated, s)
                        .into_iter()
                        .filter(|p| !p.failures.is_empty())
                        .map(|p| format!("{}@{}", s.id, p.unit))
                        .collect::<Vec<_>>()
                })
                .collect();
            Verdict { mutant, killed_by }
        })
        .collect()
}
