//! Syntax conditions to compiled conditions, resolved against one workflow's scope.

use std::sync::Arc;

use super::ctx::Ctx;
use super::resolve;
use crate::diagnostics::{Code, Diagnostic, Span, suggest};
use crate::model::condition::{Amount, Condition, FactRef, Node, PhaseRef, Quantifier, Test};
use crate::model::fact::Fact;
use crate::model::fact::Value;
use crate::model::index::CollectionIdx;
use crate::model::instrument::Instrument;
use crate::model::script::Script;
use crate::model::workflow::Workflow;
use crate::syntax::{self, FactType, Literal, Spanned};

/// What a condition may name: one workflow's facts, phases, deadlines and parameters, and the
/// catalog's instruments.
pub(crate) struct Scope<'a> {
    pub(crate) workflow: &'a Workflow,
    pub(crate) instruments: &'a [Instrument],
    pub(crate) scripting: &'a crate::model::script::Scripting,
    /// The collection whose person the condition is read for (inside a condition over people,
    /// or a rule that runs `for_each` person): its facts may be named.
    pub(crate) person: Option<CollectionIdx>,
}

/// Compiles a condition; `None` when any part of it has an error (all errors are reported).
pub(crate) fn lower(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    path: &str,
    cond: &Spanned<syntax::Condition>,
) -> Option<Condition> {
    lower_node(ctx, scope, path, cond).map(Condition::new)
}

