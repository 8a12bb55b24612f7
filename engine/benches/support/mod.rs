//! What every Lots benchmark shares: the shipped files, medians, ratios, units, verdicts, and
//! the small event builders. Each benchmark uses part of it.

#![allow(
    dead_code,
    reason = "each benchmark binary uses a different part of this module"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::ToSpan;
use jiff::civil::{DateTime, date};
use lots::catalog::Input;
use lots::runtime::FactValue;
use lots::{FsSource, Source};

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default()
}

/// The shipped catalog's folders.
pub(crate) fn catalog_paths() -> [PathBuf; 2] {
    [root().join("workflows"), root().join("rules")]
}

/// Every shipped catalog file (YAML and rhai) as (name, text).
pub(crate) fn shipped() -> Vec<(String, String)> {
    FsSource::new(catalog_paths())
        .inputs()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| match i {
            Input::Text(f) => Some((f.name().to_owned(), f.text().to_owned())),
            _ => None,
        })
        .collect()
}

/// The median of a sample.
pub(crate) fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

/// The median of a sample of numbers.
pub(crate) fn median_f64(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

/// Subject over baseline.
pub(crate) fn ratio(subject: Duration, baseline: Duration) -> f64 {
    subject.as_secs_f64() / baseline.as_secs_f64().max(f64::EPSILON)
}

/// Milliseconds.
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Microseconds.
pub(crate) fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Nanoseconds.
pub(crate) fn ns(d: Duration) -> f64 {
    d.as_secs_f64() * 1e9
}

/// `met` or `MISSED`.
pub(crate) fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// A time `day` days after Monday 4 August 2025.
pub(crate) fn at(day: i64, hour: i8, minute: i8) -> DateTime {
    date(2025, 8, 4)
        .checked_add(day.days())
        .map(|d| d.at(hour, minute, 0, 0))
        .unwrap_or_default()
}

/// Facts from (id, value) pairs.
pub(crate) fn facts<const N: usize>(pairs: [(&str, FactValue); N]) -> BTreeMap<String, FactValue> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A catalog that must load without errors; otherwise the first diagnostics, then a panic.
#[expect(
    clippy::panic,
    reason = "benchmark setup: a broken catalog cannot be measured"
)]
pub(crate) fn load_clean(source: &dyn lots::Source) -> lots::Catalog {
    let loaded = lots::Catalog::load(source).unwrap_or_else(|e| panic!("{e}"));
    loaded.catalog.unwrap_or_else(|| {
        let first: Vec<String> = loaded
            .diagnostics
            .iter()
            .take(5)
            .map(|d| format!("{:?}: {}", d.location(), d.message))
            .collect();
        panic!("benchmark catalog has errors: {first:?}")
    })
}

/// xorshift64*, seeded with a constant: the same data every run.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        (self.next() >> 16) % n
    }

    pub(crate) fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// Interleaved rounds: subject and baseline alternate, so machine noise hits both. Each
/// sample times `batch` calls; the medians are per call.
pub(crate) fn interleaved(
    rounds: usize,
    batch: u32,
    mut subject: impl FnMut(),
    mut baseline: impl FnMut(),
) -> (Duration, Duration) {
    let (mut s, mut b) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..batch {
            subject();
        }
        s.push(t.elapsed() / batch);
        let t = Instant::now();
        for _ in 0..batch {
            baseline();
        }
        b.push(t.elapsed() / batch);
    }
    (median(s), median(b))
}
