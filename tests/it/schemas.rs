//! `schemas/` is what the syntax types generate, and every YAML in the repo is valid against it.

use std::path::Path;

use crate::root;

#[test]
fn schemas_are_up_to_date() {
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for (name, text) in lots::schema::json_schemas() {
        let path = root().join("schemas").join(name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != text {
            if update {
                std::fs::write(&path, &text).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/ is out of date ({}): run `cargo run -p lots-cli -- schema --write` \
         (or UPDATE_SCHEMAS=1 cargo test) and commit the result",
        stale.join(", ")
    );
}

#[test]
fn schemas_are_valid_json_schema() {
    for (name, text) in lots::schema::json_schemas() {
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        jsonschema::meta::validate(&schema)
            .unwrap_or_else(|e| panic!("{name} is not a valid JSON Schema: {e}"));
    }
}

/// Every YAML file under workflows/, rules/ and tests/data/ (except the invalid and fuzz
/// corpora, whose files are wrong on purpose, the hostile corpus, whose files are test cases
/// that hold catalog files as text, and the events a CLI test hands `lots case`, which are no
/// file kind) validates against the schema its modeline names.
#[test]
fn repo_yaml_matches_schemas() {
    let mut files = Vec::new();
    for dir in ["workflows", "rules", "tests/data"] {
        collect(&root().join(dir), &mut files);
    }
    files.retain(|f| {
        let f = f.to_string_lossy().replace('\\', "/");
        !f.contains("tests/data/invalid/")
            && !f.contains("tests/data/hostile/")
            && !f.contains("tests/data/fuzz/")
            && !f.contains("tests/data/cli/")
    });
    assert!(
        files.len() >= 10,
        "expected the shipped YAML files, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let first = text.lines().next().unwrap_or("");
        let schema_rel = first.split("$schema=").nth(1).expect("modeline");
        let schema_path = file.parent().unwrap().join(schema_rel);
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
        let instance: serde_json::Value = serde_saphyr_json(&text);
        let validator = jsonschema::validator_for(&schema).unwrap();
        for error in validator.iter_errors(&instance) {
            failures.push(format!(
                "{}: {} at {}",
                crate::relative(file),
                error,
                error.instance_path()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "schema violations:\n{}",
        failures.join("\n")
    );
}

fn serde_saphyr_json(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).expect("valid YAML")
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}
