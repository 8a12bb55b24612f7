//! The quality tools: scenarios (a case story and what must hold after each step), rule
//! coverage and mutation testing. They drive the runtime from outside, as a host would.

pub mod coverage;
pub mod mutation;
pub mod scenario;
