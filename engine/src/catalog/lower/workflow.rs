//! `syntax::WorkflowFile` to [`Workflow`]: resolve names, check types, report every problem.

use std::collections::HashMap;
use std::sync::Arc;

use super::condition::{self as cond, Scope};
use super::ctx::{Ctx, Known};
use super::resolve;
use crate::diagnostics::{Code, Diagnostic, Span, suggest};
use crate::model::condition::Amount;
use crate::model::fact::Fact;
use crate::model::index::{CollectionIdx, FactSlot, PhaseIdx, TrackIdx};
use crate::model::instrument::Instrument;
use crate::model::workflow::{
    Bounds, Deadline, Parameter, People, Phase, Track, Transition, Trigger, Workflow,
};
use crate::syntax::{self, FactType, Spanned, WorkflowFile};

/// The values of a `protection_level` fact (domain.md §B6).
pub(crate) const PROTECTION_LEVELS: [&str; 4] = [
    "none",
    "sekretessmarkering",
    "skyddad_folkbokforing",
    "fingerade_personuppgifter",
];

/// Lowers a workflow file. `None` when it has errors that leave no usable model.
pub(crate) fn lower_workflow(
    ctx: &mut Ctx<'_>,
    file: &WorkflowFile,
    instruments: &[Instrument],
    known: &Known,
) -> Option<Workflow> {
    let (facts, people) = lower_all_facts(ctx, file);
    let parameters = lower_parameters(ctx, &file.parameters);
    // Every phase: the case's own, then each track's, in one table.
    let (all_phases, track_decls) = flatten_tracks(ctx, file);
    ctx.check_unique("phase", all_phases.iter().map(|(p, _)| &p.id));
    ctx.check_unique("track", track_decls.iter().map(|(t, _)| &t.id));
    ctx.check_unique("deadline", file.deadlines.iter().map(|d| &d.id));
    ctx.check_unique("closure reason", file.closure_reasons.iter().map(|c| &c.id));
    ctx.check_unique(
        "document",
        file.phases
            .iter()
            .flat_map(|p| p.documents.iter().map(|d| &d.id)),
    );
    let roles = super::authority::roles(ctx, file);
    let override_roles =
        super::authority::role_list(ctx, &file.id.value, &roles, file.override_roles.as_ref());

    let fact_index: HashMap<Arc<str>, FactSlot, _> = facts
        .iter()
        .enumerate()
        .filter_map(|(i, f)| Some((f.id.clone(), FactSlot(u16::try_from(i).ok()?))))
        .collect();
    let mut sensitive: Vec<FactSlot> = fact_index
        .values()
        .copied()
        .filter(|slot| facts.get(usize::from(slot.0)).is_some_and(|f| f.sensitive))
        .collect();
    sensitive.sort_by(|a, b| {
        let id = |s: &FactSlot| facts.get(usize::from(s.0)).map(|f| f.id.clone());
        id(a).cmp(&id(b))
    });
    let phase_index: HashMap<Arc<str>, PhaseIdx, _> = all_phases
        .iter()
        .enumerate()
        .filter_map(|(i, (p, _))| {
            Some((
                Arc::from(p.id.value.as_str()),
                PhaseIdx(u16::try_from(i).ok()?),
            ))
        })
        .collect();

    let mut wf = Workflow {
        id: file.id.value.as_str().into(),
        version: file.version.value,
        title: file.title.clone(),
        description: file.description.clone(),
        source: ctx.source.clone(),
        content_hash: crate::model::workflow::content_hash(ctx.source.text()),
        facts,
        people,
        tracks: Vec::new(),
        parameters,
        phases: Vec::new(),
        transitions: Vec::new(),
        start: PhaseIdx(0),
        deadlines: file
            .deadlines
            .iter()
            .map(|d| Deadline {
                id: d.id.value.as_str().into(),
                title: d.title.clone(),
                starts: None,
                stops: Vec::new(),
                cancelled_by: Vec::new(),
                length: Amount::Value(0),
                unit: crate::model::calendar::Unit::Days,
                from: None,
                roll_forward: d.roll_forward.unwrap_or(d.legal.is_some()),
                late_from_hour: None,
                warn_days_before: d.warn_days_before,
                legal: d.legal.as_ref().map(|l| l.value.as_str().into()),
                extension_grounds: d
                    .extension
                    .iter()
                    .flat_map(|e| e.grounds.iter().map(|g| g.value.as_str().into()))
                    .collect(),
                extension_max_days: d.extension.as_ref().and_then(|e| e.max_days),
            })
            .collect(),
        closure_reasons: file
            .closure_reasons
            .iter()
            .map(|c| crate::model::workflow::ClosureReason {
                id: Arc::from(c.id.value.as_str()),
                title: c.title.clone(),
                from_any_phase: c.from_any_phase,
            })
            .collect(),
        follow_up: Vec::new(),
        roles,
        decisions: Vec::new(),
        override_roles,
        computed: Vec::new(),
        fact_index,
        sensitive,
        phase_index,
    };
    wf.decisions = super::authority::decisions(ctx, file, &wf, known);
    wf.follow_up = follow_up(ctx, &wf, file);

    // Phases need parameters (for session ranges) and the workflow's own closure reasons.
    let phases: Vec<Phase> = all_phases
        .iter()
        .map(|(p, track)| Phase {
            track: *track,
            ..lower_phase(ctx, &wf, p, instruments, known)
        })
        .collect();
    wf.phases = phases;
    wf.tracks = lower_tracks(ctx, &wf, &track_decls);
    for (i, (p, _)) in all_phases.iter().enumerate() {
        let tracks: Vec<TrackIdx> = (0u16..)
            .zip(&wf.tracks)
            .filter(|(_, t)| usize::from(t.parent.0) == i)
            .map(|(k, _)| TrackIdx(k))
            .collect();
        let join = match &p.join {
            None => tracks.clone(),
            Some(list) => list
                .value
                .iter()
                .filter_map(|id| {
                    let found = tracks.iter().copied().find(|k| {
                        wf.tracks
                            .get(usize::from(k.0))
                            .is_some_and(|t| *t.id == *id.value)
                    });
                    if found.is_none() {
                        let names: Vec<&str> = tracks
                            .iter()
                            .filter_map(|k| wf.tracks.get(usize::from(k.0)))
                            .map(|t| t.id.as_ref())
                            .collect();
                        let owner = format!("phase `{}`", p.id.value);
                        ctx.unknown(Code::UnknownTrack, Some(&owner), "track", id, names);
                    }
                    found
                })
                .collect(),
        };
        if let Some(phase) = wf.phases.get_mut(i) {
            phase.tracks = tracks;
            phase.join = join;
        }
    }
    for (c, decl) in wf.closure_reasons.iter().zip(&file.closure_reasons) {
        let recorded = wf
            .phases
            .iter()
            .any(|p| p.terminal && p.closure_reason.as_deref() == Some(c.id.as_ref()));
        if !recorded && !c.from_any_phase {
            ctx.push(
                Diagnostic::new(
                    Code::UnreachableClosureReason,
                    format!(
                        "no terminal phase records closure reason `{}`, and it is not valid from any phase",
                        c.id
                    ),
                )
                .at(ctx.source, decl.id.span)
                .label("a case can never be closed for this reason")
                .help(format!(
                    "add a terminal phase with `closure_reason: {}` and transitions into it, or \
                     write `from_any_phase: true` if a case may be closed for it wherever it stands",
                    c.id
                )),
            );
        }
    }

    match wf.phase_idx(&file.start.value) {
        Some(idx) => wf.start = idx,
        None => {
            ctx.push(
                Diagnostic::new(
                    Code::UnknownStartPhase,
                    format!(
                        "start phase `{}` is not a phase of this workflow",
                        file.start.value
                    ),
                )
                .at(ctx.source, file.start.span)
                .label("no such phase")
                .help(suggest(
                    &file.start.value,
                    "phases",
                    wf.phases.iter().map(|p| p.id.as_ref()),
                )),
            );
            return None;
        }
    }

    // Computed facts before anything compiles a script against the facts: a fact computed
    // from a sensitive one is sensitive too.
    super::computed::lower(ctx, &mut wf, file, instruments, known);
    let scope = Scope {
        person: None,
        workflow: &wf,
        instruments,
        scripting: &known.scripting,
    };
    let mut deadlines = Vec::new();
    for (i, d) in file.deadlines.iter().enumerate() {
        let starts = d.starts.as_ref().and_then(|t| trigger(ctx, &scope, t));
        let stops: Vec<Trigger> = d
            .stops
            .iter()
            .filter_map(|t| trigger(ctx, &scope, t))
            .collect();
        let cancelled_by: Vec<Trigger> = d
            .cancelled_by
            .iter()
            .filter_map(|t| trigger(ctx, &scope, t))
            .collect();
        for (t, decl) in cancelled_by.iter().zip(&d.cancelled_by) {
            if stops.contains(t) {
                ctx.push(
                    Diagnostic::new(
                        Code::StopsAndCancels,
                        format!("deadline `{}` is both met and cancelled by the same event", d.id.value),
                    )
                    .at(ctx.source, decl.span)
                    .label("also in `stops`")
                    .help("keep it in `stops` if the event meets the deadline, or in `cancelled_by` if it ends it unmet"),
                );
            }
        }
        let length = cond::length(ctx, &scope, &d.length);
        let from = d
            .from
            .as_ref()
            .and_then(|f| date_fact(ctx, &scope, &f.fact));
        let late = d.late_from_hour.as_ref().and_then(|h| hour(ctx, &scope, h));
        if let Some(legal) = &d.legal {
            known.check_legal(ctx, legal);
        }
        deadlines.push((i, starts, stops, cancelled_by, length, from, late));
    }
    let mut transitions = Vec::new();
    for (i, t) in file.transitions.iter().enumerate() {
        let path = format!("transitions/{i}");
        if let Some(lowered) = lower_transition(ctx, &scope, &path, t, None, known) {
            transitions.extend(lowered);
        }
    }
    for (k, (decl, _)) in track_decls.iter().enumerate() {
        let Some(track) = wf.tracks.get(k) else { break };
        for (i, t) in decl.transitions.iter().enumerate() {
            let path = format!("tracks/{}/transitions/{i}", decl.id.value);
            let owner = track.owner.clone();
            if let Some(lowered) = lower_transition(ctx, &scope, &path, t, owner, known) {
                transitions.extend(lowered);
            }
        }
    }
    check_track_bounds(ctx, &wf, &transitions);
    for (i, starts, stops, cancelled_by, length, from, late) in deadlines {
        if let Some(d) = wf.deadlines.get_mut(i) {
            d.starts = starts;
            d.stops = stops;
            d.cancelled_by = cancelled_by;
            if let Some((amount, unit)) = length {
                d.length = amount;
                d.unit = unit;
            }
            d.from = from;
            d.late_from_hour = late;
        }
    }
    wf.transitions = transitions;
    super::graph::check(ctx, &wf);
    Some(wf)
}

