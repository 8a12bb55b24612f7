//! A `LegalReference` file: legal grounds as versioned data.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Spanned;

/// Legal concepts, each with one entry per statute version.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalFile {
    /// Always `LegalReference`.
    pub kind: Spanned<String>,
    /// Stable id of the collection.
    pub id: Spanned<String>,
    /// Version of this collection.
    pub version: Spanned<u32>,
    /// Title of the collection.
    pub title: String,
    /// The concepts.
    pub concepts: Vec<ConceptDecl>,
}

/// A legal concept, cited by rules, phases and deadlines through its id.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConceptDecl {
    /// Stable concept id, e.g. `child.preassessment.deadline`.
    pub id: Spanned<String>,
    /// What the provision says, in our words.
    pub title: String,
    /// One entry per statute version; validity periods must neither overlap nor leave gaps.
    pub versions: Vec<StatuteVersionDecl>,
}

/// Where a concept stands in one statute version, and when.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatuteVersionDecl {
    /// Short name, e.g. `SoL`, `HSLF-FS`.
    pub statute: String,
    /// SFS or regulation number, e.g. `2001:453`.
    pub number: String,
    /// Chapter.
    #[serde(default)]
    pub chapter: Option<u32>,
    /// Section, e.g. `1 a`.
    #[serde(default)]
    pub section: Option<String>,
    /// Paragraph (stycke).
    #[serde(default)]
    pub paragraph: Option<u32>,
    /// First day in force, `YYYY-MM-DD`.
    pub valid_from: Spanned<String>,
    /// Last day in force, `YYYY-MM-DD`; absent while in force.
    #[serde(default)]
    pub valid_to: Option<Spanned<String>>,
    /// Whether the chapter and section have been checked against the statute text.
    pub verified: bool,
    /// What remains to verify, or where it was verified.
    #[serde(default)]
    pub note: Option<String>,
}
