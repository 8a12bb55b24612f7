//! Computed facts: facts the engine writes from other facts, instrument scores and the case's
//! dates, never a host, rule or hook.
//!
//! A workflow's computed facts are lowered by `catalog::lower::computed` into [`Computed`]
//! values held by the workflow (`Workflow::computed`) in dependency order (a computed fact comes after every computed
//! fact it reads; a cycle is a load error), each with an [`Expr`] over slots and what it reads
//! ([`Reads`]). The runtime evaluates them through [`Inputs`] after every change that can move
//! them, before automatic transitions and rules read them.
//!
//! Evaluation is total: an input not recorded leaves the fact unset, and a division by zero,
//! an overflow or a result that is not a finite number, or a date outside the years the
//! calendar counts, also leaves it unset, with the reason ([`Invalid`]); it never panics.

use std::fmt;
use std::sync::Arc;

use jiff::civil::Date;

use crate::diagnostics::Span;
use crate::model::calendar::{self, Unit};
use crate::model::condition::{Amount, Condition, Env, Node, Test};
use crate::model::fact::Value;
use crate::model::index::{CollectionIdx, FactSlot, PersonIdx};
use crate::syntax::{CaseDate, DayCount};

/// A computed fact of a workflow.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The fact's slot.
    pub slot: FactSlot,
    /// The fact's id.
    pub id: Arc<str>,
    /// How it is computed.
    pub expr: Expr,
    /// What it reads.
    pub reads: Reads,
    /// Where `computed` was written.
    pub span: Span,
}

/// What a computed fact reads: when it must be computed again, and what a duty that reads it
/// depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    /// Facts, each once (computed ones included: they come earlier in the order).
    pub facts: Vec<FactSlot>,
    /// Instruments whose results it reads, each once.
    pub instruments: Vec<Arc<str>>,
    /// The case's dates it reads, each once.
    pub dates: Vec<CaseDate>,
    /// A condition in it tests the phase.
    pub phase: bool,
    /// A condition in it reads what moves without an event naming it (time, session counts,
    /// deadlines): computed again after every event.
    pub volatile: bool,
}

/// The type of an expression's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A whole number.
    Integer,
    /// A decimal number.
    Decimal,
    /// A date.
    Date,
    /// Yes or no.
    Bool,
}

/// A checked expression: every name resolved, every operand of the type its operator takes.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A number (`Value::Integer` or `Value::Decimal`).
    Number(Value),
    /// A fact's value.
    Fact(FactSlot),
    /// The sum of the operands.
    Add(Vec<Expr>),
    /// The first minus the second.
    Subtract(Box<(Expr, Expr)>),
    /// The product of the operands.
    Multiply(Vec<Expr>),
    /// The first divided by the second, as a decimal.
    Divide(Box<(Expr, Expr)>),
    /// The first total score of an instrument.
    FirstScore(Arc<str>),
    /// The latest total score of an instrument.
    LatestScore(Arc<str>),
    /// How many times an instrument has been completed.
    TimesCompleted(Arc<str>),
    /// A day of the case's history.
    DateOf(CaseDate),
    /// Calendar days from the first date to the second.
    DaysBetween(Box<(Expr, Expr)>),
    /// Whole months from the first date to the second.
    MonthsBetween(Box<(Expr, Expr)>),
    /// A date plus a length.
    DatePlus {
        /// The date.
        date: Box<Expr>,
        /// How many `unit`s.
        length: Amount,
        /// The unit.
        unit: Unit,
    },
    /// Whether a condition holds.
    Condition(Condition),
    /// How many people of a collection there are (meeting the condition, if any).
    CountPeople {
        /// The collection.
        collection: CollectionIdx,
        /// The condition each person is read against.
        condition: Option<Condition>,
    },
}

/// Why a computed fact could not be computed from values that are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// A division by zero.
    DivisionByZero,
    /// A whole number outside what a fact can hold.
    Overflow,
    /// A decimal that is not a finite number.
    NotFinite,
    /// A date outside the years the calendar counts.
    OutOfCalendar,
}

impl Invalid {
    /// The reason in words.
    pub fn describe(self) -> &'static str {
        match self {
            Invalid::DivisionByZero => "division by zero",
            Invalid::Overflow => "the whole number is too large",
            Invalid::NotFinite => "the result is not a finite number",
            Invalid::OutOfCalendar => "the date lies outside the years the calendar counts",
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// What an expression reads from a case besides what a condition reads. The runtime implements
/// it over case state.
pub trait Inputs: Env {
    /// The instrument's first total score in this case.
    fn first_score(&self, instrument: &str) -> Option<f64>;
    /// How many times the instrument has been completed (`None`: never).
    fn times_completed(&self, instrument: &str) -> Option<u32>;
    /// A day of the case's history, if it has happened.
    fn date_of(&self, date: CaseDate) -> Option<Date>;
}

/// A number while it is being computed.
#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i64),
    Dec(f64),
}

impl Num {
    fn of(value: &Value) -> Option<Num> {
        match value {
            Value::Integer(i) => Some(Num::Int(*i)),
            Value::Decimal(d) => Some(Num::Dec(*d)),
            _ => None,
        }
    }

