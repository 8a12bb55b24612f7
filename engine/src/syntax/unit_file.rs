//! A `Unit` file: an organisational unit and its local variation.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Spanned;

/// An organisational unit, the workflows it runs and its local variation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitFile {
    /// Always `Unit`.
    pub kind: Spanned<String>,
    /// Stable id, e.g. `skarholmen`.
    pub id: Spanned<String>,
    /// Version of this configuration.
    pub version: Spanned<u32>,
    /// The unit's name.
    pub title: String,
    /// The municipality or district.
    #[serde(default)]
    pub municipality: Option<String>,
    /// What the unit does.
    #[serde(default)]
    pub description: Option<String>,
    /// The workflows the unit runs.
    #[serde(default)]
    pub workflows: Vec<Spanned<String>>,
    /// Parameter overrides.
    #[serde(default)]
    pub parameters: Vec<OverrideDecl>,
    /// Rules the unit adds or switches off.
    #[serde(default)]
    pub rules: UnitRules,
}

/// A parameter override.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideDecl {
    /// The parameter's id.
    pub id: Spanned<String>,
    /// The workflow it belongs to, when the unit runs several that declare it.
    #[serde(default)]
    pub workflow: Option<Spanned<String>>,
    /// The unit's value.
    pub value: Spanned<u32>,
}

/// Rules a unit adds or switches off.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitRules {
    /// Ids of `local` rules the unit runs.
    #[serde(default)]
    pub add: Vec<Spanned<String>>,
    /// Rules the unit switches off, with the reason. Mandatory rules cannot be switched off.
    #[serde(default)]
    pub disable: Vec<DisableDecl>,
}

/// A rule switched off by a unit.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableDecl {
    /// The rule's id.
    pub rule: Spanned<String>,
    /// Why the unit does not run it.
    pub reason: String,
}
