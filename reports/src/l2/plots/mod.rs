//! Figures of the L2 chain: throughput, fullness and inclusion latency.

mod fullness;
mod latency;
pub mod series;
mod throughput;

pub use fullness::L2Fullness;
pub use latency::L2Latency;
pub use throughput::L2Throughput;