/// The case's facts, then each person collection's, in one table (fact ids are unique across
/// them, so a name means one fact wherever it is read).
fn lower_all_facts(ctx: &mut Ctx<'_>, file: &WorkflowFile) -> (Vec<Fact>, Vec<People>) {
    ctx.check_unique("person collection", file.people.iter().map(|p| &p.id));
    ctx.check_unique(
        "fact",
        file.facts
            .iter()
            .chain(file.people.iter().flat_map(|p| &p.facts))
            .map(|f| &f.id),
    );
    let mut facts = lower_facts(ctx, &file.facts, None);
    let mut people = Vec::new();
    for (i, decl) in file.people.iter().enumerate() {
        let Ok(idx) = u16::try_from(i) else { break };
        let first = facts.len();
        facts.extend(lower_facts(ctx, &decl.facts, Some(CollectionIdx(idx))));
        people.push(People {
            id: decl.id.value.as_str().into(),
            title: decl.title.clone(),
            facts: (first..facts.len())
                .filter_map(|s| u16::try_from(s).ok().map(FactSlot))
                .collect(),
        });
    }
    (facts, people)
}

fn lower_facts(
    ctx: &mut Ctx<'_>,
    decls: &[syntax::FactDecl],
    of: Option<CollectionIdx>,
) -> Vec<Fact> {
    decls
        .iter()
        .map(|f| {
            let values: Vec<Arc<str>> = match (f.ty.value, &f.values) {
                (FactType::Enum, Some(vs)) => {
                    ctx.check_unique("enum value", vs.value.iter());
                    vs.value
                        .iter()
                        .map(|v| Arc::from(v.value.as_str()))
                        .collect()
                }
                (FactType::Enum, None) => {
                    ctx.push(
                        Diagnostic::new(
                            Code::EnumWithoutValues,
                            format!("enum fact `{}` lists no values", f.id.value),
                        )
                        .at(ctx.source, f.ty.span)
                        .label("enum without values")
                        .help("add `values: [...]` with the allowed values"),
                    );
                    Vec::new()
                }
                (FactType::ProtectionLevel, None) => {
                    PROTECTION_LEVELS.iter().map(|v| Arc::from(*v)).collect()
                }
                (ty, Some(vs)) => {
                    ctx.push(
                        Diagnostic::new(
                            Code::ValuesOnNonEnum,
                            format!(
                                "fact `{}` is {} fact and cannot list values",
                                f.id.value,
                                cond::type_name(ty)
                            ),
                        )
                        .at(ctx.source, vs.span)
                        .label("only enum facts list values")
                        .help("write `type: enum`, or remove `values`"),
                    );
                    Vec::new()
                }
                (_, None) => Vec::new(),
            };
            Fact {
                id: f.id.value.as_str().into(),
                ty: f.ty.value,
                title: f.title.clone(),
                values: values.into(),
                sensitive: f.sensitive,
                after_closing: f.after_closing,
                of,
            }
        })
        .collect()
}

