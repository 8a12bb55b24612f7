//! A case seen by conditions: facts by slot, phase index, counts, elapsed days, deadlines.

use jiff::civil::DateTime;

use super::case::{Case, Person};
use super::event::FactValue;
use crate::model::calendar;
use crate::model::condition::Env;
use crate::model::fact::Fact;
use crate::model::fact::Value;
use crate::model::index::PersonIdx;
use crate::model::index::{CollectionIdx, DeadlineIdx, FactSlot, ParamIdx, PhaseIdx};
use crate::model::script::Builtin;
use crate::model::workflow::Workflow;
use crate::syntax::{CountKind, DayCount, DeadlineState, FactType, SinceEvent};

/// The condition environment for one case at one moment.
pub(crate) struct CaseEnv<'a> {
    pub(crate) wf: &'a Workflow,
    pub(crate) case: &'a Case,
    pub(crate) at: DateTime,
    pub(crate) slots: &'a [Option<Value>],
    /// The people's facts by collection, person and slot.
    pub(crate) people: &'a [Vec<Vec<Option<Value>>>],
    /// Each track's phase, while it runs.
    pub(crate) tracks: &'a [Option<PhaseIdx>],
    pub(crate) phase: PhaseIdx,
    pub(crate) params: &'a [u32],
    pub(crate) scripting: &'a crate::model::script::Scripting,
    /// The current event (`event` in scripts, made into a rhai map only when a script names it).
    pub(crate) event: Option<&'a super::Event>,
    /// Who sent it.
    pub(crate) by: Option<&'a super::Actor>,
    /// Script failures during this evaluation.
    pub(crate) errors: std::cell::RefCell<Vec<crate::model::script::ScriptError>>,
}

impl CaseEnv<'_> {
    /// A name scripts see besides facts: `phase`, `event` (as much of it as the script
    /// reads), `unit`. Made only for scripts that name it.
    pub(crate) fn builtin(&self, which: Builtin<'_>) -> rhai::Dynamic {
        match which {
            Builtin::Phase => rhai::Dynamic::from(self.case.phase.clone()),
            Builtin::Event(reads) => self.event.map_or(rhai::Dynamic::UNIT, |e| {
                super::event_map::event_map(e, self.by, Some(self.at), self.wf, reads)
            }),
            Builtin::Unit => rhai::Dynamic::from(self.case.unit.clone()),
        }
    }
}

/// The case's facts as condition values, by slot. Built once per step and kept in step with
/// every fact recorded, so evaluation never looks a fact up by name.
pub(crate) fn slots(wf: &Workflow, case: &Case) -> Vec<Option<Value>> {
    // Filled with `resize_with`: `vec![None; n]` clones the `None` into every place.
    let mut slots = Vec::new();
    slots.resize_with(wf.facts.len(), || None);
    for (name, value) in &case.facts {
        if let Some((slot, fact)) = wf.fact(name)
            && let Some(s) = slots.get_mut(usize::from(slot.0))
        {
            *s = to_value(fact, value);
        }
    }
    slots
}

/// The person at `idx` of a case (keys in order), with their key.
pub(crate) fn person_at<'c>(
    wf: &Workflow,
    case: &'c Case,
    idx: PersonIdx,
) -> Option<(&'c str, &'c Person)> {
    let collection = wf.people.get(usize::from(idx.collection.0))?;
    let (key, person) = case
        .people
        .get(collection.id.as_ref())?
        .iter()
        .nth(usize::try_from(idx.index).ok()?)?;
    Some((key.as_str(), person))
}

/// Whether a stored fact value fits the fact's type: exactly when [`to_value`] gives a value,
/// without making it (no text is copied).
pub(crate) fn fits(fact: &Fact, v: &FactValue) -> bool {
    match (fact.ty, v) {
        (FactType::Text, FactValue::Text(_)) => true,
        _ => to_value(fact, v).is_some(),
    }
}

/// A stored fact value as a condition value, if it fits the fact's type.
pub(crate) fn to_value(fact: &Fact, v: &FactValue) -> Option<Value> {
    match (fact.ty, v) {
        (FactType::Bool, FactValue::Bool(b)) => Some(Value::Bool(*b)),
        (FactType::Integer, FactValue::Integer(i)) => Some(Value::Integer(*i)),
        (FactType::Decimal, FactValue::Integer(i)) => Some(Value::Decimal(*i as f64)),
        // NaN and the infinities are not numbers a case can hold: NaN never equals itself (so a
        // replay could not equal the case) and neither survives the JSON form.
        (FactType::Decimal, FactValue::Decimal(d)) if d.is_finite() => Some(Value::Decimal(*d)),
        (FactType::Date, FactValue::Text(t)) => t.parse().ok().map(Value::Date),
        (FactType::Text, FactValue::Text(t)) => Some(Value::Text(t.as_str().into())),
        (FactType::Enum | FactType::ProtectionLevel, FactValue::Text(t)) => fact
            .values
            .iter()
            .position(|x| x.as_ref() == t)
            .and_then(|i| u16::try_from(i).ok())
            .map(Value::Enum),
        _ => None,
    }
}

