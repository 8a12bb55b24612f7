//! An `Instrument` file: an assessment's items (topics in our own words), scoring and bands.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Spanned;

/// An assessment instrument, e.g. FREDA-farlighetsbedömning or ORS.
///
/// Item topics are written in our own words: never copy licensed item wording.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentFile {
    /// Always `Instrument`.
    pub kind: Spanned<String>,
    /// Stable id, e.g. `freda_farlighetsbedomning`.
    pub id: Spanned<String>,
    /// Version of this definition.
    pub version: Spanned<u32>,
    /// Title shown to caseworkers.
    pub title: String,
    /// What the instrument is for and how it is used.
    #[serde(default)]
    pub description: Option<String>,
    /// Where the instrument comes from (publisher, year).
    #[serde(default)]
    pub source: Option<String>,
    /// Licence terms the unit must respect.
    #[serde(default)]
    pub licence: Option<String>,
    /// The items, by topic.
    pub items: Vec<ItemDecl>,
    /// How the answers make a score.
    pub scoring: Spanned<ScoringDecl>,
    /// The smallest difference between two possible scores (1 for counts, 0.1 for visual
    /// analogue scales measured to a millimetre).
    #[serde(default)]
    pub score_step: Option<f64>,
    /// Interpretation bands over the score, set locally. Use `norms` instead when bands
    /// differ by age.
    #[serde(default)]
    pub bands: Option<Spanned<Vec<BandDecl>>>,
    /// Band sets by age group, e.g. ORS cutoffs for adults, youth and children.
    #[serde(default)]
    pub norms: Vec<NormDecl>,
    /// A change in score of at least this size counts as reliable (e.g. 5 for ORS).
    #[serde(default)]
    pub reliable_change: Option<f64>,
    /// The client's own rating, recorded beside the score.
    #[serde(default)]
    pub client_self_rating: Option<RatingDecl>,
    /// The caseworker's professional judgement, recorded beside the score.
    #[serde(default)]
    pub professional_judgement: Option<RatingDecl>,
    /// Facts the instrument writes into the case when completed.
    #[serde(default)]
    pub writes: Vec<WriteDecl>,
    /// Every item must be answered: a completion with any item unanswered is rejected, naming
    /// the items (a checklist of required investigation sections, or a score that means
    /// nothing with a part missing).
    #[serde(default)]
    pub complete_only: bool,
}

/// One item of an instrument.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemDecl {
    /// The item's id.
    pub id: Spanned<String>,
    /// The item's topic in our own words (never the licensed wording).
    pub topic: String,
    /// A grouping such as a violence category.
    #[serde(default)]
    pub category: Option<String>,
    /// The answer type.
    pub answer: Spanned<AnswerDecl>,
}

/// An item's answer type.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AnswerDecl {
    /// Yes (1) or no (0).
    YesNo,
    /// A number on a scale, e.g. `{scale: {min: 0, max: 10}}`.
    Scale {
        /// Lowest value.
        min: f64,
        /// Highest value.
        max: f64,
    },
    /// One of the listed options, each with the score it gives.
    Choice(Vec<ChoiceDecl>),
}

/// One option of a choice item.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceDecl {
    /// The option's id.
    pub id: Spanned<String>,
    /// The score the option gives.
    #[serde(default)]
    pub score: f64,
}

/// How answers make a score.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ScoringDecl {
    /// No total score; the answers are recorded as they are.
    None,
    /// The sum of the answers (yes counts 1).
    Sum,
    /// Each answer times its weight, summed.
    Weighted(Vec<WeightDecl>),
}

/// The weight of one item.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightDecl {
    /// The item's id.
    pub item: Spanned<String>,
    /// Its weight.
    pub weight: f64,
}

/// An interpretation band: scores from `min` to `max`, both included.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BandDecl {
    /// The band's id, e.g. `high`; written into facts.
    pub id: Spanned<String>,
    /// Title shown to caseworkers.
    #[serde(default)]
    pub title: Option<String>,
    /// Lowest score in the band.
    pub min: Spanned<f64>,
    /// Highest score in the band.
    pub max: Spanned<f64>,
}

/// Bands for one age group.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NormDecl {
    /// The group's id, e.g. `adult`.
    pub id: Spanned<String>,
    /// Youngest age in the group.
    #[serde(default)]
    pub age_min: Option<u32>,
    /// Oldest age in the group.
    #[serde(default)]
    pub age_max: Option<u32>,
    /// The bands for this group.
    pub bands: Spanned<Vec<BandDecl>>,
}

/// A rating recorded beside the score.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingDecl {
    /// The values the rating may take.
    pub values: Vec<Spanned<String>>,
}

/// A fact the instrument writes when completed.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteDecl {
    /// The fact's id in the workflows that use the instrument.
    pub fact: Spanned<String>,
    /// What is written.
    pub from: WriteSource,
}

/// What an instrument writes into a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteSource {
    /// The total score.
    Score,
    /// The band the score fell in.
    Band,
    /// The client's own rating.
    ClientSelfRating,
    /// The professional judgement.
    ProfessionalJudgement,
    /// `true` once completed.
    Completed,
}
