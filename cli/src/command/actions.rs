//! `lots actions`: the outbox of a store. `list` prints the actions waiting for delivery as
//! JSON lines (each with its stable id, so a host can deliver idempotently); `ack` marks them
//! delivered.

use std::io::Write;

use crate::cli::ActionsCommand;
use crate::command::case::{actor, engine, runtime};
use crate::exit::ExitStatus;

pub(crate) fn run(command: &ActionsCommand, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    runtime()?.block_on(async {
        match command {
            ActionsCommand::List(args) => {
                let engine = engine(&args.store).await?;
                for entry in engine.pending_actions(args.limit).await? {
                    let line = serde_json::json!({
                        "case_id": entry.case_id,
                        "attempts": entry.attempts,
                        "action": entry.action,
                    });
                    writeln!(out, "{line}")?;
                }
                Ok(ExitStatus::Ok)
            }
            ActionsCommand::Ack(args) => {
                let engine = engine(&args.store).await?;
                let by = actor(&args.store);
                let mut status = ExitStatus::Ok;
                for id in &args.action_ids {
                    if engine.acknowledge(id, &by).await? {
                        writeln!(out, "acknowledged {id}")?;
                    } else {
                        writeln!(out, "not pending: {id} (already acknowledged, or unknown)")?;
                        status = ExitStatus::Findings;
                    }
                }
                Ok(status)
            }
        }
    })
}
