//! `lots serve`: the JSON HTTP API (the `lots-server` crate), and `lots serve hash-token`,
//! which prints the hash a configuration lists for a token read from stdin.

use std::io::{Read, Write};

use crate::cli::{ServeArgs, ServeCommand};
use crate::command::case::runtime;
use crate::exit::ExitStatus;

pub(crate) fn run(args: &ServeArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    if let Some(ServeCommand::HashToken) = args.command {
        let mut text = String::new();
        std::io::stdin().take(4096).read_to_string(&mut text)?;
        let token = text.lines().next().unwrap_or_default().trim();
        if token.is_empty() {
            anyhow::bail!(
                "give the token on standard input, e.g. `lots serve hash-token < token.txt`"
            );
        }
        writeln!(out, "{}", lots_server::hash_token(token))?;
        return Ok(ExitStatus::Ok);
    }
    let config = match &args.config {
        Some(path) => lots_server::Config::read(path)?,
        None => {
            crate::out::err("no --config: no token is accepted; only /healthz and /readyz answer");
            lots_server::Config::default().check()?
        }
    };
    // Logs go to stderr: ids, counts and routes, never a body or a fact value.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .try_init();
    let options = lots_server::Options {
        db: args.db.clone(),
        catalog: crate::cli::or_default(&args.catalog),
        listen: args.listen,
        config,
    };
    runtime()?.block_on(async {
        lots_server::serve(options, |addr| {
            crate::out::err(format_args!("listening on http://{addr}"));
        })
        .await
    })?;
    out.flush()?;
    Ok(ExitStatus::Ok)
}
