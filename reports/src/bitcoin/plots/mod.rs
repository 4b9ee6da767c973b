//! Figures of the Bitcoin network: block intervals and reorg depths.

mod intervals;
mod reorgs;

pub use intervals::BlockIntervals;
pub use reorgs::ReorgDepths;
