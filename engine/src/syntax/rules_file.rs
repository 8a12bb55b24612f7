//! A `Rules` file: routing rules for one or more workflows.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Condition, Length, Literal, Spanned};

/// Routing rules.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Always `Rules`.
    pub kind: Spanned<String>,
    /// Stable id of the rule set.
    pub id: Spanned<String>,
    /// Version of this rule set.
    pub version: Spanned<u32>,
    /// Title of the rule set.
    pub title: String,
    /// What the rule set covers.
    #[serde(default)]
    pub description: Option<String>,
    /// The workflows these rules run in.
    pub workflows: Vec<Spanned<String>>,
    /// The rules, evaluated in this order after each accepted event.
    pub rules: Vec<RuleDecl>,
}

/// One routing rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDecl {
    /// Stable id, e.g. `orosanmalan_barn`.
    pub id: Spanned<String>,
    /// Title shown to caseworkers.
    pub title: String,
    /// Why the rule exists.
    #[serde(default)]
    pub description: Option<String>,
    /// The legal ground, as a concept id.
    #[serde(default)]
    pub legal: Option<Spanned<String>>,
    /// A duty in law: no unit may switch it off or weaken it, no override lifts it.
    #[serde(default)]
    pub mandatory: bool,
    /// `base` rules run for every unit; `local` rules only for units that add them.
    #[serde(default)]
    pub scope: RuleScope,
    /// When the rule fires.
    #[serde(default)]
    pub fires: FireMode,
    /// Runs once per person of this collection (e.g. `children`): the condition reads that
    /// person's facts, and the rule fires for each person it holds for, by `fires`, with the
    /// person's key in its actions.
    #[serde(default)]
    pub for_each: Option<Spanned<String>>,
    /// Fires again, for the same case or person, when one of these facts changes value while
    /// the condition holds (more serious information about the same child).
    #[serde(default)]
    pub again_when_changed: Vec<Spanned<String>>,
    /// The condition.
    pub when: Spanned<Condition>,
    /// What happens when it fires.
    pub actions: Vec<Spanned<ActionDecl>>,
}

/// Which units a rule runs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleScope {
    /// Every unit running the workflow (unless it switches the rule off).
    #[default]
    Base,
    /// Only units that add the rule.
    Local,
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FireMode {
    /// At most once per case.
    Once,
    /// Each time its condition goes from false to true.
    #[default]
    WhenBecomingTrue,
    /// After every accepted event while its condition holds.
    EveryEvent,
}

/// An action a rule takes.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionDecl {
    /// Send a report or referral to a unit.
    Route(RouteAction),
    /// Give the caseworker a task.
    Task(TaskAction),
    /// Offer the client an intervention.
    Offer(OfferAction),
    /// Set a fact.
    Set(SetAction),
    /// Start a deadline.
    Start(Spanned<String>),
    /// Stop a deadline (met).
    Stop(Spanned<String>),
    /// Show a warning to the caseworker.
    Flag(FlagAction),
}

/// `route`: a report or referral to another unit, or to the owner of a track. Exactly one of
/// `to`, `target` and `track`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteAction {
    /// The receiving unit's id: the same unit for every unit that runs the rule.
    #[serde(default)]
    pub to: Option<Spanned<String>>,
    /// A named route target, e.g. `mottagning_barn`: each unit that runs the rule says in its
    /// `route_targets` which unit receives it.
    #[serde(default)]
    pub target: Option<Spanned<String>>,
    /// A parallel track of the workflow, e.g. `polis`: its owner (another unit or an outside
    /// agency, a role of the workflow) receives it.
    #[serde(default)]
    pub track: Option<Spanned<String>>,
    /// What is sent.
    pub kind: RouteKind,
    /// How soon.
    #[serde(default)]
    pub urgency: Urgency,
}

/// What a route sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    /// A report of concern about a child (orosanmälan).
    Orosanmalan,
    /// A referral to another unit's intervention.
    Referral,
    /// Information or consultation with the client's consent.
    Consultation,
}

/// How soon a route must reach its receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// At once (genast).
    Immediate,
    /// The same working day.
    SameDay,
    /// In the normal course of work.
    #[default]
    Normal,
}

/// `task`: something the caseworker must do.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskAction {
    /// What to do.
    pub title: String,
    /// When it is due, counted from the event that fired the rule.
    #[serde(default)]
    pub due: Option<Spanned<Length>>,
}

/// `offer`: an intervention offered to the client.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferAction {
    /// The intervention, e.g. `skyddat_boende`.
    pub intervention: Spanned<String>,
    /// Title shown to caseworkers.
    #[serde(default)]
    pub title: Option<String>,
}

/// `set`: give a fact a value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetAction {
    /// The fact's id.
    pub fact: Spanned<String>,
    /// The value.
    pub value: Spanned<Literal>,
}

/// `flag`: a warning shown to the caseworker.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagAction {
    /// The warning.
    pub message: String,
    /// How serious.
    #[serde(default)]
    pub level: FlagLevel,
}

/// How serious a flag is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagLevel {
    /// Worth knowing.
    #[default]
    Info,
    /// Needs attention.
    Warning,
    /// Needs action now.
    Critical,
}
