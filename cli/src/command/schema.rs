//! `lots schema`: print, write or check the JSON Schemas.

use std::io::Write;
use std::path::Path;

use crate::cli::SchemaArgs;
use crate::exit::ExitStatus;
use crate::out;

pub(crate) fn run(args: &SchemaArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let schemas = lots::schema::json_schemas();
    if let Some(dir) = &args.write {
        std::fs::create_dir_all(dir)?;
        for (name, text) in &schemas {
            std::fs::write(dir.join(name), text)?;
            writeln!(out, "wrote {}", dir.join(name).display())?;
        }
        return Ok(ExitStatus::Ok);
    }
    if args.check {
        let mut stale = 0;
        for (name, text) in &schemas {
            let path = Path::new("schemas").join(name);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                out::err(format_args!("{} is out of date", path.display()));
                stale += 1;
            }
        }
        if stale > 0 {
            out::err("run `lots schema --write` (cargo run -p lots-cli -- schema --write)");
            return Ok(ExitStatus::Findings);
        }
        writeln!(out, "{} schemas are up to date", schemas.len())?;
        return Ok(ExitStatus::Ok);
    }
    for (name, text) in &schemas {
        writeln!(out, "// {name}\n{text}")?;
    }
    Ok(ExitStatus::Ok)
}
