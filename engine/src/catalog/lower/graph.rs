//! Graph checks of a workflow: every phase reachable, every case able to end.

use super::ctx::Ctx;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::graph::{node, phase_graph};
use crate::model::workflow::Workflow;
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::{Bfs, Reversed};

/// Runs every graph check on a workflow.
pub(crate) fn check(ctx: &mut Ctx<'_>, wf: &Workflow) {
    let g = phase_graph(wf);
    // Entering a phase starts its tracks: for reachability, the phase leads to their starts.
    let mut forks = g.clone();
    for t in &wf.tracks {
        forks.add_edge(node(t.parent.0), node(t.start.0), ());
    }
    let mut reachable = vec![false; wf.phases.len()];
    let mut bfs = Bfs::new(&forks, node(wf.start.0));
    while let Some(n) = bfs.next(&forks) {
        if let Some(r) = reachable.get_mut(n.index()) {
            *r = true;
        }
    }
    let mut reaches_terminal = vec![false; wf.phases.len()];
    let reversed = Reversed(&g);
    for (i, phase) in wf.phases.iter().enumerate() {
        if phase.terminal {
            let mut bfs = Bfs::new(reversed, NodeIndex::new(i));
            while let Some(n) = bfs.next(reversed) {
                if let Some(r) = reaches_terminal.get_mut(n.index()) {
                    *r = true;
                }
            }
        }
    }
    // A track's terminal phase ends the track: a phase of it must reach one of the track's.
    for (k, t) in wf.tracks.iter().enumerate() {
        if !reaches_terminal
            .get(usize::from(t.start.0))
            .copied()
            .unwrap_or(true)
        {
            let (Some(parent), Some(start)) = (wf.phase(t.parent), wf.phase(t.start)) else {
                continue;
            };
            if parent.join.iter().any(|j| usize::from(j.0) == k) {
                ctx.push(
                    Diagnostic::new(
                        Code::JoinNeverDone,
                        format!(
                            "phase `{}` waits for track `{}`, which can never reach a terminal phase from `{}`",
                            parent.id, t.id, start.id
                        ),
                    )
                    .at(ctx.source, t.span)
                    .label("never done")
                    .help(format!(
                        "add a terminal phase to track `{}` and a way into it, or leave the track out of the phase's `join`",
                        t.id
                    )),
                );
            }
        }
    }
    let start_id = wf.phase(wf.start).map_or("", |p| p.id.as_ref());
    for (i, phase) in wf.phases.iter().enumerate() {
        let n_out = g
            .neighbors_directed(NodeIndex::new(i), Direction::Outgoing)
            .count();
        if !reachable.get(i).copied().unwrap_or(true) {
            ctx.push(
                Diagnostic::new(
                    Code::UnreachablePhase,
                    match phase.track.and_then(|k| wf.tracks.get(usize::from(k.0))) {
                        Some(t) => format!(
                            "phase `{}` cannot be reached from the start of track `{}`",
                            phase.id, t.id
                        ),
                        None => format!(
                            "phase `{}` cannot be reached from the start phase `{start_id}`",
                            phase.id
                        ),
                    },
                )
                .at(ctx.source, phase.span)
                .label("never entered")
                .help(format!(
                    "add a transition into `{}`, or remove the phase",
                    phase.id
                )),
            );
        }
        if phase.terminal && n_out > 0 {
            let t = wf.transitions.iter().find(|t| usize::from(t.from.0) == i);
            let mut d = Diagnostic::new(
                Code::TerminalWithExits,
                format!("terminal phase `{}` has transitions out of it", phase.id),
            )
            .at(ctx.source, phase.span)
            .label("ends the case")
            .help("a closed case cannot move on: remove the transitions, or make the phase non-terminal");
            if let Some(t) = t {
                d = d.note(t.from_span, "transition out of it");
            }
            ctx.push(d);
        } else if !phase.terminal && n_out == 0 {
            ctx.push(
                Diagnostic::new(
                    Code::DeadEnd,
                    format!("phase `{}` is not terminal and has no way out", phase.id),
                )
                .at(ctx.source, phase.span)
                .label("cases would be stuck here")
                .help("add a transition out of it, or mark it `terminal: true`"),
            );
        } else if !phase.terminal && !reaches_terminal.get(i).copied().unwrap_or(true) {
            ctx.push(
                Diagnostic::new(
                    Code::NoTerminalPath,
                    format!("no terminal phase can be reached from phase `{}`", phase.id),
                )
                .at(ctx.source, phase.span)
                .label("cases entering here can never be closed")
                .help("add a transition from this phase (or one it leads to) to a terminal phase"),
            );
        }
    }
}
