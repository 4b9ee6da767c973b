//! Figures of Proof-of-Proof: superfinality latency, the publication timeline and fees.

mod fees;
mod superfinality;
mod timeline;

pub use fees::PopFees;
pub use superfinality::PopSuperfinality;
pub use timeline::PopTimeline;
