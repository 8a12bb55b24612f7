//! "What now?": the phase, what blocks each possible next phase, open deadlines and pending
//! actions, each with its reason and legal ground, as data and as short text.

use std::fmt::Write as _;

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use super::{Action, ActionKind, Actor, Approvable, Citation, Lang, Reason, Run};
use crate::Catalog;
use crate::syntax::{DeadlineState, TriggerMode};

use super::case::Case;

/// The answer to "what must I do now, and why".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The current phase's id.
    pub phase: String,
    /// Its title.
    pub phase_title: String,
    /// Whether the case is closed.
    pub closed: bool,
    /// Each phase the case may move to, and what blocks it.
    pub next: Vec<NextPhase>,
    /// Deadlines started and not met.
    pub deadlines: Vec<OpenDeadline>,
    /// Actions not yet acknowledged.
    pub pending: Vec<Action>,
    /// Decisions and transitions taken by several people that await approvals.
    pub awaiting: Vec<Awaiting>,
    /// Where each parallel track of the current phase stands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracks: Vec<TrackPosition>,
}

/// Where a parallel track stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackPosition {
    /// The track's id.
    pub track: String,
    /// Its title.
    pub title: String,
    /// Who runs it (a role: an outside agency or another unit).
    pub owner: Option<String>,
    /// The phase it stands in.
    pub phase: String,
    /// That phase's title.
    pub phase_title: String,
    /// Whether it has reached a terminal phase of its own.
    pub done: bool,
}

/// A decision or transition taken by several people, with the approvals given so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Awaiting {
    /// The decision's id, or the transition as `from -> to`.
    pub what: String,
    /// Its title.
    pub title: String,
    /// For a decision: the outcome approved.
    pub granted: Option<bool>,
    /// Who has approved (pseudonymous ids and roles, never names).
    pub approved_by: Vec<Actor>,
    /// The roles whose approvals are still needed, one entry per person.
    pub missing: Vec<String>,
}

/// A possible next phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextPhase {
    /// The track the transition moves, when it is a track's (`None`: the case's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<String>,
    /// The phase's id.
    pub phase: String,
    /// Its title.
    pub title: String,
    /// Taken automatically when nothing blocks it.
    pub automatic: bool,
    /// What blocks it now (empty: allowed).
    pub blocked_by: Vec<Reason>,
    /// The transition's legal ground.
    pub legal: Option<Citation>,
    /// The roles that may request it in this unit (empty: any role).
    pub roles: Vec<String>,
    /// The roles that request it together, one entry per person (empty: one person).
    pub approvals: Vec<String>,
}

/// A deadline that has not been met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenDeadline {
    /// Id.
    pub deadline: String,
    /// Title.
    pub title: String,
    /// Due date.
    pub due: Date,
    /// `running`, `due_soon` or `overdue`.
    pub state: DeadlineState,
    /// Legal ground as in force on the date asked about.
    pub legal: Option<Citation>,
}

