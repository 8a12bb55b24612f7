//! Routing rules in a step: evaluated in the configuration's order, fired by their mode, and
//! their actions carried out.

use super::env::person_at;
use super::event::from_value;
use super::facts::Writer;
use super::people::person_ref;
use super::{ActionKind, Owner, RuleRecord, Run, TraceEntry};
use crate::Catalog;
use crate::model::condition::Env;
use crate::model::index::FactSlot;
use crate::model::index::PersonIdx;
use crate::model::rules::{Action as RuleAction, RouteTo, Rule, RuleIn};
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
        // One lookup of the rule's record; it is added the first time the rule runs.
        let fired = match records.get_mut(rule.id.as_ref()) {
            Some(record) => advance(record, rule.fires, value, basis),
            None => {
                let mut record = RuleRecord::default();
                let fired = advance(&mut record, rule.fires, value, basis);
                records.insert(String::from(rule.id.as_ref()), record);
                fired
            }
        };
        let Some(n) = fired else {
            if value {
                let why = match rule.fires {
                    FireMode::Once => "fires once and has fired",
                    _ => "still true since the last event",
                };
                self.trace.entries.push(TraceEntry::RuleHeld {
                    rule: String::from(rule.id.as_ref()),
                    why: why.to_owned(),
                });
            }
            return;
        };
        // Ids and rule names are copied with `String::from`: `to_string` on an `Arc<str>`
        // goes through `Display`.
        let mut ids = Vec::new();
        // The rule's citation is the same for each of its actions: looked up once.
        let mut legal = None;
        let key = who.as_ref().map(|p| p.key.clone());
        for (i, action) in compiled.actions.iter().enumerate() {
            if let Some(kind) = self.rule_action(rule, action) {
                let id = action_id(&self.case.id, &rule.id, key.as_deref(), n, i);
                let legal = legal
                    .get_or_insert_with(|| rule.legal.as_deref().map(|c| self.citation(c)))
                    .clone();
                ids.push(id.clone());
                self.emit(
                    id,
                    Some(String::from(rule.id.as_ref())),
                    who.clone(),
                    kind,
                    legal,
                );
            }
        }
        tracing::trace!(rule = %rule.id, actions = ids.len(), "rule fired");
        self.trace.entries.push(TraceEntry::RuleFired {
            rule: String::from(rule.id.as_ref()),
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
                    track: match to {
                        RouteTo::Owner { track, .. } => Some(track.to_string()),
                        RouteTo::Unit(_) | RouteTo::Target(_) => None,
                    },
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

/// Records a rule's value after an event; the number of its firing when it fires now.
fn advance(
    record: &mut RuleRecord,
    fires: FireMode,
    value: bool,
    basis: Option<String>,
) -> Option<u32> {
    // A watched fact changed since the rule last fired: it fires again.
    let changed = record.fired > 0 && basis.is_some() && record.basis != basis;
    let fire = value
        && (changed
            || match fires {
                FireMode::Once => record.fired == 0,
                FireMode::WhenBecomingTrue => !record.held,
                FireMode::EveryEvent => true,
            });
    record.held = value;
    if !fire {
        return None;
    }
    record.fired += 1;
    record.basis = basis;
    Some(record.fired)
}

/// `<case>/rule/<rule>/[<person>/]<firing>/<action>`, as `format!` would write it, in one
/// allocation.
fn action_id(case: &str, rule: &str, person: Option<&str>, firing: u32, action: usize) -> String {
    let extra = person.map_or(0, |p| p.len() + 1);
    let mut id = String::with_capacity(case.len() + rule.len() + extra + 16);
    id.push_str(case);
    id.push_str("/rule/");
    id.push_str(rule);
    id.push('/');
    if let Some(p) = person {
        id.push_str(p);
        id.push('/');
    }
    push_decimal(&mut id, u64::from(firing));
    id.push('/');
    push_decimal(&mut id, u64::try_from(action).unwrap_or(u64::MAX));
    id
}

/// Appends `n` in decimal digits.
fn push_decimal(out: &mut String, n: u64) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.extend(char::from_digit(u32::try_from(n % 10).unwrap_or(0), 10));
}

#[cfg(test)]
mod tests {
    #[test]
    fn action_id_is_format() {
        for (firing, action) in [
            (0, 0),
            (1, 0),
            (9, 10),
            (10, 9),
            (123, 4567),
            (u32::MAX, 99),
        ] {
            assert_eq!(
                super::action_id("sk-2025-0142", "orosanmalan_barn", None, firing, action),
                format!("sk-2025-0142/rule/orosanmalan_barn/{firing}/{action}")
            );
            assert_eq!(
                super::action_id(
                    "sk-1",
                    "orosanmalan_per_barn",
                    Some("barn-2"),
                    firing,
                    action
                ),
                format!("sk-1/rule/orosanmalan_per_barn/barn-2/{firing}/{action}")
            );
        }
    }
}
