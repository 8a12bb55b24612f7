//! The catalog: every file loaded, checked and compiled into one immutable value.
//!
//! [`Catalog::load`] reads a [`Source`], parses each file, lowers it to the checked model and
//! runs the cross-file checks. It collects *every* problem as a diagnostic; the catalog is only
//! returned when there are no errors.

pub(crate) mod lower;
pub(crate) mod parse;
pub mod source;

use std::sync::Arc;

pub use source::{FsSource, Input, MemorySource, Source, SourceError};

/// Reads a YAML (or JSON) document that is not a catalog file, such as the events a host hands
/// `lots case`, with the catalog's budgets (depth, aliases, nodes, scalar bytes): a hostile
/// document is a diagnostic at file:line:column, never a hang.
pub fn from_yaml<T: serde::de::DeserializeOwned>(source: &SourceFile) -> Result<T, Diagnostics> {
    let mut diags = Diagnostics::default();
    parse::from_str(source, &mut diags).ok_or(diags)
}

use crate::diagnostics::{Diagnostics, SourceFile};
use crate::model::indicator::Indicator;
use crate::model::instrument::Instrument;
use crate::model::legal::Concept;
use crate::model::rules::Rule;
use crate::model::unit::Unit;
use crate::model::workflow::Workflow;

/// A checked, compiled, immutable set of workflows, instruments, rules, indicators, units and
/// legal concepts. Share it behind an `Arc`.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Workflows.
    pub workflows: Vec<Arc<Workflow>>,
    /// Instruments.
    pub instruments: Vec<Instrument>,
    /// Routing rules, in evaluation order (file order, then order in file).
    pub rules: Vec<Rule>,
    /// Indicators.
    pub indicators: Vec<Indicator>,
    /// Units.
    pub units: Vec<Unit>,
    /// Adult residents per municipality and year (the denominators of rates).
    pub residents: Vec<crate::model::residents::Residents>,
    /// Legal concepts.
    pub legal: Vec<Concept>,
    /// How many files were read.
    pub n_files: usize,
    /// The sandboxed script engine the catalog's scripts were compiled for.
    pub scripting: crate::model::script::Scripting,
    /// The files it was compiled from (YAML and scripts, sorted by name), kept so that a store
    /// can keep the definitions a case is pinned to and compile them again after a restart.
    pub sources: Arc<[SourceFile]>,
    /// Earlier catalogs that hold workflow versions this one does not: cases opened under them
    /// stay on them (with their rules, units and scripts). See [`Catalog::succeed`].
    pub earlier: Vec<Arc<Catalog>>,
}

/// The result of a load: the catalog when there were no errors, and every diagnostic.
#[derive(Debug)]
pub struct Loaded {
    /// The catalog, if it loaded with no errors.
    pub catalog: Option<Catalog>,
    /// Everything found, sorted by file and position.
    pub diagnostics: Diagnostics,
    /// Counts of what was read, even when there were errors.
    pub summary: Summary,
}

/// Counts of what a load read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files read.
    pub files: usize,
    /// Workflows.
    pub workflows: usize,
    /// Phases over all workflows.
    pub phases: usize,
    /// Transitions over all workflows (one per `from` phase).
    pub transitions: usize,
    /// Instruments.
    pub instruments: usize,
    /// Rules.
    pub rules: usize,
    /// Indicators.
    pub indicators: usize,
    /// Units.
    pub units: usize,
    /// Legal concepts.
    pub legal_concepts: usize,
}

impl Catalog {
    /// The catalog a case runs against: this one, or the earlier one that holds the workflow
    /// version (id and content hash) the case is pinned to. `None` when no catalog holds it.
    pub fn for_case(&self, workflow: &str, content_hash: &str) -> Option<&Catalog> {
        let holds = |c: &Catalog| {
            c.workflow(workflow)
                .is_some_and(|w| w.content_hash == content_hash)
        };
        if holds(self) {
            return Some(self);
        }
        self.earlier.iter().map(AsRef::as_ref).find(|c| holds(c))
    }

    /// This catalog as the successor of `previous` (after a reload): it keeps `previous` and
    /// the catalogs `previous` kept, as long as they hold a workflow version this one does not.
    #[must_use]
    pub fn succeed(mut self, previous: &Arc<Catalog>) -> Catalog {
        let mut earlier: Vec<Arc<Catalog>> = previous.earlier.clone();
        let mut plain = (**previous).clone();
        plain.earlier = Vec::new();
        earlier.push(Arc::new(plain));
        earlier.retain(|old| {
            old.workflows.iter().any(|w| {
                self.workflow(&w.id)
                    .is_none_or(|now| now.content_hash != w.content_hash)
            })
        });
        self.earlier = earlier;
        self
    }

    /// Loads, checks and compiles every file of a source.
    pub fn load(source: &dyn Source) -> Result<Loaded, SourceError> {
        let inputs = source.inputs()?;
        let _span = tracing::debug_span!("load", files = inputs.len()).entered();
        let loaded = lower::load(inputs);
        tracing::debug!(
            errors = loaded.diagnostics.n_errors(),
            warnings = loaded.diagnostics.n_warnings(),
            "catalog checked"
        );
        Ok(loaded)
    }

    /// A workflow by id.
    pub fn workflow(&self, id: &str) -> Option<&Arc<Workflow>> {
        self.workflows.iter().find(|w| w.id.as_ref() == id)
    }

    /// A unit by id.
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.id.as_ref() == id)
    }

    /// The units that run a workflow, in catalog order.
    pub fn units_running<'a>(&'a self, workflow: &'a str) -> impl Iterator<Item = &'a Unit> + 'a {
        self.units
            .iter()
            .filter(move |u| u.workflows.iter().any(|w| w.as_ref() == workflow))
    }

    /// An instrument by id.
    pub fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.id.as_ref() == id)
    }

    /// A legal concept by id.
    pub fn concept(&self, id: &str) -> Option<&Concept> {
        self.legal.iter().find(|c| c.id.as_ref() == id)
    }
}
