//! The simulation harness: runs one scenario under one seed inside madsim.
//!
//! Code map: [`world`] turns a scenario into Bitcoin peers; [`links`] is the per-link delay model;
//! [`faults`] the scenario's partitions, crashes, lossy and slow links and skewed clocks;
//! [`runner`] creates the madsim runtime on a fresh thread, gives every peer a simulated node with
//! an endpoint, drives the peers' state machines and carries out their actions; [`recorder`]
//! writes observations into the trace and routes them to the areas' recorders
//! ([`crate::areas`]); [`collect`] assembles the [`hemisim_reports::record::RunRecord`] when the
//! run ends, after the areas' liveness checks; [`monitor`] checks safety on every observation as
//! it is recorded (and stops the run at the first violation); [`violation`] is what a check
//! finds; [`replicate`] runs `--runs N`
//! replications on worker threads; [`sweep`] runs a grid of scenario variants (`hemisim sweep`)
//! on one work queue.

pub mod adversary;
pub mod collect;
pub mod faults;
pub mod links;
pub mod monitor;
pub mod network;
pub mod recorder;
pub mod replicate;
pub mod runner;
pub mod seeds;
pub mod sweep;
pub mod trace;
pub mod violation;
pub mod world;
