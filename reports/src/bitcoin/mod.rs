//! The mock Bitcoin network and the attacks on it: its record, summary, CSVs and figures.

pub mod csv;
pub mod plots;
pub mod record;
pub mod summary;
