//! Scenarios: a case told as timed events, played through [`runtime::apply`], with each step's
//! outcome rendered readably. Shared by `lots run` and the scenario tests.

use std::fmt::Write as _;

use jiff::civil::DateTime;

use crate::Catalog;
use crate::catalog::parse;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, SourceFile};
use crate::runtime::{self, Case, Event, Lang, Rejection, Step, TraceEntry};
use crate::syntax::{ScenarioFile, Spanned};

/// A checked scenario: its steps with parsed times.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The steps.
    pub steps: Vec<(DateTime, Event)>,
}

/// What one step did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// When.
    pub at: DateTime,
    /// The event's type.
    pub event: String,
    /// The step, or why the event was rejected (the case is then unchanged).
    pub result: Result<Step, Rejection>,
}

/// Reads a scenario file; every problem is a diagnostic.
pub fn load(source: &SourceFile) -> Result<Scenario, Diagnostics> {
    let mut diags = Diagnostics::default();
    let Some(file) = parse::from_str::<ScenarioFile>(source, &mut diags) else {
        return Err(diags);
    };
    let mut steps = Vec::new();
    for step in &file.steps {
        match parse_time(&step.at) {
            Some(at) => steps.push((at, step.event.value.clone())),
            None => diags.push(
                Diagnostic::new(
                    Code::InvalidDate,
                    format!("`{}` is not a time", step.at.value),
                )
                .at(source, step.at.span)
                .label("not a time")
                .help("write `YYYY-MM-DDTHH:MM` (Swedish local time), or a date `YYYY-MM-DD`"),
            ),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Scenario {
        id: file.id.value.clone(),
        title: file.title.clone(),
        steps,
    })
}

fn parse_time(at: &Spanned<String>) -> Option<DateTime> {
    at.value.parse::<DateTime>().ok().or_else(|| {
        at.value
            .parse::<jiff::civil::Date>()
            .ok()
            .map(|d| d.at(8, 0, 0, 0))
    })
}

/// Plays every step; a rejected step leaves the case as it was and play goes on.
pub fn run(catalog: &Catalog, scenario: &Scenario) -> (Case, Vec<Outcome>) {
    let mut case = Case::default();
    let mut outcomes = Vec::new();
    for (at, event) in &scenario.steps {
        let result = runtime::apply(catalog, &case, event.clone(), *at);
        if let Ok(step) = &result {
            case = step.case.clone();
        }
        outcomes.push(Outcome {
            at: *at,
            event: event.kind().to_owned(),
            result,
        });
    }
    (case, outcomes)
}

/// The outcomes as text: phase changes, facts, actions, rejections with reasons, deadlines.
pub fn render(outcomes: &[Outcome], lang: Lang) -> String {
    let mut out = String::new();
    for (i, o) in outcomes.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>3}. {} {}",
            i + 1,
            o.at.strftime("%Y-%m-%d %H:%M"),
            o.event
        );
        match &o.result {
            Err(rejection) => {
                let _ = writeln!(out, "     REJECTED");
                for r in &rejection.reasons {
                    let _ = writeln!(out, "       – {}", r.describe(lang));
                }
            }
            Ok(step) => render_step(&mut out, step, lang),
        }
    }
    out
}

fn render_step(out: &mut String, step: &Step, lang: Lang) {
    for e in &step.trace.entries {
        let line = match e {
            TraceEntry::FactSet { fact, value, rule } => match rule {
                Some(r) => format!("fact {fact} = {value} (rule {r})"),
                None => format!("fact {fact} = {value}"),
            },
            TraceEntry::InstrumentScored {
                instrument,
                score,
                band,
            } => format!(
                "{instrument}: score {} band {}",
                score.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                band.as_deref().unwrap_or("-")
            ),
            TraceEntry::Session { phase, outcome } => format!("session {outcome} in {phase}"),
            TraceEntry::PhaseEntered {
                from,
                to,
                automatic,
            } => {
                format!(
                    "phase {from} → {to}{}",
                    if *automatic { " (automatic)" } else { "" }
                )
            }
            TraceEntry::RuleFired { rule, .. } => format!("rule {rule} fired"),
            TraceEntry::DeadlineStarted { deadline, due } => {
                format!("deadline {deadline} started, due {due}")
            }
            TraceEntry::DeadlineStopped { deadline } => format!("deadline {deadline} met"),
            TraceEntry::DeadlineExtended {
                deadline,
                ground,
                due,
            } => {
                format!("deadline {deadline} extended ({ground}), due {due}")
            }
            TraceEntry::OverrideUsed {
                requirement,
                reason,
            } => format!("override {requirement}: {reason}"),
            TraceEntry::CaseClosed { reason } => format!("case closed: {reason}"),
            TraceEntry::TransitionBlocked { to, reasons } => {
                let why: Vec<String> = reasons.iter().map(|r| r.describe(lang)).collect();
                format!("automatic move to {to} blocked: {}", why.join("; "))
            }
            TraceEntry::Event { .. }
            | TraceEntry::Condition { .. }
            | TraceEntry::RuleHeld { .. } => {
                continue;
            }
        };
        let _ = writeln!(out, "     {line}");
    }
    for a in &step.actions {
        let _ = writeln!(
            out,
            "     ACTION {} ({})",
            runtime::describe_action(a, lang),
            a.id
        );
    }
    for w in &step.warnings {
        let text = match w {
            runtime::Warning::SessionsAboveMax { phase, held, max } => {
                format!("{held} sessions in {phase}, more than the expected {max}")
            }
            runtime::Warning::UnansweredItems { instrument, items } => {
                format!("{instrument}: unanswered items {}", items.join(", "))
            }
        };
        let _ = writeln!(out, "     WARNING {text}");
    }
}
