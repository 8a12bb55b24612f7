//! The stored event format, and the upcasts that read every earlier one.
//!
//! Each stored event keeps the format it was written in (`lots_events.format`, the case format
//! [`FORMAT_VERSION`] of the build that wrote it). Reading upcasts its JSON step by step to the
//! current format before it is deserialised; a stored event is never rewritten. Formats, as
//! ARCHITECTURE.md describes them:
//! - 1 and 2: a recorded event is `{seq, at, event}`; it names no actor.
//! - 3: it carries `by` (the actor). An event of format 1 or 2 is read as sent by the default
//!   caseworker ([`DEFAULT_ACTOR_ID`] in [`DEFAULT_ROLE`]), which is what `apply` assumed then.
//! - 4: events add `person_added` and an optional `person` (additive: a format-3 event reads
//!   as it is).
//!
//! A new format adds one step to [`upcast`] and a stored case of the format it replaces to
//! `tests/data/store/`, which the store tests load.

use serde_json::Value;

use crate::runtime::{DEFAULT_ACTOR_ID, DEFAULT_ROLE, FORMAT_VERSION, Recorded};

/// The oldest format this build reads.
pub const OLDEST_FORMAT: u32 = 1;

/// A recorded event as stored, in the current format.
pub fn encode(recorded: &Recorded) -> Result<String, String> {
    serde_json::to_string(recorded).map_err(|e| e.to_string())
}

/// A stored event of `format`, upcast and read.
pub fn decode(format: i64, body: &str) -> Result<Recorded, String> {
    let format = u32::try_from(format).map_err(|_| format!("format {format} is not a format"))?;
    let value: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let value = upcast(format, value)?;
    serde_json::from_value(value).map_err(|e| format!("not an event of format {format}: {e}"))
}

/// Lifts an event's JSON from `format` to [`FORMAT_VERSION`].
pub fn upcast(format: u32, mut value: Value) -> Result<Value, String> {
    if format > FORMAT_VERSION {
        return Err(format!(
            "it was written in format {format} by a newer Lots; this build reads formats \
             {OLDEST_FORMAT} to {FORMAT_VERSION}"
        ));
    }
    if format < OLDEST_FORMAT {
        return Err(format!(
            "format {format} is older than any this build reads ({OLDEST_FORMAT} to {FORMAT_VERSION})"
        ));
    }
    if format < 3 {
        let Value::Object(map) = &mut value else {
            return Err("a recorded event is a JSON object".to_owned());
        };
        map.entry("by")
            .or_insert_with(|| serde_json::json!({"id": DEFAULT_ACTOR_ID, "role": DEFAULT_ROLE}));
    }
    Ok(value)
}
