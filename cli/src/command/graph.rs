//! `lots graph`: a workflow's phase graph as Mermaid or DOT.

use std::io::Write;

use lots::model::graph::{GraphFormat as Format, render};

use crate::cli::{GraphArgs, GraphFormat};
use crate::exit::ExitStatus;
use crate::report;

pub(crate) fn run(args: &GraphArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let Some(catalog) = report::load_clean(&args.paths)? else {
        return Ok(ExitStatus::Findings);
    };
    let Some(workflow) = catalog.workflow(&args.workflow) else {
        let ids: Vec<&str> = catalog.workflows.iter().map(|w| w.id.as_ref()).collect();
        anyhow::bail!(
            "no workflow `{}`; workflows: {}",
            args.workflow,
            ids.join(", ")
        );
    };
    let unit = match &args.unit {
        Some(id) => {
            let Some(unit) = catalog.unit(id) else {
                let ids: Vec<&str> = catalog.units.iter().map(|u| u.id.as_ref()).collect();
                anyhow::bail!("no unit `{id}`; units: {}", ids.join(", "));
            };
            if !unit.workflows.contains(&workflow.id) {
                anyhow::bail!("unit `{id}` does not run workflow `{}`", workflow.id);
            }
            Some(unit)
        }
        None => None,
    };
    let format = match args.format {
        GraphFormat::Mermaid => Format::Mermaid,
        GraphFormat::Dot => Format::Dot,
    };
    write!(out, "{}", render(workflow, unit, format))?;
    Ok(ExitStatus::Ok)
}
