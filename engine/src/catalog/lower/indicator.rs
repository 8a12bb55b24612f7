//! Lowering an `Indicator` file.

use super::condition::{self as cond, Scope};
use super::ctx::{Ctx, Known};
use super::resolve;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::index::FactSlot;
use crate::model::indicator::{Breakdown, Indicator, MIN_CELL_FLOOR, Measure};
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
        syntax::Measure::Mean(f) => Measure::Mean(numeric_fact(ctx, f)?),
        syntax::Measure::Median(f) => Measure::Median(numeric_fact(ctx, f)?),
        syntax::Measure::TimeBetween(t) => Measure::TimeBetween(
            super::workflow::trigger(ctx, &scope, &t.from)?,
            super::workflow::trigger(ctx, &scope, &t.to)?,
        ),
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
    let mut breakdown = Vec::new();
    for b in &file.breakdown {
        if b.value == "unit" {
            breakdown.push(Breakdown::Unit);
        } else if let Some((slot, decl)) = resolve::fact(ctx, wf, b) {
            breakdown.push(Breakdown::Fact(slot, decl.id.clone()));
        }
    }
    Some(Indicator {
        id: file.id.value.as_str().into(),
        title: file.title.clone(),
        goal: file.goal.clone(),
        workflow: wf.id.clone(),
        population: file.population.cases,
        population_when,
        measure,
        target: file.target.as_ref().map(|t| (t.op, t.value.value)),
        breakdown,
        period: file.period,
        min_cell: file.min_cell.value,
    })
}
