//! Routing rules in a step: evaluated in the configuration's order, fired by their mode, and
//! their actions carried out.

use super::env::person_at;
use super::facts::{Writer, from_value};
use super::people::person_ref;
use super::{ActionKind, Owner, RuleRecord, Run, TraceEntry};
use crate::Catalog;
use crate::model::condition::Env;
use crate::model::index::FactSlot;
use crate::model::index::PersonIdx;
use crate::model::rules::{Action as RuleAction, Rule, RuleIn};
use crate::model::unit::{Configuration, Unit};
use crate::model::workflow::Workflow;
use crate::syntax::FireMode;

/// The rules that run for a workflow in a unit, in evaluation order: base rules it does not
/// switch off, and local rules it adds. Mandatory rules cannot be switched off (the loader
/// rejects such a unit). Empty when the unit does not run the workflow.
pub fn active_rules<'c>(
    catalog: &'c Catalog,
    wf: &Workflow,
    unit: &'c Unit,
) -> impl Iterator<Item = (&'c Rule, &'c crate::model::rules::RuleIn)> {
    unit.configuration(&wf.id)
        .map(|c| configured_rules(catalog, c))
        .into_iter()
        .flatten()
}

/// The rules of an effective configuration, in evaluation order.
pub(super) fn configured_rules<'c>(
    catalog: &'c Catalog,
    config: &'c Configuration,
) -> impl Iterator<Item = (&'c Rule, &'c crate::model::rules::RuleIn)> {
    config.rules.iter().filter_map(|&(i, j)| {
        let rule = catalog.rules.get(i)?;
        Some((rule, rule.per_workflow.get(j)?))
    })
}

