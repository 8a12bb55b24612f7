//! An `Indicator` file: a goal indicator over cases.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{CompareOp, Condition, Spanned, Trigger};

/// A goal indicator: population, measure, target, breakdown, period, smallest cell.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorFile {
    /// Always `Indicator`.
    pub kind: Spanned<String>,
    /// Stable id.
    pub id: Spanned<String>,
    /// Version of this definition.
    pub version: Spanned<u32>,
    /// Short title.
    pub title: String,
    /// The goal in words, e.g. "Kvinnor och män lever ett liv utan våld".
    pub goal: String,
    /// Where the indicator comes from (Kolada, SU-Kvinnofrid, a unit's own goal).
    #[serde(default)]
    pub source: Option<String>,
    /// The workflow whose cases are measured.
    pub workflow: Spanned<String>,
    /// Which cases count.
    pub population: Population,
    /// What is measured.
    pub measure: Spanned<Measure>,
    /// The target, e.g. `{op: ">=", value: 0.8}`.
    #[serde(default)]
    pub target: Option<Target>,
    /// Breakdown: fact ids, or `unit`. Gender is always available.
    #[serde(default)]
    pub breakdown: Vec<Spanned<String>>,
    /// The reporting period.
    pub period: Period,
    /// Cells with fewer cases than this are suppressed.
    pub min_cell: Spanned<u32>,
}

/// Which cases an indicator counts.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// Cases opened, active or closed in the period.
    pub cases: PopulationCases,
    /// Only cases meeting this condition.
    #[serde(default)]
    pub when: Option<Spanned<Condition>>,
}

/// Which cases of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PopulationCases {
    /// Opened in the period.
    Opened,
    /// Open at any time in the period.
    Active,
    /// Closed in the period.
    Closed,
}

/// What an indicator measures.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    /// The share of the population meeting a condition.
    Share(Spanned<Condition>),
    /// The number of cases in the population.
    Count,
    /// The number of cases in the population per 10,000 adult residents of the units'
    /// municipalities (`Residents` files), as Kolada reports its key indicators. By gender it
    /// is per 10,000 adult women or men; it can be split by `unit` only.
    Rate,
    /// The mean of a number fact.
    Mean(Spanned<String>),
    /// The median of a number fact.
    Median(Spanned<String>),
    /// Days between two events.
    TimeBetween(TimeBetween),
}

/// Days between two events of a case.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeBetween {
    /// The first event.
    pub from: Spanned<Trigger>,
    /// The second event.
    pub to: Spanned<Trigger>,
}

/// A target value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The comparison.
    pub op: CompareOp,
    /// The value (a share is written 0.0–1.0).
    pub value: Spanned<f64>,
}

/// A reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Calendar month.
    Month,
    /// Four months (January–April, May–August, September–December).
    Tertial,
    /// Calendar year.
    Year,
}
