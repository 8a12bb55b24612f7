//! Deadlines in a case: started and stopped by what happens, extended only on an allowed
//! ground, and due-soon / overdue actions emitted once each.

use jiff::civil::Date;

use super::case::{DeadlineRecord, Extension};
use super::{ActionKind, Happening, Reason, Run, TraceEntry};
use crate::calendar;
use crate::syntax::DeadlineState;
use crate::workflow::Trigger;

/// The longest extension, in days in total, of a deadline that declares no `max_days`.
pub const MAX_EXTENSION_DAYS: u32 = 365;

/// A deadline's state on a date.
pub(crate) fn state(r: &DeadlineRecord, warn_days: Option<u32>, today: Date) -> DeadlineState {
    if let Some(stopped) = r.stopped {
        return if stopped.date() > r.due {
            DeadlineState::MetLate
        } else {
            DeadlineState::Met
        };
    }
    if today > r.due {
        return DeadlineState::Overdue;
    }
    let warn_from = jiff::Span::new()
        .try_days(i64::from(warn_days.unwrap_or(0)))
        .ok()
        .and_then(|span| r.due.checked_sub(span).ok());
    match (warn_days, warn_from) {
        (Some(_), Some(from)) if today >= from => DeadlineState::DueSoon,
        _ => DeadlineState::Running,
    }
}

impl Run<'_> {
    /// Starts and stops deadlines for what happened in this step.
    pub(super) fn deadline_triggers(&mut self) {
        let happened = std::mem::take(&mut self.happened);
        for (i, d) in self.wf.deadlines.iter().enumerate() {
            for h in &happened {
                if d.stops.iter().any(|t| matches(t, h)) {
                    self.stop_deadline(i);
                }
                if d.starts.as_ref().is_some_and(|t| matches(t, h)) {
                    self.start_deadline(i);
                }
            }
        }
    }

    /// Starts (or restarts, when it was met) a deadline. A running one is left alone.
    pub(super) fn start_deadline(&mut self, i: usize) {
        let Some(d) = self.wf.deadlines.get(i) else {
            return;
        };
        let running = self
            .case
            .deadlines
            .get(d.id.as_ref())
            .is_some_and(|r| r.stopped.is_none());
        if running || self.case.closed.is_some() {
            return;
        }
        let due = calendar::add_days(self.at.date(), self.amount(&d.days), d.count);
        self.case.deadlines.insert(
            d.id.to_string(),
            DeadlineRecord {
                started: self.at,
                started_seq: self.seq,
                due,
                extensions: Vec::new(),
                stopped: None,
                warned: false,
                overdue: false,
            },
        );
        self.trace.entries.push(TraceEntry::DeadlineStarted {
            deadline: d.id.to_string(),
            due,
        });
    }

    /// Stops a running deadline (it is met).
    pub(super) fn stop_deadline(&mut self, i: usize) {
        let Some(d) = self.wf.deadlines.get(i) else {
            return;
        };
        if let Some(r) = self.case.deadlines.get_mut(d.id.as_ref())
            && r.stopped.is_none()
        {
            r.stopped = Some(self.at);
            self.trace.entries.push(TraceEntry::DeadlineStopped {
                deadline: d.id.to_string(),
                late: self.at.date() > r.due,
            });
        }
    }

    /// Extends a running deadline on a ground it allows.
    pub(super) fn extend(&mut self, id: &str, ground: &str, days: u32) -> Result<(), Vec<Reason>> {
        let Some(d) = self.wf.deadlines.iter().find(|d| d.id.as_ref() == id) else {
            return Err(vec![Reason::DeadlineNotRunning {
                deadline: id.to_owned(),
            }]);
        };
        let Some(r) = self
            .case
            .deadlines
            .get_mut(id)
            .filter(|r| r.stopped.is_none())
        else {
            return Err(vec![Reason::DeadlineNotRunning {
                deadline: id.to_owned(),
            }]);
        };
        if !d.extension_grounds.iter().any(|g| g.as_ref() == ground) {
            return Err(vec![Reason::ExtensionNotAllowed {
                deadline: id.to_owned(),
                ground: ground.to_owned(),
                allowed: d
                    .extension_grounds
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            }]);
        }
        // Host-supplied days are bounded before any date arithmetic: by the deadline's
        // declared maximum, else by [`MAX_EXTENSION_DAYS`].
        let max = d.extension_max_days.unwrap_or(MAX_EXTENSION_DAYS);
        let total = r
            .extensions
            .iter()
            .try_fold(days, |sum, e| sum.checked_add(e.days));
        // At least a day each, so a deadline holds at most `max` extensions.
        if days == 0 || total.is_none_or(|t| t > max) {
            return Err(vec![Reason::ExtensionTooLong {
                deadline: id.to_owned(),
                max_days: max,
            }]);
        }
        r.due = calendar::add_days(r.due, days, d.count);
        r.extensions.push(Extension {
            ground: ground.to_owned(),
            days,
            at: self.at,
        });
        // An extended deadline may warn and fall due again.
        r.warned = false;
        r.overdue = false;
        let due = r.due;
        self.trace.entries.push(TraceEntry::DeadlineExtended {
            deadline: id.to_owned(),
            ground: ground.to_owned(),
            due,
        });
        Ok(())
    }

    /// Emits due-soon and overdue actions for running deadlines, once each.
    pub(super) fn deadline_clocks(&mut self) {
        let today = self.at.date();
        let wf = self.wf;
        for d in &wf.deadlines {
            let Some(r) = self.case.deadlines.get_mut(d.id.as_ref()) else {
                continue;
            };
            if r.stopped.is_some() {
                continue;
            }
            let st = state(r, d.warn_days_before, today);
            let soon = st == DeadlineState::DueSoon && !r.warned;
            let overdue = st == DeadlineState::Overdue && !r.overdue;
            if !soon && !overdue {
                continue;
            }
            r.warned |= soon;
            r.overdue |= overdue;
            let (due, seq) = (r.due, r.started_seq);
            let (deadline, title) = (d.id.to_string(), d.title.clone());
            let (what, kind) = if overdue {
                (
                    "overdue",
                    ActionKind::DeadlineOverdue {
                        deadline,
                        title,
                        due,
                    },
                )
            } else {
                (
                    "due_soon",
                    ActionKind::DeadlineDueSoon {
                        deadline,
                        title,
                        due,
                    },
                )
            };
            let id = format!("{}/deadline/{}/{seq}/{what}/{due}", self.case.id, d.id);
            let legal = d.legal.as_deref().map(|c| self.citation(c));
            self.emit(id, None, kind, legal);
        }
    }
}

