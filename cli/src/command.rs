//! One thin module per subcommand.

mod check;
mod graph;
mod run;
mod schema;
mod show;
mod test;
mod watch;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Show(args) => show::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Watch(args) => watch::run(&args),
    }
}
