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
