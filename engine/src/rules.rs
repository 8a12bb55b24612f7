//! Routing rules: conditions compiled per workflow, and the actions they take.

use std::sync::Arc;

use crate::catalog::lower::{Ctx, Known};
use crate::catalog::resolve;
use crate::condition::lower::{self as cond, Scope};
use crate::condition::{Condition, Value};
use crate::diagnostics::{Code, Diagnostics, SourceFile, Span};
use crate::instrument::Instrument;
use crate::syntax::{ActionDecl, FireMode, FlagLevel, RouteKind, RuleScope, RulesFile, Urgency};
use crate::workflow::{DeadlineIdx, Workflow};

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
        /// The receiving unit.
        to: Arc<str>,
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
        due: Option<(crate::condition::Amount, crate::calendar::Unit)>,
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
        slot: crate::workflow::FactSlot,
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
                    known.check_unit(ctx, &route.to);
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
            Rule {
                id: r.id.value.as_str().into(),
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

fn action(ctx: &mut Ctx<'_>, scope: &Scope<'_>, a: &ActionDecl) -> Option<Action> {
    let wf = scope.workflow;
    Some(match a {
        ActionDecl::Route(r) => Action::Route {
            to: r.to.value.as_str().into(),
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
