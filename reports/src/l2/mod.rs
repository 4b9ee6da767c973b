//! The L2 chain: its record, summary, CSVs and figures.

pub mod csv;
pub mod plots;
pub mod record;
pub mod summary;
