//! `lots case`: cases in a store (SQLite file or PostgreSQL), for operators and demos.
//!
//! Events come as JSON or YAML: one event (`{type: facts_recorded, facts: {…}}`), one envelope
//! (`{at: 2025-09-01T09:00, by: {id: hl-7, role: socialsekreterare}, event: {…}}`), or a list
//! of either. What is printed passes the engine's redaction: a sensitive fact is never shown.

use std::io::{Read, Write};
use std::path::Path;

use jiff::Timestamp;
use jiff::civil::DateTime;
use lots::runtime::{Actor, Case, Event, Lang, secrecy::Secrets};
use lots::store::SqlStore;
use lots::{Engine, EngineError};
use serde::Deserialize;

use crate::cli::{CaseCommand, CaseEventArgs, CaseShowArgs, Language, StoreArgs};
use crate::exit::ExitStatus;

pub(crate) fn run(command: &CaseCommand, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let runtime = runtime()?;
    runtime.block_on(async {
        match command {
            CaseCommand::Open(args) => apply(None, args, out).await,
            CaseCommand::Apply(args) => apply(Some(&args.case_id), &args.event, out).await,
            CaseCommand::Show(args) => show(args, out).await,
            CaseCommand::Explain(args) => explain(args, out).await,
            CaseCommand::History(args) => history(args, out).await,
            CaseCommand::List(args) => list(&args.store, out).await,
        }
    })
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// The engine over the store, with the catalog from the files.
pub(crate) async fn engine(args: &StoreArgs) -> anyhow::Result<Engine<SqlStore>> {
    let Some(catalog) = crate::report::load_clean(&args.paths)? else {
        anyhow::bail!("the catalog does not load");
    };
    let options = lots::store::StoreOptions {
        synchronous: if args.synchronous_normal {
            lots::store::Synchronous::Normal
        } else {
            lots::store::Synchronous::Full
        },
        ..lots::store::StoreOptions::default()
    };
    let store = SqlStore::open(&args.db, &options).await?;
    Ok(Engine::with_catalog(catalog, store).with_route("cli"))
}

pub(crate) fn actor(args: &StoreArgs) -> Actor {
    Actor::new(args.actor.as_str(), args.role.as_str())
}

/// Now, in Swedish civil time.
fn now() -> DateTime {
    Timestamp::now().to_zoned(sweden()).datetime()
}

fn sweden() -> jiff::tz::TimeZone {
    jiff::tz::db()
        .get("Europe/Stockholm")
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

fn civil(text: &str) -> anyhow::Result<DateTime> {
    text.parse::<DateTime>()
        .or_else(|_| {
            text.parse::<jiff::civil::Date>()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })
        .map_err(|e| {
            anyhow::anyhow!("`{text}` is not a date or time such as 2025-09-01T09:00: {e}")
        })
}

/// `--as-of`: an instant; a civil time (Swedish); or a date, meaning the end of that day.
fn known_at(text: &str) -> anyhow::Result<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>()
        && !text.contains('T')
    {
        let next = d.tomorrow()?.to_zoned(sweden())?.timestamp();
        return Ok(next.checked_sub(jiff::SignedDuration::from_micros(1))?);
    }
    Ok(civil(text)?.to_zoned(sweden())?.timestamp())
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Input {
    Many(Vec<One>),
    One(One),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum One {
    Envelope(Envelope),
    Event(Event),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    by: Option<Actor>,
    event: Event,
}

fn read_events(path: &Path) -> anyhow::Result<Vec<One>> {
    let source = if path == Path::new("-") {
        let mut text = String::new();
        let limit = lots::catalog::source::MAX_FILE_BYTES;
        std::io::stdin().take(limit + 1).read_to_string(&mut text)?;
        if text.len() as u64 > limit {
            anyhow::bail!("the events on stdin exceed {limit} bytes");
        }
        lots::SourceFile::new("<stdin>", text)
    } else {
        match crate::report::read_files(&[path.to_owned()], &["yaml", "yml", "json"])?.pop() {
            Some(Ok(source)) => source,
            Some(Err(d)) => anyhow::bail!("{}", crate::report::plain(&d)),
            None => anyhow::bail!("`{}` is not a .yaml, .yml or .json file", path.display()),
        }
    };
    // JSON is YAML: one budgeted parser for both.
    let input: Input = lots::catalog::from_yaml(&source).map_err(|diagnostics| {
        let lines: Vec<String> = diagnostics.iter().map(crate::report::plain).collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })?;
    Ok(match input {
        Input::Many(list) => list,
        Input::One(one) => vec![one],
    })
}

async fn apply(
    case_id: Option<&str>,
    args: &CaseEventArgs,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let engine = engine(&args.store).await?;
    let default_at = match &args.at {
        Some(at) => civil(at)?,
        None => now(),
    };
    let mut case_id = case_id.map(str::to_owned);
    for one in read_events(&args.events)? {
        let (at, by, event) = match one {
            One::Event(event) => (default_at, actor(&args.store), event),
            One::Envelope(e) => (
                match e.at {
                    Some(at) => civil(&at)?,
                    None => default_at,
                },
                e.by.unwrap_or_else(|| actor(&args.store)),
                e.event,
            ),
        };
        let kind = event.kind();
        let result = match (&case_id, &event) {
            (None, Event::CaseOpened { case_id: id, .. }) => {
                case_id = Some(id.clone());
                engine.open_case(event, by, at).await
            }
            (None, _) => {
                anyhow::bail!("the first event opens the case: `case_opened`, not `{kind}`")
            }
            (Some(id), _) => engine.apply(id, event, by, at).await,
        };
        match result {
            Ok(applied) => {
                writeln!(
                    out,
                    "{} event {}: {kind} accepted; phase {}",
                    applied.case.id, applied.seq, applied.case.phase
                )?;
                for a in &applied.actions {
                    writeln!(
                        out,
                        "  ACTION {} ({})",
                        lots::runtime::describe_action(a, Lang::Sv),
                        a.id
                    )?;
                }
                for w in &applied.warnings {
                    writeln!(out, "  warning: {}", serde_json::to_string(w)?)?;
                }
            }
            Err(EngineError::Rejected(rejection)) => {
                writeln!(out, "{kind} rejected; nothing was stored:")?;
                writeln!(out, "{}", rejection.describe(Lang::Sv))?;
                return Ok(ExitStatus::Findings);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ExitStatus::Ok)
}

fn lang(l: Language) -> Lang {
    match l {
        Language::Sv => Lang::Sv,
        Language::En => Lang::En,
    }
}

async fn show(args: &CaseShowArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let engine = engine(&args.store).await?;
    let by = actor(&args.store);
    let case = match &args.as_of {
        Some(when) => {
            let when = known_at(when)?;
            writeln!(out, "as known at {when}")?;
            engine.case_as_of(&args.case_id, when, &by).await?
        }
        None => engine.case(&args.case_id, &by).await?,
    };
    write!(
        out,
        "{}",
        summary(&engine.catalog(), &case, lang(args.lang))
    )?;
    Ok(ExitStatus::Ok)
}

/// A case in a few lines, through the redaction step.
fn summary(catalog: &lots::Catalog, case: &Case, lang: Lang) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if case.opened.is_none() {
        let _ = writeln!(s, "(no event of the case was recorded by then)");
        return s;
    }
    let _ = writeln!(
        s,
        "case {} · {} v{} · unit {} · phase {}{}",
        case.id,
        case.workflow,
        case.version,
        case.unit,
        case.phase,
        if case.closed.is_some() {
            " (closed)"
        } else {
            ""
        }
    );
    let _ = writeln!(s, "events: {}", case.events.len());
    let wf = catalog
        .for_case(&case.workflow, &case.content_hash)
        .and_then(|c| c.workflow(&case.workflow));
    let sensitive = |id: &str| {
        wf.and_then(|wf| wf.fact(id))
            .is_some_and(|(_, fact)| fact.sensitive)
    };
    for (id, value) in &case.facts {
        if sensitive(id) {
            let _ = writeln!(s, "  {id} = {}", lots::runtime::REDACTED);
        } else {
            let _ = writeln!(s, "  {id} = {value}");
        }
    }
    for (of, people) in &case.people {
        let _ = writeln!(
            s,
            "{of}: {}",
            people.keys().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    for (track, state) in &case.tracks {
        let _ = writeln!(s, "track {track}: {}", state.phase);
    }
    for (id, d) in &case.deadlines {
        let _ = writeln!(s, "deadline {id}: due {}", d.due);
    }
    let pending: Vec<_> = case.pending_actions().collect();
    for a in pending {
        let _ = writeln!(
            s,
            "pending: {} ({})",
            lots::runtime::describe_action(a, lang),
            a.id
        );
    }
    // The one redaction step, over everything shown (a sensitive value typed into a note).
    if let Some(wf) = wf {
        Secrets::of(wf, case, None).redact_in_place(&mut s);
    }
    s
}

async fn explain(args: &CaseShowArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let engine = engine(&args.store).await?;
    let at = match &args.at {
        Some(at) => civil(at)?,
        None => now(),
    };
    let explanation = engine
        .explain(&args.case_id, at, &actor(&args.store))
        .await?;
    writeln!(out, "{}", explanation.render(lang(args.lang)))?;
    Ok(ExitStatus::Ok)
}

async fn history(args: &CaseShowArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let engine = engine(&args.store).await?;
    for e in engine.history(&args.case_id, &actor(&args.store)).await? {
        let r = &e.recorded;
        writeln!(
            out,
            "{:>4}  happened {}  recorded {}  {} by {} ({})",
            r.seq,
            r.at,
            e.recorded_at,
            r.event.kind(),
            r.by.id,
            r.by.role
        )?;
    }
    Ok(ExitStatus::Ok)
}

async fn list(args: &StoreArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let engine = engine(args).await?;
    for head in lots::store::Store::cases(engine.store()).await? {
        writeln!(
            out,
            "{}  {}  {}  events: {}",
            head.case_id, head.workflow, head.unit, head.seq
        )?;
    }
    Ok(ExitStatus::Ok)
}