fn lower_node(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    path: &str,
    cond: &Spanned<syntax::Condition>,
) -> Option<Node> {
    use syntax::Condition as C;
    let node = |test| {
        Some(Node {
            idx: 0,
            path: path.into(),
            span: cond.span,
            test,
        })
    };
    match &cond.value {
        C::All(children) | C::Any(children) => {
            let is_all = matches!(cond.value, C::All(_));
            let word = if is_all { "all" } else { "any" };
            if children.is_empty() {
                ctx.push(
                    Diagnostic::new(Code::EmptyGroup, format!("`{word}` with no conditions"))
                        .at(ctx.source, cond.span)
                        .label("empty")
                        .help("list at least one condition, or remove the group"),
                );
                return None;
            }
            let lowered: Vec<Option<Node>> = children
                .iter()
                .enumerate()
                .map(|(i, c)| lower_node(ctx, scope, &format!("{path}/{word}/{i}"), c))
                .collect();
            let lowered: Option<Vec<Node>> = lowered.into_iter().collect();
            let lowered = lowered?;
            node(if is_all {
                Test::All(lowered)
            } else {
                Test::Any(lowered)
            })
        }
        C::Not(child) => {
            let child = lower_node(ctx, scope, &format!("{path}/not"), child)?;
            node(Test::Not(Box::new(child)))
        }
        C::Equals(t) => {
            let (fact, decl) = fact(ctx, scope, &t.fact)?;
            let value = literal(ctx, decl, &t.value)?;
            node(Test::Equals { fact, value })
        }
        C::In(t) => {
            let (fact, decl) = fact(ctx, scope, &t.fact)?;
            if t.values.is_empty() {
                ctx.push(
                    Diagnostic::new(Code::EmptyGroup, "`in` with no values")
                        .at(ctx.source, t.fact.span)
                        .label("no values listed")
                        .help("list at least one value under `values`"),
                );
                return None;
            }
            let values: Option<Vec<Value>> = t
                .values
                .iter()
                .map(|v| literal(ctx, decl, v))
                .collect::<Vec<_>>()
                .into_iter()
                .collect();
            node(Test::In {
                fact,
                values: values?,
            })
        }
        C::Compare(t) => {
            let (fact, decl) = fact(ctx, scope, &t.fact)?;
            let ordered = matches!(
                decl.ty,
                FactType::Integer | FactType::Decimal | FactType::Date
            );
            let equality = matches!(t.op.value, syntax::CompareOp::Eq | syntax::CompareOp::Ne);
            if !ordered && !equality {
                ctx.push(
                    Diagnostic::new(
                        Code::OrderedOnUnordered,
                        format!(
                            "`{}` cannot be compared with `{}`: it is {} fact",
                            t.fact.value,
                            t.op.value.as_str(),
                            type_name(decl.ty)
                        ),
                    )
                    .at(ctx.source, t.op.span)
                    .label("needs a number or a date")
                    .help("use `equals` or `in` for this fact"),
                );
                return None;
            }
            match (&t.value, &t.other_fact) {
                (Some(value), None) => {
                    let value = literal(ctx, decl, value)?;
                    node(Test::Compare {
                        fact,
                        op: t.op.value,
                        value,
                    })
                }
                (None, Some(name)) => {
                    let (other, other_decl) = self::fact(ctx, scope, name)?;
                    let numbers = |ty| matches!(ty, FactType::Integer | FactType::Decimal);
                    let alike = decl.ty == other_decl.ty && decl.values == other_decl.values
                        || numbers(decl.ty) && numbers(other_decl.ty);
                    if !alike {
                        ctx.push(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                format!(
                                    "`{}` ({}) cannot be compared with `{}` ({})",
                                    t.fact.value,
                                    type_name(decl.ty),
                                    name.value,
                                    type_name(other_decl.ty)
                                ),
                            )
                            .at(ctx.source, name.span)
                            .label("another type")
                            .help(
                                "compare two facts of the same type (enums with the same values)",
                            ),
                        );
                        return None;
                    }
                    node(Test::CompareFacts {
                        fact,
                        op: t.op.value,
                        other,
                    })
                }
                _ => {
                    ctx.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            "`compare` needs exactly one of `value` and `other_fact`",
                        )
                        .at(ctx.source, cond.span)
                        .label("compare with what?")
                        .help("write `value: 65` to compare with a number, or `other_fact: applied` to compare with another fact"),
                    );
                    None
                }
            }
        }
        C::Within(t) => {
            let (fact, decl) = fact(ctx, scope, &t.of)?;
            if decl.ty != FactType::Date {
                ctx.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!(
                            "`within` counts from a date, and `{}` is {} fact",
                            t.of.value,
                            type_name(decl.ty)
                        ),
                    )
                    .at(ctx.source, t.of.span)
                    .label("not a date fact")
                    .help("name a fact of `type: date`"),
                );
                return None;
            }
            let written = Spanned {
                value: syntax::Length {
                    days: t.days.clone(),
                    working_days: t.working_days.clone(),
                    weeks: t.weeks.clone(),
                    months: t.months.clone(),
                    count: None,
                },
                span: cond.span,
            };
            let (length, unit) = self::length(ctx, scope, &written)?;
            node(Test::Within { fact, length, unit })
        }
        C::IsSet(name) => {
            let (fact, _) = fact(ctx, scope, name)?;
            node(Test::IsSet(fact))
        }
        C::Phase(id) => node(Test::Phase(vec![phase(ctx, scope, id)?])),
        C::PhaseIn(ids) => {
            let phases: Option<Vec<PhaseRef>> = ids
                .iter()
                .map(|id| phase(ctx, scope, id))
                .collect::<Vec<_>>()
                .into_iter()
                .collect();
            node(Test::Phase(phases?))
        }
        C::Completed(id) => node(Test::Completed(instrument(ctx, scope, id)?.id.clone())),
        C::Band(t) => {
            let inst = instrument(ctx, scope, &t.instrument)?;
            let mut ok = true;
            for band in &t.bands {
                if !inst.band_ids().any(|b| b == band.value) {
                    ok = false;
                    ctx.push(
                        Diagnostic::new(
                            Code::UnknownBand,
                            format!("instrument `{}` has no band `{}`", inst.id, band.value),
                        )
                        .at(ctx.source, band.span)
                        .label("unknown band")
                        .help(suggest(
                            &band.value,
                            "bands",
                            inst.band_ids(),
                        )),
                    );
                }
            }
            if !ok {
                return None;
            }
            let bands = t
                .bands
                .iter()
                .map(|b| Arc::from(b.value.as_str()))
                .collect();
            node(Test::Band {
                instrument: inst.id.clone(),
                bands,
            })
        }
        C::Score(t) => {
            let inst = instrument(ctx, scope, &t.instrument)?;
            node(Test::Score {
                instrument: inst.id.clone(),
                op: t.op.value,
                value: t.value,
            })
        }
        C::Count(t) => {
            let phase = match &t.phase {
                Some(p) => Some(phase(ctx, scope, p)?),
                None => None,
            };
            let value = amount(ctx, scope, &t.value)?;
            node(Test::Count {
                of: t.of,
                phase,
                op: t.op.value,
                value,
            })
        }
        C::Elapsed(t) => {
            let days = amount(ctx, scope, &t.days)?;
            node(Test::Elapsed {
                since: t.since,
                op: t.op.value,
                days,
                count: t.count,
            })
        }
        C::Deadline(t) => {
            let idx = deadline(ctx, scope, &t.id)?;
            node(Test::Deadline {
                deadline: idx,
                id: t.id.value.as_str().into(),
                state: t.state,
            })
        }
        C::Script(src) => {
            // Inline scripts are one line; the text starts after the quote, if any.
            let quoted = ctx
                .source
                .text()
                .get(src.span.offset..)
                .is_some_and(|t| t.starts_with(['"', '\'']));
            let start = Span::new(src.span.offset + usize::from(quoted), src.value.len());
            match Script::compile(
                scope.scripting,
                scope.workflow,
                ctx.source,
                start,
                &src.value,
                true,
            ) {
                Ok(script) => node(Test::Script(Arc::new(script))),
                Err(d) => {
                    ctx.push(*d);
                    None
                }
            }
        }
        C::AnyPerson(t) | C::EveryPerson(t) => {
            let any = matches!(cond.value, C::AnyPerson(_));
            let word = if any { "any_person" } else { "every_person" };
            let (collection, id) = people(ctx, scope, &t.of, cond.span, word)?;
            let inner = Scope {
                person: Some(collection),
                ..*scope
            };
            let child = lower_node(ctx, &inner, &format!("{path}/{word}"), &t.condition)?;
            node(Test::People {
                collection,
                id,
                quantifier: if any {
                    Quantifier::Any
                } else {
                    Quantifier::Every
                },
                condition: Some(Box::new(child)),
            })
        }
        C::CountPeople(t) => {
            let (collection, id) = people(ctx, scope, &t.of, cond.span, "count_people")?;
            let inner = Scope {
                person: Some(collection),
                ..*scope
            };
            let child = match &t.condition {
                Some(c) => Some(Box::new(lower_node(
                    ctx,
                    &inner,
                    &format!("{path}/count_people"),
                    c,
                )?)),
                None => None,
            };
            let value = amount(ctx, scope, &t.value)?;
            node(Test::People {
                collection,
                id,
                quantifier: Quantifier::Count(t.op.value, value),
                condition: child,
            })
        }
    }
}

