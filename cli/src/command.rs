//! One thin module per subcommand. Each writes to the `out` it is given, never with `print!`.

mod actions;
mod case;
mod check;
mod export;
mod graph;
mod report;
mod run;
mod schema;
mod serve;
mod show;
mod simulate;
mod test;
mod watch;

use std::io::{BufWriter, Write};

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    let status = match cli.command {
        Command::Check(args) => check::run(&args, &mut out),
        Command::Graph(args) => graph::run(&args, &mut out),
        Command::Run(args) => run::run(&args, &mut out),
        Command::Schema(args) => schema::run(&args, &mut out),
        Command::Show(args) => show::run(&args, &mut out),
        Command::Test(args) => test::run(&args, &mut out),
        Command::Watch(args) => watch::run(&args, &mut out),
        Command::Case(command) => case::run(&command, &mut out),
        Command::Actions(command) => actions::run(&command, &mut out),
        Command::Report(args) => report::run(&args, &mut out),
        Command::Export(args) => export::run(&args, &mut out),
        Command::Simulate(args) => simulate::run(&args, &mut out),
        Command::Serve(args) => serve::run(&args, &mut out),
    }?;
    // Flushed here, not on drop, so that a write error is seen.
    out.flush()?;
    Ok(status)
}