fn lower_parameters(ctx: &mut Ctx<'_>, decls: &[syntax::ParameterDecl]) -> Vec<Parameter> {
    ctx.check_unique("parameter", decls.iter().map(|p| &p.id));
    decls
        .iter()
        .map(|p| {
            let ceiling = match p.ty {
                syntax::ParameterType::Hour => 23,
                _ => u32::MAX,
            };
            let low = p.min.unwrap_or(0);
            let high = p.max.unwrap_or(ceiling);
            if high > ceiling {
                ctx.push(
                    Diagnostic::new(
                        Code::InvalidRange,
                        format!(
                            "parameter `{}` is an hour of the day, and {high} is not",
                            p.id.value
                        ),
                    )
                    .at(ctx.source, p.id.span)
                    .label("above 23")
                    .help("an hour parameter runs from 0 to 23"),
                );
            }
            if low > high || p.default.value < low || p.default.value > high {
                ctx.push(
                    Diagnostic::new(
                        Code::InvalidRange,
                        format!(
                            "parameter `{}` has default {} outside its range {} to {}",
                            p.id.value, p.default.value, low, high
                        ),
                    )
                    .at(ctx.source, p.default.span)
                    .label("outside min..max")
                    .help("make `min <= default <= max`"),
                );
            }
            Parameter {
                id: p.id.value.as_str().into(),
                title: p.title.clone(),
                default: p.default.value,
                min: p.min,
                max: match p.ty {
                    syntax::ParameterType::Hour => Some(high.min(ceiling)),
                    _ => p.max,
                },
                ty: p.ty,
                span: p.id.span,
            }
        })
        .collect()
}

