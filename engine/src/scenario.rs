//! Scenarios: a case told as timed events, played through [`runtime::apply`], with each step's
//! outcome rendered readably. Shared by `lots run` and the scenario tests.

use std::fmt::Write as _;

use jiff::civil::DateTime;

use crate::Catalog;
use crate::catalog::parse;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, SourceFile};
use crate::runtime::{self, Case, Event, Lang, Rejection, Step, TraceEntry};
use crate::runtime::{Action, deadline_state};
use crate::syntax::{ExpectDecl, ExpectedAction, ScenarioFile, Spanned};

/// A checked scenario: its steps with parsed times, and what the author expects.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The steps: time, event, expectations after it.
    pub steps: Vec<(DateTime, Event, Option<ExpectDecl>)>,
    /// What must hold at the end.
    pub expect: Option<ExpectDecl>,
}

/// An expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The step (1-based), or `None` for the final expectations.
    pub step: Option<usize>,
    /// What was expected and what happened.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.step {
            Some(n) => write!(f, "step {n}: {}", self.message),
            None => write!(f, "at the end: {}", self.message),
        }
    }
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
            Some(at) => steps.push((at, step.event.value.clone(), step.expect.clone())),
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
        expect: file.expect.clone(),
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
    for (at, event, _) in &scenario.steps {
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
            // Script failures are printed with the warnings.
            TraceEntry::Event { .. }
            | TraceEntry::Condition { .. }
            | TraceEntry::RuleHeld { .. }
            | TraceEntry::ScriptFailed { .. } => {
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
            runtime::Warning::ScriptFailed { error, .. } => format!("script failed at {error}"),
            runtime::Warning::GuardYieldedToDuty { reason } => format!(
                "{} (recorded anyway: a mandatory rule reads these facts)",
                reason.describe(lang)
            ),
            runtime::Warning::UnansweredItems { instrument, items } => {
                format!("{instrument}: unanswered items {}", items.join(", "))
            }
        };
        let _ = writeln!(out, "     WARNING {text}");
    }
}

/// Checks every expectation of the scenario against its run; empty when all hold.
pub fn check(
    catalog: &Catalog,
    scenario: &Scenario,
    case: &Case,
    outcomes: &[Outcome],
) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut state = Case::default();
    for (i, ((at, _, expect), outcome)) in scenario.steps.iter().zip(outcomes).enumerate() {
        if let Ok(step) = &outcome.result {
            state = step.case.clone();
        }
        // A rejection the file does not expect is always a failure: it usually means a
        // mistake in the event, and the rest of the story then tells something else.
        let expects_rejection = expect
            .as_ref()
            .is_some_and(|e| e.rejected == Some(true) || !e.reasons.is_empty());
        if let (Err(r), false) = (&outcome.result, expects_rejection) {
            failures.push(Failure {
                step: Some(i + 1),
                message: format!(
                    "`{}` was rejected: {}",
                    outcome.event,
                    r.describe(Lang::En).replace('\n', "; ")
                ),
            });
        }
        let Some(expect) = expect else { continue };
        let mut fail = |message: String| {
            failures.push(Failure {
                step: Some(i + 1),
                message,
            })
        };
        if let (Ok(_), Some(true)) = (&outcome.result, expect.rejected) {
            fail(format!(
                "expected `{}` to be rejected, it was accepted",
                outcome.event
            ));
        }
        if let Err(r) = &outcome.result {
            let types: Vec<String> = r.reasons.iter().map(tag).collect();
            for want in &expect.reasons {
                if !types.contains(want) {
                    fail(format!(
                        "expected rejection reason `{want}`, got [{}]",
                        types.join(", ")
                    ));
                }
            }
        } else if !expect.reasons.is_empty() {
            fail(format!(
                "expected a rejection with [{}], the event was accepted",
                expect.reasons.join(", ")
            ));
        }
        let emitted: &[Action] = outcome
            .result
            .as_ref()
            .map_or(&[], |s| s.actions.as_slice());
        if let Some(want) = &expect.actions {
            for m in match_actions(want, emitted) {
                fail(m);
            }
        }
        let warnings: Vec<String> = outcome
            .result
            .as_ref()
            .map_or_else(|_| Vec::new(), |s| s.warnings.iter().map(tag).collect());
        for w in &expect.warnings {
            if !warnings.contains(w) {
                fail(format!(
                    "expected warning `{w}`, got [{}]",
                    warnings.join(", ")
                ));
            }
        }
        for m in check_state(catalog, expect, &state, *at) {
            fail(m);
        }
    }
    if let (Some(expect), Some((at, _, _))) = (&scenario.expect, scenario.steps.last()) {
        let mut fail = |message: String| {
            failures.push(Failure {
                step: None,
                message,
            })
        };
        if let Some(want) = &expect.actions {
            let all: Vec<Action> = case.actions.iter().map(|a| (**a).clone()).collect();
            for m in match_actions(want, &all) {
                fail(m);
            }
        }
        for m in check_state(catalog, expect, case, *at) {
            fail(m);
        }
    }
    failures
}

