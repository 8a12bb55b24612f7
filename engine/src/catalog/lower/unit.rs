//! Lowering a `Unit` file: its configuration of each workflow (parameters, disabled and local rules, hooks, guards, routes and delegation), checked against the duties.

use super::ctx::{Ctx, Known};
use super::resolve;
use crate::diagnostics::{Code, Diagnostic, SourceFile, Span, suggest};
use crate::model::rules::Rule;
use crate::model::script::Script;
use crate::model::unit::{Configuration, EVENT_TYPES, Hook, HookIn, HookKind, MAX_HOOKS, Unit};
use crate::model::workflow::Workflow;
use crate::syntax::{RuleScope, UnitFile};
use std::sync::Arc;

/// What a unit varies: its overrides, rule choices, hooks and delegation.
struct Variation<'a> {
    parameters: &'a [(Arc<str>, Arc<str>, u32)],
    added: &'a [Arc<str>],
    disabled: &'a [(Arc<str>, String)],
    hooks: &'a [Hook],
    delegation: &'a [super::authority::Delegation],
}

/// The effective configuration of `wf` in a unit with this variation.
fn configure(
    wf: &Workflow,
    variation: &Variation<'_>,
    rules: &[Rule],
    instruments: &[crate::model::instrument::Instrument],
) -> Configuration {
    let Variation {
        parameters,
        added,
        disabled,
        hooks,
        delegation,
    } = *variation;
    let parameters = wf
        .parameters
        .iter()
        .map(|p| {
            parameters
                .iter()
                .find(|(w, id, _)| *w == wf.id && *id == p.id)
                .map_or(p.default, |(_, _, v)| *v)
        })
        .collect();
    let rule_list = rules;
    let rules: Vec<(usize, usize)> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| match r.scope {
            RuleScope::Base => r.mandatory || !disabled.iter().any(|(id, _)| *id == r.id),
            RuleScope::Local => added.contains(&r.id),
        })
        .filter_map(|(i, r)| {
            let j = r.per_workflow.iter().position(|p| p.workflow == wf.id)?;
            Some((i, j))
        })
        .collect();
    let hooks = hooks
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let j = h.per_workflow.iter().position(|p| p.workflow == wf.id)?;
            Some((i, j))
        })
        .collect();
    let mandatory = rules.iter().filter_map(|&(i, j)| {
        let rule = rule_list.get(i).filter(|r| r.mandatory)?;
        Some((rule, rule.per_workflow.get(j)?))
    });
    let duties = crate::model::duty::duties(wf, mandatory, instruments);
    Configuration {
        workflow: wf.id.clone(),
        parameters,
        rules,
        hooks,
        routes: Vec::new(),
        duties,
        authority: super::authority::configure(wf, delegation),
    }
}

/// The receiving unit of each named route target the configuration's rules use, from the
/// unit's `route_targets`; a target the unit does not give is left out (and reported by
/// `check_route_targets`).
fn resolve_routes(
    config: &Configuration,
    rules: &[Rule],
    route_targets: &[(Arc<str>, Arc<str>)],
) -> Vec<(Arc<str>, Arc<str>)> {
    targets_of(rules, &config.rules)
        .into_iter()
        .filter_map(|(target, _, _)| route_targets.iter().find(|(t, _)| t == target).cloned())
        .collect()
}

/// The named route targets of the rules that run (`(rule index, per_workflow index)`), each
/// once, with the first rule that names it and where that action was written.
fn targets_of<'r>(
    rules: &'r [Rule],
    running: &[(usize, usize)],
) -> Vec<(&'r Arc<str>, &'r Rule, Span)> {
    let mut out: Vec<(&'r Arc<str>, &'r Rule, Span)> = Vec::new();
    for rule in running.iter().filter_map(|&(i, _)| rules.get(i)) {
        for (t, span) in &rule.targets {
            if !out.iter().any(|(seen, _, _)| *seen == t) {
                out.push((t, rule, *span));
            }
        }
    }
    out
}

