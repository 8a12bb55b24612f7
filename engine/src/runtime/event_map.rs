//! The event as unit scripts see it (`event` in rhai): never a sensitive or freely typed text.

use std::collections::BTreeMap;

use rhai::Dynamic;

use jiff::civil::DateTime;

use super::{Actor, CancelledBy, Event, FactValue};
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
pub(crate) fn event_map(
    event: &Event,
    by: Option<&Actor>,
    at: Option<DateTime>,
    wf: &Workflow,
) -> Dynamic {
    use Event as E;
    let word = |s: &str| {
        if crate::text::is_word(s) {
            Dynamic::from(s.to_owned())
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
            .filter(|(k, _)| crate::text::is_word(k))
            .map(|(k, v)| (k.as_str().into(), value(v)))
            .collect();
        Dynamic::from_map(map)
    };
    let facts = |f: &BTreeMap<String, FactValue>| {
        // Inserted one by one: an event carries a few facts, and collecting into a map would
        // first gather and sort them in a vector.
        let mut map = rhai::Map::new();
        for (k, v) in f {
            let Some((_, decl)) = wf.fact(k).filter(|(_, d)| !d.sensitive) else {
                continue;
            };
            // A declared text fact is the author's to read; other values as sent.
            let v = match v {
                FactValue::Text(t) if decl.ty == FactType::Text => Dynamic::from(t.clone()),
                other => value(other),
            };
            map.insert(k.as_str().into(), v);
        }
        Dynamic::from_map(map)
    };
    let mut map = rhai::Map::new();
    map.insert("type".into(), Dynamic::from(event.kind().to_owned()));
    if let Some(by) = by {
        let mut who = rhai::Map::new();
        who.insert("role".into(), word(&by.role));
        map.insert("by".into(), Dynamic::from_map(who));
    }
    if let Some(at) = at {
        map.insert(
            "at".into(),
            Dynamic::from(at.strftime("%Y-%m-%dT%H:%M:%S").to_string()),
        );
    }
    let mut put = |k: &str, v: Dynamic| {
        map.insert(k.into(), v);
    };
    match event {
        E::CaseOpened {
            workflow,
            unit,
            referral_source,
            facts: f,
            ..
        } => {
            put("workflow", word(workflow));
            put("unit", word(unit));
            put("referral_source", opt(referral_source));
            put("facts", facts(f));
        }
        E::FactsRecorded { facts: f, person } => {
            put("facts", facts(f));
            put("of", person.as_ref().map_or(Dynamic::UNIT, |p| word(&p.of)));
        }
        E::PersonAdded { of, facts: f, .. } => {
            put("of", word(of));
            put("facts", facts(f));
        }
        E::InstrumentCompleted {
            instrument,
            answers: answers_given,
            client_self_rating,
            professional_judgement,
            person,
        } => {
            put("of", person.as_ref().map_or(Dynamic::UNIT, |p| word(&p.of)));
            put("instrument", word(instrument));
            put("answers", answers(answers_given));
            put("client_self_rating", opt(client_self_rating));
            put("professional_judgement", opt(professional_judgement));
        }
        E::SessionHeld { location } => put("location", opt(location)),
        E::SessionCancelled { by, .. } => put(
            "by",
            word(if *by == CancelledBy::Client {
                "client"
            } else {
                "unit"
            }),
        ),
        E::TransitionRequested { to } => put("to", word(to)),
        E::DecisionMade { decision, granted } => {
            put("decision", opt(decision));
            put("granted", Dynamic::from_bool(*granted));
        }
        E::DocumentRecorded { document } => put("document", word(document)),
        E::DeadlineExtended {
            deadline,
            ground,
            days,
        } => {
            put("deadline", word(deadline));
            put("ground", word(ground));
            put("days", Dynamic::from_int(i64::from(*days)));
        }
        E::CaseClosed { reason } => put("reason", word(reason)),
        E::OverrideRecorded { .. } | E::ActionAcknowledged { .. } | E::NoShow | E::TimePassed => {}
    }
    Dynamic::from_map(map)
}
