//! The BTC tunnel: its record (operations as an enum), totals, summary, CSVs and figure.

pub mod csv;
pub mod metrics;
pub mod plots;
pub mod record;
pub mod summary;

#[cfg(test)]
mod outputs_tests;
#[cfg(test)]
pub(crate) mod testutil;
