//! Source inputs to a [`Catalog`]: parse every file, lower each kind in dependency order
//! (legal, instruments, workflows, rules, units, indicators), then cross-file checks.

use std::sync::Arc;

use super::parse::{Parsed, parse};
use super::source::Input;
use super::{Catalog, Loaded, Summary};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, SourceFile, Span};
mod authority;
mod computed;
mod condition;
mod ctx;
mod duty;
mod graph;
pub(crate) mod ids;
mod indicator;
mod instrument;
mod legal;
mod residents;
mod resolve;
mod rules;
mod unit;
mod workflow;

pub(crate) use ctx::{Ctx, Known};

use crate::syntax::{FactType, Spanned, WriteSource};

pub(crate) fn load(inputs: Vec<Input>) -> Loaded {
    let mut diags = Diagnostics::default();
    let n_files = inputs.len();
    let mut files: Vec<(SourceFile, Parsed)> = Vec::new();
    let mut scripts: Vec<SourceFile> = Vec::new();
    let mut sources: Vec<SourceFile> = Vec::new();
    for input in inputs {
        if let Input::Text(source) = &input {
            sources.push(source.clone());
        }
        match input {
            Input::Text(source) if source.name().ends_with(".rhai") => scripts.push(source),
            Input::Text(source) => {
                if let Some(parsed) = parse(&source, &mut diags) {
                    ids::check_file(
                        &mut Ctx {
                            source: &source,
                            diags: &mut diags,
                        },
                        &parsed,
                    );
                    files.push((source, parsed));
                }
            }
            other => diags.extend(other.diagnostic()),
        }
    }

    // Legal concepts and unit ids first: every other kind may cite them.
    let mut concepts = Vec::new();
    let mut unit_ids = Vec::new();
    for (source, parsed) in &files {
        let mut ctx = Ctx {
            source,
            diags: &mut diags,
        };
        match parsed {
            Parsed::Legal(f) => {
                concepts.extend(legal::lower(&mut ctx, f).into_iter().map(|c| (source, c)))
            }
            Parsed::Unit(f) => unit_ids.push(&f.id),
            _ => {}
        }
    }
    let concept_ids: Vec<(&SourceFile, &str, Span)> = concepts
        .iter()
        .map(|(s, c)| (*s, c.id.as_ref(), c.span))
        .collect();
    check_unique_files(&mut diags, "legal concept", &concept_ids);
    let known = Known {
        legal: concepts.iter().map(|(_, c)| c.id.clone()).collect(),
        units: unit_ids
            .iter()
            .map(|u| Arc::from(u.value.as_str()))
            .collect(),
        scripting: crate::model::script::Scripting::default(),
    };
    let ids_of =
        |pick: fn(&Parsed) -> Option<&Spanned<String>>| -> Vec<(&SourceFile, &Spanned<String>)> {
            files
                .iter()
                .filter_map(|(s, p)| pick(p).map(|id| (s, id)))
                .collect()
        };
    for (what, ids) in [
        (
            "workflow",
            ids_of(|p| {
                if let Parsed::Workflow(f) = p {
                    Some(&f.id)
                } else {
                    None
                }
            }),
        ),
        (
            "instrument",
            ids_of(|p| {
                if let Parsed::Instrument(f) = p {
                    Some(&f.id)
                } else {
                    None
                }
            }),
        ),
        (
            "rule set",
            ids_of(|p| {
                if let Parsed::Rules(f) = p {
                    Some(&f.id)
                } else {
                    None
                }
            }),
        ),
        (
            "indicator",
            ids_of(|p| {
                if let Parsed::Indicator(f) = p {
                    Some(&f.id)
                } else {
                    None
                }
            }),
        ),
        (
            "unit",
            ids_of(|p| {
                if let Parsed::Unit(f) = p {
                    Some(&f.id)
                } else {
                    None
                }
            }),
        ),
        (
            "legal reference file",
            ids_of(|p| {
                if let Parsed::Legal(f) = p {
                    Some(&f.id)
                } else {
                    None
                }
            }),
        ),
        (
            "residents file",
            ids_of(|p| {
                if let Parsed::Residents(f) = p {
                    Some(&f.id)
                } else {
                    None
                }
            }),
        ),
    ] {
        let ids: Vec<(&SourceFile, &str, Span)> = ids
            .iter()
            .map(|(s, id)| (*s, id.value.as_str(), id.span))
            .collect();
        check_unique_files(&mut diags, what, &ids);
    }

    let mut instruments = Vec::new();
    for (source, parsed) in &files {
        if let Parsed::Instrument(f) = parsed {
            instruments.push(instrument::lower(
                &mut Ctx {
                    source,
                    diags: &mut diags,
                },
                f,
            ));
        }
    }
    let mut workflows = Vec::new();
    for (source, parsed) in &files {
        if let Parsed::Workflow(f) = parsed {
            let mut ctx = Ctx {
                source,
                diags: &mut diags,
            };
            if let Some(wf) = workflow::lower_workflow(&mut ctx, f, &instruments, &known) {
                workflows.push(wf);
            }
        }
    }
    check_instrument_writes(&mut diags, &instruments, &workflows);
    let mut all_rules = Vec::new();
    for (source, parsed) in &files {
        if let Parsed::Rules(f) = parsed {
            let mut ctx = Ctx {
                source,
                diags: &mut diags,
            };
            all_rules.extend(rules::lower(&mut ctx, f, &workflows, &instruments, &known));
        }
    }
    let rule_ids: Vec<(&SourceFile, &str, Span)> = all_rules
        .iter()
        .map(|r| (&r.source, r.id.as_ref(), r.span))
        .collect();
    check_unique_files(&mut diags, "rule", &rule_ids);
    let mut units = Vec::new();
    let mut indicators = Vec::new();
    for (source, parsed) in &files {
        let mut ctx = Ctx {
            source,
            diags: &mut diags,
        };
        match parsed {
            Parsed::Unit(f) => {
                units.push(unit::lower(
                    &mut ctx,
                    f,
                    &workflows,
                    &all_rules,
                    &instruments,
                    &known,
                    &scripts,
                ));
            }
            Parsed::Residents(_) => {}
            Parsed::Indicator(f) => {
                indicators.extend(indicator::lower(
                    &mut ctx,
                    f,
                    &workflows,
                    &instruments,
                    &known,
                ));
            }
            _ => {}
        }
    }

    let mut residents = Vec::new();
    for (source, parsed) in &files {
        if let Parsed::Residents(f) = parsed {
            let mut ctx = Ctx {
                source,
                diags: &mut diags,
            };
            residents.extend(residents::lower(&mut ctx, f, &units));
        }
    }
    duty::check(&mut diags, &workflows, &instruments, &all_rules, &units);
    authority::check(&mut diags, &workflows, &instruments, &all_rules, &units);
    computed::check_writers(&mut diags, &workflows, &instruments, &all_rules, &units);
    let summary = Summary {
        files: n_files,
        workflows: workflows.len(),
        phases: workflows.iter().map(|w| w.phases.len()).sum(),
        transitions: workflows.iter().map(|w| w.transitions.len()).sum(),
        instruments: instruments.len(),
        rules: all_rules.len(),
        indicators: indicators.len(),
        units: units.len(),
        legal_concepts: concepts.len(),
    };
    diags.sort();
    let catalog = (!diags.has_errors()).then(|| Catalog {
        workflows: workflows.into_iter().map(Arc::new).collect(),
        instruments,
        rules: all_rules,
        indicators,
        units,
        residents,
        legal: concepts.into_iter().map(|(_, c)| c).collect(),
        n_files,
        scripting: known.scripting.clone(),
        sources: sources.into(),
        earlier: Vec::new(),
    });
    Loaded {
        catalog,
        diagnostics: diags,
        summary,
    }
}

