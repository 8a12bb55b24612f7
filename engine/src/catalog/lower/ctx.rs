//! The lowering context: the file being lowered, where its problems are reported, and the
//! catalog-wide names every file may cite.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, SourceFile, Span, suggest};
use crate::syntax::Spanned;

/// What a lowering step needs: the file it is in and where to report.
pub(crate) struct Ctx<'a> {
    pub(crate) source: &'a SourceFile,
    pub(crate) diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Reports every id that appears twice in a list, pointing at the second.
    pub(crate) fn check_unique<'s>(
        &mut self,
        what: &str,
        ids: impl IntoIterator<Item = &'s Spanned<String>>,
    ) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for id in ids {
            if let Some(first) = seen.get(id.value.as_str()) {
                let d = Diagnostic::new(
                    Code::DuplicateId,
                    format!("{what} `{}` is defined twice", id.value),
                )
                .at(self.source, id.span)
                .label("second definition")
                .note(*first, "first defined here")
                .help(format!("rename one of them; {what} ids must be unique"));
                self.push(d);
            } else {
                seen.insert(&id.value, id.span);
            }
        }
    }
}

/// Catalog-wide names that any file may cite.
pub(crate) struct Known {
    pub(crate) legal: Vec<Arc<str>>,
    pub(crate) units: Vec<Arc<str>>,
    pub(crate) scripting: crate::model::script::Scripting,
}

impl Known {
    pub(crate) fn check_legal(&self, ctx: &mut Ctx<'_>, id: &Spanned<String>) {
        if !self.legal.iter().any(|l| l.as_ref() == id.value) {
            ctx.push(
                Diagnostic::new(
                    Code::UnknownLegalConcept,
                    format!("no legal concept `{}`", id.value),
                )
                .at(ctx.source, id.span)
                .label("not defined in any LegalReference file")
                .help(suggest(
                    &id.value,
                    "legal concepts",
                    self.legal.iter().map(AsRef::as_ref),
                )),
            );
        }
    }

    pub(crate) fn check_unit(&self, ctx: &mut Ctx<'_>, id: &Spanned<String>) {
        if !self.units.iter().any(|u| u.as_ref() == id.value) {
            let names = self.units.iter().map(AsRef::as_ref);
            ctx.unknown(Code::UnknownUnit, None, "unit", id, names);
        }
    }
}
