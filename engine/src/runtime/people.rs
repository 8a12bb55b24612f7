//! The people inside a case (each child of a family): adding a person, recording their facts,
//! and the values conditions read for them.
//!
//! A person is known by a pseudonymous key in their collection (`children/barn-1`). Their facts
//! are facts of the collection (`Fact::of`), stored with the person, never in `case.facts`;
//! a condition reads them only for one person at a time (`any_person`, `every_person`,
//! `count_people`, a rule that runs `for_each` person).

use std::collections::BTreeMap;

use super::case::{Case, Person};
use super::env::to_value;
use super::facts::expected;
use super::{FactValue, PersonRef, REDACTED, Reason, Run, TraceEntry};
use crate::model::fact::Value;
use crate::model::index::CollectionIdx;
use crate::model::workflow::Workflow;

/// The most people one collection of a case may hold.
pub const MAX_PEOPLE: usize = 64;

/// Each collection's people, in the order of their keys, as slot vectors of condition values
/// (only their collection's slots are filled). Built once per step and kept in step with every
/// person added or fact recorded.
pub(crate) type PeopleSlots = Vec<Vec<Vec<Option<Value>>>>;

/// The condition values of every person of `case`.
pub(crate) fn slots(wf: &Workflow, case: &Case) -> PeopleSlots {
    wf.people
        .iter()
        .map(|collection| {
            case.people
                .get(collection.id.as_ref())
                .into_iter()
                .flat_map(BTreeMap::values)
                .map(|person| person_slots(wf, person))
                .collect()
        })
        .collect()
}

fn person_slots(wf: &Workflow, person: &Person) -> Vec<Option<Value>> {
    let mut slots = vec![None; wf.facts.len()];
    for (name, value) in &person.facts {
        if let Some((slot, fact)) = wf.fact(name)
            && let Some(s) = slots.get_mut(usize::from(slot.0))
        {
            *s = to_value(fact, value);
        }
    }
    slots
}

