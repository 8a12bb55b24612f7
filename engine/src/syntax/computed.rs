//! Computed facts as written: an expression tree of single-key maps, like conditions
//! (`subtract: [...]`, `first_score: ors`, `condition: {...}`).

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Condition, Length, Spanned};

/// How a computed fact's value is computed: a map with exactly one key. The engine writes the
/// value whenever what it reads changes; a host, rule or hook never does.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ComputedExpr {
    /// A number written here: `{value: 5}` (a whole number, or a decimal such as `2.5`).
    Value(Spanned<Number>),
    /// A fact's value: `{fact: ors_latest}` (a number, date or yes/no fact).
    Fact(Spanned<String>),
    /// The sum of two or more numbers.
    Add(Vec<Spanned<ComputedExpr>>),
    /// The first number minus the second: `subtract: [{fact: ors_latest}, {fact: ors_first}]`.
    Subtract(Vec<Spanned<ComputedExpr>>),
    /// The product of two or more numbers.
    Multiply(Vec<Spanned<ComputedExpr>>),
    /// The first number divided by the second (a decimal). Dividing by zero leaves the fact
    /// unset.
    Divide(Vec<Spanned<ComputedExpr>>),
    /// The total score of the first completion of an instrument in this case.
    FirstScore(Spanned<String>),
    /// The total score of the latest completion of an instrument.
    LatestScore(Spanned<String>),
    /// How many times an instrument has been completed in this case (unset before the first).
    TimesCompleted(Spanned<String>),
    /// The day something happened in the case: `{date_of: case_opened}`.
    DateOf(CaseDate),
    /// Calendar days from the first date to the second (negative when the second is earlier):
    /// `days_between: [{date_of: case_opened}, {fact: beslut_datum}]`.
    DaysBetween(Vec<Spanned<ComputedExpr>>),
    /// Whole months from the first date to the second, as lag (1930:173) counts a month (31
    /// January to 28 February is one month).
    MonthsBetween(Vec<Spanned<ComputedExpr>>),
    /// A date plus a length: `{date: {fact: anmalan_inkom}, length: {months: 4}}`.
    DatePlus(DatePlus),
    /// Yes when the condition holds, no when it does not (the condition language of rules and
    /// transitions): `{condition: {compare: {fact: ors_change, op: ">=", value: 5}}}`.
    Condition(Box<Spanned<Condition>>),
    /// How many people of a collection there are, or how many meet `where`:
    /// `{count_people: {of: children, where: {equals: {fact: witnessed, value: true}}}}`.
    CountPeople(CountPeopleExpr),
}

/// A count of the people of a collection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountPeopleExpr {
    /// The collection, e.g. `children`.
    pub of: Spanned<String>,
    /// Count only the people meeting this condition (read for one person at a time).
    #[serde(default, rename = "where")]
    pub condition: Option<Box<Spanned<Condition>>>,
}

/// A number literal.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Number {
    /// A whole number.
    Integer(i64),
    /// A decimal number.
    Decimal(f64),
}

/// A day in the case's own history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseDate {
    /// The day the case was opened.
    CaseOpened,
    /// The day the current phase was entered.
    PhaseEntered,
    /// The day of the latest session held.
    LastSession,
}

/// `date_plus`: a date and a length after it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatePlus {
    /// The date: a date fact, `{date_of: ...}` or another date expression.
    pub date: Box<Spanned<ComputedExpr>>,
    /// How long after it: `{days: N}`, `{working_days: N}`, `{weeks: N}` or `{months: N}`,
    /// counted as deadlines are (the result is the last day, not rolled forward).
    pub length: Spanned<Length>,
}
