//! Where output goes. Stdout is written through `io::Write` calls that return `io::Result`,
//! never `print!`, so a reader that goes away (`lots schema | head`) ends the command with an
//! error that `main` turns into a quiet exit. Stderr is best effort.

use std::fmt::Display;
use std::io::{self, Write};

/// Writes one line to stderr. A failure (stderr closed too) is ignored: there is nowhere left
/// to report it, and it must not panic as `eprintln!` would.
pub(crate) fn err(line: impl Display) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// True when the error, or any error in its chain, is a write to a closed pipe.
pub(crate) fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