/// The collection a condition over people names; not inside another such condition.
fn people(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    of: &Spanned<String>,
    span: Span,
    word: &str,
) -> Option<(CollectionIdx, Arc<str>)> {
    if scope.person.is_some() {
        ctx.push(
            Diagnostic::new(
                Code::NestedPeople,
                format!("`{word}` inside a condition that already reads one person"),
            )
            .at(ctx.source, span)
            .label("nested condition over people")
            .help("a condition reads one person at a time; write the inner condition about the same person, or move it out"),
        );
        return None;
    }
    let (idx, people) = resolve::people(ctx, scope.workflow, of)?;
    Some((idx, people.id.clone()))
}

fn fact<'w>(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'w>,
    name: &Spanned<String>,
) -> Option<(FactRef, &'w Fact)> {
    let (slot, decl) = resolve::fact_of(ctx, scope.workflow, name, scope.person)?;
    let fact = FactRef {
        slot,
        name: decl.id.clone(),
        values: decl.values.clone(),
        of: decl.of,
    };
    Some((fact, decl))
}

pub(crate) fn phase(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    id: &Spanned<String>,
) -> Option<PhaseRef> {
    let wf = scope.workflow;
    let Some(idx) = wf.phase_idx(&id.value) else {
        let owner = format!("workflow `{}`", wf.id);
        let names = wf.phases.iter().map(|p| p.id.as_ref());
        ctx.unknown(Code::UnknownPhase, Some(&owner), "phase", id, names);
        return None;
    };
    Some(PhaseRef {
        idx,
        id: id.value.as_str().into(),
    })
}

fn instrument<'i>(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'i>,
    id: &Spanned<String>,
) -> Option<&'i Instrument> {
    resolve::instrument(ctx, scope.instruments, id)
}

fn deadline(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    id: &Spanned<String>,
) -> Option<crate::model::index::DeadlineIdx> {
    resolve::deadline(ctx, scope.workflow, id)
}

/// Resolves a number or `{param: name}` against the workflow's parameters.
/// A length: exactly one of `days`, `working_days`, `weeks` and `months` (and `count` only
/// beside `days`, the older way to write working days).
pub(crate) fn length(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    l: &Spanned<syntax::Length>,
) -> Option<(Amount, crate::model::calendar::Unit)> {
    use crate::model::calendar::Unit;
    let v = &l.value;
    let given: Vec<(&Spanned<syntax::Amount>, Unit)> = [
        (&v.days, Unit::Days),
        (&v.working_days, Unit::WorkingDays),
        (&v.weeks, Unit::Weeks),
        (&v.months, Unit::Months),
    ]
    .into_iter()
    .filter_map(|(a, u)| a.as_ref().map(|a| (a, u)))
    .collect();
    let problem = match (given.as_slice(), &v.count) {
        ([_], None) | ([(_, Unit::Days)], Some(_)) => None,
        ([], _) => Some("a length needs one of `days`, `working_days`, `weeks` or `months`"),
        ([_], Some(_)) => Some("`count` goes only with `days`"),
        _ => Some("a length has exactly one of `days`, `working_days`, `weeks` or `months`"),
    };
    if let Some(problem) = problem {
        ctx.push(
            Diagnostic::new(Code::InvalidLength, problem)
                .at(ctx.source, l.span)
                .label("this length")
                .help("write e.g. `{months: 4}`, `{working_days: 5}` or `{days: 14}`"),
        );
        return None;
    }
    let (amount, unit) = given.first()?;
    let unit = match (unit, v.count.as_ref().map(|c| c.value)) {
        (Unit::Days, Some(syntax::DayCount::WorkingDays)) => Unit::WorkingDays,
        (u, _) => *u,
    };
    Some((self::amount(ctx, scope, amount)?, unit))
}

