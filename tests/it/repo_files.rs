//! The shipped `workflows/` and `rules/` load with no diagnostics at all.

use crate::load_with;

#[test]
fn shipped_catalog_is_clean() {
    let loaded = load_with([]);
    let found: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| format!("{:?} {}: {}", d.location(), d.code.as_str(), d.message))
        .collect();
    assert!(
        found.is_empty(),
        "shipped catalog has diagnostics:\n{}",
        found.join("\n")
    );
    let catalog = loaded.catalog.expect("catalog loads");
    for id in ["vuxna_utsatta", "utovare_atv", "barn_mottagning"] {
        assert!(catalog.workflow(id).is_some(), "workflow `{id}` missing");
    }
    for id in [
        "skarholmen",
        "mottagningsenheten",
        "katrineholm",
        "katrineholm_mottagning",
        "molndal",
        "molndal_mottagning",
    ] {
        assert!(catalog.unit(id).is_some(), "unit `{id}` missing");
    }
    let oro = catalog
        .rules
        .iter()
        .find(|r| r.id.as_ref() == "orosanmalan_barn");
    assert!(
        oro.is_some_and(|r| r.mandatory),
        "orosanmalan_barn must exist and be mandatory"
    );
}

#[test]
fn every_shipped_file_starts_with_its_modeline() {
    for (name, text) in crate::shipped_inputs()
        .into_iter()
        .filter(|(n, _)| n.ends_with(".yaml"))
    {
        let first = text.lines().next().unwrap_or("");
        assert!(
            first.starts_with("# yaml-language-server: $schema=") && first.contains("schemas/"),
            "{name} does not start with the schema modeline"
        );
        let schema = first.rsplit('/').next().unwrap_or("");
        let path = std::path::Path::new(&name)
            .parent()
            .unwrap()
            .join(first.split('=').nth(1).unwrap());
        assert!(
            crate::root().join(&path).exists(),
            "{name}: modeline points at missing {schema}"
        );
    }
}

#[test]
fn catalog_can_be_shared_between_threads() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<lots::Catalog>();
}
