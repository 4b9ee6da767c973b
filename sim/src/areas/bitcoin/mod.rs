//! The mock Bitcoin network and the attacks on it: recording ([`record`]) and invariants
//! ([`checks`]).

pub mod checks;
pub mod record;