fn lower_phase(
    ctx: &mut Ctx<'_>,
    wf: &Workflow,
    p: &syntax::PhaseDecl,
    instruments: &[Instrument],
    known: &Known,
) -> Phase {
    for req in &p.required {
        resolve::instrument(ctx, instruments, req);
    }
    for legal in &p.legal {
        known.check_legal(ctx, legal);
    }
    if let Some(reason) = &p.closure_reason
        && !wf
            .closure_reasons
            .iter()
            .any(|c| c.id.as_ref() == reason.value)
    {
        ctx.push(
            Diagnostic::new(
                Code::UnknownClosureReason,
                format!(
                    "workflow `{}` has no closure reason `{}`",
                    wf.id, reason.value
                ),
            )
            .at(ctx.source, reason.span)
            .label("not in `closure_reasons`")
            .help(suggest(
                &reason.value,
                "closure reasons",
                wf.closure_reasons.iter().map(|c| c.id.as_ref()),
            )),
        );
    }
    let scope = Scope {
        person: None,
        workflow: wf,
        instruments,
        scripting: &known.scripting,
    };
    let sessions = bounds(ctx, &scope, p.sessions.as_ref(), "sessions");
    let duration_days = bounds(ctx, &scope, p.duration_days.as_ref(), "duration_days");
    let required_facts = p
        .required_facts
        .as_ref()
        .map(|r| crate::model::workflow::RequiredFacts {
            facts: r
                .facts
                .iter()
                .filter_map(|f| resolve::fact(ctx, wf, f).map(|(slot, _)| slot))
                .collect(),
            binding: r.binding,
        });
    let accepts = p.accepts.as_ref().map(|list| {
        list.value
            .iter()
            .filter_map(|e| {
                let known = crate::model::unit::EVENT_TYPES.contains(&e.value.as_str());
                if !known {
                    ctx.unknown(
                        Code::UnknownVariant,
                        None,
                        "event type",
                        e,
                        crate::model::unit::EVENT_TYPES,
                    );
                }
                known.then(|| Arc::from(e.value.as_str()))
            })
            .collect()
    });
    let override_roles =
        super::authority::role_list(ctx, &wf.id, &wf.roles, p.override_roles.as_ref());
    Phase {
        id: p.id.value.as_str().into(),
        title: p.title.clone(),
        terminal: p.terminal,
        required: p
            .required
            .iter()
            .map(|r| Arc::from(r.value.as_str()))
            .collect(),
        required_spans: p.required.iter().map(|r| r.span).collect(),
        track: None,
        tracks: Vec::new(),
        join: Vec::new(),
        required_each: p
            .required_each
            .iter()
            .filter_map(|r| {
                let instrument = resolve::instrument(ctx, instruments, &r.instrument);
                let (collection, _) = resolve::people(ctx, wf, &r.of)?;
                Some((instrument?.id.clone(), collection))
            })
            .collect(),
        sessions,
        duration_days,
        legal: p
            .legal
            .iter()
            .map(|l| Arc::from(l.value.as_str()))
            .collect(),
        closure_reason: p
            .closure_reason
            .as_ref()
            .map(|r| Arc::from(r.value.as_str())),
        required_facts,
        documents: p
            .documents
            .iter()
            .map(|d| crate::model::workflow::Document {
                id: d.id.value.as_str().into(),
                title: d.title.clone(),
                binding: d.binding,
            })
            .collect(),
        accepts,
        override_roles,
        span: p.id.span,
    }
}

