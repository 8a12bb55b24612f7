//! Sessions held, cancelled and missed, counted per phase.

use super::{CancelledBy, Run, Session, SessionOutcome, TraceEntry, Warning};

impl Run<'_> {
    pub(super) fn session(&mut self, outcome: SessionOutcome) {
        let phase = self.case.phase.clone();
        self.case.sessions.push_back(Session {
            at: self.at,
            phase: phase.clone(),
            outcome,
        });
        self.case
            .session_counts
            .entry(phase.clone())
            .or_default()
            .add(outcome);
        if outcome == SessionOutcome::Held {
            self.case.last_session_held = Some(self.at);
        }
        let label = match outcome {
            SessionOutcome::Held => "held",
            SessionOutcome::NoShow => "no_show",
            SessionOutcome::Cancelled(CancelledBy::Client) => "cancelled_by_client",
            SessionOutcome::Cancelled(CancelledBy::Unit) => "cancelled_by_unit",
        };
        self.trace.entries.push(TraceEntry::Session {
            phase: phase.clone(),
            outcome: label.to_owned(),
        });
        if outcome == SessionOutcome::Held {
            let held = self.held_in_phase();
            let max = self
                .wf
                .phase(self.phase_idx())
                .and_then(|p| p.sessions.max.clone());
            if let Some(max) = max.map(|m| self.amount(&m))
                && held > max
            {
                self.warnings
                    .push(Warning::SessionsAboveMax { phase, held, max });
            }
        }
    }

    pub(super) fn held_in_phase(&self) -> u32 {
        self.case
            .session_counts
            .get(&self.case.phase)
            .map_or(0, |c| c.held)
    }
}
