//! `lots simulate`: a realistic population of cases into a store, then a period's report.

use std::io::{IsTerminal, Write};

use anyhow::Context as _;
use jiff::civil::Date;
use lots::indicators::compute::Request;
use lots::indicators::period::Period;
use lots::simulate::{Options, run as simulate};
use lots::store::Store as _;

use crate::cli::SimulateArgs;
use crate::command::case::{engine, runtime};
use crate::exit::ExitStatus;

pub(crate) fn run(args: &SimulateArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let start: Date = args
        .start
        .parse()
        .with_context(|| format!("`{}` is not a date (YYYY-MM-DD)", args.start))?;
    let last_month = start
        .checked_add(jiff::Span::new().months(args.months.max(1) - 1))
        .context("the months simulated run past the calendar")?;
    let period = match &args.period {
        Some(p) => Period::parse(p)?,
        None => Period::month(last_month.year(), last_month.month())
            .context("the months simulated run past the calendar")?,
    };
    let request = Request {
        period,
        earlier: period.default_trend(),
        unit: args.unit.clone(),
    };
    let options = Options {
        cases: args.cases,
        seed: args.seed,
        unit: args.unit.clone(),
        start,
        months: args.months,
    };
    runtime()?.block_on(async {
        if let Some(dir) = std::path::Path::new(&args.store.db)
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !args.store.db.contains("://"))
        {
            std::fs::create_dir_all(dir)?;
        }
        let engine = engine(&args.store).await?;
        let prefix = format!("sim-{}-", args.seed);
        let already = engine
            .store()
            .cases()
            .await?
            .iter()
            .any(|c| c.case_id.starts_with(&prefix));
        if already {
            eprintln!(
                "{} already holds the cases of seed {}: reporting them as they are",
                args.store.db, args.seed
            );
        } else {
            // A progress bar on a terminal only (standard error), nothing when piped.
            let bar = std::io::stderr().is_terminal().then(|| {
                let bar = indicatif::ProgressBar::new(args.cases);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} ärenden ({per_sec}, {eta} kvar)",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar
            });
            let summary = simulate(&engine, &options, |n| {
                if let Some(bar) = &bar {
                    bar.set_position(n);
                }
            })
            .await?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            eprintln!(
                "simulated {} cases ({} closed, {} events{}) into {}",
                summary.cases,
                summary.closed,
                summary.events,
                if summary.rejected > 0 {
                    format!(", {} rejected", summary.rejected)
                } else {
                    String::new()
                },
                args.store.db
            );
        }
        crate::command::report::write(&engine, &request, args.format, args.output.as_deref(), out)
            .await
    })
}