/// An id defined in two files (workflows, rule sets, rules, legal concepts…): reported at the
/// later definition, naming the file of the first. Duplicates within one file are reported by
/// `Ctx::check_unique` as the file is lowered.
fn check_unique_files(diags: &mut Diagnostics, what: &str, ids: &[(&SourceFile, &str, Span)]) {
    for (i, (source, id, span)) in ids.iter().enumerate() {
        let first = ids
            .iter()
            .take(i)
            .find(|(other, x, _)| x == id && other.name() != source.name());
        if let Some((first, _, _)) = first {
            diags.push(
                Diagnostic::new(Code::DuplicateId, format!("{what} `{id}` is defined twice"))
                    .at(source, *span)
                    .label("second definition")
                    .help(format!(
                        "`{}` also defines it; {what} ids must be unique",
                        first.name()
                    )),
            );
        }
    }
}

/// The facts an instrument writes must exist, with a compatible type, in every workflow that
/// requires the instrument. Reported in the workflow, at the `required` entry: that is where
/// the author chose the instrument and can fix the facts.
fn check_instrument_writes(
    diags: &mut Diagnostics,
    instruments: &[crate::model::instrument::Instrument],
    workflows: &[crate::model::workflow::Workflow],
) {
    for wf in workflows {
        let mut seen: Vec<&str> = Vec::new();
        let required = wf
            .phases
            .iter()
            .flat_map(|p| p.required.iter().zip(&p.required_spans));
        for (id, span) in required {
            if seen.contains(&id.as_ref()) {
                continue;
            }
            seen.push(id);
            let Some(inst) = instruments.iter().find(|i| i.id == *id) else {
                continue;
            };
            for w in &inst.writes {
                if let Some(d) = write_problem(wf, inst, w) {
                    diags.push(d.at(&wf.source, *span));
                }
            }
        }
    }
}

