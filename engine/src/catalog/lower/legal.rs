//! Lowering a `LegalReference` file: concepts and the statute versions in force.

use super::ctx::Ctx;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::legal::{Concept, StatuteVersion};
use crate::syntax::{LegalFile, Spanned};
use jiff::civil::Date;

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
