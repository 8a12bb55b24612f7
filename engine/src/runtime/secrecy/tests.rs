use super::replace_any_case;

#[test]
fn replaces_in_any_case() {
    let r = |t: &str| replace_any_case(t, "hemligvägen 7 b");
    assert_eq!(r("Bor på Hemligvägen 7 B nu"), "Bor på [redacted] nu");
    assert_eq!(r("HEMLIGVÄGEN 7 B"), "[redacted]");
    assert_eq!(
        r("hemligvägen 7 b och Hemligvägen 7 B"),
        "[redacted] och [redacted]"
    );
    assert_eq!(r("Hemligvägen 7"), "Hemligvägen 7");
    assert_eq!(r(""), "");
    assert_eq!(r("åäö Hemligvägen 7 Bx"), "åäö [redacted]x");
}
