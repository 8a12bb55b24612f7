use super::*;

#[test]
fn ids() {
    assert_eq!(id_problem("orosanmalan_barn"), None);
    assert_eq!(id_problem("fas2"), None);
    for bad in [
        "",
        "Fas",
        "2fas",
        "a b",
        "../x",
        "hook/efter",
        "a\u{202E}b",
        "event",
        "\u{200B}",
    ] {
        assert!(id_problem(bad).is_some(), "{bad:?} should be refused");
    }
    assert!(id_problem(&"a".repeat(65)).is_some());
    assert_eq!(id_problem(&"a".repeat(64)), None);
}

#[test]
fn dotted() {
    assert_eq!(dotted_id_problem("child.preassessment.deadline"), None);
    assert_eq!(dotted_id_problem("reporting.feedback"), None);
    assert!(dotted_id_problem("child..x").is_some());
    assert!(dotted_id_problem(".x").is_some());
    assert!(dotted_id_problem("Child.x").is_some());
}

#[test]
fn visible() {
    assert!(has_visible_text("Klienten ville inte"));
    assert!(has_visible_text("å"));
    for invisible in [
        "",
        "  ",
        "\u{200B}",
        "\u{202E}\u{200B}\u{FEFF}",
        "\u{3164}",
        "…",
    ] {
        assert!(!has_visible_text(invisible), "{invisible:?}");
    }
}

#[test]
fn actor_ids() {
    for good in ["hl-17", "ak-2025-0142", "enhetschef-3", "a", "x_1+2"] {
        assert_eq!(actor_id_problem(good), None, "{good:?}");
    }
    for bad in [
        "",
        "hl 17",
        "hl/17",
        "850101-1234",
        "19850101-1234",
        "198501011234",
        "8501011234",
        "hl-850161+1234",
        "x8501011234y",
        "070-1234567",
    ] {
        assert!(actor_id_problem(bad).is_some(), "{bad:?} should be refused");
    }
    assert!(actor_id_problem(&"a".repeat(65)).is_some());
    // Ten digits that cannot be a date are not a personal identity number.
    assert_eq!(actor_id_problem("hl-9999999999"), None);
}

#[test]
fn case_ids_are_pseudonymous() {
    assert_eq!(case_id_problem("sk-2025-0142"), None);
    assert!(case_id_problem("121212-1212").is_some());
    assert!(case_id_problem("ärende-191212121212").is_some());
}
