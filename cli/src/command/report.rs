//! `lots report`: the goal indicators of a period from a store, disclosure-controlled, as a
//! table, CSV, JSON or the HTML results board. A report that fails the disclosure audit is
//! not written anywhere.

use std::io::Write;
use std::path::Path;

use lots::indicators::compute::Request;
use lots::indicators::period::Period;
use lots::store::SqlStore;

use crate::cli::{ReportArgs, ReportFormat};
use crate::command::case::{engine, runtime};
use crate::exit::ExitStatus;

pub(crate) fn run(args: &ReportArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let period = Period::parse(&args.period)?;
    let request = Request {
        period,
        earlier: args.trend.unwrap_or_else(|| period.default_trend()),
        unit: args.unit.clone(),
    };
    runtime()?.block_on(async {
        let engine = engine(&args.store).await?;
        write(&engine, &request, args.format, args.output.as_deref(), out).await
    })
}

/// Computes the report and writes it to `output` (a file, its directory made if need be) or
/// `out`; nothing at all when disclosure control cannot prove it safe (exit 1).
pub(crate) async fn write(
    engine: &lots::Engine<SqlStore>,
    request: &Request,
    format: ReportFormat,
    output: Option<&Path>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let report = match engine.report(request).await {
        Ok(r) => r,
        Err(lots::EngineError::Report(
            e @ lots::indicators::compute::ReportError::UnknownUnit(_),
        )) => {
            return Err(e.into());
        }
        Err(lots::EngineError::Report(e)) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::Findings);
        }
        Err(e) => return Err(e.into()),
    };
    let text = match format {
        ReportFormat::Table => report.text(),
        ReportFormat::Csv => report.csv()?,
        ReportFormat::Json => report.json()? + "\n",
        ReportFormat::Html => lots::indicators::board::html(&report)?,
    };
    match output {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, text)?;
            writeln!(out, "wrote {}", path.display())?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(ExitStatus::Ok)
}
