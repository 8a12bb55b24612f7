//! A `Workflow` file: facts, parameters, phases, transitions, deadlines, closure reasons.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Amount, ComputedExpr, Condition, Length, Spanned};

/// A case process.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowFile {
    /// Always `Workflow`.
    pub kind: Spanned<String>,
    /// Stable id, e.g. `vuxna_utsatta`.
    pub id: Spanned<String>,
    /// Version of this workflow; running cases stay on the version they started with.
    pub version: Spanned<u32>,
    /// Title shown to caseworkers.
    pub title: String,
    /// What the process is for and who it serves.
    #[serde(default)]
    pub description: Option<String>,
    /// The typed case variables.
    #[serde(default)]
    pub facts: Vec<FactDecl>,
    /// The people inside a case, by collection (e.g. `children`), each with facts of their
    /// own. Hosts add a person with a pseudonymous key (never a name or personal identity
    /// number) and record that person's facts and instruments.
    #[serde(default)]
    pub people: Vec<PeopleDecl>,
    /// Named numbers a unit may override.
    #[serde(default)]
    pub parameters: Vec<ParameterDecl>,
    /// The roles staff act in (`socialsekreterare`, `enhetschef`, `namnd`). A workflow that
    /// declares none checks no authority: anyone may do anything, as before roles existed.
    #[serde(default)]
    pub roles: Vec<RoleDecl>,
    /// The formal decisions taken in a case, each with who may take it. Without any, a
    /// `decision_made` event is the one decision on bistånd, written to the fact `decision`.
    #[serde(default)]
    pub decisions: Vec<DecisionDecl>,
    /// The roles that may record overrides in this workflow, unless a phase says otherwise
    /// (default: every declared role).
    #[serde(default)]
    pub override_roles: Option<Spanned<Vec<Spanned<String>>>>,
    /// The phase a new case starts in.
    pub start: Spanned<String>,
    /// The phases of the process.
    pub phases: Vec<PhaseDecl>,
    /// The ways from one phase to another.
    #[serde(default)]
    pub transitions: Vec<TransitionDecl>,
    /// Legal and local deadlines.
    #[serde(default)]
    pub deadlines: Vec<DeadlineDecl>,
    /// Reasons a case may be closed for.
    #[serde(default)]
    pub closure_reasons: Vec<ClosureReasonDecl>,
    /// The follow-up variables `lots export` writes for each case, in this order (as national
    /// compilations such as SU-Kvinnofrid ask for them): facts of the case that are not
    /// sensitive and not free text. An `age` is written as its age band, a date as its month.
    #[serde(default)]
    pub follow_up: Vec<Spanned<String>>,
}

/// A typed case variable.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FactDecl {
    /// The fact's id, used in conditions.
    pub id: Spanned<String>,
    /// The value type.
    #[serde(rename = "type")]
    pub ty: Spanned<FactType>,
    /// What the fact means.
    #[serde(default)]
    pub title: Option<String>,
    /// For `enum` facts: the allowed values.
    #[serde(default)]
    pub values: Option<Spanned<Vec<Spanned<String>>>>,
    /// Personal data: never logged, redacted in traces and snapshots.
    #[serde(default)]
    pub sensitive: bool,
    /// May still be recorded after the case is closed (a follow-up answer, e.g. the survey
    /// returned after closing).
    #[serde(default)]
    pub after_closing: bool,
    /// Computed by the engine from other facts, instrument scores and dates, e.g.
    /// `{subtract: [{fact: ors_latest}, {fact: ors_first}]}`; recomputed whenever what it reads
    /// changes. No host event, rule or hook may write it.
    #[serde(default)]
    pub computed: Option<Spanned<ComputedExpr>>,
}

/// A collection of people inside a case, e.g. the children of the family.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PeopleDecl {
    /// The collection's id, e.g. `children`, named by `any_person`, `every_person`,
    /// `count_people`, a rule's `for_each` and a phase's `required_each`.
    pub id: Spanned<String>,
    /// Title shown to caseworkers, e.g. `Barn i familjen`.
    pub title: String,
    /// Who belongs to it.
    #[serde(default)]
    pub description: Option<String>,
    /// Each person's facts. Their ids are unique in the workflow, beside the case's facts.
    #[serde(default)]
    pub facts: Vec<FactDecl>,
}

