//! `lots watch`: check, then re-check on every save; the last good catalog is what a host
//! embedding the same `Watcher` would keep using.

use std::io::Write;
use std::time::Duration;

use lots::watch::{Reload, Watcher};
use lots::{Catalog, FsSource};

use crate::cli::{ErrorFormat, WatchArgs};
use crate::exit::ExitStatus;
use crate::{out, report};

/// Output is flushed after each report, so a reader sees it as it happens, and a reader that
/// has gone away ends the loop at the next report (with a broken pipe, which `main` keeps
/// quiet).
pub(crate) fn run(args: &WatchArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let paths = args.catalog.paths();
    let loaded = Catalog::load(&FsSource::new(paths.clone()))?;
    report::print(out, &loaded, ErrorFormat::Human)?;
    let Some(catalog) = loaded.catalog else {
        out.flush()?;
        out::err("fix the errors above; `lots watch` starts from a catalog without errors");
        return Ok(ExitStatus::Findings);
    };
    let watcher = Watcher::start(catalog, paths)?;
    writeln!(
        out,
        "watching for changes (debounce {} ms); Ctrl-C to stop",
        lots::watch::DEBOUNCE.as_millis()
    )?;
    out.flush()?;
    let mut seen = 0;
    while args.reloads.is_none_or(|n| seen < n) {
        let Some(reload) = watcher.next_reload(Duration::from_secs(3600)) else {
            continue;
        };
        seen += 1;
        match reload {
            Reload::Swapped {
                summary,
                diagnostics,
                took,
            } => {
                for d in diagnostics.iter() {
                    writeln!(out, "{}", report::plain(d))?;
                }
                writeln!(
                    out,
                    "reloaded in {} ms: {} workflows, {} rules, {} units; in use",
                    took.as_millis(),
                    summary.workflows,
                    summary.rules,
                    summary.units
                )?;
            }
            Reload::Kept {
                diagnostics, took, ..
            } => {
                for d in diagnostics.iter() {
                    writeln!(out, "{}", report::plain(d))?;
                }
                writeln!(
                    out,
                    "checked in {} ms: {} errors; the last good catalog stays in use",
                    took.as_millis(),
                    diagnostics.n_errors()
                )?;
            }
            Reload::Failed { error } => writeln!(
                out,
                "cannot read the catalog: {error}; the last good catalog stays in use"
            )?,
        }
        out.flush()?;
    }
    Ok(ExitStatus::Ok)
}
