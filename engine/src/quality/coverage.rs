//! Coverage: what the scenarios exercise of each unit's effective configuration, folded from
//! the steps they played (traces, actions and rejections). Per configuration (a unit running a
//! workflow): phases entered, transitions taken, rules fired, condition nodes seen true and
//! seen false, hooks run, deadlines started and fallen due.
//!
//! Phases, transitions and mandatory rules are *required*: a required item no scenario covers
//! is a gap, unless a `CoverageAllowance` file accepts it with a reason. Knows nothing of files
//! or output; `lots test` and the coverage test render it.

mod allowance;
mod html;
mod table;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::Catalog;
use crate::model::condition::Node;
use crate::model::unit::Configuration;
use crate::model::workflow::Workflow;
use crate::quality::scenario::Played;
use crate::runtime::{ActionKind, Reason, TraceEntry};

pub use allowance::{Allowance, load_allowance};
pub use html::render_html;
pub use table::render_table;

/// Coverage of every unit's effective configuration of every workflow it runs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    /// One entry per (unit, workflow), in catalog order.
    pub configurations: Vec<ConfigurationCoverage>,
}

/// Coverage of one unit's configuration of one workflow.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigurationCoverage {
    /// The unit.
    pub unit: String,
    /// The workflow.
    pub workflow: String,
    /// How many scenario runs were played in this configuration.
    pub runs: usize,
    /// Phases, in workflow order; covered when entered.
    pub phases: Vec<Item>,
    /// Transitions (`from -> to`), in workflow order; covered when taken.
    pub transitions: Vec<Item>,
    /// The rules that run here, in evaluation order; covered when fired.
    pub rules: Vec<Item>,
    /// The unit's hooks in this workflow; covered when their script ran.
    pub hooks: Vec<Item>,
    /// Deadlines; covered when started, and separately when fallen due.
    pub deadlines: Vec<DeadlineItem>,
    /// Every node of every rule condition and transition guard.
    pub conditions: Vec<NodeItem>,
    /// Per transition: its phases and the path of its guard's root node, if it has one.
    #[serde(skip)]
    guards: Vec<(String, String, Option<String>)>,
}

/// A phase, transition, rule or hook and the scenarios that covered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Its id (`from -> to` for transitions).
    pub id: String,
    /// Whether a scenario must cover it: phases, transitions, mandatory rules.
    pub required: bool,
    /// For transitions: whether it has a guard (`when`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub guarded: bool,
    /// The scenarios that covered it.
    pub by: BTreeSet<String>,
    /// Why it may stay uncovered, from an allowance file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<String>,
}

impl Item {
    fn new(id: String, required: bool) -> Self {
        Item {
            id,
            required,
            guarded: false,
            by: BTreeSet::new(),
            allowed: None,
        }
    }

    /// Whether a scenario covered it.
    pub fn covered(&self) -> bool {
        !self.by.is_empty()
    }

    /// Required, uncovered and not allowed.
    pub fn is_gap(&self) -> bool {
        self.required && !self.covered() && self.allowed.is_none()
    }
}

/// A deadline: started, and fallen due (an overdue action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineItem {
    /// The deadline.
    pub id: String,
    /// Scenarios in which it started.
    pub started_by: BTreeSet<String>,
    /// Scenarios in which it fell due.
    pub due_by: BTreeSet<String>,
}

/// A condition node and the values it was seen with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeItem {
    /// Whose condition: `rule <id>` or `<from> -> <to>`.
    pub owner: String,
    /// The node's stable path.
    pub path: String,
    /// Seen true in some scenario.
    pub seen_true: bool,
    /// Seen false in some scenario.
    pub seen_false: bool,
}

/// Covered out of total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ratio {
    /// Covered.
    pub covered: usize,
    /// All.
    pub total: usize,
}

impl Ratio {
    fn of<'a>(items: impl IntoIterator<Item = &'a Item>) -> Ratio {
        items.into_iter().fold(Ratio::default(), |r, i| Ratio {
            covered: r.covered + usize::from(i.covered()),
            total: r.total + 1,
        })
    }

    fn add(self, other: Ratio) -> Ratio {
        Ratio {
            covered: self.covered + other.covered,
            total: self.total + other.total,
        }
    }

    /// The share covered, in percent (100 when there is nothing to cover).
    pub fn percent(self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            self.covered as f64 * 100.0 / self.total as f64
        }
    }
}

