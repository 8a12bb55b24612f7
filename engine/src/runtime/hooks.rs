//! Unit hooks that run after an event's effect: derived facts and extra actions, and how a
//! script failure is reported.

use super::event::from_value;
use super::facts::Writer;
use super::{ActionKind, Lang, Owner, RuleRecord, Run, TraceEntry, Warning};
use crate::model::unit::{Configuration, Unit};

/// The latest due time, in days, a hook's task may have.
pub const MAX_HOOK_DUE_DAYS: u32 = 3_650;

impl<'c> Run<'c> {
    /// The unit's hooks of one kind that run on this event in this workflow.
    pub(super) fn hooks(
        &self,
        kind: &str,
        want: fn(&crate::model::unit::HookKind) -> bool,
    ) -> Vec<(&'c crate::model::unit::Hook, &'c crate::model::unit::HookIn)> {
        let (unit, config): (&'c Unit, &'c Configuration) = (self.unit, self.config);
        config
            .hooks
            .iter()
            .filter_map(|&(i, j)| {
                let hook = unit.hooks.get(i)?;
                Some((hook, hook.per_workflow.get(j)?))
            })
            .filter(|(h, _)| want(&h.kind) && (h.on.is_empty() || h.on.iter().any(|o| o == kind)))
            .collect()
    }

    pub(super) fn hook_ran(&mut self, hook: &str, outcome: String) {
        self.trace.entries.push(TraceEntry::HookRan {
            hook: hook.to_owned(),
            outcome,
        });
    }

    /// The unit's derived facts, written after the event's effect.
    pub(super) fn derive(&mut self, kind: &str) {
        for (hook, compiled) in self.hooks(kind, |k| *k == crate::model::unit::HookKind::Derive) {
            let Some(slot) = compiled.fact else { continue };
            let Some(fact) = self.wf.facts.get(usize::from(slot.0)) else {
                continue;
            };
            let describe = |v: &rhai::Dynamic| {
                if v.is_unit() {
                    "no value".to_owned()
                } else {
                    format!("derived {}", fact.id)
                }
            };
            let Some(value) = self.run_hook(hook, compiled, describe) else {
                continue;
            };
            if value.is_unit() {
                continue;
            }
            match crate::model::script::from_dynamic(&value, fact.ty, &fact.values) {
                Some(v) => {
                    let stored = from_value(fact, &v);
                    if self.case.facts.get(fact.id.as_ref()) != Some(&stored) {
                        let facts = [(fact.id.to_string(), stored)].into();
                        if let Err(reasons) = self.record_facts(&facts, Writer::Hook(&hook.id)) {
                            let why: Vec<String> =
                                reasons.iter().map(|r| r.describe(Lang::En)).collect();
                            self.hook_failed(
                                hook,
                                &compiled.script,
                                format!("its value was not recorded: {}", why.join("; ")),
                            );
                        }
                    }
                }
                None => self.hook_failed(
                    hook,
                    &compiled.script,
                    format!("returned {value}, which `{}` cannot hold", fact.id),
                ),
            }
        }
    }

    /// Runs a hook's script: records that it ran (`describe` says what its value means) and
    /// reports a failure. `None` when the script failed.
    pub(super) fn run_hook(
        &mut self,
        hook: &crate::model::unit::Hook,
        compiled: &crate::model::unit::HookIn,
        describe: impl Fn(&rhai::Dynamic) -> String,
    ) -> Option<rhai::Dynamic> {
        let env = self.env();
        let result = compiled
            .script
            .eval(&self.catalog.scripting, self.wf, &self.slots, &|b| {
                env.builtin(b)
            });
        match result {
            Ok(value) => {
                self.hook_ran(&hook.id, describe(&value));
                Some(value)
            }
            Err(error) => {
                self.hook_ran(&hook.id, "failed".to_owned());
                self.script_failed(
                    Owner::Hook {
                        hook: hook.id.clone(),
                    },
                    error,
                );
                None
            }
        }
    }