/// Every named route target that a rule running in one of the unit's configurations uses has
/// a receiving unit in the unit's `route_targets` (`unit::missing_route_target`, once per
/// target); every target the unit names is used (`unit::unknown_route_target`).
fn check_route_targets(
    ctx: &mut Ctx<'_>,
    file: &UnitFile,
    configurations: &[Configuration],
    rules: &[Rule],
) {
    let mut used: Vec<&Arc<str>> = Vec::new();
    for config in configurations {
        for (target, rule, span) in targets_of(rules, &config.rules) {
            if used.contains(&target) {
                continue;
            }
            used.push(target);
            if file
                .route_targets
                .iter()
                .any(|r| r.target.value == target.as_ref())
            {
                continue;
            }
            let at = file
                .workflows
                .iter()
                .find(|w| w.value == config.workflow.as_ref())
                .map_or(file.id.span, |w| w.span);
            let (line, column) = rule.source.line_column(span.offset);
            let duty = if rule.mandatory {
                format!(
                    "mandatory rule `{}` (legal ground `{}`)",
                    rule.id,
                    rule.legal.as_deref().unwrap_or("a duty in law")
                )
            } else {
                format!("rule `{}`", rule.id)
            };
            ctx.push(
                Diagnostic::new(
                    Code::MissingRouteTarget,
                    format!(
                        "unit `{}` names no receiving unit for route target `{}` of {duty}",
                        file.id.value, target
                    ),
                )
                .at(ctx.source, at)
                .label(format!(
                    "runs `{}`, where the rule routes to `{target}`",
                    config.workflow
                ))
                .help(format!(
                    "add `route_targets: [{{target: {}, to: <unit id>}}]` naming the existing \
                     unit that receives it (for a report of concern about a child, the intake of \
                     the unit's own municipality); rule `{}` names the target at \
                     {}:{line}:{column}. A unit chooses the receiver; it cannot leave it out",
                    target,
                    rule.id,
                    rule.source.name()
                )),
            );
        }
    }
    // What the unit may name: the targets of every rule its rules files give to a workflow it
    // runs (base, or local and added), whether or not the rule compiled, so that a mistake in
    // a rule does not make the unit's receivers look unused.
    let runs: Vec<&str> = configurations.iter().map(|c| c.workflow.as_ref()).collect();
    let adds = |id: &str| file.rules.add.iter().any(|a| a.value == id);
    let mut known: Vec<&str> = Vec::new();
    for rule in rules.iter().filter(|r| {
        r.workflows.iter().any(|w| runs.contains(&w.as_ref()))
            && (r.scope == RuleScope::Base || adds(&r.id))
    }) {
        for (t, _) in &rule.targets {
            if !known.contains(&t.as_ref()) {
                known.push(t);
            }
        }
    }
    for r in &file.route_targets {
        if known.contains(&r.target.value.as_str()) {
            continue;
        }
        let targets = known.iter().copied();
        ctx.push(
            Diagnostic::new(
                Code::UnknownRouteTarget,
                format!(
                    "no rule that unit `{}` runs routes to target `{}`",
                    file.id.value, r.target.value
                ),
            )
            .at(ctx.source, r.target.span)
            .label("never used here")
            .help(suggest(
                &r.target.value,
                "route targets of the rules the unit runs",
                targets,
            )),
        );
    }
}

