//! A `Scenario` file: a case told as timed events (used by `lots run`, and by quality staff's
//! scenario tests).

use schemars::JsonSchema;
use serde::Deserialize;

use super::Spanned;
use crate::runtime::Event;

/// A case told as timed events.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Always `Scenario`.
    pub kind: Spanned<String>,
    /// Stable id.
    pub id: Spanned<String>,
    /// Version of this scenario.
    pub version: Spanned<u32>,
    /// Title.
    pub title: String,
    /// What the scenario shows and where it comes from.
    #[serde(default)]
    pub description: Option<String>,
    /// The events, in time order.
    pub steps: Vec<StepDecl>,
}

/// One event at one time.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDecl {
    /// When, as Swedish local time `YYYY-MM-DDTHH:MM` (or a date, meaning 08:00).
    pub at: Spanned<String>,
    /// What happened.
    pub event: Spanned<Event>,
}
