//! Routing rules: conditions compiled per workflow, and the actions they take.

use std::sync::Arc;

use crate::catalog::lower::{Ctx, Known};
use crate::catalog::resolve;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, SourceFile, Span};
use crate::model::condition::lower::{self as cond, Scope};
use crate::model::condition::{Condition, Value};
use crate::model::instrument::Instrument;
use crate::model::workflow::{DeadlineIdx, Workflow};
use crate::syntax::{ActionDecl, FireMode, FlagLevel, RouteKind, RuleScope, RulesFile, Urgency};

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
        slot: crate::model::workflow::FactSlot,
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
}

impl std::fmt::Display for RouteTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteTo::Unit(u) => write!(f, "{u}"),
            RouteTo::Target(t) => write!(f, "{t}"),
        }
    }
}

/// Lowers a rules file against the workflows it names.
pub(crate) fn lower(
    ctx: &mut Ctx<'_>,
    file: &RulesFile,
    workflows: &[Workflow],
    instruments: &[Instrument],
    known: &Known,
) -> Vec<Rule> {
    ctx.check_unique("rule", file.rules.iter().map(|r| &r.id));
    let targets: Vec<&Workflow> = file
        .workflows
        .iter()
        .filter_map(|w| resolve::workflow(ctx, workflows, w))
        .collect();
    file.rules
        .iter()
        .map(|r| {
            if let Some(legal) = &r.legal {
                known.check_legal(ctx, legal);
            }
            for a in &r.actions {
                if let ActionDecl::Route(route) = &a.value {
                    check_route(ctx, known, &r.id.value, route, a.span);
                }
            }
            let mut per_workflow = Vec::new();
            // One mistake in a rule shared by several workflows is one diagnostic: the same
            // code at the same place is reported once, for the first workflow it fails in.
            let mut reported: Vec<(Code, Option<Span>)> = Vec::new();
            for wf in &targets {
                let scope = Scope {
                    workflow: wf,
                    instruments,
                    scripting: &known.scripting,
                };
                let mut found = Diagnostics::default();
                let mut wctx = Ctx {
                    source: ctx.source,
                    diags: &mut found,
                };
                let path = format!("rules/{}/when", r.id.value);
                let when = cond::lower(&mut wctx, &scope, &path, &r.when);
                let actions: Vec<Option<Action>> = r
                    .actions
                    .iter()
                    .map(|a| action(&mut wctx, &scope, &a.value))
                    .collect();
                for d in found {
                    if !reported.contains(&(d.code, d.span)) {
                        reported.push((d.code, d.span));
                        ctx.push(d);
                    }
                }
                if let (Some(when), Some(actions)) =
                    (when, actions.into_iter().collect::<Option<Vec<_>>>())
                {
                    per_workflow.push(RuleIn {
                        workflow: wf.id.clone(),
                        when,
                        actions,
                    });
                }
            }
            let mut targets: Vec<(Arc<str>, Span)> = Vec::new();
            for a in &r.actions {
                if let ActionDecl::Route(crate::syntax::RouteAction {
                    target: Some(t), ..
                }) = &a.value
                    && !targets.iter().any(|(seen, _)| seen.as_ref() == t.value)
                {
                    targets.push((t.value.as_str().into(), a.span));
                }
            }
            Rule {
                id: r.id.value.as_str().into(),
                workflows: file
                    .workflows
                    .iter()
                    .map(|w| Arc::from(w.value.as_str()))
                    .collect(),
                targets,
                title: r.title.clone(),
                rule_set: file.id.value.as_str().into(),
                legal: r.legal.as_ref().map(|l| l.value.as_str().into()),
                mandatory: r.mandatory,
                scope: r.scope,
                fires: r.fires,
                per_workflow,
                span: r.id.span,
                action_spans: r.actions.iter().map(|a| a.span).collect(),
                source: ctx.source.clone(),
            }
        })
        .collect()
}

/// A route names exactly one of a unit (which must exist) and a route target.
fn check_route(
    ctx: &mut Ctx<'_>,
    known: &Known,
    rule: &str,
    route: &crate::syntax::RouteAction,
    span: Span,
) {
    match (&route.to, &route.target) {
        (Some(to), None) => known.check_unit(ctx, to),
        (None, Some(_)) => {}
        (to, target) => {
            let both = to.is_some() && target.is_some();
            let message = if both {
                format!("a route of rule `{rule}` names both `to` and `target`")
            } else {
                format!("a route of rule `{rule}` names neither `to` nor `target`")
            };
            let at = to.as_ref().or(target.as_ref()).map_or(span, |s| s.span);
            ctx.push(
                Diagnostic::new(Code::InvalidRoute, message)
                    .at(ctx.source, at)
                    .label(if both { "one too many" } else { "no receiver" })
                    .help(
                        "give `to: <unit id>` when every unit sends to the same unit, or \
                         `target: <name>` when each unit names its own receiver in its \
                         `route_targets` (e.g. its own intake); not both",
                    ),
            );
        }
    }
}

fn action(ctx: &mut Ctx<'_>, scope: &Scope<'_>, a: &ActionDecl) -> Option<Action> {
    let wf = scope.workflow;
    Some(match a {
        ActionDecl::Route(r) => Action::Route {
            to: match (&r.to, &r.target) {
                (Some(to), None) => RouteTo::Unit(to.value.as_str().into()),
                (None, Some(target)) => RouteTo::Target(target.value.as_str().into()),
                // Reported by `check_route`.
                _ => return None,
            },
            kind: r.kind,
            urgency: r.urgency,
        },
        ActionDecl::Task(t) => {
            let due = match &t.due {
                Some(l) => Some(cond::length(ctx, scope, l)?),
                None => None,
            };
            Action::Task {
                title: t.title.clone(),
                due,
            }
        }
        ActionDecl::Offer(o) => Action::Offer {
            intervention: o.intervention.value.as_str().into(),
            title: o.title.clone(),
        },
        ActionDecl::Set(s) => {
            let (slot, decl) = resolve::fact(ctx, wf, &s.fact)?;
            Action::Set {
                slot,
                value: cond::literal(ctx, decl, &s.value)?,
            }
        }
        ActionDecl::Start(id) => Action::Start(resolve::deadline(ctx, wf, id)?),
        ActionDecl::Stop(id) => Action::Stop(resolve::deadline(ctx, wf, id)?),
        ActionDecl::Flag(f) => Action::Flag {
            message: f.message.clone(),
            level: f.level,
        },
    })
}
