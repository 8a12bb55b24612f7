//! Lots: a configuration-driven case workflow engine for social services teams that work with
//! violence in close relationships.
//!
//! Process owners describe case processes in YAML (workflows, instruments, routing rules,
//! indicators, units, legal references). [`Catalog::load`] reads them from a [`Source`], checks
//! them and compiles them into one immutable catalog, collecting every problem as a
//! [`Diagnostic`] with a span and a fix suggestion.

pub mod authority;
pub mod calendar;
pub mod catalog;
pub mod condition;
pub mod coverage;
pub mod diagnostics;
pub mod duty;
pub mod graph;
pub mod indicator;
pub mod instrument;
pub mod legal;
pub mod mutation;
pub mod rules;
pub mod runtime;
pub mod scenario;
pub mod schema;
pub mod script;
pub mod secrecy;
pub mod syntax;
pub mod text;
pub mod unit;
pub mod watch;
pub mod workflow;

pub use catalog::{Catalog, FsSource, Loaded, MemorySource, Source, SourceError, Summary};
pub use diagnostics::{Code, Diagnostic, Diagnostics, Severity, SourceFile, Span};
