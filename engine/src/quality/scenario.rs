//! Scenarios: a case told as timed events, played through [`runtime::apply`], with each step's
//! outcome rendered readably. Shared by `lots run` and the scenario tests.

use std::fmt::Write as _;

use jiff::civil::DateTime;

use crate::Catalog;
use crate::catalog::parse;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, SourceFile};
use crate::runtime::{self, Actor, Case, Event, Lang, Rejection, TraceEntry};
use crate::runtime::{Action, DEFAULT_ACTOR_ID, DEFAULT_ROLE, REDACTED, deadline_state};
use crate::syntax::Spanned;

mod file;

pub use file::{ActorDecl, ExpectDecl, ExpectedAction, ScenarioFile, StepDecl};

/// A checked scenario: its steps with parsed times, and what the author expects.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The workflow the case runs.
    pub workflow: String,
    /// The units it is played for, one run each.
    pub units: Vec<String>,
    /// The steps: time, event, who did it, expectations after it.
    pub steps: Vec<ScenarioStep>,
    /// What must hold at the end.
    pub expect: Option<ExpectDecl>,
}

/// One step of a scenario.
#[derive(Debug, Clone)]
pub struct ScenarioStep {
    /// When.
    pub at: DateTime,
    /// What happened.
    pub event: Event,
    /// Who did it, as written (see [`actor`] for the default caseworker).
    pub by: ActorDecl,
    /// What must hold after it.
    pub expect: Option<ExpectDecl>,
}

/// The actor of a step: as written, with the default caseworker filling in what is left out
/// (actor [`DEFAULT_ACTOR_ID`], in the workflow's default role: the one marked `default:
/// true`, else [`DEFAULT_ROLE`]).
pub fn actor(catalog: &Catalog, workflow: &str, by: &ActorDecl) -> Actor {
    let role = by.role.clone().unwrap_or_else(|| {
        catalog
            .workflow(workflow)
            .and_then(|wf| wf.default_role())
            .map_or_else(|| DEFAULT_ROLE.to_owned(), ToString::to_string)
    });
    Actor {
        id: by
            .actor
            .clone()
            .unwrap_or_else(|| DEFAULT_ACTOR_ID.to_owned()),
        role,
    }
}

/// The actor as a report shows it: an id or role the engine refused (one shaped like a
/// personal identity number, say) is never repeated.
fn shown(by: Actor) -> Actor {
    let refused = |bad: bool, text: String| if bad { "[refused]".to_owned() } else { text };
    Actor {
        id: refused(crate::text::actor_id_problem(&by.id).is_some(), by.id),
        role: refused(crate::text::id_problem(&by.role).is_some(), by.role),
    }
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
    /// Who sent it.
    pub by: Actor,
    /// What the accepted event did, or why it was rejected (the case is then unchanged).
    pub result: Result<Stepped, Rejection>,
}

/// What an accepted step did: the step without the case it left behind, so that a played
/// story holds one case, not one per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Stepped {
    /// The phase the case is in after the step.
    pub phase: String,
    /// Actions emitted.
    pub actions: Vec<Action>,
    /// What was evaluated, fired, blocked.
    pub trace: runtime::Trace,
    /// Accepted, but worth attention.
    pub warnings: Vec<runtime::Warning>,
}