/// Explains a case at a moment (deadline states and citations depend on the date). Returns
/// `None` when the case is not open in a workflow the catalog holds.
pub fn explain(catalog: &Catalog, case: &Case, at: DateTime) -> Option<Explanation> {
    let catalog = catalog.for_case(&case.workflow, &case.content_hash)?;
    let resolved = super::resolve_pinned(catalog, case).ok()?;
    let wf = resolved.0;
    let mut run = Run::new(catalog, resolved, case.clone(), at, None);
    let from = run.phase_idx();
    let phase = wf.phase(from)?;
    let mut next = Vec::new();
    if case.closed.is_none() {
        let here: Vec<(usize, &crate::model::workflow::Transition)> = wf
            .transitions
            .iter()
            .enumerate()
            .filter(|(_, t)| run.is_at(t.from))
            .collect();
        for (i, t) in here {
            let Some(to) = wf.phase(t.to) else { continue };
            let blocked_by = run.blockers(t, true);
            next.push(NextPhase {
                track: to
                    .track
                    .and_then(|k| wf.tracks.get(usize::from(k.0)))
                    .map(|t| t.id.to_string()),
                phase: to.id.to_string(),
                title: to.title.clone(),
                automatic: t.trigger == TriggerMode::Automatic,
                blocked_by,
                legal: t.legal.as_deref().map(|c| run.citation(c)),
                roles: resolved.2.authority.transition(i).role_names(),
                approvals: t.approvals.iter().map(ToString::to_string).collect(),
            });
        }
    }
    let deadlines = wf
        .deadlines
        .iter()
        .filter_map(|d| {
            let r = case.deadlines.get(d.id.as_ref())?;
            let day = super::deadlines::clock_day(case, r, at);
            let state = super::deadlines::state(r, d.warn_days_before, d.unit.day_count(), day);
            let open = !matches!(
                state,
                DeadlineState::Met | DeadlineState::MetLate | DeadlineState::Cancelled
            );
            open.then(|| OpenDeadline {
                deadline: d.id.to_string(),
                title: d.title.clone(),
                due: r.due,
                state,
                legal: d.legal.as_deref().map(|c| run.citation(c)),
            })
        })
        .collect();
    let awaiting = case
        .approvals
        .iter()
        .map(|p| {
            let (title, slots, granted) = match &p.what {
                Approvable::Decision { decision, granted } => {
                    let d = wf.decision(decision).map(|(_, d)| d);
                    (
                        d.map_or_else(|| decision.clone(), |d| d.title.clone()),
                        d.map(|d| d.approvals.clone()).unwrap_or_default(),
                        Some(*granted),
                    )
                }
                Approvable::Transition { transition, .. } => {
                    let t = wf.transitions.get(*transition);
                    (
                        t.and_then(|t| t.title.clone())
                            .unwrap_or_else(|| p.what.key()),
                        t.map(|t| t.approvals.clone()).unwrap_or_default(),
                        None,
                    )
                }
            };
            let missing = crate::model::authority::open_slots(
                &slots,
                p.approvals.iter().map(|a| a.by.role.as_str()),
            )
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect();
            Awaiting {
                what: p.what.key(),
                title,
                granted,
                approved_by: p.approvals.iter().map(|a| a.by.clone()).collect(),
                missing,
            }
        })
        .collect();
    let mut explanation = Explanation {
        phase: phase.id.to_string(),
        phase_title: phase.title.clone(),
        closed: case.closed.is_some(),
        next,
        deadlines,
        pending: case.pending_actions().cloned().collect(),
        awaiting,
        tracks: phase
            .tracks
            .iter()
            .filter_map(|k| {
                let track = wf.tracks.get(usize::from(k.0))?;
                let at = wf.phase(run.tracks.get(usize::from(k.0)).copied().flatten()?)?;
                Some(TrackPosition {
                    track: track.id.to_string(),
                    title: track.title.clone(),
                    owner: track.owner.as_ref().map(ToString::to_string),
                    phase: at.id.to_string(),
                    phase_title: at.title.clone(),
                    done: at.terminal,
                })
            })
            .collect(),
    };
    crate::runtime::secrecy::Secrets::of(wf, case, None).apply(&mut explanation);
    Some(explanation)
}

