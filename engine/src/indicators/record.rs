//! What one case contributes to each indicator of its workflow: the projection a store keeps
//! up to date on every append, so that a report never replays a case.
//!
//! A figure holds no fact value beyond the categories it is counted under (gender, age band,
//! unit, the values of the non-sensitive category facts an indicator splits by) and the number
//! it measures; a sensitive fact can be neither (the catalog refuses a breakdown by one, and a
//! mean or median is of a number fact).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Catalog;
use crate::model::fact::Value;
use crate::model::indicator::{Breakdown, Indicator, MAX_BREAKDOWNS, Measure, UNKNOWN, age_band};
use crate::runtime::{Case, Reading, milestone_key, read_case};

/// How many categories a figure is counted under: gender and up to [`MAX_BREAKDOWNS`] more.
pub const DIMENSIONS: usize = 1 + MAX_BREAKDOWNS;

/// One case's figure for one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// The indicator.
    pub indicator: String,
    /// The version of its definition the figure was made under.
    pub version: u32,
    /// The case's workflow.
    pub workflow: String,
    /// The case's unit.
    pub unit: String,
    /// The day the case was opened (its event's date, not when it was recorded).
    pub opened: Option<Date>,
    /// The day it was closed.
    pub closed: Option<Date>,
    /// Whether the case meets the indicator's population condition (as it stands).
    pub included: bool,
    /// The categories it counts under: gender first, then one per breakdown; `""` for a
    /// dimension the indicator does not have, [`UNKNOWN`] when the fact is not recorded.
    pub categories: [String; DIMENSIONS],
    /// For a share: whether the case meets the condition.
    pub met: Option<bool>,
    /// For a mean, a median or a time between two events: the number (`None`: not known, the
    /// case is left out of the figure).
    pub value: Option<f64>,
}

/// The figures a case contributes to every indicator of its workflow, read by the catalog the
/// case runs on (so a case pinned to an earlier workflow version is measured by that
/// catalog's definitions). Empty when no catalog holds the case's workflow version.
pub fn figures(catalog: &Catalog, case: &Case) -> Vec<Figure> {
    let Some(at) = case.events.last().map(|e| e.at) else {
        return Vec::new();
    };
    let Some(reading) = read_case(catalog, case, at) else {
        return Vec::new();
    };
    reading
        .catalog()
        .indicators
        .iter()
        .filter(|i| i.workflow.as_ref() == case.workflow)
        .map(|i| figure(&reading, i))
        .collect()
}

fn figure(reading: &Reading<'_>, ind: &Indicator) -> Figure {
    let case = reading.case();
    let wf = reading.workflow();
    let mut categories: [String; DIMENSIONS] = Default::default();
    if let Some(c) = categories.first_mut() {
        *c = ind
            .gender
            .and_then(|slot| category(reading, wf, slot))
            .unwrap_or_else(|| UNKNOWN.to_owned());
    }
    for (b, c) in ind.breakdown.iter().zip(categories.iter_mut().skip(1)) {
        *c = match b {
            Breakdown::Unit => case.unit.clone(),
            Breakdown::AgeBand(slot) => match reading.fact(*slot) {
                Some(Value::Integer(age)) => age_band(*age).to_owned(),
                _ => UNKNOWN.to_owned(),
            },
            Breakdown::Fact { slot, .. } => {
                category(reading, wf, *slot).unwrap_or_else(|| UNKNOWN.to_owned())
            }
        };
    }
    let number = |v: Option<&Value>| match v {
        Some(Value::Integer(i)) => Some(*i as f64),
        Some(Value::Decimal(d)) if d.is_finite() => Some(*d),
        _ => None,
    };
    let (met, value) = match &ind.measure {
        Measure::Share(c) => (Some(reading.holds(c)), None),
        Measure::Count | Measure::Rate => (None, None),
        Measure::Mean(slot) | Measure::Median(slot) => (None, number(reading.fact(*slot))),
        Measure::TimeBetween(from, to) => {
            let day = |t| {
                let key = milestone_key(wf, t)?;
                case.milestones.get(&key).map(|at| at.date())
            };
            let days = match (day(from), day(to)) {
                (Some(a), Some(b)) if b >= a => a.until(b).ok().map(|s| f64::from(s.get_days())),
                _ => None,
            };
            (None, days)
        }
    };
    Figure {
        indicator: ind.id.to_string(),
        version: ind.version,
        workflow: case.workflow.clone(),
        unit: case.unit.clone(),
        opened: case.opened.map(|at| at.date()),
        closed: case.closed.as_ref().map(|c| c.at.date()),
        included: ind
            .population_when
            .as_ref()
            .is_none_or(|c| reading.holds(c)),
        categories,
        met,
        value,
    }
}

/// The category of an enum or yes/no fact: its value id, `ja` or `nej`.
fn category(
    reading: &Reading<'_>,
    wf: &crate::model::workflow::Workflow,
    slot: crate::model::index::FactSlot,
) -> Option<String> {
    match reading.fact(slot)? {
        Value::Bool(true) => Some("ja".to_owned()),
        Value::Bool(false) => Some("nej".to_owned()),
        Value::Enum(i) => wf
            .facts
            .get(usize::from(slot.0))?
            .values
            .get(usize::from(*i))
            .map(ToString::to_string),
        _ => None,
    }
}
