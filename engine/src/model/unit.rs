//! Organisational units and their local variation: workflows run, parameter overrides, rules
//! added or switched off. A unit can never switch off a mandatory rule.

use std::sync::Arc;

use crate::diagnostics::{SourceFile, Span};
use crate::model::duty::Duty;
use crate::model::rules::{Action, RouteTo, Rule};
use crate::model::workflow::Workflow;
use crate::syntax::RuleScope;

/// A checked unit.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Id.
    pub id: Arc<str>,
    /// Version.
    pub version: u32,
    /// Name.
    pub title: String,
    /// The municipality or district (whose adult residents a rate is counted per).
    pub municipality: Option<String>,
    /// Workflows run.
    pub workflows: Vec<Arc<str>>,
    /// Parameter overrides: (workflow, parameter, value).
    pub parameters: Vec<(Arc<str>, Arc<str>, u32)>,
    /// Local rules added.
    pub added_rules: Vec<Arc<str>>,
    /// Rules switched off, with reasons.
    pub disabled_rules: Vec<(Arc<str>, String)>,
    /// The receiving unit of each named route target, as the unit file gives them:
    /// (target, unit).
    pub route_targets: Vec<(Arc<str>, Arc<str>)>,
    /// Local variations in rhai.
    pub hooks: Vec<Hook>,
    /// The effective configuration of each workflow it runs, in `workflows` order.
    pub configurations: Vec<Configuration>,
    /// The file it was read from.
    pub source: SourceFile,
}

/// A unit's effective configuration of one workflow: what runs for a case of that workflow in
/// this unit. Computed once at load from the workflow, the rules and the unit's variation; the
/// runtime, `lots show` and coverage all read it, so they cannot disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// The workflow.
    pub workflow: Arc<str>,
    /// Parameter values by the workflow's parameter index: the unit's override, else the
    /// default.
    pub parameters: Vec<u32>,
    /// The rules that run, in evaluation order: (index in the catalog's rules, index in that
    /// rule's `per_workflow`). Base rules the unit does not switch off (mandatory ones always)
    /// and the local rules it adds.
    pub rules: Vec<(usize, usize)>,
    /// The unit's hooks that run in this workflow: (index in `hooks`, index in that hook's
    /// `per_workflow`).
    pub hooks: Vec<(usize, usize)>,
    /// Where the named route targets of the rules that run go: (target, receiving unit), in
    /// the order the rules first name them. Resolved at load; a rule that runs here names no
    /// target missing from this list (`unit::missing_route_target`).
    pub routes: Vec<(Arc<str>, Arc<str>)>,
    /// What the legal duties of this configuration depend on (its mandatory rules, legal
    /// deadlines and duty transitions): see `duty`.
    pub duties: crate::model::duty::Duties,
    /// Who may take each decision, request each transition and record each override, with
    /// the unit's delegation applied: see `authority`.
    pub authority: crate::model::authority::Authority,
}

impl Configuration {
    /// Who a route goes to in this configuration: the rule's unit, the receiver of its route
    /// target, or a track owner's role. `None` only for a target the configuration does not resolve, which
    /// a loaded catalog never has.
    pub fn route_to<'a>(&'a self, to: &'a RouteTo) -> Option<&'a Arc<str>> {
        match to {
            RouteTo::Unit(unit) | RouteTo::Owner { role: unit, .. } => Some(unit),
            RouteTo::Target(target) => self
                .routes
                .iter()
                .find(|(t, _)| t == target)
                .map(|(_, unit)| unit),
        }
    }
}

impl Unit {
    /// The effective configuration of a workflow, if the unit runs it.
    pub fn configuration(&self, workflow: &str) -> Option<&Configuration> {
        self.configurations
            .iter()
            .find(|c| c.workflow.as_ref() == workflow)
    }
}

/// A unit hook, compiled for each workflow it runs in.
#[derive(Debug, Clone)]
pub struct Hook {
    /// Id.
    pub id: Arc<str>,
    /// What it is for.
    pub title: Option<String>,
    /// Event types it runs on (empty: every event).
    pub on: Vec<String>,
    /// What it does.
    pub kind: HookKind,
    /// Where it was written: its id, or for `derive` the fact it writes.
    pub span: Span,
    /// The compiled script per workflow.
    pub per_workflow: Vec<HookIn>,
}

