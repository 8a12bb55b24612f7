//! Every scenario under `tests/data/scenarios/` is played through the engine; the rendered run
//! (English and Swedish) is snapshotted, and two differentials must hold: replaying the
//! accepted events from an empty case gives the same case, and a case survives a round trip
//! through its JSON form unchanged.

use std::path::Path;

use lots::SourceFile;
use lots::runtime::{Case, Lang};
use lots::scenario;

use crate::load_with;

#[test]
fn scenarios() {
    let catalog = load_with([]).catalog.unwrap();
    insta::glob!("../data", "scenarios/**/*.yaml", |path| check_scenario(
        &catalog, path
    ));
}

#[track_caller]
fn check_scenario(catalog: &lots::Catalog, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let source = SourceFile::new(path.display().to_string(), text);
    let scenario = scenario::load(&source).unwrap_or_else(|d| {
        panic!(
            "{}: {:?}",
            path.display(),
            d.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
        )
    });
    let (case, outcomes) = scenario::run(catalog, &scenario);
    let failures = scenario::check(catalog, &scenario, &case, &outcomes);
    assert!(
        failures.is_empty(),
        "{}: expectations failed:\n{}",
        path.display(),
        failures
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );

    let replayed = Case::replay(catalog, &case.events).unwrap();
    assert_eq!(
        replayed, case,
        "replaying the accepted events gives another case"
    );
    let json = serde_json::to_string(&case).unwrap();
    let back: Case = serde_json::from_str(&json).unwrap();
    assert_eq!(back, case, "the case changes in a JSON round trip");

    let mut rendered = scenario::render(&outcomes, Lang::En);
    rendered.push_str("\n--- sv ---\n");
    rendered.push_str(&scenario::render(&outcomes, Lang::Sv));
    insta::assert_snapshot!(rendered);
}
