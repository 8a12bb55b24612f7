//! Lowering what a workflow says about roles and decisions, and what a unit's delegation says,
//! with every problem a diagnostic.

use std::sync::Arc;

use super::ctx::{Ctx, Known};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Span, suggest};
use crate::model::authority::{Authority, Grant, MAX_APPROVALS, Source};
use crate::model::instrument::Instrument;
use crate::model::rules::{Action, Rule};
use crate::model::unit::{HookKind, Unit};
use crate::model::workflow::{Decision, Role, Workflow};
use crate::syntax::{DelegationDecl, FactType, Spanned, WorkflowFile};

/// A list of role ids as written.
pub(crate) type RoleList = Spanned<Vec<Spanned<String>>>;

/// The workflow's roles; at most one may be the default.
pub(crate) fn roles(ctx: &mut Ctx<'_>, file: &WorkflowFile) -> Vec<Role> {
    ctx.check_unique("role", file.roles.iter().map(|r| &r.id));
    let defaults: Vec<&Spanned<bool>> = file
        .roles
        .iter()
        .filter_map(|r| r.default.as_ref().filter(|d| d.value))
        .collect();
    if let [first, second, ..] = defaults.as_slice() {
        ctx.push(
            Diagnostic::new(
                Code::SeveralDefaults,
                "two roles are marked `default: true`",
            )
            .at(ctx.source, second.span)
            .label("second default")
            .note(first.span, "first default")
            .help("mark one role as the default (the role a scenario step acts in when it names none)"),
        );
    }
    file.roles
        .iter()
        .map(|r| Role {
            id: r.id.value.as_str().into(),
            title: r.title.clone(),
            default: r.default.as_ref().is_some_and(|d| d.value),
        })
        .collect()
}

/// Resolves a list of role ids against the workflow's roles: every one must be declared.
/// `None` when nothing was written.
pub(crate) fn role_list(
    ctx: &mut Ctx<'_>,
    workflow: &str,
    roles: &[Role],
    list: Option<&RoleList>,
) -> Option<Vec<Arc<str>>> {
    let list = list?;
    if roles.is_empty() {
        not_declared(ctx, workflow, list.span);
        return None;
    }
    let mut out: Vec<Arc<str>> = Vec::new();
    for r in &list.value {
        if let Some(role) = roles.iter().find(|x| x.id.as_ref() == r.value) {
            if !out.contains(&role.id) {
                out.push(role.id.clone());
            }
        } else {
            let owner = format!("workflow `{workflow}`");
            ctx.unknown(
                Code::UnknownRole,
                Some(&owner),
                "role",
                r,
                roles.iter().map(|x| x.id.as_ref()),
            );
        }
    }
    Some(out)
}

/// Approval entries: declared roles, at most [`MAX_APPROVALS`], each within `allowed` (the
/// roles that may act at all) when that is given.
pub(crate) fn approvals(
    ctx: &mut Ctx<'_>,
    workflow: &str,
    roles: &[Role],
    list: Option<&RoleList>,
    allowed: Option<&[Arc<str>]>,
    what: &str,
) -> Vec<Arc<str>> {
    let Some(list) = list else {
        return Vec::new();
    };
    if roles.is_empty() {
        not_declared(ctx, workflow, list.span);
        return Vec::new();
    }
    if list.value.len() > MAX_APPROVALS {
        ctx.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!(
                    "{what} asks for {} approvals; at most {MAX_APPROVALS} are allowed",
                    list.value.len()
                ),
            )
            .at(ctx.source, list.span)
            .label("too many approvals")
            .help("a decision taken together names one entry per person; list at most 8"),
        );
    }
    let mut out = Vec::new();
    for r in list.value.iter().take(MAX_APPROVALS) {
        let Some(role) = roles.iter().find(|x| x.id.as_ref() == r.value) else {
            let owner = format!("workflow `{workflow}`");
            ctx.unknown(
                Code::UnknownRole,
                Some(&owner),
                "role",
                r,
                roles.iter().map(|x| x.id.as_ref()),
            );
            continue;
        };
        if let Some(allowed) = allowed
            && !allowed.contains(&role.id)
        {
            ctx.push(
                Diagnostic::new(
                    Code::UnsatisfiableApprovals,
                    format!(
                        "{what} needs an approval by `{}`, a role that may not take part in it",
                        role.id
                    ),
                )
                .at(ctx.source, r.span)
                .label("this approval can never be given")
                .help(format!(
                    "add `{}` to `roles`, or approve in one of its roles: {}",
                    role.id,
                    names(allowed)
                )),
            );
        }
        out.push(role.id.clone());
    }
    out
}

