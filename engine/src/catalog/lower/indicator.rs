//! Lowering an `Indicator` file.

use super::condition::{self as cond, Scope};
use super::ctx::{Ctx, Known};
use super::resolve;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::index::FactSlot;
use crate::model::indicator::{Breakdown, Indicator, MAX_BREAKDOWNS, MIN_CELL_FLOOR, Measure};
use crate::model::instrument::Instrument;
use crate::model::workflow::Workflow;
use crate::syntax::{self, FactType, IndicatorFile};

/// Lowers an indicator file.
pub(crate) fn lower(
    ctx: &mut Ctx<'_>,
    file: &IndicatorFile,
    workflows: &[Workflow],
    instruments: &[Instrument],
    known: &Known,
) -> Option<Indicator> {
    if file.min_cell.value < MIN_CELL_FLOOR {
        ctx.push(
            Diagnostic::new(
                Code::MinCellTooSmall,
                format!("`min_cell` {} could identify a person", file.min_cell.value),
            )
            .at(ctx.source, file.min_cell.span)
            .label(format!("below {MIN_CELL_FLOOR}"))
            .help(format!(
                "use at least {MIN_CELL_FLOOR}; 5 is common in Swedish social statistics"
            )),
        );
    }
    let wf = resolve::workflow(ctx, workflows, &file.workflow)?;
    let scope = Scope {
        person: None,
        workflow: wf,
        instruments,
        scripting: &known.scripting,
    };
    let population_when = file
        .population
        .when
        .as_ref()
        .and_then(|w| cond::lower(ctx, &scope, "population/when", w));
    let numeric_fact = |ctx: &mut Ctx<'_>, name: &syntax::Spanned<String>| -> Option<FactSlot> {
        let (slot, decl) = resolve::fact(ctx, wf, name)?;
        if !matches!(decl.ty, FactType::Integer | FactType::Decimal) {
            ctx.push(
                Diagnostic::new(
                    Code::NotNumeric,
                    format!(
                        "`{}` is {} fact; a mean or median needs a number",
                        name.value,
                        cond::type_name(decl.ty)
                    ),
                )
                .at(ctx.source, name.span)
                .label("not a number")
                .help("measure a whole-number or decimal fact, or use `share`"),
            );
            return None;
        }
        Some(slot)
    };
    let measure = match &file.measure.value {
        syntax::Measure::Share(c) => Measure::Share(cond::lower(ctx, &scope, "measure/share", c)?),
        syntax::Measure::Count => Measure::Count,
        syntax::Measure::Rate => Measure::Rate,
        syntax::Measure::Mean(f) => Measure::Mean(numeric_fact(ctx, f)?),
        syntax::Measure::Median(f) => Measure::Median(numeric_fact(ctx, f)?),
        syntax::Measure::TimeBetween(t) => {
            let from = super::workflow::trigger(ctx, &scope, &t.from)?;
            let to = super::workflow::trigger(ctx, &scope, &t.to)?;
            for (trigger, at) in [(&from, &t.from), (&to, &t.to)] {
                if matches!(trigger, crate::model::workflow::Trigger::FactSet(_)) {
                    ctx.push(
                        Diagnostic::new(
                            Code::InvalidTimeBetween,
                            "a fact being set is not a milestone a case keeps the date of",
                        )
                        .at(ctx.source, at.span)
                        .label("not an event of the case")
                        .help(
                            "measure from `case_opened`, `case_closed`, `{phase_entered: ..}`, \
                             `{phase_left: ..}`, `{instrument_completed: ..}` or `decision_made`; \
                             for a date fact, use the `mean` of a computed `days_between` fact",
                        ),
                    );
                    return None;
                }
            }
            Measure::TimeBetween(from, to)
        }
    };
    if let (Some(t), Measure::Share(_)) = (&file.target, &measure)
        && !(0.0..=1.0).contains(&t.value.value)
    {
        ctx.push(
            Diagnostic::new(
                Code::TargetOutOfRange,
                format!("a share target must be from 0 to 1, not {}", t.value.value),
            )
            .at(ctx.source, t.value.span)
            .label("outside 0..1")
            .help("write shares as fractions: 80 % is `0.8`"),
        );
    }
    let breakdown = breakdowns(ctx, wf, file);
    if matches!(measure, Measure::Rate)
        && let Some(b) = file
            .breakdown
            .iter()
            .find(|b| !matches!(b.value.as_str(), "gender" | "unit"))
    {
        ctx.push(
            Diagnostic::new(
                Code::InvalidBreakdown,
                format!("a rate per 10,000 residents cannot be split by `{}`", b.value),
            )
            .at(ctx.source, b.span)
            .label("no residents counted by this")
            .help("residents are counted by municipality and gender: split a rate by `unit` only, or measure a `count`"),
        );
    }
    let gender = wf
        .fact("gender")
        .filter(|(_, f)| f.ty == FactType::Enum && f.of.is_none())
        .map(|(slot, _)| slot);
    Some(Indicator {
        id: file.id.value.as_str().into(),
        version: file.version.value,
        title: file.title.clone(),
        goal: file.goal.clone(),
        source: file.source.clone(),
        workflow: wf.id.clone(),
        population: file.population.cases,
        population_when,
        measure,
        target: file.target.as_ref().map(|t| (t.op, t.value.value)),
        gender,
        breakdown,
        period: file.period,
        min_cell: file.min_cell.value,
    })
}

