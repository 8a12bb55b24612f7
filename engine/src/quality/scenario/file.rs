//! A `Scenario` file: a case told as timed events (used by `lots run`, and by quality staff's
//! scenario tests).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::runtime::Event;
use crate::syntax::Spanned;

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
    /// The workflow the case runs.
    pub workflow: Spanned<String>,
    /// The units the story is played for: once per unit, each with that unit's effective
    /// configuration of the workflow. The expectations must hold for every one of them.
    pub units: Vec<Spanned<String>>,
    /// When the story starts (`YYYY-MM-DDTHH:MM`, or a date meaning 08:00). A step's `at` may
    /// then be relative to it: `+3d` (same time of day, three days later) or `+3d 13:30`.
    #[serde(default)]
    pub start: Option<Spanned<String>>,
    /// The events, in time order. The first is `case_opened`; its `workflow` and `unit` may
    /// be left out (they come from `workflow` and `units`).
    pub steps: Vec<StepDecl>,
    /// What must hold at the end.
    #[serde(default)]
    pub expect: Option<ExpectDecl>,
}

/// One event at one time.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDecl {
    /// When, as Swedish local time `YYYY-MM-DDTHH:MM` (or a date, meaning 08:00), or relative
    /// to the scenario's `start`: `+3d` or `+3d 13:30`.
    pub at: Spanned<String>,
    /// What happened.
    pub event: Spanned<Event>,
    /// Who did it: `{actor: hl-17, role: enhetschef}`. Without it, or without one of its
    /// fields, the step is done by the default caseworker: actor `handlaggare-1` in the
    /// workflow's default role (the role marked `default: true`, else `socialsekreterare`).
    #[serde(default)]
    pub by: Option<ActorDecl>,
    /// What must hold after this step.
    #[serde(default)]
    pub expect: Option<ExpectDecl>,
}

/// Who did a step.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorDecl {
    /// A pseudonymous id, e.g. `hl-17` (never a name or a personal identity number).
    #[serde(default)]
    pub actor: Option<String>,
    /// A role the workflow declares, e.g. `enhetschef`.
    #[serde(default)]
    pub role: Option<String>,
}

/// What the author expects of a step, or of the case at the end. Only what is written is
/// checked.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectDecl {
    /// The phase the case is in.
    #[serde(default)]
    pub phase: Option<String>,
    /// The phase each named parallel track is in, e.g. `{polis: barnforhor_hallet}`.
    #[serde(default)]
    pub tracks: std::collections::BTreeMap<String, String>,
    /// Whether the event is rejected (steps only).
    #[serde(default)]
    pub rejected: Option<bool>,
    /// Reason types the rejection must include, e.g. `instrument_missing`.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Exactly the actions emitted (by the step; at the end, by the whole case), in order.
    #[serde(default)]
    pub actions: Option<Vec<ExpectedAction>>,
    /// Fact values.
    #[serde(default)]
    pub facts: std::collections::BTreeMap<String, crate::runtime::FactValue>,
    /// Deadline states: `running`, `due_soon`, `overdue`, `met`, `not_started`.
    #[serde(default)]
    pub deadlines: std::collections::BTreeMap<String, crate::syntax::DeadlineState>,
    /// Warning types, e.g. `sessions_above_max`.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Whether the case is closed.
    #[serde(default)]
    pub closed: Option<bool>,
    /// Approvals given towards a decision (by id) or a transition (`from -> to`) taken by
    /// several people, not yet in effect: `{polisanmalan: 1}`; `0` when none are pending.
    #[serde(default)]
    pub approvals: std::collections::BTreeMap<String, u32>,
}

/// An expected action: every field written must match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedAction {
    /// `route`, `task`, `offer`, `flag`, `deadline_due_soon`, `deadline_overdue`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// For routes: the receiving unit, or a track owner's role.
    #[serde(default)]
    pub to: Option<String>,
    /// For routes to the owner of a track: the track.
    #[serde(default)]
    pub track: Option<String>,
    /// For routes: `orosanmalan`, `referral`, `consultation`.
    #[serde(default)]
    pub route: Option<String>,
    /// For offers: the intervention.
    #[serde(default)]
    pub intervention: Option<String>,
    /// For deadline actions: the deadline.
    #[serde(default)]
    pub deadline: Option<String>,
    /// The rule that emitted it.
    #[serde(default)]
    pub rule: Option<String>,
    /// Text the legal citation must contain, e.g. `SoL (2025:400)`.
    #[serde(default)]
    pub cites: Option<String>,
    /// The key of the person it is about (a rule that runs `for_each` person), e.g. `barn-1`.
    #[serde(default)]
    pub person: Option<String>,
    /// Its id, e.g. `sk-1/rule/orosanmalan_per_barn/barn-1/1/0`.
    #[serde(default)]
    pub id: Option<String>,
}
