//! `lots show`: a workflow's effective configuration in a unit, marked where it differs from
//! the base.

use std::io::Write;

use lots::runtime::active_rules;
use lots::syntax::RuleScope;
use lots::unit::HookKind;

use crate::cli::ShowArgs;
use crate::exit::ExitStatus;
use crate::report;

pub(crate) fn run(args: &ShowArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let Some(catalog) = report::load_clean(&args.paths)? else {
        return Ok(ExitStatus::Findings);
    };
    let Some(wf) = catalog.workflow(&args.workflow) else {
        anyhow::bail!("no workflow `{}`", args.workflow);
    };
    let Some(unit) = catalog.unit(&args.unit) else {
        anyhow::bail!("no unit `{}`", args.unit);
    };
    let Some(config) = unit.configuration(&wf.id) else {
        anyhow::bail!("unit `{}` does not run workflow `{}`", unit.id, wf.id);
    };
    writeln!(
        out,
        "{} ({}) in {} ({})",
        wf.title, wf.id, unit.title, unit.id
    )?;
    writeln!(
        out,
        "workflow version {} ({})\n",
        wf.version, wf.content_hash
    )?;
    writeln!(out, "parameters (base → unit):")?;
    for (p, &value) in wf.parameters.iter().zip(&config.parameters) {
        let mark = if value == p.default { " " } else { "*" };
        writeln!(
            out,
            "  {mark} {:<28} {:>5} → {:<5} {}",
            p.id,
            p.default,
            value,
            p.title.as_deref().unwrap_or("")
        )?;
    }
    writeln!(
        out,
        "\nrules that run, in order (* = differs from the base):"
    )?;
    for (rule, _) in active_rules(&catalog, wf, unit) {
        let (mark, note) = match (rule.scope, rule.mandatory) {
            (RuleScope::Local, _) => ("*", "added by the unit"),
            (_, true) => (" ", "mandatory"),
            _ => (" ", ""),
        };
        writeln!(out, "  {mark} {:<34} {note}", rule.id)?;
    }
    let disabled: Vec<&(std::sync::Arc<str>, String)> = unit
        .disabled_rules
        .iter()
        .filter(|(id, _)| {
            catalog
                .rules
                .iter()
                .any(|r| r.id == *id && r.per_workflow.iter().any(|p| p.workflow == wf.id))
        })
        .collect();
    if !disabled.is_empty() {
        writeln!(out, "\nrules switched off by the unit:")?;
        for (id, reason) in disabled {
            writeln!(out, "  * {id:<34} {reason}")?;
        }
    }
    let hooks: Vec<_> = unit
        .hooks
        .iter()
        .filter(|h| h.per_workflow.iter().any(|p| p.workflow == wf.id))
        .collect();
    if !hooks.is_empty() {
        writeln!(out, "\nunit hooks (rhai):")?;
        for h in hooks {
            let kind = match &h.kind {
                HookKind::Guard { .. } => "guard",
                HookKind::Derive => "derive",
                HookKind::After { .. } => "after",
            };
            let on = if h.on.is_empty() {
                "every event".to_owned()
            } else {
                h.on.join(", ")
            };
            writeln!(
                out,
                "  * {:<22} {kind:<7} on {on}: {}",
                h.id,
                h.title.as_deref().unwrap_or("")
            )?;
        }
    }
    Ok(ExitStatus::Ok)
}
