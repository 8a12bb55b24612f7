//! Coverage as a plain-text table, with what is not covered listed under it.

use std::fmt::Write as _;

use super::{ConfigurationCoverage, Coverage, Ratio, Totals};

/// The coverage as a table (one row per configuration and a total), then the gaps, the
/// allowed gaps and what else is uncovered, per configuration.
pub fn render_table(coverage: &Coverage) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<20} {:<16} {:>4}  {:>7} {:>11} {:>7} {:>9} {:>5} {:>9} {:>9} {:>10} {:>7}",
        "unit",
        "workflow",
        "runs",
        "phases",
        "transitions",
        "rules",
        "mandatory",
        "hooks",
        "deadlines",
        "fell due",
        "conditions",
        "overall"
    );
    for c in &coverage.configurations {
        row(&mut out, &c.unit, &c.workflow, c.runs, &c.totals());
    }
    let runs = coverage.configurations.iter().map(|c| c.runs).sum();
    row(&mut out, "all", "", runs, &coverage.totals());
    let gaps = coverage.gaps();
    if gaps.is_empty() {
        let _ = writeln!(
            out,
            "\nEvery phase, transition and mandatory rule is covered (or allowed) in every configuration."
        );
    } else {
        let _ = writeln!(
            out,
            "\nGAPS: required and covered by no scenario ({}):",
            gaps.len()
        );
        for g in &gaps {
            let _ = writeln!(out, "  {g}");
        }
    }
    for c in &coverage.configurations {
        details(&mut out, c);
    }
    out
}

fn row(out: &mut String, unit: &str, workflow: &str, runs: usize, t: &Totals) {
    let r = |r: Ratio| format!("{}/{}", r.covered, r.total);
    let _ = writeln!(
        out,
        "{unit:<20} {workflow:<16} {runs:>4}  {:>7} {:>11} {:>7} {:>9} {:>5} {:>9} {:>9} {:>10} {:>6.1}%",
        r(t.phases),
        r(t.transitions),
        r(t.rules),
        r(t.mandatory_rules),
        r(t.hooks),
        r(t.deadlines_started),
        r(t.deadlines_due),
        r(t.condition_outcomes),
        t.overall.percent()
    );
}

fn details(out: &mut String, c: &ConfigurationCoverage) {
    let mut lines = Vec::new();
    for (what, i) in c.uncovered() {
        let note = match (&i.allowed, i.required) {
            (Some(reason), _) => format!(" (allowed: {reason})"),
            (None, true) => " (GAP: required)".to_owned(),
            (None, false) => String::new(),
        };
        lines.push(format!("{what} {} never covered{note}", i.id));
    }
    for d in &c.deadlines {
        match (d.started_by.is_empty(), d.due_by.is_empty()) {
            (true, _) => lines.push(format!("deadline {} never started", d.id)),
            (false, true) => lines.push(format!("deadline {} never fell due", d.id)),
            _ => {}
        }
    }
    for n in &c.conditions {
        let missing = match (n.seen_true, n.seen_false) {
            (true, true) => continue,
            (true, false) => "never false",
            (false, true) => "never true",
            (false, false) => "never evaluated",
        };
        lines.push(format!("condition {} {missing} ({})", n.path, n.owner));
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{} / {}: not covered", c.unit, c.workflow);
    for l in lines {
        let _ = writeln!(out, "  {l}");
    }
}
