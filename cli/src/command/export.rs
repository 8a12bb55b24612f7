//! `lots export`: the follow-up variables of a period's cases, pseudonymised.

use std::io::Write;

use anyhow::Context as _;
use lots::indicators::export::{self, Key};
use lots::indicators::period::Period;

use crate::cli::{ExportArgs, ExportFormat};
use crate::command::case::{actor, engine, runtime};
use crate::exit::ExitStatus;

/// The environment variable a key can be given in instead of a file.
const KEY_VARIABLE: &str = "LOTS_EXPORT_KEY";

pub(crate) fn run(args: &ExportArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let period = Period::parse(&args.period)?;
    let key = match (&args.key_file, std::env::var_os(KEY_VARIABLE)) {
        (Some(path), _) => Key::new(&read_key(path)?)?,
        (None, Some(value)) => Key::new(value.as_encoded_bytes())?,
        (None, None) => anyhow::bail!(
            "give the pseudonymisation key: --key-file FILE, or set {KEY_VARIABLE} (at least {} bytes; keep it out of the export's recipients' hands)",
            export::MIN_KEY_BYTES
        ),
    };
    let (names, rows) = runtime()?.block_on(async {
        let engine = engine(&args.store).await?;
        let catalog = engine.catalog();
        let workflow = match &args.workflow {
            Some(w) => w.clone(),
            None => {
                let declared: Vec<&str> = catalog
                    .workflows
                    .iter()
                    .filter(|w| !w.follow_up.is_empty())
                    .map(|w| w.id.as_ref())
                    .collect();
                match declared.as_slice() {
                    [one] => (*one).to_owned(),
                    [] => anyhow::bail!("no workflow declares `follow_up` variables"),
                    many => anyhow::bail!(
                        "several workflows declare `follow_up`: name one with --workflow ({})",
                        many.join(", ")
                    ),
                }
            }
        };
        if catalog
            .workflow(&workflow)
            .is_none_or(|w| w.follow_up.is_empty())
        {
            anyhow::bail!("workflow `{workflow}` declares no `follow_up` variables");
        }
        let names = export::variable_names(&catalog, &workflow);
        let rows = engine
            .export(
                &workflow,
                &period,
                args.unit.as_deref(),
                &key,
                &actor(&args.store),
            )
            .await?;
        anyhow::Ok((names, rows))
    })?;
    let text = match args.format {
        ExportFormat::Csv => export::csv(&names, &rows)?,
        ExportFormat::Json => export::json(&names, &rows)? + "\n",
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)?;
            writeln!(out, "wrote {} cases to {}", rows.len(), path.display())?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(ExitStatus::Ok)
}

/// The largest key file read: a key is a line of random text, not a document.
const MAX_KEY_FILE_BYTES: u64 = 4096;

/// A key file's bytes: a regular file (a named pipe would block the read) of at most
/// [`MAX_KEY_FILE_BYTES`].
fn read_key(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("reading the key file {}", path.display()))?;
    if !meta.is_file() || meta.len() > MAX_KEY_FILE_BYTES {
        anyhow::bail!(
            "the key file {} is not a regular file of at most {MAX_KEY_FILE_BYTES} bytes",
            path.display()
        );
    }
    std::fs::read(path).with_context(|| format!("reading the key file {}", path.display()))
}