/// Reads a scenario file; every problem is a diagnostic.
pub fn load(source: &SourceFile) -> Result<Scenario, Diagnostics> {
    let mut diags = Diagnostics::default();
    let Some(file) = parse::from_str::<ScenarioFile>(source, &mut diags) else {
        return Err(diags);
    };
    let bad_time = |diags: &mut Diagnostics, at: &Spanned<String>, help: &str| {
        diags.push(
            Diagnostic::new(Code::InvalidDate, format!("`{}` is not a time", at.value))
                .at(source, at.span)
                .label("not a time")
                .help(help.to_owned()),
        );
    };
    let start = file.start.as_ref().and_then(|s| {
        let t = parse_time(&s.value);
        if t.is_none() {
            bad_time(
                &mut diags,
                s,
                "write `YYYY-MM-DDTHH:MM` (Swedish local time), or a date `YYYY-MM-DD`",
            );
        }
        t
    });
    let mut steps = Vec::new();
    for step in &file.steps {
        let at = match (step.at.value.strip_prefix('+'), start) {
            (Some(rel), Some(start)) => relative_time(start, rel),
            (Some(_), None) => {
                bad_time(
                    &mut diags,
                    &step.at,
                    "a relative time (`+3d`) needs the scenario's `start`; add `start: YYYY-MM-DDTHH:MM`",
                );
                continue;
            }
            (None, _) => parse_time(&step.at.value),
        };
        match at {
            Some(at) => steps.push(ScenarioStep {
                at,
                event: step.event.value.clone(),
                by: step.by.clone().unwrap_or_default(),
                expect: step.expect.clone(),
            }),
            None => bad_time(
                &mut diags,
                &step.at,
                "write `YYYY-MM-DDTHH:MM` (Swedish local time), a date `YYYY-MM-DD`, or `+3d` / `+3d 13:30` after `start`",
            ),
        }
    }
    check_opening(source, &file, &mut diags);
    if file.units.is_empty() {
        diags.push(
            Diagnostic::new(Code::InvalidValue, "the scenario names no unit")
                .at(source, file.id.span)
                .label("played for no unit")
                .help("list the units to play it for: `units: [skarholmen]`"),
        );
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Scenario {
        id: file.id.value.clone(),
        title: file.title.clone(),
        workflow: file.workflow.value.clone(),
        units: file.units.iter().map(|u| u.value.clone()).collect(),
        steps,
        expect: file.expect.clone(),
    })
}

/// The first event opens the case; a workflow or unit it names must be the scenario's.
fn check_opening(source: &SourceFile, file: &ScenarioFile, diags: &mut Diagnostics) {
    let Some(first) = file.steps.first() else {
        return;
    };
    let Event::CaseOpened { workflow, unit, .. } = &first.event.value else {
        diags.push(
            Diagnostic::new(Code::InvalidValue, "the first step must open the case")
                .at(source, first.event.span)
                .label("not `case_opened`")
                .help("start the steps with `{type: case_opened, case_id: …, facts: {…}}`"),
        );
        return;
    };
    let mut mismatch = |what: &str, named: &str, help: String| {
        diags.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`case_opened` names {what} `{named}`, which the scenario does not play"),
            )
            .at(source, first.event.span)
            .label("disagrees with the scenario")
            .help(help),
        );
    };
    if !workflow.is_empty() && *workflow != file.workflow.value {
        mismatch(
            "workflow",
            workflow,
            format!(
                "leave `workflow` out of `case_opened`; the scenario's is `{}`",
                file.workflow.value
            ),
        );
    }
    let single = matches!(file.units.as_slice(), [u] if u.value == *unit);
    if !unit.is_empty() && !single {
        mismatch(
            "unit",
            unit,
            "leave `unit` out of `case_opened`; the scenario is played once for each of its `units`"
                .to_owned(),
        );
    }
}

fn parse_time(text: &str) -> Option<DateTime> {
    text.parse::<DateTime>().ok().or_else(|| {
        text.parse::<jiff::civil::Date>()
            .ok()
            .map(|d| d.at(8, 0, 0, 0))
    })
}

/// `3d` or `3d 13:30` after `start`.
fn relative_time(start: DateTime, rel: &str) -> Option<DateTime> {
    let (days, time) = match rel.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (rel, None),
    };
    let days: i32 = days.strip_suffix('d')?.parse().ok()?;
    let date = start
        .date()
        .checked_add(jiff::Span::new().try_days(days).ok()?)
        .ok()?;
    let time = match time {
        Some(t) => t.parse::<jiff::civil::Time>().ok()?,
        None => start.time(),
    };
    Some(date.to_datetime(time))
}

/// One unit's run of a scenario: the final case, each step's outcome, and the expectations
/// that did not hold.
#[derive(Debug, Clone)]
pub struct Played {
    /// The unit.
    pub unit: String,
    /// The case after the last step.
    pub case: Case,
    /// What each step did.
    pub outcomes: Vec<Outcome>,
    /// Expectations that did not hold (empty: the run passed).
    pub failures: Vec<Failure>,
}

/// Plays the scenario once for each of its units and checks the expectations.
pub fn play(catalog: &Catalog, scenario: &Scenario) -> Vec<Played> {
    scenario
        .units
        .iter()
        .map(|unit| play_unit(catalog, scenario, unit))
        .collect()
}