/// Lowers a unit file against the catalog's workflows and rules.
pub(crate) fn lower(
    ctx: &mut Ctx<'_>,
    file: &UnitFile,
    workflows: &[Workflow],
    rules: &[Rule],
    instruments: &[crate::model::instrument::Instrument],
    known: &Known,
    scripts: &[SourceFile],
) -> Unit {
    let runs: Vec<&Workflow> = file
        .workflows
        .iter()
        .filter_map(|w| resolve::workflow(ctx, workflows, w))
        .collect();
    let mut parameters = Vec::new();
    let mut parameter_spans = Vec::new();
    for o in &file.parameters {
        let candidates: Vec<&Workflow> = match &o.workflow {
            Some(w) => match run_workflow(ctx, &format!("parameter `{}`", o.id.value), &runs, w) {
                Some(wf) => vec![wf],
                None => continue,
            },
            None => runs
                .iter()
                .copied()
                .filter(|x| x.param_idx(&o.id.value).is_some())
                .collect(),
        };
        let declaring: Vec<&Workflow> = candidates
            .iter()
            .copied()
            .filter(|x| x.param_idx(&o.id.value).is_some())
            .collect();
        match declaring.as_slice() {
            [] => {
                let all: Vec<&str> = candidates
                    .iter()
                    .chain(runs.iter())
                    .flat_map(|w| w.parameters.iter().map(|p| p.id.as_ref()))
                    .collect();
                ctx.push(
                    Diagnostic::new(
                        Code::UnknownParameter,
                        format!(
                            "no workflow of unit `{}` has parameter `{}`",
                            file.id.value, o.id.value
                        ),
                    )
                    .at(ctx.source, o.id.span)
                    .label("unknown parameter")
                    .help(suggest(&o.id.value, "parameters", all)),
                );
            }
            [wf] => {
                let Some(p) = wf
                    .param_idx(&o.id.value)
                    .and_then(|i| wf.parameters.get(usize::from(i.0)))
                else {
                    continue;
                };
                let lo = p.min.unwrap_or(0);
                let hi = p.max.unwrap_or(u32::MAX);
                if o.value.value < lo || o.value.value > hi {
                    ctx.push(
                        Diagnostic::new(
                            Code::ParameterOutOfRange,
                            format!(
                                "`{}` may be set from {lo} to {hi}, not {}",
                                o.id.value, o.value.value
                            ),
                        )
                        .at(ctx.source, o.value.span)
                        .label("outside the allowed range")
                        .help(format!(
                            "workflow `{}` allows {lo} to {hi} for `{}`",
                            wf.id, p.id
                        )),
                    );
                }
                parameters.push((wf.id.clone(), p.id.clone(), o.value.value));
                parameter_spans.push(o.value.span);
            }
            many => {
                let names: Vec<String> = many.iter().map(|w| format!("`{}`", w.id)).collect();
                ctx.push(
                    Diagnostic::new(
                        Code::AmbiguousParameter,
                        format!(
                            "parameter `{}` is declared by {}",
                            o.id.value,
                            names.join(" and ")
                        ),
                    )
                    .at(ctx.source, o.id.span)
                    .label("which workflow?")
                    .help("add `workflow: <id>` to say which workflow's parameter this overrides"),
                );
            }
        }
    }
    let find_rule = |ctx: &mut Ctx<'_>, id: &crate::syntax::Spanned<String>| {
        let found = rules.iter().find(|r| r.id.as_ref() == id.value);
        if found.is_none() {
            let names = rules.iter().map(|r| r.id.as_ref());
            ctx.unknown(Code::UnknownRule, None, "rule", id, names);
        }
        found
    };
    for add in &file.rules.add {
        if let Some(rule) = find_rule(ctx, add) {
            if rule.scope == RuleScope::Base {
                ctx.push(
                    Diagnostic::new(
                        Code::AddsBaseRule,
                        format!("rule `{}` already runs for every unit", rule.id),
                    )
                    .at(ctx.source, add.span)
                    .label("adding it changes nothing")
                    .help("only rules with `scope: local` need adding; remove this line"),
                );
            }
            check_runs(ctx, file, &runs, rule, add.span);
        }
    }
    for d in &file.rules.disable {
        if let Some(rule) = find_rule(ctx, &d.rule)
            && rule.mandatory
        {
            let ground = rule.legal.as_deref().unwrap_or("a duty in law");
            ctx.push(
                Diagnostic::new(
                    Code::DisablesMandatoryRule,
                    format!(
                        "unit `{}` switches off mandatory rule `{}` (legal ground `{ground}`)",
                        file.id.value, rule.id
                    ),
                )
                .at(ctx.source, d.rule.span)
                .label("a mandatory rule cannot be switched off")
                .help(format!(
                    "`{}` ({}) is a duty in law; remove it from `disable`. A unit may add \
                         rules, never weaken a duty",
                    rule.id, rule.title
                )),
            );
        }
    }
    ctx.check_unique("hook", file.hooks.iter().map(|h| &h.id));
    if let Some(extra) = file.hooks.get(MAX_HOOKS) {
        ctx.push(
            Diagnostic::new(
                Code::TooManyHooks,
                format!(
                    "unit `{}` has {} hooks; a unit may have at most {MAX_HOOKS}",
                    file.id.value,
                    file.hooks.len()
                ),
            )
            .at(ctx.source, extra.id.span)
            .label("one hook too many")
            .help(format!(
                "every hook may run on every event, each within the sandbox's operation limit, so \
                 the number bounds what one event costs; merge hooks that run on the same events \
                 (at most {MAX_HOOKS})"
            )),
        );
    }
    let hooks: Vec<Hook> = file
        .hooks
        .iter()
        .filter_map(|h| lower_hook(ctx, h, &runs, known, scripts))
        .collect();
    let added_rules: Vec<Arc<str>> = file
        .rules
        .add
        .iter()
        .map(|a| Arc::from(a.value.as_str()))
        .collect();
    let disabled_rules: Vec<(Arc<str>, String)> = file
        .rules
        .disable
        .iter()
        .map(|d| (Arc::from(d.rule.value.as_str()), d.reason.clone()))
        .collect();
    ctx.check_unique("route target", file.route_targets.iter().map(|r| &r.target));
    for r in &file.route_targets {
        known.check_unit(ctx, &r.to);
    }
    let route_targets: Vec<(Arc<str>, Arc<str>)> = file
        .route_targets
        .iter()
        .map(|r| {
            (
                Arc::from(r.target.value.as_str()),
                Arc::from(r.to.value.as_str()),
            )
        })
        .collect();
    let delegation = super::authority::delegation(ctx, &file.id.value, &file.delegation, &runs);
    let variation = Variation {
        parameters: &parameters,
        added: &added_rules,
        disabled: &disabled_rules,
        hooks: &hooks,
        delegation: &delegation,
    };
    let configurations: Vec<Configuration> = runs
        .iter()
        .map(|wf| configure(wf, &variation, rules, instruments))
        .map(|mut config| {
            config.routes = resolve_routes(&config, rules, &route_targets);
            config
        })
        .collect();
    for (wf, config) in runs.iter().zip(&configurations) {
        check_ranges(ctx, file, wf, config, &parameters, &parameter_spans);
    }
    check_route_targets(ctx, file, &configurations, rules);
    Unit {
        hooks,
        id: file.id.value.as_str().into(),
        version: file.version.value,
        title: file.title.clone(),
        municipality: file.municipality.clone(),
        workflows: runs.iter().map(|w| w.id.clone()).collect(),
        parameters,
        added_rules,
        disabled_rules,
        route_targets,
        configurations,
        source: ctx.source.clone(),
    }
}

