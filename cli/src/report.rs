//! Printing diagnostics and the load summary: human (miette), plain lines, or JSON.

use lots::{Diagnostic, Loaded, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme};
use std::io::{self, IsTerminal, Write};

use crate::cli::ErrorFormat;
use crate::out;

/// Loads the catalog for a command that needs a clean one; on errors prints them (plain) to
/// stderr and returns `None`.
pub(crate) fn load_clean(paths: &[std::path::PathBuf]) -> anyhow::Result<Option<lots::Catalog>> {
    let loaded = lots::Catalog::load(&lots::FsSource::new(crate::cli::or_default(paths)))?;
    if loaded.catalog.is_none() {
        out::err("the catalog has errors; run `lots check` to see them");
        for d in loaded.diagnostics.iter() {
            out::err(plain(d));
        }
    }
    Ok(loaded.catalog)
}

/// Writes every diagnostic and the summary to `out`.
pub(crate) fn print(out: &mut dyn Write, loaded: &Loaded, format: ErrorFormat) -> io::Result<()> {
    match format {
        ErrorFormat::Human => {
            let theme = if std::io::stdout().is_terminal() {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
            for d in loaded.diagnostics.iter() {
                let mut text = String::new();
                if handler.render_report(&mut text, d).is_ok() {
                    writeln!(out, "{text}")?;
                }
            }
            writeln!(out, "{}", summary_line(loaded))?;
        }
        ErrorFormat::Plain => {
            for d in loaded.diagnostics.iter() {
                writeln!(out, "{}", plain(d))?;
            }
            writeln!(out, "{}", summary_line(loaded))?;
        }
        ErrorFormat::Json => {
            let diagnostics: Vec<serde_json::Value> = loaded.diagnostics.iter().map(json).collect();
            let s = &loaded.summary;
            let doc = serde_json::json!({
                "diagnostics": diagnostics,
                "summary": {
                    "files": s.files, "workflows": s.workflows, "phases": s.phases,
                    "transitions": s.transitions, "instruments": s.instruments, "rules": s.rules,
                    "indicators": s.indicators, "units": s.units,
                    "legal_concepts": s.legal_concepts,
                    "errors": loaded.diagnostics.n_errors(),
                    "warnings": loaded.diagnostics.n_warnings(),
                }
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

fn severity(d: &Diagnostic) -> &'static str {
    match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `file:line:column: error[code]: message`, then `  help: ...`.
pub(crate) fn plain(d: &Diagnostic) -> String {
    let place = match d.location() {
        Some((file, line, column)) => format!("{file}:{line}:{column}: "),
        None => String::new(),
    };
    let mut out = format!("{place}{}[{}]: {}", severity(d), d.code.as_str(), d.message);
    if let Some(help) = &d.help {
        out.push_str(&format!("\n  help: {help}"));
    }
    out
}

fn json(d: &Diagnostic) -> serde_json::Value {
    let (file, line, column) = match d.location() {
        Some((f, l, c)) => (Some(f.to_owned()), Some(l), Some(c)),
        None => (None, None, None),
    };
    serde_json::json!({
        "code": d.code.as_str(),
        "severity": severity(d),
        "message": d.message,
        "file": file,
        "line": line,
        "column": column,
        "label": d.label,
        "help": d.help,
    })
}

fn summary_line(loaded: &Loaded) -> String {
    let s = &loaded.summary;
    format!(
        "checked {} files: {} workflows, {} phases, {} transitions, {} instruments, {} rules, \
         {} indicators, {} units, {} legal concepts; {} errors, {} warnings",
        s.files,
        s.workflows,
        s.phases,
        s.transitions,
        s.instruments,
        s.rules,
        s.indicators,
        s.units,
        s.legal_concepts,
        loaded.diagnostics.n_errors(),
        loaded.diagnostics.n_warnings()
    )
}

/// Reads YAML files (scenarios, allowances) under these paths with the catalog's budgets: only
/// regular files, at most 1 MiB each. Each file is its text, or the diagnostic saying why it
/// could not be read.
pub(crate) fn read_yaml(
    paths: &[std::path::PathBuf],
) -> anyhow::Result<Vec<Result<lots::SourceFile, Box<Diagnostic>>>> {
    read_files(paths, lots::catalog::source::YAML_EXTENSIONS)
}

/// Reads files the way the catalog is read (regular files only, at most
/// `MAX_FILE_BYTES`, never blocking on a pipe), keeping those with one of `extensions`.
pub(crate) fn read_files(
    paths: &[std::path::PathBuf],
    extensions: &'static [&'static str],
) -> anyhow::Result<Vec<Result<lots::SourceFile, Box<Diagnostic>>>> {
    let source = lots::FsSource::with_extensions(paths.iter().cloned(), extensions);
    Ok(lots::Source::inputs(&source)?
        .into_iter()
        .map(|input| match input {
            lots::catalog::Input::Text(file) => Ok(file),
            other => Err(Box::new(other.diagnostic().unwrap_or_else(|| {
                Diagnostic::new(lots::Code::NotAFile, "unreadable file")
            }))),
        })
        .collect())
}
