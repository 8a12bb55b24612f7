//! The authored file format: what a process owner writes, exactly as written.
//!
//! Every type here derives `Deserialize` and `JsonSchema` and nothing else: no checks, no
//! logic. Names are resolved and values checked in `catalog::lower`, which turns these types
//! into the checked model. **Boundary:** the file format, versioned by the JSON Schemas in
//! `schemas/` (generated from these types by `schema::json_schemas`).

mod allowance_file;
mod computed;
mod condition;
mod indicator_file;
mod instrument_file;
mod legal_file;
mod residents_file;
mod rules_file;
mod spanned;
mod unit_file;
mod workflow_file;

use schemars::JsonSchema;
use serde::Deserialize;

pub use allowance_file::{AllowDecl, AllowanceFile};
pub use computed::{CaseDate, ComputedExpr, CountPeopleExpr, DatePlus, Number};
pub use condition::{
    BandTest, CompareOp, Condition, CountKind, CountPeopleTest, CountTest, DeadlineState,
    DeadlineTest, ElapsedTest, FactCompare, FactValue, FactValues, PersonTest, ScoreTest,
    SinceEvent,
};
pub use indicator_file::{
    IndicatorFile, Measure, Period, Population, PopulationCases, Target, TimeBetween,
};
pub use instrument_file::{
    AnswerDecl, BandDecl, ChoiceDecl, InstrumentFile, ItemDecl, NormDecl, RatingDecl, ScoringDecl,
    WeightDecl, WriteDecl, WriteSource,
};
pub use legal_file::{ConceptDecl, LegalFile, StatuteVersionDecl};
pub use residents_file::{ResidentsFile, ResidentsYear};
pub use rules_file::{
    ActionDecl, FireMode, FlagAction, FlagLevel, OfferAction, RouteAction, RouteKind, RuleDecl,
    RuleScope, RulesFile, SetAction, TaskAction, Urgency,
};
pub use spanned::Spanned;
pub use unit_file::{
    AfterDecl, DelegationDecl, DeriveDecl, DisableDecl, GuardDecl, HookDecl, OverrideDecl,
    RouteTargetDecl, TransitionRef, UnitFile, UnitRules,
};
pub use workflow_file::{
    ClosureReasonDecl, DeadlineDecl, DecisionDecl, DocumentDecl, ExtensionDecl, FactDecl, FactType,
    ParameterDecl, ParameterType, PeopleDecl, PhaseDecl, PhaseList, Range, RequiredEachDecl,
    RequiredFactsDecl, RoleDecl, TrackDecl, TransitionDecl, Trigger, TriggerMode, WorkflowFile,
};

/// The kinds of authored file, as written in their `kind` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Kind {
    /// A case process: facts, phases, transitions, deadlines.
    Workflow,
    /// An assessment instrument: items, scoring, bands.
    Instrument,
    /// Routing rules for one or more workflows.
    Rules,
    /// A goal indicator.
    Indicator,
    /// An organisational unit and its local variation.
    Unit,
    /// Legal grounds as versioned data.
    LegalReference,
    /// A municipality's adult residents per year (the denominators of rates).
    Residents,
    /// A case told as timed events (not part of the catalog).
    Scenario,
    /// Accepted gaps in scenario coverage (not part of the catalog).
    CoverageAllowance,
}

impl Kind {
    /// Every kind, in the order their schemas are listed.
    pub const ALL: [Kind; 9] = [
        Kind::Workflow,
        Kind::Instrument,
        Kind::Rules,
        Kind::Indicator,
        Kind::Unit,
        Kind::LegalReference,
        Kind::Residents,
        Kind::Scenario,
        Kind::CoverageAllowance,
    ];

    /// The name written in the `kind` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Workflow => "Workflow",
            Kind::Instrument => "Instrument",
            Kind::Rules => "Rules",
            Kind::Indicator => "Indicator",
            Kind::Unit => "Unit",
            Kind::LegalReference => "LegalReference",
            Kind::Residents => "Residents",
            Kind::Scenario => "Scenario",
            Kind::CoverageAllowance => "CoverageAllowance",
        }
    }

    /// The schema file name in `schemas/`, e.g. `workflow.json`.
    pub fn schema_file(self) -> &'static str {
        match self {
            Kind::Workflow => "workflow.json",
            Kind::Instrument => "instrument.json",
            Kind::Rules => "rules.json",
            Kind::Indicator => "indicator.json",
            Kind::Unit => "unit.json",
            Kind::LegalReference => "legal-reference.json",
            Kind::Residents => "residents.json",
            Kind::Scenario => "scenario.json",
            Kind::CoverageAllowance => "coverage-allowance.json",
        }
    }
}

/// The first look at a file: only its `kind`, to pick the type to read it as.
#[derive(Debug, Deserialize)]
pub struct Header {
    /// The file's kind.
    pub kind: Spanned<String>,
}

/// A literal value written in a condition or a `set` action.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Literal {
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// A decimal number.
    Decimal(f64),
    /// Text, an enum value, or a date written `YYYY-MM-DD`.
    Text(String),
}

impl std::fmt::Display for Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Integer(i) => write!(f, "{i}"),
            Literal::Decimal(d) => write!(f, "{d}"),
            Literal::Text(t) => write!(f, "{t}"),
        }
    }
}

/// A whole number written directly, or the name of a workflow parameter a unit may override.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Amount {
    /// A number written in the file.
    Value(u32),
    /// `{param: name}`: the value of a workflow parameter.
    Parameter {
        /// The parameter's id.
        param: String,
    },
}

/// How days are counted for a deadline or a due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayCount {
    /// Every day counts.
    #[default]
    CalendarDays,
    /// Only Swedish working days count (not weekends or public holidays).
    WorkingDays,
}

/// A length of time, as lag (1930:173) om beräkning av lagstadgad tid counts it: exactly one of
/// `days`, `working_days`, `weeks` and `months`, each a number or `{param: name}`.
/// `{days: N, count: working_days}` is the older way to write `{working_days: N}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Length {
    /// Calendar days.
    #[serde(default)]
    pub days: Option<Spanned<Amount>>,
    /// Working days: not Saturdays, Sundays, public holidays, midsommarafton, julafton or
    /// nyårsafton.
    #[serde(default)]
    pub working_days: Option<Spanned<Amount>>,
    /// Weeks: the same weekday N weeks later.
    #[serde(default)]
    pub weeks: Option<Spanned<Amount>>,
    /// Months: the same date N months later, or that month's last day when it has no such date.
    #[serde(default)]
    pub months: Option<Spanned<Amount>>,
    /// With `days`: calendar days (default) or working days.
    #[serde(default)]
    pub count: Option<Spanned<DayCount>>,
}
