//! Adult residents per municipality and year: the denominators of rates.

use std::collections::BTreeMap;
use std::sync::Arc;

/// One municipality's adult residents, per year.
#[derive(Debug, Clone, PartialEq)]
pub struct Residents {
    /// Id.
    pub id: Arc<str>,
    /// The municipality, as units write their `municipality`.
    pub municipality: String,
    /// Where the figures come from.
    pub source: Option<String>,
    /// By year.
    pub years: BTreeMap<i16, Adults>,
}

/// Residents aged 18 or older.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Adults {
    /// Women.
    pub women: u64,
    /// Men.
    pub men: u64,
    /// Everyone.
    pub total: u64,
}

impl Adults {
    /// Adding another municipality's.
    pub fn plus(self, other: Adults) -> Adults {
        Adults {
            women: self.women.saturating_add(other.women),
            men: self.men.saturating_add(other.men),
            total: self.total.saturating_add(other.total),
        }
    }
}

impl Residents {
    /// The figures for `year`, or for the latest year before it that has them (figures are
    /// published after the year ends), with the year they are for.
    pub fn for_year(&self, year: i16) -> Option<(i16, Adults)> {
        self.years.range(..=year).next_back().map(|(y, a)| (*y, *a))
    }
}
