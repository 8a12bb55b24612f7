//! `lots`: check, graph and schema for Lots catalogs. Only this crate prints.

mod cli;
mod command;
mod exit;
mod report;

use clap::Parser;

fn main() -> exit::ExitStatus {
    let cli = cli::Cli::parse();
    match command::run(cli) {
        Ok(status) => status,
        Err(error) => {
            eprintln!("error: {error:#}");
            exit::ExitStatus::Error
        }
    }
}
