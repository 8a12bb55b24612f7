//! Hostile unit scripts (`tests/data/hostile/*.rhai`): each runs as a Katrineholm-style
//! `after` hook of a test unit. Its first line says what must happen:
//! `compile_error` (a load diagnostic pointing into the script), `limit` (a sandbox limit stops
//! it), `runtime_error` (it fails), `any_error` (either). In every run-time case the event is
//! still accepted, the failure is reported with the script's file:line:column, and the engine
//! goes on working for the next event.

use std::path::Path;
use std::time::{Duration, Instant};

use lots::runtime::{self, Case, Event, Warning};
use lots::{Code, MemorySource};

use crate::shipped_inputs;

#[test]
fn hostile_scripts() {
    insta::glob!("../data", "hostile/*.rhai", |path| check_hostile(path));
}

#[track_caller]
fn check_hostile(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let expect = text
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("// expect: ")
        .trim()
        .to_owned();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let script_name = format!("rules/units/test_hostile/{name}");
    let unit = format!(
        "# yaml-language-server: $schema=../../schemas/unit.json\nkind: Unit\nid: test_hostile\nversion: 1\ntitle: Test\nworkflows: [vuxna_utsatta]\nhooks:\n  - id: hostile\n    on: [time_passed]\n    after:\n      file: test_hostile/{name}\nroute_targets: [{{target: mottagning_barn, to: mottagningsenheten}}]\n"
    );
    let mut source = MemorySource::new();
    for (file, t) in shipped_inputs() {
        source = source.with(file, t);
    }
    let loaded = lots::Catalog::load(
        &source
            .with("rules/units/test_hostile.yaml", unit)
            .with(script_name.clone(), text),
    )
    .unwrap();

    if expect == "compile_error" {
        let d = loaded
            .diagnostics
            .iter()
            .find(|d| d.code == Code::ScriptCompile)
            .unwrap_or_else(|| panic!("{name}: expected a compile error"));
        assert_eq!(
            d.location().unwrap().0,
            script_name,
            "the diagnostic points into the script"
        );
        let (file, line, column) = d.location().unwrap();
        insta::assert_snapshot!(format!(
            "{file}:{line}:{column}: {}\nhelp: {}",
            d.message,
            d.help.clone().unwrap_or_default()
        ));
        return;
    }
    let catalog = loaded
        .catalog
        .unwrap_or_else(|| panic!("{name}: the catalog should load"));
    let at = |s: &str| s.parse::<jiff::civil::DateTime>().unwrap();
    let opened = Event::CaseOpened {
        case_id: "hostile-1".into(),
        workflow: "vuxna_utsatta".into(),
        unit: "test_hostile".into(),
        referral_source: None,
        facts: Default::default(),
    };
    let case = runtime::apply(
        &catalog,
        &Case::default(),
        opened,
        crate::caseworker(),
        at("2025-09-01T09:00"),
    )
    .unwrap()
    .case;
    let started = Instant::now();
    let step = runtime::apply(
        &catalog,
        &case,
        Event::TimePassed,
        crate::caseworker(),
        at("2025-09-02T09:00"),
    )
    .unwrap_or_else(|r| panic!("{name}: the event must still be accepted: {r}"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{name}: took {:?}",
        started.elapsed()
    );
    let failures: Vec<&lots::model::script::ScriptError> = step
        .warnings
        .iter()
        .filter_map(|w| match w {
            Warning::ScriptFailed { error, .. } => Some(error),
            _ => None,
        })
        .collect();
    let [error] = failures.as_slice() else {
        panic!(
            "{name}: expected one script failure, got {:?}",
            step.warnings
        )
    };
    match expect.as_str() {
        "limit" => assert!(error.limit, "{name}: expected a sandbox limit, got {error}"),
        "runtime_error" => assert!(!error.limit, "{name}: expected a plain error, got {error}"),
        "any_error" => {}
        other => panic!("{name}: unknown expectation `{other}`"),
    }
    assert!(
        error.location.starts_with(&script_name),
        "{name}: location {}",
        error.location
    );
    assert!(
        step.actions.is_empty(),
        "{name}: a failed hook emits no actions"
    );
    // The engine is still usable: the next event is applied normally.
    let next = runtime::apply(
        &catalog,
        &step.case,
        Event::SessionHeld { location: None },
        crate::caseworker(),
        at("2025-09-02T10:00"),
    );
    assert!(next.is_ok(), "{name}: the next event failed");
    insta::assert_snapshot!(format!("{error}\nlimit: {}", error.limit));
}

/// A catalog built by hand can skip the loader's duty checks: a unit's derive hook that writes
/// `false` into a fact no duty reads is pointed at `children_witnessed` after loading. The runtime still refuses the write (the fact stays as
/// the host recorded it, with a `duty_input_protected` warning), and the orosanmälan goes out.
#[test]
fn a_hook_rewired_by_hand_still_cannot_write_a_duty_fact() {
    let unit = "# yaml-language-server: $schema=../../schemas/unit.json\nkind: Unit\nid: handbyggd\nversion: 1\ntitle: Test\nworkflows: [vuxna_utsatta]\nhooks:\n  - id: nej\n    derive:\n      fact: home_visit_planned\n      script: \"false\"\nroute_targets: [{target: mottagning_barn, to: mottagningsenheten}]\n";
    let mut catalog =
        crate::load_with([("rules/units/handbyggd.yaml".to_owned(), unit.to_owned())])
            .catalog
            .unwrap();
    let wf = catalog.workflow("vuxna_utsatta").unwrap().clone();
    let (slot, _) = wf.fact("children_witnessed").unwrap();
    let unit = catalog
        .units
        .iter_mut()
        .find(|u| u.id.as_ref() == "handbyggd")
        .unwrap();
    let hook = unit
        .hooks
        .iter_mut()
        .find(|h| h.id.as_ref() == "nej")
        .unwrap();
    for compiled in &mut hook.per_workflow {
        compiled.fact = Some(slot);
    }
    let at = |s: &str| s.parse::<jiff::civil::DateTime>().unwrap();
    let opened = Event::CaseOpened {
        case_id: "handbyggd-1".into(),
        workflow: "vuxna_utsatta".into(),
        unit: "handbyggd".into(),
        referral_source: None,
        facts: [
            (
                "has_children".to_owned(),
                lots::runtime::FactValue::Bool(true),
            ),
            (
                "children_witnessed".to_owned(),
                lots::runtime::FactValue::Bool(true),
            ),
        ]
        .into(),
    };
    let step = runtime::apply(
        &catalog,
        &Case::default(),
        opened,
        crate::caseworker(),
        at("2025-09-01T09:00"),
    )
    .unwrap();
    assert!(
        step.warnings
            .iter()
            .any(|w| matches!(w, Warning::DutyInputProtected { fact, .. } if fact == "children_witnessed")),
        "{:?}",
        step.warnings
    );
    assert_eq!(
        step.case.facts.get("children_witnessed"),
        Some(&lots::runtime::FactValue::Bool(true))
    );
    assert!(
        step.actions
            .iter()
            .any(|a| a.rule.as_deref() == Some("orosanmalan_barn")),
        "the orosanmälan must go out: {:?}",
        step.actions
    );
}

/// A catalog built by hand can skip the loader's authority checks too: a unit's derive hook is
/// pointed at `police_informed` after loading, the fact only the two-person decision
/// `polisanmalan` records. The runtime still refuses the write (a `decision_fact_protected`
/// warning), so no hook takes a decision that needs the section head and a colleague.
#[test]
fn a_hook_rewired_by_hand_still_cannot_take_a_decision() {
    let unit = "# yaml-language-server: $schema=../../schemas/unit.json\nkind: Unit\nid: handbyggd\nversion: 1\ntitle: Test\nworkflows: [vuxna_utsatta]\nhooks:\n  - id: ja\n    derive:\n      fact: home_visit_planned\n      script: \"true\"\nroute_targets: [{target: mottagning_barn, to: mottagningsenheten}]\n";
    let mut catalog =
        crate::load_with([("rules/units/handbyggd.yaml".to_owned(), unit.to_owned())])
            .catalog
            .unwrap();
    let wf = catalog.workflow("vuxna_utsatta").unwrap().clone();
    let (slot, _) = wf.fact("police_informed").unwrap();
    let unit = catalog
        .units
        .iter_mut()
        .find(|u| u.id.as_ref() == "handbyggd")
        .unwrap();
    for compiled in &mut unit.hooks[0].per_workflow {
        compiled.fact = Some(slot);
    }
    let at = |s: &str| s.parse::<jiff::civil::DateTime>().unwrap();
    let opened = Event::CaseOpened {
        case_id: "handbyggd-2".into(),
        workflow: "vuxna_utsatta".into(),
        unit: "handbyggd".into(),
        referral_source: None,
        facts: Default::default(),
    };
    let step = runtime::apply(
        &catalog,
        &Case::default(),
        opened,
        crate::caseworker(),
        at("2025-09-01T09:00"),
    )
    .unwrap();
    assert!(
        step.warnings.iter().any(
            |w| matches!(w, Warning::DecisionFactProtected { fact, .. } if fact == "police_informed")
        ),
        "{:?}",
        step.warnings
    );
    assert_eq!(step.case.facts.get("police_informed"), None);
    assert!(step.case.decisions.is_empty());
}
