//! Assessment instruments: items, scoring, interpretation bands, the facts they write.
//!
//! Bands are local configuration (there is no validated Swedish FREDA cut-off); the loader
//! checks that each band set tiles the instrument's score range with no gaps or overlaps.

use std::sync::Arc;

use crate::syntax::WriteSource;

/// A checked instrument.
#[derive(Debug, Clone)]
pub struct Instrument {
    /// Id.
    pub id: Arc<str>,
    /// Version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Items.
    pub items: Vec<Item>,
    /// Scoring.
    pub scoring: Scoring,
    /// Lowest possible score.
    pub score_min: f64,
    /// Highest possible score.
    pub score_max: f64,
    /// Band sets: one without an age group, or one per age group.
    pub norms: Vec<Norm>,
    /// A reliable change in score.
    pub reliable_change: Option<f64>,
    /// Values of the client's own rating.
    pub client_self_rating: Vec<Arc<str>>,
    /// Values of the professional judgement.
    pub professional_judgement: Vec<Arc<str>>,
    /// Facts written when completed.
    pub writes: Vec<Write>,
    /// Every item must be answered for a completion to be accepted.
    pub complete_only: bool,
}

/// An item.
#[derive(Debug, Clone)]
pub struct Item {
    /// Id.
    pub id: Arc<str>,
    /// Topic, in our own words.
    pub topic: String,
    /// Category.
    pub category: Option<String>,
    /// Answer type.
    pub answer: Answer,
}

/// An item's answer type.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Yes (1) / no (0).
    YesNo,
    /// A number in a range.
    Scale {
        /// Lowest.
        min: f64,
        /// Highest.
        max: f64,
    },
    /// One of the options, each with its score.
    Choice(Vec<(Arc<str>, f64)>),
}

/// How a score is computed.
#[derive(Debug, Clone, PartialEq)]
pub enum Scoring {
    /// No score.
    None,
    /// Sum of answers.
    Sum,
    /// Weighted sum; items without a weight count 1.
    Weighted(Vec<(Arc<str>, f64)>),
}

/// A band set for an age group (or everyone).
#[derive(Debug, Clone)]
pub struct Norm {
    /// Id (`default` when there are no age groups).
    pub id: Arc<str>,
    /// Youngest age.
    pub age_min: Option<u32>,
    /// Oldest age.
    pub age_max: Option<u32>,
    /// Bands in score order.
    pub bands: Vec<Band>,
}

/// An interpretation band.
#[derive(Debug, Clone)]
pub struct Band {
    /// Id.
    pub id: Arc<str>,
    /// Title.
    pub title: Option<String>,
    /// Lowest score, included.
    pub min: f64,
    /// Highest score, included.
    pub max: f64,
}

/// A fact an instrument writes.
#[derive(Debug, Clone)]
pub struct Write {
    /// The fact's id.
    pub fact: Arc<str>,
    /// What is written.
    pub from: WriteSource,
}

impl Instrument {
    /// Every band id over all norms, each once.
    pub fn band_ids(&self) -> impl Iterator<Item = &str> + Clone {
        let mut seen: Vec<&str> = Vec::new();
        for b in self.norms.iter().flat_map(|n| n.bands.iter()) {
            if !seen.contains(&b.id.as_ref()) {
                seen.push(b.id.as_ref());
            }
        }
        seen.into_iter()
    }

    /// An item's weight in the score (1 unless the scoring weighs it).
    pub fn weight(&self, item: &str) -> f64 {
        match &self.scoring {
            Scoring::Weighted(ws) => ws
                .iter()
                .find(|(i, _)| i.as_ref() == item)
                .map_or(1.0, |(_, w)| *w),
            _ => 1.0,
        }
    }

    /// The band a score falls in, using the norm for the client's age when there are several.
    pub fn band(&self, score: f64, age: Option<i64>) -> Option<&Band> {
        let in_norm = |n: &Norm| match (age, n.age_min, n.age_max) {
            (_, None, None) => true,
            (None, _, _) => false,
            (Some(a), lo, hi) => {
                lo.is_none_or(|lo| a >= i64::from(lo)) && hi.is_none_or(|hi| a <= i64::from(hi))
            }
        };
        let norm = self.norms.iter().find(|n| in_norm(n))?;
        let eps = 1e-9;
        norm.bands
            .iter()
            .find(|b| score >= b.min - eps && score <= b.max + eps)
            .or_else(|| {
                // Between two bands' bounds at a finer step than declared: the lower band.
                norm.bands.iter().rev().find(|b| score >= b.min)
            })
    }
}

/// An answer as given, for scoring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Given<'a> {
    /// Yes or no.
    Bool(bool),
    /// A number.
    Number(f64),
    /// An option id.
    Text(&'a str),
}

impl Answer {
    /// The points an answer scores, or `None` when it does not fit the answer type.
    pub fn points(&self, given: Given<'_>) -> Option<f64> {
        match (self, given) {
            (Answer::YesNo, Given::Bool(b)) => Some(if b { 1.0 } else { 0.0 }),
            (Answer::Scale { min, max }, Given::Number(v)) => (v >= *min && v <= *max).then_some(v),
            (Answer::Choice(options), Given::Text(t)) => options
                .iter()
                .find(|(id, _)| id.as_ref() == t)
                .map(|(_, s)| *s),
            _ => None,
        }
    }

    /// What an answer must be, in words.
    pub fn describe(&self) -> String {
        match self {
            Answer::YesNo => "true or false".to_owned(),
            Answer::Scale { min, max } => format!("a number from {min} to {max}"),
            Answer::Choice(options) => {
                format!(
                    "one of {}",
                    options
                        .iter()
                        .map(|(id, _)| id.as_ref())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
    }
}
