//! The settlement layer's Ethereum L1: its record, summary and CSV.

pub mod csv;
pub mod record;
pub mod summary;
