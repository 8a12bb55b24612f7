//! The command line, with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Lots: case workflows for social services work with violence in close relationships.
///
/// Exit codes: 0 clean; 1 findings (errors, or warnings with --deny-warnings); 2 usage or IO
/// error.
#[derive(Debug, Parser)]
#[command(name = "lots", version, about, long_about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Load and check catalog files; print every diagnostic, then a summary.
    Check(CheckArgs),
    /// Print a workflow's phase graph as Mermaid or Graphviz DOT.
    Graph(GraphArgs),
    /// Play a case told as timed events (a Scenario file) and print each step.
    Run(RunArgs),
    /// Print or write the JSON Schemas of the file kinds.
    Schema(SchemaArgs),
    /// Show a workflow's effective configuration in a unit, and how it differs from the base.
    Show(ShowArgs),
    /// Play every scenario, check its expectations, and report coverage and mutations.
    ///
    /// Exit 1 when a scenario fails, when (with --coverage) a phase, transition or mandatory
    /// rule is covered by no scenario and not allowed, when coverage is below --min-coverage,
    /// or when (with --mutate) a mandatory rule or a transition guard can be switched off
    /// without any scenario failing.
    Test(TestArgs),
    /// Re-check the catalog on every save and print the diagnostics (Ctrl-C to stop).
    Watch(WatchArgs),
    /// Cases in a store: open, apply events, show (as of a date), explain, history.
    #[command(subcommand)]
    Case(CaseCommand),
    /// The outbox of a store: list the actions waiting for delivery, acknowledge them.
    #[command(subcommand)]
    Actions(ActionsCommand),
    /// The goal indicators of a period from the stored cases, by gender, small cells
    /// suppressed: a table, CSV, JSON or the HTML results board.
    ///
    /// Exit 1 when disclosure control cannot prove the report safe (nothing is written).
    Report(ReportArgs),
    /// One row per case with the follow-up variables its workflow declares, for national
    /// compilations (SU-Kvinnofrid style): case ids pseudonymised by a keyed hash, no
    /// sensitive fact, no free text, no actor.
    Export(ExportArgs),
    /// Simulate a realistic population of cases into a store, then print a period's report:
    /// the demo, and the load generator. The same seed gives the same output, byte for byte.
    Simulate(SimulateArgs),
    /// Serve the JSON HTTP API for case systems (tokens from --config; loopback only unless
    /// the configuration allows more). SIGTERM or Ctrl-C stops it after the requests in flight.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct ServeArgs {
    #[command(subcommand)]
    pub(crate) command: Option<ServeCommand>,
    /// The store: a SQLite file (created if missing) or a `postgres://` URL.
    #[arg(
        long,
        env = "LOTS_DB",
        value_name = "PATH|URL",
        default_value = "data/lots.db"
    )]
    pub(crate) db: String,
    /// Catalog files or directories, watched for changes [default: workflows rules]
    #[arg(long = "catalog", value_name = "DIR")]
    pub(crate) catalog: Vec<PathBuf>,
    /// Where to listen [default: the configuration's `listen`, else 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<std::net::SocketAddr>,
    /// The server's configuration (TOML): tokens as SHA-256 hashes, limits
    /// (see server/lots-serve.example.toml). Without it no token is accepted.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ServeCommand {
    /// Read a token from standard input and print its SHA-256 hash, for the configuration.
    HashToken,
}

#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// How many cases.
    #[arg(long, default_value_t = 2000)]
    pub(crate) cases: u64,
    /// The seed.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Only this unit [default: spread over the units that run the workflow]
    #[arg(long, value_name = "UNIT")]
    pub(crate) unit: Option<String>,
    /// The first day cases open.
    #[arg(long, value_name = "DATE", default_value = "2026-01-01")]
    pub(crate) start: String,
    /// Over how many months they open.
    #[arg(long, default_value_t = 12)]
    pub(crate) months: u32,
    /// The period whose report is printed afterwards [default: the last month simulated]
    #[arg(long, value_name = "PERIOD")]
    pub(crate) period: Option<String>,
    /// The report's format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub(crate) format: ReportFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The cases open at some time in this period: a month `2026-10`, a tertial `2026-T3`, a
    /// year `2026`, or days `2026-01-01..2026-06-30`.
    #[arg(long, value_name = "PERIOD")]
    pub(crate) period: String,
    /// The workflow whose cases are exported [default: the one workflow that declares
    /// `follow_up`]
    #[arg(long, value_name = "WORKFLOW")]
    pub(crate) workflow: Option<String>,
    /// Only this unit's cases.
    #[arg(long, value_name = "UNIT")]
    pub(crate) unit: Option<String>,
    /// A file holding the pseudonymisation key (at least 32 bytes); or set LOTS_EXPORT_KEY.
    /// The same key gives the same pseudonyms, so exports of different periods can be joined.
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub(crate) format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

