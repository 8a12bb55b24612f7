//! Legal grounds as versioned data: a concept id with one entry per statute version.
//!
//! Rules, phases and deadlines cite the concept id; the citation shown is the version in force
//! on the date of the event ([`Concept::in_force`]).

use std::sync::Arc;

use jiff::civil::Date;

use crate::catalog::lower::Ctx;
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::{LegalFile, Spanned};

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

fn date(ctx: &mut Ctx<'_>, s: &Spanned<String>) -> Option<Date> {
    match s.value.parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) => {
            ctx.push(
                Diagnostic::new(Code::InvalidDate, format!("`{}` is not a date", s.value))
                    .at(ctx.source, s.span)
                    .label("not a date")
                    .help("write dates as `YYYY-MM-DD`, e.g. `2025-07-01`"),
            );
            None
        }
    }
}

/// Lowers a legal-reference file and checks each concept's validity periods.
pub(crate) fn lower(ctx: &mut Ctx<'_>, file: &LegalFile) -> Vec<Concept> {
    ctx.check_unique("legal concept", file.concepts.iter().map(|c| &c.id));
    let mut out = Vec::new();
    for c in &file.concepts {
        let mut versions: Vec<(StatuteVersion, &Spanned<String>)> = Vec::new();
        for v in &c.versions {
            let from = date(ctx, &v.valid_from);
            let to = match &v.valid_to {
                Some(t) => date(ctx, t).map(Some),
                None => Some(None),
            };
            let (Some(valid_from), Some(valid_to)) = (from, to) else {
                continue;
            };
            if let (Some(to), Some(span)) = (valid_to, v.valid_to.as_ref().map(|t| t.span))
                && to < valid_from
            {
                ctx.push(
                    Diagnostic::new(
                        Code::InvalidPeriod,
                        format!(
                            "`{}` version {} ends before it starts",
                            c.id.value, v.number
                        ),
                    )
                    .at(ctx.source, span)
                    .label(format!("ends {to}, starts {valid_from}"))
                    .help("`valid_to` must be on or after `valid_from`"),
                );
                continue;
            }
            versions.push((
                StatuteVersion {
                    statute: v.statute.clone(),
                    number: v.number.clone(),
                    chapter: v.chapter,
                    section: v.section.clone(),
                    paragraph: v.paragraph,
                    valid_from,
                    valid_to,
                    verified: v.verified,
                },
                &v.valid_from,
            ));
        }
        versions.sort_by_key(|(v, _)| v.valid_from);
        for pair in versions.windows(2) {
            let [(a, _), (b, b_span)] = pair else {
                continue;
            };
            let Some(a_to) = a.valid_to else {
                ctx.push(
                    Diagnostic::new(
                        Code::VersionOverlap,
                        format!("`{}`: {a} is still in force when {b} starts", c.id.value),
                    )
                    .at(ctx.source, b_span.span)
                    .label("starts while the earlier version has no end")
                    .help(format!(
                        "give the earlier version `valid_to: {}`",
                        yesterday(b.valid_from)
                    )),
                );
                continue;
            };
            let next_day = a_to.tomorrow().ok();
            if b.valid_from <= a_to {
                ctx.push(
                    Diagnostic::new(
                        Code::VersionOverlap,
                        format!(
                            "`{}`: {a} and {b} are both in force on {}",
                            c.id.value, b.valid_from
                        ),
                    )
                    .at(ctx.source, b_span.span)
                    .label(format!("starts before the earlier version ends ({a_to})"))
                    .help(format!(
                        "start this version on {}",
                        next_day.map_or_else(String::new, |d| d.to_string())
                    )),
                );
            } else if Some(b.valid_from) != next_day {
                ctx.push(
                    Diagnostic::new(
                        Code::VersionGap,
                        format!(
                            "`{}`: no version is in force from {} to {}",
                            c.id.value,
                            next_day.map_or_else(String::new, |d| d.to_string()),
                            yesterday(b.valid_from)
                        ),
                    )
                    .at(ctx.source, b_span.span)
                    .label("gap before this version")
                    .help(format!(
                        "start this version the day after the earlier one ends ({})",
                        next_day.map_or_else(String::new, |d| d.to_string())
                    )),
                );
            }
        }
        out.push(Concept {
            id: c.id.value.as_str().into(),
            title: c.title.clone(),
            versions: versions.into_iter().map(|(v, _)| v).collect(),
            span: c.id.span,
        });
    }
    out
}

fn yesterday(d: Date) -> String {
    d.yesterday()
        .map_or_else(|_| String::new(), |d| d.to_string())
}
