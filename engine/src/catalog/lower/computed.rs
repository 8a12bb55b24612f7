//! Computed facts: each fact's `computed:` expression resolved against its workflow and typed,
//! the computed facts put in dependency order (a circle is reported, naming it), sensitivity
//! passed on from inputs, and the cross-file check that nothing but the engine writes a
//! computed fact (a rule's `set`, a derive hook, an instrument, a decision).

use std::sync::Arc;

use super::condition::{self as cond, Scope};
use super::ctx::{Ctx, Known};
use super::resolve;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Span};
use crate::model::computed::{Computed, Expr, Ty};
use crate::model::fact::Value;
use crate::model::index::FactSlot;
use crate::model::instrument::{Instrument, Scoring};
use crate::model::rules::{Action, Rule};
use crate::model::unit::{HookKind, Unit};
use crate::model::workflow::Workflow;
use crate::syntax::{self, ComputedExpr, FactDecl, FactType, Number, Spanned, WorkflowFile};

/// Lowers the computed facts of a workflow into `wf.computed`, in dependency order, and marks
/// a computed fact sensitive when anything it reads is. Called after the workflow's facts,
/// parameters, phases and deadline ids exist, before anything else compiles a script against
/// its facts (so that no script can name a computed fact that carries a sensitive value).
pub(crate) fn lower(
    ctx: &mut Ctx<'_>,
    wf: &mut Workflow,
    file: &WorkflowFile,
    instruments: &[Instrument],
    known: &Known,
) {
    // A person's fact is not computed (yet): each person would need a value of their own.
    for people in &file.people {
        for decl in &people.facts {
            if let Some(written) = &decl.computed {
                ctx.push(
                    Diagnostic::new(
                        Code::ComputedPersonFact,
                        format!(
                            "`{}` is a fact of each of `{}`, and a person's fact cannot be computed",
                            decl.id.value, people.id.value
                        ),
                    )
                    .at(ctx.source, written.span)
                    .label("computed for each person")
                    .help(
                        "compute a fact of the case instead (its condition may read the people \
                         with `any_person`, `every_person` or `count_people`), or record the \
                         person's fact",
                    ),
                );
            }
        }
    }
    // The case's own facts come first in the fact table, in the order written.
    let decls = &file.facts;
    let mut lowered: Vec<Computed> = Vec::new();
    {
        let scope = Scope {
            workflow: wf,
            instruments,
            scripting: &known.scripting,
            // A computed fact is the case's: a person's facts are read only inside a condition
            // over people (`any_person`, `every_person`, `count_people`).
            person: None,
        };
        for (i, decl) in decls.iter().enumerate() {
            let Some(written) = &decl.computed else {
                continue;
            };
            let Ok(slot) = u16::try_from(i).map(FactSlot) else {
                continue;
            };
            let path = format!("facts/{}/computed", decl.id.value);
            let Some((expr, ty)) = lower_expr(ctx, &scope, &path, written) else {
                continue;
            };
            if !fits(ty, decl.ty.value) {
                ctx.push(result_mismatch(ctx, decl, written.span, ty));
                continue;
            }
            let reads = expr.reads();
            lowered.push(Computed {
                slot,
                id: decl.id.value.as_str().into(),
                expr,
                reads,
                span: written.span,
            });
        }
    }
    let ordered = order(ctx, lowered);
    // Sensitivity flows along the order: what a computed fact reads is decided before it.
    let mut changed = false;
    for c in &ordered {
        let sensitive = c
            .reads
            .facts
            .iter()
            .any(|s| wf.facts.get(usize::from(s.0)).is_some_and(|f| f.sensitive));
        if let Some(f) = wf.facts.get_mut(usize::from(c.slot.0))
            && sensitive
            && !f.sensitive
        {
            f.sensitive = true;
            changed = true;
        }
    }
    if changed {
        let mut sensitive: Vec<FactSlot> = (0..wf.facts.len())
            .filter_map(|i| u16::try_from(i).ok().map(FactSlot))
            .filter(|s| wf.facts.get(usize::from(s.0)).is_some_and(|f| f.sensitive))
            .collect();
        sensitive.sort_by(|a, b| {
            let id = |s: &FactSlot| wf.facts.get(usize::from(s.0)).map(|f| f.id.clone());
            id(a).cmp(&id(b))
        });
        wf.sensitive = sensitive;
    }
    wf.computed = ordered;
}