    fn dec(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Dec(d) => d,
        }
    }

    /// `self op other`: checked on whole numbers, finite on decimals.
    fn combine(
        self,
        other: Num,
        int: fn(i64, i64) -> Option<i64>,
        dec: fn(f64, f64) -> f64,
    ) -> Result<Num, Invalid> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => int(a, b).map(Num::Int).ok_or(Invalid::Overflow),
            (a, b) => tidy(dec(a.dec(), b.dec())).map(Num::Dec),
        }
    }

    fn value(self) -> Value {
        match self {
            Num::Int(i) => Value::Integer(i),
            Num::Dec(d) => Value::Decimal(d),
        }
    }
}

/// A decimal result, refused when not finite, and rounded to nine decimals below a billion so
/// that decimal arithmetic reads as written: 30.3 − 25.3 is 5, not 4.999999999999996.
fn tidy(x: f64) -> Result<f64, Invalid> {
    if !x.is_finite() {
        return Err(Invalid::NotFinite);
    }
    if x.abs() < 1e9 {
        // `+ 0.0` turns a negative zero into zero.
        Ok((x * 1e9).round() / 1e9 + 0.0)
    } else {
        Ok(x)
    }
}

impl Expr {
    /// The value against a case: `Ok(None)` while an input is not recorded, `Err` when the
    /// recorded inputs give no value a fact can hold.
    pub fn evaluate<E: Inputs + ?Sized>(&self, env: &E) -> Result<Option<Value>, Invalid> {
        let res = match self {
            Expr::Number(v) => Some(v.clone()),
            Expr::Fact(slot) => env.fact(*slot).cloned(),
            Expr::Add(xs) => fold(env, xs, i64::checked_add, |a, b| a + b)?,
            Expr::Multiply(xs) => fold(env, xs, i64::checked_mul, |a, b| a * b)?,
            Expr::Subtract(pair) => {
                let (Some(a), Some(b)) = (number(env, &pair.0)?, number(env, &pair.1)?) else {
                    return Ok(None);
                };
                Some(a.combine(b, i64::checked_sub, |a, b| a - b)?.value())
            }
            Expr::Divide(pair) => {
                let (Some(a), Some(b)) = (number(env, &pair.0)?, number(env, &pair.1)?) else {
                    return Ok(None);
                };
                if b.dec() == 0.0 {
                    return Err(Invalid::DivisionByZero);
                }
                Some(Value::Decimal(tidy(a.dec() / b.dec())?))
            }
            Expr::FirstScore(i) => env.first_score(i).map(Value::Decimal),
            Expr::LatestScore(i) => env.score(i).map(Value::Decimal),
            Expr::TimesCompleted(i) => env.times_completed(i).map(|n| Value::Integer(i64::from(n))),
            Expr::DateOf(d) => env.date_of(*d).map(Value::Date),
            Expr::DaysBetween(pair) => dates(env, pair)?
                .map(|(a, b)| Value::Integer(calendar::days_between(a, b, DayCount::CalendarDays))),
            Expr::MonthsBetween(pair) => {
                dates(env, pair)?.map(|(a, b)| Value::Integer(months_between(a, b)))
            }
            Expr::DatePlus { date, length, unit } => {
                let Some(Value::Date(from)) = date.evaluate(env)? else {
                    return Ok(None);
                };
                let n = match length {
                    Amount::Value(v) => *v,
                    Amount::Param(p, _) => env.parameter(*p),
                };
                let last = calendar::last_day(from, unit.of(n));
                if last.year() > calendar::LAST_YEAR {
                    return Err(Invalid::OutOfCalendar);
                }
                Some(Value::Date(last))
            }
            Expr::Condition(c) => Some(Value::Bool(c.evaluate_with(env, &mut ()))),
            Expr::CountPeople {
                collection,
                condition,
            } => {
                let n = (0..env.people(*collection))
                    .filter(|&index| {
                        let person = PersonIdx {
                            collection: *collection,
                            index,
                        };
                        condition
                            .as_ref()
                            .is_none_or(|c| c.root.evaluate_for(env, &mut (), person))
                    })
                    .count();
                Some(Value::Integer(i64::try_from(n).unwrap_or(i64::MAX)))
            }
        };
        Ok(res)
    }

