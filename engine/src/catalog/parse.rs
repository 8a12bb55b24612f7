//! Text to syntax: YAML with input budgets, parse errors turned into diagnostics.

use serde::de::DeserializeOwned;
use serde_saphyr::{Budget, Error, Options};

use crate::diagnostics::{Code, Diagnostic, Diagnostics, SourceFile, Span, suggest};
use crate::syntax::{
    Header, IndicatorFile, InstrumentFile, Kind, LegalFile, RulesFile, UnitFile, WorkflowFile,
};

/// The first line every file starts with, up to the schema path.
pub(crate) const MODELINE: &str = "# yaml-language-server: $schema=";

/// One parsed file, by kind.
#[derive(Debug)]
pub(crate) enum Parsed {
    Workflow(Box<WorkflowFile>),
    Instrument(Box<InstrumentFile>),
    Rules(Box<RulesFile>),
    Indicator(Box<IndicatorFile>),
    Unit(Box<UnitFile>),
    Legal(Box<LegalFile>),
}

/// Parses one file; on failure pushes the diagnostic and returns `None`.
pub(crate) fn parse(source: &SourceFile, diags: &mut Diagnostics) -> Option<Parsed> {
    check_modeline(source, diags);
    let header: Header = from_str(source, diags)?;
    let Some(kind) = Kind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == header.kind.value)
    else {
        diags.push(
            Diagnostic::new(
                Code::UnknownKind,
                format!("unknown file kind `{}`", header.kind.value),
            )
            .at(source, header.kind.span)
            .label("not a file kind")
            .help(suggest(
                &header.kind.value,
                "kinds",
                Kind::ALL.iter().map(|k| k.as_str()),
            )),
        );
        return None;
    };
    Some(match kind {
        Kind::Workflow => Parsed::Workflow(from_str(source, diags)?),
        Kind::Instrument => Parsed::Instrument(from_str(source, diags)?),
        Kind::Rules => Parsed::Rules(from_str(source, diags)?),
        Kind::Indicator => Parsed::Indicator(from_str(source, diags)?),
        Kind::Unit => Parsed::Unit(from_str(source, diags)?),
        Kind::LegalReference => Parsed::Legal(from_str(source, diags)?),
    })
}

fn check_modeline(source: &SourceFile, diags: &mut Diagnostics) {
    let first = source.text().lines().next().unwrap_or("");
    if !first.starts_with(MODELINE) {
        diags.push(
            Diagnostic::new(
                Code::MissingModeline,
                "the file does not start with the schema modeline",
            )
            .at(source, Span::new(0, first.len()))
            .label("expected the modeline here")
            .help(format!(
                "start the file with `{MODELINE}<path to schemas/>/<kind>.json` so editors \
                 offer completion and check fields as you type"
            )),
        );
    }
}

fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_depth = 48;
    budget.max_aliases = 100;
    budget.max_anchors = 100;
    budget.max_events = 200_000;
    budget.max_documents = 1;
    budget.max_nodes = 100_000;
    budget.max_total_scalar_bytes = 1024 * 1024;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.with_snippet = false;
    options
}

fn from_str<T: DeserializeOwned>(source: &SourceFile, diags: &mut Diagnostics) -> Option<T> {
    match serde_saphyr::from_str_with_options(source.text(), options()) {
        Ok(value) => Some(value),
        Err(error) => {
            diags.push(diagnostic(source, &error));
            None
        }
    }
}

fn diagnostic(source: &SourceFile, error: &Error) -> Diagnostic {
    let span = error
        .location()
        .map(|l| {
            let s = l.span();
            let offset = s.byte_offset().unwrap_or(0);
            let len = s.byte_len().unwrap_or(0);
            Span::new(
                usize::try_from(offset).unwrap_or(0),
                usize::try_from(len).unwrap_or(0),
            )
        })
        .unwrap_or_default();
    let d = match error {
        Error::SerdeUnknownField {
            field, expected, ..
        } => Diagnostic::new(Code::UnknownField, format!("unknown field `{field}`"))
            .label("not a field here")
            .help(suggest(field, "fields", expected.iter().copied())),
        Error::SerdeMissingField { field, .. } => {
            Diagnostic::new(Code::MissingField, format!("missing field `{field}`"))
                .label(format!("this needs `{field}`"))
                .help(format!("add `{field}:` here"))
        }
        Error::SerdeUnknownVariant {
            variant, expected, ..
        } => Diagnostic::new(Code::UnknownVariant, format!("unknown value `{variant}`"))
            .label("not allowed here")
            .help(suggest(variant, "values", expected.iter().copied())),
        Error::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | Error::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => Diagnostic::new(
            Code::InvalidValue,
            format!("expected {expected}, found {unexpected}"),
        )
        .label("wrong type")
        .help(format!("write {expected} here")),
        Error::Budget { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => Diagnostic::new(
            Code::Budget,
            format!("the YAML exceeds a parser budget: {}", bare(error)),
        )
        .label("here")
        .help(
            "catalog files are small: nest at most 48 levels, use at most 100 aliases, \
                       and keep each file under 1 MiB",
        ),
        Error::Message { .. } if bare(error).contains("did not match any variant") => {
            Diagnostic::new(Code::InvalidValue, "value has none of the allowed forms")
                .label("not a valid value here")
                .help(
                    "see the field's description in the JSON Schema (the modeline makes your \
                       editor show it)",
                )
        }
        Error::Message { .. } | Error::SerdeInvalidLength { .. } => {
            Diagnostic::new(Code::InvalidValue, bare(error)).label("here")
        }
        _ => Diagnostic::new(Code::Yaml, format!("invalid YAML: {}", bare(error)))
            .label("here")
            .help("check indentation, quotes and brackets near this place"),
    };
    d.at(source, span)
}

/// The error's message without the " at line N, column M" the crate appends.
fn bare(error: &Error) -> String {
    let text = error.without_snippet().to_string();
    let text = text.lines().next().unwrap_or("").to_owned();
    match text.rfind(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_owned(),
        None => text,
    }
}
