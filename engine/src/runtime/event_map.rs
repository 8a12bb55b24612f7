//! The event as unit scripts see it (`event` in rhai): never a sensitive or freely typed text.

use std::collections::BTreeMap;

use rhai::Dynamic;

use jiff::civil::DateTime;

use super::{Actor, CancelledBy, Event, FactValue};
use crate::model::script::EventReads;
use crate::model::workflow::Workflow;
use crate::syntax::FactType;

/// An event as a rhai map: `event.type`, `event.location`, `event.to`, `event.facts`, …,
/// `event.by.role` (the role the event was sent in) and `event.at` (its time,
/// `YYYY-MM-DDTHH:MM:SS`, so that times compare as text). Built directly (no JSON in between):
/// it is made on every step whose scripts name `event`.
///
/// For an event about one person, `event.of` is their collection (`children`); their key is
/// left out, as the actor's id is.
///
/// The actor's id is left out on purpose: it is pseudonymous, but a unit's variation is about
/// roles, never about a person, and a script that names one person would single them out.
///
/// A script sees no text a host or caseworker typed freely: `event.facts` holds only the
/// workflow's declared facts that are not sensitive, and every other text (a location, a
/// referral source, an answer, a ground) only when it is a plain word such as `office`
/// (`text::is_word`); reasons, action ids and case ids are left out. An address typed into a
/// cancellation reason can therefore never reach a script, to be echoed back in another form.
///
/// Only what the script reads is built (`reads`, found in its syntax tree at load): a script
/// that names `event.type` and `event.facts.home_visit_planned` gets a map with `type` and a
/// `facts` map holding at most `home_visit_planned`, which reads exactly as the whole map
/// would for it.
pub(crate) fn event_map(
    event: &Event,
    by: Option<&Actor>,
    at: Option<DateTime>,
    wf: &Workflow,
    reads: &EventReads,
) -> Dynamic {
    use Event as E;
    let word = |s: &str| {
        if crate::text::is_word(s) {
            text(s)
        } else {
            Dynamic::UNIT
        }
    };
    let opt = |s: &Option<String>| s.as_deref().map_or(Dynamic::UNIT, word);
    let value = |v: &FactValue| match v {
        FactValue::Bool(b) => Dynamic::from_bool(*b),
        FactValue::Integer(i) => Dynamic::from_int(*i),
        FactValue::Decimal(d) => Dynamic::from_float(*d),
        FactValue::Text(t) => word(t),
    };
    let answers = |f: &BTreeMap<String, FactValue>| {
        let map: rhai::Map = f
            .iter()
            .filter(|(k, _)| reads.wants_in("answers", k) && crate::text::is_word(k))
            .map(|(k, v)| (k.as_str().into(), value(v)))
            .collect();
        Dynamic::from_map(map)
    };
    let facts = |f: &BTreeMap<String, FactValue>| {
        // Inserted one by one: an event carries a few facts, and collecting into a map would
        // first gather and sort them in a vector.
        let mut map = rhai::Map::new();
        for (k, v) in f {
            if !reads.wants_in("facts", k) {
                continue;
            }
            let Some((_, decl)) = wf.fact(k).filter(|(_, d)| !d.sensitive) else {
                continue;
            };
            // A declared text fact is the author's to read; other values as sent.
            let v = match v {
                FactValue::Text(t) if decl.ty == FactType::Text => text(t),
                other => value(other),
            };
            map.insert(k.as_str().into(), v);
        }
        Dynamic::from_map(map)
    };
    let mut map = rhai::Map::new();
    if reads.wants("type") {
        map.insert("type".into(), text(event.kind()));
    }
    // `by` is also a `session_cancelled`'s property: that one replaces this one below.
    if let Some(by) = by
        && reads.wants("by")
    {
        let mut who = rhai::Map::new();
        if reads.wants_in("by", "role") {
            who.insert("role".into(), word(&by.role));
        }
        map.insert("by".into(), Dynamic::from_map(who));
    }
    if let Some(at) = at
        && reads.wants("at")
    {
        map.insert("at".into(), text(&seconds_text(at)));
    }
    // A property is made only when the script reads it; `put` takes the value lazily.
    let mut put = |k: &str, v: &dyn Fn() -> Dynamic| {
        if reads.wants(k) {
            map.insert(k.into(), v());
        }
    };
    match event {
        E::CaseOpened {
            workflow,
            unit,
            referral_source,
            facts: f,
            ..
        } => {
            put("workflow", &|| word(workflow));
            put("unit", &|| word(unit));
            put("referral_source", &|| opt(referral_source));
            put("facts", &|| facts(f));
        }
        E::FactsRecorded { facts: f, person } => {
            put("facts", &|| facts(f));
            put("of", &|| {
                person.as_ref().map_or(Dynamic::UNIT, |p| word(&p.of))
            });
        }
        E::PersonAdded { of, facts: f, .. } => {
            put("of", &|| word(of));
            put("facts", &|| facts(f));
        }
        E::InstrumentCompleted {
            instrument,
            answers: answers_given,
            client_self_rating,
            professional_judgement,
            person,
        } => {
            put("of", &|| {
                person.as_ref().map_or(Dynamic::UNIT, |p| word(&p.of))
            });
            put("instrument", &|| word(instrument));
            put("answers", &|| answers(answers_given));
            put("client_self_rating", &|| opt(client_self_rating));
            put("professional_judgement", &|| opt(professional_judgement));
        }
        E::SessionHeld { location } => put("location", &|| opt(location)),
        E::SessionCancelled { by, .. } => put("by", &|| {
            word(if *by == CancelledBy::Client {
                "client"
            } else {
                "unit"
            })
        }),
        E::TransitionRequested { to } => put("to", &|| word(to)),
        E::DecisionMade { decision, granted } => {
            put("decision", &|| opt(decision));
            put("granted", &|| Dynamic::from_bool(*granted));
        }
        E::DocumentRecorded { document } => put("document", &|| word(document)),
        E::DeadlineExtended {
            deadline,
            ground,
            days,
        } => {
            put("deadline", &|| word(deadline));
            put("ground", &|| word(ground));
            put("days", &|| Dynamic::from_int(i64::from(*days)));
        }
        E::CaseClosed { reason } => put("reason", &|| word(reason)),
        E::OverrideRecorded { .. } | E::ActionAcknowledged { .. } | E::NoShow | E::TimePassed => {}
    }
    Dynamic::from_map(map)
}