/// Whether a value of type `ty` can be written to a fact of type `fact`.
fn fits(ty: Ty, fact: FactType) -> bool {
    matches!(
        (ty, fact),
        (Ty::Integer, FactType::Integer | FactType::Decimal)
            | (Ty::Decimal, FactType::Decimal)
            | (Ty::Date, FactType::Date)
            | (Ty::Bool, FactType::Bool)
    )
}

fn result_mismatch(ctx: &Ctx<'_>, decl: &FactDecl, span: Span, ty: Ty) -> Diagnostic {
    let id = &decl.id.value;
    let help = match decl.ty.value {
        FactType::Text | FactType::Enum | FactType::ProtectionLevel => {
            "a computed fact holds a number, a date or yes/no: declare it `type: integer`, \
             `decimal`, `date` or `bool`"
                .to_owned()
        }
        _ => format!(
            "declare `{id}` as `type: {}`, or compute {}",
            ty_word(ty),
            decl_ty(decl)
        ),
    };
    Diagnostic::new(
        Code::ComputedTypeMismatch,
        format!(
            "`{id}` is {} fact, but its computation gives {}",
            cond::type_name(decl.ty.value),
            ty.name()
        ),
    )
    .at(ctx.source, span)
    .label(format!("gives {}", ty.name()))
    .help(help)
}

fn ty_word(ty: Ty) -> &'static str {
    match ty {
        Ty::Integer => "integer",
        Ty::Decimal => "decimal",
        Ty::Date => "date",
        Ty::Bool => "bool",
    }
}

fn decl_ty(decl: &FactDecl) -> &'static str {
    match decl.ty.value {
        FactType::Integer => "a whole number",
        FactType::Decimal => "a number",
        FactType::Date => "a date",
        FactType::Bool => "a yes/no value (with `condition:`)",
        FactType::Text | FactType::Enum | FactType::ProtectionLevel => "another value",
    }
}

/// The operator's name as written.
fn op_name(e: &ComputedExpr) -> &'static str {
    match e {
        ComputedExpr::Value(_) => "value",
        ComputedExpr::Fact(_) => "fact",
        ComputedExpr::Add(_) => "add",
        ComputedExpr::Subtract(_) => "subtract",
        ComputedExpr::Multiply(_) => "multiply",
        ComputedExpr::Divide(_) => "divide",
        ComputedExpr::FirstScore(_) => "first_score",
        ComputedExpr::LatestScore(_) => "latest_score",
        ComputedExpr::TimesCompleted(_) => "times_completed",
        ComputedExpr::DateOf(_) => "date_of",
        ComputedExpr::DaysBetween(_) => "days_between",
        ComputedExpr::MonthsBetween(_) => "months_between",
        ComputedExpr::DatePlus(_) => "date_plus",
        ComputedExpr::Condition(_) => "condition",
        ComputedExpr::CountPeople(_) => "count_people",
    }
}