/// A serializable enum's `type` tag.
fn tag<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

fn check_state(catalog: &Catalog, expect: &ExpectDecl, case: &Case, at: DateTime) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(phase) = &expect.phase
        && *phase != case.phase
    {
        out.push(format!(
            "expected phase `{phase}`, the case is in `{}`",
            case.phase
        ));
    }
    if let Some(closed) = expect.closed
        && closed != case.closed.is_some()
    {
        out.push(format!(
            "expected the case {}",
            if closed { "closed" } else { "open" }
        ));
    }
    for (fact, want) in &expect.facts {
        let got = case.facts.get(fact);
        if got != Some(want) {
            out.push(format!("expected fact `{fact}` = {want:?}, got {got:?}"));
        }
    }
    for (deadline, want) in &expect.deadlines {
        let got = deadline_state(catalog, case, deadline, at);
        if got != *want {
            out.push(format!(
                "expected deadline `{deadline}` {want:?}, it is {got:?}"
            ));
        }
    }
    out
}

/// Exactly the expected actions, in order, each matching on the fields written.
fn match_actions(want: &[ExpectedAction], got: &[Action]) -> Vec<String> {
    let describe = |a: &Action| format!("{} ({})", tag(&a.kind), a.id);
    let mut out = Vec::new();
    if want.len() != got.len() {
        let list: Vec<String> = got.iter().map(describe).collect();
        out.push(format!(
            "expected {} actions, got {}: [{}]",
            want.len(),
            got.len(),
            list.join(", ")
        ));
        return out;
    }
    for (i, (w, a)) in want.iter().zip(got).enumerate() {
        let kind = serde_json::to_value(&a.kind).unwrap_or_default();
        let field = |name: &str| kind.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let checks = [
            ("type", w.kind.as_ref(), field("type")),
            ("to", w.to.as_ref(), field("to")),
            ("route", w.route.as_ref(), field("kind")),
            (
                "intervention",
                w.intervention.as_ref(),
                field("intervention"),
            ),
            ("deadline", w.deadline.as_ref(), field("deadline")),
            ("rule", w.rule.as_ref(), a.rule.clone()),
        ];
        for (name, expected, actual) in checks {
            if let Some(e) = expected
                && actual.as_ref() != Some(e)
            {
                out.push(format!(
                    "action {}: expected {name} `{e}`, got {actual:?} in {}",
                    i + 1,
                    describe(a)
                ));
            }
        }
        if let Some(cites) = &w.cites {
            let text = a
                .legal
                .as_ref()
                .and_then(|c| c.text.clone())
                .unwrap_or_default();
            if !text.contains(cites.as_str()) {
                out.push(format!(
                    "action {}: expected a citation of `{cites}`, got `{text}`",
                    i + 1
                ));
            }
        }
    }
    out
}
