//! Organisational units and their local variation: workflows run, parameter overrides, rules
//! added or switched off. A unit can never switch off a mandatory rule.

use std::sync::Arc;

use crate::catalog::lower::Ctx;
use crate::catalog::resolve;
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::rules::Rule;
use crate::syntax::{RuleScope, UnitFile};
use crate::workflow::Workflow;

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
}

/// Lowers a unit file against the catalog's workflows and rules.
pub(crate) fn lower(
    ctx: &mut Ctx<'_>,
    file: &UnitFile,
    workflows: &[Workflow],
    rules: &[Rule],
) -> Unit {
    let runs: Vec<&Workflow> = file
        .workflows
        .iter()
        .filter_map(|w| resolve::workflow(ctx, workflows, w))
        .collect();
    let mut parameters = Vec::new();
    for o in &file.parameters {
        let candidates: Vec<&Workflow> = match &o.workflow {
            Some(w) => {
                let found: Vec<&Workflow> = runs
                    .iter()
                    .copied()
                    .filter(|x| x.id.as_ref() == w.value)
                    .collect();
                if found.is_empty() {
                    ctx.push(
                        Diagnostic::new(
                            Code::WorkflowNotRun,
                            format!(
                                "unit `{}` does not run workflow `{}`",
                                file.id.value, w.value
                            ),
                        )
                        .at(ctx.source, w.span)
                        .label("not in the unit's `workflows`")
                        .help("add the workflow to `workflows`, or correct the name"),
                    );
                    continue;
                }
                found
            }
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
    Unit {
        id: file.id.value.as_str().into(),
        version: file.version.value,
        title: file.title.clone(),
        workflows: runs.iter().map(|w| w.id.clone()).collect(),
        parameters,
        added_rules: file
            .rules
            .add
            .iter()
            .map(|a| Arc::from(a.value.as_str()))
            .collect(),
        disabled_rules: file
            .rules
            .disable
            .iter()
            .map(|d| (Arc::from(d.rule.value.as_str()), d.reason.clone()))
            .collect(),
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