/// A role staff act in.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleDecl {
    /// The role's id, e.g. `enhetschef`.
    pub id: Spanned<String>,
    /// Title shown to caseworkers, e.g. `Enhetschef`.
    pub title: String,
    /// What the role does.
    #[serde(default)]
    pub description: Option<String>,
    /// The role a scenario step acts in when it names none (at most one role). Without one,
    /// `socialsekreterare`.
    #[serde(default)]
    pub default: Option<Spanned<bool>>,
}

/// A formal decision and who may take it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionDecl {
    /// The decision's id, named by `decision_made {decision: ...}`, e.g. `ansokan_lvu`.
    pub id: Spanned<String>,
    /// Title shown to caseworkers, e.g. `Ansökan om vård enligt LVU`.
    pub title: String,
    /// What the decision is.
    #[serde(default)]
    pub description: Option<String>,
    /// Its legal ground, as a concept id (required when `reserved`).
    #[serde(default)]
    pub legal: Option<Spanned<String>>,
    /// The fact the outcome is written to: a bool fact (`true` granted), or an enum or text
    /// fact (`granted` / `denied`). Only this decision may write it.
    #[serde(default)]
    pub fact: Option<Spanned<String>>,
    /// The roles that may take it (default: the roles of `approvals`, else every declared
    /// role). A unit's `delegation` may set other roles, unless the decision is `reserved`.
    #[serde(default)]
    pub roles: Option<Spanned<Vec<Spanned<String>>>>,
    /// Reserved by law for the committee (nämnden or its utskott): no unit may delegate it to
    /// any role outside `roles` (a load error naming the decision and its legal ground). Also
    /// read as `committee_only`.
    #[serde(default, alias = "committee_only")]
    pub reserved: bool,
    /// Taken by several people together: one distinct person per entry, in that role, e.g.
    /// `[enhetschef, socialsekreterare]`. The decision takes effect on the last approval.
    #[serde(default)]
    pub approvals: Option<Spanned<Vec<Spanned<String>>>>,
    /// The decision a `decision_made` event that names none refers to (at most one).
    #[serde(default)]
    pub default: Option<Spanned<bool>>,
}

/// A fact's value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FactType {
    /// `true` or `false`.
    Bool,
    /// A whole number.
    Integer,
    /// A decimal number.
    Decimal,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// One of the listed `values`.
    Enum,
    /// Free text.
    Text,
    /// A person's protection level: `none`, `sekretessmarkering`, `skyddad_folkbokforing`,
    /// `fingerade_personuppgifter`.
    ProtectionLevel,
}

/// A named number a unit may override.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParameterDecl {
    /// The parameter's id.
    pub id: Spanned<String>,
    /// What the number means.
    #[serde(default)]
    pub title: Option<String>,
    /// A count, or a number of days.
    #[serde(rename = "type", default)]
    pub ty: ParameterType,
    /// The value unless a unit overrides it.
    pub default: Spanned<u32>,
    /// The smallest value a unit may set.
    #[serde(default)]
    pub min: Option<u32>,
    /// The largest value a unit may set.
    #[serde(default)]
    pub max: Option<u32>,
}

/// What a parameter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParameterType {
    /// A count (sessions, people).
    #[default]
    Count,
    /// A number of days.
    Days,
    /// An hour of the day, 0 to 23 (e.g. when a report counts as arriving late).
    Hour,
}

