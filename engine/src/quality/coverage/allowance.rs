//! Reading a `CoverageAllowance` file against a coverage, and applying it.

use crate::catalog::lower::Ctx;
use crate::catalog::parse;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, SourceFile};
use crate::syntax::{AllowanceFile, Spanned};

use super::{Coverage, Item};

/// Accepted gaps, checked against the configurations they name.
#[derive(Debug, Clone, Default)]
pub struct Allowance {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    workflow: String,
    unit: Option<String>,
    what: What,
    id: String,
    reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Phase,
    Transition,
    Rule,
}

/// Reads an allowance file. Every entry must name a workflow, unit, phase, transition or rule
/// that the coverage holds, and give a reason; every problem is a diagnostic.
pub fn load_allowance(source: &SourceFile, coverage: &Coverage) -> Result<Allowance, Diagnostics> {
    let mut diags = Diagnostics::default();
    let Some(file) = parse::from_str::<AllowanceFile>(source, &mut diags) else {
        return Err(diags);
    };
    let mut ctx = Ctx {
        source,
        diags: &mut diags,
    };
    let mut entries = Vec::new();
    for a in &file.allow {
        let configs: Vec<_> = coverage
            .configurations
            .iter()
            .filter(|c| c.workflow == a.workflow.value)
            .collect();
        if configs.is_empty() {
            let names = coverage.configurations.iter().map(|c| c.workflow.as_str());
            ctx.unknown(Code::UnknownWorkflow, None, "workflow", &a.workflow, names);
            continue;
        }
        let configs: Vec<_> = match &a.unit {
            Some(u) => {
                let found: Vec<_> = configs
                    .iter()
                    .copied()
                    .filter(|c| c.unit == u.value)
                    .collect();
                if found.is_empty() {
                    let owner = format!("workflow `{}`", a.workflow.value);
                    let names = configs.iter().map(|c| c.unit.as_str());
                    ctx.unknown(Code::UnknownUnit, Some(&owner), "unit running", u, names);
                    continue;
                }
                found
            }
            None => configs,
        };
        let (what, id): (What, &Spanned<String>) = match (&a.phase, &a.transition, &a.rule) {
            (Some(p), None, None) => (What::Phase, p),
            (None, Some(t), None) => (What::Transition, t),
            (None, None, Some(r)) => (What::Rule, r),
            _ => {
                ctx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        "an allowance names exactly one of `phase`, `transition` or `rule`",
                    )
                    .at(source, a.workflow.span)
                    .label("this entry")
                    .help("split it into one entry per phase, transition or rule"),
                );
                continue;
            }
        };
        let id_value = normalise(what, &id.value);
        let Some(first) = configs.first() else {
            continue;
        };
        let known: &[Item] = match what {
            What::Phase => &first.phases,
            What::Transition => &first.transitions,
            What::Rule => &first.rules,
        };
        if !known.iter().any(|i| i.id == id_value) {
            let (code, label) = match what {
                What::Phase => (Code::UnknownPhase, "phase"),
                What::Transition => (Code::UnknownPhase, "transition"),
                What::Rule => (Code::UnknownRule, "rule running"),
            };
            let owner = format!("workflow `{}`", a.workflow.value);
            let names = known.iter().map(|i| i.id.as_str());
            let spelled = Spanned {
                value: id_value.clone(),
                span: id.span,
            };
            ctx.unknown(code, Some(&owner), label, &spelled, names);
            continue;
        }
        if a.reason.value.trim().is_empty() {
            ctx.push(
                Diagnostic::new(Code::InvalidValue, "an allowance needs a reason")
                    .at(source, a.reason.span)
                    .label("empty")
                    .help(
                        "say why no scenario can or need cover it; reviewers read it in the report",
                    ),
            );
            continue;
        }
        entries.push(Entry {
            workflow: a.workflow.value.clone(),
            unit: a.unit.as_ref().map(|u| u.value.clone()),
            what,
            id: id_value,
            reason: a.reason.value.trim().to_owned(),
        });
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Allowance { entries })
}

/// `from->to` and `from → to` are the same transition as `from -> to` (and `a -> b (2)`
/// keeps its suffix, as part of `to`).
fn normalise(what: What, id: &str) -> String {
    if what != What::Transition {
        return id.trim().to_owned();
    }
    let parts: Vec<&str> = id
        .split("->")
        .flat_map(|p| p.split('→'))
        .map(str::trim)
        .collect();
    match parts.as_slice() {
        [from, to] => super::transition_id(from, to),
        _ => id.trim().to_owned(),
    }
}

impl Coverage {
    /// Marks what the allowance accepts. Returns the entries that accept nothing because a
    /// scenario covers the item now (`unit workflow id`): they should be removed.
    pub fn allow(&mut self, allowance: &Allowance) -> Vec<String> {
        let mut unneeded = Vec::new();
        for e in &allowance.entries {
            for c in self.configurations.iter_mut().filter(|c| {
                c.workflow == e.workflow && e.unit.as_ref().is_none_or(|u| *u == c.unit)
            }) {
                let items = match e.what {
                    What::Phase => &mut c.phases,
                    What::Transition => &mut c.transitions,
                    What::Rule => &mut c.rules,
                };
                if let Some(item) = items.iter_mut().find(|i| i.id == e.id) {
                    if item.covered() {
                        unneeded.push(format!("{} {} {}", c.unit, c.workflow, e.id));
                    } else {
                        item.allowed = Some(e.reason.clone());
                    }
                }
            }
        }
        unneeded
    }
}