fn not_declared(ctx: &mut Ctx<'_>, workflow: &str, span: Span) {
    ctx.push(
        Diagnostic::new(
            Code::RolesNotDeclared,
            format!("workflow `{workflow}` names roles but declares none"),
        )
        .at(ctx.source, span)
        .label("no `roles:` to name")
        .help(
            "declare the roles staff act in under `roles:` (e.g. `- {id: socialsekreterare, \
             title: Socialsekreterare}`), or remove this list: a workflow without roles lets \
             anyone do anything",
        ),
    );
}

/// The workflow's decisions, checked against its roles, facts and the legal concepts.
pub(crate) fn decisions(
    ctx: &mut Ctx<'_>,
    file: &WorkflowFile,
    wf: &Workflow,
    known: &Known,
) -> Vec<Decision> {
    ctx.check_unique("decision", file.decisions.iter().map(|d| &d.id));
    let defaults: Vec<&Spanned<bool>> = file
        .decisions
        .iter()
        .filter_map(|d| d.default.as_ref().filter(|x| x.value))
        .collect();
    if let [first, second, ..] = defaults.as_slice() {
        ctx.push(
            Diagnostic::new(
                Code::SeveralDefaults,
                "two decisions are marked `default: true`",
            )
            .at(ctx.source, second.span)
            .label("second default")
            .note(first.span, "first default")
            .help("mark one decision as the default (the one a `decision_made` event that names none refers to)"),
        );
    }
    let mut out = Vec::new();
    for d in &file.decisions {
        if let Some(legal) = &d.legal {
            known.check_legal(ctx, legal);
        }
        if d.reserved && d.legal.is_none() {
            ctx.push(
                Diagnostic::new(
                    Code::ReservedWithoutGround,
                    format!(
                        "decision `{}` is reserved but names no legal ground",
                        d.id.value
                    ),
                )
                .at(ctx.source, d.id.span)
                .label("reserved, on what ground?")
                .help(
                    "a decision reserved for the committee is reserved by law: cite it with \
                     `legal: <concept id>` (e.g. the section that says what may not be \
                     delegated), or remove `reserved: true`",
                ),
            );
        }
        if d.reserved && d.roles.is_none() {
            ctx.push(
                Diagnostic::new(
                    Code::ReservedWithoutGround,
                    format!("reserved decision `{}` names no roles", d.id.value),
                )
                .at(ctx.source, d.id.span)
                .label("reserved for whom?")
                .help("list the committee's roles that take it, e.g. `roles: [namnd]`"),
            );
        }
        let roles = role_list(ctx, &wf.id, &wf.roles, d.roles.as_ref());
        let what = format!("decision `{}`", d.id.value);
        let approvals = approvals(
            ctx,
            &wf.id,
            &wf.roles,
            d.approvals.as_ref(),
            roles.as_deref(),
            &what,
        );
        let fact = d.fact.as_ref().and_then(|name| {
            let (slot, fact) = super::resolve::fact(ctx, wf, name)?;
            let fits = match fact.ty {
                FactType::Bool | FactType::Text => true,
                FactType::Enum => ["granted", "denied"]
                    .iter()
                    .all(|v| fact.values.iter().any(|x| x.as_ref() == *v)),
                _ => false,
            };
            if !fits {
                ctx.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!(
                            "decision `{}` writes `{}`, which cannot hold an outcome",
                            d.id.value, fact.id
                        ),
                    )
                    .at(ctx.source, name.span)
                    .label("not a bool, text, or enum with `granted` and `denied`")
                    .help(format!(
                        "declare `{}` as `type: bool` (true when granted), or as an enum with \
                         values `granted` and `denied`",
                        fact.id
                    )),
                );
            }
            Some(slot)
        });
        out.push(Decision {
            id: d.id.value.as_str().into(),
            title: d.title.clone(),
            legal: d.legal.as_ref().map(|l| l.value.as_str().into()),
            fact,
            roles,
            reserved: d.reserved,
            approvals,
            default: d.default.as_ref().is_some_and(|x| x.value),
            span: d.id.span,
        });
    }
    // Two decisions writing one fact would make the fact's author ambiguous.
    for (i, d) in out.iter().enumerate() {
        let Some(slot) = d.fact else { continue };
        if let Some(first) = out.iter().take(i).find(|x| x.fact == Some(slot)) {
            let fact = wf
                .facts
                .get(usize::from(slot.0))
                .map_or("", |f| f.id.as_ref());
            ctx.push(
                Diagnostic::new(
                    Code::DuplicateId,
                    format!(
                        "decisions `{}` and `{}` both write `{fact}`",
                        first.id, d.id
                    ),
                )
                .at(ctx.source, d.span)
                .label("second decision writing the fact")
                .note(first.span, "first decision writing it")
                .help("give each decision its own fact"),
            );
        }
    }
    out
}