/// Every `{min, max}` of a phase keeps `min <= max` with the unit's parameter values; an
/// inverted pair is reported at the unit's override that moved it.
fn check_ranges(
    ctx: &mut Ctx<'_>,
    file: &UnitFile,
    wf: &Workflow,
    config: &Configuration,
    overrides: &[(Arc<str>, Arc<str>, u32)],
    spans: &[Span],
) {
    use crate::model::condition::Amount;
    let value = |a: &Amount| match a {
        Amount::Value(v) => *v,
        Amount::Param(p, _) => config
            .parameters
            .get(usize::from(p.0))
            .copied()
            .unwrap_or(0),
    };
    let overridden = |a: &Amount| match a {
        Amount::Param(_, id) => overrides
            .iter()
            .position(|(w, p, _)| *w == wf.id && p == id)
            .and_then(|i| spans.get(i)),
        Amount::Value(_) => None,
    };
    for phase in &wf.phases {
        for (what, bounds) in [
            ("sessions", &phase.sessions),
            ("duration_days", &phase.duration_days),
        ] {
            let (Some(min), Some(max)) = (&bounds.min, &bounds.max) else {
                continue;
            };
            let (lo, hi) = (value(min), value(max));
            if lo <= hi {
                continue;
            }
            let Some(span) = overridden(min).or_else(|| overridden(max)) else {
                continue;
            };
            ctx.push(
                Diagnostic::new(
                    Code::InvertedRange,
                    format!(
                        "in unit `{}`, phase `{}` of `{}` expects {what} from {lo} to {hi}: the minimum is above the maximum",
                        file.id.value, phase.id, wf.id
                    ),
                )
                .at(ctx.source, *span)
                .label("inverts the range")
                .help(format!(
                    "the phase's `{what}` is {{min: {min}, max: {max}}}; give the unit values with {min} <= {max}"
                )),
            );
        }
    }
}

fn check_runs(
    ctx: &mut Ctx<'_>,
    file: &UnitFile,
    runs: &[&Workflow],
    rule: &Rule,
    span: crate::diagnostics::Span,
) {
    if !rule
        .per_workflow
        .iter()
        .any(|p| runs.iter().any(|w| w.id == p.workflow))
        && !rule.per_workflow.is_empty()
    {
        ctx.push(
            Diagnostic::new(
                Code::WorkflowNotRun,
                format!(
                    "rule `{}` runs in no workflow unit `{}` runs",
                    rule.id, file.id.value
                ),
            )
            .at(ctx.source, span)
            .label("never runs here")
            .help("add one of the rule's workflows to the unit's `workflows`"),
        );
    }
}

