//! Goal indicators: population, measure, target, breakdown, period and smallest cell.

use std::sync::Arc;

use crate::model::condition::Condition;
use crate::model::index::FactSlot;
use crate::model::workflow::{self};
use crate::syntax::{CompareOp, Period, PopulationCases};

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