/// What one delegation entry names, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A decision, by index.
    Decision(usize),
    /// Transitions, by index (every transition between the two phases).
    Transitions(Vec<usize>),
    /// A phase's overrides, by phase index.
    Override(usize),
}

/// One checked delegation entry.
#[derive(Debug, Clone)]
pub(crate) struct Delegation {
    pub(crate) workflow: Arc<str>,
    pub(crate) target: Target,
    pub(crate) roles: Vec<Arc<str>>,
    pub(crate) reference: String,
}

/// A unit's delegation entries, checked against the workflows it runs.
pub(crate) fn delegation(
    ctx: &mut Ctx<'_>,
    unit: &str,
    entries: &[DelegationDecl],
    runs: &[&Workflow],
) -> Vec<Delegation> {
    let mut out: Vec<(Delegation, Span)> = Vec::new();
    for e in entries {
        let Some(wf) = runs
            .iter()
            .copied()
            .find(|w| w.id.as_ref() == e.workflow.value)
        else {
            ctx.push(
                Diagnostic::new(
                    Code::WorkflowNotRun,
                    format!(
                        "a delegation of unit `{unit}` names workflow `{}`, which the unit does not run",
                        e.workflow.value
                    ),
                )
                .at(ctx.source, e.workflow.span)
                .label("not in the unit's `workflows`")
                .help(suggest(
                    &e.workflow.value,
                    "workflows of the unit",
                    runs.iter().map(|x| x.id.as_ref()),
                )),
            );
            continue;
        };
        let (target, span) = match (&e.decision, &e.transition, &e.override_phase) {
            (Some(d), None, None) => match wf.decision(&d.value) {
                Some((i, _)) => (Target::Decision(i), d.span),
                None => {
                    let owner = format!("workflow `{}`", wf.id);
                    let names = wf.decisions.iter().map(|x| x.id.as_ref());
                    ctx.unknown(Code::UnknownDecision, Some(&owner), "decision", d, names);
                    continue;
                }
            },
            (None, Some(t), None) => {
                let phase = |ctx: &mut Ctx<'_>, p: &Spanned<String>| {
                    let found = wf.phase_idx(&p.value);
                    if found.is_none() {
                        let owner = format!("workflow `{}`", wf.id);
                        let names = wf.phases.iter().map(|x| x.id.as_ref());
                        ctx.unknown(Code::UnknownPhase, Some(&owner), "phase", p, names);
                    }
                    found
                };
                let (from, to) = (phase(ctx, &t.from), phase(ctx, &t.to));
                let (Some(from), Some(to)) = (from, to) else {
                    continue;
                };
                let found: Vec<usize> = wf
                    .transitions
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.from == from && x.to == to)
                    .map(|(i, _)| i)
                    .collect();
                if found.is_empty() {
                    let ways: Vec<String> = wf
                        .transitions
                        .iter()
                        .filter(|x| x.from == from)
                        .filter_map(|x| wf.phase(x.to).map(|p| format!("`{}`", p.id)))
                        .collect();
                    ctx.push(
                        Diagnostic::new(
                            Code::UnknownTransition,
                            format!(
                                "workflow `{}` has no transition from `{}` to `{}`",
                                wf.id, t.from.value, t.to.value
                            ),
                        )
                        .at(ctx.source, t.to.span)
                        .label("no such transition")
                        .help(if ways.is_empty() {
                            format!("no transition leaves `{}`", t.from.value)
                        } else {
                            format!(
                                "from `{}` the workflow goes to {}",
                                t.from.value,
                                ways.join(", ")
                            )
                        }),
                    );
                    continue;
                }
                (Target::Transitions(found), t.to.span)
            }
            (None, None, Some(p)) => match wf.phase_idx(&p.value) {
                Some(idx) => (Target::Override(usize::from(idx.0)), p.span),
                None => {
                    let owner = format!("workflow `{}`", wf.id);
                    let names = wf.phases.iter().map(|x| x.id.as_ref());
                    ctx.unknown(Code::UnknownPhase, Some(&owner), "phase", p, names);
                    continue;
                }
            },
            _ => {
                ctx.push(
                    Diagnostic::new(
                        Code::InvalidDelegation,
                        format!(
                            "a delegation of unit `{unit}` must name exactly one of `decision`, `transition`, `override`"
                        ),
                    )
                    .at(ctx.source, e.workflow.span)
                    .label("this delegation")
                    .help(
                        "one entry per point of the delegationsordning: `decision: <id>`, \
                         `transition: {from: <phase>, to: <phase>}`, or `override: <phase>` (the \
                         overrides of what blocks leaving that phase)",
                    ),
                );
                continue;
            }
        };
        let Some(roles) = role_list(ctx, &wf.id, &wf.roles, Some(&e.roles)) else {
            continue;
        };
        if e.roles.value.iter().any(|r| wf.role(&r.value).is_none()) {
            // An unknown role is reported; the entry is left out rather than half applied.
            continue;
        }
        if e.roles.value.is_empty() {
            ctx.push(
                Diagnostic::new(
                    Code::InvalidDelegation,
                    "a delegation to no role".to_owned(),
                )
                .at(ctx.source, e.roles.span)
                .label("empty")
                .help("list the roles the point is delegated to"),
            );
            continue;
        }
        if let Target::Decision(i) = target
            && let Some(d) = wf.decisions.get(i)
            && d.reserved
        {
            let own = d.roles.clone().unwrap_or_default();
            for r in &e.roles.value {
                if own.iter().any(|x| x.as_ref() == r.value)
                    || !wf.roles.iter().any(|x| x.id.as_ref() == r.value)
                {
                    continue;
                }
                let ground = d.legal.as_deref().unwrap_or("a duty in law");
                ctx.push(
                    Diagnostic::new(
                        Code::DelegatesReservedDecision,
                        format!(
                            "unit `{unit}` delegates decision `{}` to `{}`, but the decision is reserved for the committee (legal ground `{ground}`)",
                            d.id, r.value
                        ),
                    )
                    .at(ctx.source, r.span)
                    .label("cannot be delegated")
                    .help(format!(
                        "`{}` ({}) may be taken only by {}, as workflow `{}` says; remove `{}`. \
                         A unit may delegate what the workflow allows, never what the law \
                         reserves for the nämnd",
                        d.id,
                        d.title,
                        names(&own),
                        wf.id,
                        r.value
                    )),
                );
            }
        }
        // The approvals must stay possible with the delegated roles.
        let slots: Vec<&Arc<str>> = match &target {
            Target::Decision(i) => wf
                .decisions
                .get(*i)
                .map(|d| d.approvals.iter().collect())
                .unwrap_or_default(),
            Target::Transitions(ts) => ts
                .iter()
                .filter_map(|i| wf.transitions.get(*i))
                .flat_map(|t| t.approvals.iter())
                .collect(),
            Target::Override(_) => Vec::new(),
        };
        for slot in slots {
            if !roles.contains(slot) {
                ctx.push(
                    Diagnostic::new(
                        Code::UnsatisfiableApprovals,
                        format!(
                            "the delegation leaves out `{slot}`, whose approval workflow `{}` requires",
                            wf.id
                        ),
                    )
                    .at(ctx.source, e.roles.span)
                    .label("no one could give that approval")
                    .help(format!(
                        "the workflow asks for approvals by {}: delegate to those roles, or ask the \
                         process owner to change the approvals",
                        names(&slots_of(wf, &target))
                    )),
                );
                break;
            }
        }
        if let Some((_, first_span)) = out
            .iter()
            .find(|(x, _)| x.workflow == wf.id && x.target == target)
        {
            let d = Diagnostic::new(
                Code::DuplicateId,
                "the same point is delegated twice".to_owned(),
            )
            .at(ctx.source, span)
            .label("second delegation")
            .note(*first_span, "first delegation")
            .help("keep one entry per decision, transition or phase");
            ctx.push(d);
            continue;
        }
        out.push((
            Delegation {
                workflow: wf.id.clone(),
                target,
                roles,
                reference: e.reference.clone(),
            },
            span,
        ));
    }
    out.into_iter().map(|(d, _)| d).collect()
}

