//! Property tests of the runtime over random event sequences (valid and invalid) against the
//! shipped workflows: `apply` never panics, replaying the accepted events from an empty case
//! gives the identical case (and so identical actions), a rejected event changes nothing, and
//! the mandatory orosanmälan rule has fired whenever its condition has held: for the children
//! recorded together, and for each child added as a person of the case. Sequences add people
//! (with keys valid and not) and record their facts and instruments, and move parallel tracks in
//! their owners' roles.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::civil::DateTime;
use lots::Catalog;
use lots::runtime::{self, ActionKind, CancelledBy, Case, Event, FactValue, Requirement};
use lots::syntax::{FactType, RouteKind};
use proptest::prelude::*;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| crate::load_with([]).catalog.unwrap())
}

/// An event chosen abstractly; numbers pick facts, values, phases and actions from the catalog
/// when the event is made, so one strategy serves every workflow.
#[derive(Debug, Clone)]
enum Op {
    Facts(Vec<(u8, u8)>),
    Instrument(u8, Vec<u8>, u8),
    Session(u8),
    Transition(u8),
    Decision(bool),
    Override(bool, u8),
    Acknowledge(u8),
    Extend(u8, u8, u8),
    Close(u8),
    Progress(u8),
    AddPerson(u8, u8, Vec<(u8, u8)>),
    PersonFacts(u8, u8, Vec<(u8, u8)>),
    PersonInstrument(u8, u8, Vec<u8>),
    Track(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop::collection::vec((any::<u8>(), any::<u8>()), 1..4).prop_map(Op::Facts),
        2 => (any::<u8>(), prop::collection::vec(any::<u8>(), 0..24), any::<u8>()).prop_map(|(i, a, r)| Op::Instrument(i, a, r)),
        3 => any::<u8>().prop_map(Op::Session),
        3 => any::<u8>().prop_map(Op::Transition),
        1 => any::<bool>().prop_map(Op::Decision),
        1 => (any::<bool>(), any::<u8>()).prop_map(|(g, p)| Op::Override(g, p)),
        1 => any::<u8>().prop_map(Op::Acknowledge),
        1 => (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(d, g, n)| Op::Extend(d, g, n)),
        4 => any::<u8>().prop_map(Op::Progress),
        1 => any::<u8>().prop_map(Op::Close),
        2 => (any::<u8>(), any::<u8>(), prop::collection::vec((any::<u8>(), any::<u8>()), 0..3)).prop_map(|(c, k, f)| Op::AddPerson(c, k, f)),
        3 => (any::<u8>(), any::<u8>(), prop::collection::vec((any::<u8>(), any::<u8>()), 1..3)).prop_map(|(c, k, f)| Op::PersonFacts(c, k, f)),
        1 => (any::<u8>(), any::<u8>(), prop::collection::vec(any::<u8>(), 0..12)).prop_map(|(i, k, a)| Op::PersonInstrument(i, k, a)),
        3 => any::<u8>().prop_map(Op::Track),
    ]
}

fn pick<T>(items: &[T], n: u8) -> Option<&T> {
    if items.is_empty() {
        None
    } else {
        items.get(usize::from(n) % items.len())
    }
}

/// A value for a fact: mostly of its type, sometimes deliberately wrong.
fn value(ty: FactType, values: &[std::sync::Arc<str>], n: u8) -> FactValue {
    if n.is_multiple_of(13) {
        return FactValue::Text("not-a-valid-value".to_owned());
    }
    match ty {
        FactType::Bool => FactValue::Bool(n.is_multiple_of(2)),
        FactType::Integer => FactValue::Integer(i64::from(n)),
        FactType::Decimal => FactValue::Decimal(f64::from(n) / 7.0),
        FactType::Date => FactValue::Text(format!("2025-0{}-1{}", 1 + n % 9, n % 10)),
        FactType::Text => FactValue::Text(format!("text {n}")),
        FactType::Enum | FactType::ProtectionLevel => {
            FactValue::Text(pick(values, n).map_or_else(String::new, ToString::to_string))
        }
    }
}