/// A phase of the process.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseDecl {
    /// The phase's id, e.g. `utredning`.
    pub id: Spanned<String>,
    /// Title shown to caseworkers, e.g. `Fas 2 Utredning`.
    pub title: String,
    /// What happens in the phase.
    #[serde(default)]
    pub description: Option<String>,
    /// A terminal phase ends the case.
    #[serde(default)]
    pub terminal: bool,
    /// Instruments that must be completed before leaving the phase (except into a terminal
    /// phase that ends the case early).
    #[serde(default)]
    pub required: Vec<Spanned<String>>,
    /// Instruments required once per person of a collection before leaving the phase, e.g. a
    /// protection assessment for each child: `[{instrument: skyddsbedomning_barn, of:
    /// children}]`.
    #[serde(default)]
    pub required_each: Vec<RequiredEachDecl>,
    /// Expected number of sessions.
    #[serde(default)]
    pub sessions: Option<Range>,
    /// Expected duration in days.
    #[serde(default)]
    pub duration_days: Option<Range>,
    /// Legal grounds, as concept ids of LegalReference files.
    #[serde(default)]
    pub legal: Vec<Spanned<String>>,
    /// For terminal phases: the closure reason recorded when a case ends here.
    #[serde(default)]
    pub closure_reason: Option<Spanned<String>>,
    /// Facts that must be recorded before leaving the phase (except into a terminal phase).
    /// Overridable with a written reason, unless `binding`.
    #[serde(default)]
    pub required_facts: Option<RequiredFactsDecl>,
    /// Documents that must be recorded (`document_recorded`) before leaving the phase
    /// (except into a terminal phase). Each overridable, unless `binding`.
    #[serde(default)]
    pub documents: Vec<DocumentDecl>,
    /// The event types the phase accepts, e.g. no formal decision in a support conversation.
    /// Default: every type. `time_passed` and `action_acknowledged` are always accepted.
    #[serde(default)]
    pub accepts: Option<Spanned<Vec<Spanned<String>>>>,
    /// The roles that may override what blocks leaving this phase (its session minimum,
    /// required facts and documents, and the guards of transitions out of it). Default: the
    /// workflow's `override_roles`.
    #[serde(default)]
    pub override_roles: Option<Spanned<Vec<Spanned<String>>>>,
    /// Parallel tracks the case runs through while in this phase (police investigation,
    /// forensic examination and the social-services investigation side by side). Each starts
    /// when the case enters the phase; the phase is left when the tracks in `join` have each
    /// reached a terminal phase of their own.
    #[serde(default)]
    pub tracks: Vec<TrackDecl>,
    /// The tracks that must each reach a terminal phase of their own before the case leaves
    /// this phase (default: every track).
    #[serde(default)]
    pub join: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A track: phases and transitions of their own, run in parallel with the other tracks of the
/// phase it belongs to. Its phase ids are unique in the workflow; a terminal phase ends the
/// track, not the case.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackDecl {
    /// The track's id, e.g. `polis`.
    pub id: Spanned<String>,
    /// Title shown to caseworkers, e.g. `Polisens förundersökning`.
    pub title: String,
    /// What happens in the track.
    #[serde(default)]
    pub description: Option<String>,
    /// Who runs it, as a role of the workflow (an outside agency such as `polis` or
    /// `aklagare`, or another unit): its transitions are requested in that role unless they
    /// name `roles` of their own.
    #[serde(default)]
    pub owner: Option<Spanned<String>>,
    /// The phase the track starts in.
    pub start: Spanned<String>,
    /// The track's phases.
    pub phases: Vec<PhaseDecl>,
    /// The ways between the track's phases.
    #[serde(default)]
    pub transitions: Vec<TransitionDecl>,
}

/// An instrument required for each person of a collection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredEachDecl {
    /// The instrument's id.
    pub instrument: Spanned<String>,
    /// The collection, e.g. `children`.
    pub of: Spanned<String>,
}

/// Facts required before leaving a phase.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredFactsDecl {
    /// The facts.
    pub facts: Vec<Spanned<String>>,
    /// Not overridable: no override lifts the requirement.
    #[serde(default)]
    pub binding: bool,
}

/// A document required before leaving a phase.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentDecl {
    /// The document's id, named by `document_recorded {document: ...}`.
    pub id: Spanned<String>,
    /// Title shown to caseworkers, e.g. `Skyddsbedömningen dokumenterad`.
    pub title: String,
    /// Not overridable: no override lifts the requirement.
    #[serde(default)]
    pub binding: bool,
}

/// An expected range: `{min, max}`, each a number or `{param: name}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lower bound.
    #[serde(default)]
    pub min: Option<Spanned<Amount>>,
    /// Upper bound.
    #[serde(default)]
    pub max: Option<Spanned<Amount>>,
}

/// One phase id or a list of them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PhaseList {
    /// A single phase.
    One(String),
    /// Several phases.
    Many(Vec<String>),
}

impl PhaseList {
    /// The phase ids.
    pub fn ids(&self) -> Vec<&str> {
        match self {
            PhaseList::One(id) => vec![id.as_str()],
            PhaseList::Many(ids) => ids.iter().map(String::as_str).collect(),
        }
    }
}