/// Plays every step for one unit, checking each step's expectations as it goes; a rejected
/// step leaves the case as it was and play goes on. The opening event gets the scenario's
/// workflow and this unit. Only the current case is kept, so a long story costs memory in
/// proportion to its length.
fn play_unit(catalog: &Catalog, scenario: &Scenario, unit: &str) -> Played {
    let mut case = Case::default();
    let mut outcomes = Vec::with_capacity(scenario.steps.len());
    let mut failures = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let (at, expect) = (&step.at, &step.expect);
        let mut event = step.event.clone();
        if let Event::CaseOpened {
            workflow, unit: u, ..
        } = &mut event
        {
            scenario.workflow.clone_into(workflow);
            unit.clone_into(u);
        }
        let kind = event.kind().to_owned();
        let by = actor(catalog, &scenario.workflow, &step.by);
        let result = match runtime::apply(catalog, &case, event, by.clone(), *at) {
            Ok(step) => {
                let stepped = Stepped {
                    phase: step.case.phase.clone(),
                    actions: step.actions,
                    trace: step.trace,
                    warnings: step.warnings,
                };
                case = step.case;
                Ok(stepped)
            }
            Err(rejection) => Err(rejection),
        };
        let outcome = Outcome {
            at: *at,
            event: kind,
            by: shown(by),
            result,
        };
        for message in check_step(catalog, expect.as_ref(), &outcome, &case) {
            failures.push(Failure {
                step: Some(i + 1),
                message,
            });
        }
        outcomes.push(outcome);
    }
    if let (Some(expect), Some(ScenarioStep { at, .. })) = (&scenario.expect, scenario.steps.last())
    {
        let mut messages = Vec::new();
        if let Some(want) = &expect.actions {
            let all: Vec<Action> = case.actions.iter().map(|a| (**a).clone()).collect();
            messages.extend(match_actions(want, &all));
        }
        messages.extend(check_state(catalog, expect, &case, *at));
        failures.extend(messages.into_iter().map(|message| Failure {
            step: None,
            message,
        }));
    }
    Played {
        unit: unit.to_owned(),
        case,
        outcomes,
        failures,
    }
}

/// How much of each step [`render`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// What a caseworker sees: phase changes, facts, sessions, actions, rejections, deadlines,
    /// warnings.
    Story,
    /// The story plus the whole trace: every condition evaluated with the facts it read
    /// (sensitive ones redacted), rules that held without firing, hooks run.
    Trace,
}

/// The outcomes as text: phase changes, facts, actions, rejections with reasons, deadlines.
pub fn render(outcomes: &[Outcome], lang: Lang, detail: Detail) -> String {
    let mut out = String::new();
    for (i, o) in outcomes.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>3}. {} {} {} {}",
            i + 1,
            o.at.strftime("%Y-%m-%d %H:%M"),
            o.event,
            if lang == Lang::Sv { "av" } else { "by" },
            o.by
        );
        match &o.result {
            Err(rejection) => {
                let _ = writeln!(out, "     REJECTED");
                for r in &rejection.reasons {
                    let _ = writeln!(out, "       – {}", r.describe(lang));
                }
            }
            Ok(step) => render_step(&mut out, step, lang, detail),
        }
    }
    out
}