fn slots_of(wf: &Workflow, target: &Target) -> Vec<Arc<str>> {
    match target {
        Target::Decision(i) => wf
            .decisions
            .get(*i)
            .map(|d| d.approvals.clone())
            .unwrap_or_default(),
        Target::Transitions(ts) => ts
            .iter()
            .filter_map(|i| wf.transitions.get(*i))
            .flat_map(|t| t.approvals.iter().cloned())
            .collect(),
        Target::Override(_) => Vec::new(),
    }
}

/// The roles as `a`, `b`.
fn names(roles: &[Arc<str>]) -> String {
    roles
        .iter()
        .map(|r| format!("`{r}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The effective authority of `wf` with the unit's delegation entries.
pub(crate) fn configure(wf: &Workflow, delegation: &[Delegation]) -> Authority {
    let mut a = Authority::of(wf);
    for d in delegation.iter().filter(|d| d.workflow == wf.id) {
        let grant = Grant {
            roles: Some(d.roles.clone()),
            source: Source::Unit {
                reference: d.reference.clone(),
            },
        };
        match &d.target {
            Target::Decision(i) => {
                if let Some(g) = a.decisions.get_mut(*i) {
                    *g = grant;
                }
            }
            Target::Transitions(ts) => {
                for i in ts {
                    if let Some(g) = a.transitions.get_mut(*i) {
                        *g = grant.clone();
                    }
                }
            }
            Target::Override(p) => {
                if let Some(g) = a.overrides.get_mut(*p) {
                    *g = grant;
                }
            }
        }
    }
    a
}

/// The load check: no rule, unit hook or required instrument writes a fact that only a
/// decision may record (it could otherwise take a decision no role was allowed to take).
pub(crate) fn check(
    diags: &mut Diagnostics,
    workflows: &[Workflow],
    instruments: &[Instrument],
    rules: &[Rule],
    units: &[Unit],
) {
    for wf in workflows {
        let required = wf
            .phases
            .iter()
            .flat_map(|p| p.required.iter().zip(&p.required_spans));
        for (id, span) in required {
            let Some(inst) = instruments.iter().find(|i| i.id == *id) else {
                continue;
            };
            for w in &inst.writes {
                let Some((slot, fact)) = wf.fact(&w.fact) else {
                    continue;
                };
                let Some(decision) = wf.decision_of_fact(slot) else {
                    continue;
                };
                diags.push(
                    Diagnostic::new(
                        Code::WritesDecisionFact,
                        format!(
                            "instrument `{}` writes `{}`, which only decision `{}` may record",
                            inst.id, fact.id, decision.id
                        ),
                    )
                    .at(&wf.source, *span)
                    .label("required here")
                    .help(format!(
                        "an instrument's result cannot take decision `{}`: let the instrument \
                         write another fact, or give the decision another `fact`",
                        decision.id
                    )),
                );
            }
        }
    }
    for rule in rules {
        for compiled in &rule.per_workflow {
            let Some(wf) = workflows.iter().find(|w| w.id == compiled.workflow) else {
                continue;
            };
            for (action, span) in compiled.actions.iter().zip(&rule.action_spans) {
                let Action::Set { slot, .. } = action else {
                    continue;
                };
                let (Some(decision), Some(fact)) = (
                    wf.decision_of_fact(*slot),
                    wf.facts.get(usize::from(slot.0)),
                ) else {
                    continue;
                };
                diags.push(
                    Diagnostic::new(
                        Code::WritesDecisionFact,
                        format!(
                            "rule `{}` sets `{}`, which only decision `{}` of workflow `{}` may record",
                            rule.id, fact.id, decision.id, wf.id
                        ),
                    )
                    .at(&rule.source, *span)
                    .label("a rule cannot take a decision")
                    .help(format!(
                        "`{}` ({}) is taken with `decision_made {{decision: {}}}` by a role allowed \
                         to take it; remove the `set`, or write a fact of the rule's own",
                        decision.id, decision.title, decision.id
                    )),
                );
            }
        }
    }
    for unit in units {
        for config in &unit.configurations {
            let Some(wf) = workflows.iter().find(|w| w.id == config.workflow) else {
                continue;
            };
            for &(i, j) in &config.hooks {
                let Some(hook) = unit.hooks.get(i) else {
                    continue;
                };
                let (HookKind::Derive, Some(slot)) =
                    (&hook.kind, hook.per_workflow.get(j).and_then(|c| c.fact))
                else {
                    continue;
                };
                let (Some(decision), Some(fact)) =
                    (wf.decision_of_fact(slot), wf.facts.get(usize::from(slot.0)))
                else {
                    continue;
                };
                diags.push(
                    Diagnostic::new(
                        Code::WritesDecisionFact,
                        format!(
                            "hook `{}` of unit `{}` writes `{}`, which only decision `{}` of workflow `{}` may record",
                            hook.id, unit.id, fact.id, decision.id, wf.id
                        ),
                    )
                    .at(&unit.source, hook.span)
                    .label("a hook cannot take a decision")
                    .help(format!(
                        "`{}` ({}) is taken with `decision_made {{decision: {}}}` by a role allowed \
                         to take it; derive a fact of the unit's own instead",
                        decision.id, decision.title, decision.id
                    )),
                );
            }
        }
    }
}