fn lower_hook(
    ctx: &mut Ctx<'_>,
    h: &crate::syntax::HookDecl,
    runs: &[&Workflow],
    known: &Known,
    scripts: &[SourceFile],
) -> Option<Hook> {
    let invalid = |ctx: &mut Ctx<'_>, message: String| {
        ctx.push(
            Diagnostic::new(Code::InvalidHook, message)
                .at(ctx.source, h.id.span)
                .label("this hook")
                .help(
                    "give a hook exactly one of `guard`, `derive` or `after`, and its script \
                     as exactly one of `script` (one line) or `file` (a .rhai file)",
                ),
        );
    };
    let (kind, script, file, fact) = match (&h.guard, &h.derive, &h.after) {
        (Some(g), None, None) => (
            HookKind::Guard {
                reason: g.reason.clone(),
            },
            &g.script,
            &g.file,
            None,
        ),
        (None, Some(d), None) => (HookKind::Derive, &d.script, &d.file, Some(&d.fact)),
        (None, None, Some(a)) => (HookKind::After { once: a.once }, &a.script, &a.file, None),
        _ => {
            invalid(
                ctx,
                format!(
                    "hook `{}` must have exactly one of `guard`, `derive`, `after`",
                    h.id.value
                ),
            );
            return None;
        }
    };
    for on in &h.on {
        if !EVENT_TYPES.contains(&on.value.as_str()) {
            ctx.unknown(Code::UnknownVariant, None, "event type", on, EVENT_TYPES);
        }
    }
    // The script's text and where it stands: one expression inline in this file, or
    // statements in its own .rhai file.
    let (source, span, text, expression) = match (script, file) {
        (Some(s), None) => {
            let quoted = ctx
                .source
                .text()
                .get(s.span.offset..)
                .is_some_and(|t| t.starts_with(['"', '\'']));
            let span = Span::new(s.span.offset + usize::from(quoted), s.value.len());
            (ctx.source.clone(), span, s.value.clone(), true)
        }
        (None, Some(f)) => {
            let dir = std::path::Path::new(ctx.source.name())
                .parent()
                .unwrap_or(std::path::Path::new(""));
            let wanted = dir.join(&f.value).to_string_lossy().replace('\\', "/");
            let Some(found) = scripts
                .iter()
                .find(|s| s.name().replace('\\', "/") == wanted)
            else {
                ctx.push(
                    Diagnostic::new(Code::MissingScriptFile, format!("no script file `{wanted}`"))
                        .at(ctx.source, f.span)
                        .label("file not found")
                        .help("script files are `.rhai` files under `rules/`, named relative to the unit file's folder"),
                );
                return None;
            };
            (
                found.clone(),
                Span::new(0, found.text().len()),
                found.text().to_owned(),
                false,
            )
        }
        _ => {
            invalid(
                ctx,
                format!(
                    "hook `{}` needs exactly one of `script` and `file`",
                    h.id.value
                ),
            );
            return None;
        }
    };
    let targets: Vec<&Workflow> = match &h.workflow {
        Some(w) => run_workflow(ctx, &format!("hook `{}`", h.id.value), runs, w)
            .into_iter()
            .collect(),
        None => runs.to_vec(),
    };
    let mut per_workflow = Vec::new();
    for wf in targets {
        let fact = match fact {
            Some(name) => Some(super::resolve::fact(ctx, wf, name)?.0),
            None => None,
        };
        match Script::compile(&known.scripting, wf, &source, span, &text, expression) {
            Ok(script) => per_workflow.push(HookIn {
                workflow: wf.id.clone(),
                script: Arc::new(script),
                fact,
            }),
            Err(d) => {
                ctx.push(*d);
                return None;
            }
        }
    }
    Some(Hook {
        id: h.id.value.as_str().into(),
        span: fact.map_or(h.id.span, |f| f.span),
        title: h.title.clone(),
        on: h.on.iter().map(|o| o.value.clone()).collect(),
        kind,
        per_workflow,
    })
}

/// One of the workflows a unit runs, by name; otherwise `unit::workflow_not_run`.
fn run_workflow<'w>(
    ctx: &mut Ctx<'_>,
    owner: &str,
    runs: &[&'w Workflow],
    w: &crate::syntax::Spanned<String>,
) -> Option<&'w Workflow> {
    let found = runs.iter().copied().find(|x| x.id.as_ref() == w.value);
    if found.is_none() {
        ctx.push(
            Diagnostic::new(
                Code::WorkflowNotRun,
                format!(
                    "{owner} names workflow `{}`, which the unit does not run",
                    w.value
                ),
            )
            .at(ctx.source, w.span)
            .label("not in the unit's `workflows`")
            .help(suggest(
                &w.value,
                "workflows of the unit",
                runs.iter().map(|x| x.id.as_ref()),
            )),
        );
    }
    found
}