impl Run<'_> {
    pub(super) fn rules(&mut self) {
        let (catalog, config) = (self.catalog, self.config);
        for (rule, compiled) in configured_rules(catalog, config) {
            match compiled.for_each {
                None => self.rule(rule, compiled, None),
                Some(collection) => {
                    let n = self
                        .people
                        .get(usize::from(collection.0))
                        .map_or(0, Vec::len);
                    for index in 0..u32::try_from(n).unwrap_or(u32::MAX) {
                        self.rule(rule, compiled, Some(PersonIdx { collection, index }));
                    }
                }
            }
        }
    }

    /// One rule, for the case or for one person: evaluated, and fired by its mode (or again
    /// because a fact it watches changed).
    fn rule(&mut self, rule: &Rule, compiled: &RuleIn, person: Option<PersonIdx>) {
        let owner = Owner::Rule {
            rule: rule.id.clone(),
        };
        let value = self.evaluate_for(owner, &compiled.when, person);
        let basis = (!compiled.again_when_changed.is_empty())
            .then(|| self.basis(&compiled.again_when_changed, person));
        let who = person.and_then(|p| {
            let of = self.wf.people.get(usize::from(p.collection.0))?;
            let (key, _) = person_at(self.wf, &self.case, p)?;
            Some(person_ref(&of.id, key))
        });
        let records = match &who {
            None => Some(&mut self.case.rules),
            Some(p) => self
                .case
                .people
                .get_mut(&p.of)
                .and_then(|people| people.get_mut(&p.key))
                .map(|p| &mut p.rules),
        };
        let Some(records) = records else { return };
        if !records.contains_key(rule.id.as_ref()) {
            records.insert(rule.id.to_string(), RuleRecord::default());
        }
        let Some(record) = records.get_mut(rule.id.as_ref()) else {
            return;
        };
        let changed = record.fired > 0 && basis.is_some() && record.basis != basis;
        let fire = value
            && (changed
                || match rule.fires {
                    FireMode::Once => record.fired == 0,
                    FireMode::WhenBecomingTrue => !record.held,
                    FireMode::EveryEvent => true,
                });
        let why_not = match rule.fires {
            FireMode::Once => "fires once and has fired",
            _ => "still true since the last event",
        };
        record.held = value;
        if !fire {
            if value {
                self.trace.entries.push(TraceEntry::RuleHeld {
                    rule: rule.id.to_string(),
                    why: why_not.to_owned(),
                });
            }
            return;
        }
        record.fired += 1;
        record.basis = basis;
        let n = record.fired;
        let mut ids = Vec::new();
        for (i, action) in compiled.actions.iter().enumerate() {
            let id = match &who {
                None => format!("{}/rule/{}/{}/{}", self.case.id, rule.id, n, i),
                Some(p) => format!("{}/rule/{}/{}/{}/{}", self.case.id, rule.id, p.key, n, i),
            };
            if let Some(kind) = self.rule_action(rule, action) {
                let legal = rule.legal.as_deref().map(|c| self.citation(c));
                ids.push(id.clone());
                self.emit(id, Some(rule.id.to_string()), who.clone(), kind, legal);
            }
        }
        tracing::trace!(rule = %rule.id, actions = ids.len(), "rule fired");
        self.trace.entries.push(TraceEntry::RuleFired {
            rule: rule.id.to_string(),
            actions: ids,
        });
    }

    /// A fingerprint of the values of the facts a rule watches (never the values themselves:
    /// the case is stored, and a watched fact may be sensitive).
    fn basis(&self, facts: &[FactSlot], person: Option<PersonIdx>) -> String {
        let env = self.env();
        let mut text = String::new();
        for slot in facts {
            let value = match (self.wf.facts.get(usize::from(slot.0)), person) {
                (Some(f), Some(p)) if f.of.is_some() => env.person_fact(p, *slot),
                _ => env.fact(*slot),
            };
            text.push_str(&format!("{value:?};"));
        }
        crate::model::workflow::content_hash(&text)
    }

    /// Carries out a rule action; returns what to emit to the host, if anything.
    pub(super) fn rule_action(&mut self, rule: &Rule, action: &RuleAction) -> Option<ActionKind> {
        match action {
            RuleAction::Route { to, kind, urgency } => Some(match self.config.route_to(to) {
                Some(unit) => ActionKind::Route {
                    to: unit.to_string(),
                    kind: *kind,
                    urgency: *urgency,
                },
                // Only a catalog built by hand leaves a target unresolved (the loader refuses
                // it: `unit::missing_route_target`); the duty then stays in view.
                None => ActionKind::Flag {
                    message: format!(
                        "Ingen mottagande enhet är angiven för `{to}` – skicka anmälan manuellt och rätta enhetens route_targets."
                    ),
                    level: crate::syntax::FlagLevel::Critical,
                },
            }),
            RuleAction::Task { title, due } => {
                let due = due.as_ref().map(|(n, unit)| {
                    crate::model::calendar::last_day(self.at.date(), unit.of(self.amount(n)))
                });
                Some(ActionKind::Task {
                    title: title.clone(),
                    due,
                })
            }
            RuleAction::Offer {
                intervention,
                title,
            } => Some(ActionKind::Offer {
                intervention: intervention.to_string(),
                title: title.clone(),
            }),
            RuleAction::Flag { message, level } => Some(ActionKind::Flag {
                message: message.clone(),
                level: *level,
            }),
            RuleAction::Set { slot, value } => {
                let fact = self.wf.facts.get(usize::from(slot.0))?;
                let stored = from_value(fact, value);
                let facts = [(fact.id.to_string(), stored)].into();
                // Types were checked at load, so this cannot be rejected.
                let _ = self.record_facts(
                    &facts,
                    Writer::Rule {
                        id: &rule.id,
                        mandatory: rule.mandatory,
                    },
                );
                // The rules after this one see what is computed from it.
                self.compute();
                None
            }
            RuleAction::Start(idx) => {
                self.rule_starts_deadline(usize::from(idx.0));
                None
            }
            RuleAction::Stop(idx) => {
                self.stop_deadline(usize::from(idx.0));
                None
            }
        }
    }
}
