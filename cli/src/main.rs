//! `lots`: check, graph and schema for Lots catalogs. Only this crate prints.

mod cli;
mod command;
mod exit;
mod out;
mod report;

use clap::Parser;

fn main() -> exit::ExitStatus {
    let cli = cli::Cli::parse();
    match command::run(cli) {
        Ok(status) => status,
        // The reader of stdout went away (`lots schema | head`): stop quietly, as ripgrep does.
        Err(error) if out::is_broken_pipe(&error) => exit::ExitStatus::Ok,
        Err(error) => {
            out::err(format_args!("error: {error:#}"));
            exit::ExitStatus::Error
        }
    }
}