impl Explanation {
    /// Short text for a caseworker.
    pub fn render(&self, lang: Lang) -> String {
        let sv = lang == Lang::Sv;
        let t = |s: &'static str, e: &'static str| if sv { s } else { e };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {} ({})",
            t("Fas", "Phase"),
            self.phase_title,
            self.phase
        );
        if self.closed {
            let _ = writeln!(out, "{}", t("Ärendet är avslutat.", "The case is closed."));
        }
        for tr in &self.tracks {
            let owner = tr
                .owner
                .as_ref()
                .map(|o| format!(" [{o}]"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}: {}{owner}: {} ({}){}",
                t("Spår", "Track"),
                tr.title,
                tr.phase_title,
                tr.phase,
                if tr.done {
                    t(" – klart", " – done")
                } else {
                    ""
                }
            );
        }
        for n in &self.next {
            let mut how = if n.automatic {
                t(" (automatiskt)", " (automatic)").to_owned()
            } else {
                String::new()
            };
            if !n.approvals.is_empty() {
                let _ = write!(
                    how,
                    " ({} {})",
                    t("begärs tillsammans av", "requested together by"),
                    n.approvals.join(" + ")
                );
            } else if !n.roles.is_empty() && !n.automatic {
                let _ = write!(
                    how,
                    " ({} {})",
                    t("begärs av", "requested by"),
                    n.roles.join(", ")
                );
            }
            if n.blocked_by.is_empty() {
                let _ = writeln!(
                    out,
                    "→ {}{how}: {}",
                    n.title,
                    t("möjligt nu", "possible now")
                );
            } else {
                let _ = writeln!(out, "→ {}{how}: {}", n.title, t("blockerat", "blocked"));
                for r in &n.blocked_by {
                    let _ = writeln!(out, "    – {}", r.describe(lang));
                }
            }
        }
        for a in &self.awaiting {
            let by: Vec<String> = a.approved_by.iter().map(ToString::to_string).collect();
            let _ = writeln!(
                out,
                "{} {}: {} {}; {} {}",
                t("Väntar på godkännande:", "Awaiting approval:"),
                a.title,
                t("godkänt av", "approved by"),
                by.join(", "),
                t("återstår", "still needed"),
                a.missing.join(", ")
            );
        }
        for d in &self.deadlines {
            let state = match d.state {
                DeadlineState::Overdue => t("försenad", "overdue"),
                DeadlineState::DueSoon => t("snart", "due soon"),
                _ => t("löper", "running"),
            };
            let _ = write!(
                out,
                "{} {} {}: {} ({state})",
                t("Tidsfrist", "Deadline"),
                d.title,
                t("senast", "due"),
                d.due
            );
            if let Some(text) = d.legal.as_ref().and_then(|c| c.text.as_deref()) {
                let _ = write!(out, " – {text}");
            }
            out.push('\n');
        }
        for a in &self.pending {
            let _ = writeln!(
                out,
                "{} {}",
                t("Att göra:", "To do:"),
                describe_action(a, lang)
            );
        }
        out
    }
}

/// An action in a few words, with its legal ground.
pub fn describe_action(a: &Action, lang: Lang) -> String {
    let sv = lang == Lang::Sv;
    let mut s = match &a.kind {
        ActionKind::Route {
            to,
            track,
            kind,
            urgency,
        } => {
            let kind = match kind {
                crate::syntax::RouteKind::Orosanmalan => "orosanmälan",
                crate::syntax::RouteKind::Referral => {
                    if sv {
                        "remiss"
                    } else {
                        "referral"
                    }
                }
                crate::syntax::RouteKind::Consultation => {
                    if sv {
                        "konsultation"
                    } else {
                        "consultation"
                    }
                }
            };
            let urgency = match urgency {
                crate::syntax::Urgency::Immediate => {
                    if sv {
                        "genast"
                    } else {
                        "immediately"
                    }
                }
                crate::syntax::Urgency::SameDay => {
                    if sv {
                        "samma dag"
                    } else {
                        "same day"
                    }
                }
                crate::syntax::Urgency::Normal => "",
            };
            let to = match track {
                Some(track) if sv => format!("{to} (spåret {track})"),
                Some(track) => format!("{to} (track {track})"),
                None => to.clone(),
            };
            format!("{kind} → {to} {urgency}").trim_end().to_owned()
        }
        ActionKind::Task { title, due } => match due {
            Some(d) => format!("{title} ({} {d})", if sv { "senast" } else { "due" }),
            None => title.clone(),
        },
        ActionKind::Offer {
            intervention,
            title,
        } => {
            format!(
                "{} {}",
                if sv { "erbjud" } else { "offer" },
                title.as_deref().unwrap_or(intervention)
            )
        }
        ActionKind::Flag { message, .. } => message.clone(),
        ActionKind::DeadlineDueSoon { title, due, .. } => {
            format!("{title}: {} {due}", if sv { "löper ut" } else { "due" })
        }
        ActionKind::DeadlineOverdue { title, due, .. } => {
            format!(
                "{title}: {} {due}",
                if sv {
                    "försenad sedan"
                } else {
                    "overdue since"
                }
            )
        }
    };
    if let Some(person) = &a.person {
        let _ = write!(
            s,
            " ({} {})",
            if sv { "gäller" } else { "about" },
            person.key
        );
    }
    if let Some(text) = a.legal.as_ref().and_then(|c| c.text.as_deref()) {
        let _ = write!(s, " [{text}]");
    }
    s
}