/// Lowers an expression and gives its type; `None` when any part of it has an error (all
/// errors are reported).
fn lower_expr(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    path: &str,
    e: &Spanned<ComputedExpr>,
) -> Option<(Expr, Ty)> {
    use ComputedExpr as E;
    let op = op_name(&e.value);
    match &e.value {
        E::Value(n) => match n.value {
            Number::Integer(i) => Some((Expr::Number(Value::Integer(i)), Ty::Integer)),
            Number::Decimal(d) if d.is_finite() => {
                Some((Expr::Number(Value::Decimal(d)), Ty::Decimal))
            }
            Number::Decimal(d) => {
                ctx.push(
                    Diagnostic::new(Code::InvalidValue, format!("`{d}` is not a finite number"))
                        .at(ctx.source, n.span)
                        .label("not a number a fact can hold")
                        .help("write a whole number or a decimal such as `2.5`"),
                );
                None
            }
        },
        E::Fact(name) => {
            let (slot, decl) = resolve::fact(ctx, scope.workflow, name)?;
            let ty = match decl.ty {
                FactType::Integer => Ty::Integer,
                FactType::Decimal => Ty::Decimal,
                FactType::Date => Ty::Date,
                FactType::Bool => Ty::Bool,
                other => {
                    ctx.push(
                        Diagnostic::new(
                            Code::ComputedTypeMismatch,
                            format!(
                                "`{}` is {} fact, and a computation reads only number, date and yes/no facts",
                                name.value,
                                cond::type_name(other)
                            ),
                        )
                        .at(ctx.source, name.span)
                        .label("cannot compute with this fact")
                        .help(format!(
                            "test it in a condition instead, e.g. `{{condition: {{equals: {{fact: {}, value: ...}}}}}}`",
                            name.value
                        )),
                    );
                    return None;
                }
            };
            Some((Expr::Fact(slot), ty))
        }
        E::Add(xs) | E::Multiply(xs) => {
            let operands = operands(ctx, scope, path, op, e.span, xs, 2, None)?;
            let ty = numbers(ctx, op, &operands)?;
            let xs = operands.into_iter().map(|(x, _, _)| x).collect();
            Some((
                if matches!(e.value, E::Add(_)) {
                    Expr::Add(xs)
                } else {
                    Expr::Multiply(xs)
                },
                ty,
            ))
        }
        E::Subtract(xs) | E::Divide(xs) => {
            let operands = operands(ctx, scope, path, op, e.span, xs, 2, Some(2))?;
            let ty = numbers(ctx, op, &operands)?;
            let mut it = operands.into_iter().map(|(x, _, _)| x);
            let pair = Box::new((it.next()?, it.next()?));
            Some(if matches!(e.value, E::Subtract(_)) {
                (Expr::Subtract(pair), ty)
            } else {
                (Expr::Divide(pair), Ty::Decimal)
            })
        }
        E::FirstScore(id) | E::LatestScore(id) => {
            let inst = resolve::instrument(ctx, scope.instruments, id)?;
            if inst.scoring == Scoring::None {
                ctx.push(
                    Diagnostic::new(
                        Code::ComputedTypeMismatch,
                        format!("instrument `{}` has no score (`scoring: none`)", inst.id),
                    )
                    .at(ctx.source, id.span)
                    .label("gives no total score")
                    .help("read `times_completed`, or a fact the instrument writes"),
                );
                return None;
            }
            let id = inst.id.clone();
            Some(if matches!(e.value, E::FirstScore(_)) {
                (Expr::FirstScore(id), Ty::Decimal)
            } else {
                (Expr::LatestScore(id), Ty::Decimal)
            })
        }
        E::TimesCompleted(id) => {
            let inst = resolve::instrument(ctx, scope.instruments, id)?;
            Some((Expr::TimesCompleted(inst.id.clone()), Ty::Integer))
        }
        E::DateOf(d) => Some((Expr::DateOf(*d), Ty::Date)),
        E::DaysBetween(xs) | E::MonthsBetween(xs) => {
            let operands = operands(ctx, scope, path, op, e.span, xs, 2, Some(2))?;
            let mut ok = true;
            for (_, ty, span) in &operands {
                if *ty != Ty::Date {
                    ok = false;
                    ctx.push(operand_mismatch(ctx, op, *span, *ty, "two dates"));
                }
            }
            if !ok {
                return None;
            }
            let mut it = operands.into_iter().map(|(x, _, _)| x);
            let pair = Box::new((it.next()?, it.next()?));
            Some(if matches!(e.value, E::DaysBetween(_)) {
                (Expr::DaysBetween(pair), Ty::Integer)
            } else {
                (Expr::MonthsBetween(pair), Ty::Integer)
            })
        }
        E::DatePlus(dp) => {
            let date = lower_expr(ctx, scope, &format!("{path}/date_plus/date"), &dp.date);
            let length = cond::length(ctx, scope, &dp.length);
            let (date, ty) = date?;
            if ty != Ty::Date {
                ctx.push(operand_mismatch(ctx, op, dp.date.span, ty, "a date"));
                return None;
            }
            let (length, unit) = length?;
            Some((
                Expr::DatePlus {
                    date: Box::new(date),
                    length,
                    unit,
                },
                Ty::Date,
            ))
        }
        E::Condition(c) => {
            refuse_script(ctx, c)?;
            let c = cond::lower(ctx, scope, &format!("{path}/condition"), c)?;
            Some((Expr::Condition(c), Ty::Bool))
        }
        E::CountPeople(t) => {
            let (collection, _) = resolve::people(ctx, scope.workflow, &t.of)?;
            let condition = match &t.condition {
                None => None,
                Some(c) => {
                    refuse_script(ctx, c)?;
                    let inner = Scope {
                        person: Some(collection),
                        ..*scope
                    };
                    Some(cond::lower(
                        ctx,
                        &inner,
                        &format!("{path}/count_people"),
                        c,
                    )?)
                }
            };
            Some((
                Expr::CountPeople {
                    collection,
                    condition,
                },
                Ty::Integer,
            ))
        }
    }
}

