use super::*;
use crate::model::index::{DeadlineIdx, FactSlot, ParamIdx, PhaseIdx};
use crate::syntax::{CountKind, DayCount, DeadlineState, SinceEvent};

/// Facts by slot, nothing else recorded.
struct Slots(Vec<Option<Value>>);

impl Env for Slots {
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

/// What a trace held before node indices: every node's path and value, as recorded.
#[derive(Default)]
struct Paths(Vec<(Arc<str>, bool)>);

impl Recorder for Paths {
    fn record(&mut self, node: &Node, value: bool) {
        self.0.push((Arc::clone(&node.path), value));
    }
}

fn node(path: &str, test: Test) -> Node {
    Node {
        idx: 0,
        path: path.into(),
        span: Span::default(),
        test,
    }
}

fn is_true(path: &str, slot: u16) -> Node {
    node(
        path,
        Test::Equals {
            fact: FactRef {
                slot: FactSlot(slot),
                name: format!("f{slot}").into(),
                values: Arc::new([]),
                of: None,
            },
            value: Value::Bool(true),
        },
    )
}

/// `all` of `n` groups, each `any` of (slot k, not slot k+1, slot k): more than 64 nodes when
/// `n` is large, facts read twice, and short cuts at both levels.
fn wide(n: u16) -> Condition {
    let groups = (0..n)
        .map(|k| {
            let p = format!("when/all/{k}");
            node(
                &p,
                Test::Any(vec![
                    is_true(&format!("{p}/any/0"), k % 7),
                    node(
                        &format!("{p}/any/1"),
                        Test::Not(Box::new(is_true(&format!("{p}/any/1/not"), k % 7 + 1))),
                    ),
                    is_true(&format!("{p}/any/2"), k % 7),
                ]),
            )
        })
        .collect();
    Condition::new(node("when", Test::All(groups)))
}

fn slots(bits: u32) -> Slots {
    Slots(
        (0..9)
            .map(|i| match (bits >> (2 * i)) & 3 {
                0 => None,
                1 => Some(Value::Bool(false)),
                _ => Some(Value::Bool(true)),
            })
            .collect(),
    )
}

#[test]
fn nodes_are_numbered_in_post_order() {
    let c = wide(2);
    let paths: Vec<&str> = c.paths().iter().map(AsRef::as_ref).collect();
    assert_eq!(
        paths,
        [
            "when/all/0/any/0",
            "when/all/0/any/1/not",
            "when/all/0/any/1",
            "when/all/0/any/2",
            "when/all/0",
            "when/all/1/any/0",
            "when/all/1/any/1/not",
            "when/all/1/any/1",
            "when/all/1/any/2",
            "when/all/1",
            "when",
        ]
    );
    assert_eq!(c.root.idx, 10);
    assert_eq!(c.len(), 11);
}

/// Marks read in index order are the nodes in the order evaluation recorded them, with the
/// same values, for small conditions and for ones past 64 nodes.
#[test]
fn marks_read_in_evaluation_order() {
    for n in [1, 2, 12, 13, 40] {
        let c = wide(n);
        for bits in (0..1u32 << 18).step_by(997) {
            let env = slots(bits);
            let mut expected = Paths::default();
            let mut marks = NodeMarks::default();
            let v1 = c.evaluate_with(&env, &mut expected);
            let v2 = c.evaluate_with(&env, &mut marks);
            assert_eq!(v1, v2);
            let got: Vec<(Arc<str>, bool)> = marks
                .iter()
                .map(|(i, v)| (Arc::clone(&c.paths()[i as usize]), v))
                .collect();
            assert_eq!(got, expected.0, "n = {n}, bits = {bits:#x}");
            for (i, v) in marks.iter() {
                assert_eq!(marks.get(i), Some(v));
            }
            assert_eq!(marks.is_empty(), expected.0.is_empty());
        }
    }
}

/// Facts read: each once, in the order first read, only from nodes evaluated.
#[test]
fn facts_read_once_in_order() {
    let c = wide(40);
    for bits in (0..1u32 << 18).step_by(1231) {
        let env = slots(bits);
        let mut marks = NodeMarks::default();
        c.evaluate_with(&env, &mut marks);
        let mut expected = Vec::new();
        for (i, _) in marks.iter() {
            let n = find(&c.root, i).unwrap();
            for f in n.facts() {
                if !expected.contains(&f.slot) {
                    expected.push(f.slot);
                }
            }
        }
        let got: Vec<FactSlot> = c.facts_read(&marks).collect();
        assert_eq!(got, expected);
    }
}

fn find(node: &Node, idx: u32) -> Option<&Node> {
    if node.idx == idx {
        return Some(node);
    }
    match &node.test {
        Test::All(c) | Test::Any(c) => c.iter().find_map(|c| find(c, idx)),
        Test::Not(c) => find(c, idx),
        _ => None,
    }
}

#[test]
fn marks_far_and_cleared() {
    let mut m = NodeMarks::default();
    m.mark(3, true);
    m.mark(64, false);
    m.mark(200, true);
    assert_eq!(
        m.iter().collect::<Vec<_>>(),
        [(3, true), (64, false), (200, true)]
    );
    assert_eq!(m.get(64), Some(false));
    assert_eq!(m.get(65), None);
    assert_eq!(m.get(1000), None);
    m.clear();
    assert!(m.is_empty());
    assert_eq!(m.iter().count(), 0);
}
