//! Legal grounds as versioned data: a concept id with one entry per statute version.
//!
//! Rules, phases and deadlines cite the concept id; the citation shown is the version in force
//! on the date of the event ([`Concept::in_force`]).

use std::sync::Arc;

use jiff::civil::Date;

/// A legal concept.
#[derive(Debug, Clone)]
pub struct Concept {
    /// Stable id, e.g. `child.preassessment.deadline`.
    pub id: Arc<str>,
    /// What it says, in our words.
    pub title: String,
    /// Statute versions in date order.
    pub versions: Vec<StatuteVersion>,
    /// Where the concept's id was written.
    pub span: crate::diagnostics::Span,
}

/// A concept's place in one statute version.
#[derive(Debug, Clone)]
pub struct StatuteVersion {
    /// e.g. `SoL`.
    pub statute: String,
    /// e.g. `2001:453`.
    pub number: String,
    /// Chapter.
    pub chapter: Option<u32>,
    /// Section.
    pub section: Option<String>,
    /// Paragraph.
    pub paragraph: Option<u32>,
    /// First day in force.
    pub valid_from: Date,
    /// Last day in force.
    pub valid_to: Option<Date>,
    /// Checked against the statute text.
    pub verified: bool,
}

impl Concept {
    /// The version in force on a date.
    pub fn in_force(&self, on: Date) -> Option<&StatuteVersion> {
        self.versions
            .iter()
            .find(|v| v.valid_from <= on && v.valid_to.is_none_or(|to| on <= to))
    }
}

impl std::fmt::Display for StatuteVersion {
    /// `SoL (2001:453) 11 kap. 1 a § 2 st.`, with `(unverified)` when not checked.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.statute, self.number)?;
        if let Some(c) = self.chapter {
            write!(f, " {c} kap.")?;
        }
        if let Some(s) = &self.section {
            write!(f, " {s} §")?;
        }
        if let Some(p) = self.paragraph {
            write!(f, " {p} st.")?;
        }
        if !self.verified {
            write!(f, " (unverified)")?;
        }
        Ok(())
    }
}
