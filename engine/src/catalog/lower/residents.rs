//! Lowering a `Residents` file: each year once, totals that hold the women and men, and a
//! municipality some unit runs in.

use std::collections::BTreeMap;

use super::ctx::Ctx;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::calendar::{FIRST_YEAR, LAST_YEAR};
use crate::model::residents::{Adults, Residents};
use crate::model::unit::Unit;
use crate::syntax::ResidentsFile;

/// Lowers a residents file; `units` are the catalog's, whose municipalities the file's must
/// be one of.
pub(crate) fn lower(ctx: &mut Ctx<'_>, file: &ResidentsFile, units: &[Unit]) -> Option<Residents> {
    let mut years = BTreeMap::new();
    let mut ok = true;
    for y in &file.years {
        let invalid = |ctx: &mut Ctx<'_>, span, what: String, label: &str, help: &str| {
            ctx.push(
                Diagnostic::new(Code::InvalidResidents, what)
                    .at(ctx.source, span)
                    .label(label.to_owned())
                    .help(help.to_owned()),
            );
        };
        if !(FIRST_YEAR..=LAST_YEAR).contains(&y.year.value) {
            invalid(
                ctx,
                y.year.span,
                format!("year {} is outside the calendar's years", y.year.value),
                "no such year",
                &format!("write a year from {FIRST_YEAR} to {LAST_YEAR}"),
            );
            ok = false;
            continue;
        }
        if years.contains_key(&y.year.value) {
            invalid(
                ctx,
                y.year.span,
                format!("year {} is given twice", y.year.value),
                "second entry",
                "give each year once",
            );
            ok = false;
            continue;
        }
        if y.women.value.saturating_add(y.men.value) > y.total.value {
            invalid(
                ctx,
                y.total.span,
                format!(
                    "the total of {} is below women and men together",
                    y.year.value
                ),
                "too small",
                "the total counts everyone aged 18 or older: at least women and men together",
            );
            ok = false;
            continue;
        }
        years.insert(
            y.year.value,
            Adults {
                women: y.women.value,
                men: y.men.value,
                total: y.total.value,
            },
        );
    }
    let municipality = file.municipality.value.trim();
    if !units
        .iter()
        .any(|u| u.municipality.as_deref().map(str::trim) == Some(municipality))
    {
        let known: Vec<&str> = units
            .iter()
            .filter_map(|u| u.municipality.as_deref())
            .collect();
        ctx.push(
            Diagnostic::new(
                Code::UnknownMunicipality,
                format!("no unit runs in `{municipality}`: these residents divide nothing"),
            )
            .at(ctx.source, file.municipality.span)
            .label("no unit's municipality")
            .help(crate::diagnostics::suggest(
                municipality,
                "municipalities of the units",
                known.iter().copied(),
            )),
        );
    }
    ok.then(|| Residents {
        id: file.id.value.as_str().into(),
        municipality: municipality.to_owned(),
        source: file.source.clone(),
        years,
    })
}
