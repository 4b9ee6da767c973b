//! The settlement layer's Ethereum L1: recording ([`record`]) and invariants ([`checks`]).

pub mod checks;
pub mod record;
