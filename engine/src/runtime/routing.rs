//! Routing rules in a step: evaluated in the configuration's order, fired by their mode, and
//! their actions carried out.

use super::facts::{Writer, from_value};
use super::{ActionKind, Owner, RuleRecord, Run, TraceEntry};
use crate::Catalog;
use crate::model::rules::{Action as RuleAction, Rule};
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
            let owner = Owner::Rule {
                rule: rule.id.clone(),
            };
            let value = self.evaluate(owner, &compiled.when);
            if !self.case.rules.contains_key(rule.id.as_ref()) {
                self.case
                    .rules
                    .insert(rule.id.to_string(), RuleRecord::default());
            }
            let Some(record) = self.case.rules.get_mut(rule.id.as_ref()) else {
                continue;
            };
            let fire = value
                && match rule.fires {
                    FireMode::Once => record.fired == 0,
                    FireMode::WhenBecomingTrue => !record.held,
                    FireMode::EveryEvent => true,
                };
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
                continue;
            }
            record.fired += 1;
            let n = record.fired;
            let mut ids = Vec::new();
            for (i, action) in compiled.actions.iter().enumerate() {
                let id = format!("{}/rule/{}/{}/{}", self.case.id, rule.id, n, i);
                if let Some(kind) = self.rule_action(rule, action) {
                    let legal = rule.legal.as_deref().map(|c| self.citation(c));
                    ids.push(id.clone());
                    self.emit(id, Some(rule.id.to_string()), kind, legal);
                }
            }
            tracing::trace!(rule = %rule.id, actions = ids.len(), "rule fired");
            self.trace.entries.push(TraceEntry::RuleFired {
                rule: rule.id.to_string(),
                actions: ids,
            });
        }
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
