//! A `CoverageAllowance` file: the gaps in scenario coverage that quality staff accept, each
//! with a reason. Without an entry here, a phase, transition or mandatory rule that no scenario
//! covers fails `lots test --coverage` and the coverage test.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Spanned;

/// Accepted coverage gaps.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowanceFile {
    /// Always `CoverageAllowance`.
    pub kind: Spanned<String>,
    /// Stable id.
    pub id: Spanned<String>,
    /// Version of this file.
    pub version: Spanned<u32>,
    /// Each accepted gap.
    #[serde(default)]
    pub allow: Vec<AllowDecl>,
}

/// One accepted gap: exactly one of `phase`, `transition` or `rule`, in one workflow, for one
/// unit or (without `unit`) for every unit that runs the workflow.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowDecl {
    /// The workflow.
    pub workflow: Spanned<String>,
    /// The unit; every unit running the workflow when left out.
    #[serde(default)]
    pub unit: Option<Spanned<String>>,
    /// A phase id.
    #[serde(default)]
    pub phase: Option<Spanned<String>>,
    /// A transition, written `from -> to`.
    #[serde(default)]
    pub transition: Option<Spanned<String>>,
    /// A rule id.
    #[serde(default)]
    pub rule: Option<Spanned<String>>,
    /// Why no scenario covers it (required, and shown in the report).
    pub reason: Spanned<String>,
}