pub(crate) fn amount(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    value: &Spanned<syntax::Amount>,
) -> Option<Amount> {
    match &value.value {
        syntax::Amount::Value(v) => Some(Amount::Value(*v)),
        syntax::Amount::Parameter { param } => {
            let wf = scope.workflow;
            match wf.param_idx(param) {
                Some(idx) => Some(Amount::Param(idx, param.as_str().into())),
                None => {
                    ctx.push(
                        Diagnostic::new(
                            Code::UnknownParameter,
                            format!("workflow `{}` has no parameter `{param}`", wf.id),
                        )
                        .at(ctx.source, value.span)
                        .label("unknown parameter")
                        .help(suggest(
                            param,
                            "parameters",
                            wf.parameters.iter().map(|p| p.id.as_ref()),
                        )),
                    );
                    None
                }
            }
        }
    }
}

/// Checks a literal against a fact's type and converts it.
pub(crate) fn literal(ctx: &mut Ctx<'_>, decl: &Fact, lit: &Spanned<Literal>) -> Option<Value> {
    let res = match (decl.ty, &lit.value) {
        (FactType::Bool, Literal::Bool(b)) => Ok(Value::Bool(*b)),
        (FactType::Integer, Literal::Integer(i)) => Ok(Value::Integer(*i)),
        (FactType::Decimal, Literal::Integer(i)) => Ok(Value::Decimal(*i as f64)),
        (FactType::Decimal, Literal::Decimal(d)) => Ok(Value::Decimal(*d)),
        (FactType::Text, Literal::Text(t)) => Ok(Value::Text(t.as_str().into())),
        (FactType::Date, Literal::Text(t)) => match t.parse::<jiff::civil::Date>() {
            Ok(d) => Ok(Value::Date(d)),
            Err(_) => Err(
                Diagnostic::new(Code::InvalidDate, format!("`{t}` is not a date"))
                    .label("not a date")
                    .help("write dates as `YYYY-MM-DD`, e.g. `2025-07-01`"),
            ),
        },
        (FactType::Enum | FactType::ProtectionLevel, Literal::Text(t)) => {
            match decl.values.iter().position(|v| v.as_ref() == t) {
                Some(i) => Ok(Value::Enum(u16::try_from(i).unwrap_or(u16::MAX))),
                None => Err(Diagnostic::new(
                    Code::UnknownEnumValue,
                    format!("`{t}` is not a value of `{}`", decl.id),
                )
                .label("not in the fact's list of values")
                .help(suggest(t, "values", decl.values.iter().map(AsRef::as_ref)))),
            }
        }
        (ty, lit) => Err(Diagnostic::new(
            Code::TypeMismatch,
            format!(
                "`{}` is {} fact, but `{lit}` is {}",
                decl.id,
                type_name(ty),
                literal_kind(lit)
            ),
        )
        .label(format!("expected {} value", type_name(ty)))
        .help(format!("write {} here", example(decl)))),
    };
    match res {
        Ok(v) => Some(v),
        Err(d) => {
            ctx.push(d.at(ctx.source, lit.span));
            None
        }
    }
}

/// A fact type's name with its article, for messages: `an enum`.
pub(crate) fn type_name(ty: FactType) -> &'static str {
    match ty {
        FactType::Bool => "a yes/no",
        FactType::Integer => "a whole-number",
        FactType::Decimal => "a decimal",
        FactType::Date => "a date",
        FactType::Enum => "an enum",
        FactType::Text => "a text",
        FactType::ProtectionLevel => "a protection-level",
    }
}

fn literal_kind(lit: &Literal) -> &'static str {
    match lit {
        Literal::Bool(_) => "a yes/no value",
        Literal::Integer(_) => "a whole number",
        Literal::Decimal(_) => "a decimal number",
        Literal::Text(_) => "text",
    }
}

fn example(decl: &Fact) -> String {
    match decl.ty {
        FactType::Bool => "`true` or `false`".to_owned(),
        FactType::Integer => "a whole number".to_owned(),
        FactType::Decimal => "a number".to_owned(),
        FactType::Date => "a date `YYYY-MM-DD`".to_owned(),
        FactType::Text => "text".to_owned(),
        FactType::Enum | FactType::ProtectionLevel => {
            let vs: Vec<String> = decl.values.iter().map(|v| format!("`{v}`")).collect();
            format!("one of {}", vs.join(", "))
        }
    }
}
