//! A `Residents` file: a municipality's adult residents per year, the denominators of rates.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Spanned;

/// Adult residents (18 years or older) of one municipality, per year: what an indicator
/// measured as a `rate` (cases per 10,000 adults, as Kolada reports) is divided by.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentsFile {
    /// Always `Residents`.
    pub kind: Spanned<String>,
    /// Stable id, e.g. `katrineholm`.
    pub id: Spanned<String>,
    /// Version of this data.
    pub version: Spanned<u32>,
    /// The municipality, exactly as the units running in it write their `municipality`.
    pub municipality: Spanned<String>,
    /// Where the figures come from (e.g. SCB's population statistics, 31 December).
    #[serde(default)]
    pub source: Option<String>,
    /// One entry per year.
    pub years: Vec<ResidentsYear>,
}

/// Adult residents in one year.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentsYear {
    /// The year.
    pub year: Spanned<i16>,
    /// Women aged 18 or older.
    pub women: Spanned<u64>,
    /// Men aged 18 or older.
    pub men: Spanned<u64>,
    /// Everyone aged 18 or older (at least women and men together).
    pub total: Spanned<u64>,
}
