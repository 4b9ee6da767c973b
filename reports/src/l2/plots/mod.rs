//! Figures of the L2 chain: throughput, fullness and inclusion latency; on a settlement chain,
//! the sequencer's node's heads, and the competing forks of an adversary's reorg.

mod forks;
mod fullness;
mod heads;
mod latency;
pub mod series;
mod throughput;

pub use forks::{L2Forks, has_forks};
pub use fullness::L2Fullness;
pub use heads::L2Heads;
pub(crate) use heads::{Changes, Trace, changes, row_moves, step_trace};
pub use latency::L2Latency;
pub use throughput::L2Throughput;
