//! `lots run`: play a scenario's events through the engine and print each step, then what
//! the caseworker must do now.

use lots::SourceFile;
use lots::runtime::{self, Lang};
use lots::scenario;

use crate::cli::{Language, RunArgs};
use crate::exit::ExitStatus;
use crate::report;

pub(crate) fn run(args: &RunArgs) -> anyhow::Result<ExitStatus> {
    let Some(catalog) = report::load_clean(&args.paths)? else {
        return Ok(ExitStatus::Findings);
    };
    let text = std::fs::read_to_string(&args.scenario)
        .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", args.scenario.display()))?;
    let source = SourceFile::new(args.scenario.display().to_string(), text);
    let scenario = match scenario::load(&source) {
        Ok(s) => s,
        Err(diagnostics) => {
            for d in diagnostics.iter() {
                eprintln!("{}", report::plain(d));
            }
            return Ok(ExitStatus::Findings);
        }
    };
    let lang = match args.lang {
        Language::Sv => Lang::Sv,
        Language::En => Lang::En,
    };
    let (case, outcomes) = scenario::run(&catalog, &scenario);
    println!("{}\n", scenario.title);
    print!("{}", scenario::render(&outcomes, lang));
    let last = scenario.steps.last().map(|(at, _, _)| *at);
    if let Some(explanation) = last.and_then(|at| runtime::explain(&catalog, &case, at)) {
        println!("\n{}", explanation.render(lang));
    }
    let failures = scenario::check(&catalog, &scenario, &case, &outcomes);
    if failures.is_empty() {
        return Ok(ExitStatus::Ok);
    }
    println!("\n{} expectation(s) failed:", failures.len());
    for f in &failures {
        println!("  {f}");
    }
    Ok(ExitStatus::Findings)
}
