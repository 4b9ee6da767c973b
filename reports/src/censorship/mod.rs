//! Sequencer censorship and forced inclusion: the record of every censored or forced
//! transaction ([`record`]), the bound each forced transaction's path promises ([`bound`]), the
//! `censorship` summary object, `censorship.csv` and the `censorship_latency` figure.

pub mod bound;
pub mod csv;
pub mod plots;
pub mod record;
pub mod summary;
#[cfg(test)]
pub(crate) mod testutil;
