//! Lowering an `Instrument` file: items, answers, scoring, bands and norms, checked.

use super::ctx::Ctx;
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::model::instrument::{Answer, Band, Instrument, Item, Norm, Scoring, Write};
use crate::syntax::{self, AnswerDecl, InstrumentFile, ScoringDecl, Spanned, WriteSource};
use std::sync::Arc;

/// Lowers an instrument file and checks its items, weights and bands.
pub(crate) fn lower(ctx: &mut Ctx<'_>, file: &InstrumentFile) -> Instrument {
    ctx.check_unique("item", file.items.iter().map(|i| &i.id));
    let items: Vec<Item> = file
        .items
        .iter()
        .map(|i| Item {
            id: i.id.value.as_str().into(),
            topic: i.topic.clone(),
            category: i.category.clone(),
            answer: match &i.answer.value {
                AnswerDecl::YesNo => Answer::YesNo,
                AnswerDecl::Scale { min, max } => Answer::Scale {
                    min: *min,
                    max: *max,
                },
                AnswerDecl::Choice(cs) => Answer::Choice(
                    cs.iter()
                        .map(|c| (c.id.value.as_str().into(), c.score))
                        .collect(),
                ),
            },
        })
        .collect();
    let scoring = match &file.scoring.value {
        ScoringDecl::None => Scoring::None,
        ScoringDecl::Sum => Scoring::Sum,
        ScoringDecl::Weighted(ws) => {
            for w in ws {
                if !items.iter().any(|i| i.id.as_ref() == w.item.value) {
                    ctx.push(
                        Diagnostic::new(
                            Code::UnknownItem,
                            format!("weight for unknown item `{}`", w.item.value),
                        )
                        .at(ctx.source, w.item.span)
                        .label("no such item")
                        .help(suggest(
                            &w.item.value,
                            "items",
                            items.iter().map(|i| i.id.as_ref()),
                        )),
                    );
                }
            }
            Scoring::Weighted(
                ws.iter()
                    .map(|w| (w.item.value.as_str().into(), w.weight))
                    .collect(),
            )
        }
    };
    let (score_min, score_max) = score_range(&items, &scoring);
    let step = file.score_step.unwrap_or(1.0);

    let mut norms = Vec::new();
    if let Some(bands) = &file.bands {
        if !file.norms.is_empty() {
            ctx.push(
                Diagnostic::new(
                    Code::MissingBands,
                    format!(
                        "instrument `{}` has both `bands` and `norms`",
                        file.id.value
                    ),
                )
                .at(ctx.source, bands.span)
                .label("bands for everyone")
                .help("use `bands` for one set, or `norms` for one set per age group, not both"),
            );
        }
        let bands = check_bands(ctx, bands, score_min, score_max, step);
        norms.push(Norm {
            id: "default".into(),
            age_min: None,
            age_max: None,
            bands,
        });
    }
    ctx.check_unique("norm", file.norms.iter().map(|n| &n.id));
    for n in &file.norms {
        let bands = check_bands(ctx, &n.bands, score_min, score_max, step);
        norms.push(Norm {
            id: n.id.value.as_str().into(),
            age_min: n.age_min,
            age_max: n.age_max,
            bands,
        });
    }
    let ratings = |r: &Option<syntax::RatingDecl>| -> Vec<Arc<str>> {
        r.iter()
            .flat_map(|r| r.values.iter().map(|v| Arc::from(v.value.as_str())))
            .collect()
    };
    let instrument = Instrument {
        id: file.id.value.as_str().into(),
        version: file.version.value,
        title: file.title.clone(),
        items,
        scoring,
        score_min,
        score_max,
        norms,
        reliable_change: file.reliable_change,
        client_self_rating: ratings(&file.client_self_rating),
        professional_judgement: ratings(&file.professional_judgement),
        writes: file
            .writes
            .iter()
            .map(|w| Write {
                fact: w.fact.value.as_str().into(),
                from: w.from,
            })
            .collect(),
        complete_only: file.complete_only,
    };
    for w in &file.writes {
        let missing = match w.from {
            WriteSource::Band => instrument.norms.is_empty().then_some("bands"),
            WriteSource::Score => (instrument.scoring == Scoring::None).then_some("a score"),
            WriteSource::ClientSelfRating => instrument
                .client_self_rating
                .is_empty()
                .then_some("`client_self_rating`"),
            WriteSource::ProfessionalJudgement => instrument
                .professional_judgement
                .is_empty()
                .then_some("`professional_judgement`"),
            WriteSource::Completed => None,
        };
        if let Some(missing) = missing {
            ctx.push(
                Diagnostic::new(
                    Code::MissingBands,
                    format!(
                        "instrument `{}` writes `{}` from {missing} it does not define",
                        file.id.value, w.fact.value
                    ),
                )
                .at(ctx.source, w.fact.span)
                .label("nothing to write")
                .help(format!(
                    "define {missing} in the instrument, or remove this write"
                )),
            );
        }
    }
    instrument
}

