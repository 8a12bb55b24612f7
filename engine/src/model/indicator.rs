//! Goal indicators: population, measure, target, breakdown, period and smallest cell.

use std::sync::Arc;

use crate::catalog::lower::{Ctx, Known};
use crate::catalog::resolve;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::condition::Condition;
use crate::model::condition::lower::{self as cond, Scope};
use crate::model::instrument::Instrument;
use crate::model::workflow::{self, FactSlot, Workflow};
use crate::syntax::{self, CompareOp, FactType, IndicatorFile, Period, PopulationCases};

/// The smallest cell size any indicator may use.
pub const MIN_CELL_FLOOR: u32 = 3;

/// A checked indicator.
#[derive(Debug, Clone)]
pub struct Indicator {
    /// Id.
    pub id: Arc<str>,
    /// Title.
    pub title: String,
    /// The goal in words.
    pub goal: String,
    /// The workflow measured.
    pub workflow: Arc<str>,
    /// Which cases.
    pub population: PopulationCases,
    /// Only cases meeting this.
    pub population_when: Option<Condition>,
    /// What is measured.
    pub measure: Measure,
    /// Target.
    pub target: Option<(CompareOp, f64)>,
    /// Breakdown: fact slots, or `None` for the unit.
    pub breakdown: Vec<Breakdown>,
    /// Period.
    pub period: Period,
    /// Smallest cell shown.
    pub min_cell: u32,
}

/// What an indicator measures.
#[derive(Debug, Clone)]
pub enum Measure {
    /// Share meeting a condition.
    Share(Condition),
    /// Count.
    Count,
    /// Mean of a fact.
    Mean(FactSlot),
    /// Median of a fact.
    Median(FactSlot),
    /// Days between two events.
    TimeBetween(workflow::Trigger, workflow::Trigger),
}

/// A breakdown dimension.
#[derive(Debug, Clone)]
pub enum Breakdown {
    /// By a fact.
    Fact(FactSlot, Arc<str>),
    /// By unit.
    Unit,
}

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
            workflow::trigger(ctx, &scope, &t.from)?,
            workflow::trigger(ctx, &scope, &t.to)?,
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
