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
    /// The unit that receives each named route target of the rules the unit runs, e.g. its
    /// own intake for `mottagning_barn`. Every target a rule that runs here names must be
    /// given, and must name a unit that exists.
    #[serde(default)]
    pub route_targets: Vec<RouteTargetDecl>,
    /// Local variations in rhai: guards, derived facts, extra actions.
    #[serde(default)]
    pub hooks: Vec<HookDecl>,
    /// The unit's delegation (delegationsordning): who takes which decision, requests which
    /// transition and records which override, within what the workflow allows.
    #[serde(default)]
    pub delegation: Vec<DelegationDecl>,
}

/// One point of a unit's delegation: exactly one of `decision`, `transition`, `override`, the
/// roles it is delegated to, and where the delegation says so.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationDecl {
    /// The workflow.
    pub workflow: Spanned<String>,
    /// A decision of the workflow.
    #[serde(default)]
    pub decision: Option<Spanned<String>>,
    /// A transition of the workflow (every transition from `from` to `to`).
    #[serde(default)]
    pub transition: Option<TransitionRef>,
    /// A phase of the workflow: the overrides of what blocks leaving it.
    #[serde(default, rename = "override")]
    pub override_phase: Option<Spanned<String>>,
    /// The roles it is delegated to.
    pub roles: Spanned<Vec<Spanned<String>>>,
    /// Where the delegation says so, e.g. `Delegationsordning 2025, punkt 3.1.4`.
    pub reference: String,
}

/// A transition named by its phases.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRef {
    /// The phase it leaves.
    pub from: Spanned<String>,
    /// The phase it enters.
    pub to: Spanned<String>,
}

/// Which unit receives a named route target.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteTargetDecl {
    /// The target, as the rules name it, e.g. `mottagning_barn`.
    pub target: Spanned<String>,
    /// The receiving unit's id.
    pub to: Spanned<String>,
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

/// A unit hook: a local variation in a rhai script. Exactly one of `guard`, `derive`, `after`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HookDecl {
    /// Stable id, e.g. `inga_hembesok`.
    pub id: Spanned<String>,
    /// What the hook is for.
    #[serde(default)]
    pub title: Option<String>,
    /// The workflow it runs in (default: every workflow of the unit).
    #[serde(default)]
    pub workflow: Option<Spanned<String>>,
    /// Event types it runs on, e.g. `[session_held]` (default: every event).
    #[serde(default)]
    pub on: Vec<Spanned<String>>,
    /// An extra condition an event must meet to be accepted; `false` rejects it with `reason`.
    #[serde(default)]
    pub guard: Option<GuardDecl>,
    /// A fact computed after each event.
    #[serde(default)]
    pub derive: Option<DeriveDecl>,
    /// Extra actions after an event: the script returns an array of action maps.
    #[serde(default)]
    pub after: Option<AfterDecl>,
}

/// `guard`: the script must return `true` for the event to be accepted.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardDecl {
    /// A one-line rhai expression.
    #[serde(default)]
    pub script: Option<Spanned<String>>,
    /// A `.rhai` file, relative to the unit file's folder.
    #[serde(default)]
    pub file: Option<Spanned<String>>,
    /// Why the event is rejected, in words for the caseworker.
    pub reason: String,
}

/// `derive`: the script's value is written to a fact after each event.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeriveDecl {
    /// The fact written.
    pub fact: Spanned<String>,
    /// A one-line rhai expression.
    #[serde(default)]
    pub script: Option<Spanned<String>>,
    /// A `.rhai` file, relative to the unit file's folder.
    #[serde(default)]
    pub file: Option<Spanned<String>>,
}

/// `after`: the script returns an array of actions, e.g.
/// `[#{type: "task", title: "...", due_days: 2, working_days: true}]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AfterDecl {
    /// A one-line rhai expression.
    #[serde(default)]
    pub script: Option<Spanned<String>>,
    /// A `.rhai` file, relative to the unit file's folder.
    #[serde(default)]
    pub file: Option<Spanned<String>>,
    /// Run until it has emitted actions once, then never again in the case.
    #[serde(default)]
    pub once: bool,
}