fn write_problem(
    wf: &crate::model::workflow::Workflow,
    inst: &crate::model::instrument::Instrument,
    w: &crate::model::instrument::Write,
) -> Option<Diagnostic> {
    let Some((_, fact)) = wf.fact(&w.fact) else {
        return Some(
            Diagnostic::new(
                Code::UnknownFact,
                format!(
                    "instrument `{}` writes fact `{}`, which workflow `{}` does not declare",
                    inst.id, w.fact, wf.id
                ),
            )
            .label("required here")
            .help(format!(
                "declare `{}` in the workflow's `facts` ({})",
                w.fact,
                needed_type(inst, w.from)
            )),
        );
    };
    let needed: Vec<&str> = match w.from {
        WriteSource::Band => inst.band_ids().collect(),
        WriteSource::ClientSelfRating => {
            inst.client_self_rating.iter().map(AsRef::as_ref).collect()
        }
        WriteSource::ProfessionalJudgement => inst
            .professional_judgement
            .iter()
            .map(AsRef::as_ref)
            .collect(),
        WriteSource::Score | WriteSource::Completed => Vec::new(),
    };
    let missing: Vec<String> = needed
        .iter()
        .filter(|n| !fact.values.iter().any(|v| v.as_ref() == **n))
        .map(|n| format!("`{n}`"))
        .collect();
    let ok = match w.from {
        WriteSource::Score => matches!(fact.ty, FactType::Decimal | FactType::Integer),
        WriteSource::Completed => fact.ty == FactType::Bool,
        _ => fact.ty == FactType::Text || (fact.ty == FactType::Enum && missing.is_empty()),
    };
    if ok {
        return None;
    }
    let help = if fact.ty == FactType::Enum && !missing.is_empty() {
        format!("add {} to the values of `{}`", missing.join(", "), fact.id)
    } else {
        format!("declare `{}` as {}", fact.id, needed_type(inst, w.from))
    };
    Some(
        Diagnostic::new(
            Code::IncompatibleWrite,
            format!(
                "instrument `{}` writes into `{}`, which is {} fact in workflow `{}`",
                inst.id,
                w.fact,
                condition::type_name(fact.ty),
                wf.id
            ),
        )
        .label("required here")
        .help(help),
    )
}

fn needed_type(inst: &crate::model::instrument::Instrument, from: WriteSource) -> String {
    let values = |vs: Vec<&str>| {
        let vs: Vec<String> = vs.iter().map(|v| format!("`{v}`")).collect();
        format!("an enum fact with values {}", vs.join(", "))
    };
    match from {
        WriteSource::Score => "an integer or decimal fact".to_owned(),
        WriteSource::Completed => "a bool fact".to_owned(),
        WriteSource::Band => values(inst.band_ids().collect()),
        WriteSource::ClientSelfRating => {
            values(inst.client_self_rating.iter().map(AsRef::as_ref).collect())
        }
        WriteSource::ProfessionalJudgement => values(
            inst.professional_judgement
                .iter()
                .map(AsRef::as_ref)
                .collect(),
        ),
    }
}
