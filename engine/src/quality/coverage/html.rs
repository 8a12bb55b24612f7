//! Coverage as one self-contained HTML page (no JavaScript, no external files): per
//! configuration the figures, the phase graph drawn as SVG with uncovered phases and
//! transitions marked, and the lists of what is not covered.

use std::collections::VecDeque;
use std::fmt::Write as _;

use super::{ConfigurationCoverage, Coverage, Item, Ratio};
use crate::Catalog;
use crate::model::workflow::Workflow;

const NODE_W: usize = 190;
const NODE_H: usize = 44;
const GAP_X: usize = 24;
const GAP_Y: usize = 70;
const MARGIN: usize = 20;

/// The coverage as an HTML page.
pub fn render_html(catalog: &Catalog, coverage: &Coverage) -> String {
    let mut out = String::from(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Lots scenario coverage</title>\n<style>\n\
         body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n\
         table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}\n\
         th:first-child,td:first-child{text-align:left}\n\
         .gap{color:#b00020;font-weight:bold}.ok{color:#1e7d32}\n\
         .legend span{display:inline-block;margin-right:1.5em}\n\
         svg text{font-size:12px;font-family:system-ui,sans-serif}\n\
         </style>\n</head>\n<body>\n<h1>Scenario coverage</h1>\n",
    );
    let totals = coverage.totals();
    let gaps = coverage.gaps();
    let _ = writeln!(
        out,
        "<p>Overall {:.1}% over {} configurations. {}</p>",
        totals.overall.percent(),
        coverage.configurations.len(),
        if gaps.is_empty() {
            "<span class=\"ok\">Every phase, transition and mandatory rule is covered or allowed.</span>".to_owned()
        } else {
            format!(
                "<span class=\"gap\">{} required item(s) covered by no scenario.</span>",
                gaps.len()
            )
        }
    );
    out.push_str(
        "<p class=\"legend\"><span class=\"ok\">■ green: entered / taken</span>\
         <span class=\"gap\">■ red, dashed: never covered</span>\
         <span>hover a phase or arrow for the scenarios that cover it</span></p>\n",
    );
    for c in &coverage.configurations {
        section(&mut out, catalog, c);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn section(out: &mut String, catalog: &Catalog, c: &ConfigurationCoverage) {
    let t = c.totals();
    let _ = writeln!(
        out,
        "<h2>{} — {}</h2>\n<p>{} scenario run(s).</p>",
        esc(&c.unit),
        esc(&c.workflow),
        c.runs
    );
    out.push_str("<table><tr><th>what</th><th>covered</th><th>of</th><th>%</th></tr>\n");
    for (name, r) in [
        ("phases entered", t.phases),
        ("transitions taken", t.transitions),
        ("rules fired", t.rules),
        ("mandatory rules fired", t.mandatory_rules),
        ("hooks run", t.hooks),
        ("deadlines started", t.deadlines_started),
        ("deadlines fallen due", t.deadlines_due),
        ("condition outcomes (true and false)", t.condition_outcomes),
        ("overall", t.overall),
    ] {
        let _ = writeln!(out, "{}", table_row(name, r));
    }
    out.push_str("</table>\n");
    if let Some(wf) = catalog.workflow(&c.workflow) {
        graph(out, wf, c);
    }
    let mut missing = Vec::new();
    for (what, i) in c.uncovered() {
        missing.push(match (&i.allowed, i.required) {
            (Some(r), _) => format!("{what} <code>{}</code> — allowed: {}", esc(&i.id), esc(r)),
            (None, true) => format!(
                "<span class=\"gap\">{what} <code>{}</code> — required, covered by no scenario</span>",
                esc(&i.id)
            ),
            (None, false) => format!("{what} <code>{}</code>", esc(&i.id)),
        });
    }
    for d in &c.deadlines {
        if d.started_by.is_empty() {
            missing.push(format!(
                "deadline <code>{}</code> never started",
                esc(&d.id)
            ));
        } else if d.due_by.is_empty() {
            missing.push(format!(
                "deadline <code>{}</code> never fell due",
                esc(&d.id)
            ));
        }
    }
    let half = c
        .conditions
        .iter()
        .filter(|n| !(n.seen_true && n.seen_false))
        .count();
    if half > 0 {
        missing.push(format!(
            "{half} condition node(s) not seen both true and false (see <code>lots test --coverage</code>)"
        ));
    }
    if missing.is_empty() {
        out.push_str("<p class=\"ok\">Everything covered.</p>\n");
    } else {
        out.push_str("<h3>Not covered</h3>\n<ul>\n");
        for m in missing {
            let _ = writeln!(out, "<li>{m}</li>");
        }
        out.push_str("</ul>\n");
    }
}

fn table_row(name: &str, r: Ratio) -> String {
    format!(
        "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{:.1}</td></tr>",
        r.covered,
        r.total,
        r.percent()
    )
}

/// The phase graph in layers by distance from the start phase; terminal phases last.
fn graph(out: &mut String, wf: &Workflow, c: &ConfigurationCoverage) {
    let n = wf.phases.len();
    let mut depth = vec![usize::MAX; n];
    let start = usize::from(wf.start.0);
    let mut queue = VecDeque::new();
    if let Some(d) = depth.get_mut(start) {
        *d = 0;
        queue.push_back(start);
    }
    while let Some(i) = queue.pop_front() {
        let next = depth.get(i).copied().unwrap_or(0) + 1;
        for t in wf.transitions.iter().filter(|t| usize::from(t.from.0) == i) {
            if let Some(d) = depth.get_mut(usize::from(t.to.0))
                && *d == usize::MAX
            {
                *d = next;
                queue.push_back(usize::from(t.to.0));
            }
        }
    }
    let deepest = depth
        .iter()
        .filter(|d| **d != usize::MAX)
        .max()
        .copied()
        .unwrap_or(0);
    let layer_of = |i: usize| {
        let terminal = wf.phases.get(i).is_some_and(|p| p.terminal);
        match depth.get(i).copied() {
            Some(d) if d != usize::MAX && !terminal => d,
            _ => deepest + 1,
        }
    };
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); deepest + 2];
    for i in 0..n {
        if let Some(l) = layers.get_mut(layer_of(i)) {
            l.push(i);
        }
    }
    layers.retain(|l| !l.is_empty());
    let widest = layers.iter().map(Vec::len).max().unwrap_or(1);
    let width = 2 * MARGIN + widest * (NODE_W + GAP_X);
    let height = 2 * MARGIN + layers.len() * (NODE_H + GAP_Y);
    let mut pos = vec![(0usize, 0usize); n];
    for (li, layer) in layers.iter().enumerate() {
        let row_w = layer.len() * (NODE_W + GAP_X);
        let x0 = (width - row_w) / 2 + GAP_X / 2;
        for (k, &i) in layer.iter().enumerate() {
            if let Some(p) = pos.get_mut(i) {
                *p = (x0 + k * (NODE_W + GAP_X), MARGIN + li * (NODE_H + GAP_Y));
            }
        }
    }
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" \
         aria-label=\"phase graph of {}\">\n<defs>\
         <marker id=\"ok\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#1e7d32\"/></marker>\
         <marker id=\"no\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#b00020\"/></marker>\
         </defs>",
        esc(&c.workflow)
    );
    for (ti, t) in wf.transitions.iter().enumerate() {
        let (Some(&(x1, y1)), Some(&(x2, y2))) =
            (pos.get(usize::from(t.from.0)), pos.get(usize::from(t.to.0)))
        else {
            continue;
        };
        let Some(item) = c.transitions.get(ti) else {
            continue;
        };
        // Leave from the bottom, arrive at the top; a bend keeps parallel arrows apart.
        let (sx, sy) = (x1 + NODE_W / 2, y1 + NODE_H);
        let (ex, ey) = (x2 + NODE_W / 2, y2);
        let bend = (ti % 5) as f64 * 12.0 - 24.0;
        let (cx, cy) = (
            (sx + ex) as f64 / 2.0 + bend,
            (sy + ey) as f64 / 2.0 - if ey <= sy { 60.0 } else { 0.0 },
        );
        let (stroke, dash, marker) = style(item);
        let _ = writeln!(
            out,
            "<path d=\"M{sx},{sy} Q{cx:.0},{cy:.0} {ex},{ey}\" fill=\"none\" stroke=\"{stroke}\" \
             stroke-width=\"1.6\"{dash} marker-end=\"url(#{marker})\"><title>{}</title></path>",
            tooltip(item)
        );
    }
    for (i, phase) in wf.phases.iter().enumerate() {
        let (Some(&(x, y)), Some(item)) = (pos.get(i), c.phases.get(i)) else {
            continue;
        };
        let (stroke, dash, _) = style(item);
        let fill = if item.covered() { "#e8f5e9" } else { "#fdecea" };
        let rx = if phase.terminal { 20 } else { 4 };
        let _ = writeln!(
            out,
            "<g><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"{rx}\" \
             fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.6\"{dash}/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
            tooltip(item),
            x + NODE_W / 2,
            y + NODE_H / 2 + 4,
            esc(&phase.id)
        );
    }
    out.push_str("</svg>\n");
}

fn style(item: &Item) -> (&'static str, &'static str, &'static str) {
    if item.covered() {
        ("#1e7d32", "", "ok")
    } else {
        ("#b00020", " stroke-dasharray=\"6 4\"", "no")
    }
}

fn tooltip(item: &Item) -> String {
    let by: Vec<&str> = item.by.iter().map(String::as_str).collect();
    let text = match (&item.allowed, by.is_empty()) {
        (_, false) => format!("{}: covered by {}", item.id, by.join(", ")),
        (Some(reason), true) => format!("{}: not covered (allowed: {reason})", item.id),
        (None, true) => format!("{}: not covered", item.id),
    };
    esc(&text)
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