fn bounds(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    range: Option<&syntax::Range>,
    what: &str,
) -> Bounds {
    let Some(range) = range else {
        return Bounds::default();
    };
    let min = range.min.as_ref().and_then(|a| cond::amount(ctx, scope, a));
    let max = range.max.as_ref().and_then(|a| cond::amount(ctx, scope, a));
    if let (Some(lo), Some(hi), Some(lo_span)) = (&min, &max, range.min.as_ref().map(|m| m.span)) {
        let (lo_v, hi_v) = (
            scope.workflow.base_amount(lo),
            scope.workflow.base_amount(hi),
        );
        if lo_v > hi_v {
            ctx.push(
                Diagnostic::new(
                    Code::InvalidRange,
                    format!("`{what}` has minimum {lo_v} above maximum {hi_v}"),
                )
                .at(ctx.source, lo_span)
                .label("minimum above maximum")
                .help("swap the bounds, or correct one of them"),
            );
        }
    }
    Bounds { min, max }
}

/// Lowers a transition; `owner` is the role of the track it belongs to, which requests it
/// unless it names `roles` of its own.
fn lower_transition(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    path: &str,
    t: &syntax::TransitionDecl,
    owner: Option<Arc<str>>,
    known: &Known,
) -> Option<Vec<Transition>> {
    let wf = scope.workflow;
    let target = |ctx: &mut Ctx<'_>, id: &str, span: Span, side: &str| {
        let found = wf.phase_idx(id);
        if found.is_none() {
            ctx.push(
                Diagnostic::new(
                    Code::UnknownTarget,
                    format!("transition {side} unknown phase `{id}`"),
                )
                .at(ctx.source, span)
                .label("no such phase")
                .help(suggest(
                    id,
                    "phases",
                    wf.phases.iter().map(|p| p.id.as_ref()),
                )),
            );
        }
        found
    };
    let to = target(ctx, &t.to.value, t.to.span, "to");
    let from: Vec<Option<PhaseIdx>> = t
        .from
        .value
        .ids()
        .into_iter()
        .map(|id| target(ctx, id, t.from.span, "from"))
        .collect();
    if let Some(legal) = &t.legal {
        known.check_legal(ctx, legal);
    }
    let path = format!("{path}/when");
    // A guard with errors is reported and dropped, but the edge stays: the graph checks then
    // report only real structural problems, not ones caused by the broken guard.
    let when = t
        .when
        .as_ref()
        .and_then(|w| cond::lower(ctx, scope, &path, w));
    let roles =
        super::authority::role_list(ctx, &wf.id, &wf.roles, t.roles.as_ref()).or_else(|| {
            owner
                .filter(|_| t.trigger == crate::syntax::TriggerMode::Manual && !wf.roles.is_empty())
                .map(|o| vec![o])
        });
    let approvals = super::authority::approvals(
        ctx,
        &wf.id,
        &wf.roles,
        t.approvals.as_ref(),
        roles.as_deref(),
        &format!("the transition to `{}`", t.to.value),
    );
    let override_roles =
        super::authority::role_list(ctx, &wf.id, &wf.roles, t.override_roles.as_ref());
    if t.trigger == crate::syntax::TriggerMode::Automatic {
        let requested = [&t.roles, &t.approvals].into_iter().flatten().next();
        if let Some(list) = requested {
            ctx.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!(
                        "the automatic transition to `{}` names who may request it",
                        t.to.value
                    ),
                )
                .at(ctx.source, list.span)
                .label("no one requests an automatic transition")
                .help(
                    "an automatic transition is taken as soon as its guard holds; remove `roles` \
                     and `approvals`, or make it `trigger: manual`",
                ),
            );
        }
    }
    let to = to?;
    let from: Option<Vec<PhaseIdx>> = from.into_iter().collect();
    Some(
        from?
            .into_iter()
            .map(|from| Transition {
                from,
                to,
                trigger: t.trigger,
                when: when.clone(),
                title: t.title.clone(),
                legal: t.legal.as_ref().map(|l| l.value.as_str().into()),
                duty: t.duty,
                roles: roles.clone(),
                approvals: approvals.clone(),
                binding: t.binding,
                override_roles: override_roles.clone(),
                span: t.to.span,
                from_span: t.from.span,
            })
            .collect(),
    )
}

