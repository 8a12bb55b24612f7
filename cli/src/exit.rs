//! Exit codes: 0 clean, 1 findings, 2 usage or IO error.

use std::process::{ExitCode, Termination};

/// How `lots` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Nothing found.
    Ok,
    /// Diagnostics with errors (or warnings under `--deny-warnings`).
    Findings,
    /// A usage or IO error: nothing was checked.
    Error,
}

impl Termination for ExitStatus {
    fn report(self) -> ExitCode {
        ExitCode::from(match self {
            ExitStatus::Ok => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
        })
    }
}
