//! Conditions as written: a tree of single-key maps (`all`, `any`, `not`, and leaves).

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Amount, DayCount, Literal, Spanned};

/// A condition: `all`, `any`, `not`, or one test. Each is a map with exactly one key.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// True when every condition in the list is true.
    All(Vec<Spanned<Condition>>),
    /// True when at least one condition in the list is true.
    Any(Vec<Spanned<Condition>>),
    /// True when the condition is false.
    Not(Box<Spanned<Condition>>),
    /// A fact equals a value: `{fact: has_children, value: true}`.
    Equals(FactValue),
    /// A fact has one of the listed values: `{fact: referral_source, values: [police, self]}`.
    In(FactValues),
    /// A number or date fact compared with a value, `{fact: age, op: ">=", value: 65}`, or with
    /// another fact, `{fact: decided, op: ">=", other_fact: applied}`.
    Compare(FactCompare),
    /// The event's day lies within a length after a date fact: `{of: closed_before, months: 3}`.
    Within(WithinTest),
    /// The fact has been recorded (has any value).
    IsSet(Spanned<String>),
    /// The case is in this phase.
    Phase(Spanned<String>),
    /// The case is in one of these phases.
    PhaseIn(Vec<Spanned<String>>),
    /// The instrument has been completed in this case.
    Completed(Spanned<String>),
    /// The instrument's latest result fell in one of these bands.
    Band(BandTest),
    /// The instrument's latest total score compared with a number.
    Score(ScoreTest),
    /// A count of sessions, no-shows or cancellations compared with a number.
    Count(CountTest),
    /// Days since an event compared with a number.
    Elapsed(ElapsedTest),
    /// A deadline is in a given state.
    Deadline(DeadlineTest),
    /// A rhai expression, for a unit's local variation. Compiled once at load.
    Script(Spanned<String>),
    /// Some person of a collection meets a condition: `any_person: {of: children, where:
    /// {equals: {fact: witnessed, value: true}}}`. False when the collection is empty.
    AnyPerson(PersonTest),
    /// Every person of a collection meets a condition. True when the collection is empty.
    EveryPerson(PersonTest),
    /// The number of people of a collection (meeting `where`, if given) compared with a
    /// number: `count_people: {of: children, where: ..., op: ">=", value: 2}`.
    CountPeople(CountPeopleTest),
}

/// A condition on the people of a collection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonTest {
    /// The collection, e.g. `children`.
    pub of: Spanned<String>,
    /// The condition, read for one person at a time: it names the person's facts (and may
    /// name the case's), and instrument tests read the person's results.
    #[serde(rename = "where")]
    pub condition: Box<Spanned<Condition>>,
}

/// A count of the people of a collection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountPeopleTest {
    /// The collection, e.g. `children`.
    pub of: Spanned<String>,
    /// Count only the people meeting this condition.
    #[serde(default, rename = "where")]
    pub condition: Option<Box<Spanned<Condition>>>,
    /// The comparison.
    pub op: Spanned<CompareOp>,
    /// The number.
    pub value: Spanned<Amount>,
}

/// `equals`: a fact and one value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FactValue {
    /// The fact's id, as declared in the workflow's `facts`.
    pub fact: Spanned<String>,
    /// The value to compare with.
    pub value: Spanned<Literal>,
}

/// `in`: a fact and a set of values.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FactValues {
    /// The fact's id.
    pub fact: Spanned<String>,
    /// The values, any of which makes the condition true.
    pub values: Vec<Spanned<Literal>>,
}

/// `compare`: an ordered comparison on a number or date fact, with a value or with another
/// fact of the same type (`==` and `!=` also for other types).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FactCompare {
    /// The fact's id (integer, decimal or date).
    pub fact: Spanned<String>,
    /// The comparison.
    pub op: Spanned<CompareOp>,
    /// The value to compare with.
    #[serde(default)]
    pub value: Option<Spanned<Literal>>,
    /// Another fact to compare with, instead of a value (e.g. `decided` after `applied`).
    #[serde(default)]
    pub other_fact: Option<Spanned<String>>,
}

