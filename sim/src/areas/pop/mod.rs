//! Proof-of-Proof: recording ([`record`]) and invariants ([`checks`]).

pub mod checks;
pub mod record;
pub mod reverts;