/// A configuration's coverage figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Phases entered.
    pub phases: Ratio,
    /// Transitions taken.
    pub transitions: Ratio,
    /// Rules fired.
    pub rules: Ratio,
    /// Mandatory rules fired.
    pub mandatory_rules: Ratio,
    /// Hooks run.
    pub hooks: Ratio,
    /// Deadlines started.
    pub deadlines_started: Ratio,
    /// Deadlines fallen due.
    pub deadlines_due: Ratio,
    /// Condition outcomes: each node counts twice, once for true and once for false.
    pub condition_outcomes: Ratio,
    /// Everything above together (mandatory rules counted once, as rules).
    pub overall: Ratio,
}

/// A required item that no scenario covers and no allowance accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The unit.
    pub unit: String,
    /// The workflow.
    pub workflow: String,
    /// `phase`, `transition` or `mandatory rule`.
    pub what: &'static str,
    /// Its id.
    pub id: String,
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} `{}` of {} in {} is covered by no scenario",
            self.what, self.id, self.workflow, self.unit
        )
    }
}

impl Coverage {
    /// Nothing covered yet: every configuration of the catalog with all it could cover.
    pub fn of(catalog: &Catalog) -> Coverage {
        let configurations = catalog
            .units
            .iter()
            .flat_map(|unit| {
                unit.configurations.iter().filter_map(|config| {
                    let wf = catalog.workflow(&config.workflow)?;
                    Some(configuration(catalog, wf, &unit.id, config))
                })
            })
            .collect();
        Coverage { configurations }
    }