fn score_range(items: &[Item], scoring: &Scoring) -> (f64, f64) {
    let weight = |id: &str| match scoring {
        Scoring::Weighted(ws) => ws
            .iter()
            .find(|(i, _)| i.as_ref() == id)
            .map_or(1.0, |(_, w)| *w),
        _ => 1.0,
    };
    let mut lo = 0.0;
    let mut hi = 0.0;
    for item in items {
        let (a, b) = match &item.answer {
            Answer::YesNo => (0.0, 1.0),
            Answer::Scale { min, max } => (*min, *max),
            Answer::Choice(cs) => (
                cs.iter().map(|c| c.1).fold(f64::INFINITY, f64::min),
                cs.iter().map(|c| c.1).fold(f64::NEG_INFINITY, f64::max),
            ),
        };
        let w = weight(&item.id);
        let (a, b) = if w >= 0.0 {
            (a * w, b * w)
        } else {
            (b * w, a * w)
        };
        if a.is_finite() && b.is_finite() {
            lo += a;
            hi += b;
        }
    }
    (lo, hi)
}

fn check_bands(
    ctx: &mut Ctx<'_>,
    bands: &Spanned<Vec<syntax::BandDecl>>,
    score_min: f64,
    score_max: f64,
    step: f64,
) -> Vec<Band> {
    ctx.check_unique("band", bands.value.iter().map(|b| &b.id));
    let mut sorted: Vec<&syntax::BandDecl> = bands.value.iter().collect();
    sorted.sort_by(|a, b| a.min.value.total_cmp(&b.min.value));
    let eps = step / 1000.0;
    let near = |a: f64, b: f64| (a - b).abs() < eps;
    let fmt = |x: f64| format!("{}", (x * 1000.0).round() / 1000.0);
    let scores = |lo: f64, hi: f64| {
        if near(lo, hi) {
            format!("score {}", fmt(lo))
        } else {
            format!("scores {} to {}", fmt(lo), fmt(hi))
        }
    };
    let no_band = |lo: f64, hi: f64| {
        let verb = if near(lo, hi) { "falls" } else { "fall" };
        format!("{} {verb} in no band", scores(lo, hi))
    };
    for b in &sorted {
        if b.min.value > b.max.value {
            ctx.push(
                Diagnostic::new(
                    Code::BandOverlap,
                    format!(
                        "band `{}` starts at {} above its end {}",
                        b.id.value,
                        fmt(b.min.value),
                        fmt(b.max.value)
                    ),
                )
                .at(ctx.source, b.min.span)
                .label("min above max")
                .help("make `min <= max`"),
            );
        }
    }
    if let Some(first) = sorted.first()
        && first.min.value > score_min + eps
    {
        ctx.push(
            Diagnostic::new(Code::BandGap, no_band(score_min, first.min.value - step))
                .at(ctx.source, first.min.span)
                .label(format!(
                    "lowest band starts here; scores start at {}",
                    fmt(score_min)
                ))
                .help(format!("start the lowest band at {}", fmt(score_min))),
        );
    }
    if let Some(last) = sorted.last()
        && last.max.value + eps < score_max
    {
        ctx.push(
            Diagnostic::new(Code::BandGap, no_band(last.max.value + step, score_max))
                .at(ctx.source, last.max.span)
                .label(format!(
                    "highest band ends here; scores go to {}",
                    fmt(score_max)
                ))
                .help(format!("end the highest band at {}", fmt(score_max))),
        );
    }
    for pair in sorted.windows(2) {
        let [a, b] = pair else { continue };
        if b.min.value <= a.max.value + eps && !near(b.min.value, a.max.value + step) {
            ctx.push(
                Diagnostic::new(
                    Code::BandOverlap,
                    format!(
                        "bands `{}` and `{}` both cover {}",
                        a.id.value,
                        b.id.value,
                        scores(b.min.value, a.max.value.min(b.max.value))
                    ),
                )
                .at(ctx.source, b.min.span)
                .label("starts inside the previous band")
                .note(a.max.span, "previous band ends here")
                .help(format!(
                    "start `{}` at {}",
                    b.id.value,
                    fmt(a.max.value + step)
                )),
            );
        } else if !near(b.min.value, a.max.value + step) {
            ctx.push(
                Diagnostic::new(
                    Code::BandGap,
                    no_band(a.max.value + step, b.min.value - step),
                )
                .at(ctx.source, b.min.span)
                .label("gap before this band")
                .note(a.max.span, "previous band ends here")
                .help(format!(
                    "start `{}` at {} (one score step of {} after the previous band)",
                    b.id.value,
                    fmt(a.max.value + step),
                    fmt(step)
                )),
            );
        }
    }
    sorted
        .into_iter()
        .map(|b| Band {
            id: b.id.value.as_str().into(),
            title: b.title.clone(),
            min: b.min.value,
            max: b.max.value,
        })
        .collect()
}
