//! The secrets of a case: the values of its sensitive facts (recorded, in the event, former),
//! longest first, equal lengths in the order of the facts' names.

use lots::runtime::secrecy::Secrets;
use lots::runtime::{Case, Event, FactValue};

use crate::load_with;

fn text(s: &str) -> FactValue {
    FactValue::Text(s.to_owned())
}

#[test]
fn secrets_are_the_sensitive_values_longest_first_then_by_name() {
    let catalog = load_with([]).catalog.unwrap();
    let wf = catalog.workflow("vuxna_utsatta").unwrap();
    let mut case = Case::default();
    // `address` and `phone` are sensitive; `relationship_to_perpetrator` is not.
    case.facts.insert("phone".to_owned(), text("d xyz1"));
    case.facts.insert("address".to_owned(), text("abcd x"));
    case.facts.insert(
        "relationship_to_perpetrator".to_owned(),
        text("former_partner"),
    );
    case.facts.insert("age".to_owned(), FactValue::Integer(34));
    let secrets = Secrets::of(wf, &case, None);
    // Both are six characters and overlap: `address` comes first by name and is replaced
    // first, as walking the case's facts in name order did.
    assert_eq!(secrets.redact("abcd xyz1"), "[redacted]yz1");
    assert_eq!(secrets.redact("former_partner, 34"), "former_partner, 34");
    // The event's sensitive values and former values count too, longest first.
    case.former_sensitive.push_back("Gamla vägen 1".to_owned());
    let event = Event::FactsRecorded {
        facts: [("address".to_owned(), text("Hemligvägen 7"))].into(),
        person: None,
    };
    let secrets = Secrets::of(wf, &case, Some(&event));
    assert_eq!(
        secrets.redact("hemligvägen 7, gamla vägen 1, abcd x, d xyz1"),
        "[redacted], [redacted], [redacted], [redacted]"
    );
    assert!(Secrets::of(wf, &Case::default(), None).is_empty());
}
