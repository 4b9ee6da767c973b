//! The L2 chain: recording ([`record`]) and invariants ([`checks`]).

pub mod checks;
pub mod record;
