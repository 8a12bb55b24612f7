//! Goal indicators computed from stored cases: the figures each case contributes
//! ([`record`]), periods ([`period`]), the computation over a period ([`compute`]), disclosure
//! control ([`disclosure`]), the report a results board is drawn from ([`report`]), the board
//! itself as HTML ([`board`]) and the pseudonymised follow-up export ([`export`]).
//!
//! Sans-IO: the store hands in the records; nothing here reads a clock or a file.

pub mod board;
pub mod compute;
pub mod disclosure;
pub mod export;
pub mod period;
pub mod record;
pub mod report;
