//! The BTC tunnel: recording ([`record`]) and invariants ([`checks`]). Provenance bundles for
//! `hemisim verify` are [`crate::provenance`]'s.

pub mod checks;
pub mod payouts;
pub mod record;
