//! Name resolution shared by every lowering step: find a declared thing by id, or report it as
//! unknown with "did you mean". One place, so every "unknown X" reads the same.

use super::ctx::Ctx;
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::model::fact::Fact;
use crate::model::index::CollectionIdx;
use crate::model::index::{DeadlineIdx, FactSlot};
use crate::model::instrument::Instrument;
use crate::model::workflow::{People, Workflow};
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
    fact_of(ctx, wf, name, None)
}

/// A workflow's fact by id, where the facts of `person`'s collection (if any) may be named
/// beside the case's.
pub(crate) fn fact_of<'w>(
    ctx: &mut Ctx<'_>,
    wf: &'w Workflow,
    name: &Spanned<String>,
    person: Option<CollectionIdx>,
) -> Option<(FactSlot, &'w Fact)> {
    let visible = |f: &Fact| f.of.is_none() || f.of == person;
    let Some((slot, fact)) = wf.fact(&name.value) else {
        let owner = format!("workflow `{}`", wf.id);
        let names = wf
            .facts
            .iter()
            .filter(|f| visible(f))
            .map(|f| f.id.as_ref());
        ctx.unknown(Code::UnknownFact, Some(&owner), "fact", name, names);
        return None;
    };
    if let Some(of) = fact.of.filter(|_| !visible(fact)) {
        let collection = wf
            .people
            .get(usize::from(of.0))
            .map_or("?", |p| p.id.as_ref());
        ctx.push(
            Diagnostic::new(
                Code::PersonFactOutside,
                format!(
                    "`{}` is a fact of each of `{collection}`, not of the case",
                    name.value
                ),
            )
            .at(ctx.source, name.span)
            .label("no person is read here")
            .help(format!(
                "name it inside `any_person`, `every_person` or `count_people` with `of: {collection}`, or in a rule with `for_each: {collection}`"
            )),
        );
        return None;
    }
    Some((slot, fact))
}

/// A workflow's person collection by id.
pub(crate) fn people<'w>(
    ctx: &mut Ctx<'_>,
    wf: &'w Workflow,
    name: &Spanned<String>,
) -> Option<(CollectionIdx, &'w People)> {
    let found = wf.collection(&name.value);
    if found.is_none() {
        let owner = format!("workflow `{}`", wf.id);
        let names = wf.people.iter().map(|p| p.id.as_ref());
        ctx.unknown(
            Code::UnknownPeople,
            Some(&owner),
            "person collection",
            name,
            names,
        );
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