    /// The unit's extra actions after the event.
    pub(super) fn after_hooks(&mut self, kind: &str) {
        for (hook, compiled) in self.hooks(kind, |k| {
            matches!(k, crate::model::unit::HookKind::After { .. })
        }) {
            let once = matches!(
                hook.kind,
                crate::model::unit::HookKind::After { once: true }
            );
            let key = format!("hook:{}", hook.id);
            let fired = self.case.rules.get(&key).map_or(0, |r| r.fired);
            if once && fired > 0 {
                continue;
            }
            let describe = |v: &rhai::Dynamic| {
                if v.is_unit() {
                    "no actions".to_owned()
                } else {
                    format!("{} action(s)", v.as_array_ref().map_or(1, |a| a.len()))
                }
            };
            let Some(value) = self.run_hook(hook, compiled, describe) else {
                continue;
            };
            let items = if value.is_unit() {
                Vec::new()
            } else if value.is_array() {
                value.into_array().unwrap_or_default()
            } else {
                vec![value]
            };
            let kinds: Vec<ActionKind> = items.iter().filter_map(|d| self.hook_action(d)).collect();
            if kinds.len() != items.len() {
                self.hook_failed(hook, &compiled.script, "returned something that is not an action map; see the README for the action maps".to_owned());
            }
            if kinds.is_empty() {
                continue;
            }
            let n = fired + 1;
            self.case.rules.insert(
                key,
                RuleRecord {
                    fired: n,
                    held: true,
                    basis: None,
                },
            );
            let mut ids = Vec::new();
            for (i, kind) in kinds.into_iter().enumerate() {
                let id = format!("{}/hook/{}/{}/{}", self.case.id, hook.id, n, i);
                ids.push(id.clone());
                self.emit(id, Some(format!("hook:{}", hook.id)), None, kind, None);
            }
            self.trace.entries.push(TraceEntry::RuleFired {
                rule: format!("hook:{}", hook.id),
                actions: ids,
            });
        }
    }

    /// An action map from a hook: `#{type: "task"|"flag"|"offer", ...}`.
    pub(super) fn hook_action(&self, d: &rhai::Dynamic) -> Option<ActionKind> {
        let map = d.read_lock::<rhai::Map>()?;
        let text = |k: &str| map.get(k).and_then(|v| v.clone().into_string().ok());
        match text("type")?.as_str() {
            "task" => {
                // A script's number is bounded before any date arithmetic: a due time beyond
                // [`MAX_HOOK_DUE_DAYS`] makes the map no action (reported as a script failure).
                let days = match map.get("due_days") {
                    None => None,
                    Some(v) => Some(
                        v.as_int()
                            .ok()
                            .and_then(|d| u32::try_from(d).ok())
                            .filter(|d| *d <= MAX_HOOK_DUE_DAYS)?,
                    ),
                };
                let working = map
                    .get("working_days")
                    .and_then(|v| v.as_bool().ok())
                    .unwrap_or(false);
                let count = if working {
                    crate::syntax::DayCount::WorkingDays
                } else {
                    crate::syntax::DayCount::CalendarDays
                };
                let due = days.map(|d| crate::model::calendar::add_days(self.at.date(), d, count));
                Some(ActionKind::Task {
                    title: text("title")?,
                    due,
                })
            }
            "flag" => {
                let level = match text("level").as_deref() {
                    Some("critical") => crate::syntax::FlagLevel::Critical,
                    Some("warning") => crate::syntax::FlagLevel::Warning,
                    _ => crate::syntax::FlagLevel::Info,
                };
                Some(ActionKind::Flag {
                    message: text("message")?,
                    level,
                })
            }
            "offer" => Some(ActionKind::Offer {
                intervention: text("intervention")?,
                title: text("title"),
            }),
            _ => None,
        }
    }

    /// A script failure goes to the trace and to the warnings (and to `tracing`, where and
    /// whether a limit stopped it, never its message).
    pub(super) fn script_failed(&mut self, owner: Owner, error: crate::model::script::ScriptError) {
        tracing::debug!(location = %error.location, limit = error.limit, "script failed");
        self.trace.entries.push(TraceEntry::ScriptFailed {
            owner: owner.clone(),
            error: error.clone(),
        });
        self.warnings.push(Warning::ScriptFailed { owner, error });
    }

    pub(super) fn hook_failed(
        &mut self,
        hook: &crate::model::unit::Hook,
        script: &crate::model::script::Script,
        message: String,
    ) {
        let (line, column) = script.source.line_column(script.span.offset);
        let error = crate::model::script::ScriptError {
            location: format!("{}:{line}:{column}", script.source.name()),
            message,
            limit: false,
        };
        self.script_failed(
            Owner::Hook {
                hook: hook.id.clone(),
            },
            error,
        );
    }
}