/// A person key: mostly one of a few pseudonymous keys, sometimes one the engine must refuse
/// (empty, shaped like a personal identity number, too long).
fn person_key(n: u8) -> String {
    match n % 16 {
        13 => String::new(),
        14 => "121212-1212".to_owned(),
        15 => "k".repeat(80),
        _ => format!("barn-{}", n % 5),
    }
}

/// A person of the case (a collection of the workflow and a key), sometimes of a collection
/// it does not have.
fn person(wf: &lots::model::workflow::Workflow, c: u8, k: u8) -> lots::runtime::PersonRef {
    lots::runtime::PersonRef {
        of: match pick(&wf.people, c) {
            Some(p) if !c.is_multiple_of(8) => p.id.to_string(),
            _ => "no_such_collection".to_owned(),
        },
        key: person_key(k),
    }
}

/// Facts of a person's collection (or, sometimes, of the case), by the numbers.
fn person_facts(
    wf: &lots::model::workflow::Workflow,
    of: &str,
    pairs: &[(u8, u8)],
) -> BTreeMap<String, FactValue> {
    let slots: Vec<lots::model::index::FactSlot> = wf
        .collection(of)
        .map(|(_, p)| p.facts.clone())
        .unwrap_or_default();
    pairs
        .iter()
        .filter_map(|(f, v)| {
            let fact = match pick(&slots, *f) {
                Some(slot) if !f.is_multiple_of(6) => wf.facts.get(usize::from(slot.0))?,
                _ => pick(&wf.facts, *f)?,
            };
            Some((fact.id.to_string(), value(fact.ty, &fact.values, *v)))
        })
        .collect()
}

/// Who does the step: for a move of a track, mostly the track's owner.
fn actor(op: &Op, case: &Case) -> lots::runtime::Actor {
    let wf = catalog().workflow(&case.workflow).unwrap();
    match op {
        Op::Track(n) if !n.is_multiple_of(5) => track_move(wf, case, *n)
            .and_then(|(track, _)| track.owner.clone())
            .map_or_else(crate::caseworker, |role| {
                lots::runtime::Actor::new(format!("{role}-1"), role.as_ref())
            }),
        _ => crate::caseworker(),
    }
}

/// A transition of a running track: its track and where it goes.
fn track_move<'w>(
    wf: &'w lots::model::workflow::Workflow,
    case: &Case,
    n: u8,
) -> Option<(&'w lots::model::workflow::Track, &'w str)> {
    let moves: Vec<(&lots::model::workflow::Track, &str)> = case
        .tracks
        .iter()
        .filter_map(|(id, state)| {
            let track = wf.tracks.iter().find(|t| *t.id == **id)?;
            Some((track, wf.phase_idx(&state.phase)?))
        })
        .flat_map(|(track, at)| {
            wf.transitions
                .iter()
                .filter(move |t| t.from == at)
                .filter_map(move |t| Some((track, wf.phase(t.to)?.id.as_ref())))
        })
        .collect();
    pick(&moves, n).copied()
}