impl Run<'_> {
    /// A person joins the case.
    pub(super) fn add_person(
        &mut self,
        of: &str,
        key: &str,
        facts: &BTreeMap<String, FactValue>,
    ) -> Result<(), Vec<Reason>> {
        let Some((collection, _)) = self.wf.collection(of) else {
            return Err(vec![Reason::UnknownPeople {
                of: of.to_owned(),
                known: self.wf.people.iter().map(|p| p.id.to_string()).collect(),
            }]);
        };
        if let Some(problem) = crate::text::person_key_problem(key) {
            return Err(vec![Reason::InvalidPersonKey { problem }]);
        }
        // Every step reads every person (their slots, the rules for each of them): the host
        // cannot make that unbounded.
        if self
            .case
            .people
            .get(of)
            .is_some_and(|p| p.len() >= MAX_PEOPLE)
        {
            return Err(vec![Reason::TooManyPeople {
                of: of.to_owned(),
                max: MAX_PEOPLE,
            }]);
        }
        if self
            .case
            .people
            .get(of)
            .is_some_and(|p| p.contains_key(key))
        {
            return Err(vec![Reason::PersonExists {
                person: person_ref(of, key),
            }]);
        }
        self.check_person_facts(collection, facts)?;
        self.case.people.entry(of.to_owned()).or_default().insert(
            key.to_owned(),
            Person {
                added: Some(self.at),
                ..Person::default()
            },
        );
        self.trace.entries.push(TraceEntry::PersonAdded {
            person: person_ref(of, key),
        });
        self.write_person_facts(&person_ref(of, key), facts);
        self.refresh_people();
        Ok(())
    }

    /// Records facts of one person, who must have been added.
    pub(super) fn record_person_facts(
        &mut self,
        person: &PersonRef,
        facts: &BTreeMap<String, FactValue>,
    ) -> Result<(), Vec<Reason>> {
        let collection = self.known_person(person)?;
        self.check_person_facts(collection, facts)?;
        self.write_person_facts(person, facts);
        self.refresh_people();
        Ok(())
    }

    /// The collection of a person the case has.
    pub(super) fn known_person(&self, person: &PersonRef) -> Result<CollectionIdx, Vec<Reason>> {
        // The key is checked before it is looked up, so a rejection never repeats a key that
        // is shaped like an identity.
        if let Some(problem) = crate::text::person_key_problem(&person.key) {
            return Err(vec![Reason::InvalidPersonKey { problem }]);
        }
        let Some((collection, _)) = self.wf.collection(&person.of) else {
            return Err(vec![Reason::UnknownPeople {
                of: person.of.clone(),
                known: self.wf.people.iter().map(|p| p.id.to_string()).collect(),
            }]);
        };
        if !self
            .case
            .people
            .get(&person.of)
            .is_some_and(|p| p.contains_key(&person.key))
        {
            return Err(vec![Reason::UnknownPerson {
                person: person.clone(),
            }]);
        }
        Ok(collection)
    }

    /// Every problem with a person's facts as a host sends them.
    fn check_person_facts(
        &self,
        collection: CollectionIdx,
        facts: &BTreeMap<String, FactValue>,
    ) -> Result<(), Vec<Reason>> {
        let of = self
            .wf
            .people
            .get(usize::from(collection.0))
            .map(|p| p.id.to_string())
            .unwrap_or_default();
        let reasons: Vec<Reason> = facts
            .iter()
            .filter_map(|(name, value)| match self.wf.fact(name) {
                Some((_, fact)) if fact.of == Some(collection) => {
                    to_value(fact, value).is_none().then(|| Reason::WrongType {
                        fact: name.clone(),
                        expected: expected(fact),
                    })
                }
                _ => Some(Reason::NotPersonFact {
                    fact: name.clone(),
                    of: of.clone(),
                }),
            })
            .collect();
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }

    /// Stores checked facts with the person and traces them (sensitive values redacted).
    pub(super) fn write_person_facts(
        &mut self,
        person: &PersonRef,
        facts: &BTreeMap<String, FactValue>,
    ) {
        for (name, value) in facts {
            let sensitive = self.wf.fact(name).is_some_and(|(_, f)| f.sensitive);
            let Some(stored) = self
                .case
                .people
                .get_mut(&person.of)
                .and_then(|p| p.get_mut(&person.key))
            else {
                return;
            };
            let former = stored.facts.insert(name.clone(), value.clone());
            if let Some(FactValue::Text(old)) = former
                && sensitive
                && FactValue::Text(old.clone()) != *value
            {
                self.case.former_sensitive.push_back(old);
                if self.case.former_sensitive.len() > super::MAX_FORMER_SENSITIVE {
                    self.case.former_sensitive.pop_front();
                }
            }
            self.trace.entries.push(TraceEntry::PersonFactSet {
                person: person.clone(),
                fact: name.clone(),
                value: if sensitive {
                    REDACTED.to_owned()
                } else {
                    value.to_string()
                },
            });
        }
    }

    /// Rebuilds the people's condition values after a change.
    pub(super) fn refresh_people(&mut self) {
        self.people = slots(self.wf, &self.case);
    }

    /// The people of a collection who have not completed `instrument`, by key.
    pub(super) fn missing_for_each(
        &self,
        instrument: &str,
        collection: CollectionIdx,
    ) -> Vec<String> {
        let Some(people) = self.wf.people.get(usize::from(collection.0)) else {
            return Vec::new();
        };
        self.case
            .people
            .get(people.id.as_ref())
            .into_iter()
            .flatten()
            .filter(|(_, p)| !p.instruments.contains_key(instrument))
            .map(|(key, _)| key.clone())
            .collect()
    }
}

/// A person reference.
pub(crate) fn person_ref(of: &str, key: &str) -> PersonRef {
    PersonRef {
        of: of.to_owned(),
        key: key.to_owned(),
    }
}
