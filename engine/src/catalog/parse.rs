//! Text to syntax: YAML with input budgets, parse errors turned into diagnostics.

use serde::de::DeserializeOwned;
use serde_saphyr::{Budget, Error, Options};

use crate::diagnostics::{Code, Diagnostic, Diagnostics, SourceFile, Span, suggest};
use crate::syntax::{
    Header, IndicatorFile, InstrumentFile, Kind, LegalFile, ResidentsFile, RulesFile, Spanned,
    UnitFile, WorkflowFile,
};

/// The deepest nesting the parser accepts. It bounds every recursion over parsed values
/// (deserializing, lowering and evaluating conditions): a debug build overflows a 2 MiB thread
/// stack at about 45 levels, so 32 keeps a wide margin; real files nest under 20.
pub(crate) const MAX_DEPTH: usize = 32;

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
    Residents(Box<ResidentsFile>),
}

/// Parses one file; on failure pushes the diagnostic and returns `None`.
pub(crate) fn parse(source: &SourceFile, diags: &mut Diagnostics) -> Option<Parsed> {
    check_modeline(source, diags);
    // Files are read once: a plain top-level `kind: X` line picks the type; only when there is
    // none (flow style, quoting, a YAML error) is the file parsed for its header first.
    let kind = match scan_kind(source.text()) {
        Some(kind) => kind,
        None => from_str::<Header>(source, diags)?.kind,
    };
    let Some(kind) = Kind::ALL.iter().copied().find(|k| k.as_str() == kind.value) else {
        diags.push(
            Diagnostic::new(
                Code::UnknownKind,
                format!("unknown file kind `{}`", kind.value),
            )
            .at(source, kind.span)
            .label("not a file kind")
            .help(suggest(
                &kind.value,
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
        Kind::Residents => Parsed::Residents(from_str(source, diags)?),
        // Scenarios tell cases against a catalog, and allowances are about scenarios; neither
        // is part of the catalog.
        Kind::Scenario | Kind::CoverageAllowance => return None,
    })
}

/// The value of a plain `kind: Name` line at the top level, with its span.
fn scan_kind(text: &str) -> Option<Spanned<String>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("kind:") {
            let value = rest.split('#').next().unwrap_or("").trim();
            let plain =
                !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !plain {
                return None;
            }
            let start = offset + line.find(value).unwrap_or(0);
            return Some(Spanned::new(
                value.to_owned(),
                Span::new(start, value.len()),
            ));
        }
        offset += line.len();
    }
    None
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
    budget.max_depth = MAX_DEPTH;
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

pub(crate) fn from_str<T: DeserializeOwned>(
    source: &SourceFile,
    diags: &mut Diagnostics,
) -> Option<T> {
    match serde_saphyr::from_str_with_options(source.text(), options()) {
        Ok(value) => Some(value),
        Err(error) => {
            diags.push(diagnostic(source, &error));
            None
        }
    }
}

fn diagnostic(source: &SourceFile, error: &Error) -> Diagnostic {
    let span = error.location().map_or_else(Span::default, |l| {
        let s = l.span();
        match (s.byte_offset(), s.byte_len()) {
            (Some(offset), len) => Span::new(
                usize::try_from(offset).unwrap_or(0),
                usize::try_from(len.unwrap_or(0)).unwrap_or(0),
            ),
            // Scanner errors carry only line and column.
            (None, _) => Span::new(
                source.offset_of(
                    usize::try_from(l.line()).unwrap_or(1),
                    usize::try_from(l.column()).unwrap_or(1),
                ),
                0,
            ),
        }
    });
    let d = match error {
        Error::SerdeUnknownField {
            field, expected, ..
        } => Diagnostic::new(Code::UnknownField, format!("unknown field `{field}`"))
            .label("not a field here")
            .help(suggest(field, "fields", expected.iter().copied())),
        Error::SerdeMissingField { field, .. } => {
            Diagnostic::new(Code::MissingField, format!("missing field `{field}`"))
                .label(format!("the map ending here needs `{field}`"))
                .help(format!("add `{field}:` to this map"))
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
        Error::InvalidScalar { ty, .. } => {
            Diagnostic::new(Code::InvalidValue, format!("expected {}", scalar_name(ty)))
                .label("wrong type")
                .help(format!("write {} here", scalar_name(ty)))
        }
        Error::Unexpected { expected, .. } => {
            Diagnostic::new(Code::InvalidValue, format!("expected {expected}"))
                .label("wrong shape")
                .help(format!(
                    "write {expected} here (see the field in the JSON Schema)"
                ))
        }
        Error::Budget { breach, .. } => Diagnostic::new(Code::Budget, budget_message(breach))
            .label("here")
            .help(BUDGET_HELP),
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => Diagnostic::new(
            Code::Budget,
            "aliases expand to more than the loader accepts",
        )
        .label("here")
        .help(BUDGET_HELP),
        Error::Message { .. } if bare(error).contains("did not match any variant") => {
            Diagnostic::new(Code::InvalidValue, "value has none of the allowed forms")
                .label("not a valid value here")
                .help(
                    "a number field takes a whole number or `{param: name}`; a list field \
                     takes `[a, b]` or one item per `- ` line; see the field in the JSON Schema",
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

const BUDGET_HELP: &str = "catalog files are small: nest at most 32 levels, use at most 100 \
                           anchors and aliases, and keep each file under 1 MiB";

fn budget_message(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Depth { depth } => {
            format!("the YAML nests {depth} levels deep; at most {MAX_DEPTH} are allowed")
        }
        B::Aliases { aliases } => {
            format!("the YAML uses {aliases} aliases; at most 100 are allowed")
        }
        B::Anchors { anchors } => {
            format!("the YAML defines {anchors} anchors; at most 100 are allowed")
        }
        B::Documents { documents } => {
            format!("the file holds {documents} YAML documents; one per file is allowed")
        }
        other => format!("the YAML exceeds a parser budget ({other:?})"),
    }
}

fn scalar_name(ty: &str) -> String {
    match ty {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number (0 or more)".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "bool" => "`true` or `false`".to_owned(),
        other => format!("a value of type {other}"),
    }
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
