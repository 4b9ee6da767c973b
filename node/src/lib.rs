//! hemisim's node logic: deterministic, sans-IO state machines.
//!
//! **Architecture invariant:** nothing in this crate does I/O, reads a clock or knows madsim.
//! Every state machine is driven as `handle(now, input) -> actions` by the simulation harness
//! (the `hemisim` crate), and all randomness comes from [`rng::Stream`]s the harness derives from
//! the run's seed. So every node can be unit-tested directly, and a run is a pure function of
//! its scenario and seed.

pub mod btc;
pub mod eth;
pub mod events;
pub mod hashing;
pub mod l2;
pub mod peer;
#[doc(hidden)]
pub mod planted;
pub mod pop;
pub mod rng;
#[cfg(test)]
pub mod testnet;
#[cfg(test)]
mod testnet_tests;
pub mod time;
pub mod tunnel;
pub mod units;