fn make(op: &Op, case: &Case) -> Event {
    let cat = catalog();
    let wf = cat.workflow(&case.workflow).unwrap();
    match op {
        Op::AddPerson(c, k, pairs) => {
            let who = person(wf, *c, *k);
            Event::PersonAdded {
                facts: person_facts(wf, &who.of, pairs),
                of: who.of,
                key: who.key,
            }
        }
        Op::PersonFacts(c, k, pairs) => {
            let who = person(wf, *c, *k);
            Event::FactsRecorded {
                facts: person_facts(wf, &who.of, pairs),
                person: Some(who),
            }
        }
        Op::PersonInstrument(i, k, answers) => {
            let who = person(wf, 1, *k);
            let Event::InstrumentCompleted {
                instrument,
                answers,
                client_self_rating,
                professional_judgement,
                ..
            } = make(&Op::Instrument(*i, answers.clone(), 0), case)
            else {
                return Event::TimePassed;
            };
            Event::InstrumentCompleted {
                instrument,
                answers,
                client_self_rating,
                professional_judgement,
                person: Some(who),
            }
        }
        Op::Track(n) => match track_move(wf, case, *n) {
            Some((_, to)) => Event::TransitionRequested { to: to.to_owned() },
            None => make(&Op::Transition(*n), case),
        },
        Op::Facts(pairs) => {
            let facts: BTreeMap<String, FactValue> = pairs
                .iter()
                .filter_map(|(f, v)| {
                    // Half the time a fact that drives routing and transitions.
                    let fact = if f % 2 == 0 {
                        let name = pick(&KEY_FACTS, f / 2)?;
                        wf.fact(name)
                            .map(|(_, fact)| fact)
                            .or_else(|| pick(&wf.facts, *f))?
                    } else {
                        pick(&wf.facts, *f)?
                    };
                    Some((fact.id.to_string(), value(fact.ty, &fact.values, *v)))
                })
                .collect();
            Event::FactsRecorded {
                facts,
                person: None,
            }
        }
        Op::Instrument(i, answers, r) => {
            // Mostly an instrument the current phase requires.
            let required = wf
                .phase(wf.phase_idx(&case.phase).unwrap())
                .map(|p| p.required.clone())
                .unwrap_or_default();
            let inst = match pick(&required, *i) {
                Some(id) if i % 4 != 0 => cat.instrument(id).unwrap(),
                _ => pick(&cat.instruments, *i).unwrap(),
            };
            let answers = inst
                .items
                .iter()
                .zip(answers)
                .map(|(item, n)| {
                    let v = match &item.answer {
                        lots::model::instrument::Answer::YesNo => FactValue::Bool(n % 2 == 0),
                        lots::model::instrument::Answer::Scale { max, .. } => {
                            FactValue::Decimal(f64::from(*n) / 255.0 * max)
                        }
                        lots::model::instrument::Answer::Choice(cs) => FactValue::Text(
                            pick(cs, *n).map_or_else(String::new, |c| c.0.to_string()),
                        ),
                    };
                    (item.id.to_string(), v)
                })
                .collect();
            Event::InstrumentCompleted {
                instrument: inst.id.to_string(),
                answers,
                client_self_rating: pick(&inst.client_self_rating, *r).map(ToString::to_string),
                professional_judgement: None,
                person: None,
            }
        }
        Op::Session(n) => match n % 8 {
            0 => Event::NoShow,
            1 => Event::SessionCancelled {
                by: if n % 8 == 1 {
                    CancelledBy::Client
                } else {
                    CancelledBy::Unit
                },
                reason: None,
            },
            _ => Event::SessionHeld { location: None },
        },
        Op::Transition(n) => {
            // Mostly a phase the current one leads to; sometimes any phase.
            let from = wf.phase_idx(&case.phase).unwrap();
            let next: Vec<&str> = wf
                .transitions
                .iter()
                .filter(|t| t.from == from)
                .filter_map(|t| wf.phase(t.to).map(|p| p.id.as_ref()))
                .collect();
            let to = match pick(&next, *n) {
                Some(id) if n % 4 != 0 => (*id).to_owned(),
                _ => pick(&wf.phases, *n).map_or_else(String::new, |p| p.id.to_string()),
            };
            Event::TransitionRequested { to }
        }
        Op::Decision(granted) => Event::DecisionMade {
            decision: None,
            granted: *granted,
        },
        Op::Override(guard, n) => Event::OverrideRecorded {
            requirement: if *guard {
                Requirement::Guard {
                    to: pick(&wf.phases, *n).map_or_else(String::new, |p| p.id.to_string()),
                }
            } else {
                Requirement::SessionsMin
            },
            reason: if n % 5 == 0 {
                String::new()
            } else {
                "professional judgement".to_owned()
            },
        },
        Op::Acknowledge(n) => {
            let pending: Vec<&runtime::Action> = case.pending_actions().collect();
            let id =
                pick(&pending, *n).map_or_else(|| "no-such-action".to_owned(), |a| a.id.clone());
            Event::ActionAcknowledged { action_id: id }
        }
        Op::Extend(d, g, n) => {
            let deadline = pick(&wf.deadlines, *d);
            Event::DeadlineExtended {
                deadline: deadline.map_or_else(String::new, |d| d.id.to_string()),
                ground: deadline
                    .and_then(|d| pick(&d.extension_grounds, *g))
                    .map_or_else(|| "no_ground".to_owned(), ToString::to_string),
                days: u32::from(*n % 30),
            }
        }
        Op::Progress(n) => {
            // What a caseworker would do next: a missing required instrument, a session below
            // the phase's minimum, else ask for a non-terminal next phase.
            let from = wf.phase_idx(&case.phase).unwrap();
            let phase = wf.phase(from).unwrap();
            if let Some(missing) = phase
                .required
                .iter()
                .find(|i| !case.instruments.contains_key(i.as_ref()))
            {
                let inst = cat.instrument(missing).unwrap();
                return make(&Op::Instrument(0, vec![*n; inst.items.len()], *n), case);
            }
            let held = case
                .sessions
                .iter()
                .filter(|s| s.phase == case.phase && s.outcome == runtime::SessionOutcome::Held)
                .count();
            if held < 1 + usize::from(n % 3) {
                return Event::SessionHeld { location: None };
            }
            let next: Vec<&lots::model::workflow::Transition> = wf
                .transitions
                .iter()
                .filter(|t| t.from == from && wf.phase(t.to).is_some_and(|p| !p.terminal))
                .collect();
            let Some(t) = pick(&next, *n) else {
                return Event::TimePassed;
            };
            // Record what a simple guard asks for, then ask to move.
            let mut facts = BTreeMap::new();
            if let Some(when) = &t.when {
                guard_facts(&when.root, &mut facts);
            }
            facts.retain(|k, v| case.facts.get(k) != Some(v));
            if facts.is_empty() {
                Event::TransitionRequested {
                    to: wf.phase(t.to).unwrap().id.to_string(),
                }
            } else {
                Event::FactsRecorded {
                    facts,
                    person: None,
                }
            }
        }
        // Closing ends the story: keep it rare so most sequences get far.
        Op::Close(n) if *n >= 24 => Event::TimePassed,
        Op::Close(n) => Event::CaseClosed {
            reason: pick(&wf.closure_reasons, *n).map_or_else(String::new, |r| r.id.to_string()),
        },
    }
}

