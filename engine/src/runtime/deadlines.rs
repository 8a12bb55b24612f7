//! Deadlines in a case: started and stopped by what happens, extended only on an allowed
//! ground, and due-soon / overdue actions emitted once each.

use jiff::civil::{Date, DateTime};

use super::case::{DeadlineRecord, Extension};
use super::trace::Rolled;
use super::{ActionKind, Happening, Reason, Run, TraceEntry};
use crate::model::calendar;
use crate::model::fact::Value;
use crate::model::workflow::Trigger;
use crate::syntax::{DayCount, DeadlineState};

/// The longest extension, in days in total, of a deadline that declares no `max_days`.
pub const MAX_EXTENSION_DAYS: u32 = 365;

/// A deadline's state on a date. Reminders count as the deadline counts: `warn_days` working
/// days before the due date for a working-day deadline, calendar days otherwise.
pub(crate) fn state(
    r: &DeadlineRecord,
    warn_days: Option<u32>,
    count: DayCount,
    today: Date,
) -> DeadlineState {
    if r.cancelled.is_some() {
        return DeadlineState::Cancelled;
    }
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
    match warn_days {
        Some(w) if calendar::days_between(today, r.due, count) <= i64::from(w) => {
            DeadlineState::DueSoon
        }
        _ => DeadlineState::Running,
    }
}

/// The day a case's deadline clock reads: `at`, or the day the case closed for a deadline
/// that was running when it closed (its clock stopped with the case). A deadline started by
/// the closing, such as a follow-up after it, runs on.
pub(crate) fn clock_day(case: &super::Case, r: &DeadlineRecord, at: DateTime) -> Date {
    match &case.closed {
        Some(c) if r.started < c.at => c.at.date().min(at.date()),
        _ => at.date(),
    }
}

/// Where a deadline's time counts from, and its last day and due date.
struct Counted {
    from: Date,
    last_day: Date,
    due: Date,
    late: bool,
}