/// `None`, with a diagnostic, when a computed fact's condition holds a `script:` leaf.
fn refuse_script(ctx: &mut Ctx<'_>, c: &Spanned<syntax::Condition>) -> Option<()> {
    let Some(span) = script_in(c) else {
        return Some(());
    };
    ctx.push(
        Diagnostic::new(
            Code::ComputedScript,
            "a computed fact's condition cannot hold a `script:` leaf",
        )
        .at(ctx.source, span)
        .label("a script here")
        .help(
            "a computed fact is computed the same way in every unit, without scripts: write \
             the test with the condition leaves, or let a unit's `derive` hook write a fact of \
             its own",
        ),
    );
    None
}

/// Lowers the operands of `op`, checking their number (`min`, and `max` when given).
#[expect(
    clippy::too_many_arguments,
    reason = "one call per operator shape; a struct would only rename the arguments"
)]
fn operands(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    path: &str,
    op: &str,
    span: Span,
    xs: &[Spanned<ComputedExpr>],
    min: usize,
    max: Option<usize>,
) -> Option<Vec<(Expr, Ty, Span)>> {
    let n = xs.len();
    if n < min || max.is_some_and(|m| n > m) {
        let wanted = match max {
            Some(m) if m == min => format!("exactly {min}"),
            _ => format!("at least {min}"),
        };
        ctx.push(
            Diagnostic::new(
                Code::OperandCount,
                format!("`{op}` takes {wanted} operands, and has {n}"),
            )
            .at(ctx.source, span)
            .label(format!("{n} operand{}", if n == 1 { "" } else { "s" }))
            .help(match op {
                "subtract" => "write `subtract: [{fact: a}, {fact: b}]` for a − b".to_owned(),
                "divide" => "write `divide: [{fact: a}, {fact: b}]` for a / b".to_owned(),
                "days_between" | "months_between" => {
                    format!("write `{op}: [<from date>, <to date>]`")
                }
                _ => format!("write `{op}: [{{fact: a}}, {{fact: b}}]`, with as many as needed"),
            }),
        );
        return None;
    }
    let lowered: Vec<Option<(Expr, Ty, Span)>> = xs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            lower_expr(ctx, scope, &format!("{path}/{op}/{i}"), x).map(|(e, t)| (e, t, x.span))
        })
        .collect();
    lowered.into_iter().collect()
}

/// The type of an arithmetic result: a whole number when every operand is one; every operand
/// must be a number.
fn numbers(ctx: &mut Ctx<'_>, op: &str, operands: &[(Expr, Ty, Span)]) -> Option<Ty> {
    let mut ok = true;
    for (_, ty, span) in operands {
        if !matches!(ty, Ty::Integer | Ty::Decimal) {
            ok = false;
            ctx.push(operand_mismatch(ctx, op, *span, *ty, "numbers"));
        }
    }
    if !ok {
        return None;
    }
    Some(if operands.iter().all(|(_, t, _)| *t == Ty::Integer) {
        Ty::Integer
    } else {
        Ty::Decimal
    })
}

fn operand_mismatch(ctx: &Ctx<'_>, op: &str, span: Span, ty: Ty, wanted: &str) -> Diagnostic {
    let help = match (ty, wanted) {
        (Ty::Date, _) => "for the time between two dates use `days_between` or `months_between`; \
                          for a later date, `date_plus`"
            .to_owned(),
        (Ty::Bool, _) => "a yes/no value is not a number: test it in a `condition:`".to_owned(),
        (_, "a date") | (_, "two dates") => {
            "name a date fact, `{date_of: case_opened}`, `{date_of: phase_entered}` or \
             `{date_of: last_session}`"
                .to_owned()
        }
        _ => format!("give `{op}` {wanted}"),
    };
    Diagnostic::new(
        Code::ComputedTypeMismatch,
        format!("`{op}` works on {wanted}, and this is {}", ty.name()),
    )
    .at(ctx.source, span)
    .label(format!("{} here", ty.name()))
    .help(help)
}