/// How an export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// A header line, then one line per case.
    Csv,
    /// A list of objects, one per case.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The period: a month `2026-10`, a tertial `2026-T3`, a year `2026`, or days
    /// `2026-01-01..2026-06-30`.
    #[arg(long, value_name = "PERIOD")]
    pub(crate) period: String,
    /// Only this unit's cases.
    #[arg(long, value_name = "UNIT")]
    pub(crate) unit: Option<String>,
    /// How many earlier periods the trend shows [default: 5 months, 2 tertials or years]
    #[arg(long, value_name = "N")]
    pub(crate) trend: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub(crate) format: ReportFormat,
    /// Write to this file instead of standard output (written only when the report is safe).
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// Terminal tables.
    Table,
    /// One line per published cell.
    Csv,
    /// The whole report.
    Json,
    /// The results board: one page, printable on A4, no JavaScript.
    Html,
}

/// Where the store is, and who acts.
#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    /// The store: a SQLite file (created if missing) or a `postgres://` URL.
    #[arg(
        long,
        env = "LOTS_DB",
        value_name = "PATH|URL",
        default_value = "data/lots.db"
    )]
    pub(crate) db: String,
    /// Catalog files or directories [default: workflows rules]
    #[arg(long = "path", value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// The acting person's pseudonymous id (never a name or personal identity number).
    #[arg(long, default_value = lots::runtime::DEFAULT_ACTOR_ID)]
    pub(crate) actor: String,
    /// The role they act in.
    #[arg(long, default_value = lots::runtime::DEFAULT_ROLE)]
    pub(crate) role: String,
    /// SQLite: sync commits at checkpoints only (faster; the last commits may be lost in a
    /// power cut, never in a crash of the process).
    #[arg(long)]
    pub(crate) synchronous_normal: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CaseCommand {
    /// Open a case from a `case_opened` event.
    Open(CaseEventArgs),
    /// Apply events to a stored case.
    Apply(CaseApplyArgs),
    /// Show a stored case: phase, facts (sensitive ones redacted), deadlines, what to do.
    Show(CaseShowArgs),
    /// What the caseworker must do next in a stored case.
    Explain(CaseShowArgs),
    /// A stored case's events, with when each happened and when it was recorded.
    History(CaseShowArgs),
    /// The stored cases.
    List(CaseListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CaseEventArgs {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// A JSON or YAML file with an event, `{at, by, event}`, or a list of them; `-` for stdin.
    #[arg(value_name = "FILE", default_value = "-")]
    pub(crate) events: PathBuf,
    /// When it happened (Swedish civil time, e.g. 2025-09-01T09:00) [default: now]
    #[arg(long, value_name = "DATETIME")]
    pub(crate) at: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CaseApplyArgs {
    /// The case's id.
    pub(crate) case_id: String,
    #[command(flatten)]
    pub(crate) event: CaseEventArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CaseShowArgs {
    /// The case's id.
    pub(crate) case_id: String,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// The case as it was known then: a date (end of that day, Swedish time), a civil time, or
    /// an RFC 3339 instant.
    #[arg(long, value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// The time to explain at (Swedish civil time) [default: now]
    #[arg(long, value_name = "DATETIME")]
    pub(crate) at: Option<String>,
    /// Language of text for caseworkers.
    #[arg(long, value_enum, default_value_t = Language::Sv)]
    pub(crate) lang: Language,
}

#[derive(Debug, Args)]
pub(crate) struct CaseListArgs {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ActionsCommand {
    /// The actions waiting for delivery, oldest first, as JSON lines.
    List(ActionsListArgs),
    /// Acknowledge actions as delivered.
    Ack(ActionsAckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ActionsListArgs {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    pub(crate) limit: u32,
}

#[derive(Debug, Args)]
pub(crate) struct ActionsAckArgs {
    /// The actions' ids.
    #[arg(required = true)]
    pub(crate) action_ids: Vec<String>,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    /// Scenario files or directories [default: tests/data/scenarios]
    #[arg(value_name = "PATH")]
    pub(crate) scenarios: Vec<PathBuf>,
    /// Catalog files or directories [default: workflows rules]
    #[arg(long = "catalog", value_name = "PATH")]
    pub(crate) catalog: Vec<PathBuf>,
    /// Report coverage, and fail on required items no scenario covers.
    #[arg(long)]
    pub(crate) coverage: bool,
    /// Fail when overall coverage (in percent) is below this; implies --coverage.
    #[arg(long, value_name = "N")]
    pub(crate) min_coverage: Option<f64>,
    /// Accepted coverage gaps [default: tests/data/coverage-allowance.yaml, if it exists]
    #[arg(long, value_name = "FILE")]
    pub(crate) allow: Option<PathBuf>,
    /// Also write the coverage as an HTML page with the phase graphs; implies --coverage.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// Switch off each rule and each transition guard in turn; report which no scenario notices.
    #[arg(long)]
    pub(crate) mutate: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Table)]
    pub(crate) format: TestFormat,
}

/// How `lots test` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestFormat {
    /// Readable text.
    Table,
    /// One JSON document.
    Json,
    /// JUnit XML, for CI systems.
    Junit,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The workflow's id.
    pub(crate) workflow: String,
    /// The unit whose configuration to show.
    #[arg(long)]
    pub(crate) unit: String,
    /// Catalog files or directories [default: workflows rules]
    #[arg(long = "path", value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    #[command(flatten)]
    pub(crate) catalog: CatalogArgs,
    /// Stop after this many reloads (for scripts and tests; default: run until stopped).
    #[arg(long, value_name = "N")]
    pub(crate) reloads: Option<usize>,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The Scenario file.
    pub(crate) scenario: PathBuf,
    /// Catalog files or directories [default: workflows rules]
    #[arg(long = "path", value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Language of reasons and explanations.
    #[arg(long, value_enum, default_value_t = Language::Sv)]
    pub(crate) lang: Language,
    /// Play it for this unit only [default: every unit the scenario lists]
    #[arg(long)]
    pub(crate) unit: Option<String>,
    /// Show the whole trace: every condition with the facts it read, hooks run.
    #[arg(long)]
    pub(crate) trace: bool,
}

/// Language of text for caseworkers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Language {
    /// Swedish.
    Sv,
    /// English.
    En,
}

/// Where the catalog files are.
#[derive(Debug, Args)]
pub(crate) struct CatalogArgs {
    /// Files or directories to load [default: workflows rules]
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
}

impl CatalogArgs {
    pub(crate) fn paths(&self) -> Vec<PathBuf> {
        or_default(&self.paths)
    }
}

/// The given catalog paths, or `workflows` and `rules`.
pub(crate) fn or_default(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from("workflows"), PathBuf::from("rules")]
    } else {
        paths.to_vec()
    }
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) catalog: CatalogArgs,
    /// How diagnostics are printed.
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    pub(crate) error_format: ErrorFormat,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub(crate) deny_warnings: bool,
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ErrorFormat {
    /// Source excerpts with underlines (colour on a terminal).
    Human,
    /// One line per diagnostic, `file:line:column: severity[code]: message`, then help.
    Plain,
    /// A JSON document with every diagnostic and the summary.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    /// The workflow's id.
    pub(crate) workflow: String,
    /// Show the graph with this unit's parameter values.
    #[arg(long)]
    pub(crate) unit: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub(crate) format: GraphFormat,
    /// Files or directories to load [default: workflows rules]
    #[arg(long = "path", value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphFormat {
    /// Mermaid flowchart (renders in GitHub and many editors).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Write the schemas into this directory instead of printing them.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "schemas")]
    pub(crate) write: Option<PathBuf>,
    /// Exit 1 if the files in `schemas/` differ from the generated schemas.
    #[arg(long, conflicts_with = "write")]
    pub(crate) check: bool,
}
