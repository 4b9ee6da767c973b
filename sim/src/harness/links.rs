//! Per-link relay delays: a constant part plus a seeded uniform jitter per link and message.
//!
//! madsim's own latency is one range for every link, so the harness delays each message itself
//! and sets madsim's latency to (almost) nothing. Each sender owns a jitter stream, drawn in the
//! order it sends, so delays are reproducible and one peer's traffic never shifts another's.

use hemisim_node::rng::Stream;
use hemisim_node::time::SimDuration;

#[derive(Debug)]
pub struct Links {
    base_us: u64,
    jitter_us: u64,
    jitter_streams: Vec<Stream>,
}

impl Links {
    pub fn new(seed: u64, peer_names: &[String], base_ms: u64, jitter_ms: u64) -> Self {
        let jitter_streams = peer_names.iter().map(|n| Stream::derive(seed, &format!("{n}/link-jitter"))).collect();
        Links { base_us: base_ms * 1_000, jitter_us: jitter_ms * 1_000, jitter_streams }
    }

    /// Delay of one message from peer `from` to another peer.
    pub fn delay(&mut self, from: usize) -> SimDuration {
        let jitter = if self.jitter_us == 0 { 0 } else { self.jitter_streams[from].below_inclusive(self.jitter_us) };
        SimDuration(self.base_us + jitter)
    }

    /// The longest delay any message can take.
    pub fn max_delay(&self) -> SimDuration {
        SimDuration(self.base_us + self.jitter_us)
    }
}