/// A way from one phase to another.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionDecl {
    /// The phase (or list of phases) the transition leaves.
    pub from: Spanned<PhaseList>,
    /// The phase it enters.
    pub to: Spanned<String>,
    /// Requested by a caseworker (default) or taken automatically when `when` holds.
    #[serde(default)]
    pub trigger: TriggerMode,
    /// The condition that must hold.
    #[serde(default)]
    pub when: Option<Spanned<Condition>>,
    /// Label shown to caseworkers.
    #[serde(default)]
    pub title: Option<String>,
    /// Legal ground for the transition.
    #[serde(default)]
    pub legal: Option<Spanned<String>>,
    /// The move is a legal duty (e.g. opening a child investigation without delay): what its
    /// guard reads becomes a duty input, which no unit hook or non-mandatory rule may write and
    /// no unit guard may refuse to record.
    #[serde(default)]
    pub duty: bool,
    /// The roles that may request it (default: every declared role). A unit's `delegation`
    /// may set others.
    #[serde(default)]
    pub roles: Option<Spanned<Vec<Spanned<String>>>>,
    /// Requested by several people together: one distinct person per entry, in that role.
    /// The move is made on the last approval.
    #[serde(default)]
    pub approvals: Option<Spanned<Vec<Spanned<String>>>>,
    /// The guard is binding: no override lifts it.
    #[serde(default)]
    pub binding: bool,
    /// The roles that may override the guard (default: the phase's `override_roles`, or a
    /// unit's delegation of the phase's overrides).
    #[serde(default)]
    pub override_roles: Option<Spanned<Vec<Spanned<String>>>>,
}

/// How a transition is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerMode {
    /// A caseworker requests it.
    #[default]
    Manual,
    /// Taken as soon as its condition holds.
    Automatic,
}

/// What starts or stops a deadline.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// The case enters this phase.
    PhaseEntered(Spanned<String>),
    /// The case leaves this phase.
    PhaseLeft(Spanned<String>),
    /// The case is opened.
    CaseOpened,
    /// The case is closed.
    CaseClosed,
    /// The instrument is completed.
    InstrumentCompleted(Spanned<String>),
    /// A decision on bistånd is made.
    DecisionMade,
    /// A value is recorded for this fact (e.g. the investigation's outcome).
    FactSet(Spanned<String>),
}

/// A deadline: how long, from what, until what, and on what ground it may be extended.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineDecl {
    /// The deadline's id.
    pub id: Spanned<String>,
    /// Title shown to caseworkers.
    pub title: String,
    /// What starts it. Without `starts`, only a rule's `start` action does.
    #[serde(default)]
    pub starts: Option<Spanned<Trigger>>,
    /// What stops it (met).
    #[serde(default)]
    pub stops: Vec<Spanned<Trigger>>,
    /// What cancels it: stopped without being met (e.g. `case_closed` when the case ends
    /// before the duty was done, such as a withdrawn application).
    #[serde(default)]
    pub cancelled_by: Vec<Spanned<Trigger>>,
    /// How long: `{days: N}`, `{working_days: N}`, `{weeks: N}` or `{months: N}`.
    pub length: Spanned<Length>,
    /// The date the time counts from, when not the day of the event that starts it: a date
    /// fact the host records (e.g. the day the report arrived). The earlier of the two counts.
    #[serde(default)]
    pub from: Option<DeadlineFrom>,
    /// Moves a last day that is not a working day to the next working day (lag 1930:173
    /// 2 §). Default: on for a deadline that cites a legal concept in `legal`, off otherwise.
    #[serde(default)]
    pub roll_forward: Option<bool>,
    /// When the event that starts the deadline comes at or after this hour (0–23), one more
    /// day is allowed: "the same day, the next day when the report came in late". A number or
    /// `{param: name}` (a parameter of type `hour`).
    #[serde(default)]
    pub late_from_hour: Option<Spanned<Amount>>,
    /// Days before the due date when a due-soon reminder is given, counted as the deadline
    /// counts (working days for a `working_days` deadline, calendar days otherwise).
    #[serde(default)]
    pub warn_days_before: Option<u32>,
    /// The legal ground, as a concept id.
    #[serde(default)]
    pub legal: Option<Spanned<String>>,
    /// Whether and on what grounds it may be extended.
    #[serde(default)]
    pub extension: Option<ExtensionDecl>,
}

/// Where a deadline's time counts from.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineFrom {
    /// A fact of type `date`.
    pub fact: Spanned<String>,
}

/// How a deadline may be extended.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDecl {
    /// The grounds that allow an extension, e.g. `sarskilda_skal`, `synnerliga_skal`.
    pub grounds: Vec<Spanned<String>>,
    /// The longest extension in days, if limited.
    #[serde(default)]
    pub max_days: Option<u32>,
}

/// A reason a case may be closed for.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosureReasonDecl {
    /// The reason's id.
    pub id: Spanned<String>,
    /// Title shown to caseworkers.
    pub title: String,
    /// The case may be closed for this reason from any phase, in place. Otherwise closing
    /// takes the transition from the current phase into the terminal phase that records the
    /// reason, on the same terms as requesting it (its guard included).
    #[serde(default)]
    pub from_any_phase: bool,
}