fn render_step(out: &mut String, step: &Stepped, lang: Lang, detail: Detail) {
    for e in &step.trace.entries {
        let traced = matches!(
            e,
            TraceEntry::HookRan { .. } | TraceEntry::Condition { .. } | TraceEntry::RuleHeld { .. }
        );
        if traced && detail == Detail::Story {
            continue;
        }
        let line = match e {
            TraceEntry::FactSet { fact, value, rule } => match rule {
                Some(r) => format!("fact {fact} = {value} (rule {r})"),
                None => format!("fact {fact} = {value}"),
            },
            TraceEntry::FactComputed { fact, value } => match value {
                Some(v) => format!("fact {fact} = {v} (computed)"),
                None => format!("fact {fact} unset (computed)"),
            },
            TraceEntry::TrackStarted { track, phase } => format!("track {track} starts in {phase}"),
            TraceEntry::PersonAdded { person } => {
                format!("person {}/{} added", person.of, person.key)
            }
            TraceEntry::PersonFactSet {
                person,
                fact,
                value,
            } => format!("fact {fact} of {}/{} = {value}", person.of, person.key),
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
                ..
            } => {
                format!(
                    "phase {from} → {to}{}",
                    if *automatic { " (automatic)" } else { "" }
                )
            }
            TraceEntry::RuleFired { rule, .. } => format!("rule {rule} fired"),
            TraceEntry::DeadlineStarted {
                deadline,
                due,
                from,
                late,
                rolled,
            } => {
                let mut line = format!("deadline {deadline} started, due {due}");
                if let Some(from) = from {
                    let _ = write!(line, ", counted from {from}");
                }
                if *late {
                    line.push_str(", one more day: it started late in the day");
                }
                if let Some(r) = rolled {
                    let _ = write!(
                        line,
                        ", moved from {} (not a working day; {})",
                        r.last_day,
                        r.legal.text.as_deref().unwrap_or(&r.legal.concept)
                    );
                }
                line
            }
            TraceEntry::DeadlineNotStarted { deadline } => {
                format!("deadline {deadline} not started: it was stopped in this step")
            }
            TraceEntry::DeadlineRecounted {
                deadline,
                from,
                due,
            } => {
                format!("deadline {deadline} counted from {from}, due {due}")
            }
            TraceEntry::DeadlineCancelled { deadline, overdue } => {
                format!(
                    "deadline {deadline} cancelled{}",
                    if *overdue { " after it fell due" } else { "" }
                )
            }
            TraceEntry::DeadlineStopped { deadline, late } => {
                format!(
                    "deadline {deadline} met{}",
                    if *late { " late" } else { "" }
                )
            }
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
            TraceEntry::DecisionTaken {
                decision,
                granted,
                by,
            } => {
                let by: Vec<String> = by.iter().map(ToString::to_string).collect();
                format!(
                    "decision {decision} {} by {}",
                    if *granted { "granted" } else { "denied" },
                    by.join(" and ")
                )
            }
            TraceEntry::ApprovalRecorded {
                what,
                by,
                given,
                needed,
            } => format!("approval of {what} by {by}: {given} of {needed}"),
            TraceEntry::ApprovalsCancelled { what, why } => {
                format!("approvals of {what} withdrawn: {why}")
            }
            TraceEntry::DocumentRecorded { document } => format!("document {document} recorded"),
            TraceEntry::TransitionBlocked { to, reasons } => {
                let why: Vec<String> = reasons.iter().map(|r| r.describe(lang)).collect();
                format!("automatic move to {to} blocked: {}", why.join("; "))
            }
            TraceEntry::HookRan { hook, outcome } => format!("hook {hook}: {outcome}"),
            TraceEntry::Condition {
                owner,
                value,
                facts,
                ..
            } => {
                let read: Vec<String> = facts
                    .iter()
                    .map(|f| match &f.value {
                        Some(v) => format!("{}={v}", f.fact),
                        None => format!("{}=-", f.fact),
                    })
                    .collect();
                format!(
                    "when {} {} [{}]",
                    describe_owner(owner),
                    if *value { "true" } else { "false" },
                    read.join(" ")
                )
            }
            TraceEntry::RuleHeld { rule, why } => format!("rule {rule} held: {why}"),
            // Script failures are printed with the warnings.
            TraceEntry::Event { .. } | TraceEntry::ScriptFailed { .. } => {
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
            runtime::Warning::GuardYieldedToDuty {
                reason,
                recorded,
                refused,
            } => {
                let mut text = format!(
                    "{} (yielded to a duty: recorded {}",
                    reason.describe(lang),
                    recorded.join(", ")
                );
                if !refused.is_empty() {
                    let _ = write!(text, "; refused {}", refused.join(", "));
                }
                text.push(')');
                text
            }
            runtime::Warning::DecisionFactProtected { fact, writer } => {
                format!("{writer} may not write {fact}, which only a decision records; not written")
            }
            runtime::Warning::DutyInputProtected { fact, writer } => {
                format!("{writer} may not write {fact}, which a legal duty depends on; not written")
            }
            runtime::Warning::UnansweredItems { instrument, items } => {
                format!("{instrument}: unanswered items {}", items.join(", "))
            }
            runtime::Warning::NotComputed { fact, why } => {
                format!("{fact} could not be computed ({why}); it is unset")
            }
            runtime::Warning::ComputedFactProtected { fact, writer } => {
                format!("{writer} may not write {fact}, which the engine computes; not written")
            }
        };
        let _ = writeln!(out, "     WARNING {text}");
    }
}

fn describe_owner(owner: &runtime::Owner) -> String {
    match owner {
        runtime::Owner::Rule { rule } => format!("rule {rule}"),
        runtime::Owner::Hook { hook } => format!("hook {hook}"),
        runtime::Owner::Transition { from, to } => format!("{from} → {to}"),
    }
}