/// `within`: the event's day is on or after a date fact and no later than a length after it,
/// e.g. `{of: previous_case_closed, months: 3}`. Exactly one of `days`, `working_days`, `weeks`
/// and `months`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WithinTest {
    /// A date fact.
    pub of: Spanned<String>,
    /// Calendar days.
    #[serde(default)]
    pub days: Option<Spanned<Amount>>,
    /// Working days.
    #[serde(default)]
    pub working_days: Option<Spanned<Amount>>,
    /// Weeks.
    #[serde(default)]
    pub weeks: Option<Spanned<Amount>>,
    /// Months (lag 1930:173: the same date N months later, or the month's last day).
    #[serde(default)]
    pub months: Option<Spanned<Amount>>,
}

/// An ordered comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum CompareOp {
    /// Less than.
    #[serde(rename = "<")]
    Lt,
    /// Less than or equal.
    #[serde(rename = "<=")]
    Le,
    /// Greater than.
    #[serde(rename = ">")]
    Gt,
    /// Greater than or equal.
    #[serde(rename = ">=")]
    Ge,
    /// Equal.
    #[serde(rename = "==")]
    Eq,
    /// Not equal.
    #[serde(rename = "!=")]
    Ne,
}

impl CompareOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
        }
    }

    /// Applies the comparison to an ordering.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            CompareOp::Lt => ordering == Less,
            CompareOp::Le => ordering != Greater,
            CompareOp::Gt => ordering == Greater,
            CompareOp::Ge => ordering != Less,
            CompareOp::Eq => ordering == Equal,
            CompareOp::Ne => ordering != Equal,
        }
    }
}

/// `band`: an instrument's result band.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BandTest {
    /// The instrument's id.
    pub instrument: Spanned<String>,
    /// Band ids, any of which makes the condition true.
    #[serde(rename = "in")]
    pub bands: Vec<Spanned<String>>,
}

/// `score`: an instrument's total score compared with a number.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreTest {
    /// The instrument's id.
    pub instrument: Spanned<String>,
    /// The comparison.
    pub op: Spanned<CompareOp>,
    /// The number to compare with.
    pub value: f64,
}

/// What a `count` condition counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CountKind {
    /// Sessions held.
    SessionsHeld,
    /// Sessions the client did not come to without cancelling.
    NoShows,
    /// Sessions cancelled by the client.
    CancelledByClient,
    /// Sessions cancelled by the unit.
    CancelledByUnit,
}

/// `count`: sessions, no-shows or cancellations compared with a number.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountTest {
    /// What to count.
    pub of: CountKind,
    /// Count only in this phase (default: the whole case).
    #[serde(default)]
    pub phase: Option<Spanned<String>>,
    /// The comparison.
    pub op: Spanned<CompareOp>,
    /// A number or `{param: name}`.
    pub value: Spanned<Amount>,
}

/// The event an `elapsed` condition measures from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SinceEvent {
    /// The case was opened.
    CaseOpened,
    /// The current phase was entered.
    PhaseEntered,
    /// The latest session held.
    LastSession,
    /// The latest event of any kind.
    LastEvent,
}

/// `elapsed`: days since an event compared with a number.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ElapsedTest {
    /// The event to measure from.
    pub since: SinceEvent,
    /// The comparison.
    pub op: Spanned<CompareOp>,
    /// A number of days or `{param: name}`.
    pub days: Spanned<Amount>,
    /// Calendar days (default) or working days.
    #[serde(default)]
    pub count: DayCount,
}

/// `deadline`: a deadline's state.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineTest {
    /// The deadline's id, as declared in the workflow's `deadlines`.
    pub id: Spanned<String>,
    /// The state to test for.
    pub state: DeadlineState,
}

/// A deadline's state, as a condition names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// Started, not stopped, not yet due.
    Running,
    /// Due within the deadline's warning window.
    DueSoon,
    /// Past its due date and not stopped.
    Overdue,
    /// Stopped on or before its due date.
    Met,
    /// Stopped after it fell due: met, but late (never shown as `met`).
    MetLate,
    /// Ended without being met, by an event the deadline names in `cancelled_by` (e.g. the
    /// case closed because the client withdrew).
    Cancelled,
    /// Never started in this case.
    NotStarted,
}