/// Where a condition holds a `script:` leaf, if it does.
fn script_in(c: &Spanned<syntax::Condition>) -> Option<Span> {
    match &c.value {
        syntax::Condition::All(cs) | syntax::Condition::Any(cs) => cs.iter().find_map(script_in),
        syntax::Condition::Not(child) => script_in(child),
        syntax::Condition::Script(s) => Some(s.span),
        _ => None,
    }
}

/// The computed facts in dependency order (each after the computed facts it reads), in
/// declaration order where free. A circle is reported once, at its first fact, naming it; its
/// facts are left out.
fn order(ctx: &mut Ctx<'_>, lowered: Vec<Computed>) -> Vec<Computed> {
    let n = lowered.len();
    // Each computed fact's position, by slot.
    let mut position: Vec<Option<usize>> = Vec::new();
    for (i, c) in lowered.iter().enumerate() {
        let slot = usize::from(c.slot.0);
        if position.len() <= slot {
            position.resize(slot + 1, None);
        }
        if let Some(p) = position.get_mut(slot) {
            *p = Some(i);
        }
    }
    let deps: Vec<Vec<usize>> = lowered
        .iter()
        .map(|c| {
            c.reads
                .facts
                .iter()
                .filter_map(|s| position.get(usize::from(s.0)).copied().flatten())
                .collect()
        })
        .collect();
    let (out, circles) = depth_first(&deps);
    let mut in_circle = vec![false; n];
    for circle in &circles {
        let Some(&first) = circle.iter().min() else {
            continue;
        };
        // The circle read from its earliest declared fact.
        let at = circle.iter().position(|&i| i == first).unwrap_or(0);
        let mut names: Vec<String> = circle
            .iter()
            .cycle()
            .skip(at)
            .take(circle.len())
            .filter_map(|&i| lowered.get(i).map(|c| format!("`{}`", c.id)))
            .collect();
        if let Some(c) = lowered.get(first) {
            names.push(format!("`{}`", c.id));
            ctx.push(
                Diagnostic::new(
                    Code::ComputedCycle,
                    format!(
                        "computed facts depend on each other in a circle: {}",
                        names.join(" → ")
                    ),
                )
                .at(ctx.source, c.span)
                .label("part of the circle")
                .help(
                    "a computed fact cannot depend on itself, also not through other computed \
                     facts: compute one of them from recorded facts only",
                ),
            );
        }
        for &i in circle {
            if let Some(x) = in_circle.get_mut(i) {
                *x = true;
            }
        }
    }
    let mut slots: Vec<Option<Computed>> = lowered.into_iter().map(Some).collect();
    out.into_iter()
        .filter(|&i| !in_circle.get(i).copied().unwrap_or(true))
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// Depth-first post-order over `deps` (without recursion: a chain of computed facts may be as
/// long as a file allows), with every circle found, each once: a fact met again on the current
/// path closes one.
fn depth_first(deps: &[Vec<usize>]) -> (Vec<usize>, Vec<Vec<usize>>) {
    // 0: not visited, 1: on the path, 2: done.
    let mut state = vec![0u8; deps.len()];
    let mut out = Vec::new();
    let mut circles: Vec<Vec<usize>> = Vec::new();
    for start in 0..deps.len() {
        if state.get(start) != Some(&0) {
            continue;
        }
        if let Some(s) = state.get_mut(start) {
            *s = 1;
        }
        // The current path: each fact with the next of its dependencies to visit.
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some((node, next)) = path.last_mut() {
            let node = *node;
            let Some(&d) = deps.get(node).and_then(|ds| ds.get(*next)) else {
                if let Some(s) = state.get_mut(node) {
                    *s = 2;
                }
                out.push(node);
                path.pop();
                continue;
            };
            *next += 1;
            match state.get(d) {
                Some(0) => {
                    if let Some(s) = state.get_mut(d) {
                        *s = 1;
                    }
                    path.push((d, 0));
                }
                Some(1) => {
                    let from = path.iter().position(|(p, _)| *p == d).unwrap_or(0);
                    let circle: Vec<usize> = path.iter().skip(from).map(|(p, _)| *p).collect();
                    let mut key = circle.clone();
                    key.sort_unstable();
                    let known = circles.iter().any(|c| {
                        let mut k = c.clone();
                        k.sort_unstable();
                        k == key
                    });
                    if !known {
                        circles.push(circle);
                    }
                }
                _ => {}
            }
        }
    }
    (out, circles)
}

/// Nothing but the engine writes a computed fact: no rule's `set`, no unit's derive hook, no
/// instrument, no decision and no opening event. Each is a load error naming the fact.
pub(crate) fn check_writers(
    diags: &mut Diagnostics,
    workflows: &[Workflow],
    instruments: &[Instrument],
    rules: &[Rule],
    units: &[Unit],
) {
    let workflow = |id: &Arc<str>| workflows.iter().find(|w| w.id == *id);
    let name = |wf: &Workflow, slot: FactSlot| {
        wf.facts
            .get(usize::from(slot.0))
            .map_or_else(String::new, |f| f.id.to_string())
    };
    for rule in rules {
        for compiled in &rule.per_workflow {
            let Some(wf) = workflow(&compiled.workflow) else {
                continue;
            };
            for (action, span) in compiled.actions.iter().zip(&rule.action_spans) {
                let Action::Set { slot, .. } = action else {
                    continue;
                };
                if !wf.is_computed(*slot) {
                    continue;
                }
                let fact = name(wf, *slot);
                diags.push(
                    Diagnostic::new(
                        Code::WritesComputedFact,
                        format!(
                            "rule `{}` sets `{fact}`, which workflow `{}` computes",
                            rule.id, wf.id
                        ),
                    )
                    .at(&rule.source, *span)
                    .label("a computed fact is written by the engine only")
                    .help(format!(
                        "remove the `set`: `{fact}` is computed again from what it reads \
                         whenever that changes (see its `computed:` in workflow `{}`)",
                        wf.id
                    )),
                );
            }
        }
    }
    for unit in units {
        for hook in &unit.hooks {
            if hook.kind != HookKind::Derive {
                continue;
            }
            for compiled in &hook.per_workflow {
                let (Some(wf), Some(slot)) = (workflow(&compiled.workflow), compiled.fact) else {
                    continue;
                };
                if !wf.is_computed(slot) {
                    continue;
                }
                let fact = name(wf, slot);
                diags.push(
                    Diagnostic::new(
                        Code::WritesComputedFact,
                        format!(
                            "hook `{}` of unit `{}` writes `{fact}`, which workflow `{}` computes",
                            hook.id, unit.id, wf.id
                        ),
                    )
                    .at(&unit.source, hook.span)
                    .label("a unit cannot overwrite a computed fact")
                    .help(format!(
                        "`{fact}` is computed by the engine from its inputs; derive a fact of \
                         the unit's own instead"
                    )),
                );
            }
        }
    }
    for wf in workflows {
        for c in &wf.computed {
            for inst in instruments {
                if inst.writes.iter().any(|w| w.fact == c.id) {
                    diags.push(
                        Diagnostic::new(
                            Code::WritesComputedFact,
                            format!(
                                "instrument `{}` writes `{}`, which workflow `{}` computes",
                                inst.id, c.id, wf.id
                            ),
                        )
                        .at(&wf.source, c.span)
                        .label("computed here")
                        .help(format!(
                            "remove `{}` from the instrument's `writes` (a computation can read \
                             its score with `latest_score: {}`), or record the fact without \
                             `computed`",
                            c.id, inst.id
                        )),
                    );
                }
            }
            if let Some(d) = wf.decision_of_fact(c.slot) {
                diags.push(
                    Diagnostic::new(
                        Code::WritesComputedFact,
                        format!(
                            "decision `{}` records `{}`, which the workflow computes",
                            d.id, c.id
                        ),
                    )
                    .at(&wf.source, d.span)
                    .label("records a computed fact")
                    .help("give the decision a fact of its own, or remove `computed`"),
                );
            }
            if c.id.as_ref() == "referral_source" {
                diags.push(
                    Diagnostic::new(
                        Code::WritesComputedFact,
                        "`referral_source` is recorded from the opening event, and cannot be computed",
                    )
                    .at(&wf.source, c.span)
                    .label("computed here")
                    .help("compute a fact of another name"),
                );
            }
        }
    }
}
