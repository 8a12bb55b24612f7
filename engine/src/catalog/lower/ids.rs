//! Every id a catalog file *defines* follows one rule (`text::id_problem`): workflows, facts,
//! enum values, parameters, phases, deadlines, closure reasons, extension grounds,
//! instruments and their items, options, bands, norms and ratings, rule sets, rules,
//! interventions, route targets, units, hooks, indicators, residents files and legal reference files; legal concept ids are
//! such parts joined by dots. Checked once per parsed file, before lowering, so every later
//! stage may assume it: ids are safe in action ids, paths, scripts and output.
//!
//! Written reasons that a file carries (a unit's reason for switching a rule off, a guard's
//! reason, the reference of a delegation) must hold visible text. Roles, decisions and
//! documents are ids too.

use super::ctx::Ctx;
use crate::catalog::parse::Parsed;
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::{ActionDecl, AnswerDecl, Spanned};
use crate::text::{MAX_ID_BYTES, dotted_id_problem, has_visible_text, id_problem};

/// Checks every id the file defines and every written reason it carries.
pub(crate) fn check_file(ctx: &mut Ctx<'_>, parsed: &Parsed) {
    match parsed {
        Parsed::Workflow(f) => {
            check(ctx, "workflow", &f.id);
            for fact in &f.facts {
                check(ctx, "fact", &fact.id);
                for value in fact.values.iter().flat_map(|v| &v.value) {
                    check(ctx, "enum value", value);
                }
            }
            for p in &f.parameters {
                check(ctx, "parameter", &p.id);
            }
            for p in &f.phases {
                check(ctx, "phase", &p.id);
                for d in &p.documents {
                    check(ctx, "document", &d.id);
                }
            }
            for r in &f.roles {
                check(ctx, "role", &r.id);
            }
            for d in &f.decisions {
                check(ctx, "decision", &d.id);
            }
            for d in &f.deadlines {
                check(ctx, "deadline", &d.id);
                for g in d.extension.iter().flat_map(|e| &e.grounds) {
                    check(ctx, "extension ground", g);
                }
            }
            for c in &f.closure_reasons {
                check(ctx, "closure reason", &c.id);
            }
        }
        Parsed::Instrument(f) => {
            check(ctx, "instrument", &f.id);
            for item in &f.items {
                check(ctx, "item", &item.id);
                if let AnswerDecl::Choice(options) = &item.answer.value {
                    for o in options {
                        check(ctx, "option", &o.id);
                    }
                }
            }
            let norm_bands = f.norms.iter().flat_map(|n| &n.bands.value);
            for band in f.bands.iter().flat_map(|b| &b.value).chain(norm_bands) {
                check(ctx, "band", &band.id);
            }
            for n in &f.norms {
                check(ctx, "norm", &n.id);
            }
            let ratings = [&f.client_self_rating, &f.professional_judgement];
            for value in ratings.into_iter().flatten().flat_map(|r| &r.values) {
                check(ctx, "rating value", value);
            }
        }
        Parsed::Rules(f) => {
            check(ctx, "rule set", &f.id);
            for r in &f.rules {
                check(ctx, "rule", &r.id);
                for a in &r.actions {
                    match &a.value {
                        ActionDecl::Offer(o) => check(ctx, "intervention", &o.intervention),
                        ActionDecl::Route(crate::syntax::RouteAction {
                            target: Some(t), ..
                        }) => check(ctx, "route target", t),
                        _ => {}
                    }
                }
            }
        }
        Parsed::Indicator(f) => check(ctx, "indicator", &f.id),
        Parsed::Unit(f) => {
            check(ctx, "unit", &f.id);
            for r in &f.route_targets {
                check(ctx, "route target", &r.target);
            }
            for h in &f.hooks {
                check(ctx, "hook", &h.id);
                if let Some(g) = &h.guard {
                    let what = format!("the reason of guard `{}`", shown(&h.id.value));
                    check_reason(ctx, &what, &h.id, &g.reason);
                }
            }
            for d in &f.delegation {
                let what = format!(
                    "the reference of a delegation in workflow `{}`",
                    shown(&d.workflow.value)
                );
                check_reason(ctx, &what, &d.workflow, &d.reference);
            }
            for d in &f.rules.disable {
                let what = format!(
                    "the reason for switching off rule `{}`",
                    shown(&d.rule.value)
                );
                check_reason(ctx, &what, &d.rule, &d.reason);
            }
        }
        Parsed::Legal(f) => {
            check(ctx, "legal reference file", &f.id);
            for c in &f.concepts {
                report(
                    ctx,
                    "legal concept",
                    &c.id,
                    dotted_id_problem(&c.id.value),
                    true,
                );
            }
        }
        Parsed::Residents(f) => check(ctx, "residents file", &f.id),
    }
}

fn check(ctx: &mut Ctx<'_>, what: &str, id: &Spanned<String>) {
    report(ctx, what, id, id_problem(&id.value), false);
}

fn report(
    ctx: &mut Ctx<'_>,
    what: &str,
    id: &Spanned<String>,
    problem: Option<String>,
    dotted: bool,
) {
    let Some(problem) = problem else { return };
    let rule = if dotted {
        format!(
            "a legal concept id is lowercase words `[a-z][a-z0-9_]*` joined by dots, at most \
             {MAX_ID_BYTES} bytes, e.g. `child.preassessment.deadline`"
        )
    } else {
        format!(
            "an id is `[a-z][a-z0-9_]*`: a lowercase letter, then lowercase letters, digits and \
             `_`, at most {MAX_ID_BYTES} bytes, and not a reserved word (`phase`, `event`, \
             `unit`, rhai keywords), e.g. `orosanmalan_barn`"
        )
    };
    ctx.push(
        Diagnostic::new(
            Code::InvalidId,
            format!(
                "{what} id `{}` is not a valid id: {problem}",
                shown(&id.value)
            ),
        )
        .at(ctx.source, id.span)
        .label("invalid id")
        .help(rule),
    );
}

fn check_reason(ctx: &mut Ctx<'_>, what: &str, owner: &Spanned<String>, reason: &str) {
    if has_visible_text(reason) {
        return;
    }
    ctx.push(
        Diagnostic::new(
            Code::NoVisibleText,
            format!("{what} has no visible text"),
        )
        .at(ctx.source, owner.span)
        .label("the reason is empty or invisible")
        .help("write the reason in words; whitespace, zero-width spaces and control characters alone are not a reason"),
    );
}

/// An id as shown in a message: invisible and control characters by code point, and cut at
/// a length a terminal line can hold.
fn shown(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if out.len() >= 80 {
            out.push('…');
            break;
        }
        if c.is_control() || (!c.is_ascii() && !c.is_alphanumeric()) {
            out.push_str(&format!("\\u{{{:04X}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}