    /// The conditions in the expression, outermost first.
    pub fn conditions(&self) -> Vec<&Condition> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Condition(c) = e {
                out.push(c);
            }
        });
        out
    }

    /// Calls `f` on this expression and every expression inside it, outermost first.
    pub fn walk<'e>(&'e self, f: &mut dyn FnMut(&'e Expr)) {
        f(self);
        match self {
            Expr::Add(xs) | Expr::Multiply(xs) => {
                for x in xs {
                    x.walk(f);
                }
            }
            Expr::Subtract(pair)
            | Expr::Divide(pair)
            | Expr::DaysBetween(pair)
            | Expr::MonthsBetween(pair) => {
                pair.0.walk(f);
                pair.1.walk(f);
            }
            Expr::DatePlus { date, .. } => date.walk(f),
            Expr::Number(_)
            | Expr::Fact(_)
            | Expr::FirstScore(_)
            | Expr::LatestScore(_)
            | Expr::TimesCompleted(_)
            | Expr::DateOf(_)
            | Expr::Condition(_)
            | Expr::CountPeople { .. } => {}
        }
    }

    /// What the expression reads.
    pub fn reads(&self) -> Reads {
        let mut reads = Reads::default();
        self.walk(&mut |e| match e {
            Expr::Fact(slot) => reads.fact(*slot),
            Expr::FirstScore(i) | Expr::LatestScore(i) | Expr::TimesCompleted(i) => {
                reads.instrument(i);
            }
            Expr::DateOf(d) if !reads.dates.contains(d) => reads.dates.push(*d),
            Expr::Condition(c) => reads.condition(&c.root),
            // People come and their facts change without a case fact changing.
            Expr::CountPeople { condition, .. } => {
                reads.volatile = true;
                if let Some(c) = condition {
                    reads.condition(&c.root);
                }
            }
            _ => {}
        });
        reads
    }
}

impl Reads {
    fn fact(&mut self, slot: FactSlot) {
        if !self.facts.contains(&slot) {
            self.facts.push(slot);
        }
    }

    fn instrument(&mut self, id: &Arc<str>) {
        if !self.instruments.contains(id) {
            self.instruments.push(id.clone());
        }
    }

    fn condition(&mut self, node: &Node) {
        // A person's facts are read inside a condition over people, which is volatile.
        for f in node.facts().filter(|f| f.of.is_none()) {
            self.fact(f.slot);
        }
        match &node.test {
            Test::All(children) | Test::Any(children) => {
                for c in children {
                    self.condition(c);
                }
            }
            Test::Not(child) => self.condition(child),
            Test::Phase(_) => self.phase = true,
            Test::Completed(i)
            | Test::Band { instrument: i, .. }
            | Test::Score { instrument: i, .. } => self.instrument(i),
            Test::Count { .. }
            | Test::Within { .. }
            | Test::Elapsed { .. }
            | Test::Deadline { .. }
            | Test::Script(_) => self.volatile = true,
            // People come and their facts change without a case fact changing: computed again
            // after every event (a count over a collection as its own expression can be
            // precise about what moves it).
            Test::People { condition, .. } => {
                self.volatile = true;
                if let Some(c) = condition {
                    self.condition(c);
                }
            }
            Test::Equals { .. }
            | Test::In { .. }
            | Test::Compare { .. }
            | Test::CompareFacts { .. }
            | Test::IsSet(_) => {}
        }
    }
}

/// Whole months from `from` to `to` as lag (1930:173) counts them with
/// [`calendar::last_day`]: the largest `n` with `from` plus `n` months on or before `to`;
/// negative when `to` is earlier.
pub fn months_between(from: Date, to: Date) -> i64 {
    if to < from {
        return -months_between(to, from);
    }
    let guess = (i64::from(to.year()) - i64::from(from.year())) * 12
        + (i64::from(to.month()) - i64::from(from.month()));
    let n = u32::try_from(guess.max(0)).unwrap_or(0);
    if n > 0 && calendar::last_day(from, calendar::Length::Months(n)) > to {
        i64::from(n) - 1
    } else {
        i64::from(n)
    }
}

/// A number operand: `Ok(None)` while not recorded.
fn number<E: Inputs + ?Sized>(env: &E, x: &Expr) -> Result<Option<Num>, Invalid> {
    Ok(x.evaluate(env)?.as_ref().and_then(Num::of))
}

/// Two date operands: `Ok(None)` while either is not recorded.
fn dates<E: Inputs + ?Sized>(
    env: &E,
    pair: &(Expr, Expr),
) -> Result<Option<(Date, Date)>, Invalid> {
    match (pair.0.evaluate(env)?, pair.1.evaluate(env)?) {
        (Some(Value::Date(a)), Some(Value::Date(b))) => Ok(Some((a, b))),
        _ => Ok(None),
    }
}

/// The operands combined left to right.
fn fold<E: Inputs + ?Sized>(
    env: &E,
    xs: &[Expr],
    int: fn(i64, i64) -> Option<i64>,
    dec: fn(f64, f64) -> f64,
) -> Result<Option<Value>, Invalid> {
    let mut acc: Option<Num> = None;
    for x in xs {
        let Some(n) = number(env, x)? else {
            return Ok(None);
        };
        acc = Some(match acc {
            None => n,
            Some(a) => a.combine(n, int, dec)?,
        });
    }
    Ok(acc.map(Num::value))
}

impl Ty {
    /// The type's name with its article, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Ty::Integer => "a whole number",
            Ty::Decimal => "a decimal number",
            Ty::Date => "a date",
            Ty::Bool => "a yes/no value",
        }
    }
}

#[cfg(test)]
mod tests;