/// A rhai string: made straight from the text, as `Dynamic::from(String)` makes it after
/// copying it into a `String` first.
fn text(s: &str) -> Dynamic {
    Dynamic::from(rhai::ImmutableString::from(s))
}

/// `YYYY-MM-DDTHH:MM:SS`, as `strftime("%Y-%m-%dT%H:%M:%S")` writes it, without parsing a
/// format on every event (a guard that names `event` builds this map on every step).
fn seconds_text(at: DateTime) -> String {
    let Ok(year) = u32::try_from(at.year()) else {
        return at.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    };
    if year > 9999 {
        return at.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    }
    let mut out = String::with_capacity(19);
    let mut put = |n: u32, width: u32, then: Option<char>| {
        for k in (0..width).rev() {
            let digit = (n / 10u32.pow(k)) % 10;
            out.push(char::from_digit(digit, 10).unwrap_or('0'));
        }
        out.extend(then);
    };
    let part = |n: i8| u32::try_from(n).unwrap_or(0);
    put(year, 4, Some('-'));
    put(part(at.month()), 2, Some('-'));
    put(part(at.day()), 2, Some('T'));
    put(part(at.hour()), 2, Some(':'));
    put(part(at.minute()), 2, Some(':'));
    put(part(at.second()), 2, None);
    out
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    #[test]
    fn seconds_text_is_strftime() {
        let times = [
            date(1900, 1, 1).at(0, 0, 0, 0),
            date(2025, 8, 4).at(9, 5, 7, 0),
            date(2025, 12, 31).at(23, 59, 59, 999_999_999),
            date(2200, 6, 30).at(12, 0, 0, 1),
            date(7, 2, 3).at(4, 5, 6, 0),
            date(-44, 3, 15).at(11, 0, 0, 0),
            date(9999, 12, 31).at(23, 59, 59, 0),
        ];
        for at in times {
            assert_eq!(
                super::seconds_text(at),
                at.strftime("%Y-%m-%dT%H:%M:%S").to_string()
            );
        }
    }
}
