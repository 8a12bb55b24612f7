//! Routing rules: conditions compiled per workflow, and the actions they take.

use std::sync::Arc;

use crate::diagnostics::{SourceFile, Span};
use crate::model::condition::Condition;
use crate::model::fact::Value;
use crate::model::index::{CollectionIdx, DeadlineIdx, FactSlot};
use crate::syntax::{FireMode, FlagLevel, RouteKind, RuleScope, Urgency};

/// A checked routing rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Id.
    pub id: Arc<str>,
    /// Title.
    pub title: String,
    /// The rule set it belongs to.
    pub rule_set: Arc<str>,
    /// Legal concept id.
    pub legal: Option<Arc<str>>,
    /// A duty in law.
    pub mandatory: bool,
    /// Base or local.
    pub scope: RuleScope,
    /// When it fires.
    pub fires: FireMode,
    /// The compiled condition and actions, per workflow the rule runs in.
    pub per_workflow: Vec<RuleIn>,
    /// The workflows its rules file names, as written (also when a workflow failed to
    /// compile the rule).
    pub workflows: Vec<Arc<str>>,
    /// The named route targets its actions use, each once in action order, with where the
    /// action was written; read from the file, so known even when the rule failed to compile.
    pub targets: Vec<(Arc<str>, Span)>,
    /// Where the rule's id was written.
    pub span: Span,
    /// Where each action was written (in `actions` order).
    pub action_spans: Vec<Span>,
    /// The file it was read from.
    pub source: SourceFile,
}

/// A rule compiled for one workflow.
#[derive(Debug, Clone)]
pub struct RuleIn {
    /// The workflow's id.
    pub workflow: Arc<str>,
    /// The condition.
    pub when: Condition,
    /// The actions.
    pub actions: Vec<Action>,
    /// The collection whose people it runs for, one at a time.
    pub for_each: Option<CollectionIdx>,
    /// Facts whose change makes it fire again while its condition holds.
    pub again_when_changed: Vec<FactSlot>,
}

/// An action, resolved against a workflow.
#[derive(Debug, Clone)]
pub enum Action {
    /// A report or referral to a unit.
    Route {
        /// The receiving unit, or the route target each unit resolves.
        to: RouteTo,
        /// What is sent.
        kind: RouteKind,
        /// How soon.
        urgency: Urgency,
    },
    /// A task.
    Task {
        /// What to do.
        title: String,
        /// Due after this many days, counted so.
        due: Option<(
            crate::model::condition::Amount,
            crate::model::calendar::Unit,
        )>,
    },
    /// An offered intervention.
    Offer {
        /// The intervention.
        intervention: Arc<str>,
        /// Title.
        title: Option<String>,
    },
    /// Set a fact.
    Set {
        /// The fact's slot.
        slot: crate::model::index::FactSlot,
        /// The value.
        value: Value,
    },
    /// Start a deadline.
    Start(DeadlineIdx),
    /// Stop a deadline.
    Stop(DeadlineIdx),
    /// A warning.
    Flag {
        /// The message.
        message: String,
        /// How serious.
        level: FlagLevel,
    },
}

/// Where a route goes: one unit for every unit that runs the rule, or a named target that each
/// unit's configuration resolves at load (`Configuration::route_to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTo {
    /// This unit.
    Unit(Arc<str>),
    /// The unit that the running unit's `route_targets` names for this target.
    Target(Arc<str>),
    /// The owner of a parallel track: another unit or an outside agency, a role of the
    /// workflow.
    Owner {
        /// The track.
        track: Arc<str>,
        /// Its owner's role.
        role: Arc<str>,
    },
}

impl std::fmt::Display for RouteTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteTo::Unit(u) => write!(f, "{u}"),
            RouteTo::Target(t) => write!(f, "{t}"),
            RouteTo::Owner { track, role } => write!(f, "{role} (track {track})"),
        }
    }
}