/// The facts an `equals` guard (or an `all` of them) asks for.
fn guard_facts(node: &lots::model::condition::Node, out: &mut BTreeMap<String, FactValue>) {
    use lots::model::condition::Test;
    use lots::model::fact::Value;
    match &node.test {
        Test::All(children) => children.iter().for_each(|c| guard_facts(c, out)),
        Test::Equals { fact, value } => {
            let v = match value {
                Value::Bool(b) => FactValue::Bool(*b),
                Value::Integer(i) => FactValue::Integer(*i),
                Value::Decimal(d) => FactValue::Decimal(*d),
                Value::Enum(_) | Value::Text(_) | Value::Date(_) => {
                    FactValue::Text(fact.show(value))
                }
            };
            out.insert(fact.name.to_string(), v);
        }
        _ => {}
    }
}

/// Facts that drive the shipped routing rules and transitions.
const KEY_FACTS: [&str; 9] = [
    "has_children",
    "children_subjected",
    "children_witnessed",
    "child_at_risk_suspected",
    "wants_continued_contact",
    "decision",
    "child_subjected",
    "child_witnessed",
    "protection_assessment_documented",
];

fn orosanmalan_holds(case: &Case) -> bool {
    let yes = |f: &str| case.facts.get(f) == Some(&FactValue::Bool(true));
    let none_added = case.people.get("children").is_none_or(BTreeMap::is_empty);
    (yes("has_children") && none_added && (yes("children_subjected") || yes("children_witnessed")))
        || yes("child_at_risk_suspected")
}