    /// Folds one played run of a scenario into the coverage of its configuration.
    pub fn record(&mut self, scenario: &str, workflow: &str, played: &Played) {
        let Some(config) = self
            .configurations
            .iter_mut()
            .find(|c| c.workflow == workflow && c.unit == played.unit)
        else {
            return;
        };
        config.runs += 1;
        let mut phase = String::new();
        for outcome in &played.outcomes {
            match &outcome.result {
                Ok(step) => {
                    phase.clone_from(&step.phase);
                    mark(&mut config.phases, &step.phase, scenario);
                    for entry in &step.trace.entries {
                        config.record_entry(entry, scenario);
                    }
                    for action in &step.actions {
                        if let ActionKind::DeadlineOverdue { deadline, .. } = &action.kind
                            && let Some(d) = config.deadlines.iter_mut().find(|d| d.id == *deadline)
                        {
                            d.due_by.insert(scenario.to_owned());
                        }
                    }
                }
                Err(rejection) => {
                    // A rejection carries no trace, but says what was evaluated: a unit guard
                    // that objected ran its script, and a transition guard that does not hold
                    // was seen false.
                    for reason in &rejection.reasons {
                        match reason {
                            Reason::UnitGuard { hook, .. } => {
                                mark(&mut config.hooks, hook, scenario);
                            }
                            Reason::ConditionNotMet { to, failing, .. } => {
                                config.guard_false(&phase, to, failing);
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }

    /// Every required item no scenario covers and no allowance accepts.
    pub fn gaps(&self) -> Vec<Gap> {
        self.configurations
            .iter()
            .flat_map(|c| {
                c.uncovered()
                    .filter(|(_, i)| i.is_gap())
                    .map(|(what, i)| Gap {
                        unit: c.unit.clone(),
                        workflow: c.workflow.clone(),
                        what: if what == "rule" {
                            "mandatory rule"
                        } else {
                            what
                        },
                        id: i.id.clone(),
                    })
            })
            .collect()
    }

    /// The figures over every configuration.
    pub fn totals(&self) -> Totals {
        self.configurations
            .iter()
            .map(ConfigurationCoverage::totals)
            .fold(Totals::default(), |a, b| Totals {
                phases: a.phases.add(b.phases),
                transitions: a.transitions.add(b.transitions),
                rules: a.rules.add(b.rules),
                mandatory_rules: a.mandatory_rules.add(b.mandatory_rules),
                hooks: a.hooks.add(b.hooks),
                deadlines_started: a.deadlines_started.add(b.deadlines_started),
                deadlines_due: a.deadlines_due.add(b.deadlines_due),
                condition_outcomes: a.condition_outcomes.add(b.condition_outcomes),
                overall: a.overall.add(b.overall),
            })
    }
}

impl ConfigurationCoverage {
    /// The phases, transitions, rules and hooks no scenario covers, each with its kind.
    pub fn uncovered(&self) -> impl Iterator<Item = (&'static str, &Item)> {
        [
            ("phase", &self.phases),
            ("transition", &self.transitions),
            ("rule", &self.rules),
            ("hook", &self.hooks),
        ]
        .into_iter()
        .flat_map(|(what, items)| {
            items
                .iter()
                .filter(|i| !i.covered())
                .map(move |i| (what, i))
        })
    }

    /// This configuration's figures.
    pub fn totals(&self) -> Totals {
        let started = self.deadlines.iter().fold(Ratio::default(), |r, d| Ratio {
            covered: r.covered + usize::from(!d.started_by.is_empty()),
            total: r.total + 1,
        });
        let due = self.deadlines.iter().fold(Ratio::default(), |r, d| Ratio {
            covered: r.covered + usize::from(!d.due_by.is_empty()),
            total: r.total + 1,
        });
        let outcomes = self.conditions.iter().fold(Ratio::default(), |r, n| Ratio {
            covered: r.covered + usize::from(n.seen_true) + usize::from(n.seen_false),
            total: r.total + 2,
        });
        let phases = Ratio::of(&self.phases);
        let transitions = Ratio::of(&self.transitions);
        let rules = Ratio::of(&self.rules);
        let hooks = Ratio::of(&self.hooks);
        Totals {
            phases,
            transitions,
            rules,
            mandatory_rules: Ratio::of(self.rules.iter().filter(|r| r.required)),
            hooks,
            deadlines_started: started,
            deadlines_due: due,
            condition_outcomes: outcomes,
            overall: [phases, transitions, rules, hooks, started, due, outcomes]
                .into_iter()
                .fold(Ratio::default(), Ratio::add),
        }
    }

    /// The guards of the transitions `from -> to` were seen false.
    /// A refused guard was seen false, and so was every part on the way from it to each of
    /// its smallest false parts (a false `all` or `any` above a false part is false too).
    fn guard_false(&mut self, from: &str, to: &str, failing: &[crate::runtime::FailingPart]) {
        let roots: Vec<&String> = self
            .guards
            .iter()
            .filter(|(f, t, _)| f == from && t == to)
            .filter_map(|(_, _, root)| root.as_ref())
            .collect();
        let on_the_way = |path: &str| {
            failing.iter().any(|part| {
                part.path == path
                    || part
                        .path
                        .strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
        };
        for n in &mut self.conditions {
            let in_guard = roots.iter().any(|root| {
                n.path == **root
                    || n.path
                        .strip_prefix(root.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            });
            if in_guard && (roots.contains(&&n.path) || on_the_way(&n.path)) {
                n.seen_false = true;
            }
        }
    }

    fn record_entry(&mut self, entry: &TraceEntry, scenario: &str) {
        match entry {
            TraceEntry::PhaseEntered { to, transition, .. } => {
                mark(&mut self.phases, to, scenario);
                if let Some(t) = self.transitions.get_mut(*transition) {
                    t.by.insert(scenario.to_owned());
                }
            }
            TraceEntry::TrackStarted { phase, .. } => mark(&mut self.phases, phase, scenario),
            TraceEntry::RuleFired { rule, .. } => mark(&mut self.rules, rule, scenario),
            TraceEntry::HookRan { hook, .. } => mark(&mut self.hooks, hook, scenario),
            TraceEntry::DeadlineStarted { deadline, .. } => {
                if let Some(d) = self.deadlines.iter_mut().find(|d| d.id == *deadline) {
                    d.started_by.insert(scenario.to_owned());
                }
            }
            TraceEntry::Condition { nodes, .. } => {
                for (path, value) in nodes.iter() {
                    if let Some(item) = self.conditions.iter_mut().find(|i| i.path == path.as_ref())
                    {
                        if value {
                            item.seen_true = true;
                        } else {
                            item.seen_false = true;
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A transition's id in coverage: `from -> to`.
pub fn transition_id(from: &str, to: &str) -> String {
    format!("{from} -> {to}")
}

/// The ids of a workflow's transitions, in order: `from -> to`, and `from -> to (2)` for a
/// second transition joining the same phases (under another guard).
pub fn transition_ids(wf: &Workflow) -> Vec<String> {
    let name = |i| wf.phase(i).map(|p| p.id.to_string()).unwrap_or_default();
    let mut ids: Vec<String> = Vec::new();
    for t in &wf.transitions {
        let base = transition_id(&name(t.from), &name(t.to));
        let n = ids
            .iter()
            .filter(|id| **id == base || id.starts_with(&format!("{base} (")))
            .count();
        ids.push(if n == 0 {
            base
        } else {
            format!("{base} ({})", n + 1)
        });
    }
    ids
}

fn mark(items: &mut [Item], id: &str, scenario: &str) {
    if let Some(item) = items.iter_mut().find(|i| i.id == id) {
        item.by.insert(scenario.to_owned());
    }
}

fn configuration(
    catalog: &Catalog,
    wf: &Workflow,
    unit: &str,
    config: &Configuration,
) -> ConfigurationCoverage {
    let mut conditions = Vec::new();
    let name = |i| wf.phase(i).map(|p| p.id.to_string()).unwrap_or_default();
    let guards = wf
        .transitions
        .iter()
        .map(|t| {
            let root = t.when.as_ref().map(|w| w.root.path.to_string());
            (name(t.from), name(t.to), root)
        })
        .collect();
    let transitions = wf
        .transitions
        .iter()
        .zip(transition_ids(wf))
        .map(|(t, id)| {
            if let Some(when) = &t.when {
                nodes(&when.root, &id, &mut conditions);
            }
            Item {
                guarded: t.when.is_some(),
                ..Item::new(id, true)
            }
        })
        .collect();
    let rules = config
        .rules
        .iter()
        .filter_map(|&(i, j)| {
            let rule = catalog.rules.get(i)?;
            let compiled = rule.per_workflow.get(j)?;
            nodes(
                &compiled.when.root,
                &format!("rule {}", rule.id),
                &mut conditions,
            );
            Some(Item::new(rule.id.to_string(), rule.mandatory))
        })
        .collect();
    let hooks = config
        .hooks
        .iter()
        .filter_map(|&(i, _)| {
            let unit = catalog.unit(unit)?;
            let hook = unit.hooks.get(i)?;
            Some(Item::new(hook.id.to_string(), false))
        })
        .collect();
    ConfigurationCoverage {
        unit: unit.to_owned(),
        workflow: wf.id.to_string(),
        runs: 0,
        phases: wf
            .phases
            .iter()
            .map(|p| Item::new(p.id.to_string(), true))
            .collect(),
        transitions,
        rules,
        hooks,
        deadlines: wf
            .deadlines
            .iter()
            .map(|d| DeadlineItem {
                id: d.id.to_string(),
                started_by: BTreeSet::new(),
                due_by: BTreeSet::new(),
            })
            .collect(),
        conditions,
        guards,
    }
}

/// Every node of a condition, depth first. A condition written once for several transitions
/// (`from: [a, b]`) is one condition: its nodes are listed once.
fn nodes(node: &Node, owner: &str, out: &mut Vec<NodeItem>) {
    if out.iter().any(|n| n.path == node.path.as_ref()) {
        return;
    }
    push_nodes(node, owner, out);
}

fn push_nodes(node: &Node, owner: &str, out: &mut Vec<NodeItem>) {
    out.push(NodeItem {
        owner: owner.to_owned(),
        path: node.path.to_string(),
        seen_true: false,
        seen_false: false,
    });
    for child in node.children() {
        push_nodes(child, owner, out);
    }
}
