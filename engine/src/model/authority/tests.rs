use std::sync::Arc;

use super::*;

fn roles(r: &[&str]) -> Vec<Arc<str>> {
    r.iter().map(|x| Arc::from(*x)).collect()
}

#[test]
fn approvals_fill_one_entry_per_person() {
    let slots = roles(&["enhetschef", "socialsekreterare"]);
    assert_eq!(
        open_slots(&slots, []),
        Some(vec!["enhetschef", "socialsekreterare"])
    );
    assert_eq!(
        open_slots(&slots, ["socialsekreterare"]),
        Some(vec!["enhetschef"])
    );
    assert_eq!(
        open_slots(&slots, ["socialsekreterare", "enhetschef"]),
        Some(vec![])
    );
    // A second caseworker has no entry left.
    assert_eq!(
        open_slots(&slots, ["socialsekreterare", "socialsekreterare"]),
        None
    );
    let two_heads = roles(&["enhetschef", "enhetschef"]);
    assert_eq!(
        open_slots(&two_heads, ["enhetschef"]),
        Some(vec!["enhetschef"])
    );
}

#[test]
fn a_grant_without_roles_is_open() {
    assert!(Grant::open().allows("vem_som_helst"));
    let g = Grant {
        roles: Some(roles(&["namnd"])),
        source: Source::Workflow,
    };
    assert!(g.allows("namnd"));
    assert!(!g.allows("enhetschef"));
    assert_eq!(g.role_names(), vec!["namnd".to_owned()]);
}