/// What a hook does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookKind {
    /// Rejects an event unless the script returns true.
    Guard {
        /// Why, for the caseworker.
        reason: String,
    },
    /// Writes the script's value to a fact.
    Derive,
    /// Emits the actions the script returns.
    After {
        /// At most once per case.
        once: bool,
    },
}

/// A hook compiled for one workflow.
#[derive(Debug, Clone)]
pub struct HookIn {
    /// The workflow.
    pub workflow: Arc<str>,
    /// The script.
    pub script: Arc<crate::model::script::Script>,
    /// For `derive`: the fact written.
    pub fact: Option<crate::model::index::FactSlot>,
}

/// The most hooks a unit may have: each may run on every event within the sandbox's operation
/// limit, so this bounds the script work of one event.
pub const MAX_HOOKS: usize = 32;

/// The event types a hook's `on` may name.
pub const EVENT_TYPES: [&str; 15] = [
    "case_opened",
    "facts_recorded",
    "instrument_completed",
    "person_added",
    "session_held",
    "session_cancelled",
    "no_show",
    "transition_requested",
    "decision_made",
    "document_recorded",
    "override_recorded",
    "action_acknowledged",
    "deadline_extended",
    "time_passed",
    "case_closed",
];

/// What one unit hook or rule of a configuration may change, checked against the duty inputs:
/// for `lots show` and reviewers. In a catalog that loaded, no hook or non-mandatory rule has
/// an entry of `touches` with a duty (a mandatory rule may write what only it reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// `hook` or `rule`.
    pub kind: &'static str,
    /// Its id.
    pub id: Arc<str>,
    /// What it is: `guard`, `derive`, `after`, `base rule`, `local rule`, `mandatory rule`.
    pub role: &'static str,
    /// Facts it sets and deadlines it stops (`fact x`, `stops deadline y`), each with the duty
    /// it would weaken, if any.
    pub touches: Vec<(String, Option<Duty>)>,
}

/// The hooks of a unit and the rules that run in one of its configurations, with what each
/// writes.
pub fn writers(
    wf: &Workflow,
    rules: &[Rule],
    unit: &Unit,
    config: &crate::model::unit::Configuration,
) -> Vec<Writer> {
    let mut out = Vec::new();
    for &(i, j) in &config.hooks {
        let Some(hook) = unit.hooks.get(i) else {
            continue;
        };
        let fact = hook.per_workflow.get(j).and_then(|c| c.fact);
        let (role, touches) = match (&hook.kind, fact) {
            (HookKind::Guard { .. }, _) => ("guard", Vec::new()),
            (HookKind::After { .. }, _) => ("after", Vec::new()),
            (HookKind::Derive, Some(slot)) => (
                "derive",
                wf.facts
                    .get(usize::from(slot.0))
                    .map(|f| (format!("fact {}", f.id), config.duties.fact(slot).cloned()))
                    .into_iter()
                    .collect(),
            ),
            (HookKind::Derive, None) => ("derive", Vec::new()),
        };
        out.push(Writer {
            kind: "hook",
            id: hook.id.clone(),
            role,
            touches,
        });
    }
    for &(i, j) in &config.rules {
        let (Some(rule), Some(compiled)) = (
            rules.get(i),
            rules.get(i).and_then(|r| r.per_workflow.get(j)),
        ) else {
            continue;
        };
        let touches = compiled
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::Set { slot, .. } => {
                    let fact = wf.facts.get(usize::from(slot.0))?;
                    Some((
                        format!("fact {}", fact.id),
                        config.duties.fact(*slot).cloned(),
                    ))
                }
                Action::Stop(idx) => {
                    let d = wf.deadlines.get(usize::from(idx.0))?;
                    Some((
                        format!("stops deadline {}", d.id),
                        config.duties.deadline(*idx).cloned(),
                    ))
                }
                _ => None,
            })
            .collect();
        let role = match (rule.mandatory, rule.scope) {
            (true, _) => "mandatory rule",
            (false, RuleScope::Local) => "local rule",
            (false, RuleScope::Base) => "base rule",
        };
        out.push(Writer {
            kind: "rule",
            id: rule.id.clone(),
            role,
            touches,
        });
    }
    out
}
