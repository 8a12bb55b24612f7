//! `lots show`: a workflow's effective configuration in a unit, marked where it differs from
//! the base.

use std::io::Write;

use lots::model::duty::Duty;
use lots::model::unit::HookKind;
use lots::model::unit::writers;
use lots::runtime::active_rules;
use lots::syntax::RuleScope;

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
    if !config.routes.is_empty() {
        writeln!(
            out,
            "\nroute targets (where the rules' named targets go in this unit):"
        )?;
        for (target, to) in &config.routes {
            let receiver = catalog
                .unit(to)
                .map_or(String::new(), |u| format!(" ({})", u.title));
            let by: Vec<&str> = active_rules(&catalog, wf, unit)
                .filter(|(r, _)| r.targets.iter().any(|(t, _)| t == target))
                .map(|(r, _)| r.id.as_ref())
                .collect();
            writeln!(
                out,
                "  * {target:<22} → {to}{receiver}, for {}",
                by.join(", ")
            )?;
        }
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
    delegation(out, wf, config)?;
    duties(out, &catalog, wf, unit, config)?;
    Ok(ExitStatus::Ok)
}

/// The roles, and who may take each decision, request each transition and record each
/// override in this unit, with where that comes from (the configuration's resolved authority).
fn delegation(
    out: &mut dyn Write,
    wf: &lots::model::workflow::Workflow,
    config: &lots::model::unit::Configuration,
) -> std::io::Result<()> {
    if !wf.checks_roles() {
        writeln!(
            out,
            "
roles: none declared (anyone may take every decision, request every transition \
             and record every override)"
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "
roles:"
    )?;
    for r in &wf.roles {
        let mark = if wf.default_role() == Some(r.id.as_ref()) {
            " (default)"
        } else {
            ""
        };
        writeln!(out, "  {:<22} {}{mark}", r.id, r.title)?;
    }
    writeln!(
        out,
        "
delegation (who may; * = set by the unit's delegation, with its reference):"
    )?;
    let a = &config.authority;
    let line = |out: &mut dyn Write,
                what: String,
                grant: &lots::model::authority::Grant,
                approvals: &[std::sync::Arc<str>],
                note: String|
     -> std::io::Result<()> {
        let who = if approvals.is_empty() {
            let names = grant.role_names();
            if names.is_empty() {
                "any role".to_owned()
            } else {
                names.join(", ")
            }
        } else {
            let slots: Vec<&str> = approvals.iter().map(AsRef::as_ref).collect();
            match &grant.source {
                lots::model::authority::Source::Workflow => {
                    format!("{} together", slots.join(" + "))
                }
                lots::model::authority::Source::Unit { .. } => format!(
                    "{} together, of {}",
                    slots.join(" + "),
                    grant.role_names().join(", ")
                ),
            }
        };
        let (mark, source) = match &grant.source {
            lots::model::authority::Source::Workflow => (" ", String::new()),
            lots::model::authority::Source::Unit { reference } => ("*", format!(" – {reference}")),
        };
        writeln!(out, "  {mark} {what:<44} {who}{source}{note}")
    };
    for (i, d) in wf.decisions.iter().enumerate() {
        let note = if d.reserved {
            format!(
                " [reserved for the committee: `{}`]",
                d.legal.as_deref().unwrap_or("")
            )
        } else {
            String::new()
        };
        line(
            out,
            format!("decision {}", d.id),
            &a.decision(i),
            &d.approvals,
            note,
        )?;
    }
    let name = |p: lots::model::index::PhaseIdx| wf.phase(p).map_or("?", |p| p.id.as_ref());
    for (i, t) in wf.transitions.iter().enumerate() {
        let grant = a.transition(i);
        // Nobody requests an automatic transition.
        let automatic = t.trigger == lots::syntax::TriggerMode::Automatic;
        if automatic || (grant.roles.is_none() && t.approvals.is_empty()) {
            continue;
        }
        let what = format!("transition {} → {}", name(t.from), name(t.to));
        line(out, what, &grant, &t.approvals, String::new())?;
    }
    for (i, p) in wf.phases.iter().enumerate() {
        let Ok(idx) = u16::try_from(i).map(lots::model::index::PhaseIdx) else {
            continue;
        };
        let grant = a.overrides(idx);
        if grant.roles.is_none() {
            continue;
        }
        line(
            out,
            format!("overrides in {}", p.id),
            &grant,
            &[],
            String::new(),
        )?;
    }
    writeln!(out, "  everything else: any role")?;
    Ok(())
}

/// The duty inputs of the configuration, and what each hook and rule of the unit writes.
fn duties(
    out: &mut dyn Write,
    catalog: &lots::Catalog,
    wf: &lots::model::workflow::Workflow,
    unit: &lots::model::unit::Unit,
    config: &lots::model::unit::Configuration,
) -> std::io::Result<()> {
    let d = &config.duties;
    writeln!(
        out,
        "\nduty inputs (what the legal duties depend on: only the host's events and mandatory \
         rules write them, and unit guards never refuse to record them):"
    )?;
    let mut items: Vec<(String, &Duty)> = Vec::new();
    let named = |list: &[Option<Duty>], name: &dyn Fn(usize) -> String| -> Vec<(String, Duty)> {
        list.iter()
            .enumerate()
            .filter_map(|(i, duty)| Some((name(i), duty.clone()?)))
            .collect()
    };
    let facts = named(&d.facts, &|i| {
        format!("fact {}", wf.facts.get(i).map_or("?", |f| f.id.as_ref()))
    });
    let phases = named(&d.phases, &|i| {
        format!("phase {}", wf.phases.get(i).map_or("?", |p| p.id.as_ref()))
    });
    let transitions = named(&d.transitions, &|i| {
        let t = wf.transitions.get(i);
        let id = |p: Option<lots::model::index::PhaseIdx>| {
            p.and_then(|p| wf.phase(p)).map_or("?", |p| p.id.as_ref())
        };
        format!(
            "transition {} → {}",
            id(t.map(|t| t.from)),
            id(t.map(|t| t.to))
        )
    });
    let deadlines = named(&d.deadlines, &|i| {
        format!(
            "deadline {}",
            wf.deadlines.get(i).map_or("?", |x| x.id.as_ref())
        )
    });
    for (name, duty) in facts
        .iter()
        .chain(&phases)
        .chain(&transitions)
        .chain(&deadlines)
    {
        items.push((name.clone(), duty));
    }
    for (id, duty) in &d.instruments {
        items.push((format!("instrument {id}"), duty));
    }
    for (what, duty) in [
        ("sessions", &d.sessions),
        ("the decision", &d.decision),
        ("opening the case", &d.opening),
        ("closing the case", &d.closing),
    ] {
        if let Some(duty) = duty {
            items.push((what.to_owned(), duty));
        }
    }
    if items.is_empty() {
        writeln!(
            out,
            "  (none: no mandatory rule, legal deadline or duty transition)"
        )?;
    }
    for (name, duty) in items {
        match duty {
            Duty::Deadline { id, legal } if name == format!("deadline {id}") => writeln!(
                out,
                "  {name:<44} legally grounded (`{}`)",
                legal.as_deref().unwrap_or("read by a mandatory rule")
            )?,
            _ => writeln!(out, "  {name:<44} for {}", duty.describe())?,
        }
    }
    writeln!(out, "\nwhat the unit's hooks and the rules that run write:")?;
    for w in writers(wf, &catalog.rules, unit, config) {
        let role = format!("{} {} ({})", w.kind, w.id, w.role);
        if w.role == "mandatory rule" {
            writeln!(out, "  ✓ {role:<48} a duty itself")?;
            continue;
        }
        if w.touches.is_empty() {
            let what = if w.role == "guard" {
                "writes nothing; yields to duty inputs"
            } else {
                "writes no fact, stops no deadline"
            };
            writeln!(out, "  ✓ {role:<48} {what}")?;
            continue;
        }
        for (what, duty) in &w.touches {
            match duty {
                None => writeln!(out, "  ✓ {role:<48} {what}: not a duty input")?,
                Some(duty) => writeln!(
                    out,
                    "  ✗ {role:<48} {what}: a duty input for {}",
                    duty.describe()
                )?,
            }
        }
    }
    Ok(())
}
