//! Phase-graph checks with petgraph: unreachable phases, dead ends, no way to a terminal phase.
//!
//! Works on the checked [`Workflow`] only; reports every problem and never stops early.

use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::condition::Amount;
use crate::model::index::TrackIdx;
use crate::model::workflow::Workflow;

/// The phase graph: one node per phase (node index = phase index), one edge per transition.
pub fn phase_graph(wf: &Workflow) -> DiGraph<(), ()> {
    let mut g = DiGraph::with_capacity(wf.phases.len(), wf.transitions.len());
    for _ in &wf.phases {
        g.add_node(());
    }
    for t in &wf.transitions {
        g.add_edge(node(t.from.0), node(t.to.0), ());
    }
    g
}

pub(crate) fn node(idx: u16) -> NodeIndex {
    NodeIndex::new(usize::from(idx))
}

/// Output format of [`render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// The phase graph in words: phases with their required instruments and expected sessions,
/// transitions labelled with their conditions, the start and terminal phases marked. With a
/// unit, parameter values are the unit's.
pub fn render(
    wf: &Workflow,
    unit: Option<&crate::model::unit::Unit>,
    format: GraphFormat,
) -> String {
    let value = |a: &Amount| -> u32 {
        match a {
            Amount::Value(v) => *v,
            Amount::Param(p, id) => unit
                .and_then(|u| {
                    u.parameters
                        .iter()
                        .find(|(w, pid, _)| *w == wf.id && pid == id)
                        .map(|(_, _, v)| *v)
                })
                .unwrap_or_else(|| wf.param_default(*p)),
        }
    };
    let phase_label = |p: &crate::model::workflow::Phase| {
        let mut lines = vec![p.title.clone()];
        if !p.required.is_empty() {
            let req: Vec<&str> = p.required.iter().map(AsRef::as_ref).collect();
            lines.push(format!("required: {}", req.join(", ")));
        }
        match (&p.sessions.min, &p.sessions.max) {
            (Some(a), Some(b)) => lines.push(format!("sessions: {}–{}", value(a), value(b))),
            (Some(a), None) => lines.push(format!("sessions: at least {}", value(a))),
            (None, Some(b)) => lines.push(format!("sessions: at most {}", value(b))),
            (None, None) => {}
        }
        if !p.join.is_empty() {
            let join: Vec<&str> = p
                .join
                .iter()
                .filter_map(|k| wf.tracks.get(usize::from(k.0)))
                .map(|t| t.id.as_ref())
                .collect();
            lines.push(format!("join: {}", join.join(", ")));
        }
        if p.terminal {
            lines.push(if p.track.is_some() {
                "(track done)".to_owned()
            } else {
                "(terminal)".to_owned()
            });
        }
        lines
    };
    let edge_label = |t: &crate::model::workflow::Transition| {
        let mut parts = Vec::new();
        if let Some(title) = &t.title {
            parts.push(title.clone());
        }
        if let Some(w) = &t.when {
            parts.push(format!("when {}", w.root));
        }
        if t.trigger == crate::syntax::TriggerMode::Automatic {
            parts.push("(automatic)".to_owned());
        }
        parts
    };
    let mut out = String::new();
    match format {
        GraphFormat::Dot => {
            out.push_str(&format!("digraph \"{}\" {{\n", dot_escape(&wf.id)));
            out.push_str(&format!(
                "  label=\"{} (version {})\";\n  labelloc=t;\n  node [shape=box, style=rounded];\n",
                dot_escape(&wf.title),
                wf.version
            ));
            out.push_str("  __start [shape=point, label=\"\"];\n");
            let node_line = |p: &crate::model::workflow::Phase, indent: &str| {
                let label: Vec<String> = phase_label(p).iter().map(|l| dot_escape(l)).collect();
                let shape = if p.terminal { ", peripheries=2" } else { "" };
                format!(
                    "{indent}\"{}\" [label=\"{}\"{shape}];\n",
                    dot_escape(&p.id),
                    label.join("\\n")
                )
            };
            for p in wf.phases.iter().filter(|p| p.track.is_none()) {
                out.push_str(&node_line(p, "  "));
            }
            // Each parallel track is a cluster of its phases, started from its phase.
            for (k, t) in (0u16..).zip(&wf.tracks) {
                let owner = t
                    .owner
                    .as_ref()
                    .map(|o| format!(" [{o}]"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  subgraph \"cluster_{}\" {{\n    label=\"{}{}\";\n    style=dashed;\n",
                    dot_escape(&t.id),
                    dot_escape(&t.title),
                    dot_escape(&owner)
                ));
                for p in wf.phases.iter().filter(|p| p.track == Some(TrackIdx(k))) {
                    out.push_str(&node_line(p, "    "));
                }
                out.push_str("  }\n");
                if let (Some(parent), Some(start)) = (wf.phase(t.parent), wf.phase(t.start)) {
                    out.push_str(&format!(
                        "  \"{}\" -> \"{}\" [style=dotted, label=\"spår startar\"];\n",
                        dot_escape(&parent.id),
                        dot_escape(&start.id)
                    ));
                }
            }
            if let Some(start) = wf.phase(wf.start) {
                out.push_str(&format!("  __start -> \"{}\";\n", dot_escape(&start.id)));
            }
            for t in &wf.transitions {
                let (Some(from), Some(to)) = (wf.phase(t.from), wf.phase(t.to)) else {
                    continue;
                };
                let label: Vec<String> = edge_label(t).iter().map(|l| dot_escape(l)).collect();
                let style = if t.trigger == crate::syntax::TriggerMode::Automatic {
                    ", style=dashed"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "  \"{}\" -> \"{}\" [label=\"{}\"{style}];\n",
                    dot_escape(&from.id),
                    dot_escape(&to.id),
                    label.join("\\n")
                ));
            }
            out.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            out.push_str(&format!(
                "---\ntitle: {} (version {})\n---\nflowchart TD\n",
                mermaid_escape(&wf.title),
                wf.version
            ));
            out.push_str("  __start(( ))\n");
            let node_line = |p: &crate::model::workflow::Phase, indent: &str| {
                let label: Vec<String> = phase_label(p).iter().map(|l| mermaid_escape(l)).collect();
                let (open, close) = if p.terminal { ("([", "])") } else { ("[", "]") };
                format!("{indent}{}{open}\"{}\"{close}\n", p.id, label.join("<br/>"))
            };
            for p in wf.phases.iter().filter(|p| p.track.is_none()) {
                out.push_str(&node_line(p, "  "));
            }
            for (k, t) in (0u16..).zip(&wf.tracks) {
                let owner = t
                    .owner
                    .as_ref()
                    .map(|o| format!(" [{o}]"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  subgraph track_{}[\"{}{}\"]\n",
                    t.id,
                    mermaid_escape(&t.title),
                    mermaid_escape(&owner)
                ));
                for p in wf.phases.iter().filter(|p| p.track == Some(TrackIdx(k))) {
                    out.push_str(&node_line(p, "    "));
                }
                out.push_str("  end\n");
                if let (Some(parent), Some(start)) = (wf.phase(t.parent), wf.phase(t.start)) {
                    out.push_str(&format!(
                        "  {} -.->|spår startar| {}\n",
                        parent.id, start.id
                    ));
                }
            }
            if let Some(start) = wf.phase(wf.start) {
                out.push_str(&format!("  __start --> {}\n", start.id));
            }
            for t in &wf.transitions {
                let (Some(from), Some(to)) = (wf.phase(t.from), wf.phase(t.to)) else {
                    continue;
                };
                let label: Vec<String> = edge_label(t).iter().map(|l| mermaid_escape(l)).collect();
                let arrow = if t.trigger == crate::syntax::TriggerMode::Automatic {
                    "-.->"
                } else {
                    "-->"
                };
                if label.is_empty() {
                    out.push_str(&format!("  {} {arrow} {}\n", from.id, to.id));
                } else {
                    out.push_str(&format!(
                        "  {} {arrow}|\"{}\"| {}\n",
                        from.id,
                        label.join("<br/>"),
                        to.id
                    ));
                }
            }
        }
    }
    out
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', " ")
}
