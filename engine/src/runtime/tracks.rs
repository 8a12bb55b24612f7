//! Parallel tracks: entering a phase starts its tracks, each track moves along its own
//! transitions, and the case leaves the phase when the tracks of its join are done (each in a
//! terminal phase of its own).

use super::reason::TrackWaiting;
use super::{Case, Happening, Run, TraceEntry, TrackState};
use crate::model::index::{PhaseIdx, TrackIdx};
use crate::model::workflow::{Phase, Transition, Workflow};

/// Each track's phase while the case is in the track's phase (`None` otherwise), by track.
pub(crate) fn positions(wf: &Workflow, case: &Case) -> Vec<Option<PhaseIdx>> {
    if wf.tracks.is_empty() {
        return Vec::new();
    }
    let current = wf.phase_idx(&case.phase);
    wf.tracks
        .iter()
        .map(|t| {
            (current == Some(t.parent))
                .then(|| case.tracks.get(t.id.as_ref()))
                .flatten()
                .and_then(|s| wf.phase_idx(&s.phase))
        })
        .collect()
}

impl Run<'_> {
    /// Whether the case, or one of its running tracks, is in `phase`.
    pub(super) fn is_at(&self, phase: PhaseIdx) -> bool {
        self.phase == phase || self.tracks.contains(&Some(phase))
    }

    /// Starts the tracks of a phase the case enters, each in its start phase.
    pub(super) fn start_tracks(&mut self, phase: PhaseIdx) {
        let Some(p) = self.wf.phase(phase) else {
            return;
        };
        for k in &p.tracks {
            let Some(track) = self.wf.tracks.get(usize::from(k.0)) else {
                continue;
            };
            let Some(start) = self.wf.phase(track.start) else {
                continue;
            };
            self.case.tracks.insert(
                track.id.to_string(),
                TrackState {
                    phase: start.id.to_string(),
                    entered: self.at,
                },
            );
            if let Some(slot) = self.tracks.get_mut(usize::from(k.0)) {
                *slot = Some(track.start);
            }
            self.trace.entries.push(TraceEntry::TrackStarted {
                track: track.id.to_string(),
                phase: start.id.to_string(),
            });
            self.happened.push(Happening::PhaseEntered(track.start));
        }
    }

    /// The case leaves a phase: its tracks stop running (where they stood stays in the case).
    pub(super) fn leave_tracks(&mut self, phase: PhaseIdx) {
        let Some(p) = self.wf.phase(phase) else {
            return;
        };
        for k in &p.tracks {
            if let Some(slot) = self.tracks.get_mut(usize::from(k.0))
                && let Some(at) = slot.take()
            {
                self.happened.push(Happening::PhaseLeft(at));
            }
        }
    }

    /// Moves one track along one of its transitions.
    pub(super) fn move_track(&mut self, track: TrackIdx, t: &Transition, automatic: bool) {
        let (Some(decl), Some(from), Some(to)) = (
            self.wf.tracks.get(usize::from(track.0)),
            self.wf.phase(t.from),
            self.wf.phase(t.to),
        ) else {
            return;
        };
        self.trace.entries.push(TraceEntry::PhaseEntered {
            from: from.id.to_string(),
            to: to.id.to_string(),
            automatic,
            transition: self.transition_index(t),
        });
        self.case.tracks.insert(
            decl.id.to_string(),
            TrackState {
                phase: to.id.to_string(),
                entered: self.at,
            },
        );
        if let Some(slot) = self.tracks.get_mut(usize::from(track.0)) {
            *slot = Some(t.to);
        }
        self.happened.push(Happening::PhaseLeft(t.from));
        self.happened.push(Happening::PhaseEntered(t.to));
    }

    /// The tracks of a phase's join that are not done, with where they stand.
    pub(super) fn tracks_waiting(&self, phase: &Phase) -> Vec<TrackWaiting> {
        phase
            .join
            .iter()
            .filter_map(|k| {
                let track = self.wf.tracks.get(usize::from(k.0))?;
                let at = self.tracks.get(usize::from(k.0)).copied().flatten();
                let at = at.and_then(|p| self.wf.phase(p));
                if at.is_some_and(|p| p.terminal) {
                    return None;
                }
                Some(TrackWaiting {
                    track: track.id.to_string(),
                    title: track.title.clone(),
                    owner: track.owner.as_ref().map(ToString::to_string),
                    phase: at.map_or_else(String::new, |p| p.id.to_string()),
                })
            })
            .collect()
    }
}
