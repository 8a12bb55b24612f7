//! Goal indicators computed from stored cases: the figures each case contributes
//! ([`record`]), periods ([`period`]), the computation over a period ([`compute`]), disclosure
//! control ([`disclosure`]), the report a results board is drawn from ([`report`]) and the board
//! itself as HTML ([`board`]).
//!
//! Sans-IO: the store hands in the records; nothing here reads a clock or a file.

pub mod board;
pub mod disclosure;
pub mod period;
pub mod report;
pub mod record;
pub mod export;
