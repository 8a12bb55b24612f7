//! `lots test`: play every scenario for every unit it lists, check the expectations, and
//! report coverage and mutations; for quality staff without a Rust toolchain.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use lots::quality::coverage::{self, Coverage};
use lots::quality::mutation::{self, Verdict};
use lots::quality::scenario::{self, Played, Scenario};
use serde_json::json;

use crate::cli::{TestArgs, TestFormat};
use crate::exit::ExitStatus;
use crate::out;
use crate::report;

const DEFAULT_SCENARIOS: &str = "tests/data/scenarios";
const DEFAULT_ALLOWANCE: &str = "tests/data/coverage-allowance.yaml";

/// One scenario file played for each of its units.
struct Ran {
    file: PathBuf,
    scenario: Scenario,
    played: Vec<Played>,
}

pub(crate) fn run(args: &TestArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let Some(catalog) = report::load_clean(&args.catalog)? else {
        return Ok(ExitStatus::Findings);
    };
    let roots = if args.scenarios.is_empty() {
        vec![PathBuf::from(DEFAULT_SCENARIOS)]
    } else {
        args.scenarios.clone()
    };
    let mut broken = 0;
    let mut ran = Vec::new();
    for read in report::read_yaml(&roots)? {
        let source = match read {
            Ok(source) => source,
            Err(d) => {
                broken += 1;
                out::err(report::plain(&d));
                continue;
            }
        };
        let file = PathBuf::from(source.name());
        match scenario::load(&source) {
            Ok(scenario) => {
                let played = scenario::play(&catalog, &scenario);
                ran.push(Ran {
                    file,
                    scenario,
                    played,
                });
            }
            Err(diagnostics) => {
                broken += 1;
                for d in diagnostics.iter() {
                    out::err(report::plain(d));
                }
            }
        }
    }
    if let Some(dup) = duplicate_id(&ran) {
        anyhow::bail!("two scenario files have the id `{dup}`; ids must be unique");
    }
    let n_failed = ran
        .iter()
        .flat_map(|r| &r.played)
        .filter(|p| !p.failures.is_empty())
        .count();

    let want_coverage = args.coverage || args.min_coverage.is_some() || args.html.is_some();
    let mut coverage = None;
    let mut unneeded = Vec::new();
    if want_coverage {
        let mut c = Coverage::of(&catalog);
        for r in &ran {
            for p in &r.played {
                c.record(&r.scenario.id, &r.scenario.workflow, p);
            }
        }
        let allow_path = args.allow.clone().or_else(|| {
            let p = PathBuf::from(DEFAULT_ALLOWANCE);
            p.exists().then_some(p)
        });
        if let Some(path) = allow_path {
            let source = match report::read_yaml(std::slice::from_ref(&path))?.pop() {
                Some(Ok(source)) => source,
                Some(Err(d)) => {
                    out::err(report::plain(&d));
                    return Ok(ExitStatus::Findings);
                }
                None => anyhow::bail!("`{}` is not a YAML file", path.display()),
            };
            match coverage::load_allowance(&source, &c) {
                Ok(allowance) => unneeded = c.allow(&allowance),
                Err(diagnostics) => {
                    for d in diagnostics.iter() {
                        out::err(report::plain(d));
                    }
                    return Ok(ExitStatus::Findings);
                }
            }
        }
        if let Some(path) = &args.html {
            std::fs::write(path, coverage::render_html(&catalog, &c))
                .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", path.display()))?;
        }
        coverage = Some(c);
    }
    let scenarios: Vec<Scenario> = ran.iter().map(|r| r.scenario.clone()).collect();
    let verdicts = if args.mutate {
        mutation::check(&catalog, &scenarios)
    } else {
        Vec::new()
    };

    let gaps = coverage.as_ref().map(Coverage::gaps).unwrap_or_default();
    let overall = coverage.as_ref().map(|c| c.totals().overall.percent());
    let below = match (args.min_coverage, overall) {
        (Some(min), Some(got)) => got + 1e-9 < min,
        _ => false,
    };
    let survivors = verdicts
        .iter()
        .filter(|v| v.must_be_killed() && !v.killed())
        .count();

    match args.format {
        TestFormat::Table => write!(
            out,
            "{}",
            table(&ran, coverage.as_ref(), &unneeded, &verdicts, broken)
        )?,
        TestFormat::Json => {
            let value = json!({
                "runs": ran.iter().flat_map(|r| r.played.iter().map(move |p| json!({
                    "scenario": r.scenario.id,
                    "file": r.file.display().to_string(),
                    "workflow": r.scenario.workflow,
                    "unit": p.unit,
                    "passed": p.failures.is_empty(),
                    "failures": p.failures.iter().map(|f| json!({"step": f.step, "message": f.message})).collect::<Vec<_>>(),
                }))).collect::<Vec<_>>(),
                "unreadable_files": broken,
                "coverage": coverage,
                "totals": coverage.as_ref().map(Coverage::totals),
                "gaps": gaps,
                "unneeded_allowances": unneeded,
                "mutants": verdicts,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        TestFormat::Junit => write!(out, "{}", junit(&ran, &gaps, &verdicts))?,
    }
    if let (Some(min), Some(got), true) = (args.min_coverage, overall, below) {
        out.flush()?;
        out::err(format_args!(
            "coverage {got:.1}% is below the minimum {min}%"
        ));
    }
    let failed = broken > 0 || n_failed > 0 || !gaps.is_empty() || below || survivors > 0;
    Ok(if failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Ok
    })
}

fn duplicate_id(ran: &[Ran]) -> Option<String> {
    let mut seen = std::collections::BTreeSet::new();
    ran.iter()
        .map(|r| r.scenario.id.clone())
        .find(|id| !seen.insert(id.clone()))
}

fn table(
    ran: &[Ran],
    coverage: Option<&Coverage>,
    unneeded: &[String],
    verdicts: &[Verdict],
    broken: usize,
) -> String {
    let mut out = String::new();
    let (mut n_runs, mut n_failed) = (0, 0);
    for r in ran {
        for p in &r.played {
            n_runs += 1;
            let ok = p.failures.is_empty();
            n_failed += usize::from(!ok);
            let _ = writeln!(
                out,
                "{:<6} {:<44} {}",
                if ok { "ok" } else { "FAILED" },
                r.scenario.id,
                p.unit
            );
            for f in &p.failures {
                let _ = writeln!(out, "         {f}");
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} scenario file(s), {n_runs} run(s): {} passed, {n_failed} failed{}",
        ran.len(),
        n_runs - n_failed,
        if broken > 0 {
            format!("; {broken} file(s) could not be read")
        } else {
            String::new()
        }
    );
    if let Some(c) = coverage {
        let _ = writeln!(out, "\nCoverage\n{}", coverage::render_table(c));
        for u in unneeded {
            let _ = writeln!(
                out,
                "note: the allowance for {u} is not needed any more (a scenario covers it); remove it"
            );
        }
    }
    if !verdicts.is_empty() {
        let killed = verdicts.iter().filter(|v| v.killed()).count();
        let _ = writeln!(
            out,
            "\nMutants: {killed} of {} killed ({:.1}%)",
            verdicts.len(),
            killed as f64 * 100.0 / verdicts.len() as f64
        );
        for v in verdicts.iter().filter(|v| !v.killed()) {
            let _ = writeln!(
                out,
                "  {} {}: no scenario fails",
                if v.must_be_killed() {
                    "SURVIVED"
                } else {
                    "survived"
                },
                v.mutant
            );
        }
    }
    out
}

fn junit(ran: &[Ran], gaps: &[coverage::Gap], verdicts: &[Verdict]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut suites = String::new();
    let (mut tests, mut failures) = (0, 0);
    let mut workflows: Vec<&str> = ran.iter().map(|r| r.scenario.workflow.as_str()).collect();
    workflows.sort_unstable();
    workflows.dedup();
    for wf in workflows {
        let mut cases = String::new();
        let (mut t, mut f) = (0, 0);
        for r in ran.iter().filter(|r| r.scenario.workflow == wf) {
            for p in &r.played {
                t += 1;
                let _ = write!(
                    cases,
                    "    <testcase classname=\"{}.{}\" name=\"{}\" file=\"{}\">",
                    esc(wf),
                    esc(&p.unit),
                    esc(&r.scenario.id),
                    esc(&r.file.display().to_string())
                );
                if !p.failures.is_empty() {
                    f += 1;
                    let text: Vec<String> = p.failures.iter().map(ToString::to_string).collect();
                    let _ = write!(
                        cases,
                        "<failure message=\"{} expectation(s) failed\">{}</failure>",
                        p.failures.len(),
                        esc(&text.join("\n"))
                    );
                }
                cases.push_str("</testcase>\n");
            }
        }
        tests += t;
        failures += f;
        let _ = write!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{t}\" failures=\"{f}\">\n{cases}  </testsuite>\n",
            esc(wf)
        );
    }
    let mut extra = |name: &str, items: Vec<(String, Option<String>)>| {
        if items.is_empty() {
            return;
        }
        let f = items.iter().filter(|(_, e)| e.is_some()).count();
        tests += items.len();
        failures += f;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{f}\">",
            items.len()
        );
        for (case, error) in items {
            let _ = write!(suites, "    <testcase name=\"{}\">", esc(&case));
            if let Some(e) = error {
                let _ = write!(suites, "<failure message=\"{}\"/>", esc(&e));
            }
            suites.push_str("</testcase>\n");
        }
        suites.push_str("  </testsuite>\n");
    };
    extra(
        "coverage",
        gaps.iter()
            .map(|g| {
                (
                    format!("{} {} {}", g.unit, g.workflow, g.id),
                    Some(g.to_string()),
                )
            })
            .collect(),
    );
    extra(
        "mutation",
        verdicts
            .iter()
            .filter(|v| v.must_be_killed())
            .map(|v| {
                let error = (!v.killed()).then(|| format!("{}: no scenario fails", v.mutant));
                (v.mutant.to_string(), error)
            })
            .collect(),
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"lots\" tests=\"{tests}\" failures=\"{failures}\">\n{suites}</testsuites>\n"
    )
}
