//! `lots run`: play a scenario's events through the engine and print each step, then what
//! the caseworker must do now.

use std::io::Write;

use lots::quality::scenario::{self, Detail};
use lots::runtime::{self, Lang};

use crate::cli::{Language, RunArgs};
use crate::exit::ExitStatus;
use crate::out;
use crate::report;

pub(crate) fn run(args: &RunArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let Some(catalog) = report::load_clean(&args.paths)? else {
        return Ok(ExitStatus::Findings);
    };
    let source = match report::read_yaml(std::slice::from_ref(&args.scenario))?.pop() {
        Some(Ok(source)) => source,
        Some(Err(d)) => {
            out::err(report::plain(&d));
            return Ok(ExitStatus::Findings);
        }
        None => anyhow::bail!("`{}` is not a YAML file", args.scenario.display()),
    };
    let mut scenario = match scenario::load(&source) {
        Ok(s) => s,
        Err(diagnostics) => {
            for d in diagnostics.iter() {
                out::err(report::plain(d));
            }
            return Ok(ExitStatus::Findings);
        }
    };
    let lang = match args.lang {
        Language::Sv => Lang::Sv,
        Language::En => Lang::En,
    };
    let detail = if args.trace {
        Detail::Trace
    } else {
        Detail::Story
    };
    if let Some(unit) = &args.unit {
        if !scenario.units.contains(unit) {
            anyhow::bail!(
                "scenario `{}` is not played for unit `{unit}`; it lists {}",
                scenario.id,
                scenario.units.join(", ")
            );
        }
        scenario.units = vec![unit.clone()];
    }
    writeln!(out, "{}", scenario.title)?;
    let mut n_failed = 0;
    for played in scenario::play(&catalog, &scenario) {
        writeln!(out, "\n== {} in {} ==", scenario.workflow, played.unit)?;
        write!(out, "{}", scenario::render(&played.outcomes, lang, detail))?;
        let last = scenario.steps.last().map(|s| s.at);
        if let Some(explanation) = last.and_then(|at| runtime::explain(&catalog, &played.case, at))
        {
            writeln!(out, "\n{}", explanation.render(lang))?;
        }
        if !played.failures.is_empty() {
            n_failed += played.failures.len();
            writeln!(out, "\n{} expectation(s) failed:", played.failures.len())?;
            for f in &played.failures {
                writeln!(out, "  {f}")?;
            }
        }
    }
    Ok(if n_failed == 0 {
        ExitStatus::Ok
    } else {
        ExitStatus::Findings
    })
}
