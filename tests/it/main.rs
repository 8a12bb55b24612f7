//! The one integration test binary: catalog files, invalid inputs, schemas, the CLI, fuzzing.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation is a test failure"
)]

mod architecture;
mod board;
mod calendar;
mod cli;
mod conditions;
mod coverage;
mod diagnostics;
mod disclosure;
mod fuzz;
mod hostile;
mod hostile_cases;
mod indicators;
mod postgres;
mod properties;
mod repo_files;
mod scale_out;
mod scenarios;
mod schemas;
mod secrets;
mod serve;
mod store;
mod store_faults;
mod watch;

use std::path::{Path, PathBuf};

use lots::catalog::Input;
use lots::{Catalog, FsSource, Loaded, MemorySource, Source};

/// The caseworker the Rust tests send events as (scenario files name their own).
fn caseworker() -> lots::runtime::Actor {
    lots::runtime::Actor::new(lots::runtime::DEFAULT_ACTOR_ID, lots::runtime::DEFAULT_ROLE)
}

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// Every file of the shipped catalog, named relative to the root.
fn shipped_inputs() -> Vec<(String, String)> {
    let source = FsSource::new([root().join("workflows"), root().join("rules")]);
    source
        .inputs()
        .expect("shipped catalog readable")
        .into_iter()
        .map(|input| match input {
            Input::Text(f) => (relative(Path::new(f.name())), f.text().to_owned()),
            other => panic!("shipped file not text: {other:?}"),
        })
        .collect()
}

/// A path relative to the workspace root, with forward slashes.
fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Loads the shipped catalog plus extra files.
fn load_with(extra: impl IntoIterator<Item = (String, String)>) -> Loaded {
    let mut source = MemorySource::new();
    for (name, text) in shipped_inputs().into_iter().chain(extra) {
        source = source.with(name, text);
    }
    Catalog::load(&source).expect("memory source cannot fail")
}
