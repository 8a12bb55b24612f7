//! Events: what a host tells the engine happened to a case. Serialized with the case (the
//! store boundary), so field names are part of the format.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A fact value as a host sends it and a case stores it. Enum values are their text; dates
/// are `YYYY-MM-DD` text, checked against the fact's type when recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FactValue {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// A decimal number.
    Decimal(f64),
    /// Text, an enum value, or a date.
    Text(String),
}

impl std::fmt::Display for FactValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FactValue::Bool(b) => write!(f, "{b}"),
            FactValue::Integer(i) => write!(f, "{i}"),
            FactValue::Decimal(d) => write!(f, "{d}"),
            FactValue::Text(t) => f.write_str(t),
        }
    }
}

/// Who cancelled a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CancelledBy {
    /// The client.
    Client,
    /// The unit.
    Unit,
}

/// A requirement an override may lift: exactly one, of the current phase. Required
/// instruments and mandatory rules are duties and can never be overridden, nor can a
/// requirement the workflow marks `binding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// The current phase's minimum number of sessions.
    SessionsMin,
    /// The condition on the transition to this phase.
    Guard {
        /// The phase the transition leads to.
        to: String,
    },
    /// The current phase's required facts.
    RequiredFacts,
    /// One of the current phase's required documents, by id.
    Document(String),
}

/// One person of a case: their collection and key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRef {
    /// The collection, e.g. `children`.
    pub of: String,
    /// The person's key, e.g. `barn-1`.
    pub key: String,
}

/// Something that happened to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// The case is opened: the first event of every case.
    CaseOpened {
        /// The host's id of the case (pseudonymous; never a personal identity number).
        case_id: String,
        /// The workflow; the case is pinned to its newest version in the catalog. Hosts must
        /// give it; a scenario file may leave it out (it comes from the scenario).
        #[serde(default)]
        workflow: String,
        /// The unit that runs the case. Hosts must give it; a scenario file may leave it out
        /// (the scenario is played once per unit it lists).
        #[serde(default)]
        unit: String,
        /// Who referred the client (police, self, health_care, school, other_unit, …); written
        /// to the fact `referral_source` when the workflow declares it.
        #[serde(default)]
        referral_source: Option<String>,
        /// Facts known at opening.
        #[serde(default)]
        facts: BTreeMap<String, FactValue>,
    },
    /// Facts recorded or corrected: the case's, or one person's.
    FactsRecorded {
        /// The facts, by id.
        facts: BTreeMap<String, FactValue>,
        /// Whose facts they are, when they are a person's (facts of the person's collection).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        person: Option<PersonRef>,
    },
    /// An instrument was completed: answers give a score, a band and facts.
    InstrumentCompleted {
        /// The instrument's id.
        instrument: String,
        /// Answers by item id: `true`/`false` for yes/no, a number for scales, the option id
        /// for choices.
        #[serde(default)]
        answers: BTreeMap<String, FactValue>,
        /// The client's own rating, kept beside the score.
        #[serde(default)]
        client_self_rating: Option<String>,
        /// The caseworker's professional judgement, kept beside the score.
        #[serde(default)]
        professional_judgement: Option<String>,
        /// Whom it was completed for, when it is about one person (e.g. a protection
        /// assessment for one child): the result is that person's, and its facts go to them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        person: Option<PersonRef>,
    },
    /// A person joins the case in one of the workflow's collections (a child of the family).
    PersonAdded {
        /// The collection, e.g. `children`.
        of: String,
        /// The person's key in the case, e.g. `barn-1`: pseudonymous, never a name or a
        /// personal identity number.
        key: String,
        /// The person's facts known when added.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        facts: BTreeMap<String, FactValue>,
    },
    /// A session was held in the current phase.
    SessionHeld {
        /// Where (e.g. `office`, `home`, `phone`), when the host records it.
        #[serde(default)]
        location: Option<String>,
    },
    /// A planned session was cancelled.
    SessionCancelled {
        /// Who cancelled.
        by: CancelledBy,
        /// Why, in words.
        #[serde(default)]
        reason: Option<String>,
    },
    /// The client did not come to a planned session and did not cancel.
    NoShow,
    /// A caseworker asks to move the case to another phase.
    TransitionRequested {
        /// The phase to move to.
        to: String,
    },
    /// A formal decision. In a workflow that declares `decisions`, the one named (or the
    /// default one), by a role allowed to take it; otherwise the decision on bistånd, written
    /// to the fact `decision` (`granted`/`denied`) when the workflow declares it.
    DecisionMade {
        /// The decision's id (default: the workflow's default decision).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision: Option<String>,
        /// Whether it was granted (for an application: whether to apply).
        granted: bool,
    },
    /// A document the phase requires has been written (kept in the host's records).
    DocumentRecorded {
        /// The document's id, as the workflow declares it.
        document: String,
    },
    /// A caseworker overrides a requirement with a written reason.
    OverrideRecorded {
        /// What is overridden.
        requirement: Requirement,
        /// Why (required, non-empty).
        reason: String,
    },
    /// The host has handled an action.
    ActionAcknowledged {
        /// The action's id.
        action_id: String,
    },
    /// A deadline is extended on a ground it allows.
    DeadlineExtended {
        /// The deadline's id.
        deadline: String,
        /// The ground, e.g. `sarskilda_skal`.
        ground: String,
        /// How many more days (counted as the deadline counts).
        days: u32,
    },
    /// Time has passed: deadlines may fall due.
    TimePassed,
    /// The case is closed.
    CaseClosed {
        /// The closure reason, one of the workflow's `closure_reasons`.
        reason: String,
    },
}

impl Event {
    /// The event's type as written in files, e.g. `session_held`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::CaseOpened { .. } => "case_opened",
            Event::FactsRecorded { .. } => "facts_recorded",
            Event::InstrumentCompleted { .. } => "instrument_completed",
            Event::PersonAdded { .. } => "person_added",
            Event::SessionHeld { .. } => "session_held",
            Event::SessionCancelled { .. } => "session_cancelled",
            Event::NoShow => "no_show",
            Event::TransitionRequested { .. } => "transition_requested",
            Event::DecisionMade { .. } => "decision_made",
            Event::DocumentRecorded { .. } => "document_recorded",
            Event::OverrideRecorded { .. } => "override_recorded",
            Event::ActionAcknowledged { .. } => "action_acknowledged",
            Event::DeadlineExtended { .. } => "deadline_extended",
            Event::TimePassed => "time_passed",
            Event::CaseClosed { .. } => "case_closed",
        }
    }
}

/// A condition value as a case stores it (enum values by name, dates as `YYYY-MM-DD`).
pub(super) fn from_value(
    fact: &crate::model::fact::Fact,
    v: &crate::model::fact::Value,
) -> FactValue {
    use crate::model::fact::Value;
    match v {
        Value::Bool(b) => FactValue::Bool(*b),
        Value::Integer(i) => FactValue::Integer(*i),
        Value::Decimal(d) => FactValue::Decimal(*d),
        Value::Date(d) => FactValue::Text(d.to_string()),
        // `String::from` copies the text; `to_string` on an `Arc<str>` would go through
        // `Display`.
        Value::Enum(i) => FactValue::Text(
            fact.values
                .get(usize::from(*i))
                .map(|v| String::from(v.as_ref()))
                .unwrap_or_default(),
        ),
        Value::Text(t) => FactValue::Text(String::from(t.as_ref())),
    }
}
