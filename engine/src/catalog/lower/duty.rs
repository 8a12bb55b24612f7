//! The duty checks at load: no non-mandatory rule and no unit hook weakens a duty.

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Span};
use crate::model::duty::{Duties, Duty, duties};
use crate::model::instrument::Instrument;
use crate::model::rules::{Action, Rule, RuleIn};
use crate::model::unit::{HookKind, Unit};
use crate::model::workflow::Workflow;
use crate::syntax::RuleScope;

/// The load checks: no non-mandatory rule writes a duty fact or stops a duty deadline, and no
/// unit hook writes a duty fact, in any configuration. Each place is reported once.
pub(crate) fn check(
    diags: &mut Diagnostics,
    workflows: &[Workflow],
    instruments: &[Instrument],
    rules: &[Rule],
    units: &[Unit],
) {
    let mut reported: Vec<(Code, String, Span)> = Vec::new();
    let mut push = |diags: &mut Diagnostics, d: Diagnostic| {
        let key = (
            d.code,
            d.source
                .as_ref()
                .map(|s| s.name().to_owned())
                .unwrap_or_default(),
            d.span.unwrap_or_default(),
        );
        if !reported.contains(&key) {
            reported.push(key);
            diags.push(d);
        }
    };
    // A duty is a duty in law: a mandatory rule runs for every unit and names its ground.
    for rule in rules.iter().filter(|r| r.mandatory) {
        if rule.scope == RuleScope::Local {
            push(
                diags,
                Diagnostic::new(
                    Code::MandatoryLocalRule,
                    format!("rule `{}` is both mandatory and local", rule.id),
                )
                .at(&rule.source, rule.span)
                .label("a duty that only some units run")
                .help(
                    "a duty in law holds for every unit: remove `scope: local`, or remove \
                     `mandatory: true` if the rule is a local choice",
                ),
            );
        }
        if rule.legal.is_none() {
            push(
                diags,
                Diagnostic::new(
                    Code::MandatoryWithoutGround,
                    format!("mandatory rule `{}` names no legal ground", rule.id),
                )
                .at(&rule.source, rule.span)
                .label("mandatory, but on what ground?")
                .help(
                    "a mandatory rule is a duty in law: cite it with `legal: <concept id>`, or \
                     remove `mandatory: true`",
                ),
            );
        }
    }
    // The base duties of each workflow hold for every unit: check every base rule that is not
    // mandatory against them, whether or not a unit runs the workflow yet; and each mandatory
    // rule against the other duties (a duty may not weaken another).
    for wf in workflows {
        let base_mandatory: Vec<(&Rule, &RuleIn)> = rules
            .iter()
            .filter(|r| r.mandatory && r.scope == RuleScope::Base)
            .flat_map(|r| {
                r.per_workflow
                    .iter()
                    .filter(|c| c.workflow == wf.id)
                    .map(move |c| (r, c))
            })
            .collect();
        let base = &duties(wf, base_mandatory.iter().copied(), instruments);
        for rule in rules
            .iter()
            .filter(|r| r.scope == RuleScope::Base && !r.mandatory)
        {
            for compiled in rule.per_workflow.iter().filter(|c| c.workflow == wf.id) {
                for d in rule_problems(wf, base, rule, compiled, None) {
                    push(diags, d);
                }
            }
        }
        for &(rule, compiled) in &base_mandatory {
            let others = base_mandatory
                .iter()
                .copied()
                .filter(|(r, _)| !std::ptr::eq(*r, rule));
            let others = &duties(wf, others, instruments);
            for d in rule_problems(wf, others, rule, compiled, None) {
                push(diags, d);
            }
        }
    }
    for unit in units {
        for config in &unit.configurations {
            let Some(wf) = workflows.iter().find(|w| w.id == config.workflow) else {
                continue;
            };
            for &(i, j) in &config.rules {
                let Some(rule) = rules.get(i) else { continue };
                let Some(compiled) = rule.per_workflow.get(j) else {
                    continue;
                };
                if rule.mandatory {
                    continue;
                }
                for d in rule_problems(wf, &config.duties, rule, compiled, Some(unit)) {
                    push(diags, d);
                }
            }
            for &(i, j) in &config.hooks {
                let Some(hook) = unit.hooks.get(i) else {
                    continue;
                };
                let Some(compiled) = hook.per_workflow.get(j) else {
                    continue;
                };
                let (HookKind::Derive, Some(slot)) = (&hook.kind, compiled.fact) else {
                    continue;
                };
                let (Some(duty), Some(fact)) =
                    (config.duties.fact(slot), wf.facts.get(usize::from(slot.0)))
                else {
                    continue;
                };
                push(
                    diags,
                    Diagnostic::new(
                        Code::HookWritesDutyInput,
                        format!(
                            "hook `{}` of unit `{}` writes `{}`, which {} depends on",
                            hook.id,
                            unit.id,
                            fact.id,
                            duty.describe()
                        ),
                    )
                    .at(&unit.source, hook.span)
                    .label("writes a duty input")
                    .help(format!(
                        "a unit may never change what a legal duty depends on: only the host's \
                         events and mandatory rules write `{}`. Derive a fact of the unit's own \
                         instead",
                        fact.id
                    )),
                );
            }
        }
    }
}

/// What is wrong with a rule that is not mandatory, against a set of duties.
fn rule_problems(
    wf: &Workflow,
    duties: &Duties,
    rule: &Rule,
    compiled: &RuleIn,
    unit: Option<&Unit>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let added = unit.map_or_else(String::new, |u| format!(", added by unit `{}`,", u.id));
    for (action, span) in compiled.actions.iter().zip(&rule.action_spans) {
        match action {
            Action::Set { slot, .. } => {
                let (Some(duty), Some(fact)) =
                    (duties.fact(*slot), wf.facts.get(usize::from(slot.0)))
                else {
                    continue;
                };
                out.push(
                    Diagnostic::new(
                        Code::RuleWritesDutyInput,
                        format!(
                            "rule `{}`{added} sets `{}`, which {} depends on",
                            rule.id,
                            fact.id,
                            duty.describe()
                        ),
                    )
                    .at(&rule.source, *span)
                    .label("writes a duty input")
                    .help(format!(
                        "only the host's events may write `{}` (and a mandatory rule, if no other \
                         duty reads it); remove the `set`",
                        fact.id
                    )),
                );
            }
            Action::Stop(idx) => {
                let (Some(duty), Some(deadline)) =
                    (duties.deadline(*idx), wf.deadlines.get(usize::from(idx.0)))
                else {
                    continue;
                };
                out.push(
                    Diagnostic::new(
                        Code::RuleStopsLegalDeadline,
                        format!(
                            "rule `{}`{added} stops deadline `{}`, which is {}",
                            rule.id,
                            deadline.id,
                            match duty {
                                Duty::Deadline { .. } => "legally grounded".to_owned(),
                                other => format!("read by {}", other.describe()),
                            }
                        ),
                    )
                    .at(&rule.source, *span)
                    .label("stops a legal deadline")
                    .help(format!(
                        "a legal deadline is met only by what its `stops` list says (`{}` in \
                         workflow `{}`); remove the `stop` action",
                        deadline.id, wf.id
                    )),
                );
            }
            _ => {}
        }
    }
    out
}