/// A fact that must be a date (a deadline's `from`).
fn date_fact(ctx: &mut Ctx<'_>, scope: &Scope<'_>, id: &Spanned<String>) -> Option<FactSlot> {
    let (slot, fact) = resolve::fact(ctx, scope.workflow, id)?;
    if fact.ty != FactType::Date {
        ctx.push(
            Diagnostic::new(
                Code::TypeMismatch,
                format!(
                    "a deadline counts from a date, and fact `{}` is not a date",
                    id.value
                ),
            )
            .at(ctx.source, id.span)
            .label("not a date fact")
            .help("name a fact of `type: date`, such as the day the report arrived"),
        );
        return None;
    }
    Some(slot)
}

/// An hour of the day, 0–23: a number, or a parameter of type `hour`.
fn hour(ctx: &mut Ctx<'_>, scope: &Scope<'_>, value: &Spanned<syntax::Amount>) -> Option<Amount> {
    let amount = cond::amount(ctx, scope, value)?;
    let fits = match &amount {
        Amount::Value(v) => *v <= 23,
        Amount::Param(idx, _) => scope
            .workflow
            .parameters
            .get(usize::from(idx.0))
            .is_some_and(|p| p.ty == syntax::ParameterType::Hour),
    };
    if !fits {
        ctx.push(
            Diagnostic::new(
                Code::InvalidValue,
                "an hour of the day must be 0 to 23, or a parameter of `type: hour`",
            )
            .at(ctx.source, value.span)
            .label("not an hour")
            .help("write e.g. `late_from_hour: 16`, or declare the parameter with `type: hour`"),
        );
        return None;
    }
    Some(amount)
}