/// The children of the case who were subjected to violence or saw it: each must be reported.
fn children_to_report(case: &Case) -> Vec<String> {
    let yes = |p: &runtime::Person, f: &str| p.facts.get(f) == Some(&FactValue::Bool(true));
    case.people
        .get("children")
        .into_iter()
        .flatten()
        .filter(|(_, p)| yes(p, "subjected") || yes(p, "witnessed"))
        .map(|(key, _)| key.clone())
        .collect()
}

/// A report for this child went to the unit's child intake.
fn child_reported(case: &Case, key: &str) -> bool {
    case.actions.iter().any(|a| {
        a.rule.as_deref() == Some("orosanmalan_per_barn")
            && a.person.as_ref().is_some_and(|p| p.key == key)
            && matches!(&a.kind, ActionKind::Route { kind: RouteKind::Orosanmalan, to, .. } if to == receiver(case))
    })
}

/// The unit's own child intake.
fn receiver(case: &Case) -> &'static str {
    match case.unit.as_str() {
        "katrineholm" => "katrineholm_mottagning",
        "molndal" => "molndal_mottagning",
        _ => "mottagningsenheten",
    }
}

/// The report goes to the unit's own child intake.
fn reported(case: &Case) -> bool {
    case.actions.iter().any(|a| {
        a.rule.as_deref() == Some("orosanmalan_barn")
            && matches!(&a.kind, ActionKind::Route { kind: RouteKind::Orosanmalan, to, .. } if to == receiver(case))
    })
}

const WORKFLOWS: [(&str, &str); 7] = [
    ("vuxna_utsatta", "skarholmen"),
    ("vuxna_utsatta", "katrineholm"),
    ("vuxna_utsatta", "molndal"),
    ("utovare_atv", "skarholmen"),
    ("utovare_atv", "katrineholm"),
    ("barn_mottagning", "mottagningsenheten"),
    ("barnahus_samverkan", "mottagningsenheten"),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_event_sequences(
        which in 0..WORKFLOWS.len(),
        children in any::<bool>(),
        ops in prop::collection::vec((op(), -2i64..96), 1..60),
    ) {
        let (workflow, unit) = WORKFLOWS[which];
        let start: DateTime = "2025-06-16T09:00".parse().unwrap();
        let opened = Event::CaseOpened {
            case_id: "prop-1".to_owned(),
            workflow: workflow.to_owned(),
            unit: unit.to_owned(),
            referral_source: None,
            facts: if workflow.starts_with("barn") { BTreeMap::new() } else {
                [("has_children".to_owned(), FactValue::Bool(children))].into()
            },
        };
        let mut case = runtime::apply(catalog(), &Case::default(), opened, crate::caseworker(), start).unwrap().case;
        let mut at = start;
        let mut held_ever = false;
        for (op, hours) in &ops {
            at = at.checked_add(jiff::Span::new().hours(*hours)).unwrap();
            let event = make(op, &case);
            match runtime::apply(catalog(), &case, event, actor(op, &case), at) {
                Ok(step) => {
                    prop_assert_eq!(step.case.events.len(), case.events.len() + 1);
                    case = step.case;
                }
                Err(rejection) => {
                    prop_assert!(!rejection.reasons.is_empty(), "a rejection gives its reasons");
                }
            }
            if !workflow.starts_with("barn") && orosanmalan_holds(&case) {
                held_ever = true;
                prop_assert!(reported(&case), "orosanmälan condition holds but no report was emitted");
            }
            for key in children_to_report(&case) {
                prop_assert!(child_reported(&case, &key), "child {} is to be reported, no report was emitted", key);
            }
        }
        let replayed = Case::replay(catalog(), &case.events).unwrap();
        prop_assert_eq!(&replayed, &case);
        if held_ever {
            let n = case.actions.iter().filter(|a| {
                a.rule.as_deref() == Some("orosanmalan_barn") && matches!(a.kind, ActionKind::Route { .. })
            }).count();
            prop_assert_eq!(n, 1, "the report is emitted exactly once per case");
        }
    }
}
