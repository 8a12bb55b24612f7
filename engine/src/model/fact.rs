//! Facts: the typed case variables a workflow declares, and their values.

use std::fmt;
use std::sync::Arc;

use crate::model::index::{CollectionIdx, FactSlot};
use crate::syntax::{CompareOp, FactType};

/// A typed case variable.
#[derive(Debug, Clone)]
pub struct Fact {
    /// Id.
    pub id: Arc<str>,
    /// Type.
    pub ty: FactType,
    /// Title.
    pub title: Option<String>,
    /// Enum values (empty for other types).
    pub values: Arc<[Arc<str>]>,
    /// Personal data: never logged, redacted in traces.
    pub sensitive: bool,
    /// May be recorded after the case is closed.
    pub after_closing: bool,
    /// For a person's fact: the collection whose people each have it (the case has none).
    pub of: Option<CollectionIdx>,
}

/// Facts by slot and by id: what a script is compiled and run against (a workflow's facts).
pub trait FactTable {
    /// Every fact, by slot.
    fn facts(&self) -> &[Fact];
    /// A fact by id.
    fn fact(&self, id: &str) -> Option<(FactSlot, &Fact)>;
}

/// A value of a fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// A decimal number.
    Decimal(f64),
    /// A date.
    Date(jiff::civil::Date),
    /// An enum value, by its position in the fact's list of values.
    Enum(u16),
    /// Free text.
    Text(Arc<str>),
}

impl Value {
    /// `self op other`: ordered for numbers and dates, `==` and `!=` for every type.
    pub fn compare(&self, op: CompareOp, other: &Value) -> bool {
        match (self.partial_cmp_value(other), op) {
            (Some(o), _) => op.holds(o),
            (None, CompareOp::Eq) => self == other,
            (None, CompareOp::Ne) => self != other,
            (None, _) => false,
        }
    }

    /// Orders two values of the same numeric or date type.
    pub fn partial_cmp_value(&self, other: &Value) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Value::Integer(a), Value::Integer(b)) => Some(a.cmp(b)),
            (Value::Decimal(a), Value::Decimal(b)) => a.partial_cmp(b),
            (Value::Integer(a), Value::Decimal(b)) => (*a as f64).partial_cmp(b),
            (Value::Decimal(a), Value::Integer(b)) => a.partial_cmp(&(*b as f64)),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{}", if *b { "yes" } else { "no" }),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Enum(i) => write!(f, "#{i}"),
            Value::Text(t) => write!(f, "{t}"),
        }
    }
}
