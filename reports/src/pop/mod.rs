//! Proof-of-Proof: its record, per-block and per-miner metrics, summary, CSVs and figures.

pub mod csv;
pub mod metrics;
pub mod plots;
pub mod record;
pub mod summary;
