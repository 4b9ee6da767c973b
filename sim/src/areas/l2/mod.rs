//! The L2 chain: recording ([`record`]) and invariants ([`checks`], and [`heads`] for the
//! settlement layer's safe and finalized heads).

pub mod checks;
pub mod commits;
pub mod heads;
pub mod record;
