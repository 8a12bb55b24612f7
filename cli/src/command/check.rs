//! `lots check`: load, print every diagnostic, then the summary.

use std::io::Write;

use lots::{Catalog, FsSource};

use crate::cli::CheckArgs;
use crate::exit::ExitStatus;
use crate::report;

pub(crate) fn run(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let loaded = Catalog::load(&FsSource::new(args.catalog.paths()))?;
    report::print(out, &loaded, args.error_format)?;
    let d = &loaded.diagnostics;
    Ok(
        if d.has_errors() || (args.deny_warnings && d.n_warnings() > 0) {
            ExitStatus::Findings
        } else {
            ExitStatus::Ok
        },
    )
}