/// What did not hold of one step's expectations (and an unexpected rejection), given the
/// case after the step.
fn check_step(
    catalog: &Catalog,
    expect: Option<&ExpectDecl>,
    outcome: &Outcome,
    case: &Case,
) -> Vec<String> {
    let mut out = Vec::new();
    // A rejection the file does not expect is always a failure: it usually means a mistake in
    // the event, and the rest of the story then tells something else.
    let expects_rejection =
        expect.is_some_and(|e| e.rejected == Some(true) || !e.reasons.is_empty());
    if let (Err(r), false) = (&outcome.result, expects_rejection) {
        out.push(format!(
            "`{}` was rejected: {}",
            outcome.event,
            r.describe(Lang::En).replace('\n', "; ")
        ));
    }
    let Some(expect) = expect else {
        return out;
    };
    if let (Ok(_), Some(true)) = (&outcome.result, expect.rejected) {
        out.push(format!(
            "expected `{}` to be rejected, it was accepted",
            outcome.event
        ));
    }
    match &outcome.result {
        Err(r) => {
            let types: Vec<String> = r.reasons.iter().map(tag).collect();
            for want in &expect.reasons {
                if !types.contains(want) {
                    out.push(format!(
                        "expected rejection reason `{want}`, got [{}]",
                        types.join(", ")
                    ));
                }
            }
        }
        Ok(_) if !expect.reasons.is_empty() => out.push(format!(
            "expected a rejection with [{}], the event was accepted",
            expect.reasons.join(", ")
        )),
        Ok(_) => {}
    }
    let (emitted, warnings): (&[Action], Vec<String>) = match &outcome.result {
        Ok(s) => (s.actions.as_slice(), s.warnings.iter().map(tag).collect()),
        Err(_) => (&[], Vec::new()),
    };
    if let Some(want) = &expect.actions {
        out.extend(match_actions(want, emitted));
    }
    for w in &expect.warnings {
        if !warnings.contains(w) {
            out.push(format!(
                "expected warning `{w}`, got [{}]",
                warnings.join(", ")
            ));
        }
    }
    out.extend(check_state(catalog, expect, case, outcome.at));
    out
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
    for (track, want) in &expect.tracks {
        match case.tracks.get(track) {
            Some(t) if t.phase == *want => {}
            Some(t) => out.push(format!(
                "expected track `{track}` in `{want}`, it is in `{}`",
                t.phase
            )),
            None => out.push(format!(
                "expected track `{track}` in `{want}`, the track is not running"
            )),
        }
    }
    if let Some(closed) = expect.closed
        && closed != case.closed.is_some()
    {
        out.push(format!(
            "expected the case {}",
            if closed { "closed" } else { "open" }
        ));
    }
    let wf = catalog
        .for_case(&case.workflow, &case.content_hash)
        .and_then(|c| c.workflow(&case.workflow));
    for (fact, want) in &expect.facts {
        let got = case.facts.get(fact);
        if got != Some(want) {
            let sensitive = wf
                .and_then(|w| w.fact(fact))
                .is_some_and(|(_, f)| f.sensitive);
            if sensitive {
                out.push(format!(
                    "expected fact `{fact}` = {REDACTED}, got {} (a sensitive fact: values are not shown)",
                    if got.is_some() { REDACTED } else { "nothing" }
                ));
            } else {
                out.push(format!("expected fact `{fact}` = {want:?}, got {got:?}"));
            }
        }
    }
    if let Some(wf) = wf {
        let secrets = crate::runtime::secrecy::Secrets::of(wf, case, None);
        for message in &mut out {
            secrets.redact_in_place(message);
        }
    }
    for (what, want) in &expect.approvals {
        let got = case
            .approvals
            .iter()
            .find(|p| p.what.key() == *what)
            .map_or(0, |p| p.approvals.len());
        if u32::try_from(got).ok() != Some(*want) {
            out.push(format!(
                "expected {want} approvals of `{what}` pending, there are {got}"
            ));
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
            ("track", w.track.as_ref(), field("track")),
            ("route", w.route.as_ref(), field("kind")),
            (
                "intervention",
                w.intervention.as_ref(),
                field("intervention"),
            ),
            ("deadline", w.deadline.as_ref(), field("deadline")),
            ("rule", w.rule.as_ref(), a.rule.clone()),
            (
                "person",
                w.person.as_ref(),
                a.person.as_ref().map(|p| p.key.clone()),
            ),
            ("id", w.id.as_ref(), Some(a.id.clone())),
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
