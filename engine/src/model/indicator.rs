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
    /// Version of the definition (a projection of figures made under another is made again).
    pub version: u32,
    /// Title.
    pub title: String,
    /// The goal in words.
    pub goal: String,
    /// Where it comes from (the document it cites).
    pub source: Option<String>,
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
    /// The workflow's `gender` fact, which every indicator is split by (cases without it, or
    /// in a workflow without it, count as "other or unknown").
    pub gender: Option<FactSlot>,
    /// Breakdowns besides gender (at most [`MAX_BREAKDOWNS`]).
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
    /// Count per 10,000 adult residents.
    Rate,
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
    /// By an enum or yes/no fact: its values (for a yes/no fact `ja`, `nej`).
    Fact {
        /// The fact.
        slot: FactSlot,
        /// Its id.
        id: Arc<str>,
        /// Its title.
        title: String,
        /// The categories: value ids and their titles, in the fact's order.
        categories: Vec<(Arc<str>, String)>,
    },
    /// By age band of the whole-number fact `age` ([`AGE_BANDS`]).
    AgeBand(FactSlot),
    /// By unit.
    Unit,
}

/// Breakdowns an indicator may name besides gender.
pub const MAX_BREAKDOWNS: usize = 3;

/// Age bands: id, title, and the first age of the band (each runs to the next one's first).
pub const AGE_BANDS: [(&str, &str, i64); 5] = [
    ("under_18", "Under 18 år", i64::MIN),
    ("18_25", "18–25 år", 18),
    ("26_40", "26–40 år", 26),
    ("41_64", "41–64 år", 41),
    ("65_plus", "65 år eller äldre", 65),
];

/// The category of a case whose fact is not recorded.
pub const UNKNOWN: &str = "okant";

/// The age band of an age.
pub fn age_band(age: i64) -> &'static str {
    AGE_BANDS
        .iter()
        .rev()
        .find(|(_, _, from)| age >= *from)
        .map_or(UNKNOWN, |(id, _, _)| id)
}
