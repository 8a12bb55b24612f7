//! The checked model: what a catalog is made of once its files have been read and checked.
//! Every type here is immutable and indexed (facts, phases and deadlines are slots, not
//! names); the lowering that builds them from the file format lives in
//! `catalog::lower`, so nothing here knows how a file is parsed or reported.

pub mod authority;
pub mod calendar;
pub mod computed;
pub mod condition;
pub mod duty;
pub mod fact;
pub mod graph;
pub mod index;
pub mod indicator;
pub mod instrument;
pub mod legal;
pub mod residents;
pub mod rules;
pub mod script;
pub mod unit;
pub mod workflow;
