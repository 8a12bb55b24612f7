//! Lots: a configuration-driven case workflow engine for social services teams that work with
//! violence in close relationships.
//!
//! Process owners describe case processes in YAML (workflows, instruments, routing rules,
//! indicators, units, legal references). [`Catalog::load`] reads them from a [`Source`], checks
//! them and compiles them into one immutable catalog, collecting every problem as a
//! [`Diagnostic`] with a span and a fix suggestion.

pub mod catalog;
pub mod diagnostics;
pub mod engine;
pub mod indicators;
pub mod model;
pub mod quality;
pub mod runtime;
pub mod schema;
pub mod simulate;
pub mod store;
pub mod syntax;
pub mod text;
pub mod watch;

pub use catalog::{Catalog, FsSource, Loaded, MemorySource, Source, SourceError, Summary};
pub use diagnostics::{Code, Diagnostic, Diagnostics, Severity, SourceFile, Span};
pub use engine::{Applied, Engine, EngineError};
