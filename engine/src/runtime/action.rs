//! Actions: what falls due for the host to do. Each has a stable id, so a host can deliver it
//! at least once and handle it idempotently.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::syntax::{FlagLevel, RouteKind, Urgency};

/// An action emitted by a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Stable id: the same events give the same ids.
    pub id: String,
    /// The sequence number of the event that emitted it.
    pub seq: u64,
    /// When it was emitted.
    pub at: DateTime,
    /// The rule that emitted it, if any.
    pub rule: Option<String>,
    /// The person it is about, for a rule that runs `for_each` person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<super::event::PersonRef>,
    /// What to do.
    pub kind: ActionKind,
    /// The legal ground, cited as in force on the event's date.
    pub legal: Option<Citation>,
    /// Whether the host has acknowledged it.
    pub acknowledged: bool,
}

/// What an action asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionKind {
    /// Send a report or referral to a unit, or to the owner of a track.
    Route {
        /// The receiving unit, or for a track's owner its role (e.g. `polis`).
        to: String,
        /// The parallel track whose owner receives it, when it goes to a track's owner (often
        /// an outside agency, not a unit of the host).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        track: Option<String>,
        /// What is sent.
        kind: RouteKind,
        /// How soon.
        urgency: Urgency,
    },
    /// A task for the caseworker.
    Task {
        /// What to do.
        title: String,
        /// When it is due.
        due: Option<Date>,
    },
    /// Offer the client an intervention.
    Offer {
        /// The intervention.
        intervention: String,
        /// Title.
        title: Option<String>,
    },
    /// A warning.
    Flag {
        /// The message.
        message: String,
        /// How serious.
        level: FlagLevel,
    },
    /// A deadline falls due soon.
    DeadlineDueSoon {
        /// The deadline.
        deadline: String,
        /// Its title.
        title: String,
        /// Its due date.
        due: Date,
    },
    /// A deadline has passed without being met.
    DeadlineOverdue {
        /// The deadline.
        deadline: String,
        /// Its title.
        title: String,
        /// Its due date.
        due: Date,
    },
}

/// A legal ground as cited on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// The concept id.
    pub concept: String,
    /// The statute version in force, e.g. `SoL (2025:400) 20 kap. 2 §`; absent if no version
    /// was in force on the date.
    pub text: Option<String>,
}