pub(crate) fn trigger(
    ctx: &mut Ctx<'_>,
    scope: &Scope<'_>,
    t: &Spanned<syntax::Trigger>,
) -> Option<Trigger> {
    use syntax::Trigger as T;
    Some(match &t.value {
        T::PhaseEntered(p) => Trigger::PhaseEntered(cond::phase(ctx, scope, p)?.idx),
        T::PhaseLeft(p) => Trigger::PhaseLeft(cond::phase(ctx, scope, p)?.idx),
        T::CaseOpened => Trigger::CaseOpened,
        T::CaseClosed => Trigger::CaseClosed,
        T::DecisionMade => Trigger::DecisionMade,
        T::FactSet(f) => {
            let (slot, fact) = resolve::fact(ctx, scope.workflow, f)?;
            if fact.ty == FactType::Bool {
                ctx.push(
                    Diagnostic::new(
                        Code::FactSetOnYesNo,
                        format!("`{}` is a yes/no fact: recording `false` would trigger this too", f.value),
                    )
                    .at(ctx.source, f.span)
                    .label("any value triggers")
                    .help("stop or start the deadline from a rule that tests `equals: {fact, value: true}`"),
                );
            }
            Trigger::FactSet(slot)
        }
        T::InstrumentCompleted(i) => {
            Trigger::InstrumentCompleted(resolve::instrument(ctx, scope.instruments, i)?.id.clone())
        }
    })
}

/// Every phase declaration, with the track it belongs to.
type PhaseDecls<'f> = Vec<(&'f syntax::PhaseDecl, Option<TrackIdx>)>;

/// The workflow's phases in one list (the case's own, then each track's, marked with their
/// track), and the tracks with the index of the phase they belong to. A track inside a track's
/// phase is a diagnostic: tracks do not nest.
fn flatten_tracks<'f>(
    ctx: &mut Ctx<'_>,
    file: &'f WorkflowFile,
) -> (PhaseDecls<'f>, Vec<(&'f syntax::TrackDecl, usize)>) {
    let mut phases: Vec<(&syntax::PhaseDecl, Option<TrackIdx>)> =
        file.phases.iter().map(|p| (p, None)).collect();
    let mut tracks = Vec::new();
    for (i, p) in file.phases.iter().enumerate() {
        for t in &p.tracks {
            let Ok(k) = u16::try_from(tracks.len()) else {
                break;
            };
            tracks.push((t, i));
            for tp in &t.phases {
                if let Some(inner) = tp.tracks.first() {
                    ctx.push(
                        Diagnostic::new(
                            Code::NestedTracks,
                            format!(
                                "phase `{}` of track `{}` has tracks of its own",
                                tp.id.value, t.id.value
                            ),
                        )
                        .at(ctx.source, inner.id.span)
                        .label("a track inside a track")
                        .help("tracks do not nest: make it another track of the same phase"),
                    );
                }
                phases.push((tp, Some(TrackIdx(k))));
            }
        }
    }
    (phases, tracks)
}

