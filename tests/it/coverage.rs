//! Coverage and mutation of the scenario suite against the shipped catalog: no phase,
//! transition or mandatory rule of any unit's effective configuration may go uncovered (unless
//! `tests/data/coverage-allowance.yaml` says why), and switching off any mandatory rule or any
//! transition guard must make some scenario fail. Both reports are snapshots, so a change in
//! what the suite covers is reviewed like any other change.

use lots::SourceFile;
use lots::quality::coverage::{self, Coverage};
use lots::quality::mutation;
use lots::quality::scenario::{self, Scenario};

use crate::{load_with, root};

/// Every scenario file under `tests/data/scenarios`, in path order.
fn scenarios() -> Vec<Scenario> {
    let mut files = Vec::new();
    let mut dirs = vec![root().join("tests/data/scenarios")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            scenario::load(&SourceFile::new(path.display().to_string(), text)).unwrap()
        })
        .collect()
}

#[test]
fn every_required_item_is_covered_or_allowed() {
    let catalog = load_with([]).catalog.unwrap();
    let mut cov = Coverage::of(&catalog);
    for s in scenarios() {
        for played in scenario::play(&catalog, &s) {
            cov.record(&s.id, &s.workflow, &played);
        }
    }
    let path = root().join("tests/data/coverage-allowance.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let allowance =
        coverage::load_allowance(&SourceFile::new("coverage-allowance.yaml", text), &cov)
            .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()));
    let unneeded = cov.allow(&allowance);
    assert!(
        unneeded.is_empty(),
        "allowances no longer needed (a scenario covers them; remove them): {unneeded:?}"
    );
    let gaps = cov.gaps();
    assert!(
        gaps.is_empty(),
        "covered by no scenario and not in tests/data/coverage-allowance.yaml:\n{}",
        gaps.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    insta::assert_snapshot!(coverage::render_table(&cov));
}

#[test]
fn switching_off_a_duty_or_a_guard_makes_a_scenario_fail() {
    let catalog = load_with([]).catalog.unwrap();
    let verdicts = mutation::check(&catalog, &scenarios());
    let survivors: Vec<String> = verdicts
        .iter()
        .filter(|v| v.must_be_killed() && !v.killed())
        .map(|v| v.mutant.to_string())
        .collect();
    assert!(
        survivors.is_empty(),
        "no scenario fails when these are switched off:\n{}",
        survivors.join("\n")
    );
    let report: Vec<String> = verdicts
        .iter()
        .map(|v| {
            format!(
                "{:<8} {} ({} failing run(s))",
                if v.killed() { "killed" } else { "survived" },
                v.mutant,
                v.killed_by.len()
            )
        })
        .collect();
    let killed = verdicts.iter().filter(|v| v.killed()).count();
    insta::assert_snapshot!(format!(
        "{killed} of {} mutants killed\n{}",
        verdicts.len(),
        report.join("\n")
    ));
}