/// The breakdowns besides gender: `unit`, `age_band` (of the whole-number fact `age`), or an
/// enum or yes/no fact of the case that is not sensitive.
fn breakdowns(ctx: &mut Ctx<'_>, wf: &Workflow, file: &IndicatorFile) -> Vec<Breakdown> {
    let mut out = Vec::new();
    let invalid = |ctx: &mut Ctx<'_>, b: &syntax::Spanned<String>, what: String, help: &str| {
        ctx.push(
            Diagnostic::new(Code::InvalidBreakdown, what)
                .at(ctx.source, b.span)
                .label("cannot split by this")
                .help(help.to_owned()),
        );
    };
    for b in &file.breakdown {
        match b.value.as_str() {
            "gender" => continue,
            "unit" => out.push(Breakdown::Unit),
            "age_band" => match wf.fact("age") {
                Some((slot, f)) if f.ty == FactType::Integer && f.of.is_none() => {
                    out.push(Breakdown::AgeBand(slot));
                }
                _ => invalid(
                    ctx,
                    b,
                    format!(
                        "`age_band` needs a whole-number fact `age` in workflow `{}`",
                        wf.id
                    ),
                    "declare `age` (type integer), or split by another fact",
                ),
            },
            _ => {
                let Some((slot, decl)) = resolve::fact(ctx, wf, b) else {
                    continue;
                };
                let categories: Vec<(std::sync::Arc<str>, String)> = match decl.ty {
                    FactType::Enum => decl
                        .values
                        .iter()
                        .map(|v| (v.clone(), v.replace('_', " ")))
                        .collect(),
                    FactType::Bool => {
                        vec![("ja".into(), "Ja".into()), ("nej".into(), "Nej".into())]
                    }
                    _ => Vec::new(),
                };
                if decl.sensitive {
                    invalid(
                        ctx,
                        b,
                        format!("`{}` is sensitive: a table by it would publish it", b.value),
                        "split by a fact that is not sensitive",
                    );
                } else if decl.of.is_some() {
                    invalid(
                        ctx,
                        b,
                        format!("`{}` is a fact of each person, not of the case", b.value),
                        "split by a fact of the case",
                    );
                } else if categories.is_empty() {
                    invalid(
                        ctx,
                        b,
                        format!(
                            "`{}` is {} fact, not a category",
                            b.value,
                            cond::type_name(decl.ty)
                        ),
                        "split by an enum or yes/no fact, `unit` or `age_band`",
                    );
                } else {
                    out.push(Breakdown::Fact {
                        slot,
                        id: decl.id.clone(),
                        title: decl.title.clone().unwrap_or_else(|| decl.id.to_string()),
                        categories,
                    });
                }
            }
        }
    }
    if out.len() > MAX_BREAKDOWNS
        && let Some(b) = file.breakdown.last()
    {
        invalid(
            ctx,
            b,
            format!(
                "{} breakdowns besides gender; at most {MAX_BREAKDOWNS}",
                out.len()
            ),
            "report the others in an indicator of their own",
        );
        out.truncate(MAX_BREAKDOWNS);
    }
    out
}
