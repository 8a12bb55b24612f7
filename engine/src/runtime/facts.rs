//! Facts as hosts, rules and hooks write them: checked against the workflow's types, and
//! refused to any writer that may not write a duty input.

use std::collections::BTreeMap;

use super::env::{fits, to_value};
use super::{
    FactValue, Happening, MAX_FORMER_SENSITIVE, REDACTED, Reason, Run, TraceEntry, Warning,
};
use crate::syntax::FactType;

/// Who writes facts in a step.
#[derive(Debug, Clone, Copy)]
pub(super) enum Writer<'a> {
    /// The host's event (or the instrument, decision or opening it records).
    Host,
    /// A declared decision writing its own fact (the only writer of that fact).
    Decision,
    /// A routing rule.
    Rule { id: &'a str, mandatory: bool },
    /// A unit hook.
    Hook(&'a str),
}

impl<'a> Writer<'a> {
    /// The rule or hook that wrote, for the trace.
    pub(super) fn id(self) -> Option<&'a str> {
        match self {
            Writer::Host | Writer::Decision => None,
            Writer::Rule { id, .. } | Writer::Hook(id) => Some(id),
        }
    }

    /// The writer, when it may not write duty inputs.
    pub(super) fn bound(self) -> Option<&'a str> {
        match self {
            Writer::Host
            | Writer::Decision
            | Writer::Rule {
                mandatory: true, ..
            } => None,
            Writer::Rule { id, .. } | Writer::Hook(id) => Some(id),
        }
    }
}

impl Run<'_> {
    /// Every problem with facts as a host sends them: unknown names, values of the wrong type.
    pub(super) fn check_facts(
        &self,
        facts: &BTreeMap<String, FactValue>,
    ) -> Result<(), Vec<Reason>> {
        let mut reasons = Vec::new();
        for (name, value) in facts {
            match self.wf.fact(name) {
                None => reasons.push(Reason::UnknownFact { fact: name.clone() }),
                Some((_, fact)) if fact.of.is_some() => {
                    reasons.push(Reason::PersonFactWithoutPerson {
                        fact: name.clone(),
                        of: fact
                            .of
                            .and_then(|c| self.wf.people.get(usize::from(c.0)))
                            .map(|p| p.id.to_string())
                            .unwrap_or_default(),
                    });
                }
                Some((_, fact)) => {
                    if !fits(fact, value) {
                        reasons.push(Reason::WrongType {
                            fact: name.clone(),
                            expected: expected(fact),
                        });
                    }
                }
            }
        }
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }

    /// Validates and records facts; every problem is a reason and nothing is recorded. A
    /// writer that may not write duty inputs (a hook, a rule that is not mandatory) never
    /// does: such a fact is left as it was, with a warning.
    pub(super) fn record_facts(
        &mut self,
        facts: &BTreeMap<String, FactValue>,
        writer: Writer<'_>,
    ) -> Result<(), Vec<Reason>> {
        self.check_facts(facts)?;
        // A fact a decision writes is recorded by that decision only: a host sends
        // `decision_made`, and no rule or hook can take a decision.
        if matches!(writer, Writer::Host) {
            let reasons: Vec<Reason> = facts
                .keys()
                .filter_map(|name| {
                    let (slot, _) = self.wf.fact(name)?;
                    let d = self.wf.decision_of_fact(slot)?;
                    Some(Reason::DecisionFact {
                        fact: name.clone(),
                        decision: d.id.to_string(),
                    })
                })
                .collect();
            if !reasons.is_empty() {
                return Err(reasons);
            }
            self.refuse_computed(facts)?;
        }
        for (name, value) in facts {
            // Every name was checked above; the workflow's declaration is looked up once.
            let decl = self.wf.fact(name);
            if let (Some(by), Some((slot, _))) = (writer.id(), decl)
                && self.wf.is_computed(slot)
            {
                self.warnings.push(Warning::ComputedFactProtected {
                    fact: name.clone(),
                    writer: by.to_owned(),
                });
                continue;
            }
            if let (Some(by), Some((slot, _))) = (writer.id(), decl)
                && !matches!(writer, Writer::Decision)
                && self.wf.decision_of_fact(slot).is_some()
            {
                self.warnings.push(Warning::DecisionFactProtected {
                    fact: name.clone(),
                    writer: by.to_owned(),
                });
                continue;
            }
            if let (Some(by), Some((slot, _))) = (writer.bound(), decl)
                && self.config.duties.fact(slot).is_some()
            {
                self.warnings.push(Warning::DutyInputProtected {
                    fact: name.clone(),
                    writer: by.to_owned(),
                });
                continue;
            }
            let sensitive = decl.is_some_and(|(_, f)| f.sensitive);
            // What `Display` writes, without the formatting machinery for the usual values.
            let shown = match value {
                _ if sensitive => REDACTED.to_owned(),
                FactValue::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
                FactValue::Text(t) => t.clone(),
                FactValue::Integer(_) | FactValue::Decimal(_) => value.to_string(),
            };
            if let Some((slot, fact)) = decl
                && let Some(v) =
                    std::sync::Arc::make_mut(&mut self.slots).get_mut(usize::from(slot.0))
            {
                *v = to_value(fact, value);
                self.happened.push(Happening::FactSet(slot));
                if fact.ty == FactType::Date {
                    self.recount_deadlines(slot);
                }
            }
            let former = self.case.facts.insert(name.clone(), value.clone());
            if let Some(FactValue::Text(old)) = former
                && sensitive
                && FactValue::Text(old.clone()) != *value
            {
                self.case.former_sensitive.push_back(old);
                if self.case.former_sensitive.len() > MAX_FORMER_SENSITIVE {
                    self.case.former_sensitive.pop_front();
                }
            }
            self.trace.entries.push(TraceEntry::FactSet {
                fact: name.clone(),
                value: shown,
                rule: writer.id().map(str::to_owned),
            });
        }
        Ok(())
    }
}

pub(super) fn expected(fact: &crate::model::fact::Fact) -> String {
    match fact.ty {
        FactType::Bool => "true or false".to_owned(),
        FactType::Integer => "a whole number".to_owned(),
        FactType::Decimal => "a finite number".to_owned(),
        FactType::Date => "a date YYYY-MM-DD".to_owned(),
        FactType::Text => "text".to_owned(),
        FactType::Enum | FactType::ProtectionLevel => {
            format!(
                "one of {}",
                fact.values
                    .iter()
                    .map(AsRef::as_ref)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}
