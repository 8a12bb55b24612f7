//! Every scenario under `tests/data/scenarios/` is played through the engine; the rendered run
//! (English and Swedish) is snapshotted, and two differentials must hold: replaying the
//! accepted events from an empty case gives the same case, and a case survives a round trip
//! through its JSON form unchanged.

use std::path::Path;

use lots::SourceFile;
use lots::quality::scenario::{self, Detail};
use lots::runtime::{Case, Lang};

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
    let mut rendered = String::new();
    for played in scenario::play(catalog, &scenario) {
        let unit = &played.unit;
        assert!(
            played.failures.is_empty(),
            "{} (unit {unit}): expectations failed:\n{}",
            path.display(),
            played
                .failures
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
        let case = &played.case;
        let replayed = Case::replay(catalog, &case.events).unwrap();
        assert_eq!(
            &replayed, case,
            "unit {unit}: replaying the accepted events gives another case"
        );
        let json = serde_json::to_string(case).unwrap();
        let back: Case = serde_json::from_str(&json).unwrap();
        assert_eq!(
            &back, case,
            "unit {unit}: the case changes in a JSON round trip"
        );

        rendered.push_str(&format!("=== unit {unit} ===\n"));
        rendered.push_str(&scenario::render(&played.outcomes, Lang::En, Detail::Trace));
        rendered.push_str("--- sv ---\n");
        rendered.push_str(&scenario::render(&played.outcomes, Lang::Sv, Detail::Story));
    }
    insta::assert_snapshot!(rendered);
}