/// The state of a case's deadline at a moment (`not_started` for one never started or unknown).
pub fn deadline_state(
    catalog: &crate::Catalog,
    case: &super::Case,
    deadline: &str,
    at: jiff::civil::DateTime,
) -> DeadlineState {
    let warn = catalog
        .for_case(&case.workflow, &case.content_hash)
        .and_then(|c| c.workflow(&case.workflow))
        .and_then(|w| w.deadlines.iter().find(|d| d.id.as_ref() == deadline))
        .and_then(|d| d.warn_days_before);
    case.deadlines
        .get(deadline)
        .map_or(DeadlineState::NotStarted, |r| state(r, warn, at.date()))
}

/// The trigger of a happening, for matching against deadline declarations.
fn matches(trigger: &Trigger, h: &Happening) -> bool {
    match (trigger, h) {
        (Trigger::PhaseEntered(a), Happening::PhaseEntered(b))
        | (Trigger::PhaseLeft(a), Happening::PhaseLeft(b)) => a == b,
        (Trigger::CaseOpened, Happening::CaseOpened)
        | (Trigger::CaseClosed, Happening::CaseClosed)
        | (Trigger::DecisionMade, Happening::DecisionMade) => true,
        (Trigger::InstrumentCompleted(a), Happening::InstrumentCompleted(b)) => a.as_ref() == b,
        _ => false,
    }
}
