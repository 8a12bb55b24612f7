//! Name resolution shared by every lowering step: find a declared thing by id, or report it as
//! unknown with "did you mean". One place, so every "unknown X" reads the same.

use super::ctx::Ctx;
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::model::fact::Fact;
use crate::model::index::{DeadlineIdx, FactSlot};
use crate::model::instrument::Instrument;
use crate::model::workflow::Workflow;
use crate::syntax::Spanned;

impl Ctx<'_> {
    /// Reports `name` as unknown: "{owner} has no {what} `name`" (or "no {what} `name`"), with
    /// a "did you mean" or the list of declared names as help.
    pub(crate) fn unknown<'c>(
        &mut self,
        code: Code,
        owner: Option<&str>,
        what: &str,
        name: &Spanned<String>,
        candidates: impl IntoIterator<Item = &'c str> + Clone,
    ) {
        let message = match owner {
            Some(owner) => format!("{owner} has no {what} `{}`", name.value),
            None => format!("no {what} `{}`", name.value),
        };
        self.push(
            Diagnostic::new(code, message)
                .at(self.source, name.span)
                .label(format!("unknown {what}"))
                .help(suggest(&name.value, &format!("{what}s"), candidates)),
        );
    }
}

/// A workflow's fact by name.
pub(crate) fn fact<'w>(
    ctx: &mut Ctx<'_>,
    wf: &'w Workflow,
    name: &Spanned<String>,
) -> Option<(FactSlot, &'w Fact)> {
    let found = wf.fact(&name.value);
    if found.is_none() {
        let owner = format!("workflow `{}`", wf.id);
        let names = wf.facts.iter().map(|f| f.id.as_ref());
        ctx.unknown(Code::UnknownFact, Some(&owner), "fact", name, names);
    }
    found
}

/// A workflow's deadline by id.
pub(crate) fn deadline(
    ctx: &mut Ctx<'_>,
    wf: &Workflow,
    id: &Spanned<String>,
) -> Option<DeadlineIdx> {
    let found = wf.deadline_idx(&id.value);
    if found.is_none() {
        let owner = format!("workflow `{}`", wf.id);
        let names = wf.deadlines.iter().map(|d| d.id.as_ref());
        ctx.unknown(Code::UnknownDeadline, Some(&owner), "deadline", id, names);
    }
    found
}

/// An instrument by id.
pub(crate) fn instrument<'i>(
    ctx: &mut Ctx<'_>,
    instruments: &'i [Instrument],
    id: &Spanned<String>,
) -> Option<&'i Instrument> {
    let found = instruments.iter().find(|i| i.id.as_ref() == id.value);
    if found.is_none() {
        let names = instruments.iter().map(|i| i.id.as_ref());
        ctx.unknown(Code::UnknownInstrument, None, "instrument", id, names);
    }
    found
}

/// A workflow by id.
pub(crate) fn workflow<'w>(
    ctx: &mut Ctx<'_>,
    workflows: &'w [Workflow],
    id: &Spanned<String>,
) -> Option<&'w Workflow> {
    let found = workflows.iter().find(|w| w.id.as_ref() == id.value);
    if found.is_none() {
        let names = workflows.iter().map(|w| w.id.as_ref());
        ctx.unknown(Code::UnknownWorkflow, None, "workflow", id, names);
    }
    found
}