/// The checked tracks: each starts in one of its own phases; its owner is a declared role.
fn lower_tracks(
    ctx: &mut Ctx<'_>,
    wf: &Workflow,
    decls: &[(&syntax::TrackDecl, usize)],
) -> Vec<Track> {
    (0u16..)
        .zip(decls)
        .map(|(k, (t, parent))| {
            let start = wf
                .phase_idx(&t.start.value)
                .filter(|p| wf.phase(*p).is_some_and(|p| p.track == Some(TrackIdx(k))));
            if start.is_none() {
                let own = t.phases.iter().map(|p| p.id.value.as_str());
                ctx.push(
                    Diagnostic::new(
                        Code::UnknownStartPhase,
                        format!(
                            "start phase `{}` is not a phase of track `{}`",
                            t.start.value, t.id.value
                        ),
                    )
                    .at(ctx.source, t.start.span)
                    .label("not one of the track's phases")
                    .help(suggest(&t.start.value, "phases of the track", own)),
                );
            }
            let owner = t.owner.as_ref().map(|o| {
                if !wf.roles.is_empty() && wf.role(&o.value).is_none() {
                    let names = wf.roles.iter().map(|r| r.id.as_ref());
                    let owner = format!("workflow `{}`", wf.id);
                    ctx.unknown(Code::UnknownRole, Some(&owner), "role", o, names);
                }
                Arc::from(o.value.as_str())
            });
            Track {
                id: t.id.value.as_str().into(),
                title: t.title.clone(),
                owner,
                parent: PhaseIdx(u16::try_from(*parent).unwrap_or(u16::MAX)),
                start: start.unwrap_or(PhaseIdx(u16::try_from(*parent).unwrap_or(u16::MAX))),
                span: t.id.span,
            }
        })
        .collect()
}

/// Every transition stays inside one track, or among the case's own phases.
fn check_track_bounds(ctx: &mut Ctx<'_>, wf: &Workflow, transitions: &[Transition]) {
    let track_of = |p: PhaseIdx| wf.phase(p).and_then(|p| p.track);
    let name = |k: Option<TrackIdx>| match k.and_then(|k| wf.tracks.get(usize::from(k.0))) {
        Some(t) => format!("track `{}`", t.id),
        None => "the case's own phases".to_owned(),
    };
    for t in transitions {
        let (from, to) = (track_of(t.from), track_of(t.to));
        if from != to {
            let (Some(a), Some(b)) = (wf.phase(t.from), wf.phase(t.to)) else {
                continue;
            };
            ctx.push(
                Diagnostic::new(
                    Code::LeavesTrack,
                    format!(
                        "the transition from `{}` to `{}` leaves {} for {}",
                        a.id,
                        b.id,
                        name(from),
                        name(to)
                    ),
                )
                .at(ctx.source, t.span)
                .label("crosses a track's edge")
                .help("a track's transitions stay among its own phases; the case leaves the tracks' phase when the join is done"),
            );
        }
    }
}

/// The follow-up variables: facts of the case, not sensitive, not free text (a text may hold a
/// name), each once.
fn follow_up(ctx: &mut Ctx<'_>, wf: &Workflow, file: &WorkflowFile) -> Vec<FactSlot> {
    let mut out = Vec::new();
    for name in &file.follow_up {
        let Some((slot, fact)) = super::resolve::fact(ctx, wf, name) else {
            continue;
        };
        let problem = if fact.sensitive {
            Some("is sensitive: an export would carry it out of the engine")
        } else if fact.ty == FactType::Text {
            Some("is free text, which may hold a name")
        } else if fact.of.is_some() {
            Some("is a fact of each person, not of the case")
        } else if out.contains(&slot) {
            Some("is named twice")
        } else {
            None
        };
        match problem {
            Some(problem) => ctx.push(
                Diagnostic::new(
                    Code::InvalidFollowUp,
                    format!("follow-up variable `{}` {problem}", name.value),
                )
                .at(ctx.source, name.span)
                .label("cannot be exported")
                .help("export facts of the case that are not sensitive: enums, yes/no, numbers, dates"),
            ),
            None => out.push(slot),
        }
    }
    out
}
