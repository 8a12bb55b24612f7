//! What a script reads of `event`, and the walk the load checks share.

use rhai::{AST, Dynamic, Scope};

use super::{EventReads, Limits, event_reads, indexed_assignment, sandbox};

fn compile(text: &str) -> AST {
    let mut scope = Scope::new();
    for name in ["event", "phase", "unit", "age"] {
        scope.push_dynamic(name, Dynamic::UNIT);
    }
    sandbox::engine(&Limits::default())
        .compile_with_scope(&scope, text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The properties a script reads (`facts.a` for a name of a property, `facts` for all of
/// it), sorted; `None` for the whole event.
fn reads(text: &str) -> Option<Vec<String>> {
    match event_reads(&compile(text)) {
        EventReads::All => None,
        EventReads::Only(props) => {
            let mut out: Vec<String> = props
                .iter()
                .flat_map(|p| match &p.names {
                    None => vec![p.name.to_string()],
                    Some(names) => names.iter().map(|n| format!("{}.{n}", p.name)).collect(),
                })
                .collect();
            out.sort();
            Some(out)
        }
    }
}

#[track_caller]
fn check(text: &str, expected: Option<&[&str]>) {
    let expected = expected.map(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>());
    assert_eq!(reads(text), expected, "{text}");
}

#[test]
fn properties_named_are_the_only_ones_read() {
    check(r#"event.type == "session_held""#, Some(&["type"]));
    check(r#"event?.type == "session_held""#, Some(&["type"]));
    check(
        r#"if event.type == "session_held" { event.location != "home" }
           else if event.type == "facts_recorded" { event.facts.home_visit_planned != true }
           else { true }"#,
        Some(&["facts.home_visit_planned", "location", "type"]),
    );
    check("event.by.role", Some(&["by.role"]));
    check(
        "event.facts.a && event.facts.b",
        Some(&["facts.a", "facts.b"]),
    );
    check("event.facts.a.len() > 0", Some(&["facts.a"]));
    check("event.facts.a[0]", Some(&["facts.a"]));
    check("event.at.len()", Some(&["at"]));
    check("event.type = 1; event.type", Some(&["type"]));
    check(
        r#"switch event.type { "a" => 1, _ => event.at }"#,
        Some(&["at", "type"]),
    );
    check("let x = loop { break event.at; }; x", Some(&["at"]));
}

#[test]
fn a_property_read_whole_keeps_all_its_names() {
    check("event.facts", Some(&["facts"]));
    check("event.facts.a; event.facts", Some(&["facts"]));
    check("event.facts; event.facts.a", Some(&["facts"]));
    check("event.facts.len()", Some(&["facts"]));
    check("event.facts.keys()", Some(&["facts"]));
    check(r#"event.facts["a"]"#, Some(&["facts"]));
    check(r#""a" in event.facts"#, Some(&["facts"]));
    check("for k in event.facts.keys() { k }", Some(&["facts"]));
}

#[test]
fn the_event_used_as_a_value_is_read_whole() {
    check("type_of(event)", None);
    check(r#"event["type"]"#, None);
    check(r#""type" in event"#, None);
    check("event.keys()", None);
    check("event.len() > 0", None);
    check("let e = event; e.type", None);
    check("event", None);
    check("`${event}`", None);
    check("event.type; for k in event.values() { k }", None);
    check("let x = loop { break event; }; x.type", None);
    check("#{e: event}", None);
    check("[event]", None);
    check("event == ()", None);
}

#[test]
fn a_script_that_names_event_only_in_a_comment_gets_all() {
    check("// event\nage", None);
}

#[test]
fn indexed_assignment_is_found_inside_a_break_value() {
    let found = |text: &str| indexed_assignment(&compile(text)).is_some();
    assert!(found(r#"let m = #{}; m["a"] = 1; m"#));
    assert!(found(
        r#"let m = #{}; let x = loop { break { m["a"] = 1; m }; }; x"#
    ));
    assert!(!found("let m = #{}; m.a = 1; m"));
}
