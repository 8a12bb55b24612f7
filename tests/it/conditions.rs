//! Compiled conditions evaluate over fact slots: the shipped orosanmälan rule, as the runtime
//! will see it, against a case whose facts are set slot by slot.

use lots::model::condition::Env;
use lots::model::fact::Value;
use lots::model::index::{DeadlineIdx, FactSlot, ParamIdx, PhaseIdx};
use lots::model::workflow::Workflow;
use lots::syntax::{CountKind, DayCount, DeadlineState, SinceEvent};

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
        "((has_children = yes and number of children == 0 and (children_subjected = yes or children_witnessed = yes)) or child_at_risk_suspected = yes)"
    );
    assert_eq!(
        compiled.when.root.path.as_ref(),
        "rules/orosanmalan_barn/when"
    );
}

/// What a trace recorded before node indices: each node's path and value as evaluation
/// finished it.
#[derive(Default)]
struct Paths(Vec<(String, bool)>);

impl lots::model::condition::Recorder for Paths {
    fn record(&mut self, node: &lots::model::condition::Node, value: bool) {
        self.0.push((node.path.to_string(), value));
    }
}

/// A random value of each fact's type, or none (xorshift, fixed seed).
fn random_case(wf: &Workflow, seed: &mut u64) -> Facts {
    use jiff::ToSpan;
    use lots::syntax::FactType;
    let mut next = |n: u64| {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed % n
    };
    Facts(
        wf.facts
            .iter()
            .map(|f| {
                if next(4) == 0 {
                    return None;
                }
                Some(match f.ty {
                    FactType::Bool => Value::Bool(next(2) == 0),
                    FactType::Integer => Value::Integer(next(100) as i64),
                    FactType::Decimal => Value::Decimal(next(400) as f64 / 10.0),
                    FactType::Date => Value::Date(
                        jiff::civil::date(2025, 1, 1)
                            .checked_add((next(365) as i64).days())
                            .unwrap(),
                    ),
                    FactType::Text => Value::Text("x".into()),
                    FactType::Enum | FactType::ProtectionLevel => {
                        Value::Enum(next(f.values.len().max(1) as u64) as u16)
                    }
                })
            })
            .collect(),
    )
}

/// The trace records node indices and reads paths back only when it is read: for every
/// shipped rule and guard, over random cases, it reads as the nodes, values and order that
/// evaluation recorded, and the facts read are the evaluated leaves' facts, each once.
#[test]
fn traced_node_indices_read_back_as_evaluated() {
    use lots::model::condition::{Condition, NodeMarks};
    use lots::runtime::NodeValues;
    let catalog = load_with([]).catalog.unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15;
    let mut checked = 0;
    for wf in &catalog.workflows {
        let rules = catalog
            .rules
            .iter()
            .flat_map(|r| &r.per_workflow)
            .filter(|p| p.workflow == wf.id)
            .map(|p| &p.when);
        let guards = wf.transitions.iter().filter_map(|t| t.when.as_ref());
        let conditions: Vec<&Condition> = rules.chain(guards).collect();
        for _ in 0..200 {
            let env = random_case(wf, &mut seed);
            for c in &conditions {
                let mut paths = Paths::default();
                let mut marks = NodeMarks::default();
                assert_eq!(
                    c.evaluate_with(&env, &mut paths),
                    c.evaluate_with(&env, &mut marks)
                );
                let mut facts = Vec::new();
                for (path, _) in &paths.0 {
                    let i = c.paths().iter().position(|p| **p == **path).unwrap();
                    let slots = find(&c.root, i as u32)
                        .into_iter()
                        .flat_map(|n| n.facts().map(|f| f.slot));
                    for slot in slots {
                        if !facts.contains(&slot) {
                            facts.push(slot);
                        }
                    }
                }
                assert_eq!(c.facts_read(&marks).collect::<Vec<_>>(), facts);
                let nodes = NodeValues::new(c, marks);
                let read: Vec<(String, bool)> =
                    nodes.iter().map(|(p, v)| (p.to_string(), v)).collect();
                assert_eq!(read, paths.0, "{}", c.root.path);
                // JSON is the list of (path, value), and reads back equal.
                let json = serde_json::to_string(&nodes).unwrap();
                assert_eq!(json, serde_json::to_string(&nodes.to_vec()).unwrap());
                let back: NodeValues = serde_json::from_str(&json).unwrap();
                assert_eq!(back, nodes);
                checked += 1;
            }
        }
    }
    assert!(checked > 1_000, "only {checked} evaluations checked");
}

fn find(node: &lots::model::condition::Node, idx: u32) -> Option<&lots::model::condition::Node> {
    use lots::model::condition::Test;
    if node.idx == idx {
        return Some(node);
    }
    match &node.test {
        Test::All(c) | Test::Any(c) => c.iter().find_map(|c| find(c, idx)),
        Test::Not(c) => find(c, idx),
        _ => None,
    }
}
