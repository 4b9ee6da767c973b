//! Proof-of-Proof: recording ([`record`]) and invariants ([`checks`]); superfinal reverts
//! ([`reverts`]) and the history rewrite attack ([`rewrite`]).

pub mod checks;
pub mod record;
pub mod reverts;
pub mod rewrite;
