//! Organisational units and their local variation: workflows run, parameter overrides, rules
//! added or switched off. A unit can never switch off a mandatory rule.

use std::sync::Arc;

use crate::catalog::lower::{Ctx, Known};
use crate::catalog::resolve;
use crate::diagnostics::{Code, Diagnostic, SourceFile, Span, suggest};
use crate::model::rules::{RouteTo, Rule};
use crate::model::script::Script;
use crate::model::workflow::Workflow;
use crate::syntax::{RuleScope, UnitFile};

/// A checked unit.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Id.
    pub id: Arc<str>,
    /// Version.
    pub version: u32,
    /// Name.
    pub title: String,
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
    /// The unit a route goes to in this configuration: the rule's unit, or the receiver of
    /// its route target. `None` only for a target the configuration does not resolve, which
    /// a loaded catalog never has.
    pub fn route_to<'a>(&'a self, to: &'a RouteTo) -> Option<&'a Arc<str>> {
        match to {
            RouteTo::Unit(unit) => Some(unit),
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

/// What a unit varies: its overrides, rule choices, hooks and delegation.
struct Variation<'a> {
    parameters: &'a [(Arc<str>, Arc<str>, u32)],
    added: &'a [Arc<str>],
    disabled: &'a [(Arc<str>, String)],
    hooks: &'a [Hook],
    delegation: &'a [crate::model::authority::lower::Delegation],
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
        authority: crate::model::authority::lower::configure(wf, delegation),
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
    pub fact: Option<crate::model::workflow::FactSlot>,
}

/// The most hooks a unit may have: each may run on every event within the sandbox's operation
/// limit, so this bounds the script work of one event.
pub const MAX_HOOKS: usize = 32;

/// The event types a hook's `on` may name.
pub const EVENT_TYPES: [&str; 14] = [
    "case_opened",
    "facts_recorded",
    "instrument_completed",
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
    let delegation =
        crate::model::authority::lower::delegation(ctx, &file.id.value, &file.delegation, &runs);
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
            Some(name) => Some(crate::catalog::resolve::fact(ctx, wf, name)?.0),
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