impl Run<'_> {
    /// Starts and stops deadlines for what happened in this step. A deadline whose stop (or
    /// cancel) happened in this step is remembered, so a rule later in the step does not
    /// start it after its stop.
    pub(super) fn deadline_triggers(&mut self) {
        let happened = std::mem::take(&mut self.happened);
        for h in &happened {
            if let Some(key) = self.milestone(h) {
                self.case.milestones.entry(key).or_insert(self.at);
            }
        }
        for (i, d) in self.wf.deadlines.iter().enumerate() {
            for h in &happened {
                if d.stops.iter().any(|t| matches(t, h)) {
                    self.stop_deadline(i);
                    self.ended_here.push(i);
                }
                if d.cancelled_by.iter().any(|t| matches(t, h)) {
                    self.cancel_deadline(i);
                    self.ended_here.push(i);
                }
                if d.starts.as_ref().is_some_and(|t| matches(t, h)) {
                    self.start_deadline(i);
                }
            }
        }
    }

    /// The milestone a happening reaches, by the key [`super::Case::milestones`] keeps it under
    /// (facts set are not milestones).
    fn milestone(&self, h: &Happening) -> Option<String> {
        let phase = |p: &crate::model::index::PhaseIdx| self.wf.phase(*p).map(|p| p.id.as_ref());
        Some(match h {
            Happening::CaseOpened => milestone("case_opened", None),
            Happening::CaseClosed => milestone("case_closed", None),
            Happening::DecisionMade => milestone("decision_made", None),
            Happening::PhaseEntered(p) => milestone("phase_entered", Some(phase(p)?)),
            Happening::PhaseLeft(p) => milestone("phase_left", Some(phase(p)?)),
            Happening::InstrumentCompleted(i) => milestone("instrument_completed", Some(i)),
            Happening::FactSet(_) => return None,
        })
    }

    /// A rule's `start`: not when the deadline's stop happened in this same step.
    pub(super) fn rule_starts_deadline(&mut self, i: usize) {
        if self.ended_here.contains(&i) {
            if let Some(d) = self.wf.deadlines.get(i) {
                self.trace.entries.push(TraceEntry::DeadlineNotStarted {
                    deadline: d.id.to_string(),
                });
            }
            return;
        }
        self.start_deadline(i);
    }

    /// Counts a deadline from `started`: from the `from` fact's date when it is earlier,
    /// `late_from_hour` applied, rolled forward when the deadline says so.
    fn count(&self, d: &crate::model::workflow::Deadline, started: DateTime) -> Counted {
        let day = started.date();
        let recorded = d
            .from
            .and_then(|slot| match self.slots.get(usize::from(slot.0)) {
                Some(Some(Value::Date(date))) => Some(*date),
                _ => None,
            });
        let from = recorded.filter(|r| *r < day).unwrap_or(day);
        let mut last_day = calendar::last_day(from, d.unit.of(self.amount(&d.length)));
        // "Late in the day" is known only when the time counts from the starting event.
        let late = from == day
            && d.late_from_hour
                .as_ref()
                .is_some_and(|h| i64::from(started.hour()) >= i64::from(self.amount(h)));
        if late {
            last_day = calendar::add_calendar_days(last_day, 1);
        }
        let due = if d.roll_forward {
            calendar::roll_forward(last_day)
        } else {
            last_day
        };
        Counted {
            from,
            last_day,
            due,
            late,
        }
    }

    /// Starts (or restarts, when it was met or cancelled) a deadline. A running one is left
    /// alone. A closed case starts only what its closing starts.
    pub(super) fn start_deadline(&mut self, i: usize) {
        let Some(d) = self.wf.deadlines.get(i) else {
            return;
        };
        let running = self
            .case
            .deadlines
            .get(d.id.as_ref())
            .is_some_and(|r| r.stopped.is_none() && r.cancelled.is_none());
        if running || (self.case.closed.is_some() && !self.closed_here) {
            return;
        }
        let c = self.count(d, self.at);
        self.case.deadlines.insert(
            d.id.to_string(),
            DeadlineRecord {
                started: self.at,
                started_seq: self.seq,
                counted_from: c.from,
                last_day: c.last_day,
                due: c.due,
                extensions: Vec::new(),
                stopped: None,
                cancelled: None,
                warned: false,
                overdue: false,
            },
        );
        let rolled = (c.due != c.last_day).then(|| self.citation(calendar::LEGAL_CONCEPT));
        self.trace.entries.push(TraceEntry::DeadlineStarted {
            deadline: d.id.to_string(),
            due: c.due,
            from: (c.from != self.at.date()).then_some(c.from),
            late: c.late,
            rolled: rolled.map(|legal| Rolled {
                last_day: c.last_day,
                legal,
            }),
        });
    }

    /// Counts running deadlines again when the date fact they count from is recorded or
    /// corrected: the due date follows, and a reminder or overdue action may come again.
    pub(super) fn recount_deadlines(&mut self, slot: crate::model::index::FactSlot) {
        let wf = self.wf;
        for d in wf.deadlines.iter().filter(|d| d.from == Some(slot)) {
            let Some(r) = self.case.deadlines.get(d.id.as_ref()) else {
                continue;
            };
            if r.stopped.is_some() || r.cancelled.is_some() {
                continue;
            }
            let c = self.count(d, r.started);
            let extra: u32 = r.extensions.iter().map(|e| e.days).sum();
            let last_day = calendar::add_days(c.last_day, extra, d.unit.day_count());
            let due = if d.roll_forward {
                calendar::roll_forward(last_day)
            } else {
                last_day
            };
            let Some(r) = self.case.deadlines.get_mut(d.id.as_ref()) else {
                continue;
            };
            if r.due == due && r.counted_from == c.from {
                continue;
            }
            r.counted_from = c.from;
            r.last_day = last_day;
            r.due = due;
            r.warned = false;
            r.overdue = false;
            self.trace.entries.push(TraceEntry::DeadlineRecounted {
                deadline: d.id.to_string(),
                from: c.from,
                due,
            });
        }
    }

    /// Stops a running deadline (it is met).
    pub(super) fn stop_deadline(&mut self, i: usize) {
        let Some(d) = self.wf.deadlines.get(i) else {
            return;
        };
        if let Some(r) = self.case.deadlines.get_mut(d.id.as_ref())
            && r.stopped.is_none()
            && r.cancelled.is_none()
        {
            r.stopped = Some(self.at);
            self.trace.entries.push(TraceEntry::DeadlineStopped {
                deadline: d.id.to_string(),
                late: self.at.date() > r.due,
            });
        }
    }

    /// Cancels a running deadline: it ends without being met.
    pub(super) fn cancel_deadline(&mut self, i: usize) {
        let Some(d) = self.wf.deadlines.get(i) else {
            return;
        };
        if let Some(r) = self.case.deadlines.get_mut(d.id.as_ref())
            && r.stopped.is_none()
            && r.cancelled.is_none()
        {
            r.cancelled = Some(self.at);
            self.trace.entries.push(TraceEntry::DeadlineCancelled {
                deadline: d.id.to_string(),
                overdue: self.at.date() > r.due,
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
            .filter(|r| r.stopped.is_none() && r.cancelled.is_none())
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
        r.last_day = calendar::add_days(r.last_day, days, d.unit.day_count());
        r.due = if d.roll_forward {
            calendar::roll_forward(r.last_day)
        } else {
            r.last_day
        };
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
        let wf = self.wf;
        let closed = self.case.closed.as_ref().map(|c| c.at);
        for d in &wf.deadlines {
            let Some(r) = self.case.deadlines.get_mut(d.id.as_ref()) else {
                continue;
            };
            // A deadline's clock stops with the case, unless the closing started it.
            if r.stopped.is_some() || r.cancelled.is_some() || closed.is_some_and(|c| r.started < c)
            {
                continue;
            }
            let st = state(r, d.warn_days_before, d.unit.day_count(), self.at.date());
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
            self.emit(id, None, None, kind, legal);
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
    let decl = catalog
        .for_case(&case.workflow, &case.content_hash)
        .and_then(|c| c.workflow(&case.workflow))
        .and_then(|w| w.deadlines.iter().find(|d| d.id.as_ref() == deadline));
    let (warn, count) = decl.map_or((None, DayCount::CalendarDays), |d| {
        (d.warn_days_before, d.unit.day_count())
    });
    case.deadlines
        .get(deadline)
        .map_or(DeadlineState::NotStarted, |r| {
            state(r, warn, count, clock_day(case, r, at))
        })
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
        (Trigger::FactSet(a), Happening::FactSet(b)) => a == b,
        _ => false,
    }
}

/// The key a milestone is kept under in [`super::Case::milestones`]: `case_opened`,
/// `phase_entered:utredning`.
fn milestone(kind: &str, what: Option<&str>) -> String {
    match what {
        Some(what) => format!("{kind}:{what}"),
        None => kind.to_owned(),
    }
}

/// The key of the milestone a trigger names in [`super::Case::milestones`], or `None` for a fact set
/// (not a milestone).
pub fn milestone_key(wf: &crate::model::workflow::Workflow, trigger: &Trigger) -> Option<String> {
    let phase = |p: &crate::model::index::PhaseIdx| wf.phase(*p).map(|p| p.id.as_ref());
    Some(match trigger {
        Trigger::CaseOpened => milestone("case_opened", None),
        Trigger::CaseClosed => milestone("case_closed", None),
        Trigger::DecisionMade => milestone("decision_made", None),
        Trigger::PhaseEntered(p) => milestone("phase_entered", Some(phase(p)?)),
        Trigger::PhaseLeft(p) => milestone("phase_left", Some(phase(p)?)),
        Trigger::InstrumentCompleted(i) => milestone("instrument_completed", Some(i)),
        Trigger::FactSet(_) => return None,
    })
}
