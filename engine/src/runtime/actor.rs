//! Who did it: every event a host sends carries a pseudonymous actor id and a role. Stored
//! with the event (the store boundary), so field names are part of the format.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The member of staff behind an event: a pseudonymous id (never a name or a personal
/// identity number, see `text::actor_id_problem`) and the role they acted in, one the
/// workflow declares (any role, in a workflow that declares none).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The host's pseudonymous id of the person, e.g. `hl-17`.
    pub id: String,
    /// The role they acted in, e.g. `socialsekreterare`.
    pub role: String,
}

impl Actor {
    /// An actor with this id and role.
    pub fn new(id: impl Into<String>, role: impl Into<String>) -> Actor {
        Actor {
            id: id.into(),
            role: role.into(),
        }
    }
}

pub use crate::model::workflow::DEFAULT_ROLE;

/// The actor id a scenario step uses when it names none.
pub const DEFAULT_ACTOR_ID: &str = "handlaggare-1";

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.id, self.role)
    }
}
