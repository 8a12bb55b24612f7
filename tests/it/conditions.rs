//! Compiled conditions evaluate over fact slots: the shipped orosanmälan rule, as the runtime
//! will see it, against a case whose facts are set slot by slot.

use lots::condition::{Env, Value};
use lots::syntax::{CountKind, DayCount, DeadlineState, SinceEvent};
use lots::workflow::{DeadlineIdx, FactSlot, ParamIdx, PhaseIdx, Workflow};

use crate::load_with;

/// A case with facts by slot and nothing else recorded.
struct Facts(Vec<Option<Value>>);

impl Env for Facts {
    fn fact(&self, slot: FactSlot) -> Option<&Value> {
        self.0.get(usize::from(slot.0)).and_then(Option::as_ref)
    }
    fn phase(&self) -> PhaseIdx {
        PhaseIdx(0)
    }
    fn completed(&self, _: &str) -> bool {
        false
    }
    fn band(&self, _: &str) -> Option<&str> {
        None
    }
    fn score(&self, _: &str) -> Option<f64> {
        None
    }
    fn count(&self, _: CountKind, _: Option<PhaseIdx>) -> u32 {
        0
    }
    fn elapsed_days(&self, _: SinceEvent, _: DayCount) -> Option<i64> {
        None
    }
    fn deadline(&self, _: DeadlineIdx) -> DeadlineState {
        DeadlineState::NotStarted
    }
    fn parameter(&self, _: ParamIdx) -> u32 {
        0
    }
}

fn case(wf: &Workflow, facts: &[(&str, bool)]) -> Facts {
    let mut values = vec![None; wf.facts.len()];
    for (name, value) in facts {
        let (slot, _) = wf.fact(name).unwrap_or_else(|| panic!("no fact {name}"));
        values[usize::from(slot.0)] = Some(Value::Bool(*value));
    }
    Facts(values)
}

#[test]
fn orosanmalan_condition_holds_exactly_when_children_were_exposed_or_a_child_is_suspected_at_risk()
{
    let catalog = load_with([]).catalog.unwrap();
    let wf = catalog.workflow("vuxna_utsatta").unwrap();
    let rule = catalog
        .rules
        .iter()
        .find(|r| r.id.as_ref() == "orosanmalan_barn")
        .unwrap();
    let compiled = rule
        .per_workflow
        .iter()
        .find(|p| p.workflow == wf.id)
        .unwrap();
    let holds = |facts: &[(&str, bool)]| compiled.when.evaluate(&case(wf, facts));
    assert!(holds(&[
        ("has_children", true),
        ("children_witnessed", true)
    ]));
    assert!(holds(&[
        ("has_children", true),
        ("children_subjected", true)
    ]));
    assert!(!holds(&[
        ("has_children", true),
        ("children_witnessed", false)
    ]));
    assert!(!holds(&[
        ("has_children", false),
        ("children_witnessed", true)
    ]));
    assert!(
        holds(&[("has_children", false), ("child_at_risk_suspected", true)]),
        "a suspicion alone, about any child, fires the rule"
    );
    assert!(holds(&[("child_at_risk_suspected", true)]));
    assert!(!holds(&[("child_at_risk_suspected", false)]));
    assert!(!holds(&[]), "nothing recorded must not fire the rule");
    assert_eq!(
        compiled.when.root.to_string(),
        "((has_children = yes and (children_subjected = yes or children_witnessed = yes)) or child_at_risk_suspected = yes)"
    );
    assert_eq!(
        compiled.when.root.path.as_ref(),
        "rules/orosanmalan_barn/when"
    );
}
