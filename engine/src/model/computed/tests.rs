use jiff::civil::date;

use super::{Invalid, months_between, tidy};

#[test]
fn months_are_counted_as_the_law_counts_them() {
    // 31 January plus one month is 28 February (lag 1930:173 1 §).
    assert_eq!(months_between(date(2026, 1, 31), date(2026, 2, 28)), 1);
    assert_eq!(months_between(date(2026, 1, 31), date(2026, 2, 27)), 0);
    assert_eq!(months_between(date(2025, 9, 1), date(2026, 1, 1)), 4);
    assert_eq!(months_between(date(2025, 9, 2), date(2026, 1, 1)), 3);
    assert_eq!(months_between(date(2026, 1, 1), date(2025, 9, 1)), -4);
    assert_eq!(months_between(date(2025, 9, 1), date(2025, 9, 1)), 0);
}

#[test]
fn decimals_read_as_written() {
    assert_eq!(tidy(30.3 - 25.3), Ok(5.0));
    assert_eq!(tidy(31.3 - 20.1), Ok(11.2));
    assert_eq!(tidy(-1e-12).map(f64::to_bits), Ok(0.0f64.to_bits()));
    assert_eq!(tidy(f64::INFINITY), Err(Invalid::NotFinite));
    assert_eq!(tidy(f64::NAN), Err(Invalid::NotFinite));
    assert_eq!(tidy(1e300), Ok(1e300));
}
