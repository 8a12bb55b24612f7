//! Lowering a `Rules` file: each rule compiled once per workflow it runs in.

use super::condition::{self as cond, Scope};
use super::ctx::{Ctx, Known};
use super::resolve;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Span};
use crate::model::index::FactSlot;
use crate::model::instrument::Instrument;
use crate::model::rules::{Action, RouteTo, Rule, RuleIn};
use crate::model::workflow::Workflow;
use crate::syntax::{ActionDecl, RulesFile};
use std::sync::Arc;

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
                let mut found = Diagnostics::default();
                let mut wctx = Ctx {
                    source: ctx.source,
                    diags: &mut found,
                };
                // `None` when the collection is unknown: the rule is then not compiled here.
                let for_each = match &r.for_each {
                    Some(of) => resolve::people(&mut wctx, wf, of).map(|(idx, _)| Some(idx)),
                    None => Some(None),
                };
                let Some(for_each) = for_each else {
                    report(ctx, &mut reported, found);
                    continue;
                };
                let scope = Scope {
                    person: for_each,
                    workflow: wf,
                    instruments,
                    scripting: &known.scripting,
                };
                let again: Vec<Option<FactSlot>> = r
                    .again_when_changed
                    .iter()
                    .map(|f| resolve::fact_of(&mut wctx, wf, f, for_each).map(|(slot, _)| slot))
                    .collect();
                let path = format!("rules/{}/when", r.id.value);
                let when = cond::lower(&mut wctx, &scope, &path, &r.when);
                let actions: Vec<Option<Action>> = r
                    .actions
                    .iter()
                    .map(|a| action(&mut wctx, &scope, &a.value))
                    .collect();
                report(ctx, &mut reported, found);
                if let (Some(when), Some(actions), Some(again_when_changed)) = (
                    when,
                    actions.into_iter().collect::<Option<Vec<_>>>(),
                    again.into_iter().collect::<Option<Vec<_>>>(),
                ) {
                    per_workflow.push(RuleIn {
                        workflow: wf.id.clone(),
                        when,
                        actions,
                        for_each,
                        again_when_changed,
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

/// Reports what one workflow's compilation found, except what another already reported.
fn report(ctx: &mut Ctx<'_>, reported: &mut Vec<(Code, Option<Span>)>, found: Diagnostics) {
    for d in found {
        if !reported.contains(&(d.code, d.span)) {
            reported.push((d.code, d.span));
            ctx.push(d);
        }
    }
}

/// A route names exactly one of a unit (which must exist), a route target and a track.
fn check_route(
    ctx: &mut Ctx<'_>,
    known: &Known,
    rule: &str,
    route: &crate::syntax::RouteAction,
    span: Span,
) {
    let named: Vec<&crate::syntax::Spanned<String>> = [&route.to, &route.target, &route.track]
        .into_iter()
        .flatten()
        .collect();
    match (named.as_slice(), &route.to) {
        ([_], Some(to)) => known.check_unit(ctx, to),
        ([_], None) => {}
        (named, _) => {
            let many = named.len() > 1;
            let message = if many {
                format!("a route of rule `{rule}` names more than one receiver")
            } else {
                format!("a route of rule `{rule}` names no receiver")
            };
            let at = named.get(1).map_or(span, |s| s.span);
            ctx.push(
                Diagnostic::new(Code::InvalidRoute, message)
                    .at(ctx.source, at)
                    .label(if many { "one too many" } else { "no receiver" })
                    .help(
                        "give `to: <unit id>` when every unit sends to the same unit, \
                         `target: <name>` when each unit names its own receiver in its \
                         `route_targets` (e.g. its own intake), or `track: <track id>` to send \
                         to the owner of a parallel track (e.g. the police); exactly one",
                    ),
            );
        }
    }
}

/// The owner of a track of the workflow, as a route receiver.
fn track_owner(
    ctx: &mut Ctx<'_>,
    wf: &Workflow,
    track: &crate::syntax::Spanned<String>,
) -> Option<RouteTo> {
    let Some(t) = wf.tracks.iter().find(|t| *t.id == *track.value) else {
        let owner = format!("workflow `{}`", wf.id);
        let names = wf.tracks.iter().map(|t| t.id.as_ref());
        ctx.unknown(Code::UnknownTrack, Some(&owner), "track", track, names);
        return None;
    };
    let Some(role) = &t.owner else {
        ctx.push(
            Diagnostic::new(
                Code::InvalidRoute,
                format!(
                    "track `{}` of workflow `{}` names no owner to route to",
                    t.id, wf.id
                ),
            )
            .at(ctx.source, track.span)
            .label("no owner")
            .help("give the track an `owner: <role id>` (the unit or agency that runs it), or route `to` a unit"),
        );
        return None;
    };
    Some(RouteTo::Owner {
        track: t.id.clone(),
        role: role.clone(),
    })
}

fn action(ctx: &mut Ctx<'_>, scope: &Scope<'_>, a: &ActionDecl) -> Option<Action> {
    let wf = scope.workflow;
    Some(match a {
        ActionDecl::Route(r) => Action::Route {
            to: match (&r.to, &r.target, &r.track) {
                (Some(to), None, None) => RouteTo::Unit(to.value.as_str().into()),
                (None, Some(target), None) => RouteTo::Target(target.value.as_str().into()),
                (None, None, Some(track)) => track_owner(ctx, wf, track)?,
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