impl Env for CaseEnv<'_> {
    fn fact(&self, slot: FactSlot) -> Option<&Value> {
        self.slots.get(usize::from(slot.0)).and_then(Option::as_ref)
    }

    fn phase(&self) -> PhaseIdx {
        self.phase
    }

    fn in_phase(&self, phase: PhaseIdx) -> bool {
        self.phase == phase || self.tracks.contains(&Some(phase))
    }

    fn completed(&self, instrument: &str) -> bool {
        self.case.instruments.contains_key(instrument)
    }

    fn band(&self, instrument: &str) -> Option<&str> {
        self.case
            .instruments
            .get(instrument)
            .and_then(|r| r.band.as_deref())
    }

    fn score(&self, instrument: &str) -> Option<f64> {
        self.case.instruments.get(instrument).and_then(|r| r.score)
    }

    fn count(&self, of: CountKind, phase: Option<PhaseIdx>) -> u32 {
        let counts = &self.case.session_counts;
        match phase.and_then(|p| self.wf.phase(p)) {
            Some(p) => counts.get(p.id.as_ref()).map_or(0, |c| c.of(of)),
            None if phase.is_some() => 0,
            None => counts.values().fold(0, |n, c| n.saturating_add(c.of(of))),
        }
    }

    fn elapsed_days(&self, since: SinceEvent, count: DayCount) -> Option<i64> {
        let from = match since {
            SinceEvent::CaseOpened => self.case.opened,
            SinceEvent::PhaseEntered => self.case.phase_entered,
            SinceEvent::LastSession => self.case.last_session_held,
            SinceEvent::LastEvent => self.case.events.last().map(|r| r.at),
        }?;
        Some(calendar::days_between(from.date(), self.at.date(), count))
    }

    fn deadline(&self, deadline: DeadlineIdx) -> DeadlineState {
        let Some(d) = self.wf.deadlines.get(usize::from(deadline.0)) else {
            return DeadlineState::NotStarted;
        };
        match self.case.deadlines.get(d.id.as_ref()) {
            None => DeadlineState::NotStarted,
            Some(r) => super::deadlines::state(
                r,
                d.warn_days_before,
                d.unit.day_count(),
                super::deadlines::clock_day(self.case, r, self.at),
            ),
        }
    }

    fn today(&self) -> Option<jiff::civil::Date> {
        Some(self.at.date())
    }

    fn parameter(&self, param: ParamIdx) -> u32 {
        self.params.get(usize::from(param.0)).copied().unwrap_or(0)
    }

    fn people(&self, collection: CollectionIdx) -> u32 {
        self.people
            .get(usize::from(collection.0))
            .map_or(0, |p| u32::try_from(p.len()).unwrap_or(u32::MAX))
    }

    fn person_fact(&self, person: PersonIdx, slot: FactSlot) -> Option<&Value> {
        self.people
            .get(usize::from(person.collection.0))?
            .get(usize::try_from(person.index).ok()?)?
            .get(usize::from(slot.0))?
            .as_ref()
    }

    fn person_completed(&self, person: PersonIdx, instrument: &str) -> bool {
        person_at(self.wf, self.case, person)
            .is_some_and(|(_, p)| p.instruments.contains_key(instrument))
    }

    fn person_band(&self, person: PersonIdx, instrument: &str) -> Option<&str> {
        let (_, p) = person_at(self.wf, self.case, person)?;
        p.instruments.get(instrument)?.band.as_deref()
    }

    fn person_score(&self, person: PersonIdx, instrument: &str) -> Option<f64> {
        let (_, p) = person_at(self.wf, self.case, person)?;
        p.instruments.get(instrument)?.score
    }

    fn script(&self, script: &crate::model::script::Script) -> bool {
        match script.eval_bool(self.scripting, self.wf, self.slots, &|b| self.builtin(b)) {
            Ok(value) => value,
            Err(error) => {
                self.errors.borrow_mut().push(error);
                false
            }
        }
    }
}
